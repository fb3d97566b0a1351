// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_cons: the PV console frontend (hvc0) of a Mica domU
 * (public/io/console.h, docs/pvio.md "Console").
 *
 * The toolstack gives each domU one console page and one event channel,
 * found in its params MICA_PARAM_CONSOLE_GFN and _EVTCHN (the builder has
 * the page in the reserved hole below 1 MiB and the port unbound for
 * dom0). On load the module maps the page, binds the port, registers an
 * hvc terminal (hvc0, a kernel console for console=hvc0) and writes
 * console/state = Connected in the domain's store directory; dom0's micad
 * then takes the guest's output from out[] and puts keystrokes into in[].
 * No bus device is involved (as with Xen's first console): mica_bus
 * requests the alias "mica:console" when the domain has a console page.
 * There is no module_exit: a console stays (hvc keeps the ops of a tty
 * still open after hvc_remove, so the module must never go away).
 *
 * The guest produces out[] and consumes in[]. Output that does not fit in
 * out[] waits in hvc's buffer (tty writes) or is dropped (kernel messages
 * while dom0 is not reading), never spun on. hvc polls get_chars from its
 * thread; dom0's event kicks it.
 */
#include <linux/io.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <mica/bus.h>
#include <public/io/console.h>
#include <public/param.h>

#include "mica_hvc.h"

#define MICA_CONS_VTERM   0x4d434f4e	/* "MCON": our hvc cookie */
#define MICA_CONS_OUTBUF  PAGE_SIZE	/* hvc's tty buffer */

static struct mica_cons {
	struct mica_cons_ring *ring;
	u64 gfn;
	mica_port_t port;
	struct hvc_struct *hvc;
	spinlock_t out_lock;		/* printk and the tty both produce */
	spinlock_t in_lock;
} cons;

static int mica_cons_put(u32 vtermno, const char *buf, int count)
{
	struct mica_cons_ring *r = cons.ring;
	unsigned long flags;
	u32 prod, used;
	int n = 0;

	spin_lock_irqsave(&cons.out_lock, flags);
	prod = r->out_prod;
	used = prod - READ_ONCE(r->out_cons);
	mb();			/* dom0's consumer read before we overwrite */
	if (used > MICA_CONS_OUT_SIZE)
		used = MICA_CONS_OUT_SIZE;	/* a bad consumer: send nothing */
	while (n < count && used + n < MICA_CONS_OUT_SIZE) {
		r->out[MICA_CONS_OUT_IDX(prod + n)] = buf[n];
		n++;
	}
	wmb();			/* the bytes before the index */
	WRITE_ONCE(r->out_prod, prod + n);
	spin_unlock_irqrestore(&cons.out_lock, flags);
	if (n)
		mica_evtchn_notify(cons.port);
	return n;
}

static int mica_cons_get(u32 vtermno, char *buf, int count)
{
	struct mica_cons_ring *r = cons.ring;
	unsigned long flags;
	u32 cons_idx, prod;
	int n = 0;

	spin_lock_irqsave(&cons.in_lock, flags);
	cons_idx = r->in_cons;
	prod = READ_ONCE(r->in_prod);
	rmb();			/* the index before the bytes */
	if (prod - cons_idx > MICA_CONS_IN_SIZE) {
		pr_warn_ratelimited("mica_cons: bad input index %u (at %u): skipped\n",
				    prod, cons_idx);
		cons_idx = prod;
	}
	while (n < count && cons_idx != prod)
		buf[n++] = r->in[MICA_CONS_IN_IDX(cons_idx++)];
	mb();			/* the bytes read before dom0 may reuse them */
	WRITE_ONCE(r->in_cons, cons_idx);
	spin_unlock_irqrestore(&cons.in_lock, flags);
	if (n)
		mica_evtchn_notify(cons.port);	/* room again for dom0 */
	return n;
}

static const struct hv_ops mica_cons_ops = {
	.get_chars = mica_cons_get,
	.put_chars = mica_cons_put,
};

/* dom0 took output or gave input: hvc's thread polls now. Hard IRQ. */
static void mica_cons_event(mica_port_t port, void *data)
{
	hvc_kick();
}

static int mica_cons_map(void)
{
	u64 gfn, port;
	int rc;

	rc = mica_param_get(MICA_PARAM_CONSOLE_GFN, &gfn);
	if (!rc)
		rc = mica_param_get(MICA_PARAM_CONSOLE_EVTCHN, &port);
	if (rc)
		return rc;
	if (!gfn || !port || port > U32_MAX || gfn > (U64_MAX >> PAGE_SHIFT)) {
		pr_info("mica_cons: no PV console (gfn %#llx, port %llu)\n",
			gfn, port);
		return -ENODEV;
	}
	cons.ring = memremap(gfn << PAGE_SHIFT, PAGE_SIZE, MEMREMAP_WB);
	if (!cons.ring)
		return -ENOMEM;
	cons.gfn = gfn;
	cons.port = port;
	return 0;
}

static int mica_cons_state(enum mica_bus_state state)
{
	return mica_store_printf(MICA_STORE_NO_TX, "console", "state", "%d",
				 state);
}

static int __init mica_cons_init(void)
{
	int rc;

	spin_lock_init(&cons.out_lock);
	spin_lock_init(&cons.in_lock);
	rc = mica_cons_map();
	if (rc)
		return rc;
	rc = mica_evtchn_bind(cons.port, mica_cons_event, NULL);
	if (rc)
		goto err_unmap;
	cons.hvc = hvc_alloc(MICA_CONS_VTERM, 0, &mica_cons_ops,
			     MICA_CONS_OUTBUF);
	if (IS_ERR(cons.hvc)) {
		rc = PTR_ERR(cons.hvc);
		goto err_unbind;
	}
	rc = mica_cons_state(MICA_BUS_CONNECTED);
	if (rc) {
		pr_err("mica_cons: store: console/state: %d: dom0 would not read us\n",
		       rc);
		goto err_remove;
	}
	pr_info("mica_cons: hvc0 on the ring at gfn %#llx, port %u\n",
		cons.gfn, cons.port);
	mica_evtchn_notify(cons.port);
	return 0;

err_remove:
	hvc_remove(cons.hvc);
err_unbind:
	mica_evtchn_unbind(cons.port);
err_unmap:
	memunmap(cons.ring);
	return rc;
}

module_init(mica_cons_init);

MODULE_DESCRIPTION("Mica PV console frontend (hvc)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("mica:console");
