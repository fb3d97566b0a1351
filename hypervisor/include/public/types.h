/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types for the public ABI. The same headers are included by the
 * hypervisor (freestanding), libctl and the toolstack (hosted), the Linux
 * kernel modules (__KERNEL__) and the test guests (freestanding).
 */
#ifndef MICA_PUBLIC_TYPES_H
#define MICA_PUBLIC_TYPES_H

#if defined(__KERNEL__)
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define MICA_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
