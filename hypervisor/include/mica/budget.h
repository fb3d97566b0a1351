/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's hypervisor-memory budget (public/domctl.h, MICA_HYP_BUDGET_*):
 * every page or object the hypervisor allocates because of the domain's
 * requests is charged to it, and a request that would go past the limit
 * fails with -EDQUOT before anything is allocated. So one domain's
 * behaviour can never use up the memory another domain's reservation
 * relies on.
 */
#ifndef MICA_BUDGET_H
#define MICA_BUDGET_H

#include <mica/types.h>

struct hyp_budget {
    uint64_t used;       /* bytes charged now */
    uint64_t limit;      /* bytes it may reach */
};

void hyp_budget_init(struct hyp_budget *b, uint64_t limit);
/* Charge bytes: 0, or -EDQUOT (nothing charged). A NULL budget is free. */
int hyp_charge(struct hyp_budget *b, uint64_t bytes);
void hyp_uncharge(struct hyp_budget *b, uint64_t bytes);
uint64_t hyp_budget_used(const struct hyp_budget *b);

/* Charged allocations: NULL with *rc = -EDQUOT or -ENOMEM. */
void *hyp_page_alloc(struct hyp_budget *b, unsigned int order, int *rc);
void hyp_page_free(struct hyp_budget *b, void *va, unsigned int order);
void *hyp_zalloc(struct hyp_budget *b, size_t size, int *rc);
void hyp_free(struct hyp_budget *b, void *p, size_t size);

#endif
