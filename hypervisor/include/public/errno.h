/* SPDX-License-Identifier: MIT */
/*
 * Error numbers returned (negated) by every hypercall. The values are Linux's,
 * so dom0 tools can hand them straight to strerror().
 */
#ifndef MICA_PUBLIC_ERRNO_H
#define MICA_PUBLIC_ERRNO_H

#define MICA_EPERM        1   /* caller lacks the privilege the call needs */
#define MICA_ENOENT       2   /* no such object (port, grant ref, ...) */
#define MICA_ESRCH        3   /* no such domain */
#define MICA_EINTR        4
#define MICA_EIO          5
#define MICA_ENXIO        6   /* no IOMMU to confine the device's DMA */
#define MICA_E2BIG        7   /* argument larger than the call accepts */
#define MICA_EBADF        9
#define MICA_EAGAIN      11   /* try again (resource busy for now) */
#define MICA_ENOMEM      12   /* hypervisor out of memory */
#define MICA_EACCES      13
#define MICA_EFAULT      14   /* a guest pointer does not map to guest RAM */
#define MICA_EBUSY       16   /* object in use */
#define MICA_EEXIST      17
#define MICA_ENODEV      19
#define MICA_EINVAL      22   /* an argument is out of range or malformed */
#define MICA_ENOSPC      28   /* a per-domain limit is reached */
#define MICA_ERANGE      34
#define MICA_ENOSYS      38   /* unknown hypercall or sub-command */
#define MICA_EOVERFLOW   75
#define MICA_EOPNOTSUPP  95
#define MICA_EDQUOT     122   /* the domain's hypervisor-memory budget is spent */

#endif
