/*
 * Software timers: a sorted list per pCPU; the head's expiry programs the
 * hardware one-shot. Only the owning CPU runs a list's callbacks, but other
 * CPUs may arm or stop its timers, hence the per-list lock.
 */
#include <mica/timer.h>
#include <mica/spinlock.h>
#include <asm/percpu.h>
#include <asm/time.h>

struct timer_list {
    spinlock_t lock;
    struct timer *head;
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

void timer_set(struct timer *t, uint64_t expires_ns)
{
    struct timer_list *l = &lists[t->cpu];
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool first;

    if (t->active)
        unlink(l, t);
    t->expires = expires_ns;
    insert(l, t);
    first = l->head == t;
    spin_unlock_irqrestore(&l->lock, f);
    if (first && t->cpu == smp_processor_id())
        arch_timer_program(expires_ns);
    else if (first)
        arch_timer_kick(t->cpu);
}

void timer_stop(struct timer *t)
{
    struct timer_list *l = &lists[t->cpu];
    unsigned long f = spin_lock_irqsave(&l->lock);

    if (t->active)
        unlink(l, t);
    spin_unlock_irqrestore(&l->lock, f);
}

void timers_run(void)
{
    struct timer_list *l = &lists[smp_processor_id()];
    unsigned long f = spin_lock_irqsave(&l->lock);
    struct timer *t;

    while ((t = l->head) && t->expires <= now_ns()) {
        unlink(l, t);
        spin_unlock_irqrestore(&l->lock, f);
        t->fn(t);                     /* may re-arm itself */
        f = spin_lock_irqsave(&l->lock);
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
