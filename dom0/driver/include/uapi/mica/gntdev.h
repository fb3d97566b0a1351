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
 * GRANT_COPY (as Linux's IOCTL_GNTDEV_GRANT_COPY) copies count segments in
 * one MICA_GNTTABOP_copy batch, without mapping anything: each segment's
 * source and destination is either a grant (ref, offset, domid: the flag
 * MICA_GNTCOPY_src_gref / dst_gref of public/grant_table.h) or an address
 * of the caller's; neither side may cross a page. The ioctl fails (nothing
 * copied) when a segment is malformed or a local address is not mapped
 * (readable, or writable for a destination); otherwise it returns 0 and
 * each segment's status is 0 or the -errno of its copy (a bad grant).
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

#define MICA_GNTDEV_COPY_MAX	256u	/* segments per GRANT_COPY */

struct mica_gntdev_copy_ptr {
	__u64 virt;	/* a local side: the caller's address */
	__u32 ref;	/* a grant side: the reference, */
	__u16 offset;	/* ... the byte offset in its page, */
	__u16 domid;	/* ... the granter (MICA_DOMID_SELF: the caller) */
};

struct mica_gntdev_copy_seg {
	struct mica_gntdev_copy_ptr source, dest;	/* IN */
	__u16 len;	/* IN: 1 .. page size bytes */
	__u16 flags;	/* IN: MICA_GNTCOPY_src_gref | MICA_GNTCOPY_dst_gref */
	__s16 status;	/* OUT: 0 or -errno */
	__u16 pad;	/* IN: 0 */
};

struct mica_ioctl_gntdev_grant_copy {
	__u32 count;	/* IN: 1 .. MICA_GNTDEV_COPY_MAX */
	__u32 pad;	/* IN: 0 */
	__u64 segments;	/* IN: the address of count struct mica_gntdev_copy_seg */
};

#define MICA_IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOWR('G', 0x00, struct mica_ioctl_gntdev_map_grant_ref)
#define MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOW('G', 0x01, struct mica_ioctl_gntdev_unmap_grant_ref)
#define MICA_IOCTL_GNTDEV_GRANT_COPY \
	_IOW('G', 0x02, struct mica_ioctl_gntdev_grant_copy)

#endif
