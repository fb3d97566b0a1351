/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostile_ud: empty the IDT (limit 0) and execute UD2. #UD then #GP then #DF
 * find no gate: a triple fault, after which the hypervisor must kill the
 * domain. Expected output: "PASS <guest>: started" and nothing more.
 */
#include "guest.h"

const char guest_builtin_name[] = "hostile_ud";

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

int guest_main(const struct mica_start_info *si)
{
    static const struct desc_ptr no_idt = { 0, 0 };

    (void)si;
    check(true, "started", "-");
    asm volatile ("lidt %0; ud2" :: "m" (no_idt) : "memory");
    check(false, "survived ud2", "the vCPU ran on after a triple fault");
    return 0;
}
