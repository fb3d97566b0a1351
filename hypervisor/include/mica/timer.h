/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One-shot software timers, per physical CPU, on the CPU's local APIC
 * timer programmed for the earliest one. Callbacks run in interrupt context
 * on the timer's CPU.
 */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include <mica/types.h>

struct timer {
    uint64_t expires;                 /* now_ns() time */
    void (*fn)(struct timer *t);
    void *data;
    unsigned int cpu;
    bool active;
    bool killed;                      /* timer_kill'ed: arming does nothing */
    struct timer *next;
};

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data,
                unsigned int cpu);
/*
 * (Re)arm for an absolute time; a time in the past fires at once. A
 * callback that re-arms its own timer for a time no later than the start
 * of the current timers_run() pass runs again in that pass.
 */
void timer_set(struct timer *t, uint64_t expires_ns);
void timer_stop(struct timer *t);
/*
 * Stop for good (until timer_init), and wait for a callback running on
 * another CPU to finish: then t can be freed, even if that callback
 * re-arms t, since arming a killed timer does nothing.
 */
void timer_kill(struct timer *t);
/* Move t to another CPU (kept armed if it was): the CPU its callback runs on. */
void timer_migrate(struct timer *t, unsigned int cpu);
/*
 * Run what had expired on this CPU when called, and reprogram; from the
 * timer interrupt. Timers a callback arms for later wait for the next one.
 */
void timers_run(void);
void timers_init_cpu(unsigned int cpu);

/* The arch: fire the timer interrupt on this CPU at (or just after) when. */
void arch_timer_program(uint64_t when_ns);
/* The arch: make another CPU run timers_run() (its list head changed). */
void arch_timer_kick(unsigned int cpu);

#endif
