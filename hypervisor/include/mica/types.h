/* SPDX-License-Identifier: GPL-2.0-only */
/* Basic types for hypervisor code. Freestanding: only compiler headers. */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint64_t paddr_t;    /* machine-physical address */
typedef uint64_t mfn_t;      /* machine frame number */
typedef uint64_t gpa_t;      /* guest-physical address */
typedef uint64_t gfn_t;      /* guest frame number */
typedef uint16_t domid_t;

#define PAGE_SHIFT   12
#define PAGE_SIZE    (1ul << PAGE_SHIFT)
#define PAGE_MASK    (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a)        (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)       (((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)     ((x) & ~((typeof(x))(a) - 1))
#define MIN(a, b)            ((a) < (b) ? (a) : (b))
#define MAX(a, b)            ((a) > (b) ? (a) : (b))
#define BUILD_BUG_ON(c)      _Static_assert(!(c), #c)
#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))

#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __noreturn      __attribute__((noreturn))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)

#endif
