/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostile_oob: write past the end of guest RAM, through a mapping the
 * builder's page tables provide, and expect the hypervisor to kill the domain.
 * First the byte at nr_pages * 4096, then (if still alive) the local APIC
 * page at 0xfee00000, which this domain has no device at. Expected output:
 * "PASS <guest>: started" and nothing more.
 */
#include "guest.h"

const char guest_builtin_name[] = "hostile_oob";

#define IDENTITY_END   0x100000000ull
#define LAPIC_GPA      0xfee00000ull

static void poke(uint64_t gpa, const char *what)
{
    *(volatile uint8_t *)gpa = 0xa5;
    check(false, what, "wrote gpa 0x%lx and ran on", gpa);
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t past = guest_ram_end();

    (void)si;
    check(true, "started", "-");
    if (past < IDENTITY_END)
        poke(past, "survived a write past the end of RAM");
    else
        check(false, "write past the end of RAM",
              "RAM end 0x%lx is not below 4 GiB", past);
    poke(LAPIC_GPA, "survived a write to 0xfee00000");
    return 0;
}
