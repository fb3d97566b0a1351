/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_param_op (9): per-domain parameters, Xen's HVM params. The
 * toolstack sets them when it builds a domain; the domain's own kernel
 * reads them to find its store and console rings (docs/abi.md section 19).
 *
 *     param_op(MICA_PARAM_get, struct mica_param *arg)   any domain, own params;
 *                                                         the privileged domain, any
 *     param_op(MICA_PARAM_set, struct mica_param *arg)   the privileged domain only
 *
 * Errors: -MICA_EFAULT arg unreadable (get: unwritable); -MICA_EINVAL an
 * index at or above MICA_PARAM_NR, pad not 0, or (set) a gfn param at or
 * above MICA_GFN_LIMIT or an evtchn param at or above the domain's port
 * limit; -MICA_EPERM get of another domain's or any set by an unprivileged
 * domain; -MICA_ESRCH no such domain. A param never set reads as 0
 * (no store, no console: gfn 0 is never a ring page).
 */
#ifndef MICA_PUBLIC_PARAM_H
#define MICA_PUBLIC_PARAM_H

#include "types.h"

#define MICA_PARAM_get  0
#define MICA_PARAM_set  1

#define MICA_PARAM_STORE_GFN       0   /* the domain's store ring page (struct mica_store_ring) */
#define MICA_PARAM_STORE_EVTCHN    1   /* the domain's port bound to the store daemon */
#define MICA_PARAM_CONSOLE_GFN     2   /* the PV console ring page (struct mica_cons_ring) */
#define MICA_PARAM_CONSOLE_EVTCHN  3   /* the domain's port bound to the console daemon */
#define MICA_PARAM_NR              4

struct mica_param {             /* 16 bytes */
    uint16_t domid;             /* IN: MICA_DOMID_SELF or an id */
    uint16_t pad;               /* IN: 0 */
    uint32_t index;             /* IN: MICA_PARAM_* */
    uint64_t value;             /* IN (set) / OUT (get) */
};
MICA_STATIC_ASSERT(sizeof(struct mica_param) == 16, "mica_param layout");

/*
 * Where the builder puts the two ring pages of a Linux domU: in the reserved
 * hole below 1 MiB that the e820 map keeps away from the kernel, so they are
 * never ordinary RAM of the guest. Guests must read the params, not these.
 */
#define MICA_SPECIAL_STORE_GFN     0xfc
#define MICA_SPECIAL_CONSOLE_GFN   0xfd

#endif
