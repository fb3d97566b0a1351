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

/*
 * The platform child (a domain created with MICA_DOMCTL_CREATE_F_PLATFORM):
 * entered like the other, RDI = how to end. It reads the virtual PCI bus
 * through ports 0xCF8/0xCFC and two machine ports that must not reach the
 * machine, takes what writeconsole typed from its UART, programs and
 * enables the platform device's MSI (APIC ID 0, vector PLAT_VECTOR) with
 * its local APIC in x2APIC mode and reads the IRR back, all into
 * plat_results (struct plat_results in domctl.c), says hello on the UART,
 * and ends: mode 0 ACPI S5, 1 the reset register, 2 the keyboard
 * controller's reset, 3 a triple fault.
 */
#define PCI_ADDR            0xcf8
#define PCI_DATA            0xcfc
#define CFG(dev, reg)       (0x80000000 | (dev) << 11 | (reg))
#define MSI_CAP             0x40
#define PLAT_VECTOR         0x50
#define COM1                0x3f8
#define COM1_LSR            (COM1 + 5)
#define LSR_DR              1
#define SLEEP_CTL           0x3c0
#define SLP_S5              (5 << 2 | 0x20)
#define RESET_REG           0xcf9
#define KBD_CMD             0x64
#define MSR_APIC_BASE       0x1b
#define APIC_BASE_X2        0xfee00d00     /* base, enabled, x2APIC, BSP */
#define MSR_X2_IRR2         0x822          /* IRR bits 64-95 */

.macro cfg_read dev, reg, port, off
    mov     $PCI_ADDR, %dx
    mov     $CFG(\dev, \reg), %eax
    out     %eax, %dx
    mov     $\port, %dx
    in      %dx, %eax
    mov     %eax, \off(%rdi)
.endm

.macro cfg_write dev, reg, val
    mov     $PCI_ADDR, %dx
    mov     $CFG(\dev, \reg), %eax
    out     %eax, %dx
    mov     $PCI_DATA, %dx
    mov     $\val, %eax
    out     %eax, %dx
.endm

    .section .rodata
    .balign 16
    .globl plat_code, plat_code_end, plat_results
plat_code:
    mov     %rdi, %r12
    lea     plat_results(%rip), %rdi
    mov     $PCI_ADDR, %dx
    mov     $CFG(2, 0), %eax
    out     %eax, %dx
    in      %dx, %eax
    mov     %eax, 0(%rdi)                   /* CONFIG_ADDRESS reads back */
    cfg_read 2, 0, PCI_DATA, 4              /* 00:02.0 vendor, device */
    cfg_read 2, 8, PCI_DATA, 8              /* 00:02.0 revision, class */
    mov     $(PCI_DATA + 2), %dx
    xor     %eax, %eax
    in      %dx, %ax
    mov     %eax, 12(%rdi)                  /* its class as a word at 0xCFE */
    cfg_read 0, 0, PCI_DATA, 16             /* 00:00.0 vendor, device */
    cfg_read 1, 0, PCI_DATA, 20             /* 00:01.0: nothing there */
    xor     %eax, %eax
    in      $0x61, %al
    mov     %eax, 24(%rdi)                  /* port 0x61: not the machine's */
    xor     %eax, %eax
    in      $0x42, %al
    mov     %eax, 44(%rdi)                  /* PIT channel 2: not the machine's */
    xor     %ecx, %ecx
1:  mov     $COM1_LSR, %dx
    in      %dx, %al
    test    $LSR_DR, %al
    jz      2f
    mov     $COM1, %dx
    in      %dx, %al
    mov     %al, 32(%rdi,%rcx)
    inc     %ecx
    cmp     $8, %ecx
    jb      1b
2:  mov     %ecx, 28(%rdi)                  /* bytes typed by writeconsole */
    mov     $MSR_APIC_BASE, %ecx
    mov     $APIC_BASE_X2, %eax
    xor     %edx, %edx
    wrmsr
    cfg_write 2, MSI_CAP + 4, 0xfee00000    /* APIC ID 0, physical */
    cfg_write 2, MSI_CAP + 8, 0
    cfg_write 2, MSI_CAP + 12, PLAT_VECTOR  /* fixed, edge */
    mov     $PCI_ADDR, %dx
    mov     $CFG(2, MSI_CAP), %eax
    out     %eax, %dx
    mov     $(PCI_DATA + 2), %dx
    mov     $1, %ax
    out     %ax, %dx                        /* message control: enable */
    xor     %eax, %eax
    in      %dx, %ax
    mov     %eax, 48(%rdi)
    mov     $MSR_X2_IRR2, %ecx
    rdmsr
    mov     %eax, 40(%rdi)                  /* the upcall pending before: now an MSI */
    lea     plat_msg(%rip), %rsi
    mov     $(plat_msg_end - plat_msg), %ecx
    mov     $COM1, %dx
3:  lodsb
    out     %al, %dx
    loop    3b
    cmp     $1, %r12
    je      5f
    cmp     $2, %r12
    je      6f
    cmp     $3, %r12
    je      7f
    mov     $SLEEP_CTL, %dx
    mov     $SLP_S5, %al
    out     %al, %dx
    jmp     4f
5:  mov     $RESET_REG, %dx
    mov     $6, %al
    out     %al, %dx
    jmp     4f
6:  mov     $0xfe, %al
    out     %al, $KBD_CMD
    jmp     4f
7:  lidt    plat_no_idt(%rip)
    int3
4:  cli
    hlt
    jmp     4b
plat_msg:
    .ascii  "plat: hello\n"
plat_msg_end:
    .balign 8
plat_no_idt:
    .word   0
    .quad   0
    .balign 8
plat_results:
    .fill   64, 1, 0xee
plat_code_end:

    .section .note.GNU-stack, "", @progbits
