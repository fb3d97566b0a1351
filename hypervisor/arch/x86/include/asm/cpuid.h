/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_CPUID_H
#define ASM_CPUID_H

#include <mica/types.h>

struct vcpu;

/* The CPUID a guest sees: the host's, filtered, plus Mica's own leaves. */
void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4]);

/*
 * The speculation controls (CPUID_7_EDX_SPEC_ALL bits) the vCPU backend
 * gives guests, set at its hw_init where the CPU has them; the rest of
 * CPUID_7_EDX_SPEC_ALL is hidden. 0 (all hidden) unless a backend says so.
 */
extern uint32_t cpuid_guest_spec_ctrl;

#endif
