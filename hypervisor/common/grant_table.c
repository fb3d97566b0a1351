/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables (public/grant_table.h; docs/abi.md is the reference).
 *
 * A granter's table lives in its own RAM (the pages it registered with
 * setup_table, pinned while registered) and it may rewrite any entry at any
 * moment. So the hypervisor reads an entry afresh for every use, marks it in
 * use with a compare-and-swap (grant_state.c), and keeps the truth in its
 * own per-entry pin counts; the entry's reading/writing bits are cleared when
 * the count they stand for drops to zero. Every frame a map or a copy uses
 * is pinned (frame_pin()): it stays allocated, whatever its owner does,
 * until the use ends.
 *
 * One lock, gnt_lock, covers every domain's grant state (the registry of
 * tables, pin counts, maptracks) and is held for one operation at a time.
 * A grantee's p2m changes under its mem_lock, as memory_op's do. Lock
 * order: gnt_lock, a domain's mem_lock, a p2m's lock, the frame allocator's;
 * the domain list's lock (domain_get_target(), domain_put()) is taken under
 * gnt_lock and mem_lock too. A put there may be a granter's last and free
 * it under those locks: nothing domain_free() takes is one of them.
 *
 * Teardown rule: a dying domain first unmaps every grant it has mapped. If
 * none of its own grants is mapped anywhere it is freed at once; otherwise
 * it stays (dying, unknown to lookups, its frames allocated) until the last
 * mapping of its grants is unmapped, by the grantee or by the grantee's own
 * teardown, which then frees it.
 */
#include <mica/grant_table.h>
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/grant_table.h>
#include "grant_state.h"
#include "domain_priv.h"

#define MAPTRACK_ORDER        1    /* 256 slots of 32 bytes: two pages */

struct maptrack {
    struct grant_table *granter;   /* NULL: slot free */
    mfn_t mfn;                     /* the granter's frame, pinned */
    gfn_t gfn;                     /* where it is mapped in the grantee */
    uint32_t ref;
    bool write;
};
BUILD_BUG_ON(sizeof(struct maptrack) * MICA_GNTTAB_MAX_MAPTRACK >
             (PAGE_SIZE << MAPTRACK_ORDER));

struct grant_table {
    struct domain *d;
    bool dying;                    /* being destroyed: no new use of its grants */
    /* As granter. */
    unsigned int nr_frames;
    mfn_t frame[MICA_GNTTAB_MAX_FRAMES];   /* table pages, pinned */
    struct gnt_active *active;     /* one per entry; nr_frames pages */
    unsigned int nr_mapped;        /* maps of its grants held by any domain */
    /* As grantee. */
    struct maptrack *maptrack;     /* allocated with the first map */
    unsigned int nr_maps;
    struct grant_table *reap_next; /* on a list of dying granters to free */
};

static spinlock_t gnt_lock = SPINLOCK_INIT;

/*
 * The granter a map or copy names (MICA_DOMID_SELF: the caller), through
 * domain_get_target() like every domain id: referenced (*gd, put by the
 * caller), with its table not dying (no new use of its frames). gnt_lock
 * held. 0 or -ESRCH.
 */
static int granter_get(struct grant_table *me, uint16_t id, struct domain **gd,
                       struct grant_table **g)
{
    int rc = domain_get_target(me->d, id, TARGET_ANY | TARGET_ALIVE, gd);

    if (rc)
        return rc;
    *g = (*gd)->grant;
    if (!*g || (*g)->dying) {
        domain_put(*gd);
        *gd = NULL;
        return -ESRCH;
    }
    return 0;
}

/*
 * The frame at d's gfn if it is d's own RAM (not a grant or foreign mapping
 * in its physmap), writable for a write, pinned; else INVALID_MFN.
 */
static mfn_t own_frame_pin(struct domain *d, uint64_t gfn, bool write)
{
    unsigned int flags = 0;
    mfn_t mfn = p2m_lookup_flags(&d->p2m, gfn, &flags);

    if (mfn == INVALID_MFN || (flags & (P2M_FOREIGN | P2M_GRANT)) ||
        (write && !(flags & P2M_RW)) || !frame_pin(mfn, d->id))
        return INVALID_MFN;
    return mfn;
}

/* The first word (flags and domid) of entry ref, which is in range. */
static uint32_t *entry_word(struct grant_table *g, uint64_t ref)
{
    unsigned int frame, offset;

    gnt_ref_locate(ref, g->nr_frames, &frame, &offset);
    return (uint32_t *)((uint8_t *)mfn_to_virt(g->frame[frame]) + offset);
}

static void use_end(struct grant_table *g, uint64_t ref, bool write, mfn_t mfn)
{
    frame_unpin(mfn);
    gnt_entry_clear(entry_word(g, ref), gnt_active_put(&g->active[ref], write));
}

/*
 * Start one use of g's grant ref by domain `by`: the entry is checked and
 * marked in use, and the frame it names, which must be g's own RAM (and
 * writable in g for a write), is pinned.
 */
static int use_begin(struct grant_table *g, uint64_t ref, domid_t by, bool write,
                     mfn_t *mfn)
{
    unsigned int frame, offset;
    uint32_t *word;
    int rc;

    if (!gnt_ref_locate(ref, g->nr_frames, &frame, &offset))
        return -EINVAL;
    word = entry_word(g, ref);
    rc = gnt_entry_acquire(word, by, write);
    if (rc)
        return rc;
    gnt_active_get(&g->active[ref], write);
    *mfn = own_frame_pin(g->d, __atomic_load_n(word + 1, __ATOMIC_ACQUIRE), write);
    if (*mfn != INVALID_MFN)
        return 0;
    gnt_entry_clear(word, gnt_active_put(&g->active[ref], write));
    return -EINVAL;
}

/* ---------------------------------------------------------------- tables */

static unsigned int active_order(unsigned int nr_frames)
{
    unsigned int order = 0;

    while ((1u << order) < nr_frames)
        order++;
    return order;
}

static void table_drop(struct grant_table *gt)
{
    for (unsigned int i = 0; i < gt->nr_frames; i++)
        frame_unpin(gt->frame[i]);
    if (gt->nr_frames)
        hyp_page_free(&gt->d->budget, gt->active, active_order(gt->nr_frames));
    gt->nr_frames = 0;
    gt->active = NULL;
}

/* Pin the caller's frames at gfns[0..nr): 0, or -EINVAL with none pinned. */
static int table_pin(struct grant_table *me, const uint64_t *gfns, unsigned int nr,
                     mfn_t *mfns)
{
    unsigned int i;

    for (i = 0; i < nr; i++) {
        mfns[i] = own_frame_pin(me->d, gfns[i], true);
        if (mfns[i] == INVALID_MFN)
            break;
    }
    if (i == nr)
        return 0;
    while (i--)
        frame_unpin(mfns[i]);
    return -EINVAL;
}

static long setup_table(struct vcpu *v, struct grant_table *me, uint64_t ugfns, uint64_t nr)
{
    uint64_t gfns[MICA_GNTTAB_MAX_FRAMES] = { 0 };
    mfn_t mfns[MICA_GNTTAB_MAX_FRAMES];
    struct gnt_active *active = NULL;
    int rc;

    if (nr > MICA_GNTTAB_MAX_FRAMES)
        return -EINVAL;
    if (nr && copy_from_guest(v, gfns, ugfns, nr * sizeof(gfns[0])))
        return -EFAULT;
    rc = gnt_setup_check(gfns, nr);
    if (rc)
        return rc;
    spin_lock(&gnt_lock);
    rc = table_pin(me, gfns, (unsigned int)nr, mfns);
    if (rc)
        goto out;
    if (me->nr_mapped)
        rc = -EBUSY;
    else if (nr)
        active = hyp_page_alloc(&me->d->budget, active_order((unsigned int)nr), &rc);
    if (rc)
        goto err_unpin;
    table_drop(me);
    memcpy(me->frame, mfns, nr * sizeof(mfns[0]));
    me->nr_frames = (unsigned int)nr;
    me->active = active;
    goto out;
err_unpin:
    for (unsigned int i = 0; i < nr; i++)
        frame_unpin(mfns[i]);
out:
    spin_unlock(&gnt_lock);
    return rc;
}

static long query_size(struct vcpu *v, struct grant_table *me, uint64_t uout)
{
    struct mica_gnttab_query_size q = {
        .max_frames = MICA_GNTTAB_MAX_FRAMES,
        .max_maps = MICA_GNTTAB_MAX_MAPTRACK,
    };

    spin_lock(&gnt_lock);
    q.nr_frames = me->nr_frames;
    q.nr_maps = me->nr_maps;
    spin_unlock(&gnt_lock);
    return copy_to_guest(v, uout, &q, sizeof(q)) ? -EFAULT : 0;
}

/* ------------------------------------------------------------ map, unmap */

/* A free slot, the table made on first use (charged): 0, -ENOSPC, -EDQUOT, -ENOMEM. */
static int maptrack_free_slot(struct grant_table *me, struct maptrack **m)
{
    int rc = 0;

    if (!me->maptrack)
        me->maptrack = hyp_page_alloc(&me->d->budget, MAPTRACK_ORDER, &rc);
    for (unsigned int i = 0; me->maptrack && i < MICA_GNTTAB_MAX_MAPTRACK; i++)
        if (!me->maptrack[i].granter) {
            *m = &me->maptrack[i];
            return 0;
        }
    return rc ? rc : -ENOSPC;
}

/*
 * Undo one map. The grantee's vCPUs forget the translation before the
 * frame is unpinned (flush: not needed when none of them can run again).
 * Returns the granter if it is dying and this was its last mapped grant.
 */
static struct grant_table *maptrack_drop(struct grant_table *me, struct maptrack *m,
                                         bool flush)
{
    struct grant_table *g = m->granter;
    unsigned int flags = 0;

    spin_lock(&me->d->mem_lock);
    if (p2m_lookup_flags(&me->d->p2m, m->gfn, &flags) == m->mfn && (flags & P2M_GRANT))
        p2m_unmap(&me->d->p2m, m->gfn);
    if (flush)
        domain_p2m_flush(me->d);            /* then the tables the unmap emptied go */
    else
        p2m_free_detached(&me->d->p2m);
    spin_unlock(&me->d->mem_lock);
    use_end(g, m->ref, m->write, m->mfn);
    m->granter = NULL;
    me->nr_maps--;
    g->nr_mapped--;
    return g->dying && !g->nr_mapped ? g : NULL;
}

/* The caller's mem_lock held: nothing else changes its p2m meanwhile. */
static int map_locked(struct grant_table *me, struct mica_gnttab_map *op)
{
    struct p2m *p2m = &me->d->p2m;
    bool write = !(op->flags & MICA_GNTMAP_readonly);
    struct grant_table *g;
    struct maptrack *m;
    struct domain *gd;
    mfn_t mfn;
    int rc;

    if (p2m_lookup(p2m, op->gfn, NULL) != INVALID_MFN)
        return -EEXIST;
    rc = maptrack_free_slot(me, &m);
    if (rc)
        return rc;
    rc = granter_get(me, op->domid, &gd, &g);
    if (rc)
        return rc;
    rc = use_begin(g, op->ref, me->d->id, write, &mfn);
    if (rc)
        goto out;
    /* Tables it needs are charged to the grantee's budget: -EDQUOT past it. */
    rc = p2m_map(p2m, op->gfn, mfn, (write ? P2M_RW : 0) | P2M_GRANT);
    if (rc) {
        use_end(g, op->ref, write, mfn);
        p2m_trim(p2m, op->gfn);             /* tables made before the refusal */
        domain_p2m_flush(me->d);
        goto out;
    }
    *m = (struct maptrack){ .granter = g, .mfn = mfn, .gfn = op->gfn, .ref = op->ref,
                            .write = write };
    me->nr_maps++;
    g->nr_mapped++;
    op->handle = (uint32_t)(m - me->maptrack);
out:
    domain_put(gd);
    return rc;
}

static int map_one(struct grant_table *me, struct mica_gnttab_map *op)
{
    int rc = gnt_map_check(op);

    if (rc)
        return rc;
    spin_lock(&me->d->mem_lock);
    rc = map_locked(me, op);
    spin_unlock(&me->d->mem_lock);
    return rc;
}

static struct grant_table *map_run(struct grant_table *me, void *arg)
{
    struct mica_gnttab_map *op = arg;

    op->handle = ~0u;
    op->status = (int16_t)map_one(me, op);
    return NULL;
}

static struct grant_table *map_undo(struct grant_table *me, void *arg)
{
    const struct mica_gnttab_map *op = arg;

    return op->status ? NULL : maptrack_drop(me, &me->maptrack[op->handle], true);
}

static struct grant_table *unmap_run(struct grant_table *me, void *arg)
{
    struct mica_gnttab_unmap *op = arg;

    if (op->pad || op->handle >= MICA_GNTTAB_MAX_MAPTRACK)
        op->status = -EINVAL;
    else if (!me->maptrack || !me->maptrack[op->handle].granter)
        op->status = -ENOENT;
    else {
        op->status = 0;
        return maptrack_drop(me, &me->maptrack[op->handle], true);
    }
    return NULL;
}

/* ------------------------------------------------------------------ copy */

struct copy_side {
    struct domain *gd;             /* the granter, referenced (g set) */
    struct grant_table *g;         /* NULL: the caller's own frame */
    uint64_t ref;
    bool write;
    mfn_t mfn;                     /* pinned */
};

static int side_begin(struct grant_table *me, const struct mica_gnttab_copy_ptr *p,
                      bool gref, bool write, struct copy_side *s)
{
    int rc;

    *s = (struct copy_side){ .ref = p->ref_or_gfn, .write = write };
    if (gref) {
        rc = granter_get(me, p->domid, &s->gd, &s->g);
        if (!rc && (rc = use_begin(s->g, s->ref, me->d->id, write, &s->mfn)))
            domain_put(s->gd);
        return rc;
    }
    if (p->domid != MICA_DOMID_SELF && p->domid != me->d->id)
        return -EPERM;
    s->mfn = own_frame_pin(me->d, p->ref_or_gfn, write);
    return s->mfn == INVALID_MFN ? -EFAULT : 0;
}

static void side_end(const struct copy_side *s)
{
    if (s->g) {
        use_end(s->g, s->ref, s->write, s->mfn);
        domain_put(s->gd);
    } else {
        frame_unpin(s->mfn);
    }
}

static int copy_one(struct grant_table *me, const struct mica_gnttab_copy *op)
{
    struct copy_side src, dst;
    int rc = gnt_copy_check(op);

    if (rc)
        return rc;
    rc = side_begin(me, &op->src, op->flags & MICA_GNTCOPY_src_gref, false, &src);
    if (rc)
        return rc;
    rc = side_begin(me, &op->dst, op->flags & MICA_GNTCOPY_dst_gref, true, &dst);
    if (rc) {
        side_end(&src);
        return rc;
    }
    memmove((uint8_t *)mfn_to_virt(dst.mfn) + op->dst.offset,
            (const uint8_t *)mfn_to_virt(src.mfn) + op->src.offset, op->len);
    side_end(&dst);
    side_end(&src);
    return 0;
}

static struct grant_table *copy_run(struct grant_table *me, void *arg)
{
    struct mica_gnttab_copy *op = arg;

    op->status = (int16_t)copy_one(me, op);
    return NULL;
}

/* -------------------------------------------------------------- batches */

struct batch_kind {
    size_t size;
    /* One operation (a copy of the guest's), its OUT fields filled in;
     * both return a dying granter to free, or NULL. gnt_lock held. */
    struct grant_table *(*run)(struct grant_table *me, void *op);
    /* Take back a run whose result could not be written out, or NULL. */
    struct grant_table *(*undo)(struct grant_table *me, void *op);
};

static const struct batch_kind map_kind = { sizeof(struct mica_gnttab_map), map_run, map_undo };
static const struct batch_kind unmap_kind = { sizeof(struct mica_gnttab_unmap), unmap_run, NULL };
static const struct batch_kind copy_kind = { sizeof(struct mica_gnttab_copy), copy_run, NULL };

/* A dying granter whose last mapped grant has just gone: finish its destroy. */
static void reap(struct grant_table *g)
{
    if (g)
        domain_relinquish(g->d);
}

/*
 * Each operation is copied in and written back unchanged before it is
 * done, so the result can be written out afterwards; if that fails all the
 * same (another vCPU changed the guest's page tables), a map is undone,
 * under the same hold of gnt_lock. The operations before a bad one stay done.
 */
static long batch(struct vcpu *v, struct grant_table *me, uint64_t uops, uint64_t count,
                  const struct batch_kind *k)
{
    union {
        struct mica_gnttab_map map;
        struct mica_gnttab_unmap unmap;
        struct mica_gnttab_copy copy;
    } op;
    struct grant_table *dead, *undone;

    if (count > MICA_GNTTAB_BATCH_MAX)
        return -EINVAL;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t at = uops + i * k->size;

        bool written;

        if (copy_from_guest(v, &op, at, k->size) || copy_to_guest(v, at, &op, k->size))
            return -EFAULT;
        spin_lock(&gnt_lock);
        dead = k->run(me, &op);
        written = !copy_to_guest(v, at, &op, k->size);
        undone = !written && k->undo ? k->undo(me, &op) : NULL;
        spin_unlock(&gnt_lock);
        reap(dead);
        reap(undone);
        if (!written)
            return -EFAULT;
    }
    return 0;
}

long do_grant_table_op(struct vcpu *v, const uint64_t args[5])
{
    struct grant_table *me = v->domain->grant;

    switch (args[0]) {
    case MICA_GNTTABOP_setup_table:
        return setup_table(v, me, args[1], args[2]);
    case MICA_GNTTABOP_query_size:
        return query_size(v, me, args[1]);
    case MICA_GNTTABOP_map_grant_ref:
        return batch(v, me, args[1], args[2], &map_kind);
    case MICA_GNTTABOP_unmap_grant_ref:
        return batch(v, me, args[1], args[2], &unmap_kind);
    case MICA_GNTTABOP_copy:
        return batch(v, me, args[1], args[2], &copy_kind);
    default:
        return -ENOSYS;
    }
}

/* ------------------------------------------------------------- lifecycle */

int gnttab_domain_init(struct domain *d)
{
    int rc;
    struct grant_table *gt = hyp_zalloc(&d->budget, sizeof(*gt), &rc);

    if (!gt)
        return rc;
    gt->d = d;
    d->grant = gt;
    return 0;
}

bool gnttab_domain_release(struct domain *d)
{
    struct grant_table *gt = d->grant, *dead = NULL, *g;
    unsigned int still;

    if (!gt)
        return true;
    spin_lock(&gnt_lock);
    gt->dying = true;
    for (unsigned int i = 0; gt->maptrack && i < MICA_GNTTAB_MAX_MAPTRACK; i++) {
        if (!gt->maptrack[i].granter)
            continue;
        g = maptrack_drop(gt, &gt->maptrack[i], false);
        if (g && g != gt) {
            g->reap_next = dead;
            dead = g;
        }
    }
    still = gt->nr_mapped;
    if (!still) {
        table_drop(gt);
        d->grant = NULL;                /* granter_get() reads it under gnt_lock */
    }
    spin_unlock(&gnt_lock);
    if (still) {
        pr_info("d%u: %u of its grants still mapped by other domains; "
                "its memory is freed when they are unmapped\n", d->id, still);
    } else {
        hyp_page_free(&d->budget, gt->maptrack, MAPTRACK_ORDER);
        hyp_free(&d->budget, gt, sizeof(*gt));
    }
    while ((g = dead)) {
        dead = g->reap_next;
        reap(g);
    }
    return !still;
}
