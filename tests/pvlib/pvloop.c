// SPDX-License-Identifier: GPL-2.0-only
/* The hostile-frontend tests' plumbing (pvloop.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/gntalloc.h>

#include "pvloop.h"

#define POLL_MS 50

mica_store *pvl_store;
static const char *pvl_name = "pvloop";
static int pvl_failed;

int pvl_open(const char *name)
{
    pvl_name = name;
    return mica_store_open(&pvl_store);
}

void pvl_close(void)
{
    mica_store_close(pvl_store);
    pvl_store = NULL;
}

void pvl_result(int ok, const char *what, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("MICA-CHECK PASS %s: %s\n", pvl_name, what);
    } else {
        printf("MICA-CHECK FAIL %s: %s: ", pvl_name, what);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        pvl_failed++;
    }
    fflush(stdout);
}

int pvl_fails(void)
{
    return pvl_failed;
}

int pvl_put(const char *dir, const char *node, const char *fmt, ...)
{
    char path[160], val[160];
    va_list ap;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    return mica_store_write(pvl_store, 0, path, val, strlen(val));
}

long pvl_get_num(const char *dir, const char *node)
{
    char path[160], *val = NULL;
    size_t len;
    long v = -1;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    if (!mica_store_read(pvl_store, 0, path, &val, &len))
        v = strtol(val, NULL, 10);
    free(val);
    return v;
}

long pvl_state_wait(const char *dir, long want)
{
    long s = -1;

    for (int ms = 0; ms < PVL_WAIT_MS; ms += POLL_MS) {
        s = pvl_get_num(dir, "state");
        if (s == want)
            break;
        usleep(POLL_MS * 1000);
    }
    return s;
}

long pvl_sysfs_num(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;

    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* npages of dom0's granted to dom0 and mapped here. */
static int grant_pages(struct pvl_loop *l)
{
    struct mica_ioctl_gntalloc_alloc_gref *op;
    size_t size = sizeof(*op) + l->npages * sizeof(uint32_t);
    int ga, rc = 0;

    op = calloc(1, size);
    l->refs = calloc(l->npages, sizeof(uint32_t));
    ga = open(MICA_GNTALLOC_PATH, O_RDWR | O_CLOEXEC);
    if (!op || !l->refs || ga < 0) {
        rc = op && l->refs ? -errno : -ENOMEM;
        goto out;
    }
    op->domid = 0;
    op->flags = MICA_GNTALLOC_WRITABLE;
    op->count = l->npages;
    if (ioctl(ga, MICA_IOCTL_GNTALLOC_ALLOC_GREF, op) < 0) {
        rc = -errno;
        goto out;
    }
    memcpy(l->refs, op->refs, l->npages * sizeof(uint32_t));
    l->pages = mmap(NULL, l->npages * PVL_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga,
                    (off_t)op->index);
    if (l->pages == MAP_FAILED)
        rc = -errno;
out:
    free(op);
    return rc;                       /* ga stays open: the grants live with it */
}

int pvl_loopback(struct pvl_loop *l, unsigned int npages, int nonblock)
{
    struct mica_ioctl_evtchn_bind_unbound ub = { .remote_domain = 0 };
    int rc;

    memset(l, 0, sizeof(*l));
    l->npages = npages;
    rc = grant_pages(l);
    if (rc)
        return rc;
    l->evfd = open(MICA_EVTCHN_PATH, O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
    if (l->evfd < 0)
        return -errno;
    rc = ioctl(l->evfd, MICA_IOCTL_EVTCHN_BIND_UNBOUND, &ub);
    if (rc <= 0)
        return rc < 0 ? -errno : -EIO;
    l->port = (uint32_t)rc;
    return 0;
}

void pvl_notify(const struct pvl_loop *l)
{
    struct mica_ioctl_evtchn_port p = { .port = l->port };

    ioctl(l->evfd, MICA_IOCTL_EVTCHN_NOTIFY, &p);
}
