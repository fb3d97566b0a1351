/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vCPUs (state, pinning) and the credit scheduler's weight and cap. */
#include <errno.h>
#include <string.h>
#include <public/domctl.h>
#include "priv.h"

int mica_vcpu_info(mica_ctx *ctx, uint32_t domid, unsigned int vcpu,
                   struct mica_vcpuinfo *info)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    d.u.vcpuinfo.vcpu = vcpu;
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_getvcpuinfo, domid, &d, "vcpu-list");
    if (rc == -ENOENT || rc == -EINVAL)
        return ctl_fail(ctx, rc, "vcpu-list: domain %u has no vCPU %u", domid, vcpu);
    if (rc < 0)
        return rc;
    info->vcpu = d.u.vcpuinfo.vcpu;
    info->state = d.u.vcpuinfo.state;
    info->cpu = d.u.vcpuinfo.cpu;
    info->cpu_time_ns = d.u.vcpuinfo.cpu_time_ns;
    info->affinity = d.u.vcpuinfo.affinity;
    return 0;
}

int mica_vcpu_pin(mica_ctx *ctx, uint32_t domid, unsigned int vcpu, uint64_t cpus)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    if (!cpus)
        return ctl_fail(ctx, -EINVAL, "vcpu-pin: the set of CPUs is empty");
    d.u.affinity.vcpu = vcpu;
    d.u.affinity.mask = cpus;
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_affinity_set, domid, &d, "vcpu-pin");
    if (rc == -EINVAL)
        return ctl_fail(ctx, rc, "vcpu-pin: domain %u: no vCPU %u, or a CPU in %#llx is not online",
                        domid, vcpu, (unsigned long long)cpus);
    return rc < 0 ? rc : 0;
}

int mica_sched_get(mica_ctx *ctx, uint32_t domid, unsigned int *weight, unsigned int *cap)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_sched_get, domid, &d, "sched-credit");
    if (rc < 0)
        return rc;
    *weight = d.u.sched.weight;
    *cap = d.u.sched.cap;
    return 0;
}

int mica_sched_set(mica_ctx *ctx, uint32_t domid, unsigned int weight, unsigned int cap)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    if (weight == 0 || weight > 65535)
        return ctl_fail(ctx, -EINVAL, "sched-credit: weight %u: 1 to 65535", weight);
    d.u.sched.weight = weight;
    d.u.sched.cap = cap;
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_sched_set, domid, &d, "sched-credit");
    if (rc == -EINVAL)
        return ctl_fail(ctx, rc, "sched-credit: domain %u: cap %u%% is more than 100%% per pCPU",
                        domid, cap);
    return rc < 0 ? rc : 0;
}
