// SPDX-License-Identifier: GPL-2.0-only
/*
 * The index space that /dev/mica/gntdev and /dev/mica/gntalloc both hand
 * out as mmap() offsets (struct mica_range), and the files, records and
 * VMAs built on it (struct mica_range_file). docs/dom0-driver.md.
 */
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mica.h"
#include <uapi/mica/gntalloc.h>
#include <uapi/mica/gntdev.h>

/*
 * Give r the lowest free run of r->count page offsets in list (kept in
 * offset order) and insert it.
 */
void mica_range_insert(struct list_head *list, struct mica_range *r)
{
	struct mica_range *pos;
	u64 index = 0;

	list_for_each_entry(pos, list, node) {
		if (pos->index - index >= r->count)
			break;
		index = pos->index + pos->count;
	}
	r->index = index;
	list_add_tail(&r->node, &pos->node);
}

/* The range of list starting at index and count pages long, or NULL. */
struct mica_range *mica_range_find(struct list_head *list, u64 index,
				   u64 count)
{
	struct mica_range *r;

	list_for_each_entry(r, list, node)
		if (r->index == index && r->count == count)
			return r;
	return NULL;
}

/*
 * What gntdev.c and gntalloc.c share: a file of records (struct
 * mica_range), each alive while the file lists it or a VMA maps it, and
 * the VMAs that map one whole record.
 */

/* Freed once neither recorded nor mapped. f->lock held. */
static void range_put(struct mica_range *r)
{
	struct mica_range_file *f = r->f;

	if (r->listed || r->vmas)
		return;
	f->nr_grants -= r->count;
	f->ops->free(r);
}

/* Forget a recorded range; it lives on while a VMA maps it. f->lock held. */
void mica_range_unlist(struct mica_range *r)
{
	list_del(&r->node);
	r->listed = false;
	range_put(r);
}

/* Record r, r->count grants, in f and give it its offsets. f->lock held. */
void mica_range_record(struct mica_range_file *f, struct mica_range *r)
{
	f->nr_grants += r->count;
	r->f = f;
	r->listed = true;
	mica_range_insert(&f->ranges, r);
}

/*
 * UNMAP_GRANT_REF and DEALLOC_GREF, one copy-in and check for both (their
 * arguments are the same {index, count, pad}): forget the record at byte
 * offset index, count pages long.
 */
long mica_range_forget(struct mica_range_file *f, const void __user *uarg)
{
	struct mica_ioctl_gntdev_unmap_grant_ref op;
	struct mica_range *r;

	BUILD_BUG_ON(sizeof(op) != sizeof(struct mica_ioctl_gntalloc_dealloc_gref));
	BUILD_BUG_ON(offsetof(typeof(op), count) !=
		     offsetof(struct mica_ioctl_gntalloc_dealloc_gref, count));
	BUILD_BUG_ON(offsetof(typeof(op), pad) !=
		     offsetof(struct mica_ioctl_gntalloc_dealloc_gref, pad));
	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.pad || (op.index & ~PAGE_MASK))
		return -EINVAL;
	mutex_lock(&f->lock);
	r = mica_range_find(&f->ranges, op.index >> PAGE_SHIFT, op.count);
	if (r)
		mica_range_unlist(r);
	mutex_unlock(&f->lock);
	return r ? 0 : -ENOENT;
}

/*
 * Undo the record of r at byte offset index, unless another thread
 * forgot it already (r may be freed: it is only compared).
 */
void mica_range_undo(struct mica_range_file *f, const struct mica_range *r,
		     u64 index, u32 count)
{
	struct mica_range *found;

	mutex_lock(&f->lock);
	found = mica_range_find(&f->ranges, index >> PAGE_SHIFT, count);
	if (found == r)
		mica_range_unlist(found);
	mutex_unlock(&f->lock);
}

static void range_vma_open(struct vm_area_struct *vma)
{
	struct mica_range *r = vma->vm_private_data;

	mutex_lock(&r->f->lock);
	r->vmas++;
	mutex_unlock(&r->f->lock);
}

/* The VMA's pages are out of the page tables already. */
static void range_vma_close(struct vm_area_struct *vma)
{
	struct mica_range *r = vma->vm_private_data;
	struct mica_range_file *f = r->f;

	mutex_lock(&f->lock);
	if (!--r->vmas && f->ops->unmapped)
		f->ops->unmapped(r);
	range_put(r);
	mutex_unlock(&f->lock);
}

static vm_fault_t range_vma_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static int range_vma_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct range_vm_ops = {
	.open = range_vma_open,
	.close = range_vma_close,
	.fault = range_vma_fault,
	.may_split = range_vma_may_split,
};

/* A shared mapping of one whole record, filled by f->ops->mmap. */
int mica_range_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mica_range_file *f = file->private_data;
	struct mica_range *r;
	int rc = -EINVAL;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&f->lock);
	r = mica_range_find(&f->ranges, vma->vm_pgoff, vma_pages(vma));
	if (!r)
		goto out;
	rc = f->ops->mmap(r, vma);
	if (rc)
		goto out;
	r->vmas++;
	vma->vm_private_data = r;
	vma->vm_ops = &range_vm_ops;
out:
	mutex_unlock(&f->lock);
	return rc;
}

int mica_range_open(struct file *file, const struct mica_range_ops *ops)
{
	struct mica_range_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_LIST_HEAD(&f->ranges);
	f->ops = ops;
	file->private_data = f;
	return 0;
}

/* Every VMA of the file is gone (each holds it): only records are left. */
int mica_range_release(struct inode *inode, struct file *file)
{
	struct mica_range_file *f = file->private_data;
	struct mica_range *r, *next;

	mutex_lock(&f->lock);
	list_for_each_entry_safe(r, next, &f->ranges, node)
		mica_range_unlist(r);
	mutex_unlock(&f->lock);
	WARN_ON(f->nr_grants);
	kfree(f);
	return 0;
}
