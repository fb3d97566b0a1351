# SPDX-License-Identifier: GPL-2.0-only
# The credit scheduler (hypervisor/common/sched_credit.c): more vCPUs than
# pCPUs, weights, caps, hard affinity and migration, idle pCPUs halting.
# Sourced by tests/system/run.sh after lib.sh. The burn guest
# (tests/guests/burn.c) spins for a fixed stretch of TSC time and reports how
# many loops it made and how much of the time it ran.

# burn_total NAME: "LOOPS PERMILLE" from the guest's total line.
burn_total() {
    local id
    id=$(domid_of "$1")
    tr -d '\r' <"$LOG" |
        sed -nE "s/^\(d$id\) # $1: total ([0-9]+) loops, ran ([0-9]+) permille.*/\1 \2/p" | head -n1
}

# ran_ms NAME: the run time the hypervisor reports at the guest's shutdown.
ran_ms() {
    local id
    id=$(domid_of "$1")
    tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) d$id \($1\): shut down: .*, ran ([0-9]+) ms$/\1/p"
}

# within "what" VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed).
within() {
    if [ -n "$2" ] && awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
        pass "$1: $2 (between $3 and $4)"
    else
        fail "$1 between $3 and $4" "got '${2}'"
    fi
}

# capped_share: ran / lived, from the capped guest's shutdown line.
capped_share() {
    local id
    id=$(domid_of capped)
    tr -d '\r' <"$LOG" |
        sed -nE "s/^\(mica\) d$id \(capped\): shut down: .* after ([0-9]+) ms, ran ([0-9]+) ms$/\2 \1/p" |
        awk '$2 > 0 { printf "%.3f", $1 / $2 }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) exit; printf "%.2f", a / b }'
}

# (a) Four busy guests on two pCPUs: all of them get to the end.
test_sched_overcommit() {
    boot sched-overcommit "-cpu max -smp 2 -m 512" "" \
        spin:name=spin-1 spin:name=spin-2 spin:name=spin-3 spin:name=spin-4
    local g
    for g in spin-1 spin-2 spin-3 spin-4; do
        guest_passes $g
        guest_ended $g poweroff
    done
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# (b) Two CPU-bound guests pinned to pCPU 1 with weights 512 and 256 share
# it about 2:1, by their own count (loops, time run) and the hypervisor's.
test_sched_weight() {
    boot sched-weight "-cpu max -smp 2 -m 512" "" \
        burn:name=heavy,weight=512,affinity=0x2,mcycles=5000 \
        burn:name=light,weight=256,affinity=0x2,mcycles=5000
    guest_passes heavy
    guest_passes light
    expect_line "weight 512 applied" '^\(mica\) d[0-9]+ \(heavy\): weight 512, cap 0, affinity 0x2$'
    local h l hl hp ll lp
    read -r hl hp <<<"$(burn_total heavy)"
    read -r ll lp <<<"$(burn_total light)"
    echo "# $T: heavy $hl loops, ran $hp permille; light $ll loops, ran $lp permille;" \
         "hypervisor: heavy ran $(ran_ms heavy) ms, light $(ran_ms light) ms"
    within "loops, weight 512 : 256" "$(ratio "$hl" "$ll")" 1.4 3.0
    within "time run (guest's view), weight 512 : 256" "$(ratio "$hp" "$lp")" 1.4 3.0
    h=$(ran_ms heavy); l=$(ran_ms light)
    within "time run (hypervisor's view), weight 512 : 256" "$(ratio "$h" "$l")" 1.4 3.0
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# (c) cap=25 holds a CPU-bound guest to about a quarter of a pCPU
# (SCHED_CAP_MCYCLES: its window; tests/vmx/run.sh gives a shorter one).
test_sched_cap() {
    boot sched-cap "-cpu max -smp 2 -m 512" "" \
        burn:name=capped,cap=25,mcycles=${SCHED_CAP_MCYCLES:-5000}
    guest_passes capped
    local l p
    read -r l p <<<"$(burn_total capped)"
    echo "# $T: capped: $l loops, ran $p permille"
    # The guest's own view only ever loses time to a busy host (QEMU's
    # thread descheduled looks like the vCPU descheduled): an upper bound.
    within "cap 25: permille of the time run (guest's view)" "$p" 0 350
    within "cap 25: share of its life it ran (hypervisor's view)" "$(capped_share)" 0.15 0.35
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# (d) A guest pinned to pCPU 1 starts and stays there while two others are
# moved about; migrations are logged at debug level.
test_sched_affinity() {
    boot sched-affinity "-cpu max -smp 2 -m 512" "loglvl=debug" \
        burn:name=pinned,affinity=0x2,mcycles=3000 \
        burn:name=free-1,mcycles=3000 burn:name=free-2,mcycles=3000
    local id n bad
    guest_passes pinned
    guest_passes free-1
    guest_passes free-2
    id=$(domid_of pinned)
    expect_line "the pinned guest starts on CPU 1" "^\(mica\) d$id \(pinned\): vcpu0 starts on CPU 1$"
    expect_no_line "the pinned guest never migrates off CPU 1" \
        "^\(mica\) d$id: vcpu0 migrates from CPU [0-9]+ to CPU [^1]"
    n=$(tr -d '\r' <"$LOG" |
        grep -a -Ec "^\(mica\) d($(domid_of free-1)|$(domid_of free-2)): vcpu0 migrates from CPU ")
    if [ "$n" -gt 0 ]; then pass "the unpinned guests were moved between pCPUs ($n migrations)"
    else fail "the unpinned guests were moved between pCPUs" "no migration logged"; fi
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# (e) With one guest kept on pCPU 0 for a while, pCPU 1 halts: its tick
# stays stopped and it spends the run halted.
test_sched_idle() {
    boot sched-idle "-cpu max -smp 2 -m 512" "" burn:name=alone,affinity=0x1,mcycles=1000
    guest_passes alone
    local t h
    t=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) CPU 1: ([0-9]+) scheduler ticks, .*/\1/p')
    h=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) CPU 1: .* ([0-9]+) ms halted of ([0-9]+) ms$/\1 \2/p' |
        awk '$2 > 0 { printf "%.2f", $1 / $2 }')
    within "scheduler ticks on the idle pCPU 1" "$t" 0 2
    within "share of the run pCPU 1 spent halted" "$h" 0.9 1.0
    expect_line "pCPU 0 ticked while it ran the guest" '^\(mica\) CPU 0: [1-9][0-9]+ scheduler ticks'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Bad scheduler options on a module are refused like a bad mem=.
test_sched_bad_opts() {
    boot sched-bad-opts "-cpu max -smp 2 -m 512" "" selftest:name=good \
        selftest:name=w0,weight=0 selftest:name=c,cap=201 selftest:name=a,affinity=0x4
    expect_line "weight=0 refused" 'module 1 \(w0\): weight=0: not a number from 1 to 65535'
    expect_line "cap above 100 x pCPUs refused" 'module 2 \(c\): cap=201: not a number from 0 to 200'
    expect_line "affinity naming an offline CPU refused" 'module 3 \(a\): affinity=0x4: not a mask of online CPUs'
    guest_passes good
    expect_rc $EXIT_DONE "all domains done"
}

# SCHED_LIB_ONLY=1: the functions only (tests/vmx/run.sh runs some of them).
[ -z "${SCHED_LIB_ONLY:-}" ] || return 0
test_sched_overcommit
test_sched_weight
test_sched_cap
test_sched_affinity
test_sched_idle
test_sched_bad_opts
