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
# Stock ahci binds the AHCI at boot (by its modalias, with MSI): it is
# unbound first, so the checks below see the device as dom0's drivers leave
# it (decoding on, Bus Master off), then bound again for the disk.
drv=none
[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
echo "MICA-TEST iommu ahci-driver $drv"
[ "$drv" = none ] || echo "${d##*/}" >"$d/driver/unbind"
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
else
    echo "MICA-TEST iommu ahci none"
fi

# The disk on the AHCI (a raw image the system test made, when it gave
# one): stock ahci, bound by its modalias at boot with MSI (the
# hypervisor's vector injecting dom0's), sd_mod giving /dev/sda. 4 MiB of
# random bytes written at 1 MiB with direct I/O and a sync, read back
# direct after the page cache is dropped; both checksums printed (the
# runner compares them with the image's after QEMU ends), and the AHCI's
# interrupt count in /proc/interrupts before and after.
ahci_irqs() {
    awk '/ahci/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; f = 1 }
         END { if (f) print n + 0; else print "none" }' /proc/interrupts
}
[ "$drv" = none ] || echo "${d##*/}" >"/sys/bus/pci/drivers/$drv/bind"
rebound=none
[ -e "$d/driver" ] && rebound=$(basename "$(readlink "$d/driver")")
echo "MICA-TEST iommu ahci-rebound $rebound"
if [ -e "$d/driver" ]; then
    modprobe -q sd_mod
    i=0
    while [ ! -b /dev/sda ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
fi
if [ -b /dev/sda ]; then
    echo "MICA-TEST iommu disk-size $(cat /sys/block/sda/size)"
    echo "MICA-TEST iommu disk-irq-line $(grep ahci /proc/interrupts | head -n1 | tr -s ' ')"
    before=$(ahci_irqs)
    dd if=/dev/urandom of=/tmp/disk.blob bs=1M count=4 2>/dev/null
    echo "MICA-TEST iommu disk-sha-file $(sha256sum </tmp/disk.blob | cut -d' ' -f1)"
    if dd if=/tmp/disk.blob of=/dev/sda bs=1M seek=1 oflag=direct conv=fsync 2>/tmp/disk.err; then
        echo "MICA-TEST iommu disk-write ok"
    else
        echo "MICA-TEST iommu disk-write failed: $(tr '\n' ' ' </tmp/disk.err)"
    fi
    sync
    echo 3 >/proc/sys/vm/drop_caches
    echo "MICA-TEST iommu disk-sha-read $(dd if=/dev/sda bs=1M skip=1 count=4 iflag=direct 2>/dev/null |
        sha256sum | cut -d' ' -f1)"
    echo "MICA-TEST iommu disk-irqs $before $(ahci_irqs)"
    rm -f /tmp/disk.blob
else
    echo "MICA-TEST iommu disk none"
    dmesg | grep -iE 'ahci|ata[0-9]|scsi|sd ' | tail -n 20 | while IFS= read -r line; do
        echo "MICA-TEST iommu disk-log $line"
    done
fi

# The NIC (an e1000e on QEMU's user-mode network with restrict=on, when the
# system test gave one): stock e1000e binds it by its modalias, with MSI-X
# (its table trapped by the hypervisor); dom0 brings it up as 10.0.2.15/24 and
# pings QEMU's gateway 10.0.2.2, which answers even restricted.
nic=
for n in /sys/bus/pci/drivers/e1000e/0000:*/net/*; do
    [ -e "$n" ] && nic=${n##*/}
done
if [ -n "$nic" ]; then
    echo "MICA-TEST iommu nic $nic"
    ip link set "$nic" up
    ip addr add 10.0.2.15/24 dev "$nic"
    i=0
    while [ "$(cat "/sys/class/net/$nic/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 30 ]; do
        sleep 1
        i=$((i + 1))
    done
    echo "MICA-TEST iommu nic-carrier $(cat "/sys/class/net/$nic/carrier" 2>/dev/null)"
    if ping -c 3 -W 5 10.0.2.2 >/tmp/nic.ping 2>&1; then
        echo "MICA-TEST iommu nic-ping $(grep -c 'bytes from 10.0.2.2' /tmp/nic.ping)"
    else
        echo "MICA-TEST iommu nic-ping failed: $(tail -n 2 /tmp/nic.ping | tr '\n' ' ')"
    fi
    echo "MICA-TEST iommu nic-irq-line $(grep -E "$nic" /proc/interrupts | head -n1 | tr -s ' ')"
    echo "MICA-TEST iommu nic-irqs $(awk -v n="$nic" '$NF ~ "^" n { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) c += $i }
        END { print c + 0 }' /proc/interrupts)"
else
    echo "MICA-TEST iommu nic none"
    dmesg | grep -iE 'e1000e' | tail -n 10 | while IFS= read -r line; do
        echo "MICA-TEST iommu nic-log $line"
    done
fi

# QEMU's edu device (1234:11e8), when the machine has one.
for dev in /sys/bus/pci/devices/*; do
    if [ "$(cat "$dev/vendor")" = 0x1234 ] && [ "$(cat "$dev/device")" = 0x11e8 ]; then
        # Printed once it ended: the hypervisor's lines about the domain
        # it makes and destroys would cut into lines still on the UART.
        mica-drvtest edu >/tmp/edu.out 2>&1
        cat /tmp/edu.out
        break
    fi
done

# Hostile messages (after the disk and the NIC are done with): dom0 points
# the AHCI's MSI and the NIC's first MSI-X entry at the IOMMU's registers
# with the hypervisor's timer vector and reads back what it wrote (its own
# image); the AHCI's old values are put back, the NIC's driver bound again. The hypervisor's report at dom0's
# end says whether the devices ever held anything but its messages.
cfg_byte() { dd if="$1/config" bs=1 skip=$(($2)) count=1 2>/dev/null | od -An -tu1 | tr -d ' '; }
cfg_rd32() { dd if="$1/config" bs=4 skip=$(($2 / 4)) count=1 2>/dev/null | od -An -tx4 | tr -d ' '; }
cfg_wr32() {
    printf "\\$(printf %03o $(($3 & 255)))\\$(printf %03o $((($3 >> 8) & 255)))\\$(printf %03o $((($3 >> 16) & 255)))\\$(printf %03o $((($3 >> 24) & 255)))" |
        dd of="$1/config" bs=4 seek=$(($2 / 4)) count=1 conv=notrunc 2>/dev/null
}
cap_of() {      # DEV ID: the offset of its capability ID, or nothing
    p=$(cfg_byte "$1" 0x34); n=0
    while [ -n "$p" ] && [ "$p" -ne 0 ] && [ $n -lt 48 ]; do
        [ "$(cfg_byte "$1" "$p")" -eq "$2" ] && { echo "$p"; return; }
        p=$(cfg_byte "$1" $((p + 1))); n=$((n + 1))
    done
}
msi=$(cap_of "$d" 5)
if [ -n "$msi" ] && [ -e "$d/driver" ]; then
    a0=0x$(cfg_rd32 "$d" $((msi + 4))); d0=0x$(cfg_rd32 "$d" $((msi + 12)))
    cfg_wr32 "$d" $((msi + 4)) 0xfed80000
    cfg_wr32 "$d" $((msi + 12)) 0xf0
    echo "MICA-TEST iommu hostile-msi 0x$(cfg_rd32 "$d" $((msi + 4))) 0x$(cfg_rd32 "$d" $((msi + 12)))"
    cfg_wr32 "$d" $((msi + 4)) "$a0"
    cfg_wr32 "$d" $((msi + 12)) "$d0"
fi
n=/sys/bus/pci/devices/0000:00:04.0
msix=$(cap_of "$n" 17)
if [ -n "$msix" ] && [ -n "$nic" ]; then
    # e1000e claims its BARs exclusively (no /dev/mem while bound): unbound
    # for the write, bound again after, which programs its entries anew.
    echo "${n##*/}" >"$n/driver/unbind"
    t=0x$(cfg_rd32 "$n" $((msix + 4)))
    bar=$(sed -n "$(((t & 7) + 1))p" "$n/resource" | cut -d' ' -f1)
    ent=$((bar + (t & ~7)))
    devmem $ent 32 0xfed80000
    devmem $((ent + 8)) 32 0xf0
    echo "MICA-TEST iommu hostile-msix $(devmem $ent 32 2>&1) $(devmem $((ent + 8)) 32 2>&1)"
    echo "${n##*/}" >/sys/bus/pci/drivers/e1000e/bind
    nic=
    for x in "$n"/net/*; do [ -e "$x" ] && nic=${x##*/}; done
    if [ -n "$nic" ]; then
        ip link set "$nic" up
        ip addr add 10.0.2.15/24 dev "$nic"
        i=0
        while [ "$(cat "/sys/class/net/$nic/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 30 ]; do
            sleep 1
            i=$((i + 1))
        done
    fi
    if ping -c 1 -W 5 10.0.2.2 >/dev/null 2>&1; then
        echo "MICA-TEST iommu hostile-after-ping ok"
    else
        echo "MICA-TEST iommu hostile-after-ping failed"
    fi
fi
