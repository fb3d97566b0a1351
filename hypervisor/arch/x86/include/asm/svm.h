/* SPDX-License-Identifier: GPL-2.0-only */
/* AMD SVM: the VMCB layout (AMD APM vol. 2, appendix B) and exit codes. */
#ifndef ASM_SVM_H
#define ASM_SVM_H

#include <mica/types.h>

struct vmcb_seg {
    uint16_t sel;
    uint16_t attr;      /* descriptor bits 40-47 and 52-55, packed */
    uint32_t limit;
    uint64_t base;
} __packed;

struct vmcb {
    /* Control area. */
    uint32_t cr_intercepts;          /* 0x000: reads 15:0, writes 31:16 */
    uint32_t dr_intercepts;          /* 0x004 */
    uint32_t exc_intercepts;         /* 0x008 */
    uint32_t intercepts1;            /* 0x00c */
    uint32_t intercepts2;            /* 0x010 */
    uint32_t intercepts3;            /* 0x014 */
    uint8_t  rsvd0[0x03c - 0x018];
    uint16_t pause_filter_thresh;    /* 0x03c */
    uint16_t pause_filter_count;     /* 0x03e */
    uint64_t iopm_pa;                /* 0x040 */
    uint64_t msrpm_pa;               /* 0x048 */
    uint64_t tsc_offset;             /* 0x050 */
    uint32_t asid;                   /* 0x058 */
    uint8_t  tlb_control;            /* 0x05c */
    uint8_t  rsvd1[3];
    uint64_t vintr;                  /* 0x060 */
    uint64_t int_state;              /* 0x068 */
    uint64_t exitcode;               /* 0x070 */
    uint64_t exitinfo1;              /* 0x078 */
    uint64_t exitinfo2;              /* 0x080 */
    uint64_t exitintinfo;            /* 0x088 */
    uint64_t nested_ctl;             /* 0x090 */
    uint64_t avic_bar;               /* 0x098 */
    uint64_t ghcb_gpa;               /* 0x0a0 */
    uint64_t eventinj;               /* 0x0a8 */
    uint64_t nested_cr3;             /* 0x0b0 */
    uint64_t virt_ext;               /* 0x0b8 */
    uint32_t clean;                  /* 0x0c0 */
    uint32_t rsvd2;
    uint64_t next_rip;               /* 0x0c8 */
    uint8_t  insn_len;               /* 0x0d0 */
    uint8_t  insn_bytes[15];
    uint8_t  rsvd3[0x400 - 0x0e0];
    /* State save area. */
    struct vmcb_seg es, cs, ss, ds, fs, gs;   /* 0x400 */
    struct vmcb_seg gdtr, ldtr, idtr, tr;     /* 0x460 */
    uint8_t  rsvd4[0x4cb - 0x4a0];
    uint8_t  cpl;                    /* 0x4cb */
    uint32_t rsvd5;
    uint64_t efer;                   /* 0x4d0 */
    uint8_t  rsvd6[0x548 - 0x4d8];
    uint64_t cr4;                    /* 0x548 */
    uint64_t cr3;
    uint64_t cr0;
    uint64_t dr7;
    uint64_t dr6;
    uint64_t rflags;                 /* 0x570 */
    uint64_t rip;
    uint8_t  rsvd7[0x5d8 - 0x580];
    uint64_t rsp;                    /* 0x5d8 */
    uint8_t  rsvd8[0x5f8 - 0x5e0];
    uint64_t rax;                    /* 0x5f8 */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t cr2;                    /* 0x640 */
    uint8_t  rsvd9[0x668 - 0x648];
    uint64_t g_pat;                  /* 0x668 */
    uint64_t dbgctl;
    uint8_t  rsvd10[0x1000 - 0x678];
} __packed;

_Static_assert(__builtin_offsetof(struct vmcb, exitcode) == 0x70, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, nested_cr3) == 0xb0, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, insn_len) == 0xd0, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, es) == 0x400, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cpl) == 0x4cb, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, efer) == 0x4d0, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cr4) == 0x548, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rip) == 0x578, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rsp) == 0x5d8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, rax) == 0x5f8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, cr2) == 0x640, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "vmcb");
_Static_assert(sizeof(struct vmcb) == 0x1000, "vmcb");

/* intercepts1 */
#define INTERCEPT_INTR        (1u << 0)
#define INTERCEPT_NMI         (1u << 1)
#define INTERCEPT_SMI         (1u << 2)
#define INTERCEPT_INIT        (1u << 3)
#define INTERCEPT_CPUID       (1u << 18)
#define INTERCEPT_IRET        (1u << 20)
#define INTERCEPT_INVD        (1u << 22)
#define INTERCEPT_HLT         (1u << 24)
#define INTERCEPT_IOIO        (1u << 27)
#define INTERCEPT_MSR         (1u << 28)
#define INTERCEPT_TASKSWITCH  (1u << 29)
#define INTERCEPT_SHUTDOWN    (1u << 31)
/* intercepts2 */
#define INTERCEPT_VMRUN       (1u << 0)
#define INTERCEPT_VMMCALL     (1u << 1)
#define INTERCEPT_VMLOAD      (1u << 2)
#define INTERCEPT_VMSAVE      (1u << 3)
#define INTERCEPT_STGI        (1u << 4)
#define INTERCEPT_CLGI        (1u << 5)
#define INTERCEPT_SKINIT      (1u << 6)
#define INTERCEPT_RDTSCP      (1u << 7)
#define INTERCEPT_ICEBP       (1u << 8)
#define INTERCEPT_MONITOR     (1u << 10)
#define INTERCEPT_MWAIT       (1u << 11)
#define INTERCEPT_MWAIT_COND  (1u << 12)
#define INTERCEPT_XSETBV      (1u << 13)
#define INTERCEPT2_INVLPGA_BIT 26       /* lives in intercepts1 */
#define INTERCEPT_INVLPGA     (1u << 26)

/* VINTR (the virtual interrupt control at 0x060). */
#define VINTR_V_TPR           0xfull
#define VINTR_V_IRQ           (1ull << 8)
#define VINTR_PRIO_SHIFT      16
#define VINTR_IGN_TPR         (1ull << 20)
#define VINTR_MASKING         (1ull << 24)
#define VINTR_VECTOR_SHIFT    32
/* INT_STATE (0x068). */
#define INT_STATE_SHADOW      (1ull << 0)    /* after STI or MOV SS */
#define NESTED_CTL_NP         (1ull << 0)
#define TLB_CONTROL_FLUSH_ALL 1

/* EVENTINJ / EXITINTINFO format. */
#define EVENT_VECTOR          0xffull
#define EVENT_TYPE_MASK       (7ull << 8)
#define EVENT_ERR_SHIFT       32
#define EVENT_VALID           (1ull << 31)
#define EVENT_ERR_VALID       (1ull << 11)
#define EVENT_TYPE_INTR       (0ull << 8)
#define EVENT_TYPE_NMI        (2ull << 8)
#define EVENT_TYPE_EXC        (3ull << 8)
#define EVENT_TYPE_SOFT       (4ull << 8)

/* EXITINFO1 of an IOIO exit; EXITINFO2 is the next RIP. */
#define IOIO_TYPE_IN          (1ull << 0)
#define IOIO_STR              (1ull << 2)
#define IOIO_REP              (1ull << 3)
#define IOIO_SZ8              (1ull << 4)
#define IOIO_SZ16             (1ull << 5)
#define IOIO_SZ32             (1ull << 6)
#define IOIO_A16              (1ull << 7)   /* address size of INS/OUTS */
#define IOIO_A32              (1ull << 8)
#define IOIO_A64              (1ull << 9)
#define IOIO_PORT_SHIFT       16
/* EXITINFO1 of an MSR exit. */
#define MSR_EXIT_WRITE        (1ull << 0)
/* EXITINFO1 of a nested page fault: the #PF error code bits; EXITINFO2 the address. */
#define NPF_PRESENT           (1ull << 0)
#define NPF_WRITE             (1ull << 1)
#define NPF_USER              (1ull << 2)
#define NPF_FETCH             (1ull << 4)

/* Exit codes. */
#define SVM_EXIT_EXCP_BASE    0x040
#define SVM_EXIT_VINTR        0x064
#define SVM_EXIT_INTR         0x060
#define SVM_EXIT_NMI          0x061
#define SVM_EXIT_SMI          0x062
#define SVM_EXIT_INIT         0x063
#define SVM_EXIT_CPUID        0x072
#define SVM_EXIT_IRET         0x074
#define SVM_EXIT_INVD         0x076
#define SVM_EXIT_HLT          0x078
#define SVM_EXIT_INVLPGA      0x07a
#define SVM_EXIT_IOIO         0x07b
#define SVM_EXIT_MSR          0x07c
#define SVM_EXIT_TASKSWITCH   0x07d
#define SVM_EXIT_SHUTDOWN     0x07f
#define SVM_EXIT_VMRUN        0x080
#define SVM_EXIT_VMMCALL      0x081
#define SVM_EXIT_VMLOAD       0x082
#define SVM_EXIT_VMSAVE       0x083
#define SVM_EXIT_STGI         0x084
#define SVM_EXIT_CLGI         0x085
#define SVM_EXIT_SKINIT       0x086
#define SVM_EXIT_RDTSCP       0x087
#define SVM_EXIT_ICEBP        0x088
#define SVM_EXIT_MONITOR      0x08a
#define SVM_EXIT_MWAIT        0x08b
#define SVM_EXIT_MWAIT_COND   0x08c
#define SVM_EXIT_XSETBV       0x08d
#define SVM_EXIT_NPF          0x400
#define SVM_EXIT_NR           0x401   /* size of the handler table */
#define SVM_EXIT_INVALID      ((uint64_t)-1)

/* The VMRUN stub (svm_entry.S); *host_rsp gets RSP as VMRUN runs (svm_erratum.c). */
struct guest_gprs;
void svm_vmrun(paddr_t vmcb_pa, struct guest_gprs *gprs, paddr_t host_save_pa,
               uint64_t *host_rsp);

#endif
