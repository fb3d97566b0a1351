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

struct gntalloc_file {
	struct mutex lock;		/* the list, and every set's state */
	struct list_head allocs;	/* recorded: struct gntalloc_set.range */
	unsigned int nr_grants;		/* in every set alive */
};

struct gntalloc_set {
	struct mica_range range;
	struct gntalloc_file *f;
	bool listed;			/* recorded (until DEALLOC_GREF) */
	unsigned int vmas;		/* VMAs mapping it */
	u32 *refs;
	struct page **pages;
};

static void set_free(struct gntalloc_set *s)
{
	kvfree(s->refs);
	kvfree(s->pages);
	kfree(s);
}

/* Revoked and freed once neither recorded nor mapped. f->lock held. */
static void set_put(struct gntalloc_set *s)
{
	unsigned int i;

	if (s->listed || s->vmas)
		return;
	for (i = 0; i < s->range.count; i++)
		mica_gnttab_end_and_free(s->refs[i], s->pages[i]);
	s->f->nr_grants -= s->range.count;
	set_free(s);
}

static void set_unlist(struct gntalloc_set *s)
{
	list_del(&s->range.node);
	s->listed = false;
	set_put(s);
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
		mica_gnttab_grant(s->refs[i], domid, s->pages[i], readonly);
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
static int set_record(struct gntalloc_file *f,
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
	f->nr_grants += op->count;
	s->f = f;
	s->listed = true;
	mica_range_insert(&f->allocs, &s->range);
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
static long ioctl_alloc(struct gntalloc_file *f,
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
	mutex_lock(&f->lock);
	if (mica_range_find(&f->allocs, op.index >> PAGE_SHIFT, op.count) ==
	    &s->range)
		set_unlist(s);
	mutex_unlock(&f->lock);
out:
	kvfree(refs);
	return rc;
}

static long ioctl_dealloc(struct gntalloc_file *f, void __user *uarg)
{
	struct mica_ioctl_gntalloc_dealloc_gref op;
	struct mica_range *r;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.pad || (op.index & ~PAGE_MASK))
		return -EINVAL;
	mutex_lock(&f->lock);
	r = mica_range_find(&f->allocs, op.index >> PAGE_SHIFT, op.count);
	if (r)
		set_unlist(container_of(r, struct gntalloc_set, range));
	mutex_unlock(&f->lock);
	return r ? 0 : -ENOENT;
}

static long gntalloc_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct gntalloc_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MICA_IOCTL_GNTALLOC_ALLOC_GREF:
		return ioctl_alloc(f, uarg);
	case MICA_IOCTL_GNTALLOC_DEALLOC_GREF:
		return ioctl_dealloc(f, uarg);
	default:
		return -ENOTTY;
	}
}

static void gntalloc_vma_open(struct vm_area_struct *vma)
{
	struct gntalloc_set *s = vma->vm_private_data;

	mutex_lock(&s->f->lock);
	s->vmas++;
	mutex_unlock(&s->f->lock);
}

static void gntalloc_vma_close(struct vm_area_struct *vma)
{
	struct gntalloc_set *s = vma->vm_private_data;
	struct gntalloc_file *f = s->f;

	mutex_lock(&f->lock);
	s->vmas--;
	set_put(s);
	mutex_unlock(&f->lock);
}

static vm_fault_t gntalloc_vma_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static int gntalloc_vma_may_split(struct vm_area_struct *vma,
				  unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct gntalloc_vm_ops = {
	.open = gntalloc_vma_open,
	.close = gntalloc_vma_close,
	.fault = gntalloc_vma_fault,
	.may_split = gntalloc_vma_may_split,
};

/* Every page of the set, or an error (the kernel zaps what went in). */
static int gntalloc_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gntalloc_file *f = file->private_data;
	struct gntalloc_set *s;
	struct mica_range *r;
	unsigned int i;
	int rc = -EINVAL;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&f->lock);
	r = mica_range_find(&f->allocs, vma->vm_pgoff, vma_pages(vma));
	if (!r)
		goto out;
	s = container_of(r, struct gntalloc_set, range);
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	for (i = 0, rc = 0; i < s->range.count && !rc; i++)
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    s->pages[i]);
	if (rc)
		goto out;
	s->vmas++;
	vma->vm_private_data = s;
	vma->vm_ops = &gntalloc_vm_ops;
out:
	mutex_unlock(&f->lock);
	return rc;
}

static int gntalloc_open(struct inode *inode, struct file *file)
{
	struct gntalloc_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_LIST_HEAD(&f->allocs);
	file->private_data = f;
	return 0;
}

/* Every VMA of the file is gone (each holds it): only records are left. */
static int gntalloc_release(struct inode *inode, struct file *file)
{
	struct gntalloc_file *f = file->private_data;
	struct mica_range *r, *next;

	mutex_lock(&f->lock);
	list_for_each_entry_safe(r, next, &f->allocs, node)
		set_unlist(container_of(r, struct gntalloc_set, range));
	mutex_unlock(&f->lock);
	WARN_ON(f->nr_grants);
	kfree(f);
	return 0;
}

const struct file_operations mica_gntalloc_fops = {
	.owner = THIS_MODULE,
	.open = gntalloc_open,
	.release = gntalloc_release,
	.unlocked_ioctl = gntalloc_ioctl,
	.mmap = gntalloc_mmap,
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
