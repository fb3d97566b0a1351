#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# storm: an interrupt storm from a device cannot starve another domain of
# CPU (issue 12; docs/iommu.md "Storms"). Run before drv.sh (which stops
# the store daemon mica create needs) in the iommu area's dom0 boot
# (dom0_pci=view, QEMU's edu at 00:05.0). mica_edu_irq.ko gives edu
# one MSI with a handler that acknowledges it, bound to dom0's vCPU 0
# (on pCPU 0: dom0_vcpus_pin), and a domU that counts loops
# (mica.domu=count) is pinned to pCPU 0 too, where every device's MSI
# lands: the hypervisor's handlers and dom0's both take their time from
# it, with equal weights. Its loops per second are measured quiet, then
# while edu floods: the driver's refire parameter makes its handler raise
# the interrupt again each time (a device that never stays quiet), started
# by one raise (mica-drvtest edu-storm DEV 0). The domU must keep at least
# a quarter of its quiet rate (a domU
# starved by the handlers gets next to nothing), the hypervisor must log
# edu's throttling, dom0 must answer a command meanwhile, and after the
# flood one raise must again be one interrupt. Prints "MICA-CHECK PASS
# storm: ..." lines (tests/system/areas/iommu.sh relays them) and
# "MICA-TEST storm ..." values.
. /tests/ctl-lib.sh
EDU=0000:00:05.0
d=/sys/bus/pci/devices/$EDU
KO=/usr/lib/mica/tests/mica_edu_irq.ko
DOMU=storm-burn
CON=/tmp/storm-console.log
REFIRE=/sys/module/mica_edu_irq/parameters/refire
WIN_S=4             # each measured window, in dom0's seconds
SHARE_DIV=4         # the domU keeps at least 1/SHARE_DIV of its quiet rate

say() { echo "MICA-TEST storm $*"; }
# edu_irqs: edu's interrupts in dom0's /proc/interrupts, every CPU's column summed.
edu_irqs() {
    awk '/mica_edu_irq/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n; exit }' \
        /proc/interrupts
}
# raise_once: one write of edu's raise register; prints how many interrupts dom0 counted for it.
raise_once() {
    sleep 1                         # any throttled window over, what waited delivered
    b=$(edu_irqs)
    mica-drvtest edu-storm $d 0 >/dev/null
    sleep 1
    echo $(($(edu_irqs) - b))
}
# last_loops: "SECONDS COUNT" of the domU's newest loop line.
last_loops() {
    tr -d '\r' <$CON | sed -n 's/^MICA-DOMU-LOOPS \([0-9]*\) \([0-9]*\)$/\1 \2/p' | tail -n 1
}
# nr_loops: how many loop lines the domU has printed.
nr_loops() {
    n=$(tr -d '\r' <$CON 2>/dev/null | grep -c '^MICA-DOMU-LOOPS')
    echo "${n:-0}"
}
# rate_between "S0 N0" "S1 N1": loops per second of the domU's uptime, 0 without progress.
rate_between() {
    set -- $1 $2
    if [ $# -eq 4 ] && [ "$3" -gt "$1" ]; then echo $((($4 - $2) / ($3 - $1))); else echo 0; fi
}
cleanup() {
    echo 0 >$REFIRE 2>/dev/null
    [ -n "$conpid" ] && kill "$conpid" 2>/dev/null
    mica destroy $DOMU >/dev/null 2>&1
    check "storm: mica_edu_irq unloaded" rmmod mica_edu_irq
}

if [ "$(cat $d/vendor 2>/dev/null) $(cat $d/device 2>/dev/null)" = "0x1234 0x11e8" ]; then
    ok "storm: dom0 sees edu at $EDU"
else
    bad "storm: dom0 sees edu at $EDU" "$(cat $d/vendor $d/device 2>&1 | tr '\n' ' ')"; exit 1
fi
check "storm: insmod mica_edu_irq.ko" insmod $KO || exit 1
drv=$(basename "$(readlink $d/driver 2>/dev/null)")
[ "$drv" = mica_edu_irq ] && ok "storm: mica_edu_irq binds edu" || bad "storm: mica_edu_irq binds edu" "driver '$drv'"
line=$(grep mica_edu_irq /proc/interrupts)
say "irq-line $line"
case $line in
*PCI-MSI*) ok "storm: edu's interrupt is an MSI in dom0" ;;
*) bad "storm: edu's interrupt is an MSI in dom0" "'$line'" ;;
esac
n=$(raise_once)
[ "$n" = 1 ] && ok "storm: before the flood one raise is one interrupt" ||
    bad "storm: before the flood one raise is one interrupt" "$n"

irq=$(echo "$line" | sed -n 's/^ *\([0-9]*\):.*/\1/p')
check "storm: edu's interrupt goes to dom0's vCPU 0" sh -c "echo 0 >/proc/irq/$irq/smp_affinity_list"
xml $DOMU count 1 96 "<cputune><vcpupin vcpu='0' cpuset='0'/></cputune>" >/tmp/storm.xml
if ! check "storm: create a counting domU pinned to pCPU 0" mica create /tmp/storm.xml; then
    cleanup; exit 1
fi
: >$CON
mica console $DOMU </dev/null >>$CON 2>&1 &
conpid=$!
i=0
while [ "$(nr_loops)" -lt 4 ] && [ $i -lt 400 ]; do sleep 1; i=$((i + 1)); done
if [ "$(nr_loops)" -lt 4 ]; then
    bad "storm: the domU counts" "after ${i} s: $(tail -c 300 $CON | tr '\r\n' '||')"; cleanup; exit 1
fi
ok "storm: the domU counts (up after ${i} s)"
vl=$(mica vcpu-list)
say "vcpus $(echo "$vl" | tr -s ' ' | tr '\n' '|')"
row=$(echo "$vl" | awk '$2 == 0 && $3 == 0 { print $4 }')
[ "$row" = 0 ] && ok "storm: dom0's vCPU 0 is on pCPU 0 beside the domU" ||
    bad "storm: dom0's vCPU 0 is on pCPU 0 beside the domU" "$(echo "$vl" | tr -s ' ' | tr '\n' '|')"

a=$(last_loops); sleep $WIN_S; b=$(last_loops)
quiet=$(rate_between "$a" "$b")
say "quiet $quiet loops/s ($a -> $b)"

storms0=$(mica dmesg | grep -c "PCI $EDU MSI: interrupt storm")
irq0=$(edu_irqs)
echo 1 >$REFIRE
taskset -c $(($(nproc) - 1)) mica-drvtest edu-storm $d 0 >/dev/null
sleep 1
a=$(last_loops); sleep $WIN_S; b=$(last_loops)
check "storm: dom0 answers mica list during the flood" mica list
echo 0 >$REFIRE
irq1=$(edu_irqs)
stormy=$(rate_between "$a" "$b")
say "during $stormy loops/s ($a -> $b)"
say "dom0-irqs $((irq1 - irq0))"
# The flood is more than a trickle: 1000 interrupts in the window (an idle edu has none).
if [ $((irq1 - irq0)) -gt 1000 ]; then
    ok "storm: edu flooded dom0 with interrupts ($((irq1 - irq0)) in about $((WIN_S + 1)) s)"
else
    bad "storm: edu flooded dom0 with interrupts" "$((irq1 - irq0)) in about $((WIN_S + 1)) s"
fi
if [ "$quiet" -gt 0 ] && [ $((stormy * SHARE_DIV)) -ge "$quiet" ]; then
    ok "storm: the domU on pCPU 0 keeps at least 1/$SHARE_DIV of its CPU during the storm ($stormy of $quiet loops/s)"
else
    bad "storm: the domU on pCPU 0 keeps at least 1/$SHARE_DIV of its CPU during the storm" "$stormy of $quiet loops/s"
fi
storms1=$(mica dmesg | grep -c "PCI $EDU MSI: interrupt storm")
mica dmesg | grep "PCI $EDU MSI: interrupt storm" | tail -n 2 | sed 's/^/MICA-TEST storm log /'
[ "$storms1" -gt "$storms0" ] && ok "storm: the hypervisor logs edu's throttling ($((storms1 - storms0)) lines)" ||
    bad "storm: the hypervisor logs edu's throttling" "$storms0 lines before, $storms1 after"
n=$(raise_once)
[ "$n" = 1 ] && ok "storm: after the flood one raise is one interrupt again" ||
    bad "storm: after the flood one raise is one interrupt again" "$n"
cleanup
exit $((FAILS > 0))
