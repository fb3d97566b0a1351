/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMX exit handling: one table indexed by basic exit reason, a small
 * handler each, one default that reports the exit and kills the domain
 * (as svm_exit.c). VMX gives instruction lengths, so nothing is decoded
 * except VMMCALL, Mica's hypercall instruction, which raises #UD on Intel:
 * #UD is intercepted and a VMMCALL at RIP is taken as a hypercall, as KVM
 * does (VMCALL works too).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <asm/x86.h>
#include <asm/cpuid.h>
#include <asm/fpu.h>
#include <asm/vplatform_dev.h>
#include <asm/vlapic.h>
#include <asm/mmio.h>
#include <asm/vmx_priv.h>

#define VEC_UD  6
#define VEC_GP  13
#define VMMCALL_LEN 3

typedef void (*exit_handler_t)(struct vcpu *v);

static uint64_t *gpr(struct vcpu *v, unsigned int n)
{
    return &vmx_of(v)->gprs.r[n & 15];
}

static uint64_t edx_eax(struct vcpu *v)
{
    return (uint32_t)*gpr(v, VMX_RAX) | (*gpr(v, VMX_RDX) << 32);
}

static unsigned int cpl(struct vcpu *v)
{
    return (vmx_of(v)->guest.ss_ar >> SEG_ATTR_DPL_SHIFT) & 3;
}

void vmx_inject_exception(struct vcpu *v, unsigned int vector, bool has_err, uint32_t err)
{
    struct vmx_vcpu *x = vmx_of(v);

    x->inject = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector |
                (has_err ? INTR_INFO_DELIVER_CODE : 0);
    x->inject_err = err;
}

static void advance(struct vcpu *v, unsigned int len)
{
    struct vmx_guest *g = &vmx_of(v)->guest;
    bool long64 = (g->efer & EFER_LMA) && (g->cs_ar & VMX_AR_FROM_ATTR(SEG_ATTR_L));

    g->rip += len;
    if (!long64)
        g->rip = (uint32_t)g->rip;
    vmwrite(GUEST_RIP, g->rip);
    if (g->intr_state & INTR_SHADOW) {   /* an executed instruction ends the STI/MOV SS shadow */
        g->intr_state &= ~INTR_SHADOW;
        vmwrite(GUEST_INTERRUPTIBILITY_INFO, g->intr_state);
    }
}

uint64_t vmx_get_gpr(struct vcpu *v, unsigned int n)
{
    return (n & 15) == VMX_RSP ? vmx_of(v)->guest.rsp : *gpr(v, n);
}

void vmx_set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    if ((n & 15) != VMX_RSP) {
        *gpr(v, n) = val;
        return;
    }
    vmx_of(v)->guest.rsp = val;
    vmwrite(GUEST_RSP, val);
}

uint64_t vmx_get_rip(struct vcpu *v)
{
    return vmx_of(v)->guest.rip;
}

void vmx_advance_rip(struct vcpu *v, unsigned int len)
{
    advance(v, len);
}

static void skip(struct vcpu *v)
{
    advance(v, (unsigned int)vmread(VM_EXIT_INSTRUCTION_LEN));
}

static void exit_nothing(struct vcpu *v)
{
    (void)v;
}

static void exit_ud(struct vcpu *v)
{
    vmx_inject_exception(v, VEC_UD, false, 0);
}

static void exit_gp(struct vcpu *v)
{
    vmx_inject_exception(v, VEC_GP, true, 0);
}

static void hypercall(struct vcpu *v, unsigned int len)
{
    uint64_t args[5] = { *gpr(v, VMX_RDI), *gpr(v, VMX_RSI), *gpr(v, VMX_RDX),
                         *gpr(v, VMX_R10), *gpr(v, VMX_R8) };

    if (cpl(v) != 0) {                    /* guest user space may not call us */
        exit_ud(v);
        return;
    }
    advance(v, len);
    *gpr(v, VMX_RAX) = (uint64_t)hypercall_dispatch(v, *gpr(v, VMX_RAX), args);
}

static void exit_vmcall(struct vcpu *v)
{
    hypercall(v, (unsigned int)vmread(VM_EXIT_INSTRUCTION_LEN));
}

/* #UD: a VMMCALL (0f 01 d9) is a hypercall; anything else gets its #UD. */
static void exception_ud(struct vcpu *v)
{
    static const uint8_t vmmcall[VMMCALL_LEN] = { 0x0f, 0x01, 0xd9 };
    const struct vmx_guest *g = &vmx_of(v)->guest;
    uint8_t buf[VMMCALL_LEN];

    if (!copy_from_guest(v, buf, g->cs_base + g->rip, sizeof(buf)) &&
        !memcmp(buf, vmmcall, sizeof(buf))) {
        hypercall(v, VMMCALL_LEN);
        return;
    }
    exit_ud(v);
}

static void exit_exception(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);

    if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI)
        return;                           /* the host's: nothing uses NMIs today */
    if ((info & INTR_INFO_VECTOR) == VEC_UD) {
        exception_ud(v);
        return;
    }
    domain_crash(v->domain, "vcpu%u: unexpected exception exit %#x at rip %#lx", v->id, info,
                 (unsigned long)vmx_of(v)->guest.rip);
}

#define CPUID_7_EBX_INVPCID  (1u << 10)

static void exit_cpuid(struct vcpu *v)
{
    uint32_t leaf = (uint32_t)*gpr(v, VMX_RAX), sub = (uint32_t)*gpr(v, VMX_RCX), r[4];

    guest_cpuid(v, leaf, sub, r);
    if (leaf == 7 && sub == 0 && !vmx_cfg.invpcid)
        r[1] &= ~CPUID_7_EBX_INVPCID;              /* it would raise #UD (vmx.c) */
    *gpr(v, VMX_RAX) = r[0];
    *gpr(v, VMX_RBX) = r[1];
    *gpr(v, VMX_RCX) = r[2];
    *gpr(v, VMX_RDX) = r[3];
    skip(v);
}

static void exit_skip(struct vcpu *v)
{
    skip(v);                              /* INVD, WBINVD: not a guest's call */
}

static void exit_hlt(struct vcpu *v)
{
    skip(v);
    vcpu_halt(v, vmx_of(v)->guest.rflags & X86_EFLAGS_IF);
}

/*
 * INS/OUTS: the CPU gives the element's linear address (segment and
 * override applied) and the address size; vio.c does the rest.
 */
static void exit_io_string(struct vcpu *v, uint16_t port, unsigned int bytes)
{
    struct vmx_vcpu *x = vmx_of(v);
    unsigned int asz = (vmread(VMX_INSTRUCTION_INFO) >> INSN_INFO_ADDR_SIZE_SHIFT) &
                       INSN_INFO_ADDR_SIZE_MASK;
    uint64_t la = vmread(GUEST_LINEAR_ADDRESS), ptr;
    struct vio_string s = {
        .port = port, .size = bytes, .addr_bytes = 2u << asz,
        .in = x->exit_qual & IO_QUAL_IN, .rep = x->exit_qual & IO_QUAL_REP,
        .down = x->guest.rflags & X86_EFLAGS_DF,
    };
    int rc;

    if (asz > 2) {
        domain_crash(v->domain, "string I/O on port %#x: address size %u", port, asz);
        return;
    }
    ptr = *gpr(v, s.in ? VMX_RDI : VMX_RSI) & (s.addr_bytes == 8 ? ~0ull :
                                               (1ull << (8 * s.addr_bytes)) - 1);
    s.seg_base = la - ptr;                /* the base the CPU applied */
    rc = vio_string(v, &s);
    if (rc < 0)
        domain_crash(v->domain, "string I/O on port %#x: guest address %#lx is not its memory",
                     port, (unsigned long)la);
    else if (rc == 0)
        skip(v);
}

static void exit_io(struct vcpu *v)
{
    uint64_t q = vmx_of(v)->exit_qual;
    uint16_t port = (uint16_t)(q >> IO_QUAL_PORT_SHIFT);
    unsigned int bytes = (unsigned int)(q & IO_QUAL_SIZE_MASK) + 1;
    uint64_t mask = (1ull << (8 * bytes)) - 1, *rax = gpr(v, VMX_RAX);

    if (q & IO_QUAL_STRING) {
        exit_io_string(v, port, bytes);
        return;
    }
    if (q & IO_QUAL_IN)
        *rax = (*rax & ~mask) | (vio_read(v, port, bytes) & mask);
    else
        vio_write(v, port, bytes, (uint32_t)(*rax & mask));
    skip(v);
}

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));

        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

/*
 * What IA32_ARCH_CAPABILITIES tells a guest: the CPU's "not affected" and
 * mitigation-present bits (RDCL_NO, IBRS_ALL, RSBA, SKIP_L1DFL_VMENTRY,
 * SSB_NO, MDS_NO, PSCHANGE_MC_NO, TAA_NO, the MMIO stale data NO bits,
 * FB_CLEAR, RRSBA, BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO), as KVM's; never the
 * controls behind MSRs Mica does not give guests (TSX_CTRL, FB_CLEAR_CTRL...).
 */
#define ARCH_CAPS_GUEST  (ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_RSBA | \
                          ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | \
                          ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | ARCH_CAP_SBDR_SSDP_NO | \
                          ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | ARCH_CAP_FB_CLEAR | \
                          ARCH_CAP_RRSBA | ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | \
                          ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO)

static int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vmx_vcpu *x = vmx_of(v);

    switch (msr) {
    case MSR_EFER:       *val = x->guest.efer; return 0;
    case MSR_PAT:        *val = vmread(GUEST_IA32_PAT); return 0;
    case MSR_TSC:        *val = rdtsc() + x->tsc_offset; return 0;
    case MSR_TSC_ADJUST:
        if (!v->domain->plat)
            return -EINVAL;
        *val = x->tsc_offset;
        return 0;
    case MSR_ARCH_CAPABILITIES:
        if (!vmx_cfg.arch_caps)
            return -EINVAL;
        *val = rdmsr(MSR_ARCH_CAPABILITIES) & ARCH_CAPS_GUEST;
        return 0;
    default:
        return vmsr_read(v, msr, val);
    }
}

static int efer_write(struct vcpu *v, uint64_t val)
{
    struct vmx_guest *g = &vmx_of(v)->guest;

    if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
        return -EINVAL;
    if ((g->cr0 & X86_CR0_PG) && ((val ^ g->efer) & EFER_LME))
        return -EINVAL;                   /* LME may not change with paging on */
    g->efer = (val & ~EFER_LMA) | (g->efer & EFER_LMA);
    vmwrite(GUEST_IA32_EFER, g->efer);
    return 0;
}

static int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_EFER:
        return efer_write(v, val);
    case MSR_PAT:
        if (!pat_valid(val))
            return -EINVAL;
        vmwrite(GUEST_IA32_PAT, val);
        return 0;
    case MSR_TSC_ADJUST:
        if (!v->domain->plat)
            return -EINVAL;
        vmx_of(v)->tsc_offset = val;
        vmwrite(TSC_OFFSET, val);
        return 0;
    default:
        return vmsr_write(v, msr, val);
    }
}

static void exit_rdmsr(struct vcpu *v)
{
    uint64_t val;

    if (msr_read(v, (uint32_t)*gpr(v, VMX_RCX), &val)) {
        exit_gp(v);
        return;
    }
    *gpr(v, VMX_RAX) = (uint32_t)val;
    *gpr(v, VMX_RDX) = val >> 32;
    skip(v);
}

static void exit_wrmsr(struct vcpu *v)
{
    if (msr_write(v, (uint32_t)*gpr(v, VMX_RCX), edx_eax(v)))
        exit_gp(v);
    else
        skip(v);
}

static void exit_xsetbv(struct vcpu *v)
{
    if ((uint32_t)*gpr(v, VMX_RCX) != 0 || cpl(v) != 0 ||
        fpu_set_guest_xcr0(&v->arch.xcr0, edx_eax(v)))
        exit_gp(v);
    else
        skip(v);
}

/* MOV to CR0: the bits VMX fixes stay set underneath, the guest sees its own. */
static int cr0_write(struct vcpu *v, uint64_t val)
{
    struct vmx_guest *g = &vmx_of(v)->guest;
    uint32_t entry = (uint32_t)vmread(VM_ENTRY_CONTROLS);

    if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
        return -EINVAL;
    if ((val & X86_CR0_PG) && (g->efer & EFER_LME)) {
        g->efer |= EFER_LMA;
        entry |= ENTRY_IA32E_MODE;
    } else {
        g->efer &= ~EFER_LMA;
        entry &= ~ENTRY_IA32E_MODE;
    }
    g->cr0 = val;
    vmwrite(GUEST_CR0, (val | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1);
    vmwrite(CR0_READ_SHADOW, val);
    vmwrite(GUEST_IA32_EFER, g->efer);
    vmwrite(VM_ENTRY_CONTROLS, entry);
    return 0;
}

static int cr4_write(struct vcpu *v, uint64_t val)
{
    if ((val & X86_CR4_VMXE) || (val & ~vmx_cfg.cr4_fixed1 & ~X86_CR4_VMXE))
        return -EINVAL;                   /* VMX is hidden; bits this CPU lacks */
    vmx_of(v)->guest.cr4 = val;
    vmwrite(GUEST_CR4, val | vmx_cfg.cr4_fixed0);
    vmwrite(CR4_READ_SHADOW, val);
    return 0;
}

/* CR8 is the local APIC's TPR[7:4]; without one it reads 0 and ignores writes. */
static int cr_access(struct vcpu *v, unsigned int cr, bool to, uint64_t *reg)
{
    struct vlapic *l = v->arch.vlapic;

    switch (cr) {
    case 0: return to ? cr0_write(v, *reg) : -EINVAL;   /* reads use the shadow */
    case 4: return to ? cr4_write(v, *reg) : -EINVAL;
    case 3:
        if (to)
            vmwrite(GUEST_CR3, *reg);
        else
            *reg = vmread(GUEST_CR3);
        return 0;
    case 8:
        if (!to)
            *reg = l ? l->tpr >> 4 : 0;
        else if (*reg > 0xf)
            return -EINVAL;
        else if (l)
            l->tpr = (uint32_t)*reg << 4;
        return 0;
    default:
        return -EINVAL;
    }
}

static void exit_cr_access(struct vcpu *v)
{
    uint64_t q = vmx_of(v)->exit_qual;
    unsigned int type = (q >> CR_QUAL_TYPE_SHIFT) & CR_QUAL_TYPE_MASK;
    unsigned int n = (q >> CR_QUAL_GPR_SHIFT) & CR_QUAL_GPR_MASK;
    uint64_t val = n == VMX_RSP ? vmx_of(v)->guest.rsp : *gpr(v, n);

    if ((type != CR_QUAL_MOV_TO && type != CR_QUAL_MOV_FROM) ||
        cr_access(v, q & CR_QUAL_NUM_MASK, type == CR_QUAL_MOV_TO, &val)) {
        exit_gp(v);
        return;
    }
    if (type == CR_QUAL_MOV_FROM && n != VMX_RSP)
        *gpr(v, n) = val;
    skip(v);
}

/* An emulated device page (mmio.c), or an access outside the domain's memory. */
static void exit_ept_violation(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    uint64_t gpa = vmread(GUEST_PHYSICAL_ADDRESS);
    const struct mmio_device *dev = mmio_device_at(v, gpa);

    if (dev) {
        /* Not an instruction's access: the CPU was pushing a frame or reading a gate. */
        if (x->inject & INTR_INFO_VALID) {
            domain_crash(v->domain, "event %#x delivered through %s page at rip %#lx",
                         x->inject, dev->name, (unsigned long)x->guest.rip);
            return;
        }
        if (mmio_emulate(v, dev, gpa))
            domain_crash(v->domain, "cannot emulate the instruction at rip %#lx on %s",
                         (unsigned long)x->guest.rip, dev->name);
        return;
    }
    domain_crash(v->domain, "vcpu%u: %s guest-physical %#lx outside its memory at rip %#lx",
                 v->id, (x->exit_qual & EPT_QUAL_WRITE) ? "write to" : "access to",
                 (unsigned long)gpa, (unsigned long)x->guest.rip);
}

static void exit_triple_fault(struct vcpu *v)
{
    vmx_dump_state(v);
    domain_crash(v->domain, "triple fault at rip %#lx", (unsigned long)vmx_of(v)->guest.rip);
}

static const char *exit_name(unsigned int reason);

static void exit_unexpected(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    const char *name = exit_name(x->exit_reason & EXIT_REASON_MASK);

    vmx_dump_state(v);
    domain_crash(v->domain, "unexpected exit %#x (%s, qualification %#lx) at rip %#lx",
                 x->exit_reason, name ? name : "unknown", (unsigned long)x->exit_qual,
                 (unsigned long)x->guest.rip);
}

static const exit_handler_t exit_handlers[VMX_EXIT_NR] = {
    [EXIT_EXCEPTION_NMI] = exit_exception,
    [EXIT_EXTERNAL_INTERRUPT] = exit_nothing,   /* the host takes it once IF is set */
    [EXIT_PREEMPTION_TIMER] = exit_nothing,     /* as the interrupt it stands in for */
    [EXIT_TRIPLE_FAULT] = exit_triple_fault,
    [EXIT_INIT] = exit_nothing,
    [EXIT_SIPI] = exit_nothing,
    [EXIT_INTERRUPT_WINDOW] = exit_nothing,     /* vmx_intr_assist() offers it now */
    [EXIT_NMI_WINDOW] = exit_nothing,
    [EXIT_CPUID] = exit_cpuid,
    [EXIT_GETSEC] = exit_ud,
    [EXIT_HLT] = exit_hlt,
    [EXIT_INVD] = exit_skip,
    [EXIT_WBINVD] = exit_skip,
    [EXIT_RDPMC] = exit_gp,                     /* no PMU in CPUID */
    [EXIT_VMCALL] = exit_vmcall,
    [EXIT_VMCLEAR] = exit_ud,                   /* no nested virtualization */
    [EXIT_VMLAUNCH] = exit_ud,
    [EXIT_VMPTRLD] = exit_ud,
    [EXIT_VMPTRST] = exit_ud,
    [EXIT_VMREAD] = exit_ud,
    [EXIT_VMRESUME] = exit_ud,
    [EXIT_VMWRITE] = exit_ud,
    [EXIT_VMXOFF] = exit_ud,
    [EXIT_VMXON] = exit_ud,
    [EXIT_INVEPT] = exit_ud,
    [EXIT_INVVPID] = exit_ud,
    [EXIT_VMFUNC] = exit_ud,
    [EXIT_RDTSCP] = exit_ud,                    /* hidden in CPUID */
    [EXIT_MONITOR] = exit_ud,
    [EXIT_MWAIT] = exit_ud,
    [EXIT_CR_ACCESS] = exit_cr_access,
    [EXIT_IO_INSTRUCTION] = exit_io,
    [EXIT_MSR_READ] = exit_rdmsr,
    [EXIT_MSR_WRITE] = exit_wrmsr,
    [EXIT_XSETBV] = exit_xsetbv,
    [EXIT_EPT_VIOLATION] = exit_ept_violation,
};

void vmx_handle_exit(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    unsigned int reason = x->exit_reason & EXIT_REASON_MASK;

    x->exits++;
    if (x->exit_reason & EXIT_REASON_ENTRY_FAILED) {
        vmx_dump_state(v);
        domain_crash(v->domain, "VM entry refused the guest state (exit reason %#x, qualification %#lx)",
                     x->exit_reason, (unsigned long)x->exit_qual);
        return;
    }
    if (reason < VMX_EXIT_NR) {
        x->exit_count[reason]++;
        if (exit_handlers[reason]) {
            exit_handlers[reason](v);
            return;
        }
    }
    exit_unexpected(v);
}

/* The basic exit reason's name, as in the dumps (Xen's and KVM's spellings), or NULL. */
static const char *exit_name(unsigned int reason)
{
    static const char *const names[VMX_EXIT_NR] = {
        [EXIT_EXCEPTION_NMI] = "exception", [EXIT_EXTERNAL_INTERRUPT] = "intr",
        [EXIT_TRIPLE_FAULT] = "triple_fault", [EXIT_INIT] = "init", [EXIT_SIPI] = "sipi",
        [EXIT_INTERRUPT_WINDOW] = "intr_window", [EXIT_NMI_WINDOW] = "nmi_window",
        [EXIT_TASK_SWITCH] = "task_switch", [EXIT_CPUID] = "cpuid", [EXIT_GETSEC] = "getsec",
        [EXIT_HLT] = "hlt", [EXIT_INVD] = "invd", [EXIT_INVLPG] = "invlpg",
        [EXIT_RDPMC] = "rdpmc", [EXIT_RDTSC] = "rdtsc", [EXIT_VMCALL] = "vmcall",
        [EXIT_VMCLEAR] = "vmclear", [EXIT_VMLAUNCH] = "vmlaunch", [EXIT_VMPTRLD] = "vmptrld",
        [EXIT_VMPTRST] = "vmptrst", [EXIT_VMREAD] = "vmread", [EXIT_VMRESUME] = "vmresume",
        [EXIT_VMWRITE] = "vmwrite", [EXIT_VMXOFF] = "vmxoff", [EXIT_VMXON] = "vmxon",
        [EXIT_CR_ACCESS] = "cr", [EXIT_DR_ACCESS] = "dr", [EXIT_IO_INSTRUCTION] = "io",
        [EXIT_MSR_READ] = "rdmsr", [EXIT_MSR_WRITE] = "wrmsr",
        [EXIT_INVALID_GUEST_STATE] = "bad_guest_state", [EXIT_MSR_LOADING] = "msr_loading",
        [EXIT_MWAIT] = "mwait", [EXIT_MONITOR] = "monitor", [EXIT_PAUSE] = "pause",
        [EXIT_MCE_DURING_ENTRY] = "mce_entry", [EXIT_EPT_VIOLATION] = "ept_violation",
        [EXIT_EPT_MISCONFIG] = "ept_misconfig", [EXIT_INVEPT] = "invept",
        [EXIT_RDTSCP] = "rdtscp", [EXIT_PREEMPTION_TIMER] = "preempt_timer",
        [EXIT_INVVPID] = "invvpid", [EXIT_WBINVD] = "wbinvd", [EXIT_XSETBV] = "xsetbv",
        [EXIT_RDRAND] = "rdrand", [EXIT_INVPCID] = "invpcid", [EXIT_VMFUNC] = "vmfunc",
        [EXIT_RDSEED] = "rdseed", [EXIT_XSAVES] = "xsaves", [EXIT_XRSTORS] = "xrstors",
    };

    return reason < VMX_EXIT_NR ? names[reason] : NULL;
}

void vmx_dump_exits(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    char buf[320];
    int n = 0;

    for (unsigned int c = 0; c < VMX_EXIT_NR && n < (int)sizeof(buf) - 32; c++) {
        if (!x->exit_count[c])
            continue;
        if (exit_name(c))
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s=%u", exit_name(c),
                          x->exit_count[c]);
        else
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, " exit%u=%u", c, x->exit_count[c]);
    }
    pr_info("d%u vcpu%u: %lu exits:%s\n", v->domain->id, v->id,
            (unsigned long)x->exits, n ? buf : " none");
}

/* Its state at its last exit (older if it runs now). */
void vmx_dump_state(struct vcpu *v)
{
    const struct vmx_vcpu *x = vmx_of(v);
    const struct vmx_guest *g = &x->guest;
    const char *name = exit_name(x->exit_reason & EXIT_REASON_MASK);

    pr_info("  d%u vcpu%u: rip %#lx rsp %#lx rflags %#lx intr %#x cr0 %#lx cr3 %#lx cr4 %#lx "
            "efer %#lx cs_ar %#x ss_ar %#x exit %#x (%s) qual %#lx exits %lu\n",
            v->domain->id, v->id, (unsigned long)g->rip, (unsigned long)g->rsp,
            (unsigned long)g->rflags, g->intr_state, (unsigned long)g->cr0,
            (unsigned long)g->cr3, (unsigned long)g->cr4, (unsigned long)g->efer, g->cs_ar,
            g->ss_ar, x->exit_reason, name ? name : "unknown", (unsigned long)x->exit_qual,
            (unsigned long)x->exits);
    if (v->arch.vlapic)
        vlapic_dump(v);
}
