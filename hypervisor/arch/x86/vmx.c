/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VMX: what the CPU must offer, VMXON on each pCPU, a VMCS per vCPU
 * and the run loop. The VMCS is made current on the pCPU that runs the
 * vCPU for the length of one vmx_vcpu_run() and cleared at its end, so a
 * vCPU can move to any pCPU between turns. VMCS set-up is in vmx_vmcs.c,
 * exits in vmx_exit.c, getting events in in vmx_intr.c, EPT in ept.c.
 */
#include <mica/console.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/fpu.h>
#include <asm/ept.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/cpuid.h>
#include <asm/vmx_priv.h>

struct vmx_config vmx_cfg;

#define NS_PER_MS       1000000ull
#define PREEMPT_MAX_NS  (10 * NS_PER_MS)   /* the longest an entry runs unchecked */

static bool vmx_cpu_present(void)
{
    uint32_t a, b, c, d;

    cpuid_count(1, 0, &a, &b, &c, &d);
    return c & CPUID_1_ECX_VMX;
}

/* want, plus what the CPU insists on, if it allows all of want; else false. */
static bool ctls(uint32_t msr, uint32_t want, uint32_t *out)
{
    uint64_t v = rdmsr(msr);

    *out = want | (uint32_t)v;
    return (want & ~(uint32_t)(v >> VMX_CTLS_ALLOWED1_SHIFT)) == 0;
}

static const char *controls_missing(void)
{
    bool truectl = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
    struct vmx_config *c = &vmx_cfg;

    if (!ctls(truectl ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
              PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, &c->pin))
        return "VMX pin-based controls (external-interrupt and NMI exiting, virtual NMIs)";
    if (!ctls(truectl ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
              CPU_HLT_EXITING | CPU_USE_TSC_OFFSETTING | CPU_CR8_LOAD_EXITING |
              CPU_CR8_STORE_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS |
              CPU_MWAIT_EXITING | CPU_MONITOR_EXITING | CPU_RDPMC_EXITING |
              CPU_SECONDARY_CONTROLS, &c->cpu))
        return "VMX processor controls (HLT/CR8/MWAIT exiting, TSC offsetting, I/O and MSR bitmaps)";
    if (!ctls(MSR_IA32_VMX_PROCBASED_CTLS2, CPU2_ENABLE_EPT, &c->cpu2))
        return "extended page tables (EPT: IA32_VMX_PROCBASED_CTLS2 bit 1 is not allowed)";
    if (!ctls(MSR_IA32_VMX_PROCBASED_CTLS2, CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST, &c->cpu2))
        return "VMX unrestricted guest (IA32_VMX_PROCBASED_CTLS2 bit 7 is not allowed)";
    if (!ctls(truectl ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
              EXIT_HOST_ADDR_SPACE_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
              EXIT_LOAD_EFER, &c->exit))
        return "VMX exit controls (64-bit host, PAT and EFER saved and loaded)";
    if (!ctls(truectl ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
              ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &c->entry))
        return "VMX entry controls (PAT and EFER loaded)";
    return NULL;
}

/* CR0/CR4 bits VMX operation fixes; unrestricted guest frees PE and PG. */
static void fixed_bits(void)
{
    struct vmx_config *c = &vmx_cfg;

    c->revision = (uint32_t)(rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK);
    c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(X86_CR0_PE | X86_CR0_PG);
    c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1) & 0xffffffffull;
    c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    c->cr0_mask = c->cr0_fixed0 | ~c->cr0_fixed1;
    c->cr4_mask = c->cr4_fixed0 | ~c->cr4_fixed1 | X86_CR4_VMXE;
}

/*
 * VPIDs where offered: each vCPU's guest translations keep their tag, so
 * VM entries and exits no longer flush them. They are combined mappings
 * (EPT is on), so the INVEPT of flush_check() drops a vCPU's stale ones on
 * every pCPU it comes to, a reused VPID's included.
 */
static void vpid_check(uint64_t ept_cap)
{
    uint32_t cpu2;

    if ((ept_cap & VPID_CAP_INVVPID) &&
        ctls(MSR_IA32_VMX_PROCBASED_CTLS2, vmx_cfg.cpu2 | CPU2_ENABLE_VPID, &cpu2)) {
        vmx_cfg.cpu2 = cpu2;
        vmx_cfg.vpid = true;
    }
}

/*
 * INVPCID runs in the guest only with its secondary control; without it
 * it raises #UD there, so the CPUID exit then hides it (Linux uses it for
 * its global TLB flushes as soon as CPUID offers it).
 */
static void invpcid_check(void)
{
    uint32_t cpu2;

    if (ctls(MSR_IA32_VMX_PROCBASED_CTLS2, vmx_cfg.cpu2 | CPU2_ENABLE_INVPCID, &cpu2)) {
        vmx_cfg.cpu2 = cpu2;
        vmx_cfg.invpcid = true;
    }
}

/*
 * The VMX-preemption timer, where offered: each entry is armed to leave by
 * this pCPU's next timer deadline. External-interrupt exiting alone should
 * do that, but Bochs 2.7 delivers no external interrupt as an exit while
 * the guest runs with IF=0 (the host's CLI before the entry leaves it
 * masked): a busy test kernel then kept its pCPU for seconds, past every
 * tick, and caps went unenforced. On hardware the timer only adds an exit
 * where the interrupt's would have come.
 */
static void preempt_check(void)
{
    bool truectl = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
    uint32_t pin;

    if (ctls(truectl ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
             vmx_cfg.pin | PIN_PREEMPTION_TIMER, &pin)) {
        vmx_cfg.pin = pin;
        vmx_cfg.preempt = true;
        vmx_cfg.preempt_rate = rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPT_RATE_MASK;
    }
}

/*
 * Speculation controls for guests, as KVM and Xen give them, where the CPU
 * has them: SPEC_CTRL (IBRS, STIBP, SSBD) and PRED_CMD (IBPB) go straight
 * to the hardware (no exit: Linux writes SPEC_CTRL on each kernel entry
 * with IBRS), SPEC_CTRL is switched with the vCPU like the syscall MSRs
 * (Mica's own value is 0: it only ever runs with a guest's bits or none),
 * ARCH_CAPABILITIES is read through a filter. CPUID offers what is here.
 */
static void spec_ctrl_check(void)
{
    uint32_t a, b, c, d;

    cpuid_count(7, 0, &a, &b, &c, &d);
    vmx_cfg.spec_ctrl = d & CPUID_7_EDX_SPEC_CTRL;
    vmx_cfg.arch_caps = d & CPUID_7_EDX_ARCH_CAPS;
    vmx_cfg.cpuid_spec = 0;
    if (vmx_cfg.spec_ctrl)
        vmx_cfg.cpuid_spec = d & (CPUID_7_EDX_SPEC_CTRL | CPUID_7_EDX_STIBP | CPUID_7_EDX_SSBD);
    if (vmx_cfg.arch_caps)
        vmx_cfg.cpuid_spec |= CPUID_7_EDX_ARCH_CAPS;
}

/* 1..0xffff, wrapping (0 is the host's). */
static uint16_t vpid_alloc(void)
{
    static uint16_t next;
    uint16_t v;

    do
        v = __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
    while (!v);
    return v;
}

static const char *vmx_cpu_missing(void)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), ept;
    uint32_t dummy;
    const char *missing;

    if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMXON))
        return "Intel VMX (disabled by firmware: IA32_FEATURE_CONTROL is locked with VMXON off)";
    if (!ctls(MSR_IA32_VMX_PROCBASED_CTLS, CPU_SECONDARY_CONTROLS, &dummy))
        return "Intel VMX secondary processor controls (so no EPT)";
    missing = controls_missing();
    if (missing)
        return missing;
    ept = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    if (!(ept & EPT_CAP_WALK_4) || !(ept & EPT_CAP_WB))
        return "EPT with 4-level write-back page tables (IA32_VMX_EPT_VPID_CAP bits 6, 14)";
    if (!(ept & EPT_CAP_INVEPT) || !(ept & EPT_CAP_INVEPT_ALL))
        return "INVEPT for all contexts (IA32_VMX_EPT_VPID_CAP bits 20, 26)";
    vpid_check(ept);
    invpcid_check();
    preempt_check();
    spec_ctrl_check();
    fixed_bits();
    return NULL;
}

static int vmx_hw_init(void)
{
    ept_init();
    pr_info("VMX: EPT (4-level, write-back%s), unrestricted guest, %s\n",
            ept_ad_bits() ? ", A/D bits" : "",
            vmx_cfg.vpid ? "VPID" : "no VPID (guest TLBs flushed on every entry and exit)");
    if (vmx_cfg.spec_ctrl || vmx_cfg.arch_caps)
        pr_info("VMX: guests get%s%s%s%s\n",
                vmx_cfg.spec_ctrl ? " SPEC_CTRL (IBRS) and PRED_CMD (IBPB)" : "",
                vmx_cfg.cpuid_spec & CPUID_7_EDX_STIBP ? ", STIBP" : "",
                vmx_cfg.cpuid_spec & CPUID_7_EDX_SSBD ? ", SSBD" : "",
                vmx_cfg.arch_caps ? ", ARCH_CAPABILITIES" : "");
    if (vmx_cfg.preempt)
        pr_debug("VMX: preemption timer (2^%u TSC cycles a tick) bounds each entry\n",
                 vmx_cfg.preempt_rate);
    return vmx_bitmaps_init();
}

static int vmx_cpu_enable(void)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    uint32_t *region = page_alloc_hyp(0);

    if (!region)
        return -ENOMEM;
    if (!(fc & FEATURE_CONTROL_LOCKED))
        wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON);
    write_cr0((read_cr0() | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1);
    write_cr4(read_cr4() | vmx_cfg.cr4_fixed0 | X86_CR4_VMXE);
    region[0] = vmx_cfg.revision;
    if (!vmxon((paddr_t)(uintptr_t)region)) {
        page_free_hyp(region, 0);
        return -EIO;
    }
    if (vmx_cfg.spec_ctrl)
        wrmsr(MSR_SPEC_CTRL, 0);         /* whatever firmware left: no guest sees it */
    fpu_init_cpu();
    return 0;
}

static int vmx_vcpu_create(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    uint32_t *vmcs = page_alloc_hyp(0);

    x->exit_count = xzalloc(VMX_EXIT_NR * sizeof(uint32_t));
    v->arch.fpu = fpu_alloc_area();
    if (!vmcs || !x->exit_count || !v->arch.fpu) {
        page_free_hyp(vmcs, 0);
        xfree(x->exit_count);
        fpu_free_area(v->arch.fpu);
        return -ENOMEM;
    }
    vmcs[0] = vmx_cfg.revision;
    x->vmcs = vmcs;
    x->vmcs_pa = (paddr_t)(uintptr_t)vmcs;
    x->io_bitmap = (const void *)(uintptr_t)vmx_cfg.io_bitmap;
    x->vpid = vmx_cfg.vpid ? vpid_alloc() : 0;
    x->guest.rflags = X86_EFLAGS_FIXED;
    v->arch.last_pcpu = -1;
    v->arch.xcr0 = XCR0_RESET;
    return 0;
}

static size_t vmx_vcpu_bytes(void)
{
    return PAGE_SIZE + VMX_EXIT_NR * sizeof(uint32_t) + fpu_area_bytes();
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);

    page_free_hyp(x->vmcs, 0);
    xfree(x->exit_count);
    fpu_free_area(v->arch.fpu);
    x->vmcs = NULL;
}

static void vmx_vcpu_platform_io(struct vcpu *v)
{
    vmx_of(v)->io_bitmap = (const void *)(uintptr_t)vmx_cfg.io_bitmap_platform;
}

/* The guest's syscall MSRs are not in the VMCS: they are live while it runs. */
static const uint32_t syscall_msrs[] = {
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
};

/* Make v's VMCS current here, with this pCPU's host state and any new entry state. */
static bool vmx_load(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);

    if (!x->controls_set && !vmclear(x->vmcs_pa))
        return false;
    if (!vmptrld(x->vmcs_pa))
        return false;
    if (!x->controls_set) {
        vmx_write_controls(v);
        x->controls_set = true;
    }
    vmx_write_host_state();
    vmwrite(IO_BITMAP_A, (uintptr_t)x->io_bitmap);
    vmwrite(IO_BITMAP_B, (uintptr_t)x->io_bitmap + PAGE_SIZE);
    if (x->entry_pending) {
        vmx_write_entry(v);
        x->entry_pending = false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(syscall_msrs); i++)
        wrmsr(syscall_msrs[i], x->syscall_msrs[i]);
    if (vmx_cfg.spec_ctrl && x->spec_ctrl)
        wrmsr(MSR_SPEC_CTRL, x->spec_ctrl);
    return true;
}

static void vmx_unload(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);

    for (size_t i = 0; i < ARRAY_SIZE(syscall_msrs); i++)
        x->syscall_msrs[i] = rdmsr(syscall_msrs[i]);
    if (vmx_cfg.spec_ctrl) {
        x->spec_ctrl = rdmsr(MSR_SPEC_CTRL);
        if (x->spec_ctrl)
            wrmsr(MSR_SPEC_CTRL, 0);     /* the next vCPU starts from none */
    }
    vmclear(x->vmcs_pa);
    x->launched = false;
}

/* A flush arch_domain_flush_tlb() asked for, or a new pCPU: drop this EPT's translations here. */
static void flush_check(struct vcpu *v, unsigned int cpu)
{
    bool flush = arch_vcpu_entering_guest(v) || v->arch.last_pcpu != (int)cpu;

    v->arch.last_pcpu = (int)cpu;
    if (flush)
        ept_flush(&v->domain->p2m);
}

/*
 * Arm the preemption timer for this pCPU's next timer deadline; one already
 * passed (its interrupt is pending, or the list is empty) gets the longest
 * wait, so the guest still makes progress between exits.
 */
static void preempt_arm(void)
{
    uint64_t now = now_ns(), when = apic_timer_deadline();
    uint64_t ns = when > now ? MIN(when - now, PREEMPT_MAX_NS) : PREEMPT_MAX_NS;
    uint64_t ticks = (ns * tsc_khz / NS_PER_MS) >> vmx_cfg.preempt_rate;

    vmwrite(GUEST_PREEMPTION_TIMER, MIN(ticks, (uint64_t)UINT32_MAX));
}

/* One entry and exit: false if the entry failed (the domain is killed). */
static bool vmx_enter_once(struct vcpu *v, struct percpu *pc)
{
    struct vmx_vcpu *x = vmx_of(v);
    int failed;

    flush_check(v, pc->cpu);
    vmx_intr_assist(v);
    if (vmx_cfg.preempt)
        preempt_arm();
    write_cr2(x->cr2);
    failed = vmx_enter(&x->gprs, x->launched);
    x->cr2 = read_cr2();
    arch_vcpu_left_guest(v);
    if (failed) {
        domain_crash(v->domain, "vcpu%u: VM entry failed (VM-instruction error %lu)", v->id,
                     vmread(VM_INSTRUCTION_ERROR));
        return false;
    }
    x->launched = true;
    vmx_read_guest(v);
    vmx_intr_exit(v);
    return true;
}

static void vmx_vcpu_run(struct vcpu *v)
{
    struct percpu *pc = this_cpu();

    local_irq_disable();
    if (!vmx_load(v)) {
        local_irq_enable();
        domain_crash(v->domain, "vcpu%u: cannot load its VMCS", v->id);
        return;
    }
    fpu_restore(v->arch.fpu, v->arch.xcr0);
    while (!pc->need_resched && v->state == VCPU_RUNNING) {
        if (!vmx_enter_once(v, pc))
            break;
        local_irq_enable();                /* a pending interrupt is taken here */
        vmx_handle_exit(v);
        local_irq_disable();
    }
    fpu_save(v->arch.fpu, &v->arch.xcr0);
    vmx_unload(v);
    local_irq_enable();
}

static void vmx_vcpu_paging(struct vcpu *v, struct guest_paging *gp)
{
    const struct vmx_guest *g = &vmx_of(v)->guest;

    gp->cr0 = g->cr0;
    gp->cr3 = g->cr3;
    gp->cr4 = g->cr4;
    gp->efer = g->efer;
    gp->cs_base = g->cs_base;
    gp->cs_long = (g->efer & EFER_LMA) && (g->cs_ar & VMX_AR_FROM_ATTR(SEG_ATTR_L));
    gp->cpl = (g->ss_ar >> SEG_ATTR_DPL_SHIFT) & 3;
    gp->rflags = g->rflags;
}

static uint32_t vmx_cpuid_spec_ctrl(void)
{
    return vmx_cfg.cpuid_spec;
}

static void vmx_set_cr2(struct vcpu *v, uint64_t cr2)
{
    vmx_of(v)->cr2 = cr2;                /* loaded by vmx_enter_once() */
}

static uint64_t vmx_vcpu_tsc_offset(struct vcpu *v)
{
    return vmx_of(v)->tsc_offset;
}

const struct vcpu_vendor_ops vmx_vcpu_ops = {
    .name = "Intel VMX",
    .cpu_present = vmx_cpu_present,
    .cpu_missing = vmx_cpu_missing,
    .hw_init = vmx_hw_init,
    .cpu_enable = vmx_cpu_enable,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_bytes = vmx_vcpu_bytes,
    .vcpu_set_entry64 = vmx_entry64,
    .vcpu_set_startup = vmx_entry_startup,
    .vcpu_platform_io = vmx_vcpu_platform_io,
    .vcpu_run = vmx_vcpu_run,
    .vcpu_paging = vmx_vcpu_paging,
    .vcpu_event_pending = vmx_event_pending,
    .vcpu_tsc_offset = vmx_vcpu_tsc_offset,
    .vcpu_get_gpr = vmx_get_gpr,
    .vcpu_set_gpr = vmx_set_gpr,
    .vcpu_get_rip = vmx_get_rip,
    .vcpu_advance_rip = vmx_advance_rip,
    .vcpu_inject_exception = vmx_inject_exception,
    .vcpu_set_cr2 = vmx_set_cr2,
    .cpuid_spec_ctrl = vmx_cpuid_spec_ctrl,
    .vcpu_dump_exits = vmx_dump_exits,
    .vcpu_dump_state = vmx_dump_state,
};
