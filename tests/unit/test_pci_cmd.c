/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/pci_cmd.c: what dom0 may change in a
 * physical function's command register under dom0_pci=view. Every width
 * and offset of the dword at 4, assigned or not; hostile values in every
 * bit; accesses that are not the command register's.
 */
#include <asm/pci_cmd.h>
#include <asm/vpci.h>

#include "check.h"

#define DECODE_BM   (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)
#define OTHERS      (0xffffu & ~(DECODE_BM | PCI_COMMAND_INTX_DISABLE))

/* Every bit set by a dword write: only the allowed ones change. */
static void test_all_ones(void)
{
    CHECK_EQ(pci_cmd_filter(0, 4, 4, 0xffffffffu, true), DECODE_BM | PCI_COMMAND_INTX_DISABLE,
             "assigned: all ones sets decoding, Bus Master and INTx disable only");
    CHECK_EQ(pci_cmd_filter(0, 4, 4, 0xffffffffu, false), PCI_COMMAND_INTX_DISABLE,
             "not assigned: all ones sets INTx disable only");
    CHECK_EQ(pci_cmd_filter(0xffff, 4, 4, 0, true), OTHERS,
             "assigned: zeros clear the allowed bits, the others stay");
    CHECK_EQ(pci_cmd_filter(0xffff, 4, 4, 0, false), 0xffffu & ~PCI_COMMAND_INTX_DISABLE,
             "not assigned: zeros clear INTx disable only (decoding and Bus Master stay)");
}

/* Each allowed bit alone, through a word and through the low byte. */
static void test_each_bit(void)
{
    static const struct { uint16_t bit; bool any; } bits[] = {
        { PCI_COMMAND_IO, false }, { PCI_COMMAND_MEMORY, false },
        { PCI_COMMAND_MASTER, false }, { PCI_COMMAND_INTX_DISABLE, true },
    };

    for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        uint16_t b = bits[i].bit;

        CHECK_EQ(pci_cmd_filter(0, 4, 2, b, true), b, "assigned: word write sets %#x", b);
        CHECK_EQ(pci_cmd_filter(0, 4, 2, b, false), bits[i].any ? b : 0,
                 "not assigned: word write of %#x", b);
        CHECK_EQ(pci_cmd_filter(0, 4 + (b >> 8 ? 1 : 0), 1, b >> (b >> 8 ? 8 : 0), true), b,
                 "assigned: byte write sets %#x", b);
    }
    for (unsigned int bit = 0; bit < 16; bit++) {
        uint16_t b = (uint16_t)(1u << bit);

        if (b & (DECODE_BM | PCI_COMMAND_INTX_DISABLE))
            continue;
        CHECK_EQ(pci_cmd_filter(0, 4, 2, b, true), 0, "bit %u cannot be set", bit);
        CHECK_EQ(pci_cmd_filter(b, 4, 2, 0, true), b, "bit %u cannot be cleared", bit);
    }
}

/* A byte write changes only its byte; the status half changes nothing. */
static void test_offsets(void)
{
    uint16_t cur = PCI_COMMAND_MEMORY | PCI_COMMAND_SERR;

    CHECK_EQ(pci_cmd_filter(cur, 4, 1, PCI_COMMAND_MASTER, true), PCI_COMMAND_MASTER |
             PCI_COMMAND_SERR, "byte at 4: the low byte replaced, SERR (byte 5) kept");
    CHECK_EQ(pci_cmd_filter(cur, 5, 1, 0x04, true), cur | PCI_COMMAND_INTX_DISABLE,
             "byte at 5: INTx disable set, the low byte kept");
    CHECK_EQ(pci_cmd_filter(cur, 6, 2, 0xffff, true), cur, "word at 6 (status): no change");
    CHECK_EQ(pci_cmd_filter(cur, 7, 1, 0xff, true), cur, "byte at 7 (status): no change");
    CHECK_EQ(pci_cmd_filter(cur, 4, 4, 0xffff0000u | PCI_COMMAND_MASTER, true),
             PCI_COMMAND_MASTER | PCI_COMMAND_SERR, "dword: the status half ignored");
}

/* Not the command register, or a malformed access: nothing changes. */
static void test_refused(void)
{
    uint16_t cur = PCI_COMMAND_MEMORY;

    CHECK_EQ(pci_cmd_filter(cur, 0, 4, 0xffffffffu, true), cur, "dword at 0: no change");
    CHECK_EQ(pci_cmd_filter(cur, 8, 4, 0xffffffffu, true), cur, "dword at 8: no change");
    CHECK_EQ(pci_cmd_filter(cur, 0x104, 4, 0xffffffffu, true), cur,
             "0x104 (the extended space's dword 0x41): no change");
    CHECK_EQ(pci_cmd_filter(cur, 4, 3, 0xffffffu, true), cur, "size 3: no change");
    CHECK_EQ(pci_cmd_filter(cur, 4, 8, 0xffffffffu, true), cur, "size 8: no change");
    CHECK_EQ(pci_cmd_filter(cur, 5, 4, 0xffffffffu, true), cur, "dword at 5 (across): no change");
    CHECK_EQ(pci_cmd_filter(cur, 7, 2, 0xffff, true), cur, "word at 7 (across): no change");
}

int main(void)
{
    test_all_ones();
    test_each_bit();
    test_offsets();
    test_refused();
    return check_done();
}
