#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# benchblk: bench/blk.sh's dom0 side (docs/pvio.md, block). The same fio
# jobs (sequential 1 MiB write and read, 4 KiB random read; O_DIRECT) run
# in dom0 on a 256 MiB image file on tmpfs, then in a domU on that file as
# its PV disk xvda, once for each micablkback data mode (mica.blk_modes=,
# default "copy map"), then a domU without a disk that only boots (the
# exits every domU boot costs, for bench/blk.sh to subtract). Prints
# "MICA-BENCH ..." lines; micablkback's per-queue counts come from its log.
. /tests/ctl-lib.sh
use_guest_tools      # fio and e2fsprogs in the domU
MODES="copy map"
for word in $(cat /proc/cmdline); do
    case $word in mica.blk_modes=*) MODES=$(echo "${word#mica.blk_modes=}" | tr , ' ') ;; esac
done
DIR=/tmp/benchblk
IMG=$DIR/disk.img
T=/usr/share/mica/guest-tools
fio_dom0() {
    "$T/lib64/ld-linux-x86-64.so.2" --library-path "$T/usr/lib/mica-stubs:$T/lib/x86_64-linux-gnu" \
        "$T/usr/bin/fio" "$@"
}
# The jobs, the same in dom0 and the domU (dom0/guest/blkbench.sh).
JOBS="seqwrite:--rw=write:--bs=1M seqread:--rw=read:--bs=1M randread:--rw=randread:--bs=4k"

mkdir -p $DIR
mount -t tmpfs -o size=400M tmpfs $DIR
truncate -s 256M $IMG
for j in $JOBS; do
    name=${j%%:*}; args=$(echo "${j#*:}" | tr : ' ')
    # shellcheck disable=SC2086
    out=$(fio_dom0 --name=$name --filename=$IMG --size=192M --runtime=20 --time_based=0 \
        --ioengine=psync --direct=0 $args --output-format=terse --terse-version=3 2>&1)
    echo "MICA-BENCH dom0 $name $(echo "$out" | awk -F';' 'NF > 50 { printf "read_kib_s=%s read_iops=%s write_kib_s=%s write_iops=%s", $7, $8, $48, $49 }')"
done

for mode in $MODES; do
    pid=$(pidof micablkback)
    [ -n "$pid" ] && kill "$pid"
    sleep 1
    micablkback -m "$mode" </dev/null >>/var/log/mica/micablkback.log 2>&1 &
    sleep 1
    xml "bb-$mode" blkbench 1 256 "<devices><disk type='file' device='disk'><source file='$IMG'/><target dev='xvda'/></disk></devices>" \
        >/tmp/bb.xml
    echo "MICA-BENCH domu $mode create-start"
    if ! mica create /tmp/bb.xml >/tmp/bb.out 2>&1; then
        echo "MICA-BENCH domu $mode failed: $(head -n 1 /tmp/bb.out)"; continue
    fi
    id=$(mica domid "bb-$mode")
    wait_log "bb-$mode" 'MICA-DOMU-BENCH done' 1800 >/dev/null ||
        echo "MICA-BENCH domu $mode no done line: $(tail -n 2 /var/log/mica/bb-$mode.log | tr '\n\r' '| ')"
    tr -d '\r' <"/var/log/mica/bb-$mode.log" | sed -n "s/^MICA-DOMU-BENCH /MICA-BENCH domu $mode d$id /p"
    wait_gone "bb-$mode" 120 || mica destroy "bb-$mode"
    grep "vbd $id/51712: queue" /var/log/mica/micablkback.log | sed "s/^/MICA-BENCH domu $mode d$id backend /"
done

xml bb-boot poweroff 1 256 >/tmp/bb.xml
echo "MICA-BENCH baseline create-start"
mica create /tmp/bb.xml >/dev/null 2>&1 && echo "MICA-BENCH baseline d$(mica domid bb-boot 2>/dev/null)"
wait_gone bb-boot 600
umount $DIR
echo "MICA-BENCH done"
