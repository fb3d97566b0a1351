/* SPDX-License-Identifier: MIT */
/*
 * /dev/mica/gntdev: map other domains' grants into a process (as Linux's
 * gntdev device is Xen's). docs/dom0-driver.md is the reference.
 *
 * MAP_GRANT_REF records count grant references of one granting domain and
 * returns an offset; mmap(NULL, count * page size, prot, MAP_SHARED, fd,
 * offset) then maps them, read-only unless PROT_WRITE. UNMAP_GRANT_REF
 * forgets the offset; grants still in a mapping stay mapped until munmap().
 * Closing the file (and unmapping) releases everything. The ioctls return 0
 * or -1 with errno.
 *
 * GRANT_COPY has the hypervisor copy bytes between other domains' grants
 * and this process's memory (or between grants), without mapping them
 * (as Linux's IOCTL_GNTDEV_GRANT_COPY): the way a backend moves packets.
 */
#ifndef MICA_UAPI_GNTDEV_H
#define MICA_UAPI_GNTDEV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MICA_GNTDEV_PATH "/dev/mica/gntdev"

#define MICA_GNTDEV_MAP_MAX	256u	/* grants per MAP_GRANT_REF */
#define MICA_GNTDEV_FILE_MAX	256u	/* grants recorded per file */

struct mica_ioctl_gntdev_map_grant_ref {
	__u16 domid;	/* IN: the granter; MICA_DOMID_SELF for dom0 itself */
	__u16 pad;	/* IN: 0 */
	__u32 count;	/* IN: 1 .. MICA_GNTDEV_MAP_MAX */
	__u64 index;	/* OUT: the mmap() offset, in bytes */
	__u32 refs[];	/* IN: count grant references of domid */
};

struct mica_ioctl_gntdev_unmap_grant_ref {
	__u64 index;	/* IN: as MAP_GRANT_REF returned it */
	__u32 count;	/* IN: as MAP_GRANT_REF was given it */
	__u32 pad;	/* IN: 0 */
};

/*
 * One side of a copy segment: a grant (flags MICA_GNTDEV_COPY_*_GREF) or
 * bytes at a user address of this process. Neither side may cross a page
 * (grant: offset + len <= 4096; local: addr % 4096 + len <= 4096).
 */
struct mica_gntdev_copy_ptr {
	__u64 addr_or_ref;	/* IN: user address, or a grant reference */
	__u16 domid;		/* IN: the granter (a grant only) */
	__u16 offset;		/* IN: byte offset in the granted page (a grant only) */
	__u32 pad;		/* IN: 0 */
};

#define MICA_GNTDEV_COPY_SRC_GREF	0x0001u
#define MICA_GNTDEV_COPY_DST_GREF	0x0002u

struct mica_gntdev_copy_seg {
	struct mica_gntdev_copy_ptr src, dst;	/* IN */
	__u16 len;		/* IN: 1 .. 4096 */
	__u16 flags;		/* IN: MICA_GNTDEV_COPY_* */
	__s16 status;		/* OUT: 0 or -errno (the hypervisor's, per segment) */
	__u16 pad;		/* IN: 0 */
};

#define MICA_GNTDEV_COPY_MAX	256u	/* segments per GRANT_COPY */

/*
 * Returns 0 once the hypervisor ran the batch: each segment's status says
 * whether it was copied. A malformed segment (EINVAL), a bad user address
 * (EFAULT) or count out of range (EINVAL) fails the whole call, nothing
 * copied.
 */
struct mica_ioctl_gntdev_grant_copy {
	__u32 count;		/* IN: 1 .. MICA_GNTDEV_COPY_MAX */
	__u32 pad;		/* IN: 0 */
	__u64 segs;		/* IN: user pointer to struct mica_gntdev_copy_seg[count] */
};

#define MICA_IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOWR('G', 0x00, struct mica_ioctl_gntdev_map_grant_ref)
#define MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOW('G', 0x01, struct mica_ioctl_gntdev_unmap_grant_ref)
#define MICA_IOCTL_GNTDEV_GRANT_COPY \
	_IOW('G', 0x02, struct mica_ioctl_gntdev_grant_copy)

#endif
