/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wrappers for the control hypercalls (domctl, memory_op, sysctl) used by
 * the domctl and memop test guests. Each returns the hypercall's result.
 */
#ifndef GUEST_CTL_H
#define GUEST_CTL_H

#include "hypercall.h"

static inline int64_t mica_domctl(uint64_t cmd, struct mica_domctl *op)
{
    return hc2(MICA_HC_domctl, cmd, (uint64_t)op);
}

static inline int64_t mica_memory_op(uint64_t cmd, uint64_t arg)
{
    return hc2(MICA_HC_memory_op, cmd, arg);
}

static inline int64_t mica_sysctl(uint64_t cmd, struct mica_sysctl *op)
{
    return hc2(MICA_HC_sysctl, cmd, (uint64_t)op);
}

/* A zeroed domctl for domid, with the right interface version. */
static inline void domctl_init(struct mica_domctl *op, uint16_t domid)
{
    memset(op, 0, sizeof(*op));
    op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
    op->domid = domid;
}

static inline void sysctl_init(struct mica_sysctl *op)
{
    memset(op, 0, sizeof(*op));
    op->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
}

/* The host's CPUs, memory and domains (sysctl physinfo; zeroes if refused). */
static inline struct mica_sysctl_physinfo physinfo(void)
{
    struct mica_sysctl op;

    sysctl_init(&op);
    mica_sysctl(MICA_SYSCTL_physinfo, &op);
    return op.u.physinfo;
}

/* populate_physmap / decrease_reservation over a gfn range of domid. */
static inline int64_t memop_range(uint64_t cmd, uint16_t domid, uint64_t first, uint32_t nr)
{
    struct mica_memop_reservation r = { .first_gfn = first, .nr = nr, .domid = domid };

    return mica_memory_op(cmd, (uint64_t)&r);
}

/* The same with a list of gfns. */
static inline int64_t memop_list(uint64_t cmd, uint16_t domid, const uint64_t *gfns, uint32_t nr)
{
    struct mica_memop_reservation r = {
        .gfn_list = (uint64_t)gfns, .nr = nr, .domid = domid, .flags = MICA_MEMOP_F_LIST,
    };

    return mica_memory_op(cmd, (uint64_t)&r);
}

#endif
