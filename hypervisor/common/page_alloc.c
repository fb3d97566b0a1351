/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frame table and the buddy allocator (<mica/mm.h>).
 *
 * Every machine frame has a struct frame recording its owner. Frames handed
 * to the allocator carry FRAME_POOL for good; a block of 2^k frames, free or
 * allocated, is marked by FRAME_HEAD and its order on its first frame.
 *
 * Free blocks sit on one doubly linked list per order. The 8-byte struct
 * frame has no room for two links, so the links live in the first 16 bytes
 * of each free block's head frame, reached through mfn_to_virt(). This means
 * RAM must be mapped before frames_add_free() hands it over. A frame's link
 * words are cleared whenever it leaves a list, so memory that was scrubbed
 * stays all zero until it is next allocated.
 *
 * Scrubbing can be slow (a 1 GiB block), so it runs outside the lock with
 * the block marked FRAME_BUSY; a free or reassign that races with it is a
 * double free like any other.
 *
 * The callers are the hypervisor's own code, which checks and refuses what
 * a guest asks for before it gets here: a request that breaks the
 * allocator's rules (a double free, a frame that is not a block, a bad
 * owner, an unpin too many, a range already in the pool) is a hypervisor
 * bug and panics, rather than being logged and leaving state that may
 * already be corrupt.
 */
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/lib.h>
#include <mica/spinlock.h>

/* Private frame flags; FRAME_HEAD (0x01) is the public one. */
#define FRAME_POOL   0x02   /* given to the allocator: free or allocated from it */
#define FRAME_BUSY   0x04   /* head of a block being scrubbed outside the lock */
#define FRAME_ORPHAN 0x08   /* freed by its domain while pinned: the last unpin frees it */

#define FRAMES_BELOW_4G  (1ull << (32 - PAGE_SHIFT))

struct free_link {
    mfn_t prev, next;       /* INVALID_MFN at the ends */
};

static struct frame *frame_table;
static mfn_t nr_frames;
static mfn_t free_head[MAX_ORDER + 1];
static mfn_t nr_total;      /* frames ever added to the pool */
static mfn_t nr_free;
static spinlock_t heap_lock = SPINLOCK_INIT;

static struct free_link *link_of(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

static void list_push(unsigned int order, mfn_t mfn)
{
    struct free_link *l = link_of(mfn);

    l->prev = INVALID_MFN;
    l->next = free_head[order];
    if (l->next != INVALID_MFN)
        link_of(l->next)->prev = mfn;
    free_head[order] = mfn;
}

static void list_del(unsigned int order, mfn_t mfn)
{
    struct free_link *l = link_of(mfn);

    if (l->prev == INVALID_MFN)
        free_head[order] = l->next;
    else
        link_of(l->prev)->next = l->next;
    if (l->next != INVALID_MFN)
        link_of(l->next)->prev = l->prev;
    l->prev = 0;
    l->next = 0;
}

static bool valid_owner(uint16_t owner)
{
    return owner_is_domain(owner) || owner == OWNER_HYP ||
           owner == OWNER_RESERVED || owner == OWNER_MODULE;
}

/* Give count frames from mfn to owner as pool frames, none of them a head. */
static void mark_frames(mfn_t mfn, mfn_t count, uint16_t owner)
{
    for (mfn_t i = 0; i < count; i++)
        frame_table[mfn + i] = (struct frame){ .owner = owner, .flags = FRAME_POOL };
}

static void set_head(mfn_t mfn, unsigned int order)
{
    frame_table[mfn].flags |= FRAME_HEAD;
    frame_table[mfn].order = (uint8_t)order;
}

static bool is_free_head(mfn_t mfn, unsigned int order)
{
    const struct frame *f = &frame_table[mfn];

    return f->owner == OWNER_FREE && (f->flags & FRAME_HEAD) && f->order == order;
}

/* Return a block to the free lists, merging it with free buddies. Lock held. */
static void release_block(mfn_t mfn, unsigned int order)
{
    mark_frames(mfn, 1ull << order, OWNER_FREE);
    for (; order < MAX_ORDER; order++) {
        mfn_t buddy = mfn ^ (1ull << order);

        if (buddy >= nr_frames || !is_free_head(buddy, order))
            break;
        list_del(order, buddy);
        frame_table[buddy].flags &= (uint8_t)~FRAME_HEAD;
        frame_table[buddy].order = 0;
        mfn &= ~(1ull << order);
    }
    set_head(mfn, order);
    list_push(order, mfn);
}

static void zero_frames(mfn_t mfn, mfn_t count)
{
    for (mfn_t i = 0; i < count; i++)
        memset(mfn_to_virt(mfn + i), 0, PAGE_SIZE);
}

void frames_init(struct frame *table, mfn_t nr)
{
    frame_table = table;
    nr_frames = nr;
    for (mfn_t i = 0; i < nr; i++)
        table[i] = (struct frame){ .owner = OWNER_RESERVED };
    for (unsigned int k = 0; k <= MAX_ORDER; k++)
        free_head[k] = INVALID_MFN;
    nr_total = 0;
    nr_free = 0;
}

/* [start, start + count) lies in the table, and none of it is in the pool yet. */
static void range_check(const char *op, mfn_t start, mfn_t count)
{
    if (start >= nr_frames || count > nr_frames - start)
        panic("%s: frames 0x%lx+0x%lx outside the frame table (0x%lx frames)",
              op, start, count, nr_frames);
    for (mfn_t i = start; i < start + count; i++)
        if (frame_table[i].flags & FRAME_POOL)
            panic("%s: frame 0x%lx already belongs to the allocator", op, i);
}

/* The largest naturally aligned block starting at mfn that ends by end. */
static unsigned int block_order_at(mfn_t mfn, mfn_t end)
{
    unsigned int k = 0;

    while (k < MAX_ORDER && !(mfn & (1ull << k)) && mfn + (2ull << k) <= end)
        k++;
    return k;
}

void frames_add_free(mfn_t start, mfn_t count)
{
    mfn_t end = start + count;
    unsigned long irq;

    if (!count)
        return;
    irq = spin_lock_irqsave(&heap_lock);
    range_check("frames_add_free", start, count);
    for (mfn_t m = start; m < end; ) {
        unsigned int k = block_order_at(m, end);

        release_block(m, k);
        m += 1ull << k;
    }
    nr_total += count;
    nr_free += count;
    spin_unlock_irqrestore(&heap_lock, irq);
}

/* Would the first 2^order frames of the free block at mfn satisfy flags? */
static bool block_fits(mfn_t mfn, unsigned int order, unsigned int flags)
{
    return !(flags & FA_BELOW_4G) || mfn + (1ull << order) <= FRAMES_BELOW_4G;
}

/*
 * Find a free block of at least 2^order frames. Without FA_BELOW_4G this
 * takes the head of the first non-empty list; with it, lists are walked for
 * a block low enough, which costs time only while low memory is scarce.
 */
static mfn_t find_block(unsigned int order, unsigned int flags, unsigned int *found)
{
    for (unsigned int k = order; k <= MAX_ORDER; k++) {
        for (mfn_t m = free_head[k]; m != INVALID_MFN; m = link_of(m)->next) {
            if (block_fits(m, order, flags)) {
                *found = k;
                return m;
            }
        }
    }
    return INVALID_MFN;
}

/* Take the free block at mfn of order k, keep 2^order frames, free the rest. */
static void take_block(mfn_t mfn, unsigned int k, unsigned int order, uint16_t owner)
{
    list_del(k, mfn);
    while (k > order) {
        k--;
        set_head(mfn + (1ull << k), k);
        list_push(k, mfn + (1ull << k));
    }
    mark_frames(mfn, 1ull << order, owner);
    set_head(mfn, order);
    nr_free -= 1ull << order;
}

mfn_t frames_alloc(unsigned int order, uint16_t owner, unsigned int flags)
{
    unsigned long irq;
    unsigned int k = 0;
    mfn_t mfn;

    if (order > MAX_ORDER || !valid_owner(owner) || (flags & ~(FA_BELOW_4G | FA_ZERO)))
        panic("frames_alloc: bad request: order %u owner 0x%x flags 0x%x", order, owner, flags);
    irq = spin_lock_irqsave(&heap_lock);
    mfn = find_block(order, flags, &k);
    if (mfn != INVALID_MFN)
        take_block(mfn, k, order, owner);
    spin_unlock_irqrestore(&heap_lock, irq);

    /* The block is ours alone now; zero it without holding up others. */
    if (mfn != INVALID_MFN && (flags & FA_ZERO))
        zero_frames(mfn, 1ull << order);
    return mfn;
}

/* Why (mfn, order) is not an allocated, idle block; NULL when it is one. */
static const char *block_problem(mfn_t mfn, unsigned int order)
{
    const struct frame *f;

    if (order > MAX_ORDER || mfn >= nr_frames || (1ull << order) > nr_frames - mfn)
        return "outside the frame table";
    f = &frame_table[mfn];
    if (f->owner == OWNER_FREE)
        return "already free";
    if (!(f->flags & FRAME_POOL))
        return "not from the allocator";
    if (!(f->flags & FRAME_HEAD))
        return "not the first frame of a block";
    if (f->order != order)
        return "order differs from the allocation";
    if (f->flags & FRAME_BUSY)
        return "being scrubbed";
    if (f->flags & FRAME_ORPHAN)
        return "already freed (kept while pinned)";
    for (mfn_t i = 0; i < (1ull << order); i++)
        if (frame_table[mfn + i].pins)
            return "a frame of it is pinned (granted and in use)";
    return NULL;
}

/* Under the lock: an allocated, idle block (or panic); returns its owner. */
static uint16_t claim_block(const char *op, mfn_t mfn, unsigned int order)
{
    const char *why = block_problem(mfn, order);

    if (why)
        panic("%s: mfn 0x%lx order %u: %s", op, mfn, order, why);
    return frame_table[mfn].owner;
}

/*
 * Scrub a domain's block outside the lock, with FRAME_BUSY refusing any
 * racing free of it. Called and returns with the lock held; *irq is updated.
 */
static void scrub_unlocked(mfn_t mfn, unsigned int order, unsigned long *irq)
{
    frame_table[mfn].flags |= FRAME_BUSY;
    spin_unlock_irqrestore(&heap_lock, *irq);
    zero_frames(mfn, 1ull << order);
    *irq = spin_lock_irqsave(&heap_lock);
    frame_table[mfn].flags &= (uint8_t)~FRAME_BUSY;
}

/* Return a claimed block to the pool, scrubbed if a domain owned it. Lock held. */
static void free_claimed(mfn_t mfn, unsigned int order, uint16_t owner, unsigned long *irq)
{
    if (owner_is_domain(owner))
        scrub_unlocked(mfn, order, irq);
    release_block(mfn, order);
    nr_free += 1ull << order;
}

void frames_free(mfn_t mfn, unsigned int order)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);

    free_claimed(mfn, order, claim_block("frames_free", mfn, order), &irq);
    spin_unlock_irqrestore(&heap_lock, irq);
}

/* A single frame of a domain that someone still pins: kept until the last unpin. */
static bool orphan_if_pinned(mfn_t mfn)
{
    struct frame *f;

    if (mfn >= nr_frames)
        return false;
    f = &frame_table[mfn];
    if (!f->pins || !owner_is_domain(f->owner) ||
        (f->flags & (FRAME_ORPHAN | FRAME_BUSY)) || !(f->flags & FRAME_HEAD) || f->order)
        return false;
    f->flags |= FRAME_ORPHAN;
    return true;
}

void frame_free_domain(mfn_t mfn)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);

    if (!orphan_if_pinned(mfn))
        free_claimed(mfn, 0, claim_block("frame_free_domain", mfn, 0), &irq);
    spin_unlock_irqrestore(&heap_lock, irq);
}

void frames_split(mfn_t mfn, unsigned int order)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);

    claim_block("frames_split", mfn, order);
    for (mfn_t i = 0; i < (1ull << order); i++)
        set_head(mfn + i, 0);
    spin_unlock_irqrestore(&heap_lock, irq);
}

void frames_reassign(mfn_t mfn, unsigned int order, uint16_t new_owner)
{
    unsigned long irq;
    uint16_t owner;

    if (!valid_owner(new_owner))
        panic("frames_reassign: mfn 0x%lx: bad new owner 0x%x", mfn, new_owner);
    irq = spin_lock_irqsave(&heap_lock);
    owner = claim_block("frames_reassign", mfn, order);
    if (owner_is_domain(owner) && owner != new_owner)
        scrub_unlocked(mfn, order, &irq);
    mark_frames(mfn, 1ull << order, new_owner);
    set_head(mfn, order);
    spin_unlock_irqrestore(&heap_lock, irq);
}

void frames_set_owner(mfn_t start, mfn_t count, uint16_t owner)
{
    unsigned long irq;

    if (!valid_owner(owner))
        panic("frames_set_owner: bad owner 0x%x", owner);
    if (!count)
        return;
    irq = spin_lock_irqsave(&heap_lock);
    range_check("frames_set_owner", start, count);
    for (mfn_t i = start; i < start + count; i++)
        frame_table[i].owner = owner;
    spin_unlock_irqrestore(&heap_lock, irq);
}

/* Frames beyond the table are not RAM we manage: report them reserved. */
uint16_t frame_owner(mfn_t mfn)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    uint16_t owner = mfn < nr_frames ? frame_table[mfn].owner : OWNER_RESERVED;

    spin_unlock_irqrestore(&heap_lock, irq);
    return owner;
}

bool frame_pin(mfn_t mfn, uint16_t owner)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    bool ok = mfn < nr_frames && owner_is_domain(owner) &&
              frame_table[mfn].owner == owner && frame_table[mfn].pins != UINT32_MAX &&
              !(frame_table[mfn].flags & (FRAME_ORPHAN | FRAME_BUSY));

    if (ok)
        frame_table[mfn].pins++;
    spin_unlock_irqrestore(&heap_lock, irq);
    return ok;
}

void frame_unpin(mfn_t mfn)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    struct frame *f;

    if (mfn >= nr_frames || !frame_table[mfn].pins)
        panic("frame_unpin: mfn 0x%lx is not pinned", mfn);
    f = &frame_table[mfn];
    if (!--f->pins && (f->flags & FRAME_ORPHAN)) {
        f->flags &= (uint8_t)~FRAME_ORPHAN;
        free_claimed(mfn, 0, f->owner, &irq);
    }
    spin_unlock_irqrestore(&heap_lock, irq);
}

uint32_t frame_pins(mfn_t mfn)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    uint32_t n = mfn < nr_frames ? frame_table[mfn].pins : 0;

    spin_unlock_irqrestore(&heap_lock, irq);
    return n;
}

mfn_t frames_total(void)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    mfn_t n = nr_total;

    spin_unlock_irqrestore(&heap_lock, irq);
    return n;
}

mfn_t frames_free_count(void)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    mfn_t n = nr_free;

    spin_unlock_irqrestore(&heap_lock, irq);
    return n;
}

mfn_t frames_owned_by(uint16_t owner)
{
    unsigned long irq = spin_lock_irqsave(&heap_lock);
    mfn_t n = 0;

    for (mfn_t i = 0; i < nr_frames; i++)
        n += frame_table[i].owner == owner;
    spin_unlock_irqrestore(&heap_lock, irq);
    return n;
}
