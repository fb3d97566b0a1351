// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest fuzz: random calls on every device of the dom0 driver, from
 * a fixed seed (the same sequence every run). Each result must be a value
 * or an errno the driver documents; afterwards the driver still answers
 * and nothing is leaked (hypervisor free frames, dom0's pages, grant maps,
 * deferred revokes).
 *
 * It must not harm dom0 itself. What privcmd lets through decides how:
 * sched_op, event_channel_op, grant_table_op and vcpu_op are refused
 * (EPERM), and so is memory_op on dom0's own reservation, so those may be
 * random. domctl and sysctl may name dom0 (destroy, pause, set_max_mem,
 * writeconsole into dom0's shell...): a control structure reaches the
 * hypervisor's checks past the interface version only when this program
 * wrote that version, and then it names a domain that does not exist
 * (0x7000 and above). Random bytes never hold a valid version (scrubbed),
 * whatever the offset a pointer points at. A domain a random create makes
 * (new and paused) is destroyed at the end; domains that existed before
 * are never named. Then two threads race random grant calls on the same
 * two files.
 */
#include "drvtest.h"

#include <pthread.h>

#define FUZZ_ITERS	20000
#define FUZZ_MAPS	8		/* mmap()s of the grant devices kept */
#define FUZZ_THREADS	2		/* racing on the same grant files */
#define FUZZ_THREAD_ITERS 10000
#define FUZZ_DOMID_BASE	0x7000		/* no domain has an id this high */

/* Per thread: the main sequence, and each racing thread's own. */
static __thread uint64_t fuzz_state = 0x6d6963612d647276ull;

/* xorshift64: the same sequence every run. */
static uint64_t rnd(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return fuzz_state;
}

struct fuzz_mem {
	uint8_t *buf;		/* two pages of random bytes */
	void *ro;		/* a read-only page */
	void *none;		/* a PROT_NONE page */
};

/* A pointer argument: bad in one of several ways, or into the buffer. */
static uint64_t fuzz_ptr(const struct fuzz_mem *m)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return rnd() % PAGE;
	case 2:
		return 0xffff800000000000ull | (rnd() & 0x7fffffffffffull);
	case 3:
		return 0x0000800000000000ull | (rnd() & 0x7fffffffffffull);
	case 4:
		return (uintptr_t)m->none + rnd() % PAGE;
	case 5:
		return (uintptr_t)m->ro + rnd() % PAGE;
	default:
		return (uintptr_t)m->buf + ((rnd() & 3) ? 0 : rnd() % 64);
	}
}

/* A domain id that names no domain, nor dom0. */
static uint16_t fuzz_domid(void)
{
	uint16_t id = FUZZ_DOMID_BASE | (rnd() & 0xfff);

	return id == MICA_DOMID_SELF ? FUZZ_DOMID_BASE : id;
}

static int is_version(uint32_t v)
{
	return v == MICA_DOMCTL_INTERFACE_VERSION || v == MICA_SYSCTL_INTERFACE_VERSION;
}

/* No 4 bytes from offset `from` on are a valid interface version. */
static void fuzz_scrub(const struct fuzz_mem *m, size_t from)
{
	uint32_t v;
	size_t i;

	for (i = from; i + 4 <= 2 * PAGE; i++) {
		memcpy(&v, m->buf + i, 4);
		if (is_version(v))
			m->buf[i] ^= 0x80;
	}
}

static void fuzz_random(const struct fuzz_mem *m)
{
	uint64_t *w = (uint64_t *)m->buf;
	size_t i;

	for (i = 0; i < 2 * PAGE / 8; i++)
		w[i] = rnd();
	fuzz_scrub(m, 0);
}

/* sysctl sub: read or write layout, naming no domain. */
static void fuzz_sysctl(const struct fuzz_mem *m, uint64_t sub)
{
	struct mica_sysctl *s = (void *)m->buf;

	s->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	s->pad = 0;
	if (sub == MICA_SYSCTL_writeconsole) {
		s->u.write.buf = (uintptr_t)(m->buf + PAGE);
		s->u.write.len = rnd() % 64;
		s->u.write.domid = fuzz_domid();
		s->u.write.pad = 0;
		return;
	}
	s->u.read.buf = (uintptr_t)(m->buf + PAGE);
	s->u.read.len = (rnd() % 2) ? 64 : (uint32_t)rnd();
	s->u.read.domid = fuzz_domid();
}

/*
 * The buffer for sub-command sub of family op: random, and half the time
 * a header at its start that passes the version check and names no
 * domain. Flipping a byte of it afterwards (the scrub) keeps the domain
 * ids at 0x70xx or 0xf0xx: none.
 */
static void fuzz_fill(const struct fuzz_mem *m, uint64_t op, uint64_t sub)
{
	struct mica_domctl *d = (void *)m->buf;
	struct mica_memop_reservation *r = (void *)m->buf;

	fuzz_random(m);
	if (rnd() & 1)
		return;
	switch (op) {
	case MICA_HC_domctl:
		d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
		d->domid = fuzz_domid();
		d->pad = 0;
		break;
	case MICA_HC_sysctl:
		fuzz_sysctl(m, sub);
		break;
	case MICA_HC_memory_op:
		r->domid = (rnd() & 1) ? MICA_DOMID_SELF : fuzz_domid();
		r->nr = rnd() % 8;
		break;
	}
	fuzz_scrub(m, 1);
}

static const int fuzz_errnos[] = {
	EPERM, ENOENT, ESRCH, E2BIG, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST,
	EINVAL, ENOSPC, ENOTTY, ENOSYS, EDQUOT, EAGAIN,
};

static int fuzz_known(long rc)
{
	size_t i;

	if (rc >= 0)
		return 1;
	for (i = 0; i < sizeof(fuzz_errnos) / sizeof(fuzz_errnos[0]); i++)
		if (-rc == fuzz_errnos[i])
			return 1;
	return 0;
}

/* Results: how many of each errno (0: success), and the unknown ones. */
struct fuzz_odd {
	const char *area;
	long n, first;
	unsigned int seen[135];
};

static void fuzz_note(struct fuzz_odd *o, long rc)
{
	if (rc >= 0 || -rc < 135)
		o->seen[rc >= 0 ? 0 : -rc]++;
	if (!fuzz_known(rc) && !o->n++)
		o->first = rc;
}

/* Not a check: what the calls gave, to see what the fuzzing reached. */
static void fuzz_print(const struct fuzz_odd *o)
{
	unsigned int i;

	printf("MICA-TEST drv-fuzz %s:", o->area);
	for (i = 0; i < 135; i++)
		if (o->seen[i])
			printf(" %s %u", i ? strerrorname_np((int)i) : "ok", o->seen[i]);
	printf("\n");
}

static const uint64_t fuzz_families[] = {
	MICA_HC_version, MICA_HC_domctl, MICA_HC_memory_op, MICA_HC_sysctl,
	MICA_HC_sched_op, MICA_HC_event_channel_op, MICA_HC_grant_table_op,
	MICA_HC_vcpu_op, MICA_HC_param_op, MICA_HC_NR, 1ull << 40,
};

/* A random ioctl number: one of the device's, or anything. */
static unsigned long fuzz_cmd(const unsigned long *cmds, size_t n)
{
	return (rnd() % 8) ? cmds[rnd() % n] : (unsigned int)rnd();
}

/* One random privcmd call; its result, or -errno. */
static long fuzz_privcmd_one(int fd, const struct fuzz_mem *m, void *map)
{
	struct mica_privcmd_mmapbatch *b = (void *)(m->buf + PAGE);
	static const unsigned long cmds[] = {
		MICA_IOCTL_PRIVCMD_HYPERCALL, MICA_IOCTL_PRIVCMD_MMAPBATCH,
	};
	uint64_t op = fuzz_families[rnd() % (sizeof(fuzz_families) / 8)];
	uint64_t sub = rnd() % 20;
	unsigned long cmd;
	long rc;

	fuzz_fill(m, op, sub);
	switch (rnd() % 4) {
	case 0:
		b->addr = (rnd() & 1) ? (uintptr_t)map + (rnd() % 20) * PAGE : fuzz_ptr(m);
		b->gfns = fuzz_ptr(m);
		b->errs = (rnd() & 1) ? (uintptr_t)(m->buf + PAGE + 64) : fuzz_ptr(m);
		b->num = rnd() % 24;
		b->domid = fuzz_domid();
		b->flags = rnd() % 3;
		rc = ioctl(fd, MICA_IOCTL_PRIVCMD_MMAPBATCH, (rnd() % 8) ? (void *)b :
			   (void *)(uintptr_t)fuzz_ptr(m));
		return rc < 0 ? -errno : rc;
	case 1:
		/* Never the hypercall ioctl with random contents: see above. */
		cmd = fuzz_cmd(cmds, 2);
		if (cmd == MICA_IOCTL_PRIVCMD_HYPERCALL)
			cmd = MICA_IOCTL_PRIVCMD_MMAPBATCH;
		fuzz_random(m);
		rc = ioctl(fd, cmd, (void *)(uintptr_t)fuzz_ptr(m));
		return rc < 0 ? -errno : rc;
	default:
		return hc(fd, op, sub, fuzz_ptr(m), fuzz_ptr(m));
	}
}

/* One random evtchn operation (the file is non-blocking). */
static long fuzz_evtchn_one(int fd, const struct fuzz_mem *m)
{
	static const unsigned long cmds[] = {
		MICA_IOCTL_EVTCHN_BIND_VIRQ, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN,
		MICA_IOCTL_EVTCHN_BIND_UNBOUND, MICA_IOCTL_EVTCHN_UNBIND,
		MICA_IOCTL_EVTCHN_NOTIFY, MICA_IOCTL_EVTCHN_RESET,
	};
	uint32_t *w = (uint32_t *)m->buf;
	long rc;

	fuzz_random(m);
	w[0] = rnd() % 8 ? rnd() % 40 : (uint32_t)rnd();	/* small ports, domids */
	w[1] = rnd() % 40;
	switch (rnd() % 4) {
	case 0:
		rc = read(fd, (void *)(uintptr_t)fuzz_ptr(m), rnd() % 300);
		break;
	case 1:
		rc = write(fd, (rnd() & 1) ? (void *)w : (void *)(uintptr_t)fuzz_ptr(m),
			   rnd() % 300);
		break;
	default:
		rc = ioctl(fd, fuzz_cmd(cmds, 6), (rnd() % 4) ? (void *)w :
			   (void *)(uintptr_t)fuzz_ptr(m));
		break;
	}
	return rc < 0 ? -errno : rc;
}

struct fuzz_gnt {
	int ga, gd;
	int threaded;			/* no touch(): its jump buffer is global */
	struct {
		char *addr;
		size_t len;
	} maps[FUZZ_MAPS];
};

/* A granter or grantee: dom0 (either name), no domain, or anything. */
static uint16_t fuzz_gnt_domid(void)
{
	switch (rnd() % 4) {
	case 0:
		return 0;
	case 1:
		return MICA_DOMID_SELF;
	case 2:
		return fuzz_domid();
	default:
		return (uint16_t)rnd();
	}
}

/* An ALLOC_GREF or MAP_GRANT_REF argument in the buffer. */
static void fuzz_gnt_arg(const struct fuzz_mem *m, int alloc)
{
	struct mica_ioctl_gntalloc_alloc_gref *a = (void *)m->buf;
	struct mica_ioctl_gntdev_map_grant_ref *g = (void *)m->buf;
	uint32_t count = (rnd() % 8) ? rnd() % 12 : (uint32_t)rnd();
	uint32_t i;

	fuzz_random(m);
	if (alloc) {
		a->domid = fuzz_gnt_domid();
		a->flags = (rnd() % 8) ? rnd() % 2 : (uint16_t)rnd();
		a->count = count;
		return;
	}
	g->domid = fuzz_gnt_domid();
	g->pad = (rnd() % 8) ? 0 : (uint16_t)rnd();
	g->count = count;
	for (i = 0; i < 64 && i < count; i++)
		g->refs[i] = rnd() % 40;	/* the first references: dom0's own */
}

/* mmap() of one of the grant devices, kept in a free slot, or munmap(). */
static long fuzz_gnt_mmap(struct fuzz_gnt *g)
{
	unsigned int slot = rnd() % FUZZ_MAPS;
	size_t len = ((rnd() % 8) ? rnd() % 12 + 1 : rnd() % 300 + 1) * PAGE;
	int prot = (int)(rnd() % 4), fd = (rnd() & 1) ? g->ga : g->gd;
	char *p;

	if (g->maps[slot].addr) {
		/* Sometimes only part of it (refused: no split). */
		len = (rnd() & 1) ? g->maps[slot].len : PAGE;
		if (munmap(g->maps[slot].addr, len))
			return -errno;
		g->maps[slot].addr = NULL;
		return 0;
	}
	p = mmap(NULL, len, prot, (rnd() % 8) ? MAP_SHARED : MAP_PRIVATE, fd,
		 (off_t)((rnd() % 16) * PAGE));
	if (p == MAP_FAILED)
		return -errno;
	if ((prot & PROT_READ) && !g->threaded)
		touch(p + (rnd() % (len / PAGE)) * PAGE, 0);
	g->maps[slot].addr = p;
	g->maps[slot].len = len;
	return 0;
}

/* One random gntalloc or gntdev operation. */
static long fuzz_gnt_one(struct fuzz_gnt *g, const struct fuzz_mem *m)
{
	static const unsigned long cmds[] = {
		MICA_IOCTL_GNTALLOC_ALLOC_GREF, MICA_IOCTL_GNTALLOC_DEALLOC_GREF,
		MICA_IOCTL_GNTDEV_MAP_GRANT_REF, MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF,
	};
	struct mica_ioctl_gntdev_unmap_grant_ref *u = (void *)m->buf;
	unsigned long cmd = fuzz_cmd(cmds, 4);
	int fd = (rnd() % 8) ? (cmd == cmds[0] || cmd == cmds[1] ? g->ga : g->gd) :
		 (rnd() & 1) ? g->ga : g->gd;
	long rc;

	if (rnd() % 3 == 0)
		return fuzz_gnt_mmap(g);
	fuzz_gnt_arg(m, cmd == cmds[0]);
	if (cmd == cmds[1] || cmd == cmds[3]) {
		u->index = (rnd() % 8) ? (rnd() % 16) * PAGE : rnd();
		u->count = (rnd() % 8) ? rnd() % 12 : (uint32_t)rnd();
		u->pad = (rnd() % 8) ? 0 : (uint32_t)rnd();
	}
	rc = ioctl(fd, cmd, (rnd() % 8) ? (void *)m->buf : (void *)(uintptr_t)fuzz_ptr(m));
	return rc < 0 ? -errno : rc;
}

/* Whether domid was there before the fuzzing (ids are below 0x7000). */
static uint8_t fuzz_existed[FUZZ_DOMID_BASE];

static void fuzz_domains(int fd, int destroy)
{
	struct mica_domctl d;
	uint16_t next = 1;

	for (;;) {
		memset(&d, 0, sizeof(d));
		d.domid = next;
		if (domctl(fd, MICA_DOMCTL_getinfo_next, &d) ||
		    d.u.getinfo.domid >= FUZZ_DOMID_BASE)
			return;
		next = d.u.getinfo.domid + 1;
		if (!destroy) {
			fuzz_existed[d.u.getinfo.domid] = 1;
		} else if (!fuzz_existed[d.u.getinfo.domid]) {
			printf("MICA-TEST drv-fuzz destroying d%u, made by a random create\n",
			       d.u.getinfo.domid);
			destroy_domain(fd, d.u.getinfo.domid);
		}
	}
}

/* dom0's first grant map makes its maptrack, kept (gnttest.c says why). */
static void fuzz_warm_up(int ga, int gd)
{
	uint64_t ai = ~0ull, di = ~0ull;
	uint32_t ref;
	char *p;

	if (gnt_alloc(ga, 0, 0, 1, &ref, &ai) || gnt_map(gd, 0, 1, &ref, &di))
		return;
	p = gnt_mmap(gd, di, 1, PROT_READ);
	if (p)
		munmap(p, PAGE);
	gnt_unmap(gd, di, 1);
	gnt_dealloc(ga, ai, 1);
}

static void fuzz_run(int pfd, int efd, struct fuzz_gnt *g, const struct fuzz_mem *m)
{
	struct fuzz_odd op = { .area = "privcmd" }, oe = { .area = "evtchn" },
			og = { .area = "gnt" };
	void *map = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
	struct timespec t0, t1;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < FUZZ_ITERS; i++) {
		fuzz_note(&op, fuzz_privcmd_one(pfd, m, map));
		fuzz_note(&oe, fuzz_evtchn_one(efd, m));
		fuzz_note(&og, fuzz_gnt_one(g, m));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("MICA-TEST drv-fuzz %d rounds in %ld ms\n", FUZZ_ITERS,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	fuzz_print(&op);
	fuzz_print(&oe);
	fuzz_print(&og);
	check(!op.n, "privcmd-results", "%ld of %d calls gave an unexpected result, first %ld",
	      op.n, FUZZ_ITERS, op.first);
	check(!oe.n, "evtchn-results", "%ld of %d calls gave an unexpected result, first %ld",
	      oe.n, FUZZ_ITERS, oe.first);
	check(!og.n, "gnt-results", "%ld of %d calls gave an unexpected result, first %ld",
	      og.n, FUZZ_ITERS, og.first);
	for (i = 0; i < FUZZ_MAPS; i++)
		if (g->maps[i].addr)
			munmap(g->maps[i].addr, g->maps[i].len);
	munmap(map, 16 * PAGE);
}

struct fuzz_thread {
	pthread_t id;
	uint64_t seed;
	struct fuzz_gnt g;
	struct fuzz_mem m;
	struct fuzz_odd o;
};

static void *fuzz_thread_run(void *arg)
{
	struct fuzz_thread *t = arg;
	int i;

	fuzz_state = t->seed;
	for (i = 0; i < FUZZ_THREAD_ITERS; i++)
		fuzz_note(&t->o, fuzz_gnt_one(&t->g, &t->m));
	for (i = 0; i < FUZZ_MAPS; i++)
		if (t->g.maps[i].addr)
			munmap(t->g.maps[i].addr, t->g.maps[i].len);
	return NULL;
}

/*
 * Threads racing on the same gntalloc and gntdev files (the order of
 * their calls differs from run to run; the rules must hold for any).
 */
static void fuzz_race(const struct fuzz_gnt *g, const struct fuzz_mem *m)
{
	static struct fuzz_thread t[FUZZ_THREADS];
	long odd = 0, first = 0;
	int i, started = 0;

	for (i = 0; i < FUZZ_THREADS; i++) {
		t[i].seed = 0x72616365ull + (uint64_t)i * 0x9e3779b97f4a7c15ull;
		t[i].g = (struct fuzz_gnt){ .ga = g->ga, .gd = g->gd, .threaded = 1 };
		t[i].m = *m;
		t[i].m.buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t[i].o = (struct fuzz_odd){ .area = "gnt-race" };
		if (t[i].m.buf != MAP_FAILED && !pthread_create(&t[i].id, NULL,
								fuzz_thread_run, &t[i]))
			started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(t[i].id, NULL);
		fuzz_print(&t[i].o);
		if (t[i].o.n && !odd)
			first = t[i].o.first;
		odd += t[i].o.n;
	}
	check(started == FUZZ_THREADS && !odd, "gnt-race-results",
	      "%d threads of %d started; %ld calls gave an unexpected result, first %ld",
	      started, FUZZ_THREADS, odd, first);
}

void test_fuzz(void)
{
	struct fuzz_mem m;
	struct fuzz_gnt g = {
		.ga = open(MICA_GNTALLOC_PATH, O_RDWR | O_CLOEXEC),
		.gd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC),
	};
	uint64_t free0, pages0;
	int pfd = open_privcmd(), efd = open(MICA_EVTCHN_PATH, O_RDWR | O_NONBLOCK);
	long rc;

	check(efd >= 0 && g.ga >= 0 && g.gd >= 0, "open-devices", "%s", strerror(errno));
	if (pfd < 0 || efd < 0 || g.ga < 0 || g.gd < 0)
		return;
	m.buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m.ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m.none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fuzz_domains(pfd, 0);
	fuzz_warm_up(g.ga, g.gd);
	free0 = free_frames(pfd);
	pages0 = dom0_pages(pfd);
	fuzz_run(pfd, efd, &g, &m);
	fuzz_race(&g, &m);
	close(efd);
	close(g.ga);
	close(g.gd);
	fuzz_domains(pfd, 1);
	rc = hc(pfd, MICA_HC_version, MICA_VERSION_get, 0, 0);
	check(rc == (MICA_ABI_MAJOR << 16 | MICA_ABI_MINOR), "still-answers", "version %ld", rc);
	check(grant_maps() == 0 && deferred_settled() == 0, "grants-released",
	      "grant maps %ld, deferred %ld", grant_maps(), sysfs_num(GNT_SYSFS_DEFERRED));
	check(free_frames(pfd) == free0 && dom0_pages(pfd) == pages0, "nothing-leaked",
	      "free frames %llu -> %llu, dom0 pages %llu -> %llu",
	      (unsigned long long)free0, (unsigned long long)free_frames(pfd),
	      (unsigned long long)pages0, (unsigned long long)dom0_pages(pfd));
	close(pfd);
}
