/* SPDX-License-Identifier: MIT */
/* MICA_HC_sched_op: give up the CPU, or end the domain. */
#ifndef MICA_PUBLIC_SCHED_H
#define MICA_PUBLIC_SCHED_H

#include "types.h"

/*
 * sched_op(MICA_SCHED_yield): let another vCPU run; returns 0.
 * sched_op(MICA_SCHED_block): sleep until an event is pending for the vCPU;
 *     returns 0 (at once if one already is).
 * sched_op(MICA_SCHED_shutdown, reason): end the whole domain with a reason;
 *     does not return on success; -MICA_EINVAL for an unknown reason.
 */
#define MICA_SCHED_yield      0
#define MICA_SCHED_block      1
#define MICA_SCHED_shutdown   2

#define MICA_SHUTDOWN_poweroff  0
#define MICA_SHUTDOWN_reboot    1
#define MICA_SHUTDOWN_crash     2

#endif
