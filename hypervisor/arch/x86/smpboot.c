/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bringing up the application processors: INIT-SIPI-SIPI into the real-mode
 * trampoline, which enters long mode on the boot page tables and calls
 * ap_start() on the CPU's own stack. Each AP then switches to the real page
 * tables, loads its GDT/TSS/IDT, enables its APIC and SVM, and waits for
 * the boot CPU to release it into the scheduler.
 */
#include <mica/console.h>
#include <mica/panic.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/smp.h>
#include <asm/setup.h>
#include <asm/vcpu.h>
#include <asm/trampoline.h>
#include <asm/page.h>

extern const char trampoline_start[], trampoline_end[];
extern const char tramp_cr3[], tramp_efer[], tramp_stack[], tramp_percpu[], tramp_entry[];
extern char boot_pml4[];

static volatile bool smp_go;

/*
 * TSC warp test, as Linux and Xen do it: two CPUs take turns, under a lock,
 * reading the TSC and comparing it with the last value either of them read.
 * Time never goes backwards between synchronised TSCs; if it does, guests
 * cannot be promised one invariant TSC.
 */
#define WARP_ROUNDS 20000
static spinlock_t warp_lock = SPINLOCK_INIT;
static uint64_t warp_last, warp_max;
static volatile unsigned int warp_phase;

static void warp_loop(void)
{
    for (unsigned int i = 0; i < WARP_ROUNDS; i++) {
        uint64_t prev, now;

        spin_lock(&warp_lock);
        prev = warp_last;
        now = rdtsc();
        warp_last = now;
        spin_unlock(&warp_lock);
        if (now < prev && prev - now > warp_max)
            warp_max = prev - now;
    }
}

/* The boot CPU's half; the AP runs warp_loop() when warp_phase becomes 1. */
static void warp_check(unsigned int cpu)
{
    warp_last = 0;
    __atomic_store_n(&warp_phase, 1, __ATOMIC_RELEASE);
    warp_loop();
    while (__atomic_load_n(&warp_phase, __ATOMIC_ACQUIRE) != 2)
        cpu_relax();
    warp_phase = 0;
    if (warp_max)
        pr_warn("TSC: CPU %u runs up to %lu cycles behind CPU 0: no invariant TSC for guests\n",
                cpu, (unsigned long)warp_max);
}

void ap_start(struct percpu *pc);

/* The copy of a trampoline variable at TRAMPOLINE_BASE. */
static void *tramp_var(const char *sym)
{
    return (void *)(uintptr_t)(TRAMPOLINE_BASE + (sym - trampoline_start));
}

void ap_start(struct percpu *pc)
{
    write_cr3(hyp_cr3);
    percpu_install(pc);
    apic_init_ap();
    if (arch_vcpu_cpu_enable())
        panic("CPU %u: cannot enable %s", pc->cpu, arch_vcpu_vendor_name());
    __atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
    while (__atomic_load_n(&warp_phase, __ATOMIC_ACQUIRE) != 1)
        cpu_relax();
    warp_loop();
    __atomic_store_n(&warp_phase, 2, __ATOMIC_RELEASE);
    while (!smp_go)
        cpu_relax();
    sched_start_cpu();
    sched_run();
}

static bool start_one(unsigned int cpu, uint32_t apic)
{
    struct percpu *pc = percpu_setup(cpu, apic);

    if (!pc) {
        pr_err("CPU %u (APIC %u): out of memory for its data\n", cpu, apic);
        return false;
    }
    *(uint64_t *)tramp_var(tramp_stack) = pc->stack_top;
    *(uint64_t *)tramp_var(tramp_percpu) = (uint64_t)(uintptr_t)pc;
    apic_start_ap(apic, TRAMPOLINE_BASE);
    for (unsigned int ms = 0; ms < 1000; ms++) {
        if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE)) {
            warp_check(cpu);
            return true;
        }
        udelay(1000);
    }
    pr_err("CPU %u (APIC %u) did not come up\n", cpu, apic);
    percpu[cpu] = NULL;
    return false;
}

unsigned int smp_boot(unsigned int maxcpus)
{
    uint32_t self = apic_id();
    unsigned int n = 1;

    memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, trampoline_start,
           (size_t)(trampoline_end - trampoline_start));
    *(uint32_t *)tramp_var(tramp_cr3) = (uint32_t)(uintptr_t)boot_pml4;
    *(uint32_t *)tramp_var(tramp_efer) = (uint32_t)(EFER_LME | (cpu_has_nx() ? EFER_NXE : 0));
    *(uint64_t *)tramp_var(tramp_entry) = (uint64_t)(uintptr_t)ap_start;
    for (unsigned int i = 0; i < acpi.nr_cpus && n < maxcpus; i++) {
        if (acpi.apic_ids[i] == self)
            continue;
        if (start_one(n, acpi.apic_ids[i]))
            n++;
    }
    nr_cpus_online = n;
    tsc_invariant = warp_max == 0;
    pr_info("TSC: %s across %u CPU%s\n", tsc_invariant ? "synchronised" : "NOT synchronised",
            n, n == 1 ? "" : "s");
    return n;
}

void smp_release(void)
{
    __atomic_store_n(&smp_go, true, __ATOMIC_RELEASE);
}
