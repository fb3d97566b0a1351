#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# plat: what the builder gives a domU besides its RAM (tests/system/areas/
# plat.sh): its store and console rings (params read back through privcmd
# match the special gfns and the ports in the store), its store nodes with
# Xen's owners, INTRODUCE and RELEASE seen as @introduceDomain and
# @releaseDomain, destroy removing its nodes, `mica shutdown`/`reboot` of a
# guest without PV drivers failing after the timeout (and --force), and
# create refused, leaving nothing, while micastored is not running.
. /tests/ctl-lib.sh
mkdir -p /tmp/plat && cd /tmp/plat || exit 1

# eq WHAT GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1 ($3)"; else bad "$1" "got '$2', want '$3'"; fi; }
sread() { mica store read "$1" 2>&1; }
# watch_special NAME FILE: two events of @NAME (the first fires at once) into FILE, in the background.
watch_special() { mica store watch -n 2 -t 120 "@$1" >"$2" 2>&1 & }
# seen WHAT PID FILE: the watcher ended with its two events.
seen() {
    if wait "$2" && [ "$(wc -l <"$3")" -eq 2 ]; then ok "$1"
    else bad "$1" "$(tr '\n' '|' <"$3")"; fi
}

check "the store daemon answers (mica store ls /)" mica store ls /

# --- create: rings, params, nodes, INTRODUCE ------------------------------
watch_special introduceDomain intro.txt; wpid=$!
sleep 1
ns="xmlns:mica='http://mica-hypervisor.org/schemas/domain/1.0'"
# plat-a runs without the PV drivers (mica.pv=off): the shutdown and reboot
# checks below are the timeout path of a guest that cannot be asked.
xml plat-a "hold mica.pv=off" 1 128 "<mica:store nodes='1500' watches='200'/>" |
    sed "s|<domain type='mica'>|<domain type='mica' $ns>|" >a.xml
check "mica create plat-a" mica create a.xml
id=$(mica domid plat-a)
uuid=$(field plat-a uuid)
seen "the store saw plat-a introduced (@introduceDomain)" "$wpid" intro.txt
d=/local/domain/$id
eq "$d/name" "$(sread $d/name)" plat-a
eq "$d/domid" "$(sread $d/domid)" "$id"
eq "$d/vm" "$(sread $d/vm)" "/vm/$uuid"
eq "/vm/$uuid/uuid" "$(sread /vm/$uuid/uuid)" "$uuid"
eq "$d: dom0's, readable by the guest" "$(mica store perms $d 2>&1)" "n0 r$id"
eq "$d/name inherits that" "$(mica store perms $d/name 2>&1)" "n0 r$id"
eq "$d/control: the guest's" "$(mica store perms $d/control 2>&1)" "n$id"
eq "$d/control/shutdown: the guest's" "$(mica store perms $d/control/shutdown 2>&1)" "n$id"
eq "$d/data: the guest's" "$(mica store perms $d/data 2>&1)" "n$id"
eq "$d/store/ring-ref is the special gfn 0xfc" "$(sread $d/store/ring-ref)" 252
eq "$d/console/ring-ref is the special gfn 0xfd" "$(sread $d/console/ring-ref)" 253
sport=$(sread $d/store/port)
cport=$(sread $d/console/port)
if [ "$sport" -gt 0 ] 2>/dev/null && [ "$cport" -gt 0 ] && [ "$sport" != "$cport" ]; then
    ok "two ports for the rings ($sport, $cport)"
else
    bad "two ports for the rings" "store '$sport' console '$cport'"
fi
eq "params through privcmd: store gfn, port, console gfn, port" \
    "$(mica-drvtest param "$id" 2>&1)" "252 $sport 253 $cport"
eq "dom0 has no params" "$(mica-drvtest param 0 2>&1)" "0 0 0 0"
# quota ID WHAT: the XML's quotas, the others the defaults.
quota() {
    q=$(mica store quota "$1" 2>&1)
    case $q in
    *nodes=*/1500*watches=*/200*transactions=*/10*value=2048*) ok "$2 ($q)" ;;
    *) bad "$2" "$q" ;;
    esac
}
quota "$id" "the store has the XML's quotas (<mica:store nodes=1500 watches=200>)"

# --- shutdown and reboot of a guest without PV drivers --------------------
want="mica: shutdown: plat-a: the guest did not shut down within 5 s (no PV drivers? use --force)"
t0=$(date +%s)
out=$(mica shutdown --timeout 5 plat-a 2>&1); rc=$?
t1=$(date +%s)
if [ "$rc" -ne 0 ] && [ "$out" = "$want" ]; then ok "shutdown without drivers: '$out', exit $rc"
else bad "shutdown without drivers fails after the timeout" "exit $rc: '$out'"; fi
[ $((t1 - t0)) -ge 5 ] && ok "... after waiting $((t1 - t0)) s" || bad "... after waiting 5 s" "$((t1 - t0)) s"
eq "the request is in control/shutdown" "$(sread $d/control/shutdown)" poweroff
eq "plat-a was left running" "$(mica list plat-a 2>&1 | awk 'NR == 2 { print $6 }')" running
out=$(mica reboot -t 3 plat-a 2>&1); rc=$?
case $out in
"mica: reboot: plat-a: the guest did not shut down within 3 s (no PV drivers? use --force)")
    [ "$rc" -ne 0 ] && ok "reboot without drivers: '$out'" || bad "reboot without drivers" "exit 0" ;;
*) bad "reboot without drivers fails after the timeout" "exit $rc: '$out'" ;;
esac
check "reboot --force: destroyed and created again" mica reboot --force -t 2 plat-a
id2=$(mica domid plat-a 2>/dev/null)
if [ -n "$id2" ] && [ "$id2" != "$id" ]; then ok "plat-a came back as id $id2"
else bad "plat-a came back with a new id" "id '$id2' (was $id)"; fi
eq "its uuid is kept" "$(field plat-a uuid)" "$uuid"
eq "the new domain's nodes ($id2)" "$(sread /local/domain/$id2/name)" plat-a
quota "$id2" "... and its quotas"
if mica store read $d/name >/dev/null 2>&1; then bad "the old domain's nodes are gone" "$d/name still there"
else ok "the old domain's nodes are gone ($d)"; fi

# --- destroy: RELEASE, nodes removed ---------------------------------------
watch_special releaseDomain rel.txt; wpid=$!
sleep 1
check "mica shutdown --force destroys plat-a" mica shutdown --force -t 2 plat-a
seen "the store saw plat-a released (@releaseDomain)" "$wpid" rel.txt
wait_gone plat-a 30 && ok "plat-a is gone" || bad "plat-a is gone" "$(mica list 2>&1 | tr '\n' '|')"
for p in /local/domain/$id2 /vm/$uuid; do
    if mica store read "$p" >/dev/null 2>&1 || mica store ls "$p" >/dev/null 2>&1; then bad "$p removed" "still there"
    else ok "$p removed"; fi
done

# --- no store: create refused, nothing left --------------------------------
pid=$(pidof micastored)
if [ -n "$pid" ] && kill "$pid"; then
    n=0; while [ -S /run/mica/store.sock ] && kill -0 "$pid" 2>/dev/null && [ "$n" -lt 20 ]; do sleep 0.5; n=$((n + 1)); done
    free1=$(free_kb)
    out=$(mica create a.xml 2>&1); rc=$?
    case $out in
    "mica: create: a.xml: plat-a: the store daemon (micastored) is not running"*)
        [ "$rc" -ne 0 ] && ok "create without micastored: '$out'" || bad "create without micastored" "exit 0" ;;
    *) bad "create without micastored fails naming it" "exit $rc: '$out'" ;;
    esac
    mica domid plat-a >/dev/null 2>&1 && bad "... and no domain was made" "plat-a exists" || ok "... and no domain was made"
    same "... free memory unchanged" "$free1" "$(free_kb)"
    [ -e "/var/lib/mica/$uuid.xml" ] && bad "... no configuration saved" "/var/lib/mica/$uuid.xml" || ok "... no configuration saved"
    micastored </dev/null >>/var/log/mica/micastored.log 2>&1 &
    n=0; while ! mica store ls / >/dev/null 2>&1 && [ "$n" -lt 20 ]; do sleep 0.5; n=$((n + 1)); done
    check "micastored is back" mica store ls /
else
    bad "stop micastored for the no-store check" "pid '$pid'"
fi
echo "MICA-TEST plat fails $FAILS"
[ "$FAILS" = 0 ]
