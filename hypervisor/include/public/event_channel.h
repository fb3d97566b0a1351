/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_event_channel_op: event channels, Xen's model with a 2-level
 * bitmap (public/shared_info.h). Every sub-command takes a pointer to its
 * structure (guest-virtual), copied in whole and, for those with OUT fields,
 * checked writable before anything is done:
 *
 *     event_channel_op(MICA_EVTCHNOP_xxx, struct mica_evtchn_xxx *arg)
 *
 * Returns 0 or -MICA_Exxx; docs/abi.md lists every error. Common ones:
 * -MICA_EFAULT  arg is not readable (or, with OUT fields, writable) guest memory
 * -MICA_EINVAL  a port outside [0, the domain's limit), a non-zero pad field,
 *               an unknown VIRQ
 * -MICA_ENOENT  a port in range that is not in use (closed, never allocated,
 *               or 0, which is never allocated); a vCPU that does not exist
 * -MICA_ESRCH   no such domain (or it has shut down)
 * -MICA_ENOSPC  every port below the domain's limit is in use
 */
#ifndef MICA_PUBLIC_EVENT_CHANNEL_H
#define MICA_PUBLIC_EVENT_CHANNEL_H

#include "types.h"
#include "shared_info.h"

typedef uint32_t mica_evtchn_port_t;

/* Ports a domain may use: 1 .. limit - 1 (port 0 is never allocated). */
#define MICA_EVTCHN_DEFAULT_PORTS  1024

#define MICA_EVTCHNOP_set_shared_info    0   /* struct mica_evtchn_set_shared_info */
#define MICA_EVTCHNOP_alloc_unbound      1   /* struct mica_evtchn_alloc_unbound */
#define MICA_EVTCHNOP_bind_interdomain   2   /* struct mica_evtchn_bind_interdomain */
#define MICA_EVTCHNOP_bind_virq          3   /* struct mica_evtchn_bind_virq */
#define MICA_EVTCHNOP_bind_ipi           4   /* struct mica_evtchn_bind_ipi */
#define MICA_EVTCHNOP_close              5   /* struct mica_evtchn_port */
#define MICA_EVTCHNOP_send               6   /* struct mica_evtchn_port */
#define MICA_EVTCHNOP_status             7   /* struct mica_evtchn_status */
#define MICA_EVTCHNOP_unmask             8   /* struct mica_evtchn_port */

/* Virtual IRQs. TIMER is per vCPU; the others go to vCPU 0 of the privileged domain. */
#define MICA_VIRQ_TIMER     0   /* this vCPU's one-shot timer expired (public/vcpu.h) */
#define MICA_VIRQ_CONSOLE   1   /* the hypervisor log grew (at most once per 10 ms) */
#define MICA_VIRQ_DOM_EXC   2   /* a domain shut down or was destroyed */
#define MICA_NR_VIRQS       3

/*
 * Move the domain's shared info page (public/shared_info.h) into guest
 * frame gfn, which must be the domain's own writable RAM. The current
 * contents (pending and mask bits, vcpu_info) are copied over the first
 * 2048 bytes of the frame. Until a domain registers one, the hypervisor
 * keeps the bits in a page of its own.
 */
struct mica_evtchn_set_shared_info {
    uint64_t gfn;                /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_set_shared_info) == 8, "ABI size");

/* A port in domain dom that remote_dom may bind to; notifies vCPU 0. */
struct mica_evtchn_alloc_unbound {
    uint16_t dom;                /* IN: MICA_DOMID_SELF or own id; any domain if privileged */
    uint16_t remote_dom;         /* IN: MICA_DOMID_SELF means dom itself */
    uint32_t port;               /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_alloc_unbound) == 8, "ABI size");

/*
 * Connect a new local port to remote_dom's unbound port remote_port, which
 * must have been allocated for the caller. The new port notifies vCPU 0 and
 * starts pending (a send on the unbound end before the bind was dropped).
 */
struct mica_evtchn_bind_interdomain {
    uint16_t remote_dom;         /* IN: MICA_DOMID_SELF for a loopback */
    uint16_t pad;                /* IN: 0 */
    uint32_t remote_port;        /* IN */
    uint32_t local_port;         /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_interdomain) == 12, "ABI size");

/* A port raised by a VIRQ on vcpu (a global VIRQ only on vCPU 0). */
struct mica_evtchn_bind_virq {
    uint32_t virq;               /* IN: MICA_VIRQ_* */
    uint32_t vcpu;               /* IN */
    uint32_t port;               /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_virq) == 12, "ABI size");

/* A port any vCPU of the domain can send to; it notifies vcpu. */
struct mica_evtchn_bind_ipi {
    uint32_t vcpu;               /* IN */
    uint32_t port;               /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_ipi) == 8, "ABI size");

/*
 * close: free the port (an interdomain peer's end becomes unbound, offered
 * to this domain again); its pending bit is cleared.
 * send: make the other end pending (interdomain: the peer's port; IPI: this
 * port); a send on an unbound port is dropped and still returns 0.
 * unmask: clear the port's mask bit and, if it is pending, notify its vCPU.
 */
struct mica_evtchn_port {
    uint32_t port;               /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_port) == 4, "ABI size");

#define MICA_EVTCHNSTAT_closed       0   /* not in use */
#define MICA_EVTCHNSTAT_unbound      1
#define MICA_EVTCHNSTAT_interdomain  2
#define MICA_EVTCHNSTAT_virq         3
#define MICA_EVTCHNSTAT_ipi          4

/* What a port is. OUT fields that do not apply to the status are 0. */
struct mica_evtchn_status {
    uint16_t dom;                /* IN: MICA_DOMID_SELF or own id; any domain if privileged */
    uint16_t pad;                /* IN: 0 */
    uint32_t port;               /* IN */
    uint32_t status;             /* OUT: MICA_EVTCHNSTAT_* */
    uint32_t vcpu;               /* OUT: the vCPU it notifies */
    uint16_t remote_dom;         /* OUT: unbound: who may bind; interdomain: the peer */
    uint16_t pad2;               /* OUT: 0 */
    uint32_t remote_port;        /* OUT: interdomain: the peer's port */
    uint32_t virq;               /* OUT: virq: which */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_status) == 28, "ABI size");

#endif
