/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Software timers: a sorted list per pCPU; the head's expiry programs the
 * hardware one-shot. Only the owning CPU runs a list's callbacks, but other
 * CPUs may arm or stop its timers, hence the per-list lock.
 */
#include <mica/timer.h>
#include <mica/spinlock.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/x86.h>

struct timer_list {
    spinlock_t lock;
    struct timer *head;
    struct timer *running;            /* whose callback runs right now */
};

static struct timer_list lists[MAX_CPUS];

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data,
                unsigned int cpu)
{
    *t = (struct timer){ .fn = fn, .data = data, .cpu = cpu };
}

static void unlink(struct timer_list *l, struct timer *t)
{
    for (struct timer **pp = &l->head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->active = false;
}

static void insert(struct timer_list *l, struct timer *t)
{
    struct timer **pp = &l->head;

    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

/*
 * Lock the list t is on (or would go on). t->cpu changes only under the
 * locks of both lists (timer_migrate), so it is read again once locked.
 */
static unsigned int lock_list(struct timer *t, unsigned long *f)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);

        *f = spin_lock_irqsave(&lists[cpu].lock);
        if (cpu == __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE))
            return cpu;
        spin_unlock_irqrestore(&lists[cpu].lock, *f);
    }
}

/*
 * Under the list's lock: t became its head. This CPU's timer is programmed
 * at once, before the lock (and the interrupt flag) is given back: an
 * interrupt in between could program it for a still earlier head, which
 * this older value would then overwrite. Another CPU's list: true, and the
 * caller kicks that CPU once unlocked (it reprograms from its own head).
 */
static bool head_changed(unsigned int cpu, const struct timer *t)
{
    if (cpu != smp_processor_id())
        return true;
    arch_timer_program(t->expires);
    return false;
}

void timer_set(struct timer *t, uint64_t expires_ns)
{
    unsigned long f;
    unsigned int cpu = lock_list(t, &f);
    struct timer_list *l = &lists[cpu];
    bool kick = false;

    if (t->killed)
        goto out;
    if (t->active)
        unlink(l, t);
    t->expires = expires_ns;
    insert(l, t);
    if (l->head == t)
        kick = head_changed(cpu, t);
out:
    spin_unlock_irqrestore(&l->lock, f);
    if (kick)
        arch_timer_kick(cpu);
}

/* Take t off its list; kill: and keep it off (timer_set does nothing). */
static void stop(struct timer *t, bool kill)
{
    unsigned long f;
    unsigned int cpu = lock_list(t, &f);

    t->killed |= kill;
    if (t->active)
        unlink(&lists[cpu], t);
    spin_unlock_irqrestore(&lists[cpu].lock, f);
}

void timer_stop(struct timer *t)
{
    stop(t, false);
}

/*
 * Move t to another CPU's list, still armed for the same time if it was
 * armed: both lists are locked (in index order), so t is never on one list
 * while t->cpu names the other.
 */
void timer_migrate(struct timer *t, unsigned int cpu)
{
    unsigned long f = local_irq_save();
    unsigned int old;
    bool kick = false;

    for (;;) {
        old = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        if (old == cpu) {
            local_irq_restore(f);
            return;
        }
        spin_lock(&lists[MIN(old, cpu)].lock);
        spin_lock(&lists[MAX(old, cpu)].lock);
        if (old == t->cpu)
            break;
        spin_unlock(&lists[MAX(old, cpu)].lock);
        spin_unlock(&lists[MIN(old, cpu)].lock);
    }
    if (t->active) {
        unlink(&lists[old], t);
        __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
        insert(&lists[cpu], t);
        if (lists[cpu].head == t)
            kick = head_changed(cpu, t);
    } else {
        __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
    }
    spin_unlock(&lists[MAX(old, cpu)].lock);
    spin_unlock(&lists[MIN(old, cpu)].lock);
    if (kick)
        arch_timer_kick(cpu);
    local_irq_restore(f);
}

/*
 * Stop t and wait until its callback is not running on any CPU (t->cpu may
 * have changed since it was armed), so that t and what it points to can be
 * freed. A callback still running may re-arm t (the vLAPIC's periodic timer
 * does): killed, set under the list lock, makes that a no-op. Never from
 * t's own callback.
 */
void timer_kill(struct timer *t)
{
    stop(t, true);
    for (unsigned int c = 0; c < MAX_CPUS; c++)
        while (__atomic_load_n(&lists[c].running, __ATOMIC_SEQ_CST) == t)
            cpu_relax();
}

/*
 * The clock is read once: a callback that re-arms its timer for "now" or
 * just after (a guest's periodic timer with a tiny period) would otherwise
 * keep this CPU here for ever.
 */
void timers_run(void)
{
    struct timer_list *l = &lists[smp_processor_id()];
    uint64_t now = now_ns();
    unsigned long f = spin_lock_irqsave(&l->lock);
    struct timer *t;

    while ((t = l->head) && t->expires <= now) {
        unlink(l, t);
        __atomic_store_n(&l->running, t, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&l->lock, f);
        t->fn(t);                     /* may re-arm itself */
        f = spin_lock_irqsave(&l->lock);
        __atomic_store_n(&l->running, NULL, __ATOMIC_SEQ_CST);
    }
    if (l->head)
        arch_timer_program(l->head->expires);
    spin_unlock_irqrestore(&l->lock, f);
}

void timers_init_cpu(unsigned int cpu)
{
    lists[cpu].lock = (spinlock_t)SPINLOCK_INIT;
    lists[cpu].head = NULL;
}
