/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ending the machine. Power-off uses ACPI S5 (FADT PM1 control + \_S5), the
 * way firmware-described machines expect; reset uses the FADT reset register,
 * then the keyboard controller, then a triple fault. Tests under QEMU give
 * debug_exit=PORT so the exit status reaches the test runner.
 */
#include <mica/machine.h>
#include <mica/console.h>
#include <mica/panic.h>
#include <mica/acpi.h>
#include <asm/x86.h>
#include <asm/apic.h>
#include <asm/traps.h>
#include <asm/percpu.h>
#include <asm/setup.h>
#include <asm/time.h>

#define SLP_EN  (1u << 13)

static void stop_self(struct cpu_regs *regs)
{
    (void)regs;
    for (;;) {
        local_irq_disable();
        halt();
    }
}

void smp_stop_others(void)
{
    static bool registered;

    if (!registered) {
        irq_register(VEC_STOP, stop_self);
        registered = true;
    }
    if (apic_ready())
        apic_send_ipi_allbutself(VEC_STOP);
}

unsigned int panic_cpu_id(void)
{
    return gs_ready ? smp_processor_id() : 0;
}

static void acpi_s5(void)
{
    const struct acpi_info *ai = &acpi;

    if (!ai->have_s5)
        return;
    outw((uint16_t)ai->pm1a_cnt, (uint16_t)((ai->slp_typa << 10) | SLP_EN));
    if (ai->pm1b_cnt)
        outw((uint16_t)ai->pm1b_cnt, (uint16_t)((ai->slp_typb << 10) | SLP_EN));
}

void machine_poweroff(enum machine_status status)
{
    local_irq_disable();
    smp_stop_others();
    if (opt_debug_exit) {
        outb((uint16_t)opt_debug_exit, (uint8_t)(0x10 + status));
    }
    pr_info("powering off\n");
    acpi_s5();
    udelay(1000000);                          /* the chipset may take a moment */
    pr_err("ACPI power-off did not take effect; halting\n");
    for (;;)
        halt();
}

void machine_halt(void)
{
    local_irq_disable();
    smp_stop_others();
    pr_info("machine halted\n");
    for (;;)
        halt();
}

void machine_restart(void)
{
    struct desc_ptr none = { 0, 0 };

    local_irq_disable();
    smp_stop_others();
    pr_info("restarting\n");
    if (acpi.have_reset)
        outb(acpi.reset_port, acpi.reset_value);
    outb(0x64, 0xfe);                         /* keyboard controller pulse */
    asm volatile("lidt %0; int3" :: "m"(none)); /* triple fault */
    for (;;)
        halt();
}
