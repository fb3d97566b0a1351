/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot-time memory set-up: place the frame table, then give the allocator
 * every RAM frame that is not below 1 MiB (firmware, AP trampoline), the
 * hypervisor image, the boot information, a module or the table itself.
 */
#include <mica/mm.h>
#include <mica/console.h>
#include <mica/panic.h>
#include <mica/lib.h>
#include <mica/acpi.h>
#include <asm/setup.h>

#define LOW_RESERVED  0x100000ul
#define MAX_HOLES     (MAX_MODULES + 4)

struct range {
    paddr_t start, end;
};

static struct range holes[MAX_HOLES];
static unsigned int nr_holes;

void *mfn_to_virt(mfn_t mfn)
{
    return (void *)(uintptr_t)(mfn << PAGE_SHIFT);
}

mfn_t virt_to_mfn(const void *va)
{
    return (mfn_t)(uintptr_t)va >> PAGE_SHIFT;
}

static void hole_add(paddr_t start, paddr_t end)
{
    if (nr_holes < MAX_HOLES && end > start)
        holes[nr_holes++] = (struct range){ ALIGN_DOWN(start, PAGE_SIZE),
                                            ALIGN_UP(end, PAGE_SIZE) };
}

static const struct range *hole_overlapping(paddr_t s, paddr_t e, unsigned int from,
                                            unsigned int *idx)
{
    for (unsigned int i = from; i < nr_holes; i++)
        if (holes[i].start < e && holes[i].end > s) {
            *idx = i;
            return &holes[i];
        }
    return NULL;
}

/* Add [s, e) to the free pool minus every hole from index 'from' on. */
static void add_free_excluding(paddr_t s, paddr_t e, unsigned int from)
{
    unsigned int i;
    const struct range *h;
    mfn_t first = ALIGN_UP(s, PAGE_SIZE) >> PAGE_SHIFT;
    mfn_t last = e >> PAGE_SHIFT;

    if (e <= s)
        return;
    h = hole_overlapping(s, e, from, &i);
    if (h) {
        add_free_excluding(s, h->start, i + 1);
        add_free_excluding(h->end, e, i + 1);
        return;
    }
    if (last > first)
        frames_add_free(first, last - first);
}

/*
 * RAM region r of the firmware's map, [s, e) of it, minus what an earlier
 * RAM region from index 'from' on covers (already added): a map whose
 * regions overlap must not hand a frame to the allocator twice. Only whole
 * pages inside each range are added, so byte ranges that do not overlap
 * never share a frame.
 */
static void add_ram_region(const struct boot_info *bi, unsigned int r, paddr_t s, paddr_t e,
                           unsigned int from)
{
    for (unsigned int q = from; q < r && e > s; q++) {
        const struct mem_region *m = &bi->mem[q];

        if (m->type == MEM_RAM && m->base < e && m->base + m->len > s) {
            add_ram_region(bi, r, s, m->base, q + 1);
            add_ram_region(bi, r, m->base + m->len, e, q + 1);
            return;
        }
    }
    add_free_excluding(s, e, 0);
}

/* First page-aligned stretch of RAM of 'size' bytes clear of every hole. */
static paddr_t find_room(const struct boot_info *bi, uint64_t size)
{
    for (unsigned int r = 0; r < bi->nr_mem; r++) {
        const struct mem_region *m = &bi->mem[r];
        paddr_t s = ALIGN_UP(MAX(m->base, (paddr_t)LOW_RESERVED), PAGE_SIZE);
        unsigned int i;

        if (m->type != MEM_RAM)
            continue;
        while (s + size <= m->base + m->len) {
            const struct range *h = hole_overlapping(s, s + size, 0, &i);

            if (!h)
                return s;
            s = h->end;
        }
    }
    return 0;
}

void memory_init(const struct boot_info *bi)
{
    paddr_t ram_end = bootinfo_ram_end(bi);
    mfn_t nr_frames = ram_end >> PAGE_SHIFT;
    uint64_t table_bytes = ALIGN_UP(nr_frames * sizeof(struct frame), PAGE_SIZE);
    paddr_t table;

    hole_add(0, LOW_RESERVED);
    hole_add((paddr_t)__image_start, (paddr_t)__image_end);
    hole_add(bi->mbi_start, bi->mbi_end);
    for (unsigned int i = 0; i < bi->nr_mods; i++)
        hole_add(bi->mods[i].start, bi->mods[i].end);
    table = find_room(bi, table_bytes);
    if (!table)
        panic("no room for the frame table (%lu KiB)", (unsigned long)(table_bytes >> 10));
    hole_add(table, table + table_bytes);

    frames_init((struct frame *)table, nr_frames);
    for (unsigned int r = 0; r < bi->nr_mem; r++)
        if (bi->mem[r].type == MEM_RAM)
            add_ram_region(bi, r, bi->mem[r].base, bi->mem[r].base + bi->mem[r].len, 0);
    for (unsigned int i = 0; i < bi->nr_mods; i++) {
        paddr_t s = ALIGN_DOWN(bi->mods[i].start, PAGE_SIZE);
        paddr_t e = ALIGN_UP(bi->mods[i].end, PAGE_SIZE);

        frames_set_owner(s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT, OWNER_MODULE);
    }
    frames_set_owner(table >> PAGE_SHIFT, table_bytes >> PAGE_SHIFT, OWNER_HYP);
    pr_info("memory: %lu MiB RAM in the map, highest address %#lx\n",
            (unsigned long)(bootinfo_ram_bytes(bi) >> 20), (unsigned long)ram_end);
    pr_info("memory: %lu MiB free for the allocator, frame table %lu KiB at %#lx\n",
            (unsigned long)(frames_free_count() >> (20 - PAGE_SHIFT)),
            (unsigned long)(table_bytes >> 10), (unsigned long)table);
}

/*
 * Firmware tables are read before the final page tables exist, through the
 * boot map of the low 4 GiB: anything outside it is refused, not faulted on.
 */
const void *acpi_map(paddr_t pa, size_t len)
{
    const uint64_t limit = 1ull << 32;

    if (pa == 0 || pa >= limit || len > limit - pa)
        return NULL;
    return (const void *)(uintptr_t)pa;
}
