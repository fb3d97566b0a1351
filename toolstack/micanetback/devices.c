// SPDX-License-Identifier: GPL-2.0-only
/*
 * micanetback: the store side (io/bus.h, io/netif.h). Every watch event
 * rescans /local/domain/0/backend/vif: a new device gets its tap, its
 * feature keys and InitWait; the frontend's Initialised (or Connected)
 * connects it; Closing/Closed, the toolstack's Closing (hot-unplug) or a
 * hostile producer disconnect it; a directory that is gone (the device
 * detached, the domain destroyed) takes its tap with it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netback.h"

#define BE_ROOT "/local/domain/0/backend/vif"

static struct vif *vifs;

struct vif *devices_first(void)
{
    return vifs;
}

/* dir/node's value (malloc'd) or NULL. */
static char *rd(mica_store *s, const char *dir, const char *node)
{
    char path[256], *val = NULL;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    if (mica_store_read(s, 0, path, &val, &len))
        return NULL;
    return val;
}

__attribute__((format(printf, 4, 5)))
static int wr(mica_store *s, const char *dir, const char *node, const char *fmt, ...)
{
    char val[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    return mica_store_write_present(s, dir, node, val);
}

/* A decimal number <= max, strictly: 0 with *out, or -EINVAL/-ENOENT. */
static int parse_uint(const char *str, unsigned long max, unsigned long *out)
{
    char *end;

    if (!str || !*str || *str == '-' || *str == '+')
        return str ? -EINVAL : -ENOENT;
    errno = 0;
    *out = strtoul(str, &end, 10);
    return *end || errno || *out > max ? -EINVAL : 0;
}

static int rd_uint(mica_store *s, const char *dir, const char *node, unsigned long max,
                   unsigned long *out)
{
    char *val = rd(s, dir, node);
    int rc = parse_uint(val, max, out);

    free(val);
    return rc;
}

static void set_state(mica_store *s, struct vif *v, enum mica_bus_state st)
{
    if (wr(s, v->be_path, "state", "%d", (int)st) == 0)
        v->state = st;
}

/* ---------------------------------------------------------- a new vif */

static bool ifname_ok(const char *n)
{
    size_t i, len = strlen(n);

    if (!len || len >= IFNAMSIZ)
        return false;
    for (i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", n[i]))
            return false;
    return true;
}

static bool mac_ok(const char *m)
{
    unsigned int b[6];
    char tail;

    return m && strlen(m) == 17 &&
           sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                  &tail) == 6 && !(b[0] & 1);
}

/* The MAC key: the toolstack's, else one made from the ids (Xen's OUI). */
static int vif_mac(mica_store *s, struct vif *v)
{
    char *mac = rd(s, v->be_path, "mac");
    int rc = 0;

    if (!mac)
        rc = wr(s, v->be_path, "mac", "00:16:3e:%02x:%02x:%02x", (v->domid >> 8) & 0x7f,
                v->domid & 0xff, v->devid & 0xff);
    else if (!mac_ok(mac))
        rc = -EINVAL;
    free(mac);
    return rc;
}

static int vif_features(mica_store *s, struct vif *v)
{
    static const char *const keys[][2] = {
        { "feature-sg", "1" }, { "feature-rx-copy", "1" },
        { "feature-no-csum-offload", "0" }, { "feature-gso-tcpv4", "0" },
        { "hotplug-status", "connected" },
    };
    unsigned int i;
    int rc = 0;

    for (i = 0; !rc && i < sizeof(keys) / sizeof(keys[0]); i++)
        rc = wr(s, v->be_path, keys[i][0], "%s", keys[i][1]);
    return rc;
}

static int vif_setup(mica_store *s, struct vif *v)
{
    char *fe = rd(s, v->be_path, "frontend"), *br = rd(s, v->be_path, "bridge"), want[64];
    int rc = -ENOENT;

    snprintf(want, sizeof(want), "/local/domain/%u/", v->domid);
    if (!fe || strncmp(fe, want, strlen(want)) || strlen(fe) >= sizeof(v->fe_path))
        goto out;
    snprintf(v->fe_path, sizeof(v->fe_path), "%s", fe);
    snprintf(v->fe_state_path, sizeof(v->fe_state_path), "%s/state", fe);
    rc = -EINVAL;
    if (br && !ifname_ok(br))
        goto out;
    snprintf(v->bridge, sizeof(v->bridge), "%s", br ? br : NB_DEFAULT_BRIDGE);
    rc = vif_mac(s, v);
    if (rc)
        goto out;
    v->tap_fd = nb_tap_open(v->ifname, v->bridge);
    if (v->tap_fd < 0) {
        rc = v->tap_fd;
        goto out;
    }
    rc = vif_features(s, v);
    if (!rc)
        rc = mica_store_watch(s, v->fe_state_path, "fe");
    v->watching = !rc;
    if (!rc)
        set_state(s, v, MICA_BUS_INIT_WAIT);
out:
    free(fe);
    free(br);
    return rc;
}

static struct vif *vif_new(unsigned int domid, unsigned int devid)
{
    struct vif *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->domid = domid;
    v->devid = devid;
    v->tap_fd = v->gnt_fd = -1;
    snprintf(v->be_path, sizeof(v->be_path), BE_ROOT "/%u/%u", domid, devid);
    snprintf(v->ifname, sizeof(v->ifname), "vif%u.%u", domid, devid);
    v->next = vifs;
    vifs = v;
    return v;
}

static void vif_free(mica_store *s, struct vif *v)
{
    struct vif **p;

    vif_disconnect(v);
    nb_tap_close(v->tap_fd, v->ifname);
    if (v->watching)
        mica_store_unwatch(s, v->fe_state_path, "fe");
    for (p = &vifs; *p; p = &(*p)->next) {
        if (*p == v) {
            *p = v->next;
            break;
        }
    }
    nb_log("vif%u.%u: removed", v->domid, v->devid);
    free(v);
}

/* ------------------------------------------------------ the handshake */

void devices_disconnect(mica_store *s, struct vif *v, const char *why)
{
    if (v->connected)
        nb_log("vif%u.%u: disconnected: %s", v->domid, v->devid, why);
    vif_disconnect(v);
    if (v->broken && v->state != MICA_BUS_CLOSING && v->state != MICA_BUS_CLOSED) {
        wr(s, v->be_path, "error", "%s", why);
        set_state(s, v, MICA_BUS_CLOSING);
    }
}

/* The frontend's keys: its rings, its event channel, what it can take. */
static int vif_connect_fe(mica_store *s, struct vif *v)
{
    unsigned long tx, rx, port, copy = 0, sg = 0, nocsum = 0;
    int rc;

    rc = rd_uint(s, v->fe_path, "tx-ring-ref", UINT32_MAX, &tx);
    if (!rc)
        rc = rd_uint(s, v->fe_path, "rx-ring-ref", UINT32_MAX, &rx);
    if (!rc)
        rc = rd_uint(s, v->fe_path, "event-channel", UINT32_MAX, &port);
    if (rc) {
        wr(s, v->be_path, "error", "the frontend's tx-ring-ref, rx-ring-ref or "
           "event-channel is missing or not a number");
        return rc;
    }
    if (rd_uint(s, v->fe_path, "request-rx-copy", 1, &copy) || !copy) {
        wr(s, v->be_path, "error", "request-rx-copy must be 1 (the only RX mode)");
        return -EINVAL;
    }
    if (rd_uint(s, v->fe_path, "feature-sg", 1, &sg) == -EINVAL ||
        rd_uint(s, v->fe_path, "feature-no-csum-offload", 1, &nocsum) == -EINVAL) {
        wr(s, v->be_path, "error", "feature-sg and feature-no-csum-offload are 0 or 1");
        return -EINVAL;
    }
    v->fe_sg = sg;
    v->fe_csum = !nocsum;
    rc = vif_connect(v, (uint32_t)tx, (uint32_t)rx, (uint32_t)port);
    if (rc) {
        wr(s, v->be_path, "error", "mapping the rings or binding event channel %lu: %s",
           port, strerror(-rc));
        return rc;
    }
    nb_log("vif%u.%u: connected (tx ref %lu, rx ref %lu, port %lu -> %u, sg %lu) on %s",
           v->domid, v->devid, tx, rx, port, v->port, sg, v->bridge);
    return 0;
}

static enum mica_bus_state fe_state(mica_store *s, struct vif *v)
{
    unsigned long st;

    if (rd_uint(s, v->fe_path, "state", MICA_BUS_RECONFIGURED, &st))
        return MICA_BUS_UNKNOWN;
    return (enum mica_bus_state)st;
}

/* One look at both states: do what the handshake says next. */
static void vif_step(mica_store *s, struct vif *v)
{
    enum mica_bus_state fe = fe_state(s, v);
    unsigned long ours = v->state;

    /* The toolstack's hot-unplug writes our state Closing. */
    if (!rd_uint(s, v->be_path, "state", MICA_BUS_RECONFIGURED, &ours) &&
        ours == MICA_BUS_CLOSING && v->state != MICA_BUS_CLOSING) {
        v->state = MICA_BUS_CLOSING;
        devices_disconnect(s, v, "closed by the toolstack");
    }
    switch (fe) {
    case MICA_BUS_INITIALISED:
    case MICA_BUS_CONNECTED:
        if (v->connected || v->broken || v->state != MICA_BUS_INIT_WAIT)
            break;
        if (vif_connect_fe(s, v))
            set_state(s, v, MICA_BUS_CLOSING);
        else
            set_state(s, v, MICA_BUS_CONNECTED);
        break;
    case MICA_BUS_CLOSING:
        devices_disconnect(s, v, "the frontend is closing");
        if (v->state != MICA_BUS_CLOSED)
            set_state(s, v, MICA_BUS_CLOSING);
        break;
    case MICA_BUS_CLOSED:
        devices_disconnect(s, v, "the frontend closed");
        if (v->state != MICA_BUS_CLOSED)
            set_state(s, v, MICA_BUS_CLOSED);
        break;
    case MICA_BUS_INITIALISING:
    case MICA_BUS_UNKNOWN:
        /* A frontend starting (again): offer the device once more. */
        if (v->state == MICA_BUS_CLOSED && ours != MICA_BUS_CLOSING) {
            v->broken = false;
            set_state(s, v, MICA_BUS_INIT_WAIT);
        }
        break;
    default:
        break;
    }
}

/* --------------------------------------------------------------- scan */

static struct vif *vif_find(unsigned int domid, unsigned int devid)
{
    struct vif *v;

    for (v = vifs; v; v = v->next)
        if (v->domid == domid && v->devid == devid)
            return v;
    return NULL;
}

static void scan_device(mica_store *s, unsigned int domid, unsigned int devid)
{
    struct vif *v = vif_find(domid, devid);
    int rc;

    if (!v) {
        v = vif_new(domid, devid);
        if (!v)
            return;
        rc = vif_setup(s, v);
        if (rc) {
            nb_log("vif%u.%u: not set up: %s", domid, devid, strerror(-rc));
            v->seen = true;
            v->state = MICA_BUS_CLOSED;
            return;
        }
        nb_log("vif%u.%u: %s on bridge %s, waiting for the frontend", domid, devid,
               v->ifname, v->bridge);
    }
    v->seen = true;
    if (v->tap_fd >= 0)
        vif_step(s, v);
}

static void scan_domain(mica_store *s, const char *name)
{
    unsigned long domid, devid;
    char dir[128], **devs;
    int n, i;

    /* Domain 0 may be a frontend too (a loopback, as mica-nethostile is). */
    if (parse_uint(name, MICA_DOMID_MAX, &domid))
        return;
    snprintf(dir, sizeof(dir), BE_ROOT "/%lu", domid);
    n = mica_store_directory(s, 0, dir, &devs);
    for (i = 0; i < n; i++)
        if (!parse_uint(devs[i], 65535, &devid))
            scan_device(s, (unsigned int)domid, (unsigned int)devid);
    if (n > 0)
        free(devs);
}

void devices_scan(mica_store *s)
{
    struct vif *v, *next;
    char **doms;
    int n, i;

    for (v = vifs; v; v = v->next)
        v->seen = false;
    n = mica_store_directory(s, 0, BE_ROOT, &doms);
    for (i = 0; i < n; i++)
        scan_domain(s, doms[i]);
    if (n > 0)
        free(doms);
    for (v = vifs; v; v = next) {
        next = v->next;
        if (!v->seen)
            vif_free(s, v);
    }
}

int devices_init(mica_store *s)
{
    return mica_store_watch(s, BE_ROOT, "be");
}

void devices_shutdown(mica_store *s)
{
    while (vifs) {
        devices_disconnect(s, vifs, "micanetback is stopping");
        set_state(s, vifs, MICA_BUS_CLOSED);
        vif_free(s, vifs);
    }
}
