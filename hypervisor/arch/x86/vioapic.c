/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual I/O APIC (asm/vioapic.h): an indirect register window
 * (IOREGSEL at +0x00, IOWIN at +0x10), version 0x11 with 24 redirection
 * entries, as the 82093AA has. The device models drive pin levels; the
 * redirection entry says when that becomes an interrupt message to the
 * local APICs. One lock covers the chip: pins change from any CPU (console
 * input on CPU 0, a vCPU's own port writes), EOIs come from the vCPUs.
 */
#include <mica/domain.h>
#include <mica/lib.h>
#include <asm/vioapic.h>
#include <asm/vlapic.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>

#define MMIO_REGSEL     0x00
#define MMIO_WIN        0x10
#define MMIO_SIZE       0x1000

#define REG_ID          0x00
#define REG_VER         0x01
#define REG_ARB         0x02
#define REG_RTE_FIRST   0x10           /* entry n: low half 0x10 + 2n, high 0x11 + 2n */
#define REG_RTE_END     (REG_RTE_FIRST + 2 * VIOAPIC_PINS)

#define IOAPIC_VERSION  0x11u          /* 82093AA: no EOI register */
#define VER_MAX_RTE_SHIFT 16
#define ID_SHIFT        24
#define ID_MASK         (0xfu << ID_SHIFT)

static struct vioapic *chip(struct domain *d)
{
    return d->plat ? &d->plat->ioapic : NULL;
}

/* Send pin's interrupt now; under the lock. */
static void deliver(struct domain *d, struct vioapic *io, unsigned int pin)
{
    uint64_t e = io->rte[pin];
    bool level = e & RTE_LEVEL;

    if (level)
        io->rte[pin] |= RTE_REMOTE_IRR;
    vlapic_deliver_irq(d, (uint8_t)(e >> RTE_DEST_SHIFT), e & RTE_DEST_LOGICAL,
                       (unsigned int)((e & RTE_DELMODE) >> RTE_DELMODE_SHIFT),
                       (uint8_t)(e & RTE_VECTOR), level);
}

/* A level-triggered pin whose line is up delivers again once it may. */
static void level_recheck(struct domain *d, struct vioapic *io, unsigned int pin)
{
    uint64_t e = io->rte[pin];

    if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && (io->line & (1u << pin)))
        deliver(d, io, pin);
}

void vioapic_set_line(struct domain *d, unsigned int pin, bool asserted)
{
    struct vioapic *io = chip(d);
    unsigned long f;
    bool was;

    if (!io || pin >= VIOAPIC_PINS)
        return;
    f = spin_lock_irqsave(&io->lock);
    was = io->line & (1u << pin);
    if (asserted)
        io->line |= 1u << pin;
    else
        io->line &= ~(1u << pin);
    if (io->rte[pin] & RTE_LEVEL)
        level_recheck(d, io, pin);
    else if (asserted && !was && !(io->rte[pin] & RTE_MASKED))
        deliver(d, io, pin);             /* a rising edge; masked, it is lost */
    spin_unlock_irqrestore(&io->lock, f);
}

void vioapic_eoi(struct domain *d, uint8_t vec)
{
    struct vioapic *io = chip(d);
    unsigned long f;

    if (!io)
        return;
    f = spin_lock_irqsave(&io->lock);
    for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
        if ((io->rte[pin] & RTE_VECTOR) != vec || !(io->rte[pin] & RTE_REMOTE_IRR))
            continue;
        io->rte[pin] &= ~RTE_REMOTE_IRR;
        level_recheck(d, io, pin);
    }
    spin_unlock_irqrestore(&io->lock, f);
}

static uint32_t reg_read(const struct vioapic *io, uint32_t reg)
{
    unsigned int pin = (reg - REG_RTE_FIRST) / 2;

    switch (reg) {
    case REG_ID:
    case REG_ARB:
        return io->id << ID_SHIFT;
    case REG_VER:
        return IOAPIC_VERSION | (VIOAPIC_PINS - 1) << VER_MAX_RTE_SHIFT;
    default:
        if (reg < REG_RTE_FIRST || reg >= REG_RTE_END)
            return 0;                    /* reserved: reads 0 */
        return (uint32_t)(io->rte[pin] >> (reg & 1 ? 32 : 0));
    }
}

/* A redirection entry half: the writable bits change, status bits stay. */
static void rte_write(struct domain *d, struct vioapic *io, uint32_t reg, uint32_t val)
{
    unsigned int pin = (reg - REG_RTE_FIRST) / 2;
    unsigned int shift = reg & 1 ? 32 : 0;
    uint64_t half = 0xffffffffull << shift, old = io->rte[pin];
    uint64_t e = (old & ~(half & RTE_WRITABLE)) | (((uint64_t)val << shift) & half & RTE_WRITABLE);

    if (!(e & RTE_LEVEL))
        e &= ~RTE_REMOTE_IRR;            /* Linux's EOI for chips without an EOI register */
    io->rte[pin] = e;
    level_recheck(d, io, pin);           /* unmasked with the line up */
}

static void reg_write(struct domain *d, struct vioapic *io, uint32_t reg, uint32_t val)
{
    if (reg == REG_ID)
        io->id = (val & ID_MASK) >> ID_SHIFT;
    else if (reg >= REG_RTE_FIRST && reg < REG_RTE_END)
        rte_write(d, io, reg, val);
    /* version, arbitration and reserved registers: read-only */
}

bool vioapic_mmio_claims(struct vcpu *v, uint64_t gpa)
{
    return chip(v->domain) && gpa >= VPLAT_IOAPIC_BASE && gpa < VPLAT_IOAPIC_BASE + MMIO_SIZE;
}

int vioapic_mmio_read(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t *val)
{
    struct vioapic *io = chip(v->domain);
    unsigned long f;

    *val = 0;
    if (!io || size != 4)
        return 0;                        /* narrow or wide: reads 0 */
    f = spin_lock_irqsave(&io->lock);
    if (offset == MMIO_REGSEL)
        *val = io->regsel;
    else if (offset == MMIO_WIN)
        *val = reg_read(io, io->regsel);
    spin_unlock_irqrestore(&io->lock, f);
    return 0;
}

int vioapic_mmio_write(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t val)
{
    struct vioapic *io = chip(v->domain);
    unsigned long f;

    if (!io || size != 4)
        return 0;                        /* dropped */
    f = spin_lock_irqsave(&io->lock);
    if (offset == MMIO_REGSEL)
        io->regsel = (uint32_t)val & 0xff;
    else if (offset == MMIO_WIN)
        reg_write(v->domain, io, io->regsel, (uint32_t)val);
    spin_unlock_irqrestore(&io->lock, f);
    return 0;
}

void vioapic_init(struct vioapic *io)
{
    io->lock = (spinlock_t)SPINLOCK_INIT;
    io->regsel = 0;
    io->id = VPLAT_IOAPIC_ID;
    io->line = 0;
    for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
        io->rte[pin] = RTE_MASKED;
}
