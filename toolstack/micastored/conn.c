// SPDX-License-Identifier: GPL-2.0-only
/*
 * A client's connection, whatever carries it (the unix socket, a domain's
 * ring, a test): the request being assembled from the bytes it sent and
 * the bytes queued for it. A header announcing more than
 * MICA_STORE_PAYLOAD_MAX bytes, or a client that lets more than its
 * output limit pile up unread, is dropped (marked dead; the daemon closes
 * it at the end of its loop). Nothing here blocks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "store.h"

struct conn *conn_new(struct store *s, enum conn_kind kind, uint32_t domid, int fd)
{
    struct conn *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->kind = kind;
    c->domid = domid;
    c->fd = fd;
    c->next = s->conns;
    s->conns = c;
    return c;
}

void conn_free(struct store *s, struct conn *c)
{
    for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    tx_drop_conn(s, c);
    watch_drop_conn(s, c);
    for (struct domain *d = s->doms; d; d = d->next)
        if (d->conn == c)
            d->conn = NULL;
    if (s->conn_close)
        s->conn_close(s, c);
    free(c->out.data);
    free(c);
}

void conn_kill(struct conn *c, const char *fmt, ...)
{
    va_list ap;

    if (c->dead)
        return;
    c->dead = true;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
}

static int out_reserve(struct outbuf *o, size_t more)
{
    char *d;
    size_t cap;

    if (o->head && o->head == o->len)
        o->head = o->len = 0;
    if (o->len + more <= o->cap)
        return 0;
    if (o->head) {                      /* slide what is left to the front */
        memmove(o->data, o->data + o->head, o->len - o->head);
        o->len -= o->head;
        o->head = 0;
        if (o->len + more <= o->cap)
            return 0;
    }
    cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more)
        cap *= 2;
    d = realloc(o->data, cap);
    if (!d)
        return -ENOMEM;
    o->data = d;
    o->cap = cap;
    return 0;
}

int conn_queue(struct store *s, struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *p, uint32_t len)
{
    struct mica_store_msg h = { type, req_id, tx_id, len };
    size_t limit = c->kind == CONN_RING ? STORE_OUT_MAX : STORE_SOCK_OUT_MAX;

    (void)s;
    if (c->dead)
        return -EPIPE;
    if (c->out.len - c->out.head + sizeof(h) + len > limit) {
        conn_kill(c, "more than %zu bytes of replies and events unread", limit);
        return -ENOSPC;
    }
    if (out_reserve(&c->out, sizeof(h) + len)) {
        conn_kill(c, "out of memory for its replies");
        return -ENOMEM;
    }
    memcpy(c->out.data + c->out.len, &h, sizeof(h));
    if (len)
        memcpy(c->out.data + c->out.len + sizeof(h), p, len);
    c->out.len += sizeof(h) + len;
    return 0;
}

int conn_queue_error(struct store *s, struct conn *c, const struct mica_store_msg *h, int err)
{
    const char *name = store_errname(err);

    return conn_queue(s, c, MICA_STORE_ERROR, h->req_id, h->tx_id, name,
                      (uint32_t)strlen(name) + 1);
}

size_t conn_input(struct store *s, struct conn *c, const char *buf, size_t len)
{
    size_t taken = 0;

    while (taken < len && !c->dead) {
        size_t want, n;

        if (c->got < sizeof(c->hdr)) {
            want = sizeof(c->hdr) - c->got;
            n = want < len - taken ? want : len - taken;
            memcpy((char *)&c->hdr + c->got, buf + taken, n);
        } else {
            want = sizeof(c->hdr) + c->hdr.len - c->got;
            n = want < len - taken ? want : len - taken;
            memcpy(c->payload + (c->got - sizeof(c->hdr)), buf + taken, n);
        }
        c->got += (uint32_t)n;
        taken += n;
        if (c->got == sizeof(c->hdr) && c->hdr.len > MICA_STORE_PAYLOAD_MAX) {
            conn_kill(c, "a message of %u bytes (the most is %u)", c->hdr.len,
                      MICA_STORE_PAYLOAD_MAX);
            break;
        }
        if (c->got == sizeof(c->hdr) + c->hdr.len) {
            struct mica_store_msg h = c->hdr;

            c->payload[h.len] = '\0';
            c->got = 0;
            proto_request(s, c, &h, c->payload);
        }
    }
    return taken;
}
