/* SPDX-License-Identifier: GPL-2.0-only */
/* micablkback: small store helpers (store_util.c). */
#ifndef MICABLKBACK_STORE_UTIL_H
#define MICABLKBACK_STORE_UTIL_H

#include <public/io/bus.h>
#include "micablkback.h"

/* dir/node, malloc'd in *val: 0 or -errno. */
int st_read(mica_store *st, const char *dir, const char *node, char **val);
/* dir/node as a decimal <= max: 0, -EINVAL (not one), or the read's -errno. */
int st_read_uint(mica_store *st, const char *dir, const char *node,
                 unsigned long long max, unsigned long long *out);
__attribute__((format(printf, 4, 5)))
int st_writef(mica_store *st, const char *dir, const char *node, const char *fmt, ...);
/*
 * dir/node, only while dir/state exists (one transaction, as Linux's
 * xenbus_switch_state): a directory the toolstack removed (detach, destroy)
 * is never brought back by a late write. -ENOENT when it is gone.
 */
__attribute__((format(printf, 4, 5)))
int st_write_if_there(mica_store *st, const char *dir, const char *node, const char *fmt, ...);
/* dir/state, MICA_BUS_UNKNOWN when absent or not a state. */
enum mica_bus_state st_state(mica_store *st, const char *dir);

#endif
