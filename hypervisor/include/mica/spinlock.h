/* SPDX-License-Identifier: GPL-2.0-only */
/* Ticket spinlocks. Host unit tests provide their own (tests/unit/shim). */
#ifndef MICA_SPINLOCK_H
#define MICA_SPINLOCK_H

#include <mica/types.h>

typedef struct {
    volatile uint16_t next;
    volatile uint16_t owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
/* Take the lock only if nobody holds or waits for it; true if taken. */
bool spin_trylock(spinlock_t *l);
/* Disables interrupts, returns the previous RFLAGS for the restore. */
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

#endif
