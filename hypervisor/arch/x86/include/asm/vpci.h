/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual PCI bus of a platform domain (public/platform.h): bus 0 with
 * the host bridge at 00:00.0 and the Mica platform device at 00:02.0.
 *
 * The configuration-space logic (vpci.c) is pure: it touches nothing but
 * the struct vpci it is given, so the host unit tests compile it as it is.
 * The ports (0xCF8-0xCFF), the lock and the MSI upcall live in vpci_io.c.
 */
#ifndef ASM_VPCI_H
#define ASM_VPCI_H

#include <mica/types.h>

#define VPCI_CFG_SIZE       256      /* what mechanism 1 reaches of each function */
#define VPCI_NR_DEVS        2        /* host bridge, platform device */

/* Configuration mechanism 1 (PCI Local Bus 3.0, 3.2.2.3.2) */
#define PCI_CONF_ADDR_PORT  0xcf8
#define PCI_CONF_DATA_PORT  0xcfc
#define PCI_CONF_ENABLE     0x80000000u
#define PCI_CONF_ADDR_MASK  0x80fffffcu  /* enable, bus, device, function, dword register */

/* Type-0 header offsets */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09
#define PCI_CLASS_DEVICE    0x0a     /* sub-class, then base class */
#define PCI_HEADER_TYPE     0x0e
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID    0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_COMMAND_PARITY  0x0040
#define PCI_COMMAND_SERR    0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_HEADER_TYPE_NORMAL 0x00

#define PCI_CLASS_BRIDGE_HOST   0x0600
#define PCI_CLASS_SYSTEM_OTHER  0x0880

/* The MSI capability (PCI Local Bus 3.0, 6.8.1), 64-bit, no per-vector masking */
#define PCI_CAP_ID_MSI      0x05
#define VPCI_MSI_CAP        0x40     /* where the platform device has it */
#define PCI_MSI_FLAGS       2        /* message control, from the capability */
#define PCI_MSI_ADDRESS_LO  4
#define PCI_MSI_ADDRESS_HI  8
#define PCI_MSI_DATA_64     12
#define PCI_MSI_CAP_LEN_64  14
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_64BIT  0x0080

/* The x86 MSI message (Intel SDM vol. 3, 11.11) */
#define MSI_ADDR_BASE       0xfee00000u
#define MSI_ADDR_BASE_MASK  0xfff00000u
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_ADDR_DEST_MASK  0xffu
#define MSI_ADDR_REDIR_HINT (1u << 3)
#define MSI_ADDR_DEST_LOGICAL (1u << 2)
#define MSI_DATA_VECTOR_MASK 0xffu
#define MSI_DATA_DELIVERY_SHIFT 8
#define MSI_DATA_DELIVERY_MASK 7u
#define MSI_DATA_DELIVERY_FIXED  0
#define MSI_DATA_DELIVERY_LOWPRI 1
#define MSI_DATA_TRIGGER_LEVEL (1u << 15)
#define MSI_VECTOR_MIN      16       /* 0-15 are exceptions: never delivered */

/* A bus/device/function as mechanism 1 encodes it: bus << 8 | dev << 3 | fn. */
#define VPCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

struct vpci {
    uint32_t addr;                              /* CONFIG_ADDRESS (0xCF8) */
    uint8_t cfg[VPCI_NR_DEVS][VPCI_CFG_SIZE];   /* each function's space */
};

/* Where an MSI goes: a decoded message. */
struct vpci_msi {
    uint32_t dest;          /* APIC ID (physical) or logical destination */
    bool logical;
    bool lowest;            /* lowest-priority: one of the destinations */
    uint8_t vector;
};

/* Both functions in their reset state. */
void vpci_init(struct vpci *p);
/*
 * A configuration read or write of size 1, 2 or 4 at register reg of
 * function bdf (VPCI_BDF). A function that does not exist, a register at or
 * beyond VPCI_CFG_SIZE, or an access crossing a dword reads as all-ones and
 * writes nothing. Writes change only the command register and the MSI
 * capability's enable bit, address and data; the rest is read-only.
 */
/* One of the virtual bus's own functions (the virtual one wins a shared BDF). */
bool vpci_is_virtual(uint16_t bdf);
uint32_t vpci_cfg_read(const struct vpci *p, uint16_t bdf, unsigned int reg, unsigned int size);
void vpci_cfg_write(struct vpci *p, uint16_t bdf, unsigned int reg, unsigned int size,
                    uint32_t val);
/*
 * The platform device's MSI: true, with *m filled in, when the guest has
 * enabled it and programmed a message this platform can deliver (address
 * 0xFEExxxxx, fixed or lowest-priority delivery, edge, vector >= 16).
 */
bool vpci_msi_get(const struct vpci *p, struct vpci_msi *m);
/* Decode an x86 MSI message: 0, or -EINVAL for one that cannot be delivered. */
int vpci_msi_decode(uint64_t addr, uint32_t data, struct vpci_msi *m);

#endif
