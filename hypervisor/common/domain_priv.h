/* Shared by domain.c and domain_end.c only. */
#ifndef COMMON_DOMAIN_PRIV_H
#define COMMON_DOMAIN_PRIV_H

struct domain;
void domain_unlink_and_free(struct domain *d);

#endif
