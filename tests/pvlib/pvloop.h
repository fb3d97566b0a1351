/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plumbing of dom0's hostile-frontend tests (tests/pvblk/blkhostile.c,
 * tests/pvnet/nethostile.c): a frontend in dom0 itself, looped back to a
 * backend in dom0 (dom0's pages granted to dom0 through gntalloc, a port
 * bound to dom0 through evtchn), the store nodes it writes and reads, the
 * waits, and the MICA-CHECK result lines. One test program per process:
 * the state is global.
 */
#ifndef MICA_TESTS_PVLOOP_H
#define MICA_TESTS_PVLOOP_H

#include <stdint.h>

#include <micactl.h>

#define PVL_PAGE 4096u
#define PVL_WAIT_MS 30000            /* a state, a response: the longest wait */
#define PVL_GRANT_MAPS "/sys/class/misc/mica-gntdev/grant_maps"

/* dom0's loopback: npages granted to dom0 and mapped, one port for dom0. */
struct pvl_loop {
    uint8_t *pages;
    uint32_t *refs;                  /* npages of them */
    unsigned int npages;
    uint32_t port;
    int evfd;                        /* /dev/mica/evtchn with port bound */
};

extern mica_store *pvl_store;

/* Open the store; name prefixes every result line ("blkhostile"). 0 or -errno. */
int pvl_open(const char *name);
void pvl_close(void);
/* "MICA-CHECK PASS name: what" or "MICA-CHECK FAIL name: what: <fmt>". */
__attribute__((format(printf, 3, 4)))
void pvl_result(int ok, const char *what, const char *fmt, ...);
int pvl_fails(void);

/* dir/node = the formatted value; 0 or -errno. */
__attribute__((format(printf, 3, 4)))
int pvl_put(const char *dir, const char *node, const char *fmt, ...);
/* dir/node as a number, -1 if absent. */
long pvl_get_num(const char *dir, const char *node);
/* dir/state once it is want, or the last seen after PVL_WAIT_MS. */
long pvl_state_wait(const char *dir, long want);
/* The number in a sysfs file, -1 if unreadable. */
long pvl_sysfs_num(const char *path);

/* The loopback of npages (O_NONBLOCK on the event fd if nonblock). 0 or -errno. */
int pvl_loopback(struct pvl_loop *l, unsigned int npages, int nonblock);
void pvl_notify(const struct pvl_loop *l);

#endif
