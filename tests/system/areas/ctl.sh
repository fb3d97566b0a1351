# SPDX-License-Identifier: GPL-2.0-only
# The control plane end to end (issue 10): dom0 boots with the dom0 driver
# bound, and its scripts (dom0/tests/ctl*.sh) drive `mica` to create,
# inspect, pause, pin, schedule, crash, restart and destroy Linux domUs
# (the demo kernel and initramfs dom0 carries). The dom0 scripts print
# "MICA-CHECK PASS what" / "MICA-CHECK FAIL what: detail" lines, relayed
# here as this area's PASS/FAIL lines, and "MICA-TEST NAME end STATUS".
# Sourced by tests/system/run.sh after lib.sh.

DOM0_LIB_ONLY=1 . tests/system/dom0.sh

# relay_checks MIN [FILE]: every MICA-CHECK line of FILE (default: the
# boot's log) as a PASS/FAIL line, and a FAIL if fewer than MIN were printed
# (a script that died early).
relay_checks() {
    local min=$1 file=${2:-$LOG} n=0 line what
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in
        "MICA-CHECK PASS "*) pass "${line#MICA-CHECK PASS }" ;;
        "MICA-CHECK FAIL "*) what=${line#MICA-CHECK FAIL }
                             fail "${what%%: *}" "${what#*: }" ;;
        esac
    done < <(tr -d '\r' <"$file" | grep -a -o -E 'MICA-CHECK (PASS|FAIL) .*')
    if [ "$n" -ge "$min" ]; then
        pass "dom0 ran at least $min checks ($n)"
    else
        fail "dom0 ran at least $min checks" "only $n; last lines: $(dom0_says)"
    fi
}

# ctl_area_checks SCRIPTS MIN [FILE]: one area's checks of a dom0 boot that
# came up: its MICA-CHECK lines (in FILE), its scripts ran to the end, and
# the boot as a whole had no fatal error and powered off cleanly.
ctl_area_checks() {
    local scripts=$1 min=$2 file=${3:-$LOG} s
    relay_checks "$min" "$file"
    for s in $(echo "$scripts" | tr , ' '); do
        script_ran "$s"
    done
    expect_no_line "no domU crash reached the hypervisor as a fatal error" '^\(mica\) .*(PANIC|fatal)'
    expect_no_line "dom0 was never killed" '^\(mica\) (d0|dom0).*(killed|crashed)'
    dom0_off
}

# ctl_boot_now NAME SCRIPTS MIN: one dom0 boot running the scripts, 2 pCPUs
# and 1 GiB for dom0 beside the domUs. The domUs' consoles stay in their
# rings (guest_console=ring, the default): dom0's lines on the serial port
# are never interleaved with theirs.
ctl_boot_now() {
    local name=$1 scripts=$2 min=$3
    DOM0_TIMEOUT=${CTL_TIMEOUT:-900} boot_dom0 "$name" "-cpu max -m 2048 -smp 2" \
        "dom0_mem=1024M" "$DOM0_CMDLINE mica.test=$scripts" || return
    dom0_up || return
    ctl_area_checks "$scripts" "$min"
}

# Sharing a boot. Every area above boots dom0 the same way (ctl_boot_now's
# machine), so in a run of several areas (tests/system/run.sh sets
# CTL_SHARE=1) the areas of one group of CTL_GROUPS run their scripts one
# after the other in a single boot, in the group's order: a dom0 boot is
# some 20 s of a test run's time on TCG before any script starts. Each area
# keeps its own PASS/FAIL lines under its own name: its MICA-CHECK lines are
# those between the previous area's last "MICA-TEST NAME end" and its own,
# and the boot's checks (dom0 up, no fatal error, clean power-off) are
# asserted for each area. The order matters: plat and store stop and
# restart micastored, whose clients in micad and micablkback do not
# reconnect, so each comes last in its group.
# pvnet (its own 1800 s timeout, the longest script) and iommu-dom0 (another
# machine) boot alone. dom0.sh's dom0-smp2 can join a group
# (CTL_GROUPS="dom0-smp2,bus,...") but does not: on this machine (2 GiB,
# dom0_mem=1024M) under load dom0's Linux twice calibrated its TSC 8% low
# (1937 MHz for 2099, no refined calibration) and its sleep 5 took 4.70 s,
# failing check_time; alone on its own machine it measured 5.03 s.
# An area alone in a run (or not in a group) boots by itself as before.
if [ -z "${CTL_GROUPS+set}" ]; then
    CTL_GROUPS="bus,devcfg,pvcons,pvblk,plat-dom0 ctl-basic,ctl-life,store"
fi
declare -p CTL_QUEUED >/dev/null 2>&1 || declare -gA CTL_QUEUED=()
declare -p CTL_DONE >/dev/null 2>&1 || declare -gA CTL_DONE=()

# ctl_group_of NAME: the group (comma-separated) NAME is in, or nothing.
ctl_group_of() {
    local g
    for g in $CTL_GROUPS; do
        case ,$g, in *,"$1",*) echo "$g"; return ;; esac
    done
}

# ctl_share NAME SCRIPTS MIN [CHECKER]: with CTL_SHARE=1 and NAME in a group,
# queue the area's dom0 scripts for its group's boot (booted once the whole
# group is queued, or by ctl_flush) and return 0; else return 1, the caller
# boots alone. CHECKER SCRIPTS MIN FILE (default ctl_area_checks) checks the
# area's part of the boot once dom0 is up (FILE: its lines).
ctl_share() {
    local name=$1 scripts=$2 min=$3 checker=${4:-ctl_area_checks} group m
    group=$(ctl_group_of "$name")
    [ "${CTL_SHARE:-}" = 1 ] && [ -n "$group" ] || return 1
    CTL_QUEUED[$name]="$scripts $min ${CTL_TIMEOUT:-900} $checker"
    for m in $(echo "$group" | tr , ' '); do
        [ -n "${CTL_QUEUED[$m]:-}" ] || return 0
    done
    ctl_boot_group "$group"
    return 0
}

# ctl_boot NAME SCRIPTS MIN: the area's dom0 scripts, in a boot of their own
# or in their group's (ctl_share).
ctl_boot() {
    ctl_share "$@" || ctl_boot_now "$@"
}

# ctl_flush: boot every group with areas still queued (the run's end).
ctl_flush() {
    local g
    for g in $CTL_GROUPS; do
        ctl_boot_group "$g"
    done
}

# ctl_boot_group GROUP: one boot for the queued areas of GROUP, then each
# area's checks under its own name.
ctl_boot_group() {
    local m names=() scripts="" timeout=0 min s t c
    for m in $(echo "$1" | tr , ' '); do
        [ -n "${CTL_QUEUED[$m]:-}" ] && [ -z "${CTL_DONE[$m]:-}" ] || continue
        names+=("$m")
    done
    [ "${#names[@]}" -gt 0 ] || return 0
    for m in "${names[@]}"; do CTL_DONE[$m]=1; done
    read -r s min t c <<<"${CTL_QUEUED[${names[0]}]}"
    if [ "${#names[@]}" -eq 1 ] && [ "$c" = ctl_area_checks ]; then
        CTL_TIMEOUT=$t ctl_boot_now "${names[0]}" "$s" "$min"
        return
    fi
    for m in "${names[@]}"; do
        read -r s min t c <<<"${CTL_QUEUED[$m]}"
        scripts=${scripts:+$scripts,}$s
        timeout=$((timeout + t))
    done
    local group
    group=$(IFS=+; echo "${names[*]}")
    echo "# one dom0 boot ($group) for the areas ${names[*]}: scripts $scripts"
    if ! DOM0_TIMEOUT=$timeout boot_dom0 "$group" "-cpu max -m 2048 -smp 2" \
            "dom0_mem=1024M" "$DOM0_CMDLINE mica.test=$scripts"; then
        for m in "${names[@]}"; do
            T=system/$m
            fail "boot dom0" "the shared boot $group did not run"
        done
        return
    fi
    local dir=${LOG%/*} prev=""
    for m in "${names[@]}"; do
        read -r s min t c <<<"${CTL_QUEUED[$m]}"
        T=system/$m
        ctl_segment "$prev" "${s##*,}" >"$dir/$m.checks"
        prev=${s##*,}
        dom0_up || continue
        "$c" "$s" "$min" "$dir/$m.checks"
    done
}

# ctl_segment PREV LAST: the lines of the boot's log after PREV's
# "MICA-TEST PREV end" line (from the start when PREV is empty) up to
# LAST's; nothing when PREV's never came (its area did not end).
ctl_segment() {
    tr -d '\r' <"$LOG" | awk -v prev="MICA-TEST $1 end" -v last="MICA-TEST $2 end" '
        BEGIN { on = (prev == "MICA-TEST  end") }
        !on { if (index($0, prev)) on = 1; next }
        { print }
        index($0, last) { exit }'
}

# tests/stress/ctl.sh sources this file for ctl_boot alone.
if [ -z "${CTL_LIB_ONLY:-}" ]; then
    ctl_boot ctl-basic ctl 30
    ctl_boot ctl-life ctl-life 25
fi
