/* SPDX-License-Identifier: MIT */
/* MICA_HC_version: which ABI the hypervisor speaks and what it offers. */
#ifndef MICA_PUBLIC_VERSION_H
#define MICA_PUBLIC_VERSION_H

#include "types.h"

#define MICA_ABI_MAJOR 0
#define MICA_ABI_MINOR 1

/*
 * version(MICA_VERSION_get): returns (major << 16) | minor.
 * version(MICA_VERSION_info, struct mica_version_info *out): fills *out,
 * returns 0; -MICA_EFAULT if out is not writable guest memory.
 */
#define MICA_VERSION_get   0
#define MICA_VERSION_info  1

/* Feature bits in mica_version_info.features. */
#define MICA_FEAT_CONSOLE_IO   (1ull << 0)
#define MICA_FEAT_SCHED_OP     (1ull << 1)

struct mica_version_info {
    uint32_t major;
    uint32_t minor;
    uint64_t features;      /* MICA_FEAT_* */
    char     extra[32];     /* NUL-terminated build string, e.g. "mica-0.1" */
};
MICA_STATIC_ASSERT(sizeof(struct mica_version_info) == 48, "ABI size");

/* CPUID leaf 0x40000000: EAX = highest Mica leaf, EBX:ECX:EDX = "MicaMicaMica". */
#define MICA_CPUID_BASE       0x40000000u
#define MICA_CPUID_SIG_EBX    0x6163694du  /* "Mica" */
#define MICA_CPUID_SIG_ECX    0x6163694du
#define MICA_CPUID_SIG_EDX    0x6163694du

#endif
