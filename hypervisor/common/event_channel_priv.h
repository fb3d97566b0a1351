/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to event_channel.c, with guest_frame_pin() shared by vcpu_op.c:
 * a domain's event-channel state (d->evtchn), created on its first
 * event-channel operation, and the per-vCPU state kept in it (VIRQ ports).
 * A vCPU's timer and time page are the vCPU's own (struct vcpu_time).
 */
#ifndef COMMON_EVENT_CHANNEL_PRIV_H
#define COMMON_EVENT_CHANNEL_PRIV_H

#include <mica/types.h>
#include <mica/domain.h>
#include <public/event_channel.h>
#include "event_channel_state.h"


struct evtchn_vcpu {
    uint32_t virq_port[MICA_NR_VIRQS];  /* 0: not bound */
};

/*
 * One slot per possible vCPU id: a domain's vCPU count can still change
 * (domctl, before it first runs) after its state is made, so the slots are
 * indexed by id and the vCPU itself looked up when it is needed.
 */
struct evtchn_domain {
    struct domain *d;
    struct evtchn_ports ports;
    struct mica_shared_info *shared;    /* where the bitmaps live now */
    struct mica_shared_info *own;       /* the hypervisor's page, until the guest gives one */
    mfn_t shared_mfn;                   /* the guest's (pinned) frame, or INVALID_MFN */
    struct evtchn_vcpu vcpu[MAX_VCPUS];
};

/* d's state, created on first use (charged to d's budget): 0, -EDQUOT or -ENOMEM. */
int evtchn_domain_get(struct domain *d, struct evtchn_domain **out);

/*
 * Pin guest frame gfn of d for the hypervisor's writes: it must be d's own
 * writable RAM (not a frame granted by another domain). 0 or -EINVAL.
 */
int guest_frame_pin(struct domain *d, uint64_t gfn, mfn_t *mfn);

/* A vector was just registered: raise it if upcall_pending is set and not masked. */
void evtchn_vcpu_upcall_check(struct vcpu *v);

#endif
