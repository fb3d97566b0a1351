/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's part of the store, made at create and removed at destroy, in
 * Xen's layout (libxl's domain_make and build_post): /local/domain/N, owned
 * by dom0 and readable by N, with name, domid, vm, memory, the two rings'
 * port and ring-ref, and the directories the guest owns (control/ and
 * control/shutdown, which the toolstack writes and the guest's bus driver
 * watches, data/, drivers/, feature/, attr/, error/); /vm/UUID with uuid and
 * name. All in one transaction; then INTRODUCE, so the store connects N's
 * ring, and the configuration's quotas.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>
#include <public/io/store.h>
#include "build.h"

#define NODE_LEN  128

enum node_base { B_DOM, B_VM };
enum node_val {
    V_DIR, V_EMPTY, V_NAME, V_DOMID, V_VM, V_UUID, V_MAX_MEM, V_MEM,
    V_STORE_PORT, V_STORE_REF, V_CONS_PORT, V_CONS_REF,
};
enum node_perm { P_INHERIT, P_GUEST_READS, P_GUEST_OWNS };

static const struct node_tmpl {
    enum node_base base;
    const char *rel;
    enum node_val val;
    enum node_perm perm;
} node_tmpls[] = {
    { B_DOM, "",                  V_DIR,        P_GUEST_READS },
    { B_VM,  "",                  V_DIR,        P_GUEST_READS },
    { B_VM,  "/uuid",             V_UUID,       P_INHERIT },
    { B_VM,  "/name",             V_NAME,       P_INHERIT },
    { B_DOM, "/name",             V_NAME,       P_INHERIT },
    { B_DOM, "/domid",            V_DOMID,      P_INHERIT },
    { B_DOM, "/vm",               V_VM,         P_INHERIT },
    { B_DOM, "/memory/static-max", V_MAX_MEM,   P_INHERIT },
    { B_DOM, "/memory/target",    V_MEM,        P_INHERIT },
    { B_DOM, "/cpu",              V_DIR,        P_INHERIT },
    { B_DOM, "/device",           V_DIR,        P_INHERIT },
    { B_DOM, "/store/port",       V_STORE_PORT, P_INHERIT },
    { B_DOM, "/store/ring-ref",   V_STORE_REF,  P_INHERIT },
    { B_DOM, "/console",          V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/console/port",     V_CONS_PORT,  P_INHERIT },
    { B_DOM, "/console/ring-ref", V_CONS_REF,   P_INHERIT },
    { B_DOM, "/control",          V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/control/shutdown", V_EMPTY,      P_INHERIT },
    { B_DOM, "/data",             V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/drivers",          V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/feature",          V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/attr",             V_DIR,        P_GUEST_OWNS },
    { B_DOM, "/error",            V_DIR,        P_GUEST_OWNS },
};

struct node_ctx {
    const struct mica_domain_config *c;
    uint32_t domid;
    const struct ctl_ring *rings;
    char dom[NODE_LEN], vm[NODE_LEN];   /* the two base paths */
    char dom0_none[16], guest_read[16], guest_owns[16];
};

static void node_value(const struct node_ctx *x, enum node_val v, char *buf, size_t len)
{
    char u[MICA_UUID_STR_LEN];

    switch (v) {
    case V_NAME:       snprintf(buf, len, "%s", x->c->name); break;
    case V_DOMID:      snprintf(buf, len, "%" PRIu32, x->domid); break;
    case V_VM:         snprintf(buf, len, "%s", x->vm); break;
    case V_UUID:       uuid_unparse_lower(x->c->uuid, u); snprintf(buf, len, "%s", u); break;
    case V_MAX_MEM:    snprintf(buf, len, "%" PRIu64, x->c->max_mem_kb); break;
    case V_MEM:        snprintf(buf, len, "%" PRIu64, x->c->mem_kb); break;
    case V_STORE_PORT: snprintf(buf, len, "%" PRIu32, x->rings[CTL_RING_STORE].port); break;
    case V_STORE_REF:  snprintf(buf, len, "%" PRIu64, x->rings[CTL_RING_STORE].gfn); break;
    case V_CONS_PORT:  snprintf(buf, len, "%" PRIu32, x->rings[CTL_RING_CONSOLE].port); break;
    case V_CONS_REF:   snprintf(buf, len, "%" PRIu64, x->rings[CTL_RING_CONSOLE].gfn); break;
    default:           buf[0] = 0; break;
    }
}

static void node_perms(const struct node_ctx *x, enum node_perm p, struct ctl_dom_node *n)
{
    n->perms[0] = n->perms[1] = NULL;
    if (p == P_GUEST_READS) {           /* dom0's, others none, N may read */
        n->perms[0] = x->dom0_none;
        n->perms[1] = x->guest_read;
    } else if (p == P_GUEST_OWNS) {     /* N's, others none (dom0 may always) */
        n->perms[0] = x->guest_owns;
    }
}

static void vm_path(const uint8_t uuid[16], char *buf, size_t len)
{
    char u[MICA_UUID_STR_LEN];

    uuid_unparse_lower(uuid, u);
    snprintf(buf, len, "/vm/%s", u);
}

int ctl_dom_nodes(const struct mica_domain_config *c, uint32_t domid,
                  const struct ctl_ring rings[],
                  int (*fn)(void *opaque, const struct ctl_dom_node *n), void *opaque)
{
    struct node_ctx x = { .c = c, .domid = domid, .rings = rings };

    snprintf(x.dom, sizeof(x.dom), MICA_STORE_DOMAIN_PATH_FMT, domid);
    vm_path(c->uuid, x.vm, sizeof(x.vm));
    snprintf(x.dom0_none, sizeof(x.dom0_none), "%c0", MICA_STORE_PERM_NONE);
    snprintf(x.guest_read, sizeof(x.guest_read), "%c%" PRIu32, MICA_STORE_PERM_READ, domid);
    snprintf(x.guest_owns, sizeof(x.guest_owns), "%c%" PRIu32, MICA_STORE_PERM_NONE, domid);
    for (size_t i = 0; i < sizeof(node_tmpls) / sizeof(node_tmpls[0]); i++) {
        const struct node_tmpl *t = &node_tmpls[i];
        char path[2 * NODE_LEN], value[NODE_LEN];
        struct ctl_dom_node n = { .path = path };
        int rc;

        snprintf(path, sizeof(path), "%s%s", t->base == B_DOM ? x.dom : x.vm, t->rel);
        node_value(&x, t->val, value, sizeof(value));
        n.value = t->val == V_DIR ? NULL : value;
        node_perms(&x, t->perm, &n);
        rc = fn(opaque, &n);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- against the store ---- */

struct store_op {
    mica_ctx *ctx;
    mica_store *s;
    uint32_t tx;
    const char *name;
};

static int store_fail(const struct store_op *o, const char *path, const char *what, int rc)
{
    return ctl_fail(o->ctx, rc, "create: %s: the store: %s%s%s: %s", o->name, what,
                    path ? " " : "", path ? path : "", strerror(-rc));
}

static int put_node(void *opaque, const struct ctl_dom_node *n)
{
    const struct store_op *o = opaque;
    unsigned int np = n->perms[1] ? 2 : 1;
    int rc = n->value ? mica_store_write(o->s, o->tx, n->path, n->value, strlen(n->value))
                      : mica_store_mkdir(o->s, o->tx, n->path);

    if (rc)
        return store_fail(o, n->path, n->value ? "write" : "mkdir", rc);
    if (n->perms[0] && (rc = mica_store_set_perms(o->s, o->tx, n->path, n->perms, np)))
        return store_fail(o, n->path, "set permissions of", rc);
    return 0;
}

/* Leftovers of an earlier domain at these paths go first (Xen does the same). */
static int clear_paths(const struct store_op *o, const struct mica_domain_config *c,
                       uint32_t domid)
{
    char dom[NODE_LEN], vm[NODE_LEN];
    int rc;

    snprintf(dom, sizeof(dom), MICA_STORE_DOMAIN_PATH_FMT, domid);
    vm_path(c->uuid, vm, sizeof(vm));
    rc = mica_store_rm(o->s, o->tx, dom);
    if (rc && rc != -ENOENT)
        return store_fail(o, dom, "remove", rc);
    rc = mica_store_rm(o->s, o->tx, vm);
    return rc && rc != -ENOENT ? store_fail(o, vm, "remove", rc) : 0;
}

struct nodes_tx {
    struct store_op *o;
    const struct mica_domain_config *c;
    uint32_t domid;
    const struct ctl_ring *rings;
    bool said;                          /* the last try's failure is already reported */
};

static int nodes_tx(mica_store *s, uint32_t tx, void *arg)
{
    struct nodes_tx *a = arg;
    int rc;

    (void)s;
    a->o->tx = tx;
    rc = clear_paths(a->o, a->c, a->domid);
    if (!rc)
        rc = ctl_dom_nodes(a->c, a->domid, a->rings, put_node, a->o);
    a->said = rc != 0;
    return rc;
}

/* The nodes in one transaction, started again when another writer conflicts. */
static int write_nodes(struct store_op *o, const struct mica_domain_config *c, uint32_t domid,
                       const struct ctl_ring rings[])
{
    struct nodes_tx a = { o, c, domid, rings, false };
    int rc = mica_store_tx_run(o->s, nodes_tx, &a);

    o->tx = 0;
    return rc && !a.said ? store_fail(o, NULL, "commit the domain's nodes", rc) : rc;
}

static int set_quotas(const struct store_op *o, const struct mica_store_quota *q, uint32_t domid)
{
    const struct { const char *name; unsigned int value; } qs[] = {
        { "nodes", q->nodes }, { "watches", q->watches },
        { "transactions", q->transactions }, { "value", q->value },
    };

    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        int rc = qs[i].value ? mica_store_set_quota(o->s, domid, qs[i].name, qs[i].value) : 0;

        if (rc)
            return ctl_fail(o->ctx, rc, "create: %s: the store refused quota %s=%u: %s", o->name,
                            qs[i].name, qs[i].value, strerror(-rc));
    }
    return 0;
}

int ctl_domain_store_make(mica_ctx *ctx, mica_store *s, const struct mica_domain_config *c,
                          uint32_t domid, const struct ctl_ring rings[])
{
    struct store_op o = { .ctx = ctx, .s = s, .name = c->name };
    const struct ctl_ring *r = &rings[CTL_RING_STORE];
    int rc = write_nodes(&o, c, domid, rings);

    if (rc)
        return rc;
    rc = mica_store_introduce(s, domid, r->gfn, r->port);
    if (rc)
        return store_fail(&o, NULL, "introduce the domain", rc);
    return set_quotas(&o, &c->store_quota, domid);
}

int ctl_store_connect(mica_ctx *ctx, const char *verb, const char *name, mica_store **s)
{
    char why[CTL_ERR_LEN];              /* the client's message, before ctl_fail overwrites it */
    int rc = mica_store_open(s);

    if (!rc)
        return 0;
    if (rc == -ENOENT || rc == -ECONNREFUSED)
        return ctl_fail(ctx, rc, "%s: %s: the store daemon (micastored) is not running (%s): "
                        "start micastored first", verb, name, strerror(-rc));
    snprintf(why, sizeof(why), "%s", mica_last_error(NULL));
    return ctl_fail(ctx, rc, "%s: %s: cannot reach the store daemon (micastored): %s", verb,
                    name, why[0] ? why : strerror(-rc));
}

/* ---- destroy ---- */

/* /vm/UUID from uuid, or from what /local/domain/N/vm says. */
static void forget_vm_path(mica_store *s, const char *dom, const uint8_t *uuid,
                           char *buf, size_t len)
{
    char path[NODE_LEN + 8], *val = NULL;
    size_t n;

    buf[0] = 0;
    if (uuid) {
        vm_path(uuid, buf, len);
        return;
    }
    snprintf(path, sizeof(path), "%s/vm", dom);
    if (!mica_store_read(s, 0, path, &val, &n) && !strncmp(val, "/vm/", 4))
        snprintf(buf, len, "%s", val);
    free(val);
}

int mica_domain_store_forget(mica_ctx *ctx, uint32_t domid, const uint8_t *uuid)
{
    char dom[NODE_LEN], vm[NODE_LEN];
    mica_store *s;
    int rc = mica_store_open(&s), rc2;

    if (rc == -ENOENT || rc == -ECONNREFUSED)
        return 0;                       /* no store: nothing to forget */
    if (rc)
        return ctl_fail(ctx, rc, "store: domain %" PRIu32 ": %s", domid, strerror(-rc));
    snprintf(dom, sizeof(dom), MICA_STORE_DOMAIN_PATH_FMT, domid);
    forget_vm_path(s, dom, uuid, vm, sizeof(vm));
    rc = mica_store_release(s, domid);
    if (rc == -ENOENT)
        rc = 0;                         /* never introduced, or released already */
    rc2 = mica_store_rm(s, 0, dom);
    if (!rc && rc2 && rc2 != -ENOENT)
        rc = rc2;
    rc2 = vm[0] ? mica_store_rm(s, 0, vm) : 0;
    if (!rc && rc2 && rc2 != -ENOENT)
        rc = rc2;
    mica_store_close(s);
    return rc ? ctl_fail(ctx, rc, "store: domain %" PRIu32 ": release and remove %s: %s", domid,
                         dom, strerror(-rc)) : 0;
}
