// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/gntdev GRANT_COPY: the hypervisor copies between other
 * domains' grants and the caller's memory (uapi/mica/gntdev.h). The
 * caller's side of a segment is pinned for the call and named to the
 * hypervisor by its gfn (dom0's gfn is its Linux pfn); nothing is mapped.
 * A backend moves packets and blocks this way without holding grants.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/gntdev.h>

#include "mica.h"

struct gntcopy_batch {
	struct mica_gntdev_copy_seg *segs;
	struct mica_gnttab_copy *ops;
	struct page **pages;		/* pinned local pages, nr_pages of them */
	bool *dirty;			/* pages[i] was written */
	unsigned int count, nr_pages;
};

/* A segment's shape is sane: lengths, offsets, padding, granters. */
static bool seg_ptr_ok(const struct mica_gntdev_copy_ptr *p, bool gref,
		       unsigned int len)
{
	if (p->pad)
		return false;
	if (!gref)
		return (p->addr_or_ref & ~PAGE_MASK) + len <= PAGE_SIZE;
	if (p->domid > MICA_DOMID_MAX && p->domid != MICA_DOMID_SELF)
		return false;
	return p->addr_or_ref <= U32_MAX && p->offset + len <= PAGE_SIZE;
}

static bool seg_ok(const struct mica_gntdev_copy_seg *s)
{
	if (s->pad || !s->len || s->len > PAGE_SIZE)
		return false;
	if (s->flags & ~(MICA_GNTDEV_COPY_SRC_GREF | MICA_GNTDEV_COPY_DST_GREF))
		return false;
	return seg_ptr_ok(&s->src, s->flags & MICA_GNTDEV_COPY_SRC_GREF, s->len) &&
	       seg_ptr_ok(&s->dst, s->flags & MICA_GNTDEV_COPY_DST_GREF, s->len);
}

/* One side into the hypervisor's form, pinning a local page. */
static int ptr_fill(struct gntcopy_batch *b, struct mica_gnttab_copy_ptr *op,
		    const struct mica_gntdev_copy_ptr *p, bool gref, bool write)
{
	unsigned long addr = p->addr_or_ref;
	struct page *page;
	int rc;

	if (gref) {
		op->ref_or_gfn = p->addr_or_ref;
		op->domid = p->domid;
		op->offset = p->offset;
		return 0;
	}
	rc = pin_user_pages_fast(addr & PAGE_MASK, 1, write ? FOLL_WRITE : 0,
				 &page);
	if (rc != 1)
		return rc < 0 ? rc : -EFAULT;
	b->dirty[b->nr_pages] = write;
	b->pages[b->nr_pages++] = page;
	op->ref_or_gfn = page_to_pfn(page);
	op->domid = MICA_DOMID_SELF;
	op->offset = addr & ~PAGE_MASK;
	return 0;
}

static int batch_fill(struct gntcopy_batch *b)
{
	unsigned int i;
	int rc;

	for (i = 0; i < b->count; i++) {
		const struct mica_gntdev_copy_seg *s = &b->segs[i];
		struct mica_gnttab_copy *op = &b->ops[i];

		if (!seg_ok(s))
			return -EINVAL;
		op->len = s->len;
		op->flags = (s->flags & MICA_GNTDEV_COPY_SRC_GREF ?
			     MICA_GNTCOPY_src_gref : 0) |
			    (s->flags & MICA_GNTDEV_COPY_DST_GREF ?
			     MICA_GNTCOPY_dst_gref : 0);
		rc = ptr_fill(b, &op->src, &s->src,
			      s->flags & MICA_GNTDEV_COPY_SRC_GREF, false);
		if (!rc)
			rc = ptr_fill(b, &op->dst, &s->dst,
				      s->flags & MICA_GNTDEV_COPY_DST_GREF, true);
		if (rc)
			return rc;
	}
	return 0;
}

static void batch_free(struct gntcopy_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_pages; i++)
		unpin_user_pages_dirty_lock(&b->pages[i], 1, b->dirty[i]);
	kvfree(b->dirty);
	kvfree(b->pages);
	kvfree(b->ops);
	kvfree(b->segs);
}

static int batch_alloc(struct gntcopy_batch *b, const void __user *usegs)
{
	b->segs = vmemdup_user(usegs, b->count * sizeof(*b->segs));
	if (IS_ERR(b->segs)) {
		int rc = PTR_ERR(b->segs);

		b->segs = NULL;
		return rc;
	}
	b->ops = kvcalloc(b->count, sizeof(*b->ops), GFP_KERNEL);
	b->pages = kvcalloc(2 * b->count, sizeof(*b->pages), GFP_KERNEL);
	b->dirty = kvcalloc(2 * b->count, sizeof(*b->dirty), GFP_KERNEL);
	if (!b->ops || !b->pages || !b->dirty)
		return -ENOMEM;
	return 0;
}

/* Copy the statuses out to the caller's segments. */
static int batch_status(struct gntcopy_batch *b,
			struct mica_gntdev_copy_seg __user *usegs)
{
	unsigned int i;

	for (i = 0; i < b->count; i++)
		if (put_user(b->ops[i].status, &usegs[i].status))
			return -EFAULT;
	return 0;
}

long mica_gntdev_grant_copy(void __user *uarg)
{
	struct mica_ioctl_gntdev_grant_copy op;
	struct gntcopy_batch b = { };
	void __user *usegs;
	long rc;

	BUILD_BUG_ON(MICA_GNTDEV_COPY_MAX > MICA_GNTTAB_BATCH_MAX);
	BUILD_BUG_ON(sizeof(struct mica_gntdev_copy_seg) != 40);
	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.pad || !op.count || op.count > MICA_GNTDEV_COPY_MAX)
		return -EINVAL;
	usegs = u64_to_user_ptr(op.segs);
	b.count = op.count;
	rc = batch_alloc(&b, usegs);
	if (!rc)
		rc = batch_fill(&b);
	if (!rc)
		rc = mica_gnttab_op(MICA_GNTTABOP_copy, b.ops, b.count);
	if (!rc)
		rc = batch_status(&b, usegs);
	batch_free(&b);
	return rc;
}
