/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a guest's own page tables (every x86 paging mode: none, 32-bit,
 * PAE, 4-level), reading each entry through the domain's p2m. Used for
 * hypercall pointers and instruction fetch; any entry outside guest RAM,
 * any non-present entry and any write through a read-only entry (with
 * CR0.WP) is -EFAULT.
 */
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/errno.h>
#include <asm/x86.h>
#include <asm/page.h>

static int read_entry(struct p2m *p2m, gpa_t gpa, unsigned int size, uint64_t *out)
{
    mfn_t mfn = p2m_lookup(p2m, gpa >> PAGE_SHIFT, NULL);
    const uint8_t *page;

    if (mfn == INVALID_MFN)
        return -EFAULT;
    page = mfn_to_virt(mfn);
    *out = size == 8 ? *(const uint64_t *)(page + (gpa & 0xff8))
                     : *(const uint32_t *)(page + (gpa & 0xffc));
    return 0;
}

static bool denied(const struct guest_paging *gp, uint64_t e, bool write)
{
    return !(e & _PAGE_PRESENT) ||
           (write && (gp->cr0 & X86_CR0_WP) && !(e & _PAGE_RW));
}

static int walk(const struct guest_paging *gp, struct p2m *p2m, uint64_t la,
                bool write, unsigned int levels, unsigned int esize, gpa_t *gpa)
{
    uint64_t table = gp->cr3 & (esize == 8 ? PTE_ADDR_MASK : 0xfffff000ull);
    unsigned int shift = esize == 8 ? 12 + 9 * (levels - 1) : 22;
    unsigned int bits = esize == 8 ? 9 : 10;
    uint64_t e;

    if (levels == 3) {                      /* PAE: 4 PDPTEs at CR3 & ~0x1f */
        if (read_entry(p2m, (gp->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, 8, &e) ||
            !(e & _PAGE_PRESENT))
            return -EFAULT;
        table = e & PTE_ADDR_MASK;
        shift = 21;
        levels = 2;
    }
    for (;; shift -= bits) {
        uint64_t idx = (la >> shift) & ((1u << bits) - 1);

        if (read_entry(p2m, table + idx * esize, esize, &e) || denied(gp, e, write))
            return -EFAULT;
        if (shift == 12)
            break;
        if ((e & _PAGE_PSE) && (shift <= 30) && (esize == 8 || (gp->cr4 & X86_CR4_PSE))) {
            uint64_t base = e & (esize == 8 ? PTE_ADDR_MASK : 0xfffff000ull);

            *gpa = (base & ~((1ull << shift) - 1)) | (la & ((1ull << shift) - 1));
            return 0;
        }
        table = e & (esize == 8 ? PTE_ADDR_MASK : 0xfffff000ull);
    }
    *gpa = (e & (esize == 8 ? PTE_ADDR_MASK : 0xfffff000ull)) | (la & 0xfff);
    return 0;
}

int guest_linear_to_gpa(const struct guest_paging *gp, struct p2m *p2m,
                        uint64_t la, bool write, gpa_t *gpa)
{
    if (!(gp->cr0 & X86_CR0_PG)) {
        *gpa = la & 0xffffffffull;
        return 0;
    }
    if (gp->efer & EFER_LMA) {
        if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
            return -EFAULT;                 /* non-canonical */
        return walk(gp, p2m, la, write, 4, 8, gpa);
    }
    la &= 0xffffffffull;
    if (gp->cr4 & X86_CR4_PAE)
        return walk(gp, p2m, la, write, 3, 8, gpa);
    return walk(gp, p2m, la, write, 2, 4, gpa);
}
