/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time from the TSC, calibrated once at boot against PIT channel 2 (the
 * one timer every PC-compatible machine, real or emulated, has at a known
 * frequency).
 */
#include <mica/console.h>
#include <asm/x86.h>
#include <asm/time.h>

#define PIT_HZ         1193182u
#define CALIBRATE_MS   50u

uint64_t tsc_khz;
bool tsc_invariant;
static uint64_t tsc_boot;
static uint64_t ns_mult;            /* ns = (tsc * ns_mult) >> 32 */

uint64_t tsc_calibrate(void)
{
    uint32_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
    uint64_t t0, t1, spins = 0;

    /* Gate channel 2 on, speaker off; mode 0, counts down once. */
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0);
    outb(0x42, latch & 0xff);
    outb(0x42, (uint8_t)(latch >> 8));
    t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        if (++spins > 100000000ull)
            return 0;
    t1 = rdtsc();
    tsc_khz = (t1 - t0) / CALIBRATE_MS;
    if (!tsc_khz)
        return 0;
    ns_mult = (1000000ull << 32) / tsc_khz;
    tsc_boot = t0;
    return tsc_khz;
}

uint64_t now_ns(void)
{
    uint64_t d = rdtsc() - tsc_boot;

    return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}

uint64_t tsc_ns_mult(void)
{
    return ns_mult;
}

uint64_t tsc_to_ns(uint64_t tsc)
{
    if (tsc <= tsc_boot)
        return 0;
    return (uint64_t)(((unsigned __int128)(tsc - tsc_boot) * ns_mult) >> 32);
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_khz / 1000;

    while (rdtsc() < end)
        cpu_relax();
}
