/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/regs.h>

/* Interrupt vectors the hypervisor owns. */
#define VEC_TIMER      0xf0
#define VEC_RESCHED    0xf1    /* IPI: a vCPU became runnable on this CPU */
#define VEC_STOP       0xf2    /* IPI: halt, the machine is going down */
#define VEC_KICK       0xf3    /* IPI: leave the guest to see a new event */
#define VEC_SPURIOUS   0xff
/* Vectors handed out by irq_vector_alloc() (0x20-0x2f: the masked 8259s). */
#define VEC_DYN_FIRST  0x30
#define VEC_DYN_LAST   0xef

typedef void (*irq_handler_t)(struct cpu_regs *regs);
void irq_register(unsigned int vector, irq_handler_t handler);
/*
 * The one allocator of the vectors for devices: a free vector in
 * VEC_DYN_FIRST..VEC_DYN_LAST with handler registered on it (on every
 * CPU: the IDT is shared), or -ENOSPC.
 */
int irq_vector_alloc(irq_handler_t handler);
/* Gives back a vector irq_vector_alloc() returned (no interrupt may still use it). */
void irq_vector_free(int vector);
void do_interrupt(struct cpu_regs *regs);

#endif
