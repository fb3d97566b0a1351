/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulating a guest's access to an emulated device page (the xAPIC, the
 * I/O APIC): the nested page fault names the address, the instruction at
 * RIP says the rest (asm/insn.h), and the device model does the access.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <asm/svm_priv.h>
#include <asm/insn.h>
#include <asm/vlapic.h>
#include <asm/vioapic.h>
#include <asm/vplatform.h>

/* Guest register n (0 = RAX ... 15 = R15): RAX and RSP live in the VMCB. */
static uint64_t get_gpr(struct vcpu *v, unsigned int n)
{
    const struct guest_gprs *g = &svm_of(v)->gprs;
    const uint64_t regs[16] = {
        svm_of(v)->vmcb->rax, g->rcx, g->rdx, g->rbx, svm_of(v)->vmcb->rsp, g->rbp,
        g->rsi, g->rdi, g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15,
    };

    return regs[n & 15];
}

static void set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    struct guest_gprs *g = &svm_of(v)->gprs;
    uint64_t *const regs[16] = {
        NULL, &g->rcx, &g->rdx, &g->rbx, NULL, &g->rbp, &g->rsi, &g->rdi,
        &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
    };

    if ((n & 15) == 0)
        svm_of(v)->vmcb->rax = val;
    else if ((n & 15) == 4)
        svm_of(v)->vmcb->rsp = val;
    else
        *regs[n & 15] = val;
}

static uint64_t mask_of(unsigned int size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t reg_value(struct vcpu *v, const struct mmio_insn *in)
{
    if (in->high_byte)
        return (get_gpr(v, in->reg - 4) >> 8) & 0xff;
    return get_gpr(v, in->reg) & mask_of(in->size);
}

static void reg_load(struct vcpu *v, const struct mmio_insn *in, uint64_t val)
{
    uint64_t old;

    if (in->high_byte) {
        old = get_gpr(v, in->reg - 4);
        set_gpr(v, in->reg - 4, (old & ~0xff00ull) | ((val & 0xff) << 8));
    } else if (in->zero_extend || in->size >= 4) {
        set_gpr(v, in->reg, val & mask_of(in->size));   /* 32-bit writes clear the top */
    } else {
        old = get_gpr(v, in->reg);
        set_gpr(v, in->reg, (old & ~mask_of(in->size)) | (val & mask_of(in->size)));
    }
}

/* The emulated device pages, each with its base. */
static const struct mmio_device mmio_devices[] = {
    { "the local APIC", VPLAT_LAPIC_BASE, vlapic_mmio_claims, vlapic_mmio_read, vlapic_mmio_write },
    { "the I/O APIC", VPLAT_IOAPIC_BASE, vioapic_mmio_claims, vioapic_mmio_read,
      vioapic_mmio_write },
};

const struct mmio_device *svm_mmio_device(struct vcpu *v, uint64_t gpa)
{
    for (size_t i = 0; i < ARRAY_SIZE(mmio_devices); i++)
        if (mmio_devices[i].claims(v, gpa))
            return &mmio_devices[i];
    return NULL;
}

/* 0 if emulated (RIP advanced), -EINVAL if the instruction could not be handled. */
int svm_emulate_mmio(struct vcpu *v, const struct mmio_device *dev, uint64_t gpa)
{
    struct guest_paging gp;
    struct mmio_insn in;
    uint8_t buf[INSN_MAX_LEN];
    size_t got = svm_fetch_insn(v, buf);
    uint64_t val;

    arch_vcpu_paging(v, &gp);
    if (!got || insn_decode_mmio(buf, got, gp.cs_long, &in))
        return -EINVAL;
    if (in.op == MMIO_LOAD) {
        dev->read(v, gpa - dev->base, in.size, &val);
        reg_load(v, &in, val);
    } else {
        val = in.op == MMIO_STORE_IMM ? in.imm : reg_value(v, &in);
        dev->write(v, gpa - dev->base, in.size, val & mask_of(in.size));
    }
    svm_advance_rip(v, in.len);
    return 0;
}
