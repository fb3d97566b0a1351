/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure part of grant tables (grant_state.c): what a grant entry allows,
 * the compare-and-swap that marks it in use, the hypervisor's own pin counts
 * per entry, where an entry lives, and the checks on operation arguments.
 * Nothing here knows about domains or the p2m, so the host unit tests
 * (tests/unit/test_grant_state.c) compile this file as it is.
 */
#ifndef COMMON_GRANT_STATE_H
#define COMMON_GRANT_STATE_H

#include <mica/types.h>
#include <public/grant_table.h>

/*
 * The first 32 bits of a v1 entry, flags in the low half and domid in the
 * high half (little-endian), compared and swapped as one word so that a
 * granter changing either between our read and our write is noticed.
 */
#define GNT_WORD(flags, domid)  ((uint32_t)(flags) | ((uint32_t)(domid) << 16))
#define GNT_WORD_FLAGS(w)       ((uint16_t)(w))
#define GNT_WORD_DOMID(w)       ((uint16_t)((w) >> 16))

/* How many times a changing entry is re-read before giving up (-EAGAIN). */
#define GNT_ACQUIRE_TRIES  8

/*
 * May grantee use an entry whose first word is w, for writing if write?
 * 0 with *next = w plus reading (and writing); -ENOENT if the entry does
 * not grant access to grantee; -EACCES if it is read-only and write is set.
 */
int gnt_use_check(uint32_t w, domid_t grantee, bool write, uint32_t *next);

/*
 * Mark a live entry in use (the granter may be changing it at the same
 * time): gnt_use_check, then compare-and-swap, retried while the entry
 * changes under us. Same results, or -EAGAIN after GNT_ACQUIRE_TRIES.
 */
int gnt_entry_acquire(uint32_t *word, domid_t grantee, bool write);

/* Clear hypervisor bits (MICA_GTF_reading/writing) in a live entry. */
void gnt_entry_clear(uint32_t *word, uint16_t bits);

/* The hypervisor's count of uses of one entry: the truth behind its flags. */
struct gnt_active {
    uint32_t pins;              /* maps and copies in progress */
    uint32_t wpins;             /* those that may write */
};

void gnt_active_get(struct gnt_active *a, bool write);
/* One use ends; returns the flag bits to clear in the entry (maybe 0). */
uint16_t gnt_active_put(struct gnt_active *a, bool write);

/* Argument checks: 0 or -EINVAL. */
int gnt_map_check(const struct mica_gnttab_map *op);
int gnt_copy_check(const struct mica_gnttab_copy *op);
int gnt_setup_check(const uint64_t *gfns, uint64_t nr_frames);

/* Where entry ref lives in a table of nr_frames pages; false if outside. */
bool gnt_ref_locate(uint64_t ref, unsigned int nr_frames, unsigned int *frame,
                    unsigned int *offset);

#endif
