// SPDX-License-Identifier: GPL-2.0-only
/* micablkback: small store helpers over libmicactl's client (vbd.c's). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_util.h"

int st_read(mica_store *st, const char *dir, const char *node, char **val)
{
    char path[BLKBACK_PATH_MAX * 2];
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    return mica_store_read(st, 0, path, val, &len);
}

int st_read_uint(mica_store *st, const char *dir, const char *node,
                 unsigned long long max, unsigned long long *out)
{
    char *val, *end;
    unsigned long long v;
    int rc = st_read(st, dir, node, &val);

    if (rc < 0)
        return rc;
    errno = 0;
    v = strtoull(val, &end, 10);
    rc = (errno || end == val || *end || val[0] == '-' || v > max) ? -EINVAL : 0;
    free(val);
    if (!rc)
        *out = v;
    return rc;
}


int st_writef(mica_store *st, const char *dir, const char *node, const char *fmt, ...)
{
    char path[BLKBACK_PATH_MAX * 2], val[256];
    va_list ap;
    int n;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    va_start(ap, fmt);
    n = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(val))
        return -EINVAL;
    return mica_store_write(st, 0, path, val, (size_t)n);
}

int st_write_if_there(mica_store *st, const char *dir, const char *node, const char *fmt, ...)
{
    char val[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(val))
        return -EINVAL;
    return mica_store_write_present(st, dir, node, val);
}

enum mica_bus_state st_state(mica_store *st, const char *dir)
{
    unsigned long long v;

    if (st_read_uint(st, dir, "state", MICA_BUS_RECONFIGURED, &v) < 0)
        return MICA_BUS_UNKNOWN;
    return (enum mica_bus_state)v;
}
