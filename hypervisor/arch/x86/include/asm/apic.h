/* SPDX-License-Identifier: GPL-2.0-only */
/* The local APIC (xAPIC, memory-mapped) of each physical CPU. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <mica/types.h>

void apic_init_bsp(paddr_t base);   /* map, enable, calibrate the timer */
void apic_init_ap(void);            /* enable on an AP, start its tick */
bool apic_ready(void);
uint32_t apic_id(void);
void apic_eoi(void);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_ipi_allbutself(uint8_t vector);
/* INIT-SIPI-SIPI to wake an AP at the real-mode page page_pa. */
void apic_start_ap(uint32_t apic_id, paddr_t page_pa);
/* When this pCPU's timer was last programmed to fire (now_ns() time; 0: never). */
uint64_t apic_timer_deadline(void);

#endif
