// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_bus.ko: binds the Mica platform device (public/platform.h) in a
 * domU, takes its MSI as the event-channel upcall, sets up the domain's
 * grant table and store client, and offers the frontends the API of
 * <mica/bus.h>. dom0's mica.ko binds the same device in the privileged
 * domain; this driver refuses it there. docs/pv-install.md.
 */
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include <public/domctl.h>
#include <public/platform.h>

#include "mica_bus.h"

/* The driver's state is global: one platform device per domain. */
static bool mica_bus_bound;

/*
 * dom0 answers a domctl getinfo of itself with its privileged flag; a domU
 * is refused with -EPERM before its argument is looked at. Only a domU
 * binds here.
 */
static int check_unprivileged(struct pci_dev *pdev)
{
	struct mica_domctl *d;
	long rc;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	d->domid = MICA_DOMID_SELF;
	rc = mica_hypercall2(MICA_HC_domctl, MICA_DOMCTL_getinfo, (u64)d);
	if (rc == 0 && (d->u.getinfo.flags & MICA_DOMINFO_privileged)) {
		dev_info(&pdev->dev, "the privileged domain: mica.ko's, not mica_bus's\n");
		rc = -ENODEV;
	} else {
		rc = 0;
	}
	kfree(d);
	return rc;
}

int mica_param_get(u32 index, u64 *value)
{
	struct mica_param p = { .domid = MICA_DOMID_SELF, .index = index };
	long rc;

	if (!mica_bus_bound)
		return -ENODEV;
	rc = mica_param_op(MICA_PARAM_get, &p);
	*value = rc ? 0 : p.value;
	return rc;
}
EXPORT_SYMBOL_GPL(mica_param_get);

/*
 * The store ring and its port, from the params the toolstack set at
 * create. A domain without them (or a hypervisor without param_op) runs
 * with event channels and grants only: no store, no devices.
 */
static int setup_store(struct pci_dev *pdev)
{
	u64 gfn, port;
	int rc;

	rc = mica_param_get(MICA_PARAM_STORE_GFN, &gfn);
	if (!rc)
		rc = mica_param_get(MICA_PARAM_STORE_EVTCHN, &port);
	if (rc || !gfn || !port || port >= MICA_EVTCHN_DEFAULT_PORTS) {
		dev_warn(&pdev->dev, "no store (param_op %d, gfn %#llx, port %llu): no PV devices\n",
			 rc, gfn, rc ? 0 : port);
		return -ENODEV;
	}
	rc = mica_store_init(gfn, port);
	if (rc)
		dev_err(&pdev->dev, "store ring at gfn %#llx port %llu: %d\n",
			gfn, port, rc);
	return rc;
}

static bool mica_bus_store;

static void start_store(struct pci_dev *pdev)
{
	int rc;

	if (setup_store(pdev))
		return;
	mica_bus_store = true;
	rc = mica_control_init();
	if (rc)
		dev_err(&pdev->dev, "control/ node: %d: no shutdown by the toolstack\n",
			rc);
	rc = mica_bus_probe_devices(&pdev->dev);
	if (rc)
		dev_err(&pdev->dev, "watching device/: %d: no PV devices\n", rc);
}

static void stop_store(void)
{
	if (!mica_bus_store)
		return;
	mica_bus_remove_devices();
	mica_control_exit();
	mica_store_exit();
	mica_bus_store = false;
}

/*
 * The PV console has no device under device/ (as Xen's console 0): its
 * ring is a param. Its module is asked for without waiting, since it
 * needs this module's symbols and this probe may run in our module_init.
 */
static void start_console(void)
{
	u64 gfn;

	if (!mica_param_get(MICA_PARAM_CONSOLE_GFN, &gfn) && gfn)
		request_module_nowait("mica:console");
}

static int mica_bus_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	int rc;

	if (mica_bus_bound)
		return -EBUSY;
	rc = check_unprivileged(pdev);
	if (rc)
		return rc;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	pci_set_master(pdev);
	rc = mica_events_init();
	if (rc)
		return rc;
	rc = mica_upcall_setup(pdev, "mica-bus");
	if (rc)
		goto err_events;
	rc = mica_gnttab_init();
	if (rc) {
		dev_err(&pdev->dev, "grant table: %d\n", rc);
		goto err_upcall;
	}
	mica_bus_bound = true;
	start_store(pdev);
	start_console();
	dev_info(&pdev->dev, "Mica platform device: MSI %d, grant table, %s\n",
		 pci_irq_vector(pdev, 0),
		 mica_bus_store ? "store connected" : "no store");
	return 0;

err_upcall:
	mica_upcall_teardown(pdev);
err_events:
	mica_events_exit();
	return rc;
}

/*
 * Only at unload (the bind attributes are suppressed): no frontend module
 * is loaded, so no device has a driver.
 */
static void mica_bus_pci_remove(struct pci_dev *pdev)
{
	stop_store();
	mica_gnttab_exit();
	mica_upcall_teardown(pdev);
	mica_events_exit();
	mica_bus_bound = false;
}

/* ---- event channels and grants for the frontends ---- */

int mica_evtchn_alloc_unbound(domid_t remote, mica_port_t *port)
{
	struct mica_evtchn_alloc_unbound arg = {
		.dom = MICA_DOMID_SELF,
		.remote_dom = remote,
	};
	long rc;

	if (!mica_bus_bound)
		return -ENODEV;
	rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &arg);
	if (rc)
		return rc;
	if (arg.port == 0 || arg.port >= MICA_EVTCHN_DEFAULT_PORTS) {
		mica_port_close(arg.port);
		return -ENOSPC;
	}
	*port = arg.port;
	return 0;
}
EXPORT_SYMBOL_GPL(mica_evtchn_alloc_unbound);

int mica_evtchn_bind(mica_port_t port, mica_evtchn_handler_t fn, void *data)
{
	if (!mica_bus_bound)
		return -ENODEV;
	return mica_port_bind(port, fn, data);
}
EXPORT_SYMBOL_GPL(mica_evtchn_bind);

void mica_evtchn_unbind(mica_port_t port)
{
	mica_port_unbind(port);
}
EXPORT_SYMBOL_GPL(mica_evtchn_unbind);

void mica_evtchn_close(mica_port_t port)
{
	if (port && port < MICA_EVTCHN_DEFAULT_PORTS)
		mica_port_close(port);
}
EXPORT_SYMBOL_GPL(mica_evtchn_close);

void mica_evtchn_notify(mica_port_t port)
{
	struct mica_evtchn_port arg = { .port = port };

	mica_evtchn_op(MICA_EVTCHNOP_send, &arg);
}
EXPORT_SYMBOL_GPL(mica_evtchn_notify);

int mica_gnttab_grant(domid_t domid, unsigned long gfn, bool readonly)
{
	u32 ref;
	int rc;

	if (!mica_bus_bound)
		return -ENODEV;
	rc = mica_gnttab_alloc_refs(&ref, 1);
	if (rc)
		return rc;
	mica_gnttab_grant_ref(ref, domid, gfn, readonly);
	return ref;
}
EXPORT_SYMBOL_GPL(mica_gnttab_grant);

int mica_gnttab_end(u32 ref)
{
	return mica_gnttab_end_ref(ref) ? 0 : -EBUSY;
}
EXPORT_SYMBOL_GPL(mica_gnttab_end);

void mica_gnttab_end_and_free(u32 ref, struct page *page)
{
	mica_gnttab_end_page(ref, page);
}
EXPORT_SYMBOL_GPL(mica_gnttab_end_and_free);

static const struct pci_device_id mica_bus_pci_ids[] = {
	{ PCI_DEVICE(MICA_PCI_VENDOR, MICA_PCI_DEV_PLATFORM) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mica_bus_pci_ids);

static struct pci_driver mica_bus_pci_driver = {
	.name = "mica_bus",
	.id_table = mica_bus_pci_ids,
	.probe = mica_bus_pci_probe,
	.remove = mica_bus_pci_remove,
	.driver.suppress_bind_attrs = true,
};

/* The bus type first: frontends may register drivers before any probe. */
static int __init mica_bus_init(void)
{
	int rc = mica_bus_type_init();

	if (rc)
		return rc;
	rc = pci_register_driver(&mica_bus_pci_driver);
	if (rc)
		mica_bus_type_exit();
	return rc;
}
module_init(mica_bus_init);

static void __exit mica_bus_exit(void)
{
	pci_unregister_driver(&mica_bus_pci_driver);
	mica_bus_type_exit();
}
module_exit(mica_bus_exit);

MODULE_DESCRIPTION("Mica guest bus: platform device, event channels, grants, store, PV device bus");
MODULE_AUTHOR("The Mica developers");
MODULE_LICENSE("GPL");
