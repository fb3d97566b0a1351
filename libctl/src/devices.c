/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PV devices in the store (docs/libctl.md "Devices"; the layout is
 * hypervisor/include/public/io/bus.h): for frontend domain F, backend dom0,
 * type T (vbd, vif) and device id N, a frontend directory
 * /local/domain/F/device/T/N owned by F and readable by dom0, and a backend
 * directory /local/domain/0/backend/T/F/N owned by dom0 and readable by F,
 * both state Initialising, with the keys the dom0 backends read. Written in
 * one transaction, as libxl does. Removal is Xen's: the backend's online =
 * 0 and state Closing, a wait for both sides to be Closed, then both
 * directories go; forced, they go at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <public/io/bus.h>
#include <public/io/store.h>
#include "devices.h"

#define BACKEND_DOMID   0u
#define KEY_LEN         256
#define WATCH_TOKEN     "mica-device-remove"

static const char *const kind_type[] = {
    [MICA_DEVICE_VBD] = MICA_BUS_TYPE_BLOCK,
    [MICA_DEVICE_VIF] = MICA_BUS_TYPE_NET,
};

static const char *const kind_verb[] = {
    [MICA_DEVICE_VBD] = "block",
    [MICA_DEVICE_VIF] = "network",
};

void ctl_device_paths(enum mica_device_kind k, uint32_t domid, unsigned int devid,
                      struct ctl_dev_paths *p)
{
    snprintf(p->fe, sizeof(p->fe), "/local/domain/%" PRIu32 "/device/%s/%u", domid,
             kind_type[k], devid);
    snprintf(p->be, sizeof(p->be), "/local/domain/%u/backend/%s/%" PRIu32 "/%u",
             BACKEND_DOMID, kind_type[k], domid, devid);
}

int ctl_device_store_open(mica_ctx *ctx, const char *verb, mica_store **s)
{
    int rc = mica_store_open(s);

    if (rc == -ENOENT || rc == -ECONNREFUSED)
        return ctl_fail(ctx, rc, "%s: the store daemon (micastored) is not running (%s)", verb,
                        strerror(-rc));
    if (rc)
        return ctl_fail(ctx, rc, "%s: cannot reach the store daemon (micastored): %s", verb,
                        strerror(-rc));
    return 0;
}

/* ---- writing a device ---- */

struct dev_key {
    const char *name;
    char value[KEY_LEN];
};

static int write_key(mica_store *s, uint32_t tx, const char *dir, const struct dev_key *k)
{
    char path[MICA_STORE_PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, k->name);
    return mica_store_write(s, tx, path, k->value, strlen(k->value));
}

/* A directory with its permissions: owner (nothing for the others) and one reader. */
static int make_dir(mica_store *s, uint32_t tx, const char *dir, uint32_t owner, uint32_t reader)
{
    char own[16], rd[16];
    const char *perms[2] = { own, rd };
    int rc = mica_store_mkdir(s, tx, dir);

    snprintf(own, sizeof(own), "%c%" PRIu32, MICA_STORE_PERM_NONE, owner);
    snprintf(rd, sizeof(rd), "%c%" PRIu32, MICA_STORE_PERM_READ, reader);
    return rc ? rc : mica_store_set_perms(s, tx, dir, perms, 2);
}

static int write_keys(mica_store *s, uint32_t tx, const char *dir, const struct dev_key *k,
                      unsigned int n)
{
    int rc = 0;

    for (unsigned int i = 0; i < n && !rc; i++)
        rc = write_key(s, tx, dir, &k[i]);
    return rc;
}

/* The keys both directories share: each names the other side and starts Initialising. */
static void common_keys(const struct ctl_dev_paths *p, uint32_t domid, struct dev_key *fe,
                        struct dev_key *be)
{
    fe[0] = (struct dev_key){ .name = "backend" };
    snprintf(fe[0].value, KEY_LEN, "%s", p->be);
    fe[1] = (struct dev_key){ .name = "backend-id" };
    snprintf(fe[1].value, KEY_LEN, "%u", BACKEND_DOMID);
    fe[2] = (struct dev_key){ .name = "state" };
    snprintf(fe[2].value, KEY_LEN, "%d", MICA_BUS_INITIALISING);
    be[0] = (struct dev_key){ .name = "frontend" };
    snprintf(be[0].value, KEY_LEN, "%s", p->fe);
    be[1] = (struct dev_key){ .name = "frontend-id" };
    snprintf(be[1].value, KEY_LEN, "%" PRIu32, domid);
    be[2] = (struct dev_key){ .name = "state" };
    snprintf(be[2].value, KEY_LEN, "%d", MICA_BUS_INITIALISING);
    be[3] = (struct dev_key){ .name = "online" };
    snprintf(be[3].value, KEY_LEN, "1");
}

#define COMMON_FE 3
#define COMMON_BE 4
#define MAX_KEYS  12

struct dev_write {
    struct ctl_dev_paths p;
    struct dev_key fe[MAX_KEYS], be[MAX_KEYS];
    unsigned int nfe, nbe;
};

static void add_key(struct dev_key *keys, unsigned int *n, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_key(struct dev_key *keys, unsigned int *n, const char *name, const char *fmt, ...)
{
    va_list ap;

    keys[*n].name = name;
    va_start(ap, fmt);
    vsnprintf(keys[*n].value, KEY_LEN, fmt, ap);
    va_end(ap);
    (*n)++;
}

/* Does dir exist? 1, 0, or -errno. */
static int exists(mica_store *s, uint32_t tx, const char *dir)
{
    char **names = NULL;
    int n = mica_store_directory(s, tx, dir, &names);

    free(names);
    if (n == -ENOENT)
        return 0;
    return n < 0 ? n : 1;
}

struct dev_write_arg {
    uint32_t domid;
    const struct dev_write *w;
};

static int write_once(mica_store *s, uint32_t tx, void *arg)
{
    const struct dev_write_arg *a = arg;
    const struct dev_write *w = a->w;
    uint32_t domid = a->domid;
    int rc = exists(s, tx, w->p.fe);

    if (rc == 0)
        rc = exists(s, tx, w->p.be);
    if (rc > 0)
        return -EEXIST;
    if (!rc)
        rc = make_dir(s, tx, w->p.be, BACKEND_DOMID, domid);
    if (!rc)
        rc = write_keys(s, tx, w->p.be, w->be, w->nbe);
    if (!rc)
        rc = make_dir(s, tx, w->p.fe, domid, BACKEND_DOMID);
    if (!rc)
        rc = write_keys(s, tx, w->p.fe, w->fe, w->nfe);
    return rc;
}

/* Both directories in one transaction, again on a conflict. */
static int write_device(mica_store *s, uint32_t domid, const struct dev_write *w)
{
    struct dev_write_arg a = { domid, w };

    return mica_store_tx_run(s, write_once, &a);
}

static const char *const disk_types[] = {
    [MICA_DISK_FILE] = "file",
    [MICA_DISK_BLOCK] = "phy",
};

static void disk_keys(uint32_t domid, const struct mica_disk_config *d, struct dev_write *w)
{
    ctl_device_paths(MICA_DEVICE_VBD, domid, d->vdev, &w->p);
    common_keys(&w->p, domid, w->fe, w->be);
    w->nfe = COMMON_FE;
    w->nbe = COMMON_BE;
    add_key(w->fe, &w->nfe, "virtual-device", "%u", d->vdev);
    add_key(w->fe, &w->nfe, "device-type", "disk");
    add_key(w->be, &w->nbe, "params", "%s", d->source);
    add_key(w->be, &w->nbe, "type", "%s", disk_types[d->type == MICA_DISK_BLOCK]);
    add_key(w->be, &w->nbe, "mode", "%s", d->readonly ? "r" : "w");
    add_key(w->be, &w->nbe, "device-type", "disk");
    add_key(w->be, &w->nbe, "dev", "%s", d->target);
    add_key(w->be, &w->nbe, "removable", "0");
    add_key(w->be, &w->nbe, "bootable", "1");
}

static void format_mac(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void nic_keys(uint32_t domid, const struct mica_nic_config *n, struct dev_write *w)
{
    char mac[18];

    format_mac(n->mac, mac);
    ctl_device_paths(MICA_DEVICE_VIF, domid, n->devid, &w->p);
    common_keys(&w->p, domid, w->fe, w->be);
    w->nfe = COMMON_FE;
    w->nbe = COMMON_BE;
    add_key(w->fe, &w->nfe, "handle", "%u", n->devid);
    add_key(w->fe, &w->nfe, "mac", "%s", mac);
    add_key(w->be, &w->nbe, "handle", "%u", n->devid);
    add_key(w->be, &w->nbe, "mac", "%s", mac);
    add_key(w->be, &w->nbe, "bridge", "%s", n->bridge);
    add_key(w->be, &w->nbe, "type", "vif");
}

/* What a failed write means, once. */
static int write_failed(mica_ctx *ctx, const char *verb, const char *what, uint32_t domid, int rc)
{
    if (rc == -EEXIST)
        return ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": %s is attached already", verb, domid,
                        what);
    return ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": %s: the store refused it: %s", verb, domid,
                    what, strerror(-rc));
}

int ctl_device_add_disk(mica_ctx *ctx, mica_store *s, uint32_t domid,
                        const struct mica_disk_config *d)
{
    struct dev_write w;
    int rc;

    disk_keys(domid, d, &w);
    rc = write_device(s, domid, &w);
    return rc ? write_failed(ctx, "block-attach", d->target, domid, rc) : 0;
}

int ctl_device_add_nic(mica_ctx *ctx, mica_store *s, uint32_t domid,
                       const struct mica_nic_config *n)
{
    struct dev_write w;
    char what[32];
    int rc;

    nic_keys(domid, n, &w);
    rc = write_device(s, domid, &w);
    snprintf(what, sizeof(what), "vif %u", n->devid);
    return rc ? write_failed(ctx, "network-attach", what, domid, rc) : 0;
}

/* ---- removing a device ---- */

/* A state node as a number; -1 when absent or not a number. */
int ctl_device_read_state(mica_store *s, const char *dir)
{
    char path[MICA_STORE_PATH_MAX], *val = NULL, *end;
    size_t len;
    long v = -1;

    snprintf(path, sizeof(path), "%s/state", dir);
    if (!mica_store_read(s, 0, path, &val, &len) && val[0]) {
        v = strtol(val, &end, 10);
        if (*end || v < 0 || v > MICA_BUS_RECONFIGURED)
            v = -1;
    }
    free(val);
    return (int)v;
}

static int ask_close_once(mica_store *s, uint32_t tx, void *arg)
{
    const struct ctl_dev_paths *p = arg;
    char path[MICA_STORE_PATH_MAX], state[8];
    int rc;

    snprintf(path, sizeof(path), "%s/online", p->be);
    rc = mica_store_write(s, tx, path, "0", 1);
    snprintf(path, sizeof(path), "%s/state", p->be);
    snprintf(state, sizeof(state), "%d", MICA_BUS_CLOSING);
    return rc ? rc : mica_store_write(s, tx, path, state, strlen(state));
}

/*
 * online = 0 and state Closing in the backend, as Xen's hot-unplug asks,
 * in one transaction (as libxl writes them): a backend that saw online = 0
 * alone may be Closed and gone before a later state write, which would
 * then leave it Closing for ever.
 */
static int ask_close(mica_store *s, const struct ctl_dev_paths *p)
{
    return mica_store_tx_run(s, ask_close_once, (void *)p);
}

/*
 * Both sides Closed: the backend's state Closed, the frontend's Closed or
 * never past Initialising (a guest without the driver), or gone.
 */
static bool both_closed(mica_store *s, const struct ctl_dev_paths *p)
{
    int be = ctl_device_read_state(s, p->be), fe = ctl_device_read_state(s, p->fe);

    return be == MICA_BUS_CLOSED &&
           (fe == MICA_BUS_CLOSED || fe <= MICA_BUS_INITIALISING);
}

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait for both_closed, woken by watches on both state nodes; -ETIMEDOUT. */
static int wait_closed(mica_store *s, const struct ctl_dev_paths *p, int timeout_ms)
{
    char fe[MICA_STORE_PATH_MAX], be[MICA_STORE_PATH_MAX];
    long long deadline = now_ms() + timeout_ms;
    int rc;

    snprintf(fe, sizeof(fe), "%s/state", p->fe);
    snprintf(be, sizeof(be), "%s/state", p->be);
    rc = mica_store_watch(s, be, WATCH_TOKEN);
    if (!rc)
        rc = mica_store_watch(s, fe, WATCH_TOKEN);
    while (!rc && !both_closed(s, p)) {
        long long left = deadline - now_ms();
        char *path = NULL, *token = NULL;

        if (left <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        rc = mica_store_read_watch(s, (int)left, &path, &token);
        free(path);
        free(token);
    }
    mica_store_unwatch(s, be, WATCH_TOKEN);
    mica_store_unwatch(s, fe, WATCH_TOKEN);
    return rc;
}

static int remove_dirs(mica_store *s, const struct ctl_dev_paths *p)
{
    int rc = mica_store_rm(s, 0, p->be), rc2 = mica_store_rm(s, 0, p->fe);

    if (rc == -ENOENT)
        rc = 0;
    if (rc2 == -ENOENT)
        rc2 = 0;
    return rc ? rc : rc2;
}

/* MICA_DEVICE_TIMEOUT_MS, or the environment's (tests; 1 ms to 10 minutes). */
static int timeout_ms(void)
{
    const char *e = getenv("MICA_DEVICE_TIMEOUT_MS");
    char *end;
    long v = e ? strtol(e, &end, 10) : 0;

    return e && *e && !*end && v > 0 && v <= 600000 ? (int)v : MICA_DEVICE_TIMEOUT_MS;
}

int ctl_device_remove(mica_ctx *ctx, mica_store *s, enum mica_device_kind k, uint32_t domid,
                      unsigned int devid, const char *what, unsigned int flags)
{
    const char *verb = k == MICA_DEVICE_VBD ? "block-detach" : "network-detach";
    struct ctl_dev_paths p;
    int rc;

    ctl_device_paths(k, domid, devid, &p);
    rc = exists(s, 0, p.be);
    if (rc == 0)
        rc = exists(s, 0, p.fe) > 0 ? 1 : -ENODEV;
    if (rc < 0)
        return rc == -ENODEV ? ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": no %s %s", verb,
                                        domid, kind_verb[k], what)
                             : ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": %s: %s", verb, domid,
                                        what, strerror(-rc));
    rc = ask_close(s, &p);
    if (!rc && !(flags & MICA_DEVICE_FORCE))
        rc = wait_closed(s, &p, timeout_ms());
    if (rc == -ETIMEDOUT)
        return ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": %s: the guest did not release it "
                        "within %d ms (its frontend state is %d, the backend's %d); "
                        "--force removes it at once", verb, domid, what,
                        timeout_ms(), ctl_device_read_state(s, p.fe),
                        ctl_device_read_state(s, p.be));
    if (!rc || (flags & MICA_DEVICE_FORCE))
        rc = remove_dirs(s, &p);
    return rc ? ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": %s: %s", verb, domid, what,
                         strerror(-rc)) : 0;
}
