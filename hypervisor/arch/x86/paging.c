/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's own page tables. Everything is identity-mapped (virtual ==
 * physical). The image gets 4 KiB pages with W^X: text read+execute, rodata
 * read-only, data and bss read+write, never executable. Everything else is
 * non-executable: RAM write-back, holes and MMIO uncached. Page 0 is left
 * unmapped so a NULL dereference faults.
 */
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/console.h>
#include <mica/panic.h>
#include <asm/x86.h>
#include <asm/page.h>
#include <asm/setup.h>
#include <asm/smp.h>

static uint64_t nx_bit;
unsigned long hyp_cr3;

bool cpu_has_nx(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0x80000001, 0, &a, &b, &c, &d);
    return d & (1u << 20);
}

static pte_t *table_alloc(void)
{
    pte_t *t = page_alloc_hyp(0);

    if (!t)
        panic("out of memory for page tables");
    return t;
}

/* The entry for va at the level whose entries map 2^shift bytes. */
static pte_t *walk_create(pte_t *root, uint64_t va, unsigned int shift)
{
    pte_t *t = root;

    for (unsigned int s = L4_SHIFT; s > shift; s -= 9) {
        pte_t *e = &t[pt_index(va, s)];

        if (!(*e & _PAGE_PRESENT))
            *e = (uint64_t)table_alloc() | _PAGE_PRESENT | _PAGE_RW;
        t = (pte_t *)(*e & PTE_ADDR_MASK);
    }
    return &t[pt_index(va, shift)];
}

static bool range_is_ram(const struct boot_info *bi, paddr_t s, paddr_t e)
{
    for (unsigned int i = 0; i < bi->nr_mem; i++) {
        const struct mem_region *m = &bi->mem[i];
        bool ramlike = m->type == MEM_RAM || m->type == MEM_ACPI || m->type == MEM_NVS;

        if (ramlike && m->base < e && m->base + m->len > s)
            return true;
    }
    return false;
}

static uint64_t image_flags(paddr_t pa)
{
    if (pa < (paddr_t)__text_end)
        return _PAGE_PRESENT;                        /* RX */
    if (pa < (paddr_t)__rodata_end)
        return _PAGE_PRESENT | nx_bit;               /* R */
    return _PAGE_PRESENT | _PAGE_RW | nx_bit;        /* RW */
}

/* A 2 MiB region that needs 4 KiB pages: the first one and the image's. */
static void map_small(pte_t *root, paddr_t base)
{
    for (paddr_t pa = base; pa < base + SZ_2M; pa += PAGE_SIZE) {
        pte_t *e = walk_create(root, pa, L1_SHIFT);

        if (pa == 0)
            continue;
        if (pa >= (paddr_t)__image_start && pa < (paddr_t)__image_end)
            *e = pa | image_flags(pa);
        else
            *e = pa | _PAGE_PRESENT | _PAGE_RW | nx_bit;
    }
}

void paging_init(const struct boot_info *bi)
{
    pte_t *root = table_alloc();
    paddr_t end = ALIGN_UP(MAX(bootinfo_ram_end(bi), (paddr_t)4 * SZ_1G), SZ_1G);
    paddr_t img_lo = ALIGN_DOWN((paddr_t)__image_start, SZ_2M);
    paddr_t img_hi = ALIGN_UP((paddr_t)__image_end, SZ_2M);

    nx_bit = cpu_has_nx() ? _PAGE_NX : 0;
    for (paddr_t pa = 0; pa < end; pa += SZ_2M) {
        uint64_t cache = range_is_ram(bi, pa, pa + SZ_2M) ? 0 : _PAGE_PCD | _PAGE_PWT;

        if (pa == 0 || (pa >= img_lo && pa < img_hi))
            map_small(root, pa);
        else
            *walk_create(root, pa, L2_SHIFT) =
                pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE | cache | nx_bit;
    }
    hyp_cr3 = (unsigned long)root;
    write_cr3(hyp_cr3);
    pr_info("paging: identity map to %#lx, root table at %#lx, image W^X%s\n",
            (unsigned long)end, hyp_cr3, nx_bit ? "" : " (no NX on this CPU: data stays executable)");
}
