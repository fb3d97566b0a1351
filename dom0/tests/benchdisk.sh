#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# benchdisk: bench/disk.sh's guest side (issue 12's benchmark, docs/iommu.md).
# Runs unchanged in Mica's dom0 (the disk a physical AHCI function behind
# the IOMMU, dom0_pci=view) and in the same kernel and initramfs booted
# natively on the same QEMU machine. The disk is the first whole disk stock
# drivers found (sda); fio's sequential 1 MiB write and read and 4 KiB
# random read go to it with O_DIRECT, psync, queue depth 1, like the Xen
# anchor's jobs (../shared/anchors/xen-pvio.md). For each job it prints
# "MICA-BENCH disk JOB read_kib_s=.. read_iops=.. write_kib_s=..
# write_iops=.. kib=MOVED irqs=N" (the disk's interrupts during the job, from
# /proc/interrupts). mica.benchdisk=idle only finds the disk: the exits a
# boot costs without the jobs, for bench/disk.sh to subtract.
T=/usr/share/mica/guest-tools
MODE=run
for word in $(cat /proc/cmdline); do
    case $word in mica.benchdisk=*) MODE=${word#mica.benchdisk=} ;; esac
done
fio() {
    "$T/lib64/ld-linux-x86-64.so.2" --library-path "$T/usr/lib/mica-stubs:$T/lib/x86_64-linux-gnu" \
        "$T/usr/bin/fio" "$@"
}
# The disk's interrupts so far: the /proc/interrupts lines naming ahci,
# summed over CPUs.
disk_irqs() {
    awk '/ahci/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break }
         END { print s + 0 }' /proc/interrupts
}

# ahci binds by its PCI modalias at boot; the SCSI disk needs sd_mod.
modprobe -q sd_mod
i=0
while [ ! -b /dev/sda ] && [ $i -lt 60 ]; do
    sleep 1; i=$((i + 1))
done
if [ ! -b /dev/sda ]; then
    echo "MICA-BENCH disk failed: no /dev/sda after 60 s: $(dmesg | grep -iE 'ahci|ata[0-9]|sd ' | tail -n 2 | tr '\n' '|')"
    echo "MICA-BENCH disk done"
    exit 1
fi
echo "MICA-BENCH disk found sda: $(cat /sys/block/sda/size) sectors, $(basename "$(readlink /sys/block/sda/device/driver 2>/dev/null)") on $(basename "$(readlink -f /sys/block/sda/device/../../..)")"
if [ "$MODE" = idle ]; then
    echo "MICA-BENCH disk done"
    exit 0
fi

JOBS="seqwrite:--rw=write:--bs=1M seqread:--rw=read:--bs=1M randread:--rw=randread:--bs=4k"
for j in $JOBS; do
    name=${j%%:*}; args=$(echo "${j#*:}" | tr : ' ')
    before=$(disk_irqs)
    # shellcheck disable=SC2086
    out=$(fio --name=$name --filename=/dev/sda --size=192M --runtime=20 --time_based=0 \
        --ioengine=psync --iodepth=1 --direct=1 $args --output-format=terse --terse-version=3 2>&1)
    after=$(disk_irqs)
    echo "MICA-BENCH disk $name $(echo "$out" | awk -F';' 'NF > 50 { printf "read_kib_s=%s read_iops=%s write_kib_s=%s write_iops=%s kib=%d", $7, $8, $48, $49, $6 + $47 }') irqs=$((after - before))"
done
echo "MICA-BENCH disk done"
