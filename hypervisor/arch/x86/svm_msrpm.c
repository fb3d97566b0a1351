/*
 * The I/O and MSR permission maps, shared by every vCPU. Every port and MSR
 * exits by default; the MSRs whose state lives in the VMCB (loaded by VMRUN
 * and VMLOAD) pass straight through, which saves an exit per access on the
 * guest's context-switch and system-call paths.
 */
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/x86.h>
#include <asm/svm_priv.h>

paddr_t svm_iopm_pa, svm_msrpm_pa;

static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

/* Clear the read and write intercept bits of one MSR. */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    uint32_t bit;

    if (msr < 0x2000)
        bit = msr * 2;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        bit = 0x800 * 8 + (msr - 0xc0000000) * 2;
    else if (msr >= 0xc0010000 && msr < 0xc0012000)
        bit = 0x1000 * 8 + (msr - 0xc0010000) * 2;
    else
        return;
    pm[bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

int svm_msrpm_init(void)
{
    uint8_t *iopm = page_alloc_hyp(2);      /* 12 KiB used */
    uint8_t *msrpm = page_alloc_hyp(1);     /* 8 KiB */

    if (!iopm || !msrpm)
        return -ENOMEM;
    memset(iopm, 0xff, 4 * PAGE_SIZE);
    memset(msrpm, 0xff, 2 * PAGE_SIZE);
    for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(msrpm, passthrough_msrs[i]);
    svm_iopm_pa = (paddr_t)(uintptr_t)iopm;
    svm_msrpm_pa = (paddr_t)(uintptr_t)msrpm;
    return 0;
}
