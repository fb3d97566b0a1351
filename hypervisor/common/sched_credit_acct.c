/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The credit scheduler's arithmetic: burning, sharing out, refilling,
 * priorities and run queue order. Pure: no locks, no time, no arch, so the
 * host unit tests (tests/unit/test_sched_credit.c) compile this file as it
 * is. sched_credit.c calls it with the right locks held.
 */
#include "sched_credit.h"

#define NS_PER_CREDIT  (1000000ull / CSCHED_CREDITS_PER_MS)

void csched_params_init(struct csched_params *p, uint64_t tick_ns)
{
    uint64_t per_tick = tick_ns / NS_PER_CREDIT;

    p->tick_ns = tick_ns;
    p->credits_per_tick = (int32_t)MAX(per_tick, 1ull);
    p->credits_per_acct = p->credits_per_tick * CSCHED_TICKS_PER_ACCT;
}

void csched_burn(struct sched_vcpu *sv, uint64_t ns)
{
    uint64_t total = sv->burn_ns + ns;
    uint64_t credits = total / NS_PER_CREDIT;

    sv->burn_ns = total % NS_PER_CREDIT;
    /* Bounded: a vCPU never runs for years between two burns. */
    sv->credit -= (int32_t)MIN(credits, (uint64_t)INT32_MAX / 2);
}

void csched_ticked(struct sched_vcpu *sv)
{
    if (sv->pri == CSCHED_PRI_BOOST)
        sv->pri = CSCHED_PRI_UNDER;
}

void csched_woken(struct sched_vcpu *sv)
{
    if (sv->pri == CSCHED_PRI_UNDER && !sv->parked)
        sv->pri = CSCHED_PRI_BOOST;
}

bool csched_over_cap(const struct sched_vcpu *sv)
{
    return sv->dom->cap && sv->active && sv->credit < 0;
}

bool csched_preempts(int pri, int curr_pri)
{
    return pri > curr_pri;
}

uint64_t csched_dom_limit(const struct sched_dom *d, const struct csched_params *p)
{
    uint64_t limit = (uint64_t)d->nr_active * (uint64_t)p->credits_per_acct;

    if (d->cap) {
        uint64_t cap = ((uint64_t)d->cap * (uint64_t)p->credits_per_acct + 99) / 100;

        limit = MIN(limit, cap);
    }
    return limit;
}

static uint64_t dom_weight(const struct sched_dom *d)
{
    return (uint64_t)d->weight * d->nr_active;
}

/*
 * Water-filling within one pool: whoever would get more than its limit at
 * the current rate gets its limit and leaves the sharing; repeat until
 * nobody does, then the rest share what is left. The rate only rises as
 * limited domains leave, so one that reached its limit keeps it.
 */
static void share_pool(struct sched_dom *list, uint64_t pool, uint64_t capacity,
                       const struct csched_params *p)
{
    uint64_t left = capacity, wsum = 0;
    bool changed = true;
    struct sched_dom *d;

    for (d = list; d; d = d->next) {
        if (d->pool != pool)
            continue;
        d->share = 0;
        d->grant = 0;
        d->acct_done = !d->nr_active;
        if (!d->acct_done)
            wsum += dom_weight(d);
    }
    while (changed && wsum) {
        changed = false;
        for (d = list; d; d = d->next) {
            uint64_t limit;

            if (d->pool != pool || d->acct_done)
                continue;
            limit = csched_dom_limit(d, p);
            if (left * dom_weight(d) / wsum < limit)
                continue;
            d->share = limit;
            d->acct_done = true;
            left -= limit;
            wsum -= dom_weight(d);
            changed = true;
        }
    }
    for (d = list; d; d = d->next) {
        if (d->pool != pool)
            continue;
        if (!d->acct_done)
            d->share = (left * dom_weight(d) + wsum - 1) / wsum;
        if (d->nr_active)
            d->grant = (int32_t)((d->share + d->nr_active - 1) / d->nr_active);
    }
}

static unsigned int popcount64(uint64_t m)
{
    unsigned int n;

    for (n = 0; m; m &= m - 1)      /* no libgcc popcount here */
        n++;
    return n;
}

/* The pCPUs the active vCPUs of d may run on. */
static uint64_t dom_cpus(const struct sched_dom *d, uint64_t online)
{
    uint64_t cpus = 0;

    for (const struct sched_vcpu *sv = d->vcpus; sv; sv = sv->dom_next)
        if (sv->active)
            cpus |= sv->affinity & online;
    return cpus;
}

/* The pCPUs some active vCPU outside the pools may run on: none of them is a pool. */
static uint64_t pools_shared(const struct sched_dom *list, uint64_t online)
{
    uint64_t shared = 0;

    for (const struct sched_dom *d = list; d; d = d->next)
        if (!d->pool)
            shared |= dom_cpus(d, online);
    return shared;
}

uint64_t csched_acct_pools(struct sched_dom *list, uint64_t online, const struct csched_params *p)
{
    uint64_t pinned = 0, shared;
    struct sched_dom *d;

    for (d = list; d; d = d->next) {            /* pinned to one pCPU: a candidate */
        uint64_t cpus = dom_cpus(d, online);

        d->pool = popcount64(cpus) == 1 ? cpus : 0;
    }
    shared = pools_shared(list, online);
    for (d = list; d; d = d->next) {
        if (d->pool & shared)
            d->pool = 0;
        pinned |= d->pool;
    }
    shared = pools_shared(list, online);
    return (uint64_t)MAX(popcount64(shared & ~pinned), 1u) * (uint64_t)p->credits_per_acct;
}

/*
 * Weights only mean something among vCPUs that compete for the same pCPU.
 * Domains pinned to one pCPU share that pCPU: shared out with everyone
 * over all pCPUs, two spinners pinned together would each be given a whole
 * pCPU's credit, never run out, and split it 1:1 whatever their weights.
 */
void csched_acct_share(struct sched_dom *list, uint64_t capacity,
                       const struct csched_params *p)
{
    uint64_t done = 0;

    share_pool(list, 0, capacity, p);
    for (struct sched_dom *d = list; d; d = d->next)
        if (d->pool && !(done & d->pool)) {
            done |= d->pool;
            share_pool(list, d->pool, (uint64_t)p->credits_per_acct, p);
        }
}

unsigned int csched_refill(struct sched_vcpu *sv, const struct csched_params *p, bool wants_cpu)
{
    unsigned int flags = 0;

    sv->credit += sv->dom->grant;
    if (sv->credit < -p->credits_per_acct)
        sv->credit = -p->credits_per_acct;      /* a debt of one period at most */
    if (sv->credit < 0) {
        sv->pri = CSCHED_PRI_OVER;
        if (sv->parked && !sv->dom->cap) {      /* the cap was lifted */
            sv->parked = false;
            flags |= CSCHED_REFILL_UNPARK;
        }
        return flags;
    }
    if (sv->pri != CSCHED_PRI_BOOST)
        sv->pri = CSCHED_PRI_UNDER;
    if (sv->parked) {
        sv->parked = false;
        flags |= CSCHED_REFILL_UNPARK;
    }
    if (sv->credit > p->credits_per_acct && wants_cpu) {
        /* Queued or running, it competes but others (boosted ones) took
         * its turns: it keeps a period's worth and goes on earning. */
        sv->credit = p->credits_per_acct;
    } else if (sv->credit > p->credits_per_acct) {
        /* It left a period's worth unused: it is not competing for the CPU.
         * Half the credit stays, so it starts a little ahead next time. */
        sv->active = false;
        sv->credit /= 2;
        flags |= CSCHED_REFILL_INACTIVE;
    }
    return flags;
}

/*
 * Behind every vCPU of the same or higher priority. A vCPU that yielded
 * also goes behind the first one of lower priority, if any, so a yield
 * gives the CPU away even to a vCPU with less credit.
 */
void csched_runq_insert(struct sched_vcpu **head, struct sched_vcpu *sv)
{
    struct sched_vcpu **pp = head;

    while (*pp && (*pp)->pri >= sv->pri)
        pp = &(*pp)->rq_next;
    if (sv->yielded && *pp)
        pp = &(*pp)->rq_next;
    sv->yielded = false;
    sv->rq_next = *pp;
    *pp = sv;
}

bool csched_runq_remove(struct sched_vcpu **head, struct sched_vcpu *sv)
{
    for (struct sched_vcpu **pp = head; *pp; pp = &(*pp)->rq_next)
        if (*pp == sv) {
            *pp = sv->rq_next;
            sv->rq_next = NULL;
            return true;
        }
    return false;
}
