/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/pci_msi.c: dom0's image of a physical
 * function's MSI capability. What Linux writes (address, data, enable,
 * mask) reads back; what a one-vector capability keeps read-only (multiple
 * message enable, reserved bits) does not change; the capability's ID,
 * next pointer and pending bits stay the device's; hostile writes outside
 * the capability reach nothing.
 */
#include <mica/lib.h>
#include <asm/vpci.h>
#include <asm/pci_msi.h>

#include "check.h"

#define CAP     0x80
#define HW      0xa5a5a5a5u     /* what the "device" reads for every dword */

static struct msi_virt m;

static uint32_t rd(unsigned int reg)
{
    return msi_virt_overlay(&m, reg, HW);
}

/* QEMU's ich9-ahci: 64-bit, no masking, one vector. */
static void test_ahci_like(void)
{
    msi_virt_init(&m, CAP, PCI_MSI_FLAGS_64BIT);
    CHECK_EQ(msi_virt_len(&m), 16, "64-bit: the image covers 16 bytes");
    CHECK_EQ(rd(CAP), 0x0080a5a5u, "ID and next from the device, control 64-bit, disabled, MMC 0");
    CHECK_EQ(rd(CAP + 4), 0, "address starts 0");
    CHECK_EQ(rd(CAP + 16), HW, "the dword after the capability is the device's");
    CHECK(!msi_virt_enabled(&m), "starts disabled");
    CHECK(msi_virt_write(&m, CAP + 4, 4, 0xfee01003u), "the address write reaches the image");
    CHECK_EQ(rd(CAP + 4), 0xfee01000u, "address bits 1:0 stay 0");
    CHECK(msi_virt_write(&m, CAP + 8, 4, 0), "the upper address write reaches the image");
    CHECK(msi_virt_write(&m, CAP + 12, 2, 0x4041), "the data write reaches the image");
    CHECK_EQ(msi_virt_addr(&m), 0xfee01000u, "dom0's address");
    CHECK_EQ(msi_virt_data(&m), 0x4041, "dom0's data");
    CHECK(msi_virt_write(&m, CAP + 2, 2, 0x0071), "the control write reaches the image");
    CHECK(msi_virt_enabled(&m), "enabled");
    CHECK_EQ(rd(CAP) >> 16, 0x0081, "multiple message enable stays 0 (one vector)");
    CHECK(!msi_virt_masked(&m), "no mask register: never masked");
    CHECK(!msi_virt_write(&m, CAP, 2, 0xffff), "ID and next are not the image's");
    CHECK(!msi_virt_write(&m, CAP + 16, 4, 0xffffffffu), "the dword after is not the image's");
    CHECK(!msi_virt_write(&m, CAP - 4, 4, 0xffffffffu), "the dword before is not the image's");
    CHECK(msi_virt_write(&m, CAP + 14, 2, 0xffff), "the reserved half of the data dword is");
    CHECK_EQ(rd(CAP + 12), 0x4041, "and stays 0");
    CHECK(msi_virt_write(&m, CAP + 3, 1, 0xff), "the control's high byte is the image's");
    CHECK_EQ(rd(CAP) >> 16, 0x0081, "and read-only");
}

/* 32-bit with per-vector masking: mask after data, pending (the device's) after it. */
static void test_maskable_32(void)
{
    msi_virt_init(&m, CAP, PCI_MSI_FLAGS_MASKBIT | 0x000e);
    CHECK_EQ(msi_virt_data_off(&m), 8, "32-bit: data at +8");
    CHECK_EQ(msi_virt_mask_off(&m), 12, "mask at +12");
    CHECK_EQ(msi_virt_len(&m), 16, "the image covers 16 bytes, not the pending bits");
    CHECK_EQ(rd(CAP) >> 16, PCI_MSI_FLAGS_MASKBIT, "dom0 sees one vector (MMC 0), maskable");
    CHECK_EQ(rd(CAP + 16), HW, "pending bits from the device");
    msi_virt_write(&m, CAP + 4, 4, 0xfee00000u);
    msi_virt_write(&m, CAP + 8, 4, 0xffff0031u);
    CHECK_EQ(rd(CAP + 8), 0x0031, "data: 16 bits, the reserved half stays 0");
    msi_virt_write(&m, CAP + 12, 4, 0xffffffffu);
    CHECK_EQ(rd(CAP + 12), 1, "mask: bit 0 only (one vector)");
    CHECK(msi_virt_masked(&m), "masked");
    msi_virt_write(&m, CAP + 12, 1, 0);
    CHECK(!msi_virt_masked(&m), "unmasked");
    CHECK_EQ(msi_virt_addr(&m), 0xfee00000u, "32-bit: no upper address");
}

/* No capability: nothing is the image's. */
static void test_none(void)
{
    msi_virt_init(&m, 0, 0);
    CHECK(!msi_virt_write(&m, 0, 4, 0xffffffffu), "no capability: a write at 0 is not the image's");
    CHECK_EQ(rd(0), HW, "no capability: reads are the device's");
    CHECK(!msi_virt_enabled(&m), "no capability: never enabled");
}

int main(void)
{
    check_area("pci_msi");
    test_ahci_like();
    test_maskable_32();
    test_none();
    return check_done();
}
