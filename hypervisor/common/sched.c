/*
 * Round-robin scheduling: each pCPU owns a FIFO run queue of the runnable
 * vCPUs placed on it; the periodic tick preempts the running vCPU only when
 * another one is waiting. A pCPU with nothing to run halts until an
 * interrupt (tick or wake-up IPI).
 */
#include <mica/sched.h>
#include <mica/domain.h>
#include <mica/spinlock.h>
#include <mica/console.h>
#include <mica/hypercall.h>
#include <mica/errno.h>
#include <mica/timer.h>
#include <public/sched.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/traps.h>
#include <asm/time.h>

struct runqueue {
    spinlock_t lock;
    struct vcpu *head, *tail;
    unsigned int nr_placed;        /* vCPUs living on this pCPU */
};

static struct runqueue runq[MAX_CPUS];
static struct timer tick[MAX_CPUS];
static uint64_t tslice_ns;

static void rq_push(struct runqueue *rq, struct vcpu *v)
{
    if (v->on_runq)
        return;
    v->on_runq = true;
    v->rq_next = NULL;
    if (rq->tail)
        rq->tail->rq_next = v;
    else
        rq->head = v;
    rq->tail = v;
}

static struct vcpu *rq_pop(struct runqueue *rq)
{
    struct vcpu *v = rq->head;

    if (!v)
        return NULL;
    rq->head = v->rq_next;
    if (!rq->head)
        rq->tail = NULL;
    v->on_runq = false;
    return v;
}

static void kick(unsigned int cpu)
{
    if (cpu == smp_processor_id()) {
        this_cpu()->need_resched = true;
        return;
    }
    percpu[cpu]->need_resched = true;
    apic_send_ipi(percpu[cpu]->apic_id, VEC_RESCHED);
}

static void kick_ipi(struct cpu_regs *regs)
{
    (void)regs;                       /* the exit it caused is the point */
}

static void resched_ipi(struct cpu_regs *regs)
{
    (void)regs;
    this_cpu()->need_resched = true;
}

/* The timeslice: preempt the running vCPU only if another one waits. */
static void tick_fn(struct timer *t)
{
    struct percpu *pc = this_cpu();

    pc->irq_count++;
    if (runq[pc->cpu].head)
        pc->need_resched = true;
    timer_set(t, t->expires + tslice_ns);
}

static void timer_irq(struct cpu_regs *regs)
{
    (void)regs;
    timers_run();
}

void sched_start_cpu(void)
{
    unsigned int cpu = smp_processor_id();

    timer_init(&tick[cpu], tick_fn, NULL, cpu);
    timer_set(&tick[cpu], now_ns() + tslice_ns);
}

void sched_init(uint32_t tslice_us)
{
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        runq[i].lock = (spinlock_t)SPINLOCK_INIT;
        timers_init_cpu(i);
    }
    tslice_ns = (uint64_t)tslice_us * 1000;
    irq_register(VEC_TIMER, timer_irq);
    irq_register(VEC_RESCHED, resched_ipi);
    irq_register(VEC_KICK, kick_ipi);
    pr_info("scheduler: round-robin, %u us timeslice\n", tslice_us);
}

void sched_place(struct vcpu *v, int cpu)
{
    unsigned int best = 0;

    if (cpu >= 0 && (unsigned int)cpu < nr_cpus_online) {
        best = (unsigned int)cpu;
    } else {
        for (unsigned int c = 1; c < nr_cpus_online; c++)
            if (runq[c].nr_placed < runq[best].nr_placed)
                best = c;
    }
    v->pcpu = best;
    v->placed = true;
    runq[best].nr_placed++;
}

void sched_remove(struct vcpu *v)
{
    struct runqueue *rq = &runq[v->pcpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);

    rq->nr_placed--;
    spin_unlock_irqrestore(&rq->lock, f);
}

void vcpu_wake(struct vcpu *v)
{
    struct runqueue *rq = &runq[v->pcpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    bool queued = false;

    if (v->state == VCPU_BLOCKED && !v->wait_sipi) {
        v->state = VCPU_RUNNABLE;
        if (!v->on_cpu) {
            rq_push(rq, v);
            queued = true;
        }
    }
    spin_unlock_irqrestore(&rq->lock, f);
    if (queued)
        kick(v->pcpu);
}

void vcpu_kick(struct vcpu *v)
{
    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED) {
        vcpu_wake(v);
        return;
    }
    if (v->on_cpu && v->pcpu != smp_processor_id())
        apic_send_ipi(percpu[v->pcpu]->apic_id, VEC_KICK);
}

bool vcpu_revive(struct vcpu *v)
{
    struct runqueue *rq = &runq[v->pcpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    bool ok = v->state == VCPU_DOWN && v->domain->state == DOMAIN_RUNNING;

    if (ok)
        v->state = VCPU_BLOCKED;
    spin_unlock_irqrestore(&rq->lock, f);
    if (ok)
        vcpu_wake(v);
    return ok;
}

void vcpu_block(struct vcpu *v)
{
    struct runqueue *rq = &runq[v->pcpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);

    if (v->state == VCPU_RUNNING)
        v->state = VCPU_BLOCKED;
    spin_unlock_irqrestore(&rq->lock, f);
}

void vcpu_yield(struct vcpu *v)
{
    (void)v;
    if (runq[smp_processor_id()].head)
        this_cpu()->need_resched = true;
}

void vcpu_down(struct vcpu *v)
{
    struct runqueue *rq = &runq[v->pcpu];
    unsigned long f = spin_lock_irqsave(&rq->lock);
    bool running = v->on_cpu;

    v->state = VCPU_DOWN;
    if (v->on_runq) {                     /* unlink from the middle of the FIFO */
        struct vcpu **pp = &rq->head, *prev = NULL;

        while (*pp && *pp != v)
            prev = *pp, pp = &(*pp)->rq_next;
        if (*pp)
            *pp = v->rq_next;
        if (rq->tail == v)
            rq->tail = prev;
        v->on_runq = false;
    }
    spin_unlock_irqrestore(&rq->lock, f);
    if (running)
        kick(v->pcpu);
}

/* Take the next runnable vCPU off this CPU's queue, marked running. */
static struct vcpu *pick_next(struct runqueue *rq)
{
    unsigned long f = spin_lock_irqsave(&rq->lock);
    struct vcpu *v = rq_pop(rq);

    if (v) {
        v->state = VCPU_RUNNING;
        v->on_cpu = true;
    }
    this_cpu()->need_resched = false;
    spin_unlock_irqrestore(&rq->lock, f);
    return v;
}

/* After a vCPU's turn: requeue it if it can still run. */
static void put_prev(struct runqueue *rq, struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&rq->lock);

    v->on_cpu = false;
    if (v->state == VCPU_RUNNING || v->state == VCPU_RUNNABLE) {
        v->state = VCPU_RUNNABLE;
        rq_push(rq, v);
    }
    spin_unlock_irqrestore(&rq->lock, f);
}

static void first_run(struct vcpu *v)
{
    v->started = true;
    pr_info("d%u (%s): vcpu%u starts on CPU %u\n", v->domain->id,
            v->domain->name, v->id, smp_processor_id());
}

void sched_run(void)
{
    struct percpu *pc = this_cpu();
    struct runqueue *rq = &runq[pc->cpu];

    for (;;) {
        struct vcpu *v;
        uint64_t t0;

        local_irq_disable();
        v = pick_next(rq);
        if (!v) {
            if (!pc->need_resched && !rq->head)
                safe_halt();              /* sti;hlt: no wake-up is lost */
            continue;
        }
        local_irq_enable();
        if (!v->started)
            first_run(v);
        pc->curr = v;
        t0 = now_ns();
        arch_vcpu_run(v);
        v->runtime_ns += now_ns() - t0;
        pc->curr = NULL;
        put_prev(rq, v);
        domain_vcpu_left_cpu(v);
    }
}

long do_sched_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_SCHED_yield:
        vcpu_yield(v);
        return 0;
    case MICA_SCHED_block:
        vcpu_block(v);
        return 0;
    case MICA_SCHED_shutdown:
        if (args[1] > MICA_SHUTDOWN_crash)
            return -EINVAL;
        domain_shutdown(v->domain, (int)args[1]);
        return 0;
    default:
        return -ENOSYS;
    }
}
