/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVM exit handling: one table indexed by exit code, a small handler each,
 * and one default that reports the exit and kills the domain. The CPU we
 * run on (QEMU TCG) has no next-RIP saving, so instruction lengths come
 * from decoding the guest's instruction bytes.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <public/sched.h>
#include <asm/x86.h>
#include <asm/svm_priv.h>
#include <asm/cpuid.h>
#include <asm/fpu.h>
#include <asm/vplatform_dev.h>
#include <asm/vlapic.h>
#include <asm/insn.h>
#include <asm/mmio.h>

#define VEC_UD  6
#define VEC_GP  13

typedef void (*exit_handler_t)(struct vcpu *v, struct vmcb *vm);

void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_err,
                          uint32_t err)
{
    svm_of(v)->vmcb->eventinj = EVENT_VALID | EVENT_TYPE_EXC | vector |
        (has_err ? EVENT_ERR_VALID | ((uint64_t)err << EVENT_ERR_SHIFT) : 0);
}

void svm_advance_rip(struct vcpu *v, unsigned int len)
{
    struct vmcb *vm = svm_of(v)->vmcb;

    vm->rip += len;
    if (!(vm->cs.attr & SEG_ATTR_L) || !(vm->efer & EFER_LMA))
        vm->rip = (uint32_t)vm->rip;
    vm->int_state = 0;               /* an executed instruction ends the STI/MOV SS shadow */
}

/* Guest register n (0 = RAX ... 15 = R15): RAX and RSP live in the VMCB. */
uint64_t svm_get_gpr(struct vcpu *v, unsigned int n)
{
    const struct guest_gprs *g = &svm_of(v)->gprs;
    const struct vmcb *vm = svm_of(v)->vmcb;
    const uint64_t regs[16] = {
        vm->rax, g->rcx, g->rdx, g->rbx, vm->rsp, g->rbp, g->rsi, g->rdi,
        g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15,
    };

    return regs[n & 15];
}

void svm_set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    struct guest_gprs *g = &svm_of(v)->gprs;
    struct vmcb *vm = svm_of(v)->vmcb;
    uint64_t *const regs[16] = {
        NULL, &g->rcx, &g->rdx, &g->rbx, NULL, &g->rbp, &g->rsi, &g->rdi,
        &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
    };

    if ((n & 15) == 0)
        vm->rax = val;
    else if ((n & 15) == 4)
        vm->rsp = val;
    else
        *regs[n & 15] = val;
}

int svm_insn_len(struct vcpu *v, const uint8_t *op, unsigned int oplen)
{
    struct guest_paging gp;
    uint8_t buf[INSN_MAX_LEN];
    size_t got = vcpu_fetch_insn(v, buf);

    arch_vcpu_paging(v, &gp);
    if (!got)
        return -EFAULT;
    return insn_opcode_len(buf, got, gp.cs_long, op, oplen);
}

/* Skip an instruction we emulated, or kill the domain if it isn't there. */
static bool skip_insn(struct vcpu *v, const uint8_t *op, unsigned int oplen)
{
    int len = svm_insn_len(v, op, oplen);

    if (len < 0) {
        domain_crash(v->domain, "cannot decode the instruction at rip %#lx",
                     (unsigned long)svm_of(v)->vmcb->rip);
        return false;
    }
    svm_advance_rip(v, (unsigned int)len);
    return true;
}

static void exit_nothing(struct vcpu *v, struct vmcb *vm)
{
    (void)v;
    (void)vm;
}

static void exit_ud(struct vcpu *v, struct vmcb *vm)
{
    (void)vm;
    svm_inject_exception(v, VEC_UD, false, 0);
}

static void exit_cpuid(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t op[] = { 0x0f, 0xa2 };
    uint32_t r[4];

    guest_cpuid(v, (uint32_t)vm->rax, (uint32_t)svm_of(v)->gprs.rcx, r);
    if (!skip_insn(v, op, sizeof(op)))
        return;
    vm->rax = r[0];
    svm_of(v)->gprs.rbx = r[1];
    svm_of(v)->gprs.rcx = r[2];
    svm_of(v)->gprs.rdx = r[3];
}

static void exit_invd(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t op[] = { 0x0f, 0x08 };

    (void)vm;
    skip_insn(v, op, sizeof(op));        /* dropping caches is not a guest's call */
}

static void exit_hlt(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t op[] = { 0xf4 };

    if (skip_insn(v, op, sizeof(op)))
        vcpu_halt(v, vm->rflags & X86_EFLAGS_IF);
}

/*
 * The address size EXITINFO1 gives, else (QEMU sets none of its bits) the
 * code segment's default: an address-size prefix is then not seen.
 */
static unsigned int ioio_addr_bytes(const struct vmcb *vm, uint64_t info)
{
    if (info & (IOIO_A16 | IOIO_A32 | IOIO_A64))
        return (info & IOIO_A64) ? 8 : (info & IOIO_A32) ? 4 : 2;
    if ((vm->efer & EFER_LMA) && (vm->cs.attr & SEG_ATTR_L))
        return 8;
    return (vm->cs.attr & SEG_ATTR_DB) ? 4 : 2;
}

/*
 * INS/OUTS: INS writes ES:rDI, OUTS reads DS:rSI (a segment override on
 * OUTS is not seen: EXITINFO1's segment field needs decode assists, which
 * QEMU does not give); vio.c does the rest.
 */
static void exit_ioio_string(struct vcpu *v, struct vmcb *vm, uint16_t port, unsigned int bytes)
{
    uint64_t info = vm->exitinfo1;
    struct vio_string s = {
        .port = port, .size = bytes, .addr_bytes = ioio_addr_bytes(vm, info),
        .in = info & IOIO_TYPE_IN, .rep = info & IOIO_REP,
        .down = vm->rflags & X86_EFLAGS_DF,
        .seg_base = (info & IOIO_TYPE_IN) ? vm->es.base : vm->ds.base,
    };
    int rc;

    if ((vm->efer & EFER_LMA) && (vm->cs.attr & SEG_ATTR_L))
        s.seg_base = 0;                   /* 64-bit mode: ES and DS have no base */
    rc = vio_string(v, &s);

    if (rc < 0) {
        domain_crash(v->domain, "string I/O on port %#x: an element's address is not its memory",
                     port);
        return;
    }
    if (rc == 0) {
        vm->rip = vm->exitinfo2;
        vm->int_state = 0;
    }
}

static void exit_ioio(struct vcpu *v, struct vmcb *vm)
{
    uint64_t info = vm->exitinfo1;
    uint16_t port = (uint16_t)(info >> IOIO_PORT_SHIFT);
    unsigned int bytes = (info & IOIO_SZ32) ? 4 : (info & IOIO_SZ16) ? 2 : 1;
    uint64_t mask = (1ull << (8 * bytes)) - 1;

    if (info & IOIO_STR) {
        exit_ioio_string(v, vm, port, bytes);
        return;
    }
    if (info & IOIO_TYPE_IN)
        vm->rax = (vm->rax & ~mask) | (vio_read(v, port, bytes) & mask);
    else
        vio_write(v, port, bytes, (uint32_t)(vm->rax & mask));
    vm->rip = vm->exitinfo2;
    vm->int_state = 0;
}

static int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    const struct vmcb *vm = svm_of(v)->vmcb;

    switch (msr) {
    case MSR_EFER:
        *val = vm->efer & ~EFER_SVME;
        return 0;
    case MSR_PAT:
        *val = vm->g_pat;
        return 0;
    case MSR_TSC:
        *val = rdtsc() + vm->tsc_offset;
        return 0;
    case MSR_TSC_ADJUST:
        if (!v->domain->plat)
            return -EINVAL;
        *val = vm->tsc_offset;             /* the domain's own offset is 0 */
        return 0;
    default:
        return vmsr_read(v, msr, val);
    }
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

static int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vmcb *vm = svm_of(v)->vmcb;
    uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

    switch (msr) {
    case MSR_EFER:
        if (val & ~allowed)
            return -EINVAL;
        if ((vm->cr0 & X86_CR0_PG) && ((val ^ vm->efer) & EFER_LME))
            return -EINVAL;              /* LME may not change with paging on */
        vm->efer = (val & ~EFER_LMA) | (vm->efer & EFER_LMA) | EFER_SVME;
        return 0;
    case MSR_PAT:
        if (!pat_valid(val))
            return -EINVAL;
        vm->g_pat = val;
        return 0;
    case MSR_TSC_ADJUST:                   /* moves this vCPU's TSC by the change */
        if (!v->domain->plat)
            return -EINVAL;
        vm->tsc_offset = val;
        return 0;
    default:
        return vmsr_write(v, msr, val);
    }
}

static void exit_msr(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t rd[] = { 0x0f, 0x32 }, wr[] = { 0x0f, 0x30 };
    bool write = vm->exitinfo1 & MSR_EXIT_WRITE;
    uint32_t msr = (uint32_t)svm_of(v)->gprs.rcx;
    uint64_t val = (vm->rax & 0xffffffffull) | (svm_of(v)->gprs.rdx << 32);
    int rc = write ? msr_write(v, msr, val) : msr_read(v, msr, &val);

    if (rc) {
        svm_inject_exception(v, VEC_GP, true, 0);
        return;
    }
    if (!skip_insn(v, write ? wr : rd, 2) || write)
        return;
    vm->rax = (uint32_t)val;
    svm_of(v)->gprs.rdx = val >> 32;
}

static void exit_xsetbv(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t op[] = { 0x0f, 0x01, 0xd1 };
    uint64_t val = (vm->rax & 0xffffffffull) | (svm_of(v)->gprs.rdx << 32);

    if ((uint32_t)svm_of(v)->gprs.rcx != 0 || vm->cpl != 0 ||
        fpu_set_guest_xcr0(&v->arch.xcr0, val)) {
        svm_inject_exception(v, VEC_GP, true, 0);
        return;
    }
    skip_insn(v, op, sizeof(op));
}

static void exit_vmmcall(struct vcpu *v, struct vmcb *vm)
{
    static const uint8_t op[] = { 0x0f, 0x01, 0xd9 };
    const struct guest_gprs *g = &svm_of(v)->gprs;
    uint64_t args[5] = { g->rdi, g->rsi, g->rdx, g->r10, g->r8 };

    if (vm->cpl != 0) {                  /* guest user space may not call us */
        svm_inject_exception(v, VEC_UD, false, 0);
        return;
    }
    if (!skip_insn(v, op, sizeof(op)))
        return;
    vm->rax = (uint64_t)hypercall_dispatch(v, vm->rax, args);
}

static void exit_npf(struct vcpu *v, struct vmcb *vm)
{
    const struct mmio_device *dev = mmio_device_at(v, vm->exitinfo2);

    if (dev) {
        /* Not an instruction's access: the CPU was pushing a frame or reading a gate. */
        if (vm->exitintinfo & EVENT_VALID) {
            domain_crash(v->domain, "event %#lx delivered through %s page at rip %#lx",
                         (unsigned long)vm->exitintinfo, dev->name, (unsigned long)vm->rip);
            return;
        }
        if (mmio_emulate(v, dev, vm->exitinfo2))
            domain_crash(v->domain, "cannot emulate the instruction at rip %#lx on %s",
                         (unsigned long)vm->rip, dev->name);
        return;
    }
    domain_crash(v->domain, "vcpu%u: %s guest-physical %#lx outside its memory at rip %#lx", v->id,
                 (vm->exitinfo1 & NPF_WRITE) ? "write to" : "access to",
                 (unsigned long)vm->exitinfo2, (unsigned long)vm->rip);
}

static void exit_shutdown(struct vcpu *v, struct vmcb *vm)
{
    svm_dump_guest(v, "triple fault");
    domain_crash(v->domain, "triple fault at rip %#lx", (unsigned long)vm->rip);
}

static void exit_unexpected(struct vcpu *v, struct vmcb *vm)
{
    svm_dump_guest(v, "unexpected exit");
    domain_crash(v->domain, "unexpected exit %#lx (info %#lx, %#lx) at rip %#lx",
                 (unsigned long)vm->exitcode, (unsigned long)vm->exitinfo1,
                 (unsigned long)vm->exitinfo2, (unsigned long)vm->rip);
}

static const exit_handler_t exit_handlers[SVM_EXIT_NR] = {
    [SVM_EXIT_INTR] = exit_nothing,      /* the host took it after STGI */
    [SVM_EXIT_NMI] = exit_nothing,
    [SVM_EXIT_SMI] = exit_nothing,
    [SVM_EXIT_INIT] = exit_nothing,
    [SVM_EXIT_CPUID] = exit_cpuid,
    [SVM_EXIT_INVD] = exit_invd,
    [SVM_EXIT_HLT] = exit_hlt,
    [SVM_EXIT_IRET] = svm_intr_iret,
    [SVM_EXIT_INVLPGA] = exit_ud,
    [SVM_EXIT_IOIO] = exit_ioio,
    [SVM_EXIT_MSR] = exit_msr,
    [SVM_EXIT_SHUTDOWN] = exit_shutdown,
    [SVM_EXIT_VMRUN] = exit_ud,          /* no nested virtualization */
    [SVM_EXIT_VMMCALL] = exit_vmmcall,
    [SVM_EXIT_VMLOAD] = exit_ud,
    [SVM_EXIT_VMSAVE] = exit_ud,
    [SVM_EXIT_STGI] = exit_ud,
    [SVM_EXIT_CLGI] = exit_ud,
    [SVM_EXIT_SKINIT] = exit_ud,
    [SVM_EXIT_RDTSCP] = exit_ud,         /* hidden in CPUID: TSC_AUX is not kept */
    [SVM_EXIT_MONITOR] = exit_ud,        /* hidden in CPUID */
    [SVM_EXIT_MWAIT] = exit_ud,
    [SVM_EXIT_MWAIT_COND] = exit_ud,
    [SVM_EXIT_XSETBV] = exit_xsetbv,
    [SVM_EXIT_NPF] = exit_npf,
};

void svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vm = svm_of(v)->vmcb;
    uint64_t code = vm->exitcode;

    svm_of(v)->exits++;
    if (code == SVM_EXIT_INVALID) {
        domain_crash(v->domain, "VMRUN refused the guest state (invalid VMCB)");
        return;
    }
    svm_intr_complete(v);
    if (code < SVM_EXIT_NR) {
        svm_of(v)->exit_count[code]++;
        if (exit_handlers[code]) {
            exit_handlers[code](v, vm);
            return;
        }
    }
    exit_unexpected(v, vm);
}
