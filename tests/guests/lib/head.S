/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test guest entry. The domain builder enters _start in 64-bit mode with
 * RDI = start info, RSP = 0 and interrupts off (public/start_info.h). head.S
 * records that state, sets up a stack, its own GDT and an IDT for all 256
 * vectors, then calls guest_start(RDI), which never returns.
 *
 * Exceptions and interrupts: one stub per vector pushes a zero error code
 * where the CPU pushes none, then the vector, and joins exception_common,
 * which saves the registers as struct exc_frame and calls guest_exception()
 * (which hands vectors 32-255 to the handler irq_set_handler() installed). catch_exception()
 * is the setjmp half of exception catching; guest_exception() is the longjmp
 * half (it edits the frame so that iretq lands in catch_resume).
 */
#include "frame.h"

#define GUEST_CS     0x08
#define GUEST_DS     0x10
#define STACK_SIZE   16384

    .section .text.head, "ax"
    .code64
    .globl _start
_start:
    mov     %rsp, entry_state + ES_RSP(%rip)
    lea     stack_top(%rip), %rsp
    pushfq
    popq    entry_state + ES_RFLAGS(%rip)
    movw    %cs, entry_state + ES_CS(%rip)
    movw    %ds, entry_state + ES_DS(%rip)
    movw    %es, entry_state + ES_ES(%rip)
    movw    %ss, entry_state + ES_SS(%rip)
    mov     %rdi, %r12                  /* callee-saved across traps_init */
    cld

    lgdt    gdt_desc(%rip)
    pushq   $GUEST_CS
    lea     1f(%rip), %rax
    push    %rax
    lretq
1:  mov     $GUEST_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs

    call    traps_init
    mov     %r12, %rdi
    call    guest_start
2:  cli
    hlt
    jmp     2b

/* int catch_exception(void (*fn)(void *), void *arg) */
    .text
    .globl catch_exception
catch_exception:
    lea     catch_ctx(%rip), %rax
    mov     %rbx, CATCH_RBX(%rax)
    mov     %rbp, CATCH_RBP(%rax)
    mov     %r12, CATCH_R12(%rax)
    mov     %r13, CATCH_R13(%rax)
    mov     %r14, CATCH_R14(%rax)
    mov     %r15, CATCH_R15(%rax)
    mov     %rsp, CATCH_RSP(%rax)       /* points at our return address */
    movq    $1, CATCH_ACTIVE(%rax)
    sub     $8, %rsp                    /* 16-byte alignment for the call */
    mov     %rdi, %rax
    mov     %rsi, %rdi
    call    *%rax
    add     $8, %rsp
    movq    $0, catch_ctx + CATCH_ACTIVE(%rip)
    mov     $-1, %eax
    ret

/*
 * guest_exception() sent a caught exception here with RSP = the saved RSP,
 * RAX = the vector and the callee-saved registers restored.
 */
    .globl catch_resume
catch_resume:
    ret

    .balign 16
exception_common:
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
    mov     %rsp, %rdi                  /* struct exc_frame; 16-byte aligned */
    call    guest_exception
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

.macro exception_stub n
    .text
    .balign 16
exception_\n:
    .if !((\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
    pushq   $0
    .endif
    pushq   $\n
    jmp     exception_common
    .section .rodata
    .quad   exception_\n
.endm

    .section .rodata
    .balign 8
    .globl exception_stubs
exception_stubs:
    .altmacro
    .set i, 0
    .rept 256
    exception_stub %i
    .set i, i + 1
    .endr
    .noaltmacro

/* Null, 64-bit code at 0x08, data at 0x10; accessed bits preset. */
    .data
    .balign 16
gdt:
    .quad   0
    .quad   0x00af9b000000ffff
    .quad   0x00cf93000000ffff
gdt_end:
    .balign 8
    .word   0
gdt_desc:
    .word   gdt_end - gdt - 1
    .quad   gdt

    .bss
    .balign 16
stack:
    .skip   STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits
