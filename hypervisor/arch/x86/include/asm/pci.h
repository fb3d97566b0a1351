/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's PCI functions as the hypervisor found them at boot
 * (segment 0, configuration mechanism 1). docs/iommu.md: the base for
 * giving dom0 the physical devices through a filtered config space.
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <mica/types.h>

#define PCI_MAX_FUNCS   256

struct pci_func {
    uint16_t bdf;
    uint16_t vendor, device;
    uint32_t class;             /* class, subclass, prog-if */
    uint8_t hdr_type;           /* 0 device, 1 PCI-PCI bridge */
};

#define PCI_BDF(bus, dev, fn)  ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

uint32_t pci_conf_read32(uint16_t bdf, unsigned int reg);
/* Walk bus 0 and every bus behind a bridge (each bus once); log each function. */
void pci_scan(void);
unsigned int pci_nr_funcs(void);
const struct pci_func *pci_func_at(unsigned int i);
const struct pci_func *pci_func_find(uint16_t bdf);

#endif
