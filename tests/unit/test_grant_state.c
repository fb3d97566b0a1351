/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/grant_state.c: what a grant entry
 * allows, the compare-and-swap that marks it in use (also against a thread
 * rewriting the entry the whole time, as a hostile granter would), the pin
 * counts behind the reading/writing flags, where a reference lives, and
 * the argument checks of map, copy and setup_table.
 */
#include <pthread.h>
#include <sched.h>

#include <mica/errno.h>
#include "../../hypervisor/common/grant_state.h"

#include "check.h"

#define ME      7
#define OTHER   9

static uint32_t word(uint16_t flags, uint16_t domid)
{
    return GNT_WORD(flags, domid);
}

static void test_use_check(void)
{
    const uint16_t P = MICA_GTF_permit_access, RO = MICA_GTF_readonly;
    const uint16_t RD = MICA_GTF_reading, WR = MICA_GTF_writing;
    uint32_t next = 0;

    CHECK_EQ_S(gnt_use_check(word(P, ME), ME, false, &next), 0, "read use of a grant to me");
    CHECK_EQ(next, word(P | RD, ME), "a read use sets reading only");
    CHECK_EQ_S(gnt_use_check(word(P, ME), ME, true, &next), 0, "write use of a read-write grant");
    CHECK_EQ(next, word(P | RD | WR, ME), "a write use sets reading and writing");
    CHECK_EQ_S(gnt_use_check(word(P | RO, ME), ME, false, &next), 0, "read use of a read-only grant");
    CHECK_EQ(next, word(P | RO | RD, ME), "read-only stays set");
    CHECK_EQ_S(gnt_use_check(word(P | RO, ME), ME, true, &next), -MICA_EACCES,
               "write use of a read-only grant: -EACCES");
    CHECK_EQ_S(gnt_use_check(word(P | RD | WR, ME), ME, true, &next), 0,
               "an entry already in use can be used again");
    CHECK_EQ(next, word(P | RD | WR, ME), "bits already set stay as they are");
    CHECK_EQ_S(gnt_use_check(word(0, ME), ME, false, &next), -MICA_ENOENT,
               "an invalid (revoked) entry: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(RD | WR, ME), ME, false, &next), -MICA_ENOENT,
               "in-use bits alone grant nothing: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(2, ME), ME, false, &next), -MICA_ENOENT,
               "type 2 (transfer) is not an access grant: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(3, ME), ME, false, &next), -MICA_ENOENT,
               "type 3 is not an access grant: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(P, OTHER), ME, false, &next), -MICA_ENOENT,
               "a grant to another domain: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(P | RO, OTHER), ME, true, &next), -MICA_ENOENT,
               "not mine comes before read-only: -ENOENT");
    CHECK_EQ_S(gnt_use_check(word(P | 0x8000, ME), ME, false, &next), 0,
               "unknown flag bits are left alone");
    CHECK_EQ(next, word(P | 0x8000 | RD, ME), "and kept");
}

static void test_acquire_clear(void)
{
    struct mica_grant_entry e = { .flags = MICA_GTF_permit_access, .domid = ME, .frame = 0x1234 };
    uint32_t *w = (uint32_t *)&e;

    CHECK_EQ_S(gnt_entry_acquire(w, ME, true), 0, "acquire a read-write grant for writing");
    CHECK_EQ(e.flags, MICA_GTF_permit_access | MICA_GTF_reading | MICA_GTF_writing,
             "the live entry has reading and writing set");
    CHECK_EQ(e.domid, ME, "domid untouched");
    CHECK_EQ(e.frame, 0x1234, "frame untouched");
    gnt_entry_clear(w, MICA_GTF_writing);
    CHECK_EQ(e.flags, MICA_GTF_permit_access | MICA_GTF_reading, "clearing writing leaves reading");
    gnt_entry_clear(w, MICA_GTF_reading);
    CHECK_EQ(e.flags, MICA_GTF_permit_access, "clearing reading leaves the grant");
    gnt_entry_clear(w, 0);
    CHECK_EQ(e.flags, MICA_GTF_permit_access, "clearing nothing changes nothing");
    e.flags = MICA_GTF_permit_access | MICA_GTF_readonly;
    CHECK_EQ_S(gnt_entry_acquire(w, ME, true), -MICA_EACCES, "acquire a read-only grant for writing");
    CHECK_EQ(e.flags, MICA_GTF_permit_access | MICA_GTF_readonly, "a refused acquire changes nothing");
    e.domid = OTHER;
    CHECK_EQ_S(gnt_entry_acquire(w, ME, false), -MICA_ENOENT, "acquire another domain's grant");
    CHECK_EQ(e.flags, MICA_GTF_permit_access | MICA_GTF_readonly, "still unchanged");
}

/* A granter rewriting the entry between "granted to ME" and "granted to OTHER". */
struct flipper {
    uint32_t *word;
    bool stop;
    unsigned long flips, violations;
};

static void *flip(void *arg)
{
    struct flipper *f = arg;
    const uint32_t mine = word(MICA_GTF_permit_access, ME);
    const uint32_t other = word(MICA_GTF_permit_access, OTHER);

    for (unsigned long n = 0; !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE); n++) {
        uint32_t old = __atomic_exchange_n(f->word, n & 1 ? mine : other, __ATOMIC_SEQ_CST);

        /* The hypervisor must never have marked the other domain's grant. */
        if (GNT_WORD_DOMID(old) == OTHER && (old & MICA_GTF_reading))
            f->violations++;
        __atomic_store_n(&f->flips, n + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void test_acquire_race(void)
{
    uint32_t w = word(MICA_GTF_permit_access, ME);
    struct flipper f = { .word = &w };
    unsigned long calls = 0, ok = 0, busy = 0, denied = 0, other = 0;
    pthread_t t;

    if (pthread_create(&t, NULL, flip, &f)) {
        CHECK(false, "start the flipping thread");
        return;
    }
    while (!__atomic_load_n(&f.flips, __ATOMIC_ACQUIRE))
        ;
    /*
     * Race until the flipper has flipped a lot and both outcomes were seen
     * (a cap stops it). On a host with one free CPU the two threads take
     * turns, so the main one yields now and then.
     */
    for (; calls < 50000000 && (calls < 100000 || !ok || !denied ||
                                __atomic_load_n(&f.flips, __ATOMIC_ACQUIRE) < 1000000); calls++) {
        int rc = gnt_entry_acquire(&w, ME, calls & 1);

        if (calls % 4096 == 4095)
            sched_yield();

        if (rc == 0)
            ok++;
        else if (rc == -MICA_EAGAIN)
            busy++;
        else if (rc == -MICA_ENOENT)
            denied++;
        else
            other++;
    }
    __atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CHECK_EQ(other, 0, "against a rewriting granter every result is 0, -ENOENT or -EAGAIN "
             "(%lu calls: %lu, %lu, %lu; %lu rewrites)", calls, ok, denied, busy, f.flips);
    CHECK(ok && denied, "both outcomes happened while racing (%lu acquired, %lu refused)", ok, denied);
    CHECK_EQ(f.violations, 0, "reading is never set on the entry while it names another domain");
}

static void test_active(void)
{
    struct gnt_active a = { 0 };

    gnt_active_get(&a, false);
    gnt_active_get(&a, true);
    gnt_active_get(&a, true);
    CHECK(a.pins == 3 && a.wpins == 2, "three uses, two writable: pins 3, wpins 2");
    CHECK_EQ(gnt_active_put(&a, true), 0, "one writer of two ends: nothing to clear");
    CHECK_EQ(gnt_active_put(&a, true), MICA_GTF_writing, "the last writer ends: clear writing");
    CHECK_EQ(gnt_active_put(&a, false), MICA_GTF_reading, "the last use ends: clear reading");
    CHECK(a.pins == 0 && a.wpins == 0, "counts back to zero");
    gnt_active_get(&a, true);
    CHECK_EQ(gnt_active_put(&a, true), MICA_GTF_reading | MICA_GTF_writing,
             "a lone writable use ends: clear both");
}

static void test_locate(void)
{
    unsigned int frame = 99, offset = 99;

    CHECK(!gnt_ref_locate(0, 0, &frame, &offset), "no table: ref 0 is outside");
    CHECK(gnt_ref_locate(0, 1, &frame, &offset) && frame == 0 && offset == 0, "ref 0: page 0, offset 0");
    CHECK(gnt_ref_locate(511, 1, &frame, &offset) && frame == 0 && offset == 4088,
          "ref 511: page 0, offset 4088");
    CHECK(!gnt_ref_locate(512, 1, &frame, &offset), "ref 512 with one page: outside");
    CHECK(gnt_ref_locate(512, 2, &frame, &offset) && frame == 1 && offset == 0, "ref 512: page 1");
    CHECK(gnt_ref_locate(2047, 4, &frame, &offset) && frame == 3 && offset == 4088,
          "ref 2047: the last of four pages");
    CHECK(!gnt_ref_locate(2048, 4, &frame, &offset), "ref 2048: outside four pages");
    CHECK(!gnt_ref_locate(1ull << 32, 4, &frame, &offset), "ref 2^32: outside (no truncation)");
    CHECK(!gnt_ref_locate(~0ull, 4, &frame, &offset), "ref ~0: outside");
}

static void test_map_check(void)
{
    struct mica_gnttab_map op = { .gfn = 0x400, .ref = 1, .domid = ME };

    CHECK_EQ_S(gnt_map_check(&op), 0, "a plain map is well formed");
    op.flags = MICA_GNTMAP_readonly;
    CHECK_EQ_S(gnt_map_check(&op), 0, "read-only is a known flag");
    op.flags = 0x2;
    CHECK_EQ_S(gnt_map_check(&op), -MICA_EINVAL, "unknown map flag: -EINVAL");
    op.flags = 0;
    op.pad = 1;
    CHECK_EQ_S(gnt_map_check(&op), -MICA_EINVAL, "non-zero pad: -EINVAL");
    op.pad = 0;
    op.gfn = MICA_GFN_LIMIT - 1;
    CHECK_EQ_S(gnt_map_check(&op), 0, "the highest gfn");
    op.gfn = MICA_GFN_LIMIT;
    CHECK_EQ_S(gnt_map_check(&op), -MICA_EINVAL, "gfn 2^36: -EINVAL");
    op.gfn = ~0ull;
    CHECK_EQ_S(gnt_map_check(&op), -MICA_EINVAL, "gfn ~0: -EINVAL");
}

static void test_copy_check(void)
{
    struct mica_gnttab_copy op = { .len = 100 };

    CHECK_EQ_S(gnt_copy_check(&op), 0, "gfn to gfn, 100 bytes");
    op.flags = MICA_GNTCOPY_src_gref | MICA_GNTCOPY_dst_gref;
    CHECK_EQ_S(gnt_copy_check(&op), 0, "gref to gref");
    op.flags = 0x4;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "unknown copy flag: -EINVAL");
    op.flags = 0;
    op.len = 4096;
    CHECK_EQ_S(gnt_copy_check(&op), 0, "a whole page");
    op.len = 4097;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "more than a page: -EINVAL");
    op.len = 96;
    op.src.offset = 4000;
    CHECK_EQ_S(gnt_copy_check(&op), 0, "src ends exactly at the page end");
    op.src.offset = 4001;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "src crosses the page end: -EINVAL");
    op.src.offset = 0;
    op.dst.offset = 4001;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "dst crosses the page end: -EINVAL");
    op.dst.offset = 0xffff;
    op.len = 0;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "offset beyond the page, length 0: -EINVAL");
    op.dst.offset = 4096;
    CHECK_EQ_S(gnt_copy_check(&op), 0, "offset 4096 with length 0");
    op.dst.offset = 0;
    op.src.pad = 1;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "src pad non-zero: -EINVAL");
    op.src.pad = 0;
    op.dst.pad = 1;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "dst pad non-zero: -EINVAL");
    op.dst.pad = 0;
    op.pad = 1;
    CHECK_EQ_S(gnt_copy_check(&op), -MICA_EINVAL, "pad non-zero: -EINVAL");
}

static void test_setup_check(void)
{
    uint64_t g[5] = { 0x200, 0x201, 0x202, 0x203, 0x204 };

    CHECK_EQ_S(gnt_setup_check(g, 0), 0, "no pages (drop the table)");
    CHECK_EQ_S(gnt_setup_check(g, 4), 0, "four distinct pages");
    CHECK_EQ_S(gnt_setup_check(g, 5), -MICA_EINVAL, "five pages: -EINVAL");
    CHECK_EQ_S(gnt_setup_check(g, ~0ull), -MICA_EINVAL, "~0 pages: -EINVAL");
    g[3] = 0x201;
    CHECK_EQ_S(gnt_setup_check(g, 4), -MICA_EINVAL, "a page named twice: -EINVAL");
    g[3] = MICA_GFN_LIMIT;
    CHECK_EQ_S(gnt_setup_check(g, 4), -MICA_EINVAL, "gfn 2^36: -EINVAL");
}

int main(void)
{
    check_area("grant_state");
    test_use_check();
    test_acquire_clear();
    test_acquire_race();
    test_active();
    test_locate();
    test_map_check();
    test_copy_check();
    test_setup_check();
    return check_done();
}
