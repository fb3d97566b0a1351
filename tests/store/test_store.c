// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of micastored's core (toolstack/micastored/, make check-store):
 * requests go in as bytes through conn_input(), exactly as a socket or a
 * ring delivers them, from test connections with dom0's or a domain's
 * rights; replies and watch events are read back from the connection's
 * queue. Tree, permissions, watches, transactions (conflict and retry),
 * each quota, the journal (restore after a clean stop, after a crash, with
 * a torn record), and a fuzz run of random and malformed requests from a
 * hostile domain, after which another client is still served. One
 * "PASS store: what" / "FAIL store: what: detail" line per check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "store.h"

static int failures, passes;

static void check(bool ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(bool ok, const char *what, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("PASS store: %s\n", what);
        passes++;
        return;
    }
    printf("FAIL store: %s: ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    failures++;
}

void store_log(const char *fmt, ...)
{
    va_list ap;

    if (getenv("STORE_TEST_VERBOSE")) {
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
}

/* ---- a client over a test connection ---- */

struct reply {
    uint32_t type;
    char data[MICA_STORE_PAYLOAD_MAX + 1];
    uint32_t len;
};

static uint32_t next_req = 1;

/* Pop the next message queued on c; false when none. */
static bool pop(struct conn *c, struct mica_store_msg *h, char *data)
{
    struct outbuf *o = &c->out;

    if (o->len - o->head < sizeof(*h))
        return false;
    memcpy(h, o->data + o->head, sizeof(*h));
    memcpy(data, o->data + o->head + sizeof(*h), h->len);
    data[h->len] = '\0';
    o->head += sizeof(*h) + h->len;
    return true;
}

/* Watch events seen while waiting for replies, "path token" lines. */
static char events[65536];

static void note_event(const char *data, uint32_t len)
{
    size_t pl = strnlen(data, len);
    size_t el = strlen(events);

    snprintf(events + el, sizeof(events) - el, "%s %s\n", data, pl < len ? data + pl + 1 : "?");
}

static int send_raw(struct store *s, struct conn *c, uint32_t type, uint32_t tx, const void *p,
                    uint32_t len, struct reply *r)
{
    struct mica_store_msg h = { type, next_req++, tx, len };
    char buf[sizeof(h) + MICA_STORE_PAYLOAD_MAX];
    struct mica_store_msg m;
    static char data[MICA_STORE_PAYLOAD_MAX + 1];

    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p, len);
    conn_input(s, c, buf, sizeof(h) + len);
    journal_sync(s);
    int rc = -EPIPE;                    /* no reply */

    while (pop(c, &m, data)) {          /* the reply, and every event queued before or after */
        if (m.type == MICA_STORE_WATCH_EVENT) {
            note_event(data, m.len);
            continue;
        }
        if (m.req_id != h.req_id)
            continue;
        if (r) {
            r->type = m.type;
            r->len = m.len;
            memcpy(r->data, data, m.len + 1);
        }
        rc = 0;
        if (m.type == MICA_STORE_ERROR) {
            rc = -EIO;
            for (int e = 1; e < 200; e++)
                if (!strcmp(store_errname(e), data)) {
                    rc = -e;
                    break;
                }
        }
    }
    return rc;
}

/* A request of NUL-terminated strings; the last one may be a value (raw). */
static int req(struct store *s, struct conn *c, uint32_t type, uint32_t tx, struct reply *r,
               int n, ...)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    uint32_t off = 0;
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *a = va_arg(ap, const char *);
        size_t l = strlen(a) + (type == MICA_STORE_WRITE && i == n - 1 ? 0 : 1);

        if (off + l > sizeof(buf))
            l = sizeof(buf) - off;
        memcpy(buf + off, a, l);
        off += (uint32_t)l;
    }
    va_end(ap);
    return send_raw(s, c, type, tx, buf, off, r);
}

#define WRITE(s, c, tx, p, v) req(s, c, MICA_STORE_WRITE, tx, NULL, 2, p, v)
#define READ(s, c, tx, p, r)  req(s, c, MICA_STORE_READ, tx, r, 1, p)
#define RM(s, c, tx, p)       req(s, c, MICA_STORE_RM, tx, NULL, 1, p)
#define MKDIR(s, c, tx, p)    req(s, c, MICA_STORE_MKDIR, tx, NULL, 1, p)

static int set_perms(struct store *s, struct conn *c, const char *path, const char *p1,
                     const char *p2)
{
    return p2 ? req(s, c, MICA_STORE_SET_PERMS, 0, NULL, 3, path, p1, p2)
              : req(s, c, MICA_STORE_SET_PERMS, 0, NULL, 2, path, p1);
}

static bool read_is(struct store *s, struct conn *c, const char *path, const char *want)
{
    struct reply r;

    return READ(s, c, 0, path, &r) == 0 && r.len == strlen(want) && !memcmp(r.data, want, r.len);
}

static int tx_start_req(struct store *s, struct conn *c, uint32_t *tx)
{
    struct reply r;
    int rc = req(s, c, MICA_STORE_TRANSACTION_START, 0, &r, 1, "");

    *tx = rc ? 0 : (uint32_t)strtoul(r.data, NULL, 10);
    return rc;
}

static int tx_end_req(struct store *s, struct conn *c, uint32_t tx, bool commit)
{
    return req(s, c, MICA_STORE_TRANSACTION_END, tx, NULL, 1, commit ? "T" : "F");
}

static void fresh(struct store *s)
{
    if (store_init(s))
        abort();
}

/* ---- tests ---- */

static void test_tree(void)
{
    struct store s;
    struct conn *d0;
    struct reply r;

    fresh(&s);
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    check(WRITE(&s, d0, 0, "/a/b/c", "v1") == 0 && read_is(&s, d0, "/a/b/c", "v1"),
          "write creates a node and its parents; read returns the value", "");
    check(read_is(&s, d0, "/a/b", ""), "a parent made on the way has an empty value", "");
    WRITE(&s, d0, 0, "/a/x", "");
    check(req(&s, d0, MICA_STORE_DIRECTORY, 0, &r, 1, "/a") == 0 && r.len == 4 &&
          !memcmp(r.data, "b\0x\0", 4), "directory lists the children, sorted", "len %u", r.len);
    check(MKDIR(&s, d0, 0, "/m/n") == 0 && read_is(&s, d0, "/m/n", "") &&
          MKDIR(&s, d0, 0, "/m/n") == 0, "mkdir creates, and is fine when it exists", "");
    check(RM(&s, d0, 0, "/a") == 0 && READ(&s, d0, 0, "/a/b/c", NULL) == -ENOENT,
          "rm removes the whole subtree", "");
    check(RM(&s, d0, 0, "/m/gone") == 0 && RM(&s, d0, 0, "/zz/gone") == -ENOENT,
          "rm of a missing node: fine under an existing parent, else ENOENT", "");
    check(RM(&s, d0, 0, "/") == -EINVAL && WRITE(&s, d0, 0, "/", "x") == -EINVAL,
          "the root cannot be removed or written", "");
    check(WRITE(&s, d0, 0, "/bad//path", "x") == -EINVAL &&
          WRITE(&s, d0, 0, "/bad/", "x") == -EINVAL && WRITE(&s, d0, 0, "/a b", "x") == -EINVAL &&
          WRITE(&s, d0, 0, "/a.b", "x") == -EINVAL && WRITE(&s, d0, 0, "", "x") == -EINVAL,
          "paths with empty components, trailing '/' or bad characters: EINVAL", "");
    check(WRITE(&s, d0, 0, "rel/node", "r") == 0 && read_is(&s, d0, "/local/domain/0/rel/node", "r"),
          "a relative path is under /local/domain/<domid>", "");
    check(req(&s, d0, MICA_STORE_GET_DOMAIN_PATH, 0, &r, 1, "7") == 0 &&
          !strcmp(r.data, "/local/domain/7"), "GET_DOMAIN_PATH", "%s", r.data);
    check(send_raw(&s, d0, 99, 0, "", 0, NULL) == -ENOSYS &&
          send_raw(&s, d0, MICA_STORE_WATCH_EVENT, 0, "", 0, NULL) == -ENOSYS,
          "unknown and reply-only types: ENOSYS", "");
    store_fini(&s);
}

static void test_perms(void)
{
    struct store s;
    struct conn *d0, *d1, *d2;
    struct reply r;

    fresh(&s);
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    d1 = conn_new(&s, CONN_TEST, 1, -1);
    d2 = conn_new(&s, CONN_TEST, 2, -1);
    WRITE(&s, d0, 0, "/local/domain/1/x", "");
    WRITE(&s, d0, 0, "/local/domain/2/x", "");
    set_perms(&s, d0, "/local/domain/1", "n1", NULL);
    set_perms(&s, d0, "/local/domain/2", "n2", NULL);
    check(READ(&s, d1, 0, "/local/domain/1/x", NULL) == -EACCES,
          "a node dom0 made under the root's permissions is not the domain's, even in its directory",
          "");
    check(WRITE(&s, d1, 0, "data", "one") == 0 && read_is(&s, d1, "data", "one"),
          "a domain writes and reads in its own directory", "");
    check(req(&s, d0, MICA_STORE_GET_PERMS, 0, &r, 1, "/local/domain/1/data") == 0 &&
          r.len == 3 && !memcmp(r.data, "n1\0", 3),
          "a node a domain creates is its own, with its parent's access for others", "%s", r.data);
    check(READ(&s, d2, 0, "/local/domain/1/data", NULL) == -EACCES &&
          WRITE(&s, d2, 0, "/local/domain/1/data", "x") == -EACCES &&
          WRITE(&s, d2, 0, "/local/domain/1/new", "x") == -EACCES &&
          RM(&s, d2, 0, "/local/domain/1/data") == -EACCES,
          "another domain may not read, write, create in or remove it", "");
    check(set_perms(&s, d2, "/local/domain/1/data", "b2", NULL) == -EACCES,
          "another domain may not change its permissions", "");
    check(set_perms(&s, d1, "/local/domain/1/data", "n1", "r2") == 0 &&
          read_is(&s, d2, "/local/domain/1/data", "one") &&
          WRITE(&s, d2, 0, "/local/domain/1/data", "x") == -EACCES,
          "an 'r' entry lets that domain read, not write", "");
    check(set_perms(&s, d1, "/local/domain/1/data", "n1", "w2") == 0 &&
          READ(&s, d2, 0, "/local/domain/1/data", NULL) == -EACCES &&
          WRITE(&s, d2, 0, "/local/domain/1/data", "two") == 0,
          "a 'w' entry lets it write, not read", "");
    check(set_perms(&s, d1, "/local/domain/1/data", "r1", NULL) == 0 &&
          read_is(&s, d2, "/local/domain/1/data", "two"),
          "the first entry's access applies to every domain not listed", "");
    check(set_perms(&s, d1, "/local/domain/1/data", "n2", NULL) == -EPERM,
          "a domain may not give its node to another (EPERM)", "");
    check(set_perms(&s, d0, "/local/domain/1/data", "n2", NULL) == 0 &&
          WRITE(&s, d2, 0, "/local/domain/1/data", "mine") == 0 &&
          WRITE(&s, d1, 0, "/local/domain/1/data", "x") == -EACCES,
          "dom0 may, and the new owner has every right", "");
    check(set_perms(&s, d0, "/local/domain/1/data", "x1", NULL) == -EINVAL &&
          set_perms(&s, d0, "/local/domain/1/data", "b", NULL) == -EINVAL &&
          set_perms(&s, d0, "/local/domain/1/data", "b99999999", NULL) == -EINVAL &&
          req(&s, d0, MICA_STORE_SET_PERMS, 0, NULL, 1, "/local/domain/1/data") == -EINVAL,
          "malformed permission lists: EINVAL", "");
    check(READ(&s, d1, 0, "/", NULL) == -EACCES && READ(&s, d0, 0, "/", NULL) == 0,
          "the root is dom0's: a domain may not read it", "");
    check(req(&s, d1, MICA_STORE_INTRODUCE, 0, NULL, 3, "5", "1", "1") == -EACCES &&
          req(&s, d1, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "nodes", "9999") == -EACCES &&
          req(&s, d1, MICA_STORE_RESTRICT, 0, NULL, 1, "2") == -EACCES,
          "a domain may not introduce, set quotas or take other rights", "");
    store_fini(&s);
}

static void test_watches(void)
{
    struct store s;
    struct conn *d0, *d1, *w0;

    fresh(&s);
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    w0 = conn_new(&s, CONN_TEST, 0, -1);
    d1 = conn_new(&s, CONN_TEST, 1, -1);
    events[0] = '\0';
    check(req(&s, w0, MICA_STORE_WATCH, 0, NULL, 2, "/w", "tok") == 0 &&
          !strcmp(events, "/w tok\n"), "a watch fires once when registered", "%s", events);
    events[0] = '\0';
    WRITE(&s, d0, 0, "/w/a/b", "1");
    WRITE(&s, d0, 0, "/other", "1");
    WRITE(&s, d0, 0, "/wx", "1");
    MKDIR(&s, d0, 0, "/w/m");
    set_perms(&s, d0, "/w/m", "b0", NULL);
    req(&s, w0, MICA_STORE_READ, 0, NULL, 1, "/w");   /* collect w0's events */
    check(!strcmp(events, "/w/a/b tok\n/w/m tok\n/w/m tok\n"),
          "it fires for writes, mkdir and set_perms at or below its path, not beside it",
          "%s", events);
    events[0] = '\0';
    req(&s, w0, MICA_STORE_WATCH, 0, NULL, 2, "/w/a/b/c", "deep");
    events[0] = '\0';
    RM(&s, d0, 0, "/w/a");
    req(&s, w0, MICA_STORE_READ, 0, NULL, 1, "/w");
    check(!strcmp(events, "/w/a/b/c deep\n/w/a tok\n") || !strcmp(events, "/w/a tok\n/w/a/b/c deep\n"),
          "removing a node fires the watches below it too", "%s", events);
    check(req(&s, w0, MICA_STORE_WATCH, 0, NULL, 2, "/w", "tok") == -EEXIST &&
          req(&s, w0, MICA_STORE_UNWATCH, 0, NULL, 2, "/w", "tok") == 0 &&
          req(&s, w0, MICA_STORE_UNWATCH, 0, NULL, 2, "/w", "tok") == -ENOENT,
          "the same watch twice: EEXIST; unwatch; unwatch again: ENOENT", "");
    events[0] = '\0';
    WRITE(&s, d0, 0, "/w/after", "1");
    req(&s, w0, MICA_STORE_READ, 0, NULL, 1, "/w");
    check(!strcmp(events, ""), "an unwatched path fires no more", "%s", events);
    /* a domain: relative paths, and only what it may read */
    WRITE(&s, d0, 0, "/local/domain/1/dev", "");
    set_perms(&s, d0, "/local/domain/1", "n1", NULL);
    set_perms(&s, d0, "/local/domain/1/dev", "n1", NULL);
    events[0] = '\0';
    req(&s, d1, MICA_STORE_WATCH, 0, NULL, 2, "dev", "rel");
    WRITE(&s, d0, 0, "/local/domain/1/dev/state", "4");
    req(&s, d1, MICA_STORE_READ, 0, NULL, 1, "dev");
    check(!strcmp(events, "dev rel\ndev/state rel\n"),
          "a relative watch reports relative paths", "%s", events);
    events[0] = '\0';
    WRITE(&s, d0, 0, "/secret", "");
    req(&s, d1, MICA_STORE_WATCH, 0, NULL, 2, "/secret", "s");
    events[0] = '\0';
    WRITE(&s, d0, 0, "/secret/x", "1");
    req(&s, d1, MICA_STORE_READ, 0, NULL, 1, "dev");
    check(!strcmp(events, ""), "a domain hears nothing of nodes it may not read", "%s", events);
    check(req(&s, d1, MICA_STORE_WATCH, 0, NULL, 2, "@releaseDomain", "r") == -EACCES,
          "special watches are dom0's", "");
    check(req(&s, d0, MICA_STORE_WATCH, 0, NULL, 2, "@bogus", "r") == -EINVAL &&
          req(&s, d0, MICA_STORE_WATCH, 0, NULL, 1, "/x") == -EINVAL,
          "a bad special name or a missing token: EINVAL", "");
    store_fini(&s);
}

static struct conn *fake_conn;

static int fake_introduce(struct store *s, struct domain *d)
{
    d->conn = fake_conn = conn_new(s, CONN_TEST, d->domid, -1);
    return d->conn ? 0 : -ENOMEM;
}

static void test_domains(void)
{
    struct store s;
    struct conn *d0;
    struct reply r;

    fresh(&s);
    s.introduce = fake_introduce;
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    req(&s, d0, MICA_STORE_WATCH, 0, NULL, 2, "@introduceDomain", "i");
    req(&s, d0, MICA_STORE_WATCH, 0, NULL, 2, "@releaseDomain", "r");
    events[0] = '\0';
    check(req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "3", "252", "5") == 0 && fake_conn &&
          fake_conn->domid == 3 && strstr(events, "@introduceDomain i"),
          "INTRODUCE connects the domain and fires @introduceDomain", "%s", events);
    check(req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "3", "252", "5") == 0 &&
          req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "3", "253", "5") == -EEXIST,
          "introducing it again: fine the same way, EEXIST another", "");
    check(req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "0", "1", "1") == -EINVAL &&
          req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "4", "99999999999999999", "1") == -EINVAL &&
          req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "4", "1", "0") == -EINVAL &&
          req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 2, "4", "1") == -EINVAL &&
          req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "x", "1", "1") == -EINVAL,
          "INTRODUCE with a bad domid, gfn, port or argument count: EINVAL", "");
    check(req(&s, d0, MICA_STORE_IS_DOMAIN_INTRODUCED, 0, &r, 1, "3") == 0 && !strcmp(r.data, "T"),
          "IS_DOMAIN_INTRODUCED", "%s", r.data);
    WRITE(&s, d0, 0, "/local/domain/3/x", "");
    set_perms(&s, d0, "/local/domain/3", "n3", NULL);
    WRITE(&s, fake_conn, 0, "mine", "1");
    req(&s, fake_conn, MICA_STORE_WATCH, 0, NULL, 2, "mine", "t");
    events[0] = '\0';
    check(req(&s, d0, MICA_STORE_RELEASE, 0, NULL, 1, "3") == 0 && fake_conn->dead &&
          !fake_conn->nwatches && strstr(events, "@releaseDomain r"),
          "RELEASE drops its connection and watches, fires @releaseDomain", "%s", events);
    check(req(&s, d0, MICA_STORE_GET_PERMS, 0, &r, 1, "/local/domain/3/mine") == 0 &&
          !strcmp(r.data, "n0"), "the nodes it owned become dom0's", "%s", r.data);
    check(req(&s, d0, MICA_STORE_RELEASE, 0, NULL, 1, "3") == -ENOENT &&
          req(&s, d0, MICA_STORE_IS_DOMAIN_INTRODUCED, 0, &r, 1, "3") == 0 && !strcmp(r.data, "F"),
          "released: RELEASE again is ENOENT, not introduced", "");
    store_fini(&s);
}

static void test_transactions(void)
{
    struct store s;
    struct conn *a, *b, *d1;
    uint32_t t1, t2;
    struct reply r;
    int rc;

    fresh(&s);
    a = conn_new(&s, CONN_TEST, 0, -1);
    b = conn_new(&s, CONN_TEST, 0, -1);
    d1 = conn_new(&s, CONN_TEST, 1, -1);
    WRITE(&s, a, 0, "/t/counter", "0");
    tx_start_req(&s, a, &t1);
    check(t1 && WRITE(&s, a, t1, "/t/counter", "1") == 0 && read_is(&s, b, "/t/counter", "0") &&
          READ(&s, a, t1, "/t/counter", &r) == 0 && !strcmp(r.data, "1"),
          "a transaction sees its own writes; others do not until it commits", "");
    check(tx_end_req(&s, a, t1, true) == 0 && read_is(&s, b, "/t/counter", "1"),
          "commit makes them visible", "");
    /* conflict: both read-modify-write the counter */
    tx_start_req(&s, a, &t1);
    tx_start_req(&s, b, &t2);
    READ(&s, a, t1, "/t/counter", NULL);
    READ(&s, b, t2, "/t/counter", NULL);
    WRITE(&s, a, t1, "/t/counter", "2");
    WRITE(&s, b, t2, "/t/counter", "2");
    check(tx_end_req(&s, a, t1, true) == 0 && (rc = tx_end_req(&s, b, t2, true)) == -EAGAIN &&
          read_is(&s, a, "/t/counter", "2"),
          "two transactions changing the same node: the second commit gets EAGAIN", "");
    tx_start_req(&s, b, &t2);
    READ(&s, b, t2, "/t/counter", &r);
    WRITE(&s, b, t2, "/t/counter", "3");
    check(tx_end_req(&s, b, t2, true) == 0 && read_is(&s, a, "/t/counter", "3"),
          "and its retry commits", "");
    WRITE(&s, b, 0, "/t/unrelated", "y");
    tx_start_req(&s, a, &t1);
    READ(&s, a, t1, "/t/counter", NULL);
    WRITE(&s, a, t1, "/t/other", "x");
    WRITE(&s, b, 0, "/t/unrelated", "changed");
    check(tx_end_req(&s, a, t1, true) == 0 && read_is(&s, b, "/t/other", "x"),
          "a change to a node the transaction never touched is no conflict", "");
    tx_start_req(&s, a, &t1);
    READ(&s, a, t1, "/t/newnode", NULL);
    WRITE(&s, b, 0, "/t/newnode", "z");
    WRITE(&s, a, t1, "/t/x", "1");
    check(tx_end_req(&s, a, t1, true) == -EAGAIN,
          "a node read as missing, created meanwhile: EAGAIN", "");
    tx_start_req(&s, a, &t1);
    req(&s, a, MICA_STORE_DIRECTORY, t1, NULL, 1, "/t");
    WRITE(&s, b, 0, "/t/another", "z");
    WRITE(&s, a, t1, "/t/y", "1");
    check(tx_end_req(&s, a, t1, true) == -EAGAIN,
          "a directory listed, a child added meanwhile: EAGAIN", "");
    tx_start_req(&s, a, &t1);
    WRITE(&s, a, t1, "/t/aborted", "1");
    RM(&s, a, t1, "/t/counter");
    check(tx_end_req(&s, a, t1, false) == 0 && READ(&s, b, 0, "/t/aborted", NULL) == -ENOENT &&
          read_is(&s, b, "/t/counter", "3"), "abort discards everything", "");
    check(tx_end_req(&s, a, t1, true) == -ENOENT && READ(&s, a, 12345, "/t", NULL) == -ENOENT,
          "an ended or unknown transaction: ENOENT", "");
    tx_start_req(&s, a, &t1);
    check(READ(&s, b, t1, "/t/counter", NULL) == -ENOENT,
          "another connection cannot use a transaction", "");
    tx_end_req(&s, a, t1, false);
    /* events and the journal see a commit, not the transaction's steps */
    req(&s, b, MICA_STORE_WATCH, 0, NULL, 2, "/t/w", "tw");
    events[0] = '\0';
    tx_start_req(&s, a, &t1);
    WRITE(&s, a, t1, "/t/w/x", "1");
    req(&s, b, MICA_STORE_READ, 0, NULL, 1, "/t");
    check(!strcmp(events, ""), "no watch fires before the commit", "%s", events);
    tx_end_req(&s, a, t1, true);
    req(&s, b, MICA_STORE_READ, 0, NULL, 1, "/t");
    check(!strcmp(events, "/t/w/x tw\n"), "and it fires at the commit", "%s", events);
    /* a domain in a transaction still has its permissions checked */
    tx_start_req(&s, d1, &t1);
    check(WRITE(&s, d1, t1, "/t/x", "evil") == -EACCES && READ(&s, d1, t1, "/t/w/x", NULL) == -EACCES,
          "permissions hold inside a transaction", "");
    tx_end_req(&s, d1, t1, true);
    store_fini(&s);
}

static void test_quotas(void)
{
    struct store s;
    struct conn *d0, *d1;
    uint32_t tx[16];
    char path[64], val[4096];
    int rc = 0, i;
    struct reply r;

    fresh(&s);
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    d1 = conn_new(&s, CONN_TEST, 1, -1);
    MKDIR(&s, d0, 0, "/local/domain/1");
    set_perms(&s, d0, "/local/domain/1", "n1", NULL);
    for (i = 0; i < MICA_STORE_QUOTA_NODES + 5 && !rc; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        rc = WRITE(&s, d1, 0, path, "x");
    }
    check(rc == -EDQUOT && i == MICA_STORE_QUOTA_NODES,
          "nodes: the default quota (1000, its directory included) refuses the next with EDQUOT",
          "rc %d after %d writes", rc, i);
    check(WRITE(&s, d0, 0, "/local/domain/1/by-dom0", "x") == 0,
          "dom0 is not limited by it", "");
    memset(val, 'v', sizeof(val));
    val[MICA_STORE_QUOTA_VALUE] = '\0';
    check(WRITE(&s, d1, 0, "n1", val) == 0, "value: 2048 bytes are fine", "");
    val[MICA_STORE_QUOTA_VALUE] = 'v';
    val[MICA_STORE_QUOTA_VALUE + 1] = '\0';
    check(WRITE(&s, d1, 0, "n1", val) == -EDQUOT, "value: 2049 bytes are refused with EDQUOT", "");
    rc = 0;
    for (i = 0; i < MICA_STORE_QUOTA_WATCHES + 5 && !rc; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        rc = req(&s, d1, MICA_STORE_WATCH, 0, NULL, 2, path, "t");
    }
    check(rc == -EDQUOT && i == MICA_STORE_QUOTA_WATCHES + 1,
          "watches: the 129th is refused with EDQUOT", "rc %d at %d", rc, i);
    rc = 0;
    for (i = 0; i < MICA_STORE_QUOTA_TRANSACTIONS + 5 && !rc; i++)
        rc = tx_start_req(&s, d1, &tx[i]);
    check(rc == -EDQUOT && i == MICA_STORE_QUOTA_TRANSACTIONS + 1,
          "transactions: the 11th open one is refused with EDQUOT", "rc %d at %d", rc, i);
    tx_end_req(&s, d1, tx[0], false);
    check(tx_start_req(&s, d1, &tx[0]) == 0, "one ended: another may start", "");
    check(req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "nodes", "2000") == 0 &&
          WRITE(&s, d1, 0, "more", "x") == 0, "SET_QUOTA raises a limit", "");
    check(req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "value", "10") == 0 &&
          WRITE(&s, d1, 0, "n2", "12345678901") == -EDQUOT && WRITE(&s, d1, 0, "n2", "1234567890") == 0,
          "and lowers one", "");
    check(req(&s, d0, MICA_STORE_GET_QUOTA, 0, &r, 1, "1") == 0 &&
          !strcmp(r.data, "nodes=1002/2000 watches=128/128 transactions=10/10 value=10"),
          "GET_QUOTA shows use (dom0's node under its directory counts: it owns it) and limits", "%s", r.data);
    check(req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "bogus", "1") == -EINVAL &&
          req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "value", "5000") == -EINVAL &&
          req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "0", "nodes", "5") == -EINVAL &&
          req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "nodes", "-1") == -EINVAL,
          "SET_QUOTA of an unknown name, a value past a message, dom0, or a bad number: EINVAL", "");
    check(req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "nodes", "0") == 0 &&
          req(&s, d0, MICA_STORE_GET_QUOTA, 0, &r, 1, "1") == 0 && strstr(r.data, "/1000 "),
          "0 sets the default back", "%s", r.data);
    /* a transaction's commit checks the node quota again */
    req(&s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "1", "nodes", "1003");
    tx_end_req(&s, d1, tx[1], false);
    tx_start_req(&s, d1, &tx[1]);
    rc = WRITE(&s, d1, tx[1], "txnode", "1");
    WRITE(&s, d1, 0, "n5/direct", "1");      /* elsewhere: no conflict */
    check(rc == 0 && tx_end_req(&s, d1, tx[1], true) == -EDQUOT &&
          READ(&s, d0, 0, "/local/domain/1/txnode", NULL) == -ENOENT,
          "a commit that would pass the node quota is refused whole (EDQUOT)", "");
    store_fini(&s);
}

/* ---- the journal ---- */

static int dump_node(void *arg, const char *path, const struct node *n)
{
    FILE *f = arg;
    char perms[1024];
    size_t len = perms_format(n->perms, n->nperms, perms, sizeof(perms));

    for (size_t i = 0; i + 1 < len; i++)
        if (!perms[i])
            perms[i] = ' ';
    fprintf(f, "%s [%s] %u:%.*s\n", path, perms, n->vlen, (int)n->vlen, n->value);
    return 0;
}

static char *dump(struct store *s)
{
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);

    tree_walk(&s->main, dump_node, f);
    for (struct domain *d = s->doms; d; d = d->next)
        fprintf(f, "dom %u intro %d quota %u %u %u %u\n", d->domid, d->introduced, d->quota.nodes,
                d->quota.watches, d->quota.transactions, d->quota.value);
    fclose(f);
    return buf;
}

/* A workload: nodes, perms, removals, a transaction, quotas, a domain. */
static void workload(struct store *s, struct conn *d0, int round)
{
    char p[64], v[64];
    uint32_t tx;

    for (int i = 0; i < 50; i++) {
        snprintf(p, sizeof(p), "/j/r%d/n%d", round, i);
        snprintf(v, sizeof(v), "value %d %d", round, i * 7);
        WRITE(s, d0, 0, p, v);
    }
    snprintf(p, sizeof(p), "/j/r%d/n3", round);
    set_perms(s, d0, p, "b4", "r5");
    snprintf(p, sizeof(p), "/j/r%d/n7", round);
    RM(s, d0, 0, p);
    tx_start_req(s, d0, &tx);
    snprintf(p, sizeof(p), "/j/r%d/tx", round);
    WRITE(s, d0, tx, p, "in a transaction");
    tx_end_req(s, d0, tx, true);
    snprintf(v, sizeof(v), "%d", 100 + round);
    req(s, d0, MICA_STORE_SET_QUOTA, 0, NULL, 3, "9", "watches", v);
}

static void test_journal(void)
{
    char dir[] = "/tmp/store-test-XXXXXX", path[256], *before, *after;
    struct store s, t;
    struct conn *d0;
    FILE *f;

    if (!mkdtemp(dir)) {
        check(false, "journal: temporary directory", "%s", strerror(errno));
        return;
    }
    fresh(&s);
    check(journal_open(&s, dir) == 0, "journal: a fresh directory opens", "");
    s.introduce = fake_introduce;
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    workload(&s, d0, 1);
    req(&s, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "9", "252", "3");
    req(&s, fake_conn, MICA_STORE_WATCH, 0, NULL, 2, "dev", "restored");
    before = dump(&s);
    journal_close(&s);
    store_fini(&s);

    fresh(&t);
    t.introduce = fake_introduce;
    check(journal_open(&t, dir) == 0, "journal: reopens", "");
    after = dump(&t);
    check(!strcmp(before, after), "journal: after a clean stop every node, permission, quota and "
          "domain is back", "before:\n%s\nafter:\n%s", before, after);
    free(after);
    fake_conn = NULL;
    for (struct domain *d = t.doms; d; d = d->next)
        if (d->introduced)
            t.introduce(&t, d);
    events[0] = '\0';
    journal_restore_watches(&t);
    check(fake_conn && fake_conn->nwatches == 1,
          "journal: a domain's watch comes back with its connection", "");
    /* released, introduced again, a new watch: only that one comes back */
    req(&t, d0 = conn_new(&t, CONN_TEST, 0, -1), MICA_STORE_RELEASE, 0, NULL, 1, "9");
    req(&t, d0, MICA_STORE_INTRODUCE, 0, NULL, 3, "9", "252", "3");
    req(&t, fake_conn, MICA_STORE_WATCH, 0, NULL, 2, "other", "second");
    journal_close(&t);
    store_fini(&t);
    fresh(&t);
    t.introduce = fake_introduce;
    journal_open(&t, dir);
    fake_conn = NULL;
    for (struct domain *d = t.doms; d; d = d->next)
        if (d->introduced)
            t.introduce(&t, d);
    journal_restore_watches(&t);
    check(fake_conn && fake_conn->nwatches == 1 && t.watches && !strcmp(t.watches->token, "second"),
          "journal: after a release and a new introduction, the new watch comes back", "");
    /* crash: changes journalled, never folded into a snapshot; then a torn record */
    d0 = conn_new(&t, CONN_TEST, 0, -1);
    workload(&t, d0, 2);
    RM(&t, d0, 0, "/j/r1/n5");
    free(before);
    before = dump(&t);
    snprintf(path, sizeof(path), "%s/journal", dir);
    f = fopen(path, "a");
    fwrite("\x31\x4a\x53\x4d\x01\x00\x00\x00\xff\x00\x00\x00garbage", 1, 19, f);
    fclose(f);
    /* as if killed: everything was synced (send_raw), nothing folded into a snapshot */
    journal_close(&t);
    store_fini(&t);

    fresh(&s);
    check(journal_open(&s, dir) == 0, "journal: reopens after a crash with a torn last record", "");
    after = dump(&s);
    check(!strcmp(before, after), "journal: after a crash every committed change is back",
          "before:\n%s\nafter:\n%s", before, after);
    free(after);
    journal_close(&s);
    store_fini(&s);
    fresh(&s);
    check(journal_open(&s, dir) == 0 && !strcmp(before, (after = dump(&s))),
          "journal: and once more (the snapshot it wrote is whole)", "");
    free(after);
    free(before);
    journal_close(&s);
    store_fini(&s);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    if (system(path))
        check(false, "journal: cleanup", "%s", path);
}

/* ---- fuzz: a hostile domain ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static const char *const fuzz_paths[] = {
    "/", "/local", "/local/domain/7", "/local/domain/7/x", "x", "x/y", "../etc", "//", "/a//b",
    "@introduceDomain", "@releaseDomain", "/local/domain/8/secret", "a b", "", "/\xff", "data/deep/er",
};

/* One request: mostly well-formed with random choices, sometimes random bytes. */
static size_t fuzz_msg(char *buf, size_t cap, uint32_t *open_tx)
{
    struct mica_store_msg h = { rnd() % (MICA_STORE_TYPE_NR + 3), rnd(), 0, 0 };
    char *p = buf + sizeof(h);
    size_t room = cap - sizeof(h), len = 0;
    unsigned int n = rnd() % 4;

    if (rnd() % 4 == 0)
        h.tx_id = rnd() % 3 ? *open_tx : rnd();
    for (unsigned int i = 0; i < n && len < room; i++) {
        const char *a = fuzz_paths[rnd() % (sizeof(fuzz_paths) / sizeof(fuzz_paths[0]))];
        size_t l = strlen(a) + 1;

        if (rnd() % 5 == 0) {
            char num[16];

            snprintf(num, sizeof(num), "%u", rnd() % 20);
            a = num;
            l = strlen(a) + 1;
            memcpy(p + len, a, l < room - len ? l : room - len);
        } else {
            memcpy(p + len, a, l < room - len ? l : room - len);
        }
        len += l < room - len ? l : room - len;
    }
    if (rnd() % 6 == 0) {                /* random bytes */
        size_t extra = rnd() % 600;

        for (size_t i = 0; i < extra && len < room; i++)
            p[len++] = (char)rnd();
    }
    if (rnd() % 8 == 0 && len)
        len--;                          /* drop the last NUL */
    h.len = (uint32_t)len;
    memcpy(buf, &h, sizeof(h));
    return sizeof(h) + len;
}

static void test_fuzz(void)
{
    struct store s;
    struct conn *good, *evil;
    static char buf[sizeof(struct mica_store_msg) + MICA_STORE_PAYLOAD_MAX];
    uint32_t open_tx = 0;
    unsigned int iters = getenv("STORE_FUZZ_ITERS") ? (unsigned)atoi(getenv("STORE_FUZZ_ITERS"))
                                                    : 200000;
    unsigned int drops = 0;
    struct mica_store_msg m;
    static char data[MICA_STORE_PAYLOAD_MAX + 1];

    fresh(&s);
    good = conn_new(&s, CONN_TEST, 0, -1);
    MKDIR(&s, good, 0, "/local/domain/7");
    set_perms(&s, good, "/local/domain/7", "n7", NULL);
    WRITE(&s, good, 0, "/local/domain/8/secret", "s3cret");
    evil = conn_new(&s, CONN_TEST, 7, -1);
    for (unsigned int i = 0; i < iters; i++) {
        size_t len = fuzz_msg(buf, sizeof(buf), &open_tx);

        if (rnd() % 5000 == 0) {        /* an overlong len in a header */
            struct mica_store_msg h = { MICA_STORE_READ, 1, 0, MICA_STORE_PAYLOAD_MAX + 1 + rnd() % 9999 };

            memcpy(buf, &h, sizeof(h));
            len = sizeof(h);
        }
        /* deliver in random pieces, as a ring would */
        for (size_t off = 0; off < len && !evil->dead;) {
            size_t piece = 1 + rnd() % (len - off);

            conn_input(&s, evil, buf + off, piece);
            off += piece;
        }
        while (pop(evil, &m, data))
            if (m.type == MICA_STORE_TRANSACTION_START)
                open_tx = (uint32_t)strtoul(data, NULL, 10);
        if (evil->dead) {               /* dropped: it comes back as a new connection */
            drops++;
            conn_free(&s, evil);
            evil = conn_new(&s, CONN_TEST, 7, -1);
        }
        if (i % 1000 == 0)
            journal_sync(&s);
    }
    check(read_is(&s, good, "/local/domain/8/secret", "s3cret"),
          "fuzz: the hostile domain neither read nor changed another's node", "");
    check(WRITE(&s, good, 0, "/after/fuzz", "ok") == 0 && read_is(&s, good, "/after/fuzz", "ok"),
          "fuzz: the store still serves another client", "");
    check(tree_count(&s.main, 7) <= (int)MICA_STORE_QUOTA_NODES && evil->nwatches <= 128 &&
          evil->ntx <= 10, "fuzz: the hostile domain stayed within its quotas",
          "nodes %d", tree_count(&s.main, 7));
    printf("PASS store: fuzz: %u random and malformed requests from a hostile domain "
           "(dropped %u times for overlong messages)\n", iters, drops);
    passes++;
    store_fini(&s);
}

/* DIRECTORY_PART: a list too long for one reply, in parts. */
static void test_directory_part(void)
{
    struct store s;
    struct conn *d0;
    struct reply r;
    char name[64], off[16], all[8192];
    uint32_t len = 0, parts = 0;
    bool ended = false;

    fresh(&s);
    d0 = conn_new(&s, CONN_TEST, 0, -1);
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof(name), "/big/child-%04d", i);
        WRITE(&s, d0, 0, name, "");
    }
    check(req(&s, d0, MICA_STORE_DIRECTORY, 0, &r, 1, "/big") == -E2BIG,
          "directory_part: DIRECTORY of 500 children (5.5 KiB of names) is E2BIG", "");
    while (!ended && parts < 10) {
        const char *names;
        uint32_t nl;

        snprintf(off, sizeof(off), "%u", len);
        if (req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, &r, 2, "/big", off))
            break;
        names = memchr(r.data, '\0', r.len) + 1;
        nl = r.len - (uint32_t)(names - r.data);
        ended = nl == 1 || (nl >= 2 && names[nl - 2] == '\0' && names[nl - 1] == '\0');
        nl -= ended;
        memcpy(all + len, names, nl);
        len += nl;
        parts++;
    }
    snprintf(name, sizeof(name), "child-%04d", 499);
    check(ended && parts == 2 && len == 500 * 11 && !strcmp(all + len - 11, name) &&
          !strcmp(all + 11 * 137, "child-0137"),
          "directory_part: two parts give all 500 names in order, then the end mark", "parts %u len %u",
          parts, len);
    check(req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, NULL, 2, "/big", "5") == -EINVAL &&
          req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, NULL, 2, "/big", "5511") == -EINVAL &&
          req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, NULL, 2, "/big", "x") == -EINVAL &&
          req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, NULL, 1, "/big") == -EINVAL,
          "directory_part: an offset inside a name, past the end, not a number, or missing: EINVAL", "");
    check(req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, &r, 2, "/big", "5500") == 0 &&
          r.len == strlen(r.data) + 2 && r.data[r.len - 1] == '\0',
          "directory_part: at the very end, the generation and the end mark alone", "len %u", r.len);
    {
        char gen[32];

        req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, &r, 2, "/big", "0");
        snprintf(gen, sizeof(gen), "%.31s", r.data);
        WRITE(&s, d0, 0, "/big/child-9999", "");
        check(req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, &r, 2, "/big", "0") == 0 && strcmp(gen, r.data),
              "directory_part: a child added meanwhile changes the generation", "%s then %s", gen,
              r.data);
    }
    check(req(&s, d0, MICA_STORE_DIRECTORY_PART, 0, NULL, 2, "/none", "0") == -ENOENT,
          "directory_part: a missing node: ENOENT", "");
    store_fini(&s);
}

int main(void)
{
    test_tree();
    test_directory_part();
    test_perms();
    test_watches();
    test_domains();
    test_transactions();
    test_quotas();
    test_journal();
    test_fuzz();
    printf("%s store: %d checks passed, %d failed\n", failures ? "FAIL" : "PASS", passes, failures);
    return failures ? 1 : 0;
}
