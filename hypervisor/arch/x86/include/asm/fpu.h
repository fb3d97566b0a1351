/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest FPU/SSE/AVX state: saved and restored around each vCPU's turn. */
#ifndef ASM_FPU_H
#define ASM_FPU_H

#include <mica/types.h>

/* A vCPU's XCR0 at reset: x87 only. */
#define XCR0_RESET 1ull

void fpu_init_cpu(void);                 /* on each pCPU: CR4 bits, XCR0 */
void *fpu_alloc_area(void);              /* a zeroed area in its initial state */
void fpu_free_area(void *area);
size_t fpu_area_bytes(void);             /* what fpu_alloc_area() takes */
void fpu_restore(void *area, uint64_t guest_xcr0);
/* Save the state and record the XCR0 the guest left in force. */
void fpu_save(void *area, uint64_t *guest_xcr0);
uint64_t fpu_xcr0_supported(void);
/* Validate a guest XSETBV; returns 0 or -EINVAL (the guest gets #GP). */
int fpu_set_guest_xcr0(uint64_t *xcr0, uint64_t val);

#endif
