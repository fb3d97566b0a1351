#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# hotblk: PV disks that come and go, and I/O that dies (issue 11; the
# guest's half is dom0/guest/hotblk.sh).
#   1. hot-plug: hb-a runs with xvda; `mica block-attach` gives it xvdb,
#      which it uses; `mica block-detach` while a dd loop writes it: the
#      guest's dd fails, the disk goes, the detach completes without
#      --force (mica_blk lets go of a disk in use, as Linux's xen-blkfront
#      does); re-attached, the data is still there and new data reads back;
#      detached idle.
#   2. hb-b destroyed while a dd loop writes its xvda;
#   3. hb-c crashes (sysrq-c) while a dd loop writes its xvda, is kept
#      (on_crash preserve), then destroyed.
# After each: micablkback runs and keeps serving hb-a's xvda (its guest
# writes and verifies a MiB every second), dom0 maps no more grants than
# before, the device's store directories are gone, and the hypervisor's
# free memory is back to its value before. micablkback runs with -m map
# here (HOTBLK_MODE): the guest's data pages are mapped into dom0 while a
# request is served, so a domain that dies mid-request leaves pages that
# must come back (the pvblk script runs the default, copy).
. /tests/ctl-lib.sh
DIR=/tmp/hotblk
MAPS=/sys/class/misc/mica-gntdev/grant_maps
LOGA=/var/log/mica/hb-a.log
BLOG=/var/log/mica/micablkback.log

disk_xml() { echo "<devices><disk type='file' device='disk'><source file='$DIR/$1'/><target dev='xvda'/></disk></devices>$2"; }

# wait_hot DOMAIN STEP [SECONDS]: the guest printed "MICA-DOMU-HOT step STEP".
wait_hot() {
    wait_log "$1" "^MICA-DOMU-HOT step $2\$" "${3:-300}" >/dev/null && return 0
    bad "$1 reaches step $2" "log: $(tail -n 3 /var/log/mica/$1.log | tr '\n\r' '| ')"
    return 1
}
# The number of hb-a's last verified MiB of xvda.
last_rw() { tr -d '\r' <$LOGA | grep -a '^MICA-DOMU-HOT rw ' | tail -n 1 | cut -d' ' -f3; }
# rw_goes_on WHAT: hb-a verifies more MiB of xvda within 90 s.
rw_goes_on() {
    n0=$(last_rw) n=0
    while [ $n -lt 90 ]; do
        now=$(last_rw)
        if [ -n "$now" ] && [ "$now" -gt "${n0:-0}" ]; then
            ok "micablkback keeps serving hb-a's xvda $1 (MiB $n0 -> $now verified)"
            return 0
        fi
        sleep 1; n=$((n + 1))
    done
    bad "micablkback keeps serving hb-a's xvda $1" "no MiB verified in 90 s (last $n0): $(tail -n 2 $LOGA | tr '\n\r' '| ')"
}
# settles WHAT FILE/CMD WANT: CMD's output comes to WANT within 30 s.
settles() {
    n=0
    while [ "$(eval "$2")" != "$3" ] && [ $n -lt 30 ]; do sleep 1; n=$((n + 1)); done
    same "$1" "$3" "$(eval "$2")"
}
# quiet: hb-a paused, its requests in micablkback answered (in map mode
# each maps its pages and makes holes in dom0: the counts move meanwhile).
quiet() { mica pause hb-a && sleep 2; }
calm() { mica unpause hb-a; }
# MAPS0 and FREE0: the counts, quiet.
sample() { quiet; MAPS0=$(cat $MAPS) FREE0=$(free_kb); calm; }
# be_dir PATH: "gone", or what the store still has under PATH.
be_dir() {
    if out=$(mica store ls "$1" 2>/dev/null); then echo "there: $(echo "$out" | tr '\n' ' ')"; else echo gone; fi
}
back_to_before() {  # WHAT MAPS FREE_KB [DOMID]
    if [ -n "${4:-}" ]; then
        settles "$1's backend directory is gone" \
            "be_dir /local/domain/0/backend/vbd/$4" gone
        # What the backend did for it (the line queue_disconnect logs).
        served=$(sed -n "s|.*vbd $4/51712: queue 0: \([0-9]*\) requests.*|\1|p" $BLOG | tail -n 1)
        [ "${served:-0}" -gt 0 ] && ok "micablkback served $1 ($served requests) and let go of it" ||
            bad "micablkback served $1 and let go of it" "$(grep "vbd $4/" $BLOG | tail -n 2 | tr '\n' '|')"
    fi
    [ -n "${4:-}" ] && quiet
    settles "no grant of $1 stays mapped in dom0" "cat $MAPS" "$2"
    settles "the hypervisor's free memory is back after $1 (KiB)" free_kb "$3"
    [ -n "${4:-}" ] && calm
    check "micablkback still runs after $1" pidof micablkback
}
detach_timed() {  # WHAT ARGS...
    what=$1; shift
    t0=$(date +%s)
    if out=$(mica block-detach "$@" 2>&1); then
        ok "$what ($(($(date +%s) - t0)) s)"
    else
        bad "$what" "$out"
        mica block-detach --force "$@" >/dev/null 2>&1
    fi
}

setup() {
    pid=$(pidof micablkback) && kill "$pid"
    n=0
    while pidof micablkback >/dev/null && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
    micablkback -m "${HOTBLK_MODE:-map}" </dev/null >>$BLOG 2>&1 &
    sleep 1
    check "micablkback -m ${HOTBLK_MODE:-map} is running" pidof micablkback
    rm -rf $DIR; mkdir -p $DIR
    check "a tmpfs for the images" mount -t tmpfs -o size=300M tmpfs $DIR
    for f in a h b c; do truncate -s 64M $DIR/$f.img; done
    # The hypervisor's free memory before any domain of this script. dom0
    # has mapped grants before (pvblkhost, pvblk): its maptrack, two pages
    # the hypervisor allocates at dom0's first map and keeps, is not ours.
    free_start=$(free_kb)
    maps_start=$(cat $MAPS)
    xml hb-a hotblk 1 128 "$(disk_xml a.img)" >$DIR/a.xml
    check "create hb-a with xvda" mica create $DIR/a.xml
}

hotplug() {
    wait_log hb-a '^MICA-DOMU-HOT PASS xvda appears' 180 >/dev/null ||
        bad "hb-a's xvda appears" "log: $(tail -n 3 $LOGA | tr '\n\r' '| ')"
    maps_a=$(cat $MAPS)
    check "block-attach hb-a h.img xvdb" mica block-attach hb-a $DIR/h.img xvdb || return
    wait_hot hb-a 1 || return
    st=$(mica block-list hb-a | awk '$1 == "xvdb" { print $6 "/" $7 }')
    same "block-list: xvdb Connected on both sides" Connected/Connected "$st"
    wait_hot hb-a io || return
    sleep 3
    detach_timed "block-detach hb-a xvdb while the guest writes it" hb-a xvdb
    wait_hot hb-a 2 120
    quiet
    settles "xvdb's grants are unmapped after its detach" "cat $MAPS" "$maps_a"
    calm
    check "block-attach hb-a h.img xvdb again" mica block-attach hb-a $DIR/h.img xvdb || return
    wait_log hb-a '^MICA-DOMU-HOT PASS 2 MiB more' 300 >/dev/null
    wait_hot hb-a 3 || return
    detach_timed "block-detach hb-a xvdb (idle)" hb-a xvdb
    wait_hot hb-a 4 120
    quiet
    settles "no grant of the idle xvdb stays mapped" "cat $MAPS" "$maps_a"
    calm
    mica block-list hb-a | grep -q '^xvdb' && bad "block-list no longer shows xvdb" "$(mica block-list hb-a)" ||
        ok "block-list no longer shows xvdb"
}

destroy_mid_io() {
    wait_hot hb-a 5 120 || return
    sample
    xml hb-b blkio 1 128 "$(disk_xml b.img)" >$DIR/b.xml
    check "create hb-b (a dd loop on its xvda)" mica create $DIR/b.xml || return
    idb=$(mica domid hb-b)
    wait_hot hb-b io 180 || return
    sleep 3
    check "destroy hb-b while its dd runs" mica destroy hb-b
    wait_gone hb-b 60 || bad "hb-b is gone" "still listed"
    back_to_before "hb-b (destroyed mid-I/O)" "$MAPS0" "$FREE0" "$idb"
    rw_goes_on "after hb-b was destroyed mid-I/O"
}

crash_mid_io() {
    sample
    xml hb-c "blkio mica.hot_crash=3" 1 128 "$(disk_xml c.img)<on_crash>preserve</on_crash>" >$DIR/c.xml
    check "create hb-c (a dd loop on its xvda, then sysrq-c)" mica create $DIR/c.xml || return
    idc=$(mica domid hb-c)
    wait_hot hb-c io 180 || return
    wait_hot hb-c crash 60
    n=0
    while [ "$(field hb-c state)" != crashed ] && [ $n -lt 60 ]; do sleep 1; n=$((n + 1)); done
    same "hb-c crashed mid-I/O and is kept" crashed "$(field hb-c state)"
    relay hb-c
    rw_goes_on "while hb-c lies crashed"
    check "destroy the crashed hb-c" mica destroy hb-c
    wait_gone hb-c 60 || bad "hb-c is gone" "still listed"
    back_to_before "hb-c (crashed mid-I/O)" "$MAPS0" "$FREE0" "$idc"
    rw_goes_on "after hb-c was destroyed"
}

# A domain's result lines, relayed (hb-a's per-MiB lines only counted).
relay() {
    log=/var/log/mica/$1.log
    tr -d '\r' <$log | grep -a '^MICA-DOMU-HOT \(PASS\|FAIL\) ' | grep -v 'xvda rw ' |
        while read -r _ verdict rest; do
            case $verdict in
            PASS) echo "MICA-CHECK PASS $1: $rest" ;;
            FAIL) echo "MICA-CHECK FAIL $1: ${rest%%: *}: ${rest#*: }" ;;
            esac
        done
    fails=$(tr -d '\r' <$log | grep -a -c '^MICA-DOMU-HOT FAIL ')
    same "$1's guest checks have no FAIL" 0 "$fails"
}

t0=$(date +%s)
setup
hotplug
destroy_mid_io
crash_mid_io
relay hb-a
check "destroy hb-a" mica destroy hb-a
wait_gone hb-a 60 || bad "hb-a is gone" "still listed"
back_to_before "every domain" "$maps_start" "$free_start"
# The next scripts get the backend as init started it.
pid=$(pidof micablkback) && kill "$pid"
sleep 1
micablkback </dev/null >>$BLOG 2>&1 &
echo "hotblk: $(($(date +%s) - t0)) s"
umount $DIR
rm -rf $DIR
exit $((FAILS > 0))
