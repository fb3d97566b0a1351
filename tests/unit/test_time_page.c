/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/time_page.c: the TSC scale in the
 * pvclock form against the hypervisor's own clock arithmetic, the page's
 * formula, and the version counter, with a reader thread checking that an
 * even, unchanged version always comes with a consistent page.
 */
#include <pthread.h>

#include "../../hypervisor/common/time_page.h"

#include "check.h"
#include "shim.h"

/* The hypervisor's clock: ns = (ticks * mult) >> 32, mult from the TSC rate (time.c). */
static uint64_t clock_ns(uint64_t ticks, uint64_t mult)
{
    return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

static void test_scale(void)
{
    static const uint64_t khz[] = { 1000, 999999, 1000000, 1000001, 2600000, 3999999, 5000000 };
    static const uint64_t ticks[] = { 0, 1, 1000, 123456789, 1000000000000ull, 1ull << 44 };

    for (size_t i = 0; i < ARRAY_SIZE(khz); i++) {
        uint64_t mult = (1000000ull << 32) / khz[i], worst = 0;
        uint32_t mul;
        int8_t shift;

        time_scale_from_mult(mult, &mul, &shift);
        CHECK(shift >= 0 && ((uint64_t)mul << shift) <= mult &&
              ((uint64_t)mul + 1) << shift > mult,
              "%llu kHz: mul %u << shift %d is mult rounded down",
              (unsigned long long)khz[i], mul, shift);
        CHECK(shift == 0 || mul >= 1u << 31, "%llu kHz: mul keeps 32 significant bits",
              (unsigned long long)khz[i]);
        for (size_t j = 0; j < ARRAY_SIZE(ticks); j++) {
            uint64_t want = clock_ns(ticks[j], mult), got = time_scale_delta(ticks[j], mul, shift);
            uint64_t err = want > got ? want - got : got - want;

            if (err > worst)
                worst = err;
            CHECK(err <= 1 + want / (1ull << 30), "%llu kHz, %llu ticks: %llu ns, off by %llu",
                  (unsigned long long)khz[i], (unsigned long long)ticks[j],
                  (unsigned long long)got, (unsigned long long)err);
        }
        if (shift == 0)
            CHECK_EQ(worst, 0, "%llu kHz (a TSC of 1 GHz or more): exactly the hypervisor's clock",
                     (unsigned long long)khz[i]);
    }
    CHECK_EQ(time_scale_delta(1000, 1u << 31, -1), 250, "a negative shift divides the ticks first");
}

static void test_page(void)
{
    struct mica_vcpu_time_info ti = { 0 }, src = { .version = 99, .tsc_timestamp = 5000,
        .system_time = 7000000, .tsc_to_system_mul = 1u << 31, .tsc_shift = 1, .flags = 1 };

    time_page_write(&ti, &src);
    CHECK(ti.version == 2 && ti.tsc_timestamp == 5000 && ti.system_time == 7000000 &&
          ti.tsc_to_system_mul == 1u << 31 && ti.tsc_shift == 1 && ti.flags == 1,
          "first write: fields copied, version 2 (not the source's)");
    time_page_write(&ti, &src);
    CHECK_EQ(ti.version, 4, "second write: version 4");
    ti.version = 5;                       /* a guest scribbled on it */
    time_page_write(&ti, &src);
    CHECK_EQ(ti.version, 8, "an odd version left by the guest: even again after the write");
    CHECK_EQ(time_page_now(&ti, 5000), 7000000, "now at tsc_timestamp is system_time");
    CHECK_EQ(time_page_now(&ti, 6000), 7001000, "1000 ticks at 1 ns each (mul 2^31, shift 1)");
}

/* A writer and a reader on one page: what the reader accepts is never torn. */
#define WRITES 1000000u

static struct mica_vcpu_time_info shared_ti;
static volatile bool writer_done;

static void *writer(void *arg)
{
    (void)arg;
    for (uint64_t k = 1; k <= WRITES; k++) {
        struct mica_vcpu_time_info src = { .tsc_timestamp = k, .system_time = 3 * k,
                                           .tsc_to_system_mul = (uint32_t)(k * 7) };

        time_page_write(&shared_ti, &src);
    }
    writer_done = true;
    return NULL;
}

static void test_seqlock(void)
{
    pthread_t t;
    uint64_t reads = 0, torn = 0;

    if (pthread_create(&t, NULL, writer, NULL)) {
        CHECK(false, "start the writer thread");
        return;
    }
    while (!writer_done) {
        uint32_t v = __atomic_load_n(&shared_ti.version, __ATOMIC_ACQUIRE), mul;
        uint64_t ts, st;

        ts = __atomic_load_n(&shared_ti.tsc_timestamp, __ATOMIC_RELAXED);
        st = __atomic_load_n(&shared_ti.system_time, __ATOMIC_RELAXED);
        mul = __atomic_load_n(&shared_ti.tsc_to_system_mul, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((v & 1) || v != __atomic_load_n(&shared_ti.version, __ATOMIC_RELAXED))
            continue;
        reads++;
        torn += st != 3 * ts || mul != (uint32_t)(ts * 7);
    }
    pthread_join(t, NULL);
    CHECK_EQ(torn, 0, "reader: no torn page under an even, unchanged version (%llu reads)",
             (unsigned long long)reads);
    CHECK_EQ(shared_ti.version, 2ull * WRITES, "version 2 per write");
}

int main(void)
{
    check_area("time_page");
    test_scale();
    test_page();
    test_seqlock();
    return check_done();
}
