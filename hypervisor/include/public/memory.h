/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_memory_op: a domain's memory reservation (populate, balloon out)
 * and, for the control domain, mapping other domains' frames.
 * docs/abi.md is the reference.
 *
 * memory_op(MICA_MEMOP_populate_physmap, struct mica_memop_reservation *)
 * memory_op(MICA_MEMOP_decrease_reservation, struct mica_memop_reservation *)
 *     Returns nr (frames populated / released), all or nothing.
 * memory_op(MICA_MEMOP_current_reservation, uint64_t domid)
 * memory_op(MICA_MEMOP_maximum_reservation, uint64_t domid)
 *     Returns the domain's frame count / ceiling.
 * memory_op(MICA_MEMOP_map_foreign, struct mica_memop_foreign *)   privileged
 * memory_op(MICA_MEMOP_unmap_foreign, struct mica_memop_foreign *) privileged
 *     Returns nr, all or nothing.
 *
 * A domain id of MICA_DOMID_SELF (public/types.h) or the caller's own id
 * names the caller; any other id needs the privileged domain (-MICA_EPERM).
 */
#ifndef MICA_PUBLIC_MEMORY_H
#define MICA_PUBLIC_MEMORY_H

#include "types.h"

#define MICA_MEMOP_populate_physmap      0
#define MICA_MEMOP_decrease_reservation  1
#define MICA_MEMOP_current_reservation   2
#define MICA_MEMOP_maximum_reservation   3
#define MICA_MEMOP_map_foreign           4
#define MICA_MEMOP_unmap_foreign         5
#define MICA_MEMOP_NR                    6

#define MICA_MEMOP_MAX_EXTENTS 1024u         /* frames per reservation call */
#define MICA_FOREIGN_MAX       512u          /* frames per foreign (un)map call */

/* mica_memop_reservation.flags */
#define MICA_MEMOP_F_LIST      (1u << 0)     /* gfns from gfn_list, not a range */

struct mica_memop_reservation {
    uint64_t first_gfn;       /* the range [first_gfn, first_gfn + nr) ... */
    uint64_t gfn_list;        /* ... or, with MICA_MEMOP_F_LIST, nr uint64_t gfns here */
    uint32_t nr;              /* 0 .. MICA_MEMOP_MAX_EXTENTS */
    uint16_t domid;           /* MICA_DOMID_SELF, or a domain (privileged) */
    uint16_t flags;           /* MICA_MEMOP_F_* */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memop_reservation) == 24, "ABI size");

/* mica_memop_foreign.flags (map only) */
#define MICA_FOREIGN_READONLY  (1u << 0)     /* map read-only in the caller */

/*
 * map_foreign: frames [gfn, gfn + nr) of domain domid appear at the caller's
 * [dst_gfn, dst_gfn + nr). Whatever the caller had there goes: its own frame
 * is scrubbed and freed (its reservation shrinks), an older foreign mapping
 * is dropped. A mapped frame stays allocated until the caller unmaps it,
 * even if its owner frees it or is destroyed first.
 * unmap_foreign: [dst_gfn, dst_gfn + nr) must all be foreign mappings; they
 * become holes. gfn, domid and flags must be 0.
 */
struct mica_memop_foreign {
    uint64_t gfn;             /* first frame in domain domid */
    uint64_t dst_gfn;         /* first gfn in the caller's physmap */
    uint32_t nr;              /* 0 .. MICA_FOREIGN_MAX */
    uint16_t domid;           /* whose frames: not the caller */
    uint16_t flags;           /* MICA_FOREIGN_* */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memop_foreign) == 24, "ABI size");

#endif
