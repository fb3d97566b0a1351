// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: the dom0 backend of Mica's PV block devices (docs/pvio.md).
 *
 *   micablkback [-v] [-m copy|map]
 *
 * -m: how request data moves (io.c): GRANT_COPY (default) or mapping.
 * Watches /local/domain/0/backend/vbd in the store and starts a vbd
 * (vbd.c, a thread of its own) for each device directory FE/DEVID that
 * appears; a vbd whose thread has finished is forgotten once its directory
 * is gone, so a device re-attached under the same id starts afresh. It
 * sleeps until a watch event or a vbd's thread finishing (an eventfd).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "micablkback.h"

int blkback_verbose;
static int finished_fd = -1;            /* an eventfd: a vbd's thread finished */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void blkback_log(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&log_lock);
    fputs("micablkback: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

static struct vbd *vbds;

static struct vbd *vbd_find(unsigned int fe, unsigned int devid)
{
    for (struct vbd *v = vbds; v; v = v->next)
        if (v->fe_domid == fe && v->devid == devid)
            return v;
    return NULL;
}

/* A decimal id (no sign, no leading zero unless "0", <= max): 0 or -EINVAL. */
static int parse_id(const char *s, unsigned long max, unsigned int *out)
{
    char *end;
    unsigned long v;

    if (!*s || (s[0] == '0' && s[1]) || s[0] < '0' || s[0] > '9')
        return -EINVAL;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -EINVAL;
    *out = (unsigned int)v;
    return 0;
}

/* Join a finished vbd's thread and free it. */
static void vbd_forget(struct vbd *v)
{
    struct vbd **pp = &vbds;

    while (*pp && *pp != v)
        pp = &(*pp)->next;
    if (*pp)
        *pp = v->next;
    pthread_join(v->thread, NULL);
    close(v->broken_fd);
    blkback_log("vbd %u/%u: gone", v->fe_domid, v->devid);
    free(v);
}

/*
 * A finished vbd whose directory says Initialising again is a new device
 * under the same id (removed and added before we saw it go): start afresh.
 * One that ended Closed (hot-unplug) waits for the toolstack to remove it.
 */
static bool restarted(mica_store *st, const struct vbd *v)
{
    char path[BLKBACK_PATH_MAX + 8], *val = NULL;
    size_t len;
    bool again;

    snprintf(path, sizeof(path), "%s/state", v->be);
    if (mica_store_read(st, 0, path, &val, &len) < 0)
        return false;
    again = strcmp(val, "1") == 0;
    free(val);
    return again;
}

static void scan_frontend(mica_store *st, unsigned int fe)
{
    char path[BLKBACK_PATH_MAX], **devs;
    unsigned int devid;
    int n;

    snprintf(path, sizeof(path), BLKBACK_VBD_ROOT "/%u", fe);
    n = mica_store_directory(st, 0, path, &devs);
    for (int i = 0; i < n; i++) {
        struct vbd *v;

        if (parse_id(devs[i], UINT16_MAX, &devid))
            continue;
        v = vbd_find(fe, devid);
        if (v && v->done && restarted(st, v))
            vbd_forget(v);
        else if (v)
            continue;
        v = vbd_start(fe, devid);
        if (!v) {
            blkback_log("vbd %u/%u: cannot start a thread: %s", fe, devid, strerror(errno));
            continue;
        }
        v->next = vbds;
        vbds = v;
    }
    if (n > 0)
        free(devs);
}

/* True when BLKBACK_VBD_ROOT/FE/DEVID is in the store. */
static bool dir_exists(mica_store *st, const struct vbd *v)
{
    char **names;
    int n = mica_store_directory(st, 0, v->be, &names);

    if (n > 0)
        free(names);
    return n >= 0;
}

/* Join and free finished vbds whose directory is gone. */
static void reap(mica_store *st)
{
    struct vbd **pp = &vbds;

    while (*pp) {
        struct vbd *v = *pp;

        if (!v->done || dir_exists(st, v)) {
            pp = &v->next;
            continue;
        }
        vbd_forget(v);
    }
}

static void scan(mica_store *st)
{
    char **fes;
    unsigned int fe;
    int n = mica_store_directory(st, 0, BLKBACK_VBD_ROOT, &fes);

    for (int i = 0; i < n; i++)
        if (!parse_id(fes[i], MICA_DOMID_MAX, &fe))
            scan_frontend(st, fe);
    if (n > 0)
        free(fes);
    reap(st);
}

void blkback_vbd_finished(void)
{
    uint64_t one = 1;

    if (write(finished_fd, &one, sizeof(one)) < 0)
        blkback_log("waking the main loop: %s", strerror(errno));
}

/* Sleep until a watch event (all taken) or a vbd's thread finished: 0 or -errno. */
static int wait_event(mica_store *st)
{
    struct pollfd p[2] = { { .fd = mica_store_fd(st), .events = POLLIN },
                           { .fd = finished_fd, .events = POLLIN } };
    char *path, *token;
    uint64_t n;
    int rc;

    if (poll(p, 2, -1) < 0)
        return errno == EINTR ? 0 : -errno;
    if ((p[1].revents & POLLIN) && read(finished_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        return -errno;
    while ((rc = mica_store_read_watch(st, 0, &path, &token)) == 0) {
        free(path);
        free(token);
    }
    return rc == -ETIMEDOUT || rc == -EINTR ? 0 : rc;
}

static int run(void)
{
    mica_store *st;
    int rc = mica_store_open(&st);

    if (rc < 0) {
        fprintf(stderr, "mica: micablkback: the store daemon (micastored) is not running: %s\n",
                strerror(-rc));
        return 1;
    }
    finished_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    rc = finished_fd < 0 ? -errno : mica_store_watch(st, BLKBACK_VBD_ROOT, "vbd");
    if (rc < 0) {
        fprintf(stderr, "mica: micablkback: watching %s: %s\n", BLKBACK_VBD_ROOT, strerror(-rc));
        mica_store_close(st);
        return 1;
    }
    blkback_log("serving %s", BLKBACK_VBD_ROOT);
    do {
        scan(st);
        rc = wait_event(st);
    } while (!rc);
    fprintf(stderr, "mica: micablkback: the store connection failed: %s\n", strerror(-rc));
    mica_store_close(st);
    return 1;
}

int main(int argc, char **argv)
{
    int opt;

    while ((opt = getopt(argc, argv, "vm:h")) != -1) {
        switch (opt) {
        case 'v':
            blkback_verbose = 1;
            break;
        case 'm':
            if (strcmp(optarg, "copy") && strcmp(optarg, "map")) {
                fprintf(stderr, "mica: micablkback: -m %s: not copy or map\n", optarg);
                return 2;
            }
            blkback_data_mode = strcmp(optarg, "map") ? BLK_DATA_COPY : BLK_DATA_MAP;
            break;
        default:
            fprintf(stderr, "usage: micablkback [-v] [-m copy|map]\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "mica: micablkback: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    /* A frontend gone mid-write must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return run();
}
