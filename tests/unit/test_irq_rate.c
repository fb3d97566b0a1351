/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/irq_rate.c: the interrupt storm
 * arithmetic of pci_dom0_msi.c. A source's own limit per window; its
 * CPU's limit, which throttles only a source over its fair share; new
 * windows; when a throttled source comes back; and, simulated with the
 * handler's own rules (a throttled source raises nothing until its
 * unthrottle time, then starts a fresh window), that storming sources
 * together never get more than about twice the CPU's limit of handler
 * runs a window while a quiet one is never throttled.
 */
#include <mica/lib.h>
#include <asm/irq_rate.h>

#include "check.h"

#define W       10000000ull     /* 10 ms, as pci_dom0_msi.c */
#define SRC     1000u
#define CPU     2000u

static const struct irq_rate_limits lim = { W, SRC, CPU };

static void test_source_window(void)
{
    struct irq_rate src = { 0 }, cpu = { 0 };
    struct irq_share sh = { 0 };
    enum irq_rate_verdict v = IRQ_RATE_OK;
    unsigned int i, first_bad = 0;
    uint64_t t0 = 5 * W + 1000;     /* the first interrupt starts a window there */

    for (i = 1; i <= SRC + 1 && !first_bad; i++) {
        v = irq_rate_account(&src, &sh, &cpu, &lim, 1, t0 + i);
        if (v != IRQ_RATE_OK)
            first_bad = i;
    }
    CHECK_EQ(first_bad, SRC + 1, "one source: the first verdict comes at interrupt %u of a window", SRC + 1);
    CHECK_EQ(v, IRQ_RATE_SOURCE, "... for its own rate");
    CHECK_EQ(src.start, t0 + 1, "its window started at its first interrupt");
    CHECK_EQ(irq_rate_unthrottle_at(&src, &cpu, v, W), t0 + 1 + 2 * W,
             "it comes back at the end of the window after the one that tipped it");
    CHECK_EQ(irq_rate_account(&src, &sh, &cpu, &lim, 1, t0 + 1 + W), IRQ_RATE_OK,
             "a new window starts exactly one window after the last one's start");
    CHECK_EQ(src.count, 1, "... with a count of 1");
    CHECK_EQ(sh.count, 1, "... and the source's share of the CPU's new window 1");
    CHECK_EQ(irq_rate_hit(&src, 5, W), 1, "a clock that goes backwards starts a new window");
    CHECK_EQ(irq_rate_hit(&src, 5 + W - 1, W), 2, "one ns short of a window: the same window");
}

static void test_share(void)
{
    CHECK_EQ(irq_rate_share(&lim, 0), CPU, "no sources: the share is the CPU's limit");
    CHECK_EQ(irq_rate_share(&lim, 4), CPU / 4, "four sources: a quarter each");
    CHECK_EQ(irq_rate_share(&lim, 100000), 1, "more sources than the limit: a share of 1, never 0");
}

/* Three sources at 900 a window each (under their own 1000) and a quiet one. */
static void test_cpu_limit(void)
{
    struct irq_rate src[4] = { { 0 } }, cpu = { 0 };
    struct irq_share sh[4] = { { 0 } };
    enum irq_rate_verdict v;
    unsigned int first_cpu = 0, quiet_bad = 0, n = 0, cpu_at = 0, share_at = 0;

    for (unsigned int i = 0; i < 900; i++)
        for (unsigned int s = 0; s < 3; s++) {
            n++;
            v = irq_rate_account(&src[s], &sh[s], &cpu, &lim, 4, 100 + n);
            if (v == IRQ_RATE_SOURCE)
                quiet_bad++;
            if (v == IRQ_RATE_CPU && !first_cpu) {
                first_cpu = n;
                cpu_at = cpu.count;
                share_at = sh[s].count;
            }
            if (i % 100 == 0 && s == 0 &&
                irq_rate_account(&src[3], &sh[3], &cpu, &lim, 4, 100 + n) != IRQ_RATE_OK)
                quiet_bad++;
        }
    CHECK(first_cpu, "three sources under their own limit: the CPU's limit throttles one");
    CHECK_EQ(cpu_at, CPU + 1, "... at the CPU's interrupt %u of the window", CPU + 1);
    CHECK(share_at > CPU / 4, "... which is over its share %u (%u)", CPU / 4, share_at);
    CHECK_EQ(irq_rate_unthrottle_at(&src[0], &cpu, IRQ_RATE_CPU, W), cpu.start + 2 * W,
             "a source throttled for the CPU's rate comes back after the CPU's next window");
    CHECK_EQ(quiet_bad, 0, "the quiet source (10 a window) is never throttled, nor any for its own rate");
    CHECK_EQ(cpu.count, 2700 + 9, "every interrupt counts on the CPU");
}

struct sim {
    struct irq_rate rate;
    struct irq_share share;
    bool throttled;
    uint64_t back_at;
    uint64_t every;             /* ns between its interrupts */
    uint64_t next;
    unsigned int throttles;
};

/*
 * nr sources on one CPU for 'windows' windows, source s raising every
 * sim[s].every ns while not throttled; returns the most handler runs seen
 * in one of the CPU's windows.
 */
static uint32_t simulate(struct sim *sim, unsigned int nr, unsigned int windows)
{
    struct irq_rate cpu = { 0 };
    uint32_t most = 0, in_win = 0;
    uint64_t win = 0;

    for (uint64_t t = 1; t < windows * W; t += 100) {       /* 100 ns steps */
        if (t / W != win) {
            most = in_win > most ? in_win : most;
            in_win = 0;
            win = t / W;
        }
        for (unsigned int s = 0; s < nr; s++) {
            struct sim *x = &sim[s];
            enum irq_rate_verdict v;

            if (x->throttled && t >= x->back_at) {
                x->throttled = false;
                x->rate.start = t;
                x->rate.count = 0;
            }
            if (x->throttled || t < x->next)
                continue;
            x->next = t + x->every;
            in_win++;
            v = irq_rate_account(&x->rate, &x->share, &cpu, &lim, nr, t);
            if (v != IRQ_RATE_OK) {
                x->throttled = true;
                x->throttles++;
                x->back_at = irq_rate_unthrottle_at(&x->rate, &cpu, v, W);
            }
        }
    }
    return most > in_win ? most : in_win;
}

static void test_bound(void)
{
    struct sim sim[8];
    uint32_t most;

    memset(sim, 0, sizeof(sim));
    for (unsigned int s = 0; s < 7; s++)
        sim[s].every = 100 + 100 * s;       /* 100000 down to 14000 a window: storms */
    sim[7].every = 1000000;                 /* 10 a window: a quiet disk */
    most = simulate(sim, 8, 50);
    CHECK(most <= 2 * CPU + 8, "seven storming sources: at most %u handler runs in any window (%u)",
          2 * CPU + 8, most);
    CHECK(most > CPU, "... and more than the CPU's limit: the bound is reached, not a lockout (%u)", most);
    CHECK_EQ(sim[7].throttles, 0, "the quiet source is never throttled by the others' storm");
    for (unsigned int s = 0; s < 7; s++)
        CHECK(sim[s].throttles >= 10, "storming source %u is throttled again and again (%u)", s,
              sim[s].throttles);

    memset(sim, 0, sizeof(sim));
    for (unsigned int s = 0; s < 3; s++)
        sim[s].every = 20000;               /* 500 a window each: 1500 together, under the CPU's limit */
    most = simulate(sim, 3, 20);
    CHECK(most <= 1502 && most >= 1498, "three sources at 500 a window: all pass (%u a window)", most);
    CHECK_EQ(sim[0].throttles + sim[1].throttles + sim[2].throttles, 0, "... none throttled");
}

int main(void)
{
    test_source_window();
    test_share();
    test_cpu_limit();
    test_bound();
    return check_done();
}
