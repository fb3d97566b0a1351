/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0_pci=view: what dom0 may change in a physical function's command
 * register (docs/iommu.md). Pure: pci_dom0.c reads the device, asks this,
 * and writes the answer back; tests/unit/test_pci_cmd.c checks it.
 */
#ifndef ASM_PCI_CMD_H
#define ASM_PCI_CMD_H

#include <mica/types.h>

/*
 * The command register's next value when dom0 writes size bytes of val at
 * config offset reg (in the dword at 4; bytes at 6-7 are the status
 * register and change nothing here), cur being the device's value now.
 * Interrupt Disable passes for any function; I/O Space, Memory Space and
 * Bus Master only if assigned (its DTE points at dom0's I/O page table);
 * every other bit stays cur's. A size other than 1, 2 or 4, or an access
 * outside the dword or across its end, changes nothing.
 */
uint16_t pci_cmd_filter(uint16_t cur, unsigned int reg, unsigned int size, uint32_t val,
                        bool assigned);

#endif
