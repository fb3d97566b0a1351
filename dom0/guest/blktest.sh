#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo domU's half of dom0/tests/pvblk.sh (mica.domu=blktest): the PV
# disks xvda (read-write, empty) and xvdb (read-only, whose first MiB dom0
# filled) through mica_blk.ko. Prints "MICA-DOMU-BLK PASS what" /
# "MICA-DOMU-BLK FAIL what: detail" (dom0 relays them), the data's sum as
# "MICA-DOMU-BLK SUM <sha256>" and "MICA-DOMU-BLK done" last.
#   mica.blk_mib=N  MiB of random data written through ext4 (64)
#   mica.ro_sum=S   sha256 of xvdb's first MiB, as dom0 wrote it
#   mica.fio_mib=N  MiB fio's random read/write verifies (8)
MIB=64
FIO_MIB=8
RO_SUM=
for word in $(cat /proc/cmdline); do
    case $word in
    mica.blk_mib=*) MIB=${word#mica.blk_mib=} ;;
    mica.ro_sum=*) RO_SUM=${word#mica.ro_sum=} ;;
    mica.fio_mib=*) FIO_MIB=${word#mica.fio_mib=} ;;
    esac
done

say()  { echo "MICA-DOMU-BLK $*"; }
ok()   { say "PASS $1"; }
bad()  { say "FAIL $1: $2"; }
check() {  # WHAT CMD...: the command succeeds
    what=$1; shift
    if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$(echo "$out" | tail -n 2 | tr '\n' '|')"; fi
}

# mica_bus by the platform device's PCI ID, mica_blk by the vbd's alias
# (loaded by name too after 5 s, for a guest without a hotplug helper).
for a in /sys/bus/pci/devices/*/modalias; do
    [ -f "$a" ] && modprobe -q "$(cat "$a")"
done
n=0
while { [ ! -b /dev/xvda ] || [ ! -b /dev/xvdb ]; } && [ $n -lt 120 ]; do
    [ $n = 5 ] && modprobe -q mica_blk
    sleep 1; n=$((n + 1))
done
if [ ! -b /dev/xvda ]; then
    bad "xvda appears" "no /dev/xvda after ${n}s; $(dmesg | grep -i mica | tail -n 2 | tr '\n' '|')"
    say done
    exit 1
fi
ok "xvda and xvdb appear (${n}s): $(cat /sys/block/xvda/size) and $(cat /sys/block/xvdb/size 2>/dev/null) sectors, $(ls -d /sys/block/xvda/mq/* | wc -l) queue(s)"
drv=$(basename "$(readlink /sys/block/xvda/device/driver 2>/dev/null)")
[ "$drv" = mica_blk ] && ok "xvda is mica_blk's" || bad "xvda is mica_blk's" "driver '$drv'"
modprobe -q crc32c_generic
modprobe -q ext4

fs_test() {
    check "mkfs.ext4 on xvda (it discards the disk first)" mkfs.ext4 -q -F /dev/xvda
    mkdir -p /mnt
    check "mount xvda" mount -t ext4 /dev/xvda /mnt
    dd if=/dev/urandom of=/mnt/data bs=1M count="$MIB" 2>/dev/null
    sum=$(sha256sum /mnt/data | cut -d' ' -f1)
    check "sync" sync
    check "umount" umount /mnt
    echo 3 >/proc/sys/vm/drop_caches
    check "mount again" mount -t ext4 -o ro /dev/xvda /mnt
    again=$(sha256sum /mnt/data 2>/dev/null | cut -d' ' -f1)
    if [ -n "$sum" ] && [ "$sum" = "$again" ]; then
        ok "$MIB MiB read back after remount match (sha256 $sum)"
    else
        bad "$MIB MiB read back after remount match" "'$sum' then '$again'"
    fi
    umount /mnt
    check "e2fsck finds xvda clean" e2fsck -n -f /dev/xvda
    say "SUM $sum"
}

ro_test() {
    [ "$(cat /sys/block/xvdb/ro 2>/dev/null)" = 1 ] && ok "xvdb is read-only" ||
        bad "xvdb is read-only" "/sys/block/xvdb/ro: $(cat /sys/block/xvdb/ro 2>/dev/null)"
    if dd if=/dev/zero of=/dev/xvdb bs=4k count=1 oflag=direct 2>/dev/null; then
        bad "a write to xvdb is refused" "dd succeeded"
    else
        ok "a write to xvdb is refused"
    fi
    got=$(dd if=/dev/xvdb bs=64k count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ -n "$RO_SUM" ] && [ "$got" = "$RO_SUM" ]; then
        ok "xvdb reads dom0's bytes"
    else
        bad "xvdb reads dom0's bytes" "sha256 $got, dom0 wrote $RO_SUM"
    fi
}

fio_test() {
    # Sizes for TCG: every 4 KiB request is a round trip through dom0.
    out=$(fio --name=verify --filename=/dev/xvda --offset=128M --size=${FIO_MIB}M --rw=randrw \
        --bs=4k --ioengine=psync --direct=1 --verify=crc32c --do_verify=1 \
        --verify_fatal=1 --numjobs=1 2>&1)
    rc=$?
    if [ $rc = 0 ] && echo "$out" | grep -q 'err= 0'; then
        ok "fio random read/write with verify=crc32c ($(echo "$out" | grep -E '^ *(READ|WRITE):' | sed 's/,.*//' | tr -s ' ' | tr '\n' ';'))"
    else
        bad "fio random read/write with verify=crc32c" "rc $rc: $(echo "$out" | grep -iE 'err|verify' | head -n 3 | tr '\n' '|')"
    fi
    out=$(fio --name=big --filename=/dev/xvda --offset=160M --size=16M --rw=write --bs=1M \
        --ioengine=libaio --iodepth=8 --direct=1 --verify=crc32c --do_verify=1 \
        --verify_fatal=1 2>&1)
    rc=$?
    [ $rc = 0 ] && ok "fio 1 MiB writes (indirect requests) with verify=crc32c" ||
        bad "fio 1 MiB writes with verify=crc32c" "rc $rc: $(echo "$out" | grep -iE 'err|verify' | head -n 3 | tr '\n' '|')"
}

fs_test
ro_test
fio_test
say done
