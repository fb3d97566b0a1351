/* SPDX-License-Identifier: GPL-2.0-only */
/* Grant tables (common/grant_table.c): the hooks the domain lifecycle calls. */
#ifndef MICA_GRANT_TABLE_H
#define MICA_GRANT_TABLE_H

#include <mica/types.h>

struct domain;

/* Give a new domain its (empty) grant state: 0 or -ENOMEM. */
int gnttab_domain_init(struct domain *d);

/*
 * A domain is being destroyed (none of its vCPUs is on a CPU). Its own
 * mappings of other domains' grants are unmapped. Returns true when its
 * memory may be freed now; false while another domain still has one of its
 * grants mapped: the domain then stays, its frames allocated, and the
 * unmap that releases the last such mapping calls domain_relinquish()
 * for it again.
 */
bool gnttab_domain_release(struct domain *d);

#endif
