# SPDX-License-Identifier: GPL-2.0-only
# Domains, memory and the control interface (domctl, memory_op, sysctl).
# Sourced by tests/system/run.sh after lib.sh. The domctl guest runs as the
# privileged domain 0 and creates, loads, runs, pauses and destroys
# children of its own; the memop guest is an unprivileged domain.

# Lines the allocator and the heap print (in a panic) when something is
# freed twice or not at all the way it was allocated.
ALLOC_COMPLAINTS='frames_free:|frame_free_domain:|frames_split:|frame_unpin:|frames_reassign:|xfree:|page_free_hyp:'

test_domains_domctl() {
    local name=$1 smp=$2
    boot "$name" "-cpu max -smp $smp -m 512" "" domctl:privileged,name=domctl,mem=16M
    guest_passes domctl
    guest_ended domctl poweroff
    expect_line "the control domain is domain 0" '^\(mica\) d0 \(domctl\): [0-9]+ KiB RAM'
    expect_line "a child's output reaches the console" '^\(d[0-9]+\) child: hello$'
    expect_line "a child that crashed was kept until destroyed" \
        '^\(mica\) d[0-9]+ \(crasher\): shut down: crash '
    expect_count "100 cycle children created" 100 '^\(mica\) d[0-9]+ \(cycle\): created by d0, 256 KiB RAM'
    expect_count "100 cycle children destroyed by the control domain, or after they ended" 100 \
        '^\(mica\) d[0-9]+ \(cycle\): (destroyed by the control domain|shut down: poweroff) '
    expect_no_line "no double or bad free reported" "$ALLOC_COMPLAINTS"
    expect_line "the hypervisor reports all domains ended" '^\(mica\) all domains have ended$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# The privileged domain ends with children still there: they end with it.
test_domains_leftovers() {
    boot domains-leftovers "-cpu max -smp 2 -m 256" "" domctl:privileged,name=leaver,mem=16M,leave=1
    guest_passes leaver
    guest_ended leaver poweroff
    expect_line "the running child ends with its control domain" \
        '^\(mica\) d[0-9]+ \(left-running\): ended with its control domain '
    expect_line "the kept child is freed" \
        '^\(mica\) d[0-9]+: destroyed, 64 frames scrubbed and freed'
    expect_count "both children and the control domain are destroyed" 3 \
        '^\(mica\) d[0-9]+: destroyed, [0-9]+ frames scrubbed and freed'
    expect_no_line "no double or bad free reported" "$ALLOC_COMPLAINTS"
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_domains_memop() {
    boot domains-memop "-cpu max -smp 2 -m 256" "" memop:name=memop selftest:name=beside
    guest_passes memop
    guest_ended memop poweroff
    guest_passes beside
    expect_no_line "no double or bad free reported" "$ALLOC_COMPLAINTS"
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_domains_domctl domains-domctl 2
test_domains_domctl domains-domctl-smp1 1
test_domains_leftovers
test_domains_memop
