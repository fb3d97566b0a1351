#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pvblk: the PV block device end to end (docs/pvio.md, block). A demo domU
# (mica.domu=blktest, dom0/guest/blktest.sh) with two disks: xvda, a
# sparse 256 MiB image file, and xvdb, a read-only image whose first MiB
# is random. In the guest: mkfs.ext4, PVBLK_MIB MiB (64) of random data
# written, synced, remounted and checked; a write to xvdb refused and its
# bytes read; fio random read/write with verify=crc32c. Meanwhile a hostile
# frontend in dom0 (mica-blkhostile, a loopback) is refused and the domU
# keeps working. After the domain is destroyed: dom0 finds the data in the
# image file (debugfs), micablkback still runs, no grant stays mapped.
. /tests/ctl-lib.sh
use_guest_tools      # fio and e2fsprogs in the domU
MIB=${PVBLK_MIB:-64}
DIR=/tmp/pvblk
IMG=$DIR/disk.img
RO=$DIR/ro.img
MAPS=/sys/class/misc/mica-gntdev/grant_maps
TOOLS=/usr/share/mica/guest-tools
# debugfs from the guest tools, through their own loader and libraries.
debugfs() {
    "$TOOLS/lib64/ld-linux-x86-64.so.2" --library-path \
        "$TOOLS/usr/lib/mica-stubs:$TOOLS/lib/x86_64-linux-gnu" "$TOOLS/usr/sbin/debugfs" "$@"
}

blk_xml() {
    xml pvblk "blktest mica.blk_mib=$MIB mica.ro_sum=$1" 2 256 \
        "<devices>
    <disk type='file' device='disk'><source file='$IMG'/><target dev='xvda'/></disk>
    <disk type='file' device='disk'><source file='$RO'/><target dev='xvdb'/><readonly/></disk>
  </devices>"
}

setup() {
    check "micablkback is running" pidof micablkback
    rm -rf $DIR; mkdir -p $DIR
    # tmpfs: sparse files and hole punching (discard), whatever / is.
    check "a tmpfs for the images" mount -t tmpfs -o size=700M tmpfs $DIR
    truncate -s 256M $IMG
    truncate -s 16M $RO
    dd if=/dev/urandom of=$RO bs=64k count=16 conv=notrunc 2>/dev/null
    ro_sum=$(head -c 1048576 $RO | sha256sum | cut -d' ' -f1)
    blk_xml "$ro_sum" >/tmp/pvblk.xml
    check "create pvblk with two <disk>s" mica create /tmp/pvblk.xml
    id=$(mica domid pvblk)
}

# The guest's result lines, relayed; its data's sum in $SUM.
guest_results() {
    if ! wait_log pvblk 'MICA-DOMU-BLK done' "${PVBLK_WAIT:-1500}" >/dev/null; then
        bad "the guest's block checks finish" \
            "no done line; log: $(tail -n 4 /var/log/mica/pvblk.log | tr '\n\r' '| ')"
    fi
    tr -d '\r' </var/log/mica/pvblk.log | grep -a '^MICA-DOMU-BLK ' >$DIR/guest.out
    while read -r _ verdict rest; do
        case $verdict in
        PASS) ok "guest: $rest" ;;
        FAIL) bad "guest: ${rest%%: *}" "${rest#*: }" ;;
        esac
    done <$DIR/guest.out
    SUM=$(sed -n 's/^MICA-DOMU-BLK SUM //p' $DIR/guest.out)
}

backend_state() {
    same "xvda's backend is Connected (4)" 4 \
        "$(mica store read /local/domain/0/backend/vbd/$id/51712/state 2>&1)"
    same "xvdb's backend says read-only (info 4)" 4 \
        "$(mica store read /local/domain/0/backend/vbd/$id/51728/info 2>&1)"
}

after_destroy() {
    check "destroy pvblk" mica destroy pvblk
    wait_gone pvblk 60 || bad "pvblk is gone" "still listed"
    n=0
    while [ "$(cat $MAPS)" != 0 ] && [ $n -lt 30 ]; do sleep 1; n=$((n + 1)); done
    same "no grant stays mapped in dom0" 0 "$(cat $MAPS)"
    check "micablkback still runs" pidof micablkback
    dbg=$(debugfs -R "dump /data $DIR/data" $IMG 2>&1)
    if [ -s $DIR/data ]; then
        same "dom0 finds the guest's $MIB MiB in the image file (sha256)" "$SUM" \
            "$(sha256sum $DIR/data | cut -d' ' -f1)"
    else
        bad "dom0 finds the guest's data in the image file" "debugfs: $(echo "$dbg" | tail -n 2 | tr '\n' '|')"
    fi
    used=$(du -k $IMG | cut -f1)
    [ "$used" -lt 262144 ] && ok "the image file stays sparse (${used} KiB of 262144)" ||
        bad "the image file stays sparse" "${used} KiB used"
    rm -f $DIR/data
}

setup
# The guest's console, live on dom0's (its lines already say what they check).
( n=0; while [ $n -lt 3000 ]; do sleep 30; n=$((n + 30));
    tr -d '\r' </var/log/mica/pvblk.log 2>/dev/null | grep -a 'MICA-DOMU-BLK' | tail -n 1 |
        sed "s/^/pvblk guest @${n}s: /"; done ) &
tpid=$!
# The hostile frontend (dom0 itself) while the domU works.
sleep 20
BLKHOSTILE_DIR=$DIR mica-blkhostile >$DIR/hostile.out 2>&1 &
hpid=$!
guest_results
wait $hpid
cat $DIR/hostile.out
grep -q 'MICA-CHECK FAIL' $DIR/hostile.out && FAILS=$((FAILS + 1))
grep -q 'MICA-CHECK PASS' $DIR/hostile.out || bad "mica-blkhostile ran" "$(tail -n 2 $DIR/hostile.out)"
check "micablkback still runs after the hostile frontend" pidof micablkback
backend_state
after_destroy
kill $tpid 2>/dev/null
umount $DIR
rm -rf $DIR
exit $((FAILS > 0))
