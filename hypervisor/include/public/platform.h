/* SPDX-License-Identifier: MIT */
/*
 * The Mica platform device: how a stock Linux kernel (dom0 or a domU built
 * with MICA_DOMCTL_CREATE_F_PLATFORM) finds Mica and gets event-channel
 * upcalls, with no kernel patch and no fixed IDT vector. docs/abi.md
 * ("The platform device") is the reference.
 *
 * The domain sees PCI configuration mechanism 1 (ports 0xCF8/0xCFC) and a
 * host bridge its DSDT describes (\_SB.PCI0, PNP0A03, bus 0). On bus 0:
 *
 *   00:00.0  host bridge      MICA_PCI_VENDOR:MICA_PCI_DEV_HOSTBRIDGE, class 06 00 00
 *   00:02.0  platform device  MICA_PCI_VENDOR:MICA_PCI_DEV_PLATFORM,   class 08 80 00
 *
 * The platform device has no BARs and one capability: MSI (64-bit address,
 * one message, no per-vector masking). While the guest has MSI enabled on
 * it, every event-channel upcall of the domain (any vCPU's
 * evtchn_upcall_pending going 0 -> 1) is delivered as that message, to the
 * destination and vector the guest programmed (fixed delivery, edge). A
 * driver therefore scans every vCPU's pending selector in its handler.
 * Without MSI enabled no upcall is raised (vcpu_op register_upcall_vector
 * still works for test kernels). Later steps may add an MSI-X capability
 * with one message per vCPU; drivers must look for it by capability ID.
 *
 * The slot is 2 today. With passthrough (a later step) dom0 also sees the
 * machine's devices; the platform device then takes a slot the machine's
 * bus 0 leaves free, so drivers find it by ID, never by slot.
 */
#ifndef MICA_PUBLIC_PLATFORM_H
#define MICA_PUBLIC_PLATFORM_H

#include "types.h"

#define MICA_PCI_VENDOR            0x4d43u   /* "MC"; not assigned by the PCI-SIG */
#define MICA_PCI_DEV_HOSTBRIDGE    0x0000u
#define MICA_PCI_DEV_PLATFORM      0x0001u
#define MICA_PCI_PLATFORM_REVISION 1
#define MICA_PCI_PLATFORM_SLOT     2         /* today's slot; find it by ID */

#endif
