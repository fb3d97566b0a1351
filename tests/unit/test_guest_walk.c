/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/guest_walk.c (guest_linear_to_gpa, and
 * guest_walk as the CPU's own access: error codes, U/S, SMAP/SMEP, NX, A/D).
 * Guest RAM is a real p2m (npt.c on the real allocator): GUEST_PAGES gfns
 * from 0, each on its own zeroed frame. Guest page tables are written into
 * that RAM through the p2m, and the walker has to read them the same way.
 * Leaf targets need not be guest RAM: the walker only translates.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <asm/page.h>
#include <asm/x86.h>
#include <asm/guest_walk.h>

#include "check.h"
#include "shim.h"

#define NR           256
#define GUEST_PAGES  16          /* gpa [0, 64 KiB) */
#define OUTSIDE      0x100000ull /* a gpa outside guest RAM */
#define DOMID        1

#define P   _PAGE_PRESENT
#define RW  _PAGE_RW
#define PS  _PAGE_PSE

static struct frame table[NR];
static struct p2m p2m;

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(1, NR - 1);
    shim_log_clear();
    p2m = (struct p2m){ 0 };
    if (p2m_init(&p2m, NULL))
        shim_fatal("p2m_init failed");
    for (gfn_t g = 0; g < GUEST_PAGES; g++)
        if (p2m_map(&p2m, g, frames_alloc(0, DOMID, FA_ZERO), P2M_RW))
            shim_fatal("cannot map gfn 0x%lx", g);
}

static uint8_t *gpa_ptr(gpa_t gpa)
{
    mfn_t mfn = p2m_lookup(&p2m, gpa >> PAGE_SHIFT, NULL);

    if (mfn == INVALID_MFN)
        shim_fatal("gpa 0x%lx is not guest RAM", gpa);
    return (uint8_t *)mfn_to_virt(mfn) + (gpa & (PAGE_SIZE - 1));
}

static void put64(gpa_t table_gpa, unsigned int idx, uint64_t v)
{
    *(uint64_t *)gpa_ptr(table_gpa + idx * 8) = v;
}

static void put32(gpa_t table_gpa, unsigned int idx, uint32_t v)
{
    *(uint32_t *)gpa_ptr(table_gpa + idx * 4) = v;
}

static void expect_gpa(const struct guest_paging *gp, uint64_t la, bool write, gpa_t want,
                       const char *what)
{
    gpa_t gpa = 0xdeadbeef;
    int rc = guest_linear_to_gpa(gp, &p2m, la, write, &gpa);

    if (CHECK_EQ_S(rc, 0, "%s: translates", what))
        CHECK_EQ(gpa, want, "%s: gpa", what);
}

static void expect_fault(const struct guest_paging *gp, uint64_t la, bool write, const char *what)
{
    gpa_t gpa;

    CHECK_EQ_S(guest_linear_to_gpa(gp, &p2m, la, write, &gpa), -EFAULT, "%s: -EFAULT", what);
}

/* ---- paging off ---- */

static void test_paging_off(void)
{
    struct guest_paging gp = { .cr0 = X86_CR0_PE, .cr3 = OUTSIDE };

    setup();
    expect_gpa(&gp, 0x12345, false, 0x12345, "paging off, low address");
    expect_gpa(&gp, 0x123456789ull, true, 0x23456789, "paging off, la truncated to 32 bits");
    expect_gpa(&gp, ~0ull, false, 0xffffffffull, "paging off, la ~0");
    gp.cr0 = 0;
    expect_gpa(&gp, 0xabcdef0123ull, false, 0xcdef0123, "real mode, la truncated");
}

/* ---- 4-level long mode ---- */

/*
 * PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; indexes 0xfe/0x1a3/0xc5/0x76.
 * Bit 12 of LA64 is clear, so a large page's PAT bit (12) leaking into the
 * result would show.
 */
#define L4_T   0x1000ull
#define L3_T   0x2000ull
#define L2_T   0x3000ull
#define L1_T   0x4000ull
#define LA64   ((0xfeull << 39) | (0x1a3ull << 30) | (0xc5ull << 21) | (0x76ull << 12) | 0xabc)
#define LEAF4K 0x0123456789000ull

static const struct guest_paging gp_long = {
    .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = L4_T,
    .cr4 = X86_CR4_PAE, .efer = EFER_LME | EFER_LMA, .cs_long = true,
};

static void build_long(void)
{
    setup();
    put64(L4_T, 0xfe, L3_T | P | RW | _PAGE_USER);
    put64(L4_T, 0x1ff, L3_T | P | RW);          /* the high half: same PDPT */
    put64(L3_T, 0x1a3, L2_T | P | RW | _PAGE_ACCESSED);
    put64(L2_T, 0xc5, L1_T | P | RW);
    put64(L1_T, 0x76, LEAF4K | P | RW | _PAGE_DIRTY | _PAGE_NX | (0x7ffull << 52));
}

static void test_long_4k(void)
{
    build_long();
    expect_gpa(&gp_long, LA64, false, LEAF4K | 0xabc, "long 4K read");
    expect_gpa(&gp_long, LA64, true, LEAF4K | 0xabc, "long 4K write");
    expect_gpa(&gp_long, LA64 | 0xffffff8000000000ull, false, LEAF4K | 0xabc,
               "long 4K, high-half canonical address");
    expect_gpa(&gp_long, (LA64 & ~0xfffull) | 0xfff, false, LEAF4K | 0xfff,
               "long 4K, last byte of the page");
    expect_fault(&gp_long, LA64 + 0x1000, false, "long 4K, neighbouring page not present");
}

static void test_long_large(void)
{
    build_long();
    put64(L2_T, 0xc5, 0x40600000ull | (1ull << 12) | P | RW | PS);  /* bit 12: PAT */
    expect_gpa(&gp_long, LA64, true, 0x40600000ull | (LA64 & (SZ_2M - 1)), "long 2M page");
    put64(L3_T, 0x1a3, 0x80000000ull | (1ull << 12) | P | RW | PS);
    expect_gpa(&gp_long, LA64, true, 0x80000000ull | (LA64 & (SZ_1G - 1)), "long 1G page");
    put64(L3_T, 0x1a3, 0x7fc0000000ull | P | PS);
    expect_gpa(&gp_long, LA64, false, 0x7fc0000000ull | (LA64 & (SZ_1G - 1)),
               "long 1G page above 4 GiB");
}

static void test_long_noncanonical(void)
{
    build_long();
    put64(L4_T, 0x1fe, L3_T | P | RW);          /* would translate if not refused */
    expect_gpa(&gp_long, LA64 | 0xffff800000000000ull, false, LEAF4K | 0xabc,
               "canonical address through entry 0x1fe");
    expect_fault(&gp_long, LA64 | (1ull << 47), false, "bit 47 set, bits 63:48 clear");
    expect_fault(&gp_long, LA64 | (1ull << 48), false, "bit 48 set alone");
    expect_fault(&gp_long, LA64 | (1ull << 63), false, "bit 63 set alone");
}

static const struct { gpa_t table; unsigned int idx; const char *name; } long_levels[] = {
    { L4_T, 0xfe, "PML4E" }, { L3_T, 0x1a3, "PDPTE" }, { L2_T, 0xc5, "PDE" }, { L1_T, 0x76, "PTE" },
};

static uint64_t *long_entry(size_t level)
{
    return (uint64_t *)gpa_ptr(long_levels[level].table + long_levels[level].idx * 8);
}

static void test_long_not_present(void)
{
    char what[64];

    build_long();
    for (size_t i = 0; i < ARRAY_SIZE(long_levels); i++) {
        *long_entry(i) &= ~P;
        snprintf(what, sizeof(what), "%s not present", long_levels[i].name);
        expect_fault(&gp_long, LA64, false, what);
        *long_entry(i) |= P;
    }
    expect_gpa(&gp_long, LA64, false, LEAF4K | 0xabc, "all present again");
}

static void test_long_read_only(void)
{
    struct guest_paging no_wp = gp_long;
    char what[64];

    build_long();
    no_wp.cr0 &= ~X86_CR0_WP;
    for (size_t i = 0; i < ARRAY_SIZE(long_levels); i++) {
        *long_entry(i) &= ~RW;
        snprintf(what, sizeof(what), "read-only %s, write with WP", long_levels[i].name);
        expect_fault(&gp_long, LA64, true, what);
        snprintf(what, sizeof(what), "read-only %s, read with WP", long_levels[i].name);
        expect_gpa(&gp_long, LA64, false, LEAF4K | 0xabc, what);
        snprintf(what, sizeof(what), "read-only %s, write without WP", long_levels[i].name);
        expect_gpa(&no_wp, LA64, true, LEAF4K | 0xabc, what);
        *long_entry(i) |= RW;
    }
}

static void test_long_outside_p2m(void)
{
    struct guest_paging gp = gp_long;

    build_long();
    gp.cr3 = OUTSIDE;
    expect_fault(&gp, LA64, false, "CR3 outside guest RAM");
    put64(L3_T, 0x1a3, OUTSIDE | P | RW);
    expect_fault(&gp_long, LA64, false, "PD outside guest RAM");
    put64(L3_T, 0x1a3, L2_T | P | RW);
    put64(L2_T, 0xc5, (OUTSIDE + 0x5000) | P | RW);
    expect_fault(&gp_long, LA64, false, "PT outside guest RAM");
}

/* ---- 32-bit, no PAE ---- */

#define PD32   0x5000ull
#define PT32   0x6000ull
#define LA32   ((0x2a5u << 22) | (0x1c2u << 12) | 0x9abu)   /* bit 12 clear */

static const struct guest_paging gp_32 = {
    .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = PD32,
};

static void build_32(void)
{
    setup();
    put32(PD32, 0x2a5, PT32 | P | RW);
    put32(PT32, 0x1c2, 0xfedcb000u | P | RW);
}

static void test_32bit_4k(void)
{
    struct guest_paging gp = gp_32;

    build_32();
    expect_gpa(&gp_32, LA32, true, 0xfedcb9abull, "32-bit 4K page");
    expect_gpa(&gp_32, 0xdead000000000000ull | LA32, false, 0xfedcb9abull,
               "32-bit, la above 4 GiB truncated");
    gp.cr3 = PD32 | 0xfff;
    expect_gpa(&gp, LA32, false, 0xfedcb9abull, "32-bit, CR3 low bits ignored");
    put32(PD32, 0x2a5, PT32 | P | PS);          /* PSE bit without CR4.PSE: a table */
    expect_gpa(&gp_32, LA32, false, 0xfedcb9abull, "32-bit, PS ignored without CR4.PSE");
    put32(PT32, 0x1c2, 0xfedcb000u | P);
    expect_fault(&gp_32, LA32, true, "32-bit, write to a read-only PTE with WP");
    put32(PD32, 0x2a5, PT32 | RW);
    expect_fault(&gp_32, LA32, false, "32-bit, PDE not present");
    put32(PD32, 0x2a5, (uint32_t)OUTSIDE | P | RW);
    expect_fault(&gp_32, LA32, false, "32-bit, PT outside guest RAM");
}

static void test_32bit_4m(void)
{
    struct guest_paging gp = gp_32;

    build_32();
    gp.cr4 = X86_CR4_PSE;
    put32(PD32, 0x2a5, 0x7fc00000u | (1u << 12) | P | RW | PS);     /* bit 12: PAT */
    expect_gpa(&gp, LA32, true, 0x7fc00000ull | (LA32 & 0x3fffff), "32-bit 4M page");
    put32(PD32, 0x2a5, 0x7fc00000u | P | PS);
    expect_fault(&gp, LA32, true, "32-bit read-only 4M page, write with WP");
    expect_gpa(&gp, LA32, false, 0x7fc00000ull | (LA32 & 0x3fffff), "32-bit read-only 4M, read");
    put32(PD32, 0x2a5, PT32 | P | RW);
    expect_gpa(&gp, LA32, false, 0xfedcb9abull, "32-bit 4K page with CR4.PSE");
}

/* ---- PAE, 3 levels ---- */

#define PDPT_PAE  0x7020ull     /* 32-byte aligned, not page aligned */
#define PD_PAE    0x8000ull
#define PT_PAE    0x9000ull
#define LA_PAE    ((2u << 30) | (0xc5u << 21) | (0x76u << 12) | 0x5abu)   /* bit 12 clear */

static const struct guest_paging gp_pae = {
    .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = PDPT_PAE, .cr4 = X86_CR4_PAE,
};

static void build_pae(void)
{
    setup();
    put64(PDPT_PAE, 2, PD_PAE | P);
    put64(PD_PAE, 0xc5, PT_PAE | P | RW);
    put64(PT_PAE, 0x76, 0x123456000ull | P | RW | _PAGE_NX);
}

/* PAE PDPTEs have no RW bit: writes go through PDPTE 2 = PD_PAE | P. */
static void test_pae(void)
{
    struct guest_paging lme = gp_pae;

    build_pae();
    lme.efer = EFER_LME;
    expect_gpa(&gp_pae, LA_PAE, true, 0x1234565abull, "PAE 4K page above 4 GiB");
    expect_gpa(&lme, LA_PAE, false, 0x1234565abull, "PAE walk with EFER.LME but not LMA");
    expect_gpa(&gp_pae, (1ull << 40) | LA_PAE, false, 0x1234565abull,
               "PAE, la above 4 GiB truncated");
    expect_fault(&gp_pae, LA_PAE - (1u << 30), false, "PAE, PDPTE 1 not present");
    put64(PD_PAE, 0xc5, 0x140600000ull | (1ull << 12) | P | RW | PS);
    expect_gpa(&gp_pae, LA_PAE, true, 0x140600000ull | (LA_PAE & (SZ_2M - 1)), "PAE 2M page");
    put64(PD_PAE, 0xc5, 0x140600000ull | P | PS);
    expect_fault(&gp_pae, LA_PAE, true, "PAE read-only 2M page, write with WP");
    put64(PD_PAE, 0xc5, 0x140600000ull | PS | RW);
    expect_fault(&gp_pae, LA_PAE, false, "PAE, PDE not present");
    put64(PD_PAE, 0xc5, PT_PAE | P | RW);
    put64(PDPT_PAE, 2, PD_PAE);
    expect_fault(&gp_pae, LA_PAE, false, "PAE, PDPTE not present (PD below it valid)");
    put64(PDPT_PAE, 2, OUTSIDE | P);
    expect_fault(&gp_pae, LA_PAE, false, "PAE, PD outside guest RAM");
}

/* ---- as the CPU's own access (guest_walk, GW_CPU) ---- */

#define US   _PAGE_USER
#define AD   (_PAGE_ACCESSED | _PAGE_DIRTY)

/* guest_walk with GW_CPU for access: its result, and *pfec. */
static int cpu_walk(const struct guest_paging *gp, uint64_t la, uint32_t access, uint32_t *pfec,
                    gpa_t *gpa)
{
    *pfec = access;
    return guest_walk(gp, &p2m, la, GW_CPU, pfec, gpa);
}

static void expect_pf(const struct guest_paging *gp, uint64_t la, uint32_t access, uint32_t want,
                      const char *what)
{
    uint32_t pfec;
    gpa_t gpa;

    if (CHECK_EQ_S(cpu_walk(gp, la, access, &pfec, &gpa), GUEST_WALK_PF, "%s: #PF", what))
        CHECK_EQ(pfec, want, "%s: error code", what);
}

static void expect_ok(const struct guest_paging *gp, uint64_t la, uint32_t access, gpa_t want,
                      const char *what)
{
    uint32_t pfec;
    gpa_t gpa = 0;

    if (CHECK_EQ_S(cpu_walk(gp, la, access, &pfec, &gpa), 0, "%s: translates", what))
        CHECK_EQ(gpa, want, "%s: gpa", what);
}

/* The long-mode tables with U/S everywhere and no NX (EFER.NXE clear). */
static void build_long_user(void)
{
    build_long();
    for (size_t i = 0; i < ARRAY_SIZE(long_levels); i++)
        *long_entry(i) = (*long_entry(i) & ~(_PAGE_NX | AD)) | US;
}

static void test_cpu_user(void)
{
    char what[80];

    build_long_user();
    expect_ok(&gp_long, LA64, PFEC_USER | PFEC_WRITE, LEAF4K | 0xabc, "user write, U/S and R/W all levels");
    for (size_t i = 0; i < ARRAY_SIZE(long_levels); i++) {
        *long_entry(i) &= ~US;
        snprintf(what, sizeof(what), "supervisor %s, user read", long_levels[i].name);
        expect_pf(&gp_long, LA64, PFEC_USER, PFEC_PRESENT | PFEC_USER, what);
        snprintf(what, sizeof(what), "supervisor %s, user write", long_levels[i].name);
        expect_pf(&gp_long, LA64, PFEC_USER | PFEC_WRITE, PFEC_PRESENT | PFEC_USER | PFEC_WRITE, what);
        snprintf(what, sizeof(what), "supervisor %s, supervisor write", long_levels[i].name);
        expect_ok(&gp_long, LA64, PFEC_WRITE, LEAF4K | 0xabc, what);
        *long_entry(i) |= US;
    }
    /* Not present wins over a protection fault at a level above. */
    *long_entry(0) &= ~US;
    *long_entry(3) &= ~P;
    expect_pf(&gp_long, LA64, PFEC_USER | PFEC_WRITE, PFEC_USER | PFEC_WRITE,
              "supervisor PML4E, PTE not present: not-present fault");
    expect_pf(&gp_long, LA64, 0, 0, "PTE not present, supervisor read: error code 0");
    /* A user write to a read-only page faults whatever CR0.WP says. */
    *long_entry(0) |= US;
    *long_entry(3) |= P;
    *long_entry(2) &= ~RW;
    {
        struct guest_paging no_wp = gp_long;

        no_wp.cr0 &= ~X86_CR0_WP;
        expect_pf(&no_wp, LA64, PFEC_USER | PFEC_WRITE, PFEC_PRESENT | PFEC_USER | PFEC_WRITE,
                  "read-only PDE, user write without WP");
        expect_ok(&no_wp, LA64, PFEC_WRITE, LEAF4K | 0xabc, "read-only PDE, supervisor write without WP");
        expect_pf(&gp_long, LA64, PFEC_WRITE, PFEC_PRESENT | PFEC_WRITE,
                  "read-only PDE, supervisor write with WP");
    }
}

static void test_cpu_smap_smep_nx(void)
{
    struct guest_paging gp = gp_long;

    build_long_user();
    gp.cr4 |= X86_CR4_SMAP;
    expect_pf(&gp, LA64, PFEC_WRITE, PFEC_PRESENT | PFEC_WRITE, "SMAP: supervisor write to a user page");
    expect_pf(&gp, LA64, 0, PFEC_PRESENT, "SMAP: supervisor read of a user page");
    gp.rflags = X86_EFLAGS_AC;
    expect_ok(&gp, LA64, PFEC_WRITE, LEAF4K | 0xabc, "SMAP with RFLAGS.AC: allowed");
    expect_ok(&gp, LA64, PFEC_USER | PFEC_WRITE, LEAF4K | 0xabc, "SMAP: a user access is not touched");
    *long_entry(3) &= ~US;
    gp.rflags = 0;
    expect_ok(&gp, LA64, PFEC_WRITE, LEAF4K | 0xabc, "SMAP: a supervisor page");
    *long_entry(3) |= US;
    gp.cr4 = gp_long.cr4 | X86_CR4_SMEP;
    expect_pf(&gp, LA64, PFEC_FETCH, PFEC_PRESENT | PFEC_FETCH, "SMEP: supervisor fetch from a user page");
    expect_ok(&gp, LA64, 0, LEAF4K | 0xabc, "SMEP: a supervisor read is not touched");
    /* NX without EFER.NXE is a reserved bit; with it, a fetch fault. */
    *long_entry(1) |= _PAGE_NX;
    expect_pf(&gp_long, LA64, 0, PFEC_PRESENT | PFEC_RSVD, "NX without EFER.NXE: reserved bit");
    gp = gp_long;
    gp.efer |= EFER_NXE;
    expect_ok(&gp, LA64, PFEC_WRITE, LEAF4K | 0xabc, "NX PDPTE: a write is allowed");
    expect_pf(&gp, LA64, PFEC_FETCH, PFEC_PRESENT | PFEC_FETCH, "NX PDPTE: a fetch faults");
    *long_entry(1) &= ~_PAGE_NX;
    *long_entry(0) |= PS;
    expect_pf(&gp_long, LA64, 0, PFEC_PRESENT | PFEC_RSVD, "PS in a PML4E: reserved bit");
    expect_gpa(&gp_long, LA64, false, LEAF4K | 0xabc, "hypercall walk: reserved bits not checked");
    /* Address bits above MAXPHYADDR: reserved, in a table's entry or the leaf. */
    *long_entry(0) &= ~PS;
    guest_walk_set_maxphyaddr(46);
    expect_ok(&gp_long, LA64, 0, LEAF4K | 0xabc, "MAXPHYADDR 46: the leaf's bit 44 is an address bit");
    guest_walk_set_maxphyaddr(40);
    expect_pf(&gp_long, LA64, PFEC_WRITE, PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD,
              "MAXPHYADDR 40: the leaf's bit 44 is reserved");
    expect_gpa(&gp_long, LA64, true, LEAF4K | 0xabc, "hypercall walk: MAXPHYADDR not checked");
    *long_entry(3) = (*long_entry(3) & ~PTE_ADDR_MASK) | 0x5000;
    expect_ok(&gp_long, LA64, 0, 0x5abc, "MAXPHYADDR 40: a low leaf translates");
    *long_entry(2) |= 1ull << 51;
    expect_pf(&gp_long, LA64, 0, PFEC_PRESENT | PFEC_RSVD, "MAXPHYADDR 40: a PDE's bit 51 is reserved");
    guest_walk_set_maxphyaddr(52);
    CHECK_EQ_S(cpu_walk(&gp_long, LA64, 0, &(uint32_t){ 0 }, &(gpa_t){ 0 }), -EFAULT,
               "MAXPHYADDR 52: bit 51 is an address, the PT's outside guest RAM: -EFAULT");
    *long_entry(2) &= ~(1ull << 51);
    expect_ok(&gp_long, LA64, 0, 0x5abc, "MAXPHYADDR 52: the PDE without bit 51 translates");
}

static void test_cpu_ad_bits(void)
{
    uint32_t pfec;
    gpa_t gpa;

    build_long_user();
    expect_gpa(&gp_long, LA64, true, LEAF4K | 0xabc, "hypercall write walk");
    CHECK_EQ(*long_entry(3) & AD, 0, "a hypercall walk sets no A/D bit");
    expect_ok(&gp_long, LA64, 0, LEAF4K | 0xabc, "CPU read walk");
    for (size_t i = 0; i < ARRAY_SIZE(long_levels); i++)
        CHECK_EQ(*long_entry(i) & AD, _PAGE_ACCESSED, "read: %s accessed, not dirty", long_levels[i].name);
    expect_ok(&gp_long, LA64, PFEC_WRITE, LEAF4K | 0xabc, "CPU write walk");
    CHECK_EQ(*long_entry(3) & AD, AD, "write: the PTE accessed and dirty");
    CHECK_EQ(*long_entry(2) & AD, _PAGE_ACCESSED, "write: the PDE accessed only");
    build_long_user();
    *long_entry(3) &= ~US;
    expect_pf(&gp_long, LA64, PFEC_USER, PFEC_PRESENT | PFEC_USER, "user read of a supervisor page");
    CHECK_EQ(*long_entry(0) & AD, 0, "a faulting walk sets no A bit");
    CHECK_EQ_S(cpu_walk(&gp_long, 0x0000800000000000ull, 0, &pfec, &gpa), GUEST_WALK_GP,
               "non-canonical: #GP");
    put64(L2_T, 0xc5, (OUTSIDE + 0x5000) | P | RW | US);
    CHECK_EQ_S(cpu_walk(&gp_long, LA64, 0, &pfec, &gpa), -EFAULT, "PT outside guest RAM: -EFAULT");
    /* 32-bit paging: 4-byte entries. */
    build_32();
    put32(PD32, 0x2a5, PT32 | P | RW | US);
    put32(PT32, 0x1c2, 0xfedcb000u | P | RW);
    expect_pf(&gp_32, LA32, PFEC_USER, PFEC_PRESENT | PFEC_USER, "32-bit: user read of a supervisor PTE");
    expect_ok(&gp_32, LA32, PFEC_WRITE, 0xfedcb9abull, "32-bit: supervisor write");
    CHECK_EQ(*(uint32_t *)gpa_ptr(PT32 + 0x1c2 * 4) & AD, AD, "32-bit: PTE accessed and dirty");
    CHECK_EQ(*(uint32_t *)gpa_ptr(PD32 + 0x2a5 * 4) & AD, _PAGE_ACCESSED, "32-bit: PDE accessed");
}

int main(void)
{
    check_area("guest_walk");
    test_paging_off();
    test_long_4k();
    test_long_large();
    test_long_noncanonical();
    test_long_not_present();
    test_long_read_only();
    test_long_outside_p2m();
    test_32bit_4k();
    test_32bit_4m();
    test_pae();
    test_cpu_user();
    test_cpu_smap_smep_nx();
    test_cpu_ad_bits();
    return check_done();
}
