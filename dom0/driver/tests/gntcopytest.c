// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest gnt, GRANT_COPY: copies between dom0's own grants (the
 * loopback pages of gnttest.c) and local buffers, in both directions and
 * in one batch; every malformed call refused with nothing copied; a bad
 * grant fails only its own segment; nothing is left mapped.
 */
#include "drvtest.h"

#define COPY_TAG 0x5c

/* GRANT_COPY of n segments: 0 or -errno. */
static int gnt_copy(int fd, struct mica_gntdev_copy_seg *segs, uint32_t n)
{
	struct mica_ioctl_gntdev_grant_copy op = {
		.count = n, .segments = (uintptr_t)segs,
	};

	return ioctl(fd, MICA_IOCTL_GNTDEV_GRANT_COPY, &op) ? -errno : 0;
}

static struct mica_gntdev_copy_seg to_grant(void *src, uint32_t ref, uint16_t off, uint16_t len)
{
	return (struct mica_gntdev_copy_seg){
		.source.virt = (uintptr_t)src,
		.dest = { .ref = ref, .offset = off, .domid = MICA_DOMID_SELF },
		.len = len, .flags = MICA_GNTCOPY_dst_gref,
	};
}

static struct mica_gntdev_copy_seg from_grant(uint32_t ref, uint16_t off, void *dst, uint16_t len)
{
	return (struct mica_gntdev_copy_seg){
		.source = { .ref = ref, .offset = off, .domid = MICA_DOMID_SELF },
		.dest.virt = (uintptr_t)dst,
		.len = len, .flags = MICA_GNTCOPY_src_gref,
	};
}

/* Local to grant and back, one segment per page, in two batches. */
static void copy_both_ways(int gd, const uint32_t *refs, unsigned int n, char *a, char *buf)
{
	struct mica_gntdev_copy_seg segs[8];
	unsigned int i, bad = 0;
	int rc;

	memset(buf, COPY_TAG, n * PAGE);
	for (i = 0; i < n; i++)
		segs[i] = to_grant(buf + i * PAGE + 100, refs[i], 512, 1024);
	rc = gnt_copy(gd, segs, n);
	for (i = 0; i < n; i++)
		bad += segs[i].status != 0 || a[i * PAGE + 512] != COPY_TAG ||
		       a[i * PAGE + 1535] != COPY_TAG || a[i * PAGE + 1536] == COPY_TAG ||
		       a[i * PAGE + 511] == COPY_TAG;
	check(rc == 0 && !bad, "copy-to-grants", "rc %d, %u pages wrong", rc, bad);
	memset(buf, 0, n * PAGE);
	for (i = 0; i < n; i++)
		segs[i] = from_grant(refs[i], 0, buf + i * PAGE, PAGE);
	rc = gnt_copy(gd, segs, n);
	for (i = 0, bad = 0; i < n; i++)
		bad += segs[i].status != 0 || memcmp(buf + i * PAGE, a + i * PAGE, PAGE) != 0;
	check(rc == 0 && !bad, "copy-from-grants", "rc %d, %u pages differ", rc, bad);
}

/* A malformed segment refuses the call. */
static void copy_refused(int gd, struct mica_gntdev_copy_seg bad, int err, const char *name)
{
	expect_err(gnt_copy(gd, &bad, 1), err, name);
}

static void copy_errors(int gd, uint32_t ref, char *buf)
{
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mica_gntdev_copy_seg s, pair[2];
	struct mica_ioctl_gntdev_grant_copy op = { .count = 1, .pad = 1 };

	expect_err(gnt_copy(gd, &s, 0), EINVAL, "copy-count-0");
	expect_err(gnt_copy(gd, &s, MICA_GNTDEV_COPY_MAX + 1), EINVAL, "copy-count-max+1");
	op.segments = (uintptr_t)&s;
	expect_err(ioctl(gd, MICA_IOCTL_GNTDEV_GRANT_COPY, &op) ? -errno : 0, EINVAL, "copy-pad");
	expect_err(gnt_copy(gd, (void *)8, 1), EFAULT, "copy-segments-unmapped");
	s = to_grant(buf, ref, 0, 0);
	copy_refused(gd, s, EINVAL, "copy-len-0");
	s = to_grant(buf, ref, 0, PAGE + 1);
	copy_refused(gd, s, EINVAL, "copy-len-page+1");
	s = to_grant(buf, ref, 4000, 200);
	copy_refused(gd, s, EINVAL, "copy-grant-offset-crosses-page");
	s = to_grant(buf + PAGE - 8, ref, 0, 16);
	copy_refused(gd, s, EINVAL, "copy-local-crosses-page");
	s = to_grant(buf, ref, 0, 16);
	s.flags |= 0x4;
	copy_refused(gd, s, EINVAL, "copy-unknown-flag");
	s = to_grant(buf, ref, 0, 16);
	s.pad = 1;
	copy_refused(gd, s, EINVAL, "copy-segment-pad");
	s = to_grant(buf, ref, 0, 16);
	s.dest.domid = MICA_DOMID_MAX + 1;
	copy_refused(gd, s, EINVAL, "copy-bad-domid");
	s = to_grant((void *)PAGE, ref, 0, 16);
	copy_refused(gd, s, EFAULT, "copy-local-unmapped");
	s = from_grant(ref, 0, ro, 16);
	copy_refused(gd, s, EFAULT, "copy-into-read-only-memory");
	/* A bad grant fails its own segment only. */
	pair[0] = from_grant(0xfffff, 0, buf, 16);
	pair[1] = from_grant(ref, 0, buf + PAGE, 16);
	check(gnt_copy(gd, pair, 2) == 0 && pair[0].status < 0 && pair[1].status == 0,
	      "copy-bad-ref-own-status", "statuses %d %d", pair[0].status, pair[1].status);
	munmap(ro, PAGE);
}

/* refs: n dom0 grants of the writable pages at a (gntalloc's loopback). */
void gnt_copy_tests(int gd, const uint32_t *refs, unsigned int n, char *a)
{
	char *buf = mmap(NULL, (n + 1) * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *saved = malloc(n * PAGE);
	long maps0 = grant_maps();

	if (buf == MAP_FAILED || !saved || n > 8) {
		check(0, "copy-setup", "%s", strerror(errno));
		return;
	}
	memcpy(saved, a, n * PAGE);
	copy_both_ways(gd, refs, n, a, buf);
	copy_errors(gd, refs[0], buf);
	check(grant_maps() == maps0, "copy-maps-nothing", "grant maps %ld, before %ld",
	      grant_maps(), maps0);
	memcpy(a, saved, n * PAGE);
	free(saved);
	munmap(buf, (n + 1) * PAGE);
}
