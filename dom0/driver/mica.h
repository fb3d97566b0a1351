/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mica dom0 driver: what its parts share. The hypercall stubs, the
 * event-channel core (events.c), dom0's grant table (gnttab.c) and the
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
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/hypercall.h>
#include <public/memory.h>
#include <public/param.h>
#include <public/shared_info.h>
#include <public/sysctl.h>
#include <public/version.h>

/*
 * One hypercall (docs/abi.md section 2): VMMCALL with the number in RAX
 * and the arguments in RDI, RSI, RDX, R10 and R8. The hypervisor writes
 * only RAX. Pointers are this kernel's virtual addresses.
 */
static inline long mica_hypercall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4,
				  u64 a5)
{
	register u64 r10 asm("r10") = a4;
	register u64 r8 asm("r8") = a5;
	long ret;

	asm volatile("vmmcall"
		     : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3),
		       "+r" (r10), "+r" (r8)
		     : "0" (nr)
		     : "memory");
	return ret;
}

static inline long mica_hypercall2(u64 nr, u64 a1, u64 a2)
{
	return mica_hypercall(nr, a1, a2, 0, 0, 0);
}

static inline long mica_evtchn_op(unsigned int cmd, void *arg)
{
	return mica_hypercall2(MICA_HC_event_channel_op, cmd, (u64)arg);
}

static inline long mica_memory_op(unsigned int cmd, void *arg)
{
	return mica_hypercall2(MICA_HC_memory_op, cmd, (u64)arg);
}

static inline long mica_gnttab_op(unsigned int cmd, void *arg,
				  unsigned int count)
{
	return mica_hypercall(MICA_HC_grant_table_op, cmd, (u64)arg, count,
			      0, 0);
}

/* The privileged domain's own id, found at probe (0 today). */
extern u16 mica_self_domid;

/* events.c: the shared info page, the upcall and the port table. */
typedef void (*mica_port_fn)(u32 port, void *data);

int mica_events_init(void);
void mica_events_exit(void);
void mica_events_upcall(void);
int mica_port_bind(u32 port, mica_port_fn fn, void *data);
void mica_port_unbind(u32 port);
int mica_port_close(u32 port);
void mica_port_lock(unsigned long *flags);
void mica_port_unlock(unsigned long flags);

/* gnttab.c: dom0's own grant table. */
int mica_gnttab_init(void);
void mica_gnttab_exit(void);
int mica_gnttab_alloc_refs(u32 *refs, unsigned int n);
void mica_gnttab_free_refs(const u32 *refs, unsigned int n);
void mica_gnttab_grant(u32 ref, u16 domid, struct page *page, bool readonly);
void mica_gnttab_end_and_free(u32 ref, struct page *page);
unsigned int mica_gnttab_deferred(void);

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
