/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uint64_t hc_regs_probe(const uint64_t in[REG_NR], uint64_t out[REG_NR])
 *
 * Loads every general-purpose register except RSP from in[] (RAX = the
 * hypercall number, RDI RSI RDX R10 R8 = its arguments, the rest patterns),
 * issues VMMCALL and stores every register into out[], so the caller can
 * check that the hypercall changed nothing but RAX. Index order: REG_* in
 * regs.h.
 */
#include "regs.h"

    .text
    .globl hc_regs_probe
hc_regs_probe:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rsi                        /* out */
    mov     8 * REG_RBX(%rdi), %rbx
    mov     8 * REG_RCX(%rdi), %rcx
    mov     8 * REG_RDX(%rdi), %rdx
    mov     8 * REG_RSI(%rdi), %rsi
    mov     8 * REG_RBP(%rdi), %rbp
    mov     8 * REG_R8(%rdi), %r8
    mov     8 * REG_R9(%rdi), %r9
    mov     8 * REG_R10(%rdi), %r10
    mov     8 * REG_R11(%rdi), %r11
    mov     8 * REG_R12(%rdi), %r12
    mov     8 * REG_R13(%rdi), %r13
    mov     8 * REG_R14(%rdi), %r14
    mov     8 * REG_R15(%rdi), %r15
    mov     8 * REG_RAX(%rdi), %rax
    mov     8 * REG_RDI(%rdi), %rdi
    vmmcall
    push    %rax
    mov     8(%rsp), %rax               /* out */
    mov     %rbx, 8 * REG_RBX(%rax)
    mov     %rcx, 8 * REG_RCX(%rax)
    mov     %rdx, 8 * REG_RDX(%rax)
    mov     %rsi, 8 * REG_RSI(%rax)
    mov     %rdi, 8 * REG_RDI(%rax)
    mov     %rbp, 8 * REG_RBP(%rax)
    mov     %r8, 8 * REG_R8(%rax)
    mov     %r9, 8 * REG_R9(%rax)
    mov     %r10, 8 * REG_R10(%rax)
    mov     %r11, 8 * REG_R11(%rax)
    mov     %r12, 8 * REG_R12(%rax)
    mov     %r13, 8 * REG_R13(%rax)
    mov     %r14, 8 * REG_R14(%rax)
    mov     %r15, 8 * REG_R15(%rax)
    pop     %rcx                        /* the hypercall's RAX */
    mov     %rcx, 8 * REG_RAX(%rax)
    mov     %rcx, %rax
    add     $8, %rsp                    /* out */
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret

    .section .note.GNU-stack, "", @progbits
