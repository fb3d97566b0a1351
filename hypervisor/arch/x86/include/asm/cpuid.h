/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_CPUID_H
#define ASM_CPUID_H

#include <mica/types.h>

struct vcpu;

/* The CPUID a guest sees: the host's, filtered, plus Mica's own leaves. */
void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4]);

#endif
