/* SPDX-License-Identifier: GPL-2.0-only */
/* Ending the machine: power-off, reset, halt. The arch implements these. */
#ifndef MICA_MACHINE_H
#define MICA_MACHINE_H

#include <mica/types.h>

/*
 * Why the machine ends. With the debug_exit=PORT option (tests under QEMU's
 * isa-debug-exit device) the status is written to PORT as 0x10 + status,
 * so QEMU exits with ((0x10 + status) << 1) | 1: 33, 35, 37, 39.
 */
enum machine_status {
    MACHINE_DONE = 0,       /* every domain has ended */
    MACHINE_FAILED = 1,     /* the hypervisor could not do what it was asked */
    MACHINE_PANIC = 2,      /* a hypervisor bug */
    MACHINE_UNSUPPORTED = 3 /* the CPU lacks what Mica needs */
};

void machine_poweroff(enum machine_status status) __noreturn;
void machine_restart(void) __noreturn;
/* Stop every CPU for good, leaving the console's last words on screen. */
void machine_halt(void) __noreturn;
/* Stop every other CPU (they halt with interrupts off). */
void smp_stop_others(void);

#endif
