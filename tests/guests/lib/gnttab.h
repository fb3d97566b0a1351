/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables from a test guest: the hypercall wrappers, and the granter's
 * side of the entries (public/grant_table.h says how they are written).
 */
#ifndef GUEST_GNTTAB_H
#define GUEST_GNTTAB_H

#include "guest.h"

static inline int64_t gnttab_op(uint64_t cmd, uint64_t arg, uint64_t count)
{
    return hc3(MICA_HC_grant_table_op, cmd, arg, count);
}

static inline int64_t gnttab_setup(const uint64_t *gfns, uint64_t nr)
{
    return gnttab_op(MICA_GNTTABOP_setup_table, (uint64_t)gfns, nr);
}

static inline int64_t gnttab_query(struct mica_gnttab_query_size *q)
{
    return gnttab_op(MICA_GNTTABOP_query_size, (uint64_t)q, 0);
}

/* One map: the op's status (its handle in *handle when 0). */
static inline int gnttab_map1(uint16_t domid, uint32_t ref, uint64_t gfn, uint16_t flags,
                              uint32_t *handle)
{
    struct mica_gnttab_map op = { .gfn = gfn, .ref = ref, .domid = domid, .flags = flags };
    int64_t rc = gnttab_op(MICA_GNTTABOP_map_grant_ref, (uint64_t)&op, 1);

    if (handle)
        *handle = op.handle;
    return rc ? (int)rc : op.status;
}

static inline int gnttab_unmap1(uint32_t handle)
{
    struct mica_gnttab_unmap op = { .handle = handle };
    int64_t rc = gnttab_op(MICA_GNTTABOP_unmap_grant_ref, (uint64_t)&op, 1);

    return rc ? (int)rc : op.status;
}

static inline int gnttab_copy1(struct mica_gnttab_copy *op)
{
    int64_t rc = gnttab_op(MICA_GNTTABOP_copy, (uint64_t)op, 1);

    return rc ? (int)rc : op->status;
}

/* Grant ref to domid: frame (a gfn) and domid first, then the flags. */
static inline void gnt_grant(struct mica_grant_entry *table, uint32_t ref, uint16_t domid,
                             uint64_t gfn, bool readonly)
{
    table[ref].domid = domid;
    table[ref].frame = (uint32_t)gfn;
    __atomic_store_n(&table[ref].flags,
                     (uint16_t)(MICA_GTF_permit_access | (readonly ? MICA_GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
}

static inline uint16_t gnt_flags(struct mica_grant_entry *table, uint32_t ref)
{
    return __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);
}

/*
 * Revoke ref, as Xen's gnttab_end_foreign_access does: clear the flags only
 * if the hypervisor has not marked the grant in use. 0, or -MICA_EBUSY.
 */
static inline int gnt_end_access(struct mica_grant_entry *table, uint32_t ref)
{
    uint16_t flags = gnt_flags(table, ref);

    do {
        if (flags & (MICA_GTF_reading | MICA_GTF_writing))
            return -MICA_EBUSY;
    } while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
    return 0;
}

#endif
