/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the guest page walker (hypervisor/arch/x86/guest_walk.c,
 * guest_linear_to_gpa) over guest page tables the input builds, read
 * through a real p2m (npt.c on the real frame allocator), as in
 * tests/unit/test_guest_walk.c.
 *
 * Guest RAM is GUEST_PAGES frames, mapped at gfns the input picks (gfn 0
 * up, with holes, and a few more at high gfns such as above 4 GiB). The
 * input then writes 64-bit words anywhere in those pages (the tables), and
 * gives CR0, CR3, CR4, EFER, the linear address and the access.
 *
 * What is checked:
 *   - nothing but guest RAM and the p2m's own tables is read: every other
 *     frame of the shim's fake machine memory is poisoned for
 *     AddressSanitizer while the walker runs (and mfn_to_virt() of a frame
 *     outside it is a shim failure);
 *   - the result is 0 or -EFAULT; a translation keeps the page offset,
 *     fits the mode's physical width, and paging off is la truncated to
 *     32 bits;
 *   - a write allowed means the read is too, to the same address;
 *   - the walk takes no lock it does not give back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <asm/page.h>
#include <asm/x86.h>

#include "shim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR           128         /* machine frames; 0 stays reserved */
#define GUEST_PAGES  16
#define HIGH_MAPS    4           /* extra gfns anywhere, on the same pages */
#define DOMID        1

static struct frame table[NR];
static uint8_t *machine;         /* the shim's window over all NR frames */

/* Reads the input front to back; past its end everything is zero. */
struct input {
    const uint8_t *p;
    size_t left;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < bytes && in->left; i++, in->p++, in->left--)
        v |= (uint64_t)*in->p << (8 * i);
    return v;
}

static void fail(const char *why, const struct guest_paging *gp, uint64_t la, gpa_t gpa)
{
    fprintf(stderr, "fuzz_guest_walk: %s: cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx "
            "la 0x%llx gpa 0x%llx\n", why, (unsigned long long)gp->cr0,
            (unsigned long long)gp->cr3, (unsigned long long)gp->cr4,
            (unsigned long long)gp->efer, (unsigned long long)la, (unsigned long long)gpa);
    abort();
}

/* Poison every frame that is neither guest RAM nor a p2m table (or undo it). */
static void poison_others(bool on)
{
    for (mfn_t m = 0; m < NR; m++) {
        uint16_t o = table[m].owner;

        if (o == DOMID || o == OWNER_HYP)
            continue;
        if (on)
            ASAN_POISON_MEMORY_REGION(machine + m * PAGE_SIZE, PAGE_SIZE);
        else
            ASAN_UNPOISON_MEMORY_REGION(machine + m * PAGE_SIZE, PAGE_SIZE);
    }
}

/* Guest RAM per the input; returns the frame of each guest page. */
static void build_ram(struct input *in, struct p2m *p2m, mfn_t *pages)
{
    uint16_t holes = (uint16_t)take(in, 2);

    for (unsigned int i = 0; i < GUEST_PAGES; i++) {
        pages[i] = frames_alloc(0, DOMID, FA_ZERO);
        if (pages[i] == INVALID_MFN)
            shim_fatal("out of frames");
        if (!(holes & (1u << i)) && p2m_map(p2m, i, pages[i], P2M_RW))
            shim_fatal("p2m_map failed");
    }
    for (unsigned int i = 0; i < HIGH_MAPS; i++) {
        uint64_t gfn = take(in, 5) & (P2M_MAX_GFN - 1);
        unsigned int page = (unsigned int)take(in, 1) % GUEST_PAGES;

        if (gfn >= GUEST_PAGES && p2m_map(p2m, gfn, pages[page], P2M_RW))
            shim_fatal("p2m_map failed");
    }
}

/* The rest of the input: (page, 8-byte slot, value) writes into guest pages. */
static void write_tables(struct input *in, const mfn_t *pages)
{
    while (in->left) {
        unsigned int page = (unsigned int)take(in, 1) % GUEST_PAGES;
        unsigned int slot = (unsigned int)take(in, 2) % (PAGE_SIZE / 8);
        uint64_t value = take(in, 8);

        memcpy((uint8_t *)mfn_to_virt(pages[page]) + slot * 8, &value, 8);
    }
}

static int walk(const struct guest_paging *gp, struct p2m *p2m, uint64_t la, bool write,
                gpa_t *gpa)
{
    int rc, locks = shim_locks_held();

    poison_others(true);
    rc = guest_linear_to_gpa(gp, p2m, la, write, gpa);
    poison_others(false);
    if (rc != 0 && rc != -EFAULT)
        fail("result neither 0 nor -EFAULT", gp, la, *gpa);
    if (shim_locks_held() != locks)
        fail("a lock left held", gp, la, *gpa);
    return rc;
}

static void check(const struct guest_paging *gp, struct p2m *p2m, uint64_t la, bool write)
{
    gpa_t gpa = 0, rgpa = 0;
    bool paging = gp->cr0 & X86_CR0_PG;
    bool wide = (gp->efer & EFER_LMA) || (gp->cr4 & X86_CR4_PAE);

    if (walk(gp, p2m, la, write, &gpa))
        return;
    if (!paging && gpa != (la & 0xffffffffull))
        fail("paging off: not la truncated to 32 bits", gp, la, gpa);
    if (paging && (gpa & 0xfff) != (la & 0xfff))
        fail("page offset changed", gp, la, gpa);
    if (paging && gpa >> (wide ? 52 : 32))
        fail("address wider than the mode allows", gp, la, gpa);
    if (write && (walk(gp, p2m, la, false, &rgpa) || rgpa != gpa))
        fail("write allowed but the read is not, or goes elsewhere", gp, la, gpa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct guest_paging gp = { 0 };
    mfn_t pages[GUEST_PAGES];
    struct p2m p2m = { 0 };
    uint8_t mode = (uint8_t)take(&in, 1);
    uint64_t la;

    if (!machine)
        machine = shim_mem_back(0, NR);
    frames_init(table, NR);
    frames_add_free(1, NR - 1);
    /* The mode byte sets the bits that matter; raw values may add any others. */
    gp.cr0 = take(&in, 8) | ((mode & 1) ? X86_CR0_PG | X86_CR0_PE : 0) |
             ((mode & 2) ? X86_CR0_WP : 0);
    gp.cr4 = take(&in, 8) | ((mode & 4) ? X86_CR4_PAE : 0) | ((mode & 8) ? X86_CR4_PSE : 0);
    gp.efer = take(&in, 8) | ((mode & 16) ? EFER_LMA | EFER_LME : 0);
    gp.cr3 = take(&in, 8);
    la = take(&in, 8);
    if (p2m_init(&p2m, NULL))
        shim_fatal("p2m_init failed");
    build_ram(&in, &p2m, pages);
    write_tables(&in, pages);
    check(&gp, &p2m, la, mode & 32);
    p2m_destroy(&p2m);
    if (shim_locks_held())
        shim_fatal("a lock is still held");
    return 0;
}
