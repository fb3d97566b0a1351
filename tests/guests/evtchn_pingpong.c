/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two domains ping-pong over an interdomain event channel, each blocking
 * in sched_op between events. Run as a pair, ideally on two pCPUs:
 *
 *     evtchn_pingpong:name=ping,peer=2,role=a  evtchn_pingpong:name=pong,peer=1,role=b
 *
 * b allocates its first port (1) for a, and answers every event on it. a
 * binds to b's port 1 (retrying until b has made it), sends "rounds=N"
 * (default 500) events and waits for each answer. A privileged a (domain
 * 0) also binds MICA_VIRQ_DOM_EXC, looks at b's port through
 * status, and at the end sees b's end go: DOM_EXC arrives and its own port
 * turns unbound once b is destroyed.
 */
#include "guest.h"
#include "events.h"
#include "cpu.h"

const char guest_builtin_name[] = "evtchn_pingpong";

#define MS          1000000ul
#define B_PORT      1                   /* b's first port */
#define WAIT_NS     (10000 * MS)        /* for any single event */

static uint16_t peer;
static uint32_t rounds;
static int64_t src;                     /* the last status() result */

static uint64_t now(void)
{
    return ev_system_time();
}

static int64_t status(uint16_t dom, uint32_t port, struct mica_evtchn_status *st)
{
    *st = (struct mica_evtchn_status){ .dom = dom, .port = port };
    return mica_evtchn_op(MICA_EVTCHNOP_status, st);
}

static int role_b(void)
{
    int64_t port = ev_alloc_unbound(peer);
    uint32_t got = 0;

    check_eq_i64("alloc_unbound for the peer is port 1", B_PORT, port);
    check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind_virq TIMER", "failed");
    if (port != B_PORT)
        return 1;
    while (got < rounds && ev_wait(&ev_hits[B_PORT], got + 1, now() + WAIT_NS)) {
        got = ev_hits[B_PORT];
        if (ev_send(B_PORT))
            break;
    }
    check_eq_u64("every ping answered", rounds, got);
    check(ev_blocks > 0, "slept in sched_op block while waiting", "never blocked");
    gprintf("# %s: %u blocks\n", guest_name(), ev_blocks);
    return 0;
}

/* Bind to b's port, retrying while b has not made it yet. */
static int64_t bind_to_b(void)
{
    struct mica_evtchn_bind_interdomain a;
    uint64_t end = now() + WAIT_NS;
    int64_t rc;

    do {
        a = (struct mica_evtchn_bind_interdomain){ .remote_dom = peer, .remote_port = B_PORT };
        rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &a);
        if (rc == -MICA_ENOENT || rc == -MICA_EACCES)
            ev_wait(&ev_hits[0], 1, now() + MS);       /* port 0 never fires: a 1 ms nap */
    } while ((rc == -MICA_ENOENT || rc == -MICA_EACCES) && now() < end);
    return rc ? rc : a.local_port;
}

/* Privileged: DOM_EXC when b ends, and our port unbound once it is destroyed. */
static void watch_peer_end(uint32_t dexc, uint32_t port)
{
    struct mica_evtchn_status st = { 0 };
    uint64_t end = now() + WAIT_NS;
    bool exc, unbound = false;

    exc = ev_wait(&ev_hits[dexc], 1, end);
    check(exc, "DOM_EXC when the peer shuts down", "none in %lu ms", WAIT_NS / MS);
    while (exc && now() < end) {
        /* Count first: a DOM_EXC landing after the poll must end the wait. */
        uint32_t seen = __atomic_load_n(&ev_hits[dexc], __ATOMIC_ACQUIRE);

        unbound = status(MICA_DOMID_SELF, port, &st) == 0 &&
                  st.status == MICA_EVTCHNSTAT_unbound;
        if (unbound)
            break;
        ev_wait(&ev_hits[dexc], seen + 1, end);
    }
    check(unbound && st.remote_dom == peer, "our end is unbound once the peer is destroyed",
          "status %u dom %u", st.status, st.remote_dom);
}

static int role_a(uint16_t self)
{
    struct mica_evtchn_status st;
    int64_t dexc = 0, port;
    uint32_t base, i;
    uint64_t t0;

    check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind_virq TIMER", "failed");
    if (self == 0) {
        dexc = ev_bind_virq(MICA_VIRQ_DOM_EXC);
        check(dexc > 0, "bind_virq DOM_EXC (privileged)", "got %ld", dexc);
    }
    port = bind_to_b();
    check(port > 0, "bind_interdomain to the peer's port 1", "got %ld", port);
    if (port <= 0)
        return 1;
    if (self == 0) {
        src = status(peer, B_PORT, &st);
        check(src == 0 && st.status == MICA_EVTCHNSTAT_interdomain &&
              st.remote_dom == self && st.remote_port == port,
              "status of the peer's port (privileged)", "status %u dom %u port %u",
              st.status, st.remote_dom, st.remote_port);
    }
    base = ev_hits[port];                 /* the bind leaves our new port pending once */
    t0 = now();
    for (i = 1; i <= rounds; i++)
        if (ev_send((uint32_t)port) || !ev_wait(&ev_hits[port], base + i, now() + WAIT_NS))
            break;
    check_eq_u64("every ping came back", rounds, i - 1);
    check(ev_blocks > 0, "slept in sched_op block while waiting", "never blocked");
    gprintf("# %s: %u round trips in %lu us, %u upcalls, %u blocks\n", guest_name(), i - 1,
            (now() - t0) / 1000, ev_upcalls, ev_blocks);
    if (dexc > 0)
        watch_peer_end((uint32_t)dexc, (uint32_t)port);
    return 0;
}

int guest_main(const struct mica_start_info *si)
{
    char role[4] = "";

    peer = (uint16_t)cmdline_u64("peer", MICA_DOMID_SELF);
    rounds = (uint32_t)cmdline_u64("rounds", 500);
    cmdline_get("role", role, sizeof(role));
    irq_enable();
    check_eq_i64("event channel set-up", 0, ev_setup());
    if (peer == MICA_DOMID_SELF || (strcmp(role, "a") && strcmp(role, "b"))) {
        check(false, "arguments", "need peer=N and role=a or role=b");
        return 1;
    }
    return role[0] == 'a' ? role_a(si->domid) : role_b();
}
