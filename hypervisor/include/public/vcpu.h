/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_vcpu_op: the calling vCPU's upcall vector, time page and one-shot
 * timer. Arguments are plain values in registers (no structures):
 *
 *     vcpu_op(MICA_VCPUOP_xxx, a1, a2)
 *
 * Every sub-command acts on the vCPU that makes the call. System time is
 * nanoseconds on the hypervisor's clock (the time page's system_time,
 * public/shared_info.h). docs/abi.md lists every error.
 */
#ifndef MICA_PUBLIC_VCPU_H
#define MICA_PUBLIC_VCPU_H

#include "types.h"

/*
 * (vector): the vector event upcalls are delivered on, 32..255, or 0 for
 * none. -MICA_EINVAL for anything else. Returns 0.
 */
#define MICA_VCPUOP_register_upcall_vector  0

/*
 * (gfn): keep a struct mica_vcpu_time_info at offset 0 of guest frame gfn
 * (the domain's own writable RAM), filled now and each time the vCPU is
 * scheduled in. MICA_GFN_NONE stops the updates. -MICA_EINVAL for any other
 * gfn that is not the domain's RAM. Returns 0.
 */
#define MICA_VCPUOP_register_time_page      1

/*
 * (deadline, flags): raise MICA_VIRQ_TIMER on this vCPU (when bound) once
 * system time reaches deadline; replaces any timer already set. A deadline
 * already past fires at once, unless flags has MICA_TIMER_FUTURE: then
 * -MICA_ERANGE and nothing is set. Unknown flags: -MICA_EINVAL. Returns 0.
 */
#define MICA_VCPUOP_set_singleshot_timer    2

/* (): cancel the timer (nothing if none is set). Returns 0. */
#define MICA_VCPUOP_stop_singleshot_timer   3

/* (): returns the current system time in ns (always >= 0). */
#define MICA_VCPUOP_get_system_time         4

#define MICA_TIMER_FUTURE   0x1u
#define MICA_GFN_NONE       (~(uint64_t)0)

#endif
