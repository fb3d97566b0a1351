/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostile_oob: write past the end of guest RAM, through a mapping the
 * builder's page tables provide, and expect the hypervisor to kill the domain.
 * First the byte at nr_pages * 4096, then (if still alive) the local APIC
 * page at 0xfee00000, which this domain has no device at. Expected output:
 * "PASS <guest>: started" and nothing more.
 * mode=insb: the same first write, by a REP INSB from an empty port (the
 * hypervisor's string I/O emulation writes it): killed the same way.
 */
#include "guest.h"

const char guest_builtin_name[] = "hostile_oob";

#define IDENTITY_END   0x100000000ull
#define LAPIC_GPA      0xfee00000ull

#define EMPTY_PORT     0x80

static void insb_at(uint64_t gpa)
{
    uint8_t *p = (uint8_t *)gpa;
    uint64_t n = 16;

    asm volatile ("cld; rep insb" : "+D"(p), "+c"(n) : "d"(EMPTY_PORT) : "memory");
    check(false, "survived a REP INSB past the end of RAM", "rcx %lu left", (unsigned long)n);
}

static void poke(uint64_t gpa, const char *what)
{
    *(volatile uint8_t *)gpa = 0xa5;
    check(false, what, "wrote gpa 0x%lx and ran on", gpa);
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t past = guest_ram_end();
    char mode[8] = "";

    (void)si;
    check(true, "started", "-");
    cmdline_get("mode", mode, sizeof(mode));
    if (past < IDENTITY_END && !strcmp(mode, "insb"))
        insb_at(past);
    else if (past < IDENTITY_END)
        poke(past, "survived a write past the end of RAM");
    else
        check(false, "write past the end of RAM",
              "RAM end 0x%lx is not below 4 GiB", past);
    poke(LAPIC_GPA, "survived a write to 0xfee00000");
    return 0;
}
