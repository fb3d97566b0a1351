/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The credit scheduler, private to hypervisor/common: the per-vCPU and
 * per-domain state, the pure accounting (sched_credit_acct.c, compiled into
 * the host unit tests as well) and what sched.c (the vCPU state machine and
 * the run loop) calls in sched_credit.c (run queues, placement, stealing,
 * ticks, the accounting period).
 *
 * Credits (as in Xen's credit1): a running vCPU burns CSCHED_CREDITS_PER_MS
 * credits per millisecond; every accounting period (CSCHED_TICKS_PER_ACCT
 * ticks) the capacity of the pCPUs in use is shared out again among the
 * domains with active vCPUs, in proportion to weight, never more than a
 * domain's vCPUs can use or its cap allows; domains pinned to one pCPU
 * share that pCPU among themselves (their pool). Priority follows the balance:
 * UNDER with credit left, OVER without; BOOST for a vCPU that just woke.
 */
#ifndef MICA_SCHED_CREDIT_H
#define MICA_SCHED_CREDIT_H

#include <mica/types.h>

struct vcpu;
struct domain;

/* Priorities: higher runs first. */
#define CSCHED_PRI_BOOST    0       /* woke up: runs before the time-sharers */
#define CSCHED_PRI_UNDER   (-1)     /* credit left */
#define CSCHED_PRI_OVER    (-2)     /* no credit left */
#define CSCHED_PRI_IDLE    (-64)    /* nothing (a pCPU's idle "vCPU") */

#define CSCHED_CREDITS_PER_MS   10
#define CSCHED_TICKS_PER_ACCT   3
#define CSCHED_DEFAULT_WEIGHT   256u
#define CSCHED_MAX_WEIGHT       65535u

/* Derived from the timeslice (= the tick) once at start-up. */
struct csched_params {
    uint64_t tick_ns;
    int32_t credits_per_tick;       /* CSCHED_CREDITS_PER_MS * tick in ms */
    int32_t credits_per_acct;       /* one pCPU's worth for one period */
};

struct sched_dom;

struct sched_vcpu {
    struct vcpu *vcpu;              /* NULL in the unit tests */
    struct sched_dom *dom;
    struct sched_vcpu *rq_next;     /* run queue, by priority */
    struct sched_vcpu *dom_next;    /* the domain's vCPUs */
    uint64_t affinity;              /* hard affinity: pCPUs it may run on */
    uint64_t run_start_ns;          /* last burn while on a CPU */
    uint64_t burn_ns;               /* run time not yet burnt as a whole credit */
    int32_t credit;
    int pri;                        /* CSCHED_PRI_* */
    bool active;                    /* earning credit (seen running at a tick) */
    bool parked;                    /* capped and out of credit: not queued */
    bool yielded;                   /* goes behind one lower-priority vCPU */
};

struct sched_dom {
    struct domain *domain;          /* NULL in the unit tests */
    struct sched_vcpu *vcpus;
    struct sched_dom *next;
    uint32_t weight;                /* 1..CSCHED_MAX_WEIGHT */
    uint32_t cap;                   /* 0: none, else percent of one pCPU */
    unsigned int nr_vcpus;
    unsigned int nr_active;
    uint64_t pool;                  /* 0, or the one pCPU all its active vCPUs are
                                       pinned to (a bit): shares that pCPU alone */
    /* Results of the last csched_acct_share(): */
    uint64_t share;                 /* credits for the whole domain */
    int32_t grant;                  /* credits for each active vCPU */
    bool acct_done;                 /* (while sharing) limit reached */
};

/* ---- sched_credit_acct.c: pure ------------------------------------------ */

void csched_params_init(struct csched_params *p, uint64_t tick_ns);
/* A running vCPU used ns of CPU time: burn it as credit. */
void csched_burn(struct sched_vcpu *sv, uint64_t ns);
/* Found running at a tick: a boost lasts until the vCPU has used a tick. */
void csched_ticked(struct sched_vcpu *sv);
/* Woke up: a vCPU with credit left is boosted to run before the others. */
void csched_woken(struct sched_vcpu *sv);
/* A capped domain's active vCPU out of credit waits for the next refill. */
bool csched_over_cap(const struct sched_vcpu *sv);
/* Preempt: does a vCPU of priority pri go before one running at curr_pri? */
bool csched_preempts(int pri, int curr_pri);
/* The most credit (for the whole domain) one accounting period may give. */
uint64_t csched_dom_limit(const struct sched_dom *d, const struct csched_params *p);
/*
 * Share capacity credits among the domains on the list that have active
 * vCPUs and pool 0, in proportion to weight x active vCPUs; a domain that
 * would get more than csched_dom_limit() gets its limit, and the rest is
 * shared among the others. The domains of one single-pCPU pool share that
 * pCPU's credits_per_acct the same way among themselves. Sets share and
 * grant of each domain.
 */
void csched_acct_share(struct sched_dom *list, uint64_t capacity,
                       const struct csched_params *p);
/*
 * Sets each domain's pool: the one online pCPU all its active vCPUs are
 * pinned to, when no active vCPU of a domain outside the pools may run
 * there (it would compete there unaccounted); else 0. Returns pool 0's
 * capacity for csched_acct_share(): the online pCPUs its active vCPUs may
 * use (one pCPU's worth at least), none of them pooled.
 */
uint64_t csched_acct_pools(struct sched_dom *list, uint64_t online, const struct csched_params *p);
/*
 * Give one active vCPU its domain's grant; returns CSCHED_REFILL_* flags.
 * wants_cpu: it is queued or running (a balance over a period's worth is
 * then cut to one period's worth; otherwise it stops earning).
 */
#define CSCHED_REFILL_UNPARK     1u     /* was parked, may run again */
#define CSCHED_REFILL_INACTIVE   2u     /* did not use its credit: stops earning */
unsigned int csched_refill(struct sched_vcpu *sv, const struct csched_params *p, bool wants_cpu);
/* Run queue: by priority, first come first served within one. */
void csched_runq_insert(struct sched_vcpu **head, struct sched_vcpu *sv);
bool csched_runq_remove(struct sched_vcpu **head, struct sched_vcpu *sv);

/* ---- sched_credit.c: for sched.c ----------------------------------------- */

void csched_init(uint64_t tick_ns);
/* Lock the run queue that holds v (interrupts off), and unlock it. */
unsigned long csched_lock_vcpu(struct vcpu *v);
void csched_unlock_vcpu(struct vcpu *v, unsigned long flags);
/*
 * v is RUNNABLE and neither queued nor on a CPU: queue it on a pCPU it may
 * run on (an idle one if there is one) and get that pCPU to notice. Does
 * nothing otherwise, or while its domain is paused or it is parked.
 */
void csched_queue(struct vcpu *v);
/* Under csched_lock_vcpu(): take v off its run queue if it is on one. */
void csched_unqueue_locked(struct vcpu *v);
/* The next vCPU for this pCPU (interrupts off), marked RUNNING, or NULL;
 * *retry is set when a busy peer may hold work for it (do not halt). */
struct vcpu *csched_pick(unsigned int cpu, bool *retry);
/* After v's turn on this pCPU: account it, requeue it if it may still run. */
void csched_put(struct vcpu *v);
/* The tick on this pCPU: burn, decide on preemption; false if idle. */
bool csched_tick(unsigned int cpu);
/* A yield on this pCPU: if another vCPU waits for it, the running one is
 * marked to go behind it and true is returned (reschedule). */
bool csched_yield(unsigned int cpu);
/* Make a pCPU reschedule: need_resched and, if remote, the IPI. */
void csched_resched(unsigned int cpu);
/* Mask of the pCPUs the scheduler uses. */
uint64_t csched_online_mask(void);

#endif
