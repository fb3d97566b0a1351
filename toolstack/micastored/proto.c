// SPDX-License-Identifier: GPL-2.0-only
/*
 * One request (io/store.h): checked, dispatched through a table by type,
 * answered with its reply or MICA_STORE_ERROR "<ENAME>". A payload's
 * arguments are NUL-separated; a missing final NUL is tolerated, anything
 * else malformed is EINVAL. Requests that change the tree outside a
 * transaction are journalled and fired to the watches before the reply
 * is queued.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "store.h"

#define MAX_ARGS 4
#define F_DOM0   (1u << 0)              /* dom0's connections only (not a restricted one) */
#define F_TREE   (1u << 1)              /* works on a tree: the transaction's, or the main one */

struct req {
    struct store *s;
    struct conn *c;
    const struct mica_store_msg *h;
    const char *payload;
    uint32_t len;
    const char *arg[MAX_ARGS];
    uint32_t nargs;
    struct opctx o;                     /* for F_TREE */
    struct changes ch;
    char path[MICA_STORE_PATH_MAX];     /* the first argument made absolute */
};

struct handler {
    int (*fn)(struct req *r);
    unsigned int flags;
    unsigned int nargs;                 /* NUL-separated strings expected (WRITE: 1 then the value) */
};

static const char *const errnames[] = {
#define X(e) [e] = #e,
    MICA_STORE_ERRORS(X)
#undef X
};

const char *store_errname(int err)
{
    if (err > 0 && (size_t)err < sizeof(errnames) / sizeof(errnames[0]) && errnames[err])
        return errnames[err];
    return "EIO";
}

static int reply(struct req *r, const void *p, uint32_t len)
{
    return conn_queue(r->s, r->c, r->h->type, r->h->req_id, r->h->tx_id, p, len);
}

static int reply_ok(struct req *r)
{
    return reply(r, "OK", 3);
}

static int reply_str(struct req *r, const char *s)
{
    return reply(r, s, (uint32_t)strlen(s) + 1);
}

/* Split the payload into n strings; the last may lack its NUL. */
static int split_args(struct req *r, unsigned int n)
{
    uint32_t off = 0;

    r->nargs = 0;
    while (off < r->len && r->nargs < MAX_ARGS) {
        r->arg[r->nargs++] = r->payload + off;
        off += (uint32_t)strnlen(r->payload + off, r->len - off) + 1;
    }
    return r->nargs == n && off >= r->len ? 0 : -EINVAL;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    unsigned long long v;
    char *end;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    v = strtoull(s, &end, 10);
    if (*end || v > max)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

static int canon_arg0(struct req *r)
{
    return path_canon(r->c->domid, r->arg[0], r->path, sizeof(r->path));
}

static int h_directory(struct req *r)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    const struct node *n;
    uint32_t off = 0;
    int rc = op_read(&r->o, r->path, &n);

    if (rc)
        return rc;
    for (uint32_t i = 0; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;

        if (off + l > sizeof(buf))
            return -E2BIG;
        memcpy(buf + off, n->kids[i]->name, l);
        off += (uint32_t)l;
    }
    return reply(r, buf, off);
}

/* The children's names from byte `off` of DIRECTORY's list (whole names
 * that fit), after the node's generation; one more NUL ends the list. */
static int h_directory_part(struct req *r)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    const struct node *n;
    uint32_t off, pos = 0, i = 0, len;
    int rc;

    if ((rc = parse_u32(r->arg[1], UINT32_MAX, &off)) || (rc = op_read(&r->o, r->path, &n)))
        return rc;
    for (; i < n->nkids && pos < off; i++)
        pos += (uint32_t)strlen(n->kids[i]->name) + 1;
    if (pos != off)
        return -EINVAL;                 /* not the start of a name, or past the end */
    len = (uint32_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n->gen) + 1;
    for (; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;

        if (len + l > sizeof(buf))
            return reply(r, buf, len);  /* more next time, from off + what this gave */
        memcpy(buf + len, n->kids[i]->name, l);
        len += (uint32_t)l;
    }
    if (len == sizeof(buf))
        return reply(r, buf, len);      /* the end marker comes alone next time */
    buf[len++] = '\0';
    return reply(r, buf, len);
}

static int h_read(struct req *r)
{
    const struct node *n;
    int rc = op_read(&r->o, r->path, &n);

    return rc ? rc : reply(r, n->value, n->vlen);
}

static int h_get_perms(struct req *r)
{
    char buf[STORE_PERMS_MAX * 16];
    const struct node *n;
    int rc = op_read(&r->o, r->path, &n);

    return rc ? rc : reply(r, buf, (uint32_t)perms_format(n->perms, n->nperms, buf, sizeof(buf)));
}

static int h_write(struct req *r)
{
    uint32_t pl = (uint32_t)strlen(r->arg[0]) + 1;

    return op_write(&r->o, r->path, r->payload + pl, r->len - pl) ?: reply_ok(r);
}

static int h_mkdir(struct req *r)
{
    return op_mkdir(&r->o, r->path) ?: reply_ok(r);
}

static int h_rm(struct req *r)
{
    return op_rm(&r->o, r->path) ?: reply_ok(r);
}

static int h_set_perms(struct req *r)
{
    struct perm p[STORE_PERMS_MAX];
    uint32_t pl = (uint32_t)strlen(r->arg[0]) + 1, np;
    int rc = perms_parse(r->payload + pl, r->len - pl, p, &np);

    return rc ?: op_set_perms(&r->o, r->path, p, np) ?: reply_ok(r);
}

/* A watch's path: special (dom0 only), or a node's, kept as registered for relative ones. */
static int watch_path(struct req *r, bool *rel)
{
    if (split_args(r, 2) || strlen(r->arg[1]) >= MICA_STORE_NAME_MAX)
        return -EINVAL;
    if (path_is_special(r->arg[0])) {
        snprintf(r->path, sizeof(r->path), "%s", r->arg[0]);
        *rel = false;
        return r->c->domid == STORE_DOM0 ? 0 : -EACCES;
    }
    if (r->arg[0][0] == '@')
        return -EINVAL;                 /* not a special watch we know */
    *rel = r->arg[0][0] != '/';
    return canon_arg0(r);
}

static int h_watch(struct req *r)
{
    struct watch *w;
    bool rel;
    int rc = watch_path(r, &rel);

    if (rc || (rc = watch_add(r->s, r->c, r->path, r->arg[1], rel)))
        return rc;
    journal_watch(r->s, r->c, r->path, r->arg[1], rel, true);
    reply_ok(r);
    w = r->s->watches;                  /* the one just added: fire it once */
    watch_fire_one(r->s, w, w->path);
    return 0;
}

static int h_unwatch(struct req *r)
{
    bool rel;
    int rc = watch_path(r, &rel);

    if (rc || (rc = watch_del(r->s, r->c, r->path, r->arg[1])))
        return rc;
    journal_watch(r->s, r->c, r->path, r->arg[1], rel, false);
    return reply_ok(r);
}

static int h_tx_start(struct req *r)
{
    char buf[16];
    uint32_t id;
    int rc;

    if (r->h->tx_id)
        return -EBUSY;                  /* no nested transactions */
    rc = tx_start(r->s, r->c, &id);
    if (rc)
        return rc;
    snprintf(buf, sizeof(buf), "%u", id);
    return reply_str(r, buf);
}

static int h_tx_end(struct req *r)
{
    struct tx *tx = tx_find(r->s, r->c, r->h->tx_id);

    if (!r->h->tx_id || split_args(r, 1) || (strcmp(r->arg[0], "T") && strcmp(r->arg[0], "F")))
        return -EINVAL;
    if (!tx)
        return r->c->restored ? -EAGAIN : -ENOENT;
    return tx_end(r->s, tx, r->arg[0][0] == 'T') ?: reply_ok(r);
}

static int domid_arg(struct req *r, uint32_t *domid)
{
    return parse_u32(r->arg[0], MICA_DOMID_MAX, domid);
}

static int h_introduce(struct req *r)
{
    uint32_t domid, port;
    unsigned long long gfn;
    char *end;
    int rc;

    if ((rc = domid_arg(r, &domid)) || (rc = parse_u32(r->arg[2], UINT32_MAX, &port)))
        return rc;
    if (r->arg[1][0] < '0' || r->arg[1][0] > '9')
        return -EINVAL;
    gfn = strtoull(r->arg[1], &end, 0);
    if (*end || gfn >= MICA_GFN_LIMIT || domid == STORE_DOM0 || !port)
        return -EINVAL;
    return store_introduce(r->s, domid, gfn, port) ?: reply_ok(r);
}

static int h_release(struct req *r)
{
    uint32_t domid;
    int rc = domid_arg(r, &domid);

    return rc ?: store_release(r->s, domid) ?: reply_ok(r);
}

static int h_get_domain_path(struct req *r)
{
    char buf[32];
    uint32_t domid;
    int rc = domid_arg(r, &domid);

    if (rc)
        return rc;
    domain_path(domid, buf, sizeof(buf));
    return reply_str(r, buf);
}

static int h_is_introduced(struct req *r)
{
    const struct domain *d;
    uint32_t domid;
    int rc = domid_arg(r, &domid);

    if (rc)
        return rc;
    d = domain_get(r->s, domid, false);
    return reply_str(r, d && d->introduced ? "T" : "F");
}

static int h_get_quota(struct req *r)
{
    char buf[256];
    uint32_t domid;
    int rc = domid_arg(r, &domid);

    if (rc)
        return rc;
    if (r->c->domid != STORE_DOM0 && domid != r->c->domid)
        return -EACCES;
    rc = quota_text(r->s, domid, buf, sizeof(buf));
    return rc < 0 ? rc : reply_str(r, buf);
}

static int h_set_quota(struct req *r)
{
    uint32_t domid, value;
    int rc;

    if ((rc = domid_arg(r, &domid)) || (rc = parse_u32(r->arg[2], UINT32_MAX, &value)))
        return rc;
    if ((rc = quota_set(r->s, domid, r->arg[1], value)))
        return rc;
    journal_quota(r->s, domid);
    return reply_ok(r);
}

static int h_restrict(struct req *r)
{
    uint32_t domid;
    int rc = domid_arg(r, &domid);

    if (rc)
        return rc;
    if (r->c->kind == CONN_RING || !domid)
        return -EINVAL;
    if (r->c->ntx || r->c->nwatches)
        return -EBUSY;
    r->c->domid = domid;
    return reply_ok(r);
}

static const struct handler handlers[MICA_STORE_TYPE_NR] = {
    [MICA_STORE_DIRECTORY] = { h_directory, F_TREE, 1 },
    [MICA_STORE_READ] = { h_read, F_TREE, 1 },
    [MICA_STORE_GET_PERMS] = { h_get_perms, F_TREE, 1 },
    [MICA_STORE_WATCH] = { h_watch, 0, 0 },
    [MICA_STORE_UNWATCH] = { h_unwatch, 0, 0 },
    [MICA_STORE_TRANSACTION_START] = { h_tx_start, 0, 0 },
    [MICA_STORE_TRANSACTION_END] = { h_tx_end, 0, 0 },
    [MICA_STORE_INTRODUCE] = { h_introduce, F_DOM0, 3 },
    [MICA_STORE_RELEASE] = { h_release, F_DOM0, 1 },
    [MICA_STORE_GET_DOMAIN_PATH] = { h_get_domain_path, 0, 1 },
    [MICA_STORE_WRITE] = { h_write, F_TREE, 0 },
    [MICA_STORE_MKDIR] = { h_mkdir, F_TREE, 1 },
    [MICA_STORE_RM] = { h_rm, F_TREE, 1 },
    [MICA_STORE_SET_PERMS] = { h_set_perms, F_TREE, 0 },
    [MICA_STORE_IS_DOMAIN_INTRODUCED] = { h_is_introduced, F_DOM0, 1 },
    [MICA_STORE_GET_QUOTA] = { h_get_quota, 0, 1 },
    [MICA_STORE_SET_QUOTA] = { h_set_quota, F_DOM0, 3 },
    [MICA_STORE_RESTRICT] = { h_restrict, F_DOM0, 1 },
    [MICA_STORE_DIRECTORY_PART] = { h_directory_part, F_TREE, 2 },
};

/* WRITE and SET_PERMS: a NUL-terminated path, then the rest. */
static int split_path_rest(struct req *r)
{
    if (!memchr(r->payload, '\0', r->len))
        return -EINVAL;
    r->arg[0] = r->payload;
    r->nargs = 1;
    return 0;
}

/* Point the request at its tree: the transaction's or the main one. */
static int tree_setup(struct req *r)
{
    struct tx *tx = NULL;

    if (r->h->tx_id) {
        tx = tx_find(r->s, r->c, r->h->tx_id);
        if (!tx)
            return r->c->restored ? -EAGAIN : -ENOENT;
    }
    r->o = (struct opctx){ .s = r->s, .t = tx ? &tx->work : &r->s->main, .domid = r->c->domid,
                           .tx = tx, .ch = tx ? NULL : &r->ch };
    return canon_arg0(r);
}

static int dispatch(struct req *r)
{
    const struct handler *hd;
    int rc;

    if (r->h->type >= MICA_STORE_TYPE_NR || !handlers[r->h->type].fn)
        return -ENOSYS;
    hd = &handlers[r->h->type];
    if ((hd->flags & F_DOM0) && r->c->domid != STORE_DOM0)
        return -EACCES;
    if (hd->nargs)
        rc = split_args(r, hd->nargs);
    else if (r->h->type == MICA_STORE_WRITE || r->h->type == MICA_STORE_SET_PERMS)
        rc = split_path_rest(r);
    else
        rc = 0;
    if (!rc && (hd->flags & F_TREE))
        rc = tree_setup(r);
    return rc ?: hd->fn(r);
}

void proto_request(struct store *s, struct conn *c, const struct mica_store_msg *h,
                   const char *payload)
{
    struct req *r = calloc(1, sizeof(*r));
    int rc;

    if (!r) {
        conn_queue_error(s, c, h, ENOMEM);
        return;
    }
    *r = (struct req){ .s = s, .c = c, .h = h, .payload = payload, .len = h->len };
    changes_init(&r->ch);
    rc = dispatch(r);
    store_publish(s, &r->ch);           /* what changed, even if it then failed */
    if (rc)
        conn_queue_error(s, c, h, -rc);
    free(r);
}
