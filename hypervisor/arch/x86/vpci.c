/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration space of the virtual PCI bus (asm/vpci.h): two
 * functions on bus 0, each a 256-byte image written through a per-byte
 * mask, as a device's registers are. Pure: the host unit tests compile it.
 */
#include <asm/vpci.h>
#include <public/platform.h>
#include <mica/errno.h>
#include <mica/lib.h>

#define HOSTBRIDGE_REVISION 0
#define DEV_PLATFORM        1       /* its index in devs[] */

struct vpci_dev {
    uint16_t bdf;
    uint16_t device;
    uint16_t class;         /* base class << 8 | sub-class; programming interface 0 */
    uint8_t revision;
    bool msi;               /* has the MSI capability at VPCI_MSI_CAP */
};

static const struct vpci_dev devs[VPCI_NR_DEVS] = {
    { VPCI_BDF(0, 0, 0), MICA_PCI_DEV_HOSTBRIDGE, PCI_CLASS_BRIDGE_HOST,
      HOSTBRIDGE_REVISION, false },
    { VPCI_BDF(0, MICA_PCI_PLATFORM_SLOT, 0), MICA_PCI_DEV_PLATFORM, PCI_CLASS_SYSTEM_OTHER,
      MICA_PCI_PLATFORM_REVISION, true },
};

BUILD_BUG_ON(VPCI_MSI_CAP + PCI_MSI_CAP_LEN_64 > VPCI_CFG_SIZE);

#define CMD_WRITABLE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
                      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

static void put16(uint8_t *cfg, unsigned int reg, uint16_t v)
{
    cfg[reg] = (uint8_t)v;
    cfg[reg + 1] = (uint8_t)(v >> 8);
}

static uint32_t get(const uint8_t *cfg, unsigned int reg, unsigned int size)
{
    uint32_t v = 0;

    for (unsigned int i = size; i--; )
        v = v << 8 | cfg[reg + i];
    return v;
}

/* The bits of configuration byte reg that the guest may write. */
static uint8_t wmask(const struct vpci_dev *d, unsigned int reg)
{
    if (reg == PCI_COMMAND || reg == PCI_COMMAND + 1)
        return (uint8_t)(CMD_WRITABLE >> (8 * (reg - PCI_COMMAND)));
    if (!d->msi || reg < VPCI_MSI_CAP || reg >= VPCI_MSI_CAP + PCI_MSI_CAP_LEN_64)
        return 0;
    switch (reg - VPCI_MSI_CAP) {
    case PCI_MSI_FLAGS:      return PCI_MSI_FLAGS_ENABLE;  /* one message: MME stays 0 */
    case PCI_MSI_FLAGS + 1:  return 0;
    case PCI_MSI_ADDRESS_LO: return 0xfc;                  /* dword aligned */
    default:                 return reg - VPCI_MSI_CAP >= PCI_MSI_ADDRESS_LO ? 0xff : 0;
    }
}

static void init_dev(const struct vpci_dev *d, uint8_t *cfg)
{
    memset(cfg, 0, VPCI_CFG_SIZE);
    put16(cfg, PCI_VENDOR_ID, MICA_PCI_VENDOR);
    put16(cfg, PCI_DEVICE_ID, d->device);
    cfg[PCI_REVISION_ID] = d->revision;
    put16(cfg, PCI_CLASS_DEVICE, d->class);
    cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
    put16(cfg, PCI_SUBSYSTEM_VENDOR_ID, MICA_PCI_VENDOR);
    put16(cfg, PCI_SUBSYSTEM_ID, d->device);
    if (!d->msi)
        return;
    put16(cfg, PCI_STATUS, PCI_STATUS_CAP_LIST);
    cfg[PCI_CAPABILITY_LIST] = VPCI_MSI_CAP;
    cfg[VPCI_MSI_CAP] = PCI_CAP_ID_MSI;
    cfg[VPCI_MSI_CAP + 1] = 0;                             /* the last capability */
    put16(cfg, VPCI_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
}

void vpci_init(struct vpci *p)
{
    p->addr = 0;
    for (unsigned int i = 0; i < VPCI_NR_DEVS; i++)
        init_dev(&devs[i], p->cfg[i]);
}

/* The function's index, or -1; and whether the access stays inside one dword. */
static int lookup(uint16_t bdf, unsigned int reg, unsigned int size)
{
    if ((size != 1 && size != 2 && size != 4) || reg >= VPCI_CFG_SIZE ||
        (reg & 3) + size > 4)
        return -1;
    for (int i = 0; i < VPCI_NR_DEVS; i++)
        if (devs[i].bdf == bdf)
            return i;
    return -1;
}

bool vpci_is_virtual(uint16_t bdf)
{
    for (int i = 0; i < VPCI_NR_DEVS; i++)
        if (devs[i].bdf == bdf)
            return true;
    return false;
}

uint32_t vpci_cfg_read(const struct vpci *p, uint16_t bdf, unsigned int reg, unsigned int size)
{
    int i = lookup(bdf, reg, size);

    if (i < 0)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return get(p->cfg[i], reg, size);
}

void vpci_cfg_write(struct vpci *p, uint16_t bdf, unsigned int reg, unsigned int size,
                    uint32_t val)
{
    int i = lookup(bdf, reg, size);

    if (i < 0)
        return;
    for (unsigned int b = 0; b < size; b++, val >>= 8) {
        uint8_t m = wmask(&devs[i], reg + b);

        p->cfg[i][reg + b] = (uint8_t)((p->cfg[i][reg + b] & ~m) | ((uint8_t)val & m));
    }
}

int vpci_msi_decode(uint64_t addr, uint32_t data, struct vpci_msi *m)
{
    unsigned int mode = (data >> MSI_DATA_DELIVERY_SHIFT) & MSI_DATA_DELIVERY_MASK;
    uint8_t vector = (uint8_t)(data & MSI_DATA_VECTOR_MASK);

    if ((addr >> 32) || (addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
        return -EINVAL;
    if ((mode != MSI_DATA_DELIVERY_FIXED && mode != MSI_DATA_DELIVERY_LOWPRI) ||
        (data & MSI_DATA_TRIGGER_LEVEL) || vector < MSI_VECTOR_MIN)
        return -EINVAL;
    m->dest = (uint32_t)(addr >> MSI_ADDR_DEST_SHIFT) & MSI_ADDR_DEST_MASK;
    m->logical = addr & MSI_ADDR_DEST_LOGICAL;
    /* The redirection hint makes a logical message lowest-priority (SDM 11.11.1). */
    m->lowest = mode == MSI_DATA_DELIVERY_LOWPRI ||
                (m->logical && (addr & MSI_ADDR_REDIR_HINT));
    m->vector = vector;
    return 0;
}

bool vpci_msi_get(const struct vpci *p, struct vpci_msi *m)
{
    const uint8_t *cap = p->cfg[DEV_PLATFORM] + VPCI_MSI_CAP;
    uint64_t addr = get(cap, PCI_MSI_ADDRESS_LO, 4) |
                    (uint64_t)get(cap, PCI_MSI_ADDRESS_HI, 4) << 32;

    if (!(get(cap, PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE))
        return false;
    return !vpci_msi_decode(addr, get(cap, PCI_MSI_DATA_64, 2), m);
}
