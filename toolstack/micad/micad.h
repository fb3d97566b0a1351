/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micad: dom0's console logger and lifecycle daemon (docs/toolstack.md).
 * One struct watched per domU: its console log, followed from offset 0,
 * and whether its shutdown has been handled.
 */
#ifndef MICAD_H
#define MICAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "micactl.h"

struct watched {
    uint32_t domid;
    char name[MICA_NAME_MAX + 1];
    uint8_t uuid[16];
    int log_fd;                         /* LOG_DIR/NAME.log, -1 when it could not be opened */
    uint64_t offset;                    /* next console byte to log */
    bool handled;                       /* its shutdown was acted on (or preserved) */
    bool seen;                          /* still in the latest domain list */
    bool read_failed;                   /* the last console read failed (said once) */
    bool at_line_start;                 /* the log's last byte is a newline (or it is empty) */
    struct pvcons *pv;                  /* its PV console while connected (pvcons.c), or NULL */
    bool pv_failed;                     /* it could not be set up: said once, until a reconnect */
    bool pv_watched;                    /* a store watch on its console/state is set */
    struct watched *next;
};

struct micad {
    mica_ctx *ctx;
    const char *log_dir;
    struct watched *doms;
    int exc_fd;                         /* VIRQ_DOM_EXC, -1: poll instead */
    bool once;                          /* one scan, then exit (tests) */
    mica_store *store;                  /* NULL until the store answers */
    bool store_said;                    /* its absence was logged */
};

void micad_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* console_log.c */
int log_open(struct micad *m, struct watched *w);
void log_close(struct watched *w);
void log_note(struct watched *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_follow(struct micad *m, struct watched *w);
void log_write(struct watched *w, const char *p, size_t n);

/* pvcons.c */
struct pollfd;
void pvcons_watch(struct micad *m, struct watched *w);
void pvcons_unwatch(struct micad *m, struct watched *w);
int pvcons_store_fd(struct micad *m);
void pvcons_store_events(struct micad *m);
void pvcons_stop(struct watched *w, const char *why);
void pvcons_service(struct micad *m, struct watched *w);
size_t pvcons_pollfds(struct watched *w, struct pollfd *pfd, size_t max);

/* lifecycle.c */
void lifecycle_shutdown(struct micad *m, struct watched *w, const struct mica_dominfo *info);

#endif
