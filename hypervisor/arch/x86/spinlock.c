/* Ticket locks: FIFO order, so no CPU starves on a contended lock. */
#include <mica/spinlock.h>
#include <asm/x86.h>

void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);

    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = local_irq_save();

    spin_lock(l);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    local_irq_restore(flags);
}
