#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pvcons: the PV console (pvdrivers/console mica_cons.ko, micad's
# toolstack/micad/pvcons.c). A domU booted with console=hvc0 loads the PV
# drivers, its boot lines reach /var/log/mica/NAME.log through the console
# ring once micad sees console/state = Connected, `mica console` input
# reaches its shell and 32 KiB of output arrive whole; a domU on the UART
# (console=ttyS0) still logs as before. Then each guest's exits over its
# life (the hypervisor's report at shutdown) per KiB of the flood, printed
# side by side, never asserted. MICA-CHECK lines (ctl-lib.sh).
. /tests/ctl-lib.sh
cd /tmp || exit 1
LINES=512                                       # of 64 bytes: 32 KiB
KIB=$((LINES * 64 / 1024))
PAT=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL

# pv_xml NAME CONSOLE: a 128 MiB 1-vCPU shell domU with console=CONSOLE
# (and whatever follows it),
# destroyed when it powers off.
pv_xml() {
    cat <<XML
<domain type='mica'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type>linux</type>
    <kernel>$GUEST_KERNEL</kernel>
    <initrd>$GUEST_INITRD</initrd>
    <cmdline>console=$2 quiet mica.domu=shell</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
</domain>
XML
}

log_of() { tr -d '\r' <"/var/log/mica/$1.log" 2>/dev/null; }

# flood NAME: through `mica console`, the guest's shell prints LINES
# numbered lines of 64 bytes, then powers off; waits for its end.
flood() {
    printf 'i=0; while [ $i -lt %d ]; do printf "PVC-FLOOD %%04d %s\\n" $i; i=$((i+1)); done; echo PVC-FLOOD-END; sleep 2; poweroff -f\n' \
        "$LINES" "$PAT" | timeout 300 mica console "$1" >"flood-$1.out" 2>&1
    wait_gone "$1" 120
}

# flood_ok NAME WHAT: every flood line is in NAME.log, once, in order.
flood_ok() {
    got=$(log_of "$1" | grep -a -E "^PVC-FLOOD [0-9]{4} $PAT\$" | awk '
        { if ($2 != sprintf("%04d", n) && !bad) bad = "line " n " then " $2; n++ }
        END { print (bad ? n " lines, out of order at " bad : n + 0) }')
    if [ "$got" = "$LINES" ]; then ok "$2: $KIB KiB of output arrive whole and in order in $1.log"; return; fi
    bad "$2: $KIB KiB of output arrive whole and in order in $1.log" "got $got of $LINES lines"
    # What the log has where the flood went wrong (for the serial log).
    log_of "$1" | awk -v pat="^PVC-FLOOD [0-9][0-9][0-9][0-9] $PAT\$" '
        /PVC-FLOOD [0-9]/ { if ($0 !~ pat || $2 != sprintf("%04d", n)) { print NR ": " $0; if (++shown == 10) exit }
                            n++ }' |
        sed 's/^/MICA-PVCONS-DIAG /'
}

# exits NAME: "TOTAL IOIO" of the domain's vCPUs from the hypervisor's
# report when it powered off ("dN vcpuM: TOTAL exits: ... ioio=K ...").
exits() {
    id=$1
    mica dmesg | tr -d '\r' | grep -E "d$id vcpu[0-9]+: [0-9]+ exits:" | awk '
        { for (i = 1; i <= NF; i++) {
              if ($i == "exits:") t += $(i - 1)
              if ($i ~ /^ioio=/) { split($i, a, "="); io += a[2] } } }
        END { if (NR) print t + 0, io + 0 }'
}

# --- the PV guest ---
pv_xml pvc-pv hvc0 >pv.xml
check "create a domU with console=hvc0" mica create pv.xml
pvid=$(mica domid pvc-pv 2>/dev/null)
if line=$(wait_log pvc-pv '^MICA-DOMU-UP' 300); then
    ok "the PV guest's init line reaches pvc-pv.log ($line)"
else
    bad "the PV guest's init line reaches pvc-pv.log" "$(log_of pvc-pv | tail -n 5 | tr '\n' '|')"
fi
# Through the ring: micad noted the switch before the line, and the
# guest's UART carried none of it.
if log_of pvc-pv | awk '/PV console connected/ { c = 1 } /^MICA-DOMU-UP/ { if (c) ok = 1 } END { exit !ok }'; then
    ok "micad switched pvc-pv's log to the PV ring before its init line"
else
    bad "micad switched pvc-pv's log to the PV ring before its init line" \
        "$(log_of pvc-pv | grep -a '\[micad\]' | tail -n 3 | tr '\n' '|'); micad: $(tail -n 3 /var/log/mica/micad.log | tr '\n' '|')"
fi
if [ -S "/run/mica/console/$pvid.sock" ]; then ok "micad serves pvc-pv's PV console (/run/mica/console/$pvid.sock)"
else bad "micad serves pvc-pv's PV console" "no /run/mica/console/$pvid.sock"; fi

printf 'echo PVC-INPUT-$((6*7))\n' | timeout 30 mica console pvc-pv >input.out 2>&1
if grep -q 'PVC-INPUT-42' input.out; then ok "mica console's keystrokes reach the PV guest's shell and its answer comes back"
else bad "mica console's keystrokes reach the PV guest's shell" "$(tail -c 300 input.out | tr '\n' '|')"; fi
if wait_log pvc-pv 'PVC-INPUT-42' 30 >/dev/null; then ok "the answer is in pvc-pv.log too"
else bad "the answer is in pvc-pv.log too" "$(log_of pvc-pv | tail -n 3 | tr '\n' '|')"; fi

if grep -q 'PV console.*index' /var/log/mica/micad.log; then
    bad "micad met no bad index from a fair guest" "$(grep 'PV console' /var/log/mica/micad.log | head -n 2 | tr '\n' '|')"
else
    ok "micad met no bad index from a fair guest"
fi

# A hostile guest: its shell writes a garbage out_prod (0x7fffffff, far
# past out_cons) into its own ring page through /dev/mem (offset 3084 of
# struct mica_cons_ring). micad must say so, reset, and carry on.
cat >hostile.cmd <<'CMD'
gfn=$(dmesg | sed -n 's/.*mica_cons: .* gfn \(0x[0-9a-f]*\).*/\1/p'); printf '\377\377\377\177' | dd of=/dev/mem bs=4 count=1 seek=$(( (gfn * 4096 + 3084) / 4 )) conv=notrunc 2>/dev/null; sleep 1; echo PVC-AFTER-$((6*8))
CMD
timeout 30 mica console pvc-pv <hostile.cmd >hostile.out 2>&1
if wait_log pvc-pv 'PV console: the guest.s out index is out of range; ring reset' 20 >/dev/null; then
    ok "a garbage out_prod from the guest is logged and reset by micad"
else
    bad "a garbage out_prod from the guest is logged and reset by micad" \
        "$(tail -c 300 hostile.out | tr '\n' '|'); micad: $(tail -n 2 /var/log/mica/micad.log | tr '\n' '|')"
fi
if wait_log pvc-pv '^PVC-AFTER-48' 30 >/dev/null; then ok "the PV console works again after the reset"
else bad "the PV console works again after the reset" "$(log_of pvc-pv | tail -n 3 | tr '\n' '|')"; fi
if pidof micad >/dev/null; then ok "micad survived the hostile ring"
else bad "micad survived the hostile ring" "no micad process"; fi

flood pvc-pv
flood_ok pvc-pv "PV console"
pv_exits=$(exits "$pvid")

# --- the UART guest: no PV drivers loaded (mica.pv=off), console=ttyS0 ---
pv_xml pvc-uart "ttyS0 mica.pv=off" >uart.xml
check "create a domU with console=ttyS0" mica create uart.xml
uid=$(mica domid pvc-uart 2>/dev/null)
if line=$(wait_log pvc-uart '^MICA-DOMU-UP' 300); then
    ok "a guest on the UART still logs its init line ($line)"
else
    bad "a guest on the UART still logs its init line" "$(log_of pvc-uart | tail -n 5 | tr '\n' '|')"
fi
if log_of pvc-uart | grep -q 'PV console connected'; then
    bad "the UART guest's log was not switched" "micad noted a PV console"
else
    ok "the UART guest's log was not switched"
fi
flood pvc-uart
flood_ok pvc-uart "UART"
uart_exits=$(exits "$uid")

# --- exits per KiB (printed, never asserted) ---
report() {
    label=$2
    set -- $1
    if [ -n "${1:-}" ]; then
        echo "MICA-PVCONS $label: $1 exits ($2 ioio) over the domain's life with a $KIB KiB flood:" \
            "$(awk -v t="$1" -v k="$KIB" 'BEGIN { printf "%.0f", t / k }') exits/KiB," \
            "$(awk -v t="$2" -v k="$KIB" 'BEGIN { printf "%.0f", t / k }') ioio/KiB"
    else
        echo "MICA-PVCONS $label: no exit report in mica dmesg"
    fi
}
report "$pv_exits" "PV console (hvc0)"
report "$uart_exits" "UART (ttyS0)"
if [ -n "$pv_exits" ] && [ -n "$uart_exits" ]; then
    echo "MICA-PVCONS UART minus PV: $(echo "$uart_exits $pv_exits" | awk -v k="$KIB" '
        { printf "%.0f exits/KiB, %.0f ioio/KiB more on the UART", ($1 - $3) / k, ($2 - $4) / k }')" \
        "(boot included in both; the PV guest also loads the PV drivers)"
    ok "each guest's exits were reported at power-off (PV: $pv_exits, UART: $uart_exits)"
else
    bad "each guest's exits were reported at power-off" "PV '$pv_exits', UART '$uart_exits'"
fi
echo "MICA-TEST pvcons fails $FAILS"
[ "$FAILS" = 0 ]
