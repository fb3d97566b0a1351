/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by domain.c and domain_end.c only. */
#ifndef COMMON_DOMAIN_PRIV_H
#define COMMON_DOMAIN_PRIV_H

struct domain;
/* It is dying: release its memory, then its own reference (domain.c). */
void domain_relinquish(struct domain *d);
/* The control domain ended: end and free every domain it kept. */
void domains_release_kept(void);
/* End a kept domain whose control domain has gone, and let it be freed. */
void domain_end_unkept(struct domain *d);

#endif
