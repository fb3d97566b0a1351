/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The credit scheduler (after Xen's credit1): one run queue per pCPU, kept
 * in priority order (BOOST, UNDER, OVER); credits burnt at each tick and
 * shared out by weight every accounting period; caps; hard affinity; an
 * idle pCPU, or one about to run a vCPU without credit, steals a better
 * vCPU from another pCPU's queue. The arithmetic is in sched_credit_acct.c,
 * the vCPU state machine and the run loop in sched.c.
 *
 * Locks. Each run queue's lock protects its queue and, for every vCPU whose
 * v->pcpu names that pCPU, the vCPU's state, on_runq, on_cpu, credit,
 * priority, affinity and parked flag. v->pcpu itself changes only with the
 * locks of the old and the new pCPU held, and only while the vCPU is off
 * every CPU; csched_lock_vcpu() reads it again once locked. The accounting
 * lock (the domain list, weights, caps, active counts) comes before any run
 * queue lock and is never taken with one held. Two run queue locks are taken
 * in pCPU index order, except by a thief, which holds its own and only
 * tries the other.
 */
#include <mica/sched.h>
#include <mica/domain.h>
#include <mica/spinlock.h>
#include <mica/console.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/timer.h>
#include <mica/panic.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/vcpu.h>
#include "sched_credit.h"

struct runqueue {
    spinlock_t lock;
    struct sched_vcpu *head;        /* by priority, then arrival */
    struct vcpu *curr;              /* running here, or NULL */
    volatile int curr_pri;          /* its priority, IDLE if none (a hint for others) */
    volatile int head_pri;          /* the head's, IDLE if empty (a hint for others) */
    volatile unsigned int nr_queued;
    unsigned int nr_placed;         /* vCPUs whose pCPU this is */
};

/* A migration, logged once the locks are dropped. */
struct move {
    domid_t dom;
    unsigned int vcpu, from, to;
    bool done;
};

static struct runqueue runq[MAX_CPUS];
static uint64_t idle_mask;          /* pCPUs that found nothing to run */
static struct csched_params params;

static spinlock_t acct_lock = SPINLOCK_INIT;
static struct sched_dom *dom_list;
static struct timer acct_timer;
static bool acct_armed;

static inline uint64_t bit(unsigned int cpu)
{
    return 1ull << cpu;
}

uint64_t csched_online_mask(void)
{
    unsigned int n = nr_cpus_online ? nr_cpus_online : 1;

    return n >= 64 ? ~0ull : bit(n) - 1;
}

static unsigned int vcpu_cpu(const struct vcpu *v)
{
    return __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);
}

static bool runnable_now(const struct vcpu *v)
{
    return !__atomic_load_n(&v->domain->paused, __ATOMIC_ACQUIRE) && !v->sched->parked;
}

/* The first pCPU of mask after from, wrapping round; mask is not empty. */
static unsigned int next_cpu(uint64_t mask, unsigned int from)
{
    uint64_t after = from >= 63 ? 0 : mask & (~0ull << (from + 1));

    return (unsigned int)__builtin_ctzll(after ? after : mask);
}

/* ---- locking ---------------------------------------------------------------- */

unsigned long csched_lock_vcpu(struct vcpu *v)
{
    unsigned long f = local_irq_save();

    for (;;) {
        unsigned int c = vcpu_cpu(v);

        spin_lock(&runq[c].lock);
        if (likely(c == vcpu_cpu(v)))
            return f;
        spin_unlock(&runq[c].lock);
    }
}

void csched_unlock_vcpu(struct vcpu *v, unsigned long flags)
{
    spin_unlock(&runq[v->pcpu].lock);
    local_irq_restore(flags);
}

static void lock_pair(unsigned int a, unsigned int b)
{
    spin_lock(&runq[MIN(a, b)].lock);
    if (a != b)
        spin_lock(&runq[MAX(a, b)].lock);
}

static void unlock_pair(unsigned int a, unsigned int b)
{
    if (a != b)
        spin_unlock(&runq[MAX(a, b)].lock);
    spin_unlock(&runq[MIN(a, b)].lock);
}

/* ---- idle pCPUs and wake-ups ---------------------------------------------------- */

static void set_idle(unsigned int cpu)
{
    __atomic_fetch_or(&idle_mask, bit(cpu), __ATOMIC_SEQ_CST);
}

static void clear_idle(unsigned int cpu)
{
    __atomic_fetch_and(&idle_mask, ~bit(cpu), __ATOMIC_SEQ_CST);
}

/* Take an idle pCPU for some work: only one waker gets it. */
static bool claim_idle(unsigned int cpu)
{
    return __atomic_fetch_and(&idle_mask, ~bit(cpu), __ATOMIC_SEQ_CST) & bit(cpu);
}

static uint64_t idlers(void)
{
    return __atomic_load_n(&idle_mask, __ATOMIC_SEQ_CST);
}

void csched_resched(unsigned int cpu)
{
    percpu[cpu]->need_resched = true;
    if (cpu != smp_processor_id())
        arch_send_resched(cpu);
}

/* Wake one idle pCPU of aff (the first after from) to steal work. */
static void wake_idler(uint64_t aff, unsigned int from)
{
    uint64_t idle = idlers() & aff;

    if (idle) {
        unsigned int i = next_cpu(idle, from);

        if (claim_idle(i))
            csched_resched(i);
    }
}

/*
 * A vCPU of priority pri, allowed on aff, was queued on cpu: wake cpu if it
 * is idle, preempt what it runs if that is worth less, or else wake an idle
 * pCPU that may run the vCPU, to steal it.
 */
static void tickle(unsigned int cpu, int pri, uint64_t aff)
{
    if (claim_idle(cpu) || csched_preempts(pri, runq[cpu].curr_pri)) {
        csched_resched(cpu);
        return;
    }
    wake_idler(aff & ~bit(cpu), cpu);
}

/* ---- queues -------------------------------------------------------------------- */

static void rq_hints(struct runqueue *rq)
{
    rq->head_pri = rq->head ? rq->head->pri : CSCHED_PRI_IDLE;
}

static void enqueue(unsigned int cpu, struct vcpu *v)
{
    struct runqueue *rq = &runq[cpu];

    csched_runq_insert(&rq->head, v->sched);
    v->on_runq = true;
    rq->nr_queued++;
    rq_hints(rq);
}

static void dequeue(unsigned int cpu, struct vcpu *v)
{
    struct runqueue *rq = &runq[cpu];

    if (csched_runq_remove(&rq->head, v->sched))
        rq->nr_queued--;
    v->on_runq = false;
    rq_hints(rq);
}

void csched_unqueue_locked(struct vcpu *v)
{
    if (v->on_runq)
        dequeue(v->pcpu, v);
}

/* Both run queues locked, v off every CPU. */
static void migrate_locked(struct vcpu *v, unsigned int from, unsigned int to,
                           struct move *m)
{
    runq[from].nr_placed--;
    runq[to].nr_placed++;
    __atomic_store_n(&v->pcpu, to, __ATOMIC_RELEASE);
    arch_vcpu_migrate(v, to);
    *m = (struct move){ v->domain->id, v->id, from, to, true };
}

static void log_move(const struct move *m)
{
    if (m->done)
        pr_debug("d%u: vcpu%u migrates from CPU %u to CPU %u\n", m->dom, m->vcpu,
                 m->from, m->to);
}

/*
 * Where to queue a vCPU now on pCPU c. With stay, c itself whenever it is
 * allowed; otherwise c if it is idle, or an idle allowed pCPU, or c if it
 * is allowed, or the allowed pCPU with the shortest queue.
 */
static unsigned int target_cpu(const struct sched_vcpu *sv, unsigned int c, bool stay)
{
    uint64_t aff = sv->affinity & csched_online_mask();
    uint64_t idle = idlers() & aff;
    unsigned int best;

    if (!aff)
        return c;
    if ((aff & bit(c)) && (stay || !idle || (idle & bit(c))))
        return c;
    if (idle)
        return next_cpu(idle, c);
    best = next_cpu(aff, c);
    for (unsigned int i = 0; i < 64; i++)
        if ((aff & bit(i)) && runq[i].nr_queued < runq[best].nr_queued)
            best = i;
    return best;
}

/* Lock v's run queue and the target's (index order); returns the target. */
static unsigned int lock_with_target(struct vcpu *v, bool stay, unsigned int *cp)
{
    for (;;) {
        unsigned int c = vcpu_cpu(v), t = target_cpu(v->sched, c, stay);

        lock_pair(c, t);
        if (c == vcpu_cpu(v) && (v->sched->affinity & bit(t))) {
            *cp = c;
            return t;
        }
        unlock_pair(c, t);
    }
}

/*
 * v is off every CPU: if it waits to run, queue it on a pCPU it may use
 * (prefer an idle one unless stay); if its pCPU is not allowed any more,
 * move it anyway.
 */
static void place(struct vcpu *v, bool stay)
{
    struct sched_vcpu *sv = v->sched;
    struct move m = { .done = false };
    unsigned long f = local_irq_save();
    unsigned int c, t = lock_with_target(v, stay, &c);
    bool forbidden = !(sv->affinity & bit(c)), want, queued = false;
    int pri = sv->pri;
    uint64_t aff = sv->affinity;

    if (!v->on_cpu) {
        if (v->on_runq && forbidden)
            dequeue(c, v);
        want = !v->on_runq && v->state == VCPU_RUNNABLE && runnable_now(v);
        if (t != c && (want || forbidden))
            migrate_locked(v, c, t, &m);
        if (want) {
            enqueue(t, v);
            queued = true;
        }
    }
    unlock_pair(c, t);
    log_move(&m);
    if (queued)
        tickle(t, pri, aff);
    local_irq_restore(f);
}

void csched_queue(struct vcpu *v)
{
    place(v, false);
}

/* ---- picking, stealing ----------------------------------------------------------- */

/* The best vCPU queued here that may run now (paused or parked ones leave). */
static struct sched_vcpu *local_best(unsigned int cpu)
{
    struct sched_vcpu *sv;

    while ((sv = runq[cpu].head) && !runnable_now(sv->vcpu))
        dequeue(cpu, sv->vcpu);
    return sv;
}

/* With our own queue locked: a vCPU better than min_pri from a peer's queue. */
/*
 * p's lock held: take the first vCPU queued on p at priority level or
 * above that may run on cpu and is runnable now, moved to cpu; or NULL.
 */
static struct vcpu *steal_from(unsigned int p, unsigned int cpu, int level, struct move *m)
{
    for (struct sched_vcpu *sv = runq[p].head; sv && sv->pri >= level; sv = sv->rq_next) {
        struct vcpu *v = sv->vcpu;

        if (!(sv->affinity & bit(cpu)) || !runnable_now(v))
            continue;
        dequeue(p, v);
        migrate_locked(v, p, cpu, m);
        return v;
    }
    return NULL;
}

static struct vcpu *steal(unsigned int cpu, int min_pri, bool *busy, struct move *m)
{
    static const int levels[] = { CSCHED_PRI_BOOST, CSCHED_PRI_UNDER, CSCHED_PRI_OVER };
    unsigned int n = nr_cpus_online;

    for (unsigned int l = 0; l < ARRAY_SIZE(levels) && levels[l] > min_pri; l++) {
        for (unsigned int i = 1; i < n; i++) {
            unsigned int p = (cpu + i) % n;
            struct runqueue *prq = &runq[p];
            struct vcpu *v;

            if (!prq->nr_queued || prq->head_pri < levels[l])
                continue;
            if (!spin_trylock(&prq->lock)) {
                *busy = true;
                continue;
            }
            v = steal_from(p, cpu, levels[l], m);
            spin_unlock(&prq->lock);
            if (v)
                return v;
        }
    }
    return NULL;
}

struct vcpu *csched_pick(unsigned int cpu, bool *retry)
{
    struct runqueue *rq = &runq[cpu];
    struct move m = { .done = false };
    struct sched_vcpu *sv;
    struct vcpu *v = NULL;

    *retry = false;
    spin_lock(&rq->lock);
    sv = local_best(cpu);
    if (!sv)
        set_idle(cpu);              /* before looking at the others: see tickle() */
    if (!sv || sv->pri < CSCHED_PRI_UNDER)
        v = steal(cpu, sv ? sv->pri : CSCHED_PRI_IDLE, retry, &m);
    if (!v && sv) {
        v = sv->vcpu;
        dequeue(cpu, v);
    }
    if (v) {
        uint64_t now = now_ns();

        /* A queued vCPU is on no CPU, and only queued where it may run. */
        BUG_ON(v->on_cpu || !(v->sched->affinity & bit(cpu)));
        clear_idle(cpu);
        v->state = VCPU_RUNNING;
        v->on_cpu = true;
        v->run_since_ns = now;
        v->sched->run_start_ns = now;
        rq->curr = v;
        rq->curr_pri = v->sched->pri;
    } else {
        rq->curr = NULL;
        rq->curr_pri = CSCHED_PRI_IDLE;
    }
    this_cpu()->need_resched = false;
    spin_unlock(&rq->lock);
    log_move(&m);
    return v;
}

/* Burn the time v ran since the last burn (its run queue locked). */
static void burn_now(struct sched_vcpu *sv)
{
    uint64_t now = now_ns();

    csched_burn(sv, now > sv->run_start_ns ? now - sv->run_start_ns : 0);
    sv->run_start_ns = now;
}

static void acct_activate(struct vcpu *v);

void csched_put(struct vcpu *v)
{
    struct sched_vcpu *sv = v->sched;
    struct move m = { .done = false };
    unsigned long f = local_irq_save();
    unsigned int c, t = lock_with_target(v, true, &c);   /* c: this pCPU */
    bool queued = false;
    uint64_t spare = 0;
    int pri = sv->pri;
    uint64_t aff = sv->affinity;

    burn_now(sv);
    v->runtime_ns += now_ns() - v->run_since_ns;
    v->on_cpu = false;
    runq[c].curr = NULL;
    runq[c].curr_pri = CSCHED_PRI_IDLE;
    if (csched_over_cap(sv))
        sv->parked = true;
    if (v->state == VCPU_RUNNING || v->state == VCPU_RUNNABLE) {
        v->state = VCPU_RUNNABLE;
        if (runnable_now(v)) {
            if (t != c)
                migrate_locked(v, c, t, &m);
            enqueue(t, v);
            queued = true;
        }
    }
    /* All but the head will wait here: where else could they run? */
    if (runq[c].head)
        for (struct sched_vcpu *w = runq[c].head->rq_next; w; w = w->rq_next)
            spare |= w->affinity;
    unlock_pair(c, t);
    log_move(&m);
    if (queued && t != c)
        tickle(t, pri, aff);
    else if (spare & ~bit(c))
        wake_idler(spare & ~bit(c), c);
    local_irq_restore(f);
}

/* A peer has queued a vCPU of better priority than pri (maybe not ours to take). */
static bool peer_has_better(unsigned int cpu, int pri)
{
    for (unsigned int p = 0; p < nr_cpus_online; p++)
        if (p != cpu && runq[p].nr_queued && runq[p].head_pri > pri)
            return true;
    return false;
}

bool csched_tick(unsigned int cpu)
{
    struct runqueue *rq = &runq[cpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    struct vcpu *v = rq->curr, *activate = NULL;
    struct sched_vcpu *sv;
    bool resched;

    if (!v)
        goto out;
    sv = v->sched;
    burn_now(sv);
    csched_ticked(sv);
    rq->curr_pri = sv->pri;
    if (!sv->active)
        activate = v;
    if (csched_over_cap(sv))
        sv->parked = true;
    resched = !runnable_now(v) ||
              (rq->nr_queued && rq->head_pri >= sv->pri) ||   /* the timeslice is over */
              (sv->pri <= CSCHED_PRI_OVER && peer_has_better(cpu, sv->pri));
    if (resched)
        this_cpu()->need_resched = true;
out:
    spin_unlock_irqrestore(&rq->lock, f);
    /* v cannot go away: it stays on this CPU until this interrupt returns. */
    if (activate)
        acct_activate(activate);
    return v != NULL;
}

bool csched_yield(unsigned int cpu)
{
    struct runqueue *rq = &runq[cpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    bool wait = rq->nr_queued != 0;

    if (wait && rq->curr)
        rq->curr->sched->yielded = true;
    spin_unlock_irqrestore(&rq->lock, f);
    return wait;
}

/* ---- accounting ------------------------------------------------------------------- */

static uint64_t acct_period_ns(void)
{
    return params.tick_ns * CSCHED_TICKS_PER_ACCT;
}

/* Found running at a tick: it earns credit from now on. */
static void acct_activate(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&acct_lock);
    struct sched_vcpu *sv = v->sched;

    if (!sv->active) {
        sv->active = true;
        sv->dom->nr_active++;
        if (!acct_armed) {
            acct_armed = true;
            timer_migrate(&acct_timer, smp_processor_id());
            timer_set(&acct_timer, now_ns() + acct_period_ns());
        }
    }
    spin_unlock_irqrestore(&acct_lock, f);
}

static void acct_refill(struct sched_vcpu *sv)
{
    struct vcpu *v = sv->vcpu;
    unsigned long f = csched_lock_vcpu(v);
    int old = sv->pri;
    unsigned int flags = csched_refill(sv, &params, v->on_runq || v->on_cpu);

    if (v->on_runq && sv->pri != old) {       /* keep the queue in order */
        dequeue(v->pcpu, v);
        enqueue(v->pcpu, v);
    }
    csched_unlock_vcpu(v, f);
    if (flags & CSCHED_REFILL_INACTIVE)
        sv->dom->nr_active--;
    if (flags & CSCHED_REFILL_UNPARK)
        csched_queue(v);
}

static void acct_fn(struct timer *t)
{
    unsigned long f = spin_lock_irqsave(&acct_lock);
    uint64_t next = t->expires + acct_period_ns(), now = now_ns();
    unsigned int active = 0;

    csched_acct_share(dom_list, csched_acct_pools(dom_list, csched_online_mask(), &params),
                      &params);
    for (struct sched_dom *d = dom_list; d; d = d->next) {
        for (struct sched_vcpu *sv = d->vcpus; sv; sv = sv->dom_next)
            if (sv->active)
                acct_refill(sv);
        active += d->nr_active;
    }
    if (active)
        timer_set(t, next > now ? next : now + acct_period_ns());
    else
        acct_armed = false;         /* nobody competes: the next activation restarts it */
    spin_unlock_irqrestore(&acct_lock, f);
}

void csched_init(uint64_t tick_ns)
{
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        runq[i].lock = (spinlock_t)SPINLOCK_INIT;
        runq[i].curr_pri = CSCHED_PRI_IDLE;
        runq[i].head_pri = CSCHED_PRI_IDLE;
    }
    csched_params_init(&params, tick_ns);
    timer_init(&acct_timer, acct_fn, NULL, 0);
}

/* ---- domains and vCPUs come and go ------------------------------------------------ */

static struct sched_dom *dom_alloc(struct domain *d)
{
    struct sched_dom *sd = xnew(struct sched_dom);
    unsigned long f;

    if (!sd)
        return NULL;
    sd->domain = d;
    sd->weight = CSCHED_DEFAULT_WEIGHT;
    f = spin_lock_irqsave(&acct_lock);
    sd->next = dom_list;
    dom_list = sd;
    d->sched = sd;
    spin_unlock_irqrestore(&acct_lock, f);
    return sd;
}

int sched_place(struct vcpu *v, int cpu)
{
    struct sched_vcpu *sv = xnew(struct sched_vcpu);
    struct sched_dom *sd = v->domain->sched;
    unsigned int best = 0;
    unsigned long f;

    if (!sv || (!sd && !(sd = dom_alloc(v->domain)))) {
        xfree(sv);
        return -ENOMEM;
    }
    if (cpu >= 0 && (unsigned int)cpu < nr_cpus_online) {
        best = (unsigned int)cpu;
    } else {
        for (unsigned int c = 1; c < nr_cpus_online; c++)
            if (runq[c].nr_placed < runq[best].nr_placed)
                best = c;
    }
    sv->vcpu = v;
    sv->dom = sd;
    sv->affinity = csched_online_mask();
    sv->pri = CSCHED_PRI_UNDER;
    f = spin_lock_irqsave(&acct_lock);
    sv->dom_next = sd->vcpus;
    sd->vcpus = sv;
    sd->nr_vcpus++;
    spin_lock(&runq[best].lock);
    runq[best].nr_placed++;
    v->pcpu = best;
    v->sched = sv;
    v->placed = true;
    spin_unlock(&runq[best].lock);
    spin_unlock_irqrestore(&acct_lock, f);
    return 0;
}

/* v is down and off its CPU for good (its domain is being freed). */
void sched_remove(struct vcpu *v)
{
    struct sched_vcpu *sv = v->sched, **pp;
    struct sched_dom *sd = sv->dom, *gone = NULL;
    unsigned long f = spin_lock_irqsave(&acct_lock), lf;

    for (pp = &sd->vcpus; *pp && *pp != sv; pp = &(*pp)->dom_next)
        ;
    if (*pp)
        *pp = sv->dom_next;
    sd->nr_vcpus--;
    if (sv->active)
        sd->nr_active--;
    lf = csched_lock_vcpu(v);
    csched_unqueue_locked(v);
    runq[v->pcpu].nr_placed--;
    v->sched = NULL;
    v->placed = false;
    csched_unlock_vcpu(v, lf);
    if (!sd->nr_vcpus) {
        struct sched_dom **dp;

        for (dp = &dom_list; *dp && *dp != sd; dp = &(*dp)->next)
            ;
        if (*dp)
            *dp = sd->next;
        sd->domain->sched = NULL;
        gone = sd;
    }
    spin_unlock_irqrestore(&acct_lock, f);
    xfree(sv);
    xfree(gone);
}

/* ---- parameters --------------------------------------------------------------------- */

int sched_set_params(struct domain *d, uint32_t weight, uint32_t cap)
{
    unsigned long f;

    if (!d->sched || weight < 1 || weight > CSCHED_MAX_WEIGHT ||
        cap > 100 * nr_cpus_online)
        return -EINVAL;
    f = spin_lock_irqsave(&acct_lock);
    d->sched->weight = weight;
    d->sched->cap = cap;
    spin_unlock_irqrestore(&acct_lock, f);
    return 0;
}

void sched_get_params(struct domain *d, uint32_t *weight, uint32_t *cap)
{
    unsigned long f = spin_lock_irqsave(&acct_lock);

    *weight = d->sched ? d->sched->weight : CSCHED_DEFAULT_WEIGHT;
    *cap = d->sched ? d->sched->cap : 0;
    spin_unlock_irqrestore(&acct_lock, f);
}

/*
 * A queued or idle vCPU moves at once if its pCPU is no longer allowed; a
 * running one is pulled off its CPU and requeued where it may run.
 */
int sched_set_affinity(struct vcpu *v, uint64_t mask)
{
    unsigned long f;
    bool kick;
    unsigned int c;

    if (!v->sched || !mask || (mask & ~csched_online_mask()))
        return -EINVAL;
    f = csched_lock_vcpu(v);
    v->sched->affinity = mask;
    c = v->pcpu;
    kick = v->on_cpu && !(mask & bit(c));
    if (!(mask & bit(c)))
        csched_unqueue_locked(v);       /* c must not pick it meanwhile */
    csched_unlock_vcpu(v, f);
    if (kick)
        csched_resched(c);
    else
        place(v, true);
    return 0;
}

void sched_vcpu_info(struct vcpu *v, struct sched_vcpu_info *info)
{
    unsigned long f = csched_lock_vcpu(v);

    *info = (struct sched_vcpu_info){
        .state = v->state, .on_cpu = v->on_cpu, .wait_sipi = v->wait_sipi, .pcpu = v->pcpu,
        .runtime_ns = v->runtime_ns + (v->on_cpu ? now_ns() - v->run_since_ns : 0),
        .affinity = v->sched ? v->sched->affinity : 0,
    };
    csched_unlock_vcpu(v, f);
}

void sched_dump_queues(void)
{
    uint64_t idle = idlers();

    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        struct runqueue *rq = &runq[c];
        unsigned long f = spin_lock_irqsave(&rq->lock);
        struct vcpu *v = rq->curr;

        pr_info("  CPU %u: %s d%d vcpu%d, %u queued (head pri %d), %u placed%s%s\n", c,
                v ? "runs" : "idle", v ? v->domain->id : -1, v ? (int)v->id : -1,
                rq->nr_queued, rq->head_pri, rq->nr_placed,
                (idle & bit(c)) ? ", in the idle mask" : "",
                percpu[c]->need_resched ? ", resched asked" : "");
        spin_unlock_irqrestore(&rq->lock, f);
    }
}

uint64_t sched_get_affinity(struct vcpu *v)
{
    unsigned long f = csched_lock_vcpu(v);
    uint64_t mask = v->sched->affinity;

    csched_unlock_vcpu(v, f);
    return mask;
}
