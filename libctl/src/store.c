/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's client (micactl.h, docs/store.md): requests over the unix
 * socket MICA_STORE_SOCKET (or $MICA_STORE_SOCKET), one at a time, each
 * waiting for its reply. Watch events that arrive meanwhile are kept, in
 * order, for mica_store_read_watch(). An error reply "ENAME" comes back
 * as -ENAME.
 *
 * mica_store_fd() is an epoll file over the socket and an eventfd that is
 * set while events are kept: it polls readable both when the daemon sent
 * something and when an event came in during a request, so a caller that
 * polls it never sleeps on an event already received.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <public/io/store.h>
#include "priv.h"

struct store_event {
    struct store_event *next;
    char *path, *token;
};

struct mica_store {
    int fd;                             /* the socket */
    int kept;                           /* eventfd: set while events are kept */
    int ep;                             /* epoll over both: mica_store_fd() */
    uint32_t next_req;
    struct store_event *events, **events_tail;
};

static const struct { const char *name; int err; } store_errors[] = {
#define X(e) { #e, e },
    MICA_STORE_ERRORS(X)
#undef X
};

/* The errno an error reply names (its payload is NUL-terminated by read_msg). */
static int errno_of(const char *name)
{
    for (size_t i = 0; i < sizeof(store_errors) / sizeof(store_errors[0]); i++)
        if (!strcmp(name, store_errors[i].name))
            return store_errors[i].err;
    return EIO;
}

static const char *socket_path(void)
{
    const char *p = getenv("MICA_STORE_SOCKET");

    return p && p[0] ? p : MICA_STORE_SOCKET;
}

/* The epoll file mica_store_fd() gives: the socket and the kept-events eventfd. */
static int open_poll(mica_store *s)
{
    struct epoll_event e = { .events = EPOLLIN };

    s->kept = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    if (s->kept < 0 || s->ep < 0)
        return -errno;
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->fd, &e) || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->kept, &e))
        return -errno;
    return 0;
}

int mica_store_open(mica_store **out)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    const char *path = socket_path();
    mica_store *s;
    int rc;

    *out = NULL;
    if (strlen(path) >= sizeof(a.sun_path))
        return ctl_fail(NULL, -ENAMETOOLONG, "store: %s: path too long", path);
    strcpy(a.sun_path, path);
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->events_tail = &s->events;
    s->next_req = 1;
    s->kept = s->ep = -1;
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&a, sizeof(a))) {
        rc = -errno;
        mica_store_close(s);
        if (rc == -ENOENT || rc == -ECONNREFUSED)
            return ctl_fail(NULL, rc, "the store daemon (micastored) is not running (%s: %s)",
                            path, strerror(-rc));
        return ctl_fail(NULL, rc, "store: %s: %s", path, strerror(-rc));
    }
    if ((rc = open_poll(s))) {
        mica_store_close(s);
        return ctl_fail(NULL, rc, "store: epoll: %s", strerror(-rc));
    }
    *out = s;
    return 0;
}

void mica_store_close(mica_store *s)
{
    if (!s)
        return;
    while (s->events) {
        struct store_event *e = s->events;

        s->events = e->next;
        free(e->path);
        free(e);
    }
    if (s->fd >= 0)
        close(s->fd);
    if (s->kept >= 0)
        close(s->kept);
    if (s->ep >= 0)
        close(s->ep);
    free(s);
}

int mica_store_fd(mica_store *s)
{
    return s->ep;
}

/* The eventfd follows whether events are kept. */
static void kept_signal(mica_store *s, bool any)
{
    uint64_t v = 1;

    if (any) {
        if (write(s->kept, &v, sizeof(v)) < 0)
            return;                     /* already set: fine */
    } else if (read(s->kept, &v, sizeof(v)) < 0) {
        return;                         /* already clear */
    }
}

static int io_all(int fd, void *buf, size_t len, bool writing)
{
    char *p = buf;

    while (len) {
        ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -ECONNRESET;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One message from the daemon; *payload malloc'd and NUL-terminated. */
static int read_msg(mica_store *s, struct mica_store_msg *h, char **payload)
{
    int rc = io_all(s->fd, h, sizeof(*h), false);

    *payload = NULL;
    if (rc)
        return rc;
    if (h->len > MICA_STORE_PAYLOAD_MAX)
        return -EPROTO;
    *payload = malloc(h->len + 1);
    if (!*payload)
        return -ENOMEM;
    rc = io_all(s->fd, *payload, h->len, false);
    if (rc) {
        free(*payload);
        *payload = NULL;
        return rc;
    }
    (*payload)[h->len] = '\0';
    return 0;
}

/* Keep a watch event "path\0token\0" for read_watch. */
static void keep_event(mica_store *s, char *payload, uint32_t len)
{
    struct store_event *e = calloc(1, sizeof(*e));
    size_t pl = strnlen(payload, len);

    if (!e || pl + 1 >= len) {
        free(e);
        free(payload);
        return;
    }
    e->path = payload;
    e->token = payload + pl + 1;
    if (!s->events)
        kept_signal(s, true);
    *s->events_tail = e;
    s->events_tail = &e->next;
}

/* Send a request and wait for its reply: 0 with *reply (malloc'd) or -errno. */
static int request(mica_store *s, uint32_t type, uint32_t tx, const void *p, size_t len,
                   char **reply, uint32_t *rlen)
{
    struct mica_store_msg h = { type, s->next_req++, tx, (uint32_t)len };
    char *payload;
    int rc;

    ctl_clear_error(NULL);
    if (len > MICA_STORE_PAYLOAD_MAX)
        return -E2BIG;
    if ((rc = io_all(s->fd, &h, sizeof(h), true)) || (rc = io_all(s->fd, (void *)p, len, true)))
        return rc;
    for (;;) {
        struct mica_store_msg r;

        if ((rc = read_msg(s, &r, &payload)))
            return rc;
        if (r.type == MICA_STORE_WATCH_EVENT) {
            keep_event(s, payload, r.len);
            continue;
        }
        if (r.req_id != h.req_id) {
            free(payload);
            continue;
        }
        if (r.type == MICA_STORE_ERROR) {
            rc = -errno_of(payload);
            free(payload);
            return rc;
        }
        if (reply) {
            *reply = payload;
            *rlen = r.len;
        } else {
            free(payload);
        }
        return 0;
    }
}

/* "a\0b\0" ... as one buffer to send. */
static int pack(char *buf, size_t cap, size_t *len, const char *const *strs, unsigned int n)
{
    size_t off = 0;

    for (unsigned int i = 0; i < n; i++) {
        size_t l = strlen(strs[i]) + 1;

        if (off + l > cap)
            return -E2BIG;
        memcpy(buf + off, strs[i], l);
        off += l;
    }
    *len = off;
    return 0;
}

static int request_strs(mica_store *s, uint32_t type, uint32_t tx, const char *const *strs,
                        unsigned int n, char **reply, uint32_t *rlen)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    size_t len;
    int rc = pack(buf, sizeof(buf), &len, strs, n);

    return rc ? rc : request(s, type, tx, buf, len, reply, rlen);
}

static int request1(mica_store *s, uint32_t type, uint32_t tx, const char *arg)
{
    return request_strs(s, type, tx, &arg, 1, NULL, NULL);
}

int mica_store_read(mica_store *s, uint32_t tx, const char *path, char **val, size_t *len)
{
    uint32_t rlen;
    int rc = request_strs(s, MICA_STORE_READ, tx, &path, 1, val, &rlen);

    if (!rc && len)
        *len = rlen;
    return rc;
}

int mica_store_write(mica_store *s, uint32_t tx, const char *path, const void *val, size_t len)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    size_t pl = strlen(path) + 1;

    if (pl + len > sizeof(buf))
        return -E2BIG;
    memcpy(buf, path, pl);
    memcpy(buf + pl, val, len);
    return request(s, MICA_STORE_WRITE, tx, buf, pl + len, NULL, NULL);
}

int mica_store_mkdir(mica_store *s, uint32_t tx, const char *path)
{
    return request1(s, MICA_STORE_MKDIR, tx, path);
}

int mica_store_rm(mica_store *s, uint32_t tx, const char *path)
{
    return request1(s, MICA_STORE_RM, tx, path);
}

/* Split "a\0b\0" into one block: n pointers, then the strings. Returns n. */
static int split_list(const char *p, uint32_t len, char ***out)
{
    unsigned int n = 0;
    char **v, *str;

    for (uint32_t i = 0; i < len; i++)
        n += p[i] == '\0';
    if (len && p[len - 1] != '\0')
        n++;
    v = malloc(n * sizeof(*v) + len + 1);
    if (!v)
        return -ENOMEM;
    str = (char *)(v + n);
    memcpy(str, p, len);
    str[len] = '\0';
    for (unsigned int i = 0; i < n; i++) {
        v[i] = str;
        str += strlen(str) + 1;
    }
    *out = v;
    return (int)n;
}

static int request_list(mica_store *s, uint32_t type, uint32_t tx, const char *path, char ***out)
{
    char *reply;
    uint32_t rlen;
    int rc = request_strs(s, type, tx, &path, 1, &reply, &rlen);

    if (rc)
        return rc;
    rc = split_list(reply, rlen, out);
    free(reply);
    return rc;
}

/* Append one DIRECTORY_PART reply's names to *all; 1 when the list ended. */
static int part_take(char **all, size_t *len, uint64_t *gen, const char *p, uint32_t plen)
{
    const char *g = memchr(p, '\0', plen);
    char *end, *grown;
    uint64_t v;
    size_t nl;
    bool last;

    if (!g || plen == 0 || p[plen - 1] != '\0')
        return -EIO;
    v = strtoull(p, &end, 10);
    if (end != g)
        return -EIO;
    if (*len && v != *gen)
        return -EAGAIN;                 /* it changed between parts */
    *gen = v;
    nl = plen - (size_t)(g + 1 - p);
    last = nl && (nl == 1 || (nl >= 2 && g[nl - 1] == '\0' && g[nl] == '\0'));
    nl -= last;
    if (!nl && !last)
        return -EIO;                    /* no progress */
    grown = realloc(*all, *len + nl + 1);
    if (!grown)
        return -ENOMEM;
    memcpy(grown + *len, g + 1, nl);
    *all = grown;
    *len += nl;
    return last;
}

/* A list too big for one reply, in parts (Xen's XS_DIRECTORY_PART);
 * starts again when the node changes meanwhile. */
static int directory_parts(mica_store *s, uint32_t tx, const char *path, char ***names)
{
    for (unsigned int tries = 0; tries < 8; tries++) {
        char *all = NULL, *reply, off[16];
        size_t len = 0;
        uint64_t gen = 0;
        uint32_t rlen;
        int rc;

        do {
            const char *a[2] = { path, off };

            snprintf(off, sizeof(off), "%zu", len);
            rc = request_strs(s, MICA_STORE_DIRECTORY_PART, tx, a, 2, &reply, &rlen);
            if (rc)
                break;
            rc = part_take(&all, &len, &gen, reply, rlen);
            free(reply);
        } while (rc == 0);
        if (rc == 1)
            rc = split_list(all ? all : "", (uint32_t)len, names);
        free(all);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

int mica_store_directory(mica_store *s, uint32_t tx, const char *path, char ***names)
{
    int rc = request_list(s, MICA_STORE_DIRECTORY, tx, path, names);

    return rc == -E2BIG ? directory_parts(s, tx, path, names) : rc;
}

int mica_store_get_perms(mica_store *s, uint32_t tx, const char *path, char ***perms)
{
    return request_list(s, MICA_STORE_GET_PERMS, tx, path, perms);
}

int mica_store_set_perms(mica_store *s, uint32_t tx, const char *path,
                         const char *const *perms, unsigned int n)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    size_t pl = strlen(path) + 1, len;
    int rc;

    if (pl > sizeof(buf))
        return -E2BIG;
    memcpy(buf, path, pl);
    rc = pack(buf + pl, sizeof(buf) - pl, &len, perms, n);
    return rc ? rc : request(s, MICA_STORE_SET_PERMS, tx, buf, pl + len, NULL, NULL);
}

int mica_store_watch(mica_store *s, const char *path, const char *token)
{
    const char *a[2] = { path, token };

    return request_strs(s, MICA_STORE_WATCH, 0, a, 2, NULL, NULL);
}

int mica_store_unwatch(mica_store *s, const char *path, const char *token)
{
    const char *a[2] = { path, token };

    return request_strs(s, MICA_STORE_UNWATCH, 0, a, 2, NULL, NULL);
}

static int pop_event(mica_store *s, char **path, char **token)
{
    struct store_event *e = s->events;

    s->events = e->next;
    if (!s->events) {
        s->events_tail = &s->events;
        kept_signal(s, false);
    }
    *path = strdup(e->path);
    *token = strdup(e->token);
    free(e->path);
    free(e);
    if (!*path || !*token) {
        free(*path);
        free(*token);
        return -ENOMEM;
    }
    return 0;
}

int mica_store_read_watch(mica_store *s, int timeout_ms, char **path, char **token)
{
    struct pollfd p = { .fd = s->fd, .events = POLLIN };

    while (!s->events) {
        struct mica_store_msg h;
        char *payload;
        int rc = poll(&p, 1, timeout_ms);

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -errno;
        if (rc == 0)
            return -ETIMEDOUT;
        if ((rc = read_msg(s, &h, &payload)))
            return rc;
        if (h.type == MICA_STORE_WATCH_EVENT)
            keep_event(s, payload, h.len);
        else
            free(payload);
    }
    return pop_event(s, path, token);
}

int mica_store_tx_start(mica_store *s, uint32_t *tx)
{
    char *reply, *end;
    uint32_t rlen;
    unsigned long v;
    int rc = request(s, MICA_STORE_TRANSACTION_START, 0, "", 1, &reply, &rlen);

    if (rc)
        return rc;
    v = strtoul(reply, &end, 10);
    rc = (*end || !v || v > UINT32_MAX) ? -EPROTO : 0;
    free(reply);
    if (!rc)
        *tx = (uint32_t)v;
    return rc;
}

int mica_store_tx_end(mica_store *s, uint32_t tx, int commit)
{
    return request(s, MICA_STORE_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL, NULL);
}

int mica_store_tx_run(mica_store *s, int (*fn)(mica_store *s, uint32_t tx, void *arg), void *arg)
{
    int rc = -EAGAIN;

    for (int i = 0; i < MICA_STORE_TX_TRIES && rc == -EAGAIN; i++) {
        uint32_t tx;

        rc = mica_store_tx_start(s, &tx);
        if (rc)
            break;
        rc = fn(s, tx, arg);
        if (rc) {
            mica_store_tx_end(s, tx, 0);
            continue;
        }
        rc = mica_store_tx_end(s, tx, 1);
    }
    return rc;
}

struct present_write {
    const char *dir, *node, *val;
};

static int write_present_tx(mica_store *s, uint32_t tx, void *arg)
{
    const struct present_write *w = arg;
    char path[MICA_STORE_PATH_MAX], *cur;
    size_t len;
    int rc = mica_store_read(s, tx, w->dir, &cur, &len);

    if (rc)
        return rc;
    free(cur);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->dir, w->node) >= sizeof(path))
        return -E2BIG;
    return mica_store_write(s, tx, path, w->val, strlen(w->val));
}

int mica_store_write_present(mica_store *s, const char *dir, const char *node, const char *val)
{
    struct present_write w = { dir, node, val };

    return mica_store_tx_run(s, write_present_tx, &w);
}

int mica_store_introduce(mica_store *s, uint32_t domid, uint64_t gfn, uint32_t port)
{
    char d[16], g[24], p[16];
    const char *a[3] = { d, g, p };

    snprintf(d, sizeof(d), "%u", domid);
    snprintf(g, sizeof(g), "%llu", (unsigned long long)gfn);
    snprintf(p, sizeof(p), "%u", port);
    return request_strs(s, MICA_STORE_INTRODUCE, 0, a, 3, NULL, NULL);
}

int mica_store_release(mica_store *s, uint32_t domid)
{
    char d[16];

    snprintf(d, sizeof(d), "%u", domid);
    return request1(s, MICA_STORE_RELEASE, 0, d);
}

int mica_store_restrict(mica_store *s, uint32_t domid)
{
    char d[16];

    snprintf(d, sizeof(d), "%u", domid);
    return request1(s, MICA_STORE_RESTRICT, 0, d);
}

int mica_store_get_quota(mica_store *s, uint32_t domid, char **text)
{
    char d[16];
    const char *a = d;
    uint32_t rlen;

    snprintf(d, sizeof(d), "%u", domid);
    return request_strs(s, MICA_STORE_GET_QUOTA, 0, &a, 1, text, &rlen);
}

int mica_store_set_quota(mica_store *s, uint32_t domid, const char *name, unsigned int value)
{
    char d[16], v[16];
    const char *a[3] = { d, name, v };

    snprintf(d, sizeof(d), "%u", domid);
    snprintf(v, sizeof(v), "%u", value);
    return request_strs(s, MICA_STORE_SET_QUOTA, 0, a, 3, NULL, NULL);
}
