/* SPDX-License-Identifier: GPL-2.0-only */
/* Register frames saved by the exception entry code and the VMRUN loop. */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <mica/types.h>

/* Pushed by entry.S (in this order, reversed on the stack) + the CPU. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Guest general-purpose registers not held in the VMCB (RAX, RSP, RIP are). */
struct guest_gprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

#endif
