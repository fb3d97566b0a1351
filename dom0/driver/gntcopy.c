// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/gntdev GRANT_COPY: copies between grants and the caller's
 * memory in one MICA_GNTTABOP_copy batch, mapping nothing (a backend's
 * cheapest way to move a request's data: one hypercall, where mapping
 * costs a map, an unmap and a repopulate per page). Copy in, check every
 * segment and pin every local page, then one hypercall, then the statuses
 * out; a segment that cannot be checked or pinned fails the whole call.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/gntdev.h>

#include "mica.h"

#define GNTCOPY_FLAGS (MICA_GNTCOPY_src_gref | MICA_GNTCOPY_dst_gref)

struct gntcopy {
	struct mica_gntdev_copy_seg *segs;
	struct mica_gnttab_copy *ops;
	struct page **pages;		/* two per segment: source, dest */
	unsigned int count;
};

static int grant_side(const struct mica_gntdev_copy_ptr *p, u16 len,
		      struct mica_gnttab_copy_ptr *op)
{
	if (p->offset >= PAGE_SIZE || len > PAGE_SIZE - p->offset)
		return -EINVAL;
	if (p->domid > MICA_DOMID_MAX && p->domid != MICA_DOMID_SELF)
		return -EINVAL;
	op->ref_or_gfn = p->ref;
	op->domid = p->domid;
	op->offset = p->offset;
	return 0;
}

static int local_side(const struct mica_gntdev_copy_ptr *p, u16 len, bool dest,
		      struct mica_gnttab_copy_ptr *op, struct page **page)
{
	unsigned long off = p->virt & ~PAGE_MASK;
	int rc;

	if (len > PAGE_SIZE - off)
		return -EINVAL;
	rc = pin_user_pages_fast(p->virt & PAGE_MASK, 1, dest ? FOLL_WRITE : 0, page);
	if (rc != 1)
		return rc < 0 ? rc : -EFAULT;
	op->ref_or_gfn = page_to_pfn(*page);
	op->domid = MICA_DOMID_SELF;
	op->offset = off;
	return 0;
}

static int seg_check(struct gntcopy *c, unsigned int i)
{
	const struct mica_gntdev_copy_seg *s = &c->segs[i];
	struct mica_gnttab_copy *op = &c->ops[i];
	int rc;

	if (!s->len || s->len > PAGE_SIZE || s->pad || (s->flags & ~GNTCOPY_FLAGS))
		return -EINVAL;
	op->len = s->len;
	op->flags = s->flags;
	if (s->flags & MICA_GNTCOPY_src_gref)
		rc = grant_side(&s->source, s->len, &op->src);
	else
		rc = local_side(&s->source, s->len, false, &op->src, &c->pages[2 * i]);
	if (rc)
		return rc;
	if (s->flags & MICA_GNTCOPY_dst_gref)
		return grant_side(&s->dest, s->len, &op->dst);
	return local_side(&s->dest, s->len, true, &op->dst, &c->pages[2 * i + 1]);
}

static void unpin_all(struct gntcopy *c)
{
	unsigned int i;

	for (i = 0; i < 2 * c->count; i++)
		if (c->pages[i])
			unpin_user_pages_dirty_lock(&c->pages[i], 1, i & 1);
}

static int copy_batch(struct gntcopy *c)
{
	unsigned int i;
	long rc;
	int err = 0;

	for (i = 0; i < c->count && !err; i++)
		err = seg_check(c, i);
	if (!err) {
		BUILD_BUG_ON(MICA_GNTDEV_COPY_MAX > MICA_GNTTAB_BATCH_MAX);
		rc = mica_gnttab_op(MICA_GNTTABOP_copy, c->ops, c->count);
		for (i = 0; i < c->count; i++)
			c->segs[i].status = rc ? rc : c->ops[i].status;
	}
	unpin_all(c);
	return err;
}

long mica_gntdev_copy(struct mica_ioctl_gntdev_grant_copy __user *u)
{
	struct mica_ioctl_gntdev_grant_copy op;
	void __user *usegs;
	struct gntcopy c = { };
	long rc;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.pad || !op.count || op.count > MICA_GNTDEV_COPY_MAX)
		return -EINVAL;
	usegs = u64_to_user_ptr(op.segments);
	c.count = op.count;
	c.segs = vmemdup_user(usegs, op.count * sizeof(*c.segs));
	if (IS_ERR(c.segs))
		return PTR_ERR(c.segs);
	c.ops = kvcalloc(op.count, sizeof(*c.ops), GFP_KERNEL);
	c.pages = kvcalloc(2 * op.count, sizeof(*c.pages), GFP_KERNEL);
	rc = -ENOMEM;
	if (c.ops && c.pages)
		rc = copy_batch(&c);
	if (!rc && copy_to_user(usegs, c.segs, op.count * sizeof(*c.segs)))
		rc = -EFAULT;
	kvfree(c.pages);
	kvfree(c.ops);
	kvfree(c.segs);
	return rc;
}
