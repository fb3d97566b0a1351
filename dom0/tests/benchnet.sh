#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# benchnet: the PV network's figures for make bench-net (bench/net.sh):
# iperf3 TCP throughput domU->dom0 and dom0->domU, ping round trips, the
# backend's event-channel counts per MiB moved and, by destroying a busy
# and an idle domU of the same configuration, the VM exits the traffic
# cost. Prints "MICA-BENCH net KEY VALUE..." lines; asserts nothing.
. /tests/ctl-lib.sh
. /tests/pvnet-lib.sh
use_guest_tools      # iperf3 in the domU
SECS=${BENCH_NET_SECS:-10}
B=169.254.0.2
I=169.254.0.3
mb() { echo "MICA-BENCH net $*"; }

# netback_stats: "events notifications bytes" of vif DOMID.0 (SIGUSR1 to micanetback).
netback_stats() {
    kill -USR1 "$(pidof micanetback)"
    sleep 1
    grep "vif$1\.0: stats" /var/log/mica/micanetback.log | tail -n 1 |
        sed -n 's/.*tx [0-9]* packets \([0-9]*\) bytes.*rx [0-9]* packets \([0-9]*\) bytes.*events \([0-9]*\) notifications \([0-9]*\).*/\3 \4 \1 \2/p'
}

net_xml bnet $B 00:16:3e:4d:01:02 >/tmp/bnet.xml
net_xml bidle $I 00:16:3e:4d:01:03 >/tmp/bidle.xml
mica create /tmp/bnet.xml >/dev/null && mica create /tmp/bidle.xml >/dev/null
wait_ready bnet >/dev/null && wait_ready bidle >/dev/null || { mb "error domUs not ready"; exit 0; }
idb=$(mica domid bnet); idi=$(mica domid bidle)
mb "domids bnet $idb bidle $idi"

set -- $(netback_stats "$idb")
ev0=$1 no0=$2 by0=$(($3 + $4))
irq0=$(rsh $B "grep -i mica /proc/interrupts" | awk '{s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; t += s} END {print t + 0}')

# dom0's own TCP over loopback and its ping: the reference Xen's anchor
# (../shared/anchors/xen-pvio.md) divides by, with no PV device in the path.
# dom0's /init leaves lo down (nothing else needs it): up first, or both
# print nothing.
ip link set lo up
iperf3 -s -D -1 >/dev/null 2>&1
sleep 1
out=$(iperf3 -c 127.0.0.1 -t "$SECS" -f m 2>&1 | grep -E 'sender|receiver')
mb "iperf3 dom0-loopback $(echo "$out" | awk '/receiver/ {print $7, $8}')"
mb "ping-loopback $(ping -c 20 -i 0.2 127.0.0.1 | sed -n 's/.*min\/avg\/max = \(.*\)/rtt min\/avg\/max \1/p')"

iperf3 -s -D -1 >/dev/null 2>&1
sleep 1
out=$(rsh $B "iperf3 -c 169.254.0.1 -t $SECS -f m 2>&1 | grep -E 'sender|receiver'")
mb "iperf3 domU->dom0 $(echo "$out" | awk '/receiver/ {print $7, $8}')"
rsh $B "iperf3 -s -D -1 >/dev/null 2>&1" >/dev/null
sleep 1
out=$(iperf3 -c $B -t "$SECS" -f m 2>&1 | grep -E 'sender|receiver')
mb "iperf3 dom0->domU $(echo "$out" | awk '/receiver/ {print $7, $8}')"
mb "ping $(ping -c 20 -i 0.2 $B | sed -n 's/.*min\/avg\/max = \(.*\)/rtt min\/avg\/max \1/p')"

set -- $(netback_stats "$idb")
ev1=$1 no1=$2 by1=$(($3 + $4))
irq1=$(rsh $B "grep -i mica /proc/interrupts" | awk '{s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; t += s} END {print t + 0}')
mib=$(( (by1 - by0) / 1048576 ))
mb "moved_mib $mib backend_events $((ev1 - ev0)) backend_notifications $((no1 - no0)) guest_mica_irqs $((irq1 - irq0))"

# Exits: the hypervisor prints each vCPU's exits by reason when a domain ends.
mica destroy bnet; mica destroy bidle
wait_gone bnet; wait_gone bidle
mb "done"
