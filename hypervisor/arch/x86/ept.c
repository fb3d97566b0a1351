/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel EPT behind the p2m interface. npt.c keeps the tables (its entries'
 * bits 2:0 are EPT's R, W and X, set the way NPT's P, RW and US are: every
 * table entry R/W/X, a leaf R/X and W when writable); EPT leaves add their
 * memory type, write-back, as RAM is all they map. INVEPT drops what a CPU
 * cached for one EPT pointer (all of them where single-context is missing).
 * Accessed and dirty bits where the CPU offers them.
 */
#include <mica/p2m.h>
#include <asm/x86.h>
#include <asm/vmx.h>
#include <asm/ept.h>

static unsigned long invept_type = INVEPT_ALL_CONTEXT;
static uint64_t eptp_ad;        /* EPTP_AD where offered */

void ept_init(void)
{
    uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

    p2m_set_leaf_bits(EPT_MT_WB << EPT_LEAF_MT_SHIFT);
    if (cap & EPT_CAP_INVEPT_SINGLE)
        invept_type = INVEPT_SINGLE_CONTEXT;
    if (cap & EPT_CAP_AD)
        eptp_ad = EPTP_AD;
}

bool ept_ad_bits(void)
{
    return eptp_ad;
}

/*
 * With A/D bits on, the CPU marks each EPT entry it walks accessed (bit 8)
 * and each leaf it writes through dirty (bit 9), as it always does in
 * NPT's (bits 5, 6): npt.c keeps its own bits clear of them.
 */
uint64_t ept_pointer(const struct p2m *p)
{
    return p->root | (EPT_MT_WB << EPTP_MT_SHIFT) | (3ull << EPTP_WALK_SHIFT) | eptp_ad;
}

void ept_flush(const struct p2m *p)
{
    invept(invept_type, ept_pointer(p));
}
