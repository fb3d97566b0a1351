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

#define MICA_IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOWR('G', 0x00, struct mica_ioctl_gntdev_map_grant_ref)
#define MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOW('G', 0x01, struct mica_ioctl_gntdev_unmap_grant_ref)

#endif
