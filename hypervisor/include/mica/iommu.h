/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOMMU as the rest of the hypervisor sees it (docs/iommu.md): found
 * and enabled at boot with every device blocked, faults logged.
 */
#ifndef MICA_IOMMU_H
#define MICA_IOMMU_H

#include <mica/types.h>

/*
 * Find the IOMMUs the firmware's IVRS table (NULL if none) describes and
 * enable each with every device blocked; without one, log "no IOMMU:
 * device passthrough is disabled". Never fails the boot. Needs the boot
 * CPU's timers (the event log is polled).
 */
void iommu_init(const uint8_t *ivrs, uint32_t ivrs_len);
/* At least one IOMMU is enabled: device DMA can be confined. */
bool iommu_enabled(void);
/* A PCI function the hypervisor keeps (an IOMMU's own): dom0 never sees it. */
bool iommu_bdf_hidden(uint16_t seg, uint16_t bdf);

struct domain;
/*
 * Give d an I/O page table equal to its p2m, kept so from then on (its
 * devices' DTEs will point at it). 0; -ENODEV without an IOMMU; -EDQUOT or
 * -ENOMEM (logged; d keeps running without one).
 */
int iommu_domain_init(struct domain *d);
/* After d's p2m lost entries: make the IOMMUs forget d's translations. */
void iommu_domain_flush(struct domain *d);
/* Log whether d's I/O page table still equals its p2m, and how many changes it followed. */
void iommu_domain_report(struct domain *d);

/*
 * Device assignment (docs/iommu.md): the DTE of PCI function seg:bdf (its
 * device ID) points at d's I/O page table (V=1 TV=1 Mode=4 IR=IW=1,
 * DomainID d->id + 1), so its DMA reaches exactly d's memory. The function
 * must be one the boot scan found, behind a working IOMMU, and not given to
 * another domain. 0 (also when d already has it); -ENODEV: unknown
 * function, no IOMMU behind it, or d has no I/O page table; -EBUSY: another
 * domain has it; -EIO: the IOMMU did not complete the invalidation (the
 * DTE is blocked again). Each outcome is logged. Callers make sure the
 * function does not master until this returned 0.
 */
int iommu_assign_device(struct domain *d, uint16_t seg, uint16_t bdf);
/*
 * Take seg:bdf from its domain: its DTE blocks all DMA again, and the
 * IOMMU forgets the DTE and the domain's translations before this returns.
 * 0, or -ENODEV for a function no domain has.
 */
int iommu_block_device(uint16_t seg, uint16_t bdf);
/* seg:bdf's DTE points at the I/O page table of domain id. */
bool iommu_device_assigned(domid_t id, uint16_t seg, uint16_t bdf);
/* d is going away: block every device it has, before its memory is freed. */
void iommu_domain_release(struct domain *d);

/* Added (pci_assign.c): seg:bdf's DTE is in a working IOMMU's device table. */
bool iommu_device_behind(uint16_t seg, uint16_t bdf);
/* The id of the domain seg:bdf is assigned to, or -ENODEV (none: its DMA is blocked). */
int iommu_device_owner(uint16_t seg, uint16_t bdf);

#endif
