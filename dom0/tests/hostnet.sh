#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# hostnet: dom0's own NIC (issue 12), in the dom0 reboot test's first boot
# (tests/system/dom0.sh): QEMU's e1000e on its user-mode network with
# restrict=on, a physical function dom0 drives with stock e1000e behind the
# IOMMU. mica-hostnet, as /init runs it before the shell, sets it up with
# DHCP from QEMU; then dom0 pings QEMU's host address (the DHCP server).
say() { echo "MICA-TEST hostnet $*"; }
i=0
while ! ls /sys/class/net | grep -q '^e' && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
out=$(mica-hostnet)
say "up $? $(echo "$out" | tr '\n' '|')"
# restrict=on offers no router: the peer is QEMU's host address, the DHCP
# server.
gw=$(cat /run/udhcpc.eth*.server 2>/dev/null | head -n 1)
if [ -n "$gw" ] && ping -c 3 -W 5 "$gw" >/tmp/ping.out 2>&1; then
    say "ping $gw ok"
else
    say "ping ${gw:-no-gateway} failed: $(tail -n 2 /tmp/ping.out 2>/dev/null | tr '\n' '|')"
fi
say "irqs $(awk '/eth|e1000/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break } END { print s + 0 }' /proc/interrupts)"
