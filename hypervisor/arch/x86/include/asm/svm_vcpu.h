/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-vCPU state of the AMD SVM backend. It lives in the vendor union of
 * struct arch_vcpu (asm/vcpu.h), as Xen's svm_vcpu does in hvm_vcpu; only
 * the svm_*.c files read or write it (through svm_of()).
 */
#ifndef ASM_SVM_VCPU_H
#define ASM_SVM_VCPU_H

#include <mica/types.h>
#include <asm/regs.h>

struct vmcb;

struct svm_vcpu {
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    struct guest_gprs gprs;        /* all but RAX/RSP/RIP (in the VMCB); svm_entry.S */
    uint32_t asid;
    uint64_t asid_gen;
    uint32_t *exit_count;          /* per exit code, SVM_EXIT_NR entries */
    uint64_t exits;                /* all exits */
    int virq_vec;                  /* the vector V_IRQ offers, or -1 (svm_intr.c) */
    uint8_t v_tpr;                 /* the CR8 (V_TPR) the last entry gave the guest */
    uint8_t nmi_block;             /* NMI_* in svm_intr.c: is the guest in its NMI handler? */
    uint64_t nmi_iret_rip;         /* where the IRET ending it was intercepted */
    bool offer_due;                /* the last entry's V_IRQ offer was deliverable at once */
    uint64_t offer_rip;            /* the RIP of that entry (svm_intr.c) */
    unsigned int offer_misses;     /* such offers found untaken in a row, RIP moved */
};

#endif
