// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: one virtual block device, its half of the bus handshake
 * (io/bus.h) in a thread of its own with its own store connection, so a
 * slow or hostile device never holds up another.
 *
 *   open params, write the feature keys, InitWait;
 *   frontend Initialised -> map its ring(s), bind its port(s), Connected;
 *   frontend Closing, a broken ring, online = "0" -> every queue finishes
 *   the request in hand, unmaps and unbinds, then Closing/Closed;
 *   frontend Initialising again after Closed -> InitWait (a module reload);
 *   our directory gone, or online = "0" -> the thread ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store_util.h"

#define SECTOR 512u

static int disk_size(struct vbd *v, uint64_t *bytes)
{
    struct stat st;

    if (fstat(v->disk_fd, &st) < 0)
        return -errno;
    if (S_ISREG(st.st_mode)) {
        *bytes = (uint64_t)st.st_size;
        return 0;
    }
    if (!S_ISBLK(st.st_mode))
        return -ENOTBLK;
    v->is_block = true;
    return ioctl(v->disk_fd, BLKGETSIZE64, bytes) < 0 ? -errno : 0;
}

/* params (a file or block device) and mode ("r" read-only, else "w"). */
static int disk_open(struct vbd *v)
{
    char *params = NULL, *mode = NULL;
    uint64_t bytes = 0;
    int rc;

    rc = st_read(v->st, v->be, "params", &params);
    if (rc < 0)
        goto out;
    if (st_read(v->st, v->be, "mode", &mode) == 0 && strcmp(mode, "r") == 0)
        v->disk.readonly = true;
    v->disk_fd = open(params, (v->disk.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (v->disk_fd < 0) {
        rc = -errno;
        blkback_log("vbd %u/%u: %s: %s", v->fe_domid, v->devid, params, strerror(errno));
        goto out;
    }
    rc = disk_size(v, &bytes);
    v->disk.sectors = bytes / SECTOR;
    v->disk.discard = !v->is_block && !v->disk.readonly;
out:
    free(params);
    free(mode);
    return rc;
}

/* The keys io/blkif.h has the backend write before InitWait. */
static int write_features(struct vbd *v)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned int queues = cpus < 1 ? 1u : cpus > BLKBACK_MAX_QUEUES ? BLKBACK_MAX_QUEUES : (unsigned int)cpus;
    int rc = 0;

    rc |= st_writef(v->st, v->be, "sectors", "%" PRIu64, v->disk.sectors);
    rc |= st_writef(v->st, v->be, "sector-size", "%u", SECTOR);
    rc |= st_writef(v->st, v->be, "info", "%u", v->disk.readonly ? MICA_VDISK_READONLY : 0);
    rc |= st_writef(v->st, v->be, "feature-flush-cache", "1");
    rc |= st_writef(v->st, v->be, "feature-discard", "%u", v->disk.discard);
    if (v->disk.discard) {
        rc |= st_writef(v->st, v->be, "discard-granularity", "4096");
        rc |= st_writef(v->st, v->be, "discard-alignment", "0");
    }
    rc |= st_writef(v->st, v->be, "feature-max-indirect-segments", "%u", BLK_MAX_INDIRECT_SEGS);
    rc |= st_writef(v->st, v->be, "multi-queue-max-queues", "%u", queues);
    /* Grants are mapped per request (one batch each), not kept. */
    rc |= st_writef(v->st, v->be, "feature-persistent", "0");
    return rc ? -EIO : 0;
}

static int set_state(struct vbd *v, enum mica_bus_state s)
{
    blkback_dbg("vbd %u/%u: state %d", v->fe_domid, v->devid, s);
    return st_write_if_there(v->st, v->be, "state", "%d", (int)s);
}

static void fatal(struct vbd *v, int err, const char *what)
{
    blkback_log("vbd %u/%u: %s: %s", v->fe_domid, v->devid, what, strerror(-err));
    st_write_if_there(v->st, v->be, "error", "%d %s", -err, what);
    set_state(v, MICA_BUS_CLOSING);
}

static void disconnect(struct vbd *v)
{
    for (unsigned int i = 0; i < v->nr_queues; i++)
        queue_disconnect(&v->q[i]);
    if (v->nr_queues)
        blkback_log("vbd %u/%u: disconnected", v->fe_domid, v->devid);
    v->nr_queues = 0;
}

/* One queue's ring-ref and event-channel, from dir (the frontend's or queue-N). */
static int queue_keys(struct vbd *v, struct blk_queue *q, const char *dir)
{
    unsigned long long ref, port;
    int rc;

    rc = st_read_uint(v->st, dir, "ring-ref", UINT32_MAX, &ref);
    if (!rc)
        rc = st_read_uint(v->st, dir, "event-channel", UINT32_MAX, &port);
    if (rc)
        return rc;
    q->ring_ref = (uint32_t)ref;
    q->remote_port = (uint32_t)port;
    return 0;
}

/* How many queues, protocol and ring-page-order as this backend speaks them. */
static int frontend_layout(struct vbd *v, unsigned long long *nq)
{
    unsigned long long order = 0;
    char *proto = NULL;
    int rc;

    rc = st_read_uint(v->st, v->fe, "multi-queue-num-queues", BLKBACK_MAX_QUEUES, nq);
    if (rc == -ENOENT)
        *nq = 1, rc = 0;
    if (rc || *nq == 0)
        return -EINVAL;
    rc = st_read_uint(v->st, v->fe, "ring-page-order", 0, &order);
    if (rc && rc != -ENOENT)
        return -EINVAL;
    if (st_read(v->st, v->fe, "protocol", &proto) == 0) {
        rc = strcmp(proto, "x86_64-abi") ? -EPROTONOSUPPORT : 0;
        free(proto);
        return rc;
    }
    return 0;
}

static int connect_queues(struct vbd *v)
{
    char dir[BLKBACK_PATH_MAX + 16];
    unsigned long long nq;
    int rc = frontend_layout(v, &nq);

    for (unsigned int i = 0; !rc && i < nq; i++) {
        struct blk_queue *q = &v->q[i];

        memset(q, 0, sizeof(*q));
        q->vbd = v;
        q->index = i;
        if (nq == 1)
            snprintf(dir, sizeof(dir), "%s", v->fe);
        else
            snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe, i);
        rc = queue_keys(v, q, dir);
        if (!rc)
            rc = queue_connect(q);
        if (!rc)
            v->nr_queues = i + 1;
    }
    if (rc)
        disconnect(v);
    else
        blkback_log("vbd %u/%u: connected, %llu queue(s), %" PRIu64 " sectors%s", v->fe_domid,
                    v->devid, nq, v->disk.sectors, v->disk.readonly ? ", read-only" : "");
    return rc;
}

enum unplug { PLUGGED, UNPLUG_OFFLINE, UNPLUG_GONE };

/* online = "0" (hot-unplug), or our directory removed: the device goes. */
static enum unplug unplugged(struct vbd *v)
{
    unsigned long long online;
    int rc = st_read_uint(v->st, v->be, "online", 1, &online);

    if (rc == -ENOENT) {
        char *val = NULL;

        /* No online key is "online"; no frontend-id is a directory gone. */
        rc = st_read(v->st, v->be, "frontend-id", &val);
        free(val);
        return rc == -ENOENT ? UNPLUG_GONE : PLUGGED;
    }
    return rc == 0 && online == 0 ? UNPLUG_OFFLINE : PLUGGED;
}

/* One look at both sides; false when the device is finished. */
static bool step(struct vbd *v, enum mica_bus_state *ours)
{
    enum mica_bus_state fe = st_state(v->st, v->fe);
    enum unplug gone = unplugged(v);

    if (gone != PLUGGED) {
        disconnect(v);
        /* Only while the directory is there: the toolstack may remove it
         * meanwhile (a forced detach, the domain destroyed). */
        if (gone == UNPLUG_OFFLINE)
            set_state(v, MICA_BUS_CLOSED);
        return false;
    }
    switch (fe) {
    case MICA_BUS_INITIALISED:
    case MICA_BUS_CONNECTED:
        if (*ours == MICA_BUS_INIT_WAIT) {
            int rc = connect_queues(v);

            if (rc) {
                fatal(v, rc, "mapping the frontend's rings");
                *ours = MICA_BUS_CLOSING;
                break;
            }
            *ours = MICA_BUS_CONNECTED;
            set_state(v, *ours);
        }
        break;
    case MICA_BUS_INITIALISING:
        if (*ours == MICA_BUS_CLOSED) {
            *ours = MICA_BUS_INIT_WAIT;     /* the frontend starts again */
            set_state(v, *ours);
        }
        break;
    case MICA_BUS_CLOSING:
    case MICA_BUS_CLOSED:
    case MICA_BUS_UNKNOWN:
    default:
        if (*ours == MICA_BUS_CONNECTED || *ours == MICA_BUS_CLOSING) {
            disconnect(v);
            *ours = fe == MICA_BUS_CLOSING ? MICA_BUS_CLOSING : MICA_BUS_CLOSED;
            set_state(v, *ours);
        }
        if (*ours == MICA_BUS_CLOSING && fe != MICA_BUS_CLOSING) {
            *ours = MICA_BUS_CLOSED;
            set_state(v, *ours);
        }
        break;
    }
    return true;
}

/* Drain the store's watch events (the state is read afresh by step()). */
static int drain_watches(struct vbd *v)
{
    char *path, *token;
    int rc;

    while ((rc = mica_store_read_watch(v->st, 0, &path, &token)) == 0) {
        free(path);
        free(token);
    }
    return rc == -ETIMEDOUT || rc == -EAGAIN ? 0 : rc;
}

/* A queue broke its ring (an impossible producer): the device closes. */
static void ring_broken(struct vbd *v, enum mica_bus_state *ours)
{
    uint64_t n;

    if (read(v->broken_fd, &n, sizeof(n)) < 0)
        return;
    disconnect(v);
    fatal(v, -EPROTO, "the frontend broke the ring protocol");
    *ours = MICA_BUS_CLOSING;
}

static void serve(struct vbd *v)
{
    enum mica_bus_state ours = MICA_BUS_INIT_WAIT;
    char fe_state[BLKBACK_PATH_MAX + 8];
    struct pollfd p[2];

    snprintf(fe_state, sizeof(fe_state), "%s/state", v->fe);
    if (mica_store_watch(v->st, fe_state, "fe") < 0) {
        fatal(v, -EIO, "watching the frontend's state");
        return;
    }
    set_state(v, ours);
    while (step(v, &ours)) {
        p[0] = (struct pollfd){ .fd = mica_store_fd(v->st), .events = POLLIN };
        p[1] = (struct pollfd){ .fd = v->broken_fd, .events = POLLIN };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN)
            ring_broken(v, &ours);
        if ((p[0].revents & POLLIN) && drain_watches(v) < 0) {
            blkback_log("vbd %u/%u: the store connection failed", v->fe_domid, v->devid);
            break;
        }
    }
    disconnect(v);
}

/*
 * The toolstack writes the device's nodes one by one, its state last:
 * wait (on the watch of our directory) until that state is there. -ENOENT
 * when the directory goes first.
 */
static bool be_exists(struct vbd *v)
{
    char **names;
    int n = mica_store_directory(v->st, 0, v->be, &names);

    if (n > 0)
        free(names);
    return n >= 0;
}

static int wait_ready(struct vbd *v)
{
    char *val = NULL, *path, *token;
    int rc;

    for (;;) {
        rc = st_read(v->st, v->be, "state", &val);
        free(val);
        val = NULL;
        if (rc == 0)
            return 0;
        if (rc != -ENOENT)
            return rc;
        if (!be_exists(v))
            return -ENOENT;
        rc = mica_store_read_watch(v->st, -1, &path, &token);
        if (rc < 0 && rc != -ETIMEDOUT && rc != -EINTR)
            return rc;
        if (rc == 0) {
            free(path);
            free(token);
        }
    }
}

/* frontend must be the frontend's own device directory, as io/bus.h lays it out. */
static int read_frontend(struct vbd *v)
{
    char want[BLKBACK_PATH_MAX], *fe = NULL;
    int rc = st_read(v->st, v->be, "frontend", &fe);

    if (rc < 0)
        return rc;
    snprintf(want, sizeof(want), "/local/domain/%u/device/vbd/%u", v->fe_domid, v->devid);
    rc = strcmp(fe, want) ? -EINVAL : 0;
    if (!rc)
        snprintf(v->fe, sizeof(v->fe), "%s", fe);
    free(fe);
    return rc;
}

static void *vbd_thread(void *arg)
{
    struct vbd *v = arg;
    int rc = mica_store_open(&v->st);

    if (rc < 0) {
        blkback_log("vbd %u/%u: the store: %s", v->fe_domid, v->devid, strerror(-rc));
        goto out;
    }
    rc = mica_store_watch(v->st, v->be, "be");
    if (!rc)
        rc = wait_ready(v);
    if (rc) {
        blkback_log("vbd %u/%u: gone before it was ready: %s", v->fe_domid, v->devid,
                    strerror(-rc));
        goto out;
    }
    rc = read_frontend(v);
    if (rc) {
        fatal(v, rc, "reading the frontend node");
        goto out;
    }
    rc = disk_open(v);
    if (!rc)
        rc = write_features(v);
    if (rc) {
        fatal(v, rc, "opening params");
        goto out;
    }
    serve(v);
out:
    if (v->disk_fd >= 0)
        close(v->disk_fd);
    if (v->st)
        mica_store_close(v->st);
    v->st = NULL;
    v->done = true;
    blkback_vbd_finished();
    return NULL;
}

struct vbd *vbd_start(unsigned int fe_domid, unsigned int devid)
{
    struct vbd *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->fe_domid = fe_domid;
    v->devid = devid;
    v->disk_fd = -1;
    snprintf(v->be, sizeof(v->be), BLKBACK_VBD_ROOT "/%u/%u", fe_domid, devid);
    v->broken_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (v->broken_fd < 0 || pthread_create(&v->thread, NULL, vbd_thread, v)) {
        if (v->broken_fd >= 0)
            close(v->broken_fd);
        free(v);
        return NULL;
    }
    blkback_log("vbd %u/%u: started", fe_domid, devid);
    return v;
}
