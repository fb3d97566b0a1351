/* SPDX-License-Identifier: MIT */
/*
 * The store protocol (docs/store.md): the model of Xen's xs_wire.h, spoken
 * by micastored to dom0 clients over a unix socket (MICA_STORE_SOCKET) and
 * to each domain over its store ring (MICA_PARAM_STORE_GFN, notified on
 * MICA_PARAM_STORE_EVTCHN).
 *
 * A message is a header then `len` bytes of payload. Strings in a payload
 * are NUL-terminated; a request with several arguments puts them one after
 * another, each with its NUL (WRITE's value is the rest of the payload, not
 * terminated). A reply has the request's type, req_id and tx_id, or type
 * MICA_STORE_ERROR with the error name ("ENOENT") as its payload. Watch
 * events are sent unasked: type MICA_STORE_WATCH_EVENT, payload
 * "path\0token\0".
 */
#ifndef MICA_PUBLIC_IO_STORE_H
#define MICA_PUBLIC_IO_STORE_H

#include "../types.h"

enum mica_store_type {
    MICA_STORE_CONTROL = 0,        /* reserved */
    MICA_STORE_DIRECTORY = 1,      /* path -> "child\0child\0..." */
    MICA_STORE_READ = 2,           /* path -> value bytes */
    MICA_STORE_GET_PERMS = 3,      /* path -> "w0\0r1\0..." (first: owner and others' access) */
    MICA_STORE_WATCH = 4,          /* path token -> "OK"; fires once at once, then on changes */
    MICA_STORE_UNWATCH = 5,        /* path token -> "OK" */
    MICA_STORE_TRANSACTION_START = 6, /* "" -> "<tx id>" (decimal) */
    MICA_STORE_TRANSACTION_END = 7,   /* "T" commit | "F" abort -> "OK" or EAGAIN (conflict) */
    MICA_STORE_INTRODUCE = 8,      /* dom0: "domid\0gfn\0port\0" -> "OK": connect a domain's ring */
    MICA_STORE_RELEASE = 9,        /* dom0: "domid\0" -> "OK": forget it, drop its watches/txs */
    MICA_STORE_GET_DOMAIN_PATH = 10, /* "domid\0" -> "/local/domain/<domid>" */
    MICA_STORE_WRITE = 11,         /* "path\0value" -> "OK" (creates parents) */
    MICA_STORE_MKDIR = 12,         /* path -> "OK" */
    MICA_STORE_RM = 13,            /* path -> "OK" (recursive) */
    MICA_STORE_SET_PERMS = 14,     /* "path\0perm\0perm\0..." -> "OK" */
    MICA_STORE_WATCH_EVENT = 15,   /* unasked: "path\0token\0" */
    MICA_STORE_ERROR = 16,         /* reply: error name */
    MICA_STORE_IS_DOMAIN_INTRODUCED = 17, /* "domid\0" -> "T" | "F" */
    MICA_STORE_GET_QUOTA = 18,     /* dom0: "domid\0" -> "nodes=N/M watches=.. transactions=.. value=.." */
    MICA_STORE_SET_QUOTA = 19,     /* dom0: "domid\0name\0value\0" -> "OK" */
    MICA_STORE_RESTRICT = 20,      /* added; dom0 socket: "domid\0" -> "OK": from now on this
                                      connection has that domain's rights (Xen's XS_RESTRICT) */
    MICA_STORE_DIRECTORY_PART = 21, /* added; "path\0offset\0" -> "gen\0child\0...": the
                                      children from byte `offset` of DIRECTORY's list, whole names
                                      only, and one more "\0" when the list ends there (Xen's
                                      XS_DIRECTORY_PART); a new gen means: start again at 0 */
    MICA_STORE_TYPE_NR
};

struct mica_store_msg {          /* 16 bytes, host byte order */
    uint32_t type;               /* enum mica_store_type */
    uint32_t req_id;             /* echoed in the reply */
    uint32_t tx_id;              /* 0: no transaction */
    uint32_t len;                /* payload bytes that follow, <= MICA_STORE_PAYLOAD_MAX */
};
MICA_STATIC_ASSERT(sizeof(struct mica_store_msg) == 16, "mica_store_msg layout");

#define MICA_STORE_PAYLOAD_MAX  4096
#define MICA_STORE_PATH_MAX     3072    /* absolute path, bytes incl. NUL */
#define MICA_STORE_NAME_MAX     256     /* one path component */

/* Error names a reply may carry (the errno of the same name). */
#define MICA_STORE_ERRORS(X) \
    X(EINVAL) X(EACCES) X(EEXIST) X(EISDIR) X(ENOENT) X(ENOMEM) X(ENOSPC) \
    X(EIO) X(ENOTEMPTY) X(ENOSYS) X(EROFS) X(EBUSY) X(EAGAIN) X(EISCONN) \
    X(E2BIG) X(EPERM) X(EDQUOT)

/*
 * Permissions: the first entry names the owner and what every domain not
 * listed may do; later entries grant one domain. Letters: 'n' none, 'r'
 * read, 'w' write, 'b' both. The owner and dom0 may do everything. A new
 * node inherits its parent's permissions, with its creator as owner when
 * the creator is not dom0.
 */
#define MICA_STORE_PERM_NONE   'n'
#define MICA_STORE_PERM_READ   'r'
#define MICA_STORE_PERM_WRITE  'w'
#define MICA_STORE_PERM_BOTH   'b'

/* Quotas per domain (dom0 has none); defaults are xenstored's. */
#define MICA_STORE_QUOTA_NODES         1000
#define MICA_STORE_QUOTA_WATCHES       128
#define MICA_STORE_QUOTA_TRANSACTIONS  10
#define MICA_STORE_QUOTA_VALUE         2048   /* bytes of one node's value */

/* The ring page a domain shares with the store (struct at offset 0). */
#define MICA_STORE_RING_SIZE 1024
typedef uint32_t mica_store_idx_t;
#define MICA_STORE_RING_IDX(i) ((i) & (MICA_STORE_RING_SIZE - 1))
struct mica_store_ring {
    char req[MICA_STORE_RING_SIZE];   /* domain -> store */
    char rsp[MICA_STORE_RING_SIZE];   /* store -> domain (replies and watch events) */
    mica_store_idx_t req_cons, req_prod;
    mica_store_idx_t rsp_cons, rsp_prod;
    uint32_t server_features;         /* MICA_STORE_F_* */
    uint32_t connection;              /* MICA_STORE_CONNECTED */
};
#define MICA_STORE_CONNECTED    0

/* dom0 clients connect here. */
#define MICA_STORE_SOCKET "/run/mica/store.sock"

/* Where things live in the tree (Xen's layout). */
#define MICA_STORE_DOMAIN_PATH_FMT "/local/domain/%u"

#endif
