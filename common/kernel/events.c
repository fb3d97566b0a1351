// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event channels, shared by dom0's mica.ko and a domU's mica_bus.ko
 * (common/kernel/): the shared info page registered with the hypervisor,
 * the upcall handler the platform device's MSI runs, and the table saying
 * who bound each port (docs/abi.md section 16, docs/dom0-driver.md).
 *
 * Every port starts masked in the shared info page. Binding a port puts a
 * callback in the table and unmasks it; the upcall then clears its pending
 * bit and calls the callback (in hard interrupt context, under the table
 * lock, so unbinding waits for a callback that runs). Masking for user
 * space is the evtchn device's own business: the shared info mask of a
 * bound port stays clear.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/spinlock.h>

#include "mica_core.h"

struct mica_port_entry {
	mica_port_fn fn;
	void *data;
};

static struct mica_shared_info *shinfo;
static struct page *shinfo_page;
static struct mica_port_entry ports[MICA_EVTCHN_DEFAULT_PORTS];
static DEFINE_SPINLOCK(ports_lock);

/* The bitmaps are arrays of u64; on x86-64 an unsigned long is the same. */
static unsigned long *pending_map(void)
{
	return (unsigned long *)shinfo->evtchn_pending;
}

static unsigned long *mask_map(void)
{
	return (unsigned long *)shinfo->evtchn_mask;
}

int mica_events_init(void)
{
	struct mica_evtchn_set_shared_info arg;
	unsigned int w;
	long rc;

	shinfo_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!shinfo_page)
		return -ENOMEM;
	arg.gfn = page_to_pfn(shinfo_page);
	rc = mica_evtchn_op(MICA_EVTCHNOP_set_shared_info, &arg);
	if (rc < 0) {
		pr_err("mica: set_shared_info of gfn %#llx failed: %ld\n",
		       arg.gfn, rc);
		__free_page(shinfo_page);
		shinfo_page = NULL;
		return rc;
	}
	shinfo = page_address(shinfo_page);
	/* Nothing is bound yet: mask every port, so none raises an upcall. */
	for (w = 0; w < MICA_EVTCHN_WORDS; w++)
		WRITE_ONCE(shinfo->evtchn_mask[w], ~0ull);
	return 0;
}

/*
 * The hypervisor keeps the registered frame pinned until another
 * set_shared_info moves it, and keeps writing event bits into it: it must
 * never go back to the page allocator. It is left allocated (one page per
 * unbind of the device; a new bind moves the hypervisor to a new page).
 */
void mica_events_exit(void)
{
	unsigned int w;

	if (!shinfo)
		return;
	for (w = 0; w < MICA_EVTCHN_WORDS; w++)
		WRITE_ONCE(shinfo->evtchn_mask[w], ~0ull);
	shinfo = NULL;
	shinfo_page = NULL;
}

static void dispatch_port(u32 port)
{
	struct mica_port_entry *e;

	spin_lock(&ports_lock);
	e = &ports[port];
	if (e->fn)
		e->fn(port, e->data);
	spin_unlock(&ports_lock);
}

static void scan_word(unsigned int w)
{
	unsigned long bits;
	unsigned int b;
	u32 port;

	bits = READ_ONCE(pending_map()[w]) & ~READ_ONCE(mask_map()[w]);
	while (bits) {
		b = __ffs(bits);
		bits &= bits - 1;
		port = w * BITS_PER_LONG + b;
		/*
		 * Atomic: the hypervisor sets other bits of the word, and the
		 * scan at probe may run beside the handler: one of them wins.
		 */
		if (test_and_clear_bit(port, pending_map()) &&
		    port < MICA_EVTCHN_DEFAULT_PORTS)
			dispatch_port(port);
	}
}

static bool scan_vcpu(struct mica_vcpu_info *vi)
{
	unsigned long sel;
	unsigned int w;

	if (!READ_ONCE(vi->upcall_pending))
		return false;
	WRITE_ONCE(vi->upcall_pending, 0);
	sel = xchg(&vi->pending_sel, 0);
	while (sel) {
		w = __ffs(sel);
		sel &= sel - 1;
		if (w < MICA_EVTCHN_WORDS)
			scan_word(w);
	}
	return true;
}

/*
 * The upcall: the MSI arrives on one CPU whichever vCPU an event is for,
 * so every vCPU's selector is scanned, again until a pass finds none set.
 */
void mica_events_upcall(void)
{
	bool again;
	unsigned int v;

	if (!shinfo)
		return;
	do {
		again = false;
		for (v = 0; v < MICA_SHINFO_VCPUS; v++)
			again |= scan_vcpu(&shinfo->vcpu_info[v]);
	} while (again);
}

void mica_port_lock(unsigned long *flags)
{
	spin_lock_irqsave(&ports_lock, *flags);
}

void mica_port_unlock(unsigned long flags)
{
	spin_unlock_irqrestore(&ports_lock, flags);
}

/*
 * Route port's events to fn(port, data) and unmask it; the unmask raises
 * an upcall at once if it is already pending (a new interdomain port is).
 */
int mica_port_bind(u32 port, mica_port_fn fn, void *data)
{
	struct mica_evtchn_port arg = { .port = port };
	unsigned long flags;
	long rc;

	if (port == 0 || port >= MICA_EVTCHN_DEFAULT_PORTS)
		return -EINVAL;
	spin_lock_irqsave(&ports_lock, flags);
	if (ports[port].fn) {
		spin_unlock_irqrestore(&ports_lock, flags);
		return -EBUSY;
	}
	ports[port].fn = fn;
	ports[port].data = data;
	spin_unlock_irqrestore(&ports_lock, flags);
	rc = mica_evtchn_op(MICA_EVTCHNOP_unmask, &arg);
	if (rc < 0) {
		mica_port_unbind(port);
		return rc;
	}
	return 0;
}

/* Mask port and forget its callback; none runs once this returns. */
void mica_port_unbind(u32 port)
{
	unsigned long flags;

	if (port == 0 || port >= MICA_EVTCHN_DEFAULT_PORTS || !shinfo)
		return;
	set_bit(port, mask_map());
	spin_lock_irqsave(&ports_lock, flags);
	ports[port].fn = NULL;
	ports[port].data = NULL;
	spin_unlock_irqrestore(&ports_lock, flags);
}

/* Unbind and close a port of ours. */
int mica_port_close(u32 port)
{
	struct mica_evtchn_port arg = { .port = port };
	long rc;

	mica_port_unbind(port);
	rc = mica_evtchn_op(MICA_EVTCHNOP_close, &arg);
	if (rc < 0)
		pr_warn("mica: closing event channel %u failed: %ld\n",
			port, rc);
	return rc;
}
