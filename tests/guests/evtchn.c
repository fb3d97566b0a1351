/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels from one unprivileged domain: every sub-command's success
 * and error paths, upcalls delivered to the handler in our IDT, masking,
 * blocking, and the per-domain port limit. "peer=N" names another running
 * domain for the cross-domain checks (the system test runs one beside us).
 *
 * It ends with ports still bound and a timer armed, so that the hypervisor
 * tears live state down when the domain is destroyed.
 */
#include "guest.h"
#include "events.h"
#include "cpu.h"

const char guest_builtin_name[] = "evtchn";

#define BAD_NONCANON   0x8000000000000000ull
#define BAD_NORAM      0xc0000000ull           /* mapped by the boot page tables, no RAM */
#define NO_DOMAIN      0x7feeu                 /* below DOMID_MAX, never created */
#define LIMIT          MICA_EVTCHN_DEFAULT_PORTS

static uint16_t self_id;
static int64_t src;                            /* the last status() result */
static uint8_t page2[PAGE_SIZE] __aligned(PAGE_SIZE);

static int64_t evop(uint64_t cmd, void *arg)
{
    return mica_evtchn_op(cmd, arg);
}

static int64_t port_op(uint64_t cmd, uint32_t port)
{
    struct mica_evtchn_port a = { port };

    return evop(cmd, &a);
}

static int64_t bind_ipi(uint32_t vcpu)
{
    struct mica_evtchn_bind_ipi a = { .vcpu = vcpu };
    int64_t rc = evop(MICA_EVTCHNOP_bind_ipi, &a);

    return rc ? rc : a.port;
}

static int64_t bind_interdomain(uint16_t dom, uint32_t port)
{
    struct mica_evtchn_bind_interdomain a = { .remote_dom = dom, .remote_port = port };
    int64_t rc = evop(MICA_EVTCHNOP_bind_interdomain, &a);

    return rc ? rc : a.local_port;
}

static int64_t status(uint16_t dom, uint32_t port, struct mica_evtchn_status *st)
{
    *st = (struct mica_evtchn_status){ .dom = dom, .port = port };
    return evop(MICA_EVTCHNOP_status, st);
}

/* Before the guest gives a page, the hypervisor keeps the bits; they move over. */
static int64_t test_shared_info(void)
{
    struct mica_evtchn_set_shared_info a;
    int64_t p = bind_ipi(0), rc;

    check(p > 0, "bind_ipi before any shared info page", "got %ld", p);
    check_eq_i64("send before any shared info page", 0, ev_send((uint32_t)p));
    check_eq_i64("set_shared_info: non-canonical pointer", -MICA_EFAULT,
                 hc2(MICA_HC_event_channel_op, MICA_EVTCHNOP_set_shared_info, BAD_NONCANON));
    check_eq_i64("set_shared_info: pointer without RAM", -MICA_EFAULT,
                 hc2(MICA_HC_event_channel_op, MICA_EVTCHNOP_set_shared_info, BAD_NORAM));
    a.gfn = guest_si()->nr_pages;
    check_eq_i64("set_shared_info: gfn just past RAM", -MICA_EINVAL,
                 evop(MICA_EVTCHNOP_set_shared_info, &a));
    a.gfn = ~0ull;
    check_eq_i64("set_shared_info: gfn ~0", -MICA_EINVAL, evop(MICA_EVTCHNOP_set_shared_info, &a));
    check_eq_i64("register_upcall_vector 31", -MICA_EINVAL,
                 mica_vcpu_op(MICA_VCPUOP_register_upcall_vector, 31, 0));
    check_eq_i64("register_upcall_vector 256", -MICA_EINVAL,
                 mica_vcpu_op(MICA_VCPUOP_register_upcall_vector, 256, 0));
    memset(page2, 0xff, sizeof(page2));
    irq_disable();
    rc = ev_setup();
    check_eq_i64("set_shared_info and register_upcall_vector", 0, rc);
    check(p > 0 && ev_is_pending((uint32_t)p), "a pending bit moves into our page", "port %ld", p);
    check(ev_shared->vcpu_info[0].upcall_pending == 1, "upcall_pending moves into our page",
          "got %u", ev_shared->vcpu_info[0].upcall_pending);
    irq_enable();           /* the vector was registered with upcall_pending set: raised now */
    check(p > 0 && ev_hits[p] == 1, "registering the vector delivers what waits",
          "hits %u upcalls %u", p > 0 ? ev_hits[p] : 0, ev_upcalls);
    return p;
}

/* Moving the page again copies the bits; then back to the library's page. */
static void test_move_shared_info(uint32_t p)
{
    struct mica_evtchn_set_shared_info a = { (uint64_t)page2 >> PAGE_SHIFT };
    struct mica_shared_info *s2 = (struct mica_shared_info *)page2;

    ev_mask(p);
    check_eq_i64("send on a masked port", 0, ev_send(p));
    check_eq_i64("set_shared_info: another page", 0, evop(MICA_EVTCHNOP_set_shared_info, &a));
    check(s2->evtchn_mask[p / 64] == ev_shared->evtchn_mask[p / 64] &&
          s2->evtchn_pending[p / 64] == ev_shared->evtchn_pending[p / 64] &&
          s2->evtchn_pending[63] == 0, "the new page gets the bits, the old contents go",
          "mask %lx pending %lx", s2->evtchn_mask[p / 64], s2->evtchn_pending[p / 64]);
    a.gfn = (uint64_t)ev_shared >> PAGE_SHIFT;
    check_eq_i64("set_shared_info: back to the first page", 0,
                 evop(MICA_EVTCHNOP_set_shared_info, &a));
    check(ev_is_pending(p) && ev_hits[p] == 1, "masked: pending, not delivered",
          "hits %u", ev_hits[p]);
    check_eq_i64("unmask", 0, port_op(MICA_EVTCHNOP_unmask, p));
    check(ev_hits[p] == 2 && !ev_is_pending(p), "unmask delivers the pending event",
          "hits %u", ev_hits[p]);
    check(!(ev_shared->evtchn_mask[p / 64] & (1ull << (p % 64))), "unmask clears the mask bit",
          "mask %lx", ev_shared->evtchn_mask[p / 64]);
}

/* IPI to ourselves: delivery, interrupts off, upcall_mask, blocking. */
static void test_ipi(uint32_t p)
{
    struct mica_evtchn_status st;
    uint32_t up = ev_upcalls;
    int64_t rc;

    src = status(MICA_DOMID_SELF, p, &st);
    check(src == 0 && st.status == MICA_EVTCHNSTAT_ipi &&
          st.vcpu == 0, "status: ipi on vcpu 0", "status %u vcpu %u", st.status, st.vcpu);
    check_eq_i64("send on an IPI port", 0, ev_send(p));
    check(ev_hits[p] == 3 && ev_upcalls == up + 1, "the upcall runs as the send returns",
          "hits %u upcalls %u", ev_hits[p], ev_upcalls - up);
    irq_disable();
    ev_send(p);
    check(ev_hits[p] == 3 && ev_is_pending(p), "interrupts off: pending, not yet delivered",
          "hits %u", ev_hits[p]);
    rc = mica_sched_op(MICA_SCHED_block, 0);
    check(rc == 0 && ev_hits[p] == 3, "sched_op block returns at once with an event pending",
          "rc %ld", rc);
    irq_enable();
    check_eq_u64("sti delivers it", 4, ev_hits[p]);
    ev_shared->vcpu_info[0].upcall_mask = 1;
    ev_send(p);
    check(ev_hits[p] == 4 && ev_shared->vcpu_info[0].upcall_pending == 1,
          "upcall_mask: upcall_pending set, no interrupt", "hits %u", ev_hits[p]);
    ev_shared->vcpu_info[0].upcall_mask = 0;
    irq_disable();
    ev_scan();
    irq_enable();
    check_eq_u64("upcall_mask: the guest's own scan finds it", 5, ev_hits[p]);
    check_eq_i64("bind_ipi: vcpu 1 does not exist", -MICA_ENOENT, bind_ipi(1));
    check_eq_i64("bind_ipi: vcpu ~0", -MICA_ENOENT, bind_ipi(~0u));
}

/* A channel from the domain to itself: both ends, then close one. */
static void test_loopback(void)
{
    struct mica_evtchn_status st;
    int64_t p1 = ev_alloc_unbound(MICA_DOMID_SELF), p2;

    src = status(MICA_DOMID_SELF, (uint32_t)p1, &st);
    check(p1 > 0 && src == 0 &&
          st.status == MICA_EVTCHNSTAT_unbound && st.remote_dom == self_id,
          "alloc_unbound for ourselves: status unbound", "port %ld status %u dom %u",
          p1, st.status, st.remote_dom);
    p2 = bind_interdomain(MICA_DOMID_SELF, (uint32_t)p1);
    check(p2 > 0 && p2 != p1, "bind_interdomain to it", "got %ld", p2);
    if (p1 <= 0 || p2 <= 0)
        return;
    check_eq_u64("the new port is pending at once (and delivered)", 1, ev_hits[p2]);
    src = status(MICA_DOMID_SELF, (uint32_t)p1, &st);
    check(src == 0 &&
          st.status == MICA_EVTCHNSTAT_interdomain && st.remote_dom == self_id &&
          st.remote_port == p2, "status: interdomain, with the peer port",
          "status %u dom %u port %u", st.status, st.remote_dom, st.remote_port);
    ev_send((uint32_t)p2);
    ev_send((uint32_t)p1);
    check(ev_hits[p1] == 1 && ev_hits[p2] == 2, "each end's send reaches the other",
          "hits %u %u", ev_hits[p1], ev_hits[p2]);
    check_eq_i64("bind_interdomain: already bound", -MICA_EBUSY,
                 bind_interdomain(MICA_DOMID_SELF, (uint32_t)p1));
    check_eq_i64("close one end", 0, ev_close((uint32_t)p2));
    src = status(MICA_DOMID_SELF, (uint32_t)p1, &st);
    check(src == 0 &&
          st.status == MICA_EVTCHNSTAT_unbound && st.remote_dom == self_id,
          "the other end is unbound again", "status %u", st.status);
    check_eq_i64("double close", -MICA_ENOENT, ev_close((uint32_t)p2));
    check(ev_send((uint32_t)p1) == 0 && ev_hits[p1] == 1, "send on an unbound port is dropped",
          "hits %u", ev_hits[p1]);
    src = status(MICA_DOMID_SELF, (uint32_t)p2, &st);
    check(src == 0 &&
          st.status == MICA_EVTCHNSTAT_closed, "status: closed port", "status %u", st.status);
    check_eq_i64("close the unbound end", 0, ev_close((uint32_t)p1));
}

static void test_bind_interdomain_errors(void)
{
    struct mica_evtchn_bind_interdomain a = { .remote_dom = MICA_DOMID_SELF, .pad = 1,
                                              .remote_port = 1 };

    check_eq_i64("bind_interdomain: remote port 0", -MICA_ENOENT,
                 bind_interdomain(MICA_DOMID_SELF, 0));
    check_eq_i64("bind_interdomain: free remote port", -MICA_ENOENT,
                 bind_interdomain(MICA_DOMID_SELF, LIMIT - 1));
    check_eq_i64("bind_interdomain: remote port at the limit", -MICA_EINVAL,
                 bind_interdomain(MICA_DOMID_SELF, LIMIT));
    check_eq_i64("bind_interdomain: remote port ~0", -MICA_EINVAL,
                 bind_interdomain(MICA_DOMID_SELF, ~0u));
    check_eq_i64("bind_interdomain: no such domain", -MICA_ESRCH,
                 bind_interdomain(NO_DOMAIN, 1));
    check_eq_i64("bind_interdomain: domain id above the range", -MICA_ESRCH,
                 bind_interdomain(0x7ff5, 1));
    check_eq_i64("bind_interdomain: pad not zero", -MICA_EINVAL,
                 evop(MICA_EVTCHNOP_bind_interdomain, &a));
}

/* Another domain: a port offered to it is not ours to bind; no reaching into it. */
static void test_peer(uint16_t peer)
{
    struct mica_evtchn_alloc_unbound a = { .dom = self_id, .remote_dom = peer };
    struct mica_evtchn_status st;
    int64_t q = evop(MICA_EVTCHNOP_alloc_unbound, &a) ? -1 : (int64_t)a.port;

    a = (struct mica_evtchn_alloc_unbound){ .dom = peer, .remote_dom = MICA_DOMID_SELF };
    src = status(self_id, (uint32_t)q, &st);
    check(q > 0 && src == 0 &&
          st.status == MICA_EVTCHNSTAT_unbound && st.remote_dom == peer,
          "alloc_unbound for the peer (dom given as our own id)", "port %ld dom %u",
          q, st.remote_dom);
    check_eq_i64("bind_interdomain: a port offered to another domain", -MICA_EACCES,
                 bind_interdomain(MICA_DOMID_SELF, (uint32_t)q));
    check_eq_i64("bind_interdomain: the peer has no such port", -MICA_ENOENT,
                 bind_interdomain(peer, LIMIT - 1));
    check_eq_i64("close it", 0, ev_close((uint32_t)q));
    check_eq_i64("alloc_unbound in another domain: unprivileged", -MICA_EPERM,
                 evop(MICA_EVTCHNOP_alloc_unbound, &a));
    check_eq_i64("status of another domain's port: unprivileged", -MICA_EPERM,
                 status(peer, 1, &st));
    check_eq_i64("alloc_unbound: no such remote domain", -MICA_ESRCH,
                 ev_alloc_unbound(NO_DOMAIN));
}

static int64_t bind_virq(uint32_t virq, uint32_t vcpu)
{
    struct mica_evtchn_bind_virq a = { .virq = virq, .vcpu = vcpu };
    int64_t rc = evop(MICA_EVTCHNOP_bind_virq, &a);

    return rc ? rc : a.port;
}

static int64_t test_virq(void)
{
    struct mica_evtchn_status st;
    int64_t t = bind_virq(MICA_VIRQ_TIMER, 0);
    bool fired;

    src = status(MICA_DOMID_SELF, (uint32_t)t, &st);
    check(t > 0 && src == 0 &&
          st.status == MICA_EVTCHNSTAT_virq && st.virq == MICA_VIRQ_TIMER && st.vcpu == 0,
          "bind_virq TIMER: status virq", "port %ld status %u", t, st.status);
    check_eq_i64("bind_virq: already bound", -MICA_EEXIST, bind_virq(MICA_VIRQ_TIMER, 0));
    check_eq_i64("bind_virq: unknown virq", -MICA_EINVAL, bind_virq(MICA_NR_VIRQS, 0));
    check_eq_i64("bind_virq: virq ~0", -MICA_EINVAL, bind_virq(~0u, 0));
    check_eq_i64("bind_virq: vcpu 1 does not exist", -MICA_ENOENT, bind_virq(MICA_VIRQ_TIMER, 1));
    check_eq_i64("bind_virq DOM_EXC: unprivileged", -MICA_EPERM, bind_virq(MICA_VIRQ_DOM_EXC, 0));
    check_eq_i64("bind_virq CONSOLE: unprivileged", -MICA_EPERM, bind_virq(MICA_VIRQ_CONSOLE, 0));
    if (t <= 0)
        return t;
    check_eq_i64("send on a VIRQ port", -MICA_EINVAL, ev_send((uint32_t)t));
    fired = ev_wait(&ev_hits[t], 1, ev_system_time() + 2000000ull);
    check(fired, "the timer VIRQ arrives (ev_wait)", "hits %u", ev_hits[t]);
    check_eq_i64("close the VIRQ port", 0, ev_close((uint32_t)t));
    t = bind_virq(MICA_VIRQ_TIMER, 0);
    check(t > 0, "bind_virq TIMER again after close", "got %ld", t);
    return t;
}

/* Out-of-range, free and reserved ports, bad pointers and pads, for every sub-command. */
static void test_bad_args(void)
{
    static const uint64_t cmds[] = { MICA_EVTCHNOP_close, MICA_EVTCHNOP_send,
                                     MICA_EVTCHNOP_unmask };
    static const char *const names[] = { "close", "send", "unmask" };
    static const struct { uint32_t port; int64_t rc; const char *what; } ports[] = {
        { 0, -MICA_ENOENT, "port 0" }, { LIMIT - 1, -MICA_ENOENT, "a free port" },
        { LIMIT, -MICA_EINVAL, "the limit" }, { MICA_EVTCHN_MAX_PORTS, -MICA_EINVAL, "4096" },
        { ~0u, -MICA_EINVAL, "port ~0" },
    };
    static const uint64_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    struct mica_evtchn_status st = { .dom = MICA_DOMID_SELF, .pad = 1 };
    char what[96];

    for (size_t c = 0; c < ARRAY_SIZE(cmds); c++)
        for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
            snprintf(what, sizeof(what), "%s: %s", names[c], ports[i].what);
            check_eq_i64(what, ports[i].rc, port_op(cmds[c], ports[i].port));
        }
    check_eq_i64("status: the limit", -MICA_EINVAL, status(MICA_DOMID_SELF, LIMIT, &st));
    src = status(MICA_DOMID_SELF, 0, &st);
    check(src == 0 && st.status == MICA_EVTCHNSTAT_closed,
          "status: port 0 is closed", "status %u", st.status);
    st = (struct mica_evtchn_status){ .dom = MICA_DOMID_SELF, .pad = 1 };
    check_eq_i64("status: pad not zero", -MICA_EINVAL, evop(MICA_EVTCHNOP_status, &st));
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        snprintf(what, sizeof(what), "sub-command %lu: non-canonical pointer", all[i]);
        check_eq_i64(what, -MICA_EFAULT, hc2(MICA_HC_event_channel_op, all[i], BAD_NONCANON));
        snprintf(what, sizeof(what), "sub-command %lu: pointer without RAM", all[i]);
        check_eq_i64(what, -MICA_EFAULT, hc2(MICA_HC_event_channel_op, all[i], BAD_NORAM));
        snprintf(what, sizeof(what), "sub-command %lu: pointer straddling the end of RAM", all[i]);
        check_eq_i64(what, -MICA_EFAULT,
                     hc2(MICA_HC_event_channel_op, all[i], guest_ram_end() - 2));
    }
    check_eq_i64("unknown sub-command 9", -MICA_ENOSYS, hc2(MICA_HC_event_channel_op, 9, 0));
    check_eq_i64("unknown sub-command 1 << 32", -MICA_ENOSYS,
                 hc2(MICA_HC_event_channel_op, 1ull << 32, 0));
}

/* Fill the table: every port but 0 and those in use, then -ENOSPC; free them all. */
static void test_limit(unsigned int in_use)
{
    static uint32_t got[LIMIT];
    unsigned int n = 0, closed = 0;
    int64_t rc;

    while ((rc = ev_alloc_unbound(MICA_DOMID_SELF)) > 0 && n < LIMIT)
        got[n++] = (uint32_t)rc;
    check_eq_i64("alloc_unbound past the port limit", -MICA_ENOSPC, rc);
    check_eq_u64("ports allocated up to the limit", LIMIT - 1 - in_use, n);
    check(n && got[n - 1] == LIMIT - 1, "the last port is limit - 1", "got %u",
          n ? got[n - 1] : 0);
    check_eq_i64("bind_ipi with the table full", -MICA_ENOSPC, bind_ipi(0));
    check_eq_i64("bind_interdomain with the table full", -MICA_ENOSPC,
                 bind_interdomain(MICA_DOMID_SELF, got[0]));
    for (unsigned int i = 0; i < n; i++)
        closed += ev_close(got[i]) == 0;
    check_eq_u64("every one of them closes", n, closed);
    rc = ev_alloc_unbound(MICA_DOMID_SELF);
    check(rc > 0 && rc == got[0], "a port is free again, the lowest", "got %ld", rc);
    ev_close((uint32_t)rc);
}

int guest_main(const struct mica_start_info *si)
{
    uint16_t peer = (uint16_t)cmdline_u64("peer", MICA_DOMID_SELF);
    int64_t ipi, timer, p1, p2;

    self_id = si->domid;
    irq_enable();
    ipi = test_shared_info();
    if (ipi <= 0 || ev_upcalls == 0)
        return 1;
    if (peer != MICA_DOMID_SELF)                   /* first, while the peer surely runs */
        test_peer(peer);
    else
        check(false, "peer=", "the cross-domain checks need peer=N");
    test_move_shared_info((uint32_t)ipi);
    test_ipi((uint32_t)ipi);
    test_loopback();
    test_bind_interdomain_errors();
    timer = test_virq();
    test_bad_args();
    check_eq_i64("vcpu_op: unknown sub-command", -MICA_ENOSYS, mica_vcpu_op(5, 0, 0));
    test_limit(2);                                 /* the IPI and timer ports */
    /* Leave live state for the teardown: a loopback channel, a timer far off. */
    p1 = ev_alloc_unbound(MICA_DOMID_SELF);
    p2 = p1 > 0 ? bind_interdomain(MICA_DOMID_SELF, (uint32_t)p1) : p1;
    check(p2 > 0 && timer > 0 &&
          mica_vcpu_op(MICA_VCPUOP_set_singleshot_timer, ev_system_time() + 60000000000ull, 0) == 0,
          "live channels and a timer left for the teardown", "p2 %ld timer %ld", p2, timer);
    return 0;
}
