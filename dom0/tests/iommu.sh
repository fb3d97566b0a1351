#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# iommu: what dom0 sees of a physical PCI function under dom0_pci=view
# (docs/iommu.md): q35's AHCI at 00:1f.2, its IDs and class, the BAR the
# firmware gave it as Linux sized it through the hypervisor's shadow, its
# registers read through that BAR (mapped into dom0's nested page tables),
# and whether a driver bound it; then its command register written through
# sysfs (the hypervisor lets Bus Master, decoding and INTx disable through
# for a function whose DTE points at dom0's I/O page table, nothing else)
# and put back. With QEMU's edu device on the machine, mica-drvtest edu
# programs its DMA engine through sysfs: to and from dom0's pages, beyond
# dom0's RAM, and at the AHCI's registers. Prints facts;
# tests/system/areas/iommu.sh checks them.
d=/sys/bus/pci/devices/0000:00:1f.2
# The command register (config offset 4), read and written as one word.
cmd_rd() { dd if="$d/config" bs=2 skip=2 count=1 2>/dev/null | od -An -tx2 | tr -d ' '; }
cmd_wr() {
    printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))" |
        dd of="$d/config" bs=2 seek=2 count=1 conv=notrunc 2>/dev/null
}
if [ -e "$d/vendor" ]; then
    echo "MICA-TEST iommu ahci $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/class")"
    # resource: one line per BAR, "start end flags"; BAR 5 is the AHCI's ABAR.
    sed -n 6p "$d/resource" | while read -r start end flags; do
        echo "MICA-TEST iommu ahci-bar5 $start $end"
        # Through the BAR the hypervisor mapped: the HBA's CAP and VS registers.
        echo "MICA-TEST iommu ahci-cap $(devmem "$start" 32 2>&1)"
        echo "MICA-TEST iommu ahci-vs $(devmem $((start + 0x10)) 32 2>&1)"
    done
    echo "MICA-TEST iommu ahci-command $(cmd_rd)"
    c0=0x$(cmd_rd)
    # Bus Master and INTx disable set, parity set and SERR flipped: those two must not pass.
    cmd_wr $(((c0 | 0x0004 | 0x0400 | 0x0040) ^ 0x0100))
    echo "MICA-TEST iommu ahci-command-set $c0 0x$(cmd_rd)"
    cmd_wr $((c0))
    echo "MICA-TEST iommu ahci-command-back $c0 0x$(cmd_rd)"
    drv=none
    [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
    echo "MICA-TEST iommu ahci-driver $drv"
else
    echo "MICA-TEST iommu ahci none"
fi
# QEMU's edu device (1234:11e8), when the machine has one.
for dev in /sys/bus/pci/devices/*; do
    if [ "$(cat "$dev/vendor")" = 0x1234 ] && [ "$(cat "$dev/device")" = 0x11e8 ]; then
        mica-drvtest edu
        break
    fi
done
