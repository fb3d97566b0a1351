# SPDX-License-Identifier: GPL-2.0-only
# Event channels, the one-shot timer and the time page
# (hypervisor/common/event_channel.c, vcpu_op.c, time_page.c). Sourced by
# tests/system/run.sh after lib.sh.

# Lines the allocator and the heap print (in a panic) when something is
# freed twice, or freed while pinned (a shared info or time page still
# registered).
EVENTS_ALLOC_COMPLAINTS='frames_free:|frame_free_domain:|frame_unpin:|frames_reassign:|xfree:|page_free_hyp:|pinned'

events_end_clean() {
    expect_no_line "no double, bad or pinned free reported" "$EVENTS_ALLOC_COMPLAINTS"
    expect_line "the hypervisor reports all domains ended" '^\(mica\) all domains have ended$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Every sub-command of event_channel_op, beside the timer guest, which is
# also the other domain for evtchn's cross-domain checks (d2, kept alive a
# little longer by linger_ms). evtchn ends with channels bound and a timer
# armed: the teardown has live state to undo.
test_events_guests() {
    boot events-guests "-cpu max -smp 2 -m 256" "" evtchn:name=evtchn,peer=2,cpu=0 \
        timer:name=timer,linger_ms=300,cpu=1
    guest_passes evtchn
    guest_passes timer
    guest_ended evtchn poweroff
    guest_ended timer poweroff
    events_end_clean
}

# Two domains on two pCPUs exchange 500 events each way over one channel,
# blocking in sched_op between them. With two pCPUs they are pinned, one
# each: cpu= only places a vCPU, and an idle CPU may take it over before
# its own CPU first runs it (seen under single-threaded TCG).
test_events_pingpong() {
    local name=$1 smp=$2 pa=cpu=0 pb=cpu=1
    [ "$smp" -gt 1 ] && { pa=affinity=0x1; pb=affinity=0x2; }
    boot "$name" "-cpu max -smp $smp -m 256" "" evtchn_pingpong:name=ping,peer=2,role=a,$pa \
        evtchn_pingpong:name=pong,peer=1,role=b,$pb
    [ "$smp" -gt 1 ] && expect_different_cpus "ping and pong run" ping pong
    guest_passes ping
    guest_passes pong
    expect_line "500 round trips" '^\(d1\) # ping: 500 round trips in [0-9]+ us'
    guest_ended ping poweroff
    guest_ended pong poweroff
    events_end_clean
}

# A privileged ping (domain 0) watches its peer: status of the peer's port,
# MICA_VIRQ_DOM_EXC when the peer ends, its own end unbound once the peer
# is destroyed.
test_events_dom_exc() {
    boot events-dom-exc "-cpu max -smp 2 -m 256" "" \
        evtchn_pingpong:name=ping,privileged,peer=1,role=a,cpu=0 \
        evtchn_pingpong:name=pong,peer=0,role=b,cpu=1
    expect_line "ping is domain 0" '^\(mica\) d0 \(ping\): [0-9]+ KiB RAM'
    guest_passes ping
    guest_passes pong
    expect_line "ping saw DOM_EXC" '^\(d0\) PASS ping: DOM_EXC when the peer shuts down$'
    guest_ended ping poweroff
    guest_ended pong poweroff
    events_end_clean
}

test_events_guests
test_events_pingpong events-pingpong 2
test_events_pingpong events-pingpong-smp1 1
test_events_dom_exc
