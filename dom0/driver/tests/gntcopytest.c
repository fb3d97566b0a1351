// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest gnt, GRANT_COPY: the hypervisor copies between dom0's own
 * grants (the loopback of gnttest.c) and this process's memory, both ways;
 * malformed segments are refused whole, a bad reference per segment.
 */
#include "drvtest.h"

static long gnt_copy(int fd, struct mica_gntdev_copy_seg *segs, uint32_t count)
{
	struct mica_ioctl_gntdev_grant_copy op = {
		.count = count, .segs = (uint64_t)(uintptr_t)segs,
	};

	return ev_ioctl(fd, MICA_IOCTL_GNTDEV_GRANT_COPY, &op);
}

/* One segment: grant (ref, offset) of domain 0 <-> local address. */
static struct mica_gntdev_copy_seg seg_from(uint32_t ref, uint16_t off, void *local,
					    uint16_t len, int to_grant)
{
	struct mica_gntdev_copy_ptr g = { .addr_or_ref = ref, .offset = off };
	struct mica_gntdev_copy_ptr l = { .addr_or_ref = (uint64_t)(uintptr_t)local };
	struct mica_gntdev_copy_seg s = { .len = len };

	s.src = to_grant ? l : g;
	s.dst = to_grant ? g : l;
	s.flags = to_grant ? MICA_GNTDEV_COPY_DST_GREF : MICA_GNTDEV_COPY_SRC_GREF;
	return s;
}

static void copy_errors(int fd, uint32_t ref, char *buf)
{
	struct mica_gntdev_copy_seg s;

	s = seg_from(ref, 0, buf, 0, 0);
	expect_err(gnt_copy(fd, &s, 1), EINVAL, "copy-len-0");
	s = seg_from(ref, 4000, buf, 200, 0);
	expect_err(gnt_copy(fd, &s, 1), EINVAL, "copy-grant-crosses-page");
	s = seg_from(ref, 0, buf + PAGE - 10, 20, 0);
	expect_err(gnt_copy(fd, &s, 1), EINVAL, "copy-local-crosses-page");
	s = seg_from(ref, 0, buf, 16, 0);
	s.flags |= 0x80;
	expect_err(gnt_copy(fd, &s, 1), EINVAL, "copy-bad-flags");
	expect_err(gnt_copy(fd, &s, 0), EINVAL, "copy-count-0");
	expect_err(gnt_copy(fd, &s, MICA_GNTDEV_COPY_MAX + 1), EINVAL, "copy-count-max");
	s = seg_from(ref, 0, (void *)8, 16, 0);
	expect_err(gnt_copy(fd, &s, 1), EFAULT, "copy-bad-address");
	s = seg_from(0xfffff, 0, buf, 16, 0);
	check(gnt_copy(fd, &s, 1) == 0 && s.status < 0, "copy-bad-ref-status",
	      "status %d", s.status);
}

/* a: the writable mapping of refs[0..1] (dom0's own grants, by gntalloc). */
void gnt_copy_checks(int gd, const uint32_t *refs, char *a)
{
	struct mica_gntdev_copy_seg s[2];
	char *buf = aligned_alloc(PAGE, 2 * PAGE), saved[96];
	long rc;

	if (!buf)
		return;
	memset(buf, 0x5a, 2 * PAGE);
	s[0] = seg_from(refs[0], 100, buf + 10, 1000, 0);
	s[1] = seg_from(refs[1], 0, buf + PAGE, (uint16_t)PAGE, 0);
	rc = gnt_copy(gd, s, 2);
	check(rc == 0 && !s[0].status && !s[1].status && !memcmp(buf + 10, a + 100, 1000) &&
	      !memcmp(buf + PAGE, a + PAGE, PAGE), "copy-from-grants",
	      "rc %ld status %d %d", rc, s[0].status, s[1].status);
	memcpy(saved, a + PAGE + 4000, sizeof(saved));
	s[0] = seg_from(refs[1], 4000, buf, sizeof(saved), 1);
	rc = gnt_copy(gd, s, 1);
	check(rc == 0 && !s[0].status && !memcmp(a + PAGE + 4000, buf, sizeof(saved)),
	      "copy-to-grant", "rc %ld status %d", rc, s[0].status);
	memcpy(a + PAGE + 4000, saved, sizeof(saved));
	copy_errors(gd, refs[0], buf);
	free(buf);
}
