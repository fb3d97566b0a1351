/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of the Xen PVH bench kernel (bench/xen-pvh/xenbench.c). Xen enters
 * at _start32 (named by the PHYS32_ENTRY note) in 32-bit protected mode,
 * paging off, EBX = the start info's physical address. We identity-map the
 * low 4 GiB with 2 MiB pages, enter long mode and call xb_main(EBX).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long _start32

    .section .text.entry, "ax"
    .code32
    .globl _start32
_start32:
    cli
    mov %ebx, %esi                    /* start info, kept for xb_main */
    /* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, each PD 512 2 MiB pages */
    lea pml4, %edi
    lea pdpt, %eax
    or $3, %eax
    mov %eax, (%edi)
    lea pdpt, %edi
    lea pds, %eax
    or $3, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $8, %edi
    add $4096, %eax
    loop 1b
    lea pds, %edi
    mov $0x83, %eax                   /* present, writable, 2 MiB */
    xor %edx, %edx
    mov $2048, %ecx
2:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %eax
    adc $0, %edx
    add $8, %edi
    loop 2b
    mov %cr4, %eax
    or $0x20, %eax                    /* PAE */
    mov %eax, %cr4
    lea pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx             /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    lgdt gdt_desc
    mov %cr0, %eax
    or $0x80000001, %eax              /* PG, PE */
    mov %eax, %cr0
    ljmp $0x08, $start64

    .code64
start64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lea stack_top(%rip), %rsp
    mov %esi, %edi
    call xb_main
3:  cli
    hlt
    jmp 3b

/*
 * vCPU 1 starts here (VCPUOP_initialise in 64-bit mode, RSP its stack):
 * load our GDT and IDT, reload CS and the data segments, call xb_ap_main().
 */
    .globl xb_ap_entry
xb_ap_entry:
    lgdt gdt_desc64(%rip)
    lidt xb_idtr(%rip)
    pushq $0x08
    lea 4f(%rip), %rax
    pushq %rax
    lretq
4:  mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    call xb_ap_main
5:  cli
    hlt
    jmp 5b

/* The upcall vector: save the caller-saved registers, call xb_upcall(). */
    .globl xb_upcall_entry
xb_upcall_entry:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    cld
    call xb_upcall
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff          /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff          /* 0x10: data */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt
    .balign 8
gdt_desc64:
    .word gdt_desc - gdt - 1
    .quad gdt

    .section .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pds:    .skip 4 * 4096
stack:  .skip 16384
stack_top:
    .section .note.GNU-stack, "", @progbits
