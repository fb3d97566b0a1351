/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building dom0 from a stock Linux bzImage (boot module 0) and its
 * initramfs (module 1), through the 64-bit boot protocol: the kernel at its
 * preferred address, the initramfs high, the command line, ACPI tables for
 * the virtual platform, the zero page, a flat GDT and identity page tables;
 * vCPU 0 enters at startup_64, the others wait for INIT/STARTUP.
 */
#include <mica/domain.h>
#include <mica/domain_build.h>
#include <mica/linux_boot.h>
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/sched.h>
#include <asm/acpi_build.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>
#include <asm/dom0.h>
#include <asm/setup.h>

#define BOOT_CS  0x10            /* Linux's __BOOT_CS */
#define BOOT_DS  0x18            /* Linux's __BOOT_DS */

static uint8_t acpi_buf[VPLAT_ACPI_MAX];
static uint8_t zero_page[LINUX_ZERO_PAGE_SIZE];

/*
 * All free RAM but the hypervisor's share (1/32 of it plus 32 MiB), and no
 * more than one e820 range can describe below the local APIC's page.
 */
static uint64_t default_mem(void)
{
    uint64_t free = frames_free_count() << PAGE_SHIFT;
    uint64_t keep = free / 32 + (32ull << 20);
    uint64_t mem = free > keep ? free - keep : 0;

    return ALIGN_DOWN(MIN(mem, (uint64_t)LINUX_RAM_MAX), 2ull << 20);
}

static int load_acpi(struct domain *d, struct linux_layout *l)
{
    struct acpi_build_config c = {
        .nr_vcpus = d->nr_vcpus, .pm_tmr_port = (uint16_t)acpi.pm_tmr_port,
        .pm_tmr_32bit = acpi.pm_tmr_32bit,
    };
    long n = acpi_build(&c, acpi_buf, sizeof(acpi_buf), VPLAT_ACPI_GPA, &l->rsdp_gpa);

    if (n < 0)
        return (int)n;
    return copy_to_gpa(d, VPLAT_ACPI_GPA, acpi_buf, (size_t)n);
}

/*
 * The reset vector's "firmware": Linux on a hardware-reduced ACPI machine
 * without EFI ends a reboot by jumping to F000:FFF0 in real mode, where a
 * BIOS would reset the machine. Mica's does exactly that, through the
 * reset register:   mov dx, 0xcf9 / mov al, 6 / out dx, al / hlt
 */
static int load_reset_vector(struct domain *d)
{
    static const uint8_t stub[] = {
        0xba, VPLAT_RESET_PORT & 0xff, VPLAT_RESET_PORT >> 8,
        0xb0, VPLAT_RESET_VALUE, 0xee, 0xf4,
    };

    return copy_to_gpa(d, VPLAT_RESET_VECTOR_GPA, stub, sizeof(stub));
}

static int load_boot_gdt(struct domain *d)
{
    static const uint64_t gdt[4] = { 0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };

    return copy_to_gpa(d, VPLAT_BOOT_GDT_GPA, gdt, sizeof(gdt));
}

static int load_images(struct domain *d, const struct linux_image *img,
                       struct linux_layout *l, const struct boot_module *initrd,
                       const char *cmdline)
{
    int rc;

    l->cmdline_len = (uint32_t)strnlen(cmdline, LINUX_CMDLINE_SPACE);
    rc = copy_to_gpa(d, l->kernel_gpa, img->payload, img->payload_size);
    if (!rc && initrd)
        rc = copy_to_gpa(d, l->initrd_gpa, (const void *)(uintptr_t)initrd->start,
                         l->initrd_size);
    if (!rc)
        rc = copy_to_gpa(d, l->cmdline_gpa, cmdline, l->cmdline_len + 1);
    if (!rc)
        rc = load_acpi(d, l);
    if (!rc)
        rc = linux_boot_params(img, l, zero_page);
    if (!rc)
        rc = copy_to_gpa(d, VPLAT_ZERO_PAGE_GPA, zero_page, sizeof(zero_page));
    if (!rc)
        rc = load_boot_gdt(d);
    if (!rc)
        rc = load_reset_vector(d);
    if (!rc)
        rc = domain_write_identity_map(d, VPLAT_BOOT_PT_GPA);
    return rc;
}

/* dom0 alone reaches the machine ports its TSC calibration needs (svm_msrpm.c). */
static void platform_ports(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        vcpu_ops->vcpu_platform_io(d->vcpu[i]);
}

static void enter_linux(struct domain *d, const struct linux_layout *l)
{
    struct vcpu_entry64 e = {
        .rip = l->kernel_gpa + LINUX_ENTRY_64, .rsi = VPLAT_ZERO_PAGE_GPA,
        .cr3 = VPLAT_BOOT_PT_GPA, .gdt_base = VPLAT_BOOT_GDT_GPA,
        .gdt_limit = 4 * 8 - 1, .cs = BOOT_CS, .ds = BOOT_DS,
    };

    arch_vcpu_set_entry64(d->vcpu[0], &e);
}

static int dom0_config(const struct dom0_options *o, struct domain_config *cfg)
{
    cfg->name = "dom0";
    cfg->privileged = true;
    cfg->platform = true;
    cfg->pcpu = 0;
    cfg->nr_vcpus = o->vcpus ? o->vcpus : o->nr_cpus;
    cfg->mem_bytes = o->mem ? o->mem : default_mem();
    if (cfg->nr_vcpus > ACPI_BUILD_MAX_VCPUS || cfg->nr_vcpus > MAX_VCPUS)
        cfg->nr_vcpus = MIN(ACPI_BUILD_MAX_VCPUS, MAX_VCPUS);
    return cfg->mem_bytes ? 0 : -ENOMEM;
}

int dom0_build(const struct boot_info *bi, const struct dom0_options *o,
               struct domain **out)
{
    const struct boot_module *k = &bi->mods[0];
    const struct boot_module *initrd = dom0_module_count(bi) > 1 ? &bi->mods[1] : NULL;
    struct linux_image img;
    struct linux_layout l;
    struct domain_config cfg = { 0 };     /* ctl and anything added later: off */
    struct domain *d;
    const char *why = "";
    int rc;

    rc = linux_image_parse((const void *)(uintptr_t)k->start, k->end - k->start, &img, &why);
    if (!rc && strnlen(k->cmdline, LINUX_CMDLINE_SPACE) > MIN(img.cmdline_size, LINUX_CMDLINE_SPACE - 1)) {
        why = "the command line is longer than the kernel accepts";
        rc = -EINVAL;
    }
    if (!rc)
        rc = dom0_config(o, &cfg);
    if (!rc)
        rc = linux_plan(&img, cfg.mem_bytes, initrd ? initrd->end - initrd->start : 0, &l, &why);
    if (rc) {
        pr_err("dom0: %s (error %d)\n", why, rc);
        return rc;
    }
    rc = domain_create(&cfg, &d);
    if (!rc) {
        platform_ports(d);
        rc = load_images(d, &img, &l, initrd, k->cmdline);
    }
    if (rc) {
        pr_err("dom0: cannot build it (error %d)\n", rc);
        return rc;
    }
    if (o->pin)
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            sched_set_affinity(d->vcpu[i], 1ull << (i % o->nr_cpus));
    enter_linux(d, &l);
    pr_info("dom0: Linux boot protocol %u.%02u, %lu MiB RAM, %u vCPUs, kernel at %#lx, initrd %lu KiB at %#lx\n",
            img.version >> 8, img.version & 0xff, (unsigned long)(cfg.mem_bytes >> 20),
            d->nr_vcpus, (unsigned long)l.kernel_gpa, (unsigned long)(l.initrd_size >> 10),
            (unsigned long)l.initrd_gpa);
    pr_info("dom0: command line: %s\n", k->cmdline);
    *out = d;
    return 0;
}

/* Modules dom0 takes: its kernel, and the next one unless it is an ELF test kernel. */
unsigned int dom0_module_count(const struct boot_info *bi)
{
    const char *elf = "\177ELF";

    if (bi->nr_mods < 2)
        return bi->nr_mods;
    if (bi->mods[1].end - bi->mods[1].start >= 4 &&
        !memcmp((const void *)(uintptr_t)bi->mods[1].start, elf, 4))
        return 1;
    return 2;
}
