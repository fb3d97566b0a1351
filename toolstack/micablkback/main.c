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
 * is gone, so a device re-attached under the same id starts afresh.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "micablkback.h"

int blkback_verbose;
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

static void scan_frontend(mica_store *st, unsigned int fe)
{
    char path[BLKBACK_PATH_MAX], **devs;
    unsigned int devid;
    int n;

    snprintf(path, sizeof(path), BLKBACK_VBD_ROOT "/%u", fe);
    n = mica_store_directory(st, 0, path, &devs);
    for (int i = 0; i < n; i++) {
        struct vbd *v;

        if (parse_id(devs[i], UINT16_MAX, &devid) || vbd_find(fe, devid))
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
        pthread_join(v->thread, NULL);
        close(v->broken_fd);
        *pp = v->next;
        blkback_log("vbd %u/%u: gone", v->fe_domid, v->devid);
        free(v);
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

static int run(void)
{
    mica_store *st;
    char *path, *token;
    int rc = mica_store_open(&st);

    if (rc < 0) {
        fprintf(stderr, "mica: micablkback: the store daemon (micastored) is not running: %s\n",
                strerror(-rc));
        return 1;
    }
    rc = mica_store_watch(st, BLKBACK_VBD_ROOT, "vbd");
    if (rc < 0) {
        fprintf(stderr, "mica: micablkback: watching %s: %s\n", BLKBACK_VBD_ROOT, strerror(-rc));
        mica_store_close(st);
        return 1;
    }
    blkback_log("serving %s", BLKBACK_VBD_ROOT);
    for (;;) {
        scan(st);
        rc = mica_store_read_watch(st, -1, &path, &token);
        if (rc < 0 && rc != -ETIMEDOUT && rc != -EINTR)
            break;
        if (!rc) {
            free(path);
            free(token);
        }
    }
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
