/* SPDX-License-Identifier: MIT */
/*
 * Hypercall numbers and calling convention (docs/abi.md is the reference).
 *
 * A guest issues VMMCALL with the hypercall number in RAX and up to five
 * arguments in RDI, RSI, RDX, R10, R8 (the x86-64 syscall order). The result
 * comes back in RAX: >= 0 on success, -MICA_Exxx on failure. No other register
 * is changed. Pointers are guest-virtual addresses, translated through the
 * calling vCPU's page tables at the time of the call.
 *
 * Each top-level hypercall owns one subsystem and takes a sub-command as its
 * first argument. Numbers are never reused.
 */
#ifndef MICA_PUBLIC_HYPERCALL_H
#define MICA_PUBLIC_HYPERCALL_H

#include "types.h"
#include "errno.h"

#define MICA_HC_version          0   /* version and feature query      (any domain) */
#define MICA_HC_console_io       1   /* write to the hypervisor console (any domain) */
#define MICA_HC_sched_op         2   /* yield, block, shutdown          (any domain) */
#define MICA_HC_domctl           3   /* domain control              (privileged) public/domctl.h */
#define MICA_HC_memory_op        4   /* reservations, foreign maps    (mixed) public/memory.h */
#define MICA_HC_event_channel_op 5   /* event channels           (any domain) public/event_channel.h */
#define MICA_HC_grant_table_op   6   /* grant tables             (any domain) public/grant_table.h */
#define MICA_HC_vcpu_op          7   /* timers, time page, upcall vector (any) public/vcpu.h */
#define MICA_HC_sysctl           8   /* console ring, log, physinfo (privileged) public/sysctl.h */
#define MICA_HC_param_op         9   /* store and console ring params (mixed) public/param.h */
#define MICA_HC_NR              10   /* first unused number */

#endif
