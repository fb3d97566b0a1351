/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica-bus: the guest side of Mica's split drivers (the model of Linux's
 * xenbus and its helpers). The bus module (pvdrivers/bus, mica_bus.ko)
 * binds the Mica platform PCI device in a domU and gives frontend modules:
 * hypercalls, event channels, grants, a store client and a bus of devices
 * found under the store's device/ directory. Every function returns 0 (or
 * a value >= 0) or a negative errno. docs/pvio.md is the reference.
 */
#ifndef MICA_PV_BUS_H
#define MICA_PV_BUS_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <public/io/bus.h>

/* A domain id, as Xen's (the same type: C11 allows the typedef twice). */
typedef u16 domid_t;

/* ---- event channels ---- */

typedef u32 mica_port_t;
/*
 * Called in hard-IRQ context (the platform device's MSI) with the port's
 * pending bit cleared by the bus's scan (the port stays unmasked: another
 * event calls it again); keep it short (schedule NAPI, complete blk-mq).
 */
typedef void (*mica_evtchn_handler_t)(mica_port_t port, void *data);

int mica_evtchn_alloc_unbound(domid_t remote, mica_port_t *port);
int mica_evtchn_bind(mica_port_t port, mica_evtchn_handler_t fn, void *data);
void mica_evtchn_unbind(mica_port_t port);     /* waits for a running handler */
void mica_evtchn_close(mica_port_t port);      /* unbind if bound, then close */
void mica_evtchn_notify(mica_port_t port);

/* ---- params (public/param.h) ---- */

/* This domain's param MICA_PARAM_* (0 when the toolstack set none). */
int mica_param_get(u32 index, u64 *value);

/* ---- grants (this domain's grant table) ---- */

/* Grant domid access to the page at gfn; returns the reference. */
int mica_gnttab_grant(domid_t domid, unsigned long gfn, bool readonly);
/* Revoke; -EBUSY while the grantee still has it mapped (try again later). */
int mica_gnttab_end(u32 ref);
/* Revoke, and free the page when the grantee lets go (deferred if mapped). */
void mica_gnttab_end_and_free(u32 ref, struct page *page);
static inline unsigned long mica_page_gfn(struct page *page)
{
	return page_to_pfn(page);       /* HVM-style guest: gfn == Linux pfn */
}

/* ---- the store ---- */

struct mica_store_tx {
	u32 id;                         /* 0: none */
};

#define MICA_STORE_NO_TX ((struct mica_store_tx){ 0 })

/* kmalloc'd, NUL-terminated; ERR_PTR(-errno). */
char *mica_store_read(struct mica_store_tx t, const char *dir, const char *node,
		      unsigned int *len);
int mica_store_write(struct mica_store_tx t, const char *dir, const char *node,
		     const char *val);
__printf(4, 5)
int mica_store_printf(struct mica_store_tx t, const char *dir, const char *node,
		      const char *fmt, ...);
/* Returns the number of items matched or -errno. */
__scanf(4, 5)
int mica_store_scanf(struct mica_store_tx t, const char *dir, const char *node,
		     const char *fmt, ...);
int mica_store_rm(struct mica_store_tx t, const char *dir, const char *node);
/* Names of dir's children: a kmalloc'd array (one block) of *n strings. */
char **mica_store_directory(struct mica_store_tx t, const char *dir, const char *node,
			    unsigned int *n);
int mica_store_tx_start(struct mica_store_tx *t);
/* abort: true to throw it away; -EAGAIN: conflict, start again. */
int mica_store_tx_end(struct mica_store_tx t, bool abort);
/*
 * One transaction around fn (as Xen frontends loop on
 * xenbus_transaction_end's -EAGAIN): start, call fn(t, arg), end it (abort
 * it if fn failed) and start again on a conflict, at most
 * MICA_STORE_TX_TRIES times (then -EAGAIN). fn may run several times: it
 * must redo all its work in each t. Returns fn's error, the store's, or 0.
 */
#define MICA_STORE_TX_TRIES 16
typedef int (*mica_store_tx_fn_t)(struct mica_store_tx t, void *arg);
int mica_store_tx_run(mica_store_tx_fn_t fn, void *arg);

struct mica_store_watch {
	struct list_head list;          /* the bus's */
	const char *path;               /* absolute or relative to /local/domain/<self> */
	/* Runs in the bus's watch thread (may sleep, may use the store). */
	void (*callback)(struct mica_store_watch *w, const char *path, const char *token);
};

int mica_store_watch_register(struct mica_store_watch *w);
void mica_store_watch_unregister(struct mica_store_watch *w);

/* ---- the bus ---- */

struct mica_bus_device {
	const char *type;               /* "vbd", "vif", "console" */
	unsigned int devid;
	const char *nodename;           /* "device/vbd/51712" (relative) */
	const char *otherend;           /* the backend's absolute directory */
	domid_t otherend_id;
	enum mica_bus_state state;      /* ours, as last switched */
	struct device dev;
};

#define to_mica_bus_device(d) container_of(d, struct mica_bus_device, dev)

struct mica_bus_driver {
	const char *type;               /* devices of this type bind here */
	int (*probe)(struct mica_bus_device *dev);
	void (*remove)(struct mica_bus_device *dev);
	/* The backend's state node changed (watch thread; may sleep). */
	void (*otherend_changed)(struct mica_bus_device *dev, enum mica_bus_state state);
	struct device_driver driver;
};

int __mica_bus_register_driver(struct mica_bus_driver *drv, struct module *owner,
			       const char *mod_name);
#define mica_bus_register_driver(drv) \
	__mica_bus_register_driver(drv, THIS_MODULE, KBUILD_MODNAME)
void mica_bus_unregister_driver(struct mica_bus_driver *drv);

/* Write our state node (and dev->state); -errno if the store refused. */
int mica_bus_switch_state(struct mica_bus_device *dev, enum mica_bus_state state);
/* Read the backend's state node (MICA_BUS_UNKNOWN if absent). */
enum mica_bus_state mica_bus_read_otherend_state(struct mica_bus_device *dev);
/* Log, write an "error" node under ours and switch to Closing. */
__printf(3, 4)
void mica_bus_dev_fatal(struct mica_bus_device *dev, int err, const char *fmt, ...);

#endif
