/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure argument checks of domctl and memory_op (domctl_check.c): no
 * domain, no p2m, so the host unit tests compile them as they are. Each
 * returns 0 or a negative errno.
 */
#ifndef COMMON_DOMCTL_CHECK_H
#define COMMON_DOMCTL_CHECK_H

#include <mica/types.h>
#include <public/domctl.h>
#include <public/memory.h>

/* A 64-bit address is canonical (bits 63..47 all equal). */
bool addr_canonical(uint64_t a);

/* A creator-given name: NUL-terminated inside the field, printable ASCII. */
int domctl_check_name(const char name[MICA_DOMAIN_NAME_LEN]);
/* Everything in a create request that does not depend on the machine. */
int domctl_check_create(const struct mica_domctl_create *c);
/* A new name: as domctl_check_name(), and not empty. */
int domctl_check_rename(const struct mica_domctl_rename *r);
/* A reservation ceiling in KiB. */
int domctl_check_max_mem(uint64_t max_mem_kb);
/* A hypervisor-memory budget within MICA_HYP_BUDGET_MIN_KB .. MAX_KB. */
int domctl_check_hyp_budget(uint64_t budget_kb);
int domctl_check_vcpus(const struct mica_domctl_vcpus *c);
/* The entry state (the vCPU number is checked against the domain). */
int domctl_check_vcpu_context(const struct mica_domctl_vcpu_context *c);

/*
 * The gfns of a reservation call: sorts them, then -EINVAL if one is at or
 * above MICA_GFN_LIMIT or appears twice.
 */
int memop_check_gfns(uint64_t *gfns, uint32_t nr);
/* [first, first + nr) lies below MICA_GFN_LIMIT (and does not wrap). */
bool memop_range_ok(uint64_t first, uint64_t nr);

#endif
