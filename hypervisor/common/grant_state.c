/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant entries and their flags: the state transitions, free of domains and
 * page tables (grant_state.h). The entry lives in the granter's RAM and the
 * granter may rewrite it at any moment, so every decision is taken on one
 * word read once, and written back only if the word is still that value.
 */
#include <mica/errno.h>
#include "grant_state.h"

int gnt_use_check(uint32_t w, domid_t grantee, bool write, uint32_t *next)
{
    uint16_t flags = GNT_WORD_FLAGS(w);

    if ((flags & MICA_GTF_type_mask) != MICA_GTF_permit_access ||
        GNT_WORD_DOMID(w) != grantee)
        return -ENOENT;
    if (write && (flags & MICA_GTF_readonly))
        return -EACCES;
    flags |= MICA_GTF_reading | (write ? MICA_GTF_writing : 0);
    *next = GNT_WORD(flags, grantee);
    return 0;
}

int gnt_entry_acquire(uint32_t *word, domid_t grantee, bool write)
{
    uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE), next;

    for (unsigned int i = 0; i < GNT_ACQUIRE_TRIES; i++) {
        int rc = gnt_use_check(old, grantee, write, &next);

        if (rc)
            return rc;
        if (next == old)
            return 0;
        /* On failure old is reloaded with what the granter wrote meanwhile. */
        if (__atomic_compare_exchange_n(word, &old, next, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return 0;
    }
    return -EAGAIN;
}

void gnt_entry_clear(uint32_t *word, uint16_t bits)
{
    if (bits)
        __atomic_fetch_and(word, ~(uint32_t)bits, __ATOMIC_SEQ_CST);
}

void gnt_active_get(struct gnt_active *a, bool write)
{
    a->pins++;
    if (write)
        a->wpins++;
}

uint16_t gnt_active_put(struct gnt_active *a, bool write)
{
    uint16_t bits = 0;

    if (write && --a->wpins == 0)
        bits |= MICA_GTF_writing;
    if (--a->pins == 0)
        bits |= MICA_GTF_reading;
    return bits;
}

int gnt_map_check(const struct mica_gnttab_map *op)
{
    if ((op->flags & ~MICA_GNTMAP_readonly) || op->pad || op->gfn >= MICA_GFN_LIMIT)
        return -EINVAL;
    return 0;
}

static bool copy_ptr_ok(const struct mica_gnttab_copy_ptr *p, uint16_t len)
{
    return !p->pad && p->offset <= PAGE_SIZE && len <= PAGE_SIZE - p->offset;
}

int gnt_copy_check(const struct mica_gnttab_copy *op)
{
    if ((op->flags & ~(MICA_GNTCOPY_src_gref | MICA_GNTCOPY_dst_gref)) || op->pad ||
        !copy_ptr_ok(&op->src, op->len) || !copy_ptr_ok(&op->dst, op->len))
        return -EINVAL;
    return 0;
}

int gnt_setup_check(const uint64_t *gfns, uint64_t nr_frames)
{
    if (nr_frames > MICA_GNTTAB_MAX_FRAMES)
        return -EINVAL;
    for (uint64_t i = 0; i < nr_frames; i++) {
        if (gfns[i] >= MICA_GFN_LIMIT)
            return -EINVAL;
        for (uint64_t j = 0; j < i; j++)
            if (gfns[j] == gfns[i])
                return -EINVAL;
    }
    return 0;
}

bool gnt_ref_locate(uint64_t ref, unsigned int nr_frames, unsigned int *frame,
                    unsigned int *offset)
{
    if (ref >= (uint64_t)nr_frames * MICA_GNTTAB_ENTRIES_PER_FRAME)
        return false;
    *frame = (unsigned int)(ref / MICA_GNTTAB_ENTRIES_PER_FRAME);
    *offset = (unsigned int)(ref % MICA_GNTTAB_ENTRIES_PER_FRAME) *
              sizeof(struct mica_grant_entry);
    return true;
}
