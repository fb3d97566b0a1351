/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduling mechanism: the vCPU state machine behind <mica/sched.h>
 * (wake, kick, block, yield, down, revive, pause), each pCPU's run loop,
 * its tick, the scheduler IPIs and MICA_HC_sched_op. Which vCPU runs where
 * and for how long is the credit scheduler's call (sched_credit.c).
 *
 * A pCPU with a vCPU to run ticks every timeslice; one with nothing to run
 * stops its tick and halts until an interrupt (a wake-up IPI or a timer).
 */
#include <mica/sched.h>
#include <mica/domain.h>
#include <mica/spinlock.h>
#include <mica/console.h>
#include <mica/hypercall.h>
#include <mica/errno.h>
#include <mica/timer.h>
#include <mica/event_channel.h>
#include <public/sched.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include "sched_credit.h"

static struct timer tick[MAX_CPUS];
static uint64_t tslice_ns;
static uint64_t busy_ns[MAX_CPUS], halted_ns[MAX_CPUS], start_ns[MAX_CPUS];
static uint64_t halt_since[MAX_CPUS];     /* 0: not halted */

/* The timeslice tick, only while this pCPU runs a vCPU. */
static void tick_fn(struct timer *t)
{
    uint64_t next = t->expires + tslice_ns, now;

    this_cpu()->irq_count++;
    if (!csched_tick(smp_processor_id()))
        return;                       /* idle: the next pick starts it again */
    now = now_ns();
    timer_set(t, next > now ? next : now + tslice_ns);
}

void sched_start_cpu(void)
{
    unsigned int cpu = smp_processor_id();

    timer_init(&tick[cpu], tick_fn, NULL, cpu);
    start_ns[cpu] = now_ns();
}

void sched_init(uint32_t tslice_us)
{
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        timers_init_cpu(i);
    tslice_ns = (uint64_t)tslice_us * 1000;
    csched_init(tslice_ns);
    pr_info("scheduler: credit, %u us timeslice, credit shared out every %u us\n",
            tslice_us, tslice_us * CSCHED_TICKS_PER_ACCT);
}

/* ---- the vCPU state machine --------------------------------------------- */

void vcpu_wake(struct vcpu *v)
{
    unsigned long f = csched_lock_vcpu(v);
    bool queue = false;

    if (v->state == VCPU_BLOCKED && !v->wait_sipi) {
        v->state = VCPU_RUNNABLE;
        csched_woken(v->sched);
        queue = !v->on_cpu;           /* else the run loop requeues it */
    }
    csched_unlock_vcpu(v, f);
    if (queue)
        csched_queue(v);
}

void vcpu_kick(struct vcpu *v)
{
    unsigned long f;
    unsigned int cpu;
    bool running;

    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED) {
        vcpu_wake(v);
        return;
    }
    f = csched_lock_vcpu(v);
    running = v->on_cpu;
    cpu = v->pcpu;
    csched_unlock_vcpu(v, f);
    if (running && cpu != smp_processor_id())
        arch_send_kick(cpu);
}

bool vcpu_revive(struct vcpu *v)
{
    unsigned long f = csched_lock_vcpu(v);
    bool ok = v->state == VCPU_DOWN && v->domain->state == DOMAIN_RUNNING;

    if (ok)
        v->state = VCPU_BLOCKED;
    csched_unlock_vcpu(v, f);
    if (ok)
        vcpu_wake(v);
    return ok;
}

void vcpu_block(struct vcpu *v)
{
    unsigned long f = csched_lock_vcpu(v);

    if (v->state == VCPU_RUNNING)
        v->state = VCPU_BLOCKED;
    csched_unlock_vcpu(v, f);
}

void vcpu_yield(struct vcpu *v)
{
    (void)v;                          /* the vCPU running on this pCPU */
    if (csched_yield(smp_processor_id()))
        this_cpu()->need_resched = true;
}

void vcpu_down(struct vcpu *v)
{
    unsigned long f = csched_lock_vcpu(v);
    bool running = v->on_cpu;
    unsigned int cpu = v->pcpu;

    v->state = VCPU_DOWN;
    csched_unqueue_locked(v);
    csched_unlock_vcpu(v, f);
    if (running)
        csched_resched(cpu);
}

void sched_pause_domain(struct domain *d)
{
    __atomic_store_n(&d->paused, true, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        unsigned long f = csched_lock_vcpu(v);
        bool running = v->on_cpu;
        unsigned int cpu = v->pcpu;

        csched_unqueue_locked(v);
        csched_unlock_vcpu(v, f);
        if (running)
            csched_resched(cpu);
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];

        if (v == this_cpu()->curr)
            continue;                 /* the caller's own: it cannot wait for itself */
        while (__atomic_load_n(&v->on_cpu, __ATOMIC_SEQ_CST))
            cpu_relax();
    }
}

void sched_unpause_domain(struct domain *d)
{
    __atomic_store_n(&d->paused, false, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        csched_queue(d->vcpu[i]);     /* the runnable ones */
}

/* From sched_vcpu_info()'s snapshot, taken under the vCPU's run queue lock. */
uint64_t sched_vcpu_runtime(const struct vcpu *v)
{
    struct sched_vcpu_info i;

    sched_vcpu_info((struct vcpu *)v, &i);
    return i.runtime_ns;
}

/* ---- the run loop ------------------------------------------------------------ */

static void first_run(struct vcpu *v)
{
    v->started = true;
    pr_info("d%u (%s): vcpu%u starts on CPU %u\n", v->domain->id,
            v->domain->name, v->id, smp_processor_id());
}

/* Nothing to run (interrupts off): halt until an interrupt, unless a busy
 * peer's queue could not be looked at or a wake-up is already here. */
static void idle(unsigned int cpu, bool retry)
{
    uint64_t t0;

    timer_stop(&tick[cpu]);
    if (retry || this_cpu()->need_resched) {
        local_irq_enable();
        cpu_relax();
        return;
    }
    t0 = now_ns();
    __atomic_store_n(&halt_since[cpu], t0, __ATOMIC_RELAXED);
    safe_halt();                      /* sti;hlt: no wake-up is lost */
    __atomic_store_n(&halt_since[cpu], 0, __ATOMIC_RELAXED);
    halted_ns[cpu] += now_ns() - t0;
}

void sched_run(void)
{
    struct percpu *pc = this_cpu();
    unsigned int cpu = pc->cpu;

    for (;;) {
        struct vcpu *v;
        bool retry;
        uint64_t t0;
        struct domain *d;

        local_irq_disable();
        v = csched_pick(cpu, &retry);
        if (!v) {
            idle(cpu, retry);
            continue;
        }
        if (!tick[cpu].active)
            timer_set(&tick[cpu], now_ns() + tslice_ns);
        local_irq_enable();
        if (!v->started)
            first_run(v);
        pc->curr = v;
        vcpu_time_update(v);          /* its time page, if any (vcpu_op.c) */
        t0 = now_ns();
        arch_vcpu_run(v);
        busy_ns[cpu] += now_ns() - t0;
        pc->curr = NULL;
        /*
         * Once csched_put() clears on_cpu another CPU may end the domain:
         * hold it until this CPU is done looking at it.
         */
        d = v->domain;
        domain_hold(d);
        csched_put(v);
        domain_vcpu_left_cpu(v);
        domain_put(d);
    }
}

uint64_t sched_domain_runtime_ns(struct domain *d)
{
    uint64_t ns = 0;

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        ns += sched_vcpu_runtime(d->vcpu[i]);
    return ns;
}

void sched_report(void)
{
    uint64_t now = now_ns();

    for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++) {
        uint64_t since = __atomic_load_n(&halt_since[cpu], __ATOMIC_RELAXED);
        uint64_t halted = halted_ns[cpu] + (since && since < now ? now - since : 0);

        pr_info("CPU %u: %lu scheduler ticks, %lu ms running vCPUs, %lu ms halted of %lu ms\n",
                cpu, (unsigned long)percpu[cpu]->irq_count,
                (unsigned long)(busy_ns[cpu] / 1000000), (unsigned long)(halted / 1000000),
                (unsigned long)((now - start_ns[cpu]) / 1000000));
    }
}

long do_sched_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_SCHED_yield:
        vcpu_yield(v);
        return 0;
    case MICA_SCHED_block:
        /*
         * Sleep until an event is pending. A sender sets upcall_pending,
         * then wakes a BLOCKED vCPU; we mark ourselves BLOCKED, then look
         * at upcall_pending: one of the two sees the other's write.
         */
        if (evtchn_vcpu_pending(v))
            return 0;
        vcpu_block(v);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (evtchn_vcpu_pending(v))
            vcpu_wake(v);
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
