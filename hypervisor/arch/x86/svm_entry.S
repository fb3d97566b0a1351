/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_vmrun(vmcb_pa, gprs, host_save_pa, host_rsp): run the guest until its
 * next exit; *host_rsp gets the stack pointer VMRUN runs with.
 *
 * Entered with interrupts disabled. GIF is cleared around the world switch
 * so nothing can interrupt between the guest's FS/GS/TR being loaded and the
 * host's restored. IF is set before VMRUN: with V_INTR_MASKING the host's IF
 * decides whether a physical interrupt causes an exit, and after STGI the
 * pending interrupt is taken here, on the host's IDT, before we return.
 */
    .text
    .globl svm_vmrun
svm_vmrun:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rdx                    /* 16(%rsp): host save area */
    push    %rsi                    /*  8(%rsp): guest GPRs */
    push    %rdi                    /*  0(%rsp): VMCB */
    mov     %rsp, (%rcx)            /* the RSP VMRUN saves: see svm_erratum.c */

    clgi
    sti
    mov     %rsi, %rax
    mov     0x00(%rax), %rbx
    mov     0x08(%rax), %rcx
    mov     0x10(%rax), %rdx
    mov     0x18(%rax), %rsi
    mov     0x20(%rax), %rdi
    mov     0x28(%rax), %rbp
    mov     0x30(%rax), %r8
    mov     0x38(%rax), %r9
    mov     0x40(%rax), %r10
    mov     0x48(%rax), %r11
    mov     0x50(%rax), %r12
    mov     0x58(%rax), %r13
    mov     0x60(%rax), %r14
    mov     0x68(%rax), %r15
    mov     (%rsp), %rax
    vmload  %rax
    vmrun   %rax
    .globl svm_vmrun_return
svm_vmrun_return:                   /* see svm_erratum.c */
    vmsave  %rax

    push    %rdi                    /* guest RDI; the frame moves by 8 */
    mov     16(%rsp), %rdi
    mov     %rbx, 0x00(%rdi)
    mov     %rcx, 0x08(%rdi)
    mov     %rdx, 0x10(%rdi)
    mov     %rsi, 0x18(%rdi)
    pop     %rax
    mov     %rax, 0x20(%rdi)
    mov     %rbp, 0x28(%rdi)
    mov     %r8,  0x30(%rdi)
    mov     %r9,  0x38(%rdi)
    mov     %r10, 0x40(%rdi)
    mov     %r11, 0x48(%rdi)
    mov     %r12, 0x50(%rdi)
    mov     %r13, 0x58(%rdi)
    mov     %r14, 0x60(%rdi)
    mov     %r15, 0x68(%rdi)

    mov     16(%rsp), %rax
    vmload  %rax                    /* host FS/GS bases, TR, syscall MSRs */
    stgi                            /* a pending interrupt is taken here */
    cli

    add     $24, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret
