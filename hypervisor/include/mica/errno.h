/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal errno names: the public values, without the prefix. */
#ifndef MICA_ERRNO_H
#define MICA_ERRNO_H

#include <public/errno.h>

#define EPERM       MICA_EPERM
#define ENOENT      MICA_ENOENT
#define ESRCH       MICA_ESRCH
#define EINTR       MICA_EINTR
#define EIO         MICA_EIO
#define ENXIO       MICA_ENXIO
#define E2BIG       MICA_E2BIG
#define EBADF       MICA_EBADF
#define EAGAIN      MICA_EAGAIN
#define ENOMEM      MICA_ENOMEM
#define EACCES      MICA_EACCES
#define EFAULT      MICA_EFAULT
#define EBUSY       MICA_EBUSY
#define EEXIST      MICA_EEXIST
#define ENODEV      MICA_ENODEV
#define EINVAL      MICA_EINVAL
#define ENOSPC      MICA_ENOSPC
#define ERANGE      MICA_ERANGE
#define ENOSYS      MICA_ENOSYS
#define EOVERFLOW   MICA_EOVERFLOW
#define EOPNOTSUPP  MICA_EOPNOTSUPP
#define EDQUOT      MICA_EDQUOT

#endif
