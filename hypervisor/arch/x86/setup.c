/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot CPU's path from head.S to the scheduler: console, boot
 * information, command line, the refusal on a CPU without SVM/NPT, memory,
 * paging, per-CPU data, time, APICs, the other CPUs, then the domains.
 */
#include <mica/console.h>
#include <mica/cmdline.h>
#include <mica/bootinfo.h>
#include <mica/acpi.h>
#include <mica/machine.h>
#include <mica/panic.h>
#include <mica/mm.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/domain.h>
#include <mica/domain_build.h>
#include <mica/version.h>
#include <asm/x86.h>
#include <asm/setup.h>
#include <asm/uart.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/smp.h>
#include <asm/vcpu.h>
#include <asm/dom0.h>
#include <asm/vplatform_dev.h>
#include <mica/linux_boot.h>
#include <mica/iommu.h>
#include <asm/pci.h>
#include <asm/spec_ctrl.h>
#include <asm/guest_walk.h>
#include <mica/console_input.h>
#include <public/sched.h>

struct acpi_info acpi;
struct boot_info boot_info;
bool gs_ready;

uint64_t opt_debug_exit;            /* debug_exit=PORT: QEMU isa-debug-exit */
uint64_t opt_maxcpus = MAX_CPUS;    /* maxcpus=N: use at most N CPUs */
uint64_t opt_tslice_ms = 10;        /* tslice_ms=N: scheduler timeslice */
static uint64_t opt_dom0_mem;       /* dom0_mem=SIZE: dom0's RAM */
static uint64_t opt_dom0_vcpus;     /* dom0_vcpus=N: dom0's vCPUs (default: one per pCPU) */
static char opt_on_dom0_crash[16] = "reboot";  /* on_dom0_crash=reboot|poweroff|halt */
static bool opt_dom0_vcpus_pin = true;  /* dom0_vcpus_pin: vCPU i stays on pCPU i mod n */
static char opt_console[16] = "com1";   /* console=com1|none */
static char opt_loglvl[16] = "info";    /* loglvl=err|warn|info|debug */
static char opt_guest_console[16] = "ring";  /* guest_console=ring|print */
static char opt_dom0_pci[16] = "none";  /* dom0_pci=none|view: physical functions in dom0's bus */

static const struct param params[] = {
    { "console", PARAM_STRING, opt_console, sizeof(opt_console), 0, 0 },
    { "loglvl", PARAM_STRING, opt_loglvl, sizeof(opt_loglvl), 0, 0 },
    { "guest_console", PARAM_STRING, opt_guest_console, sizeof(opt_guest_console), 0, 0 },
    { "debug_exit", PARAM_UINT, &opt_debug_exit, 0, 1, 0xffff },
    { "maxcpus", PARAM_UINT, &opt_maxcpus, 0, 1, MAX_CPUS },
    { "tslice_ms", PARAM_UINT, &opt_tslice_ms, 0, 1, 1000 },
    { "dom0_mem", PARAM_SIZE, &opt_dom0_mem, 0, 16 << 20, 0 },
    { "dom0_vcpus", PARAM_UINT, &opt_dom0_vcpus, 0, 1, MAX_VCPUS },
    { "on_dom0_crash", PARAM_STRING, opt_on_dom0_crash, sizeof(opt_on_dom0_crash), 0, 0 },
    { "dom0_vcpus_pin", PARAM_BOOL, &opt_dom0_vcpus_pin, 0, 0, 0 },
    { "dom0_pci", PARAM_STRING, opt_dom0_pci, sizeof(opt_dom0_pci), 0, 0 },
    { "msi_storm_limit", PARAM_UINT, &opt_msi_storm_limit, 0, 1, 1000000 },
    { "msi_storm_cpu_limit", PARAM_UINT, &opt_msi_storm_cpu_limit, 0, 1, 1000000 },
};

static void apply_console_options(void)
{
    static const char *const levels[] = { "err", "warn", "info", "debug" };
    bool known = false;

    for (int i = 0; i < 4; i++)
        if (!strcmp(opt_loglvl, levels[i])) {
            console_loglevel = i;
            known = true;
        }
    if (!known)
        pr_warn("cmdline: loglvl=%s: expected err, warn, info or debug\n", opt_loglvl);
    if (!strcmp(opt_console, "none"))
        uart_disable();
    else if (strcmp(opt_console, "com1"))
        pr_warn("cmdline: console=%s: expected com1 or none\n", opt_console);
    if (!strcmp(opt_guest_console, "print"))
        console_guest_uart_print = true;
    else if (strcmp(opt_guest_console, "ring"))
        pr_warn("cmdline: guest_console=%s: expected ring or print\n", opt_guest_console);
}

/* The domain builder copied what it needed: module memory is free RAM again. */
static void release_modules(const struct boot_info *bi)
{
    for (unsigned int i = 0; i < bi->nr_mods; i++) {
        paddr_t s = ALIGN_UP(bi->mods[i].start, PAGE_SIZE);
        paddr_t e = ALIGN_DOWN(bi->mods[i].end, PAGE_SIZE);

        if (e > s)
            frames_add_free(s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
    }
}

static void dom0_crashed(struct domain *d)
{
    pr_err("dom0 crashed: %s; on_dom0_crash=%s\n",
           d->crash_reason[0] ? d->crash_reason : "it said so", opt_on_dom0_crash);
    if (!strcmp(opt_on_dom0_crash, "poweroff"))
        machine_poweroff(MACHINE_FAILED);
    if (!strcmp(opt_on_dom0_crash, "halt"))
        machine_halt();
    machine_restart();
}

/* dom0 owns the machine: its end is the machine's. */
static void dom0_ended(struct domain *d, int reason)
{
    iommu_domain_report(d);
    pci_dom0_msi_report();
    if (reason == MICA_SHUTDOWN_poweroff) {
        pr_info("dom0 powered off\n");
        machine_poweroff(MACHINE_DONE);
    }
    if (reason == MICA_SHUTDOWN_reboot) {
        pr_info("dom0 asked for a reboot\n");
        machine_restart();
    }
    dom0_crashed(d);
}

static bool start_dom0(void)
{
    struct dom0_options o = {
        .mem = opt_dom0_mem, .vcpus = (unsigned int)opt_dom0_vcpus,
        .nr_cpus = nr_cpus_online, .pin = opt_dom0_vcpus_pin,
    };
    struct domain *d;

    if (!boot_info.nr_mods || !linux_image_probe((const void *)(uintptr_t)boot_info.mods[0].start,
                                                 boot_info.mods[0].end - boot_info.mods[0].start))
        return false;
    if (dom0_build(&boot_info, &o, &d))
        panic("cannot build dom0");
    if (opt_dom0_pci_view)
        pci_dom0_stop_mastering(d);     /* with an IOMMU or without */
    if (iommu_enabled() && !iommu_domain_init(d) && opt_dom0_pci_view)
        pci_dom0_map_bars(d);       /* BARs only with DMA confined to dom0 */
    on_dom0_end = dom0_ended;
    console_input_set_domain(d, vuart_input);
    domain_start(d);
    return true;
}

static void check_dom0_options(void)
{
    if (!strcmp(opt_dom0_pci, "view"))
        opt_dom0_pci_view = true;
    else if (strcmp(opt_dom0_pci, "none"))
        pr_warn("cmdline: dom0_pci=%s: expected none or view; using none\n", opt_dom0_pci);
    if (opt_dom0_pci_view)
        pr_info("dom0_pci=view: dom0 sees the physical PCI functions' config space (BARs "
                "shadowed, the command register filtered, other writes dropped)\n");
    if (strcmp(opt_on_dom0_crash, "reboot") && strcmp(opt_on_dom0_crash, "poweroff") &&
        strcmp(opt_on_dom0_crash, "halt")) {
        pr_warn("cmdline: on_dom0_crash=%s: expected reboot, poweroff or halt; using reboot\n",
                opt_on_dom0_crash);
        strlcpy(opt_on_dom0_crash, "reboot", sizeof(opt_on_dom0_crash));
    }
}

static void all_domains_ended(void)
{
    sched_report();
    pr_info("all domains have ended\n");
    machine_poweroff(MACHINE_DONE);
}

static void refuse_if_unsupported(void)
{
    const char *missing = arch_vcpu_select();

    if (!missing)
        return;
    pr_err("this CPU lacks %s: Mica cannot run guests; stopping\n", missing);
    machine_poweroff(MACHINE_UNSUPPORTED);
}

#define PHYS_BITS_DEFAULT  36      /* MAXPHYADDR without CPUID 0x80000008 (the SDM's) */
#define PHYS_BITS_MASK     0xffu

/* MAXPHYADDR: CPUID 0x80000008 EAX[7:0]. */
static unsigned int phys_addr_bits(void)
{
    uint32_t a, b, c, d;

    cpuid_count(CPUID_EXT_MAX, 0, &a, &b, &c, &d);
    if (a < CPUID_EXT_ADDR_SIZES)
        return PHYS_BITS_DEFAULT;
    cpuid_count(CPUID_EXT_ADDR_SIZES, 0, &a, &b, &c, &d);
    return a & PHYS_BITS_MASK;
}

static void boot_cpu_init(void)
{
    uint32_t a, b, c, d;
    struct percpu *pc;

    cpuid_count(1, 0, &a, &b, &c, &d);
    idt_init();
    pc = percpu_setup(0, b >> 24);
    if (!pc)
        panic("out of memory for the boot CPU's data");
    percpu_install(pc);
    gs_ready = true;
    if (!tsc_calibrate())
        panic("cannot calibrate the TSC: PIT channel 2 does not count");
    pr_info("TSC: %lu.%03lu MHz\n", (unsigned long)(tsc_khz / 1000),
            (unsigned long)(tsc_khz % 1000));
    apic_init_bsp(acpi.lapic_base ? acpi.lapic_base : 0xfee00000);
    if (arch_vcpu_hw_init() || arch_vcpu_cpu_enable())
        panic("cannot enable %s on the boot CPU", arch_vcpu_vendor_name());
    spec_ctrl_init();
    guest_walk_set_maxphyaddr(phys_addr_bits());
}

static void bring_up_cpus(void)
{
    uint32_t tslice_us = (uint32_t)opt_tslice_ms * 1000;
    unsigned int n;

    sched_init(tslice_us);
    if (!acpi.nr_cpus)
        pr_warn("no ACPI MADT: running on the boot CPU only\n");
    n = smp_boot((unsigned int)opt_maxcpus);
    pr_info("%u CPU%s online, %s with nested paging enabled on all %u\n",
            n, n == 1 ? "" : "s", arch_vcpu_vendor_name(), n);
}

void start_mica(uint32_t magic, uint32_t mbi);

void start_mica(uint32_t magic, uint32_t mbi)
{
    uart_init(COM1_BASE, 115200);
    pr_info("Mica %s hypervisor\n", MICA_VERSION_STRING);
    if (multiboot2_parse(magic, (const void *)(uintptr_t)mbi, &boot_info))
        panic("not started by a multiboot2 boot loader (magic %#x)", magic);
    pr_info("command line: %s\n", boot_info.cmdline);
    cmdline_parse(boot_info.cmdline, params, ARRAY_SIZE(params));
    apply_console_options();
    if (!boot_info.rsdp || acpi_parse(boot_info.rsdp, boot_info.rsdp_len, &acpi))
        pr_warn("no usable ACPI tables: one CPU, no ACPI power-off\n");
    refuse_if_unsupported();

    memory_init(&boot_info);
    paging_init(&boot_info);
    boot_cpu_init();
    bring_up_cpus();
    pci_scan();
    iommu_init(acpi.ivrs, acpi.ivrs_len);

    check_dom0_options();
    if (!start_dom0()) {
        on_last_domain_end = all_domains_ended;
        if (!boot_domains_create(&boot_info, 0)) {
            pr_info("no domain to run\n");
            machine_poweroff(MACHINE_DONE);
        }
    } else {
        boot_domains_create(&boot_info, dom0_module_count(&boot_info));
    }
    console_input_start(uart_getc);
    release_modules(&boot_info);
    smp_release();
    sched_start_cpu();
    sched_run();
}
