/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tiny kernel the domctl guest loads into the domains it creates. It is
 * data here (.rodata), copied into the child's RAM through foreign mappings
 * and entered in 64-bit mode by set_vcpu_context, so it must be position
 * independent: only RIP-relative references, no stack.
 *
 * Entry: RDI = mode, RSI = shutdown reason. It prints "child: hello" with
 * console_io, then in mode 1 spins incrementing child_counter (in its own
 * page, which the creator watches through a foreign mapping); in any other
 * mode it shuts down with the given reason. Hypercall numbers are spelt out
 * (assembly cannot include the C headers); domctl.c checks them at build
 * time against public/.
 */
#define HC_CONSOLE_IO       1
#define CONSOLE_WRITE       0
#define HC_SCHED_OP         2
#define SCHED_SHUTDOWN      2
#define MODE_SPIN           1

    .section .rodata
    .balign 16
    .globl child_code, child_code_end, child_counter
child_code:
    mov     %rsi, %rbx
    mov     %rdi, %r12
    lea     child_msg(%rip), %rsi
    mov     $(child_msg_end - child_msg), %edx
    mov     $CONSOLE_WRITE, %edi
    mov     $HC_CONSOLE_IO, %eax
    vmmcall
    cmp     $MODE_SPIN, %r12
    je      2f
    mov     $SCHED_SHUTDOWN, %edi
    mov     %rbx, %rsi
    mov     $HC_SCHED_OP, %eax
    vmmcall
1:  cli
    hlt
    jmp     1b
2:  lock incq child_counter(%rip)
    jmp     2b
child_msg:
    .ascii  "child: hello\n"
child_msg_end:
    .balign 8
child_counter:
    .quad   0
child_code_end:

    .section .note.GNU-stack, "", @progbits
