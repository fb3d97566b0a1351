// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/gntdev: other domains' grants (and dom0's own) mapped into a
 * process (uapi/mica/gntdev.h, docs/dom0-driver.md).
 *
 * MAP_GRANT_REF only records the references and hands out an offset;
 * mmap() of that offset maps them, read-only unless the mapping is
 * writable. Each grant goes over a page this driver allocates: the page's
 * gfn is made a hole (decrease_reservation of dom0's own frame, which the
 * hypervisor frees), the grant is mapped at that gfn and the page inserted
 * into the VMA. When the VMA goes, each grant is unmapped, the gfn gets a
 * fresh frame (populate_physmap) and only then is the page freed; a page
 * whose gfn cannot be given its frame back is kept, never freed, so the
 * kernel never meets a hole (privcmd_mmap.c does the same).
 *
 * The VMA is VM_IO (nothing in the kernel reaches a grant through
 * get_user_pages()), cannot be split, grown or copied on fork, and a
 * read-only one can never gain PROT_WRITE. A recorded offset is mapped by
 * one VMA at a time (mremap() may move it whole).
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/gntdev.h>

#include "mica.h"

#define GNTDEV_NO_HANDLE	(~0u)

/* Recorded until UNMAP_GRANT_REF or close, in a struct mica_range_file. */
struct gntdev_map {
	struct mica_range range;	/* .vmas: two while mremap() moves one */
	u16 domid;
	u32 *refs;
	struct page **pages;		/* while mapped */
	u32 *handles;			/* GNTDEV_NO_HANDLE: not mapped */
};

static void map_free(struct gntdev_map *map)
{
	kvfree(map->refs);
	kfree(map);
}

/*
 * n pages whose gfns are holes now, in pages[]: their frames went back
 * to the hypervisor (all or nothing). 0 or -errno, nothing left over.
 */
static int holes_make(struct page **pages, unsigned int n)
{
	struct mica_memop_reservation r = {
		.nr = n, .domid = MICA_DOMID_SELF, .flags = MICA_MEMOP_F_LIST,
	};
	unsigned int i;
	u64 *gfns;
	long rc = -ENOMEM;

	gfns = kvcalloc(n, sizeof(*gfns), GFP_KERNEL);
	for (i = 0; gfns && i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			break;
		gfns[i] = page_to_pfn(pages[i]);
	}
	if (gfns && i == n) {
		r.gfn_list = (u64)gfns;
		rc = mica_memory_op(MICA_MEMOP_decrease_reservation, &r);
		if (rc == n)
			rc = 0;
		else if (rc >= 0)
			rc = -EIO;
	}
	if (rc) {
		while (i--) {
			__free_page(pages[i]);
			pages[i] = NULL;
		}
	}
	kvfree(gfns);
	return rc;
}

/*
 * Unmap each grant mapped over pages[i] (handles[i]), give every gfn a
 * frame again and free the pages. A page whose grant cannot be unmapped,
 * or whose gfn cannot be populated, is kept.
 */
static void holes_release(struct page **pages, const u32 *handles,
			  unsigned int n)
{
	struct mica_gnttab_unmap *ops;
	unsigned int i, m = 0;
	long rc;

	/* At most 2 KiB; without it the grants would stay mapped for good. */
	ops = kcalloc(n, sizeof(*ops), GFP_KERNEL | __GFP_NOFAIL);
	for (i = 0; i < n; i++)
		if (handles[i] != GNTDEV_NO_HANDLE)
			ops[m++].handle = handles[i];
	rc = m ? mica_gnttab_op(MICA_GNTTABOP_unmap_grant_ref, ops, m) : 0;
	for (i = 0, m = 0; i < n; i++) {
		if (handles[i] == GNTDEV_NO_HANDLE)
			continue;
		if (rc || ops[m].status) {
			pr_err("mica: gntdev: unmap of grant handle %u failed: %ld/%d; page kept\n",
			       handles[i], rc, ops[m].status);
			pages[i] = NULL;
		}
		m++;
	}
	kfree(ops);
	for (i = 0; i < n; i++) {
		if (pages[i])
			mica_repopulate_page(pages[i]);
		cond_resched();
	}
}

/* The first error of a map batch (rc, else the first status), or 0. */
static int map_result(const struct mica_gnttab_map *ops, unsigned int n,
		      long rc)
{
	unsigned int i;

	for (i = 0; !rc && i < n; i++)
		rc = ops[i].status;
	return rc;
}

/* Map every grant of map over pages of its own: 0, or -errno and none. */
static int grants_map(struct gntdev_map *map, bool readonly)
{
	unsigned int i, n = map->range.count;
	struct mica_gnttab_map *ops;
	struct page **pages;
	u32 *handles;
	int rc = -ENOMEM;

	/* One decrease_reservation and one map batch take every grant. */
	BUILD_BUG_ON(MICA_GNTDEV_MAP_MAX > MICA_GNTTAB_BATCH_MAX);
	BUILD_BUG_ON(MICA_GNTDEV_MAP_MAX > MICA_MEMOP_MAX_EXTENTS);
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	handles = kvcalloc(n, sizeof(*handles), GFP_KERNEL);
	ops = kvcalloc(n, sizeof(*ops), GFP_KERNEL);
	if (!pages || !handles || !ops)
		goto out;
	rc = holes_make(pages, n);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		ops[i].gfn = page_to_pfn(pages[i]);
		ops[i].ref = map->refs[i];
		ops[i].domid = map->domid;
		ops[i].flags = readonly ? MICA_GNTMAP_readonly : 0;
		ops[i].handle = GNTDEV_NO_HANDLE;
	}
	rc = mica_gnttab_op(MICA_GNTTABOP_map_grant_ref, ops, n);
	rc = map_result(ops, n, rc);
	for (i = 0; i < n; i++)
		handles[i] = ops[i].status ? GNTDEV_NO_HANDLE : ops[i].handle;
	if (rc) {
		holes_release(pages, handles, n);
		goto out;
	}
	map->pages = pages;
	map->handles = handles;
	pages = NULL;
	handles = NULL;
out:
	kvfree(ops);
	kvfree(handles);
	kvfree(pages);
	return rc;
}

static void grants_unmap(struct gntdev_map *map)
{
	holes_release(map->pages, map->handles, map->range.count);
	kvfree(map->pages);
	kvfree(map->handles);
	map->pages = NULL;
	map->handles = NULL;
}

/* On failure the caller's mmap() fails, and the kernel zaps what is in. */
static int insert_pages(struct vm_area_struct *vma, struct gntdev_map *map)
{
	unsigned int i;
	int rc;

	for (i = 0; i < map->range.count; i++) {
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    map->pages[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* mmap() of a recorded map: one VMA at a time. f->lock held. */
static int map_mmap(struct mica_range *r, struct vm_area_struct *vma)
{
	struct gntdev_map *map = container_of(r, struct gntdev_map, range);
	bool readonly = !(vma->vm_flags & VM_WRITE);
	int rc;

	if (r->vmas)
		return -EBUSY;
	rc = grants_map(map, readonly);
	if (rc)
		return rc;
	vma->vm_flags |= VM_IO | VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY;
	if (readonly)
		vma->vm_flags &= ~VM_MAYWRITE;
	rc = insert_pages(vma, map);
	if (rc)
		grants_unmap(map);
	return rc;
}

/* The last VMA is gone (its pages are out of the page tables already). */
static void map_unmapped(struct mica_range *r)
{
	grants_unmap(container_of(r, struct gntdev_map, range));
}

static void map_put(struct mica_range *r)
{
	map_free(container_of(r, struct gntdev_map, range));
}

static const struct mica_range_ops gntdev_range_ops = {
	.mmap = map_mmap,
	.unmapped = map_unmapped,
	.free = map_put,
};

static struct gntdev_map *map_alloc(const struct mica_ioctl_gntdev_map_grant_ref *op,
				    const u32 __user *urefs)
{
	struct gntdev_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return ERR_PTR(-ENOMEM);
	map->refs = vmemdup_user(urefs, op->count * sizeof(u32));
	if (IS_ERR(map->refs)) {
		long rc = PTR_ERR(map->refs);

		kfree(map);
		return ERR_PTR(rc);
	}
	map->domid = op->domid;
	map->range.count = op->count;
	return map;
}

static long ioctl_map(struct mica_range_file *f,
		      struct mica_ioctl_gntdev_map_grant_ref __user *u)
{
	struct mica_ioctl_gntdev_map_grant_ref op;
	struct gntdev_map *map;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.pad || !op.count || op.count > MICA_GNTDEV_MAP_MAX)
		return -EINVAL;
	if (op.domid > MICA_DOMID_MAX && op.domid != MICA_DOMID_SELF)
		return -EINVAL;
	map = map_alloc(&op, u->refs);
	if (IS_ERR(map))
		return PTR_ERR(map);
	mutex_lock(&f->lock);
	if (f->nr_grants + op.count > MICA_GNTDEV_FILE_MAX) {
		mutex_unlock(&f->lock);
		map_free(map);
		return -ENOSPC;
	}
	mica_range_record(f, &map->range);
	op.index = map->range.index << PAGE_SHIFT;
	mutex_unlock(&f->lock);
	if (!copy_to_user(&u->index, &op.index, sizeof(op.index)))
		return 0;
	/*
	 * Another thread may have unmapped it meanwhile (map may be freed):
	 * look it up again.
	 */
	mica_range_undo(f, &map->range, op.index, op.count);
	return -EFAULT;
}

static long gntdev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mica_range_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MICA_IOCTL_GNTDEV_MAP_GRANT_REF:
		return ioctl_map(f, uarg);
	case MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return mica_range_forget(f, uarg);
	case MICA_IOCTL_GNTDEV_GRANT_COPY:
		return mica_gntdev_grant_copy(uarg);
	default:
		return -ENOTTY;
	}
}

static int gntdev_open(struct inode *inode, struct file *file)
{
	return mica_range_open(file, &gntdev_range_ops);
}

const struct file_operations mica_gntdev_fops = {
	.owner = THIS_MODULE,
	.open = gntdev_open,
	.release = mica_range_release,
	.unlocked_ioctl = gntdev_ioctl,
	.mmap = mica_range_mmap,
	.llseek = noop_llseek,
};

/* /sys/class/misc/mica-gntdev/grant_maps: dom0's grants mapped now. */
static ssize_t grant_maps_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mica_gnttab_query_size q = { };
	long rc = mica_gnttab_op(MICA_GNTTABOP_query_size, &q, 0);

	if (rc)
		return rc;
	return sysfs_emit(buf, "%u\n", q.nr_maps);
}
static DEVICE_ATTR_RO(grant_maps);

static struct attribute *gntdev_attrs[] = {
	&dev_attr_grant_maps.attr,
	NULL,
};

static const struct attribute_group gntdev_group = {
	.attrs = gntdev_attrs,
};

const struct attribute_group *mica_gntdev_groups[] = {
	&gntdev_group,
	NULL,
};
