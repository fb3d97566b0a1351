// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/gntalloc: pages granted to another domain (or to dom0 itself)
 * and mapped into the process that asked (uapi/mica/gntalloc.h,
 * docs/dom0-driver.md).
 *
 * ALLOC_GREF allocates zeroed pages, grants each through dom0's grant
 * table (gnttab.c) and hands out an offset for mmap(). A set of grants
 * lives while the file records it (until DEALLOC_GREF or close) or a VMA
 * maps it; then each grant is revoked and its page freed, or, if the
 * grantee still maps it, both wait on gnttab.c's deferred list until it
 * unmaps: a page is never freed under a mapper.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/gntalloc.h>

#include "mica.h"

/* Recorded until DEALLOC_GREF or close, in a struct mica_range_file. */
struct gntalloc_set {
	struct mica_range range;
	u32 *refs;
	struct page **pages;
};

static void set_free(struct gntalloc_set *s)
{
	kvfree(s->refs);
	kvfree(s->pages);
	kfree(s);
}

/* Neither recorded nor mapped any more: revoked and freed. f->lock held. */
static void set_put(struct mica_range *r)
{
	struct gntalloc_set *s = container_of(r, struct gntalloc_set, range);
	unsigned int i;

	for (i = 0; i < r->count; i++)
		mica_gnttab_end_page(s->refs[i], s->pages[i]);
	set_free(s);
}

/* A zeroed page whose gfn fits a grant entry's 32-bit frame. */
static struct page *grant_page(void)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

	if (page && page_to_pfn(page) > U32_MAX) {
		__free_page(page);
		page = NULL;
	}
	return page;
}

/* count pages granted to domid, or -errno and nothing. */
static struct gntalloc_set *set_alloc(u32 count, u16 domid, bool readonly)
{
	struct gntalloc_set *s = kzalloc(sizeof(*s), GFP_KERNEL);
	unsigned int i = 0;
	int rc = -ENOMEM;

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->range.count = count;
	s->refs = kvcalloc(count, sizeof(*s->refs), GFP_KERNEL);
	s->pages = kvcalloc(count, sizeof(*s->pages), GFP_KERNEL);
	if (!s->refs || !s->pages)
		goto err_free;
	rc = mica_gnttab_alloc_refs(s->refs, count);
	if (rc)
		goto err_free;
	for (i = 0; i < count; i++) {
		s->pages[i] = grant_page();
		if (!s->pages[i])
			goto err_pages;
	}
	for (i = 0; i < count; i++)
		mica_gnttab_grant_ref(s->refs[i], domid, page_to_pfn(s->pages[i]),
				      readonly);
	return s;

err_pages:
	while (i--)
		__free_page(s->pages[i]);
	mica_gnttab_free_refs(s->refs, count);
	rc = -ENOMEM;
err_free:
	set_free(s);
	return ERR_PTR(rc);
}

/* Check the argument, and that the results can be written back. */
static int alloc_args(struct mica_ioctl_gntalloc_alloc_gref *op,
		      struct mica_ioctl_gntalloc_alloc_gref __user *u)
{
	if (copy_from_user(op, u, sizeof(*op)))
		return -EFAULT;
	if (op->flags & ~MICA_GNTALLOC_WRITABLE)
		return -EINVAL;
	if (!op->count || op->count > MICA_GNTALLOC_ALLOC_MAX)
		return -EINVAL;
	if (op->domid > MICA_DOMID_MAX && op->domid != MICA_DOMID_SELF)
		return -EINVAL;
	if (copy_to_user(u, op, sizeof(*op)) ||
	    clear_user(u->refs, op->count * sizeof(u32)))
		return -EFAULT;
	if (op->domid == MICA_DOMID_SELF)
		op->domid = mica_self_domid;
	return 0;
}

/* Under f->lock: a set of count grants for op, recorded in the file. */
static int set_record(struct mica_range_file *f,
		      struct mica_ioctl_gntalloc_alloc_gref *op, u32 *refs,
		      struct gntalloc_set **out)
{
	struct gntalloc_set *s;

	if (f->nr_grants + op->count > MICA_GNTALLOC_FILE_MAX)
		return -ENOSPC;
	s = set_alloc(op->count, op->domid,
		      !(op->flags & MICA_GNTALLOC_WRITABLE));
	if (IS_ERR(s))
		return PTR_ERR(s);
	mica_range_record(f, &s->range);
	op->index = s->range.index << PAGE_SHIFT;
	memcpy(refs, s->refs, op->count * sizeof(u32));
	*out = s;
	return 0;
}

/*
 * The results are copied out after the lock is dropped (a fault under it
 * could deadlock against mmap()), from copies: another thread may
 * deallocate the set meanwhile.
 */
static long ioctl_alloc(struct mica_range_file *f,
			struct mica_ioctl_gntalloc_alloc_gref __user *u)
{
	struct mica_ioctl_gntalloc_alloc_gref op;
	struct gntalloc_set *s = NULL;
	u32 *refs;
	int rc = alloc_args(&op, u);

	if (rc)
		return rc;
	refs = kvcalloc(op.count, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	mutex_lock(&f->lock);
	rc = set_record(f, &op, refs, &s);
	mutex_unlock(&f->lock);
	if (rc || (!copy_to_user(u->refs, refs, op.count * sizeof(u32)) &&
		   !copy_to_user(&u->index, &op.index, sizeof(op.index))))
		goto out;
	/* Undone, unless another thread deallocated it already (s may be freed). */
	rc = -EFAULT;
	mica_range_undo(f, &s->range, op.index, op.count);
out:
	kvfree(refs);
	return rc;
}

static long gntalloc_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mica_range_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MICA_IOCTL_GNTALLOC_ALLOC_GREF:
		return ioctl_alloc(f, uarg);
	case MICA_IOCTL_GNTALLOC_DEALLOC_GREF:
		return mica_range_forget(f, uarg);
	default:
		return -ENOTTY;
	}
}

/* Every page of the set, or an error (the kernel zaps what went in). */
static int set_mmap(struct mica_range *r, struct vm_area_struct *vma)
{
	struct gntalloc_set *s = container_of(r, struct gntalloc_set, range);
	unsigned int i;
	int rc = 0;

	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	for (i = 0; i < r->count && !rc; i++)
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    s->pages[i]);
	return rc;
}

static const struct mica_range_ops gntalloc_range_ops = {
	.mmap = set_mmap,
	.free = set_put,
};

static int gntalloc_open(struct inode *inode, struct file *file)
{
	return mica_range_open(file, &gntalloc_range_ops);
}

const struct file_operations mica_gntalloc_fops = {
	.owner = THIS_MODULE,
	.open = gntalloc_open,
	.release = mica_range_release,
	.unlocked_ioctl = gntalloc_ioctl,
	.mmap = mica_range_mmap,
	.llseek = noop_llseek,
};

/* /sys/class/misc/mica-gntalloc/grants_deferred: revokes still waiting. */
static ssize_t grants_deferred_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mica_gnttab_deferred());
}
static DEVICE_ATTR_RO(grants_deferred);

static struct attribute *gntalloc_attrs[] = {
	&dev_attr_grants_deferred.attr,
	NULL,
};

static const struct attribute_group gntalloc_group = {
	.attrs = gntalloc_attrs,
};

const struct attribute_group *mica_gntalloc_groups[] = {
	&gntalloc_group,
	NULL,
};
