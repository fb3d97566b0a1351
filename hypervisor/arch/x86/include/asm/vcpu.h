/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU seam: everything between Mica's vendor-neutral code and a
 * hardware virtualization backend (AMD SVM today, svm*.c; Intel VMX next).
 *
 * - Common and x86-neutral code reach a backend only through the arch_vcpu_*
 *   functions below (vcpu.c). The table of vendor operations behind them is
 *   private to vcpu.c: no caller dereferences it.
 * - A backend keeps its own per-vCPU state in the vendor union of struct
 *   arch_vcpu (as Xen's hvm_vcpu holds svm_vcpu or vmx_vcpu); nothing
 *   outside that backend touches it.
 * - What the backend calls back into is listed at the end: x86-neutral
 *   services (HLT, INIT/STARTUP, upcalls) that hold the policy, so exit
 *   handlers only decode and forward.
 * - Physical interrupts, IPIs and the vectors the hypervisor owns are the
 *   arch's (asm/smp.h, asm/traps.h), not a backend's or common code's.
 *
 * docs/architecture.md section 3 lists the same hooks with their callers.
 */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H

#include <mica/types.h>
#include <asm/svm_vcpu.h>
#include <asm/vmx_vcpu.h>

struct vcpu;
struct domain;
struct vlapic;

/* Vendor-neutral x86 state of a vCPU. */
#define VCPU_MMIO_COUNTED 4         /* emulated MMIO devices counted (mmio.c) */

struct arch_vcpu {
    int last_pcpu;                 /* where it last entered the guest, -1: never */
    uint32_t mmio_count[VCPU_MMIO_COUNTED];   /* accesses emulated, per device */
    uint64_t xcr0;                 /* the guest's XCR0 */
    void *fpu;                     /* XSAVE/FXSAVE area, 64-byte aligned */
    struct vlapic *vlapic;         /* NULL: no local APIC (test kernels) */
    volatile bool in_guest;        /* between the flush check and the exit (vcpu.c) */
    volatile bool tlb_flush;       /* drop guest translations before the next entry */
    union {                        /* the backend's own; see the comment above */
        struct svm_vcpu svm;
        struct vmx_vcpu vmx;
    } vendor;
};

/* Paging state of the guest, for walking its page tables. */
struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    uint64_t cs_base;
    bool cs_long;                  /* executing 64-bit code */
    unsigned int cpl;
    uint64_t rflags;               /* AC for SMAP */
};

struct vcpu_entry64 {
    uint64_t rip, rsp, rdi, rsi;
    uint64_t cr3;                  /* guest page tables (identity map) */
    uint64_t gdt_base;             /* guest GDT: 0x08 code64, 0x10 data */
    uint16_t gdt_limit;
    uint16_t cs, ds;               /* 64-bit code and data selectors in it */
};

/*
 * One backend. Every member is set; each is reached only through the
 * arch_vcpu_* function of the same name (vcpu.c).
 */
struct vcpu_vendor_ops {
    const char *name;                                     /* "AMD SVM" */
    /* Boot CPU, before memory set-up: does it have this extension at all? */
    bool (*cpu_present)(void);
    /* Then: NULL if it can run guests with it, else what it lacks (one phrase). */
    const char *(*cpu_missing)(void);
    /* Once, on the boot CPU, before the first cpu_enable: shared tables (permission maps). */
    int (*hw_init)(void);
    /* On each pCPU (boot CPU, then every AP): turn the extension on. */
    int (*cpu_enable)(void);
    /* The vCPU's control block, FPU area and counters; torn down by vcpu_destroy. */
    int (*vcpu_create)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Hypervisor memory vcpu_create() takes for one vCPU (charged to its domain). */
    size_t (*vcpu_bytes)(void);
    /* 64-bit entry state (docs/abi.md section 10.5). */
    void (*vcpu_set_entry64)(struct vcpu *v, const struct vcpu_entry64 *e);
    /* Real mode at vector << 12, as a STARTUP IPI leaves an AP. */
    void (*vcpu_set_startup)(struct vcpu *v, uint8_t vector);
    /* Give the vCPU the platform domain's direct ports. */
    void (*vcpu_platform_io)(struct vcpu *v);
    /* Enter the guest until the vCPU must deschedule (need_resched, not RUNNING). */
    void (*vcpu_run)(struct vcpu *v);
    /* CR0/CR3/CR4/EFER, CS base and mode, CPL: for walking guest page tables. */
    void (*vcpu_paging)(struct vcpu *v, struct guest_paging *gp);
    /* Would an interrupt (or NMI) be delivered if the guest could take it now? */
    bool (*vcpu_event_pending)(struct vcpu *v);
    /* What the guest's RDTSC adds to the host TSC. */
    uint64_t (*vcpu_tsc_offset)(struct vcpu *v);
    /* In an exit handler of v: GPR n (0 RAX ... 15 R15, the encoding's order), RIP. */
    uint64_t (*vcpu_get_gpr)(struct vcpu *v, unsigned int n);
    void (*vcpu_set_gpr)(struct vcpu *v, unsigned int n, uint64_t val);
    uint64_t (*vcpu_get_rip)(struct vcpu *v);
    /* Past an emulated instruction of len bytes (ending any STI/MOV SS shadow). */
    void (*vcpu_advance_rip)(struct vcpu *v, unsigned int len);
    /* In an exit handler of v: deliver exception vector (with err if has_err) at the next entry. */
    void (*vcpu_inject_exception)(struct vcpu *v, unsigned int vector, bool has_err, uint32_t err);
    /* The guest's CR2 from the next entry on (a #PF the hypervisor injects). */
    void (*vcpu_set_cr2)(struct vcpu *v, uint64_t cr2);
    /*
     * The speculation controls (CPUID_7_EDX_SPEC_ALL bits of CPUID 7.0 EDX)
     * it gives guests, known after cpu_missing; guest_cpuid() hides the rest.
     */
    uint32_t (*cpuid_spec_ctrl)(void);
    /* Per-exit counts on the log (shutdown, console key 'd'). */
    void (*vcpu_dump_exits)(struct vcpu *v);
    /* One line of where it is and what it waits for (console key 'v'). */
    void (*vcpu_dump_state)(struct vcpu *v);
};

/* The backends; arch_vcpu_select() picks one. */
extern const struct vcpu_vendor_ops svm_vcpu_ops;
extern const struct vcpu_vendor_ops vmx_vcpu_ops;

/* ---- the hooks, as every caller reaches them (vcpu.c) ------------------ */

/*
 * Pick the backend whose extension this CPU has (cpu_present) and which has
 * all it needs (cpu_missing); NULL, or one phrase naming what is missing.
 */
const char *arch_vcpu_select(void);
const char *arch_vcpu_vendor_name(void);
int arch_vcpu_hw_init(void);
int arch_vcpu_cpu_enable(void);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
size_t arch_vcpu_bytes(void);
void arch_vcpu_set_entry64(struct vcpu *v, const struct vcpu_entry64 *e);
void arch_vcpu_set_startup(struct vcpu *v, uint8_t vector);
void arch_vcpu_platform_io(struct vcpu *v);
void arch_vcpu_run(struct vcpu *v);
void arch_vcpu_paging(struct vcpu *v, struct guest_paging *gp);
bool arch_vcpu_event_pending(struct vcpu *v);
uint64_t arch_vcpu_tsc_offset(struct vcpu *v);
uint64_t arch_vcpu_get_gpr(struct vcpu *v, unsigned int n);
void arch_vcpu_set_gpr(struct vcpu *v, unsigned int n, uint64_t val);
uint64_t arch_vcpu_get_rip(struct vcpu *v);
void arch_vcpu_advance_rip(struct vcpu *v, unsigned int len);
void arch_vcpu_inject_exception(struct vcpu *v, unsigned int vector, bool has_err, uint32_t err);
void arch_vcpu_set_cr2(struct vcpu *v, uint64_t cr2);
uint32_t arch_vcpu_cpuid_spec_ctrl(void);
void arch_vcpu_dump_exits(struct vcpu *v);
void arch_vcpu_dump_state(struct vcpu *v);

/* ---- x86-neutral services around the hooks (vcpu.c) -------------------- */

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
void arch_domain_flush_tlb(struct domain *d);

/*
 * Backend side of that protocol, just before entering the guest: marks v in
 * the guest and returns whether it must drop its guest translations first.
 * arch_vcpu_left_guest() right after the exit.
 */
bool arch_vcpu_entering_guest(struct vcpu *v);
void arch_vcpu_left_guest(struct vcpu *v);

/*
 * The scheduler moved v (not running) to new_cpu: per-vCPU state tied to a
 * pCPU follows it (the local APIC timer fires on the vCPU's pCPU). Called
 * with run queue locks held and interrupts off.
 */
void arch_vcpu_migrate(struct vcpu *v, unsigned int new_cpu);

/*
 * In an exit handler of v, for an instruction the hypervisor emulates: the
 * page fault the CPU would have raised (CR2 = la, error code pfec, PFEC_*
 * of asm/guest_walk.h), or #GP(0). RIP stays at the instruction.
 */
void vcpu_inject_pf(struct vcpu *v, uint64_t la, uint32_t pfec);
void vcpu_inject_gp0(struct vcpu *v);

/* INIT and STARTUP signals (from a virtual local APIC). */
void vcpu_init_signal(struct vcpu *v);
void vcpu_startup_signal(struct vcpu *v, uint8_t vector);

/*
 * The guest executed HLT (the backend has skipped it). With interrupts
 * enabled the vCPU blocks until an event is pending; with them disabled
 * nothing can wake it and it is down for good (domain_vcpu_halted()).
 */
void vcpu_halt(struct vcpu *v, bool irqs_enabled);

/*
 * The instruction at the guest's CS:RIP, up to 15 bytes (fewer before a
 * page it cannot read): returns how many were read, 0 if none.
 */
size_t vcpu_fetch_insn(struct vcpu *v, uint8_t *buf);

#endif
