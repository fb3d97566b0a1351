/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD SVM: enabling it on each pCPU, building VMCBs, and the run loop.
 * Exit handling lives in svm_exit.c, MSR and I/O permission maps in
 * svm_msrpm.c.
 */
#include <mica/console.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/svm.h>
#include <asm/svm_priv.h>
#include <asm/fpu.h>

#define CPUID_SVM_LEAF     0x8000000au   /* EBX: ASIDs, EDX: features */
#define CPUID_SVM_NP       (1u << 0)     /* leaf 0x8000000A EDX */
#define CPUID_SVM_NRIPS    (1u << 3)
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_ECX_SVM  (1u << 2)

static uint32_t max_asid;                     /* highest ASID the CPU offers */
static uint32_t asid_next[MAX_CPUS];          /* per pCPU */
static uint64_t asid_gen[MAX_CPUS];

static bool svm_cpu_present(void)
{
    uint32_t a, b, c, d;

    cpuid_count(CPUID_EXT_MAX, 0, &a, &b, &c, &d);
    if (a < CPUID_EXT_FEATURES)
        return false;
    cpuid_count(CPUID_EXT_FEATURES, 0, &a, &b, &c, &d);
    return c & CPUID_EXT_ECX_SVM;
}

static const char *svm_cpu_missing(void)
{
    uint32_t a, b, c, d;

    cpuid_count(CPUID_EXT_MAX, 0, &a, &b, &c, &d);
    if (a < CPUID_SVM_LEAF)
        return "AMD SVM (no extended CPUID leaf 0x8000000A)";
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
        return "AMD SVM (disabled by firmware: VM_CR.SVMDIS is set)";
    cpuid_count(CPUID_SVM_LEAF, 0, &a, &b, &c, &d);
    if (!(d & CPUID_SVM_NP))
        return "nested paging (NPT: CPUID 0x8000000A EDX bit 0 is clear)";
    if (b < 2)
        return "AMD SVM address-space IDs (fewer than 2 ASIDs)";
    max_asid = b - 1;
    return NULL;
}

static int svm_cpu_enable(void)
{
    struct percpu *pc = this_cpu();
    void *hsave = page_alloc_hyp(0);
    void *host = page_alloc_hyp(0);

    if (!hsave || !host)
        return -ENOMEM;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave);
    pc->hsave_pa = (uint64_t)(uintptr_t)hsave;
    pc->host_save = host;
    /* Capture the host's FS/GS/TR/syscall state for the VMLOAD after each exit. */
    asm volatile("vmsave %%rax" :: "a"((uint64_t)(uintptr_t)host) : "memory");
    fpu_init_cpu();
    asid_next[pc->cpu] = 1;
    asid_gen[pc->cpu] = 1;
    return 0;
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attr, uint32_t limit,
                uint64_t base)
{
    *s = (struct vmcb_seg){ .sel = sel, .attr = attr, .limit = limit, .base = base };
}

static void vmcb_init_control(struct vmcb *vm, struct vcpu *v)
{
    vm->intercepts1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI |
                      INTERCEPT_INIT | INTERCEPT_CPUID | INTERCEPT_INVD |
                      INTERCEPT_HLT | INTERCEPT_INVLPGA | INTERCEPT_IOIO |
                      INTERCEPT_MSR | INTERCEPT_TASKSWITCH | INTERCEPT_SHUTDOWN;
    vm->intercepts2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
                      INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
                      INTERCEPT_SKINIT | INTERCEPT_RDTSCP | INTERCEPT_MONITOR |
                      INTERCEPT_MWAIT | INTERCEPT_MWAIT_COND | INTERCEPT_XSETBV;
    vm->iopm_pa = svm_iopm_pa;
    vm->msrpm_pa = svm_msrpm_pa;
    vm->vintr = VINTR_MASKING;
    vm->nested_ctl = NESTED_CTL_NP;
    vm->nested_cr3 = v->domain->p2m.root;
}

static int svm_vcpu_create(struct vcpu *v)
{
    struct vmcb *vm = page_alloc_hyp(0);

    svm_of(v)->exit_count = xzalloc(SVM_EXIT_NR * sizeof(uint32_t));
    v->arch.fpu = fpu_alloc_area();
    if (!vm || !svm_of(v)->exit_count || !v->arch.fpu) {
        page_free_hyp(vm, 0);
        xfree(svm_of(v)->exit_count);
        fpu_free_area(v->arch.fpu);
        return -ENOMEM;
    }
    svm_of(v)->vmcb = vm;
    svm_of(v)->vmcb_pa = (paddr_t)(uintptr_t)vm;
    v->arch.last_pcpu = -1;
    svm_of(v)->virq_vec = -1;
    v->arch.xcr0 = XCR0_RESET;
    vmcb_init_control(vm, v);
    vm->g_pat = PAT_RESET;
    vm->dr6 = X86_DR6_RESET;
    vm->dr7 = X86_DR7_RESET;
    vm->rflags = X86_EFLAGS_FIXED;
    return 0;
}

static size_t svm_vcpu_bytes(void)
{
    return PAGE_SIZE + SVM_EXIT_NR * sizeof(uint32_t) + fpu_area_bytes();
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    page_free_hyp(svm_of(v)->vmcb, 0);
    xfree(svm_of(v)->exit_count);
    fpu_free_area(v->arch.fpu);
    svm_of(v)->vmcb = NULL;
}

static void svm_vcpu_set_entry64(struct vcpu *v, const struct vcpu_entry64 *e)
{
    struct vmcb *vm = svm_of(v)->vmcb;

    seg(&vm->cs, e->cs, SEG_ATTR_CODE64, SEG_LIMIT_4G, 0);
    seg(&vm->ds, e->ds, SEG_ATTR_DATA32, SEG_LIMIT_4G, 0);
    vm->es = vm->ss = vm->ds;
    seg(&vm->fs, 0, 0, 0, 0);
    seg(&vm->gs, 0, 0, 0, 0);
    seg(&vm->gdtr, 0, 0, e->gdt_limit, e->gdt_base);
    seg(&vm->idtr, 0, 0, 0, 0);
    seg(&vm->ldtr, 0, SEG_ATTR_LDT, 0, 0);
    seg(&vm->tr, 0, SEG_ATTR_TSS_BUSY, TSS64_LIMIT, 0);
    vm->cpl = 0;
    vm->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
    vm->cr3 = e->cr3;
    vm->cr4 = X86_CR4_PAE;
    vm->efer = EFER_LME | EFER_LMA | EFER_SVME;
    vm->rip = e->rip;
    vm->rsp = e->rsp;
    vm->rax = 0;
    vm->rflags = X86_EFLAGS_FIXED;
    memset(&svm_of(v)->gprs, 0, sizeof(svm_of(v)->gprs));
    svm_of(v)->gprs.rdi = e->rdi;
    svm_of(v)->gprs.rsi = e->rsi;
}

/* What a STARTUP IPI leaves behind: real mode at vector << 12. */
static void svm_vcpu_set_startup(struct vcpu *v, uint8_t vector)
{
    struct vmcb *vm = svm_of(v)->vmcb;

    seg(&vm->cs, (uint16_t)(vector << SIPI_CS_SHIFT), SEG_ATTR_CODE16, SEG_LIMIT_64K,
        (uint64_t)vector << SIPI_BASE_SHIFT);
    seg(&vm->ds, 0, SEG_ATTR_DATA16, SEG_LIMIT_64K, 0);
    vm->es = vm->ss = vm->fs = vm->gs = vm->ds;
    seg(&vm->gdtr, 0, 0, SEG_LIMIT_64K, 0);
    seg(&vm->idtr, 0, 0, SEG_LIMIT_64K, 0);
    seg(&vm->ldtr, 0, SEG_ATTR_LDT, SEG_LIMIT_64K, 0);
    seg(&vm->tr, 0, SEG_ATTR_TSS_BUSY, SEG_LIMIT_64K, 0);
    vm->cpl = 0;
    vm->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
    vm->cr3 = vm->cr4 = 0;
    vm->cr2 = 0;
    vm->efer = EFER_SVME;
    vm->rip = 0;
    vm->rsp = vm->rax = 0;
    vm->rflags = X86_EFLAGS_FIXED;
    vm->dr6 = X86_DR6_RESET;
    vm->dr7 = X86_DR7_RESET;
    vm->g_pat = PAT_RESET;
    vm->eventinj = 0;
    vm->int_state = 0;
    vm->vintr = VINTR_MASKING;
    vm->intercepts1 &= ~INTERCEPT_IRET;
    svm_of(v)->virq_vec = -1;
    svm_of(v)->nmi_block = 0;
    memset(&svm_of(v)->gprs, 0, sizeof(svm_of(v)->gprs));
    v->arch.xcr0 = XCR0_RESET;
}

static void svm_vcpu_platform_io(struct vcpu *v)
{
    svm_of(v)->vmcb->iopm_pa = svm_iopm_platform_pa;
}

/* A fresh ASID per pCPU generation; a new generation flushes the whole TLB. */
static void asid_assign(struct vcpu *v, struct vmcb *vm, unsigned int cpu)
{
    vm->tlb_control = 0;
    if (v->arch.last_pcpu == (int)cpu && svm_of(v)->asid_gen == asid_gen[cpu])
        return;
    if (asid_next[cpu] > max_asid) {
        asid_gen[cpu]++;
        asid_next[cpu] = 1;
        vm->tlb_control = TLB_CONTROL_FLUSH_ALL;
    }
    svm_of(v)->asid = asid_next[cpu]++;
    svm_of(v)->asid_gen = asid_gen[cpu];
    v->arch.last_pcpu = (int)cpu;
    vm->asid = svm_of(v)->asid;
    vm->tlb_control = TLB_CONTROL_FLUSH_ALL;
}

/* Entering the guest: a flush arch_domain_flush_tlb() asked for is done now. */
static void tlb_flush_check(struct vcpu *v, struct vmcb *vm)
{
    if (arch_vcpu_entering_guest(v))
        vm->tlb_control = TLB_CONTROL_FLUSH_ALL;
}

static void svm_vcpu_run(struct vcpu *v)
{
    struct percpu *pc = this_cpu();
    struct vmcb *vm = svm_of(v)->vmcb;
    paddr_t host = (paddr_t)(uintptr_t)pc->host_save;
    struct svm_snapshot snap = { .retries = 0 };
    int erratum;

    local_irq_disable();
    fpu_restore(v->arch.fpu, v->arch.xcr0);
    while (!pc->need_resched && v->state == VCPU_RUNNING) {
        asid_assign(v, vm, pc->cpu);
        tlb_flush_check(v, vm);
        svm_intr_assist(v);
        svm_erratum_snapshot(v, &snap);
        svm_vmrun(svm_of(v)->vmcb_pa, &svm_of(v)->gprs, host, &snap.host_rsp);
        arch_vcpu_left_guest(v);
        erratum = svm_erratum_check(v, &snap);
        if (unlikely(erratum == SVM_ERRATUM_RETRY)) {
            vm->tlb_control = TLB_CONTROL_FLUSH_ALL;
            continue;
        }
        vm->tlb_control = 0;
        local_irq_enable();
        if (unlikely(erratum == SVM_ERRATUM_LOST))
            domain_crash(v->domain, "vcpu%u's state lost to QEMU's SVM erratum", v->id);
        else
            svm_handle_exit(v);
        local_irq_disable();
    }
    fpu_save(v->arch.fpu, &v->arch.xcr0);
    local_irq_enable();
}

static void svm_vcpu_paging(struct vcpu *v, struct guest_paging *gp)
{
    const struct vmcb *vm = svm_of(v)->vmcb;

    gp->cr0 = vm->cr0;
    gp->cr3 = vm->cr3;
    gp->cr4 = vm->cr4;
    gp->efer = vm->efer;
    gp->cs_base = vm->cs.base;
    gp->cs_long = (vm->efer & EFER_LMA) && (vm->cs.attr & SEG_ATTR_L);
    gp->cpl = vm->cpl;
    gp->rflags = vm->rflags;
}

static uint64_t svm_vcpu_tsc_offset(struct vcpu *v)
{
    return svm_of(v)->vmcb->tsc_offset;
}

/* None: SPEC_CTRL and friends stay hidden from guests on SVM (not passed through). */
static uint32_t svm_cpuid_spec_ctrl(void)
{
    return 0;
}

static void svm_set_cr2(struct vcpu *v, uint64_t cr2)
{
    svm_of(v)->vmcb->cr2 = cr2;
}

static uint64_t svm_get_rip(struct vcpu *v)
{
    return svm_of(v)->vmcb->rip;
}

const struct vcpu_vendor_ops svm_vcpu_ops = {
    .name = "AMD SVM",
    .cpu_present = svm_cpu_present,
    .cpu_missing = svm_cpu_missing,
    .hw_init = svm_msrpm_init,
    .cpu_enable = svm_cpu_enable,
    .vcpu_create = svm_vcpu_create,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_bytes = svm_vcpu_bytes,
    .vcpu_set_entry64 = svm_vcpu_set_entry64,
    .vcpu_set_startup = svm_vcpu_set_startup,
    .vcpu_platform_io = svm_vcpu_platform_io,
    .vcpu_run = svm_vcpu_run,
    .vcpu_paging = svm_vcpu_paging,
    .vcpu_event_pending = svm_event_pending,
    .cpuid_spec_ctrl = svm_cpuid_spec_ctrl,
    .vcpu_dump_exits = svm_dump_exits,
    .vcpu_dump_state = svm_dump_state,
    .vcpu_tsc_offset = svm_vcpu_tsc_offset,
    .vcpu_get_gpr = svm_get_gpr,
    .vcpu_set_gpr = svm_set_gpr,
    .vcpu_get_rip = svm_get_rip,
    .vcpu_advance_rip = svm_advance_rip,
    .vcpu_inject_exception = svm_inject_exception,
    .vcpu_set_cr2 = svm_set_cr2,
};
