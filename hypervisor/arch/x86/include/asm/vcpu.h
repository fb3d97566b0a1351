/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU hooks. Common code (domain.c, sched.c, hypercalls) calls the
 * arch_vcpu_* functions; they go through one table of vendor operations so
 * VMX can sit beside SVM later without touching the callers.
 */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H

#include <mica/types.h>
#include <asm/regs.h>

struct vcpu;
struct vmcb;
struct vlapic;

struct arch_vcpu {
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    struct guest_gprs gprs;        /* layout used by svm_entry.S */
    uint32_t asid;
    uint64_t asid_gen;
    int last_pcpu;
    uint64_t xcr0;                 /* the guest's XCR0 */
    void *fpu;                     /* XSAVE/FXSAVE area, 64-byte aligned */
    uint32_t *exit_count;          /* per exit code, SVM_EXIT_NR entries */
    uint64_t exits;                /* all exits */
    struct vlapic *vlapic;         /* NULL: no local APIC (test kernels) */
    volatile bool in_guest;        /* between the flush check and the exit (svm.c) */
    volatile bool tlb_flush;       /* drop guest translations before the next entry */
    int virq_vec;                  /* the vector V_IRQ offers, or -1 (svm_intr.c) */
    uint8_t v_tpr;                 /* the CR8 (V_TPR) the last entry gave the guest */
    uint8_t nmi_block;             /* NMI_* in svm_intr.c: is the guest in its NMI handler? */
    uint64_t nmi_iret_rip;         /* where the IRET ending it was intercepted */
};

/* Paging state of the guest, for walking its page tables. */
struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    uint64_t cs_base;
    bool cs_long;                  /* executing 64-bit code */
    unsigned int cpl;
};

struct vcpu_entry64 {
    uint64_t rip, rsp, rdi, rsi;
    uint64_t cr3;                  /* guest page tables (identity map) */
    uint64_t gdt_base;             /* guest GDT: 0x08 code64, 0x10 data */
    uint16_t gdt_limit;
    uint16_t cs, ds;               /* 64-bit code and data selectors in it */
};

struct vcpu_vendor_ops {
    const char *name;
    /* NULL if this CPU can run guests, else what it lacks. */
    const char *(*cpu_missing)(void);
    int (*cpu_enable)(void);                     /* on each pCPU */
    int (*vcpu_create)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Hypervisor memory vcpu_create() takes for one vCPU (charged to its domain). */
    size_t (*vcpu_bytes)(void);
    void (*vcpu_set_entry64)(struct vcpu *v, const struct vcpu_entry64 *e);
    /* Real mode at vector << 12, as a STARTUP IPI leaves an AP. */
    void (*vcpu_set_startup)(struct vcpu *v, uint8_t vector);
    /* Give the vCPU the platform domain's direct ports (svm_msrpm.c). */
    void (*vcpu_platform_io)(struct vcpu *v);
    void (*vcpu_run)(struct vcpu *v);            /* until it must deschedule */
    void (*vcpu_paging)(struct vcpu *v, struct guest_paging *gp);
    void (*vcpu_dump_exits)(struct vcpu *v);
    /* One line of where it is and what it waits for (console key 'v'). */
    void (*vcpu_dump_state)(struct vcpu *v);
    /* What the guest's RDTSC adds to the host TSC. */
    uint64_t (*vcpu_tsc_offset)(struct vcpu *v);
};

extern const struct vcpu_vendor_ops *vcpu_ops;
extern const struct vcpu_vendor_ops svm_vcpu_ops;

/* Pick the vendor for this CPU; returns what is missing, or NULL. */
const char *arch_vcpu_select(void);

/*
 * Deliver the vCPU's event upcall: the platform device's MSI while the guest
 * has it enabled (public/platform.h), else its registered vector, through the local
 * APIC when it has one (so the guest EOIs it like any interrupt), or
 * injected directly, edge-style, when the guest can take it. Any CPU.
 */
void arch_vcpu_raise_upcall(struct vcpu *v);

/*
 * After a p2m entry of d was removed or narrowed: every vCPU of d drops its
 * cached guest translations before it next runs guest code, and one running
 * guest code on another CPU right now is pulled out and waited for. On
 * return no vCPU of d can still use the old entry. Call with interrupts on.
 */
struct domain;
void arch_domain_flush_tlb(struct domain *d);

/*
 * The scheduler moved v (not running) to new_cpu: per-vCPU state tied to a
 * pCPU follows it (the local APIC timer fires on the vCPU's pCPU). Called
 * with run queue locks held and interrupts off.
 */
void arch_vcpu_migrate(struct vcpu *v, unsigned int new_cpu);

/* INIT and STARTUP signals (from a virtual local APIC). */
void vcpu_init_signal(struct vcpu *v);
void vcpu_startup_signal(struct vcpu *v, uint8_t vector);

static inline int arch_vcpu_create(struct vcpu *v) { return vcpu_ops->vcpu_create(v); }
static inline void arch_vcpu_destroy(struct vcpu *v) { vcpu_ops->vcpu_destroy(v); }
static inline size_t arch_vcpu_bytes(void) { return vcpu_ops->vcpu_bytes(); }
static inline void arch_vcpu_run(struct vcpu *v) { vcpu_ops->vcpu_run(v); }
static inline void arch_vcpu_set_entry64(struct vcpu *v, const struct vcpu_entry64 *e)
{ vcpu_ops->vcpu_set_entry64(v, e); }
static inline void arch_vcpu_dump_exits(struct vcpu *v) { vcpu_ops->vcpu_dump_exits(v); }
static inline void arch_vcpu_dump_state(struct vcpu *v) { vcpu_ops->vcpu_dump_state(v); }
static inline uint64_t arch_vcpu_tsc_offset(struct vcpu *v) { return vcpu_ops->vcpu_tsc_offset(v); }

#endif
