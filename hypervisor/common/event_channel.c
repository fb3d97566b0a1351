/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_event_channel_op (public/event_channel.h): Xen's event channels
 * with the 2-level ABI. Ports live in a per-domain table
 * (event_channel_state.c), their pending and mask bits in the domain's
 * shared info page; a port that becomes pending raises the upcall vector of
 * the vCPU it notifies and wakes that vCPU if it blocked.
 *
 * One lock covers every domain's ports and every hypervisor write to the
 * bitmaps. Interdomain operations change two tables at once, the timer
 * interrupt sends VIRQ_TIMER, and the traffic is small, so one lock keeps
 * the rules simple. A domain named by id (the caller's own too) is held
 * with domain_get_target() for the length of the call (and put after the
 * lock is dropped, as the last put frees it). A domain's teardown,
 * evtchn_domain_destroy(), closes its ports under the lock, so an
 * interdomain port's peer pointer, and the privileged domain's state kept
 * for global VIRQs, are valid while the lock is held.
 */
#include <mica/event_channel.h>
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include "event_channel_priv.h"

BUILD_BUG_ON(MAX_VCPUS > MICA_SHINFO_VCPUS);
BUILD_BUG_ON(MAX_VCPUS > 256);                 /* struct evtchn keeps the vCPU in a byte */

static spinlock_t evtchn_lock = SPINLOCK_INIT;
static struct evtchn_domain *global_virq_ed;   /* the privileged domain's, once it binds one */

/* ---- a domain's state ------------------------------------------------- */

/* What one domain's state costs its budget: the structure, its page, its ports. */
#define ED_BYTES  (sizeof(struct evtchn_domain) + PAGE_SIZE + \
                   MICA_EVTCHN_DEFAULT_PORTS * sizeof(struct evtchn))

static void ed_free(struct evtchn_domain *ed)
{
    struct domain *d = ed->d;

    evtchn_ports_fini(&ed->ports);
    page_free_hyp(ed->own, 0);
    xfree(ed);
    hyp_uncharge(&d->budget, ED_BYTES);
}

static int ed_alloc(struct domain *d, struct evtchn_domain **out)
{
    struct evtchn_domain *ed;
    int rc = hyp_charge(&d->budget, ED_BYTES);

    if (rc)
        return rc;
    rc = -ENOMEM;
    ed = xnew(struct evtchn_domain);
    if (!ed)
        goto err_uncharge;
    ed->own = page_alloc_hyp(0);
    if (!ed->own)
        goto err_free_ed;
    if (evtchn_ports_init(&ed->ports, MICA_EVTCHN_DEFAULT_PORTS))
        goto err_free_own;
    ed->d = d;
    ed->shared_mfn = INVALID_MFN;
    ed->shared = ed->own;
    *out = ed;
    return 0;
err_free_own:
    page_free_hyp(ed->own, 0);
err_free_ed:
    xfree(ed);
err_uncharge:
    hyp_uncharge(&d->budget, ED_BYTES);
    return rc;
}

/*
 * Two vCPUs of d may race to create it; the loser frees its copy. Called
 * for the caller's own domain, or for another one the caller holds a
 * reference to (so d's teardown, which frees it, comes after).
 */
int evtchn_domain_get(struct domain *d, struct evtchn_domain **out)
{
    struct evtchn_domain *ed = __atomic_load_n(&d->evtchn, __ATOMIC_ACQUIRE), *none = NULL;
    int rc;

    *out = ed;
    if (ed)
        return 0;
    rc = ed_alloc(d, &ed);
    if (rc)
        return rc;
    if (!__atomic_compare_exchange_n(&d->evtchn, &none, ed, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        ed_free(ed);
        ed = none;
    }
    *out = ed;
    return 0;
}

unsigned int evtchn_port_limit(const struct domain *d)
{
    const struct evtchn_domain *ed = __atomic_load_n(&d->evtchn, __ATOMIC_ACQUIRE);

    return ed ? ed->ports.max : MICA_EVTCHN_DEFAULT_PORTS;
}

int guest_frame_pin(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
    bool writable = false;
    mfn_t m = p2m_lookup(&d->p2m, gfn, &writable);

    if (m == INVALID_MFN || !writable || !frame_pin(m, d->id))
        return -EINVAL;
    *mfn = m;
    return 0;
}

/* ---- helpers, lock held ------------------------------------------------- */

/* evtchn_port_get() that also takes a domain without a table (every port free). */
static int ports_get(struct evtchn_domain *ed, uint64_t port, struct evtchn **c)
{
    if (!ed)
        return port >= MICA_EVTCHN_DEFAULT_PORTS ? -EINVAL : -ENOENT;
    return evtchn_port_get(&ed->ports, port, c);
}

/* vCPU id of d, or NULL if there is none (any more). */
static struct vcpu *vcpu_of(struct domain *d, unsigned int id)
{
    return id < d->nr_vcpus ? d->vcpu[id] : NULL;
}

/* Bits set for vCPU id: raise its upcall if told to, and wake it if it sleeps. */
static void notify(struct evtchn_domain *ed, unsigned int id, bool raise)
{
    struct vcpu *v = vcpu_of(ed->d, id);

    if (!v)
        return;
    if (raise)
        arch_vcpu_raise_upcall(v);
    if (evtchn_bits_vcpu_pending(ed->shared, id) &&
        __atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED)
        vcpu_wake(v);
}

/* Make a port pending and tell the vCPU it notifies. */
static void port_raise(struct evtchn_domain *ed, unsigned int port)
{
    unsigned int id = ed->ports.chn[port].vcpu;

    notify(ed, id, evtchn_bits_set_pending(ed->shared, port, id));
}

/* Free a port; an interdomain peer's end is offered to this domain again. */
static void port_close(struct evtchn_domain *ed, unsigned int port)
{
    struct evtchn *c = &ed->ports.chn[port];
    struct evtchn_domain *peer = c->peer;

    if (c->state == ECS_INTERDOMAIN)
        evtchn_set_unbound(&peer->ports.chn[c->remote_port], ed->d->id);
    else if (c->state == ECS_VIRQ)
        ed->vcpu[c->vcpu].virq_port[c->virq] = 0;
    evtchn_bits_clear_pending(ed->shared, port);
    evtchn_port_free(&ed->ports, port);
}

/* A new port in ed, set up by the caller; -ENOSPC when the table is full. */
static int port_new(struct evtchn_domain *ed, struct evtchn **c)
{
    int port = evtchn_port_alloc(&ed->ports);

    if (port > 0)
        *c = &ed->ports.chn[port];
    return port;
}

/* ---- the sub-commands -------------------------------------------------- */

/* Copy the argument in; with OUT fields, make sure it can be written back first. */
static int arg_in(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool has_out)
{
    if (copy_from_guest(v, buf, gva, len))
        return -EFAULT;
    if (has_out && copy_to_guest(v, gva, buf, len))
        return -EFAULT;
    return 0;
}

static long op_set_shared_info(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_set_shared_info a;
    struct evtchn_domain *ed;
    struct mica_shared_info *s;
    mfn_t mfn, old;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), false);

    if (rc)
        return rc;
    rc = evtchn_domain_get(v->domain, &ed);
    if (rc)
        return rc;
    rc = guest_frame_pin(v->domain, a.gfn, &mfn);
    if (rc)
        return rc;
    s = mfn_to_virt(mfn);
    f = spin_lock_irqsave(&evtchn_lock);
    if (s != ed->shared)
        memcpy(s, ed->shared, sizeof(*s));
    ed->shared = s;
    old = ed->shared_mfn;
    ed->shared_mfn = mfn;
    spin_unlock_irqrestore(&evtchn_lock, f);
    if (old != INVALID_MFN)
        frame_unpin(old);
    return 0;
}

static long op_alloc_unbound(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_alloc_unbound a;
    struct domain *d, *remote;
    struct evtchn_domain *ed;
    struct evtchn *c;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), true);

    if (rc)
        return rc;
    /* Two lookups, two references, two puts, whatever the ids. */
    rc = domain_get_target(v->domain, a.dom, TARGET_ALIVE, &d);
    if (rc)
        return rc;
    rc = domain_get_target(d, a.remote_dom == MICA_DOMID_SELF ? d->id : a.remote_dom,
                           TARGET_ANY | TARGET_ALIVE, &remote);
    if (rc)
        goto out_put_d;
    rc = evtchn_domain_get(d, &ed);
    if (rc)
        goto out_put_remote;
    f = spin_lock_irqsave(&evtchn_lock);
    rc = port_new(ed, &c);
    if (rc > 0)
        evtchn_set_unbound(c, remote->id);
    spin_unlock_irqrestore(&evtchn_lock, f);
out_put_remote:
    domain_put(remote);
out_put_d:
    domain_put(d);
    if (rc < 0)
        return rc;
    a.port = (uint32_t)rc;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_bind_interdomain a;
    struct domain *d = v->domain, *rd;
    struct evtchn_domain *ed, *red = NULL;
    struct evtchn *rc_chn = NULL, *c = NULL;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), true);

    if (rc)
        return rc;
    if (a.pad)
        return -EINVAL;
    rc = evtchn_domain_get(d, &ed);
    if (rc)
        return rc;
    rc = domain_get_target(d, a.remote_dom, TARGET_ANY | TARGET_ALIVE, &rd);
    if (rc)
        return rc;
    f = spin_lock_irqsave(&evtchn_lock);
    red = rd->evtchn;
    rc = ports_get(red, a.remote_port, &rc_chn);
    if (rc)
        goto out_unlock;
    rc = evtchn_check_bindable(rc_chn, d->id);
    if (rc)
        goto out_unlock;
    rc = port_new(ed, &c);
    if (rc < 0)
        goto out_unlock;
    a.local_port = (uint32_t)rc;
    evtchn_set_interdomain(c, rd->id, a.remote_port, red);
    evtchn_set_interdomain(rc_chn, d->id, a.local_port, ed);
    port_raise(ed, a.local_port);       /* a send before the bind was dropped */
    rc = 0;
out_unlock:
    spin_unlock_irqrestore(&evtchn_lock, f);
    domain_put(rd);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_virq(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_bind_virq a;
    struct domain *d = v->domain;
    struct evtchn_domain *ed;
    struct evtchn *c = NULL;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), true);

    if (rc)
        return rc;
    if (a.virq >= MICA_NR_VIRQS)
        return -EINVAL;
    if (a.vcpu >= d->nr_vcpus)
        return -ENOENT;
    if (a.virq != MICA_VIRQ_TIMER && !d->privileged)
        return -EPERM;
    if (a.virq != MICA_VIRQ_TIMER && a.vcpu != 0)
        return -EINVAL;
    rc = evtchn_domain_get(d, &ed);
    if (rc)
        return rc;
    f = spin_lock_irqsave(&evtchn_lock);
    rc = ed->vcpu[a.vcpu].virq_port[a.virq] ? -EEXIST : port_new(ed, &c);
    if (rc > 0) {
        evtchn_set_virq(c, a.virq, a.vcpu);
        ed->vcpu[a.vcpu].virq_port[a.virq] = (uint32_t)rc;
        if (a.virq != MICA_VIRQ_TIMER)
            global_virq_ed = ed;
        a.port = (uint32_t)rc;
        rc = 0;
    }
    spin_unlock_irqrestore(&evtchn_lock, f);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_ipi(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_bind_ipi a;
    struct evtchn_domain *ed;
    struct evtchn *c = NULL;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), true);

    if (rc)
        return rc;
    if (a.vcpu >= v->domain->nr_vcpus)
        return -ENOENT;
    rc = evtchn_domain_get(v->domain, &ed);
    if (rc)
        return rc;
    f = spin_lock_irqsave(&evtchn_lock);
    rc = port_new(ed, &c);
    if (rc > 0) {
        evtchn_set_ipi(c, a.vcpu);
        a.port = (uint32_t)rc;
        rc = 0;
    }
    spin_unlock_irqrestore(&evtchn_lock, f);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* close, send or unmask port c of ed. */
static int port_act(struct evtchn_domain *ed, uint64_t cmd, unsigned int port, struct evtchn *c)
{
    if (cmd == MICA_EVTCHNOP_close) {
        port_close(ed, port);
    } else if (cmd == MICA_EVTCHNOP_unmask) {
        notify(ed, c->vcpu, evtchn_bits_unmask(ed->shared, port, c->vcpu));
    } else if (c->state == ECS_INTERDOMAIN) {
        port_raise(c->peer, c->remote_port);
    } else if (c->state == ECS_IPI) {
        port_raise(ed, port);
    } else if (c->state == ECS_VIRQ) {
        return -EINVAL;                /* only the hypervisor raises a VIRQ */
    }                                  /* unbound: the send is dropped */
    return 0;
}

static long op_port(struct vcpu *v, uint64_t cmd, uint64_t arg)
{
    struct mica_evtchn_port a;
    struct evtchn_domain *ed;
    struct evtchn *c = NULL;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), false);

    if (rc)
        return rc;
    rc = evtchn_domain_get(v->domain, &ed);
    if (rc)
        return rc;
    f = spin_lock_irqsave(&evtchn_lock);
    rc = evtchn_port_get(&ed->ports, a.port, &c);
    if (!rc)
        rc = port_act(ed, cmd, a.port, c);
    spin_unlock_irqrestore(&evtchn_lock, f);
    return rc;
}

static void status_fill(struct mica_evtchn_status *a, const struct evtchn *c)
{
    static const uint32_t stat[] = {
        [ECS_FREE] = MICA_EVTCHNSTAT_closed,       [ECS_UNBOUND] = MICA_EVTCHNSTAT_unbound,
        [ECS_INTERDOMAIN] = MICA_EVTCHNSTAT_interdomain, [ECS_VIRQ] = MICA_EVTCHNSTAT_virq,
        [ECS_IPI] = MICA_EVTCHNSTAT_ipi,
    };

    a->status = stat[c->state];
    a->vcpu = c->vcpu;
    if (c->state == ECS_UNBOUND || c->state == ECS_INTERDOMAIN)
        a->remote_dom = c->remote_dom;
    if (c->state == ECS_INTERDOMAIN)
        a->remote_port = c->remote_port;
    if (c->state == ECS_VIRQ)
        a->virq = c->virq;
}

static long op_status(struct vcpu *v, uint64_t arg)
{
    struct mica_evtchn_status a;
    struct domain *d = NULL;
    struct evtchn *c = NULL;
    unsigned long f;
    int rc = arg_in(v, arg, &a, sizeof(a), true);

    if (rc)
        return rc;
    if (a.pad)
        return -EINVAL;
    a.status = a.vcpu = a.remote_port = a.virq = 0;
    a.remote_dom = a.pad2 = 0;
    rc = domain_get_target(v->domain, a.dom, TARGET_ALIVE, &d);
    if (rc)
        return rc;
    f = spin_lock_irqsave(&evtchn_lock);
    rc = ports_get(d->evtchn, a.port, &c);
    if (!rc)
        status_fill(&a, c);
    spin_unlock_irqrestore(&evtchn_lock, f);
    domain_put(d);
    if (rc == -ENOENT)
        rc = 0;                        /* a free port in range is "closed" */
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

long do_event_channel_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_EVTCHNOP_set_shared_info:
        return op_set_shared_info(v, args[1]);
    case MICA_EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(v, args[1]);
    case MICA_EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(v, args[1]);
    case MICA_EVTCHNOP_bind_virq:
        return op_bind_virq(v, args[1]);
    case MICA_EVTCHNOP_bind_ipi:
        return op_bind_ipi(v, args[1]);
    case MICA_EVTCHNOP_close:
    case MICA_EVTCHNOP_send:
    case MICA_EVTCHNOP_unmask:
        return op_port(v, args[0], args[1]);
    case MICA_EVTCHNOP_status:
        return op_status(v, args[1]);
    default:
        return -ENOSYS;
    }
}

/* ---- for the rest of the hypervisor --------------------------------------- */

/* d->evtchn read under the lock: evtchn_domain_destroy() clears it under the lock too. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    unsigned long f = spin_lock_irqsave(&evtchn_lock);
    struct evtchn_domain *ed = v->domain->evtchn;

    if (ed && virq < MICA_NR_VIRQS && ed->vcpu[v->id].virq_port[virq])
        port_raise(ed, ed->vcpu[v->id].virq_port[virq]);
    spin_unlock_irqrestore(&evtchn_lock, f);
}

void evtchn_send_global_virq(unsigned int virq)
{
    unsigned long f = spin_lock_irqsave(&evtchn_lock);
    struct evtchn_domain *ed = global_virq_ed;

    if (ed && virq < MICA_NR_VIRQS && ed->vcpu[0].virq_port[virq])
        port_raise(ed, ed->vcpu[0].virq_port[virq]);
    spin_unlock_irqrestore(&evtchn_lock, f);
}

/* Lock held: raise v's upcall if one is pending and not masked. */
static void upcall_check(struct vcpu *v)
{
    struct evtchn_domain *ed = v->domain->evtchn;
    const struct mica_vcpu_info *vi = ed ? &ed->shared->vcpu_info[v->id] : NULL;

    if (vi && __atomic_load_n(&vi->upcall_pending, __ATOMIC_SEQ_CST) &&
        !__atomic_load_n(&vi->upcall_mask, __ATOMIC_SEQ_CST))
        arch_vcpu_raise_upcall(v);
}

/* The vCPU's vector was just registered: deliver what is already waiting. */
void evtchn_vcpu_upcall_check(struct vcpu *v)
{
    unsigned long f = spin_lock_irqsave(&evtchn_lock);

    upcall_check(v);
    spin_unlock_irqrestore(&evtchn_lock, f);
}

void evtchn_domain_upcall_check(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&evtchn_lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        upcall_check(d->vcpu[i]);
    spin_unlock_irqrestore(&evtchn_lock, f);
}

bool evtchn_vcpu_pending(struct vcpu *v)
{
    struct evtchn_domain *ed = __atomic_load_n(&v->domain->evtchn, __ATOMIC_ACQUIRE);

    /* Both pages stay valid while the domain lives, so a stale pointer is harmless. */
    return ed && evtchn_bits_vcpu_pending(__atomic_load_n(&ed->shared, __ATOMIC_ACQUIRE),
                                          v->id);
}

/*
 * The vCPUs' timers may still fire until vcpu_free() kills them: their
 * callbacks find d->evtchn cleared under the lock and raise nothing.
 */
void evtchn_domain_destroy(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&evtchn_lock);
    struct evtchn_domain *ed = d->evtchn;

    if (ed) {
        for (unsigned int port = 1; port < ed->ports.max; port++)
            if (ed->ports.chn[port].state != ECS_FREE)
                port_close(ed, port);
        if (global_virq_ed == ed)
            global_virq_ed = NULL;
        d->evtchn = NULL;
    }
    spin_unlock_irqrestore(&evtchn_lock, f);
    if (ed) {
        if (ed->shared_mfn != INVALID_MFN)
            frame_unpin(ed->shared_mfn);
        ed_free(ed);
    }
    evtchn_send_global_virq(MICA_VIRQ_DOM_EXC);
}
