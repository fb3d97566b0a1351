/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical local APICs in xAPIC mode (QEMU's TCG CPU has no x2APIC). Each
 * CPU runs a periodic tick that drives the scheduler's timeslices. This file
 * owns the vectors of asm/traps.h the hypervisor handles for common code
 * (timer, reschedule, kick) and the IPIs common code asks for through
 * <mica/sched.h> and <mica/timer.h>.
 */
#include <mica/console.h>
#include <mica/sched.h>
#include <asm/x86.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <asm/percpu.h>
#include <mica/timer.h>

#define APIC_ID       0x020
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TMR  0x320
#define APIC_TMR_INIT 0x380
#define APIC_TMR_CUR  0x390
#define APIC_TMR_DIV  0x3e0
#define APIC_TPR      0x080

#define ICR_DM_INIT      (5u << 8)     /* delivery mode, bits 10:8 */
#define ICR_DM_STARTUP   (6u << 8)
#define ICR_BUSY         (1u << 12)    /* delivery status */
#define ICR_ASSERT       (1u << 14)    /* level */
#define ICR_ALLBUTSELF   (3u << 18)    /* destination shorthand, bits 19:18 */
#define ICR_DEST_SHIFT   24            /* in ICR_HI: xAPIC ID, bits 31:24 */
#define ICR_SIPI_PAGE_SHIFT 12         /* a STARTUP's vector is the page number */
#define ID_SHIFT         24            /* APIC_ID: bits 31:24 */
#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define TMR_DIV_16       0x3
#define TMR_COUNT_MAX    0xffffffffu

static volatile uint32_t *apic_base;
static uint32_t ticks_per_ms;        /* timer counts per ms at divide 16 */

static inline uint32_t apic_read(unsigned int reg)
{
    return apic_base[reg / 4];
}

static inline void apic_write(unsigned int reg, uint32_t v)
{
    apic_base[reg / 4] = v;
}

bool apic_ready(void)
{
    return apic_base != NULL;
}

uint32_t apic_id(void)
{
    return apic_read(APIC_ID) >> ID_SHIFT;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

static void apic_enable(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

static void icr_wait(void)
{
    for (unsigned int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
        cpu_relax();
}

static void icr_send(uint32_t dest, uint32_t lo)
{
    unsigned long f = local_irq_save();

    icr_wait();
    apic_write(APIC_ICR_HI, dest << ICR_DEST_SHIFT);
    apic_write(APIC_ICR_LO, lo);
    icr_wait();
    local_irq_restore(f);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
    icr_send(dest, ICR_ASSERT | vector);
}

void apic_send_ipi_allbutself(uint8_t vector)
{
    icr_send(0, ICR_ALLBUTSELF | ICR_ASSERT | vector);
}

void apic_start_ap(uint32_t dest, paddr_t page_pa)
{
    icr_send(dest, ICR_DM_INIT | ICR_ASSERT);
    udelay(10000);
    for (int i = 0; i < 2; i++) {
        icr_send(dest, ICR_DM_STARTUP | (uint32_t)(page_pa >> ICR_SIPI_PAGE_SHIFT));
        udelay(200);
    }
}

/* Count the timer down for 10 ms of TSC time. */
static void apic_timer_calibrate(void)
{
    uint64_t end;

    apic_write(APIC_TMR_DIV, TMR_DIV_16);
    apic_write(APIC_LVT_TMR, LVT_MASKED | VEC_TIMER);
    apic_write(APIC_TMR_INIT, TMR_COUNT_MAX);
    end = rdtsc() + tsc_khz * 10;
    while (rdtsc() < end)
        cpu_relax();
    ticks_per_ms = (TMR_COUNT_MAX - apic_read(APIC_TMR_CUR)) / 10;
    apic_write(APIC_TMR_INIT, 0);
}

/*
 * The 8259 PICs: firmware leaves IRQ0 on vector 8, which would look like a
 * double fault. Move them to vectors 0x20-0x2f, then mask every line; the
 * hypervisor only uses the local APIC.
 */
static void legacy_pic_disable(void)
{
    static const uint8_t init[2][4] = { { 0x11, 0x20, 0x04, 0x01 },
                                        { 0x11, 0x28, 0x02, 0x01 } };

    for (int i = 0; i < 4; i++) {
        outb(i ? 0x21 : 0x20, init[0][i]);
        outb(i ? 0xa1 : 0xa0, init[1][i]);
    }
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static void timer_irq(struct cpu_regs *regs)
{
    (void)regs;
    timers_run();
}

static void resched_ipi(struct cpu_regs *regs)
{
    (void)regs;
    this_cpu()->need_resched = true;
}

static void kick_ipi(struct cpu_regs *regs)
{
    (void)regs;                       /* the exit it caused is the point */
}

void arch_send_resched(unsigned int cpu)
{
    apic_send_ipi(percpu[cpu]->apic_id, VEC_RESCHED);
}

void arch_send_kick(unsigned int cpu)
{
    apic_send_ipi(percpu[cpu]->apic_id, VEC_KICK);
}

void apic_init_bsp(paddr_t base)
{
    irq_register(VEC_TIMER, timer_irq);
    irq_register(VEC_RESCHED, resched_ipi);
    irq_register(VEC_KICK, kick_ipi);
    legacy_pic_disable();
    apic_base = (volatile uint32_t *)base;
    apic_enable();
    apic_timer_calibrate();
    pr_info("local APIC at %#lx, timer %u kHz (divide 16)\n",
            (unsigned long)base, ticks_per_ms);
}

void apic_init_ap(void)
{
    apic_enable();
}

/* When each pCPU's one-shot was last programmed to fire (now_ns() time). */
static uint64_t timer_deadline[MAX_CPUS];

uint64_t apic_timer_deadline(void)
{
    return timer_deadline[smp_processor_id()];
}

/* One-shot: the count saturates, and a late timer just re-evaluates. */
void arch_timer_program(uint64_t when_ns)
{
    uint64_t now = now_ns();
    uint64_t delta = when_ns > now ? when_ns - now : 0;
    uint64_t count = delta / 1000 * ticks_per_ms / 1000;

    apic_write(APIC_TMR_DIV, TMR_DIV_16);
    apic_write(APIC_LVT_TMR, VEC_TIMER);
    apic_write(APIC_TMR_INIT, (uint32_t)MIN(MAX(count, 1ull), (uint64_t)TMR_COUNT_MAX));
    timer_deadline[smp_processor_id()] = when_ns;
}

void arch_timer_kick(unsigned int cpu)
{
    apic_send_ipi(percpu[cpu]->apic_id, VEC_TIMER);
}
