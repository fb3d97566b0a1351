/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a guest's own page tables (every x86 paging mode: none, 32-bit,
 * PAE, 4-level), reading each entry through the domain's p2m, as the CPU's
 * walk (Intel SDM vol. 3 section 4.6, AMD APM vol. 2 section 5.6): a
 * missing entry at any level is a not-present fault; otherwise the rights
 * of all levels combined (U/S and R/W ANDed, NX ORed) decide, with CR0.WP,
 * SMAP/SMEP and the access's CPL. Used for hypercall pointers and
 * instruction fetch (guest_linear_to_gpa: any refusal -EFAULT) and for
 * string I/O (guest_walk with GW_CPU: the #PF the guest gets).
 */
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/errno.h>
#include <asm/x86.h>
#include <asm/page.h>
#include <asm/guest_walk.h>

#define MAX_LEVELS   4
#define MAX_PHYS_BITS  52                /* the architecture's limit */
#define PAE_PDPT_MASK  0xffffffe0ull     /* 4 PDPTEs at CR3 & ~0x1f */
#define ADDR32_MASK    0xfffff000ull

/* Address bits of an 8-byte entry the guest's CPU reserves (above its MAXPHYADDR). */
static uint64_t rsvd_addr_bits;

void guest_walk_set_maxphyaddr(unsigned int bits)
{
    rsvd_addr_bits = bits && bits < MAX_PHYS_BITS ? PTE_ADDR_MASK & ~((1ull << bits) - 1) : 0;
}

/* One walk: the access, and where each entry read lies (for the A/D bits). */
struct walk {
    const struct guest_paging *gp;
    struct p2m *p2m;
    uint64_t la;
    uint32_t access;                 /* PFEC_WRITE, PFEC_USER, PFEC_FETCH */
    unsigned int flags;              /* GW_* */
    unsigned int esize;              /* 8, or 4 for 32-bit paging */
    unsigned int nr;                 /* entries in entry[] */
    void *entry[MAX_LEVELS];         /* NULL: its table page is read-only in the p2m */
};

/* The entry at gpa: 0, or -EFAULT when it is not the domain's memory. */
static int read_entry(struct walk *w, gpa_t gpa, uint64_t *out)
{
    bool writable;
    mfn_t mfn = p2m_lookup(w->p2m, gpa >> PAGE_SHIFT, &writable);
    uint8_t *p;

    if (mfn == INVALID_MFN)
        return -EFAULT;
    p = (uint8_t *)mfn_to_virt(mfn) + (gpa & (PAGE_SIZE - w->esize));
    *out = w->esize == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
    if (w->nr < MAX_LEVELS)
        w->entry[w->nr++] = writable ? p : NULL;
    return 0;
}

static uint64_t entry_addr(const struct walk *w, uint64_t e)
{
    return e & (w->esize == 8 ? PTE_ADDR_MASK : ADDR32_MASK);
}

/*
 * Reserved bits the CPU faults on (GW_CPU): NX without EFER.NXE, PS in a
 * PML4E, address bits above MAXPHYADDR.
 */
static bool reserved(const struct walk *w, uint64_t e, bool top4)
{
    if (!(w->flags & GW_CPU) || w->esize != 8)
        return false;
    return ((e & _PAGE_NX) && !(w->gp->efer & EFER_NXE)) || (top4 && (e & _PAGE_PSE)) ||
           (e & rsvd_addr_bits);
}

/* The combined rights against the access: 0, or the protection fault's error code. */
static uint32_t check_rights(const struct walk *w, bool user_page, bool rw, bool nx)
{
    const struct guest_paging *gp = w->gp;
    bool write = w->access & PFEC_WRITE, fetch = w->access & PFEC_FETCH;
    bool denied;

    if (w->access & PFEC_USER)
        denied = !user_page || (write && !rw);
    else
        denied = (write && !rw && (gp->cr0 & X86_CR0_WP)) ||
                 ((w->flags & GW_CPU) && user_page && fetch && (gp->cr4 & X86_CR4_SMEP)) ||
                 ((w->flags & GW_CPU) && user_page && !fetch && (gp->cr4 & X86_CR4_SMAP) &&
                  !(gp->rflags & X86_EFLAGS_AC));
    if ((w->flags & GW_CPU) && fetch && nx)
        denied = true;
    return denied ? w->access | PFEC_PRESENT : 0;
}

/* As the CPU: accessed in every entry, dirty in the leaf for a write. */
static void set_ad(const struct walk *w)
{
    for (unsigned int i = 0; i < w->nr; i++) {
        uint32_t bits = _PAGE_ACCESSED;

        if (i == w->nr - 1 && (w->access & PFEC_WRITE))
            bits |= _PAGE_DIRTY;
        if (!w->entry[i])
            continue;
        if (w->esize == 8 && (*(volatile uint64_t *)w->entry[i] & bits) != bits)
            __atomic_fetch_or((uint64_t *)w->entry[i], bits, __ATOMIC_SEQ_CST);
        else if (w->esize == 4 && (*(volatile uint32_t *)w->entry[i] & bits) != bits)
            __atomic_fetch_or((uint32_t *)w->entry[i], bits, __ATOMIC_SEQ_CST);
    }
}

/* levels of tables from table down; shift of the top one. */
static int walk_tables(struct walk *w, uint64_t table, unsigned int levels, unsigned int shift,
                       uint32_t *pfec, gpa_t *gpa)
{
    unsigned int bits = w->esize == 8 ? 9 : 10;
    bool user_page = true, rw = true, nx = false, top4 = levels == 4;
    uint64_t e, mask;
    int rc;

    for (;; shift -= bits, top4 = false) {
        uint64_t idx = (w->la >> shift) & ((1u << bits) - 1);

        rc = read_entry(w, table + idx * w->esize, &e);
        if (rc)
            return rc;
        if (!(e & _PAGE_PRESENT)) {
            *pfec = w->access;
            return GUEST_WALK_PF;
        }
        if (reserved(w, e, top4)) {
            *pfec = w->access | PFEC_PRESENT | PFEC_RSVD;
            return GUEST_WALK_PF;
        }
        user_page = user_page && (e & _PAGE_USER);
        rw = rw && (e & _PAGE_RW);
        nx = nx || ((w->gp->efer & EFER_NXE) && (e & _PAGE_NX));
        if (shift == 12)
            break;
        if ((e & _PAGE_PSE) && shift <= 30 && (w->esize == 8 || (w->gp->cr4 & X86_CR4_PSE)))
            break;
        table = entry_addr(w, e);
    }
    *pfec = check_rights(w, user_page, rw, nx);
    if (*pfec)
        return GUEST_WALK_PF;
    mask = (1ull << shift) - 1;
    *gpa = (entry_addr(w, e) & ~mask) | (w->la & mask);
    if (w->flags & GW_CPU)
        set_ad(w);
    return 0;
}

/* PAE: the PDPTE (no rights of its own), then two levels of 8-byte entries. */
static int walk_pae(struct walk *w, uint32_t *pfec, gpa_t *gpa)
{
    uint64_t e;
    int rc = read_entry(w, (w->gp->cr3 & PAE_PDPT_MASK) + ((w->la >> 30) & 3) * 8, &e);

    if (rc)
        return rc;
    w->nr = 0;                          /* the CPU keeps PDPTEs in registers: no A bit */
    if (!(e & _PAGE_PRESENT)) {
        *pfec = w->access;
        return GUEST_WALK_PF;
    }
    return walk_tables(w, e & PTE_ADDR_MASK, 2, 21, pfec, gpa);
}

int guest_walk(const struct guest_paging *gp, struct p2m *p2m, uint64_t la,
               unsigned int flags, uint32_t *pfec, gpa_t *gpa)
{
    struct walk w = {
        .gp = gp, .p2m = p2m, .la = la, .flags = flags, .esize = 8,
        .access = *pfec & (PFEC_WRITE | PFEC_USER | PFEC_FETCH),
    };

    if (!(gp->cr0 & X86_CR0_PG)) {
        *gpa = la & 0xffffffffull;
        return 0;
    }
    if (gp->efer & EFER_LMA) {
        if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
            return GUEST_WALK_GP;           /* non-canonical */
        return walk_tables(&w, gp->cr3 & PTE_ADDR_MASK, 4, 39, pfec, gpa);
    }
    w.la = la & 0xffffffffull;
    if (gp->cr4 & X86_CR4_PAE)
        return walk_pae(&w, pfec, gpa);
    w.esize = 4;
    return walk_tables(&w, gp->cr3 & ADDR32_MASK, 2, 22, pfec, gpa);
}

int guest_linear_to_gpa(const struct guest_paging *gp, struct p2m *p2m,
                        uint64_t la, bool write, gpa_t *gpa)
{
    uint32_t pfec = write ? PFEC_WRITE : 0;

    return guest_walk(gp, p2m, la, 0, &pfec, gpa) ? -EFAULT : 0;
}
