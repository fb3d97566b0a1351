/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time without exits and the one-shot timer: the time page against the
 * hypervisor's clock and the TSC, its version counter, and the timer's
 * MICA_VIRQ_TIMER arriving on time (never early), replaced, stopped, and
 * ending a sched_op block. "linger_ms=N" keeps the domain alive N ms more
 * at the end (a peer for another guest's cross-domain checks).
 *
 * The checks assume the guest has a pCPU to itself: a vCPU kept off its
 * CPU for tens of milliseconds by another one sees expiries late, and can
 * be preempted between setting a timer and stopping it.
 */
#include "guest.h"
#include "events.h"
#include "cpu.h"

const char guest_builtin_name[] = "timer";

#define MS            1000000ul
#define SLACK_NS      1000ul         /* rounding between the page's formula and the clock */
#define LATE_NS       (500 * MS)     /* how late an expiry may be seen under emulation */

static uint8_t time_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static const volatile struct mica_vcpu_time_info *const ti =
    (const volatile struct mica_vcpu_time_info *)time_page;
static uint32_t tport;

static uint64_t now(void)
{
    return time_page_read(ti, NULL);
}

static int64_t set_timer(uint64_t deadline, uint64_t flags)
{
    return mica_vcpu_op(MICA_VCPUOP_set_singleshot_timer, deadline, flags);
}

/* Spin (interrupts on, upcalls delivered) until the page's clock reaches t. */
static void spin_until(uint64_t t)
{
    while (now() < t)
        asm volatile ("pause");
}

static void test_register(void)
{
    uint64_t gfn = (uint64_t)time_page >> PAGE_SHIFT;

    check_eq_i64("register_time_page: gfn just past RAM", -MICA_EINVAL,
                 mica_vcpu_op(MICA_VCPUOP_register_time_page, guest_si()->nr_pages, 0));
    check_eq_i64("register_time_page: gfn ~0 - 1", -MICA_EINVAL,
                 mica_vcpu_op(MICA_VCPUOP_register_time_page, ~0ull - 1, 0));
    check_eq_i64("register_time_page: none (nothing registered yet)", 0,
                 mica_vcpu_op(MICA_VCPUOP_register_time_page, MICA_GFN_NONE, 0));
    check_eq_i64("register_time_page", 0, mica_vcpu_op(MICA_VCPUOP_register_time_page, gfn, 0));
    check(ti->version >= 2 && !(ti->version & 1), "filled at once, version even",
          "version %u", ti->version);
    check(ti->tsc_to_system_mul != 0 && ti->tsc_shift > -32 && ti->tsc_shift < 32,
          "a usable scale", "mul %u shift %d", ti->tsc_to_system_mul, ti->tsc_shift);
    check(ti->tsc_timestamp <= rdtsc() && ti->system_time > 0, "timestamp in the past",
          "tsc_timestamp %lu system_time %lu", ti->tsc_timestamp, ti->system_time);
    gprintf("# %s: mul %u shift %d flags %#x\n", guest_name(), ti->tsc_to_system_mul,
            ti->tsc_shift, ti->flags);
}

static void test_clock(void)
{
    uint64_t prev = now(), t1, h, t2, back = 0, odd = 0;

    for (unsigned int i = 0; i < 20000; i++) {
        uint32_t v = ti->version;
        uint64_t t = now();

        odd += v & 1;
        back += t < prev;
        prev = t;
    }
    check_eq_u64("20000 reads never go backwards", 0, back);
    check_eq_u64("the version is never odd when read", 0, odd);
    t1 = now();
    h = (uint64_t)mica_vcpu_op(MICA_VCPUOP_get_system_time, 0, 0);
    t2 = now();
    check(t1 <= h + SLACK_NS && h <= t2 + SLACK_NS, "the page agrees with get_system_time",
          "page %lu, hypervisor %lu, page %lu", t1, h, t2);
    check_eq_i64("get_system_time is not negative", 0, (int64_t)h < 0);
}

/* An expiry, seen by the VIRQ; the wake-up time by the page and by the TSC. */
static void test_expiry(void)
{
    uint32_t hits = ev_hits[tport];
    uint64_t tsc0 = rdtsc(), t0 = now(), deadline = t0 + 10 * MS, t1, tsc1, by_tsc;
    int64_t rc = set_timer(deadline, MICA_TIMER_FUTURE);
    bool fired = false;

    check_eq_i64("set_singleshot_timer +10 ms", 0, rc);
    irq_disable();
    while (ev_hits[tport] == hits && now() < deadline + LATE_NS) {
        mica_sched_op(MICA_SCHED_block, 0);
        irq_enable();
        irq_disable();
    }
    t1 = now();
    tsc1 = rdtsc();
    fired = ev_hits[tport] == hits + 1;
    irq_enable();
    check(fired, "the timer VIRQ arrives, blocking in sched_op", "hits %u", ev_hits[tport] - hits);
    check(t1 + SLACK_NS >= deadline, "not before the deadline (time page)",
          "woke %ld ns early", (int64_t)(deadline - t1));
    check(t1 < deadline + LATE_NS, "within 500 ms of it", "%lu ns late", t1 - deadline);
    by_tsc = (uint64_t)(((unsigned __int128)((tsc1 - tsc0) << (ti->tsc_shift > 0 ? ti->tsc_shift : 0)) *
                         ti->tsc_to_system_mul) >> 32);
    check(by_tsc + 2 * SLACK_NS >= 10 * MS, "at least 10 ms of TSC ticks passed",
          "%lu ns by the TSC", by_tsc);
    gprintf("# %s: expiry seen %lu ns after the deadline\n", guest_name(), t1 - deadline);
}

static void test_past_and_flags(void)
{
    uint32_t hits = ev_hits[tport];
    uint64_t t = now();

    check_eq_i64("a deadline in the past", 0, set_timer(t - MS, 0));
    while (ev_hits[tport] == hits && now() < t + LATE_NS)
        asm volatile ("pause");
    check_eq_u64("fires at once", hits + 1, ev_hits[tport]);
    check_eq_i64("FUTURE with a past deadline", -MICA_ERANGE, set_timer(now() - MS, MICA_TIMER_FUTURE));
    check_eq_i64("FUTURE with deadline 0", -MICA_ERANGE, set_timer(0, MICA_TIMER_FUTURE));
    check_eq_i64("unknown flag 2", -MICA_EINVAL, set_timer(now() + MS, 2));
    check_eq_i64("flags ~0", -MICA_EINVAL, set_timer(now() + MS, ~0ull));
    check_eq_i64("stop with nothing set", 0, mica_vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0, 0));
}

/*
 * Checks that hold however late the vCPU gets its CPU back (QEMU under a
 * busy host): lateness can delay an expiry, never make one.
 */
static void test_stop_and_replace(void)
{
    uint32_t hits = ev_hits[tport];
    uint64_t t = now(), first;

    check_eq_i64("set +200 ms", 0, set_timer(t + 200 * MS, 0));
    check_eq_i64("stop it", 0, mica_vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0, 0));
    spin_until(t + 260 * MS);
    check_eq_u64("a stopped timer never fires", hits, ev_hits[tport]);
    t = now();
    set_timer(t + 5 * MS, 0);
    check_eq_i64("setting again replaces it", 0, set_timer(t + 30 * MS, 0));
    while (ev_hits[tport] == hits && now() < t + 30 * MS + LATE_NS)
        asm volatile ("pause");
    first = now();
    check(ev_hits[tport] == hits + 1 && first + SLACK_NS >= t + 30 * MS,
          "the expiry comes at the second deadline, not the first",
          "%u expiries, seen %ld us after the first deadline", ev_hits[tport] - hits,
          (int64_t)(first - t) / 1000 - 5000);
    spin_until(first + 30 * MS);
    check_eq_u64("and only once", hits + 1, ev_hits[tport]);
}

/* Blocking deschedules the vCPU; coming back refreshes the page. */
static void test_refresh(void)
{
    uint32_t v0 = ti->version, v1, v2;
    uint64_t gfn = (uint64_t)time_page >> PAGE_SHIFT;

    ev_wait(&ev_hits[0], 1, now() + 2 * MS);     /* port 0 never fires: just sleep */
    v1 = ti->version;
    check(v1 > v0 && !((v1 - v0) & 1), "scheduled in again: version up by a multiple of 2",
          "%u -> %u", v0, v1);
    check_eq_i64("register_time_page: none", 0,
                 mica_vcpu_op(MICA_VCPUOP_register_time_page, MICA_GFN_NONE, 0));
    ev_wait(&ev_hits[0], 1, now() + 2 * MS);
    check_eq_u64("no updates after unregistering", v1, ti->version);
    check_eq_i64("register it again", 0, mica_vcpu_op(MICA_VCPUOP_register_time_page, gfn, 0));
    v2 = ti->version;
    check(v2 > v1 && !(v2 & 1), "updated on registration", "%u -> %u", v1, v2);
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t linger = cmdline_u64("linger_ms", 0);
    int64_t p;

    (void)si;
    irq_enable();
    check_eq_i64("event channel set-up", 0, ev_setup());
    p = ev_bind_virq(MICA_VIRQ_TIMER);
    check(p > 0, "bind_virq TIMER", "got %ld", p);
    if (p <= 0)
        return 1;
    tport = (uint32_t)p;
    test_register();
    test_clock();
    test_expiry();
    test_past_and_flags();
    test_stop_and_replace();
    test_refresh();
    if (linger)
        ev_wait(&ev_hits[0], 1, now() + linger * MS);
    return 0;
}
