/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi (the AMD IOMMU): what ACPI IVRS says about each IOMMU, and the
 * registers and in-memory formats the driver uses (AMD I/O Virtualization
 * Technology specification, 48882). docs/iommu.md has the design.
 */
#ifndef ASM_IOMMU_AMD_H
#define ASM_IOMMU_AMD_H

#include <mica/types.h>

#define IVRS_MAX_IOMMUS     8

/* One IOMMU as its IVHD block describes it. */
struct ivrs_iommu {
    paddr_t base;           /* MMIO registers */
    uint64_t efr;           /* extended features image (IVHD 0x11/0x40), else 0 */
    uint16_t bdf;           /* the IOMMU's own PCI function */
    uint16_t cap;           /* its capability block in that function's config space */
    uint16_t seg;           /* PCI segment */
    uint16_t info;          /* IOMMU info: MSI number, unit ID */
    uint8_t type;           /* IVHD type the data came from: 0x10, 0x11 or 0x40 */
    uint8_t flags;
    uint16_t dev_first;     /* lowest and highest device ID it covers */
    uint16_t dev_last;
    uint32_t nr_devs;       /* device IDs covered by its select and range entries */
    uint32_t nr_special;    /* IOAPIC/HPET entries */
};

struct ivrs_info {
    uint32_t ivinfo;        /* IVinfo: virtual/physical address sizes, EFR support */
    unsigned int nr;
    struct ivrs_iommu iommus[IVRS_MAX_IOMMUS];
    unsigned int nr_ivmd;   /* IVMD blocks (memory devices must keep reaching) */
    unsigned int nr_errors; /* blocks or entries refused (each logged) */
    uint8_t dev_iommu[0x10000];  /* per device ID: 1 + the covering IOMMU's index, 0 none */
};

/*
 * Parse a checksummed IVRS table of len bytes (p points at its ACPI
 * header). Every length and offset is checked against the block and the
 * table; a bad block or entry is logged with its offset and ends that
 * walk, keeping what came before. Returns 0 with at least one IOMMU,
 * -ENOENT with none, -EINVAL for a table too short for its header.
 */
int ivrs_parse(const uint8_t *p, uint32_t len, struct ivrs_info *out);

/* MMIO registers (offsets in the IOMMU's MMIO page). */
#define AMDVI_MMIO_SIZE         0x4000u
#define AMDVI_DEV_TAB_BASE      0x0000u
#define AMDVI_CMD_BUF_BASE      0x0008u
#define AMDVI_EVT_LOG_BASE      0x0010u
#define AMDVI_CONTROL           0x0018u
#define AMDVI_EXCL_BASE         0x0020u
#define AMDVI_EXCL_LIMIT        0x0028u
#define AMDVI_EXT_FEATURES      0x0030u
#define AMDVI_CMD_HEAD          0x2000u
#define AMDVI_CMD_TAIL          0x2008u
#define AMDVI_EVT_HEAD          0x2010u
#define AMDVI_EVT_TAIL          0x2018u
#define AMDVI_STATUS            0x2020u

#define AMDVI_CTRL_IOMMU_EN     (1ull << 0)
#define AMDVI_CTRL_EVT_LOG_EN   (1ull << 2)
#define AMDVI_CTRL_EVT_INT_EN   (1ull << 3)
#define AMDVI_CTRL_COHERENT     (1ull << 10)
#define AMDVI_CTRL_CMD_BUF_EN   (1ull << 12)

#define AMDVI_STATUS_EVT_OVERFLOW  (1ull << 0)
#define AMDVI_STATUS_EVT_INT       (1ull << 1)
#define AMDVI_STATUS_COMWAIT_INT   (1ull << 2)
#define AMDVI_STATUS_EVT_RUN       (1ull << 3)
#define AMDVI_STATUS_CMD_RUN       (1ull << 4)

#define AMDVI_EFR_IA            (1ull << 6)    /* INVALIDATE_IOMMU_ALL */

#define AMDVI_ADDR_MASK         0x000ffffffffff000ull
#define AMDVI_LEN_SHIFT         56             /* log2(entries) of a buffer */
#define AMDVI_RING_PTR_MASK     0x7fff0ull     /* head/tail byte offsets */

/* Device table: one 32-byte entry per device ID. */
#define AMDVI_DEV_IDS           0x10000u
#define AMDVI_DTE_SIZE          32u
#define AMDVI_DEV_TAB_ORDER     9              /* 2 MiB: 65536 entries */
#define AMDVI_DTE_V             (1ull << 0)
#define AMDVI_DTE_TV            (1ull << 1)
#define AMDVI_DTE_MODE_SHIFT    9
#define AMDVI_DTE_IR            (1ull << 61)
#define AMDVI_DTE_IW            (1ull << 62)
#define AMDVI_DTE_MODE_4LEVEL   (4ull << AMDVI_DTE_MODE_SHIFT)
#define AMDVI_DTE_ROOT_MASK     0x000ffffffffff000ull
#define AMDVI_DTE1_DOMID_MASK   0xffffull      /* DomainID: the DTE's qword 1, bits 15:0 */
/*
 * No DMA: translation information valid, no permission (IR=IW=0), and a
 * 4-level table whose root is an empty page (OR in its address): every
 * request is refused and logged as an IO_PAGE_FAULT with the device and
 * address, even by an IOMMU model that would not log a mode-0 refusal.
 */
#define AMDVI_DTE0_BLOCKED      (AMDVI_DTE_V | AMDVI_DTE_TV | AMDVI_DTE_MODE_4LEVEL)
/* A device given to a domain: the same, with both permissions and its table's root. */
#define AMDVI_DTE0_TRANSLATED   (AMDVI_DTE0_BLOCKED | AMDVI_DTE_IR | AMDVI_DTE_IW)

/* Command buffer and event log: 16-byte entries, 256 of each (4 KiB). */
#define AMDVI_ENTRY_SIZE        16u
#define AMDVI_RING_ORDER_LOG2   8
#define AMDVI_RING_ENTRIES      (1u << AMDVI_RING_ORDER_LOG2)
#define AMDVI_RING_BYTES        (AMDVI_RING_ENTRIES * AMDVI_ENTRY_SIZE)

#define AMDVI_CMD_OPCODE_SHIFT  28             /* in the command's dword 1 */
#define AMDVI_CMD_COMPLETION_WAIT  0x1u
#define AMDVI_CMD_INV_DEVTAB_ENTRY 0x2u
#define AMDVI_CMD_INV_IOMMU_PAGES  0x3u
#define AMDVI_CMD_INV_IOMMU_ALL    0x8u
#define AMDVI_CW_STORE          (1u << 0)
#define AMDVI_INV_DEVID_MASK    0xffffu        /* INVALIDATE_DEVTAB_ENTRY: dword 0 */
#define AMDVI_INV_S             (1u << 0)      /* INVALIDATE_IOMMU_PAGES: a range */
#define AMDVI_INV_PDE           (1u << 1)      /* ... directory entries too */
#define AMDVI_INV_ALL_ADDR_LO   0xfffff000u    /* with S: every address */
#define AMDVI_INV_ALL_ADDR_HI   0x7fffffffu

/* Event log entries: type in dword 1 bits 31:28, flags in 27:16. */
#define AMDVI_EVT_TYPE_SHIFT    28
#define AMDVI_EVT_FLAGS_SHIFT   16
#define AMDVI_EVT_FLAGS_MASK    0xfffu
#define AMDVI_EVT_ILLEGAL_DTE   0x1u
#define AMDVI_EVT_IO_PAGE_FAULT 0x2u
#define AMDVI_EVT_DEV_TAB_HW    0x3u
#define AMDVI_EVT_PAGE_TAB_HW   0x4u
#define AMDVI_EVT_ILLEGAL_CMD   0x5u
#define AMDVI_EVT_CMD_HW        0x6u
#define AMDVI_EVT_IOTLB_TIMEOUT 0x7u
#define AMDVI_EVT_INVALID_REQ   0x8u
#define AMDVI_EVT_FLAG_I        0x008u        /* an interrupt request */
#define AMDVI_EVT_FLAG_RW       0x020u        /* a write */

/*
 * One line for the event log entry ev (4 dwords, as the IOMMU wrote it):
 * its type, the device's BDF, the domain and address where the type has
 * them. Returns what snprintf returns.
 */
int amdvi_event_format(const uint32_t ev[4], char *buf, size_t len);

#endif
