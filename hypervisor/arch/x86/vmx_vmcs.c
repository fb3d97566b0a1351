/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Filling a VMCS: the controls (once per vCPU), the host state (each time
 * it is loaded on a pCPU), guest entry states (a 64-bit entry, a STARTUP),
 * reading back the guest state after an exit, and the shared MSR and I/O
 * bitmaps.
 */
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/fpu.h>
#include <asm/ept.h>
#include <asm/vmx_priv.h>

#define VMCS_LINK_NONE      (~0ull)
#define EXC_BITMAP_UD       (1u << 6)   /* VMMCALL raises #UD on Intel: it is a hypercall */
#define MSR_BITMAP_WRITE    2048        /* write bitmaps follow the read bitmaps */
#define MSR_BITMAP_HIGH     1024        /* 0xc0000000-0xc0001fff after 0-0x1fff */
#define MSR_HIGH_BASE       0xc0000000u
#define MSR_RANGE           0x2000u
#define IO_BITMAP_ORDER     1           /* A (ports 0-0x7fff) and B, 4 KiB each */

/* Ports and MSRs that do not exit: as svm_msrpm.c's. */
static const uint16_t platform_ports[] = { 0x42, 0x43, 0x61 };
static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
    MSR_SFMASK, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

static void msr_allow(uint8_t *bm, uint32_t msr)
{
    unsigned int base = 0;

    if (msr >= MSR_HIGH_BASE) {
        msr -= MSR_HIGH_BASE;
        base = MSR_BITMAP_HIGH;
    }
    if (msr >= MSR_RANGE)
        return;
    bm[base + msr / 8] &= (uint8_t)~(1u << (msr % 8));
    bm[MSR_BITMAP_WRITE + base + msr / 8] &= (uint8_t)~(1u << (msr % 8));
}

int vmx_bitmaps_init(void)
{
    uint8_t *msr = page_alloc_hyp(0);
    uint8_t *io = page_alloc_hyp(IO_BITMAP_ORDER), *io_plat = page_alloc_hyp(IO_BITMAP_ORDER);

    if (!msr || !io || !io_plat)
        return -ENOMEM;
    memset(msr, 0xff, PAGE_SIZE);
    for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msr_allow(msr, passthrough_msrs[i]);
    if (vmx_cfg.spec_ctrl) {                /* switched by vmx_load/vmx_unload */
        msr_allow(msr, MSR_SPEC_CTRL);
        msr_allow(msr, MSR_PRED_CMD);
    }
    memset(io, 0xff, 2 * PAGE_SIZE);
    memset(io_plat, 0xff, 2 * PAGE_SIZE);
    for (size_t i = 0; i < ARRAY_SIZE(platform_ports); i++)
        io_plat[platform_ports[i] / 8] &= (uint8_t)~(1u << (platform_ports[i] % 8));
    for (uint32_t p = acpi.pm_tmr_port; acpi.pm_tmr_port && p < acpi.pm_tmr_port + 4; p++)
        io_plat[p / 8] &= (uint8_t)~(1u << (p % 8));
    vmx_cfg.msr_bitmap = (paddr_t)(uintptr_t)msr;
    vmx_cfg.io_bitmap = (paddr_t)(uintptr_t)io;
    vmx_cfg.io_bitmap_platform = (paddr_t)(uintptr_t)io_plat;
    return 0;
}

void vmx_write_controls(struct vcpu *v)
{
    vmwrite(PIN_BASED_VM_EXEC_CONTROL, vmx_cfg.pin);
    vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx_cfg.cpu);
    vmwrite(SECONDARY_VM_EXEC_CONTROL, vmx_cfg.cpu2);
    vmwrite(VM_EXIT_CONTROLS, vmx_cfg.exit);
    vmwrite(VM_ENTRY_CONTROLS, vmx_cfg.entry);
    vmwrite(EXCEPTION_BITMAP, EXC_BITMAP_UD);
    vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite(CR3_TARGET_COUNT, 0);
    vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VM_ENTRY_INTR_INFO, 0);
    vmwrite(MSR_BITMAP, vmx_cfg.msr_bitmap);
    vmwrite(EPT_POINTER, ept_pointer(&v->domain->p2m));
    if (vmx_cfg.vpid)
        vmwrite(VIRTUAL_PROCESSOR_ID, vmx_of(v)->vpid);
    vmwrite(TSC_OFFSET, vmx_of(v)->tsc_offset);
    vmwrite(CR0_GUEST_HOST_MASK, vmx_cfg.cr0_mask);
    vmwrite(CR4_GUEST_HOST_MASK, vmx_cfg.cr4_mask);
    vmwrite(VMCS_LINK_POINTER, VMCS_LINK_NONE);
    vmwrite(HOST_RIP, (uintptr_t)vmx_exit_point);
    vmwrite(HOST_CS_SELECTOR, HYP_CS);
    vmwrite(HOST_SS_SELECTOR, HYP_DS);
    vmwrite(HOST_DS_SELECTOR, HYP_DS);
    vmwrite(HOST_ES_SELECTOR, HYP_DS);
    vmwrite(HOST_FS_SELECTOR, 0);
    vmwrite(HOST_GS_SELECTOR, 0);
    vmwrite(HOST_TR_SELECTOR, HYP_TSS);
    vmwrite(HOST_IA32_PAT, rdmsr(MSR_PAT));
    vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
    vmwrite(HOST_IA32_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
    vmwrite(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
    vmwrite(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
}

/* What differs from one pCPU to the next (HOST_RSP is vmx_enter's). */
void vmx_write_host_state(void)
{
    struct percpu *pc = this_cpu();
    struct desc_ptr idtr;

    asm volatile("sidt %0" : "=m"(idtr));
    vmwrite(HOST_CR0, read_cr0());
    vmwrite(HOST_CR3, read_cr3());
    vmwrite(HOST_CR4, read_cr4());
    vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
    vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
    vmwrite(HOST_TR_BASE, (uintptr_t)&pc->tss);
    vmwrite(HOST_GDTR_BASE, (uintptr_t)pc->gdt);
    vmwrite(HOST_IDTR_BASE, idtr.base);
}

static void seg(struct vmx_seg *s, uint16_t sel, uint32_t attr, uint32_t limit, uint64_t base)
{
    *s = (struct vmx_seg){ .sel = sel, .ar = attr ? VMX_AR_FROM_ATTR(attr) : VMX_AR_UNUSABLE,
                           .limit = limit, .base = base };
}

/* The cached guest state follows a new entry state at once (vcpu_paging before the first run). */
static void entry_to_cache(struct vmx_vcpu *x)
{
    const struct vmx_entry *e = &x->entry;

    x->guest = (struct vmx_guest){
        .rip = e->rip, .rsp = e->rsp, .rflags = e->rflags, .cr0 = e->cr0, .cr3 = e->cr3,
        .cr4 = e->cr4, .efer = e->efer, .cs_base = e->cs.base, .cs_ar = e->cs.ar,
        .ss_ar = e->ss.ar, .intr_state = 0,
    };
    x->inject = 0;
    x->entry_pending = true;
}

void vmx_entry64(struct vcpu *v, const struct vcpu_entry64 *e)
{
    struct vmx_vcpu *x = vmx_of(v);
    struct vmx_entry *n = &x->entry;

    seg(&n->cs, e->cs, SEG_ATTR_CODE64, SEG_LIMIT_4G, 0);
    seg(&n->ds, e->ds, SEG_ATTR_DATA32, SEG_LIMIT_4G, 0);
    n->es = n->ss = n->ds;
    seg(&n->fs, 0, 0, 0, 0);
    seg(&n->gs, 0, 0, 0, 0);
    seg(&n->ldtr, 0, 0, 0, 0);
    seg(&n->tr, 0, SEG_ATTR_TSS_BUSY, TSS64_LIMIT, 0);
    seg(&n->gdtr, 0, 0, e->gdt_limit, e->gdt_base);
    seg(&n->idtr, 0, 0, 0, 0);
    n->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
    n->cr3 = e->cr3;
    n->cr4 = X86_CR4_PAE;
    n->efer = EFER_LME | EFER_LMA;
    n->rip = e->rip;
    n->rsp = e->rsp;
    n->rflags = X86_EFLAGS_FIXED;
    n->pat = PAT_RESET;
    memset(&x->gprs, 0, sizeof(x->gprs));
    x->gprs.r[VMX_RDI] = e->rdi;
    x->gprs.r[VMX_RSI] = e->rsi;
    entry_to_cache(x);
}

void vmx_entry_startup(struct vcpu *v, uint8_t vector)
{
    struct vmx_vcpu *x = vmx_of(v);
    struct vmx_entry *n = &x->entry;

    seg(&n->cs, (uint16_t)(vector << SIPI_CS_SHIFT), SEG_ATTR_CODE16, SEG_LIMIT_64K,
        (uint64_t)vector << SIPI_BASE_SHIFT);
    seg(&n->ds, 0, SEG_ATTR_DATA16, SEG_LIMIT_64K, 0);
    n->es = n->ss = n->fs = n->gs = n->ds;
    seg(&n->ldtr, 0, SEG_ATTR_LDT, SEG_LIMIT_64K, 0);
    seg(&n->tr, 0, SEG_ATTR_TSS_BUSY, SEG_LIMIT_64K, 0);
    seg(&n->gdtr, 0, 0, SEG_LIMIT_64K, 0);
    seg(&n->idtr, 0, 0, SEG_LIMIT_64K, 0);
    n->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
    n->cr3 = n->cr4 = 0;
    n->efer = 0;
    n->rip = n->rsp = 0;
    n->rflags = X86_EFLAGS_FIXED;
    n->pat = PAT_RESET;
    memset(&x->gprs, 0, sizeof(x->gprs));
    x->cr2 = 0;
    v->arch.xcr0 = XCR0_RESET;
    entry_to_cache(x);
}

static void write_seg(unsigned int i, const struct vmx_seg *s)
{
    /* Selector, limit, access rights and base fields of one segment are 2 apart. */
    vmwrite(GUEST_ES_SELECTOR + 2 * i, s->sel);
    vmwrite(GUEST_ES_LIMIT + 2 * i, s->limit);
    vmwrite(GUEST_ES_AR_BYTES + 2 * i, s->ar);
    vmwrite(GUEST_ES_BASE + 2 * i, s->base);
}

void vmx_write_entry(struct vcpu *v)
{
    const struct vmx_entry *e = &vmx_of(v)->entry;
    const struct vmx_seg *segs[] = { &e->es, &e->cs, &e->ss, &e->ds, &e->fs, &e->gs,
                                     &e->ldtr, &e->tr };
    uint32_t entry = vmx_cfg.entry | ((e->efer & EFER_LMA) ? ENTRY_IA32E_MODE : 0);

    for (unsigned int i = 0; i < ARRAY_SIZE(segs); i++)
        write_seg(i, segs[i]);
    vmwrite(GUEST_GDTR_BASE, e->gdtr.base);
    vmwrite(GUEST_GDTR_LIMIT, e->gdtr.limit);
    vmwrite(GUEST_IDTR_BASE, e->idtr.base);
    vmwrite(GUEST_IDTR_LIMIT, e->idtr.limit);
    vmwrite(GUEST_CR0, (e->cr0 | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1);
    vmwrite(CR0_READ_SHADOW, e->cr0);
    vmwrite(GUEST_CR4, e->cr4 | vmx_cfg.cr4_fixed0);
    vmwrite(CR4_READ_SHADOW, e->cr4);
    vmwrite(GUEST_CR3, e->cr3);
    vmwrite(GUEST_DR7, X86_DR7_RESET);
    vmwrite(GUEST_RSP, e->rsp);
    vmwrite(GUEST_RIP, e->rip);
    vmwrite(GUEST_RFLAGS, e->rflags);
    vmwrite(GUEST_IA32_EFER, e->efer);
    vmwrite(GUEST_IA32_PAT, e->pat);
    vmwrite(GUEST_IA32_DEBUGCTL, 0);
    vmwrite(GUEST_SYSENTER_CS, 0);
    vmwrite(GUEST_SYSENTER_ESP, 0);
    vmwrite(GUEST_SYSENTER_EIP, 0);
    vmwrite(GUEST_ACTIVITY_STATE, 0);
    vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VM_ENTRY_CONTROLS, entry);
    vmwrite(VM_ENTRY_INTR_INFO, 0);
}

/* After an exit: the state the handlers and vcpu_paging read. */
void vmx_read_guest(struct vcpu *v)
{
    struct vmx_vcpu *x = vmx_of(v);
    struct vmx_guest *g = &x->guest;

    x->exit_reason = (uint32_t)vmread(VM_EXIT_REASON);
    x->exit_qual = vmread(EXIT_QUALIFICATION);
    g->rip = vmread(GUEST_RIP);
    g->rsp = vmread(GUEST_RSP);
    g->rflags = vmread(GUEST_RFLAGS);
    g->cr0 = (vmread(GUEST_CR0) & ~vmx_cfg.cr0_mask) | (vmread(CR0_READ_SHADOW) & vmx_cfg.cr0_mask);
    g->cr4 = (vmread(GUEST_CR4) & ~vmx_cfg.cr4_mask) | (vmread(CR4_READ_SHADOW) & vmx_cfg.cr4_mask);
    g->cr3 = vmread(GUEST_CR3);
    g->efer = vmread(GUEST_IA32_EFER);
    g->cs_base = vmread(GUEST_CS_BASE);
    g->cs_ar = (uint32_t)vmread(GUEST_CS_AR_BYTES);
    g->ss_ar = (uint32_t)vmread(GUEST_SS_AR_BYTES);
    g->intr_state = (uint32_t)vmread(GUEST_INTERRUPTIBILITY_INFO);
}
