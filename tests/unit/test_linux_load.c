/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/linux_load.c, the Linux loader dom0's
 * builder and libmicactl share, compiled here as the hypervisor compiles it
 * (libctl's own build is tested by tests/ctl/test_build.c with the real
 * Debian kernel). A synthetic 6.1-like bzImage is loaded into a 64 MiB
 * buffer through a fake write callback, then every piece is read back.
 */
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/linux_load.h>

#include "check.h"
#include "shim.h"

#define MiB             (1ull << 20)
#define RAM             (64 * MiB)
#define SETUP_BYTES     (4 * 512)
#define PAYLOAD_BYTES   (64 * 1024)
#define INIT_SIZE       (24 * MiB)
#define INITRD_BYTES    (12345)

static uint8_t image[SETUP_BYTES + PAYLOAD_BYTES];
static uint8_t initrd[INITRD_BYTES];
static struct linux_load_scratch scratch;
static uint8_t *ram;
static unsigned int writes, fail_at;

static void w(size_t off, uint64_t v, unsigned int bytes)
{
    for (unsigned int i = 0; i < bytes; i++)
        image[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t r(const uint8_t *p, unsigned int bytes)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Protocol 2.15, relocatable, 2 MiB aligned, preferred at 16 MiB. */
static void build_image(void)
{
    for (size_t i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i * 13 + 7);
    image[0x1f1] = 3;                               /* setup_sects */
    w(0x1f4, PAYLOAD_BYTES / 16, 4);                /* syssize */
    w(0x1fe, 0xaa55, 2);
    image[0x200] = 0xeb;
    image[0x201] = 0x6a;                            /* header to 0x26c */
    memcpy(image + 0x202, "HdrS", 4);
    w(0x206, 0x020f, 2);
    image[0x211] = 0x01;                            /* LOADED_HIGH */
    w(0x22c, 0x7fffffff, 4);                        /* initrd_addr_max */
    w(0x230, 2 * MiB, 4);                           /* kernel_alignment */
    image[0x234] = 1;
    w(0x236, 0x7f, 2);                              /* xloadflags */
    w(0x238, 0x7ff, 4);                             /* cmdline_size */
    w(0x258, 16 * MiB, 8);                          /* pref_address */
    w(0x260, INIT_SIZE, 4);                         /* init_size */
    for (size_t i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
}

static int fake_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
    (void)opaque;
    if (++writes == fail_at)
        return -EIO;
    if (gpa > RAM || len > RAM - gpa)
        shim_fatal("write outside guest RAM: %#llx + %zu", (unsigned long long)gpa, len);
    memcpy(ram + gpa, src, len);
    return 0;
}

static const struct linux_load_ops ops = { .write = fake_write };

static struct linux_load input(const char *cmdline, unsigned int vcpus, uint64_t ram_bytes)
{
    return (struct linux_load){
        .kernel = image, .kernel_size = sizeof(image), .initrd = initrd,
        .initrd_size = sizeof(initrd), .cmdline = cmdline, .ram_bytes = ram_bytes,
        .acpi = { .nr_vcpus = vcpus },
    };
}

static void test_load(void)
{
    struct linux_load in = input("console=ttyS0 quiet", 2, RAM);
    struct linux_image img;
    struct linux_layout l;
    struct linux_entry e;
    enum linux_load_what what;
    const char *why = "";
    const uint8_t *zp = ram + VPLAT_ZERO_PAGE_GPA, *pd = ram + VPLAT_BOOT_PT_GPA + 2 * PAGE_SIZE;

    CHECK_EQ_S(linux_load_prepare(&in, &img, &l, &why, &what), 0, "prepare: accepted (%s)", why);
    CHECK_EQ(l.cmdline_len, strlen(in.cmdline), "prepare: cmdline_len set");
    CHECK_EQ_S(linux_load_write(&ops, &in, &img, &l, &scratch, &e, &why), 0, "write: done (%s)", why);
    CHECK(!memcmp(ram + 16 * MiB, image + SETUP_BYTES, PAYLOAD_BYTES), "the payload at 16 MiB");
    CHECK(!memcmp(ram + l.initrd_gpa, initrd, INITRD_BYTES) && l.initrd_gpa % PAGE_SIZE == 0 &&
          l.initrd_gpa + INITRD_BYTES <= RAM, "the initrd, page-aligned, inside RAM");
    CHECK_STR((const char *)ram + VPLAT_CMDLINE_GPA, in.cmdline, "the command line, NUL-terminated");
    CHECK(!memcmp(zp + 0x202, "HdrS", 4) && r(zp + 0x228, 4) == VPLAT_CMDLINE_GPA &&
          r(zp + 0x218, 4) == l.initrd_gpa && r(zp + 0x70, 8) == VPLAT_ACPI_GPA,
          "zero page: header, command line, initrd and RSDP addresses");
    CHECK(!memcmp(ram + VPLAT_ACPI_GPA, "RSD PTR ", 8), "ACPI: the RSDP at 0xe0000");
    CHECK_EQ(r(ram + VPLAT_BOOT_GDT_GPA + LINUX_BOOT_CS, 8), 0x00af9a000000ffffull,
             "GDT: __BOOT_CS is 64-bit code");
    CHECK_EQ(r(ram + VPLAT_BOOT_GDT_GPA + LINUX_BOOT_DS, 8), 0x00cf92000000ffffull,
             "GDT: __BOOT_DS is data");
    CHECK(!memcmp(ram + VPLAT_RESET_VECTOR_GPA, "\xba\xf9\x0c\xb0\x06\xee\xf4", 7),
          "reset vector: out 0xcf9, 6; hlt");
    CHECK(r(ram + VPLAT_BOOT_PT_GPA, 8) == (VPLAT_BOOT_PT_GPA + PAGE_SIZE) + 3 &&
          r(pd + 8 * 8, 8) == (16 * MiB | 0x83) && r(pd + 2047 * 8, 8) == (0xffe00000ull | 0x83),
          "page tables: the low 4 GiB, identity, 2 MiB pages");
    CHECK(e.rip == 16 * MiB + LINUX_ENTRY_64 && e.rsi == VPLAT_ZERO_PAGE_GPA &&
          e.cr3 == VPLAT_BOOT_PT_GPA && e.gdt_base == VPLAT_BOOT_GDT_GPA && e.gdt_limit == 31 &&
          e.cs == LINUX_BOOT_CS && e.ds == LINUX_BOOT_DS, "entry: startup_64 with the zero page");

    writes = 0;
    fail_at = 4;
    CHECK_EQ_S(linux_load_write(&ops, &in, &img, &l, &scratch, &e, &why), -EIO,
               "write: a failing write stops it with that error");
    CHECK(why && *why, "write: and says where (%s)", why);
    fail_at = 0;
}

static void expect_refused(struct linux_load in, enum linux_load_what want, const char *what)
{
    struct linux_image img;
    struct linux_layout l;
    enum linux_load_what got;
    const char *why = NULL;
    int rc = linux_load_prepare(&in, &img, &l, &why, &got);

    CHECK(rc < 0 && got == want && why && *why, "prepare refuses %s (%s)", what, why ? why : "-");
}

static void test_refusals(void)
{
    static char longline[0x900];

    memset(longline, 'x', sizeof(longline) - 1);
    expect_refused(input(longline, 1, RAM), LINUX_LOAD_CMDLINE, "a command line past cmdline_size");
    expect_refused(input("", 0, RAM), LINUX_LOAD_VCPUS, "0 vCPUs");
    expect_refused(input("", ACPI_BUILD_MAX_VCPUS + 1, RAM), LINUX_LOAD_VCPUS, "255 vCPUs");
    expect_refused(input("", 1, 32 * MiB), LINUX_LOAD_MEMORY, "RAM below pref_address + init_size");
    image[0x202] = 'X';
    expect_refused(input("", 1, RAM), LINUX_LOAD_KERNEL, "an image without HdrS");
    image[0x202] = 'H';
}

int main(void)
{
    check_area("linux_load");
    ram = calloc(1, RAM);
    if (!ram)
        shim_fatal("no memory for the guest RAM buffer");
    build_image();
    test_load();
    test_refusals();
    free(ram);
    return check_done();
}
