/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the vmx*.c files; not for common code. */
#ifndef ASM_VMX_PRIV_H
#define ASM_VMX_PRIV_H

#include <mica/domain.h>
#include <asm/vmx.h>

/* The VMX part of a vCPU (asm/vmx_vcpu.h); const if v is. */
#define vmx_of(v) (&(v)->arch.vendor.vmx)

/* What the CPU allows, worked out once by vmx_cpu_missing() (vmx.c). */
struct vmx_config {
    uint32_t revision;
    uint32_t pin, cpu, cpu2, exit, entry;     /* the controls every VMCS starts with */
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t cr0_mask, cr4_mask;              /* bits the guest may not change on its own */
    bool vpid;                                /* tag guest TLB entries per vCPU */
    bool invpcid;                             /* INVPCID runs in the guest */
    bool preempt;                             /* the VMX-preemption timer guards each entry */
    bool spec_ctrl;                           /* guests have SPEC_CTRL and PRED_CMD */
    bool arch_caps;                           /* guests read IA32_ARCH_CAPABILITIES */
    uint32_t cpuid_spec;                      /* CPUID_7_EDX_SPEC_ALL bits guests see */
    unsigned int preempt_rate;                /* its tick: 2^rate TSC cycles */
    paddr_t msr_bitmap, io_bitmap, io_bitmap_platform;
};
extern struct vmx_config vmx_cfg;

/* vmx_vmcs.c */
void vmx_write_controls(struct vcpu *v);
void vmx_write_host_state(void);
void vmx_write_entry(struct vcpu *v);
void vmx_entry64(struct vcpu *v, const struct vcpu_entry64 *e);
void vmx_entry_startup(struct vcpu *v, uint8_t vector);
void vmx_read_guest(struct vcpu *v);
int vmx_bitmaps_init(void);

/* vmx_exit.c */
void vmx_handle_exit(struct vcpu *v);
void vmx_inject_exception(struct vcpu *v, unsigned int vector, bool has_err, uint32_t err);
uint64_t vmx_get_gpr(struct vcpu *v, unsigned int n);
void vmx_set_gpr(struct vcpu *v, unsigned int n, uint64_t val);
uint64_t vmx_get_rip(struct vcpu *v);
void vmx_advance_rip(struct vcpu *v, unsigned int len);
void vmx_dump_exits(struct vcpu *v);
void vmx_dump_state(struct vcpu *v);

/* vmx_intr.c */
void vmx_intr_assist(struct vcpu *v);
void vmx_intr_exit(struct vcpu *v);
bool vmx_event_pending(struct vcpu *v);

#endif
