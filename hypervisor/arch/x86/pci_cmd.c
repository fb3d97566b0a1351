/* SPDX-License-Identifier: GPL-2.0-only */
/* dom0_pci=view's command-register filter (asm/pci_cmd.h). */
#include <asm/pci_cmd.h>
#include <asm/vpci.h>

#define CMD_DWORD           0x04u
#define CMD_BITS            0xffffu         /* the command register: the dword's low half */
/* Command bits dom0 sets: any function's INTx disable; decoding and Bus Master once assigned. */
#define CMD_DOM0_ANY        PCI_COMMAND_INTX_DISABLE
#define CMD_DOM0_ASSIGNED   (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)

uint16_t pci_cmd_filter(uint16_t cur, unsigned int reg, unsigned int size, uint32_t val,
                        bool assigned)
{
    unsigned int shift = 8 * (reg & 3);
    uint32_t ones, mask, want, pass;

    if ((size != 1 && size != 2 && size != 4) || (reg & ~3u) != CMD_DWORD ||
        (reg & 3) + size > 4)
        return cur;
    ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    mask = (ones << shift) & CMD_BITS;
    want = (cur & ~mask) | ((val << shift) & mask);
    pass = CMD_DOM0_ANY | (assigned ? CMD_DOM0_ASSIGNED : 0);
    return (uint16_t)((cur & ~pass) | (want & pass));
}
