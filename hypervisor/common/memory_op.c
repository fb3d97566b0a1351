/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_memory_op (public/memory.h): a domain's reservation, and the
 * control domain's foreign mappings.
 *
 * A domain's own frames are single frames recorded in its p2m and counted
 * in nr_pages; populate adds zeroed ones up to max_pages, decrease removes
 * them (scrubbed as they are freed). A foreign mapping is another domain's
 * frame in the control domain's p2m, flagged P2M_FOREIGN and holding a pin
 * on the frame (frame_pin()): the frame outlives its owner's freeing of it
 * until the mapping goes, and freeing either domain releases exactly what
 * it holds (domain.c). Changes to one p2m are serialised by its domain's
 * mem_lock; a removed entry is flushed from every vCPU before its frame can
 * be reused. Every call validates all its frames before changing any.
 */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/memory.h>
#include <public/domctl.h>
#include "domctl_check.h"

BUILD_BUG_ON(MICA_GFN_LIMIT != P2M_MAX_GFN);

/*
 * Tables made for gfns[0..nr-1] (gfn_list) or [first, first + nr) by a call
 * that then failed are detached and, after the flush, freed and uncharged.
 */
static void unprepare(struct domain *d, const uint64_t *gfn_list, uint64_t first, uint32_t nr)
{
    for (uint32_t i = 0; i < nr; i++)
        p2m_trim(&d->p2m, gfn_list ? gfn_list[i] : first + i);
    domain_p2m_flush(d);
}

/*
 * Validate, make the tables (charged to d's budget: -EDQUOT past it), then
 * allocate every frame, then map them all. mem_lock held.
 */
static long populate(struct domain *d, const uint64_t *gfns, mfn_t *mfns, uint32_t nr)
{
    uint32_t i;
    int rc = 0;

    if (d->nr_pages + nr > d->max_pages)
        return -ENOSPC;
    for (i = 0; i < nr; i++)
        if (p2m_lookup_flags(&d->p2m, gfns[i], NULL) != INVALID_MFN)
            return -EEXIST;
    if (nr > frames_free_count())
        return -ENOMEM;
    for (i = 0; i < nr && !rc; i++)
        rc = p2m_prepare(&d->p2m, gfns[i]);
    if (rc)
        goto err_tables;
    for (i = 0; i < nr; i++)
        if ((mfns[i] = frames_alloc(0, d->id, FA_ZERO)) == INVALID_MFN)
            break;
    if (i < nr) {
        while (i--)
            frames_free(mfns[i], 0);
        rc = -ENOMEM;
        goto err_tables;
    }
    for (i = 0; i < nr; i++)
        p2m_map(&d->p2m, gfns[i], mfns[i], P2M_RW);
    d->nr_pages += nr;
    return 0;
err_tables:
    unprepare(d, gfns, 0, nr);
    return rc;
}

/* Validate, unmap all, flush, then free (scrubbed), tables left empty too. mem_lock held. */
static long decrease(struct domain *d, const uint64_t *gfns, mfn_t *mfns, uint32_t nr)
{
    unsigned int flags;

    for (uint32_t i = 0; i < nr; i++) {
        mfns[i] = p2m_lookup_flags(&d->p2m, gfns[i], &flags);
        if (mfns[i] == INVALID_MFN)
            return -ENOENT;
        if ((flags & (P2M_FOREIGN | P2M_GRANT)) || frame_owner(mfns[i]) != d->id)
            return -EINVAL;
    }
    for (uint32_t i = 0; i < nr; i++)
        p2m_unmap(&d->p2m, gfns[i]);
    domain_p2m_flush(d);
    for (uint32_t i = 0; i < nr; i++)
        frame_free_domain(mfns[i]);
    d->nr_pages -= nr;
    return 0;
}

/* The gfns of a reservation call, sorted and checked: 0 or -errno. */
static long read_gfns(struct vcpu *v, const struct mica_memop_reservation *r, uint64_t *gfns)
{
    if (!(r->flags & MICA_MEMOP_F_LIST)) {
        if (!memop_range_ok(r->first_gfn, r->nr))
            return -EINVAL;
        for (uint32_t i = 0; i < r->nr; i++)
            gfns[i] = r->first_gfn + i;
        return 0;
    }
    if (copy_from_guest(v, gfns, r->gfn_list, r->nr * sizeof(*gfns)))
        return -EFAULT;
    return memop_check_gfns(gfns, r->nr);
}

static long memop_reservation(struct vcpu *v, uint64_t arg, bool grow)
{
    struct mica_memop_reservation r;
    struct domain *d;
    uint64_t *gfns;
    long rc = 0;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.flags & ~MICA_MEMOP_F_LIST)
        return -EINVAL;
    if (r.nr > MICA_MEMOP_MAX_EXTENTS)
        return -E2BIG;
    rc = domain_get_target(v->domain, r.domid, TARGET_RUNNING, &d);
    if (rc)
        return rc;
    gfns = r.nr ? xmalloc(2 * r.nr * sizeof(*gfns)) : NULL;
    if (r.nr && !gfns)
        rc = -ENOMEM;
    if (gfns && !(rc = read_gfns(v, &r, gfns))) {
        spin_lock(&d->mem_lock);
        if (d->relinquished)
            rc = -ESRCH;                    /* it died after the lookup */
        else if (grow)
            rc = populate(d, gfns, gfns + r.nr, r.nr);
        else
            rc = decrease(d, gfns, gfns + r.nr, r.nr);
        spin_unlock(&d->mem_lock);
    }
    xfree(gfns);
    domain_put(d);
    return rc ? rc : (long)r.nr;
}

static long memop_query(struct vcpu *v, uint64_t domid, bool max)
{
    struct domain *d;
    long rc = domain_get_target(v->domain, domid, TARGET_ALIVE, &d);

    if (rc)
        return rc;
    rc = (long)(max ? d->max_pages : d->nr_pages);
    domain_put(d);
    return rc;
}

/*
 * Pin the nr frames of d from gfn (each d's own, not a foreign mapping it
 * holds): 0, or -ENOENT / -EINVAL with nothing pinned.
 */
static long pin_frames(struct domain *d, uint64_t gfn, uint32_t nr, mfn_t *mfns)
{
    unsigned int flags;
    long rc = 0;
    uint32_t i;

    for (i = 0; i < nr && !rc; i++) {
        mfns[i] = p2m_lookup_flags(&d->p2m, gfn + i, &flags);
        if (mfns[i] == INVALID_MFN)
            rc = -ENOENT;
        else if (flags & (P2M_FOREIGN | P2M_GRANT))
            rc = -EINVAL;
        else if (!frame_pin(mfns[i], d->id))
            rc = -ENOENT;               /* not its frame (any more) */
    }
    if (rc)
        for (i--; i--; )
            frame_unpin(mfns[i]);
    return rc;
}

/* What the caller has at dst..dst+nr-1 may be replaced: its own or foreign. */
static long dst_replaceable(struct domain *c, uint64_t dst, uint32_t nr)
{
    unsigned int flags;
    int rc;

    for (uint32_t i = 0; i < nr; i++) {
        mfn_t m = p2m_lookup_flags(&c->p2m, dst + i, &flags);

        if (m != INVALID_MFN && ((flags & P2M_GRANT) ||
                                 (!(flags & P2M_FOREIGN) && frame_owner(m) != c->id)))
            return -EBUSY;
        if ((rc = p2m_prepare(&c->p2m, dst + i)))
            return rc;
    }
    return 0;
}

/* Release what a foreign map replaced: olds[i] is a frame, or INVALID_MFN. */
static void release_old(struct domain *c, const mfn_t *olds, const bool *foreign, uint32_t nr)
{
    for (uint32_t i = 0; i < nr; i++) {
        if (olds[i] == INVALID_MFN)
            continue;
        if (foreign[i]) {
            frame_unpin(olds[i]);
        } else {
            frame_free_domain(olds[i]);
            c->nr_pages--;
        }
    }
}

/* c's mem_lock held; d is referenced and not dying. */
static long foreign_map(struct domain *c, struct domain *d, const struct mica_memop_foreign *f)
{
    unsigned int rw = (f->flags & MICA_FOREIGN_READONLY) ? 0 : P2M_RW, flags;
    mfn_t *mfns = xmalloc(2 * f->nr * sizeof(mfn_t)), *olds = mfns + f->nr;
    bool foreign[MICA_FOREIGN_MAX];
    long rc;

    if (!mfns)
        return -ENOMEM;
    rc = dst_replaceable(c, f->dst_gfn, f->nr);
    if (!rc)
        rc = pin_frames(d, f->gfn, f->nr, mfns);
    if (rc)
        unprepare(c, NULL, f->dst_gfn, f->nr);   /* the tables dst_replaceable() made */
    if (!rc) {
        bool flush = false;

        for (uint32_t i = 0; i < f->nr; i++) {
            olds[i] = p2m_lookup_flags(&c->p2m, f->dst_gfn + i, &flags);
            foreign[i] = flags & P2M_FOREIGN;
            flush |= olds[i] != INVALID_MFN;
            p2m_map(&c->p2m, f->dst_gfn + i, mfns[i], rw | P2M_FOREIGN);
        }
        if (flush)
            arch_domain_flush_tlb(c);
        release_old(c, olds, foreign, f->nr);
    }
    xfree(mfns);
    return rc;
}

/* c's mem_lock held. */
static long foreign_unmap(struct domain *c, const struct mica_memop_foreign *f)
{
    mfn_t *mfns = xmalloc(f->nr * sizeof(mfn_t));
    unsigned int flags;
    long rc = 0;

    if (!mfns)
        return -ENOMEM;
    for (uint32_t i = 0; i < f->nr && !rc; i++) {
        mfns[i] = p2m_lookup_flags(&c->p2m, f->dst_gfn + i, &flags);
        if (mfns[i] == INVALID_MFN)
            rc = -ENOENT;
        else if (!(flags & P2M_FOREIGN))
            rc = -EINVAL;
    }
    if (!rc) {
        for (uint32_t i = 0; i < f->nr; i++)
            p2m_unmap(&c->p2m, f->dst_gfn + i);
        domain_p2m_flush(c);
        for (uint32_t i = 0; i < f->nr; i++)
            frame_unpin(mfns[i]);
    }
    xfree(mfns);
    return rc;
}

static long foreign_check(struct vcpu *v, const struct mica_memop_foreign *f, bool map)
{
    if (map ? (f->flags & ~MICA_FOREIGN_READONLY) : (f->gfn || f->domid || f->flags))
        return -EINVAL;
    if (f->nr > MICA_FOREIGN_MAX)
        return -E2BIG;
    if (!memop_range_ok(f->dst_gfn, f->nr) || (map && !memop_range_ok(f->gfn, f->nr)))
        return -EINVAL;
    if (map && (f->domid == MICA_DOMID_SELF || f->domid == v->domain->id))
        return -EINVAL;
    return 0;
}

static long memop_foreign(struct vcpu *v, uint64_t arg, bool map)
{
    struct mica_memop_foreign f;
    struct domain *c = v->domain, *d = NULL;
    long rc;

    if (!c->privileged)
        return -EPERM;
    if (copy_from_guest(v, &f, arg, sizeof(f)))
        return -EFAULT;
    if ((rc = foreign_check(v, &f, map)) || !f.nr)
        return rc;
    if (map && (rc = domain_get_target(c, f.domid, TARGET_ALIVE, &d)))
        return rc;
    spin_lock(&c->mem_lock);
    rc = map ? foreign_map(c, d, &f) : foreign_unmap(c, &f);
    spin_unlock(&c->mem_lock);
    if (d)
        domain_put(d);
    return rc ? rc : (long)f.nr;
}

long do_memory_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_MEMOP_populate_physmap:     return memop_reservation(v, args[1], true);
    case MICA_MEMOP_decrease_reservation: return memop_reservation(v, args[1], false);
    case MICA_MEMOP_current_reservation:  return memop_query(v, args[1], false);
    case MICA_MEMOP_maximum_reservation:  return memop_query(v, args[1], true);
    case MICA_MEMOP_map_foreign:          return memop_foreign(v, args[1], true);
    case MICA_MEMOP_unmap_foreign:        return memop_foreign(v, args[1], false);
    default:                              return -ENOSYS;
    }
}
