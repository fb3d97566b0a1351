/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/event_channel_state.c: the port table
 * and its state transitions, and the 2-level bitmaps of the shared info
 * page, including a guest and a hypervisor working on one page from two
 * threads. The table's memory comes from libc here (xzalloc/xfree below).
 */
#include <stdlib.h>
#include <pthread.h>

#include <mica/errno.h>
#include <mica/xmalloc.h>
#include <public/event_channel.h>
#include "../../hypervisor/common/event_channel_state.h"

#include "check.h"
#include "shim.h"

void *xzalloc(size_t size)
{
    return calloc(1, size);
}

void xfree(void *p)
{
    free(p);
}

static void test_alloc(void)
{
    struct evtchn_ports p;
    struct evtchn *c = NULL;
    unsigned int n = 0;
    int port;

    CHECK_EQ_S(evtchn_ports_init(&p, MICA_EVTCHN_MAX_PORTS + 100), 0, "init above the ABI maximum");
    CHECK_EQ(p.max, MICA_EVTCHN_MAX_PORTS, "the limit is clamped to 4096");
    evtchn_ports_fini(&p);
    CHECK(!p.chn && !p.max, "fini empties the table");

    evtchn_ports_init(&p, 8);
    for (int want = 1; want < 8; want++) {
        port = evtchn_port_alloc(&p);
        CHECK_EQ_S(port, want, "alloc %d: the lowest free port, never 0", want);
        evtchn_set_ipi(&p.chn[port], 0);
    }
    CHECK_EQ_S(evtchn_port_alloc(&p), -ENOSPC, "alloc with every port in use: -ENOSPC");
    CHECK_EQ(p.used, 7, "7 ports in use");
    evtchn_port_free(&p, 3);
    evtchn_port_free(&p, 5);
    CHECK_EQ(p.used, 5, "free drops the count");
    CHECK_EQ_S(evtchn_port_alloc(&p), 3, "alloc reuses the lowest freed port");
    evtchn_set_unbound(&p.chn[3], 7);
    evtchn_port_free(&p, 5);
    CHECK_EQ(p.used, 6, "freeing a free port changes nothing");

    CHECK_EQ_S(evtchn_port_get(&p, 0, &c), -ENOENT, "get port 0: -ENOENT");
    CHECK_EQ_S(evtchn_port_get(&p, 5, &c), -ENOENT, "get a free port: -ENOENT");
    CHECK_EQ_S(evtchn_port_get(&p, 8, &c), -EINVAL, "get the limit: -EINVAL");
    CHECK_EQ_S(evtchn_port_get(&p, 1ull << 32, &c), -EINVAL, "get 2^32: -EINVAL");
    CHECK_EQ_S(evtchn_port_get(&p, ~0ull, &c), -EINVAL, "get ~0: -EINVAL");
    CHECK(evtchn_port_get(&p, 3, &c) == 0 && c == &p.chn[3], "get a port in use");
    for (port = evtchn_port_alloc(&p); port > 0; port = evtchn_port_alloc(&p), n++)
        evtchn_set_ipi(&p.chn[port], 1);
    CHECK_EQ(n, 1, "one port left to fill");
    evtchn_ports_fini(&p);
}

static void test_states(void)
{
    struct evtchn_ports p;
    struct evtchn *a, *b;
    int pa, pb;

    evtchn_ports_init(&p, MICA_EVTCHN_DEFAULT_PORTS);
    pa = evtchn_port_alloc(&p);
    a = &p.chn[pa];
    evtchn_set_unbound(a, 4);
    CHECK(a->state == ECS_UNBOUND && a->remote_dom == 4 && !a->peer, "unbound for domain 4");
    CHECK_EQ_S(evtchn_check_bindable(a, 4), 0, "domain 4 may bind it");
    CHECK_EQ_S(evtchn_check_bindable(a, 5), -EACCES, "domain 5 may not: -EACCES");
    pb = evtchn_port_alloc(&p);
    b = &p.chn[pb];
    evtchn_set_interdomain(b, 4, 9, &p);
    evtchn_set_interdomain(a, 4, (uint32_t)pb, &p);
    CHECK(a->state == ECS_INTERDOMAIN && a->remote_dom == 4 && a->remote_port == (uint32_t)pb &&
          a->peer == &p, "interdomain: peer domain, port and table");
    CHECK_EQ_S(evtchn_check_bindable(a, 4), -EBUSY, "a bound port: -EBUSY");
    evtchn_set_unbound(a, 6);
    CHECK(a->state == ECS_UNBOUND && a->remote_dom == 6 && a->remote_port == 0 && !a->peer,
          "closing the peer's end makes it unbound again");
    evtchn_set_virq(b, MICA_VIRQ_TIMER, 5);
    CHECK(b->state == ECS_VIRQ && b->virq == MICA_VIRQ_TIMER && b->vcpu == 5, "virq on vcpu 5");
    CHECK_EQ_S(evtchn_check_bindable(b, 4), -EBUSY, "a VIRQ port: -EBUSY");
    evtchn_set_ipi(b, 63);
    CHECK(b->state == ECS_IPI && b->vcpu == 63, "ipi to vcpu 63");
    evtchn_port_free(&p, (unsigned int)pb);
    CHECK(b->state == ECS_FREE && b->vcpu == 0 && b->remote_dom == 0 && b->virq == 0,
          "free clears every field");
    evtchn_ports_fini(&p);
}

#define BIT(port)  (1ull << ((port) % 64))

static void guest_clear(struct mica_shared_info *s, unsigned int vcpu)
{
    s->vcpu_info[vcpu].upcall_pending = 0;
    s->vcpu_info[vcpu].pending_sel = 0;
}

static void test_bits(void)
{
    static struct mica_shared_info s;

    CHECK(evtchn_bits_set_pending(&s, 5, 0), "first event: raise the upcall");
    CHECK(s.evtchn_pending[0] == BIT(5) && s.vcpu_info[0].pending_sel == 1 &&
          s.vcpu_info[0].upcall_pending == 1, "pending bit, selector bit, upcall_pending");
    CHECK(!evtchn_bits_set_pending(&s, 5, 0), "the same port again: nothing more");
    CHECK(!evtchn_bits_set_pending(&s, 6, 0), "another port of the word: no second upcall");
    CHECK(evtchn_bits_is_pending(&s, 6) && evtchn_bits_vcpu_pending(&s, 0), "both pending");
    guest_clear(&s, 0);
    CHECK(!evtchn_bits_set_pending(&s, 6, 0), "still pending (guest did not clear it): no upcall");
    CHECK(evtchn_bits_set_pending(&s, 4095, 0), "port 4095, a new word: upcall");
    CHECK(s.vcpu_info[0].pending_sel == 1ull << 63 && s.evtchn_pending[63] == BIT(4095),
          "word 63 selected");
    evtchn_bits_clear_pending(&s, 5);
    CHECK(s.evtchn_pending[0] == BIT(6), "clear_pending drops one bit only");
    CHECK(!evtchn_bits_vcpu_pending(&s, 1), "vcpu 1 has nothing");

    s = (struct mica_shared_info){ 0 };
    s.evtchn_mask[1] = BIT(70);
    CHECK(!evtchn_bits_set_pending(&s, 70, 2), "a masked port: no upcall");
    CHECK(evtchn_bits_is_pending(&s, 70) && !s.vcpu_info[2].pending_sel &&
          !s.vcpu_info[2].upcall_pending, "masked: pending, nothing selected");
    CHECK(evtchn_bits_unmask(&s, 70, 2), "unmask of a pending port: upcall");
    CHECK(!s.evtchn_mask[1] && s.vcpu_info[2].pending_sel == 2 && s.vcpu_info[2].upcall_pending,
          "unmask: mask cleared, word 1 selected on vcpu 2");
    CHECK(!evtchn_bits_unmask(&s, 71, 2), "unmask of a port not pending: no upcall");
    CHECK(!s.vcpu_info[0].upcall_pending, "vcpu 0 untouched");

    s = (struct mica_shared_info){ 0 };
    s.vcpu_info[3].upcall_mask = 1;
    CHECK(!evtchn_bits_set_pending(&s, 1, 3), "upcall_mask: no interrupt");
    CHECK(s.vcpu_info[3].upcall_pending && evtchn_bits_vcpu_pending(&s, 3),
          "upcall_mask: upcall_pending still set (sched_op block wakes)");
}

/*
 * The hypervisor sets ports pending from one thread while the guest runs
 * its half of the protocol in another. Afterwards nothing may be left
 * pending without upcall_pending: that would be an event nobody looks at.
 */
#define ROUNDS 2000000u

static struct mica_shared_info shared;
static volatile bool producer_done;
static uint64_t handled;

static void *producer(void *arg)
{
    (void)arg;
    for (unsigned int i = 0; i < ROUNDS; i++)
        evtchn_bits_set_pending(&shared, 1 + (i * 37) % (MICA_EVTCHN_MAX_PORTS - 1), 0);
    producer_done = true;
    return NULL;
}

static void guest_scan(void)
{
    struct mica_vcpu_info *vi = &shared.vcpu_info[0];
    uint64_t sel;

    __atomic_store_n(&vi->upcall_pending, 0, __ATOMIC_SEQ_CST);
    sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzll(sel);
        uint64_t bits = __atomic_exchange_n(&shared.evtchn_pending[w], 0, __ATOMIC_SEQ_CST);

        sel &= sel - 1;
        handled += (uint64_t)__builtin_popcountll(bits);
    }
}

static void test_concurrent(void)
{
    pthread_t t;
    uint64_t stranded = 0;

    if (pthread_create(&t, NULL, producer, NULL)) {
        CHECK(false, "start the producer thread");
        return;
    }
    while (!producer_done || __atomic_load_n(&shared.vcpu_info[0].upcall_pending, __ATOMIC_SEQ_CST))
        if (__atomic_load_n(&shared.vcpu_info[0].upcall_pending, __ATOMIC_SEQ_CST))
            guest_scan();
    pthread_join(t, NULL);
    for (unsigned int w = 0; w < MICA_EVTCHN_WORDS; w++)
        stranded += (uint64_t)__builtin_popcountll(shared.evtchn_pending[w]);
    CHECK_EQ(stranded, 0, "two threads: no event left pending without an upcall");
    CHECK(handled > 0 && handled <= ROUNDS, "two threads: %llu events handled",
          (unsigned long long)handled);
}

int main(void)
{
    check_area("evtchn");
    test_alloc();
    test_states();
    test_bits();
    test_concurrent();
    return check_done();
}
