/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * conflood: the rate limit on a domain's console output (console.c).
 *
 * role=flood (boot it "privileged", as domain 0, so that it may read its own
 * console ring with sysctl readconsole) writes kib=N KiB (default 256) of
 * numbered "# conflood: line" lines as fast as it can, 4 KiB a call, checks
 * that every call succeeded and that its own ring took every byte (the head
 * moved by exactly what it wrote, the newest 4 KiB are its last call), then
 * waits wait_ms=N (default 1500) for the limit to let it print again and
 * reports. The hypervisor log then has the "bytes ... not printed (rate
 * limit)" line, and the serial log only part of the flood
 * (tests/system/areas/console.sh).
 *
 * role=tick, beside it, sleeps on its one-shot timer ticks=N times (default
 * 200) 10 ms apart, printing a line every 20, and checks that every tick
 * arrived and none came more than late_ms=N (default 250) late.
 */
#include "guest.h"
#include "cpu.h"
#include "ctl.h"
#include "events.h"

const char guest_builtin_name[] = "conflood";

#define MS       1000000ull
#define LINE     64
#define CALL     MICA_CONSOLE_WRITE_MAX

static char block[CALL], ring[CALL];

static int64_t read_own_ring(uint64_t offset, char *buf, uint32_t len, struct mica_sysctl_read *out)
{
    struct mica_sysctl op;
    int64_t rc;

    sysctl_init(&op);
    op.u.read = (struct mica_sysctl_read){ .offset = offset, .buf = (uint64_t)buf, .len = len,
                                           .domid = MICA_DOMID_SELF };
    rc = mica_sysctl(MICA_SYSCTL_readconsole, &op);
    *out = op.u.read;
    return rc;
}

/* Call n's 4 KiB: 64 lines of 64 bytes, each numbered. */
static void fill_block(uint32_t n)
{
    for (uint32_t i = 0; i < CALL / LINE; i++) {
        char *l = block + i * LINE;

        snprintf(l, LINE, "# conflood: line %08u ", n * (CALL / LINE) + i);
        for (size_t j = strlen(l); j < LINE - 1; j++)
            l[j] = (char)('a' + (n + i + j) % 26);
        l[LINE - 1] = '\n';
    }
}

static uint64_t tsc_khz_of(void)
{
    struct mica_sysctl op;

    sysctl_init(&op);
    if (mica_sysctl(MICA_SYSCTL_physinfo, &op))
        return 0;
    return op.u.physinfo.tsc_khz;
}

static int role_flood(void)
{
    uint32_t calls = (uint32_t)(cmdline_u64("kib", 256) * 1024 / CALL);
    uint64_t wait_ms = cmdline_u64("wait_ms", 1500), khz = tsc_khz_of();
    struct mica_sysctl_read r0, r1, r2;
    uint32_t bad = 0;
    uint64_t t0, t1;
    int64_t rc0, rc1, rc2;

    rc0 = read_own_ring(0, ring, 1, &r0);
    t0 = rdtsc();
    for (uint32_t n = 0; n < calls; n++) {
        fill_block(n);
        bad += mica_console_write(block, CALL) != CALL;
    }
    t1 = rdtsc();
    rc1 = read_own_ring(0, ring, 1, &r1);
    rc2 = read_own_ring(r1.head - CALL, ring, CALL, &r2);
    /* Quiet until the bucket has refilled enough for the report. */
    while (khz && rdtsc() - t1 < wait_ms * khz)
        mica_sched_op(MICA_SCHED_yield, 0);
    gprintf("# %s: %u calls of %u bytes in %lu us\n", guest_name(), calls, CALL,
            khz ? (unsigned long)((t1 - t0) * 1000 / khz) : 0ul);
    check(khz != 0, "physinfo gives the TSC rate", "tsc_khz 0");
    check_eq_u64("every console write returned its length", 0, bad);
    check(rc0 >= 0 && rc1 >= 0, "readconsole of itself", "rc %ld, %ld", (long)rc0, (long)rc1);
    check_eq_u64("its ring took every byte written (head moved by the total)",
                 (uint64_t)calls * CALL, r1.head - r0.head);
    check(rc2 == CALL && r2.lost == 0 && !memcmp(ring, block, CALL),
          "its ring holds the last call's bytes", "rc %ld lost %lu", (long)rc2,
          (unsigned long)r2.lost);
    return 0;
}

static int role_tick(void)
{
    uint32_t ticks = (uint32_t)cmdline_u64("ticks", 200);
    uint64_t late_max = 0, late_ns = cmdline_u64("late_ms", 250) * MS;
    uint32_t arrived = 0;

    irq_enable();
    check_eq_i64("event channel set-up", 0, ev_setup());
    check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind_virq TIMER", "failed");
    for (uint32_t i = 0; i < ticks; i++) {
        uint64_t deadline = ev_system_time() + 10 * MS, t;

        ev_wait(&ev_hits[0], 1, deadline);          /* port 0 never fires: the timer ends it */
        t = ev_system_time();
        arrived += t >= deadline;
        if (t >= deadline && t - deadline > late_max)
            late_max = t - deadline;
        if (i % 20 == 19)
            gprintf("# %s: tick %u\n", guest_name(), i + 1);
    }
    gprintf("# %s: the latest tick came %lu us after its deadline\n", guest_name(),
            (unsigned long)(late_max / 1000));
    check_eq_u64("every tick arrived, none early", ticks, arrived);
    check(late_max <= late_ns, "no tick late by more than late_ms", "%lu us",
          (unsigned long)(late_max / 1000));
    return 0;
}

int guest_main(const struct mica_start_info *si)
{
    char role[8] = "";

    (void)si;
    cmdline_get("role", role, sizeof(role));
    if (!strcmp(role, "flood"))
        return role_flood();
    if (!strcmp(role, "tick"))
        return role_tick();
    check(false, "arguments", "need role=flood or role=tick");
    return 1;
}
