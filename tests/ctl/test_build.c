/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmicactl's domain builder against in-memory guest RAM: the real Debian
 * kernel ($CTL_KERNEL, build/dom0/vmlinuz) and a small initramfs are built
 * into a 128 MiB buffer through the same linux_load code dom0's builder
 * uses, then read back: zero page, e820, command line, initrd placement,
 * ACPI tables (RSDP, MADT, no PM timer), boot GDT, page tables, reset stub
 * and vCPU 0's entry state. Then the refusals, each located.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build.h"
#include "ctl_check.h"

#define MiB             (1ull << 20)
#define RAM_BYTES       (128 * MiB)
#define TSC_KHZ         2500000ull
#define INITRD_BYTES    (300 * 1024 + 123)

struct fake_ram {
    uint8_t *mem;
    uint64_t size;
    unsigned int writes, fail_at;       /* fail the fail_at'th write (0: never) */
};

/* The "guest memory" seam: what foreign mappings do, into a buffer. */
static int fake_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
    struct fake_ram *r = opaque;

    if (++r->writes == r->fail_at)
        return -EFAULT;
    if (gpa > r->size || len > r->size - gpa)
        return -EFAULT;
    memcpy(r->mem + gpa, src, len);
    return 0;
}

static uint64_t rd(const uint8_t *p, unsigned int bytes)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}

static char kernel_path[4096], initrd_path[64] = "/tmp/ctl-test-initrd.XXXXXX";
static uint8_t *initrd_data;

static int make_initrd(void)
{
    int fd = mkstemp(initrd_path);

    initrd_data = malloc(INITRD_BYTES);
    if (fd < 0 || !initrd_data)
        return -1;
    memcpy(initrd_data, "070701", 6);           /* a newc cpio's magic, then a pattern */
    for (size_t i = 6; i < INITRD_BYTES; i++)
        initrd_data[i] = (uint8_t)(i * 7 + 3);
    if (write(fd, initrd_data, INITRD_BYTES) != INITRD_BYTES)
        return -1;
    return close(fd);
}

static struct mica_domain_config *config(const char *memory, const char *cmdline, const char *kernel)
{
    char xml[8192];
    struct mica_domain_config *c = NULL;

    snprintf(xml, sizeof(xml),
             "<domain type='mica'>\n<name>build</name>\n<memory unit='MiB'>%s</memory>\n"
             "<vcpu>2</vcpu>\n<os>\n<kernel>%s</kernel>\n<initrd>%s</initrd>\n%s%s%s</os>\n</domain>\n",
             memory, kernel, initrd_path, cmdline ? "<cmdline>" : "", cmdline ? cmdline : "",
             cmdline ? "</cmdline>\n" : "");
    if (mica_config_parse_memory(NULL, xml, strlen(xml), "build.xml", &c))
        ctl_check(false, mica_last_error(NULL), "the test configuration parses");
    return c;
}

static void check_zero_page(const struct fake_ram *r, const struct ctl_build *b)
{
    const uint8_t *zp = r->mem + VPLAT_ZERO_PAGE_GPA, *e = zp + 0x2d0;
    const char *want = "quiet tsc_early_khz=2500000 console=ttyS0";
    uint64_t initrd = rd(zp + 0x218, 4) | rd(zp + 0xc0, 4) << 32;

    ctl_check(!memcmp(zp + 0x202, "HdrS", 4) && zp[0x210] == 0xff && zp[0x1ef] == 0, NULL,
              "zero page: the setup header, type_of_loader 0xff, sentinel 0");
    ctl_check(rd(zp + 0x228, 4) == VPLAT_CMDLINE_GPA &&
              !strcmp((const char *)r->mem + VPLAT_CMDLINE_GPA, want),
              (const char *)r->mem + VPLAT_CMDLINE_GPA,
              "command line at 0x20000: the XML's, tsc_early_khz= and console=ttyS0");
    ctl_check(initrd == b->layout.initrd_gpa && initrd % 4096 == 0 &&
              rd(zp + 0x21c, 4) == INITRD_BYTES && initrd + INITRD_BYTES <= RAM_BYTES &&
              initrd >= b->layout.kernel_gpa + b->layout.kernel_span &&
              !memcmp(r->mem + initrd, initrd_data, INITRD_BYTES), NULL,
              "initrd: page-aligned above the kernel, inside RAM, its bytes there (at %#llx)",
              (unsigned long long)initrd);
    ctl_check(zp[0x1e8] == 3 && rd(e, 8) == 0 && rd(e + 8, 8) == 0x9fc00 && rd(e + 16, 4) == 1 &&
              rd(e + 20, 8) == 0x9fc00 && rd(e + 28, 8) == 0x100000 - 0x9fc00 &&
              rd(e + 36, 4) == 2 && rd(e + 40, 8) == 0x100000 &&
              rd(e + 48, 8) == RAM_BYTES - 0x100000 && rd(e + 56, 4) == 1, NULL,
              "e820: RAM below 0x9fc00, reserved to 1 MiB, RAM from 1 MiB to 128 MiB");
    ctl_check(rd(zp + 0x70, 8) == VPLAT_ACPI_GPA, NULL, "zero page: acpi_rsdp_addr = 0xe0000");
}

/* Enabled processor local APIC entries (type 0, flags bit 0) in a MADT. */
static unsigned int madt_lapics(const uint8_t *madt)
{
    uint32_t len = (uint32_t)rd(madt + 4, 4);
    unsigned int n = 0;

    for (uint32_t at = 44; at + 2 <= len && madt[at + 1] >= 2; at += madt[at + 1])
        n += madt[at] == 0 && madt[at + 1] == 8 && (madt[at + 4] & 1);
    return n;
}

static void check_acpi(const struct fake_ram *r)
{
    const uint8_t *rsdp = r->mem + VPLAT_ACPI_GPA, *xsdt, *fadt, *madt;

    ctl_check(!memcmp(rsdp, "RSD PTR ", 8) && sum(rsdp, 20) == 0 && sum(rsdp, 36) == 0, NULL,
              "ACPI: RSDP signature and both checksums");
    xsdt = r->mem + rd(rsdp + 24, 8);
    fadt = r->mem + rd(xsdt + 36, 8);
    madt = r->mem + rd(xsdt + 44, 8);
    ctl_check(!memcmp(xsdt, "XSDT", 4) && !memcmp(fadt, "FACP", 4) && !memcmp(madt, "APIC", 4), NULL,
              "ACPI: XSDT lists the FADT and MADT");
    ctl_check(rd(fadt + 76, 4) == 0 && rd(fadt + 208 + 4, 8) == 0, NULL,
              "ACPI: a domU's FADT has no PM timer");
    ctl_check(madt_lapics(madt) == 2, NULL, "ACPI: the MADT has an enabled local APIC for each of the 2 vCPUs");
}

static void check_entry(const struct fake_ram *r, const struct ctl_build *b, const struct linux_entry *e)
{
    const uint8_t *pml4 = r->mem + VPLAT_BOOT_PT_GPA;
    const uint8_t *pd = pml4 + 2 * 4096;
    uint64_t k = b->layout.kernel_gpa;

    ctl_check(k == b->img.pref_address && !memcmp(r->mem + k, b->img.payload, b->img.payload_size),
              NULL, "kernel: the payload at its preferred address %#llx", (unsigned long long)k);
    ctl_check(e->rip == k + 0x200 && e->rsi == VPLAT_ZERO_PAGE_GPA && e->cr3 == VPLAT_BOOT_PT_GPA &&
              e->gdt_base == VPLAT_BOOT_GDT_GPA && e->gdt_limit == 31 && e->cs == 0x10 && e->ds == 0x18,
              NULL, "entry: RIP startup_64, RSI zero page, CR3 0x9000, GDT 0x6000/31, CS 0x10, DS 0x18");
    ctl_check(rd(r->mem + VPLAT_BOOT_GDT_GPA + 16, 8) == 0x00af9a000000ffffull &&
              rd(r->mem + VPLAT_BOOT_GDT_GPA + 24, 8) == 0x00cf92000000ffffull, NULL,
              "boot GDT: 64-bit code at 0x10, data at 0x18");
    ctl_check(rd(pml4, 8) == (VPLAT_BOOT_PT_GPA + 0x1000 + 3) && rd(pd, 8) == 0x83 &&
              rd(pd + (k >> 21) * 8, 8) == (k | 0x83) && rd(pd + 2047 * 8, 8) == (0xffe00000ull | 0x83),
              NULL, "page tables: the low 4 GiB identity-mapped with 2 MiB pages");
    ctl_check(!memcmp(r->mem + VPLAT_RESET_VECTOR_GPA, "\xba\xf9\x0c\xb0\x06\xee\xf4", 7), NULL,
              "reset vector: the stub that writes 6 to port 0xcf9");
}

static void check_good_build(void)
{
    struct mica_domain_config *c = config("128", "quiet", kernel_path);
    struct fake_ram r = { .mem = calloc(1, RAM_BYTES), .size = RAM_BYTES };
    struct linux_load_ops ops = { .write = fake_write, .opaque = &r };
    struct ctl_build b;
    struct linux_entry e;
    int rc;

    if (!c || !r.mem)
        return;
    rc = ctl_build_prepare(NULL, c, TSC_KHZ, &b);
    if (ctl_check(rc == 0, mica_last_error(NULL), "prepare: the Debian kernel and an initramfs, 128 MiB")) {
        rc = ctl_build_write(NULL, c, &b, &ops, &e);
        if (ctl_check(rc == 0, mica_last_error(NULL), "write: into the fake guest RAM")) {
            check_zero_page(&r, &b);
            check_acpi(&r);
            check_entry(&r, &b, &e);
        }
        r.writes = 0;
        r.fail_at = 3;
        rc = ctl_build_write(NULL, c, &b, &ops, &e);
        ctl_check(rc == -EFAULT && strstr(mica_last_error(NULL), "cannot write the command line"),
                  mica_last_error(NULL), "write: a failing guest write is reported, not ignored");
    }
    ctl_build_free(&b);
    free(r.mem);
    mica_config_free(c);
}

static void check_refused(const char *memory, const char *cmdline, const char *kernel,
                          const char *want, const char *what)
{
    struct mica_domain_config *c = config(memory, cmdline, kernel);
    struct ctl_build b;
    int rc;

    if (!c)
        return;
    rc = ctl_build_prepare(NULL, c, TSC_KHZ, &b);
    ctl_check(rc < 0 && strstr(mica_last_error(NULL), want), mica_last_error(NULL),
              "refused before anything is made: %s (\"%s\")", what, want);
    ctl_build_free(&b);
    mica_config_free(c);
}

/* A domU with a <hostdev> whose RAM reaches its PCI window (0xc0000000) is refused at <memory>. */
static void check_hostdev_window(void)
{
    struct mica_domain_config *c = config("3073", NULL, kernel_path);
    struct ctl_build b;
    int rc;

    if (!c)
        return;
    c->hostdevs = calloc(1, sizeof(*c->hostdevs));  /* one function, as <hostdev> gives */
    c->nr_hostdevs = c->hostdevs ? 1 : 0;
    rc = ctl_build_prepare(NULL, c, TSC_KHZ, &b);
    ctl_check(rc == -EINVAL && strstr(mica_last_error(NULL), "build.xml:3: memory: 3146752 KiB "
                                      "reaches the PCI window at 0xc0000000"),
              mica_last_error(NULL), "refused: <memory> of 3073 MiB with a <hostdev> (the PCI window "
              "starts at 3 GiB)");
    ctl_build_free(&b);
    mica_config_free(c);
}

static void check_cmdlines(void)
{
    static const struct { const char *xml, *want; } cases[] = {
        { NULL, "tsc_early_khz=2500000 console=ttyS0" },
        { "console=hvc0 quiet", "console=hvc0 quiet tsc_early_khz=2500000" },
        { "quiet netconsole=x", "quiet netconsole=x tsc_early_khz=2500000 console=ttyS0" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = ctl_build_cmdline(cases[i].xml, TSC_KHZ);

        ctl_check(got && !strcmp(got, cases[i].want), got, "command line from \"%s\": \"%s\"",
                  cases[i].xml ? cases[i].xml : "(none)", cases[i].want);
        free(got);
    }
}

int main(int argc, char **argv)
{
    const char *k = getenv("CTL_KERNEL");
    char longline[2100], fake[4200];

    ctl_area = "ctl-build";
    snprintf(kernel_path, sizeof(kernel_path), "%s", k && *k ? k : "build/dom0/vmlinuz");
    snprintf(fake, sizeof(fake), "%s/files/vmlinuz", argc > 1 ? argv[1] : "tests/ctl");
    if (!ctl_check(access(kernel_path, R_OK) == 0, "missing (make dom0 fetches it)",
                   "the Debian kernel %s is here", kernel_path) ||
        !ctl_check(make_initrd() == 0, strerror(errno), "a test initramfs"))
        return ctl_done();
    check_cmdlines();
    check_good_build();
    check_refused("32", NULL, kernel_path, "build.xml:3: memory: 32768 KiB: RAM too small for the kernel",
                  "RAM smaller than the kernel needs");
    check_refused("128", NULL, fake, "build.xml:6: kernel: ", "a kernel that is not a bzImage");
    check_hostdev_window();
    memset(longline, 'x', sizeof(longline) - 1);
    longline[2040] = '\0';
    check_refused("128", longline, kernel_path,
                  "build.xml:8: cmdline: the command line is longer than the kernel accepts",
                  "a command line that no longer fits with tsc_early_khz= and console=");
    unlink(initrd_path);
    free(initrd_data);
    return ctl_done();
}
