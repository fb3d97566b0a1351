/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public face of PV devices (micactl.h): hot-plug with the same checks
 * as the domain XML, the list of a domain's devices read back from the
 * store, and the devices of create and destroy (devices.c writes them).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <public/io/bus.h>
#include "devices.h"

#define VIF_DEVID_MAX 1024

/* The domain must exist and not be dom0 (whose devices are its own). */
static int check_domain(mica_ctx *ctx, const char *verb, uint32_t domid)
{
    struct mica_dominfo info;
    int rc;

    if (domid == 0)
        return ctl_fail(ctx, -EINVAL, "%s: domain 0: dom0 has no PV devices of its own", verb);
    rc = mica_domain_info(ctx, domid, &info);
    if (rc == -ESRCH)
        return ctl_fail(ctx, rc, "%s: domain %" PRIu32 ": no such domain", verb, domid);
    if (rc)
        return rc;
    if (info.state == MICA_STATE_DYING || info.state == MICA_STATE_SHUTDOWN)
        return ctl_fail(ctx, -EINVAL, "%s: domain %" PRIu32 " (%s) is shutting down", verb,
                        domid, info.name);
    return 0;
}

/* ---- reading devices back ---- */

static void read_key(mica_store *s, const char *dir, const char *key, char *out, size_t len)
{
    char path[MICA_STORE_PATH_MAX], *val = NULL;
    size_t vlen;

    out[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (!mica_store_read(s, 0, path, &val, &vlen))
        snprintf(out, len, "%s", val);
    free(val);
}

static void read_device(mica_store *s, enum mica_device_kind k, uint32_t domid,
                        unsigned int devid, struct mica_device_info *d)
{
    struct ctl_dev_paths p;
    char id[16];

    ctl_device_paths(k, domid, devid, &p);
    *d = (struct mica_device_info){ .kind = k, .devid = devid };
    d->fe_state = ctl_device_read_state(s, p.fe);
    d->be_state = ctl_device_read_state(s, p.be);
    read_key(s, p.fe, "backend-id", id, sizeof(id));
    d->backend_id = (uint32_t)strtoul(id, NULL, 10);
    if (k == MICA_DEVICE_VBD) {
        read_key(s, p.be, "dev", d->target, sizeof(d->target));
        read_key(s, p.be, "mode", d->mode, sizeof(d->mode));
        read_key(s, p.be, "type", d->type, sizeof(d->type));
        read_key(s, p.be, "params", d->source, sizeof(d->source));
    } else {
        read_key(s, p.be, "bridge", d->bridge, sizeof(d->bridge));
        read_key(s, p.be, "mac", d->mac, sizeof(d->mac));
    }
}

static int by_devid(const void *a, const void *b)
{
    const struct mica_device_info *x = a, *y = b;

    return x->devid < y->devid ? -1 : x->devid > y->devid;
}

/* The device ids under DIR (numbers only); *ids malloc'd; the count. */
static int device_ids(mica_store *s, const char *dir, unsigned int **ids)
{
    char **names = NULL;
    int n = mica_store_directory(s, 0, dir, &names), got = 0;

    *ids = NULL;
    if (n == -ENOENT)
        return 0;
    if (n < 0)
        return n;
    *ids = calloc(n ? (size_t)n : 1, sizeof(**ids));
    if (!*ids) {
        free(names);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        char *end;
        unsigned long v = strtoul(names[i], &end, 10);

        if (names[i][0] >= '0' && names[i][0] <= '9' && !*end && v <= UINT32_MAX)
            (*ids)[got++] = (unsigned int)v;
    }
    free(names);
    return got;
}

/* Devices are found in both directories: the frontend's and the backend's lists, merged. */
static int list_ids(mica_store *s, enum mica_device_kind k, uint32_t domid, unsigned int **ids)
{
    struct ctl_dev_paths p;
    unsigned int *fe = NULL, *be = NULL;
    int nfe, nbe, n = 0;
    char *slash;

    ctl_device_paths(k, domid, 0, &p);
    if ((slash = strrchr(p.fe, '/')))
        *slash = '\0';
    if ((slash = strrchr(p.be, '/')))
        *slash = '\0';
    nfe = device_ids(s, p.fe, &fe);
    nbe = device_ids(s, p.be, &be);
    if (nfe < 0 || nbe < 0) {
        free(fe);
        free(be);
        return nfe < 0 ? nfe : nbe;
    }
    *ids = calloc((size_t)(nfe + nbe) + 1, sizeof(**ids));
    for (int i = 0; *ids && i < nfe + nbe; i++) {
        unsigned int v = i < nfe ? fe[i] : be[i - nfe];
        int j;

        for (j = 0; j < n && (*ids)[j] != v; j++)
            ;
        if (j == n)
            (*ids)[n++] = v;
    }
    free(fe);
    free(be);
    return *ids ? n : -ENOMEM;
}

static int list_with(mica_ctx *ctx, mica_store *s, uint32_t domid, enum mica_device_kind k,
                     struct mica_device_info **list)
{
    unsigned int *ids = NULL;
    int n = list_ids(s, k, domid, &ids);

    *list = NULL;
    if (n < 0)
        return ctl_fail(ctx, n, "domain %" PRIu32 ": cannot list its devices: %s", domid,
                        strerror(-n));
    *list = calloc((size_t)n + 1, sizeof(**list));
    if (!*list) {
        free(ids);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++)
        read_device(s, k, domid, ids[i], &(*list)[i]);
    free(ids);
    qsort(*list, (size_t)n, sizeof(**list), by_devid);
    return n;
}

int mica_device_list(mica_ctx *ctx, uint32_t domid, enum mica_device_kind kind,
                     struct mica_device_info **list)
{
    const char *verb = kind == MICA_DEVICE_VBD ? "block-list" : "network-list";
    mica_store *s;
    int rc;

    *list = NULL;
    ctl_clear_error(ctx);
    if (kind != MICA_DEVICE_VBD && kind != MICA_DEVICE_VIF)
        return ctl_fail(ctx, -EINVAL, "%s: unknown device kind %d", verb, (int)kind);
    rc = ctl_device_store_open(ctx, verb, &s);
    if (rc)
        return rc;
    rc = list_with(ctx, s, domid, kind, list);
    mica_store_close(s);
    return rc;
}

/* ---- disks ---- */

/* The disk's values, and its source not given writable twice to this domain. */
static int check_disk(mica_ctx *ctx, mica_store *s, uint32_t domid, struct mica_disk_config *d)
{
    struct mica_device_info *list;
    char buf[CTL_ERR_LEN];
    const char *why = mica_disk_target_problem(d->target, &d->vdev, buf, sizeof(buf));
    int n;

    if (why)
        return ctl_fail(ctx, -EINVAL, "block-attach: target: %s", why);
    why = mica_disk_source_problem(d->type, d->source, d->readonly, buf, sizeof(buf));
    if (why)
        return ctl_fail(ctx, -EINVAL, "block-attach: source: %s", why);
    n = list_with(ctx, s, domid, MICA_DEVICE_VBD, &list);
    for (int i = 0; i < n; i++) {
        bool shared_ro = d->readonly && !strcmp(list[i].mode, "r");

        if (list[i].devid == d->vdev || !strcmp(list[i].target, d->target))
            n = ctl_fail(ctx, -EEXIST, "block-attach: domain %" PRIu32 ": %s is attached "
                         "already (%s)", domid, d->target, list[i].source);
        else if (!strcmp(list[i].source, d->source) && !shared_ro)
            n = ctl_fail(ctx, -EEXIST, "block-attach: domain %" PRIu32 ": %s is its %s already "
                         "(a source is shared only read-only)", domid, d->source,
                         list[i].target);
    }
    free(list);
    return n < 0 ? n : 0;
}

int mica_device_add_disk(mica_ctx *ctx, uint32_t domid, const struct mica_disk_config *disk)
{
    struct mica_disk_config d = *disk;
    mica_store *s = NULL;
    char *abs = NULL;
    int rc;

    ctl_clear_error(ctx);
    rc = check_domain(ctx, "block-attach", domid);
    if (!rc && d.source && !(abs = realpath(d.source, NULL)))
        rc = ctl_fail(ctx, -errno, "block-attach: source: cannot reach %s: %s", d.source,
                      strerror(errno));
    if (!rc) {
        d.source = abs;
        rc = ctl_device_store_open(ctx, "block-attach", &s);
    }
    if (!rc)
        rc = check_disk(ctx, s, domid, &d);
    if (!rc)
        rc = ctl_device_add_disk(ctx, s, domid, &d);
    if (s)
        mica_store_close(s);
    free(abs);
    return rc;
}

/* A target to its device number, or the message. */
static int target_vdev(mica_ctx *ctx, const char *verb, const char *target, unsigned int *vdev)
{
    char buf[CTL_ERR_LEN];
    const char *why = mica_disk_target_problem(target, vdev, buf, sizeof(buf));

    return why ? ctl_fail(ctx, -EINVAL, "%s: %s", verb, why) : 0;
}

int mica_device_remove_disk(mica_ctx *ctx, uint32_t domid, const char *target, unsigned int flags)
{
    unsigned int vdev;
    mica_store *s;
    int rc;

    ctl_clear_error(ctx);
    rc = target_vdev(ctx, "block-detach", target, &vdev);
    if (!rc)
        rc = ctl_device_store_open(ctx, "block-detach", &s);
    if (rc)
        return rc;
    rc = ctl_device_remove(ctx, s, MICA_DEVICE_VBD, domid, vdev, target, flags);
    mica_store_close(s);
    return rc;
}

/* ---- network interfaces ---- */

static bool mac_zero(const uint8_t m[6])
{
    static const uint8_t zero[6];

    return !memcmp(m, zero, sizeof(zero));
}

static void format_mac(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Fill in the defaults and check the interface against the domain's others. */
static int settle_nic(mica_ctx *ctx, mica_store *s, uint32_t domid, struct mica_nic_config *n)
{
    struct mica_device_info *list;
    char buf[CTL_ERR_LEN], mac[18];
    const char *why;
    int nr = list_with(ctx, s, domid, MICA_DEVICE_VIF, &list), rc = nr < 0 ? nr : 0;

    if (!n->bridge[0])
        snprintf(n->bridge, sizeof(n->bridge), "%s", MICA_BRIDGE_DEFAULT);
    why = mica_bridge_problem(n->bridge, buf, sizeof(buf));
    if (!rc && why)
        rc = ctl_fail(ctx, -EINVAL, "network-attach: bridge: %s", why);
    n->mac_generated = mac_zero(n->mac);
    if (n->mac_generated)
        mica_mac_generate(n->mac);
    format_mac(n->mac, mac);
    if (!rc && (why = mica_mac_problem(mac, n->mac, buf, sizeof(buf))))
        rc = ctl_fail(ctx, -EINVAL, "network-attach: mac: %s", why);
    for (int i = 0; !rc && i < nr; i++) {
        if (!strcasecmp(list[i].mac, mac) && n->mac_generated) {
            mica_mac_generate(n->mac);          /* a clash with a drawn one: draw again */
            format_mac(n->mac, mac);
            i = -1;
        } else if (!strcasecmp(list[i].mac, mac)) {
            rc = ctl_fail(ctx, -EEXIST, "network-attach: domain %" PRIu32 ": %s is vif %u's "
                          "already", domid, mac, list[i].devid);
        } else if (list[i].devid == n->devid) {
            rc = ctl_fail(ctx, -EEXIST, "network-attach: domain %" PRIu32 ": vif %u is "
                          "attached already", domid, n->devid);
        }
    }
    for (unsigned int id = 0; !rc && n->devid == MICA_DEVID_AUTO && id < VIF_DEVID_MAX; id++) {
        int i;

        for (i = 0; i < nr && list[i].devid != id; i++)
            ;
        if (i == nr)
            n->devid = id;
    }
    if (!rc && n->devid >= VIF_DEVID_MAX)
        rc = ctl_fail(ctx, -ENOSPC, "network-attach: domain %" PRIu32 ": vif ids 0 to %d: %s",
                      domid, VIF_DEVID_MAX - 1, n->devid == MICA_DEVID_AUTO ? "all taken" :
                      "out of range");
    free(list);
    return rc;
}

int mica_device_add_nic(mica_ctx *ctx, uint32_t domid, struct mica_nic_config *n)
{
    mica_store *s = NULL;
    int rc;

    ctl_clear_error(ctx);
    rc = check_domain(ctx, "network-attach", domid);
    if (!rc)
        rc = ctl_device_store_open(ctx, "network-attach", &s);
    if (!rc)
        rc = settle_nic(ctx, s, domid, n);
    if (!rc)
        rc = ctl_device_add_nic(ctx, s, domid, n);
    if (s)
        mica_store_close(s);
    return rc;
}

/* A vif by id ("1") or by MAC. */
static int find_nic(mica_ctx *ctx, mica_store *s, uint32_t domid, const char *what,
                    unsigned int *devid)
{
    struct mica_device_info *list;
    char *end;
    unsigned long v = strtoul(what, &end, 10);
    int n, rc = -ENODEV;

    if (what[0] >= '0' && what[0] <= '9' && !*end && v < VIF_DEVID_MAX) {
        *devid = (unsigned int)v;
        return 0;
    }
    n = list_with(ctx, s, domid, MICA_DEVICE_VIF, &list);
    if (n < 0)
        return n;
    for (int i = 0; i < n && rc; i++)
        if (!strcasecmp(list[i].mac, what)) {
            *devid = list[i].devid;
            rc = 0;
        }
    free(list);
    return rc ? ctl_fail(ctx, rc, "network-detach: domain %" PRIu32 ": no interface %s "
                         "(a vif id or a MAC)", domid, what) : 0;
}

int mica_device_remove_nic(mica_ctx *ctx, uint32_t domid, const char *what, unsigned int flags)
{
    unsigned int devid = 0;
    mica_store *s;
    char name[32];
    int rc;

    ctl_clear_error(ctx);
    rc = ctl_device_store_open(ctx, "network-detach", &s);
    if (rc)
        return rc;
    rc = find_nic(ctx, s, domid, what, &devid);
    snprintf(name, sizeof(name), "vif %u", devid);
    if (!rc)
        rc = ctl_device_remove(ctx, s, MICA_DEVICE_VIF, domid, devid, name, flags);
    mica_store_close(s);
    return rc;
}

/* ---- create and destroy ---- */

int ctl_devices_create(mica_ctx *ctx, mica_store *s, const struct mica_domain_config *c,
                       uint32_t domid)
{
    int rc = 0;

    for (unsigned int i = 0; i < c->nr_disks && !rc; i++)
        rc = ctl_device_add_disk(ctx, s, domid, &c->disks[i]);
    for (unsigned int i = 0; i < c->nr_nics && !rc; i++)
        rc = ctl_device_add_nic(ctx, s, domid, &c->nics[i]);
    return rc;
}

static void forget_kind(mica_ctx *ctx, mica_store *s, enum mica_device_kind k, uint32_t domid)
{
    struct ctl_dev_paths p;
    unsigned int *ids = NULL;
    int n = list_ids(s, k, domid, &ids);
    char *slash;

    for (int i = 0; i < n; i++)
        ctl_device_remove(ctx, s, k, domid, ids[i], "device", MICA_DEVICE_FORCE);
    free(ids);
    ctl_device_paths(k, domid, 0, &p);
    if ((slash = strrchr(p.be, '/')))
        *slash = '\0';
    mica_store_rm(s, 0, p.be);                  /* /local/domain/0/backend/T/F */
}

int ctl_devices_forget(mica_ctx *ctx, uint32_t domid)
{
    char keep[CTL_ERR_LEN];
    mica_store *s;

    snprintf(keep, sizeof(keep), "%s", mica_last_error(ctx));
    if (mica_store_open(&s))
        return 0;                               /* no store, no devices */
    forget_kind(ctx, s, MICA_DEVICE_VBD, domid);
    forget_kind(ctx, s, MICA_DEVICE_VIF, domid);
    mica_store_close(s);
    ctl_fail(ctx, 0, "%s", keep);               /* best effort: the caller's message stays */
    return 0;
}
