/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the credit scheduler's arithmetic,
 * hypervisor/common/sched_credit_acct.c: burning credit, the share-out each
 * accounting period (weights, limits, caps), refills and priorities, the
 * run queue order, and, put together in a small simulation of one pCPU
 * driven tick by tick the way sched_credit.c drives it, the shares that
 * result: 2:1 for weights 512:256, a quarter of the pCPU for cap=25, and
 * a woken vCPU going before a CPU-bound one.
 */
#include "check.h"
#include "shim.h"
#include "../../hypervisor/common/sched_credit.h"

#define MS  1000000ull

static struct csched_params p10;        /* the default 10 ms tick */

static void dom_init(struct sched_dom *d, uint32_t weight, uint32_t cap, unsigned int active)
{
    *d = (struct sched_dom){ .weight = weight, .cap = cap, .nr_active = active };
}

static void vcpu_init(struct sched_vcpu *sv, struct sched_dom *d, int32_t credit, int pri)
{
    *sv = (struct sched_vcpu){ .dom = d, .credit = credit, .pri = pri, .active = true };
}

static void test_params(void)
{
    struct csched_params p;

    check_area("sched_credit");
    CHECK_EQ_S(p10.credits_per_tick, 100, "10 ms tick: 100 credits a tick");
    CHECK_EQ_S(p10.credits_per_acct, 300, "10 ms tick: accounting every 3 ticks, 300 credits");
    csched_params_init(&p, 1 * MS);
    CHECK_EQ_S(p.credits_per_tick, 10, "1 ms tick: 10 credits a tick");
    CHECK_EQ_S(p.credits_per_acct, 30, "1 ms tick: 30 credits a period");
}

static void test_burn(void)
{
    struct sched_dom d;
    struct sched_vcpu sv;

    dom_init(&d, 256, 0, 1);
    vcpu_init(&sv, &d, 0, CSCHED_PRI_UNDER);
    csched_burn(&sv, 10 * MS);
    CHECK_EQ_S(sv.credit, -100, "a 10 ms tick burns 100 credits");
    csched_burn(&sv, 150000);
    CHECK_EQ_S(sv.credit, -101, "150 us burns one credit");
    csched_burn(&sv, 50000);
    CHECK_EQ_S(sv.credit, -102, "the 50 us left over count with the next 50 us");
    csched_burn(&sv, 0);
    CHECK_EQ_S(sv.credit, -102, "no time, no credit");
    CHECK_EQ(sv.burn_ns, 0, "nothing left over after whole credits");
}

static void test_priorities(void)
{
    struct sched_dom d;
    struct sched_vcpu sv;

    dom_init(&d, 256, 0, 1);
    vcpu_init(&sv, &d, 10, CSCHED_PRI_UNDER);
    csched_woken(&sv);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_BOOST, "waking with credit: BOOST");
    csched_ticked(&sv);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_UNDER, "a boost ends at the first tick it runs through");
    sv.pri = CSCHED_PRI_OVER;
    csched_woken(&sv);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_OVER, "waking without credit: no boost");
    csched_ticked(&sv);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_OVER, "a tick leaves OVER alone");
    sv.pri = CSCHED_PRI_UNDER;
    sv.parked = true;
    csched_woken(&sv);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_UNDER, "a parked vCPU is not boosted");
    CHECK(csched_preempts(CSCHED_PRI_BOOST, CSCHED_PRI_UNDER), "BOOST preempts UNDER");
    CHECK(csched_preempts(CSCHED_PRI_UNDER, CSCHED_PRI_OVER), "UNDER preempts OVER");
    CHECK(csched_preempts(CSCHED_PRI_OVER, CSCHED_PRI_IDLE), "anything preempts idle");
    CHECK(!csched_preempts(CSCHED_PRI_UNDER, CSCHED_PRI_UNDER), "equals wait for the tick");
    CHECK(!csched_preempts(CSCHED_PRI_OVER, CSCHED_PRI_BOOST), "OVER does not preempt BOOST");
}

static void test_share_weights(void)
{
    struct sched_dom a, b, c;

    dom_init(&a, 512, 0, 1);
    dom_init(&b, 256, 0, 1);
    a.next = &b;
    csched_acct_share(&a, 300, &p10);
    CHECK_EQ(a.share, 200, "one pCPU, weights 512:256: 200 credits");
    CHECK_EQ(b.share, 100, "one pCPU, weights 512:256: 100 credits");
    CHECK_EQ_S(a.grant, 200, "one active vCPU gets its domain's whole share");

    csched_acct_share(&a, 600, &p10);
    CHECK_EQ(a.share, 300, "two pCPUs: 400 would be more than one vCPU can use; 300");
    CHECK_EQ(b.share, 300, "two pCPUs: what the other could not use goes to the rest");

    dom_init(&a, 256, 0, 2);
    dom_init(&b, 256, 0, 1);
    dom_init(&c, 1024, 0, 0);
    a.next = &b;
    b.next = &c;
    csched_acct_share(&a, 600, &p10);
    CHECK_EQ(a.share, 400, "weight counts per active vCPU (as in Xen): 2 vCPUs x 256");
    CHECK_EQ(b.share, 200, "weight counts per active vCPU: 1 vCPU x 256");
    CHECK_EQ_S(a.grant, 200, "a domain's share is split among its active vCPUs");
    CHECK_EQ(c.share, 0, "a domain with no active vCPU gets nothing");
    CHECK_EQ_S(c.grant, 0, "nor do its vCPUs");

    dom_init(&a, 1, 0, 1);
    dom_init(&b, 65535, 0, 1);
    a.next = &b;
    csched_acct_share(&a, 300, &p10);
    CHECK(a.share >= 1 && a.share + b.share <= 301, "weights 1:65535 on one pCPU: %llu + %llu",
          (unsigned long long)a.share, (unsigned long long)b.share);
}

/* ctl-life's case: two spinners pinned to pCPU 1 of two, dom0 running too. */
static void test_share_pinned(void)
{
    struct sched_dom h, l, d0, m;

    dom_init(&h, 512, 0, 1);
    dom_init(&l, 256, 0, 1);
    dom_init(&d0, 256, 0, 1);
    h.pool = l.pool = 1ull << 1;
    h.next = &l;
    l.next = &d0;
    csched_acct_share(&h, 300, &p10);
    CHECK_EQ(h.share, 200, "pinned together, weights 512:256: 200 of their pCPU's 300");
    CHECK_EQ(l.share, 100, "pinned together, weights 512:256: 100 of their pCPU's 300");
    CHECK_EQ(d0.share, 300, "the unpinned domain shares the other pCPU alone: 300");

    dom_init(&m, 256, 0, 1);
    m.pool = 1ull << 2;
    d0.next = &m;
    csched_acct_share(&h, 300, &p10);
    CHECK_EQ(m.share, 300, "a domain alone on its pCPU gets all of it");
    CHECK_EQ(h.share + l.share, 300, "another pool does not change the first: %llu",
             (unsigned long long)(h.share + l.share));

    h.cap = 10;
    csched_acct_share(&h, 300, &p10);
    CHECK_EQ(h.share, 30, "a cap still holds inside a pool: cap 10 is 30 credits");
    CHECK_EQ(l.share, 270, "the rest of the pool's pCPU goes to the other member");
}

/* csched_acct_pools: who is pooled, and pool 0's capacity. */
static void test_pools(void)
{
    struct sched_dom h, l, d0, x;
    struct sched_vcpu hv, lv, d0v[2], xv;
    const uint64_t online = 3;                  /* pCPUs 0 and 1 */

    /* ctl-life: two spinners pinned to pCPU 1, dom0's vCPUs both on pCPU 0. */
    dom_init(&h, 512, 0, 1);
    dom_init(&l, 256, 0, 1);
    dom_init(&d0, 256, 0, 2);
    vcpu_init(&hv, &h, 0, CSCHED_PRI_UNDER);
    vcpu_init(&lv, &l, 0, CSCHED_PRI_UNDER);
    vcpu_init(&d0v[0], &d0, 0, CSCHED_PRI_UNDER);
    vcpu_init(&d0v[1], &d0, 0, CSCHED_PRI_UNDER);
    hv.affinity = lv.affinity = 2;
    d0v[0].affinity = d0v[1].affinity = 1;
    h.vcpus = &hv;
    l.vcpus = &lv;
    d0.vcpus = &d0v[0];
    d0v[0].dom_next = &d0v[1];
    h.next = &l;
    l.next = &d0;
    CHECK_EQ(csched_acct_pools(&h, online, &p10), 300,
             "spinners pinned to pCPU 1, dom0 to pCPU 0: three pools, pool 0 empty: 300");
    CHECK(h.pool == 2 && l.pool == 2 && d0.pool == 1, "pools %llu %llu %llu",
          (unsigned long long)h.pool, (unsigned long long)l.pool, (unsigned long long)d0.pool);

    /* dom0's vCPU 1 on pCPU 1 and vCPU 0 on pCPU 0: it may run on both, no pool. */
    d0v[1].affinity = 2;
    CHECK_EQ(csched_acct_pools(&h, online, &p10), 600,
             "a vCPU outside the pools may run on pCPU 1: no pool, both pCPUs shared");
    CHECK(!h.pool && !l.pool && !d0.pool, "nobody pooled");

    /* sched-affinity: a spinner pinned to pCPU 1 beside two free ones. */
    dom_init(&d0, 256, 0, 1);
    dom_init(&x, 256, 0, 1);
    d0v[0].affinity = 2;
    d0v[0].dom_next = NULL;
    vcpu_init(&xv, &x, 0, CSCHED_PRI_UNDER);
    xv.affinity = 3;
    d0.vcpus = &d0v[0];
    x.vcpus = &xv;
    d0.next = &x;
    CHECK_EQ(csched_acct_pools(&d0, online, &p10), 600,
             "pinned beside a free domain: not pooled (it would take its pCPU whole)");
    CHECK(!d0.pool && !x.pool, "nobody pooled");
    xv.active = false;
    CHECK_EQ(csched_acct_pools(&d0, online, &p10), 300, "the free one idle: pooled, pool 0 empty");
    CHECK(d0.pool == 2, "the pinned one pooled");
}

static void test_share_caps(void)
{
    struct sched_dom a, b;

    dom_init(&a, 256, 25, 1);
    dom_init(&b, 256, 0, 1);
    a.next = &b;
    CHECK_EQ(csched_dom_limit(&a, &p10), 75, "cap 25: at most a quarter of one pCPU, 75 credits");
    csched_acct_share(&a, 600, &p10);
    CHECK_EQ(a.share, 75, "a capped domain gets no more than its cap");
    CHECK_EQ(b.share, 300, "the other gets what one vCPU can use");
    csched_acct_share(&a, 300, &p10);
    CHECK_EQ(a.share, 75, "one pCPU: the capped one still gets its cap (under its fair 150)");
    CHECK_EQ(b.share, 225, "one pCPU: the rest goes to the uncapped one");

    dom_init(&a, 256, 150, 4);
    CHECK_EQ(csched_dom_limit(&a, &p10), 450, "cap 150 over 4 vCPUs: one and a half pCPUs");
    dom_init(&a, 256, 500, 2);
    CHECK_EQ(csched_dom_limit(&a, &p10), 600, "a cap above what its vCPUs can use: their limit");
}

static void test_refill(void)
{
    struct sched_dom d;
    struct sched_vcpu sv;
    unsigned int fl;

    dom_init(&d, 256, 0, 1);
    d.grant = 100;
    vcpu_init(&sv, &d, -50, CSCHED_PRI_OVER);
    fl = csched_refill(&sv, &p10, false);
    CHECK(sv.credit == 50 && sv.pri == CSCHED_PRI_UNDER && !fl, "-50 + 100: UNDER");
    vcpu_init(&sv, &d, -250, CSCHED_PRI_UNDER);
    csched_refill(&sv, &p10, false);
    CHECK(sv.credit == -150 && sv.pri == CSCHED_PRI_OVER, "-250 + 100: OVER");
    d.grant = 10;
    vcpu_init(&sv, &d, -1000, CSCHED_PRI_OVER);
    csched_refill(&sv, &p10, false);
    CHECK_EQ_S(sv.credit, -300, "debt is bounded to one period's worth");
    vcpu_init(&sv, &d, 5, CSCHED_PRI_BOOST);
    csched_refill(&sv, &p10, false);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_BOOST, "a boost survives a refill with credit");
    vcpu_init(&sv, &d, -50, CSCHED_PRI_BOOST);
    csched_refill(&sv, &p10, false);
    CHECK_EQ_S(sv.pri, CSCHED_PRI_OVER, "without credit a boost ends");

    d.grant = 100;
    vcpu_init(&sv, &d, 250, CSCHED_PRI_UNDER);
    fl = csched_refill(&sv, &p10, false);
    CHECK(fl == CSCHED_REFILL_INACTIVE && !sv.active && sv.credit == 175,
          "350 > one period's worth: stops earning, keeps half (flags %u, credit %d)", fl,
          (int)sv.credit);
    vcpu_init(&sv, &d, 250, CSCHED_PRI_UNDER);
    fl = csched_refill(&sv, &p10, true);
    CHECK(!fl && sv.active && sv.credit == 300 && sv.pri == CSCHED_PRI_UNDER,
          "350 while queued or running: competing, keeps earning with 300 (flags %u, credit %d)",
          fl, (int)sv.credit);

    dom_init(&d, 256, 25, 1);
    d.grant = 75;
    vcpu_init(&sv, &d, -100, CSCHED_PRI_OVER);
    sv.parked = true;
    fl = csched_refill(&sv, &p10, false);
    CHECK(sv.parked && !fl && sv.credit == -25, "capped, still in debt after the refill: parked");
    fl = csched_refill(&sv, &p10, false);
    CHECK(!sv.parked && fl == CSCHED_REFILL_UNPARK && sv.pri == CSCHED_PRI_UNDER,
          "capped, back in credit: unparked, UNDER");
    sv.parked = true;
    sv.credit = -200;
    d.cap = 0;
    fl = csched_refill(&sv, &p10, false);
    CHECK(!sv.parked && fl == CSCHED_REFILL_UNPARK, "cap lifted: unparked even in debt");

    dom_init(&d, 256, 25, 1);
    vcpu_init(&sv, &d, -1, CSCHED_PRI_OVER);
    CHECK(csched_over_cap(&sv), "capped, active, in debt: over its cap");
    sv.active = false;
    CHECK(!csched_over_cap(&sv), "not active (gets no refill): never parked");
    d.cap = 0;
    sv.active = true;
    CHECK(!csched_over_cap(&sv), "no cap: never parked");
}

static void order(struct sched_vcpu *head, char *out)
{
    for (; head; head = head->rq_next)
        *out++ = (char)('a' + head->credit);    /* the tests name vCPUs by credit */
    *out = '\0';
}

static void test_runq(void)
{
    struct sched_dom d;
    struct sched_vcpu v[6], *head = NULL;
    static const int pri[6] = { CSCHED_PRI_UNDER, CSCHED_PRI_OVER, CSCHED_PRI_BOOST,
                                CSCHED_PRI_UNDER, CSCHED_PRI_UNDER, CSCHED_PRI_OVER };
    char got[8];

    dom_init(&d, 256, 0, 1);
    for (int i = 0; i < 6; i++)
        vcpu_init(&v[i], &d, i, pri[i]);
    for (int i = 0; i < 4; i++)
        csched_runq_insert(&head, &v[i]);
    order(head, got);
    CHECK_STR(got, "cadb", "queue order: BOOST, then UNDER in arrival order, then OVER");
    v[4].yielded = true;
    csched_runq_insert(&head, &v[4]);
    order(head, got);
    CHECK_STR(got, "cadbe", "a yielding UNDER vCPU goes behind the first OVER one");
    CHECK(!v[4].yielded, "the yield is used up");
    CHECK(csched_runq_remove(&head, &v[3]), "remove from the middle");
    CHECK(!csched_runq_remove(&head, &v[3]), "removing again finds nothing");
    v[5].yielded = true;
    csched_runq_insert(&head, &v[5]);
    order(head, got);
    CHECK_STR(got, "cabef", "a yielding vCPU with nobody lower goes last");
}

/*
 * One pCPU, ticks of 10 ms, accounting every third tick, the way
 * sched_credit.c runs it: the running vCPU burns and may lose its boost or
 * be parked at each tick; it is preempted when the queue's head is as good
 * or it may not run on; at each period every active vCPU is refilled.
 */
struct sim {
    struct sched_dom dom[3];
    struct sched_vcpu v[3];
    unsigned int n;
    struct sched_vcpu *rq, *curr;
    unsigned long ran[3];
};

static void sim_init(struct sim *s, unsigned int n, const uint32_t *weight, const uint32_t *cap)
{
    *s = (struct sim){ .n = n };
    for (unsigned int i = 0; i < n; i++) {
        dom_init(&s->dom[i], weight[i], cap[i], 0);
        s->dom[i].next = i + 1 < n ? &s->dom[i + 1] : NULL;
        vcpu_init(&s->v[i], &s->dom[i], 0, CSCHED_PRI_UNDER);
        s->v[i].active = false;
        csched_runq_insert(&s->rq, &s->v[i]);
    }
}

static void sim_acct(struct sim *s)
{
    csched_acct_share(&s->dom[0], (uint64_t)p10.credits_per_acct, &p10);
    for (unsigned int i = 0; i < s->n; i++) {
        struct sched_vcpu *sv = &s->v[i];
        unsigned int fl;
        bool queued;

        if (!sv->active)
            continue;
        queued = csched_runq_remove(&s->rq, sv);
        fl = csched_refill(sv, &p10, queued || sv == s->curr);
        if (fl & CSCHED_REFILL_INACTIVE)
            sv->dom->nr_active--;
        if (queued || ((fl & CSCHED_REFILL_UNPARK) && sv != s->curr))
            csched_runq_insert(&s->rq, sv);
    }
}

static int sim_index(const struct sim *s, const struct sched_vcpu *sv)
{
    return (int)(sv - s->v);
}

static void sim_tick(struct sim *s, unsigned long t)
{
    struct sched_vcpu *c = s->curr;
    bool resched = !c;

    if (c) {
        s->ran[sim_index(s, c)]++;
        csched_burn(c, p10.tick_ns);
        csched_ticked(c);
        if (!c->active) {
            c->active = true;
            c->dom->nr_active++;
        }
        if (csched_over_cap(c))
            c->parked = true;
        resched = c->parked || (s->rq && s->rq->pri >= c->pri);
    }
    if (t % CSCHED_TICKS_PER_ACCT == CSCHED_TICKS_PER_ACCT - 1)
        sim_acct(s);
    if (!resched)
        return;
    if (c && !c->parked)
        csched_runq_insert(&s->rq, c);
    s->curr = s->rq;
    if (s->curr)
        csched_runq_remove(&s->rq, s->curr);
}

static void test_sim_weights(void)
{
    static const uint32_t w[2] = { 512, 256 }, cap[2] = { 0, 0 };
    struct sim s;
    double ratio;

    sim_init(&s, 2, w, cap);
    for (unsigned long t = 0; t < 3000; t++)
        sim_tick(&s, t);
    ratio = (double)s.ran[0] / (double)(s.ran[1] ? s.ran[1] : 1);
    CHECK(ratio > 1.9 && ratio < 2.1, "simulation, one pCPU, weights 512:256: %lu:%lu ticks (%.2f)",
          s.ran[0], s.ran[1], ratio);
    CHECK(s.ran[0] + s.ran[1] >= 2999, "simulation: the pCPU never idles with work queued");
}

static void test_sim_cap(void)
{
    static const uint32_t w[2] = { 256, 256 }, cap[2] = { 25, 0 };
    struct sim s;
    double share;

    sim_init(&s, 1, w, cap);
    for (unsigned long t = 0; t < 3000; t++)
        sim_tick(&s, t);
    share = (double)s.ran[0] / 3000.0;
    CHECK(share > 0.23 && share < 0.27, "simulation, cap 25 alone on a pCPU: ran %lu of 3000 ticks",
          s.ran[0]);

    sim_init(&s, 2, w, cap);
    for (unsigned long t = 0; t < 3000; t++)
        sim_tick(&s, t);
    share = (double)s.ran[0] / 3000.0;
    CHECK(share > 0.23 && share < 0.27 && s.ran[1] > 2200,
          "simulation, cap 25 beside a burner: %lu and %lu of 3000 ticks", s.ran[0], s.ran[1]);
}

static void test_sim_boost(void)
{
    static const uint32_t w[2] = { 256, 256 }, cap[2] = { 0, 0 };
    struct sim s;
    struct sched_vcpu *io;
    unsigned int preempted = 0, wakes = 0;

    sim_init(&s, 2, w, cap);
    io = &s.v[1];
    csched_runq_remove(&s.rq, io);          /* v[1] sleeps, waking now and then */
    for (unsigned long t = 0; t < 600; t++) {
        sim_tick(&s, t);
        if (s.curr == io) {                 /* it ran a little and blocks again */
            csched_burn(io, 1 * MS);
            s.curr = s.rq;
            csched_runq_remove(&s.rq, s.curr);
        }
        if (t % 7 == 3 && s.curr != io) {   /* an event for it */
            wakes++;
            csched_woken(io);
            if (csched_preempts(io->pri, s.curr->pri)) {
                preempted++;
                csched_runq_insert(&s.rq, s.curr);
                s.curr = io;
            } else {
                csched_runq_insert(&s.rq, io);
            }
        }
    }
    CHECK(wakes > 0 && preempted == wakes, "a woken vCPU with credit preempts the burner: %u of %u",
          preempted, wakes);
}

int main(void)
{
    csched_params_init(&p10, 10 * MS);
    test_params();
    test_burn();
    test_priorities();
    test_share_weights();
    test_share_caps();
    test_share_pinned();
    test_pools();
    test_refill();
    test_runq();
    test_sim_weights();
    test_sim_cap();
    test_sim_boost();
    return check_done();
}
