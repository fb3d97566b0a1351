/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor heap (<mica/xmalloc.h>) on top of frames_alloc(OWNER_HYP).
 *
 * Requests up to 2048 bytes come from power-of-two size classes (16..2048).
 * Each class carves single pages ("slabs") that start with a struct slab
 * header; xfree finds it by rounding the pointer down to its page. Larger
 * requests get a whole block of pages with a 16-byte struct big header in
 * front, so the returned pointer is never page aligned and the two kinds
 * cannot be confused. One-page slabs keep xfree simple at the price of the
 * top classes: a 2048-byte slab holds one object, a 1024-byte one three.
 *
 * A free object holds the free-list link and a poison word; xfree uses the
 * poison to notice a probable double free and confirms it on the slab's
 * free list before it panics, so user data that happens to match is safe.
 * A pointer that is not a live heap object (a double free, the middle of
 * an object, a page of another owner) is a hypervisor bug: panic.
 */
#include <mica/xmalloc.h>
#include <mica/panic.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/spinlock.h>

#define MIN_SHIFT    4                      /* 16 bytes */
#define MAX_SHIFT    11                     /* 2048 bytes */
#define NR_CLASSES   (MAX_SHIFT - MIN_SHIFT + 1)
#define OBJ_ALIGN        16

#define SLAB_MAGIC   0x534c4142u            /* "SLAB" */
#define BIG_MAGIC    0x42494721u            /* "BIG!" */
#define FREE_POISON  0x6672656564626a21ull  /* marks an object on a free list */

struct free_obj {
    struct free_obj *next;
    uint64_t poison;
};

struct slab {
    uint32_t magic;
    uint16_t cls;
    uint16_t inuse;
    struct free_obj *free;
    struct slab *prev, *next;   /* this class's slabs with a free object */
};

struct big {
    uint32_t magic;
    uint32_t order;
    uint64_t size;              /* bytes asked for, to help debugging */
};

#define SLAB_HDR  ALIGN_UP(sizeof(struct slab), OBJ_ALIGN)
BUILD_BUG_ON(sizeof(struct big) != OBJ_ALIGN);
BUILD_BUG_ON(sizeof(struct free_obj) > (1u << MIN_SHIFT));

static struct slab *partial[NR_CLASSES];
static spinlock_t xmalloc_lock = SPINLOCK_INIT;

static size_t class_size(unsigned int cls)
{
    return (size_t)1 << (cls + MIN_SHIFT);
}

static unsigned int size_class(size_t size)
{
    unsigned int cls = 0;

    while (class_size(cls) < size)
        cls++;
    return cls;
}

static size_t slab_capacity(unsigned int cls)
{
    return (PAGE_SIZE - SLAB_HDR) / class_size(cls);
}

static void partial_add(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

static void partial_del(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

/* A fresh slab page with every object on its free list, in address order. */
static struct slab *slab_new(unsigned int cls)
{
    mfn_t mfn = frames_alloc(0, OWNER_HYP, 0);
    struct slab *s;
    char *base;

    if (mfn == INVALID_MFN)
        return NULL;
    s = mfn_to_virt(mfn);
    *s = (struct slab){ .magic = SLAB_MAGIC, .cls = (uint16_t)cls };
    base = (char *)s + SLAB_HDR;
    for (size_t i = slab_capacity(cls); i-- > 0; ) {
        struct free_obj *o = (struct free_obj *)(base + i * class_size(cls));

        o->next = s->free;
        o->poison = FREE_POISON;
        s->free = o;
    }
    return s;
}

static void *slab_alloc(unsigned int cls)
{
    unsigned long irq = spin_lock_irqsave(&xmalloc_lock);
    struct slab *s = partial[cls];
    struct free_obj *o;

    if (!s) {
        /* frames_alloc takes its own lock; do not nest it in ours. */
        spin_unlock_irqrestore(&xmalloc_lock, irq);
        s = slab_new(cls);
        if (!s)
            return NULL;
        irq = spin_lock_irqsave(&xmalloc_lock);
        partial_add(s);
    }
    o = s->free;
    s->free = o->next;
    s->inuse++;
    if (!s->free)
        partial_del(s);
    spin_unlock_irqrestore(&xmalloc_lock, irq);
    o->next = NULL;
    o->poison = 0;
    return o;
}

static void *big_alloc(size_t size)
{
    unsigned int order = 0;
    struct big *b;
    mfn_t mfn;

    if (size > (PAGE_SIZE << MAX_ORDER) - sizeof(struct big))
        return NULL;
    while ((PAGE_SIZE << order) < size + sizeof(struct big))
        order++;
    mfn = frames_alloc(order, OWNER_HYP, 0);
    if (mfn == INVALID_MFN)
        return NULL;
    b = mfn_to_virt(mfn);
    *b = (struct big){ .magic = BIG_MAGIC, .order = order, .size = size };
    return b + 1;
}

void *xmalloc(size_t size)
{
    if (!size)
        return NULL;
    if (size <= class_size(NR_CLASSES - 1))
        return slab_alloc(size_class(size));
    return big_alloc(size);
}

void *xzalloc(size_t size)
{
    void *p = xmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

static bool on_free_list(const struct slab *s, const struct free_obj *o)
{
    for (const struct free_obj *f = s->free; f; f = f->next)
        if (f == o)
            return true;
    return false;
}

/* Why p cannot be an object of slab s; NULL when it can. Lock held. */
static const char *slab_problem(const struct slab *s, const void *p)
{
    size_t off = (size_t)((const char *)p - (const char *)s);

    if (s->cls >= NR_CLASSES)
        return "corrupt slab header";
    if (off < SLAB_HDR || (off - SLAB_HDR) % class_size(s->cls) ||
        (off - SLAB_HDR) / class_size(s->cls) >= slab_capacity(s->cls))
        return "not the start of an object";
    if (((const struct free_obj *)p)->poison == FREE_POISON && on_free_list(s, p))
        return "double free";
    return NULL;
}

static void slab_free(struct slab *s, void *p)
{
    unsigned long irq = spin_lock_irqsave(&xmalloc_lock);
    const char *why = slab_problem(s, p);
    struct free_obj *o = p;
    bool empty = false;

    if (why)
        panic("xfree: %p: %s", p, why);
    if (!s->free)
        partial_add(s);
    o->next = s->free;
    o->poison = FREE_POISON;
    s->free = o;
    if (--s->inuse == 0) {
        partial_del(s);
        s->magic = 0;   /* a stale pointer into this page is now refused */
        empty = true;
    }
    spin_unlock_irqrestore(&xmalloc_lock, irq);
    if (empty)
        frames_free(virt_to_mfn(s), 0);
}

static void big_free(struct big *b)
{
    unsigned int order = b->order;

    b->magic = 0;
    frames_free(virt_to_mfn(b), order);
}

void xfree(void *p)
{
    char *page = (char *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);

    if (!p)
        return;
    /* Only read a header in a page the heap could own. */
    if (((uintptr_t)p & (OBJ_ALIGN - 1)) || frame_owner(virt_to_mfn(page)) != OWNER_HYP)
        panic("xfree: %p: not a heap pointer", p);
    if (*(uint32_t *)page == SLAB_MAGIC)
        slab_free((struct slab *)page, p);
    else if (*(uint32_t *)page == BIG_MAGIC && (char *)p == page + sizeof(struct big))
        big_free((struct big *)page);
    else
        panic("xfree: %p: not a heap pointer (or already freed)", p);
}

void *page_alloc_hyp(unsigned int order)
{
    mfn_t mfn = frames_alloc(order, OWNER_HYP, FA_ZERO);

    return mfn == INVALID_MFN ? NULL : mfn_to_virt(mfn);
}

void page_free_hyp(void *va, unsigned int order)
{
    mfn_t mfn;

    if (!va)
        return;
    mfn = virt_to_mfn(va);
    if (((uintptr_t)va & (PAGE_SIZE - 1)) || frame_owner(mfn) != OWNER_HYP)
        panic("page_free_hyp: %p: not a hypervisor page", va);
    frames_free(mfn, order);
}
