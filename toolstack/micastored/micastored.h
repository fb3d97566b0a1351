/* SPDX-License-Identifier: GPL-2.0-only */
/* micastored's daemon half: the store plus its file descriptors (micastored.c, ring.c). */
#ifndef MICASTORED_H
#define MICASTORED_H

#include <stddef.h>

#include "micactl.h"
#include "store.h"

struct daemon {
    struct store store;                 /* first: daemon_of() */
    mica_ctx *ctx;                      /* NULL without the hypervisor */
    int privcmd;                        /* /dev/mica/privcmd for the rings' pages, or -1 */
    int evtchn;                         /* /dev/mica/evtchn: every domain's port, or -1 */
    int virq;                           /* VIRQ_DOM_EXC, or -1 */
    int listen;                         /* the unix socket */
};

static inline struct daemon *daemon_of(struct store *s)
{
    return (struct daemon *)((char *)s - offsetof(struct daemon, store));
}

int ring_connect(struct store *s, struct domain *d);
void ring_close(struct daemon *dm, struct conn *c);
void ring_service(struct store *s, struct conn *c, bool output);
bool ring_pending(const struct conn *c);
void ring_events(struct daemon *dm);

#endif
