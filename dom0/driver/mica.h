/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mica dom0 driver: what its parts share. The hypercall stubs, the
 * event-channel core (events.c) and the grant table (gnttab.c) are in
 * mica_core.h (common/kernel/, shared with a domU's mica_bus.ko); here the
 * character devices (privcmd.c, privcmd_mmap.c, evtchn.c, gntdev.c,
 * gntalloc.c). docs/dom0-driver.md describes the whole.
 */
#ifndef MICA_DRIVER_H
#define MICA_DRIVER_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include <public/console.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/version.h>

#include "mica_core.h"

/* The privileged domain's own id, found at probe (0 today). */
extern u16 mica_self_domid;

/*
 * A run of page offsets a gntdev or gntalloc file hands out for mmap():
 * one record of the file, which lives while the file lists it or a VMA
 * maps it (gnttab.c).
 */
struct mica_range {
	struct list_head node;		/* in the file's list, by index */
	u64 index;			/* first page offset */
	u32 count;			/* pages */
	struct mica_range_file *f;
	bool listed;			/* recorded (until unmap/dealloc) */
	unsigned int vmas;		/* VMAs mapping it */
};

/* What differs between the devices. Each is called with f->lock held. */
struct mica_range_ops {
	/* mmap() of r: fill vma (flags, pages); 0 or -errno. */
	int (*mmap)(struct mica_range *r, struct vm_area_struct *vma);
	/* The last VMA of r is gone (optional). */
	void (*unmapped)(struct mica_range *r);
	/* r is neither recorded nor mapped any more: free it. */
	void (*free)(struct mica_range *r);
};

/* A gntdev or gntalloc file: its records and the grants they hold. */
struct mica_range_file {
	struct mutex lock;		/* the list, and every record's state */
	struct list_head ranges;	/* recorded: struct mica_range.node */
	unsigned int nr_grants;		/* in every record alive */
	const struct mica_range_ops *ops;
};

void mica_range_insert(struct list_head *list, struct mica_range *r);
struct mica_range *mica_range_find(struct list_head *list, u64 index,
				   u64 count);
int mica_range_open(struct file *file, const struct mica_range_ops *ops);
int mica_range_release(struct inode *inode, struct file *file);
int mica_range_mmap(struct file *file, struct vm_area_struct *vma);
void mica_range_record(struct mica_range_file *f, struct mica_range *r);
void mica_range_unlist(struct mica_range *r);
long mica_range_forget(struct mica_range_file *f, const void __user *uarg);
void mica_range_undo(struct mica_range_file *f, const struct mica_range *r,
		     u64 index, u32 count);

/* The character devices under /dev/mica/. */
extern const struct file_operations mica_privcmd_fops;
extern const struct file_operations mica_evtchn_fops;
extern const struct file_operations mica_gntdev_fops;
long mica_gntdev_grant_copy(void __user *uarg);	/* gntcopy.c */
extern const struct file_operations mica_gntalloc_fops;
extern const struct attribute_group *mica_gntdev_groups[];
extern const struct attribute_group *mica_gntalloc_groups[];
int mica_privcmd_mmap(struct file *file, struct vm_area_struct *vma);
long mica_privcmd_mmapbatch(struct file *file, void __user *uarg);
void mica_repopulate_page(struct page *page);

#endif
