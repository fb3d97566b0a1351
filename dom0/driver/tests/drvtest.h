/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica-drvtest: what its files share (drvtest.c: the common helpers, main
 * and the privcmd, mmap, evtchn and upcall groups; gnttest.c: the gnt
 * group; fuzz.c: the fuzz group; edutest.c: the edu group).
 */
#ifndef MICA_DRVTEST_H
#define MICA_DRVTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/gntalloc.h>
#include <mica/gntdev.h>
#include <mica/privcmd.h>
#include <public/mica.h>

#define PAGE 4096ul

/* One check: prints "MICA-TEST drv GROUP NAME ok" or "... fail: DETAIL". */
void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void expect_err(long rc, long err, const char *name);

/* privcmd: each returns the result or -errno. */
int open_privcmd(void);
long hc(int fd, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2);
long domctl(int fd, unsigned int sub, struct mica_domctl *d);
long getinfo(int fd, uint16_t domid, struct mica_domctl *d);
long physinfo(int fd, struct mica_sysctl *s);
long destroy_domain(int fd, uint16_t domid);
uint64_t dom0_pages(int fd);
uint64_t free_frames(int fd);

/* Pages filled with a pattern of (domid, gfn), and checked for it. */
uint64_t pattern(uint16_t domid, uint64_t gfn, size_t i);
void fill(uint64_t *p, uint16_t domid, uint64_t gfn);
int same(const uint64_t *p, uint16_t domid, uint64_t gfn);
/* The signal a read or write of addr raises, or 0. */
int touch(volatile char *addr, int write);

long ev_ioctl(int fd, unsigned long cmd, void *arg);

/* gnttest.c */
long sysfs_num(const char *path);
long grant_maps(void);
long deferred_settled(void);
int gnt_alloc(int fd, uint16_t domid, uint16_t flags, uint32_t count, uint32_t *refs,
	      uint64_t *index);
int gnt_dealloc(int fd, uint64_t index, uint32_t count);
int gnt_map(int fd, uint16_t domid, uint32_t count, const uint32_t *refs, uint64_t *index);
int gnt_unmap(int fd, uint64_t index, uint32_t count);
char *gnt_mmap(int fd, uint64_t index, uint32_t count, int prot);
int gnt_mmap_err(int fd, uint64_t index, uint32_t count, int prot);
/* gntcopytest.c */
void gnt_copy_checks(int gd, const uint32_t *refs, char *a);

#define GNT_SYSFS_MAPS "/sys/class/misc/mica-gntdev/grant_maps"
#define GNT_SYSFS_DEFERRED "/sys/class/misc/mica-gntalloc/grants_deferred"

/* The groups beside drvtest.c's own. */
void test_gnt(void);
void test_fuzz(void);
void test_edu(void);
void test_edu_domu(void);

/* edustorm.c: QEMU edu's raise register in a tight loop (0 seconds: once). */
int edu_storm(const char *dir, const char *secs);

#endif
