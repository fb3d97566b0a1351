/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform's MSRs for a Linux guest, beyond the vCPU state kept in the
 * VMCB or VMCS: the local APIC's, a "no MTRRs but enabled" pair so Linux
 * keeps PAT, and the AMD and Intel ones Linux reads without the safe
 * accessors (see the platform notes in docs/dom0.md). Anything else raises #GP, which Linux's probing
 * accessors expect.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <asm/vlapic.h>
#include <asm/vplatform_dev.h>

#define MSR_PATCH_LEVEL    0x0000008bu
#define MSR_MTRR_CAP       0x000000feu
#define MSR_MISC_ENABLE    0x000001a0u      /* Intel: read in verify_cpu, before any IDT */
#define MSR_MTRR_DEF_TYPE  0x000002ffu
#define MSR_AMD_SYSCFG     0xc0010010u
#define MSR_AMD_HWCR       0xc0010015u
#define MSR_AMD_NB_CFG     0xc001001fu
#define MSR_AMD_INT_PENDING 0xc0010055u   /* read unchecked by the C1E check */

#define HWCR_TSC_FREQ_SEL  (1ull << 24)
#define NB_CFG_EXT_CFG     (1ull << 46)
/* As KVM's and Xen's: fast strings on, no branch-trace or PEBS store, nothing else. */
#define MISC_ENABLE_FAST_STRING   (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAIL   (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL  (1ull << 12)
#define MISC_ENABLE_GUEST  (MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | \
                            MISC_ENABLE_PEBS_UNAVAIL)

int vmsr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    if (vlapic_msr(msr))
        return vlapic_rdmsr(v, msr, val);
    if (!v->domain->plat)
        return -EINVAL;
    switch (msr) {
    case MSR_PATCH_LEVEL:   *val = 0; return 0;
    case MSR_MTRR_CAP:      *val = 0; return 0;
    case MSR_MISC_ENABLE:   *val = MISC_ENABLE_GUEST; return 0;
    case MSR_MTRR_DEF_TYPE: *val = v->domain->plat->mtrr_def_type; return 0;
    case MSR_AMD_SYSCFG:    *val = 0; return 0;
    case MSR_AMD_HWCR:      *val = HWCR_TSC_FREQ_SEL; return 0;
    case MSR_AMD_NB_CFG:    *val = NB_CFG_EXT_CFG; return 0;
    case MSR_AMD_INT_PENDING: *val = 0; return 0;
    default:
        pr_debug("d%u vcpu%u: rdmsr %#x: #GP\n", v->domain->id, v->id, msr);
        return -EINVAL;
    }
}

int vmsr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (vlapic_msr(msr))
        return vlapic_wrmsr(v, msr, val);
    if (!v->domain->plat)
        return -EINVAL;
    switch (msr) {
    case MSR_MTRR_DEF_TYPE:
        if (val & ~0xcffull)
            return -EINVAL;
        v->domain->plat->mtrr_def_type = val;
        return 0;
    case MSR_MISC_ENABLE:                /* read-only: a write may only keep it */
        return val == MISC_ENABLE_GUEST ? 0 : -EINVAL;
    case MSR_PATCH_LEVEL:
    case MSR_AMD_HWCR:
    case MSR_AMD_NB_CFG:
        return 0;                        /* accepted, without effect */
    default:
        pr_debug("d%u vcpu%u: wrmsr %#x <- %#lx: #GP\n", v->domain->id, v->id,
                 msr, (unsigned long)val);
        return -EINVAL;
    }
}
