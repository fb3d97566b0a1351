/* SPDX-License-Identifier: GPL-2.0-only */
/* MICA_HC_version: the ABI version and feature bits. */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/version.h>
#include <mica/version.h>

#define MICA_BUILD_STRING "mica-" MICA_VERSION_STRING

long do_version(struct vcpu *v, const uint64_t args[5])
{
    struct mica_version_info info;

    switch (args[0]) {
    case MICA_VERSION_get:
        return (MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR;
    case MICA_VERSION_info:
        memset(&info, 0, sizeof(info));
        info.major = MICA_ABI_MAJOR;
        info.minor = MICA_ABI_MINOR;
        info.features = MICA_FEAT_CONSOLE_IO | MICA_FEAT_SCHED_OP;
        strlcpy(info.extra, MICA_BUILD_STRING, sizeof(info.extra));
        return copy_to_guest(v, args[1], &info, sizeof(info)) ? -EFAULT : 0;
    default:
        return -ENOSYS;
    }
}
