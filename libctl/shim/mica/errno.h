/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libctl's stand-in for <mica/errno.h>: Mica's error numbers are Linux's. */
#ifndef LIBCTL_SHIM_MICA_ERRNO_H
#define LIBCTL_SHIM_MICA_ERRNO_H

#include <errno.h>

#endif
