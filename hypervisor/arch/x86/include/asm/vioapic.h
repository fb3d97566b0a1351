/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal I/O APIC for the PC platform (asm/vplatform.h): one 82093AA-like
 * chip at VPLAT_IOAPIC_BASE, 24 pins, GSI base 0. Devices drive a pin's
 * level; an unmasked edge-triggered pin delivers on each rising edge, a
 * level-triggered one while the line is up and the last delivery has had
 * its EOI (remote IRR). Delivery goes to the local APICs (vlapic.c).
 */
#ifndef ASM_VIOAPIC_H
#define ASM_VIOAPIC_H

#include <mica/types.h>
#include <mica/spinlock.h>

struct vcpu;
struct domain;

#define VIOAPIC_PINS    24

/* Redirection table entry fields (82093AA datasheet §3.2.4). */
#define RTE_VECTOR      0xffull
#define RTE_DELMODE_SHIFT 8
#define RTE_DELMODE     (7ull << RTE_DELMODE_SHIFT)
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_DELIVS      (1ull << 12)   /* read-only: delivery pending */
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR  (1ull << 14)   /* read-only: level interrupt in service */
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_DEST_SHIFT  56
#define RTE_WRITABLE    (RTE_VECTOR | RTE_DELMODE | RTE_DEST_LOGICAL | RTE_POLARITY_LOW | \
                         RTE_LEVEL | RTE_MASKED | (0xffull << RTE_DEST_SHIFT))

struct vioapic {
    spinlock_t lock;
    uint32_t regsel;                   /* IOREGSEL */
    uint32_t id;                       /* register 0, bits 27:24 */
    uint32_t line;                     /* pin i's input is asserted: bit i */
    uint64_t rte[VIOAPIC_PINS];
};

/* Power-on state: every pin masked, edge-triggered, ID as the MADT says. */
void vioapic_init(struct vioapic *io);
/* A device drives pin's line (asserted or not). Any CPU, any context. */
void vioapic_set_line(struct domain *d, unsigned int pin, bool asserted);
/* A local APIC took the EOI of a level-triggered vector. */
void vioapic_eoi(struct domain *d, uint8_t vec);
/* MMIO: the register window at VPLAT_IOAPIC_BASE (the caller decodes). */
bool vioapic_mmio_claims(struct vcpu *v, uint64_t gpa);
int vioapic_mmio_read(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t *val);
int vioapic_mmio_write(struct vcpu *v, uint64_t offset, unsigned int size, uint64_t val);

#endif
