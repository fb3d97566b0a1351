#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# edudomu: a domU drives the PCI function assigned to it (docs/iommu.md
# "Assignment"), in the iommu area's dom0 boot, before iommu.sh (whose
# mica-drvtest edu then shows dom0 has the device back, working). QEMU's
# edu (00:05.0) is made assignable and given to a domU by <hostdev> at
# create; the domU (mica.domu=edutest) runs mica-drvtest edu-domu: the
# function on its own PCI bus, its BAR mapped (identification, liveness,
# factorial), its DMA engine copying between its buffer and the domU's
# pages both ways, and pointed beyond the domU's RAM moving nothing; its
# MSI (mica_edu_msi.ko) counted in the domU. Its lines reach dom0 through
# its console ring (mica console: the domU's UART); each is relayed as a
# MICA-CHECK line (tests/system/areas/iommu.sh relays those and checks the
# hypervisor's lines and QEMU's IOMMU trace). Then destroy gives it back.
. /tests/ctl-lib.sh
EDU=0000:00:05.0
NAME=eduu
TIMEOUT=400

# dom_lines: the domU's "MICA-TEST drv edu-domu" and "MICA-TEST edu-domu"
# lines so far: its console ring from the oldest byte, for 3 seconds
# (stdin kept open meanwhile: mica console sends it to the domU).
dom_lines() {
    sleep 4 | timeout 3 mica console $NAME 2>/dev/null | tr -d '\r' |
        sed -n 's/^.*\(MICA-TEST \(drv \)\{0,1\}edu-domu .*\)$/\1/p'
}

# The domU's Linux finds its virtual bus's functions (Mica's, 4d43) and
# edu (1234:11e8), the one assigned to it, once: no other host function.
lspci_only_its_own() {
    local l f others="" edu=no
    l=$(sed -n 's/^MICA-TEST edu-domu lspci//p' /tmp/$NAME.out | head -n 1)
    for f in $l; do
        case $edu:$f in
        no:*=0x1234:0x11e8) edu=yes ;;
        *=0x4d43:*) ;;
        *) others="$others $f" ;;
        esac
    done
    if [ -n "$l" ] && [ $edu = yes ] && [ -z "$others" ]; then
        ok "edu domU: the domU's PCI functions are its virtual ones and edu only:$l"
    else
        bad "edu domU: the domU's PCI functions are its virtual ones and edu only" \
            "edu ${edu}, others '${others# }' in '${l:-no lspci line}'"
    fi
}

# cmd_of: edu's command register as dom0 reads it (4 hex digits).
cmd_of() { od -An -tx2 -j4 -N2 /sys/bus/pci/devices/$EDU/config | tr -d ' \n'; }

# While the domU has edu, dom0's write to its command register (INTx
# disable flipped: a bit dom0 may set on a function no domU has) is
# dropped: it reads back unchanged.
command_write_dropped() {
    local before after want
    before=$(cmd_of)
    want=$(printf %04x $((0x${before:-0} ^ 0x400)))
    printf "\\$(printf %03o $((0x$want & 0xff)))\\$(printf %03o $((0x$want >> 8)))" |
        dd of=/sys/bus/pci/devices/$EDU/config bs=2 seek=2 count=1 conv=notrunc 2>/dev/null
    after=$(cmd_of)
    if [ -n "$before" ] && [ "$after" = "$before" ]; then
        ok "edu domU: dom0's write of $want to edu's command register (the domU has it) dropped: reads $after"
    else
        bad "edu domU: dom0's write to edu's command register (the domU has it) dropped" \
            "read $before, wrote $want, reads ${after:-nothing}"
    fi
}

[ -e /sys/bus/pci/devices/$EDU ] || { bad "edu domU: dom0 sees edu at $EDU" "no such device"; exit 1; }
check "edu domU: pci-assignable-add $EDU" mica pci-assignable-add $EDU || exit 1
xml $NAME edutest 1 128 "$(hostdev_xml $EDU no)" >/tmp/$NAME.xml
t0=$(cut -d' ' -f1 /proc/uptime)
check "edu domU: create $NAME with <hostdev> $EDU" mica create /tmp/$NAME.xml
n=0
while ! dom_lines | grep -q '^MICA-TEST drv edu-domu done ' && [ $n -lt $TIMEOUT ]; do
    sleep 2; n=$((n + 2))
done
echo "MICA-TEST edudomu seconds $(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)"
dom_lines >/tmp/$NAME.out
if grep -q '^MICA-TEST drv edu-domu done ' /tmp/$NAME.out; then
    ok "edu domU: mica-drvtest edu-domu ran to its end in the domU ($(grep '^MICA-TEST drv edu-domu done ' /tmp/$NAME.out))"
else
    bad "edu domU: mica-drvtest edu-domu ran to its end in the domU" \
        "nothing after ${TIMEOUT}s: $(tail -n 3 /tmp/$NAME.out | tr '\n' '|')"
fi
while read -r _ _ _ what res; do
    case $res in
    ok) ok "edu domU: $what" ;;
    fail*) bad "edu domU: $what" "${res#fail: }" ;;
    esac
done <<LINES
$(grep '^MICA-TEST drv edu-domu ' /tmp/$NAME.out | grep -v ' done ')
LINES
sed -n 's/^MICA-TEST edu-domu \(pages\|outside\) /MICA-TEST edudomu \1 /p' /tmp/$NAME.out
lspci_only_its_own
command_write_dropped
check "edu domU: destroy $NAME (which has it)" mica destroy $NAME
check "edu domU: pci-assignable-remove $EDU" mica pci-assignable-remove $EDU
exit $FAILS
