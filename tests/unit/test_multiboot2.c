/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for hypervisor/common/multiboot2.c, on synthetic info blocks. */
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "check.h"
#include "shim.h"

#define MAGIC   MULTIBOOT2_BOOTLOADER_MAGIC

/* The info block under construction; 8-byte aligned like a real one. */
static uint8_t mbi[16384] __aligned(8);
static size_t mbi_len;
static struct boot_info bi;

struct mmap_entry {
    uint64_t base, len;
    uint32_t type;
};

static void put32(size_t off, uint32_t v)
{
    memcpy(mbi + off, &v, sizeof(v));
}

static void mb_begin(void)
{
    memset(mbi, 0xee, sizeof(mbi));
    put32(4, 0);
    mbi_len = 8;
    shim_log_clear();
}

/* Append a tag with n payload bytes; returns its offset. */
static size_t mb_tag(uint32_t type, const void *payload, size_t n)
{
    size_t off = mbi_len;

    if (off + 8 + n + 8 > sizeof(mbi))
        shim_fatal("test mbi buffer too small");
    put32(off, type);
    put32(off + 4, (uint32_t)(8 + n));
    if (n)
        memcpy(mbi + off + 8, payload, n);
    mbi_len = ALIGN_UP(off + 8 + n, 8);
    return off;
}

static size_t mb_string(uint32_t type, const char *s)
{
    return mb_tag(type, s, strlen(s) + 1);
}

static size_t mb_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t p[256];
    size_t n = strlen(s) + 1;

    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, s, n);
    return mb_tag(3, p, 8 + n);
}

/* A memory map tag with entries of entry_size bytes (>= 24). */
static size_t mb_mmap(const struct mmap_entry *e, size_t n, uint32_t entry_size)
{
    static uint8_t p[8 + 200 * 40];
    size_t i, off;

    memset(p, 0xcc, sizeof(p));
    memcpy(p, &entry_size, 4);
    memset(p + 4, 0, 4);
    for (i = 0; i < n; i++) {
        off = 8 + i * entry_size;
        memcpy(p + off, &e[i].base, 8);
        memcpy(p + off + 8, &e[i].len, 8);
        memcpy(p + off + 16, &e[i].type, 4);
    }
    return mb_tag(6, p, 8 + n * entry_size);
}

static size_t mb_rsdp(uint32_t type, size_t len, uint8_t fill)
{
    uint8_t p[64];

    memset(p, fill, sizeof(p));
    memcpy(p, "RSD PTR ", 8);
    return mb_tag(type, p, len);
}

static void mb_finish(void)
{
    mb_tag(0, NULL, 0);
    put32(0, (uint32_t)mbi_len);
}

static int parse(void)
{
    return multiboot2_parse(MAGIC, mbi, &bi);
}

static const struct mmap_entry std_map[] = {
    { 0x0,           0x9fc00,     MEM_RAM },
    { 0x9fc00,       0x400,       MEM_RESERVED },
    { 0xf0000,       0x10000,     MEM_RESERVED },
    { 0x100000,      0x7ee0000,   MEM_RAM },
    { 0x7fe0000,     0x0,         MEM_RAM },        /* empty: dropped */
    { 0x7fe0000,     0x20000,     MEM_ACPI },
    { 0xfeffc000,    0x4000,      MEM_NVS },
    { 0x100000000,   0x40000000,  MEM_RAM },
};
#define STD_RAM_BYTES  (0x9fc00ull + 0x7ee0000ull + 0x40000000ull)
#define STD_RAM_END    0x140000000ull

static size_t std_loader_tag, std_new_rsdp;

/* The block most tests start from, ending without its end tag. */
static void build_std(uint32_t entry_size)
{
    mb_begin();
    mb_string(1, "console=com1 dom0_mem=512M");
    std_loader_tag = mb_string(2, "GRUB 2.06");
    mb_module(0x200000, 0x5a3000, "dom0 vmlinuz root=/dev/vda");
    mb_module(0x5a3000, 0x800000, "initrd");
    mb_module(0x800000, 0x800000, "");
    mb_mmap(std_map, ARRAY_SIZE(std_map), entry_size);
    mb_rsdp(14, 20, 0x11);
    std_new_rsdp = mb_rsdp(15, 36, 0x22);
    mb_rsdp(14, 20, 0x33);
    mb_tag(21, "\x00\x00\x20\x00", 4);    /* load base address: ignored */
}

static void check_std_regions(const char *how)
{
    static const unsigned int want_idx[] = { 0, 1, 2, 3, 5, 6, 7 };
    size_t i;

    CHECK_EQ(bi.nr_mem, ARRAY_SIZE(want_idx), "%s: empty region dropped", how);
    for (i = 0; i < ARRAY_SIZE(want_idx) && i < bi.nr_mem; i++) {
        const struct mmap_entry *w = &std_map[want_idx[i]];

        CHECK(bi.mem[i].base == w->base && bi.mem[i].len == w->len &&
              bi.mem[i].type == w->type, "%s: region %zu is 0x%llx+0x%llx type %u",
              how, i, (unsigned long long)w->base, (unsigned long long)w->len, w->type);
    }
}

static void check_std(const char *how)
{
    CHECK_EQ_S(parse(), 0, "%s: parses", how);
    CHECK_STR(bi.cmdline, "console=com1 dom0_mem=512M", "%s: command line", how);
    CHECK_STR(bi.loader_name, "GRUB 2.06", "%s: loader name", how);
    CHECK_EQ(bi.nr_mods, 3, "%s: three modules", how);
    CHECK(bi.mods[0].start == 0x200000 && bi.mods[0].end == 0x5a3000,
          "%s: module 0 range", how);
    CHECK_STR(bi.mods[0].cmdline, "dom0 vmlinuz root=/dev/vda", "%s: module 0 string", how);
    CHECK(bi.mods[1].start == 0x5a3000 && bi.mods[1].end == 0x800000,
          "%s: module 1 range", how);
    CHECK_STR(bi.mods[1].cmdline, "initrd", "%s: module 1 string", how);
    CHECK(bi.mods[2].start == 0x800000 && bi.mods[2].end == 0x800000,
          "%s: empty module 2 kept", how);
    CHECK_STR(bi.mods[2].cmdline, "", "%s: module 2 empty string", how);
    check_std_regions(how);
    CHECK(bi.rsdp == mbi + std_new_rsdp + 8, "%s: new RSDP preferred over old", how);
    CHECK_EQ(bi.rsdp_len, 36, "%s: RSDP length", how);
    CHECK_EQ(bi.mbi_start, (uintptr_t)mbi, "%s: mbi_start", how);
    CHECK_EQ(bi.mbi_end, (uintptr_t)mbi + mbi_len, "%s: mbi_end", how);
    CHECK_EQ(bootinfo_ram_bytes(&bi), STD_RAM_BYTES, "%s: RAM bytes", how);
    CHECK_EQ(bootinfo_ram_end(&bi), STD_RAM_END, "%s: RAM end", how);
    CHECK_EQ(shim_log_count(LOG_WARN) + shim_log_count(LOG_ERR), 0,
             "%s: nothing reported", how);
}

static void test_normal(void)
{
    build_std(24);
    mb_finish();
    check_std("24-byte entries");
    /* entry_size may grow in later versions: the walk must use it. */
    build_std(40);
    mb_finish();
    check_std("40-byte entries");
}

static void test_minimal(void)
{
    mb_begin();
    mb_finish();
    CHECK_EQ_S(parse(), 0, "minimal: only an end tag parses");
    CHECK_STR(bi.cmdline, "", "minimal: command line is empty string");
    CHECK_STR(bi.loader_name, "", "minimal: loader name is empty string");
    CHECK(bi.nr_mem == 0 && bi.nr_mods == 0, "minimal: no regions or modules");
    CHECK(bi.rsdp == NULL && bi.rsdp_len == 0, "minimal: no RSDP");
    CHECK_EQ(bi.mbi_end - bi.mbi_start, 16, "minimal: 16 bytes long");
    CHECK_EQ(bootinfo_ram_bytes(&bi), 0, "minimal: no RAM");
    CHECK_EQ(bootinfo_ram_end(&bi), 0, "minimal: RAM end 0");

    mb_begin();
    mb_rsdp(14, 20, 0x44);
    mb_finish();
    CHECK_EQ_S(parse(), 0, "old RSDP only: parses");
    CHECK(bi.rsdp == mbi + 16 && bi.rsdp_len == 20, "old RSDP only: used");
}

/* A failed parse returns -EINVAL, says why, and leaves an empty boot_info. */
static void expect_einval(uint32_t magic, const void *p, const char *what, const char *msg)
{
    shim_log_clear();
    memset(&bi, 0x5a, sizeof(bi));
    CHECK_EQ_S(multiboot2_parse(magic, p, &bi), -EINVAL, "%s: -EINVAL", what);
    CHECK_CONTAINS(shim_log(), msg, "%s: reported", what);
    CHECK(bi.nr_mods == 0 && bi.nr_mem == 0 && bi.rsdp == NULL &&
          bi.cmdline && bi.cmdline[0] == '\0', "%s: boot_info left empty", what);
}

static void test_bad_header(void)
{
    build_std(24);
    mb_finish();
    expect_einval(0x2badb002, mbi, "multiboot1 magic", "bad magic 0x2badb002");
    expect_einval(MAGIC, NULL, "NULL info", "not 8-byte aligned");
    expect_einval(MAGIC, mbi + 4, "misaligned info", "not 8-byte aligned");
    put32(0, 8);
    expect_einval(MAGIC, mbi, "total_size 8", "bad total_size 8");
    put32(0, 0);
    expect_einval(MAGIC, mbi, "total_size 0", "bad total_size 0");
    /* Cut before the end tag: the walk must stop at total_size. */
    put32(0, (uint32_t)mbi_len - 8);
    expect_einval(MAGIC, mbi, "total_size drops the end tag", "no end tag");
    /* Cut in the middle of the memory map tag. */
    put32(0, 200);
    expect_einval(MAGIC, mbi, "total_size cuts a tag", "bad size");
}

static void test_bad_tags(void)
{
    size_t off;

    build_std(24);
    put32(0, (uint32_t)mbi_len);
    expect_einval(MAGIC, mbi, "missing end tag", "no end tag");

    build_std(24);
    mb_finish();
    put32(std_loader_tag + 4, 0xfffffff0);
    expect_einval(MAGIC, mbi, "tag running past the end", "bad size 4294967280");

    build_std(24);
    off = mb_tag(21, "abcd", 4);
    mb_finish();
    put32(off + 4, 0);
    expect_einval(MAGIC, mbi, "zero-size tag", "bad size 0");
    put32(off + 4, 4);
    expect_einval(MAGIC, mbi, "tag smaller than its header", "bad size 4");

    /* The end tag itself must fit. */
    build_std(24);
    mb_finish();
    put32(mbi_len - 4, 16);
    expect_einval(MAGIC, mbi, "end tag past the end", "bad size 16");
}

static void test_bad_contents(void)
{
    size_t off;

    mb_begin();
    off = mb_string(1, "abcdefg");     /* 8 bytes with the NUL */
    mb_finish();
    mbi[off + 8 + 7] = 'h';
    expect_einval(MAGIC, mbi, "unterminated command line", "malformed tag type 1");

    mb_begin();
    mb_tag(2, NULL, 0);
    mb_finish();
    expect_einval(MAGIC, mbi, "empty loader name tag", "malformed tag type 2");

    mb_begin();
    mb_module(0x300000, 0x200000, "backwards");
    mb_finish();
    expect_einval(MAGIC, mbi, "module ending before its start", "malformed tag type 3");

    mb_begin();
    mb_tag(3, "\0\0\x10\0\0\0\x20\0", 8);
    mb_finish();
    expect_einval(MAGIC, mbi, "module without a string", "malformed tag type 3");

    mb_begin();
    mb_tag(3, "\0\0\x10\0", 4);
    mb_finish();
    expect_einval(MAGIC, mbi, "module tag of 12 bytes", "malformed tag type 3");

    mb_begin();
    mb_mmap(std_map, 2, 24);
    mb_finish();
    put32(16, 16);                  /* entry_size smaller than an entry */
    expect_einval(MAGIC, mbi, "memory map entry_size 16", "malformed tag type 6");

    mb_begin();
    mb_tag(6, "\x18\0\0\0", 4);
    mb_finish();
    expect_einval(MAGIC, mbi, "memory map tag of 12 bytes", "malformed tag type 6");

    mb_begin();
    mb_rsdp(15, 20, 0);             /* a v2 RSDP is 36 bytes */
    mb_finish();
    expect_einval(MAGIC, mbi, "short new RSDP", "malformed tag type 15");
}

static void test_too_many(void)
{
    static struct mmap_entry map[MAX_MEM_REGIONS + 3];
    char name[16];
    unsigned int i;

    mb_begin();
    for (i = 0; i < MAX_MODULES + 8; i++) {
        snprintf(name, sizeof(name), "mod%u", i);
        mb_module(0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000, name);
    }
    for (i = 0; i < ARRAY_SIZE(map); i++)
        map[i] = (struct mmap_entry){ 0x200000ull * i, 0x100000, MEM_RAM };
    mb_mmap(map, ARRAY_SIZE(map), 24);
    mb_finish();
    CHECK_EQ_S(parse(), 0, "too many: still parses");
    CHECK_EQ(bi.nr_mods, MAX_MODULES, "too many: modules capped");
    CHECK_STR(bi.mods[MAX_MODULES - 1].cmdline, "mod31", "too many: first 32 kept");
    CHECK_CONTAINS(shim_log(), "8 modules dropped", "too many: module warning counts");
    CHECK_EQ(bi.nr_mem, MAX_MEM_REGIONS, "too many: regions capped");
    CHECK_EQ(bi.mem[MAX_MEM_REGIONS - 1].base, 0x200000ull * (MAX_MEM_REGIONS - 1),
             "too many: first regions kept");
    CHECK_CONTAINS(shim_log(), "3 memory regions dropped", "too many: region warning counts");
    CHECK_EQ(shim_log_count(LOG_WARN), 2, "too many: one warning each");
    CHECK_EQ(bootinfo_ram_bytes(&bi), 0x100000ull * MAX_MEM_REGIONS,
             "too many: RAM bytes of kept regions");
    CHECK_EQ(bootinfo_ram_end(&bi), 0x200000ull * (MAX_MEM_REGIONS - 1) + 0x100000,
             "too many: RAM end of kept regions");
}

static void test_ram_totals(void)
{
    static const struct mmap_entry map[] = {
        { 0x100000000, 0x80000000, MEM_RAM },       /* out of order */
        { 0x0, 0xa0000, MEM_RAM },
        { 0x200000000, 0x100000, MEM_RESERVED },    /* highest, not RAM */
        { 0xfffffffffffff000, 0x2000, MEM_RAM },    /* wraps: ignored */
        { 0x100000, 0x1000, MEM_BAD },
    };

    mb_begin();
    mb_mmap(map, ARRAY_SIZE(map), 24);
    mb_finish();
    CHECK_EQ_S(parse(), 0, "RAM totals: parses");
    CHECK_EQ(bi.nr_mem, 4, "RAM totals: wrapping region ignored");
    CHECK_CONTAINS(shim_log(), "wraps", "RAM totals: wrapping region reported");
    CHECK_EQ(bootinfo_ram_bytes(&bi), 0x80000000ull + 0xa0000,
             "RAM totals: only RAM counted");
    CHECK_EQ(bootinfo_ram_end(&bi), 0x180000000ull,
             "RAM totals: end ignores non-RAM above");
}

int main(void)
{
    check_area("multiboot2");
    test_normal();
    test_minimal();
    test_bad_header();
    test_bad_tags();
    test_bad_contents();
    test_too_many();
    test_ram_totals();
    return check_done();
}
