/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mica dom0 driver: what its parts share. The hypercall stubs, the
 * event-channel core (events.c) and the character devices (privcmd.c,
 * privcmd_mmap.c, evtchn.c). docs/dom0-driver.md describes the whole.
 */
#ifndef MICA_DRIVER_H
#define MICA_DRIVER_H

#include <linux/types.h>
#include <linux/fs.h>

#include <public/console.h>
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/hypercall.h>
#include <public/memory.h>
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

/* The character devices under /dev/mica/. */
extern const struct file_operations mica_privcmd_fops;
extern const struct file_operations mica_evtchn_fops;
int mica_privcmd_mmap(struct file *file, struct vm_area_struct *vma);
long mica_privcmd_mmapbatch(struct file *file, void __user *uarg);

#endif
