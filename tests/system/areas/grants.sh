# SPDX-License-Identifier: GPL-2.0-only
# Grant tables (hypervisor/common/grant_table.c, docs/abi.md): every
# sub-command with its errors (the gnttab guest), a read-only mapping that
# really is read-only, two domains on two pCPUs sharing pages (gnt_pair),
# the teardown rule both ways, and the hypercall fuzzer leaving no frame
# behind. Sourced by tests/system/run.sh after lib.sh.

# The free-frame count the hypervisor logged after the last domain went.
last_frames_free() {
    tr -d '\r' <"$LOG" |
        sed -nE 's/^\(mica\) d[0-9]+: destroyed, [0-9]+ frames scrubbed and freed; ([0-9]+) frames free$/\1/p' |
        tail -n1
}

# line_before "what" REGEX1 REGEX2: the first line matching REGEX1 comes before the first matching REGEX2.
line_before() {
    local a b
    a=$(tr -d '\r' <"$LOG" | grep -a -nE -m1 -- "$2" | cut -d: -f1)
    b=$(tr -d '\r' <"$LOG" | grep -a -nE -m1 -- "$3" | cut -d: -f1)
    if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then pass "$1"
    else fail "$1" "lines ${a:-none} and ${b:-none}"; fi
}

test_grants_single() {
    boot grants-gnttab "-cpu max -smp 2 -m 512" "" gnttab:name=gnttab selftest:name=good
    guest_passes gnttab
    guest_passes good
    guest_ended gnttab poweroff
    guest_ended good poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_grants_readonly() {
    boot grants-readonly "-cpu max -smp 1 -m 256" "" gnttab:name=ro,mode=ro_write
    expect_line "the read-only grant was mapped" '^\(d1\) PASS ro: map read-only$'
    guest_ended ro crash "write to guest-physical"
    expect_no_line "the write did not get through" "FAIL ro"
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Boot modules get domids 1, 2, ... in order: the peer= arguments rely on it.
test_grants_pair() {
    boot grants-pair "-cpu max -smp 2 -m 512" "" \
        gnt_pair:name=gp-a,role=a,peer=2,affinity=0x1 gnt_pair:name=gp-b,role=b,peer=1,affinity=0x2
    if [ "$(domid_of gp-a)" = 1 ] && [ "$(domid_of gp-b)" = 2 ]; then
        pass "the pair got domids 1 and 2"
    else
        fail "the pair got domids 1 and 2" "gp-a d$(domid_of gp-a), gp-b d$(domid_of gp-b)"
    fi
    expect_different_cpus "the pair runs" gp-a gp-b
    guest_passes gp-a
    guest_passes gp-b
    guest_ended gp-a poweroff
    guest_ended gp-b poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# A granter that ends while its page is mapped elsewhere is freed only when
# the mapping goes; a grantee that ends while mapping gives its maps back.
test_grants_teardown() {
    boot grants-teardown "-cpu max -smp 2 -m 512" "" \
        gnt_pair:name=leave,role=leave,peer=2,cpu=0 gnt_pair:name=stay,role=stay,peer=1,cpu=1 \
        gnt_pair:name=wait,role=wait,peer=4,cpu=0 gnt_pair:name=hold,role=hold,peer=3,cpu=1
    local g
    for g in leave stay wait hold; do
        guest_passes $g
        guest_ended $g poweroff
    done
    expect_line "leave's destroy waits for its mapped grant" \
        '^\(mica\) d1: 1 of its grants still mapped by other domains; its memory is freed when they are unmapped$'
    line_before "leave's memory is freed only once stay unmaps it" \
        '^\(d2\) PASS stay: and writable' '^\(mica\) d1: destroyed, '
    expect_no_line "no other destroy had to wait" '^\(mica\) d[234]: [0-9]+ of its grants still mapped'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# The fuzzer beside a good guest, twice: a short run and the make-test run
# must end with the same number of free frames (nothing leaks per call).
test_grants_fuzz_leak() {
    local short long
    boot grants-fuzz-short "-cpu max -smp 2 -m 512" "" \
        hostile_hc:name=fuzz,seed=777,iters=0000200 selftest:name=good
    guest_passes fuzz
    short=$(last_frames_free)
    boot grants-fuzz "-cpu max -smp 2 -m 512" "" \
        hostile_hc:name=fuzz,seed=777,iters=0030000 selftest:name=good
    guest_passes fuzz
    guest_passes good
    guest_ended fuzz poweroff
    long=$(last_frames_free)
    if [ -n "$short" ] && [ "$short" = "$long" ]; then
        pass "no frame leaked: $long free after 30000 calls, as after 200"
    else
        fail "no frame leaked" "${short:-?} free after 200 calls, ${long:-?} after 30000"
    fi
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_grants_single
test_grants_readonly
test_grants_pair
test_grants_teardown
test_grants_fuzz_leak
