// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_edu_msi: the smallest driver that gives QEMU's edu device (1234:11e8)
 * an MSI, for the device-assignment test (dom0/tests/edudomu.sh,
 * docs/iommu.md): loaded by name in the domU edu is assigned to, it binds
 * edu, enables one MSI vector and acknowledges each interrupt (edu's
 * interrupt status at 0x24, written back to its acknowledge register at
 * 0x64), so each one counts in /proc/interrupts under "mica-edu-msi".
 * It requests no region: mica-drvtest maps BAR 0 through sysfs meanwhile
 * (a requested region is exclusive under CONFIG_IO_STRICT_DEVMEM).
 * Debian's kernel has no VFIO no-IOMMU mode, and uio_pci_generic has no
 * MSI: hence this. No MODULE_DEVICE_TABLE on purpose: dom0, which loads
 * drivers by modalias, must never bind it; the test loads it by name.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_ACK	0x64

struct edu_msi {
	void __iomem *regs;
};

static irqreturn_t edu_msi_irq(int irq, void *data)
{
	struct edu_msi *e = data;
	u32 st = ioread32(e->regs + EDU_IRQ_STATUS);

	if (!st)
		return IRQ_NONE;
	iowrite32(st, e->regs + EDU_IRQ_ACK);
	return IRQ_HANDLED;
}

static int edu_msi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_msi *e;
	int rc;

	e = devm_kzalloc(&pdev->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	e->regs = pcim_iomap(pdev, 0, 0);
	if (!e->regs)
		return -ENOMEM;
	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0)
		return rc;
	rc = request_irq(pci_irq_vector(pdev, 0), edu_msi_irq, 0, "mica-edu-msi", e);
	if (rc) {
		pci_free_irq_vectors(pdev);
		return rc;
	}
	pci_set_drvdata(pdev, e);
	dev_info(&pdev->dev, "MSI on, IRQ %d\n", pci_irq_vector(pdev, 0));
	return 0;
}

static void edu_msi_remove(struct pci_dev *pdev)
{
	free_irq(pci_irq_vector(pdev, 0), pci_get_drvdata(pdev));
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id edu_msi_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver edu_msi_driver = {
	.name = "mica_edu_msi",
	.id_table = edu_msi_ids,
	.probe = edu_msi_probe,
	.remove = edu_msi_remove,
};
module_pci_driver(edu_msi_driver);

MODULE_DESCRIPTION("Mica's test driver for QEMU's edu device: one MSI, counted");
MODULE_LICENSE("GPL");
