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
check "edu domU: destroy $NAME (which has it)" mica destroy $NAME
check "edu domU: pci-assignable-remove $EDU" mica pci-assignable-remove $EDU
exit $FAILS
