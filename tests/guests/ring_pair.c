/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring_pair: the split-driver pattern in miniature. Two domains on
 * different pCPUs exchange data through a granted page and signal each
 * other over an interdomain event channel, sleeping in sched_op block in
 * between:
 *
 *     ring_pair:name=front,peer=2,role=a,affinity=0x1
 *     ring_pair:name=back,peer=1,role=b,affinity=0x2
 *
 * b allocates its first port (1) for a and waits for a's grant; a grants
 * b one read-write page (ref 8), binds to b's port and runs "rounds=N"
 * (default 200) requests: each writes a sequence number and fresh data
 * into the page and sends an event; b checks the data, writes back its
 * checksum and sends an event back. Finally b unmaps, says so with one
 * last event, and a revokes the grant.
 */
#include "guest.h"
#include "events.h"
#include "gnttab.h"
#include "cpu.h"

const char guest_builtin_name[] = "ring_pair";

#define MS          1000000ul
#define B_PORT      1                   /* b's first port */
#define REF         8
#define WAIT_NS     (10000 * MS)        /* for any single event */
#define DATA_LEN    1024u

struct ring_page {
    uint32_t req;                       /* a: request number, data valid */
    uint32_t rsp;                       /* b: request answered */
    uint32_t sum;                       /* b: checksum of the request's data */
    uint32_t unmapped;                  /* b: the page is no longer mapped */
    uint8_t  data[DATA_LEN];
};

static uint16_t me, peer;
static uint32_t rounds;
static uint32_t handle = ~0u;           /* b's mapping of a's page */
static uint64_t t_gfn, d_gfn, win_gfn;

static void *gfn_ptr(uint64_t gfn)
{
    return (void *)(gfn << PAGE_SHIFT);
}

static uint32_t checksum(const volatile uint8_t *p)
{
    uint32_t s = 0;

    for (unsigned int i = 0; i < DATA_LEN; i++)
        s = s * 31 + p[i];
    return s;
}

/* Retry an operation that fails until the peer has done its part. */
static int64_t retry(int64_t (*op)(void), uint64_t deadline)
{
    int64_t rc;

    while ((rc = op()) < 0 && ev_system_time() < deadline)
        ev_wait(&ev_hits[0], 1, ev_system_time() + MS);  /* port 0 never fires: a nap */
    return rc;
}

/*
 * Wait until *word == want, sleeping on port's events in between. The
 * event count is read before the word, so an event landing in between
 * ends the sleep at once instead of being missed.
 */
static bool wait_word(volatile uint32_t *word, uint32_t want, uint32_t port)
{
    uint64_t end = ev_system_time() + WAIT_NS;

    for (;;) {
        uint32_t hits = __atomic_load_n(&ev_hits[port], __ATOMIC_ACQUIRE);

        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want)
            return true;
        if (ev_system_time() >= end)
            return false;
        ev_wait(&ev_hits[port], hits + 1, end);
    }
}

/* The timer VIRQ is what ends a timed wait in sched_op block. */
static bool timer_virq(void)
{
    return check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind VIRQ_TIMER", "failed");
}

static int64_t bind_to_b(void)
{
    struct mica_evtchn_bind_interdomain a = { .remote_dom = peer, .remote_port = B_PORT };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &a);

    return rc ? rc : a.local_port;
}

static int64_t map_from_a(void)
{
    return gnttab_map1(peer, REF, win_gfn, 0, &handle);
}

/* b says "unmapped" just before it unmaps: revoking is refused until then. */
static int revoke(struct mica_grant_entry *table)
{
    uint64_t end = ev_system_time() + WAIT_NS;
    int rc;

    while ((rc = gnt_end_access(table, REF)) == -MICA_EBUSY && ev_system_time() < end)
        ev_wait(&ev_hits[0], 1, ev_system_time() + MS);  /* port 0 never fires: a nap */
    return rc;
}

static void role_a(void)
{
    struct mica_grant_entry *table = gfn_ptr(t_gfn);
    volatile struct ring_page *pg = gfn_ptr(d_gfn);
    int64_t port;
    uint32_t done = 0;

    if (!timer_virq())
        return;
    check_eq_i64("setup a one-page grant table", 0, gnttab_setup(&t_gfn, 1));
    gnt_grant(table, REF, peer, d_gfn, false);
    port = retry(bind_to_b, ev_system_time() + WAIT_NS);
    if (!check(port > 0, "bind to the peer's port (once it is there)", "status %ld", port))
        return;
    while (done < rounds) {
        for (unsigned int i = 0; i < DATA_LEN; i++)
            pg->data[i] = (uint8_t)(done * 13 + i * 7 + me);
        __atomic_store_n(&pg->req, done + 1, __ATOMIC_RELEASE);
        if (ev_send((uint32_t)port) || !wait_word(&pg->rsp, done + 1, (uint32_t)port) ||
            pg->sum != checksum(pg->data))
            break;
        done++;
    }
    check_eq_u64("every request answered through the page, with its checksum", rounds, done);
    check(wait_word(&pg->unmapped, 1, (uint32_t)port), "the peer unmapped the page and said so",
          "unmapped %u", pg->unmapped);
    check_eq_i64("revoke the grant once the peer's unmap has gone through", 0, revoke(table));
}

static void role_b(void)
{
    volatile struct ring_page *pg = gfn_ptr(win_gfn);
    int64_t port = ev_alloc_unbound(peer), map;
    uint32_t seen = 0;

    if (!check_eq_i64("alloc_unbound for the peer is port 1", B_PORT, port) ||
        !timer_virq())
        return;
    map = retry(map_from_a, ev_system_time() + WAIT_NS);
    if (!check_eq_i64("map the peer's grant (once it is there)", 0, map))
        return;
    while (seen < rounds && wait_word(&pg->req, seen + 1, B_PORT)) {
        pg->sum = checksum(pg->data);
        __atomic_store_n(&pg->rsp, seen + 1, __ATOMIC_RELEASE);
        seen++;
        if (ev_send(B_PORT))
            break;
    }
    check_eq_u64("every request read from the granted page and answered", rounds, seen);
    check(ev_blocks > 0, "slept in sched_op block between events", "never blocked");
    __atomic_store_n(&pg->unmapped, 1, __ATOMIC_RELEASE);
    check_eq_i64("unmap the page", 0, gnttab_unmap1(handle));
    check_eq_i64("send the last event", 0, ev_send(B_PORT));
}

int guest_main(const struct mica_start_info *si)
{
    char role[4] = "";

    t_gfn = guest_image_end() >> PAGE_SHIFT;
    d_gfn = t_gfn + 1;
    win_gfn = si->nr_pages + 16;
    me = si->domid;
    peer = (uint16_t)cmdline_u64("peer", MICA_DOMID_SELF);
    rounds = (uint32_t)cmdline_u64("rounds", 200);
    memset(gfn_ptr(t_gfn), 0, 2 * PAGE_SIZE);
    cmdline_get("role", role, sizeof(role));
    if (peer == MICA_DOMID_SELF || (strcmp(role, "a") && strcmp(role, "b"))) {
        check(false, "arguments", "need peer=N and role=a or role=b");
        return 1;
    }
    if (!check_eq_i64("register the shared info page and upcall vector", 0, ev_setup()))
        return 1;
    if (role[0] == 'a')
        role_a();
    else
        role_b();
    return 0;
}
