/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's view of a physical function's MSI capability (dom0_pci=view,
 * docs/iommu.md): what dom0 writes to message control, address, data and
 * the mask register stays in this image, never on the device; the device
 * gets the hypervisor's own message (pci_dom0_msi.c). Pure: the unit test
 * compiles it as it is.
 *
 * dom0 sees one vector only (Multiple Message Capable 0), the capability's
 * 64-bit and per-vector-masking bits as the device has them, the pending
 * bits as the device has them, and reads back what it wrote through the
 * bits a real one-vector MSI capability keeps.
 */
#ifndef ASM_PCI_MSI_H
#define ASM_PCI_MSI_H

#include <mica/types.h>

#define MSI_CAP_MAX_LEN     24      /* 64-bit with per-vector masking */
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_FLAGS_QMASK   0x000e
#define PCI_MSI_FLAGS_QSIZE   0x0070
#define MSI_CTRL_OFF        2
#define MSI_ADDR_LO_OFF     4

struct msi_virt {
    uint8_t cap;                    /* the capability's offset; 0: none */
    uint16_t hw_ctrl;               /* the device's message control at boot */
    uint8_t img[MSI_CAP_MAX_LEN];   /* dom0's image, at cap + i */
};

/* Set up the image of the capability at cap with the device's control. */
void msi_virt_init(struct msi_virt *m, uint8_t cap, uint16_t hw_ctrl);
/* Offsets from cap (0: the capability has no such register). */
unsigned int msi_virt_data_off(const struct msi_virt *m);
unsigned int msi_virt_mask_off(const struct msi_virt *m);
unsigned int msi_virt_len(const struct msi_virt *m);
/* The dword at dreg (aligned) as dom0 sees it, hw being the device's. */
uint32_t msi_virt_overlay(const struct msi_virt *m, unsigned int dreg, uint32_t hw);
/* dom0's write of size bytes at reg: true if it reached the image. */
bool msi_virt_write(struct msi_virt *m, unsigned int reg, unsigned int size, uint32_t val);
bool msi_virt_enabled(const struct msi_virt *m);
bool msi_virt_masked(const struct msi_virt *m);
/* The message dom0 programmed. */
uint64_t msi_virt_addr(const struct msi_virt *m);
uint32_t msi_virt_data(const struct msi_virt *m);

#endif
