#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo domU's half of dom0/tests/hotblk.sh: disk hot-plug and I/O that
# dies. Prints "MICA-DOMU-HOT PASS what" / "MICA-DOMU-HOT FAIL what:
# detail" (dom0 relays them) and step lines dom0 waits for. Driven by the
# disks as dom0 attaches and detaches them (mica block-attach/-detach):
#   mica.domu=hotblk  xvda from the XML, then:
#     1. xvdb appears (hot-plug); 4 MiB written and read back ("HOT step 1");
#     2. a dd loop writes xvdb ("HOT step io"); dom0 detaches it: the loop
#        ends with an I/O error, xvdb goes, nothing hangs ("HOT step 2");
#     3. xvdb appears again: step 1's 4 MiB are still there, new data read
#        back ("HOT step 3"); dom0 detaches it idle: xvdb goes ("HOT step 4");
#     5. a loop on xvda, one "HOT rw N" line per verified MiB, for ever:
#        dom0 watches it go on while another domU dies mid-I/O.
#   mica.domu=blkio   a dd loop on xvda ("HOT step io") until the domain is
#                     destroyed, or mica.hot_crash=S: rmmod mica_blk (refused:
#                     the disk is open), then sysrq-c S s into it.
HOT_CRASH=
for word in $(cat /proc/cmdline); do
    case $word in
    mica.hot_crash=*) HOT_CRASH=${word#mica.hot_crash=} ;;
    esac
done

say()  { echo "MICA-DOMU-HOT $*"; }
ok()   { say "PASS $1"; }
bad()  { say "FAIL $1: $2"; }
MIB=1048576

# wait_disk NAME SECONDS: /dev/NAME exists (0) or not within SECONDS.
wait_disk() {
    n=0
    while [ ! -b "/dev/$1" ] && [ $n -lt $(($2 * 5)) ]; do usleep 200000; n=$((n + 1)); done
    [ -b "/dev/$1" ]
}
# wait_no_disk NAME SECONDS: NAME leaves /sys/block.
wait_no_disk() {
    n=0
    while [ -e "/sys/block/$1" ] && [ $n -lt $(($2 * 5)) ]; do usleep 200000; n=$((n + 1)); done
    [ ! -e "/sys/block/$1" ]
}
# sum_of DISK MIB_OFFSET MIBS: sha256 of that range, read past the page cache.
sum_of() {
    dd if="/dev/$1" bs=1M skip="$2" count="$3" iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
}
# write_check DISK MIB_OFFSET MIBS WHAT: random data written and read back.
write_check() {
    dd if=/dev/urandom of=/tmp/hot.data bs=1M count="$3" 2>/dev/null
    want=$(sha256sum /tmp/hot.data | cut -d' ' -f1)
    if ! out=$(dd if=/tmp/hot.data of="/dev/$1" bs=1M seek="$2" oflag=direct 2>&1); then
        bad "$4" "the write failed: $(echo "$out" | head -n 1)"
        return 1
    fi
    got=$(sum_of "$1" "$2" "$3")
    if [ "$got" = "$want" ]; then ok "$4 (sha256 $want)"; return 0; fi
    bad "$4" "wrote sha256 $want, read $got"
    return 1
}
# io_loop DISK: writes of 64 KiB pages past the first 8 MiB, for ever,
# until one fails; its last error in /tmp/io.err, its status in /tmp/io.rc.
io_loop() {
    rm -f /tmp/io.rc /tmp/io.err
    (
        i=0
        while dd if=/dev/urandom of="/dev/$1" bs=64k seek=$((128 + i % 256)) count=16 \
            oflag=direct 2>/tmp/io.err; do
            i=$((i + 16))
        done
        echo "$i" >/tmp/io.rc
    ) &
    IO_PID=$!
}

load_drivers() {
    for a in /sys/bus/pci/devices/*/modalias; do
        [ -f "$a" ] && modprobe -q "$(cat "$a")"
    done
    wait_disk xvda 5 || modprobe -q mica_blk
    if ! wait_disk xvda 120; then
        bad "xvda appears" "$(dmesg | grep -i mica | tail -n 2 | tr '\n' '|')"
        return 1
    fi
}

hot_attach() {
    if ! wait_disk xvdb 300; then
        bad "the hot-plugged xvdb appears" "none after 300 s: $(dmesg | grep -i mica | tail -n 2 | tr '\n' '|')"
        return 1
    fi
    drv=$(basename "$(readlink /sys/block/xvdb/device/driver 2>/dev/null)")
    ok "the hot-plugged xvdb appears ($(cat /sys/block/xvdb/size) sectors, driver $drv)"
    write_check xvdb 0 4 "4 MiB written to xvdb and read back"
    FIRST=$(sum_of xvdb 0 4)
    say "step 1"
}

detach_busy() {
    io_loop xvdb
    sleep 2
    if [ -e /tmp/io.rc ]; then
        bad "a dd loop runs on xvdb" "it ended: $(cat /tmp/io.err)"
    fi
    say "step io"
    if wait_no_disk xvdb 120; then
        ok "xvdb goes away under I/O (detached)"
    else
        bad "xvdb goes away under I/O" "still in /sys/block after 120 s"
    fi
    n=0
    while [ ! -e /tmp/io.rc ] && [ $n -lt 60 ]; do sleep 1; n=$((n + 1)); done
    if [ -e /tmp/io.rc ]; then
        ok "the I/O on xvdb failed and ended (after $(cat /tmp/io.rc) x 64 KiB: $(tail -n 1 /tmp/io.err))"
    else
        bad "the I/O on xvdb ended" "dd still runs 60 s after: $(ps | grep '[d]d if' | head -n 1)"
        kill $IO_PID 2>/dev/null
    fi
    grep -q 'Input/output error\|No such device' /tmp/io.err &&
        ok "dd saw an I/O error" || bad "dd saw an I/O error" "$(cat /tmp/io.err | tr '\n' '|')"
    say "step 2"
}

reattach() {
    if ! wait_disk xvdb 300; then
        bad "xvdb appears again (re-attach)" "none after 300 s"
        return 1
    fi
    ok "xvdb appears again (re-attach)"
    again=$(sum_of xvdb 0 4)
    [ "$again" = "$FIRST" ] && ok "the first 4 MiB survived the detach ($again)" ||
        bad "the first 4 MiB survived the detach" "'$FIRST' then '$again'"
    write_check xvdb 4 2 "2 MiB more written to the re-attached xvdb and read back"
    say "step 3"
    if wait_no_disk xvdb 120; then
        ok "xvdb goes away when detached idle"
    else
        bad "xvdb goes away when detached idle" "still there after 120 s"
    fi
    say "step 4"
}

# For ever: 1 MiB at a time of xvda written and read back, one line each.
rw_forever() {
    n=0
    while :; do
        n=$((n + 1))
        if write_check xvda $((n % 32)) 1 "xvda rw $n" >/tmp/rw.out; then
            say "rw $n"
        else
            cat /tmp/rw.out
        fi
        sleep 1
    done
}

main() {
    load_drivers || return
    ok "xvda appears"
    hot_attach && detach_busy && reattach
    say "step 5"
    rw_forever
}

blkio() {
    load_drivers || return
    io_loop xvda
    say "step io"
    if [ -n "$HOT_CRASH" ]; then
        # The frontend cannot be unloaded while its disk is open. The dd
        # loop opens xvda anew for each write, so between two of them the
        # disk may be closed: hold it open here for the rmmod.
        sleep 1
        exec 3<>/dev/xvda
        if out=$(rmmod mica_blk 2>&1); then
            bad "rmmod mica_blk under I/O is refused" "it was unloaded"
        else
            ok "rmmod mica_blk under I/O is refused ($(echo "$out" | head -n 1))"
        fi
        [ -e /tmp/io.rc ] && bad "the dd loop goes on after the rmmod" "it ended: $(cat /tmp/io.err)" ||
            ok "the dd loop goes on after the rmmod"
        say "step crash"
        sleep "$HOT_CRASH"
        echo 1 >/proc/sys/kernel/sysrq
        echo c >/proc/sysrq-trigger
    fi
    wait $IO_PID
}

case $1 in
blkio) blkio ;;
*) main ;;
esac
