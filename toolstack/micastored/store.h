/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micastored's core (docs/store.md): the tree of nodes, permissions,
 * transactions, watches and quotas, with no I/O of its own. The daemon
 * (micastored.c, conn.c, ring.c) feeds it requests and sends what it
 * queues; the host tests (tests/store/) drive it directly.
 *
 * The tree is persistent in the functional sense: nodes are reference
 * counted and shared, a change copies the path from the root to the node
 * it changes when another tree still holds them. A transaction starts with
 * a reference to the main tree's root (a snapshot, O(1)), works on its own
 * copy, records the generation of every node it touched, and at commit
 * fails with EAGAIN when any of them changed in the main tree; otherwise
 * its operations are replayed on a copy of the main tree, which replaces
 * it at once (all or nothing).
 */
#ifndef MICASTORED_STORE_H
#define MICASTORED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/io/store.h"

#define STORE_DOM0          0u
#define STORE_TX_OPS_MAX    2048u       /* operations plus nodes touched in one transaction */
#define STORE_PERMS_MAX     64u         /* entries in one node's permission list */
#define STORE_OUT_MAX       (1u << 20)  /* bytes queued to a domain before it is dropped */
#define STORE_SOCK_OUT_MAX  (8u << 20)  /* the same for a dom0 socket client */

struct perm {
    uint32_t id;                        /* domain */
    char access;                        /* MICA_STORE_PERM_* */
};

struct node {
    unsigned int refs;
    uint64_t gen;                       /* changes when value, perms or children change */
    char *name;                         /* one component ("" for the root) */
    char *value;
    uint32_t vlen;
    struct perm *perms;
    uint32_t nperms;
    struct node **kids;                 /* sorted by name */
    uint32_t nkids, kcap;
};

/* Nodes owned by each domain in one tree (for the node quota). */
struct owner_count {
    uint32_t domid;
    uint32_t nodes;
};

struct tree {
    struct node *root;
    struct owner_count *counts;
    uint32_t ncounts;
};

/* Quotas and state of one domain the store knows (introduced or given a quota). */
struct quota {
    uint32_t nodes, watches, transactions, value;
};

struct conn;

struct domain {
    struct domain *next;
    uint32_t domid;
    struct quota quota;
    bool introduced;
    uint64_t gfn;
    uint32_t port;
    struct conn *conn;                  /* its ring connection, or NULL */
    bool shutdown_seen;                 /* @releaseDomain fired for its shutdown */
};

/* A change a request made: watches to fire, records to journal. */
struct change {
    struct change *next;
    enum { CH_SET, CH_DEL } kind;
    char *path;
};

struct changes {
    struct change *head, **tail;        /* journal records, in order */
    struct change *fire, **fire_tail;   /* watch events: the request's path */
};

struct access {
    char *path;
    uint64_t gen;                       /* 0: did not exist in the snapshot */
};

struct tx_op {
    uint32_t type;                      /* MICA_STORE_WRITE/MKDIR/RM/SET_PERMS */
    char *path;
    char *data;                         /* value, or the perms list */
    uint32_t len;
};

struct tx {
    struct tx *next;
    uint32_t id;
    struct conn *conn;
    struct tree base;                   /* the main tree when it started */
    struct tree work;                   /* base plus this transaction's changes */
    struct access *acc;
    uint32_t nacc;
    struct tx_op *ops;
    uint32_t nops;
};

struct watch {
    struct watch *next;
    struct conn *conn;
    char *path;                         /* absolute, or "@introduceDomain"/"@releaseDomain" */
    char *token;
    bool relative;                      /* registered relative to the domain's path */
};

/* Bytes queued for one client. */
struct outbuf {
    char *data;
    size_t len, head, cap;
};

enum conn_kind { CONN_SOCKET, CONN_RING, CONN_TEST };

struct conn {
    struct conn *next;
    enum conn_kind kind;
    uint32_t domid;                     /* whose rights it has (0 for the socket) */
    bool restored;                      /* re-established after a restart */
    bool dead;                          /* to be closed: hostile or gone */
    int fd;
    struct outbuf out;
    /* the request being read */
    struct mica_store_msg hdr;
    uint32_t got;                       /* bytes of header + payload read */
    char payload[MICA_STORE_PAYLOAD_MAX + 1];
    uint32_t ntx, nwatches;
    /* ring.c */
    struct mica_store_ring *ring;
    uint32_t local_port;
    mica_store_idx_t req_cons, rsp_prod; /* ours: the ring's copies are only written */
    char why[128];                      /* why it was dropped */
};

struct store {
    struct tree main;
    uint64_t gen;
    uint32_t next_tx;
    struct tx *txs;
    struct watch *watches;
    struct domain *doms;
    struct conn *conns;
    struct quota default_quota;
    /* persistence (journal.c); NULL dir: none */
    struct journal *journal;
    /* the daemon's hooks (NULL in tests): connect a domain's ring, close a connection */
    int (*introduce)(struct store *s, struct domain *d);
    void (*conn_close)(struct store *s, struct conn *c);
};

/* ---- tree.c: nodes ---- */
int store_init(struct store *s);
void store_fini(struct store *s);
struct node *tree_lookup(const struct tree *t, const char *path);
void tree_clone(struct tree *dst, const struct tree *src);
void tree_put(struct tree *t);
int tree_count(const struct tree *t, uint32_t domid);
/* Set a node (creating it, not its parents): for restoring from the journal. */
int tree_set_node(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                  uint32_t nperms, const char *val, uint32_t vlen);
int tree_del_node(struct store *s, struct tree *t, const char *path);
/* Create path (its parent must exist) with perms and an empty value. */
int tree_create(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                uint32_t nperms);
/* Set the perms (NULL: keep) and value (NULL: keep) of an existing node. */
int tree_update(struct store *s, struct tree *t, const char *path, const struct perm *perms,
                uint32_t nperms, const char *val, uint32_t vlen);
/* Visit every node depth first (path, node); stops at a non-zero return. */
int tree_walk(const struct tree *t, int (*fn)(void *arg, const char *path, const struct node *n),
              void *arg);
void tree_chown(struct store *s, uint32_t from, uint32_t to, struct changes *ch);

/* ---- ops.c: the operations, checked for the acting domain ---- */
struct opctx {
    struct store *s;
    struct tree *t;                     /* the tree to work on */
    uint32_t domid;                     /* acting domain */
    struct tx *tx;                      /* record accesses here, or NULL */
    struct changes *ch;                 /* changes made, or NULL */
};
int op_read(struct opctx *o, const char *path, const struct node **n);
int op_write(struct opctx *o, const char *path, const char *val, uint32_t vlen);
int op_mkdir(struct opctx *o, const char *path);
int op_rm(struct opctx *o, const char *path);
int op_set_perms(struct opctx *o, const char *path, const struct perm *perms, uint32_t n);
bool perm_can(const struct node *n, uint32_t domid, char want);
/* Parse "b0\0r3\0..." (len bytes); -EINVAL. */
int perms_parse(const char *buf, uint32_t len, struct perm *out, uint32_t *n);
size_t perms_format(const struct perm *p, uint32_t n, char *buf, size_t len);

/* ---- path.c: checks and canonical form ---- */
/* An absolute path for in (relative ones under /local/domain/<domid>); -EINVAL. */
int path_canon(uint32_t domid, const char *in, char *out, size_t len);
bool path_is_special(const char *p);    /* "@introduceDomain", "@releaseDomain" */
bool path_under(const char *p, const char *top);  /* p is top or below it */
void domain_path(uint32_t domid, char *buf, size_t len);

/* ---- txn.c ---- */
int tx_start(struct store *s, struct conn *c, uint32_t *id);
struct tx *tx_find(struct store *s, struct conn *c, uint32_t id);
int tx_touch(struct tx *tx, const char *path);
int tx_log(struct tx *tx, uint32_t type, const char *path, const char *data, uint32_t len);
int tx_end(struct store *s, struct tx *tx, bool commit);
void tx_drop_conn(struct store *s, struct conn *c);

/* ---- watch.c ---- */
int watch_add(struct store *s, struct conn *c, const char *path, const char *token, bool rel);
int watch_del(struct store *s, struct conn *c, const char *path, const char *token);
void watch_drop_conn(struct store *s, struct conn *c);
void watch_fire_changes(struct store *s, struct changes *ch);
void watch_fire_special(struct store *s, const char *name);
void watch_fire_one(struct store *s, struct watch *w, const char *path);

/* ---- domain.c: quotas and domain records ---- */
struct domain *domain_get(struct store *s, uint32_t domid, bool create);
const struct quota *domain_quota(struct store *s, uint32_t domid);
int quota_set(struct store *s, uint32_t domid, const char *name, uint32_t value);
int quota_text(struct store *s, uint32_t domid, char *buf, size_t len);
void domain_forget(struct store *s, struct domain *d);
/* INTRODUCE and RELEASE (also when a domain dies): -errno. */
int store_introduce(struct store *s, uint32_t domid, uint64_t gfn, uint32_t port);
int store_release(struct store *s, uint32_t domid);

/* ---- changes ---- */
void changes_init(struct changes *ch);
int changes_add(struct changes *ch, int kind, const char *path);
int changes_fire(struct changes *ch, int kind, const char *path);
void changes_free(struct changes *ch);
/* Make the changes of a request public: journal them and fire the watches. */
void store_publish(struct store *s, struct changes *ch);

/* ---- proto.c: one request from a connection ---- */
void proto_request(struct store *s, struct conn *c, const struct mica_store_msg *h,
                   const char *payload);
int conn_queue(struct store *s, struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
               const void *p, uint32_t len);
int conn_queue_error(struct store *s, struct conn *c, const struct mica_store_msg *h, int err);
/* Feed bytes a client sent; a malformed stream marks it dead. Returns bytes taken. */
size_t conn_input(struct store *s, struct conn *c, const char *buf, size_t len);
struct conn *conn_new(struct store *s, enum conn_kind kind, uint32_t domid, int fd);
void conn_free(struct store *s, struct conn *c);
void conn_kill(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *store_errname(int err);

void store_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
