/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_grant_table_op: one domain lets another use some of its frames
 * (docs/abi.md §15 is the reference).
 *
 * The granting domain keeps its grant table in its own RAM: up to
 * MICA_GNTTAB_MAX_FRAMES pages of struct mica_grant_entry, registered with
 * MICA_GNTTABOP_setup_table. Entry (grant reference) r lives in table page
 * r / MICA_GNTTAB_ENTRIES_PER_FRAME. To grant, the granter writes domid and
 * frame, then (after a write barrier) flags = MICA_GTF_permit_access, with
 * MICA_GTF_readonly for read-only access. To revoke, it clears flags with a
 * compare-and-swap that fails while MICA_GTF_reading or MICA_GTF_writing is
 * set: those two bits belong to the hypervisor, which sets them while the
 * grant is mapped or being copied through, and clears them when the last
 * such use ends.
 *
 * The grantee maps a grant into its own physmap (at an empty gfn), unmaps
 * it by the handle the map returned, or has the hypervisor copy through
 * grants. Map, unmap and copy take an array of operations and a count;
 * each operation gets its own status (0 or -MICA_Exxx).
 */
#ifndef MICA_PUBLIC_GRANT_TABLE_H
#define MICA_PUBLIC_GRANT_TABLE_H

#include "types.h"

typedef uint32_t mica_grant_ref_t;
typedef uint32_t mica_grant_handle_t;

/* One grant, as the granter writes it in its table (Xen's v1 layout). */
struct mica_grant_entry {
    uint16_t flags;             /* MICA_GTF_* */
    uint16_t domid;             /* the domain allowed to use the grant */
    uint32_t frame;             /* the granter's gfn being granted */
};
MICA_STATIC_ASSERT(sizeof(struct mica_grant_entry) == 8, "ABI size");

/* Written by the granter. The type field (bits 0-1) must be permit_access. */
#define MICA_GTF_type_mask      0x0003u
#define MICA_GTF_permit_access  0x0001u
#define MICA_GTF_readonly       0x0004u   /* grantee may only read */
/* Set and cleared by the hypervisor only. */
#define MICA_GTF_reading        0x0008u   /* mapped, or being copied from or to */
#define MICA_GTF_writing        0x0010u   /* mapped writable, or being copied to */

/* Limits. */
#define MICA_GNTTAB_ENTRIES_PER_FRAME  512u   /* 4096 / sizeof(struct mica_grant_entry) */
#define MICA_GNTTAB_MAX_FRAMES         4u     /* table pages per domain */
#define MICA_GNTTAB_MAX_MAPTRACK       256u   /* grants one domain may have mapped at once */
#define MICA_GNTTAB_BATCH_MAX          256u   /* operations per map, unmap or copy call */

/* Sub-commands (RDI). */
#define MICA_GNTTABOP_setup_table     0
#define MICA_GNTTABOP_query_size      1
#define MICA_GNTTABOP_map_grant_ref   2
#define MICA_GNTTABOP_unmap_grant_ref 3
#define MICA_GNTTABOP_copy            4

/*
 * grant_table_op(MICA_GNTTABOP_setup_table, const uint64_t *gfns, nr_frames):
 * the caller's table is now the nr_frames pages at gfns[0..nr_frames); each
 * must be the caller's own RAM, writable, and named once. nr_frames 0 drops
 * the table. Returns 0. Refused with -MICA_EBUSY while any grant of the
 * caller's is mapped.
 */

/* grant_table_op(MICA_GNTTABOP_query_size, struct mica_gnttab_query_size *out) */
struct mica_gnttab_query_size {
    uint32_t nr_frames;         /* the caller's table pages now (0: none) */
    uint32_t max_frames;        /* MICA_GNTTAB_MAX_FRAMES */
    uint32_t nr_maps;           /* grants the caller has mapped now */
    uint32_t max_maps;          /* MICA_GNTTAB_MAX_MAPTRACK */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_query_size) == 16, "ABI size");

/* grant_table_op(MICA_GNTTABOP_map_grant_ref, struct mica_gnttab_map *ops, count) */
#define MICA_GNTMAP_readonly    0x0001u   /* map read-only (else read-write) */
struct mica_gnttab_map {
    uint64_t gfn;               /* IN: where in the caller's physmap; must be empty */
    uint32_t ref;               /* IN: the grant reference */
    uint16_t domid;             /* IN: the granting domain (MICA_DOMID_SELF: the caller) */
    uint16_t flags;             /* IN: MICA_GNTMAP_* */
    uint32_t handle;            /* OUT: for unmap (~0 when status != 0) */
    int16_t  status;            /* OUT: 0 or -MICA_Exxx */
    uint16_t pad;               /* IN: 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_map) == 24, "ABI size");

/* grant_table_op(MICA_GNTTABOP_unmap_grant_ref, struct mica_gnttab_unmap *ops, count) */
struct mica_gnttab_unmap {
    uint32_t handle;            /* IN: from map */
    int16_t  status;            /* OUT: 0 or -MICA_Exxx */
    uint16_t pad;               /* IN: 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_unmap) == 8, "ABI size");

/* grant_table_op(MICA_GNTTABOP_copy, struct mica_gnttab_copy *ops, count) */
#define MICA_GNTCOPY_src_gref   0x0001u   /* src names a grant, else a gfn of the caller */
#define MICA_GNTCOPY_dst_gref   0x0002u   /* dst names a grant, else a gfn of the caller */
struct mica_gnttab_copy_ptr {
    uint64_t ref_or_gfn;        /* a grant reference, or the caller's own gfn */
    uint16_t domid;             /* the granter; for a gfn, MICA_DOMID_SELF or the caller's id */
    uint16_t offset;            /* byte offset in the page */
    uint32_t pad;               /* 0 */
};
struct mica_gnttab_copy {
    struct mica_gnttab_copy_ptr src, dst;   /* IN */
    uint16_t len;               /* IN: bytes; offset + len <= 4096 on both sides */
    uint16_t flags;             /* IN: MICA_GNTCOPY_* */
    int16_t  status;            /* OUT: 0 or -MICA_Exxx */
    uint16_t pad;               /* IN: 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_copy_ptr) == 16, "ABI size");
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_copy) == 40, "ABI size");

#endif
