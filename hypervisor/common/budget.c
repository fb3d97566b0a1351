/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-domain hypervisor-memory budgets (<mica/budget.h>). Charges are
 * atomic so that two vCPUs of one domain cannot both slip under the limit.
 */
#include <mica/budget.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/panic.h>

void hyp_budget_init(struct hyp_budget *b, uint64_t limit)
{
    b->used = 0;
    b->limit = limit;
}

int hyp_charge(struct hyp_budget *b, uint64_t bytes)
{
    uint64_t old;

    if (!b)
        return 0;
    old = __atomic_load_n(&b->used, __ATOMIC_RELAXED);
    do {
        uint64_t limit = __atomic_load_n(&b->limit, __ATOMIC_RELAXED);

        if (old > limit || bytes > limit - old)
            return -EDQUOT;
    } while (!__atomic_compare_exchange_n(&b->used, &old, old + bytes, false,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return 0;
}

void hyp_uncharge(struct hyp_budget *b, uint64_t bytes)
{
    uint64_t old;

    if (!b)
        return;
    old = __atomic_fetch_sub(&b->used, bytes, __ATOMIC_RELAXED);
    if (old < bytes)
        panic("hypervisor budget: %lu bytes uncharged, only %lu charged",
              (unsigned long)bytes, (unsigned long)old);
}

uint64_t hyp_budget_used(const struct hyp_budget *b)
{
    return __atomic_load_n(&b->used, __ATOMIC_RELAXED);
}

void *hyp_page_alloc(struct hyp_budget *b, unsigned int order, int *rc)
{
    void *p;

    *rc = hyp_charge(b, (uint64_t)PAGE_SIZE << order);
    if (*rc)
        return NULL;
    p = page_alloc_hyp(order);
    if (!p) {
        hyp_uncharge(b, (uint64_t)PAGE_SIZE << order);
        *rc = -ENOMEM;
    }
    return p;
}

void hyp_page_free(struct hyp_budget *b, void *va, unsigned int order)
{
    if (!va)
        return;
    page_free_hyp(va, order);
    hyp_uncharge(b, (uint64_t)PAGE_SIZE << order);
}

void *hyp_zalloc(struct hyp_budget *b, size_t size, int *rc)
{
    void *p;

    *rc = hyp_charge(b, size);
    if (*rc)
        return NULL;
    p = xzalloc(size);
    if (!p) {
        hyp_uncharge(b, size);
        *rc = -ENOMEM;
    }
    return p;
}

void hyp_free(struct hyp_budget *b, void *p, size_t size)
{
    if (!p)
        return;
    xfree(p);
    hyp_uncharge(b, size);
}
