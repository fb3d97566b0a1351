/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What dom0's mica.ko and a domU's mica_bus.ko share (common/kernel/): the
 * hypercall stubs, the event-channel core (events.c), its MSI upcall
 * (upcall.c) and this domain's grant table (gnttab.c). Each module's
 * mksrc.sh copies these files beside its own sources; docs/dom0-driver.md
 * and docs/pv-install.md.
 */
#ifndef MICA_CORE_H
#define MICA_CORE_H

#include <linux/types.h>
#include <linux/mm_types.h>

#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/hypercall.h>
#include <public/memory.h>
#include <public/param.h>
#include <public/shared_info.h>

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

static inline long mica_param_op(unsigned int cmd, struct mica_param *arg)
{
	return mica_hypercall2(MICA_HC_param_op, cmd, (u64)arg);
}

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

/* upcall.c: the platform device's MSI, its handler scanning the ports. */
struct pci_dev;
int mica_upcall_setup(struct pci_dev *pdev, const char *name);
void mica_upcall_teardown(struct pci_dev *pdev);

/* gnttab.c: this domain's own grant table. */
int mica_gnttab_init(void);
void mica_gnttab_exit(void);
int mica_gnttab_alloc_refs(u32 *refs, unsigned int n);
void mica_gnttab_free_refs(const u32 *refs, unsigned int n);
void mica_gnttab_grant_ref(u32 ref, u16 domid, unsigned long gfn,
			   bool readonly);
bool mica_gnttab_end_ref(u32 ref);
void mica_gnttab_end_page(u32 ref, struct page *page);
unsigned int mica_gnttab_deferred(void);

#endif
