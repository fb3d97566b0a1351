#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bus: the guest bus, mica_bus.ko (tests/system/areas/bus.sh). A domU of
# the demo image, which has the PV drivers installed in
# /lib/modules/<release>/extra, loads mica_bus by the platform device's
# modalias and binds it; the driver advertises control/feature-poweroff
# and feature-reboot in the store (read here from dom0); a device written
# under the domU's device/ appears on its bus "mica" and goes when the
# nodes are removed (its watch on device/ fired, it read the nodes);
# `mica shutdown` and `mica reboot` work through control/shutdown. A domU
# without the drivers (mica.pv=off) still boots.
. /tests/ctl-lib.sh
mkdir -p /tmp/bus && cd /tmp/bus || exit 1

pvxml() { xml "$1" "$2" 1 128 "" | sed "s|mica.domu=$2|mica.domu=$2 ${3:-}|"; }
markers() { tr -d '\r' <"/var/log/mica/$1.log" 2>/dev/null | grep -a -c "$2"; }

# --- the drivers load and bind; the store sees what they write ------------
pvxml bus-a pvlist >a.xml
check "create bus-a (a domU with the PV drivers installed)" mica create a.xml
if line=$(wait_log bus-a '^MICA-DOMU-PV ' 300); then
    case $line in
    *bus=yes*) ok "mica_bus.ko autoloaded by modalias in the domU ($line)" ;;
    *) bad "mica_bus.ko autoloaded by modalias in the domU" "$line" ;;
    esac
else
    bad "mica_bus.ko autoloaded by modalias in the domU" "no MICA-DOMU-PV line: $(tail -n 3 /var/log/mica/bus-a.log | tr '\r\n' '||')"
fi
line=$(wait_log bus-a '^MICA-DOMU-PVLOG ' 30)
case $line in
*"store connected"*) ok "mica_bus bound the platform device and connected to the store ($line)" ;;
*) bad "mica_bus bound the platform device and connected to the store" "'$line'" ;;
esac

id=$(mica domid bus-a)
dom=/local/domain/$id
for f in feature-poweroff feature-reboot; do
    v=$(mica store read "$dom/control/$f" 2>&1)
    [ "$v" = 1 ] && ok "the guest wrote control/$f = 1 (read from dom0)" ||
        bad "the guest wrote control/$f = 1" "'$v'"
done

# --- hot-plug: a device appears on the bus and goes --------------------------
be=/local/domain/0/backend/vtest/$id/7
check "dom0 writes device/vtest/7 of bus-a" \
    mica store write "$dom/device/vtest/7/backend-id" 0 "$dom/device/vtest/7/backend" "$be"
if line=$(wait_log bus-a '^MICA-DOMU-PV .*devices=vtest-7' 60); then
    ok "the watch on device/ fired and the guest added vtest-7 to its bus ($line)"
else
    bad "the guest added vtest-7 to its bus" "$(tr -d '\r' </var/log/mica/bus-a.log | grep -a '^MICA-DOMU-PV ' | tail -n 2 | tr '\n' '|')"
fi
check "dom0 removes device/vtest" mica store rm "$dom/device/vtest"
n=0
while [ "$n" -lt 60 ]; do
    [ "$(tr -d '\r' </var/log/mica/bus-a.log | grep -a '^MICA-DOMU-PV ' | tail -n 1)" = "MICA-DOMU-PV bus=yes devices=none" ] && break
    sleep 1; n=$((n + 1))
done
[ "$n" -lt 60 ] && ok "the nodes gone, vtest-7 left the guest's bus" ||
    bad "the nodes gone, vtest-7 left the guest's bus" "$(tr -d '\r' </var/log/mica/bus-a.log | grep -a '^MICA-DOMU-PV ' | tail -n 1)"

# --- control/shutdown ------------------------------------------------------------
if check "mica reboot bus-a (control/shutdown = reboot)" mica reboot bus-a; then
    n=0
    while [ "$n" -lt 300 ]; do
        [ "$(markers bus-a '^MICA-DOMU-UP')" -ge 2 ] && break
        sleep 1; n=$((n + 1))
    done
    [ "$n" -lt 300 ] && ok "bus-a rebooted: its init ran a second time" ||
        bad "bus-a rebooted" "$(markers bus-a '^MICA-DOMU-UP') boot markers"
    n=0
    while [ "$n" -lt 120 ] && [ "$(markers bus-a '^MICA-DOMU-PVLOG .*store connected')" -lt 2 ]; do
        sleep 1; n=$((n + 1))
    done
    [ "$n" -lt 120 ] && ok "after the reboot mica_bus connected to the store again" ||
        bad "after the reboot mica_bus connected to the store again" \
            "$(markers bus-a 'store connected') lines"
    # A rebooted domain is a new one: the driver came back and spoke again.
    id=$(mica domid bus-a)
    dom=/local/domain/$id
    v=$(mica store read "$dom/control/feature-reboot" 2>&1)
    [ "$v" = 1 ] && ok "the rebooted bus-a (domain $id) advertised control/feature-reboot again" ||
        bad "the rebooted bus-a advertised control/feature-reboot again" "'$v'"
fi
if check "mica shutdown bus-a (control/shutdown = poweroff)" mica shutdown bus-a; then
    wait_gone bus-a 120 && ok "bus-a powered off cleanly" ||
        bad "bus-a powered off cleanly" "still $(field bus-a state)"
fi

# --- a guest without the drivers still boots -----------------------------------
pvxml bus-n hold mica.pv=off >n.xml
check "create bus-n (no PV drivers: mica.pv=off)" mica create n.xml
wait_log bus-n '^MICA-DOMU-UP .*pv=off' 240 >/dev/null &&
    ok "a domU without the PV drivers boots" || bad "a domU without the PV drivers boots" "no marker"
mica destroy bus-n >/dev/null 2>&1
for d in bus-a bus-n; do mica destroy "$d" >/dev/null 2>&1; wait_gone "$d" 30; done
echo "MICA-TEST bus fails $FAILS"
[ "$FAILS" = 0 ]
