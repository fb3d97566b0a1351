// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transactions (store.h): a snapshot of the main tree, this transaction's
 * own changes on a copy of it, the generation of every node it touched as
 * the snapshot had it, and its operations in order. Commit: any touched
 * node whose generation differs in the main tree now (changed, created or
 * removed since) fails it with EAGAIN, as xenstored does; else the
 * operations are replayed on a copy of the main tree (checked again: a
 * quota may have filled meanwhile), which then replaces the main tree and
 * is journalled and announced to the watches as one change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static uint32_t domain_txs(const struct store *s, uint32_t domid)
{
    uint32_t n = 0;

    for (const struct tx *t = s->txs; t; t = t->next)
        n += t->conn->domid == domid;
    return n;
}

int tx_start(struct store *s, struct conn *c, uint32_t *id)
{
    struct tx *tx;

    if (c->domid != STORE_DOM0 &&
        domain_txs(s, c->domid) >= domain_quota(s, c->domid)->transactions)
        return -EDQUOT;
    tx = calloc(1, sizeof(*tx));
    if (!tx)
        return -ENOMEM;
    tree_clone(&tx->base, &s->main);
    tree_clone(&tx->work, &s->main);
    do {
        tx->id = s->next_tx++;
    } while (!tx->id || tx_find(s, NULL, tx->id));
    tx->conn = c;
    tx->next = s->txs;
    s->txs = tx;
    c->ntx++;
    *id = tx->id;
    return 0;
}

struct tx *tx_find(struct store *s, struct conn *c, uint32_t id)
{
    for (struct tx *t = s->txs; t; t = t->next)
        if (t->id == id && (!c || t->conn == c))
            return t;
    return NULL;
}

int tx_touch(struct tx *tx, const char *path)
{
    const struct node *n;
    struct access *a;

    for (uint32_t i = 0; i < tx->nacc; i++)
        if (!strcmp(tx->acc[i].path, path))
            return 0;
    if (tx->nacc + tx->nops >= STORE_TX_OPS_MAX)
        return -E2BIG;
    a = realloc(tx->acc, (tx->nacc + 1) * sizeof(*a));
    if (!a)
        return -ENOMEM;
    tx->acc = a;
    n = tree_lookup(&tx->base, path);
    a[tx->nacc].gen = n ? n->gen : 0;
    a[tx->nacc].path = strdup(path);
    if (!a[tx->nacc].path)
        return -ENOMEM;
    tx->nacc++;
    return 0;
}

int tx_log(struct tx *tx, uint32_t type, const char *path, const char *data, uint32_t len)
{
    struct tx_op *ops, *op;

    if (tx->nacc + tx->nops >= STORE_TX_OPS_MAX)
        return -E2BIG;
    ops = realloc(tx->ops, (tx->nops + 1) * sizeof(*ops));
    if (!ops)
        return -ENOMEM;
    tx->ops = ops;
    op = &ops[tx->nops];
    *op = (struct tx_op){ .type = type, .len = len };
    op->path = strdup(path);
    op->data = malloc(len + 1);
    if (!op->path || !op->data) {
        free(op->path);
        free(op->data);
        return -ENOMEM;
    }
    if (len)
        memcpy(op->data, data, len);
    op->data[len] = '\0';
    tx->nops++;
    return 0;
}

static void tx_free(struct store *s, struct tx *tx)
{
    for (struct tx **pp = &s->txs; *pp; pp = &(*pp)->next)
        if (*pp == tx) {
            *pp = tx->next;
            break;
        }
    tx->conn->ntx--;
    tree_put(&tx->base);
    tree_put(&tx->work);
    for (uint32_t i = 0; i < tx->nacc; i++)
        free(tx->acc[i].path);
    for (uint32_t i = 0; i < tx->nops; i++) {
        free(tx->ops[i].path);
        free(tx->ops[i].data);
    }
    free(tx->acc);
    free(tx->ops);
    free(tx);
}

static bool tx_conflicts(const struct store *s, const struct tx *tx)
{
    for (uint32_t i = 0; i < tx->nacc; i++) {
        const struct node *n = tree_lookup(&s->main, tx->acc[i].path);

        if ((n ? n->gen : 0) != tx->acc[i].gen)
            return true;
    }
    return false;
}

static int replay_op(struct opctx *o, const struct tx_op *op)
{
    struct perm p[STORE_PERMS_MAX];
    uint32_t np;
    int rc;

    switch (op->type) {
    case MICA_STORE_WRITE:
        return op_write(o, op->path, op->data, op->len);
    case MICA_STORE_MKDIR:
        return op_mkdir(o, op->path);
    case MICA_STORE_RM:
        return op_rm(o, op->path);
    case MICA_STORE_SET_PERMS:
        rc = perms_parse(op->data, op->len, p, &np);
        return rc ? rc : op_set_perms(o, op->path, p, np);
    }
    return -EINVAL;
}

/* Replay tx's operations on a copy of the main tree; install it when all succeed. */
static int tx_commit(struct store *s, struct tx *tx)
{
    struct tree scratch;
    struct changes ch;
    struct opctx o = { .s = s, .t = &scratch, .domid = tx->conn->domid, .ch = &ch };
    int rc = 0;

    if (tx_conflicts(s, tx))
        return -EAGAIN;
    if (!tx->nops)
        return 0;
    tree_clone(&scratch, &s->main);
    changes_init(&ch);
    for (uint32_t i = 0; i < tx->nops && !rc; i++)
        rc = replay_op(&o, &tx->ops[i]);
    if (rc) {
        tree_put(&scratch);
        changes_free(&ch);
        return rc;
    }
    tree_put(&s->main);
    s->main = scratch;
    store_publish(s, &ch);
    return 0;
}

int tx_end(struct store *s, struct tx *tx, bool commit)
{
    int rc = commit ? tx_commit(s, tx) : 0;

    tx_free(s, tx);
    return rc;
}

void tx_drop_conn(struct store *s, struct conn *c)
{
    struct tx *t = s->txs;

    while (t) {
        struct tx *next = t->next;

        if (t->conn == c)
            tx_free(s, t);
        t = next;
    }
}
