/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <mica/types.h>

extern uint64_t tsc_khz;
/* Every CPU's TSC was found in step with the boot CPU's (smpboot.c). */
extern bool tsc_invariant;

/* Measure the TSC against PIT channel 2; returns kHz (0 if the PIT is dead). */
uint64_t tsc_calibrate(void);
/* Nanoseconds since tsc_calibrate(). */
uint64_t now_ns(void);
/* now_ns() is ((TSC - the TSC at calibration) * tsc_ns_mult()) >> 32. */
uint64_t tsc_ns_mult(void);
/* The now_ns() time at which the TSC reads tsc. */
uint64_t tsc_to_ns(uint64_t tsc);
void udelay(uint64_t us);

#endif
