/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine frames: the frame table (an owner recorded for every frame) and
 * the buddy allocator over the free ones.
 *
 * A call that breaks the allocator's rules (a double free, a frame that is
 * not an allocated block, a bad owner or order, an unpin too many, a range
 * outside the table or already in the pool) is a hypervisor bug: it
 * panics. Callers check and refuse what a guest asks for first.
 */
#ifndef MICA_MM_H
#define MICA_MM_H

#include <mica/types.h>

/* Owners: domain ids are 0 .. DOMID_MAX; the special owners sit above. */
#define DOMID_MAX        0x7fefu
#define OWNER_FREE       0xffffu  /* in the free pool */
#define OWNER_HYP        0xfffeu  /* hypervisor heap, page tables, stacks */
#define OWNER_RESERVED   0xfffdu  /* firmware, MMIO holes, hypervisor image */
#define OWNER_MODULE     0xfffcu  /* multiboot2 modules, until consumed */
#define owner_is_domain(o)  ((o) <= DOMID_MAX)

#define MAX_ORDER        20       /* largest block: 2^20 frames = 4 GiB */
#define INVALID_MFN      (~(mfn_t)0)

struct frame {
    uint16_t owner;     /* OWNER_* or a domain id */
    uint8_t  order;     /* order of the block this frame heads (free or allocated) */
    uint8_t  flags;     /* FRAME_* */
    uint32_t pins;      /* frame_pin() count: a pinned frame is freed only after its last unpin */
};
#define FRAME_HEAD  0x01    /* first frame of a free or allocated block */

/*
 * Boot-time set-up: table covers frames [0, nr_frames), every frame starts
 * OWNER_RESERVED. frames_add_free() then hands ranges of RAM to the allocator
 * (any alignment; it splits them into aligned buddy blocks), each frame
 * once: the caller clips overlapping ranges of the firmware's map.
 */
void frames_init(struct frame *table, mfn_t nr_frames);
void frames_add_free(mfn_t start, mfn_t count);

/* Allocation flags. */
#define FA_BELOW_4G   0x1u   /* every frame below 4 GiB (for 32-bit pointers) */
#define FA_ZERO       0x2u   /* zero the block */

/*
 * Allocate 2^order contiguous, naturally aligned frames for owner.
 * Returns the first mfn, or INVALID_MFN if no block is free. An order
 * above MAX_ORDER, an owner that is not one or an unknown flag panics.
 */
mfn_t frames_alloc(unsigned int order, uint16_t owner, unsigned int flags);

/*
 * Free a block from frames_alloc (same order). Frames that belonged to a
 * domain are scrubbed (zeroed) before they return to the pool, so no data
 * passes from one domain to the next.
 */
void frames_free(mfn_t mfn, unsigned int order);

/* Hand an allocated block to a new owner, scrubbing it if it held domain data. */
void frames_reassign(mfn_t mfn, unsigned int order, uint16_t new_owner);

/* Mark already-reserved frames (not in the pool) with a special owner (image, modules). */
void frames_set_owner(mfn_t start, mfn_t count, uint16_t owner);

uint16_t frame_owner(mfn_t mfn);

/*
 * Pins: something outside the owning domain depends on one of its frames
 * (a grant mapping or copy, a registered grant-table page, a foreign
 * mapping by the control domain). frame_pin() takes one only if owner owns
 * the frame and has not freed it (false otherwise: a guest's request, to
 * refuse); frames_free() and frames_reassign() of a block holding a pinned
 * frame panic, so a domain's frame is never freed under a mapping of it.
 */
bool frame_pin(mfn_t mfn, uint16_t owner);
/*
 * Drops a pin; the last one frees (scrubbed) a frame its domain has freed.
 * A frame that is not pinned panics.
 */
void frame_unpin(mfn_t mfn);
uint32_t frame_pins(mfn_t mfn);

/*
 * Domain memory is allocated in blocks, then split into single frames so
 * that each can be freed on its own (memory_op decrease_reservation).
 * frames_split() turns an allocated block into 2^order allocated order-0
 * blocks with the same owner (and panics if it is not one).
 */
void frames_split(mfn_t mfn, unsigned int order);
/*
 * Free one order-0 frame of a domain (decrease_reservation, domain
 * destroy). If it is pinned it is not freed now: it stays allocated (and
 * cannot be pinned again) until frame_unpin() drops the last pin, which
 * scrubs and frees it. Nothing is ever freed twice: a second free panics.
 */
void frame_free_domain(mfn_t mfn);
mfn_t frames_total(void);          /* frames ever added to the pool */
mfn_t frames_free_count(void);     /* frames free now */
mfn_t frames_owned_by(uint16_t owner);  /* count, by scanning the table */

/* Provided by the arch (identity direct map) or by the unit-test shim. */
void *mfn_to_virt(mfn_t mfn);
mfn_t virt_to_mfn(const void *va);

#endif
