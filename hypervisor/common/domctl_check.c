/* SPDX-License-Identifier: GPL-2.0-only */
/* Argument checks for domctl and memory_op that need no domain (domctl_check.h). */
#include <mica/errno.h>
#include <mica/lib.h>
#include "domctl_check.h"

#define CR3_LIMIT  (1ull << 52)

bool addr_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

int domctl_check_name(const char name[MICA_DOMAIN_NAME_LEN])
{
    size_t n = strnlen(name, MICA_DOMAIN_NAME_LEN);

    if (n == MICA_DOMAIN_NAME_LEN)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            return -EINVAL;
    return 0;
}

int domctl_check_create(const struct mica_domctl_create *c)
{
    uint64_t max = c->max_mem_kb ? c->max_mem_kb : c->mem_kb;

    if ((c->flags & ~MICA_DOMCTL_CREATE_F_PLATFORM) || !c->nr_vcpus ||
        c->nr_vcpus > MICA_MAX_VCPUS)
        return -EINVAL;
    if (!c->mem_kb || (c->mem_kb & 3) || c->mem_kb > MICA_MAX_MEM_KB)
        return -EINVAL;
    if (max < c->mem_kb || domctl_check_max_mem(max))
        return -EINVAL;
    if (c->hyp_budget_kb && domctl_check_hyp_budget(c->hyp_budget_kb))
        return -EINVAL;
    return domctl_check_name(c->name);
}

int domctl_check_rename(const struct mica_domctl_rename *r)
{
    return r->name[0] ? domctl_check_name(r->name) : -EINVAL;
}

int domctl_check_max_mem(uint64_t max_mem_kb)
{
    return (max_mem_kb & 3) || max_mem_kb > MICA_MAX_MEM_KB ? -EINVAL : 0;
}

int domctl_check_hyp_budget(uint64_t budget_kb)
{
    return budget_kb < MICA_HYP_BUDGET_MIN_KB || budget_kb > MICA_HYP_BUDGET_MAX_KB ?
           -EINVAL : 0;
}

int domctl_check_vcpus(const struct mica_domctl_vcpus *c)
{
    return c->pad || !c->nr_vcpus || c->nr_vcpus > MICA_MAX_VCPUS ? -EINVAL : 0;
}

/* A GDT selector for ring 0 whose 8-byte descriptor lies inside the limit. */
static bool selector_ok(uint16_t sel, uint16_t gdt_limit)
{
    return sel && !(sel & 7) && (uint32_t)sel + 7 <= gdt_limit;
}

int domctl_check_vcpu_context(const struct mica_domctl_vcpu_context *c)
{
    if (c->flags || c->pad)
        return -EINVAL;
    if (!addr_canonical(c->rip) || !addr_canonical(c->rsp) || !addr_canonical(c->gdt_base))
        return -EINVAL;
    if ((c->cr3 & (PAGE_SIZE - 1)) || c->cr3 >= CR3_LIMIT)
        return -EINVAL;
    if (!selector_ok(c->cs, c->gdt_limit) || !selector_ok(c->ds, c->gdt_limit))
        return -EINVAL;
    return 0;
}

/* Shell sort: no recursion, no allocation, n is at most a few thousand. */
static void sort_u64(uint64_t *a, uint32_t n)
{
    static const uint32_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

    for (size_t g = 0; g < ARRAY_SIZE(gaps); g++) {
        uint32_t gap = gaps[g];

        for (uint32_t i = gap; i < n; i++) {
            uint64_t x = a[i];
            uint32_t j = i;

            for (; j >= gap && a[j - gap] > x; j -= gap)
                a[j] = a[j - gap];
            a[j] = x;
        }
    }
}

int memop_check_gfns(uint64_t *gfns, uint32_t nr)
{
    sort_u64(gfns, nr);
    for (uint32_t i = 0; i < nr; i++)
        if (gfns[i] >= MICA_GFN_LIMIT || (i && gfns[i] == gfns[i - 1]))
            return -EINVAL;
    return 0;
}

bool memop_range_ok(uint64_t first, uint64_t nr)
{
    return first < MICA_GFN_LIMIT && nr <= MICA_GFN_LIMIT - first;
}
