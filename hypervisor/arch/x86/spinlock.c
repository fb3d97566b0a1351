/* SPDX-License-Identifier: GPL-2.0-only */
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

/* Free means next == owner; taking ticket "owner" then makes us the holder. */
bool spin_trylock(spinlock_t *l)
{
    uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
    uint16_t ticket = owner;

    if (__atomic_load_n(&l->next, __ATOMIC_RELAXED) != owner)
        return false;
    return __atomic_compare_exchange_n(&l->next, &ticket, (uint16_t)(owner + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
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
