#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ctl: the control plane end to end from dom0 (tests/system/areas/ctl.sh).
# The dom0 driver is bound, `mica info` reports the host, a 2-vCPU 128 MiB
# Debian domU reaches its init (console log and `mica console`), list and
# --json show it, pause/unpause stop and resume it, vcpu-pin and
# vcpu-list, destroy gives back every frame, 20 create/destroy cycles leak
# nothing, bad configurations and bad arguments create nothing.
. /tests/ctl-lib.sh
mkdir -p /tmp/ctl && cd /tmp/ctl || exit 1

# --- the driver and the host -------------------------------------------
drv=$(readlink /sys/bus/pci/devices/0000:00:02.0/driver 2>/dev/null)
case $drv in
*/mica) ok "the dom0 driver is bound to the platform device (00:02.0)" ;;
*) bad "the dom0 driver is bound to the platform device (00:02.0)" "driver link '${drv:-none}'" ;;
esac
for dev in /dev/mica/privcmd /dev/mica/evtchn; do
    if [ -c "$dev" ]; then ok "$dev exists"; else bad "$dev exists" "not a character device"; fi
done
info=$(mica info 2>&1)
if echo "$info" | grep -q -i 'mica' && echo "$info" | grep -q "$(nproc)"; then
    ok "mica info reports the host"
else
    bad "mica info reports the host" "$(echo "$info" | head -n 3 | tr '\n' '|')"
fi
free0=$(free_kb)
if [ -n "$free0" ] && [ "$free0" -gt 131072 ]; then ok "mica info --json gives free memory ($free0 KiB)"
else bad "mica info --json gives free memory" "'$free0'"; fi

# --- one domU, 2 vCPUs, 128 MiB -----------------------------------------
xml ctl-a shell 2 128 >a.xml
check "mica create --dry-run of a good configuration" mica create --dry-run a.xml
same "--dry-run created nothing: free KiB unchanged" "$free0" "$(free_kb)"
check "mica create ctl-a" mica create a.xml
if line=$(wait_log ctl-a '^MICA-DOMU-UP' 180); then
    ok "ctl-a reached its init ($line)"
    case $line in *cpus=2*) ok "ctl-a runs 2 vCPUs" ;; *) bad "ctl-a runs 2 vCPUs" "$line" ;; esac
    case $line in *clocksource=tsc*) ok "ctl-a's clocksource is tsc" ;; *) bad "ctl-a's clocksource is tsc" "$line" ;; esac
    mem=$(echo "$line" | sed -n 's/.*mem_kb=\([0-9]*\).*/\1/p')
    if [ -n "$mem" ] && [ "$mem" -gt 65536 ] && [ "$mem" -le 131072 ]; then ok "ctl-a sees about 128 MiB ($mem KiB MemTotal)"
    else bad "ctl-a sees about 128 MiB" "MemTotal '$mem' KiB"; fi
else
    bad "ctl-a reached its init" "no MICA-DOMU-UP in /var/log/mica/ctl-a.log: $(tail -n 3 /var/log/mica/ctl-a.log 2>/dev/null | tr '\n' '|')"
fi
list=$(mica list)
echo "$list" | sed 's/^/MICA-TEST ctl list /'
if echo "$list" | head -n 1 | grep -q 'Name.*ID.*UUID.*Mem.*VCPUs.*State.*Time'; then ok "mica list has the header"
else bad "mica list has the header" "$(echo "$list" | head -n 1)"; fi
row=$(echo "$list" | grep '^ctl-a ')
set -- $row
if [ "$#" -ge 7 ] && [ "$4" = 128 ] && [ "$5" = 2 ]; then ok "mica list shows ctl-a with 128 MiB and 2 vCPUs"
else bad "mica list shows ctl-a with 128 MiB and 2 vCPUs" "row '$row'"; fi
uuid=$(field ctl-a uuid)
case $uuid in
????????-????-????-????-????????????) ok "list --json gives ctl-a a UUID ($uuid)" ;;
*) bad "list --json gives ctl-a a UUID" "'$uuid'" ;;
esac
id=$(mica domid ctl-a)
[ "$(mica domname "$id")" = ctl-a ] && ok "domid/domname agree ($id)" || bad "domid/domname agree" "domname $id: $(mica domname "$id" 2>&1)"
[ "$(mica domid "$uuid")" = "$id" ] && ok "a domain is found by UUID" || bad "a domain is found by UUID" "$(mica domid "$uuid" 2>&1)"
printf 'echo CONSOLE-INPUT-$((6*7))\n' | timeout 15 mica console ctl-a >console.out 2>&1
if grep -q 'CONSOLE-INPUT-42' console.out; then ok "mica console sends keystrokes and shows the answer"
else bad "mica console sends keystrokes and shows the answer" "$(tail -c 200 console.out | tr '\n' '|')"; fi

# --- vcpu-pin, vcpu-list ----------------------------------------------
check "vcpu-pin ctl-a 1 0" mica vcpu-pin ctl-a 1 0
vl=$(mica vcpu-list ctl-a)
echo "$vl" | sed 's/^/MICA-TEST ctl vcpu-list /'
row=$(echo "$vl" | awk '$1 == "ctl-a" && $3 == 1')
set -- $row
if [ "$4" = 0 ]; then ok "vcpu-list shows vCPU 1 on pCPU 0 after the pin"
else bad "vcpu-list shows vCPU 1 on pCPU 0 after the pin" "row '$row'"; fi

# --- pause / unpause: output and CPU time stop, then resume ---------------
xml ctl-t tick 1 96 >t.xml
check "mica create ctl-t (ticking)" mica create t.xml
wait_log ctl-t '^MICA-DOMU-TICK 3$' 180 >/dev/null || bad "ctl-t ticks" "no tick 3"
check "mica pause ctl-t" mica pause ctl-t
sleep 1
n1=$(grep -c '^MICA-DOMU-TICK' /var/log/mica/ctl-t.log); c1=$(field ctl-t cpu_time_ns)
sleep 4
n2=$(grep -c '^MICA-DOMU-TICK' /var/log/mica/ctl-t.log); c2=$(field ctl-t cpu_time_ns)
same "a paused domU prints nothing: ticks" "$n1" "$n2"
same "a paused domU gets no CPU time: cpu_time_ns" "$c1" "$c2"
st=$(field ctl-t state)
[ "$st" = paused ] && ok "list shows ctl-t paused" || bad "list shows ctl-t paused" "'$st'"
check "mica unpause ctl-t" mica unpause ctl-t
sleep 4
n3=$(grep -c '^MICA-DOMU-TICK' /var/log/mica/ctl-t.log)
[ -n "$n2" ] && [ "${n3:-0}" -gt "$n2" ] && ok "unpaused, it ticks again ($n2 -> $n3)" || bad "unpaused, it ticks again" "$n2 -> $n3"

# --- the README's first minute: mica create /etc/mica/demo.xml -c ----------
# The console is attached before the guest's first line: the kernel's
# banner is in what create -c showed. Input goes to the guest's shell, and
# Ctrl-] detaches, leaving the domain running.
{
    n=0
    until grep -q 'MICA-DOMU-UP' demo.out 2>/dev/null || [ "$n" -ge 180 ]; do sleep 1; n=$((n + 1)); done
    sleep 1; printf 'echo DEMO-INPUT-$((6*7))\n'; sleep 3; printf '\035'
} | timeout 240 mica create /etc/mica/demo.xml -c >demo.out 2>&1
rc=$?
[ "$rc" = 0 ] && ok "mica create /etc/mica/demo.xml -c returns 0 after Ctrl-]" ||
    bad "mica create /etc/mica/demo.xml -c returns 0 after Ctrl-]" "status $rc: $(tail -c 300 demo.out | tr '\r\n' '||')"
first=$(tr -d '\r' <demo.out | awk 'on && NF { print; exit } /^Connected to demo/ { on = 1 }')
case "$first" in
*"Linux version"*) ok "create -c showed the guest from its first line ($first)" ;;
*) bad "create -c showed the guest from its first line" "first line: '$first'" ;;
esac
grep -q 'MICA-DOMU-UP' demo.out && grep -q 'DEMO-INPUT-42' demo.out &&
    ok "the demo domU's shell answered through create -c" ||
    bad "the demo domU's shell answered through create -c" "$(tail -c 300 demo.out | tr '\r\n' '||')"
[ "$(field demo state)" = running ] && ok "Ctrl-] detached and demo keeps running" ||
    bad "Ctrl-] detached and demo keeps running" "state '$(field demo state)'"
check "mica destroy demo" mica destroy demo

# --- destroy gives back every frame -----------------------------------------
check "mica destroy ctl-a" mica destroy ctl-a
check "mica destroy ctl-t (by id)" mica destroy "$(mica domid ctl-t)"
wait_gone ctl-a && wait_gone ctl-t && wait_gone demo || bad "destroyed domains are gone" "$(mica list | tr '\n' '|')"
same "free memory is back to the frame after destroy: free KiB before and after" "$free0" "$(free_kb)"

# --- create/destroy cycles (20; mica.ctl_cycles=N on the command line) ---
xml ctl-c hold 1 96 >c.xml
i=0 errs=0
while [ "$i" -lt "${CTL_CYCLES:-20}" ]; do
    mica create c.xml >/dev/null 2>&1 || errs=$((errs + 1))
    mica destroy ctl-c >/dev/null 2>&1 || errs=$((errs + 1))
    i=$((i + 1))
done
wait_gone ctl-c
[ "$errs" = 0 ] && ok "$i create/destroy cycles all succeeded" || bad "$i create/destroy cycles all succeeded" "$errs failures"
same "after $i cycles free memory is back to the frame: free KiB before and after" "$free0" "$(free_kb)"

# --- bad input creates nothing -----------------------------------------
nd0=$(mica list | wc -l)
n=0 good=0
for f in /tests/bad-xml/*.xml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    out=$(mica create "$f" 2>&1) && continue
    echo "$out" | grep -q "$(basename "$f"):[0-9]" && good=$((good + 1))
done
if [ "$n" -ge 25 ] && [ "$good" = "$n" ]; then ok "all $n bad configurations refused with FILE:LINE"
else bad "all bad configurations refused with FILE:LINE" "$good of $n"; fi
# Larger than free memory but within what a Linux domain may have (4 GiB):
# the free-memory check, not the size limit, must refuse it.
big=$(( $(free_kb) / 1024 + 256 ))
xml ctl-big hold 1 "$big" >big.xml
out=$(mica create big.xml 2>&1) && bad "a domU larger than free memory is refused" "it was created" ||
    { echo "$out" | grep -q '^mica: create: big.xml:[0-9]*: memory: .*free' &&
      ok "a domU larger than free memory is refused ($out)" ||
      bad "a domU larger than free memory is refused at <memory>" "$out"; }
xml ctl-big hold 1 999999 >huge.xml
check_fails "a domU larger than a Linux domain may be is refused" mica create huge.xml
xml ctl-a shell 1 96 >dup.xml
check "create ctl-a again" mica create dup.xml
out=$(mica create dup.xml 2>&1) && bad "a duplicate name is refused" "it was created" ||
    { echo "$out" | grep -q '^mica: create: dup.xml:[0-9]*: name: .*ctl-a' && ok "a duplicate name is refused ($out)" ||
      bad "a duplicate name is refused at its element" "$out"; }
check "destroy ctl-a" mica destroy ctl-a
wait_gone ctl-a
[ "$(mica list | wc -l)" = "$nd0" ] && ok "bad input left no domain behind" || bad "bad input left no domain behind" "$(mica list | tr '\n' '|')"
same "bad input left no frame behind: free KiB before and after" "$free0" "$(free_kb)"
check_fails "an unknown verb is refused" mica frobnicate
check_fails "an unknown flag is refused" mica list --frobnicate
check_fails "an unknown domain is refused" mica pause no-such-domain
check_fails "a non-root user is refused" as_nobody mica list

echo "MICA-TEST ctl fails $FAILS"
[ "$FAILS" = 0 ]
