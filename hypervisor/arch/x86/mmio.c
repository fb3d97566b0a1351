/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulating a guest's access to an emulated device page (the xAPIC, the
 * I/O APIC), for either backend: the nested page fault or EPT violation
 * names the address, the instruction at RIP says the rest (asm/insn.h),
 * and the device model does the access. Registers through the vCPU hooks.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/vcpu.h>
#include <asm/mmio.h>
#include <asm/insn.h>
#include <asm/vlapic.h>
#include <asm/vioapic.h>
#include <asm/vplatform.h>
#include <asm/pci.h>

static uint64_t get_gpr(struct vcpu *v, unsigned int n)
{
    return arch_vcpu_get_gpr(v, n & 15);
}

static void set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
    arch_vcpu_set_gpr(v, n & 15, val);
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

/* Beside them: dom0's physical MSI-X tables (dom0_pci=view), at their own addresses. */
static const struct mmio_device *const extra_devices[] = { &pci_dom0_msix_mmio };

const struct mmio_device *mmio_device_at(struct vcpu *v, uint64_t gpa)
{
    for (size_t i = 0; i < ARRAY_SIZE(mmio_devices); i++)
        if (mmio_devices[i].claims(v, gpa))
            return &mmio_devices[i];
    for (size_t i = 0; i < ARRAY_SIZE(extra_devices); i++)
        if (extra_devices[i]->claims(v, gpa))
            return extra_devices[i];
    return NULL;
}

/* Where dev's accesses are counted: its place in the two tables. */
static unsigned int dev_slot(const struct mmio_device *dev)
{
    for (size_t i = 0; i < ARRAY_SIZE(extra_devices); i++)
        if (extra_devices[i] == dev)
            return (unsigned int)(ARRAY_SIZE(mmio_devices) + i);
    return (unsigned int)(dev - mmio_devices);
}

static const char *slot_name(unsigned int slot)
{
    if (slot < ARRAY_SIZE(mmio_devices))
        return mmio_devices[slot].name;
    return extra_devices[slot - ARRAY_SIZE(mmio_devices)]->name;
}

_Static_assert(ARRAY_SIZE(mmio_devices) + ARRAY_SIZE(extra_devices) <= VCPU_MMIO_COUNTED,
               "VCPU_MMIO_COUNTED counts every device");

/* "d0 vcpu0: emulated MMIO: the local APIC=12, ...": what its npf exits were. */
void mmio_dump_counts(struct vcpu *v)
{
    char buf[256];
    int n = 0;

    for (unsigned int i = 0; i < ARRAY_SIZE(mmio_devices) + ARRAY_SIZE(extra_devices); i++)
        if (v->arch.mmio_count[i] && n < (int)sizeof(buf) - 64)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s %s=%u", n ? "," : "",
                          slot_name(i), v->arch.mmio_count[i]);
    if (n)
        pr_info("d%u vcpu%u: emulated MMIO:%s\n", v->domain->id, v->id, buf);
}

/* 0 if emulated (RIP advanced), -EINVAL if the instruction could not be handled. */
int mmio_emulate(struct vcpu *v, const struct mmio_device *dev, uint64_t gpa)
{
    struct guest_paging gp;
    struct mmio_insn in;
    uint8_t buf[INSN_MAX_LEN];
    size_t got = vcpu_fetch_insn(v, buf);
    uint64_t val;

    v->arch.mmio_count[dev_slot(dev)]++;
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
    arch_vcpu_advance_rip(v, in.len);
    return 0;
}
