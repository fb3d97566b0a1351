/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * burn: a CPU-bound guest for the scheduler tests. For mcycles=N million
 * TSC cycles (default 3000) it runs a counting loop, reading the TSC after
 * every few hundred iterations. A step between two reads longer than
 * gap=N cycles (default 200000) is time the vCPU did not run (another vCPU
 * had the pCPU, or none did); the rest is time it ran. Each quarter of the
 * window it prints
 *     # NAME: quarter Q: L loops, ran P permille
 * and at the end
 *     # NAME: total L loops, ran P permille of M Mcycles
 * so a test can compare guests that shared a pCPU (loops and run time
 * divide in the same proportion) or see a cap at work. One check: the
 * window was reached and the loop made progress.
 */
#include "guest.h"
#include "cpu.h"

const char guest_builtin_name[] = "burn";

#define SPINS_PER_READ  256u
#define QUARTERS        4u

struct burn {
    uint64_t loops, ran;
};

/* Burn until the TSC reaches end; *t is the last TSC read. */
static void burn_until(uint64_t end, uint64_t gap, uint64_t *t, struct burn *b)
{
    while (*t < end) {
        uint64_t now;

        for (unsigned int i = 0; i < SPINS_PER_READ; i++)
            asm volatile ("" ::: "memory");
        now = rdtsc();
        if (now - *t < gap)
            b->ran += now - *t;
        *t = now;
        b->loops++;
    }
}

static unsigned long permille(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned long)(part * 1000 / whole) : 0;
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t mcycles = cmdline_u64("mcycles", 3000);
    uint64_t gap = cmdline_u64("gap", 200000);
    uint64_t window = mcycles * 1000000ull, quarter = window / QUARTERS;
    uint64_t start = rdtsc(), t = start;
    struct burn total = { 0, 0 };

    (void)si;
    for (unsigned int q = 0; q < QUARTERS; q++) {
        struct burn b = { 0, 0 };

        burn_until(start + (q + 1) * quarter, gap, &t, &b);
        gprintf("# %s: quarter %u: %lu loops, ran %lu permille\n", guest_name(), q + 1,
                (unsigned long)b.loops, permille(b.ran, quarter));
        total.loops += b.loops;
        total.ran += b.ran;
    }
    gprintf("# %s: total %lu loops, ran %lu permille of %lu Mcycles\n", guest_name(),
            (unsigned long)total.loops, permille(total.ran, t - start), (unsigned long)mcycles);
    check(total.loops > 0 && t >= start + window, "burnt for the whole window",
          "%lu loops, %lu of %lu cycles", (unsigned long)total.loops,
          (unsigned long)(t - start), (unsigned long)window);
    return 0;
}
