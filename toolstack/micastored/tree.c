// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tree: reference-counted nodes shared between the main tree and the
 * transactions' snapshots (store.h). tree_mut() gives a node that can be
 * changed, copying it and its ancestors when another tree shares them.
 * Every tree keeps the count of nodes each domain owns (the node quota).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static struct node *node_new(const char *name, size_t nlen)
{
    struct node *n = calloc(1, sizeof(*n));

    if (!n)
        return NULL;
    n->refs = 1;
    n->name = strndup(name, nlen);
    if (!n->name) {
        free(n);
        return NULL;
    }
    return n;
}

static void node_put(struct node *n)
{
    if (!n || --n->refs)
        return;
    for (uint32_t i = 0; i < n->nkids; i++)
        node_put(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->value);
    free(n->perms);
    free(n);
}

static void *memdup(const void *p, size_t len)
{
    void *q = malloc(len ? len : 1);

    if (q && len)
        memcpy(q, p, len);
    return q;
}

/* A private copy of n (children shared), or NULL. */
static struct node *node_copy(const struct node *n)
{
    struct node *c = node_new(n->name, strlen(n->name));

    if (!c)
        return NULL;
    c->gen = n->gen;
    c->vlen = n->vlen;
    c->nperms = n->nperms;
    c->nkids = c->kcap = n->nkids;
    c->value = n->value ? memdup(n->value, n->vlen + 1) : NULL;
    c->perms = memdup(n->perms, n->nperms * sizeof(*n->perms));
    c->kids = memdup(n->kids, n->nkids * sizeof(*n->kids));
    if ((n->value && !c->value) || !c->perms || !c->kids) {
        c->nkids = 0;
        node_put(c);
        return NULL;
    }
    for (uint32_t i = 0; i < c->nkids; i++)
        c->kids[i]->refs++;
    return c;
}

/* Make *slot private to this tree; NULL when out of memory. */
static struct node *node_own(struct node **slot)
{
    struct node *c;

    if ((*slot)->refs == 1)
        return *slot;
    c = node_copy(*slot);
    if (!c)
        return NULL;
    (*slot)->refs--;
    *slot = c;
    return c;
}

/* The index of child name[0..len) of n, or where it would go (*found false). */
static uint32_t kid_index(const struct node *n, const char *name, size_t len, bool *found)
{
    uint32_t lo = 0, hi = n->nkids;

    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strncmp(n->kids[mid]->name, name, len);

        if (c == 0 && n->kids[mid]->name[len] != '\0')
            c = 1;
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* The next component of *p: its start and length; *p moves past it. */
static const char *next_comp(const char **p, size_t *len)
{
    const char *s = *p;

    while (*s == '/')
        s++;
    if (!*s)
        return NULL;
    *len = strcspn(s, "/");
    *p = s + *len;
    return s;
}

struct node *tree_lookup(const struct tree *t, const char *path)
{
    struct node *n = t->root;
    const char *c;
    size_t len;

    while (n && (c = next_comp(&path, &len))) {
        bool found;
        uint32_t i = kid_index(n, c, len, &found);

        n = found ? n->kids[i] : NULL;
    }
    return n;
}

/*
 * The node at path made private, its ancestors too; NULL when it does not
 * exist (-ENOENT) or memory ran out (-ENOMEM), in *rc.
 */
static struct node *tree_mut(struct tree *t, const char *path, int *rc)
{
    struct node **slot = &t->root;
    const char *c;
    size_t len;

    *rc = -ENOMEM;
    if (!node_own(slot))
        return NULL;
    while ((c = next_comp(&path, &len))) {
        bool found;
        uint32_t i = kid_index(*slot, c, len, &found);

        if (!found) {
            *rc = -ENOENT;
            return NULL;
        }
        slot = &(*slot)->kids[i];
        if (!node_own(slot))
            return NULL;
    }
    *rc = 0;
    return *slot;
}

static struct owner_count *count_slot(struct tree *t, uint32_t domid, bool create)
{
    struct owner_count *nc;

    for (uint32_t i = 0; i < t->ncounts; i++)
        if (t->counts[i].domid == domid)
            return &t->counts[i];
    if (!create)
        return NULL;
    nc = realloc(t->counts, (t->ncounts + 1) * sizeof(*nc));
    if (!nc)
        return NULL;
    t->counts = nc;
    nc[t->ncounts] = (struct owner_count){ .domid = domid };
    return &nc[t->ncounts++];
}

int tree_count(const struct tree *t, uint32_t domid)
{
    for (uint32_t i = 0; i < t->ncounts; i++)
        if (t->counts[i].domid == domid)
            return (int)t->counts[i].nodes;
    return 0;
}

static int count_add(struct tree *t, uint32_t domid, int delta)
{
    struct owner_count *c = count_slot(t, domid, delta > 0);

    if (!c)
        return delta > 0 ? -ENOMEM : 0;
    c->nodes += delta;
    return 0;
}

/* Count the nodes of a removed subtree off their owners. */
static void count_subtree(struct tree *t, const struct node *n)
{
    count_add(t, n->perms[0].id, -1);
    for (uint32_t i = 0; i < n->nkids; i++)
        count_subtree(t, n->kids[i]);
}

void tree_clone(struct tree *dst, const struct tree *src)
{
    dst->root = src->root;
    dst->root->refs++;
    dst->counts = memdup(src->counts, src->ncounts * sizeof(*src->counts));
    dst->ncounts = dst->counts ? src->ncounts : 0;
}

void tree_put(struct tree *t)
{
    node_put(t->root);
    free(t->counts);
    t->root = NULL;
    t->counts = NULL;
    t->ncounts = 0;
}

/* Give n a new value and permissions (either may be left as is: NULL). */
static int node_assign(struct store *s, struct tree *t, struct node *n, const struct perm *perms,
                       uint32_t nperms, const char *val, uint32_t vlen)
{
    if (perms) {
        struct perm *p = memdup(perms, nperms * sizeof(*perms));

        if (!p || count_add(t, perms[0].id, 1)) {
            free(p);
            return -ENOMEM;
        }
        if (n->perms)
            count_add(t, n->perms[0].id, -1);
        free(n->perms);
        n->perms = p;
        n->nperms = nperms;
    }
    if (val) {
        char *v = malloc(vlen + 1);

        if (!v)
            return -ENOMEM;
        memcpy(v, val, vlen);
        v[vlen] = '\0';
        free(n->value);
        n->value = v;
        n->vlen = vlen;
    }
    n->gen = ++s->gen;
    return 0;
}

/*
 * Add child name to the (private) node parent, with perms and an empty
 * value. Returns it, or NULL (-ENOMEM).
 */
static struct node *node_add_kid(struct store *s, struct tree *t, struct node *parent,
                                 const char *name, const struct perm *perms, uint32_t nperms)
{
    bool found;
    uint32_t i = kid_index(parent, name, strlen(name), &found);
    struct node *k;

    if (parent->nkids == parent->kcap) {
        uint32_t cap = parent->kcap ? parent->kcap * 2 : 4;
        struct node **nk = realloc(parent->kids, cap * sizeof(*nk));

        if (!nk)
            return NULL;
        parent->kids = nk;
        parent->kcap = cap;
    }
    k = node_new(name, strlen(name));
    if (!k || node_assign(s, t, k, perms, nperms, "", 0)) {
        node_put(k);
        return NULL;
    }
    memmove(&parent->kids[i + 1], &parent->kids[i], (parent->nkids - i) * sizeof(k));
    parent->kids[i] = k;
    parent->nkids++;
    parent->gen = ++s->gen;
    return k;
}

/* Split "/a/b/c" into the parent "/a/b" (in buf) and "c". */
static const char *split_parent(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    size_t plen = slash == path ? 1 : (size_t)(slash - path);

    if (plen >= len)
        plen = len - 1;
    memcpy(buf, path, plen);
    buf[plen] = '\0';
    return slash + 1;
}

int tree_create(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                uint32_t nperms)
{
    char parent_path[MICA_STORE_PATH_MAX];
    const char *name = split_parent(path, parent_path, sizeof(parent_path));
    int rc;
    struct node *parent = tree_mut(t, parent_path, &rc);

    if (!parent)
        return rc;
    return node_add_kid(s, t, parent, name, perms, nperms) ? 0 : -ENOMEM;
}

int tree_update(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                uint32_t nperms, const char *val, uint32_t vlen)
{
    int rc;
    struct node *n = tree_mut(t, path, &rc);

    if (!n)
        return rc;
    return node_assign(s, t, n, perms, nperms, val, vlen);
}

int tree_del_node(struct store *s, struct tree *t, const char *path)
{
    char parent_path[MICA_STORE_PATH_MAX];
    const char *name = split_parent(path, parent_path, sizeof(parent_path));
    struct node *parent;
    bool found;
    uint32_t i;
    int rc;

    if (!strcmp(path, "/"))
        return -EINVAL;
    parent = tree_mut(t, parent_path, &rc);
    if (!parent)
        return rc;
    i = kid_index(parent, name, strlen(name), &found);
    if (!found)
        return -ENOENT;
    count_subtree(t, parent->kids[i]);
    node_put(parent->kids[i]);
    memmove(&parent->kids[i], &parent->kids[i + 1], (parent->nkids - i - 1) * sizeof(*parent->kids));
    parent->nkids--;
    parent->gen = ++s->gen;
    return 0;
}

int tree_set_node(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                  uint32_t nperms, const char *val, uint32_t vlen)
{
    int rc;

    if (!tree_lookup(t, path)) {
        rc = tree_create(s, t, path, perms, nperms);
        if (rc)
            return rc;
    }
    return tree_update(s, t, path, perms, nperms, val, vlen);
}

static int walk_node(const struct node *n, char *path, size_t plen,
                     int (*fn)(void *arg, const char *path, const struct node *n), void *arg)
{
    int rc = fn(arg, plen ? path : "/", n);

    for (uint32_t i = 0; !rc && i < n->nkids; i++) {
        size_t nl = strlen(n->kids[i]->name);

        if (plen + 1 + nl >= MICA_STORE_PATH_MAX)
            continue;
        path[plen] = '/';
        memcpy(path + plen + 1, n->kids[i]->name, nl + 1);
        rc = walk_node(n->kids[i], path, plen + 1 + nl, fn, arg);
        path[plen] = '\0';
    }
    return rc;
}

int tree_walk(const struct tree *t, int (*fn)(void *arg, const char *path, const struct node *n),
              void *arg)
{
    char path[MICA_STORE_PATH_MAX] = "";

    return walk_node(t->root, path, 0, fn, arg);
}

struct chown_arg {
    uint32_t from;
    struct changes *ch;
    char **paths;
    uint32_t n, cap;
};

static int collect_owned(void *arg, const char *path, const struct node *n)
{
    struct chown_arg *a = arg;

    if (n->perms[0].id != a->from)
        return 0;
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? a->cap * 2 : 16;
        char **p = realloc(a->paths, cap * sizeof(*p));

        if (!p)
            return -ENOMEM;
        a->paths = p;
        a->cap = cap;
    }
    a->paths[a->n] = strdup(path);
    if (!a->paths[a->n])
        return -ENOMEM;
    a->n++;
    return 0;
}

/* Every node owned by from becomes to's (a released domain's nodes become dom0's). */
void tree_chown(struct store *s, uint32_t from, uint32_t to, struct changes *ch)
{
    struct chown_arg a = { .from = from, .ch = ch };

    tree_walk(&s->main, collect_owned, &a);
    for (uint32_t i = 0; i < a.n; i++) {
        const struct node *n = tree_lookup(&s->main, a.paths[i]);
        struct perm p[STORE_PERMS_MAX];
        uint32_t np = n->nperms;

        memcpy(p, n->perms, np * sizeof(*p));
        p[0].id = to;
        if (!tree_update(s, &s->main, a.paths[i], p, np, NULL, 0) && ch)
            changes_add(ch, CH_SET, a.paths[i]);
        free(a.paths[i]);
    }
    free(a.paths);
}

int store_init(struct store *s)
{
    static const struct perm root_perm = { STORE_DOM0, MICA_STORE_PERM_NONE };

    memset(s, 0, sizeof(*s));
    s->next_tx = 1;
    s->default_quota = (struct quota){ MICA_STORE_QUOTA_NODES, MICA_STORE_QUOTA_WATCHES,
                                       MICA_STORE_QUOTA_TRANSACTIONS, MICA_STORE_QUOTA_VALUE };
    s->main.root = node_new("", 0);
    if (!s->main.root || node_assign(s, &s->main, s->main.root, &root_perm, 1, "", 0))
        return -ENOMEM;
    return 0;
}

void store_fini(struct store *s)
{
    while (s->conns)
        conn_free(s, s->conns);
    while (s->doms)
        domain_forget(s, s->doms);
    tree_put(&s->main);
}
