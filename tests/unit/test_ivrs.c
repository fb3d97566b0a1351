/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/ivrs.c (ACPI IVRS) and
 * iommu_amd_event.c (event log lines), on synthetic tables.
 *
 * The parser gets each table as a copy whose last byte sits just before a
 * PROT_NONE page: a read past the length it was given crashes the test.
 * Every table is also cut at every length, and each length field broken.
 */
#include <sys/mman.h>

#include <asm/iommu_amd.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "check.h"
#include "shim.h"

#define BASE0   0xfed80000ull
#define BASE1   0xfee80000ull

static uint8_t tab[4096];
static uint32_t tab_len;
static struct ivrs_info info;
static uint32_t block_ends[16];     /* where each block of the table ends */
static unsigned int nr_block_ends;


static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* Parse the first len bytes of tab from a guarded copy. */
static int parse_len(uint32_t len)
{
    size_t pages = len / PAGE_SIZE + 1, size = (pages + 1) * PAGE_SIZE;
    uint8_t *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *copy;
    int rc;

    if (base == MAP_FAILED)
        shim_fatal("mmap failed");
    copy = base + pages * PAGE_SIZE - len;
    memcpy(copy, tab, len);
    if (mprotect(base + pages * PAGE_SIZE, PAGE_SIZE, PROT_NONE) ||
        mprotect(base, pages * PAGE_SIZE, PROT_READ))
        shim_fatal("mprotect failed");
    rc = ivrs_parse(copy, len, &info);
    munmap(base, size);
    return rc;
}

static int parse(void)
{
    put32(tab + 4, tab_len);
    return parse_len(tab_len);
}

/* ---- building tables ---- */

static void start_table(void)
{
    nr_block_ends = 0;
    memset(tab, 0, sizeof(tab));
    memcpy(tab, "IVRS", 4);
    tab[8] = 2;
    put32(tab + 36, 0x00203041);    /* IVinfo: 48-bit VA, 64-bit PA */
    tab_len = 48;
}

/* Open an IVHD of the given type; returns its offset (length set by end_block). */
static uint32_t ivhd(uint8_t type, uint64_t base, uint16_t bdf)
{
    uint32_t off = tab_len;
    uint8_t *b = tab + off;

    b[0] = type;
    b[1] = 0xb0;
    put16(b + 4, bdf);
    put16(b + 6, 0x40);
    put64(b + 8, base);
    put16(b + 18, 0x1300);
    tab_len += type == 0x10 ? 24 : 40;
    if (type != 0x10)
        put64(b + 24, 0x29d3);
    return off;
}

static void end_block(uint32_t off)
{
    put16(tab + off + 2, (uint16_t)(tab_len - off));
    if (nr_block_ends < ARRAY_SIZE(block_ends))
        block_ends[nr_block_ends++] = tab_len;
}

static bool at_block_end(uint32_t len)
{
    for (unsigned int i = 0; i < nr_block_ends; i++)
        if (block_ends[i] == len)
            return true;
    return len == 48;
}

static void dev4(uint8_t type, uint16_t devid)
{
    tab[tab_len] = type;
    put16(tab + tab_len + 1, devid);
    tab_len += 4;
}

static void dev8(uint8_t type, uint16_t devid, uint16_t other)
{
    tab[tab_len] = type;
    put16(tab + tab_len + 1, devid);
    put16(tab + tab_len + 5, other);
    tab_len += 8;
}

static void dev_hid(uint16_t devid, uint8_t uid_len)
{
    uint8_t *e = tab + tab_len;

    e[0] = 0xf0;
    put16(e + 1, devid);
    memcpy(e + 4, "AMDI0020", 8);
    e[20] = 2;      /* UID format: string */
    e[21] = uid_len;
    memset(e + 22, 'u', uid_len);
    tab_len += 22u + uid_len;
}

static void ivmd(void)
{
    uint32_t off = tab_len;

    tab[tab_len] = 0x21;
    tab_len += 32;
    end_block(off);
}

/* Two IOMMUs; the first listed twice (0x10, then 0x11 with more); an IVMD. */
static void build_good(void)
{
    uint32_t b;

    start_table();
    b = ivhd(0x10, BASE0, 0x0018);
    dev4(0x02, 0x0000);             /* select 00:00.0 */
    dev4(0x03, 0x0008);             /* range 00:01.0 .. 00:1f.7 */
    dev4(0x04, 0x00ff);
    dev4(0x00, 0);                  /* padding */
    dev8(0x42, 0x0100, 0x00f8);     /* alias select 01:00.0 as 00:1f.0 */
    dev8(0x48, 0x00a0, 0x0100);     /* special: IOAPIC */
    dev_hid(0x00a5, 3);
    end_block(b);
    b = ivhd(0x11, BASE0, 0x0018);
    dev4(0x01, 0);                  /* all */
    end_block(b);
    ivmd();
    b = ivhd(0x40, BASE1, 0x0118);
    dev8(0x47, 0x0200, 0);          /* ext range 02:00.0 .. 02:1f.7 */
    dev4(0x04, 0x02ff);
    end_block(b);
}

/* ---- tests ---- */

static void test_good(void)
{
    int rc;

    build_good();
    shim_log_clear();
    rc = parse();
    CHECK_EQ_S(rc, 0, "good table: parsed");
    CHECK_EQ(info.nr, 2, "good table: two IOMMUs (the first listed twice kept once)");
    CHECK_EQ(info.nr_ivmd, 1, "good table: one IVMD");
    CHECK_EQ(info.nr_errors, 0, "good table: no errors");
    CHECK_EQ(shim_log_count(LOG_WARN), 0, "good table: no warning");
    CHECK_EQ(info.ivinfo, 0x00203041, "good table: IVinfo");
    CHECK_EQ(info.iommus[0].base, BASE0, "IOMMU 0: base");
    CHECK_EQ(info.iommus[0].type, 0x11, "IOMMU 0: the type 0x11 block's data wins");
    CHECK_EQ(info.iommus[0].efr, 0x29d3, "IOMMU 0: EFR image");
    CHECK_EQ(info.iommus[0].bdf, 0x0018, "IOMMU 0: its own BDF 00:03.0");
    CHECK_EQ(info.iommus[0].cap, 0x40, "IOMMU 0: capability offset");
    CHECK_EQ(info.iommus[0].nr_devs, 0x10000, "IOMMU 0: covers all device IDs");
    CHECK_EQ(info.iommus[1].base, BASE1, "IOMMU 1: base");
    CHECK_EQ(info.iommus[1].type, 0x40, "IOMMU 1: type 0x40");
    CHECK_EQ(info.iommus[1].dev_first, 0x0200, "IOMMU 1: first device 02:00.0");
    CHECK_EQ(info.iommus[1].dev_last, 0x02ff, "IOMMU 1: last device 02:1f.7");
    CHECK_EQ(info.iommus[1].nr_devs, 0x100, "IOMMU 1: 256 device IDs");
    CHECK_EQ(info.dev_iommu[0x0000], 1, "device map: 00:00.0 behind IOMMU 0");
    CHECK_EQ(info.dev_iommu[0x0300], 1, "device map: 03:00.0 behind IOMMU 0 (its 'all' entry)");
    CHECK_EQ(info.dev_iommu[0x0200], 2, "device map: 02:00.0 behind IOMMU 1 (listed last)");
    CHECK_EQ(info.dev_iommu[0x02ff], 2, "device map: 02:1f.7 behind IOMMU 1");

    /* The 0x10 block alone: its entries counted. */
    build_good();
    tab_len = 48 + 24 + 4 * 4 + 8 * 2 + 25;
    parse();
    CHECK_EQ(info.nr, 1, "0x10 block alone: one IOMMU");
    CHECK_EQ(info.iommus[0].type, 0x10, "0x10 block alone: type 0x10, no EFR");
    CHECK_EQ(info.iommus[0].efr, 0, "0x10 block alone: EFR 0");
    CHECK_EQ(info.iommus[0].nr_devs, 1 + 0xf8 + 1 + 1, "0x10 block alone: select, range, alias, HID");
    CHECK_EQ(info.iommus[0].nr_special, 1, "0x10 block alone: one special entry");
    CHECK_EQ(info.iommus[0].dev_last, 0x0100, "0x10 block alone: last device 01:00.0");
    CHECK_EQ(info.dev_iommu[0x00f8], 1, "0x10 block alone: 00:1f.0 in the map");
    CHECK_EQ(info.dev_iommu[0x0101], 0, "0x10 block alone: 01:00.1 not in the map");
}

/* Every cut of the good table parses without reading past the cut. */
static void test_every_length(void)
{
    uint32_t full, len, bad = 0, silent = 0;
    int rc;

    build_good();
    put32(tab + 4, tab_len);
    full = tab_len;
    for (len = 0; len < full; len++) {
        rc = parse_len(len);
        if (len < 48 && rc != -EINVAL)
            bad++;
        if (len >= 48 && info.nr > 2)
            bad++;
        if (len > 48 && !at_block_end(len) && !info.nr_errors)
            silent++;
    }
    CHECK_EQ(bad, 0, "every cut of the table (0..%u bytes) parses inside its length", full - 1);
    CHECK_EQ(silent, 0, "every cut inside a block is reported as an error");
    CHECK_EQ_S(parse_len(47), -EINVAL, "a table shorter than its header: -EINVAL");
    CHECK_EQ_S(parse_len(48), -ENOENT, "a header alone: -ENOENT (no IOMMU)");
    CHECK_EQ_S(parse_len(0), -EINVAL, "an empty table: -EINVAL");
}

static void expect_refused(const char *what, unsigned int nr_want, const char *log_has)
{
    shim_log_clear();
    parse();
    CHECK_EQ(info.nr, nr_want, "%s: %u IOMMU(s) kept", what, nr_want);
    CHECK(info.nr_errors > 0, "%s: counted as an error", what);
    CHECK_CONTAINS(shim_log(), log_has, "%s: logged", what);
}

static void test_bad_block_lengths(void)
{
    static const uint16_t lens[] = { 0, 1, 3, 0xffff };
    uint32_t b;

    char what[64];

    for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
        build_good();
        put16(tab + 48 + 2, lens[i]);
        snprintf(what, sizeof(what), "IVHD length %u", lens[i]);
        expect_refused(what, 0, "does not fit the table");
    }
    start_table();
    b = ivhd(0x11, BASE0, 0x18);
    end_block(b);
    put16(tab + b + 2, 24);         /* a 0x11 block is at least 40 */
    tab_len = b + 24;
    expect_refused("0x11 IVHD shorter than its header", 0, "shorter than its header");

    build_good();
    tab_len += 2;                   /* two stray bytes */
    expect_refused("stray bytes after the last block", 2, "stray bytes");
}

static void test_bad_entries(void)
{
    uint32_t b;

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    dev_hid(0x00a5, 10);
    end_block(b);
    put16(tab + b + 2, (uint16_t)(tab_len - b - 4));   /* the UID runs past the block */
    expect_refused("ACPI HID entry whose UID runs past its IVHD", 1, "bad or unknown length");
    CHECK_EQ(info.iommus[0].nr_devs, 0, "ACPI HID entry past its IVHD: not counted");

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    dev4(0x02, 0x10);
    tab[tab_len] = 0x02;            /* a 4-byte entry cut to 2 bytes */
    tab_len += 2;
    end_block(b);
    expect_refused("device entry cut by its IVHD's end", 1, "bad or unknown length");
    CHECK_EQ(info.iommus[0].nr_devs, 1, "entries before a bad one are kept");

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    tab[tab_len] = 0x80;            /* variable length, unknown */
    tab_len += 8;
    end_block(b);
    expect_refused("unknown variable-length entry", 1, "bad or unknown length");

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    dev4(0x04, 0x20);
    end_block(b);
    expect_refused("range end without a start", 1, "out of order");

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    dev4(0x03, 0x20);
    dev4(0x04, 0x10);
    end_block(b);
    expect_refused("range ending below its start", 1, "out of order");

    start_table();
    b = ivhd(0x10, BASE0, 0x18);
    dev4(0x03, 0x20);
    end_block(b);
    expect_refused("range never ended", 1, "never ended");

    start_table();
    b = ivhd(0x10, 0, 0x18);
    end_block(b);
    expect_refused("IVHD with MMIO base 0", 0, "bad MMIO base");
    start_table();
    b = ivhd(0x10, BASE0 + 0x10, 0x18);
    end_block(b);
    expect_refused("IVHD with an unaligned MMIO base", 0, "bad MMIO base");
}

static void test_too_many(void)
{
    uint32_t b;

    start_table();
    for (unsigned int i = 0; i < IVRS_MAX_IOMMUS + 1; i++) {
        b = ivhd(0x10, BASE0 + i * 0x10000ull, (uint16_t)(0x18 + i));
        end_block(b);
    }
    dev4(0x02, 0x0500);
    end_block(b);
    expect_refused("one IOMMU more than the limit", IVRS_MAX_IOMMUS, "more than");
    CHECK_EQ(info.dev_iommu[0x0500], 0, "the dropped IOMMU's devices are behind none");
}

static void test_events(void)
{
    const uint32_t fault[4] = { 0x00fa, 0x2020u << 16 | 5, 0x12345000, 0x1 };
    const uint32_t read_fault[4] = { 0x0018, 0x2000u << 16, 0x1000, 0 };
    const uint32_t ill_cmd[4] = { 0, 0x5000u << 16, 0x1d0010, 0 };
    const uint32_t unknown[4] = { 1, 0xf0000000u, 2, 3 };
    const uint32_t zero[4] = { 0, 0, 0, 0 };
    char line[128];

    amdvi_event_format(fault, line, sizeof(line));
    CHECK_STR(line, "IO_PAGE_FAULT device 0000:00:1f.2 domain 5 address 0x112345000 flags 0x20 (write)",
              "event: a write fault names device, domain, address");
    amdvi_event_format(read_fault, line, sizeof(line));
    CHECK_STR(line, "IO_PAGE_FAULT device 0000:00:03.0 domain 0 address 0x1000 flags 0 (read)",
              "event: a read fault");
    amdvi_event_format(ill_cmd, line, sizeof(line));
    CHECK_STR(line, "ILLEGAL_COMMAND_ERROR address 0x1d0010 flags 0",
              "event: an illegal command has no device");
    amdvi_event_format(unknown, line, sizeof(line));
    CHECK_STR(line, "event type 0xf: 00000001 f0000000 00000002 00000003",
              "event: an unknown type is shown raw");
    amdvi_event_format(zero, line, sizeof(line));
    CHECK_STR(line, "event type 0: 00000000 00000000 00000000 00000000",
              "event: type 0 is shown raw");
    CHECK_EQ(amdvi_event_format(fault, line, 8), 81, "event: a short buffer gets the length needed");
    CHECK_EQ(strlen(line), 7, "event: a short buffer is cut and terminated");
}

int main(void)
{
    check_area("ivrs");
    test_good();
    test_every_length();
    test_bad_block_lengths();
    test_bad_entries();
    test_too_many();
    test_events();
    return check_done();
}
