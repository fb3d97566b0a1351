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
#include <asm/pci.h>
#include <asm/acpi_build.h>
#include <asm/linux_load.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>
#include <asm/dom0.h>
#include <asm/setup.h>
#include <asm/time.h>

static struct linux_load_scratch scratch;

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

static int write_gpa(void *opaque, uint64_t gpa, const void *src, size_t len)
{
    return copy_to_gpa(opaque, gpa, src, len);
}

/* dom0 alone reaches the machine ports its TSC calibration needs (the backend's I/O permission map). */
static void platform_ports(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        arch_vcpu_platform_io(d->vcpu[i]);
}

static void enter_linux(struct domain *d, const struct linux_entry *le)
{
    struct vcpu_entry64 e = {
        .rip = le->rip, .rsi = le->rsi, .cr3 = le->cr3, .gdt_base = le->gdt_base,
        .gdt_limit = le->gdt_limit, .cs = le->cs, .ds = le->ds,
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

/*
 * dom0's command line: GRUB's, plus tsc_early_khz= with the rate the
 * hypervisor measured, unless GRUB's already has one. Linux otherwise
 * calibrates against PIT channel 2 and, when a VM exit disturbs that loop
 * (any host interrupt does, under TCG), against the PM timer, and keeps the
 * lowest of three tries: one disturbed try left dom0's clock 7-10% fast, and
 * its 1 s refinement then refused to correct an error over 1%. With the
 * hypervisor's rate it starts within 0.2% and refines against the PM timer.
 * domUs get the same from their builder (docs/libctl.md).
 */
static const char *dom0_cmdline(const char *grub)
{
    static char line[LINUX_CMDLINE_SPACE];
    int n;

    if (!tsc_khz || strstr(grub, "tsc_early_khz="))
        return grub;
    n = snprintf(line, sizeof(line), "%s%stsc_early_khz=%lu", grub, *grub ? " " : "",
                 (unsigned long)tsc_khz);
    if (n > 0 && (size_t)n < sizeof(line))
        return line;
    pr_warn("dom0: command line too long to add tsc_early_khz=%lu: Linux calibrates the TSC "
            "itself\n", (unsigned long)tsc_khz);
    return grub;
}

/* What linux_load needs from the boot modules, the options and the machine. */
static void dom0_load_input(const struct boot_info *bi, const struct domain_config *cfg,
                            struct linux_load *in)
{
    const struct boot_module *k = &bi->mods[0];
    const struct boot_module *initrd = dom0_module_count(bi) > 1 ? &bi->mods[1] : NULL;

    uint32_t win_base = 0, win_len = 0;

    if (opt_dom0_pci_view && pci_dom0_mmio_window(&win_base, &win_len))
        pr_info("dom0_pci=view: dom0's host bridge windows: I/O 0-0xcf7 and 0xd00-0xffff, "
                "memory %#x-%#x\n", win_base, win_base + win_len - 1);
    *in = (struct linux_load){
        .kernel = (const void *)(uintptr_t)k->start, .kernel_size = k->end - k->start,
        .initrd = initrd ? (const void *)(uintptr_t)initrd->start : NULL,
        .initrd_size = initrd ? initrd->end - initrd->start : 0,
        .cmdline = dom0_cmdline(k->cmdline), .ram_bytes = cfg->mem_bytes,
        .acpi = { .nr_vcpus = cfg->nr_vcpus, .pm_tmr_port = (uint16_t)acpi.pm_tmr_port,
                  .pm_tmr_32bit = acpi.pm_tmr_32bit,
                  .mmio_window_base = win_base, .mmio_window_len = win_len },
    };
}

int dom0_build(const struct boot_info *bi, const struct dom0_options *o,
               struct domain **out)
{
    struct linux_load_ops ops = { .write = write_gpa };
    struct linux_load in;
    struct linux_image img;
    struct linux_layout l;
    struct linux_entry entry;
    struct domain_config cfg = { 0 };     /* ctl and anything added later: off */
    enum linux_load_what what;
    struct domain *d;
    const char *why = "";
    int rc;

    rc = dom0_config(o, &cfg);
    if (!rc) {
        dom0_load_input(bi, &cfg, &in);
        rc = linux_load_prepare(&in, &img, &l, &why, &what);
    }
    if (rc) {
        pr_err("dom0: %s (error %d)\n", why, rc);
        return rc;
    }
    rc = domain_create(&cfg, &d);
    if (!rc) {
        platform_ports(d);
        ops.opaque = d;
        rc = linux_load_write(&ops, &in, &img, &l, &scratch, &entry, &why);
    }
    if (rc) {
        pr_err("dom0: cannot build it: %s (error %d)\n", why, rc);
        return rc;
    }
    if (o->pin)
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            sched_set_affinity(d->vcpu[i], 1ull << (i % o->nr_cpus));
    enter_linux(d, &entry);
    pr_info("dom0: Linux boot protocol %u.%02u, %lu MiB RAM, %u vCPUs, kernel at %#lx, initrd %lu KiB at %#lx\n",
            img.version >> 8, img.version & 0xff, (unsigned long)(cfg.mem_bytes >> 20),
            d->nr_vcpus, (unsigned long)l.kernel_gpa, (unsigned long)(l.initrd_size >> 10),
            (unsigned long)l.initrd_gpa);
    pr_info("dom0: command line: %s\n", in.cmdline);
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
