/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * halt: "cli; hlt" on the only vCPU. A vCPU halted with interrupts off can
 * never wake, so the hypervisor takes it as down, and with every vCPU down
 * the domain is powered off. Expected output: "PASS <guest>: started" and
 * nothing more; the domain ends as powered off.
 */
#include "guest.h"

const char guest_builtin_name[] = "halt";

int guest_main(const struct mica_start_info *si)
{
    (void)si;
    check(true, "started", "-");
    asm volatile ("cli; hlt" ::: "memory");
    check(false, "survived cli; hlt", "the vCPU ran on after halting");
    return 0;
}
