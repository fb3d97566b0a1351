/* SPDX-License-Identifier: GPL-2.0-only */
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
#include <asm/setup.h>

paddr_t svm_iopm_pa, svm_iopm_platform_pa, svm_msrpm_pa;

/*
 * Ports the platform's privileged domain reaches directly: PIT channel 2,
 * the PIT mode register and port 0x61. Linux calibrates the TSC with tight
 * loops on them (quick_pit_calibrate() wants six reads per 214 us), which
 * a trip through the hypervisor per read would defeat. The hypervisor only
 * uses them itself once, at boot, before any guest runs. The machine's ACPI
 * PM timer (read-only, free-running) is passed through too, as Linux's
 * calibration reference when the PIT loop is disturbed.
 */
static const uint16_t platform_ports[] = { 0x42, 0x43, 0x61 };

static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

/*
 * The MSR map: three ranges of 0x2000 MSRs, each 2 bits (read, write) per
 * MSR in 2 KiB at its own offset (AMD APM vol. 2, 15.11).
 */
#define MSRPM_RANGE_MSRS    0x2000u
#define MSRPM_BITS_PER_MSR  2
static const struct { uint32_t first; uint32_t offset; } msrpm_ranges[] = {
    { 0x00000000u, 0x0000 },
    { 0xc0000000u, 0x0800 },
    { 0xc0010000u, 0x1000 },
};
#define IOPM_PAGES_ORDER    2       /* 12 KiB used of 16 */
#define IOPM_BYTES          (4 * PAGE_SIZE)
#define MSRPM_PAGES_ORDER   1
#define MSRPM_BYTES         (2 * PAGE_SIZE)

/* Clear the read and write intercept bits of one MSR. */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    for (size_t i = 0; i < ARRAY_SIZE(msrpm_ranges); i++) {
        uint32_t n = msr - msrpm_ranges[i].first, bit;

        if (msr < msrpm_ranges[i].first || n >= MSRPM_RANGE_MSRS)
            continue;
        bit = msrpm_ranges[i].offset * 8 + n * MSRPM_BITS_PER_MSR;
        pm[bit / 8] &= (uint8_t)~(3u << (bit % 8));
        return;
    }
}

static void iopm_allow(uint8_t *iopm, uint16_t port)
{
    iopm[port / 8] &= (uint8_t)~(1u << (port % 8));
}

int svm_msrpm_init(void)
{
    uint8_t *iopm = page_alloc_hyp(IOPM_PAGES_ORDER);
    uint8_t *iopm_plat = page_alloc_hyp(IOPM_PAGES_ORDER);
    uint8_t *msrpm = page_alloc_hyp(MSRPM_PAGES_ORDER);

    if (!iopm || !iopm_plat || !msrpm)
        return -ENOMEM;
    memset(iopm, 0xff, IOPM_BYTES);
    memset(iopm_plat, 0xff, IOPM_BYTES);
    for (size_t i = 0; i < ARRAY_SIZE(platform_ports); i++)
        iopm_allow(iopm_plat, platform_ports[i]);
    for (uint32_t p = acpi.pm_tmr_port; acpi.pm_tmr_port && p < acpi.pm_tmr_port + 4; p++)
        iopm_allow(iopm_plat, (uint16_t)p);
    svm_iopm_platform_pa = (paddr_t)(uintptr_t)iopm_plat;
    memset(msrpm, 0xff, MSRPM_BYTES);
    for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(msrpm, passthrough_msrs[i]);
    svm_iopm_pa = (paddr_t)(uintptr_t)iopm;
    svm_msrpm_pa = (paddr_t)(uintptr_t)msrpm;
    return 0;
}
