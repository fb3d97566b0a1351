// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watches, as Xen's: a watch on P fires once when it is registered, then
 * whenever a node at or below P changes (the event names the changed
 * node), and when an ancestor of P is removed (the event names P). A
 * domain only hears of nodes it may read. A watch registered with a
 * relative path reports relative paths. "@introduceDomain" and
 * "@releaseDomain" (dom0 only) fire when a domain is introduced, and when
 * one is released, dies or shuts down.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int watch_add(struct store *s, struct conn *c, const char *path, const char *token, bool rel)
{
    struct watch *w;

    for (w = s->watches; w; w = w->next)
        if (w->conn == c && !strcmp(w->path, path) && !strcmp(w->token, token))
            return -EEXIST;
    if (c->domid != STORE_DOM0 && c->nwatches >= domain_quota(s, c->domid)->watches)
        return -EDQUOT;
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
        if (w)
            free(w->path);
        free(w);
        return -ENOMEM;
    }
    w->conn = c;
    w->relative = rel;
    w->next = s->watches;
    s->watches = w;
    c->nwatches++;
    return 0;
}

static void watch_free(struct watch *w)
{
    w->conn->nwatches--;
    free(w->path);
    free(w->token);
    free(w);
}

int watch_del(struct store *s, struct conn *c, const char *path, const char *token)
{
    for (struct watch **pp = &s->watches; *pp; pp = &(*pp)->next) {
        struct watch *w = *pp;

        if (w->conn == c && !strcmp(w->path, path) && !strcmp(w->token, token)) {
            *pp = w->next;
            watch_free(w);
            return 0;
        }
    }
    return -ENOENT;
}

void watch_drop_conn(struct store *s, struct conn *c)
{
    struct watch **pp = &s->watches;

    while (*pp) {
        struct watch *w = *pp;

        if (w->conn == c) {
            *pp = w->next;
            watch_free(w);
        } else {
            pp = &w->next;
        }
    }
}

/* Queue one event "path\0token\0" to the watch's connection. */
void watch_fire_one(struct store *s, struct watch *w, const char *path)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    char dp[32];
    size_t pl, tl, dl;

    domain_path(w->conn->domid, dp, sizeof(dp));
    dl = strlen(dp);
    if (w->relative && !strncmp(path, dp, dl) && path[dl] == '/')
        path += dl + 1;
    pl = strlen(path) + 1;
    tl = strlen(w->token) + 1;
    if (pl + tl > sizeof(buf))
        return;                         /* cannot happen: both were checked */
    memcpy(buf, path, pl);
    memcpy(buf + pl, w->token, tl);
    conn_queue(s, w->conn, MICA_STORE_WATCH_EVENT, 0, 0, buf, (uint32_t)(pl + tl));
}

static bool may_hear(struct store *s, const struct watch *w, const char *path)
{
    const struct node *n = tree_lookup(&s->main, path);

    return !n || perm_can(n, w->conn->domid, MICA_STORE_PERM_READ);
}

static void fire_change(struct store *s, const struct change *c)
{
    for (struct watch *w = s->watches; w; w = w->next) {
        if (w->conn->dead || path_is_special(w->path))
            continue;
        if (path_under(c->path, w->path)) {
            if (may_hear(s, w, c->path))
                watch_fire_one(s, w, c->path);
        } else if (c->kind == CH_DEL && path_under(w->path, c->path)) {
            watch_fire_one(s, w, w->path);
        }
    }
}

void watch_fire_changes(struct store *s, struct changes *ch)
{
    for (const struct change *c = ch->fire; c; c = c->next)
        fire_change(s, c);
}

void watch_fire_special(struct store *s, const char *name)
{
    for (struct watch *w = s->watches; w; w = w->next)
        if (!w->conn->dead && !strcmp(w->path, name))
            watch_fire_one(s, w, name);
}
