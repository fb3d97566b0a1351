// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domains the store knows: their quotas (io/store.h's defaults until
 * dom0 sets one, never for dom0), and for an introduced one its ring's gfn
 * and event channel (ring.c connects it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "store.h"

#define QUOTA_LIMIT (1u << 24)          /* highest quota dom0 may set */

struct domain *domain_get(struct store *s, uint32_t domid, bool create)
{
    struct domain *d;

    for (d = s->doms; d; d = d->next)
        if (d->domid == domid)
            return d;
    if (!create)
        return NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    d->quota = s->default_quota;
    d->next = s->doms;
    s->doms = d;
    return d;
}

const struct quota *domain_quota(struct store *s, uint32_t domid)
{
    const struct domain *d = domain_get(s, domid, false);

    return d ? &d->quota : &s->default_quota;
}

void domain_forget(struct store *s, struct domain *d)
{
    for (struct domain **pp = &s->doms; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    free(d);
}

static uint32_t *quota_field(struct quota *q, const char *name)
{
    if (!strcmp(name, "nodes"))
        return &q->nodes;
    if (!strcmp(name, "watches"))
        return &q->watches;
    if (!strcmp(name, "transactions"))
        return &q->transactions;
    if (!strcmp(name, "value"))
        return &q->value;
    return NULL;
}

/* name's quota for domid; 0 sets the default. -EINVAL for a bad name or value. */
int quota_set(struct store *s, uint32_t domid, const char *name, uint32_t value)
{
    struct domain *d;
    uint32_t *f;

    if (domid == STORE_DOM0 || domid > MICA_DOMID_MAX)
        return -EINVAL;
    if (!quota_field(&s->default_quota, name) || value > QUOTA_LIMIT)
        return -EINVAL;
    if (!strcmp(name, "value") && value > MICA_STORE_PAYLOAD_MAX)
        return -EINVAL;
    d = domain_get(s, domid, true);
    if (!d)
        return -ENOMEM;
    f = quota_field(&d->quota, name);
    *f = value ? value : *quota_field(&s->default_quota, name);
    return 0;
}

static void use_of(struct store *s, uint32_t domid, uint32_t *watches, uint32_t *txs)
{
    *watches = *txs = 0;
    for (const struct conn *c = s->conns; c; c = c->next)
        if (c->domid == domid) {
            *watches += c->nwatches;
            *txs += c->ntx;
        }
}

int quota_text(struct store *s, uint32_t domid, char *buf, size_t len)
{
    const struct quota *q = domain_quota(s, domid);
    uint32_t watches, txs;
    int n;

    use_of(s, domid, &watches, &txs);
    n = snprintf(buf, len, "nodes=%d/%u watches=%u/%u transactions=%u/%u value=%u",
                 tree_count(&s->main, domid), q->nodes, watches, q->watches, txs,
                 q->transactions, q->value);
    return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int store_introduce(struct store *s, uint32_t domid, uint64_t gfn, uint32_t port)
{
    struct domain *d = domain_get(s, domid, true);
    int rc;

    if (!d)
        return -ENOMEM;
    if (d->introduced && (d->gfn != gfn || d->port != port))
        return -EEXIST;
    if (d->introduced && d->conn)
        return 0;                       /* again, the same: fine */
    if (d->introduced)                  /* its connection was dropped: connect it again */
        return s->introduce ? s->introduce(s, d) : -ENOSYS;
    d->gfn = gfn;
    d->port = port;
    rc = s->introduce ? s->introduce(s, d) : -ENOSYS;
    if (rc)
        return rc;
    d->introduced = true;
    journal_domain(s, d, false);
    watch_fire_special(s, "@introduceDomain");
    return 0;
}

/*
 * Forget a domain: its connection, watches and transactions go, its quotas
 * return to the defaults and the nodes it owns become dom0's (a later
 * domain with the same id must not inherit them), as xenstored does.
 */
int store_release(struct store *s, uint32_t domid)
{
    struct domain *d = domain_get(s, domid, false);
    struct changes ch;

    if (!d)
        return -ENOENT;
    if (d->conn) {
        tx_drop_conn(s, d->conn);
        watch_drop_conn(s, d->conn);
        conn_kill(d->conn, "released");
        d->conn = NULL;
    }
    changes_init(&ch);
    tree_chown(s, domid, STORE_DOM0, &ch);
    store_publish(s, &ch);
    d->introduced = false;
    journal_domain(s, d, true);
    domain_forget(s, d);
    watch_fire_special(s, "@releaseDomain");
    return 0;
}
