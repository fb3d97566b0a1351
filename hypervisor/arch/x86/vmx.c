/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VMX: what the CPU must offer before Mica runs guests on it. VMX
 * itself, enabled by the firmware (or left unlocked), secondary controls
 * with EPT and unrestricted guest, and EPT with 4-level write-back tables
 * and INVEPT, as Xen's vmx_init_vmcs_config() demands.
 */
#include <mica/console.h>
#include <asm/x86.h>
#include <asm/vcpu.h>
#include <asm/vmx.h>

static bool vmx_cpu_present(void)
{
    uint32_t a, b, c, d;

    cpuid_count(1, 0, &a, &b, &c, &d);
    return c & CPUID_1_ECX_VMX;
}

/* May this control MSR's bits all be 1? */
static bool ctls_allow(uint32_t msr, uint32_t bits)
{
    return ((uint32_t)(rdmsr(msr) >> VMX_CTLS_ALLOWED1_SHIFT) & bits) == bits;
}

static const char *vmx_cpu_missing(void)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), ept;

    if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMXON))
        return "Intel VMX (disabled by firmware: IA32_FEATURE_CONTROL is locked with VMXON off)";
    if (!ctls_allow(MSR_IA32_VMX_PROCBASED_CTLS, CPU_SECONDARY_CONTROLS))
        return "Intel VMX secondary processor controls (so no EPT)";
    if (!ctls_allow(MSR_IA32_VMX_PROCBASED_CTLS2, CPU2_ENABLE_EPT))
        return "extended page tables (EPT: IA32_VMX_PROCBASED_CTLS2 bit 1 is not allowed)";
    if (!ctls_allow(MSR_IA32_VMX_PROCBASED_CTLS2, CPU2_UNRESTRICTED_GUEST))
        return "VMX unrestricted guest (IA32_VMX_PROCBASED_CTLS2 bit 7 is not allowed)";
    ept = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    if (!(ept & EPT_CAP_WALK_4) || !(ept & EPT_CAP_WB))
        return "EPT with 4-level write-back page tables (IA32_VMX_EPT_VPID_CAP bits 6, 14)";
    if (!(ept & EPT_CAP_INVEPT) || !(ept & EPT_CAP_INVEPT_ALL))
        return "INVEPT for all contexts (IA32_VMX_EPT_VPID_CAP bits 20, 26)";
    return "a Mica VMX backend (this CPU has VMX with EPT and unrestricted guest; Mica runs guests on AMD SVM only so far)";
}

/* Detection only: arch_vcpu_select() never picks it while cpu_missing() says so. */
const struct vcpu_vendor_ops vmx_vcpu_ops = {
    .name = "Intel VMX",
    .cpu_present = vmx_cpu_present,
    .cpu_missing = vmx_cpu_missing,
};
