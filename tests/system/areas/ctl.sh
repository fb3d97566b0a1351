# SPDX-License-Identifier: GPL-2.0-only
# The control plane end to end (issue 10): dom0 boots with the dom0 driver
# bound, and its scripts (dom0/tests/ctl*.sh) drive `mica` to create,
# inspect, pause, pin, schedule, crash, restart and destroy Linux domUs
# (the demo kernel and initramfs dom0 carries). The dom0 scripts print
# "MICA-CHECK PASS what" / "MICA-CHECK FAIL what: detail" lines, relayed
# here as this area's PASS/FAIL lines, and "MICA-TEST NAME end STATUS".
# Sourced by tests/system/run.sh after lib.sh.

DOM0_LIB_ONLY=1 . tests/system/dom0.sh

# relay_checks MIN: every MICA-CHECK line of the boot as a PASS/FAIL line,
# and a FAIL if fewer than MIN were printed (a script that died early).
relay_checks() {
    local min=$1 n=0 line what
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in
        "MICA-CHECK PASS "*) pass "${line#MICA-CHECK PASS }" ;;
        "MICA-CHECK FAIL "*) what=${line#MICA-CHECK FAIL }
                             fail "${what%%: *}" "${what#*: }" ;;
        esac
    done < <(tr -d '\r' <"$LOG" | grep -a -o -E 'MICA-CHECK (PASS|FAIL) .*')
    if [ "$n" -ge "$min" ]; then
        pass "dom0 ran at least $min checks ($n)"
    else
        fail "dom0 ran at least $min checks" "only $n; last lines: $(dom0_says)"
    fi
}

# ctl_boot NAME SCRIPTS MIN: one dom0 boot running the scripts, 2 pCPUs
# and 1 GiB for dom0 beside the domUs. The domUs' consoles stay in their
# rings (guest_console=ring, the default): dom0's lines on the serial port
# are never interleaved with theirs.
ctl_boot() {
    local name=$1 scripts=$2 min=$3 s
    DOM0_TIMEOUT=${CTL_TIMEOUT:-900} boot_dom0 "$name" "-cpu max -m 2048 -smp 2" \
        "dom0_mem=1024M" "$DOM0_CMDLINE mica.test=$scripts" || return
    dom0_up || return
    relay_checks "$min"
    for s in $(echo "$scripts" | tr , ' '); do
        script_ran "$s"
    done
    expect_no_line "no domU crash reached the hypervisor as a fatal error" '^\(mica\) .*(PANIC|fatal)'
    expect_no_line "dom0 was never killed" '^\(mica\) (d0|dom0).*(killed|crashed)'
    dom0_off
}

# tests/stress/ctl.sh sources this file for ctl_boot alone.
if [ -z "${CTL_LIB_ONLY:-}" ]; then
    ctl_boot ctl-basic ctl 30
    ctl_boot ctl-life ctl-life 25
fi
