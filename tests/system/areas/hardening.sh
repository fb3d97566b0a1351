# SPDX-License-Identifier: GPL-2.0-only
# Hostile domains against the hypervisor's own memory and references
# (issue 9). Sourced by tests/system/run.sh after lib.sh; on its own:
#     SYSTEM_AREAS=hardening tests/system/run.sh
# Guests: memhog (role=hog and role=neighbour) and hypmem (privileged,
# test=budget and test=refs); tests/guests/README.md.
#
# A hypervisor that hangs inside a hypercall (finding 2: destroy spinning
# on a leaked reference) shows here as QEMU killed after HARDENING_TIMEOUT
# seconds and the guest's missing lines, not as a hung suite.

HARDENING_TIMEOUT=${HARDENING_TIMEOUT:-45}
HARDENING_ALLOC_COMPLAINTS='frames_free:|frame_free_domain:|frames_split:|frame_unpin:|frames_reassign:|xfree:|page_free_hyp:'

hardening_end_clean() {
    expect_no_line "no double or bad free reported" "$HARDENING_ALLOC_COMPLAINTS"
    expect_line "the hypervisor reports all domains ended" '^\(mica\) all domains have ended$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Finding 1: an 8 MiB guest churns p2m tables in fresh 1 GiB regions
# (enough to take all of -m 256 if they are never freed), then moves its
# own frames far away until its budget stops it with -EDQUOT. Beside it,
# on the other pCPU, a 4 MiB guest balloons 64 frames in and out every
# 20 ms: none of its populates may fail, neither during the attack nor in
# the 10 rounds it makes after the hog tells it (an event) that it holds
# all it could get. The hog waits for its answer before letting go.
test_hardening_memhog() {
    QEMU_TIMEOUT=$HARDENING_TIMEOUT boot hardening-memhog "-cpu max -smp 2 -m 256" "" \
        memhog:name=hog,role=hog,mem=8M,peer=2,affinity=0x1 \
        memhog:name=nb,role=neighbour,mem=4M,peer=1,affinity=0x2
    expect_line "the hog is domain 1" '^\(mica\) d1 \(hog\): [0-9]+ KiB RAM'
    expect_different_cpus "the hog and its neighbour run" hog nb
    guest_passes hog
    guest_passes nb
    expect_line "the hog's churn was never refused (emptied p2m tables are freed)" \
        '^\(d1\) PASS hog: churn: '
    expect_line "the hog was stopped by its budget (-EDQUOT)" \
        '^\(d1\) PASS hog: hold: stopped with -EDQUOT$'
    expect_line "the neighbour's populates inside its reservation were never refused" \
        '^\(d2\) PASS nb: populate and decrease inside its reservation, never refused$'
    guest_ended hog poweroff
    guest_ended nb poweroff
    hardening_end_clean
}

# Finding 1, the control side: getinfo's hyp_bytes and hyp_budget_bytes,
# create.hyp_budget_kb, set_hyp_budget, and -EDQUOT once a child's budget
# is spent.
test_hardening_budget() {
    QEMU_TIMEOUT=$HARDENING_TIMEOUT boot hardening-budget "-cpu max -smp 2 -m 256" "" \
        hypmem:privileged,name=budget,mem=16M,test=budget
    guest_passes budget
    guest_ended budget poweroff
    hardening_end_clean
}

# Finding 2: alloc_unbound for a child with remote_dom its own explicit id
# leaked a reference, and destroy of the child then never returned. Three
# children, one per remote_dom (SELF, the caller, the child itself), each
# destroyed: destroy returns, the child is gone, every frame is back.
test_hardening_refs() {
    QEMU_TIMEOUT=$HARDENING_TIMEOUT boot hardening-refs "-cpu max -smp 2 -m 256" "" \
        hypmem:privileged,name=refs,mem=16M,test=refs
    guest_passes refs
    expect_line "destroy returns after alloc_unbound with dom = remote_dom = the child" \
        "^\(d0\) PASS refs: remote_dom the child's own id: destroy returns$"
    expect_line "... and the child is gone" \
        "^\(d0\) PASS refs: remote_dom the child's own id: the domain is gone "
    expect_count "the three children's memory is freed" 3 \
        '^\(mica\) d[1-9][0-9]*: destroyed, 64 frames scrubbed and freed'
    guest_ended refs poweroff
    hardening_end_clean
}

test_hardening_memhog
test_hardening_budget
test_hardening_refs
