/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel EPT behind the p2m interface. npt.c keeps the tables (its entries'
 * bits 2:0 are EPT's R, W and X, set the way NPT's P, RW and US are: every
 * table entry R/W/X, a leaf R/X and W when writable); EPT leaves add their
 * memory type, write-back, as RAM is all they map. INVEPT drops what a CPU
 * cached for one EPT pointer (all of them where single-context is missing).
 */
#include <mica/p2m.h>
#include <asm/x86.h>
#include <asm/vmx.h>
#include <asm/ept.h>

static unsigned long invept_type = INVEPT_ALL_CONTEXT;

void ept_init(void)
{
    p2m_set_leaf_bits(EPT_MT_WB << EPT_LEAF_MT_SHIFT);
    if (rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & EPT_CAP_INVEPT_SINGLE)
        invept_type = INVEPT_SINGLE_CONTEXT;
}

uint64_t ept_pointer(const struct p2m *p)
{
    return p->root | (EPT_MT_WB << EPTP_MT_SHIFT) | (3ull << EPTP_WALK_SHIFT);
}

void ept_flush(const struct p2m *p)
{
    invept(invept_type, ept_pointer(p));
}
