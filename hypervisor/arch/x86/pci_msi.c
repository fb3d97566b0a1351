/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's image of a physical function's MSI capability (asm/pci_msi.h).
 * Layout (PCI Local Bus 3.0, 6.8.1): ID and next (device's), message
 * control, address, [upper address if 64-bit], data (16 bits, then 16
 * reserved), [mask, pending if per-vector masking].
 */
#include <mica/lib.h>
#include <asm/vpci.h>
#include <asm/pci_msi.h>

#define MSI_ID_NEXT_LEN 2

static bool is64(const struct msi_virt *m)
{
    return m->hw_ctrl & PCI_MSI_FLAGS_64BIT;
}

static bool maskable(const struct msi_virt *m)
{
    return m->hw_ctrl & PCI_MSI_FLAGS_MASKBIT;
}

unsigned int msi_virt_data_off(const struct msi_virt *m)
{
    return is64(m) ? 12 : 8;
}

unsigned int msi_virt_mask_off(const struct msi_virt *m)
{
    return maskable(m) ? msi_virt_data_off(m) + 4 : 0;
}

/* What the image covers: up to the mask register (the pending bits are the device's). */
unsigned int msi_virt_len(const struct msi_virt *m)
{
    return msi_virt_data_off(m) + 4 + (maskable(m) ? 4 : 0);
}

/* The bits of image byte i dom0 may set: one vector, so MME 0 and mask bit 0 only. */
static uint8_t writable(const struct msi_virt *m, unsigned int i)
{
    unsigned int data = msi_virt_data_off(m), mask = msi_virt_mask_off(m);

    if (i == MSI_CTRL_OFF)
        return PCI_MSI_FLAGS_ENABLE;
    if (i >= MSI_ADDR_LO_OFF && i < MSI_ADDR_LO_OFF + 4)
        return i == MSI_ADDR_LO_OFF ? 0xfc : 0xff;
    if (is64(m) && i >= 8 && i < 12)
        return 0xff;
    if (i == data || i == data + 1)
        return 0xff;
    if (mask && i == mask)
        return 1;
    return 0;
}

void msi_virt_init(struct msi_virt *m, uint8_t cap, uint16_t hw_ctrl)
{
    uint16_t ctrl = hw_ctrl & (PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);

    memset(m, 0, sizeof(*m));
    m->cap = cap;
    m->hw_ctrl = hw_ctrl;
    m->img[MSI_CTRL_OFF] = (uint8_t)ctrl;
    m->img[MSI_CTRL_OFF + 1] = (uint8_t)(ctrl >> 8);
}

static bool owned(const struct msi_virt *m, unsigned int reg)
{
    return m->cap && reg >= (unsigned int)m->cap + MSI_ID_NEXT_LEN && reg < (unsigned int)m->cap + msi_virt_len(m);
}

uint32_t msi_virt_overlay(const struct msi_virt *m, unsigned int dreg, uint32_t hw)
{
    for (unsigned int b = 0; b < 4; b++)
        if (owned(m, dreg + b)) {
            hw &= ~(0xffu << (8 * b));
            hw |= (uint32_t)m->img[dreg + b - m->cap] << (8 * b);
        }
    return hw;
}

bool msi_virt_write(struct msi_virt *m, unsigned int reg, unsigned int size, uint32_t val)
{
    bool hit = false;

    for (unsigned int b = 0; b < size && b < 4; b++) {
        unsigned int i;
        uint8_t w, v = (uint8_t)(val >> (8 * b));

        if (!owned(m, reg + b))
            continue;
        i = reg + b - m->cap;
        w = writable(m, i);
        m->img[i] = (uint8_t)((m->img[i] & ~w) | (v & w));
        hit = true;
    }
    return hit;
}

static uint32_t img32(const struct msi_virt *m, unsigned int off)
{
    return (uint32_t)m->img[off] | (uint32_t)m->img[off + 1] << 8 |
           (uint32_t)m->img[off + 2] << 16 | (uint32_t)m->img[off + 3] << 24;
}

bool msi_virt_enabled(const struct msi_virt *m)
{
    return m->cap && (m->img[MSI_CTRL_OFF] & PCI_MSI_FLAGS_ENABLE);
}

bool msi_virt_masked(const struct msi_virt *m)
{
    unsigned int mask = msi_virt_mask_off(m);

    return mask && (m->img[mask] & 1);
}

uint64_t msi_virt_addr(const struct msi_virt *m)
{
    return img32(m, MSI_ADDR_LO_OFF) | (is64(m) ? (uint64_t)img32(m, 8) << 32 : 0);
}

uint32_t msi_virt_data(const struct msi_virt *m)
{
    unsigned int d = msi_virt_data_off(m);

    return (uint32_t)m->img[d] | (uint32_t)m->img[d + 1] << 8;
}
