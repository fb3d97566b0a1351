/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's I/O page table: the AMD-Vi v1 format (4 levels, 48-bit
 * device addresses, 4 KiB leaves), kept equal to the domain's p2m by
 * npt.c (docs/iommu.md). A device whose DTE points at it (mode 4) reaches
 * exactly the domain's memory, with the p2m's write permission.
 *
 * Table pages are charged to the domain's budget. Unlike the p2m, tables a
 * unmap empties stay until the table is freed: the IOMMU may walk them
 * until it is told to forget (INVALIDATE_IOMMU_PAGES), and the budget
 * bounds how many a domain can make.
 */
#ifndef ASM_IOMMU_PT_H
#define ASM_IOMMU_PT_H

#include <mica/types.h>

struct hyp_budget;

struct iopt {
    paddr_t root;               /* level-4 table, machine address */
    struct hyp_budget *budget;
    uint64_t nr_tables;         /* table pages, root included */
    uint64_t nr_leaves;         /* present 4 KiB mappings */
    uint64_t nr_maps, nr_unmaps;    /* changes since creation */
    unsigned int nr_devices;    /* DTEs pointing at it: 0 means no IOTLB to flush */
};

#define IOPT_LEVELS         4

/* 0, -EDQUOT or -ENOMEM (then nothing is held). */
int iopt_init(struct iopt *t, struct hyp_budget *budget);
void iopt_destroy(struct iopt *t);
/* Make the tables on the way to gfn: a later iopt_map there cannot fail. */
int iopt_prepare(struct iopt *t, gfn_t gfn);
/* Map gfn to mfn: 0, -EINVAL beyond 48 bits, -EDQUOT / -ENOMEM for a table. */
int iopt_map(struct iopt *t, gfn_t gfn, mfn_t mfn, bool writable);
void iopt_unmap(struct iopt *t, gfn_t gfn);
mfn_t iopt_lookup(struct iopt *t, gfn_t gfn, bool *writable);

/* The AMD-Vi PTE bits. */
#define IOPTE_PR            (1ull << 0)
#define IOPTE_NEXT_SHIFT    9
#define IOPTE_IR            (1ull << 61)
#define IOPTE_IW            (1ull << 62)
#define IOPTE_ADDR_MASK     0x000ffffffffff000ull

#endif
