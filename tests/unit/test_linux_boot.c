/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/linux_boot.c: checking a bzImage,
 * planning its layout in guest RAM and filling the zero page.
 *
 * A synthetic image is built in memory with every setup-header field at
 * its boot.rst offset, and with recognisable bytes around the header (0xff
 * at the 0x1ef sentinel, 0xee past the header's end) so that copying too
 * much shows. If a real kernel is on this machine ($MICA_TEST_VMLINUZ,
 * build/dom0/vmlinuz or /boot/vmlinuz-*), it is checked too; otherwise a
 * "# " line says so.
 */
#include <dirent.h>
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/linux_boot.h>
#include <asm/vplatform.h>

#include "check.h"
#include "shim.h"

#define MiB             (1ull << 20)
#define GiB             (1ull << 30)
#define SETUP_SECTS     3
#define SETUP_BYTES     ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_BYTES   (64 * 1024)
#define IMAGE_BYTES     (SETUP_BYTES + PAYLOAD_BYTES)
#define HDR_END         0x26c           /* 0x202 + 0x6a, as in Linux 6.1 */
#define INIT_SIZE       (48 * MiB)

static uint8_t image[IMAGE_BYTES];
static uint8_t zp[LINUX_ZERO_PAGE_SIZE];
static struct linux_image img;
static struct linux_layout lay;
static const char *why;

static void w16(size_t off, uint16_t v)
{
    image[off] = (uint8_t)v;
    image[off + 1] = (uint8_t)(v >> 8);
}

static void w32(size_t off, uint32_t v)
{
    w16(off, (uint16_t)v);
    w16(off + 2, (uint16_t)(v >> 16));
}

static void w64(size_t off, uint64_t v)
{
    w32(off, (uint32_t)v);
    w32(off + 4, (uint32_t)(v >> 32));
}

static uint32_t r32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t r64(const uint8_t *p)
{
    return r32(p) | (uint64_t)r32(p + 4) << 32;
}

/* A 6.1-like bzImage: protocol 2.15, relocatable, 2 MiB aligned, at 16 MiB. */
static void build_image(void)
{
    size_t i;

    for (i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i * 13 + 7);
    for (i = 0; i < 0x1f1; i++)
        image[i] = 0xa5;                /* boot sector: never copied */
    image[0x1ef] = 0xff;                /* the sentinel, as in a real bzImage */
    for (i = HDR_END; i < 0x290; i++)
        image[i] = 0xee;                /* past the header: never copied */
    image[0x1f1] = SETUP_SECTS;
    w32(0x1f4, PAYLOAD_BYTES / 16);     /* syssize */
    w16(0x1fe, 0xaa55);                 /* boot_flag */
    image[0x200] = 0xeb;                /* jmp short */
    image[0x201] = HDR_END - 0x202;
    memcpy(image + 0x202, "HdrS", 4);
    w16(0x206, 0x020f);                 /* version */
    image[0x210] = 0;                   /* type_of_loader */
    image[0x211] = 0x01;                /* loadflags: LOADED_HIGH */
    w32(0x218, 0);                      /* ramdisk_image */
    w32(0x21c, 0);                      /* ramdisk_size */
    w32(0x228, 0);                      /* cmd_line_ptr */
    w32(0x22c, 0x7fffffff);             /* initrd_addr_max */
    w32(0x230, 2 * MiB);                /* kernel_alignment */
    image[0x234] = 1;                   /* relocatable_kernel */
    w16(0x236, 0x7f);                   /* xloadflags */
    w32(0x238, 0x7ff);                  /* cmdline_size */
    w64(0x250, 0x1234);                 /* setup_data: must not reach the guest */
    w64(0x258, 16 * MiB);               /* pref_address */
    w32(0x260, INIT_SIZE);              /* init_size */
}

static int parse(size_t size)
{
    why = NULL;
    return linux_image_parse(image, size, &img, &why);
}

/* ---- parsing ---- */

static void test_parse_good(void)
{
    build_image();
    CHECK(linux_image_probe(image, sizeof(image)), "probe: the synthetic bzImage");
    CHECK_EQ_S(parse(sizeof(image)), 0, "parse: accepted");
    CHECK_EQ(img.version, 0x020f, "parse: version");
    CHECK_EQ(img.setup_bytes, SETUP_BYTES, "parse: setup_bytes = (3 + 1) * 512");
    CHECK_EQ(img.header_end, HDR_END, "parse: header ends at 0x202 + byte[0x201]");
    CHECK(img.payload == image + SETUP_BYTES && img.payload_size == PAYLOAD_BYTES,
          "parse: payload after the setup sectors, to the end of the file");
    CHECK_EQ(img.pref_address, 16 * MiB, "parse: pref_address");
    CHECK_EQ(img.kernel_alignment, 2 * MiB, "parse: kernel_alignment");
    CHECK_EQ(img.init_size, INIT_SIZE, "parse: init_size");
    CHECK_EQ(img.xloadflags, 0x7f, "parse: xloadflags");
    CHECK_EQ(img.initrd_addr_max, 0x7fffffff, "parse: initrd_addr_max");
    CHECK_EQ(img.cmdline_size, 0x7ff, "parse: cmdline_size");
    CHECK(img.relocatable, "parse: relocatable");

    image[0x1f1] = 0;
    w32(0x1f4, (PAYLOAD_BYTES - 512) / 16);
    CHECK_EQ_S(parse(sizeof(image)), 0, "parse: setup_sects 0 accepted");
    CHECK_EQ(img.setup_bytes, 5 * 512, "parse: setup_sects 0 means 4: (4 + 1) * 512");
}

static void expect_einval(const char *what)
{
    int rc = parse(sizeof(image));

    CHECK_EQ_S(rc, -EINVAL, "parse refuses %s: -EINVAL", what);
    CHECK(why && *why, "parse refuses %s: says why (%s)", what, why ? why : "(null)");
}

static void test_parse_errors(void)
{
    build_image();
    image[0x202] = 'X';
    CHECK(!linux_image_probe(image, sizeof(image)), "probe: no HdrS");
    expect_einval("no HdrS");
    build_image();
    w16(0x1fe, 0);
    CHECK(!linux_image_probe(image, sizeof(image)), "probe: no 0xaa55 boot flag");
    expect_einval("no boot flag");
    build_image();
    CHECK(!linux_image_probe(image, 0x263), "probe: shorter than the header");
    CHECK_EQ_S(parse(0x263), -EINVAL, "parse refuses a file shorter than the header");
    build_image();
    w16(0x206, 0x020b);
    expect_einval("protocol 2.11");
    build_image();
    image[0x211] = 0;
    expect_einval("a zImage (LOADED_HIGH clear)");
    build_image();
    w16(0x236, 0x7e);
    expect_einval("no XLF_KERNEL_64");
    build_image();
    CHECK_EQ_S(parse(SETUP_BYTES), -EINVAL, "parse refuses an image truncated after setup");
    CHECK_EQ_S(parse(sizeof(image) - 16), -EINVAL,
               "parse refuses an image truncated inside the payload (syssize)");
    CHECK(why && *why, "truncated: says why (%s)", why ? why : "(null)");
    build_image();
    image[0x201] = 0x90;
    expect_einval("a header running past boot_params' 0x290");
    build_image();
    image[0x201] = 0x40;
    expect_einval("a header too short for init_size");
    build_image();
    image[0x200] = 0xe9;
    expect_einval("no short jump at 0x200");
    build_image();
    w32(0x230, 3 * MiB);
    expect_einval("kernel_alignment not a power of two");
    build_image();
    w32(0x260, 0);
    expect_einval("init_size 0");
}

/* ---- planning ---- */

static int plan(uint64_t ram, uint64_t initrd)
{
    why = NULL;
    return linux_plan(&img, ram, initrd, &lay, &why);
}

static bool initrd_clear(void)
{
    return lay.initrd_gpa + lay.initrd_size <= lay.kernel_gpa ||
           lay.initrd_gpa >= lay.kernel_gpa + lay.kernel_span;
}

static void test_plan_kernel(void)
{
    build_image();
    parse(sizeof(image));
    CHECK_EQ_S(plan(256 * MiB, 0), 0, "plan: 256 MiB, no initrd");
    CHECK_EQ(lay.kernel_gpa, 16 * MiB, "plan: kernel at pref_address");
    CHECK_EQ(lay.kernel_span, INIT_SIZE, "plan: kernel span = init_size");
    CHECK(lay.initrd_gpa == 0 && lay.initrd_size == 0, "plan: no initrd");
    CHECK_EQ(lay.cmdline_gpa, VPLAT_CMDLINE_GPA, "plan: command line at VPLAT_CMDLINE_GPA");
    CHECK_EQ(lay.rsdp_gpa, VPLAT_ACPI_GPA, "plan: RSDP at VPLAT_ACPI_GPA");
    CHECK_EQ(lay.ram_bytes, 256 * MiB, "plan: ram_bytes recorded");

    CHECK_EQ_S(plan(16 * MiB + INIT_SIZE, 0), 0, "plan: RAM exactly pref + init_size fits");
    CHECK_EQ_S(plan(16 * MiB + INIT_SIZE - 4096, 0), -ENOMEM,
               "plan: one page less: -ENOMEM");
    CHECK(why && *why, "plan: kernel too big says why (%s)", why ? why : "(null)");
    CHECK_EQ_S(plan(MiB, 0), -ENOMEM, "plan: RAM ending at 1 MiB: -ENOMEM");
    CHECK_EQ_S(plan(LINUX_RAM_MAX + 4096, 0), -EINVAL,
               "plan: RAM over the IOAPIC page: -EINVAL");
    CHECK_EQ_S(plan(LINUX_RAM_MAX, 0), 0,
               "plan: RAM up to LINUX_RAM_MAX (the IOAPIC page) fits");

    img.pref_address = 16 * MiB + 4096;
    CHECK_EQ_S(plan(256 * MiB, 0), 0, "plan: unaligned pref_address");
    CHECK_EQ(lay.kernel_gpa, 18 * MiB, "plan: rounded up to kernel_alignment");
    img.pref_address = 0x8000;
    CHECK_EQ_S(plan(256 * MiB, 0), -EINVAL, "plan: pref_address below 1 MiB: -EINVAL");
    img.pref_address = 512 * MiB;
    CHECK_EQ_S(plan(256 * MiB, 0), -ENOMEM, "plan: pref_address beyond RAM: -ENOMEM");
    img.pref_address = 16 * MiB;
    img.init_size = 4096;
    CHECK_EQ_S(plan(256 * MiB, 0), 0, "plan: init_size smaller than the payload");
    CHECK_EQ(lay.kernel_span, PAYLOAD_BYTES, "plan: span = payload when it is larger");
}

static void test_plan_initrd(void)
{
    uint64_t size = 10 * MiB + 1;

    build_image();
    parse(sizeof(image));
    CHECK_EQ_S(plan(256 * MiB, size), 0, "plan: 10 MiB + 1 initrd in 256 MiB");
    CHECK_EQ(lay.initrd_gpa, 256 * MiB - 10 * MiB - 4096, "plan: initrd at the top of RAM");
    CHECK_EQ(lay.initrd_size, size, "plan: initrd size exact");
    CHECK(initrd_clear(), "plan: initrd clear of the kernel");

    CHECK_EQ_S(plan(3 * GiB, size), 0, "plan: initrd in 3 GiB");
    CHECK_EQ(lay.initrd_gpa, 2 * GiB - 10 * MiB - 4096,
             "plan: initrd ends below initrd_addr_max + 1 = 2 GiB");

    img.initrd_addr_max = 200 * MiB + 123;
    CHECK_EQ_S(plan(256 * MiB, size), 0, "plan: unaligned initrd_addr_max");
    CHECK(lay.initrd_gpa % 4096 == 0 && lay.initrd_gpa + size <= 200 * MiB + 124 &&
          lay.initrd_gpa == 190 * MiB - 4096, "plan: highest page-aligned spot below it");
    img.initrd_addr_max = 0x7fffffff;

    CHECK_EQ_S(plan(66 * MiB, 4 * MiB), 0, "plan: no room above the kernel");
    CHECK_EQ(lay.initrd_gpa, 12 * MiB, "plan: initrd just below the kernel");
    CHECK(initrd_clear() && lay.initrd_gpa >= MiB, "plan: below the kernel, above 1 MiB");

    img.initrd_addr_max = 40 * MiB - 1;
    CHECK_EQ_S(plan(256 * MiB, 4 * MiB), 0, "plan: initrd_addr_max inside the kernel");
    CHECK(lay.initrd_gpa == 12 * MiB && initrd_clear(),
          "plan: initrd below the kernel, not overlapping it");
    img.initrd_addr_max = 0x7fffffff;

    CHECK_EQ_S(plan(66 * MiB, 16 * MiB), -ENOMEM,
               "plan: initrd fits neither above nor below the kernel: -ENOMEM");
    CHECK(why && *why, "plan: initrd refusal says why (%s)", why ? why : "(null)");
    CHECK_EQ_S(plan(256 * MiB, 4 * GiB), -ENOMEM, "plan: initrd larger than RAM: -ENOMEM");
}

/* ---- the zero page ---- */

static bool all_zero(size_t from, size_t to, const char *except)
{
    size_t i;

    for (i = from; i < to; i++)
        if (zp[i] && !(except && except[i]))
            return false;
    return true;
}

static void check_header_copy(void)
{
    unsigned int diff = 0;
    size_t i;

    for (i = 0x1f1; i < HDR_END; i++) {
        bool ours = i == 0x210 || (i >= 0x218 && i < 0x220) ||
                    (i >= 0x228 && i < 0x22c) || (i >= 0x250 && i < 0x258);
        if (!ours && zp[i] != image[i])
            diff++;
    }
    CHECK_EQ(diff, 0, "zero page: setup header 0x1f1..0x%x copied", HDR_END);
    CHECK_EQ(zp[0x1ef], 0, "zero page: sentinel 0x1ef not copied (image has 0xff)");
    CHECK(all_zero(HDR_END, 0x290, NULL), "zero page: nothing copied past the header end");
    CHECK_EQ(r64(zp + 0x250), 0, "zero page: setup_data 0");
}

static void check_e820(uint64_t ram)
{
    const uint8_t *e = zp + 0x2d0;

    CHECK_EQ(zp[0x1e8], 3, "zero page: e820_entries 3");
    CHECK(r64(e) == 0 && r64(e + 8) == VPLAT_LOW_RAM_END && r32(e + 16) == 1,
          "e820[0]: RAM [0, 0x%x)", VPLAT_LOW_RAM_END);
    e += 20;
    CHECK(r64(e) == VPLAT_LOW_RAM_END && r64(e + 8) == VPLAT_BIOS_END - VPLAT_LOW_RAM_END &&
          r32(e + 16) == 2, "e820[1]: reserved [0x%x, 0x%x)", VPLAT_LOW_RAM_END, VPLAT_BIOS_END);
    e += 20;
    CHECK(r64(e) == VPLAT_BIOS_END && r64(e + 8) == ram - VPLAT_BIOS_END && r32(e + 16) == 1,
          "e820[2]: RAM [0x%x, 0x%llx)", VPLAT_BIOS_END, (unsigned long long)ram);
    CHECK(VPLAT_ACPI_GPA >= VPLAT_LOW_RAM_END &&
          VPLAT_ACPI_GPA + VPLAT_ACPI_MAX <= VPLAT_BIOS_END,
          "e820: the ACPI tables lie in the reserved range");
    CHECK(all_zero(0x2d0 + 60, sizeof(zp), NULL), "zero page: nothing after e820[2]");
}

static void test_boot_params(void)
{
    static char ours[LINUX_ZERO_PAGE_SIZE];

    build_image();
    parse(sizeof(image));
    plan(256 * MiB, 10 * MiB + 1);
    lay.cmdline_len = 20;
    memset(zp, 0x5a, sizeof(zp));
    CHECK_EQ_S(linux_boot_params(&img, &lay, zp), 0, "boot_params: filled");
    check_header_copy();
    CHECK_EQ(zp[0x210], 0xff, "zero page: type_of_loader 0xff");
    CHECK_EQ(r32(zp + 0x228), VPLAT_CMDLINE_GPA, "zero page: cmd_line_ptr");
    CHECK_EQ(r32(zp + 0x0c8), 0, "zero page: ext_cmd_line_ptr 0");
    CHECK_EQ(r32(zp + 0x218), lay.initrd_gpa, "zero page: ramdisk_image");
    CHECK_EQ(r32(zp + 0x21c), 10 * MiB + 1, "zero page: ramdisk_size");
    CHECK(r32(zp + 0x0c0) == 0 && r32(zp + 0x0c4) == 0, "zero page: ext_ramdisk_* 0");
    CHECK_EQ(r64(zp + 0x070), VPLAT_ACPI_GPA, "zero page: acpi_rsdp_addr");
    memset(ours, 0, sizeof(ours));
    memset(ours + 0x070, 1, 8);
    ours[0x1e8] = 1;
    CHECK(all_zero(0, 0x1f1, ours), "zero page: zero before the header but our fields");
    check_e820(256 * MiB);

    lay.initrd_gpa = 0x123456789000ull;
    lay.initrd_size = 0x100000002ull;
    lay.cmdline_gpa = 0x200000000ull;
    linux_boot_params(&img, &lay, zp);
    CHECK(r32(zp + 0x218) == 0x56789000 && r32(zp + 0x0c0) == 0x1234 &&
          r32(zp + 0x21c) == 2 && r32(zp + 0x0c4) == 1 &&
          r32(zp + 0x228) == 0 && r32(zp + 0x0c8) == 2,
          "zero page: high halves in the ext_ fields");

    lay.cmdline_len = 0x800;
    CHECK_EQ_S(linux_boot_params(&img, &lay, zp), -EINVAL,
               "boot_params: command line over cmdline_size: -EINVAL");
    img.cmdline_size = 0x10000;
    lay.cmdline_len = LINUX_CMDLINE_SPACE;
    CHECK_EQ_S(linux_boot_params(&img, &lay, zp), -EINVAL,
               "boot_params: command line over its 4 KiB slot: -EINVAL");
    lay.cmdline_len = LINUX_CMDLINE_SPACE - 1;
    CHECK_EQ_S(linux_boot_params(&img, &lay, zp), 0,
               "boot_params: 4095-byte command line (plus NUL) fits");
}

/* ---- a real kernel, when there is one ---- */

static bool exists(const char *path)
{
    FILE *f = fopen(path, "rb");

    if (f)
        fclose(f);
    return f != NULL;
}

static const char *find_kernel(char *buf, size_t len)
{
    const char *env = getenv("MICA_TEST_VMLINUZ");
    const char *found = NULL;
    struct dirent *d;
    DIR *dir;

    if (env && *env)
        return env;
    if (exists("build/dom0/vmlinuz"))
        return "build/dom0/vmlinuz";
    dir = opendir("/boot");
    while (dir && !found && (d = readdir(dir)))
        if (check_has(d->d_name, "vmlinuz-") && d->d_name[0] == 'v') {
            snprintf(buf, len, "/boot/%s", d->d_name);
            found = buf;
        }
    if (dir)
        closedir(dir);
    return found;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n);
        if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return data;
}

static void check_real_kernel(const char *path, const uint8_t *data, size_t size)
{
    struct linux_image k;
    struct linux_layout l;

    CHECK(linux_image_probe(data, size), "%s: probe", path);
    why = NULL;
    if (!CHECK_EQ_S(linux_image_parse(data, size, &k, &why), 0, "%s: parse (%s)", path,
                    why ? why : "ok"))
        return;
    printf("# %s: protocol %x.%02x, setup %u bytes, payload %zu, pref 0x%llx, "
           "align 0x%x, init_size 0x%x, xloadflags 0x%x\n", path, k.version >> 8,
           k.version & 0xff, k.setup_bytes, k.payload_size,
           (unsigned long long)k.pref_address, k.kernel_alignment, k.init_size,
           k.xloadflags);
    CHECK(k.version >= 0x020c && (k.xloadflags & LINUX_XLF_KERNEL_64),
          "%s: protocol >= 2.12 with a 64-bit entry", path);
    CHECK(k.init_size >= k.payload_size, "%s: init_size covers the payload", path);
    why = NULL;
    CHECK_EQ_S(linux_plan(&k, 512 * MiB, 32 * MiB, &l, &why), 0,
               "%s: plan 512 MiB with a 32 MiB initrd (%s)", path, why ? why : "ok");
    CHECK(l.kernel_gpa % k.kernel_alignment == 0 &&
          (l.initrd_gpa >= l.kernel_gpa + l.kernel_span ||
           l.initrd_gpa + l.initrd_size <= l.kernel_gpa), "%s: aligned, no overlap", path);
    CHECK_EQ_S(linux_boot_params(&k, &l, zp), 0, "%s: boot_params", path);
    CHECK(zp[0x1ef] == 0 && zp[0x202] == 'H' && zp[0x203] == 'd' &&
          zp[0x204] == 'r' && zp[0x205] == 'S' && zp[0x210] == 0xff,
          "%s: header copied, sentinel 0, type_of_loader 0xff", path);
}

static void test_real_kernel(void)
{
    char buf[512];
    const char *path = find_kernel(buf, sizeof(buf));
    uint8_t *data;
    size_t size = 0;

    if (!path) {
        printf("# linux_boot: real kernel checks skipped: no $MICA_TEST_VMLINUZ, "
               "build/dom0/vmlinuz or /boot/vmlinuz-*\n");
        return;
    }
    data = read_file(path, &size);
    if (!CHECK(data, "%s: readable", path))
        return;
    check_real_kernel(path, data, size);
    free(data);
}

int main(void)
{
    check_area("linux_boot");
    test_parse_good();
    test_parse_errors();
    test_plan_kernel();
    test_plan_initrd();
    test_boot_params();
    test_real_kernel();
    return check_done();
}
