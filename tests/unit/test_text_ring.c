/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/text_ring.c: the byte rings behind the
 * hypervisor log and each domain's console, read by offset. A reference
 * copy of everything written ("all") says what every read must return.
 */
#include <stdlib.h>

#include <mica/text_ring.h>

#include "check.h"
#include "shim.h"

#define SIZE  64
#define TOTAL 1000

static char all[TOTAL];
static size_t all_len;

static void put(struct text_ring *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        all[all_len + i] = s[i];
    all_len += n;
    text_ring_put(r, s, n);
}

static bool same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static void test_empty(void)
{
    static char buf[SIZE];
    struct text_ring r;
    char out[8];
    uint64_t off = 0, lost = 99;

    text_ring_init(&r, buf, SIZE);
    CHECK_EQ(r.head, 0, "a new ring's head is 0");
    CHECK_EQ(text_ring_tail(&r), 0, "a new ring's tail is 0");
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), &lost), 0, "reading an empty ring: 0 bytes");
    CHECK_EQ(off, 0, "... the offset stays 0");
    CHECK_EQ(lost, 0, "... nothing lost");
}

static void test_follow(void)
{
    static char buf[SIZE];
    struct text_ring r;
    char out[SIZE];
    uint64_t off = 0, lost;
    size_t n;

    all_len = 0;
    text_ring_init(&r, buf, SIZE);
    put(&r, "hello, ", 7);
    put(&r, "world\n", 6);
    n = text_ring_read(&r, &off, out, 5, &lost);
    CHECK(n == 5 && same(out, "hello", 5), "a short read gets the first bytes");
    CHECK_EQ(off, 5, "... and the offset after them");
    n = text_ring_read(&r, &off, out, sizeof(out), &lost);
    CHECK(n == 8 && same(out, ", world\n", 8), "the next read continues where it stopped");
    CHECK_EQ(off, 13, "... up to the head");
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), &lost), 0, "at the head: nothing more");
    put(&r, "more", 4);
    n = text_ring_read(&r, &off, out, sizeof(out), &lost);
    CHECK(n == 4 && same(out, "more", 4), "a follower sees only what came since");
    CHECK_EQ(lost, 0, "a follower that keeps up loses nothing");
}

static void test_wrap_and_lost(void)
{
    static char buf[SIZE];
    struct text_ring r;
    char out[SIZE], chunk[37];
    uint64_t off, lost;
    size_t n;

    all_len = 0;
    text_ring_init(&r, buf, SIZE);
    for (int i = 0; all_len + sizeof(chunk) <= TOTAL; i++) {
        for (size_t j = 0; j < sizeof(chunk); j++)
            chunk[j] = (char)('a' + (i * 7 + (int)j) % 26);
        put(&r, chunk, sizeof(chunk));
    }
    CHECK_EQ(r.head, all_len, "head counts every byte written (%zu)", all_len);
    CHECK_EQ(text_ring_tail(&r), all_len - SIZE, "the tail is head - size once full");
    off = 0;
    n = text_ring_read(&r, &off, out, sizeof(out), &lost);
    CHECK_EQ(lost, all_len - SIZE, "reading from 0 reports the overwritten bytes as lost");
    CHECK(n == SIZE && same(out, all + all_len - SIZE, SIZE), "... and gets the newest SIZE bytes, in order");
    CHECK_EQ(off, all_len, "... ending at the head");
    off = all_len - 10;
    n = text_ring_read(&r, &off, out, sizeof(out), &lost);
    CHECK(n == 10 && same(out, all + all_len - 10, 10) && !lost, "a read from inside the ring across the wrap");
    off = all_len + 1;
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), &lost), 0, "an offset beyond the head: 0 bytes");
    CHECK_EQ(off, all_len + 1, "... and the offset is left alone");
}

static void test_big_write(void)
{
    static char buf[SIZE];
    static char big[3 * SIZE + 5];
    struct text_ring r;
    char out[SIZE];
    uint64_t off = 0, lost;

    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 13);
    text_ring_init(&r, buf, SIZE);
    text_ring_put(&r, "x", 1);
    text_ring_put(&r, big, sizeof(big));
    CHECK_EQ(r.head, sizeof(big) + 1, "a write longer than the ring still counts every byte");
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), &lost), SIZE, "the ring is full after it");
    CHECK(same(out, big + sizeof(big) - SIZE, SIZE), "... holding the write's last SIZE bytes");
    CHECK_EQ(lost, sizeof(big) + 1 - SIZE, "... the rest is lost");
}

static void test_no_buffer(void)
{
    struct text_ring r;
    char out[4];
    uint64_t off = 0, lost;

    text_ring_init(&r, NULL, SIZE);
    text_ring_put(&r, "abc", 3);
    CHECK_EQ(r.head, 3, "a ring without a buffer still counts bytes");
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), &lost), 0, "... and reads nothing");
    CHECK_EQ(lost, 3, "... all of it lost");
    CHECK_EQ(text_ring_read(&r, &off, out, sizeof(out), NULL), 0, "lost may be NULL");
}

int main(void)
{
    check_area("text_ring");
    test_empty();
    test_follow();
    test_wrap_and_lost();
    test_big_write();
    test_no_buffer();
    return check_done();
}
