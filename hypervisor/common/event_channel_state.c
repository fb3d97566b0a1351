/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channel state without locks or domains: the port table and the
 * 2-level bitmaps of the shared info page (event_channel_state.h).
 *
 * The bitmap order follows the protocol in public/shared_info.h: pending
 * bit, then (if unmasked) the selector bit, then upcall_pending; each step
 * stops when its bit was already set, because whoever set it is bound to
 * see the later bits too. The guest clears them in the opposite order.
 */
#include <mica/errno.h>
#include <mica/xmalloc.h>
#include <mica/lib.h>
#include "event_channel_state.h"

#define WORD(port)  ((port) / MICA_EVTCHN_WORD_BITS)
#define BIT(port)   (1ull << ((port) % MICA_EVTCHN_WORD_BITS))

int evtchn_ports_init(struct evtchn_ports *p, unsigned int max)
{
    if (max > MICA_EVTCHN_MAX_PORTS)
        max = MICA_EVTCHN_MAX_PORTS;
    p->chn = xzalloc(max * sizeof(*p->chn));
    if (!p->chn)
        return -ENOMEM;
    p->max = max;
    p->used = 0;
    return 0;
}

void evtchn_ports_fini(struct evtchn_ports *p)
{
    xfree(p->chn);
    p->chn = NULL;
    p->max = p->used = 0;
}

int evtchn_port_alloc(struct evtchn_ports *p)
{
    for (unsigned int port = 1; port < p->max; port++)
        if (p->chn[port].state == ECS_FREE) {
            p->used++;
            return (int)port;
        }
    return -ENOSPC;
}

int evtchn_port_get(const struct evtchn_ports *p, uint64_t port, struct evtchn **out)
{
    if (port >= p->max)
        return -EINVAL;
    if (p->chn[port].state == ECS_FREE)
        return -ENOENT;
    *out = &p->chn[port];
    return 0;
}

void evtchn_port_free(struct evtchn_ports *p, unsigned int port)
{
    if (p->chn[port].state != ECS_FREE)
        p->used--;
    p->chn[port] = (struct evtchn){ .state = ECS_FREE };
}

void evtchn_set_unbound(struct evtchn *c, domid_t remote_dom)
{
    c->state = ECS_UNBOUND;
    c->remote_dom = remote_dom;
    c->remote_port = 0;
    c->peer = NULL;
}

void evtchn_set_interdomain(struct evtchn *c, domid_t remote_dom, uint32_t remote_port,
                            void *peer)
{
    c->state = ECS_INTERDOMAIN;
    c->remote_dom = remote_dom;
    c->remote_port = remote_port;
    c->peer = peer;
}

void evtchn_set_virq(struct evtchn *c, uint32_t virq, unsigned int vcpu)
{
    c->state = ECS_VIRQ;
    c->virq = virq;
    c->vcpu = (uint8_t)vcpu;
}

void evtchn_set_ipi(struct evtchn *c, unsigned int vcpu)
{
    c->state = ECS_IPI;
    c->vcpu = (uint8_t)vcpu;
}

int evtchn_check_bindable(const struct evtchn *c, domid_t binder)
{
    if (c->state != ECS_UNBOUND)
        return -EBUSY;
    if (c->remote_dom != binder)
        return -EACCES;
    return 0;
}

/* Selector bit, then upcall_pending: true when the upcall must be raised. */
static bool mark_vcpu(struct mica_shared_info *s, unsigned int port, unsigned int vcpu)
{
    struct mica_vcpu_info *vi = &s->vcpu_info[vcpu];

    if (__atomic_fetch_or(&vi->pending_sel, 1ull << WORD(port), __ATOMIC_SEQ_CST) &
        (1ull << WORD(port)))
        return false;
    if (__atomic_exchange_n(&vi->upcall_pending, 1, __ATOMIC_SEQ_CST))
        return false;
    return !__atomic_load_n(&vi->upcall_mask, __ATOMIC_SEQ_CST);
}

bool evtchn_bits_set_pending(struct mica_shared_info *s, unsigned int port, unsigned int vcpu)
{
    if (__atomic_fetch_or(&s->evtchn_pending[WORD(port)], BIT(port), __ATOMIC_SEQ_CST) &
        BIT(port))
        return false;
    if (__atomic_load_n(&s->evtchn_mask[WORD(port)], __ATOMIC_SEQ_CST) & BIT(port))
        return false;
    return mark_vcpu(s, port, vcpu);
}

void evtchn_bits_clear_pending(struct mica_shared_info *s, unsigned int port)
{
    __atomic_fetch_and(&s->evtchn_pending[WORD(port)], ~BIT(port), __ATOMIC_SEQ_CST);
}

bool evtchn_bits_unmask(struct mica_shared_info *s, unsigned int port, unsigned int vcpu)
{
    __atomic_fetch_and(&s->evtchn_mask[WORD(port)], ~BIT(port), __ATOMIC_SEQ_CST);
    if (!evtchn_bits_is_pending(s, port))
        return false;
    return mark_vcpu(s, port, vcpu);
}

bool evtchn_bits_is_pending(const struct mica_shared_info *s, unsigned int port)
{
    return __atomic_load_n(&s->evtchn_pending[WORD(port)], __ATOMIC_SEQ_CST) & BIT(port);
}

bool evtchn_bits_vcpu_pending(const struct mica_shared_info *s, unsigned int vcpu)
{
    return __atomic_load_n(&s->vcpu_info[vcpu].upcall_pending, __ATOMIC_SEQ_CST) != 0;
}
