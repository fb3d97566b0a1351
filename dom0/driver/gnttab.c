// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0's own grant table (docs/abi.md section 15, docs/dom0-driver.md):
 * MICA_GNTTAB_MAX_FRAMES pages registered at probe, an allocator of their
 * references, granting and revoking. /dev/mica/gntalloc grants through it;
 * /dev/mica/gntdev maps other domains' grants (and dom0's own).
 *
 * Revoking clears an entry's flags with a compare-and-swap that fails
 * while the hypervisor marks the grant in use (MICA_GTF_reading or
 * MICA_GTF_writing: some domain maps it). Such a grant and its page are
 * put on a deferred list instead of being freed under the mapper: a
 * delayed work tries again every second and frees each once it can, as
 * Linux's grant-table.c does. At unload a grant still in use keeps its
 * page, its reference and the table for good.
 *
 * The file also holds the index space that both devices hand out as mmap()
 * offsets (struct mica_range), and the files, records and VMAs built on
 * it (struct mica_range_file).
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>

#include "mica.h"
#include <uapi/mica/gntalloc.h>
#include <uapi/mica/gntdev.h>

#define GNT_NR_REFS	(MICA_GNTTAB_MAX_FRAMES * MICA_GNTTAB_ENTRIES_PER_FRAME)
#define GNT_IN_USE	(MICA_GTF_reading | MICA_GTF_writing)
#define GNT_RETRY	HZ	/* between two tries of the deferred list */

static struct page *table_pages[MICA_GNTTAB_MAX_FRAMES];
static struct mica_grant_entry *table[MICA_GNTTAB_MAX_FRAMES];

static DECLARE_BITMAP(refs_used, GNT_NR_REFS);
static DEFINE_SPINLOCK(refs_lock);

struct gnt_deferred {
	struct list_head node;
	u32 ref;
	struct page *page;
};

static LIST_HEAD(deferred);
static unsigned int nr_deferred;
static DEFINE_MUTEX(deferred_lock);

static void deferred_retry(struct work_struct *work);
static DECLARE_DELAYED_WORK(deferred_work, deferred_retry);

static struct mica_grant_entry *entry(u32 ref)
{
	return &table[ref / MICA_GNTTAB_ENTRIES_PER_FRAME]
		     [ref % MICA_GNTTAB_ENTRIES_PER_FRAME];
}

static long setup_table(u64 *gfns, unsigned int nr)
{
	return mica_gnttab_op(MICA_GNTTABOP_setup_table, gfns, nr);
}

int mica_gnttab_init(void)
{
	u64 gfns[MICA_GNTTAB_MAX_FRAMES];
	unsigned int i;
	long rc;

	for (i = 0; i < MICA_GNTTAB_MAX_FRAMES; i++) {
		table_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!table_pages[i]) {
			rc = -ENOMEM;
			goto err_free;
		}
		table[i] = page_address(table_pages[i]);
		gfns[i] = page_to_pfn(table_pages[i]);
	}
	rc = setup_table(gfns, MICA_GNTTAB_MAX_FRAMES);
	if (rc) {
		pr_err("mica: grant table setup_table failed: %ld\n", rc);
		goto err_free;
	}
	bitmap_zero(refs_used, GNT_NR_REFS);
	return 0;

err_free:
	while (i--) {
		__free_page(table_pages[i]);
		table_pages[i] = NULL;
	}
	return rc;
}

/* Revoke ref: false while the hypervisor marks it in use. */
static bool end_access(u32 ref)
{
	u16 *flags = &entry(ref)->flags;
	u16 old = READ_ONCE(*flags), seen;

	for (;;) {
		if (old & GNT_IN_USE)
			return false;
		seen = cmpxchg(flags, old, 0);
		if (seen == old)
			return true;
		old = seen;
	}
}

static void free_ref(u32 ref)
{
	spin_lock(&refs_lock);
	__clear_bit(ref, refs_used);
	spin_unlock(&refs_lock);
}

/* Try every deferred grant once; free those that could be revoked. */
static void deferred_try(void)
{
	struct gnt_deferred *d, *next;

	mutex_lock(&deferred_lock);
	list_for_each_entry_safe(d, next, &deferred, node) {
		if (!end_access(d->ref))
			continue;
		free_ref(d->ref);
		put_page(d->page);
		list_del(&d->node);
		kfree(d);
		nr_deferred--;
	}
	if (nr_deferred)
		schedule_delayed_work(&deferred_work, GNT_RETRY);
	mutex_unlock(&deferred_lock);
}

static void deferred_retry(struct work_struct *work)
{
	deferred_try();
}

/*
 * At remove no file is open: every grant left is deferred, still mapped
 * by another domain. Those keep their pages and the table (the hypervisor
 * refuses to drop a table while one of its grants is mapped).
 */
void mica_gnttab_exit(void)
{
	unsigned int i;
	long rc;

	cancel_delayed_work_sync(&deferred_work);
	deferred_try();
	cancel_delayed_work_sync(&deferred_work);
	if (nr_deferred) {
		pr_warn("mica: %u grants still mapped by other domains: their pages and the grant table are kept\n",
			nr_deferred);
		return;
	}
	rc = setup_table(NULL, 0);
	if (rc) {
		pr_err("mica: dropping the grant table failed: %ld; its pages are kept\n",
		       rc);
		return;
	}
	for (i = 0; i < MICA_GNTTAB_MAX_FRAMES; i++) {
		__free_page(table_pages[i]);
		table_pages[i] = NULL;
		table[i] = NULL;
	}
}

/* n free references in refs[], all or none: 0 or -ENOSPC. */
int mica_gnttab_alloc_refs(u32 *refs, unsigned int n)
{
	unsigned int i, ref = 0;

	spin_lock(&refs_lock);
	if (bitmap_weight(refs_used, GNT_NR_REFS) + n > GNT_NR_REFS) {
		spin_unlock(&refs_lock);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		ref = find_next_zero_bit(refs_used, GNT_NR_REFS, ref);
		__set_bit(ref, refs_used);
		refs[i] = ref;
	}
	spin_unlock(&refs_lock);
	return 0;
}

/* Give back references that were never granted. */
void mica_gnttab_free_refs(const u32 *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free_ref(refs[i]);
}

/* Let domid use page through ref: domid and frame first, then the flags. */
void mica_gnttab_grant(u32 ref, u16 domid, struct page *page, bool readonly)
{
	struct mica_grant_entry *e = entry(ref);

	e->domid = domid;
	e->frame = page_to_pfn(page);
	wmb();	/* the hypervisor reads flags first */
	WRITE_ONCE(e->flags, MICA_GTF_permit_access |
			     (readonly ? MICA_GTF_readonly : 0));
}

/*
 * Revoke ref and drop this driver's reference to its page. A grant still
 * in use keeps both until a retry revokes it.
 */
void mica_gnttab_end_and_free(u32 ref, struct page *page)
{
	struct gnt_deferred *d;

	if (end_access(ref)) {
		free_ref(ref);
		put_page(page);
		return;
	}
	/* A few bytes, and the page must not be lost: wait for them. */
	d = kmalloc(sizeof(*d), GFP_KERNEL | __GFP_NOFAIL);
	d->ref = ref;
	d->page = page;
	mutex_lock(&deferred_lock);
	list_add_tail(&d->node, &deferred);
	if (!nr_deferred++)
		schedule_delayed_work(&deferred_work, GNT_RETRY);
	mutex_unlock(&deferred_lock);
}

unsigned int mica_gnttab_deferred(void)
{
	return READ_ONCE(nr_deferred);
}

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
