/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-vCPU state of the Intel VMX backend, in the vendor union of
 * struct arch_vcpu (asm/vcpu.h) beside svm_vcpu; only vmx*.c touch it
 * (through vmx_of()).
 *
 * The VMCS is current only while the vCPU runs (vmx_vcpu_run() loads it and
 * clears it again), so everything else reads the copy of the guest state
 * taken at the last exit (guest), and state set from outside the run loop
 * (an entry state, a STARTUP) waits in entry until the next load.
 */
#ifndef ASM_VMX_VCPU_H
#define ASM_VMX_VCPU_H

#include <mica/types.h>

/* Guest GPRs in the instruction encoding's order (RSP's slot unused: the VMCS has it). */
struct vmx_gprs {
    uint64_t r[16];
};
enum { VMX_RAX, VMX_RCX, VMX_RDX, VMX_RBX, VMX_RSP, VMX_RBP, VMX_RSI, VMX_RDI, VMX_R8,
       VMX_R9, VMX_R10, VMX_R11, VMX_R12, VMX_R13, VMX_R14, VMX_R15 };

/* The guest state outside code reads (vcpu_paging, dumps) and the exit handlers use. */
struct vmx_guest {
    uint64_t rip, rsp, rflags;
    uint64_t cr0, cr3, cr4, efer;          /* cr0/cr4 as the guest sees them */
    uint64_t cs_base;
    uint32_t cs_ar, ss_ar, intr_state;
};

/* A whole entry state (vcpu_set_entry64, vcpu_set_startup), applied at the next load. */
struct vmx_seg {
    uint16_t sel;
    uint32_t ar, limit;
    uint64_t base;
};
struct vmx_entry {
    struct vmx_seg cs, ss, ds, es, fs, gs, ldtr, tr, gdtr, idtr;
    uint64_t cr0, cr3, cr4, efer, rip, rsp, rflags, pat;
};

struct vmx_vcpu {
    void *vmcs;
    paddr_t vmcs_pa;
    struct vmx_gprs gprs;
    struct vmx_guest guest;
    struct vmx_entry entry;
    bool entry_pending;            /* entry holds a state to load */
    bool launched;                 /* VMLAUNCH done since the last VMCLEAR */
    bool controls_set;             /* the VMCS has its control fields */
    uint16_t vpid;                 /* its TLB tag (VPID), if the CPU has them */
    const void *io_bitmap;         /* the two 4 KiB pages (A, B) */
    uint32_t inject;               /* VM_ENTRY_INTR_INFO for the next entry (0: none) */
    uint32_t inject_err;
    uint32_t inject_len;           /* for software events */
    uint64_t tsc_offset;
    uint64_t syscall_msrs[5];      /* STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE */
    uint64_t spec_ctrl;            /* IA32_SPEC_CTRL, live while its turn lasts */
    uint64_t cr2;                  /* not in the VMCS */
    uint32_t *exit_count;          /* per basic exit reason, VMX_EXIT_NR entries */
    uint64_t exits;
    uint32_t exit_reason;          /* of the last exit */
    uint64_t exit_qual;
};

#endif
