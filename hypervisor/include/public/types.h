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

/*
 * Domain ids: 0 is the control domain; ids are never reused. Wherever a call
 * takes a domain id, MICA_DOMID_SELF names the caller.
 */
#define MICA_DOMID_MAX      0x7fefu   /* highest id a domain can have */
#define MICA_DOMID_SELF     0x7ff0u   /* the calling domain */

/* Guest frame numbers are below this (48-bit guest-physical addresses). */
#define MICA_GFN_LIMIT      (1ull << 36)

#endif
