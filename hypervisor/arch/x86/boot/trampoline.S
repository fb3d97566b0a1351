/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application-processor start-up code. smpboot.c copies this blob to
 * TRAMPOLINE_BASE (below 1 MiB, page aligned) and fills in the variables at
 * its end; the SIPI vector points here. Real mode -> protected mode -> long
 * mode on the boot page tables, then a jump to ap_start(percpu) on the CPU's
 * own stack.
 */
#include <asm/trampoline.h>

#define T(x)  ((x) - trampoline_start + TRAMPOLINE_BASE)

    .section .trampoline, "a"
    .code16
    .globl trampoline_start
trampoline_start:
    cli
    cld
    xor     %ax, %ax
    mov     %ax, %ds
    lgdtl   T(tramp_gdt_ptr)
    mov     %cr0, %eax
    or      $1, %eax
    mov     %eax, %cr0
    ljmpl   $0x08, $T(tramp32)

    .code32
tramp32:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $(1 << 5), %eax             /* PAE */
    mov     %eax, %cr4
    mov     T(tramp_cr3), %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx
    rdmsr
    or      T(tramp_efer), %eax         /* LME, and NXE when the BSP has it */
    wrmsr
    mov     %cr0, %eax
    or      $0x80010000, %eax           /* PG | WP */
    mov     %eax, %cr0
    ljmp    $0x18, $T(tramp64)

    .code64
tramp64:
    mov     T(tramp_stack), %rsp
    mov     T(tramp_percpu), %rdi
    mov     T(tramp_entry), %rax
    jmp     *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00af9a000000ffff            /* 0x18: 64-bit code */
tramp_gdt_ptr:
    .short tramp_gdt_ptr - tramp_gdt - 1
    .long T(tramp_gdt)

    .balign 8
    .globl tramp_cr3, tramp_efer, tramp_stack, tramp_percpu, tramp_entry
tramp_cr3:      .long 0
tramp_efer:     .long 0
tramp_stack:    .quad 0
tramp_percpu:   .quad 0
tramp_entry:    .quad 0
    .globl trampoline_end
trampoline_end:
