/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/acpi_build.c: dom0's ACPI tables.
 *
 * The tables are built into a fake guest-physical window at VPLAT_ACPI_GPA
 * and read back twice: by the hypervisor's own parser (acpi.c, through the
 * acpi_map() below) and by the independent checks here, which look at
 * every field Linux relies on, byte by byte, against hand-assembled AML.
 */
#include <mica/acpi.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/acpi_build.h>
#include <asm/vplatform.h>

#include "check.h"
#include "shim.h"

static uint8_t guest[VPLAT_ACPI_MAX];   /* guest-physical VPLAT_ACPI_GPA.. */
static uint64_t guest_base = VPLAT_ACPI_GPA;

const void *acpi_map(paddr_t pa, size_t len)
{
    if (pa < guest_base || pa - guest_base >= sizeof(guest) ||
        len > sizeof(guest) - (pa - guest_base))
        return NULL;
    return guest + (pa - guest_base);
}

/* ---- reading the result, independently of acpi.c ---- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}

static bool same(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    while (n--)
        if (*x++ != *y++)
            return false;
    return true;
}

/* A table in the window by its guest-physical address; NULL if outside. */
static const uint8_t *table_at(uint64_t gpa)
{
    return acpi_map(gpa, 36);
}

static void check_header(const uint8_t *t, const char *sig, uint8_t rev, unsigned int n)
{
    uint32_t len = rd32(t + 4);

    CHECK(same(t, sig, 4), "%u vCPUs: %s signature", n, sig);
    CHECK(len >= 36 && len <= sizeof(guest) - (size_t)(t - guest),
          "%u vCPUs: %s length %u inside the window", n, sig, len);
    CHECK_EQ(sum(t, len), 0, "%u vCPUs: %s checksum", n, sig);
    CHECK_EQ(t[8], rev, "%u vCPUs: %s revision", n, sig);
    CHECK(same(t + 10, "MICA  ", 6) && same(t + 16, "MICAVM  ", 8),
          "%u vCPUs: %s OEM ID and OEM table ID", n, sig);
    CHECK(rd32(t + 24) != 0 && same(t + 28, "MICA", 4),
          "%u vCPUs: %s OEM revision and creator", n, sig);
}

/* ---- the expected DSDT body, assembled by hand ---- */

static const uint8_t want_aml[] = {
    /* Scope(\_SB) { : ScopeOp, PkgLength 51, "\_SB_" */
    0x10, 0x33, '\\', '_', 'S', 'B', '_',
    /* Device(COM1) { : ExtOpPrefix DeviceOp, PkgLength 43, "COM1" */
    0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',
    /* Name(_HID, EisaId("PNP0501")) : DWordConst 0x0105d041 */
    0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
    /* Name(_UID, 0) : ZeroOp */
    0x08, '_', 'U', 'I', 'D', 0x00,
    /* Name(_CRS, Buffer(13){ IO(Decode16, 0x3f8, 0x3f8, 0, 8), IRQNoFlags(){4}, EndTag }) */
    0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
    0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00,
    /* } } Name(\_S5, Package(4){ 5, 5, 0, 0 }) */
    0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

/* After it: the PCI host bridge (public/platform.h). */
static const uint8_t want_pci0[] = {
    /* Scope(\_SB) { : ScopeOp, PkgLength 71 (two bytes), "\_SB_" */
    0x10, 0x47, 0x04, '\\', '_', 'S', 'B', '_',
    /* Device(PCI0) { : ExtOpPrefix DeviceOp, PkgLength 62, "PCI0" */
    0x5b, 0x82, 0x3e, 'P', 'C', 'I', '0',
    /* Name(_HID, EisaId("PNP0A03")) : DWordConst 0x030ad041 */
    0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
    /* Name(_UID, 0), Name(_BBN, 0) */
    0x08, '_', 'U', 'I', 'D', 0x00,
    0x08, '_', 'B', 'B', 'N', 0x00,
    /* Name(_CRS, Buffer(26){ */
    0x08, '_', 'C', 'R', 'S', 0x11, 0x1d, 0x0a, 0x1a,
    /* WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0, 0, 1) */
    0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00,
    /* IO(Decode16, 0xcf8, 0xcf8, 1, 8), EndTag }) } } */
    0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08, 0x79, 0x00,
};

/* An 8-bit, byte-accessed I/O GAS at port. */
static bool io_gas(const uint8_t *g, uint16_t port)
{
    return g[0] == 1 && g[1] == 8 && g[2] == 0 && g[3] == 1 && rd64(g + 4) == port;
}

static void check_rsdp(const uint8_t *r, unsigned int n)
{
    CHECK(same(r, "RSD PTR ", 8), "%u vCPUs: RSDP signature", n);
    CHECK_EQ(sum(r, 20), 0, "%u vCPUs: RSDP checksum (20 bytes)", n);
    CHECK_EQ(sum(r, 36), 0, "%u vCPUs: RSDP extended checksum (36 bytes)", n);
    CHECK_EQ(r[15], 2, "%u vCPUs: RSDP revision 2", n);
    CHECK(same(r + 9, "MICA  ", 6), "%u vCPUs: RSDP OEM ID", n);
    CHECK_EQ(rd32(r + 20), 36, "%u vCPUs: RSDP length", n);
    CHECK_EQ(rd32(r + 16), 0, "%u vCPUs: no RSDT", n);
}

static void check_fadt(const uint8_t *f, unsigned int n)
{
    check_header(f, "FACP", 6, n);
    CHECK_EQ(rd32(f + 4), 276, "%u vCPUs: FADT is 276 bytes", n);
    CHECK_EQ(f[131], 3, "%u vCPUs: FADT minor version 3", n);
    CHECK_EQ(rd32(f + 112), (1u << 20) | (1u << 10) | (1u << 4) | (1u << 5),
             "%u vCPUs: FADT flags HW_REDUCED|RESET_REG_SUP|PWR_BUTTON|SLP_BUTTON", n);
    CHECK_EQ(rd16(f + 109), 1u << 2, "%u vCPUs: IAPC_BOOT_ARCH VGA-not-present only", n);
    CHECK_EQ(rd16(f + 46), 0, "%u vCPUs: SCI_INT 0", n);
    CHECK(rd32(f + 36) == 0 && rd64(f + 132) == 0, "%u vCPUs: no FACS", n);
    CHECK(rd32(f + 56) == 0 && rd32(f + 64) == 0 && rd64(f + 148 + 4) == 0 &&
          rd64(f + 172 + 4) == 0 && f[88] == 0 && f[89] == 0,
          "%u vCPUs: no PM1 blocks", n);
    CHECK(io_gas(f + 116, VPLAT_RESET_PORT) && f[128] == VPLAT_RESET_VALUE,
          "%u vCPUs: RESET_REG I/O 0x%x 8-bit, value 0x%x", n,
          VPLAT_RESET_PORT, VPLAT_RESET_VALUE);
    CHECK(io_gas(f + 244, VPLAT_SLEEP_CTL_PORT),
          "%u vCPUs: SLEEP_CONTROL_REG I/O 0x%x 8-bit", n, VPLAT_SLEEP_CTL_PORT);
    CHECK(io_gas(f + 256, VPLAT_SLEEP_STS_PORT),
          "%u vCPUs: SLEEP_STATUS_REG I/O 0x%x 8-bit", n, VPLAT_SLEEP_STS_PORT);
    CHECK_EQ(rd32(f + 40), rd64(f + 140), "%u vCPUs: DSDT == X_DSDT", n);
}

static void check_madt(const uint8_t *m, unsigned int n)
{
    const uint8_t *e = m + 44;
    unsigned int i, bad = 0;

    check_header(m, "APIC", 5, n);
    CHECK_EQ(rd32(m + 4), 44 + 8 * n + 12,
             "%u vCPUs: MADT holds %u 8-byte entries and a 12-byte one", n, n);
    CHECK_EQ(rd32(m + 36), VPLAT_LAPIC_BASE, "%u vCPUs: MADT local APIC address", n);
    CHECK_EQ(rd32(m + 40), 0, "%u vCPUs: MADT flags 0 (no PCAT_COMPAT)", n);
    for (i = 0; i < n; i++, e += 8)
        if (e[0] != 0 || e[1] != 8 || e[2] != i || e[3] != i || rd32(e + 4) != 1)
            bad++;
    CHECK_EQ(bad, 0, "%u vCPUs: type-0 entries, UID = APIC ID = index, enabled", n);
    CHECK(e[0] == 1 && e[1] == 12 && e[2] == 0 && e[3] == 0 && rd32(e + 4) == 0xfec00000u &&
          rd32(e + 8) == 0, "%u vCPUs: then one I/O APIC: ID 0 at 0xfec00000, GSI base 0", n);
}

static void check_dsdt(const uint8_t *d, unsigned int n)
{
    check_header(d, "DSDT", 2, n);
    CHECK_EQ(rd32(d + 4), 36 + sizeof(want_aml) + sizeof(want_pci0), "%u vCPUs: DSDT length", n);
    CHECK(same(d + 36, want_aml, sizeof(want_aml)),
          "%u vCPUs: DSDT AML is \\_SB.COM1 (PNP0501, IO 0x3f8/8, IRQ 4) and \\_S5 {5,5,0,0}", n);
    CHECK(same(d + 36 + sizeof(want_aml), want_pci0, sizeof(want_pci0)),
          "%u vCPUs: then \\_SB.PCI0 (PNP0A03, _BBN 0, _CRS bus 0-0 and IO 0xcf8/8)", n);
}

/* Walk RSDP -> XSDT -> FADT, MADT -> DSDT and check each. */
static void check_tables(uint64_t rsdp_gpa, unsigned int n)
{
    const uint8_t *r = table_at(rsdp_gpa), *x, *f, *m, *d;

    check_rsdp(r, n);
    x = table_at(rd64(r + 24));
    if (!CHECK(x, "%u vCPUs: XSDT inside the window", n))
        return;
    check_header(x, "XSDT", 1, n);
    CHECK_EQ((rd32(x + 4) - 36) / 8, 2, "%u vCPUs: XSDT has 2 entries", n);
    f = table_at(rd64(x + 36));
    m = table_at(rd64(x + 44));
    if (!CHECK(f && m, "%u vCPUs: XSDT entries inside the window", n))
        return;
    check_fadt(f, n);
    check_madt(m, n);
    d = table_at(rd64(f + 140));
    if (CHECK(d, "%u vCPUs: DSDT inside the window", n))
        check_dsdt(d, n);
}

/* ---- the hypervisor's own parser on the result ---- */

static void check_parsed(uint64_t rsdp_gpa, unsigned int n)
{
    struct acpi_info info;
    unsigned int i, bad = 0;

    shim_log_clear();
    CHECK_EQ_S(acpi_parse(table_at(rsdp_gpa), 36, &info), 0, "%u vCPUs: acpi_parse accepts", n);
    CHECK_EQ(info.nr_cpus, n, "%u vCPUs: acpi_parse nr_cpus", n);
    for (i = 0; i < info.nr_cpus && i < MAX_CPUS; i++)
        if (info.apic_ids[i] != i)
            bad++;
    CHECK_EQ(bad, 0, "%u vCPUs: acpi_parse APIC IDs 0..%u", n, n - 1);
    CHECK_EQ(info.lapic_base, VPLAT_LAPIC_BASE, "%u vCPUs: acpi_parse LAPIC base", n);
    CHECK(info.have_reset && info.reset_port == VPLAT_RESET_PORT &&
          info.reset_value == VPLAT_RESET_VALUE, "%u vCPUs: acpi_parse reset register", n);
    /* HW-reduced: no PM1a, so acpi.c reports no S5, but it found the package. */
    CHECK(!info.have_s5 && info.pm1a_cnt == 0, "%u vCPUs: acpi_parse: no PM1a, no have_s5", n);
    CHECK(info.slp_typa == VPLAT_S5_SLP_TYP && info.slp_typb == VPLAT_S5_SLP_TYP,
          "%u vCPUs: acpi_parse found \\_S5 SLP_TYP %u", n, VPLAT_S5_SLP_TYP);
    CHECK_EQ(shim_log_count(LOG_WARN) + shim_log_count(LOG_ERR), 0,
             "%u vCPUs: acpi_parse reports no problem", n);
}

static void test_nr_vcpus(unsigned int n)
{
    struct acpi_build_config c = { .nr_vcpus = n };
    uint64_t rsdp_gpa = 0;
    long used;

    memset(guest, 0xa5, sizeof(guest));
    used = acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    if (!CHECK(used > 0 && used <= (long)VPLAT_ACPI_MAX,
               "%u vCPUs: builds (%ld bytes)", n, used))
        return;
    CHECK_EQ(rsdp_gpa, VPLAT_ACPI_GPA, "%u vCPUs: RSDP first, at VPLAT_ACPI_GPA", n);
    check_tables(rsdp_gpa, n);
    check_parsed(rsdp_gpa, n);
}

/* Every buffer shorter than the tables: -ENOSPC, nothing written past len. */
static void test_enospc(void)
{
    struct acpi_build_config c = { .nr_vcpus = 4 };
    uint64_t rsdp_gpa;
    long used = acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    unsigned int wrong_rc = 0, overrun = 0;
    size_t len, i;

    for (len = 0; len < (size_t)used; len++) {
        memset(guest, 0xa5, sizeof(guest));
        if (acpi_build(&c, guest, len, VPLAT_ACPI_GPA, &rsdp_gpa) != -ENOSPC)
            wrong_rc++;
        for (i = len; i < (size_t)used + 16; i++)
            if (guest[i] != 0xa5)
                overrun++;
    }
    CHECK_EQ(wrong_rc, 0, "every buffer of 0..%ld bytes: -ENOSPC", used - 1);
    CHECK_EQ(overrun, 0, "too-small buffers: nothing written past len");
    memset(guest, 0xa5, sizeof(guest));
    CHECK_EQ_S(acpi_build(&c, guest, (size_t)used, VPLAT_ACPI_GPA, &rsdp_gpa), used,
               "a buffer of exactly %ld bytes suffices", used);
}

static void test_invalid(void)
{
    struct acpi_build_config c = { .nr_vcpus = 0 };
    uint64_t rsdp_gpa;

    CHECK_EQ_S(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa), -EINVAL,
               "0 vCPUs: -EINVAL");
    c.nr_vcpus = ACPI_BUILD_MAX_VCPUS + 1;
    CHECK_EQ_S(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa), -EINVAL,
               "%u vCPUs (APIC ID 0xff): -EINVAL", ACPI_BUILD_MAX_VCPUS + 1);
    c.nr_vcpus = ACPI_BUILD_MAX_VCPUS;
    CHECK(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa) > 0,
          "%u vCPUs: builds", ACPI_BUILD_MAX_VCPUS);
    c.nr_vcpus = 1;
    CHECK_EQ_S(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA + 8, &rsdp_gpa), -EINVAL,
               "base not 16-byte aligned: -EINVAL");
    CHECK_EQ_S(acpi_build(&c, guest, sizeof(guest), 1ull << 32, &rsdp_gpa), -EINVAL,
               "base at 4 GiB: -EINVAL");
}

/* Same bytes whatever was in the buffer; addresses follow base_gpa. */
static void test_deterministic_and_base(void)
{
    static uint8_t first[VPLAT_ACPI_MAX];
    struct acpi_build_config c = { .nr_vcpus = 2 };
    uint64_t rsdp_gpa;
    long used;

    memset(guest, 0x00, sizeof(guest));
    used = acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    memcpy(first, guest, sizeof(guest));
    memset(guest, 0xff, sizeof(guest));
    CHECK(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa) == used &&
          same(first, guest, (size_t)used), "padding zeroed: same bytes from any buffer");

    guest_base = 0x100000;
    memset(guest, 0xa5, sizeof(guest));
    CHECK(acpi_build(&c, guest, sizeof(guest), guest_base, &rsdp_gpa) == used,
          "base 0x100000: builds");
    CHECK_EQ(rsdp_gpa, guest_base, "base 0x100000: RSDP at the base");
    check_tables(rsdp_gpa, 2);
    check_parsed(rsdp_gpa, 2);
    guest_base = VPLAT_ACPI_GPA;
}

/* dom0 gets the machine's PM timer; a domU (pm_tmr_port 0) none at all. */
static void test_pm_timer(void)
{
    struct acpi_build_config c = { .nr_vcpus = 1, .pm_tmr_port = 0x608, .pm_tmr_32bit = true };
    uint64_t rsdp_gpa;
    const uint8_t *f;

    memset(guest, 0xa5, sizeof(guest));
    acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    f = table_at(rd64(table_at(rd64(table_at(rsdp_gpa) + 24)) + 36));
    CHECK(rd32(f + 76) == 0x608 && f[91] == 4 && f[208] == 1 && f[209] == 32 &&
          rd64(f + 212) == 0x608 && (rd32(f + 112) & (1u << 8)) && sum(f, 276) == 0,
          "PM timer 0x608: PM_TMR_BLK, X_PM_TMR (I/O, 32 bits) and TMR_VAL_EXT");
    c = (struct acpi_build_config){ .nr_vcpus = 1, .pm_tmr_port = 0, .pm_tmr_32bit = true };
    memset(guest, 0xa5, sizeof(guest));
    acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    f = table_at(rd64(table_at(rd64(table_at(rsdp_gpa) + 24)) + 36));
    CHECK(rd32(f + 76) == 0 && f[91] == 0 && rd64(f + 208) == 0 && rd64(f + 212) == 0 &&
          !(rd32(f + 112) & (1u << 8)), "no PM timer (a domU): PM_TMR_BLK and X_PM_TMR empty");
}

/* Where the byte string needle first occurs in the n bytes at hay, or NULL. */
static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return hay + i;
    return NULL;
}

/* dom0_pci=view: PCI0's _CRS gains the I/O windows and the memory window. */
static void test_pci_windows(void)
{
    static const uint8_t mem_hdr[] = { 0x87, 23, 0, 0, 0x0c, 0x01 };
    static const uint8_t io_lo[] = { 0x88, 13, 0, 1, 0x0c, 0x03, 0, 0, 0, 0, 0xf7, 0x0c };
    static const uint8_t io_hi[] = { 0x88, 13, 0, 1, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff };
    struct acpi_build_config c = { .nr_vcpus = 1 };
    uint64_t rsdp_gpa;
    const uint8_t *dsdt, *m;
    uint32_t dsdt_len, plain_len;

    memset(guest, 0xa5, sizeof(guest));
    acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa);
    dsdt = table_at(rd64(table_at(rd64(table_at(rd64(table_at(rsdp_gpa) + 24)) + 36)) + 140));
    plain_len = rd32(dsdt + 4);
    CHECK(!memcmp(dsdt, "DSDT", 4), "found the DSDT through the FADT's X_DSDT");
    CHECK(!find_bytes(dsdt, plain_len, mem_hdr, sizeof(mem_hdr)), "no window: no DWordMemory in the DSDT");
    c.mmio_window_base = 0xfd000000;
    c.mmio_window_len = 0x01c00000;
    memset(guest, 0xa5, sizeof(guest));
    CHECK(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa) > 0, "windows: builds");
    dsdt = table_at(rd64(table_at(rd64(table_at(rd64(table_at(rsdp_gpa) + 24)) + 36)) + 140));
    dsdt_len = rd32(dsdt + 4);
    CHECK_EQ(sum(dsdt, dsdt_len), 0, "windows: the DSDT's checksum holds");
    /* 58 bytes of descriptors; PkgLengths may take a byte more each (Buffer, Device, Scope). */
    CHECK(dsdt_len - plain_len >= 2 * 16 + 26 && dsdt_len - plain_len <= 2 * 16 + 26 + 3,
          "windows: two WordIO and one DWordMemory more (%u bytes)", dsdt_len - plain_len);
    m = find_bytes(dsdt, dsdt_len, mem_hdr, sizeof(mem_hdr));
    CHECK(m && rd32(m + 10) == 0xfd000000 && rd32(m + 14) == 0xfebfffff && rd32(m + 22) == 0x01c00000,
          "windows: memory 0xfd000000-0xfebfffff");
    CHECK(find_bytes(dsdt, dsdt_len, io_lo, sizeof(io_lo)) &&
          find_bytes(dsdt, dsdt_len, io_hi, sizeof(io_hi)),
          "windows: I/O 0-0xcf7 and 0xd00-0xffff around the configuration ports");
    c.mmio_window_base = 0xffff0000;
    c.mmio_window_len = 0x20000;
    CHECK_EQ_S(acpi_build(&c, guest, sizeof(guest), VPLAT_ACPI_GPA, &rsdp_gpa), -EINVAL,
               "a memory window past 4 GiB is refused");
}

int main(void)
{
    static const unsigned int counts[] = { 1, 2, 4, 64 };
    unsigned int i;

    check_area("acpi_build");
    for (i = 0; i < ARRAY_SIZE(counts); i++)
        test_nr_vcpus(counts[i]);
    test_enospc();
    test_invalid();
    test_deterministic_and_base();
    test_pm_timer();
    test_pci_windows();
    return check_done();
}
