/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spin: a busy guest, meant to run as two domains at once on two pCPUs.
 * It makes 20000 MICA_VERSION_get calls (every 97th through the register
 * probe), yields now and then, and keeps a 1 MiB region of its RAM under a
 * checksum while doing so. One check per batch of 5000 calls, then a
 * summary check over all of them.
 */
#include "guest.h"
#include "regs.h"

const char guest_builtin_name[] = "spin";

#define ABI_VERSION     (((uint64_t)MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR)
#define NR_CALLS        20000u
#define BATCH           5000u
#define REGS_EVERY      97u
#define CHECK_EVERY     1000u
#define REGION_BYTES    (1024u * 1024u)

struct spin_stats {
    unsigned int bad_version, bad_regs, bad_yield, bad_sum;
    int64_t last_bad_rc;
    char why[96];
};

static volatile uint64_t *region;
static size_t region_words;

static uint64_t region_fill(uint64_t seed)
{
    struct rng r;
    uint64_t sum = 0;
    size_t i;

    rng_seed(&r, seed);
    for (i = 0; i < region_words; i++) {
        uint64_t v = rng_next(&r);

        region[i] = v;
        sum = ((sum << 1) | (sum >> 63)) ^ v;
    }
    return sum;
}

static uint64_t region_sum(void)
{
    uint64_t sum = 0;
    size_t i;

    for (i = 0; i < region_words; i++)
        sum = ((sum << 1) | (sum >> 63)) ^ region[i];
    return sum;
}

static void spin_call(unsigned int i, struct spin_stats *s)
{
    int64_t rc;

    if (i % REGS_EVERY == 0) {
        const uint64_t args[5] = { MICA_VERSION_get, i, ~(uint64_t)i,
                                   i * 3ull, i * 5ull };
        uint64_t in[REG_NR];

        regs_fill(in, i, MICA_HC_version, args);
        if (!regs_preserved(in, &rc, s->why, sizeof(s->why)))
            s->bad_regs++;
    } else {
        rc = mica_version(MICA_VERSION_get, 0);
    }
    if (rc != (int64_t)ABI_VERSION) {
        s->bad_version++;
        s->last_bad_rc = rc;
    }
}

static void run_batch(unsigned int batch, uint64_t seed, struct spin_stats *s)
{
    struct spin_stats b = { 0 };
    uint64_t want = region_fill(seed);
    char what[64];
    unsigned int i;

    for (i = 0; i < BATCH; i++) {
        spin_call(batch * BATCH + i, &b);
        if ((i + 1) % CHECK_EVERY)
            continue;
        if (mica_sched_op(MICA_SCHED_yield, 0) != 0)
            b.bad_yield++;
        if (region_sum() != want)
            b.bad_sum++;
    }
    snprintf(what, sizeof(what), "batch %u/%u: %u calls, memory checksum",
             batch + 1, NR_CALLS / BATCH, BATCH);
    check(!b.bad_version && !b.bad_regs && !b.bad_yield && !b.bad_sum, what,
          "%u bad results (last %ld), %u register changes (%s), "
          "%u bad yields, %u checksum mismatches", b.bad_version,
          b.last_bad_rc, b.bad_regs, b.why, b.bad_yield, b.bad_sum);
    s->bad_version += b.bad_version;
    s->bad_regs += b.bad_regs;
    s->bad_yield += b.bad_yield;
    s->bad_sum += b.bad_sum;
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t start = guest_image_end(), end = guest_ram_end();
    struct spin_stats total = { 0 };
    unsigned int batch;

    region = (volatile uint64_t *)start;
    region_words = end > start ? MIN(end - start, REGION_BYTES) / 8 : 0;
    check(region_words > 0, "started", "no RAM after the image (end 0x%lx)",
          end);
    for (batch = 0; batch < NR_CALLS / BATCH; batch++)
        run_batch(batch, ((uint64_t)si->domid << 32) + batch + 1, &total);
    check(!total.bad_version, "20000 version get calls returned the version",
          "%u bad", total.bad_version);
    check(!total.bad_regs && !total.bad_yield && !total.bad_sum,
          "registers, yields and memory intact throughout",
          "%u register changes, %u bad yields, %u checksum mismatches",
          total.bad_regs, total.bad_yield, total.bad_sum);
    return 0;
}
