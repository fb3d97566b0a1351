// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest GROUP: checks of Mica's dom0 driver from user space, run in
 * dom0 by dom0/tests/drv.sh. GROUP is privcmd, mmap, evtchn, gnt (gnttest.c),
 * fuzz (fuzz.c), or "upcall CPU" (group upcall-cpuCPU: the upcall MSI moved
 * to that CPU). Each check prints one line,
 *     MICA-TEST drv GROUP NAME ok
 *     MICA-TEST drv GROUP NAME fail: DETAIL
 * and the group ends with "MICA-TEST drv GROUP done CHECKS FAILED".
 * tests/system/dom0.sh turns them into PASS/FAIL lines.
 */
#include "drvtest.h"

/* An address nothing is mapped at (volatile: the compiler must not judge it). */
static void *volatile bad_ptr = (void *)8;

static const char *group;
static int checks, failed;

void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (ok) {
		printf("MICA-TEST drv %s %s ok\n", group, name);
		return;
	}
	failed++;
	printf("MICA-TEST drv %s %s fail: ", group, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The ioctl's result, or -errno. */
long hc(int fd, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct mica_privcmd_hypercall h = { .op = op, .arg = { a0, a1, a2 } };
	long rc = ioctl(fd, MICA_IOCTL_PRIVCMD_HYPERCALL, &h);

	return rc < 0 ? -errno : rc;
}

void expect_err(long rc, long err, const char *name)
{
	check(rc == -err, name, "got %ld (%s), want -%ld (%s)", rc,
	      rc < 0 ? strerror((int)-rc) : "success", err, strerror((int)err));
}

long domctl(int fd, unsigned int sub, struct mica_domctl *d)
{
	d->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	return hc(fd, MICA_HC_domctl, sub, (uintptr_t)d, 0);
}

long getinfo(int fd, uint16_t domid, struct mica_domctl *d)
{
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	return domctl(fd, MICA_DOMCTL_getinfo, d);
}

long physinfo(int fd, struct mica_sysctl *s)
{
	memset(s, 0, sizeof(*s));
	s->interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	return hc(fd, MICA_HC_sysctl, MICA_SYSCTL_physinfo, (uintptr_t)s, 0);
}

int open_privcmd(void)
{
	int fd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC);

	check(fd >= 0, "open", "%s: %s", MICA_PRIVCMD_PATH, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------ privcmd */

static void privcmd_calls(int fd)
{
	struct mica_version_info vi;
	struct mica_domctl d;
	struct mica_sysctl s;
	static char logbuf[4096];
	static const char msg[] = "mica-drvtest: hello from dom0 through privcmd\n";
	struct mica_param p = { .domid = MICA_DOMID_SELF, .index = MICA_PARAM_STORE_GFN };
	long rc;

	rc = hc(fd, MICA_HC_version, MICA_VERSION_get, 0, 0);
	check(rc == (MICA_ABI_MAJOR << 16 | MICA_ABI_MINOR), "version-get",
	      "got %ld", rc);
	memset(&vi, 0xff, sizeof(vi));
	rc = hc(fd, MICA_HC_version, MICA_VERSION_info, (uintptr_t)&vi, 0);
	check(rc == 0 && vi.major == MICA_ABI_MAJOR && vi.minor == MICA_ABI_MINOR &&
	      !strncmp(vi.extra, "mica", 4), "version-info",
	      "rc %ld major %u minor %u extra '%.32s'", rc, vi.major, vi.minor, vi.extra);
	rc = getinfo(fd, MICA_DOMID_SELF, &d);
	check(rc == 0 && d.u.getinfo.domid == 0 &&
	      (d.u.getinfo.flags & MICA_DOMINFO_privileged) && d.u.getinfo.nr_pages > 0,
	      "domctl-getinfo-dom0", "rc %ld domid %u flags %#x pages %llu", rc,
	      d.u.getinfo.domid, d.u.getinfo.flags,
	      (unsigned long long)d.u.getinfo.nr_pages);
	rc = physinfo(fd, &s);
	check(rc == 0 && s.u.physinfo.nr_cpus >= 1 && s.u.physinfo.total_frames > 0 &&
	      s.u.physinfo.free_frames <= s.u.physinfo.total_frames &&
	      s.u.physinfo.nr_domains >= 1, "sysctl-physinfo",
	      "rc %ld cpus %u frames %llu free %llu domains %llu", rc,
	      s.u.physinfo.nr_cpus, (unsigned long long)s.u.physinfo.total_frames,
	      (unsigned long long)s.u.physinfo.free_frames,
	      (unsigned long long)s.u.physinfo.nr_domains);
	p.value = 0x5a5a;
	rc = hc(fd, MICA_HC_param_op, MICA_PARAM_get, (uintptr_t)&p, 0);
	check(rc == 0 && p.value == 0, "param-get-dom0", "rc %ld value %llu (dom0 has no store ring)",
	      rc, (unsigned long long)p.value);
	rc = hc(fd, MICA_HC_console_io, MICA_CONSOLE_write, (uintptr_t)msg, strlen(msg));
	check(rc == (long)strlen(msg), "console-write", "got %ld", rc);
	memset(&s, 0, sizeof(s));
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	s.u.read.buf = (uintptr_t)logbuf;
	s.u.read.len = sizeof(logbuf) - 1;
	rc = hc(fd, MICA_HC_sysctl, MICA_SYSCTL_readlog, (uintptr_t)&s, 0);
	logbuf[rc > 0 ? rc : 0] = 0;
	check(rc > 0 && s.u.read.copied == rc && s.u.read.buf == (uintptr_t)logbuf &&
	      strstr(logbuf, "(mica)"), "sysctl-readlog",
	      "rc %ld copied %u, no '(mica)' in what was read", rc, s.u.read.copied);
}

static void privcmd_refused(int fd)
{
	struct mica_memop_reservation r = { .nr = 1, .domid = MICA_DOMID_SELF };
	struct mica_memop_foreign f = { .nr = 1, .domid = 1 };
	struct mica_evtchn_alloc_unbound ub = { .dom = MICA_DOMID_SELF };
	struct mica_param p = { .domid = MICA_DOMID_SELF };

	expect_err(hc(fd, MICA_HC_sched_op, 0, 0, 0), EPERM, "refused-sched_op");
	expect_err(hc(fd, MICA_HC_event_channel_op, 7, 0, 0), EPERM, "refused-event_channel_op");
	expect_err(hc(fd, MICA_HC_event_channel_op, MICA_EVTCHNOP_alloc_unbound,
		      (uintptr_t)&ub, 0), EPERM, "refused-alloc_unbound-own");
	expect_err(hc(fd, MICA_HC_param_op, MICA_PARAM_set, (uintptr_t)&p, 0), EPERM,
		   "refused-param-set-own");
	expect_err(hc(fd, MICA_HC_param_op, 2, (uintptr_t)&p, 0), EPERM,
		   "refused-param-unknown");
	expect_err(hc(fd, MICA_HC_grant_table_op, 1, 0, 0), EPERM, "refused-grant_table_op");
	expect_err(hc(fd, MICA_HC_vcpu_op, 4, 0, 0), EPERM, "refused-vcpu_op");
	expect_err(hc(fd, MICA_HC_NR, 0, 0, 0), EPERM, "refused-unknown-number");
	expect_err(hc(fd, 1ull << 32, 0, 0, 0), EPERM, "refused-64bit-number");
	expect_err(hc(fd, MICA_HC_console_io, 1, 0, 0), EPERM, "refused-console_io-read");
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_map_foreign, (uintptr_t)&f, 0),
		   EPERM, "refused-map_foreign");
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_unmap_foreign, (uintptr_t)&f, 0),
		   EPERM, "refused-unmap_foreign");
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_decrease_reservation,
		      (uintptr_t)&r, 0), EPERM, "refused-decrease-own");
	r.domid = 0;
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_populate_physmap,
		      (uintptr_t)&r, 0), EPERM, "refused-populate-dom0");
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_current_reservation,
		      MICA_DOMID_SELF, 0), EPERM, "refused-current-own");
	expect_err(hc(fd, MICA_HC_domctl, MICA_DOMCTL_NR, 0, 0), EPERM, "refused-domctl-unknown");
	expect_err(hc(fd, MICA_HC_sysctl, MICA_SYSCTL_NR, 0, 0), EPERM, "refused-sysctl-unknown");
}

static void privcmd_bad_args(int fd)
{
	struct mica_domctl d;
	struct mica_sysctl s;
	struct mica_memop_reservation r = {
		.nr = 4, .domid = 0x7000, .flags = MICA_MEMOP_F_LIST, .gfn_list = 16,
	};
	void *ro;
	long rc;

	expect_err(hc(fd, MICA_HC_domctl, MICA_DOMCTL_getinfo, 0, 0), EFAULT, "efault-domctl-null");
	expect_err(hc(fd, MICA_HC_domctl, MICA_DOMCTL_getinfo, 0xffff800000000000ull, 0),
		   EFAULT, "efault-domctl-kernel-address");
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_err(hc(fd, MICA_HC_domctl, MICA_DOMCTL_getinfo, (uintptr_t)ro, 0),
		   EFAULT, "efault-domctl-readonly");
	expect_err(hc(fd, MICA_HC_version, MICA_VERSION_info, (uintptr_t)ro, 0),
		   EFAULT, "efault-version-info-readonly");
	expect_err(hc(fd, MICA_HC_console_io, MICA_CONSOLE_write, 8, 10), EFAULT,
		   "efault-console-write");
	expect_err(hc(fd, MICA_HC_console_io, MICA_CONSOLE_write, (uintptr_t)ro,
		      MICA_CONSOLE_WRITE_MAX + 1), EINVAL, "einval-console-write-too-long");
	memset(&s, 0, sizeof(s));
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	s.u.read.buf = (uintptr_t)ro;
	s.u.read.len = 64;
	expect_err(hc(fd, MICA_HC_sysctl, MICA_SYSCTL_readlog, (uintptr_t)&s, 0),
		   EFAULT, "efault-readlog-buffer");
	s.u.read.len = MICA_SYSCTL_READ_MAX + 1;
	expect_err(hc(fd, MICA_HC_sysctl, MICA_SYSCTL_readlog, (uintptr_t)&s, 0),
		   EINVAL, "einval-readlog-too-long");
	expect_err(hc(fd, MICA_HC_memory_op, MICA_MEMOP_populate_physmap, (uintptr_t)&r, 0),
		   EFAULT, "efault-populate-gfn-list");
	munmap(ro, PAGE);
	rc = ioctl(fd, MICA_IOCTL_PRIVCMD_HYPERCALL, (void *)8);
	expect_err(rc < 0 ? -errno : rc, EFAULT, "efault-ioctl-argument");
	memset(&d, 0, sizeof(d));
	d.domid = MICA_DOMID_SELF;
	rc = hc(fd, MICA_HC_domctl, MICA_DOMCTL_getinfo, (uintptr_t)&d, 0);
	expect_err(rc, EACCES, "domctl-wrong-interface-version");
	rc = ioctl(fd, _IO('M', 0x7f), 0);
	expect_err(rc < 0 ? -errno : rc, ENOTTY, "enotty-unknown-ioctl");
	rc = ioctl(fd, MICA_IOCTL_EVTCHN_NOTIFY, &d);
	expect_err(rc < 0 ? -errno : rc, ENOTTY, "enotty-evtchn-ioctl");
}

/* The error open() gives a child running as nobody. */
static int open_as_nobody(const char *path)
{
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		fd = open(path, O_RDWR);
		_exit(fd >= 0 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void privcmd_nonroot(void)
{
	int err;

	err = open_as_nobody(MICA_PRIVCMD_PATH);
	check(err == EACCES, "nonroot-open-eacces", "open as uid 65534 gave %d", err);
	if (chmod(MICA_PRIVCMD_PATH, 0666)) {
		check(0, "nonroot-open-eperm", "chmod: %s", strerror(errno));
		return;
	}
	err = open_as_nobody(MICA_PRIVCMD_PATH);
	check(err == EPERM, "nonroot-open-eperm",
	      "open of a 0666 node as uid 65534 gave %d (want EPERM: CAP_SYS_ADMIN)", err);
	chmod(MICA_PRIVCMD_PATH, 0600);
}

static void test_privcmd(void)
{
	int fd = open_privcmd();

	if (fd < 0)
		return;
	privcmd_calls(fd);
	privcmd_refused(fd);
	privcmd_bad_args(fd);
	privcmd_nonroot();
	close(fd);
}

/* --------------------------------------------------------------- mmap */

#define DOM_PAGES 64

static int batch(int fd, void *addr, uint16_t domid, const uint64_t *gfns,
		 int32_t *errs, uint32_t num, uint16_t flags)
{
	struct mica_privcmd_mmapbatch b = {
		.addr = (uintptr_t)addr, .gfns = (uintptr_t)gfns,
		.errs = (uintptr_t)errs, .num = num, .domid = domid, .flags = flags,
	};

	return ioctl(fd, MICA_IOCTL_PRIVCMD_MMAPBATCH, &b) < 0 ? -errno : 0;
}

/* A DOM_PAGES, one-vCPU domain called name: 0 or -errno, its id in d->domid. */
static long create_raw(int fd, const char *name, struct mica_domctl *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->u.create.name, sizeof(d->u.create.name), "%s", name);
	d->u.create.mem_kb = DOM_PAGES * 4;
	d->u.create.nr_vcpus = 1;
	return domctl(fd, MICA_DOMCTL_create, d);
}

static long create_domain(int fd, const char *name)
{
	struct mica_domctl d;
	long rc = create_raw(fd, name, &d);

	check(rc == 0 && d.domid > 0, "domctl-create", "rc %ld domid %u", rc, d.domid);
	return rc ? rc : d.domid;
}

long destroy_domain(int fd, uint16_t domid)
{
	struct mica_domctl d;

	memset(&d, 0, sizeof(d));
	d.domid = domid;
	return domctl(fd, MICA_DOMCTL_destroy, &d);
}

/* A second domain of a name in use is refused, whatever libctl checked. */
static void create_same_name(int fd, const char *name)
{
	struct mica_domctl d;
	long rc = create_raw(fd, name, &d);

	expect_err(rc, EEXIST, "domctl-create-name-in-use");
	if (!rc)
		destroy_domain(fd, d.domid);
}

uint64_t dom0_pages(int fd)
{
	struct mica_domctl d;

	return getinfo(fd, MICA_DOMID_SELF, &d) ? 0 : d.u.getinfo.nr_pages;
}

uint64_t free_frames(int fd)
{
	struct mica_sysctl s;

	return physinfo(fd, &s) ? 0 : s.u.physinfo.free_frames;
}

uint64_t pattern(uint16_t domid, uint64_t gfn, size_t i)
{
	return 0x6d69636100000000ull ^ (uint64_t)domid << 48 ^ gfn << 12 ^ i;
}

void fill(uint64_t *p, uint16_t domid, uint64_t gfn)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = pattern(domid, gfn, i);
}

int same(const uint64_t *p, uint16_t domid, uint64_t gfn)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != pattern(domid, gfn, i))
			return 0;
	return 1;
}

static sigjmp_buf touch_jmp;

static void touch_signal(int sig)
{
	siglongjmp(touch_jmp, sig);
}

/*
 * The signal touching addr raises here, or 0. (Not in a child: the
 * driver's mappings are not copied on fork.)
 */
int touch(volatile char *addr, int write)
{
	struct sigaction sa = { .sa_handler = touch_signal }, old_segv, old_bus;
	volatile int sig;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(touch_jmp, 1);
	if (sig == 0) {
		if (write)
			*addr = 1;
		else
			(void)*addr;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

static void mmap_errors(int fd, uint16_t domid, char *rw, char *ro,
			uint64_t *gfns, int32_t *errs)
{
	char *priv;
	uint64_t hole[3] = { 1, 1000000, 2 };
	int rc;

	expect_err(batch(fd, rw, domid, gfns, errs, 1, 0), EBUSY, "mmapbatch-busy");
	expect_err(batch(fd, (void *)((uintptr_t)gfns & ~(PAGE - 1)), domid, gfns, errs,
			 1, 0), EINVAL, "mmapbatch-outside-mapping");
	expect_err(batch(fd, rw, domid, gfns, errs, DOM_PAGES + 1, 0), EINVAL,
		   "mmapbatch-past-the-end");
	expect_err(batch(fd, rw + 1, domid, gfns, errs, 1, 0), EINVAL, "mmapbatch-unaligned");
	expect_err(batch(fd, rw, domid, gfns, errs, 0, 0), EINVAL, "mmapbatch-num-0");
	expect_err(batch(fd, rw, 0, gfns, errs, 1, 0), EINVAL, "mmapbatch-dom0");
	expect_err(batch(fd, rw, domid, gfns, errs, 1, 2), EINVAL, "mmapbatch-bad-flag");
	expect_err(batch(fd, rw, domid, (void *)8, errs, 1, 0), EFAULT, "mmapbatch-bad-gfns");
	expect_err(batch(fd, rw, domid, gfns, (void *)8, 1, 0), EFAULT, "mmapbatch-bad-errs");
	rc = ioctl(fd, MICA_IOCTL_PRIVCMD_MMAPBATCH, (void *)8);
	expect_err(rc < 0 ? -errno : rc, EFAULT, "mmapbatch-bad-argument");
	priv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	check(priv == MAP_FAILED && errno == EINVAL, "mmap-private-refused",
	      "MAP_PRIVATE mmap gave %p (%s)", (void *)priv, strerror(errno));
	check(munmap(rw, PAGE) == -1 && errno == EINVAL, "munmap-part-refused",
	      "munmap of one page: %s", strerror(errno));
	check(mprotect(ro, DOM_PAGES * PAGE, PROT_READ | PROT_WRITE) == -1, "mprotect-write-refused",
	      "a read-only foreign mapping became writable");
	check(touch(ro, 1) == SIGSEGV, "write-readonly-sigsegv",
	      "a write through the read-only mapping did not end in SIGSEGV");
	priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (priv == MAP_FAILED) {
		check(0, "mmapbatch-hole", "mmap: %s", strerror(errno));
		return;
	}
	rc = batch(fd, priv, domid, hole, errs, 3, 0);
	check(rc == -ENOENT && errs[0] == 0 && errs[1] == -ENOENT && errs[2] == 0,
	      "mmapbatch-partial", "rc %d errs %d %d %d", rc, errs[0], errs[1], errs[2]);
	check(touch(priv + 3 * PAGE, 0) == SIGBUS, "unmapped-page-sigbus",
	      "a read of a page not mapped did not end in SIGBUS");
	expect_err(batch(fd, priv + 3 * PAGE, 0x7000, hole, errs, 1, 0), ESRCH,
		   "mmapbatch-no-such-domain");
	munmap(priv, 4 * PAGE);
}

/* The mapping moves whole with mremap(); it cannot shrink (a split). */
static char *mremap_checks(char *ro, uint16_t domid)
{
	size_t len = DOM_PAGES * PAGE;
	char *dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *moved = mremap(ro, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);

	check(moved == dst && same((uint64_t *)(moved + 7 * PAGE), domid, 7),
	      "mremap-moves-whole", "mremap gave %p (%s)", (void *)moved,
	      moved == MAP_FAILED ? strerror(errno) : "pattern differs");
	if (moved == MAP_FAILED)
		moved = ro;
	check(mremap(moved, len, len - PAGE, 0) == MAP_FAILED, "mremap-shrink-refused",
	      "a foreign mapping shrank");
	return moved;
}

/*
 * A run of consecutive gfns that passes the end of the domain's RAM: the
 * driver maps runs in one call, and must fall back to frame by frame.
 */
static void mmap_run_past_end(int fd, uint16_t domid)
{
	uint64_t gfns[8];
	int32_t errs[8];
	char *p = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	int i, rc, bad = 0;

	if (p == MAP_FAILED) {
		check(0, "mmapbatch-run-past-the-end", "mmap: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 8; i++)
		gfns[i] = DOM_PAGES - 4 + i;
	rc = batch(fd, p, domid, gfns, errs, 8, MICA_MMAPBATCH_READONLY);
	for (i = 0; i < 8; i++)
		bad += errs[i] != (i < 4 ? 0 : -ENOENT);
	for (i = 0; i < 4 && !bad; i++)
		bad += !same((uint64_t *)(p + i * PAGE), domid, DOM_PAGES - 4 + i);
	check(rc == -ENOENT && !bad, "mmapbatch-run-past-the-end",
	      "rc %d, errs %d %d %d %d %d %d %d %d", rc, errs[0], errs[1], errs[2],
	      errs[3], errs[4], errs[5], errs[6], errs[7]);
	munmap(p, 8 * PAGE);
}

static void mmap_roundtrip(int fd, uint16_t domid)
{
	static uint64_t gfns[DOM_PAGES];
	static int32_t errs[DOM_PAGES];
	uint64_t pages0 = dom0_pages(fd);
	char *rw, *ro;
	int i, rc, bad = 0;

	for (i = 0; i < DOM_PAGES; i++)
		gfns[i] = i;
	rw = mmap(NULL, DOM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ro = mmap(NULL, DOM_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED || ro == MAP_FAILED) {
		check(0, "mmap", "%s", strerror(errno));
		return;
	}
	rc = batch(fd, rw, domid, gfns, errs, DOM_PAGES, 0);
	for (i = 0; i < DOM_PAGES; i++)
		bad += errs[i] != 0;
	check(rc == 0 && !bad, "mmapbatch-rw", "rc %d, %d frames failed", rc, bad);
	check(dom0_pages(fd) == pages0 - DOM_PAGES, "dom0-gave-its-frames",
	      "dom0 had %llu pages, now %llu", (unsigned long long)pages0,
	      (unsigned long long)dom0_pages(fd));
	for (i = 0; i < DOM_PAGES && !rc; i++)
		fill((uint64_t *)(rw + i * PAGE), domid, i);
	rc = batch(fd, ro, domid, gfns, errs, DOM_PAGES, MICA_MMAPBATCH_READONLY);
	for (i = 0, bad = 0; i < DOM_PAGES && !rc; i++)
		bad += !same((uint64_t *)(ro + i * PAGE), domid, i);
	check(rc == 0 && !bad, "mmapbatch-readonly-reads-pattern",
	      "rc %d, %d pages differ", rc, bad);
	expect_err(batch(fd, rw, domid, gfns, errs, 1, MICA_MMAPBATCH_READONLY), EINVAL,
		   "mmapbatch-readonly-needs-readonly-mapping");
	ro = mremap_checks(ro, domid);
	mmap_run_past_end(fd, domid);
	mmap_errors(fd, domid, rw, ro, gfns, errs);
	check(munmap(rw, DOM_PAGES * PAGE) == 0 && munmap(ro, DOM_PAGES * PAGE) == 0,
	      "munmap", "%s", strerror(errno));
	check(dom0_pages(fd) == pages0, "munmap-gives-dom0-its-frames",
	      "dom0 had %llu pages, now %llu", (unsigned long long)pages0,
	      (unsigned long long)dom0_pages(fd));
}

/* A child maps the domain, closes the file and exits without munmap. */
static void mmap_child_exit(int fd, uint16_t domid)
{
	uint64_t pages0 = dom0_pages(fd);
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		static uint64_t gfns[DOM_PAGES];
		static int32_t errs[DOM_PAGES];
		int cfd = open(MICA_PRIVCMD_PATH, O_RDWR);
		char *p = mmap(NULL, DOM_PAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, cfd, 0);
		int i;

		for (i = 0; i < DOM_PAGES; i++)
			gfns[i] = i;
		if (p == MAP_FAILED || batch(cfd, p, domid, gfns, errs, DOM_PAGES, 0))
			_exit(1);
		close(cfd);
		_exit(p[5 * PAGE + 8] == (char)pattern(domid, 5, 1) ? 0 : 2);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child-maps-and-exits",
	      "child status %#x", status);
	check(dom0_pages(fd) == pages0, "exit-without-munmap-frees",
	      "dom0 had %llu pages, now %llu", (unsigned long long)pages0,
	      (unsigned long long)dom0_pages(fd));
}

/* Not a check: how long mapping and unmapping a bigger domain takes. */
static void mmap_timing(int fd)
{
	struct mica_domctl d;
	struct timespec t0, t1, t2;
	uint32_t n = 2048, i;
	uint64_t *gfns = calloc(n, sizeof(*gfns));
	int32_t *errs = calloc(n, sizeof(*errs));
	char *p;
	int rc;

	memset(&d, 0, sizeof(d));
	snprintf(d.u.create.name, sizeof(d.u.create.name), "drvtest-big");
	d.u.create.mem_kb = n * 4;
	d.u.create.nr_vcpus = 1;
	if (!gfns || !errs || domctl(fd, MICA_DOMCTL_create, &d))
		return;
	for (i = 0; i < n; i++)
		gfns[i] = i;
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = batch(fd, p, d.domid, gfns, errs, n, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	munmap(p, n * PAGE);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("MICA-TEST drv-timing mmapbatch %u pages rc %d map %ld us unmap %ld us\n", n, rc,
	       (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	       (t2.tv_sec - t1.tv_sec) * 1000000 + (t2.tv_nsec - t1.tv_nsec) / 1000);
	destroy_domain(fd, d.domid);
	free(gfns);
	free(errs);
}

/*
 * A domain destroyed while this process maps it: its mapped frames stay
 * (pinned) and readable until munmap, then everything comes back.
 */
static void mmap_destroy_while_mapped(int fd)
{
	static uint64_t gfns[DOM_PAGES];
	static int32_t errs[DOM_PAGES];
	struct mica_domctl d;
	uint64_t free0 = free_frames(fd), pages0 = dom0_pages(fd);
	long domid = create_domain(fd, "drvtest-destroyed");
	char *p;
	int i, rc, bad = 0;

	if (domid < 0)
		return;
	for (i = 0; i < DOM_PAGES; i++)
		gfns[i] = i;
	p = mmap(NULL, DOM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = p == MAP_FAILED ? -errno : batch(fd, p, domid, gfns, errs, DOM_PAGES, 0);
	for (i = 0; i < DOM_PAGES && !rc; i++)
		fill((uint64_t *)(p + i * PAGE), domid, i);
	expect_err(destroy_domain(fd, domid), 0, "destroy-while-mapped");
	for (i = 0; i < DOM_PAGES && !rc; i++)
		bad += !same((uint64_t *)(p + i * PAGE), domid, i);
	check(!rc && !bad, "destroyed-domain-frames-stay-mapped",
	      "rc %d, %d pages changed", rc, bad);
	if (p != MAP_FAILED)
		munmap(p, DOM_PAGES * PAGE);
	check(getinfo(fd, domid, &d) == -ESRCH && free_frames(fd) == free0 &&
	      dom0_pages(fd) == pages0, "destroyed-domain-freed-at-munmap",
	      "getinfo %ld, free frames %llu (before %llu), dom0 pages %llu (before %llu)",
	      getinfo(fd, domid, &d), (unsigned long long)free_frames(fd),
	      (unsigned long long)free0, (unsigned long long)dom0_pages(fd),
	      (unsigned long long)pages0);
}

static void test_mmap(void)
{
	struct mica_domctl d;
	uint64_t free0, free1;
	long domid;
	int fd = open_privcmd();

	if (fd < 0)
		return;
	free0 = free_frames(fd);
	domid = create_domain(fd, "drvtest");
	if (domid < 0)
		return;
	create_same_name(fd, "drvtest");
	mmap_roundtrip(fd, domid);
	mmap_child_exit(fd, domid);
	mmap_destroy_while_mapped(fd);
	mmap_timing(fd);
	expect_err(destroy_domain(fd, domid), 0, "domctl-destroy");
	expect_err(getinfo(fd, domid, &d), ESRCH, "domain-gone");
	free1 = free_frames(fd);
	check(free1 == free0, "free-frames-back",
	      "hypervisor free frames %llu before, %llu after",
	      (unsigned long long)free0, (unsigned long long)free1);
	close(fd);
}

/* ------------------------------------------------------------- evtchn */

long ev_ioctl(int fd, unsigned long cmd, void *arg)
{
	long rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

/* The next port read() returns within ms, or -errno / 0 for none. */
static long ev_read(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t port;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(fd, &port, sizeof(port)) != sizeof(port))
		return -errno;
	return port;
}

static int ev_write(int fd, uint32_t port)
{
	return write(fd, &port, sizeof(port)) == sizeof(port) ? 0 : -errno;
}

/* The upcall MSI's count in /proc/interrupts, summed over the CPUs. */
static unsigned long upcall_count(void)
{
	char line[1024], *tok, *end, *save;
	unsigned long total = 0, n;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "mica-evtchn") || !strchr(line, ':'))
			continue;
		tok = strtok_r(strchr(line, ':') + 1, " \t\n", &save);
		for (; tok; tok = strtok_r(NULL, " \t\n", &save)) {
			n = strtoul(tok, &end, 10);
			if (*end)
				break;
			total += n;
		}
	}
	fclose(f);
	return total;
}

static long notify(int fd, uint32_t port)
{
	struct mica_ioctl_evtchn_port p = { .port = port };

	return ev_ioctl(fd, MICA_IOCTL_EVTCHN_NOTIFY, &p);
}

static void evtchn_loopback(int fd, long *pa, long *pb)
{
	struct mica_ioctl_evtchn_bind_unbound u = { .remote_domain = 0 };
	struct mica_ioctl_evtchn_bind_interdomain i = { .remote_domain = 0 };
	unsigned long irqs0 = upcall_count();
	long a, b, r;

	a = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_UNBOUND, &u);
	check(a > 0, "bind-unbound", "got %ld", a);
	i.remote_port = a;
	b = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &i);
	check(b > 0 && b != a, "bind-interdomain", "got %ld (unbound end %ld)", b, a);
	*pa = a;
	*pb = b;
	r = ev_read(fd, 5000);
	check(r == b, "new-interdomain-port-pending", "read %ld, want %ld", r, b);
	check(ev_write(fd, b) == 0, "unmask-by-write", "%s", strerror(errno));
	check(notify(fd, a) == 0, "notify", "%s", strerror(errno));
	/* A bad buffer gets EFAULT and the port stays queued. */
	if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1)
		expect_err(read(fd, bad_ptr, 4) < 0 ? -errno : 0, EFAULT,
			   "read-bad-buffer-efault");
	r = ev_read(fd, 5000);
	check(r == b, "notify-a-reads-b", "read %ld, want %ld", r, b);
	notify(fd, b);
	r = ev_read(fd, 5000);
	check(r == a, "notify-b-reads-a", "read %ld, want %ld", r, a);
	/* a is masked now: another event waits for its write. */
	notify(fd, b);
	r = ev_read(fd, 300);
	check(r == 0, "masked-until-written", "read %ld while masked", r);
	ev_write(fd, a);
	r = ev_read(fd, 5000);
	check(r == a, "pending-while-masked", "read %ld after the write, want %ld", r, a);
	ev_write(fd, a);
	check(upcall_count() > irqs0, "msi-upcalls",
	      "mica-evtchn interrupts %lu before, %lu after", irqs0, upcall_count());
}

static void evtchn_bad_args(int fd, long a)
{
	struct mica_ioctl_evtchn_bind_virq v = { .virq = MICA_VIRQ_TIMER };
	struct mica_ioctl_evtchn_port p = { .port = 999 };
	uint32_t ports[2] = { (uint32_t)a, 999 };
	uint32_t c;
	int fl;

	expect_err(ev_ioctl(fd, MICA_IOCTL_EVTCHN_NOTIFY, &p), EINVAL, "notify-not-ours");
	expect_err(ev_ioctl(fd, MICA_IOCTL_EVTCHN_UNBIND, &p), EINVAL, "unbind-not-ours");
	expect_err(ev_write(fd, 999), EINVAL, "write-not-ours");
	expect_err(write(fd, ports, sizeof(ports)) < 0 ? -errno : 0, EINVAL,
		   "write-one-not-ours");
	expect_err(write(fd, ports, 3) < 0 ? -errno : 0, EINVAL, "write-partial-port");
	expect_err(read(fd, &c, 1) < 0 ? -errno : 0, EINVAL, "read-short-buffer");
	expect_err(ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v), EINVAL, "bind-virq-timer");
	v.virq = 77;
	expect_err(ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v), EINVAL, "bind-virq-unknown");
	expect_err(ev_ioctl(fd, _IO('E', 0x7f), NULL), ENOTTY, "enotty-unknown-ioctl");
	expect_err(ev_ioctl(fd, MICA_IOCTL_EVTCHN_NOTIFY, (void *)8), EFAULT, "efault-ioctl");
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	expect_err(read(fd, &c, 4) < 0 ? -errno : 0, EAGAIN, "read-nonblock-eagain");
	fcntl(fd, F_SETFL, fl);
}

/* VIRQ_CONSOLE fires when the hypervisor's log grows. */
static void evtchn_virq_console(int pfd)
{
	static const char msg[] = "mica-drvtest: a line for VIRQ_CONSOLE\n";
	struct mica_ioctl_evtchn_bind_virq v = { .virq = MICA_VIRQ_CONSOLE };
	int fd = open(MICA_EVTCHN_PATH, O_RDWR);
	long port, r;

	port = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v);
	check(port > 0, "bind-virq-console", "got %ld", port);
	/* Whatever fired before this line was written does not count. */
	while (ev_read(fd, 100) == port)
		ev_write(fd, port);
	hc(pfd, MICA_HC_console_io, MICA_CONSOLE_write, (uintptr_t)msg, strlen(msg));
	r = ev_read(fd, 5000);
	check(r == port, "virq-console-on-log-growth", "read %ld, want %ld", r, port);
	close(fd);
}

/* Two files bind DOM_EXC; a domain's end reaches both. */
static void evtchn_virq(int pfd)
{
	struct mica_ioctl_evtchn_bind_virq v = { .virq = MICA_VIRQ_DOM_EXC };
	int f1 = open(MICA_EVTCHN_PATH, O_RDWR), f2 = open(MICA_EVTCHN_PATH, O_RDWR);
	long p1, p2, r1, r2, domid;

	p1 = ev_ioctl(f1, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v);
	p2 = ev_ioctl(f2, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v);
	check(p1 > 0 && p1 == p2, "bind-virq-shared", "ports %ld and %ld", p1, p2);
	expect_err(ev_ioctl(f1, MICA_IOCTL_EVTCHN_BIND_VIRQ, &v), EEXIST, "bind-virq-twice");
	domid = create_domain(pfd, "drvtest-virq");
	if (domid > 0)
		destroy_domain(pfd, domid);
	r1 = ev_read(f1, 5000);
	r2 = ev_read(f2, 5000);
	check(r1 == p1 && r2 == p1, "virq-dom-exc-reaches-both",
	      "read %ld and %ld, want %ld", r1, r2, p1);
	close(f1);
	close(f2);
	evtchn_virq_console(pfd);
}

static void test_evtchn(void)
{
	struct mica_ioctl_evtchn_bind_unbound u = { .remote_domain = 0 };
	struct mica_ioctl_evtchn_port p;
	int fd = open(MICA_EVTCHN_PATH, O_RDWR | O_CLOEXEC);
	int pfd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
	long a = 0, b = 0, again;

	check(fd >= 0 && pfd >= 0, "open", "%s", strerror(errno));
	if (fd < 0 || pfd < 0)
		return;
	evtchn_loopback(fd, &a, &b);
	evtchn_bad_args(fd, a);
	p.port = b;
	check(ev_ioctl(fd, MICA_IOCTL_EVTCHN_UNBIND, &p) == 0, "unbind", "%s", strerror(errno));
	expect_err(notify(fd, b), EINVAL, "notify-after-unbind");
	evtchn_virq(pfd);
	close(fd);
	fd = open(MICA_EVTCHN_PATH, O_RDWR | O_CLOEXEC);
	again = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_UNBOUND, &u);
	check(again == (a < b ? a : b), "close-frees-ports",
	      "a new port after close is %ld; the lowest freed was %ld", again,
	      a < b ? a : b);
	check(ev_ioctl(fd, MICA_IOCTL_EVTCHN_RESET, NULL) == 0 &&
	      notify(fd, again) == -EINVAL, "reset", "the port survived RESET");
	close(fd);
	close(pfd);
}

/* ------------------------------------------------------------- upcall */

/* The upcall MSI's IRQ number and its count on cpu, from /proc/interrupts. */
static int upcall_irq(int cpu, unsigned long *count)
{
	char line[1024], *tok, *save;
	int irq = -1, col;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (irq < 0 && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "mica-evtchn") || !strchr(line, ':'))
			continue;
		irq = atoi(line);
		tok = strtok_r(strchr(line, ':') + 1, " \t\n", &save);
		for (col = 0; tok && col < cpu; col++)
			tok = strtok_r(NULL, " \t\n", &save);
		*count = tok ? strtoul(tok, NULL, 10) : 0;
	}
	fclose(f);
	return irq;
}

/*
 * The upcall MSI sent to one CPU (/proc/irq/N/smp_affinity), events for
 * vCPU 0 (every port of dom0 notifies it): the handler on that CPU must
 * find them in vCPU 0's selector.
 */
static void test_upcall(int cpu)
{
	struct mica_ioctl_evtchn_bind_unbound u = { .remote_domain = 0 };
	struct mica_ioctl_evtchn_bind_interdomain bi = { .remote_domain = 0 };
	char path[64];
	unsigned long before = 0, after = 0;
	int fd, irq, i, got = 0;
	long a, b;
	FILE *f;

	irq = upcall_irq(cpu, &before);
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", irq);
	f = fopen(path, "w");
	check(f && fprintf(f, "%x\n", 1u << cpu) > 0 && fclose(f) == 0, "affinity",
	      "%s: %s", path, strerror(errno));
	fd = open(MICA_EVTCHN_PATH, O_RDWR);
	a = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_UNBOUND, &u);
	bi.remote_port = a;
	b = ev_ioctl(fd, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
	if (ev_read(fd, 5000) == b)
		ev_write(fd, b);
	for (i = 0; i < 20; i++) {
		notify(fd, a);
		if (ev_read(fd, 5000) != b)
			break;
		got++;
		ev_write(fd, b);
	}
	check(got == 20, "twenty-events", "%d of 20 arrived", got);
	upcall_irq(cpu, &after);
	check(after > before, "msi-on-this-cpu",
	      "IRQ %d on CPU %d: %lu before, %lu after", irq, cpu, before, after);
	close(fd);
}

/*
 * Not a test group: a domain's four params (public/param.h) through
 * privcmd, "STORE_GFN STORE_EVTCHN CONSOLE_GFN CONSOLE_EVTCHN" in decimal
 * on one line, for dom0/tests/plat.sh to compare with the store's nodes.
 */
static int print_params(const char *domid)
{
	struct mica_param p = { .domid = (uint16_t)atoi(domid) };
	int fd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
	long rc = fd < 0 ? -errno : 0;

	for (p.index = 0; !rc && p.index < MICA_PARAM_NR; p.index++) {
		rc = hc(fd, MICA_HC_param_op, MICA_PARAM_get, (uintptr_t)&p, 0);
		if (!rc)
			printf("%s%llu", p.index ? " " : "", (unsigned long long)p.value);
	}
	if (fd >= 0)
		close(fd);
	if (rc) {
		fprintf(stderr, "mica-drvtest: param %s: %s\n", domid, strerror((int)-rc));
		return 1;
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} groups[] = {
		{ "privcmd", test_privcmd },
		{ "mmap", test_mmap },
		{ "evtchn", test_evtchn },
		{ "gnt", test_gnt },
		{ "fuzz", test_fuzz },
		{ "edu", test_edu },
		{ "edu-domu", test_edu_domu },
	};
	size_t i;

	static char upcall_group[32];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "param"))
		return print_params(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "edu-storm"))
		return edu_storm(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "upcall")) {
		snprintf(upcall_group, sizeof(upcall_group), "upcall-cpu%d", atoi(argv[2]));
		group = upcall_group;
		test_upcall(atoi(argv[2]));
		printf("MICA-TEST drv %s done %d %d\n", group, checks, failed);
		return failed ? 1 : 0;
	}
	for (i = 0; argc == 2 && i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (strcmp(argv[1], groups[i].name))
			continue;
		group = groups[i].name;
		groups[i].fn();
		printf("MICA-TEST drv %s done %d %d\n", group, checks, failed);
		return failed ? 1 : 0;
	}
	fprintf(stderr, "usage: mica-drvtest privcmd|mmap|evtchn|gnt|fuzz|edu|edu-domu|upcall CPU|param DOMID|\n"
		"       edu-storm DEVDIR SECONDS\n");
	return 2;
}
