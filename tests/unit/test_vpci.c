/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/vpci.c: the configuration space of the
 * virtual PCI bus (public/platform.h) as Linux reads and writes it, the
 * read-only rest, the bounds, and the decoding of the MSI the guest
 * programs into the platform device.
 */
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/platform.h>
#include <asm/vpci.h>

#include "check.h"

#define BRIDGE    VPCI_BDF(0, 0, 0)
#define PLATFORM  VPCI_BDF(0, MICA_PCI_PLATFORM_SLOT, 0)
#define CAP       VPCI_MSI_CAP

static struct vpci bus;

static uint32_t rd(uint16_t bdf, unsigned int reg, unsigned int size)
{
    return vpci_cfg_read(&bus, bdf, reg, size);
}

static void wr(uint16_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
    vpci_cfg_write(&bus, bdf, reg, size, val);
}

static void test_ids(void)
{
    vpci_init(&bus);
    CHECK_EQ(rd(BRIDGE, 0, 4), (uint32_t)MICA_PCI_DEV_HOSTBRIDGE << 16 | MICA_PCI_VENDOR,
             "00:00.0: vendor 0x4d43, device 0x0000");
    CHECK_EQ(rd(BRIDGE, PCI_CLASS_DEVICE, 2), 0x0600, "00:00.0: class 06 00 (host bridge)");
    CHECK_EQ(rd(BRIDGE, PCI_CLASS_PROG, 1), 0, "00:00.0: programming interface 0");
    CHECK_EQ(rd(BRIDGE, PCI_HEADER_TYPE, 1), 0, "00:00.0: header type 0, single function");
    CHECK_EQ(rd(BRIDGE, PCI_STATUS, 2), 0, "00:00.0: no capability list");
    CHECK_EQ(rd(PLATFORM, 0, 4), (uint32_t)MICA_PCI_DEV_PLATFORM << 16 | MICA_PCI_VENDOR,
             "00:02.0: vendor 0x4d43, device 0x0001");
    CHECK_EQ(rd(PLATFORM, 8, 4), 0x08800000u | MICA_PCI_PLATFORM_REVISION,
             "00:02.0: class 08 80 00, revision %u", MICA_PCI_PLATFORM_REVISION);
    CHECK_EQ(rd(PLATFORM, PCI_HEADER_TYPE, 1), 0, "00:02.0: header type 0");
    CHECK_EQ(rd(PLATFORM, PCI_SUBSYSTEM_VENDOR_ID, 4),
             (uint32_t)MICA_PCI_DEV_PLATFORM << 16 | MICA_PCI_VENDOR, "00:02.0: subsystem IDs");
    CHECK_EQ(rd(PLATFORM, PCI_INTERRUPT_PIN, 1), 0, "00:02.0: no INTx pin");
    CHECK_EQ(rd(PLATFORM, PCI_STATUS, 2), PCI_STATUS_CAP_LIST, "00:02.0: capability list");
    CHECK_EQ(rd(PLATFORM, PCI_CAPABILITY_LIST, 1), CAP, "00:02.0: capabilities at 0x40");
    CHECK_EQ(rd(PLATFORM, CAP, 2), PCI_CAP_ID_MSI, "00:02.0: MSI, the last capability");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT,
             "00:02.0: MSI 64-bit, one message, no masking, disabled");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_CAP_LEN_64, 2), 0, "00:02.0: nothing after the MSI capability");
}

/* A Linux-style scan of bus 0 and a few others: only the two functions answer. */
static void test_scan(void)
{
    unsigned int found = 0, bad = 0;

    vpci_init(&bus);
    for (unsigned int b = 0; b < 4; b++)
        for (unsigned int devfn = 0; devfn < 256; devfn++) {
            uint16_t bdf = (uint16_t)(b << 8 | devfn);
            uint32_t id = rd(bdf, 0, 4);

            if (bdf == BRIDGE || bdf == PLATFORM)
                found += (id & 0xffff) == MICA_PCI_VENDOR;
            else
                bad += id != 0xffffffffu || rd(bdf, 0, 2) != 0xffff || rd(bdf, 0xe, 1) != 0xff;
        }
    CHECK_EQ(found, 2, "scan: 00:00.0 and 00:02.0 answer");
    CHECK_EQ(bad, 0, "scan: every other function of buses 0-3 reads all-ones");
    CHECK_EQ(rd(VPCI_BDF(0xff, 0x1f, 7), 0, 4), 0xffffffffu, "ff:1f.7 reads all-ones");
}

/* Bytes and words read the same bits as the dword around them. */
static void test_sizes(void)
{
    unsigned int bad = 0;

    vpci_init(&bus);
    for (unsigned int reg = 0; reg < VPCI_CFG_SIZE; reg += 4) {
        uint32_t d = rd(PLATFORM, reg, 4);

        for (unsigned int i = 0; i < 4; i++)
            bad += rd(PLATFORM, reg + i, 1) != ((d >> (8 * i)) & 0xff);
        for (unsigned int i = 0; i < 3; i++)
            bad += rd(PLATFORM, reg + i, 2) != ((d >> (8 * i)) & 0xffff);
    }
    CHECK_EQ(bad, 0, "byte and word reads agree with dword reads over all 256 bytes");
}

static void test_bounds(void)
{
    static uint8_t before[VPCI_NR_DEVS][VPCI_CFG_SIZE];

    vpci_init(&bus);
    memcpy(before, bus.cfg, sizeof(before));
    CHECK_EQ(rd(PLATFORM, VPCI_CFG_SIZE, 4), 0xffffffffu, "register 256: all-ones");
    CHECK_EQ(rd(PLATFORM, 0xfff, 1), 0xff, "register 0xfff: all-ones");
    CHECK_EQ(rd(PLATFORM, ~0u - 1, 2), 0xffff, "register near 2^32 (no wrap): all-ones");
    CHECK_EQ(rd(PLATFORM, 0xfe, 4), 0xffffffffu, "dword at 0xfe (past the end): all-ones");
    CHECK_EQ(rd(PLATFORM, 0x3, 2), 0xffff, "word crossing a dword: all-ones");
    CHECK_EQ(rd(PLATFORM, 0x2, 4), 0xffffffffu, "unaligned dword: all-ones");
    CHECK_EQ(rd(PLATFORM, 0, 3), 0xffffffu, "size 3: all-ones");
    CHECK_EQ(rd(PLATFORM, 0, 0), 0, "size 0: nothing");
    wr(PLATFORM, VPCI_CFG_SIZE, 4, 0);
    wr(PLATFORM, 0xfe, 4, 0);
    wr(PLATFORM, CAP + 3, 2, 0xffff);
    wr(PLATFORM, PCI_COMMAND, 3, 0xffffff);
    wr(PLATFORM, ~0u, 1, 0);
    wr(VPCI_BDF(0, 3, 0), PCI_COMMAND, 2, 0xffff);
    CHECK(!memcmp(before, bus.cfg, sizeof(before)), "out-of-bounds and absent-function writes change nothing");
}

/* Each byte written with all-ones: only the writable bits change. */
static void test_read_only(void)
{
    static uint8_t before[VPCI_NR_DEVS][VPCI_CFG_SIZE];
    unsigned int changed = 0;

    vpci_init(&bus);
    memcpy(before, bus.cfg, sizeof(before));
    for (unsigned int d = 0; d < VPCI_NR_DEVS; d++)
        for (unsigned int reg = 0; reg < VPCI_CFG_SIZE; reg++)
            wr(d ? PLATFORM : BRIDGE, reg, 1, 0xff);
    CHECK_EQ(rd(BRIDGE, PCI_COMMAND, 2), 0x0547, "00:00.0: command takes IO|MEM|MASTER|PARITY|SERR|INTX_DISABLE");
    CHECK_EQ(rd(PLATFORM, PCI_COMMAND, 2), 0x0547, "00:02.0: command the same");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE,
             "MSI control: only the enable bit is writable (one message)");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_ADDRESS_LO, 4), 0xfffffffcu, "MSI address: dword aligned");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_ADDRESS_HI, 4), 0xffffffffu, "MSI upper address writable");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_DATA_64, 2), 0xffff, "MSI data writable");
    for (unsigned int d = 0; d < VPCI_NR_DEVS; d++)
        for (unsigned int reg = 0; reg < VPCI_CFG_SIZE; reg++) {
            bool writable = reg == PCI_COMMAND || reg == PCI_COMMAND + 1 ||
                            (d == 1 && reg >= CAP + PCI_MSI_FLAGS && reg < CAP + PCI_MSI_CAP_LEN_64 &&
                             reg != CAP + PCI_MSI_FLAGS + 1);

            changed += !writable && bus.cfg[d][reg] != before[d][reg];
        }
    CHECK_EQ(changed, 0, "IDs, class, header, BARs, capability list: read-only");
    CHECK_EQ(rd(PLATFORM, 0x10, 4), 0, "BAR0 sizing (write all-ones) reads 0: no BAR");
}

static void test_msi_programming(void)
{
    struct vpci_msi m = { 0 };

    vpci_init(&bus);
    CHECK(!vpci_msi_get(&bus, &m), "MSI off after reset");
    /* As Linux's __pci_write_msi_msg and pci_msi_set_enable do it. */
    wr(PLATFORM, CAP + PCI_MSI_ADDRESS_LO, 4, 0xfee01000u);
    wr(PLATFORM, CAP + PCI_MSI_ADDRESS_HI, 4, 0);
    wr(PLATFORM, CAP + PCI_MSI_DATA_64, 2, 0x0041);
    CHECK(!vpci_msi_get(&bus, &m), "programmed but not enabled: off");
    wr(PLATFORM, CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    CHECK(vpci_msi_get(&bus, &m) && m.dest == 1 && !m.logical && !m.lowest && m.vector == 0x41,
          "enabled: physical APIC ID 1, fixed, vector 0x41");
    wr(PLATFORM, CAP + PCI_MSI_ADDRESS_LO, 1, 0x0c);          /* a byte write: DM|RH */
    CHECK(vpci_msi_get(&bus, &m) && m.dest == 1 && m.logical && m.lowest,
          "byte write of the low address: logical, redirection hint");
    wr(PLATFORM, CAP + PCI_MSI_ADDRESS_HI, 4, 1);
    CHECK(!vpci_msi_get(&bus, &m), "an address above 4 GiB: not delivered");
    wr(PLATFORM, CAP + PCI_MSI_ADDRESS_HI, 4, 0);
    wr(PLATFORM, CAP + PCI_MSI_FLAGS, 1, 0);
    CHECK(!vpci_msi_get(&bus, &m), "disabled again: off");
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_DATA_64, 2), 0x41, "the message stays programmed");
    vpci_init(&bus);
    CHECK_EQ(rd(PLATFORM, CAP + PCI_MSI_ADDRESS_LO, 4), 0, "vpci_init resets the message");
}

static void test_msi_decode(void)
{
    struct vpci_msi m = { 0 };

    CHECK(vpci_msi_decode(0xfee00000u | 3u << 12, 0x00ef, &m) == 0 && m.dest == 3 &&
          !m.logical && !m.lowest && m.vector == 0xef, "physical dest 3, fixed, vector 0xef");
    CHECK(vpci_msi_decode(0xfee00000u | 0xffu << 12, 0x0030, &m) == 0 && m.dest == 0xff,
          "dest 0xff (broadcast) decodes");
    CHECK(vpci_msi_decode(0xfee00004u | 0x02u << 12, 0x0031, &m) == 0 && m.dest == 2 &&
          m.logical && !m.lowest, "logical dest 0x02, fixed");
    CHECK(vpci_msi_decode(0xfee00000u, 0x0131, &m) == 0 && m.lowest, "lowest-priority delivery");
    CHECK(vpci_msi_decode(0xfee00008u, 0x0031, &m) == 0 && !m.lowest,
          "redirection hint in physical mode: still one destination");
    CHECK_EQ_S(vpci_msi_decode(0xfed00000u, 0x0031, &m), -EINVAL, "address outside 0xFEE: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0x1fee00000ull, 0x0031, &m), -EINVAL, "address above 4 GiB: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0x0431, &m), -EINVAL, "NMI delivery: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0x0531, &m), -EINVAL, "INIT delivery: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0x0731, &m), -EINVAL, "ExtINT delivery: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0xc031, &m), -EINVAL, "level-triggered: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0x000f, &m), -EINVAL, "vector 15: -EINVAL");
    CHECK_EQ_S(vpci_msi_decode(0xfee00000u, 0x0010, &m), 0, "vector 16: delivered");
}

int main(void)
{
    check_area("vpci");
    test_ids();
    test_scan();
    test_sizes();
    test_bounds();
    test_read_only();
    test_msi_programming();
    test_msi_decode();
    return check_done();
}
