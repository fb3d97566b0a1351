/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry: one stub per vector pushes a zero error
 * code where the CPU pushes none, then the vector, and joins the common path
 * that saves the registers as struct cpu_regs and calls do_interrupt().
 */
#include <asm/desc.h>

    .text
    .balign 16
entry_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld
    mov     %rsp, %rdi
    call    do_interrupt
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp                   /* vector and error code */
    iretq

.macro vector_stub n
    .balign 16
vector_\n:
    /* (.altmacro makes '!' an escape, hence the empty branch) */
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushq   $0
    .endif
    pushq   $\n
    jmp     entry_common
.endm

    .balign 16
    .globl vector_stubs
vector_stubs:
    .altmacro
    .set i, 0
    .rept 256
    vector_stub %i
    .set i, i + 1
    .endr
