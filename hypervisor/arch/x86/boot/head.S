/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot2 entry. GRUB leaves us in 32-bit protected mode, paging off,
 * EAX = magic, EBX = physical address of the boot information. We build an
 * identity map of the low 4 GiB with 2 MiB pages (the boot page tables,
 * kept for the APs' trampoline), enter long mode and call start_mica().
 */
#include <asm/desc.h>

#define MB2_MAGIC      0xe85250d6
#define MB2_ARCH_I386  0
#define COM1           0x3f8

    .section .multiboot, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* Information request: memory map, modules, command line, ACPI. */
    .balign 8
    .short 1, 0
    .long 8 + 4 * 6
    .long 1, 3, 6, 14, 15, 2
    .balign 8
    .short 0, 0             /* end tag */
    .long 8
mb2_header_end:

    .section .text.head, "ax"
    .code32
    .globl start32
start32:
    cli
    cld
    mov     %eax, %ebp                  /* keep magic and info pointer */
    mov     %ebx, %esi

    /* Zero .bss: the boot page tables and stack live there. */
    mov     $__bss_start, %edi
    mov     $__bss_end, %ecx
    sub     %edi, %ecx
    shr     $2, %ecx
    xor     %eax, %eax
    rep stosl

    mov     $boot_stack_top, %esp

    /* Long mode is required; say so on COM1 rather than reboot silently. */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      no_long_mode
    mov     $0x80000001, %eax
    cpuid
    test    $(1 << 29), %edx
    jz      no_long_mode
    mov     %edx, %ebx                  /* ebx bit 20: NX available */

    call    build_boot_page_tables

    mov     %cr4, %eax
    or      $(1 << 5), %eax             /* PAE */
    mov     %eax, %cr4
    mov     $boot_pml4, %eax
    mov     %eax, %cr3

    mov     $0xc0000080, %ecx           /* EFER */
    rdmsr
    or      $(1 << 8), %eax             /* LME */
    test    $(1 << 20), %ebx
    jz      1f
    or      $(1 << 11), %eax            /* NXE */
1:  wrmsr

    mov     %cr0, %eax
    or      $0x80010001, %eax           /* PG | WP | PE */
    mov     %eax, %cr0

    lgdt    boot_gdt_ptr
    ljmp    $HYP_CS, $start64

/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; each PD maps 1 GiB with 2 MiB pages. */
build_boot_page_tables:
    mov     $boot_pdpt, %eax
    or      $3, %eax
    mov     %eax, boot_pml4
    xor     %ecx, %ecx
1:  mov     %ecx, %eax
    shl     $12, %eax
    add     $boot_pd, %eax
    or      $3, %eax
    mov     %eax, boot_pdpt(, %ecx, 8)
    inc     %ecx
    cmp     $4, %ecx
    jb      1b
    xor     %ecx, %ecx
2:  mov     %ecx, %eax
    shl     $21, %eax
    or      $0x83, %eax                 /* present, writable, 2 MiB */
    mov     %eax, boot_pd(, %ecx, 8)
    mov     %ecx, %eax
    shr     $11, %eax                   /* bits 32+ of the address */
    mov     %eax, boot_pd + 4(, %ecx, 8)
    inc     %ecx
    cmp     $2048, %ecx
    jb      2b
    ret

no_long_mode:
    mov     $msg_no_lm, %esi
1:  lodsb
    test    %al, %al
    jz      2f
    mov     %al, %bl
    mov     $COM1 + 5, %dx
3:  inb     %dx, %al
    test    $0x20, %al
    jz      3b
    mov     $COM1, %dx
    mov     %bl, %al
    outb    %al, %dx
    jmp     1b
2:  hlt
    jmp     2b

    .code64
start64:
    mov     $HYP_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    mov     $boot_stack_top, %rsp
    mov     %ebp, %edi                  /* magic (zero-extended) */
    mov     %esi, %esi                  /* info pointer (zero-extended) */
    call    start_mica
1:  cli
    hlt
    jmp     1b

    .section .rodata
msg_no_lm:
    .asciz "mica: this CPU has no long mode (x86-64); cannot boot\r\n"

    .balign 8
    .globl boot_gdt
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* HYP_CS: 64-bit code */
    .quad 0x00cf92000000ffff            /* HYP_DS: data */
boot_gdt_end:
    .globl boot_gdt_ptr
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    .section .bss.page_aligned, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096 * 4
    .balign 16
boot_stack: .skip 16384
    .globl boot_stack_top
boot_stack_top:
