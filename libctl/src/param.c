/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's params (public/param.h): which frames and ports are its store
 * and console rings; and the unbound ports the builder makes for them.
 */
#include <errno.h>
#include <public/param.h>
#include <public/event_channel.h>
#include "priv.h"

int mica_param_get(mica_ctx *ctx, uint32_t domid, unsigned int index, uint64_t *value)
{
    struct mica_param p = { .domid = (uint16_t)domid, .index = index };
    long rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "param: %u is not a domain id", domid);
    rc = mica_do_param(ctx, MICA_PARAM_get, &p);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "param %u: domain %u: %s", index, domid,
                        ctl_errno_text((int)rc));
    *value = p.value;
    return 0;
}

int mica_param_set(mica_ctx *ctx, uint32_t domid, unsigned int index, uint64_t value)
{
    struct mica_param p = { .domid = (uint16_t)domid, .index = index, .value = value };
    long rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "param: %u is not a domain id", domid);
    rc = mica_do_param(ctx, MICA_PARAM_set, &p);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "param %u = %llu: domain %u: %s", index,
                        (unsigned long long)value, domid, ctl_errno_text((int)rc));
    return 0;
}

int mica_evtchn_alloc_unbound(mica_ctx *ctx, uint32_t domid, uint32_t remote, uint32_t *port)
{
    struct mica_evtchn_alloc_unbound a = { .dom = (uint16_t)domid, .remote_dom = (uint16_t)remote };
    long rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX || remote > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "event channel: %u or %u is not a domain id", domid, remote);
    rc = mica_do_evtchnop(ctx, MICA_EVTCHNOP_alloc_unbound, &a);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "event channel: a port of domain %u for domain %u: %s",
                        domid, remote, ctl_errno_text((int)rc));
    *port = a.port;
    return 0;
}
