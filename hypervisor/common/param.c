/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_param_op (public/param.h, docs/abi.md section 19): a domain's
 * params, Xen's HVM params: which of its frames are its store and console
 * rings and which of its ports lead to their daemons. They belong to the
 * domain (d->param[]); the privileged domain's toolstack sets them when it
 * builds the domain, the domain's own kernel reads them.
 *
 * Checked in this order, before anything is read or written: the
 * sub-command, the argument readable, set's privilege, pad and index, the
 * domain (domain_get_target()), set's value. Get copies the value out last.
 */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/event_channel.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/param.h>

enum param_kind { PARAM_GFN, PARAM_PORT };

static const enum param_kind param_kinds[MICA_PARAM_NR] = {
    [MICA_PARAM_STORE_GFN]      = PARAM_GFN,
    [MICA_PARAM_STORE_EVTCHN]   = PARAM_PORT,
    [MICA_PARAM_CONSOLE_GFN]    = PARAM_GFN,
    [MICA_PARAM_CONSOLE_EVTCHN] = PARAM_PORT,
};

/* The first value param index of d may not take. */
static uint64_t param_limit(const struct domain *d, uint32_t index)
{
    return param_kinds[index] == PARAM_GFN ? MICA_GFN_LIMIT : evtchn_port_limit(d);
}

static long param_get(struct domain *d, struct mica_param *p)
{
    p->value = __atomic_load_n(&d->param[p->index], __ATOMIC_ACQUIRE);
    return 0;
}

static long param_set(struct domain *d, struct mica_param *p)
{
    if (p->value >= param_limit(d, p->index))
        return -EINVAL;
    __atomic_store_n(&d->param[p->index], p->value, __ATOMIC_RELEASE);
    return 0;
}

static const struct param_cmd {
    long (*fn)(struct domain *d, struct mica_param *p);
    bool privileged;            /* only the privileged domain */
    bool copy_out;              /* the argument is written back */
} param_cmds[] = {
    [MICA_PARAM_get] = { param_get, false, true },
    [MICA_PARAM_set] = { param_set, true,  false },
};

long do_param_op(struct vcpu *v, const uint64_t args[5])
{
    const struct param_cmd *c;
    struct mica_param p;
    struct domain *d;
    long rc;

    if (args[0] >= ARRAY_SIZE(param_cmds))
        return -ENOSYS;
    c = &param_cmds[args[0]];
    if (copy_from_guest(v, &p, args[1], sizeof(p)))
        return -EFAULT;
    if (c->privileged && !v->domain->privileged)
        return -EPERM;
    if (p.pad || p.index >= MICA_PARAM_NR)
        return -EINVAL;
    rc = domain_get_target(v->domain, p.domid, 0, &d);
    if (rc)
        return rc;
    rc = c->fn(d, &p);
    domain_put(d);
    if (!rc && c->copy_out && copy_to_guest(v, args[1], &p, sizeof(p)))
        rc = -EFAULT;
    return rc;
}
