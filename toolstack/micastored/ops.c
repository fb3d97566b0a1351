// SPDX-License-Identifier: GPL-2.0-only
/*
 * The operations on a tree, checked for the acting domain (Xen's rules):
 * dom0 and a node's owner may do anything with it; another domain has the
 * access its own entry in the node's list gives, else the first entry's.
 * A new node takes its parent's permissions, with its creator as owner
 * when the creator is not dom0. Nodes count against their owner's node
 * quota; a domain's values against its value quota. Inside a transaction
 * every node touched is recorded (txn.c) and the change is logged for the
 * replay at commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "store.h"

bool perm_can(const struct node *n, uint32_t domid, char want)
{
    char a;

    if (domid == STORE_DOM0 || n->perms[0].id == domid)
        return true;
    a = n->perms[0].access;
    for (uint32_t i = 1; i < n->nperms; i++)
        if (n->perms[i].id == domid) {
            a = n->perms[i].access;
            break;
        }
    return a == MICA_STORE_PERM_BOTH || a == want;
}

int perms_parse(const char *buf, uint32_t len, struct perm *out, uint32_t *n)
{
    uint32_t i = 0, off = 0;

    while (off < len) {
        const char *s = buf + off;
        size_t sl = strnlen(s, len - off);
        unsigned long id;
        char *end;

        if (sl == len - off || sl < 2 || i == STORE_PERMS_MAX)
            return -EINVAL;             /* unterminated, too short, too many */
        if (!strchr("nrwb", s[0]) || s[1] < '0' || s[1] > '9')
            return -EINVAL;
        id = strtoul(s + 1, &end, 10);
        if (*end || id > MICA_DOMID_MAX)
            return -EINVAL;
        out[i++] = (struct perm){ (uint32_t)id, s[0] };
        off += sl + 1;
    }
    if (!i)
        return -EINVAL;
    *n = i;
    return 0;
}

size_t perms_format(const struct perm *p, uint32_t n, char *buf, size_t len)
{
    size_t off = 0;

    for (uint32_t i = 0; i < n; i++) {
        int w = snprintf(buf + off, len - off, "%c%u", p[i].access, p[i].id);

        if (w < 0 || (size_t)w + 1 > len - off)
            return 0;
        off += (size_t)w + 1;           /* keep the NUL */
    }
    return off;
}

static int touch(struct opctx *o, const char *path)
{
    return o->tx ? tx_touch(o->tx, path) : 0;
}

static int record(struct opctx *o, int kind, const char *path)
{
    return o->ch ? changes_add(o->ch, kind, path) : 0;
}

int op_read(struct opctx *o, const char *path, const struct node **np)
{
    const struct node *n;
    int rc = touch(o, path);

    if (rc)
        return rc;
    n = tree_lookup(o->t, path);
    if (!n)
        return -ENOENT;
    if (!perm_can(n, o->domid, MICA_STORE_PERM_READ))
        return -EACCES;
    *np = n;
    return 0;
}

/* The nearest existing ancestor of path (path itself excluded), in buf. */
static const struct node *existing_ancestor(struct opctx *o, const char *path, char *buf,
                                            unsigned int *missing)
{
    const struct node *n = NULL;

    snprintf(buf, MICA_STORE_PATH_MAX, "%s", path);
    *missing = 0;
    while (!n) {
        char *slash = strrchr(buf, '/');

        (*missing)++;
        if (slash == buf)
            buf[1] = '\0';
        else
            *slash = '\0';
        n = tree_lookup(o->t, buf);
    }
    return n;
}

static bool over_node_quota(struct opctx *o, uint32_t owner, unsigned int more)
{
    if (o->domid == STORE_DOM0)
        return false;
    return (uint64_t)tree_count(o->t, owner) + more > domain_quota(o->s, owner)->nodes;
}

/* Create the missing nodes of path, each with its parent's perms and owner rule. */
static int create_path(struct opctx *o, const char *path)
{
    char anc[MICA_STORE_PATH_MAX], cur[MICA_STORE_PATH_MAX];
    unsigned int missing;
    const struct node *a = existing_ancestor(o, path, anc, &missing);
    struct perm p[STORE_PERMS_MAX];
    uint32_t np = a->nperms;
    size_t off;
    int rc;

    if (!perm_can(a, o->domid, MICA_STORE_PERM_WRITE))
        return -EACCES;
    memcpy(p, a->perms, np * sizeof(*p));
    if (o->domid != STORE_DOM0)
        p[0].id = o->domid;
    if (over_node_quota(o, p[0].id, missing))
        return -EDQUOT;
    if ((rc = touch(o, anc)))
        return rc;
    off = strlen(anc) == 1 ? 0 : strlen(anc);
    memcpy(cur, path, off);
    while (off < strlen(path)) {
        size_t next = off + 1 + strcspn(path + off + 1, "/");

        memcpy(cur, path, next);
        cur[next] = '\0';
        if ((rc = touch(o, cur)) || (rc = tree_create(o->s, o->t, cur, p, np)) ||
            (rc = record(o, CH_SET, cur)))
            return rc;
        off = next;
    }
    return 0;
}

static int log_op(struct opctx *o, uint32_t type, const char *path, const char *data, uint32_t len)
{
    return o->tx ? tx_log(o->tx, type, path, data, len) : 0;
}

int op_write(struct opctx *o, const char *path, const char *val, uint32_t vlen)
{
    const struct node *n;
    int rc;

    if (!strcmp(path, "/"))
        return -EINVAL;
    if (o->domid != STORE_DOM0 && vlen > domain_quota(o->s, o->domid)->value)
        return -EDQUOT;
    if ((rc = touch(o, path)))
        return rc;
    n = tree_lookup(o->t, path);
    if (n && !perm_can(n, o->domid, MICA_STORE_PERM_WRITE))
        return -EACCES;
    if (!n && (rc = create_path(o, path)))
        return rc;
    if ((rc = tree_update(o->s, o->t, path, NULL, 0, val, vlen)))
        return rc;
    if (n && (rc = record(o, CH_SET, path)))
        return rc;
    if (o->ch && (rc = changes_fire(o->ch, CH_SET, path)))
        return rc;
    return log_op(o, MICA_STORE_WRITE, path, val, vlen);
}

int op_mkdir(struct opctx *o, const char *path)
{
    const struct node *n;
    int rc;

    if ((rc = touch(o, path)))
        return rc;
    n = tree_lookup(o->t, path);
    if (n)
        return perm_can(n, o->domid, MICA_STORE_PERM_WRITE) ? 0 : -EACCES;
    if ((rc = create_path(o, path)))
        return rc;
    if (o->ch && (rc = changes_fire(o->ch, CH_SET, path)))
        return rc;
    return log_op(o, MICA_STORE_MKDIR, path, NULL, 0);
}

int op_rm(struct opctx *o, const char *path)
{
    char parent[MICA_STORE_PATH_MAX];
    const struct node *n;
    char *slash;
    int rc;

    if (!strcmp(path, "/"))
        return -EINVAL;
    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    slash[slash == parent ? 1 : 0] = '\0';
    if ((rc = touch(o, path)) || (rc = touch(o, parent)))
        return rc;
    n = tree_lookup(o->t, path);
    if (!n)                             /* as Xen: fine when the parent exists */
        return tree_lookup(o->t, parent) ? 0 : -ENOENT;
    if (!perm_can(n, o->domid, MICA_STORE_PERM_WRITE))
        return -EACCES;
    if ((rc = tree_del_node(o->s, o->t, path)))
        return rc;
    if ((rc = record(o, CH_DEL, path)))
        return rc;
    if (o->ch && (rc = changes_fire(o->ch, CH_DEL, path)))
        return rc;
    return log_op(o, MICA_STORE_RM, path, NULL, 0);
}

int op_set_perms(struct opctx *o, const char *path, const struct perm *perms, uint32_t np)
{
    char buf[STORE_PERMS_MAX * 16];
    const struct node *n;
    size_t len;
    int rc;

    if ((rc = touch(o, path)))
        return rc;
    n = tree_lookup(o->t, path);
    if (!n)
        return -ENOENT;
    if (o->domid != STORE_DOM0 && n->perms[0].id != o->domid)
        return -EACCES;                 /* only its owner and dom0 */
    if (o->domid != STORE_DOM0 && perms[0].id != o->domid)
        return -EPERM;                  /* a domain cannot give its nodes away */
    if ((rc = tree_update(o->s, o->t, path, perms, np, NULL, 0)))
        return rc;
    if ((rc = record(o, CH_SET, path)))
        return rc;
    if (o->ch && (rc = changes_fire(o->ch, CH_SET, path)))
        return rc;
    len = perms_format(perms, np, buf, sizeof(buf));
    return log_op(o, MICA_STORE_SET_PERMS, path, buf, (uint32_t)len);
}

void changes_init(struct changes *ch)
{
    ch->head = ch->fire = NULL;
    ch->tail = &ch->head;
    ch->fire_tail = &ch->fire;
}

static int change_append(struct change ***tail, int kind, const char *path)
{
    struct change *c = calloc(1, sizeof(*c));

    if (!c || !(c->path = strdup(path))) {
        free(c);
        return -ENOMEM;
    }
    c->kind = kind;
    **tail = c;
    *tail = &c->next;
    return 0;
}

int changes_add(struct changes *ch, int kind, const char *path)
{
    return change_append(&ch->tail, kind, path);
}

int changes_fire(struct changes *ch, int kind, const char *path)
{
    return change_append(&ch->fire_tail, kind, path);
}

static void change_list_free(struct change *c)
{
    while (c) {
        struct change *next = c->next;

        free(c->path);
        free(c);
        c = next;
    }
}

void changes_free(struct changes *ch)
{
    change_list_free(ch->head);
    change_list_free(ch->fire);
    changes_init(ch);
}

void store_publish(struct store *s, struct changes *ch)
{
    journal_changes(s, ch);
    watch_fire_changes(s, ch);
    changes_free(ch);
}
