// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mica dom0 driver: binds the Mica platform device (public/platform.h) in
 * the privileged domain, takes its MSI as the event-channel upcall and
 * offers /dev/mica/privcmd and /dev/mica/evtchn to the toolstack.
 * docs/dom0-driver.md is the reference.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pci.h>

#include <public/platform.h>

#include "mica.h"

u16 mica_self_domid;

static struct miscdevice privcmd_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mica-privcmd",
	.nodename = "mica/privcmd",
	.mode = 0600,
	.fops = &mica_privcmd_fops,
};

static struct miscdevice evtchn_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mica-evtchn",
	.nodename = "mica/evtchn",
	.mode = 0600,
	.fops = &mica_evtchn_fops,
};

static struct miscdevice gntdev_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mica-gntdev",
	.nodename = "mica/gntdev",
	.mode = 0600,
	.fops = &mica_gntdev_fops,
	.groups = mica_gntdev_groups,
};

static struct miscdevice gntalloc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mica-gntalloc",
	.nodename = "mica/gntalloc",
	.mode = 0600,
	.fops = &mica_gntalloc_fops,
	.groups = mica_gntalloc_groups,
};

/*
 * Only the privileged domain may run domctl: anywhere else the call is
 * refused with -EPERM before its argument is looked at.
 */
static int check_privileged(struct pci_dev *pdev)
{
	struct mica_domctl *d;
	long rc;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	d->domid = MICA_DOMID_SELF;
	rc = mica_hypercall2(MICA_HC_domctl, MICA_DOMCTL_getinfo, (u64)d);
	if (rc == 0 && !(d->u.getinfo.flags & MICA_DOMINFO_privileged))
		rc = -EPERM;
	if (rc == 0)
		mica_self_domid = d->u.getinfo.domid;
	kfree(d);
	if (rc == -EPERM)
		dev_err(&pdev->dev,
			"not the privileged domain: /dev/mica is for dom0 only\n");
	else if (rc < 0)
		dev_err(&pdev->dev, "domctl getinfo of this domain failed: %ld\n",
			rc);
	return rc;
}

/* The driver's state is global: one platform device per domain. */
static bool mica_bound;
static bool mica_grants;	/* the grant table and its two devices */

/*
 * dom0's grant table and the devices using it. Without them (no memory,
 * or a table a former load left in use by another domain) privcmd and
 * evtchn still work: the probe goes on without grants.
 */
static void setup_grants(struct pci_dev *pdev)
{
	int rc = mica_gnttab_init();

	if (rc)
		goto err;
	rc = misc_register(&gntdev_dev);
	if (rc)
		goto err_table;
	rc = misc_register(&gntalloc_dev);
	if (rc)
		goto err_gntdev;
	mica_grants = true;
	return;

err_gntdev:
	misc_deregister(&gntdev_dev);
err_table:
	mica_gnttab_exit();
err:
	dev_err(&pdev->dev, "no grant table (%d): /dev/mica/gntdev and gntalloc are not offered\n",
		rc);
}

static void teardown_grants(void)
{
	if (!mica_grants)
		return;
	misc_deregister(&gntalloc_dev);
	misc_deregister(&gntdev_dev);
	mica_gnttab_exit();
	mica_grants = false;
}

static int mica_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int rc;

	if (mica_bound) {
		dev_err(&pdev->dev, "a Mica platform device is bound already\n");
		return -EBUSY;
	}
	rc = check_privileged(pdev);
	if (rc)
		return rc;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	pci_set_master(pdev);
	rc = mica_events_init();
	if (rc)
		return rc;
	rc = mica_upcall_setup(pdev, "mica-evtchn");
	if (rc)
		goto err_events;
	rc = misc_register(&privcmd_dev);
	if (rc)
		goto err_upcall;
	rc = misc_register(&evtchn_dev);
	if (rc)
		goto err_privcmd;
	setup_grants(pdev);
	dev_info(&pdev->dev, "Mica platform device: domain %u, MSI %d, /dev/mica/{privcmd,evtchn%s}\n",
		 mica_self_domid, pci_irq_vector(pdev, 0),
		 mica_grants ? ",gntdev,gntalloc" : "");
	mica_bound = true;
	return 0;

err_privcmd:
	misc_deregister(&privcmd_dev);
err_upcall:
	mica_upcall_teardown(pdev);
err_events:
	mica_events_exit();
	return rc;
}

/*
 * Open files hold the module (the file operations' owner), and the bind
 * attributes are suppressed, so no file of any device is open here.
 */
static void mica_remove(struct pci_dev *pdev)
{
	teardown_grants();
	misc_deregister(&evtchn_dev);
	misc_deregister(&privcmd_dev);
	mica_upcall_teardown(pdev);
	mica_events_exit();
	mica_bound = false;
}

static const struct pci_device_id mica_pci_ids[] = {
	{ PCI_DEVICE(MICA_PCI_VENDOR, MICA_PCI_DEV_PLATFORM) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mica_pci_ids);

static struct pci_driver mica_pci_driver = {
	.name = "mica",
	.id_table = mica_pci_ids,
	.probe = mica_probe,
	.remove = mica_remove,
	.driver.suppress_bind_attrs = true,
};
module_pci_driver(mica_pci_driver);

MODULE_DESCRIPTION("Mica hypervisor dom0 driver: platform device, privcmd, evtchn, gntdev, gntalloc");
MODULE_AUTHOR("The Mica developers");
MODULE_LICENSE("GPL");
