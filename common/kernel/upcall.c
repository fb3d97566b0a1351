// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event-channel upcall (docs/abi.md, docs/dom0-driver.md): the Mica
 * platform device's one MSI, whose handler scans the pending ports
 * (events.c). Shared by dom0's mica.ko and a domU's mica_bus.ko:
 * common/kernel/.
 */
#include <linux/interrupt.h>
#include <linux/pci.h>

#include "mica_core.h"

static irqreturn_t mica_upcall_irq(int irq, void *data)
{
	mica_events_upcall();
	return IRQ_HANDLED;
}

int mica_upcall_setup(struct pci_dev *pdev, const char *name)
{
	unsigned long flags;
	int rc;

	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0) {
		dev_err(&pdev->dev, "cannot allocate an MSI: %d\n", rc);
		return rc;
	}
	rc = request_irq(pci_irq_vector(pdev, 0), mica_upcall_irq, 0, name,
			 pdev);
	if (rc) {
		dev_err(&pdev->dev, "cannot request the MSI: %d\n", rc);
		pci_free_irq_vectors(pdev);
		return rc;
	}
	/* An upcall raised before MSI was enabled was lost: look now. */
	local_irq_save(flags);
	mica_events_upcall();
	local_irq_restore(flags);
	return 0;
}

void mica_upcall_teardown(struct pci_dev *pdev)
{
	free_irq(pci_irq_vector(pdev, 0), pdev);
	pci_free_irq_vectors(pdev);
}
