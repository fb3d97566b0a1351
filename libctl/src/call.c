/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One helper per hypercall family, the only places libmicactl makes a
 * hypercall: each fills in what the family needs (its interface version)
 * and goes through MICA_IOCTL_PRIVCMD_HYPERCALL. -errno on failure.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <public/hypercall.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/param.h>
#include <mica/privcmd.h>
#include "priv.h"

static long hypercall(mica_ctx *ctx, unsigned int op, uint64_t a0, uint64_t a1)
{
    struct mica_privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };
    long rc = ioctl(ctx->privcmd, MICA_IOCTL_PRIVCMD_HYPERCALL, &h);

    return rc < 0 ? -errno : rc;
}

long mica_do_domctl(mica_ctx *ctx, unsigned int cmd, struct mica_domctl *d)
{
    d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
    return hypercall(ctx, MICA_HC_domctl, cmd, (uintptr_t)d);
}

long mica_do_sysctl(mica_ctx *ctx, unsigned int cmd, struct mica_sysctl *s)
{
    s->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
    return hypercall(ctx, MICA_HC_sysctl, cmd, (uintptr_t)s);
}

long mica_do_memop(mica_ctx *ctx, unsigned int cmd, void *arg)
{
    return hypercall(ctx, MICA_HC_memory_op, cmd, (uintptr_t)arg);
}

long mica_do_version(mica_ctx *ctx, unsigned int cmd, void *arg)
{
    return hypercall(ctx, MICA_HC_version, cmd, (uintptr_t)arg);
}

long mica_do_evtchnop(mica_ctx *ctx, unsigned int cmd, void *arg)
{
    return hypercall(ctx, MICA_HC_event_channel_op, cmd, (uintptr_t)arg);
}

long mica_do_param(mica_ctx *ctx, unsigned int cmd, struct mica_param *p)
{
    return hypercall(ctx, MICA_HC_param_op, cmd, (uintptr_t)p);
}
