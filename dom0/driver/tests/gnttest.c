// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest gnt: /dev/mica/gntdev and /dev/mica/gntalloc in a loopback
 * through dom0 itself (dom0 grants its pages to domain 0 and maps its own
 * grants), every errno of docs/dom0-driver.md's tables, the deferred
 * revoke, the limits, and that closing and exiting release everything.
 */
#include "drvtest.h"

#define GNT_PAGES 4

/* Patterns: one per grant reference, and per direction. */
#define GNT_TO_MAP 0xa110
#define GNT_TO_ALLOC 0x3a90

struct gnt_env {
	int pfd, ga, gd;		/* privcmd, gntalloc, gntdev */
};

/* A number from a sysfs file, or -1. */
long sysfs_num(const char *path)
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

long grant_maps(void)
{
	return sysfs_num(GNT_SYSFS_MAPS);
}

/* The deferred count once it is 0, or what it still is after 10 s. */
long deferred_settled(void)
{
	long v = sysfs_num(GNT_SYSFS_DEFERRED);
	int i;

	for (i = 0; i < 100 && v != 0; i++) {
		usleep(100000);
		v = sysfs_num(GNT_SYSFS_DEFERRED);
	}
	return v;
}

/* ALLOC_GREF: 0 with refs[] and *index, or -errno. */
int gnt_alloc(int fd, uint16_t domid, uint16_t flags, uint32_t count,
		     uint32_t *refs, uint64_t *index)
{
	struct mica_ioctl_gntalloc_alloc_gref *op = calloc(1, sizeof(*op) + count * 4ul);
	int rc;

	if (!op)
		return -ENOMEM;
	op->domid = domid;
	op->flags = flags;
	op->count = count;
	rc = ioctl(fd, MICA_IOCTL_GNTALLOC_ALLOC_GREF, op) < 0 ? -errno : 0;
	if (!rc) {
		memcpy(refs, op->refs, count * 4ul);
		*index = op->index;
	}
	free(op);
	return rc;
}

int gnt_dealloc(int fd, uint64_t index, uint32_t count)
{
	struct mica_ioctl_gntalloc_dealloc_gref op = { .index = index, .count = count };

	return ioctl(fd, MICA_IOCTL_GNTALLOC_DEALLOC_GREF, &op) < 0 ? -errno : 0;
}

/* MAP_GRANT_REF: 0 with *index, or -errno. */
int gnt_map(int fd, uint16_t domid, uint32_t count, const uint32_t *refs,
		   uint64_t *index)
{
	struct mica_ioctl_gntdev_map_grant_ref *op = calloc(1, sizeof(*op) + count * 4ul);
	int rc;

	if (!op)
		return -ENOMEM;
	op->domid = domid;
	op->count = count;
	memcpy(op->refs, refs, count * 4ul);
	rc = ioctl(fd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, op) < 0 ? -errno : 0;
	if (!rc)
		*index = op->index;
	free(op);
	return rc;
}

int gnt_unmap(int fd, uint64_t index, uint32_t count)
{
	struct mica_ioctl_gntdev_unmap_grant_ref op = { .index = index, .count = count };

	return ioctl(fd, MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF, &op) < 0 ? -errno : 0;
}

/* mmap() of count pages of fd at index: the address, or NULL (errno set). */
char *gnt_mmap(int fd, uint64_t index, uint32_t count, int prot)
{
	char *p = mmap(NULL, count * PAGE, prot, MAP_SHARED, fd, (off_t)index);

	return p == MAP_FAILED ? NULL : p;
}

/* The errno mmap() of fd at index fails with, or 0 if it mapped. */
int gnt_mmap_err(int fd, uint64_t index, uint32_t count, int prot)
{
	char *p = gnt_mmap(fd, index, count, prot);

	if (!p)
		return errno;
	munmap(p, count * PAGE);
	return 0;
}

/* Record refs in gntdev and mmap them: 0, or -errno of the first to fail. */
static int gnt_map_mmap_err(int fd, uint16_t domid, uint32_t count, const uint32_t *refs,
			    int prot, uint64_t *index)
{
	int rc = gnt_map(fd, domid, count, refs, index);

	return rc ? rc : -gnt_mmap_err(fd, *index, count, prot);
}

/* Record refs (granter domid) in gntdev and mmap them: the address or NULL. */
static char *gnt_map_mmap(int fd, uint16_t domid, uint32_t count, const uint32_t *refs,
			  int prot, uint64_t *index)
{
	if (gnt_map(fd, domid, count, refs, index))
		return NULL;
	return gnt_mmap(fd, *index, count, prot);
}

static void fill_all(char *p, uint16_t tag, const uint32_t *refs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		fill((uint64_t *)(p + i * PAGE), tag, refs[i]);
}

/* How many of the n pages at p do not hold their pattern. */
static int differ_all(const char *p, uint16_t tag, const uint32_t *refs, uint32_t n)
{
	uint32_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad += !same((const uint64_t *)(p + i * PAGE), tag, refs[i]);
	return bad;
}

static int zeroed(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * dom0's first grant map makes its maptrack in the hypervisor, kept until
 * dom0 dies (docs/abi.md 3.1): do one before the frame counts are taken.
 */
static void gnt_warm_up(struct gnt_env *e)
{
	uint64_t ai = ~0ull, di = ~0ull;
	uint32_t ref;
	char *p = NULL;
	int rc;

	rc = gnt_alloc(e->ga, 0, MICA_GNTALLOC_WRITABLE, 1, &ref, &ai);
	if (!rc)
		p = gnt_map_mmap(e->gd, 0, 1, &ref, PROT_READ, &di);
	check(!rc && p, "warm-up-map", "alloc %d, map: %s", rc, p ? "ok" : strerror(errno));
	if (p)
		munmap(p, PAGE);
	gnt_unmap(e->gd, di, 1);
	gnt_dealloc(e->ga, ai, 1);
}

/* Read-write mappings of both sides: what one writes the other reads. */
static void gnt_loopback(struct gnt_env *e, uint32_t *refs, uint64_t *ai, char **a,
			 uint64_t *di, char **d)
{
	uint64_t pages0 = dom0_pages(e->pfd);
	long maps0 = grant_maps();
	int rc, i, distinct = 1;

	rc = gnt_alloc(e->ga, 0, MICA_GNTALLOC_WRITABLE, GNT_PAGES, refs, ai);
	for (i = 1; i < GNT_PAGES; i++)
		distinct &= refs[i] != refs[0];
	check(rc == 0 && !(*ai % PAGE) && distinct, "alloc-gref",
	      "rc %d index %#llx refs %u %u %u %u", rc, (unsigned long long)*ai,
	      refs[0], refs[1], refs[2], refs[3]);
	*a = gnt_mmap(e->ga, *ai, GNT_PAGES, PROT_READ | PROT_WRITE);
	check(*a && zeroed(*a, GNT_PAGES * PAGE), "alloc-mmap-zeroed", "%s",
	      *a ? "a page is not zeroed" : strerror(errno));
	rc = gnt_map(e->gd, 0, GNT_PAGES, refs, di);
	check(rc == 0 && !(*di % PAGE), "map-grant-ref", "rc %d index %#llx", rc,
	      (unsigned long long)*di);
	*d = gnt_mmap(e->gd, *di, GNT_PAGES, PROT_READ | PROT_WRITE);
	check(*d != NULL, "map-mmap-rw", "%s", strerror(errno));
	if (!*a || !*d)
		return;
	check(grant_maps() == maps0 + GNT_PAGES && dom0_pages(e->pfd) == pages0 - GNT_PAGES,
	      "map-mmap-maps-over-holes", "grant maps %ld (before %ld), dom0 pages %llu (before %llu)",
	      grant_maps(), maps0, (unsigned long long)dom0_pages(e->pfd),
	      (unsigned long long)pages0);
	fill_all(*a, GNT_TO_MAP, refs, GNT_PAGES);
	rc = differ_all(*d, GNT_TO_MAP, refs, GNT_PAGES);
	check(!rc, "alloc-writes-map-reads", "%d pages differ", rc);
	fill_all(*d, GNT_TO_ALLOC, refs, GNT_PAGES);
	rc = differ_all(*a, GNT_TO_ALLOC, refs, GNT_PAGES);
	check(!rc, "map-writes-alloc-reads", "%d pages differ", rc);
}

/* A read-only mmap() of gntdev maps read-only: writes end in SIGSEGV. */
static void gnt_readonly_map(struct gnt_env *e, const uint32_t *refs)
{
	uint64_t di;
	char *p = gnt_map_mmap(e->gd, MICA_DOMID_SELF, GNT_PAGES, refs, PROT_READ, &di);

	check(p && !differ_all(p, GNT_TO_ALLOC, refs, GNT_PAGES), "map-readonly-reads",
	      "%s", p ? "pages differ" : strerror(errno));
	if (!p)
		return;
	check(touch(p + PAGE, 1) == SIGSEGV, "map-readonly-write-sigsegv",
	      "a write through the read-only grant mapping did not end in SIGSEGV");
	check(mprotect(p, GNT_PAGES * PAGE, PROT_READ | PROT_WRITE) == -1,
	      "map-readonly-mprotect-refused",
	      "a read-only grant mapping became writable");
	check(munmap(p, PAGE) == -1 && errno == EINVAL, "map-munmap-part-refused",
	      "munmap of one page of four: %s", strerror(errno));
	expect_err(-gnt_mmap_err(e->gd, di, GNT_PAGES, PROT_READ), EBUSY,
		   "map-mmap-twice-ebusy");
	munmap(p, GNT_PAGES * PAGE);
	check(gnt_unmap(e->gd, di, GNT_PAGES) == 0, "unmap-grant-ref", "%s", strerror(errno));
}

/* A read-only grant maps read-only, and refuses a writable mmap(). */
static void gnt_readonly_grant(struct gnt_env *e)
{
	uint64_t ai = ~0ull, di = ~0ull;
	uint32_t ref;
	char *a, *d = NULL;
	int rc;

	rc = gnt_alloc(e->ga, MICA_DOMID_SELF, 0, 1, &ref, &ai);
	a = rc ? NULL : gnt_mmap(e->ga, ai, 1, PROT_READ | PROT_WRITE);
	check(a != NULL, "alloc-readonly-grant", "rc %d: %s", rc, strerror(errno));
	if (!a)
		return;
	fill((uint64_t *)a, GNT_TO_MAP, ref);
	rc = gnt_map(e->gd, 0, 1, &ref, &di);
	expect_err(rc ? rc : -gnt_mmap_err(e->gd, di, 1, PROT_READ | PROT_WRITE), EACCES,
		   "readonly-grant-writable-mmap-eacces");
	if (!rc)
		d = gnt_mmap(e->gd, di, 1, PROT_READ);
	check(d && same((uint64_t *)d, GNT_TO_MAP, ref), "readonly-grant-reads",
	      "%s", d ? "page differs" : strerror(errno));
	if (d)
		munmap(d, PAGE);
	gnt_unmap(e->gd, di, 1);
	munmap(a, PAGE);
	check(gnt_dealloc(e->ga, ai, 1) == 0, "dealloc-gref", "%s", strerror(errno));
}

/*
 * An argument whose header is readable but whose refs[] runs into an
 * unmapped page: the header at the end of buf's first page.
 */
static void *gnt_edge_arg(char *buf, size_t header)
{
	return buf + PAGE - header;
}

static void gnt_map_errors(struct gnt_env *e, const uint32_t *refs)
{
	uint32_t many[MICA_GNTDEV_MAP_MAX + 1] = { 0 }, bad;
	char *edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	struct mica_ioctl_gntdev_map_grant_ref *op;
	uint64_t di = ~0ull, i2 = ~0ull;
	long pages0 = dom0_pages(e->pfd), maps0 = grant_maps();
	int fd;

	expect_err(gnt_map(e->gd, 0, 0, refs, &di), EINVAL, "map-count-0");
	expect_err(gnt_map(e->gd, 0, MICA_GNTDEV_MAP_MAX + 1, many, &di), EINVAL,
		   "map-count-too-big");
	expect_err(gnt_map(e->gd, 0x7ff5, 1, refs, &di), EINVAL, "map-bad-domid");
	expect_err(ev_ioctl(e->gd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, (void *)8), EFAULT,
		   "map-efault-argument");
	mprotect(edge + PAGE, PAGE, PROT_NONE);
	op = gnt_edge_arg(edge, sizeof(*op));
	*op = (struct mica_ioctl_gntdev_map_grant_ref){ .count = 1 };
	expect_err(ev_ioctl(e->gd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, op), EFAULT,
		   "map-efault-refs");
	op->pad = 1;
	expect_err(ev_ioctl(e->gd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, op), EINVAL, "map-pad");
	munmap(edge, 2 * PAGE);
	/* Each mmap() below fails: nothing of dom0's may be left a hole. */
	bad = MICA_GNTTAB_ENTRIES_PER_FRAME * MICA_GNTTAB_MAX_FRAMES + 7;
	expect_err(gnt_map_mmap_err(e->gd, 0, 1, &bad, PROT_READ, &di),
		   EINVAL, "mmap-ref-beyond-table-einval");
	gnt_unmap(e->gd, di, 1);
	bad = refs[0] + 1000;	/* in the table, never granted */
	expect_err(gnt_map_mmap_err(e->gd, 0, 1, &bad, PROT_READ, &di),
		   ENOENT, "mmap-ref-not-granted-enoent");
	gnt_unmap(e->gd, di, 1);
	expect_err(gnt_map_mmap_err(e->gd, 0x7000, 1, refs, PROT_READ, &di), ESRCH,
		   "mmap-no-such-granter-esrch");
	/* Three good grants and a bad one: none stays mapped. */
	memcpy(many, refs, 3 * sizeof(*refs));
	many[3] = bad;
	expect_err(gnt_map_mmap_err(e->gd, 0, 4, many, PROT_READ, &i2),
		   ENOENT, "mmap-one-bad-ref-maps-none");
	expect_err(-gnt_mmap_err(e->gd, di + PAGE * 64, 1, PROT_READ), EINVAL, "mmap-bad-offset");
	expect_err(-gnt_mmap_err(e->gd, i2, 3, PROT_READ), EINVAL, "mmap-wrong-length");
	check(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, e->gd, (off_t)di) == MAP_FAILED &&
	      errno == EINVAL, "mmap-private-refused", "MAP_PRIVATE: %s", strerror(errno));
	check(grant_maps() == maps0 && (long)dom0_pages(e->pfd) == pages0, "failed-mmaps-leave-nothing",
	      "grant maps %ld (before %ld), dom0 pages %llu (before %ld)", grant_maps(), maps0,
	      (unsigned long long)dom0_pages(e->pfd), pages0);
	expect_err(gnt_unmap(e->gd, di, 1), 0, "unmap-recorded");
	expect_err(gnt_unmap(e->gd, di, 1), ENOENT, "unmap-twice-enoent");
	expect_err(gnt_unmap(e->gd, i2, 3), ENOENT, "unmap-wrong-count-enoent");
	expect_err(gnt_unmap(e->gd, i2 + 1, 4), EINVAL, "unmap-unaligned-einval");
	gnt_unmap(e->gd, i2, 4);
	fd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC);
	check(gnt_map(fd, 0, MICA_GNTDEV_FILE_MAX, many, &di) == 0, "map-file-limit",
	      "%s", strerror(errno));
	expect_err(gnt_map(fd, 0, 1, refs, &di), ENOSPC, "map-past-file-limit-enospc");
	close(fd);
	expect_err(ev_ioctl(e->gd, MICA_IOCTL_GNTALLOC_ALLOC_GREF, many), ENOTTY,
		   "gntdev-enotty");
}

static void gnt_alloc_errors(struct gnt_env *e)
{
	static uint32_t refs[MICA_GNTALLOC_FILE_MAX];
	char *edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	struct mica_ioctl_gntalloc_alloc_gref *op;
	uint64_t ai;
	int f1, f2;

	expect_err(gnt_alloc(e->ga, 0, 2, 1, refs, &ai), EINVAL, "alloc-bad-flag");
	expect_err(gnt_alloc(e->ga, 0, 0, 0, refs, &ai), EINVAL, "alloc-count-0");
	expect_err(gnt_alloc(e->ga, 0, 0, MICA_GNTALLOC_ALLOC_MAX + 1, refs, &ai), EINVAL,
		   "alloc-count-too-big");
	expect_err(gnt_alloc(e->ga, 0x7ff5, 0, 1, refs, &ai), EINVAL, "alloc-bad-domid");
	expect_err(ev_ioctl(e->ga, MICA_IOCTL_GNTALLOC_ALLOC_GREF, (void *)8), EFAULT,
		   "alloc-efault-argument");
	mprotect(edge + PAGE, PAGE, PROT_NONE);
	op = gnt_edge_arg(edge, sizeof(*op));
	*op = (struct mica_ioctl_gntalloc_alloc_gref){ .count = 1 };
	expect_err(ev_ioctl(e->ga, MICA_IOCTL_GNTALLOC_ALLOC_GREF, op), EFAULT,
		   "alloc-efault-refs");
	munmap(edge, 2 * PAGE);
	expect_err(gnt_dealloc(e->ga, 64 * PAGE, 1), ENOENT, "dealloc-unknown-enoent");
	expect_err(gnt_dealloc(e->ga, 1, 1), EINVAL, "dealloc-unaligned-einval");
	expect_err(-gnt_mmap_err(e->ga, 64 * PAGE, 1, PROT_READ), EINVAL, "alloc-mmap-bad-offset");
	expect_err(ev_ioctl(e->ga, MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF, refs), ENOTTY,
		   "gntalloc-enotty");
	/* 2048 references in dom0's table; this process holds some already. */
	f1 = open(MICA_GNTALLOC_PATH, O_RDWR | O_CLOEXEC);
	f2 = open(MICA_GNTALLOC_PATH, O_RDWR | O_CLOEXEC);
	check(gnt_alloc(f1, 0, 0, MICA_GNTALLOC_FILE_MAX, refs, &ai) == 0, "alloc-file-limit",
	      "%s", strerror(errno));
	expect_err(gnt_alloc(f1, 0, 0, 1, refs, &ai), ENOSPC, "alloc-past-file-limit-enospc");
	expect_err(gnt_alloc(f2, 0, 0, MICA_GNTALLOC_FILE_MAX, refs, &ai), ENOSPC,
		   "alloc-table-full-enospc");
	close(f1);
	close(f2);
}

/*
 * A grant deallocated while dom0's gntdev still maps it: its page stays
 * (readable and writable through the mapping) until the mapping goes.
 */
static void gnt_dealloc_while_mapped(struct gnt_env *e)
{
	uint64_t ai = ~0ull, di = ~0ull;
	uint32_t ref;
	char *a = NULL, *d = NULL;
	int rc;

	rc = gnt_alloc(e->ga, 0, MICA_GNTALLOC_WRITABLE, 1, &ref, &ai);
	if (!rc)
		a = gnt_mmap(e->ga, ai, 1, PROT_READ | PROT_WRITE);
	if (a) {
		fill((uint64_t *)a, GNT_TO_MAP, ref);
		munmap(a, PAGE);
		d = gnt_map_mmap(e->gd, 0, 1, &ref, PROT_READ | PROT_WRITE, &di);
	}
	check(d != NULL, "deferred-setup", "alloc %d: %s", rc, strerror(errno));
	if (!d)
		return;
	check(gnt_dealloc(e->ga, ai, 1) == 0 && sysfs_num(GNT_SYSFS_DEFERRED) == 1,
	      "dealloc-while-mapped-deferred", "deferred grants: %ld",
	      sysfs_num(GNT_SYSFS_DEFERRED));
	usleep(1500000);	/* the deferred list is tried again each second */
	check(same((uint64_t *)d, GNT_TO_MAP, ref), "deferred-page-still-readable",
	      "the page changed under the mapping after dealloc");
	fill((uint64_t *)d, GNT_TO_ALLOC, ref);
	check(same((uint64_t *)d, GNT_TO_ALLOC, ref) && sysfs_num(GNT_SYSFS_DEFERRED) == 1,
	      "deferred-page-still-writable", "deferred grants: %ld",
	      sysfs_num(GNT_SYSFS_DEFERRED));
	munmap(d, PAGE);
	check(deferred_settled() == 0, "deferred-freed-after-unmap",
	      "%ld grants still deferred 10 s after the mapping went",
	      sysfs_num(GNT_SYSFS_DEFERRED));
	expect_err(-gnt_mmap_err(e->gd, di, 1, PROT_READ), ENOENT, "revoked-ref-enoent");
	gnt_unmap(e->gd, di, 1);
}

/* 256 grants mapped at once is the hypervisor's limit for dom0. */
static void gnt_maptrack_full(struct gnt_env *e)
{
	static uint32_t refs[MICA_GNTTAB_MAX_MAPTRACK];
	long maps0 = grant_maps();
	uint32_t n = MICA_GNTTAB_MAX_MAPTRACK - (maps0 > 0 ? maps0 : 0);
	int fd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC);
	uint64_t ai = ~0ull, di = ~0ull, d2;
	char *p = NULL;
	int rc;

	rc = gnt_alloc(e->ga, 0, MICA_GNTALLOC_WRITABLE, n, refs, &ai);
	if (!rc)
		p = gnt_map_mmap(e->gd, 0, n, refs, PROT_READ | PROT_WRITE, &di);
	check(p && grant_maps() == MICA_GNTTAB_MAX_MAPTRACK, "map-256-grants",
	      "alloc %d, mmap %s, grant maps %ld", rc, p ? "ok" : strerror(errno), grant_maps());
	expect_err(gnt_map_mmap_err(fd, 0, 1, refs, PROT_READ, &d2),
		   ENOSPC, "mmap-maptrack-full-enospc");
	close(fd);
	if (p)
		munmap(p, n * PAGE);
	gnt_unmap(e->gd, di, n);
	gnt_dealloc(e->ga, ai, n);
	check(grant_maps() == maps0, "maptrack-back", "grant maps %ld, before %ld",
	      grant_maps(), maps0);
}

/* A child maps both sides and exits without munmap or close. */
static void gnt_child_exit(struct gnt_env *e)
{
	uint64_t pages0 = dom0_pages(e->pfd);
	long maps0 = grant_maps();
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int ga = open(MICA_GNTALLOC_PATH, O_RDWR), gd = open(MICA_GNTDEV_PATH, O_RDWR);
		uint32_t refs[GNT_PAGES];
		uint64_t ai = ~0ull, di = ~0ull;
		char *a = NULL, *d = NULL;

		if (!gnt_alloc(ga, 0, MICA_GNTALLOC_WRITABLE, GNT_PAGES, refs, &ai))
			a = gnt_mmap(ga, ai, GNT_PAGES, PROT_READ | PROT_WRITE);
		if (a)
			d = gnt_map_mmap(gd, 0, GNT_PAGES, refs, PROT_READ, &di);
		if (!d)
			_exit(1);
		fill_all(a, GNT_TO_MAP, refs, GNT_PAGES);
		_exit(differ_all(d, GNT_TO_MAP, refs, GNT_PAGES) ? 2 : 0);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child-maps-and-exits", "child status %#x", status);
	check(deferred_settled() == 0 && grant_maps() == maps0 && dom0_pages(e->pfd) == pages0,
	      "exit-releases-all", "deferred %ld, grant maps %ld (before %ld), dom0 pages %llu "
	      "(before %llu)", sysfs_num(GNT_SYSFS_DEFERRED), grant_maps(), maps0,
	      (unsigned long long)dom0_pages(e->pfd), (unsigned long long)pages0);
}

void test_gnt(void)
{
	struct gnt_env e = {
		.pfd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC),
		.ga = open(MICA_GNTALLOC_PATH, O_RDWR | O_CLOEXEC),
		.gd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC),
	};
	uint32_t refs[GNT_PAGES] = { 0 };
	uint64_t free0, pages0, ai = 0, di = 0;
	char *a = NULL, *d = NULL;

	check(e.pfd >= 0 && e.ga >= 0 && e.gd >= 0, "open", "%s", strerror(errno));
	if (e.pfd < 0 || e.ga < 0 || e.gd < 0)
		return;
	check(grant_maps() == 0 && sysfs_num(GNT_SYSFS_DEFERRED) == 0, "sysfs-counts",
	      "grant maps %ld, deferred %ld", grant_maps(), sysfs_num(GNT_SYSFS_DEFERRED));
	gnt_warm_up(&e);
	free0 = free_frames(e.pfd);
	pages0 = dom0_pages(e.pfd);
	gnt_loopback(&e, refs, &ai, &a, &di, &d);
	if (a)
		gnt_copy_checks(e.gd, refs, a);
	gnt_readonly_map(&e, refs);
	gnt_readonly_grant(&e);
	gnt_map_errors(&e, refs);
	gnt_alloc_errors(&e);
	if (a) {
		munmap(a, GNT_PAGES * PAGE);
		a = gnt_mmap(e.ga, ai, GNT_PAGES, PROT_READ);
		check(a && !differ_all(a, GNT_TO_ALLOC, refs, GNT_PAGES), "alloc-mmap-again",
		      "%s", a ? "pages differ" : strerror(errno));
		munmap(a, GNT_PAGES * PAGE);
	}
	if (d)
		munmap(d, GNT_PAGES * PAGE);
	gnt_unmap(e.gd, di, GNT_PAGES);
	gnt_dealloc(e.ga, ai, GNT_PAGES);
	gnt_dealloc_while_mapped(&e);
	gnt_maptrack_full(&e);
	gnt_child_exit(&e);
	close(e.ga);
	close(e.gd);
	check(grant_maps() == 0 && deferred_settled() == 0 && dom0_pages(e.pfd) == pages0,
	      "close-releases-all", "grant maps %ld, deferred %ld, dom0 pages %llu (before %llu)",
	      grant_maps(), sysfs_num(GNT_SYSFS_DEFERRED),
	      (unsigned long long)dom0_pages(e.pfd), (unsigned long long)pages0);
	check(free_frames(e.pfd) == free0, "free-frames-back",
	      "hypervisor free frames %llu before, %llu after",
	      (unsigned long long)free0, (unsigned long long)free_frames(e.pfd));
	close(e.pfd);
}

