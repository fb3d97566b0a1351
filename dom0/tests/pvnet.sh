#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pvnet: the PV network device end to end (docs/pvio.md, network). Two
# demo domUs with a vif each on the bridge mica0 (dom0 169.254.0.1, the
# domUs .2 and .3), each running mica.domu=netsh: mica_net.ko up, then a
# shell on TCP port 7000 over its own vif, which this script drives with
# busybox nc. Checks: ping both ways, a checksummed TCP transfer of
# PVNET_MIB MiB (64) dom0->domU, domU->dom0 and domU->domU, a hostile frontend
# (mica-nethostile, a loopback in dom0) refused while neta receives, a NIC
# hot-plugged, used, detached mid-transfer and plugged again, and a domain
# destroyed mid-transfer leaving micanetback serving the other with no
# grant of the dead one mapped. PVNET_FULL=1 (mica.pvnet=full on dom0's
# command line, make stress-net) moves 256 MiB each way instead of 64.
. /tests/ctl-lib.sh
. /tests/pvnet-lib.sh
MIB=${PVNET_MIB:-64}
[ "${PVNET_FULL:-0}" = 1 ] && MIB=${PVNET_MIB:-256}
A=169.254.0.2
B=169.254.0.3
DOM0=169.254.0.1
MAPS=/sys/class/misc/mica-gntdev/grant_maps

now() { cut -d' ' -f1 /proc/uptime; }
secs() { echo "$1 $(now)" | awk '{printf "%.1f s", $2 - $1}'; }

send_cmd() {  # the shell text that sends $MIB MiB of random bytes to HOST PORT, printing their sum
    echo "rm -f /tmp/sf; mkfifo /tmp/sf; sha256sum </tmp/sf >/tmp/ss & " \
         "dd if=/dev/urandom bs=64k count=$((MIB * 16)) 2>/dev/null | tee /tmp/sf |" \
         "nc $1 $2; wait; cut -d' ' -f1 /tmp/ss"
}
listen_cmd() {  # the shell text that receives on PORT in the background into /tmp/rPORT
    echo "rm -f /tmp/r$1 /tmp/h$1; mkfifo /tmp/h$1;" \
         "(nc -l -p $1 <>/tmp/h$1 | sha256sum | cut -d' ' -f1 >/tmp/r$1) </dev/null >/dev/null 2>&1 &" \
         "echo listening"
}
# wait_file IP PATH: PATH's contents in the domU once non-empty (up to 600 s).
wait_file() {
    n=0
    while [ $n -lt 600 ]; do
        v=$(rsh "$1" "cat $2 2>/dev/null")
        [ -n "$v" ] && { echo "$v"; return 0; }
        sleep 2; n=$((n + 2))
    done
    return 1
}

setup() {
    check "micanetback is running" pidof micanetback
    # It makes the bridge once dom0's /init has started it: give it a moment.
    n=0
    while ! ip addr show mica0 2>/dev/null | grep -q "inet 169.254.0.1/16" && [ $n -lt 30 ]; do
        sleep 1; n=$((n + 1))
    done
    check "bridge mica0 carries 169.254.0.1/16" sh -c 'ip addr show mica0 | grep -q "inet 169.254.0.1/16"'
    net_xml neta $A 00:16:3e:4d:00:0a >/tmp/neta.xml
    net_xml netb $B 00:16:3e:4d:00:0b >/tmp/netb.xml
    check "create neta with an <interface>" mica create /tmp/neta.xml
    check "create netb with an <interface>" mica create /tmp/netb.xml
    for d in neta netb; do
        if line=$(wait_log $d 'MICA-DOMU-NET ready' 300); then
            case $line in
            *driver=mica_net*) ok "$d: eth0 is mica_net's ($line)" ;;
            *) bad "$d: eth0 is mica_net's" "$line" ;;
            esac
        else
            bad "$d: its PV NIC came up" "no ready line; log: $(tail -n 3 /var/log/mica/$d.log | tr '\n\r' '| ')"
        fi
    done
    ida=$(mica domid neta); idb=$(mica domid netb)
    export idb
    check "dom0 has vif$ida.0 on mica0" sh -c "ls /sys/class/net/mica0/brif | grep -qx vif$ida.0"
    same "neta's NIC has its XML's MAC" 00:16:3e:4d:00:0a "$(rsh $A 'cat /sys/class/net/eth0/address')"
    same "the backend's state is Connected (4)" 4 \
        "$(mica store read /local/domain/0/backend/vif/$ida/0/state 2>&1)"
}

pings() {
    check "dom0 pings neta" ping -c 3 -W 10 $A
    check "dom0 pings netb" ping -c 3 -W 10 $B
    same "neta pings dom0" ok "$(rsh $A "ping -c 3 -W 10 $DOM0 >/dev/null && echo ok")"
    same "neta pings netb" ok "$(rsh $A "ping -c 3 -W 10 $B >/dev/null && echo ok")"
}

# A transfer checks the receiver's sum against the sender's.
to_dom0() {
    rm -f /tmp/h5001 /tmp/r5001; mkfifo /tmp/h5001
    (nc -l -p 5001 <>/tmp/h5001 | sha256sum | cut -d' ' -f1 >/tmp/r5001) &
    sleep 1
    t0=$(now)
    sent=$(rsh $A "$(send_cmd $DOM0 5001)")
    wait
    same "$MIB MiB TCP neta -> dom0 arrive intact (sha256, $(secs $t0))" "$sent" "$(cat /tmp/r5001)"
}

from_dom0() {
    rsh $A "$(listen_cmd 5002)" >/dev/null
    sleep 1
    rm -f /tmp/sf; mkfifo /tmp/sf
    sha256sum </tmp/sf | cut -d' ' -f1 >/tmp/ss &
    spid=$!
    t0=$(now)
    dd if=/dev/urandom bs=64k count=$((MIB * 16)) 2>/dev/null | tee /tmp/sf | nc $A 5002
    wait $spid
    got=$(wait_file $A /tmp/r5002)
    same "$MIB MiB TCP dom0 -> neta arrive intact (sha256, $(secs $t0))" "$(cat /tmp/ss)" "$got"
}

domu_to_domu() {
    rsh $B "$(listen_cmd 5003)" >/dev/null
    sleep 1
    t0=$(now)
    sent=$(rsh $A "$(send_cmd $B 5003)")
    got=$(wait_file $B /tmp/r5003)
    same "$MIB MiB TCP neta -> netb arrive intact (sha256, $(secs $t0))" "$sent" "$got"
}

# A second NIC hot-plugged into netb (169.254.1.3/24, eth1), used, detached
# while dom0 sends to it (the transfer stalls, nothing hangs), attached again.
B1=169.254.1.3
nic_up() {    # the new NIC in netb: its name, once configured
    rsh $B "n=0; while [ ! -e /sys/class/net/eth1 ] && [ \$n -lt 60 ]; do sleep 1; n=\$((n + 1)); done;
        echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore; ip addr add $B1/24 dev eth1 &&
        ip link set eth1 up && cat /sys/class/net/eth1/address"
}
hotplug() {
    out=$(mica network-attach netb bridge=mica0 mac=00:16:3e:4d:00:1b 2>&1)
    case $out in
    "vif 1: 00:16:3e:4d:00:1b"*) ok "network-attach gives netb vif 1 ($out)" ;;
    *) bad "network-attach gives netb vif 1" "$out" ;;
    esac
    same "netb's hot-plugged eth1 has the MAC asked for" 00:16:3e:4d:00:1b "$(nic_up)"
    check "dom0 pings netb's eth1" ping -c 3 -W 10 $B1
    same "netb sends through eth1" ok "$(rsh $B "ping -I eth1 -c 3 -W 10 $DOM0 >/dev/null && echo ok")"
    rsh $B "$(listen_cmd 5005)" >/dev/null
    sleep 1
    # The sender stalls or fails once the NIC is gone; timeout ends a stall
    # (124). Status 0 would mean all of it arrived: no detach mid-transfer.
    (dd if=/dev/urandom bs=64k count=$((MIB * 16)) 2>/dev/null | timeout 30 nc $B1 5005
     echo $? >/tmp/hp.rc) &
    spid=$!
    sleep 5
    check "network-detach of eth1 while dom0 sends to it" mica network-detach netb 1
    wait $spid
    rc=$(cat /tmp/hp.rc)
    case $rc in
    0 | '') bad "the sender failed or stalled, then ended (no hang)" "status '$rc': it all arrived" ;;
    *) ok "the sender failed or stalled, then ended (no hang, status $rc)" ;;
    esac
    same "netb's eth1 is gone" gone "$(rsh $B 'test -e /sys/class/net/eth1 || echo gone')"
    check "its tap vif$idb.1 is gone" sh -c "n=0; while [ -e /sys/class/net/vif$idb.1 ] && [ \$n -lt 30 ]; do sleep 1; n=\$((n + 1)); done; test ! -e /sys/class/net/vif$idb.1"
    same "netb still answers on eth0" ok "$(rsh $B "ping -c 3 -W 10 $DOM0 >/dev/null && echo ok")"
    # The new NIC has a new MAC: dom0's ARP entry for $B1 names the old one
    # (stale, it would first be probed for seconds), so dom0 forgets it.
    ip neigh flush dev mica0 to $B1
    mica network-attach netb bridge=mica0 mac=00:16:3e:4d:00:1c >/dev/null 2>&1
    same "network-attach again: the NIC comes back" 00:16:3e:4d:00:1c "$(nic_up)"
    check "dom0 pings the re-attached NIC" ping -c 3 -W 10 $B1
    check "network-detach of the idle NIC (by MAC)" mica network-detach netb 00:16:3e:4d:00:1c
}

# neta destroyed while it sends: the backend keeps serving netb, neta's
# ring grants are unmapped, its tap gone.
destroy_mid_transfer() {
    rm -f /tmp/h5004; mkfifo /tmp/h5004
    (nc -l -p 5004 <>/tmp/h5004 >/dev/null) &
    lpid=$!
    (RSH_TIMEOUT=60 rsh $A "$(send_cmd $DOM0 5004)" >/dev/null 2>&1) &
    sleep 5
    check "destroy neta mid-transfer" mica destroy neta
    wait_gone neta 60 || bad "neta is gone" "still listed"
    kill $lpid 2>/dev/null; wait
    n=0
    while [ -e /sys/class/net/vif$ida.0 ] && [ $n -lt 30 ]; do sleep 1; n=$((n + 1)); done
    check "neta's tap vif$ida.0 is gone" test ! -e /sys/class/net/vif$ida.0
    check "micanetback still runs" pidof micanetback
    same "only netb's two ring pages stay mapped in dom0" 2 "$(cat $MAPS)"
    check "dom0 still pings netb" ping -c 3 -W 10 $B
}

setup
pings
# A hostile frontend (dom0 itself, over a loopback) while neta receives.
mica-nethostile 9 >/tmp/hostile.out 2>&1 &
hpid=$!
from_dom0
wait $hpid
cat /tmp/hostile.out
grep -q 'MICA-CHECK FAIL' /tmp/hostile.out && FAILS=$((FAILS + 1))
check "micanetback still runs after the hostile frontend" pidof micanetback
to_dom0
domu_to_domu
hotplug
# Before neta dies: its copies fail then, and are refused as they should be.
if grep -v 'vif0\.' /var/log/mica/micanetback.log | grep -q 'TX packet dropped\|past the ring'; then
    bad "the good domUs had no packet refused" "$(grep -v 'vif0\.' /var/log/mica/micanetback.log | grep -m1 'dropped\|past')"
else
    ok "the good domUs had no packet refused"
fi
destroy_mid_transfer
mica destroy netb >/dev/null 2>&1
wait_gone netb 60
n=0
while [ "$(cat $MAPS)" != 0 ] && [ $n -lt 30 ]; do sleep 1; n=$((n + 1)); done
same "no grant stays mapped once both are gone" 0 "$(cat $MAPS)"
echo "MICA-TEST pvnet fails $FAILS"
[ "$FAILS" = 0 ]
