/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/acpi.c, on synthetic ACPI tables.
 *
 * Tables are built in a fake "physical memory" array. acpi_map() hands out
 * a fresh read-only copy of the bytes asked for, placed so that the byte
 * after the last one is a PROT_NONE guard page: reading past what was
 * mapped (past a table's length, or past the 36-byte header mapping)
 * crashes the test instead of passing unnoticed.
 */
#include <sys/mman.h>

#include <mica/acpi.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "check.h"
#include "shim.h"

#define PHYS_SIZE   0x10000
#define RSDT_PA     0x1000
#define XSDT_PA     0x2000
#define MADT_PA     0x3000      /* listed in the XSDT */
#define MADT1_PA    0x3800      /* listed in the RSDT */
#define FADT_PA     0x4000
#define DSDT_PA     0x5000
#define XDSDT_PA    0x6000
#define HPET_PA     0x7000
#define BAD_PA      0xdead0000ull

#define STD_PM1A    0x1004      /* legacy PM1a_CNT_BLK */
#define STD_XPM1A   0x604       /* X_PM1a_CNT_BLK, preferred */

static uint8_t phys[PHYS_SIZE];
static struct acpi_info info;

/* ---- acpi_map: guarded read-only copies of the fake memory ---- */

struct mapping {
    void *base;
    size_t size;
};

static struct mapping maps[256];
static unsigned int nr_maps;

static const void *guard_copy(const void *src, size_t len)
{
    size_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE + 1;
    size_t size = (pages + 1) * PAGE_SIZE;
    uint8_t *base, *dst;

    if (nr_maps == ARRAY_SIZE(maps))
        shim_fatal("acpi_map: too many mappings in one parse");
    base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        shim_fatal("acpi_map: mmap failed");
    dst = base + pages * PAGE_SIZE - len;
    memcpy(dst, src, len);
    mprotect(base, pages * PAGE_SIZE, PROT_READ);
    mprotect(base + pages * PAGE_SIZE, PAGE_SIZE, PROT_NONE);
    maps[nr_maps++] = (struct mapping){ base, size };
    return dst;
}

static void unmap_all(void)
{
    while (nr_maps) {
        nr_maps--;
        munmap(maps[nr_maps].base, maps[nr_maps].size);
    }
}

const void *acpi_map(paddr_t pa, size_t len)
{
    if (pa < 0x100 || pa >= PHYS_SIZE || len > PHYS_SIZE - pa)
        return NULL;
    return guard_copy(phys + pa, len);
}

/* ---- building tables ---- */

static void w8(paddr_t pa, uint8_t v)   { phys[pa] = v; }
static void w32(paddr_t pa, uint32_t v) { memcpy(phys + pa, &v, 4); }
static void w64(paddr_t pa, uint64_t v) { memcpy(phys + pa, &v, 8); }

static uint32_t r32(paddr_t pa)
{
    uint32_t v;

    memcpy(&v, phys + pa, 4);
    return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}

static void tbl_begin(paddr_t pa, const char *sig, uint32_t len, uint8_t rev)
{
    memset(phys + pa, 0, len);
    memcpy(phys + pa, sig, 4);
    w32(pa + 4, len);
    w8(pa + 8, rev);
    memcpy(phys + pa + 10, "MICA  ", 6);
    memcpy(phys + pa + 16, "UNITTEST", 8);
    w32(pa + 24, 1);
}

static void tbl_sum(paddr_t pa)
{
    phys[pa + 9] = 0;
    phys[pa + 9] = (uint8_t)-sum(phys + pa, r32(pa + 4));
}

/* A root table (RSDT with 4-byte or XSDT with 8-byte entries). */
static void root_build(paddr_t pa, const char *sig, const uint64_t *entries, size_t n)
{
    uint32_t esz = sig[0] == 'X' ? 8 : 4;
    size_t i;

    tbl_begin(pa, sig, (uint32_t)(36 + n * esz), 1);
    for (i = 0; i < n; i++) {
        if (esz == 8)
            w64(pa + 36 + i * 8, entries[i]);
        else
            w32(pa + 36 + i * 4, (uint32_t)entries[i]);
    }
    tbl_sum(pa);
}

static void madt_build(paddr_t pa, const uint8_t *entries, size_t n)
{
    tbl_begin(pa, "APIC", (uint32_t)(44 + n), 5);
    w32(pa + 36, 0xfee00000);
    w32(pa + 40, 1);
    memcpy(phys + pa + 44, entries, n);
    tbl_sum(pa);
}

struct fadt_opts {
    uint32_t len;
    uint32_t dsdt;
    uint64_t x_dsdt;
    uint32_t pm1a, pm1b;
    uint8_t x_pm1a_space, x_pm1b_space;
    uint64_t x_pm1a, x_pm1b;
    uint32_t flags;
    uint8_t reset_space;
    uint64_t reset_addr;
    uint8_t reset_value;
};

/* Write a size-byte field at off only when the table is long enough. */
static void fput(paddr_t pa, uint32_t len, uint32_t off, uint64_t v, unsigned int size)
{
    if (off + size <= len)
        memcpy(phys + pa + off, &v, size);
}

static void fadt_build(paddr_t pa, const struct fadt_opts *o)
{
    tbl_begin(pa, "FACP", o->len, o->len >= 244 ? 6 : 1);
    fput(pa, o->len, 40, o->dsdt, 4);
    fput(pa, o->len, 64, o->pm1a, 4);
    fput(pa, o->len, 68, o->pm1b, 4);
    fput(pa, o->len, 112, o->flags, 4);
    fput(pa, o->len, 116, o->reset_space, 1);
    fput(pa, o->len, 117, 8, 1);
    fput(pa, o->len, 120, o->reset_addr, 8);
    fput(pa, o->len, 128, o->reset_value, 1);
    fput(pa, o->len, 140, o->x_dsdt, 8);
    fput(pa, o->len, 172, o->x_pm1a_space, 1);
    fput(pa, o->len, 173, 16, 1);
    fput(pa, o->len, 176, o->x_pm1a, 8);
    fput(pa, o->len, 184, o->x_pm1b_space, 1);
    fput(pa, o->len, 185, 16, 1);
    fput(pa, o->len, 188, o->x_pm1b, 8);
    tbl_sum(pa);
}

static const struct fadt_opts std_fadt = {
    .len = 276, .dsdt = DSDT_PA, .pm1a = STD_PM1A,
    .x_pm1a_space = 1, .x_pm1a = STD_XPM1A,
    .flags = 1u << 10, .reset_space = 1, .reset_addr = 0xcf9, .reset_value = 6,
};

static void dsdt_build(paddr_t pa, const uint8_t *aml, size_t n)
{
    tbl_begin(pa, "DSDT", (uint32_t)(36 + n), 2);
    memcpy(phys + pa + 36, aml, n);
    tbl_sum(pa);
}

static uint8_t rsdp[36];

static void rsdp_build(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(rsdp, 0, sizeof(rsdp));
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "MICA  ", 6);
    rsdp[15] = rev;
    memcpy(rsdp + 16, &rsdt, 4);
    rsdp[20] = 36;
    memcpy(rsdp + 24, &xsdt, 8);
    rsdp[8] = (uint8_t)-sum(rsdp, 20);
    rsdp[32] = (uint8_t)-sum(rsdp, 36);
}

/* MADT of the XSDT: expected CPUs 0, 2, 0x100; LAPIC override 0xfe100000. */
static const uint8_t std_madt[] = {
    0, 8, 0, 0, 1, 0, 0, 0,                             /* APIC 0, enabled */
    0, 8, 1, 2, 1, 0, 0, 0,                             /* APIC 2, enabled */
    0, 8, 2, 4, 0, 0, 0, 0,                             /* APIC 4, disabled */
    0, 8, 3, 6, 2, 0, 0, 0,                             /* APIC 6, online-capable */
    1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,          /* I/O APIC: ignored */
    9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0,    /* x2APIC 0x100, enabled */
    9, 16, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0,    /* x2APIC 2: APIC 2 again */
    9, 16, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0,    /* x2APIC 0x101, disabled */
    5, 12, 0, 0, 0, 0, 0x10, 0xfe, 0, 0, 0, 0,          /* LAPIC address override */
};

/* MADT of the RSDT: CPUs 1 and 3, no override. */
static const uint8_t madt1[] = {
    0, 8, 0, 1, 1, 0, 0, 0,
    0, 8, 1, 3, 1, 0, 0, 0,
};

/* A decoy "_S5_" (not a package), then Name(_S5_, Package(4){5, 7, 0, 0}). */
static const uint8_t std_aml[] = {
    0x10, 0x05, '_', 'S', 'B', '_',
    0x70, '_', 'S', '5', '_', 0x00,
    0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
    0xa3, 0xa3,
};

/* Name(_S5_, Package(2){3, 3}), for the X_DSDT. */
static const uint8_t xdsdt_aml[] = {
    0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x03, 0x0a, 0x03,
};

static const uint64_t std_xsdt[] = { HPET_PA, MADT_PA, FADT_PA };
static const uint64_t std_rsdt[] = { MADT1_PA, FADT_PA };

static void build_std(void)
{
    memset(phys, 0x5a, sizeof(phys));
    root_build(RSDT_PA, "RSDT", std_rsdt, ARRAY_SIZE(std_rsdt));
    root_build(XSDT_PA, "XSDT", std_xsdt, ARRAY_SIZE(std_xsdt));
    madt_build(MADT_PA, std_madt, sizeof(std_madt));
    madt_build(MADT1_PA, madt1, sizeof(madt1));
    fadt_build(FADT_PA, &std_fadt);
    dsdt_build(DSDT_PA, std_aml, sizeof(std_aml));
    dsdt_build(XDSDT_PA, xdsdt_aml, sizeof(xdsdt_aml));
    tbl_begin(HPET_PA, "HPET", 56, 1);
    tbl_sum(HPET_PA);
    rsdp_build(2, RSDT_PA, XSDT_PA);
}

/* Parse with the RSDP in a guarded copy of rsdp_len bytes. */
static int run(size_t rsdp_len)
{
    int rc;

    shim_log_clear();
    memset(&info, 0x5a, sizeof(info));
    rc = acpi_parse(guard_copy(rsdp, rsdp_len), rsdp_len, &info);
    unmap_all();
    return rc;
}

static unsigned int problems(void)
{
    return shim_log_count(LOG_WARN) + shim_log_count(LOG_ERR);
}

/* ---- the tests ---- */

static void check_std_cpus(const char *how)
{
    CHECK_EQ(info.nr_cpus, 3, "%s: enabled LAPIC/x2APIC entries, duplicates once", how);
    CHECK(info.apic_ids[0] == 0 && info.apic_ids[1] == 2 && info.apic_ids[2] == 0x100,
          "%s: APIC IDs 0, 2, 0x100 in MADT order", how);
    CHECK_EQ(info.lapic_base, 0xfe100000, "%s: LAPIC address from the override", how);
}

static void test_v2_xsdt(void)
{
    build_std();
    CHECK_EQ_S(run(36), 0, "v2: parses");
    check_std_cpus("v2");
    CHECK(info.have_s5, "v2: have \\_S5");
    CHECK_EQ(info.pm1a_cnt, STD_XPM1A, "v2: X_PM1a_CNT_BLK preferred");
    CHECK_EQ(info.pm1b_cnt, 0, "v2: no PM1b");
    CHECK(info.slp_typa == 5 && info.slp_typb == 7, "v2: SLP_TYPa 5, SLP_TYPb 7");
    CHECK(info.have_reset, "v2: have reset register");
    CHECK_EQ(info.reset_port, 0xcf9, "v2: reset port");
    CHECK_EQ(info.reset_value, 6, "v2: reset value");
    CHECK_EQ(problems(), 0, "v2: nothing reported");
}

static void test_v1_rsdt(void)
{
    build_std();
    rsdp_build(0, RSDT_PA, 0);
    CHECK_EQ_S(run(20), 0, "v1: parses");
    CHECK_EQ(info.nr_cpus, 2, "v1: the RSDT's MADT is used");
    CHECK(info.apic_ids[0] == 1 && info.apic_ids[1] == 3, "v1: APIC IDs 1, 3");
    CHECK_EQ(info.lapic_base, 0xfee00000, "v1: LAPIC address from the MADT header");
    CHECK(info.have_s5 && info.slp_typa == 5, "v1: FADT shared, \\_S5 found");

    rsdp_build(2, RSDT_PA, XSDT_PA);
    CHECK_EQ_S(run(20), 0, "v2 RSDP given as 20 bytes: parses");
    CHECK_EQ(info.nr_cpus, 2, "v2 RSDP given as 20 bytes: falls back to the RSDT");

    rsdp_build(2, RSDT_PA, 0);
    CHECK_EQ_S(run(36), 0, "v2 RSDP without XSDT: parses");
    CHECK_EQ(info.nr_cpus, 2, "v2 RSDP without XSDT: uses the RSDT");
}

static void expect_fail(size_t len, int want, const char *what)
{
    CHECK_EQ_S(run(len), want, "%s: %s", what, want == -EINVAL ? "-EINVAL" : "-ENOENT");
    CHECK(info.nr_cpus == 0 && !info.have_s5 && !info.have_reset,
          "%s: nothing reported as found", what);
}

static void test_bad_rsdp(void)
{
    build_std();
    rsdp[8]++;
    expect_fail(36, -EINVAL, "RSDP checksum");
    build_std();
    rsdp_build(0, RSDT_PA, 0);
    rsdp[8]++;
    expect_fail(20, -EINVAL, "v1 RSDP checksum");
    build_std();
    rsdp[32]++;
    expect_fail(36, -EINVAL, "RSDP extended checksum");
    build_std();
    rsdp[20] = 40;
    rsdp[32] = (uint8_t)(rsdp[32] - 4);
    expect_fail(36, -EINVAL, "RSDP length beyond what was given");
    build_std();
    rsdp[0] = 'r';                      /* +0x20, so the checksums stay right */
    rsdp[8] -= 0x20;
    expect_fail(36, -ENOENT, "RSDP signature");
    build_std();
    expect_fail(19, -ENOENT, "RSDP shorter than v1");
    rsdp_build(0, 0, 0);
    expect_fail(20, -ENOENT, "RSDP without root table");
    CHECK_EQ_S(acpi_parse(NULL, 36, &info), -ENOENT, "NULL RSDP: -ENOENT");
}

static void test_bad_root(void)
{
    build_std();
    phys[XSDT_PA + 9]++;
    expect_fail(36, -EINVAL, "XSDT checksum");
    CHECK_CONTAINS(shim_log(), "XSDT", "XSDT checksum: reported");
    build_std();
    root_build(XSDT_PA, "RSDT", std_xsdt, ARRAY_SIZE(std_xsdt));
    expect_fail(36, -ENOENT, "XSDT with an RSDT signature");
    build_std();
    rsdp_build(2, RSDT_PA, BAD_PA);
    expect_fail(36, -ENOENT, "XSDT address unmapped");
    build_std();
    w32(XSDT_PA + 4, 20);
    tbl_sum(XSDT_PA);
    expect_fail(36, -ENOENT, "XSDT length below the header");
}

static void test_bad_tables(void)
{
    build_std();
    phys[MADT_PA + 50]++;
    CHECK_EQ_S(run(36), 0, "bad MADT checksum: parses");
    CHECK_EQ(info.nr_cpus, 0, "bad MADT checksum: MADT skipped");
    CHECK_EQ(info.lapic_base, 0, "bad MADT checksum: no LAPIC address");
    CHECK_CONTAINS(shim_log(), "table APIC at 0x3000 has a bad checksum",
                   "bad MADT checksum: reported");
    CHECK(info.have_s5 && info.have_reset, "bad MADT checksum: FADT still used");

    build_std();
    phys[FADT_PA + 200]++;
    CHECK_EQ_S(run(36), 0, "bad FADT checksum: parses");
    CHECK(!info.have_s5 && !info.have_reset && info.pm1a_cnt == 0,
          "bad FADT checksum: FADT skipped");
    CHECK_EQ(info.nr_cpus, 3, "bad FADT checksum: MADT still used");
    CHECK_CONTAINS(shim_log(), "table FACP at 0x4000 has a bad checksum",
                   "bad FADT checksum: reported");

    build_std();
    phys[DSDT_PA + 40]++;
    CHECK_EQ_S(run(36), 0, "bad DSDT checksum: parses");
    CHECK(!info.have_s5, "bad DSDT checksum: no \\_S5");
    CHECK(info.have_reset && info.pm1a_cnt == STD_XPM1A, "bad DSDT checksum: FADT kept");
}

static void test_missing_tables(void)
{
    static const uint64_t only_fadt[] = { BAD_PA, 0, FADT_PA };
    static const uint64_t only_madt[] = { MADT_PA };
    static const uint64_t two_madts[] = { MADT_PA, MADT1_PA, FADT_PA };

    build_std();
    root_build(XSDT_PA, "XSDT", only_fadt, ARRAY_SIZE(only_fadt));
    CHECK_EQ_S(run(36), 0, "no MADT: parses");
    CHECK(info.nr_cpus == 0 && info.lapic_base == 0, "no MADT: no CPUs");
    CHECK(info.have_s5, "no MADT: FADT still found past bad entries");

    build_std();
    root_build(XSDT_PA, "XSDT", only_madt, ARRAY_SIZE(only_madt));
    CHECK_EQ_S(run(36), 0, "no FADT: parses");
    CHECK(!info.have_s5 && !info.have_reset, "no FADT: no \\_S5, no reset");
    CHECK_EQ(info.nr_cpus, 3, "no FADT: CPUs found");

    build_std();
    root_build(XSDT_PA, "XSDT", two_madts, ARRAY_SIZE(two_madts));
    CHECK_EQ_S(run(36), 0, "two MADTs: parses");
    CHECK_EQ(info.nr_cpus, 3, "two MADTs: only the first is used");

    build_std();
    w32(MADT_PA + 4, (16u << 20) + 1);     /* refused before any checksum */
    CHECK_EQ_S(run(36), 0, "MADT of 16 MiB + 1: parses");
    CHECK_CONTAINS(shim_log(), "table APIC at 0x3000 has bad length 16777217",
                   "MADT of 16 MiB + 1: refused before mapping");

    build_std();
    root_build(XSDT_PA, "XSDT", NULL, 0);
    CHECK_EQ_S(run(36), 0, "empty XSDT: parses");
    CHECK(info.nr_cpus == 0 && !info.have_s5, "empty XSDT: nothing found");
}

static void test_madt_limits(void)
{
    uint8_t e[80 * 8];
    unsigned int i;

    for (i = 0; i < 70; i++) {
        uint8_t ent[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };

        memcpy(e + i * 8, ent, 8);
    }
    build_std();
    madt_build(MADT_PA, e, 70 * 8);
    CHECK_EQ_S(run(36), 0, "70 CPUs: parses");
    CHECK_EQ(info.nr_cpus, MAX_CPUS, "70 CPUs: capped at MAX_CPUS");
    CHECK_EQ(info.apic_ids[MAX_CPUS - 1], MAX_CPUS - 1, "70 CPUs: first ones kept");
    CHECK_CONTAINS(shim_log(), "6 CPUs dropped", "70 CPUs: warning counts the dropped");

    e[2 * 8 + 1] = 0;                   /* third entry: length 0 */
    madt_build(MADT_PA, e, 70 * 8);
    CHECK_EQ_S(run(36), 0, "zero-length MADT entry: parses");
    CHECK_EQ(info.nr_cpus, 2, "zero-length MADT entry: walk stops there");
    CHECK_CONTAINS(shim_log(), "MADT entry at offset 60 has bad length 0",
                   "zero-length MADT entry: reported");

    e[2 * 8 + 1] = 8;
    e[3 * 8 + 1] = 16;                  /* fourth entry runs past the table */
    madt_build(MADT_PA, e, 4 * 8 - 4);
    CHECK_EQ_S(run(36), 0, "MADT entry past the end: parses");
    CHECK_EQ(info.nr_cpus, 3, "MADT entry past the end: earlier entries kept");

    e[3 * 8 + 0] = 9;                   /* x2APIC entry of 8 bytes: too short */
    e[3 * 8 + 1] = 8;
    madt_build(MADT_PA, e, 5 * 8);
    CHECK_EQ_S(run(36), 0, "short x2APIC entry: parses");
    CHECK(info.nr_cpus == 4 && info.apic_ids[3] == 4, "short x2APIC entry: skipped, walk goes on");

    madt_build(MADT_PA, e, 4 * 8);      /* the short entry last: nothing read past it */
    CHECK_EQ_S(run(36), 0, "short x2APIC entry at the end: parses");
    CHECK_EQ(info.nr_cpus, 3, "short x2APIC entry at the end: skipped");
}

static struct fadt_opts fadt;

static void run_fadt(void)
{
    build_std();
    fadt_build(FADT_PA, &fadt);
    run(36);
}

static void test_fadt_pm1(void)
{
    fadt = std_fadt;
    fadt.x_pm1a_space = 0;                  /* memory space: not usable */
    fadt.x_pm1a = 0xfed00000;
    run_fadt();
    CHECK_EQ(info.pm1a_cnt, STD_PM1A, "X_PM1a in memory space: legacy PM1a used");
    CHECK(info.have_s5, "X_PM1a in memory space: have \\_S5");

    fadt = std_fadt;
    fadt.x_pm1a = 0;
    fadt.pm1b = 0x1008;
    fadt.x_pm1b_space = 1;
    fadt.x_pm1b = 0x608;
    run_fadt();
    CHECK_EQ(info.pm1a_cnt, STD_PM1A, "X_PM1a zero: legacy PM1a used");
    CHECK_EQ(info.pm1b_cnt, 0x608, "X_PM1b preferred");

    fadt = std_fadt;
    fadt.len = 116;                         /* ACPI 1.0: no reset, no X_ fields */
    fadt.pm1b = 0x1008;
    run_fadt();
    CHECK(info.pm1a_cnt == STD_PM1A && info.pm1b_cnt == 0x1008,
          "ACPI 1.0 FADT: legacy PM1a and PM1b");
    CHECK(info.have_s5 && info.slp_typa == 5, "ACPI 1.0 FADT: DSDT from the 32-bit field");
    CHECK(!info.have_reset, "ACPI 1.0 FADT: no reset register");

    fadt = std_fadt;
    fadt.pm1a = 0;
    fadt.x_pm1a = 0;
    run_fadt();
    CHECK(!info.have_s5, "no PM1a: no \\_S5 support");

    fadt = std_fadt;
    fadt.len = 40;                          /* too short for the DSDT field */
    run_fadt();
    CHECK(!info.have_s5 && !info.have_reset && info.pm1a_cnt == 0,
          "FADT of 40 bytes: nothing read past its end");
}

static void test_fadt_dsdt_reset(void)
{
    fadt = std_fadt;
    fadt.x_dsdt = XDSDT_PA;
    run_fadt();
    CHECK(info.have_s5 && info.slp_typa == 3 && info.slp_typb == 3,
          "X_DSDT preferred over DSDT");

    fadt = std_fadt;
    fadt.dsdt = (uint32_t)BAD_PA;
    run_fadt();
    CHECK(!info.have_s5, "DSDT unmapped: no \\_S5");
    CHECK_CONTAINS(shim_log(), "no valid DSDT at 0xdead0000", "DSDT unmapped: reported");

    fadt = std_fadt;
    fadt.dsdt = HPET_PA;
    run_fadt();
    CHECK(!info.have_s5, "DSDT pointing at another table: no \\_S5");

    fadt = std_fadt;
    fadt.flags = 0;
    run_fadt();
    CHECK(!info.have_reset, "RESET_REG_SUP clear: no reset");

    fadt = std_fadt;
    fadt.reset_space = 0;
    run_fadt();
    CHECK(!info.have_reset, "reset register in memory space: no reset");

    fadt = std_fadt;
    fadt.reset_addr = 0x10cf9;
    run_fadt();
    CHECK(!info.have_reset, "reset port above 0xffff: no reset");
}

struct s5_case {
    const char *name;
    uint8_t aml[40];    /* what follows "_S5_" */
    size_t len;
    bool ok;
    uint16_t a, b;
};

static const struct s5_case s5_cases[] = {
    { "ByteConst", { 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0, 0 }, 9, true, 5, 7 },
    { "ZeroOp/OneOp", { 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00 }, 7, true, 0, 1 },
    { "OneOp/ZeroOp", { 0x12, 0x04, 0x02, 0x01, 0x00 }, 5, true, 1, 0 },
    { "bare bytes", { 0x12, 0x04, 0x02, 0x05, 0x06 }, 5, true, 5, 6 },
    { "WordConst", { 0x12, 0x08, 0x02, 0x0b, 0x03, 0x00, 0x0b, 0x04, 0x00 }, 9, true, 3, 4 },
    { "2-byte PkgLength", { 0x12, 0x49, 0x00, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0, 0 },
      10, true, 5, 7 },
    { "2-byte PkgLength 0x15", { 0x12, 0x45, 0x01, 0x02, 0x0a, 0x02, 0x0a, 0x06 },
      22, true, 2, 6 },
    { "3-byte PkgLength", { 0x12, 0x88, 0x00, 0x00, 0x02, 0x0a, 0x03, 0x0a, 0x04 },
      9, true, 3, 4 },
    { "PackageOp at the table end", { 0x12 }, 1, false, 0, 0 },
    { "PkgLength cut by the table end", { 0x12, 0xc0 }, 2, false, 0, 0 },
    { "PkgLength past the table", { 0x12, 0x3f, 0x02, 0x0a, 0x05, 0x0a, 0x05 },
      7, false, 0, 0 },
    { "PkgLength reserved bits", { 0x12, 0x77, 0x00, 0x02, 0x0a, 0x05, 0x0a, 0x07 },
      8, false, 0, 0 },
    { "one element", { 0x12, 0x04, 0x01, 0x0a, 0x05, 0x00 }, 6, false, 0, 0 },
    { "NumElements 1, two values", { 0x12, 0x06, 0x01, 0x0a, 0x05, 0x0a, 0x07 },
      7, false, 0, 0 },
    { "ByteConst cut by PkgLength", { 0x12, 0x05, 0x02, 0x0a, 0x05, 0x0a, 0x07 },
      7, false, 0, 0 },
    { "second element outside package", { 0x12, 0x04, 0x02, 0x0a, 0x05, 0x01 },
      6, false, 0, 0 },
    { "not a package", { 0x0a, 0x05, 0x0a, 0x07 }, 4, false, 0, 0 },
};

static void test_s5_encodings(void)
{
    const struct s5_case *c;
    uint8_t aml[64];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(s5_cases); i++) {
        c = &s5_cases[i];
        memcpy(aml, "\x08_S5_", 5);
        memcpy(aml + 5, c->aml, c->len);
        build_std();
        dsdt_build(DSDT_PA, aml, 5 + c->len);
        CHECK_EQ_S(run(36), 0, "\\_S5 %s: parses", c->name);
        CHECK_EQ(info.have_s5, c->ok, "\\_S5 %s: have_s5", c->name);
        if (c->ok)
            CHECK(info.slp_typa == c->a && info.slp_typb == c->b,
                  "\\_S5 %s: SLP_TYP %u/%u", c->name, c->a, c->b);
        else
            CHECK_CONTAINS(shim_log(), "no \\_S5 package", "\\_S5 %s: reported", c->name);
    }
}

static uint32_t rng = 12345;

static uint8_t rand8(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

/* Random tables, with "_S5_"+PackageOp planted near their ends. */
static void test_garbage(void)
{
    uint8_t buf[600];
    unsigned int i, n, j, survived = 0;

    for (i = 0; i < 400; i++) {
        n = 8 + (rand8() | rand8() << 8) % (unsigned int)(sizeof(buf) - 8);
        for (j = 0; j < n; j++)
            buf[j] = rand8();
        memcpy(buf + n - 6 - rand8() % 3, "_S5_\x12", 5);
        build_std();
        dsdt_build(DSDT_PA, buf, n);
        madt_build(MADT_PA, buf, n / 2);
        fadt = std_fadt;
        fadt.len = 36 + rand8();
        fadt_build(FADT_PA, &fadt);
        memcpy(phys + FADT_PA + 36, buf, fadt.len - 36);
        fput(FADT_PA, fadt.len, 40, DSDT_PA, 4);
        fput(FADT_PA, fadt.len, 140, 0, 8);
        tbl_sum(FADT_PA);
        if (run(36) == 0 && info.nr_cpus <= MAX_CPUS)
            survived++;
    }
    CHECK_EQ(survived, 400, "garbage MADT/FADT/DSDT: 400 parsed within their bounds");
}

int main(void)
{
    check_area("acpi");
    test_v2_xsdt();
    test_v1_rsdt();
    test_bad_rsdp();
    test_bad_root();
    test_bad_tables();
    test_missing_tables();
    test_madt_limits();
    test_fadt_pm1();
    test_fadt_dsdt_reset();
    test_s5_encodings();
    test_garbage();
    return check_done();
}
