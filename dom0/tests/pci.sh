#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pci: the PCI functions dom0's Linux found on Mica's virtual bus
# (public/platform.h), whether MSI is allowed on each, and the kernel log's
# ACPI and PCI complaints. Prints facts; tests/system/dom0.sh checks them.
n=0
for d in /sys/bus/pci/devices/*; do
    [ -e "$d/vendor" ] || continue
    n=$((n + 1))
    echo "MICA-TEST pci dev ${d##*/} $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/class") msi_bus=$(cat "$d/msi_bus" 2>/dev/null)"
done
echo "MICA-TEST pci count $n"

# What the kernel said about the bus, for whoever reads the log.
dmesg | grep -E 'PCI0|pci 0000|pci_bus|PCI:' | while IFS= read -r line; do
    echo "MICA-TEST pci log $line"
done

# Lines that must never appear: each is printed so the runner can show it.
bad='ACPI (BIOS )?(Error|Warning)|Firmware Bug|AE_[A-Z_]+|PCI.*(error|failed|conflict)|pci .*(can.t|BAR .* failed|not responding)|no secondary bus range'
dmesg | grep -iE "$bad" | while IFS= read -r line; do
    echo "MICA-TEST pci bad-log $line"
done
echo "MICA-TEST pci bad-log-count $(dmesg | grep -ciE "$bad")"
