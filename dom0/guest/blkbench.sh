#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The demo domU's half of make bench-blk (mica.domu=blkbench): the fio jobs
# of dom0/tests/benchblk.sh on the PV disk xvda, one
# "MICA-DOMU-BENCH NAME read_kib_s=... write_iops=..." line each, then
# "MICA-DOMU-BENCH done" and a power-off (the hypervisor then logs this
# domain's exits by reason).
for a in /sys/bus/pci/devices/*/modalias; do
    [ -f "$a" ] && modprobe -q "$(cat "$a")"
done
n=0
while [ ! -b /dev/xvda ] && [ $n -lt 120 ]; do
    [ $n = 5 ] && modprobe -q mica_blk
    sleep 1; n=$((n + 1))
done
for j in seqwrite:--rw=write:--bs=1M seqread:--rw=read:--bs=1M randread:--rw=randread:--bs=4k; do
    name=${j%%:*}; args=$(echo "${j#*:}" | tr : ' ')
    # shellcheck disable=SC2086
    out=$(fio --name=$name --filename=/dev/xvda --size=192M --runtime=20 --ioengine=psync \
        --direct=1 $args --output-format=terse --terse-version=3 2>&1)
    echo "MICA-DOMU-BENCH $name $(echo "$out" | awk -F';' 'NF > 50 { printf "read_kib_s=%s read_iops=%s write_kib_s=%s write_iops=%s", $7, $8, $48, $49 }')"
done
echo "MICA-DOMU-BENCH done"
poweroff -f
