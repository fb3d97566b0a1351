/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure part of event channels (event_channel_state.c): a domain's port
 * table with its state transitions, and the 2-level pending/mask bitmaps in
 * a shared info page. No locks, no domains: event_channel.c holds its lock
 * around all of it. Host unit tests compile this file as it is.
 */
#ifndef COMMON_EVENT_CHANNEL_STATE_H
#define COMMON_EVENT_CHANNEL_STATE_H

#include <mica/types.h>
#include <public/shared_info.h>

enum evtchn_state {
    ECS_FREE,            /* not in use */
    ECS_UNBOUND,         /* waiting for remote_dom to bind */
    ECS_INTERDOMAIN,     /* connected to port remote_port of remote_dom */
    ECS_VIRQ,            /* raised by the hypervisor's VIRQ virq */
    ECS_IPI,             /* sent to by the domain's own vCPUs */
};

struct evtchn {
    uint8_t state;       /* enum evtchn_state */
    uint8_t vcpu;        /* the vCPU notified */
    domid_t remote_dom;  /* UNBOUND, INTERDOMAIN */
    uint32_t remote_port;/* INTERDOMAIN */
    uint32_t virq;       /* VIRQ */
    void *peer;          /* INTERDOMAIN: the peer domain's table owner (event_channel.c) */
};

struct evtchn_ports {
    struct evtchn *chn;  /* [max] */
    unsigned int max;    /* ports are 0 .. max - 1; 0 is never handed out */
    unsigned int used;
};

/* max is at most MICA_EVTCHN_MAX_PORTS. Returns 0 or -ENOMEM. */
int evtchn_ports_init(struct evtchn_ports *p, unsigned int max);
void evtchn_ports_fini(struct evtchn_ports *p);

/* The lowest free port (>= 1), still ECS_FREE, or -ENOSPC. */
int evtchn_port_alloc(struct evtchn_ports *p);
/* The port in use: -EINVAL when out of range, -ENOENT when free. */
int evtchn_port_get(const struct evtchn_ports *p, uint64_t port, struct evtchn **out);
/* Back to free. */
void evtchn_port_free(struct evtchn_ports *p, unsigned int port);

void evtchn_set_unbound(struct evtchn *c, domid_t remote_dom);
void evtchn_set_interdomain(struct evtchn *c, domid_t remote_dom, uint32_t remote_port,
                            void *peer);
void evtchn_set_virq(struct evtchn *c, uint32_t virq, unsigned int vcpu);
void evtchn_set_ipi(struct evtchn *c, unsigned int vcpu);
/*
 * May domain binder bind to remote end c? 0, -EBUSY when c is not
 * unbound, -EACCES when it is offered to another domain.
 */
int evtchn_check_bindable(const struct evtchn *c, domid_t binder);

/*
 * The bitmaps, with atomic operations (the guest works on the page at the
 * same time). set_pending and unmask return true when the vCPU's upcall
 * must be raised: its upcall_pending went from 0 to 1 and upcall_mask is 0.
 */
bool evtchn_bits_set_pending(struct mica_shared_info *s, unsigned int port, unsigned int vcpu);
void evtchn_bits_clear_pending(struct mica_shared_info *s, unsigned int port);
bool evtchn_bits_unmask(struct mica_shared_info *s, unsigned int port, unsigned int vcpu);
bool evtchn_bits_is_pending(const struct mica_shared_info *s, unsigned int port);
/* upcall_pending is set for the vCPU: something waits for it. */
bool evtchn_bits_vcpu_pending(const struct mica_shared_info *s, unsigned int vcpu);

#endif
