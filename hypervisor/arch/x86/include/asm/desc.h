/* SPDX-License-Identifier: GPL-2.0-only */
/* GDT, TSS and IDT layout. Selectors are fixed so assembly can use them. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#define HYP_CS     0x08
#define HYP_DS     0x10
#define HYP_TSS    0x18   /* 16-byte system descriptor: slots 3 and 4 */
#define GDT_ENTRIES 5

#define IST_DF     1      /* double fault, NMI and machine check run on */
#define IST_NMI    2      /* their own known-good stacks */
#define IST_MCE    3

#ifndef __ASSEMBLER__
#include <mica/types.h>

struct tss {
    uint32_t rsvd0;
    uint64_t rsp[3];
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3;
    uint16_t iomap_base;
} __packed;

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

void gdt_load_percpu(unsigned int cpu);
void idt_init(void);
void idt_load(void);
#endif

#endif
