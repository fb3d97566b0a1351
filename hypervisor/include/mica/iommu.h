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

#endif
