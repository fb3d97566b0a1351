#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# hostdev: device assignment from dom0 (docs/iommu.md "Assignment"), run
# after iommu.sh in the iommu area's dom0 boot (dom0_pci=view, the IOMMU
# on): q35's AHCI (00:1f.2) made assignable (ahci unbound), given to a domU
# by <hostdev> at create, refused where it must be (the domain has it, another
# domU has it, an unknown BDF, the IOMMU's own, the virtual host bridge,
# dom0 as target), taken back, given to a second domU and got back by its
# destroy, then dom0's ahci bound again and the disk read. A <hostdev> the
# hypervisor refuses fails create with the element's line and leaves
# nothing. Prints MICA-CHECK lines (relayed by tests/system/areas/iommu.sh,
# which also checks the hypervisor's log lines).
. /tests/ctl-lib.sh
AHCI=0000:00:1f.2
d=/sys/bus/pci/devices/$AHCI

drv_of() { [ -e "$d/driver" ] && basename "$(readlink "$d/driver")" || echo none; }
# expect_fail WHAT PATTERN CMD...: one "mica: " line matching PATTERN, non-zero status.
expect_fail() {
    what=$1 pat=$2; shift 2
    if out=$("$@" 2>&1); then bad "$what" "it succeeded: $(echo "$out" | head -n 1)"
    elif echo "$out" | grep -q -E "^mica: .*$pat"; then ok "$what ($(echo "$out" | head -n 1))"
    else bad "$what" "want '$pat', got: $(echo "$out" | head -n 2 | tr '\n' '|')"; fi
}
# only_line WHAT WANT CMD...: the command prints exactly WANT.
only_line() {
    what=$1 want=$2; shift 2
    out=$("$@" 2>&1)
    if [ "$out" = "$want" ]; then ok "$what"; else bad "$what" "got '$(echo "$out" | tr '\n' '|')'"; fi
}

[ -e "$d" ] || { bad "dom0 sees the AHCI at $AHCI" "no $d"; exit 1; }
only_line "pci-assignable-list is empty at first" "" mica pci-assignable-list
echo "MICA-TEST hostdev driver-before $(drv_of)"
check "pci-assignable-add $AHCI" mica pci-assignable-add $AHCI
only_line "pci-assignable-list shows it" "$AHCI" mica pci-assignable-list
if [ "$(drv_of)" = none ]; then ok "dom0's driver let it go"; else bad "dom0's driver let it go" "$(drv_of)"; fi
expect_fail "pci-assignable-add twice: refused" "assignable already" mica pci-assignable-add $AHCI
expect_fail "pci-assignable-add of a function dom0 has not: refused" "no such PCI function in dom0" \
    mica pci-assignable-add 0000:00:1e.0

# A <hostdev> at create: the domain has it before it runs.
xml hd1 hold 1 96 "$(hostdev_xml $AHCI no)" >/tmp/hd1.xml
check "create with <hostdev> $AHCI" mica create /tmp/hd1.xml && mica pause hd1
only_line "pci-list hd1 shows $AHCI" "$AHCI" mica pci-list hd1
expect_fail "pci-attach to the domain that has it: refused" "the domain has it already" \
    mica pci-attach hd1 $AHCI
expect_fail "pci-assignable-remove while a domU has it: refused" "domain [0-9]+ has it" \
    mica pci-assignable-remove $AHCI

xml hd2 hold 1 96 >/tmp/hd2.xml
check "create a second domU" mica create /tmp/hd2.xml && mica pause hd2
expect_fail "pci-attach of a function another domU has: refused (EBUSY)" "another domain has it" \
    mica pci-attach hd2 $AHCI
expect_fail "pci-attach of an unknown BDF: refused (ENODEV)" "no such PCI function" \
    mica pci-attach hd2 0000:00:1e.0
iommu=$(mica dmesg | sed -n 's/.*iommu: AMD-Vi found at [^:]*: PCI \([0-9a-f:.]*\) .*/\1/p' | head -n 1)
if [ -n "$iommu" ]; then
    expect_fail "pci-attach of the IOMMU's own function $iommu: refused (EPERM)" \
        "the hypervisor keeps this function" mica pci-attach hd2 "$iommu"
else
    bad "the IOMMU's BDF in the hypervisor's log" "no 'AMD-Vi found at' line"
fi
expect_fail "pci-attach of the virtual host bridge 00:00.0: refused (EPERM)" \
    "the hypervisor keeps this function" mica pci-attach hd2 0000:00:00.0
expect_fail "pci-attach to dom0: refused" "cannot take or give devices" mica pci-attach 0 $AHCI
expect_fail "pci-detach from a domain that does not have it: refused" "the domain does not have it" \
    mica pci-detach hd2 $AHCI

# Round trip: back from hd1, to hd2, back by hd2's destroy.
check "pci-detach hd1 $AHCI" mica pci-detach hd1 $AHCI
only_line "pci-list hd1 is empty after the detach" "" mica pci-list hd1
check "pci-attach hd2 $AHCI (the same function, another domU)" mica pci-attach hd2 $AHCI
only_line "pci-list hd2 shows it" "$AHCI" mica pci-list hd2
check "destroy hd2 (which has it)" mica destroy hd2
check "destroy hd1" mica destroy hd1

# Back to dom0's driver, and the disk works.
check "pci-assignable-remove $AHCI" mica pci-assignable-remove $AHCI
only_line "pci-assignable-list is empty again" "" mica pci-assignable-list
REBINDS=0
if [ "$(drv_of)" = ahci ]; then ok "ahci is bound to the AHCI again"; REBINDS=$((REBINDS + 1)); else bad "ahci is bound again" "$(drv_of)"; fi
i=0
while [ ! -b /dev/sda ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
if dd if=/dev/sda of=/dev/null bs=4096 count=16 iflag=direct 2>/dev/null; then
    ok "dom0 reads its disk through the AHCI it got back"
else
    bad "dom0 reads its disk through the AHCI it got back" "no /dev/sda or a read error"
fi

# managed='yes': create unbinds ahci itself, destroy binds it again.
xml hd3 hold 1 96 "$(hostdev_xml $AHCI yes)" >/tmp/hd3.xml
check "create with <hostdev managed='yes'>" mica create /tmp/hd3.xml && mica pause hd3
if [ "$(drv_of)" = none ]; then ok "managed: create unbound ahci"; else bad "managed: create unbound ahci" "$(drv_of)"; fi
only_line "managed: pci-list hd3 shows it" "$AHCI" mica pci-list hd3
check "destroy hd3" mica destroy hd3
if [ "$(drv_of)" = ahci ]; then ok "managed: destroy bound ahci again"; REBINDS=$((REBINDS + 1)); else bad "managed: destroy bound ahci again" "$(drv_of)"; fi

# A <hostdev> the hypervisor refuses: located, nothing created, nothing leaked.
before=$(free_kb)
xml hd4 hold 1 96 "$(hostdev_xml 0000:00:1e.0 no)" >/tmp/hd4.xml
expect_fail "create with a <hostdev> of an unknown BDF: refused with the element's line" \
    "/tmp/hd4.xml:[0-9]+: hostdev: 0000:00:1e.0: no such PCI function" mica create /tmp/hd4.xml
if mica list hd4 >/dev/null 2>&1; then bad "the refused domain does not exist" "mica list shows hd4"
else ok "the refused domain does not exist"; fi
same "no memory leaked by the refused create (free KiB)" "$before" "$(free_kb)"
only_line "nothing assignable left behind" "" mica pci-assignable-list
# Each time ahci was bound again it enabled its MSI (areas/iommu.sh counts those).
echo "MICA-TEST hostdev rebinds $REBINDS"
exit $FAILS
