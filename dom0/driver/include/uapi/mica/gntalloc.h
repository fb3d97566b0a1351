/* SPDX-License-Identifier: MIT */
/*
 * /dev/mica/gntalloc: pages of this process granted to another domain (as
 * Linux's gntalloc device is Xen's). docs/dom0-driver.md is the reference.
 *
 * ALLOC_GREF allocates count zeroed pages, grants each to domid and returns
 * the grant references and an offset; mmap(NULL, count * page size, prot,
 * MAP_SHARED, fd, offset) maps the pages. DEALLOC_GREF (or closing the
 * file) revokes the grants once no mapping of this file holds them; a
 * grant the other domain still maps keeps its page until it unmaps it.
 * The ioctls return 0 or -1 with errno.
 */
#ifndef MICA_UAPI_GNTALLOC_H
#define MICA_UAPI_GNTALLOC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MICA_GNTALLOC_PATH "/dev/mica/gntalloc"

#define MICA_GNTALLOC_ALLOC_MAX	1024u	/* grants per ALLOC_GREF */
#define MICA_GNTALLOC_FILE_MAX	1024u	/* grants per file */

#define MICA_GNTALLOC_WRITABLE	(1u << 0)	/* else read-only grants */

struct mica_ioctl_gntalloc_alloc_gref {
	__u16 domid;	/* IN: the grantee (MICA_DOMID_SELF: dom0 itself) */
	__u16 flags;	/* IN: MICA_GNTALLOC_WRITABLE or 0 */
	__u32 count;	/* IN: 1 .. MICA_GNTALLOC_ALLOC_MAX */
	__u64 index;	/* OUT: the mmap() offset, in bytes */
	__u32 refs[];	/* OUT: count grant references */
};

struct mica_ioctl_gntalloc_dealloc_gref {
	__u64 index;	/* IN: as ALLOC_GREF returned it */
	__u32 count;	/* IN: as ALLOC_GREF was given it */
	__u32 pad;	/* IN: 0 */
};

#define MICA_IOCTL_GNTALLOC_ALLOC_GREF \
	_IOWR('G', 0x10, struct mica_ioctl_gntalloc_alloc_gref)
#define MICA_IOCTL_GNTALLOC_DEALLOC_GREF \
	_IOW('G', 0x11, struct mica_ioctl_gntalloc_dealloc_gref)

#endif
