/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmx_enter(gprs, launched): run the guest until its next exit; 0 after an
 * exit, 1 if VMLAUNCH/VMRESUME failed. Entered with interrupts disabled.
 * HOST_RSP is this frame (the GPR block's address on top), HOST_RIP is
 * vmx_exit_point, so an exit lands there with our stack as we left it.
 * gprs is struct vmx_gprs: 16 slots in encoding order (RSP's unused).
 */
#define HOST_RSP 0x6c14                 /* enum vmcs_field in asm/vmx.h */

    .text
    .globl vmx_enter
vmx_enter:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rdi                    /* the GPR block */
    mov     $HOST_RSP, %rax
    vmwrite %rsp, %rax
    jbe     .Lfail

    test    %esi, %esi              /* ZF tells launch from resume below */
    mov     0x08(%rdi), %rcx
    mov     0x10(%rdi), %rdx
    mov     0x18(%rdi), %rbx
    mov     0x28(%rdi), %rbp
    mov     0x30(%rdi), %rsi
    mov     0x40(%rdi), %r8
    mov     0x48(%rdi), %r9
    mov     0x50(%rdi), %r10
    mov     0x58(%rdi), %r11
    mov     0x60(%rdi), %r12
    mov     0x68(%rdi), %r13
    mov     0x70(%rdi), %r14
    mov     0x78(%rdi), %r15
    mov     0x00(%rdi), %rax
    mov     0x38(%rdi), %rdi
    jnz     1f
    vmlaunch
    jmp     .Lfail
1:  vmresume
.Lfail:
    pop     %rdi
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    mov     $1, %eax
    ret

    .globl vmx_exit_point
vmx_exit_point:
    push    %rdi                    /* guest RDI; the block is now at 8(%rsp) */
    mov     8(%rsp), %rdi
    mov     %rax, 0x00(%rdi)
    mov     %rcx, 0x08(%rdi)
    mov     %rdx, 0x10(%rdi)
    mov     %rbx, 0x18(%rdi)
    mov     %rbp, 0x28(%rdi)
    mov     %rsi, 0x30(%rdi)
    pop     %rax
    mov     %rax, 0x38(%rdi)
    mov     %r8,  0x40(%rdi)
    mov     %r9,  0x48(%rdi)
    mov     %r10, 0x50(%rdi)
    mov     %r11, 0x58(%rdi)
    mov     %r12, 0x60(%rdi)
    mov     %r13, 0x68(%rdi)
    mov     %r14, 0x70(%rdi)
    mov     %r15, 0x78(%rdi)
    pop     %rdi
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    xor     %eax, %eax
    ret
