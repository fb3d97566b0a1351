/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels and time for the test guests: the shared info page, the
 * upcall handler, blocking with a timeout, and reading the time page.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include "guest.h"

#define EV_VECTOR  0xe0              /* the upcall vector the test guests register */

/* The domain's shared info page (this guest's frame once ev_setup() registered it). */
extern struct mica_shared_info *const ev_shared;
/* Counted by the upcall handler: interrupts taken, and events handled per port. */
extern volatile uint32_t ev_upcalls;
extern volatile uint32_t ev_hits[MICA_EVTCHN_MAX_PORTS];
/* sched_op block calls made by ev_wait(). */
extern uint32_t ev_blocks;

/*
 * Register the shared info page and EV_VECTOR (with the handler) for vCPU
 * 0. Returns 0, or the first failing hypercall's result.
 */
int64_t ev_setup(void);
/*
 * What the upcall handler does, callable directly (interrupts off): clear
 * upcall_pending, take pending_sel, and count and clear every pending,
 * unmasked port. Returns the number of events handled.
 */
unsigned int ev_scan(void);
/* Drop a port's pending bit (and its count) without handling it. */
void ev_forget(uint32_t port);

/* Mask bit helpers on the shared page (the guest's own side of the ABI). */
void ev_mask(uint32_t port);
void ev_unmask_local(uint32_t port);
bool ev_is_pending(uint32_t port);

/* MICA_VCPUOP_get_system_time. */
uint64_t ev_system_time(void);
/*
 * Sleep (sched_op block, interrupts off around the check) until *ctr >=
 * target or system time passes deadline_ns; the one-shot timer ends the
 * sleep at the deadline, so MICA_VIRQ_TIMER must be bound. True if the
 * target was reached. The timer is stopped on return.
 */
bool ev_wait(volatile uint32_t *ctr, uint32_t target, uint64_t deadline_ns);

/* Bind a port with the given sub-command; returns the port or a negative error. */
int64_t ev_bind_virq(uint32_t virq);
int64_t ev_alloc_unbound(uint16_t remote_dom);
int64_t ev_send(uint32_t port);
int64_t ev_close(uint32_t port);

/*
 * Read the time page: the system time now by its formula, and the version
 * it was read under (even). Retries while the version is odd or changes.
 */
uint64_t time_page_read(const volatile struct mica_vcpu_time_info *ti, uint32_t *version);

static inline void irq_disable(void) { asm volatile ("cli" ::: "memory"); }
/* STI, then one instruction so that a pending interrupt is taken before any CLI. */
static inline void irq_enable(void) { asm volatile ("sti; nop" ::: "memory"); }

#endif
