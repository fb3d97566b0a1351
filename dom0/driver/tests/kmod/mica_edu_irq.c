// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_edu_irq.ko: a test driver for QEMU's "edu" device (hw/misc/edu.c),
 * loaded by dom0/tests/storm.sh only (it is not under /lib/modules, so
 * nothing loads it by its ID). It gives edu one MSI and a handler that
 * acknowledges what the device raised (interrupt status at 0x24 written
 * to the acknowledge register at 0x64), so each write of edu's raise
 * register (0x60) is one interrupt, counted in /proc/interrupts under
 * "mica_edu_irq". With the parameter refire set
 * (/sys/module/mica_edu_irq/parameters/refire) the handler raises it again
 * once acknowledged: a flood paced only by the interrupt path (a device
 * whose line never stays quiet), which the hypervisor must throttle
 * (docs/iommu.md, "Storms"; dom0/tests/storm.sh).
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_RAISE_BIT	0x1

static bool refire;
module_param(refire, bool, 0644);
MODULE_PARM_DESC(refire, "raise edu's interrupt again from its handler (a flood)");

struct edu_irq {
	void __iomem *regs;
};

static irqreturn_t edu_irq_handler(int irq, void *data)
{
	struct edu_irq *e = data;
	u32 status = ioread32(e->regs + EDU_IRQ_STATUS);

	if (status)
		iowrite32(status, e->regs + EDU_IRQ_ACK);
	if (READ_ONCE(refire))
		iowrite32(EDU_RAISE_BIT, e->regs + EDU_IRQ_RAISE);
	/* MSI is never shared: one raised before the acknowledgment may find none left. */
	return IRQ_HANDLED;
}

static int edu_irq_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_irq *e;
	int rc;

	e = devm_kzalloc(&pdev->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	/* No request_region: the test maps the BAR through sysfs too. */
	e->regs = pcim_iomap(pdev, 0, 0);
	if (!e->regs)
		return -ENOMEM;
	/* edu's MSI is a write of its own (bus master): without this it is dropped. */
	pci_set_master(pdev);
	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0)
		return rc;
	rc = request_irq(pci_irq_vector(pdev, 0), edu_irq_handler, 0, "mica_edu_irq", e);
	if (rc) {
		pci_free_irq_vectors(pdev);
		return rc;
	}
	pci_set_drvdata(pdev, e);
	dev_info(&pdev->dev, "edu: MSI %d\n", pci_irq_vector(pdev, 0));
	return 0;
}

static void edu_irq_remove(struct pci_dev *pdev)
{
	struct edu_irq *e = pci_get_drvdata(pdev);

	free_irq(pci_irq_vector(pdev, 0), e);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id edu_irq_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_irq_ids);

static struct pci_driver edu_irq_driver = {
	.name = "mica_edu_irq",
	.id_table = edu_irq_ids,
	.probe = edu_irq_probe,
	.remove = edu_irq_remove,
};
module_pci_driver(edu_irq_driver);

MODULE_DESCRIPTION("Mica test driver: QEMU edu's MSI, acknowledged and counted");
MODULE_LICENSE("GPL");
