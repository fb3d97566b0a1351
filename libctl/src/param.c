/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A domain's params (public/param.h): which frames and ports are its store and console rings. */
#include <errno.h>
#include <public/param.h>
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
