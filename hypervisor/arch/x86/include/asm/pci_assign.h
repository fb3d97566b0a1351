/* SPDX-License-Identifier: GPL-2.0-only */
/* Device assignment to domUs (pci_assign.c, docs/iommu.md "Assignment"). */
#ifndef ASM_PCI_ASSIGN_H
#define ASM_PCI_ASSIGN_H

#include <mica/types.h>

struct vcpu;
struct domain;
struct mica_domctl_assign_device;

/* MICA_DOMCTL_{assign,deassign,test_assign}_device on d (public/domctl.h). */
long pci_assign_domctl(struct vcpu *v, uint64_t cmd, struct domain *d,
                       struct mica_domctl_assign_device *a);
/* d is dying: each function it has is blocked and given back to dom0. */
void pci_assign_domain_gone(struct domain *d);

#endif
