/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels, seen from the rest of the hypervisor (event_channel.c,
 * vcpu_op.c). The hypercalls themselves are in <mica/hypercall.h>.
 */
#ifndef MICA_EVENT_CHANNEL_H
#define MICA_EVENT_CHANNEL_H

#include <mica/types.h>

struct domain;
struct vcpu;

/*
 * Raise a per-vCPU VIRQ (MICA_VIRQ_TIMER) on v, if v bound it. Any context;
 * the domain's event-channel state is looked up under the lock, so this is
 * a no-op once evtchn_domain_destroy() has run (v itself must still live).
 */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ on the privileged domain, if it bound it. Any context. */
void evtchn_send_global_virq(unsigned int virq);

/*
 * d's upcall route just changed (the guest enabled the platform device's
 * MSI): raise the upcall of every vCPU that has one pending and unmasked.
 * Any context, but never with the platform's pci_lock held.
 */
void evtchn_domain_upcall_check(struct domain *d);

/*
 * Ports of d are 1 .. evtchn_port_limit(d) - 1 (its table's size, the
 * default one before its first event-channel operation). Any context.
 */
unsigned int evtchn_port_limit(const struct domain *d);

/* An event is pending for v (upcall_pending in its vcpu_info): do not sleep. */
bool evtchn_vcpu_pending(struct vcpu *v);

/*
 * Close every port of a domain being freed (peers' ends become unbound),
 * give back its shared info frame and tell the privileged domain
 * (MICA_VIRQ_DOM_EXC). Called first thing in domain_free(), before its
 * vCPUs (and their timers, vcpu_time_destroy()) go.
 */
void evtchn_domain_destroy(struct domain *d);

/* vcpu_op.c: a new vCPU's timer (unarmed) and time page (none). */
void vcpu_time_init(struct vcpu *v);
/*
 * A vCPU being freed: its timer killed (waiting for a callback running on
 * another pCPU) and its time page unpinned.
 */
void vcpu_time_destroy(struct vcpu *v);
/* Refresh v's time page, if it registered one; on v's pCPU before it runs. */
void vcpu_time_update(struct vcpu *v);

#endif
