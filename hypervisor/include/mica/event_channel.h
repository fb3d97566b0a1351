/*
 * Event channels, seen from the rest of the hypervisor (event_channel.c,
 * vcpu_op.c). The hypercalls themselves are in <mica/hypercall.h>.
 */
#ifndef MICA_EVENT_CHANNEL_H
#define MICA_EVENT_CHANNEL_H

#include <mica/types.h>

struct domain;
struct vcpu;

/* Raise a per-vCPU VIRQ (MICA_VIRQ_TIMER) on v, if v bound it. Any context. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ on the privileged domain, if it bound it. Any context. */
void evtchn_send_global_virq(unsigned int virq);

/* An event is pending for v (upcall_pending in its vcpu_info): do not sleep. */
bool evtchn_vcpu_pending(struct vcpu *v);

/*
 * Close every port of a domain being freed (peers' ends become unbound),
 * stop its vCPUs' timers, give back its shared frames and tell the
 * privileged domain (MICA_VIRQ_DOM_EXC). Called first thing in domain_free().
 */
void evtchn_domain_destroy(struct domain *d);

/* Refresh v's time page, if it registered one; on v's pCPU before it runs. */
void vcpu_time_update(struct vcpu *v);

#endif
