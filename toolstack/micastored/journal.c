// SPDX-License-Identifier: GPL-2.0-only
/*
 * The journal and the snapshot (journal.h). A record is
 *     u32 magic, u32 type, u32 len, u32 crc32(type, len, payload), payload
 * NODE: path\0 u32 nperms {u32 domid, u32 access}... u32 vlen value
 *       (the node's whole state after the change; parents come first)
 * DEL:  path\0
 * DOM:  u32 domid, u32 flags (1 introduced, 2 forgotten), u64 gfn, u32 port, 4 x u32 quota
 * WATCH: u32 domid, u32 flags (1 add, 2 relative), path\0 token\0 (a domain's watches only)
 * EPOCH: u64 epoch (first in both files: a journal of another epoch than the
 *        snapshot's was folded into it already and is ignored)
 * END:  closes a snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "store.h"

#define REC_MAGIC       0x4d534a31u     /* "MSJ1" */
#define JOURNAL_COMPACT (4u << 20)      /* fold into a new snapshot past this many bytes */

enum { REC_NODE = 1, REC_DEL, REC_DOM, REC_WATCH, REC_EPOCH, REC_END };
#define DOM_INTRODUCED 1u
#define DOM_GONE       2u
#define WATCH_ADD      1u
#define WATCH_REL      2u

struct buf {
    char *data;
    size_t len, cap;
    bool failed;
};

struct saved_watch {
    struct saved_watch *next;
    uint32_t domid;
    bool rel;
    char *path, *token;
};

struct journal {
    char *dir;
    int fd;                             /* the journal, O_APPEND */
    uint64_t epoch;
    size_t size;                        /* bytes in the journal file */
    struct buf pending;                 /* records not written yet */
    struct saved_watch *watches;        /* while loading */
};

static uint32_t crc32_update(uint32_t crc, const void *p, size_t len)
{
    const uint8_t *b = p;

    crc = ~crc;
    while (len--) {
        crc ^= *b++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void buf_put(struct buf *b, const void *p, size_t len)
{
    if (b->failed)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *d;

        while (cap < b->len + len)
            cap *= 2;
        d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
}

static void put_u32(struct buf *b, uint32_t v)
{
    buf_put(b, &v, sizeof(v));
}

static void put_str(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s) + 1);
}

/* Append one record whose payload is p. */
static void rec_put(struct buf *out, uint32_t type, const struct buf *p)
{
    uint32_t hdr[4] = { REC_MAGIC, type, (uint32_t)p->len, 0 };

    hdr[3] = crc32_update(crc32_update(0, &hdr[1], 8), p->data, p->len);
    buf_put(out, hdr, sizeof(hdr));
    buf_put(out, p->data, p->len);
    if (p->failed)
        out->failed = true;
}

static void rec_node(struct buf *out, const char *path, const struct node *n)
{
    struct buf p = { 0 };

    put_str(&p, path);
    put_u32(&p, n->nperms);
    for (uint32_t i = 0; i < n->nperms; i++) {
        put_u32(&p, n->perms[i].id);
        put_u32(&p, (uint32_t)n->perms[i].access);
    }
    put_u32(&p, n->vlen);
    buf_put(&p, n->value, n->vlen);
    rec_put(out, REC_NODE, &p);
    free(p.data);
}

static void rec_simple(struct buf *out, uint32_t type, const void *data, size_t len)
{
    struct buf p = { (char *)data, len, len, false };

    rec_put(out, type, &p);
}

static void rec_dom(struct buf *out, const struct domain *d, bool gone)
{
    uint32_t v[10] = { d->domid, (d->introduced ? DOM_INTRODUCED : 0) | (gone ? DOM_GONE : 0),
                       (uint32_t)d->gfn, (uint32_t)(d->gfn >> 32), d->port, d->quota.nodes,
                       d->quota.watches, d->quota.transactions, d->quota.value, 0 };

    rec_simple(out, REC_DOM, v, sizeof(v));
}

static void rec_watch(struct buf *out, uint32_t domid, uint32_t flags, const char *path,
                      const char *token)
{
    struct buf p = { 0 };

    put_u32(&p, domid);
    put_u32(&p, flags);
    put_str(&p, path);
    put_str(&p, token);
    rec_put(out, REC_WATCH, &p);
    free(p.data);
}

/* ---- writing ---- */

void journal_changes(struct store *s, const struct changes *ch)
{
    struct journal *j = s->journal;

    if (!j)
        return;
    for (const struct change *c = ch->head; c; c = c->next) {
        const struct node *n = tree_lookup(&s->main, c->path);

        if (c->kind == CH_DEL)
            rec_simple(&j->pending, REC_DEL, c->path, strlen(c->path) + 1);
        else if (n)
            rec_node(&j->pending, c->path, n);
    }
}

void journal_domain(struct store *s, const struct domain *d, bool gone)
{
    if (s->journal)
        rec_dom(&s->journal->pending, d, gone);
}

void journal_quota(struct store *s, uint32_t domid)
{
    const struct domain *d = domain_get(s, domid, false);

    if (d)
        journal_domain(s, d, false);
}

void journal_watch(struct store *s, const struct conn *c, const char *path, const char *token,
                   bool rel, bool add)
{
    if (s->journal && c->kind != CONN_SOCKET)
        rec_watch(&s->journal->pending, c->domid, (add ? WATCH_ADD : 0) | (rel ? WATCH_REL : 0),
                  path, token);
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void path_in(const struct journal *j, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", j->dir, name);
}

static int snap_node(void *arg, const char *path, const struct node *n)
{
    rec_node(arg, path, n);
    return 0;
}

/* The whole state as records: EPOCH, every node, domain and domain watch, END. */
static void snapshot_records(struct store *s, struct buf *out, uint64_t epoch)
{
    rec_simple(out, REC_EPOCH, &epoch, sizeof(epoch));
    tree_walk(&s->main, snap_node, out);
    for (const struct domain *d = s->doms; d; d = d->next)
        rec_dom(out, d, false);
    for (const struct watch *w = s->watches; w; w = w->next)
        if (w->conn->kind != CONN_SOCKET && !w->conn->dead)
            rec_watch(out, w->conn->domid, WATCH_ADD | (w->relative ? WATCH_REL : 0), w->path,
                      w->token);
    for (const struct saved_watch *w = s->journal->watches; w; w = w->next)
        rec_watch(out, w->domid, WATCH_ADD | (w->rel ? WATCH_REL : 0), w->path, w->token);
    rec_simple(out, REC_END, "", 0);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd))
        rc = -errno;
    close(fd);
    return rc;
}

/* Write a new snapshot (tmp, fsync, rename) and start an empty journal of its epoch. */
static int compact(struct store *s)
{
    struct journal *j = s->journal;
    char tmp[4096], snap[4096];
    struct buf out = { 0 }, hdr = { 0 };
    uint64_t epoch = j->epoch + 1;
    int fd, rc;

    path_in(j, "snapshot.new", tmp, sizeof(tmp));
    path_in(j, "snapshot", snap, sizeof(snap));
    snapshot_records(s, &out, epoch);
    if (out.failed) {
        free(out.data);
        return -ENOMEM;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(out.data);
        return -errno;
    }
    rc = write_all(fd, out.data, out.len);
    if (!rc && fsync(fd))
        rc = -errno;
    close(fd);
    free(out.data);
    if (!rc && rename(tmp, snap))
        rc = -errno;
    if (!rc)
        rc = fsync_dir(j->dir);
    if (rc)
        return rc;
    j->epoch = epoch;
    rec_simple(&hdr, REC_EPOCH, &epoch, sizeof(epoch));
    if (ftruncate(j->fd, 0) || (rc = write_all(j->fd, hdr.data, hdr.len)) || fsync(j->fd))
        rc = rc ? rc : -errno;
    j->size = hdr.len;
    free(hdr.data);
    return rc;
}

int journal_sync(struct store *s)
{
    struct journal *j = s->journal;
    int rc;

    if (!j || (!j->pending.len && !j->pending.failed))
        return 0;
    if (j->pending.failed) {
        store_log("journal: out of memory buffering changes: writing a snapshot instead");
        j->pending.len = 0;
        j->pending.failed = false;
        return compact(s);
    }
    rc = write_all(j->fd, j->pending.data, j->pending.len);
    if (!rc && fdatasync(j->fd))
        rc = -errno;
    if (rc) {
        store_log("journal: %s/journal: %s", j->dir, strerror(-rc));
        return rc;
    }
    j->size += j->pending.len;
    j->pending.len = 0;
    if (j->size > JOURNAL_COMPACT && (rc = compact(s)))
        store_log("journal: compacting into a new snapshot: %s", strerror(-rc));
    return rc;
}

/* ---- loading ---- */

struct reader {
    const char *p;
    size_t len, off;
    bool bad;
};

static uint32_t get_u32(struct reader *r)
{
    uint32_t v = 0;

    if (r->len - r->off < sizeof(v)) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p + r->off, sizeof(v));
    r->off += sizeof(v);
    return v;
}

static const char *get_str(struct reader *r)
{
    const char *s = r->p + r->off;
    size_t n = strnlen(s, r->len - r->off);

    if (n == r->len - r->off) {
        r->bad = true;
        return "";
    }
    r->off += n + 1;
    return s;
}

static int load_node(struct store *s, struct reader *r)
{
    struct perm p[STORE_PERMS_MAX];
    const char *path = get_str(r);
    uint32_t np = get_u32(r), vlen;

    if (np == 0 || np > STORE_PERMS_MAX)
        return -EINVAL;
    for (uint32_t i = 0; i < np; i++) {
        p[i].id = get_u32(r);
        p[i].access = (char)get_u32(r);
    }
    vlen = get_u32(r);
    if (r->bad || vlen > r->len - r->off)
        return -EINVAL;
    return tree_set_node(s, &s->main, path, p, np, r->p + r->off, vlen);
}

static int load_dom(struct store *s, struct reader *r)
{
    uint32_t v[10];
    struct domain *d;

    for (int i = 0; i < 10; i++)
        v[i] = get_u32(r);
    if (r->bad)
        return -EINVAL;
    d = domain_get(s, v[0], true);
    if (!d)
        return -ENOMEM;
    if (v[1] & DOM_GONE) {
        for (struct saved_watch **pp = &s->journal->watches; *pp;) {
            struct saved_watch *w = *pp;

            if (w->domid == v[0]) {
                *pp = w->next;
                free(w->path);
                free(w->token);
                free(w);
            } else {
                pp = &w->next;
            }
        }
        domain_forget(s, d);
        return 0;
    }
    d->introduced = v[1] & DOM_INTRODUCED;
    d->gfn = v[2] | (uint64_t)v[3] << 32;
    d->port = v[4];
    d->quota = (struct quota){ v[5], v[6], v[7], v[8] };
    return 0;
}

static int load_watch(struct store *s, struct reader *r)
{
    uint32_t domid = get_u32(r), flags = get_u32(r);
    const char *path = get_str(r), *token = get_str(r);
    struct saved_watch **pp = &s->journal->watches, *w;

    if (r->bad)
        return -EINVAL;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->domid == domid && !strcmp((*pp)->path, path) && !strcmp((*pp)->token, token))
            break;
    if (!(flags & WATCH_ADD)) {
        if ((w = *pp)) {
            *pp = w->next;
            free(w->path);
            free(w->token);
            free(w);
        }
        return 0;
    }
    if (*pp)
        return 0;
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
        if (w)
            free(w->path);
        free(w);
        return -ENOMEM;
    }
    w->domid = domid;
    w->rel = flags & WATCH_REL;
    *pp = w;
    return 0;
}

static int load_record(struct store *s, uint32_t type, struct reader *r, uint64_t *epoch)
{
    switch (type) {
    case REC_NODE:
        return load_node(s, r);
    case REC_DEL: {
        const char *path = get_str(r);
        int rc = r->bad ? -EINVAL : tree_del_node(s, &s->main, path);

        return rc == -ENOENT ? 0 : rc;
    }
    case REC_DOM:
        return load_dom(s, r);
    case REC_WATCH:
        return load_watch(s, r);
    case REC_EPOCH:
        if (r->len != sizeof(*epoch))
            return -EINVAL;
        memcpy(epoch, r->p, sizeof(*epoch));
        return 0;
    }
    return -EINVAL;
}

/*
 * Apply a file's records; returns how many bytes were good (a torn or
 * corrupt record ends it). *ended: an END record was seen. With want_epoch,
 * a file whose first record names another epoch is not applied.
 */
static size_t load_file(struct store *s, const char *data, size_t len, uint64_t *epoch,
                        const uint64_t *want_epoch, bool *ended)
{
    size_t off = 0;

    *ended = false;
    while (len - off >= 16) {
        uint32_t hdr[4];
        struct reader r;
        int rc;

        memcpy(hdr, data + off, sizeof(hdr));
        if (hdr[0] != REC_MAGIC || hdr[2] > len - off - 16 ||
            crc32_update(crc32_update(0, &hdr[1], 8), data + off + 16, hdr[2]) != hdr[3])
            break;
        r = (struct reader){ data + off + 16, hdr[2], 0, false };
        if (hdr[1] == REC_END) {
            *ended = true;
            return off + 16;
        }
        if (hdr[1] == REC_EPOCH && off == 0 && want_epoch) {
            uint64_t e = 0;

            load_record(s, hdr[1], &r, &e);
            if (e != *want_epoch)
                return 0;
        } else if ((rc = load_record(s, hdr[1], &r, epoch))) {
            store_log("journal: a record of type %u at byte %zu: %s (skipped)", hdr[1], off,
                      strerror(-rc));
        }
        off += 16 + hdr[2];
    }
    return off;
}

static int read_whole(const char *path, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    ssize_t n;
    int rc = 0;

    *data = NULL;
    *len = 0;
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstat(fd, &st)) {
        rc = -errno;
        goto out;
    }
    *data = malloc((size_t)st.st_size + 1);
    if (!*data) {
        rc = -ENOMEM;
        goto out;
    }
    n = read(fd, *data, (size_t)st.st_size);
    if (n < 0)
        rc = -errno;
    else
        *len = (size_t)n;
out:
    close(fd);
    return rc;
}

static int load_all(struct store *s, struct journal *j)
{
    char path[4096], *data;
    size_t len, good;
    bool ended;
    int rc;

    path_in(j, "snapshot", path, sizeof(path));
    if ((rc = read_whole(path, &data, &len)))
        return rc;
    if (data) {
        good = load_file(s, data, len, &j->epoch, NULL, &ended);
        free(data);
        if (!ended) {
            store_log("journal: %s: ends without its END record after %zu bytes", path, good);
            return -EIO;
        }
    }
    path_in(j, "journal", path, sizeof(path));
    if ((rc = read_whole(path, &data, &len)))
        return rc;
    good = load_file(s, data, len, &j->epoch, &j->epoch, &ended);
    if (good < len)
        store_log("journal: %s: %zu bytes after byte %zu are torn or of an older epoch: dropped",
                  path, len - good, good);
    free(data);
    return 0;
}

int journal_open(struct store *s, const char *dir)
{
    struct journal *j = calloc(1, sizeof(*j));
    char path[4096];
    int rc;

    if (!j || !(j->dir = strdup(dir))) {
        free(j);
        return -ENOMEM;
    }
    j->fd = -1;
    s->journal = j;
    if (mkdir(dir, 0700) && errno != EEXIST) {
        rc = -errno;
        store_log("journal: %s: %s", dir, strerror(errno));
        goto err;
    }
    if ((rc = load_all(s, j)))
        goto err;
    path_in(j, "journal", path, sizeof(path));
    j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        rc = -errno;
        store_log("journal: %s: %s", path, strerror(errno));
        goto err;
    }
    if ((rc = compact(s))) {
        store_log("journal: writing the snapshot in %s: %s", dir, strerror(-rc));
        goto err;
    }
    return 0;
err:
    journal_close(s);
    return rc;
}

void journal_restore_watches(struct store *s)
{
    struct journal *j = s->journal;

    if (!j)
        return;
    while (j->watches) {
        struct saved_watch *w = j->watches;
        struct domain *d = domain_get(s, w->domid, false);

        j->watches = w->next;
        if (d && d->conn && !watch_add(s, d->conn, w->path, w->token, w->rel))
            watch_fire_one(s, s->watches, w->path);
        free(w->path);
        free(w->token);
        free(w);
    }
}

void journal_close(struct store *s)
{
    struct journal *j = s->journal;

    if (!j)
        return;
    journal_sync(s);
    while (j->watches) {
        struct saved_watch *w = j->watches;

        j->watches = w->next;
        free(w->path);
        free(w->token);
        free(w);
    }
    if (j->fd >= 0)
        close(j->fd);
    free(j->pending.data);
    free(j->dir);
    free(j);
    s->journal = NULL;
}
