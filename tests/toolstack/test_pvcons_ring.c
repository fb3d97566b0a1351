// SPDX-License-Identifier: GPL-2.0-only
/*
 * micad's PV console ring reader (toolstack/micad/pvcons_ring.c) against a
 * guest that plays fair and one that writes garbage indices: bytes arrive
 * in order across the wrap, a full in[] takes nothing more, and every bad
 * index is refused with -EPROTO and the view reset (never a read or write
 * outside the buffers: the page sits between two guard pages).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "pvcons_ring.h"

static int fails;

static void check(int ok, const char *what)
{
    printf("%s pvcons-ring: %s\n", ok ? "PASS" : "FAIL", what);
    fails += !ok;
}

/* A ring page with a PROT_NONE page either side. */
static struct mica_cons_ring *guarded_page(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE))
        return NULL;
    return (struct mica_cons_ring *)(p + 4096);
}

/* The guest writes n bytes of a counting pattern starting at seq. */
static void guest_out(struct mica_cons_ring *r, unsigned int n, unsigned int seq)
{
    for (unsigned int i = 0; i < n; i++)
        r->out[MICA_CONS_OUT_IDX(r->out_prod + i)] = (char)(seq + i);
    r->out_prod += n;
}

static void test_fair(struct mica_cons_ring *r)
{
    struct pvring v;
    char buf[4096];
    unsigned int seq = 0, got_total = 0, ordered = 1;
    ssize_t n;

    memset(r, 0, sizeof(*r));
    r->out_prod = r->out_cons = 0xfffffc00u;     /* the indices wrap during the test */
    check(pvring_attach(&v, r) == 0, "a fresh ring attaches");
    for (int round = 0; round < 10; round++) {
        guest_out(r, 1500, seq);
        seq += 1500;
        n = pvring_take(&v, buf, sizeof(buf));
        for (ssize_t i = 0; i < n; i++)
            ordered &= buf[i] == (char)(got_total + (unsigned int)i);
        got_total += n > 0 ? (unsigned int)n : 0;
    }
    check(got_total == seq && ordered, "15000 bytes arrive in order across the index wrap");
    check(r->out_cons == r->out_prod, "out_cons is published");
    guest_out(r, MICA_CONS_OUT_SIZE, 0);
    check(pvring_take(&v, buf, 100) == 100 && pvring_take(&v, buf, sizeof(buf)) ==
          MICA_CONS_OUT_SIZE - 100, "a full out[] is taken in pieces of the caller's size");
    check(pvring_take(&v, buf, sizeof(buf)) == 0, "an empty out[] gives 0");
    check(pvring_put(&v, "hello", 5) == 5 && !memcmp(r->in, "hello", 5) && r->in_prod == 5,
          "keystrokes go into in[]");
    memset(buf, 'x', sizeof(buf));
    check(pvring_put(&v, buf, sizeof(buf)) == MICA_CONS_IN_SIZE - 5 &&
          pvring_in_room(&v) == 0 && pvring_put(&v, buf, 1) == 0,
          "a full in[] takes no more");
    r->in_cons += 10;
    check(pvring_in_room(&v) == 10, "the guest taking 10 bytes makes room for 10");
}

static void test_hostile(struct mica_cons_ring *r)
{
    struct pvring v;
    char buf[4096];

    memset(r, 0, sizeof(*r));
    r->out_prod = 0x7fffffffu;                  /* far ahead of out_cons */
    r->in_cons = 12345;                          /* past our in_prod */
    check(pvring_attach(&v, r) == -EPROTO, "garbage indices at attach are refused");
    check(v.out_cons == 0x7fffffffu && r->out_cons == 0x7fffffffu && v.in_prod == 12345,
          "...and the view reset to the guest's indices");
    check(pvring_take(&v, buf, sizeof(buf)) == 0, "after the reset the ring is empty");
    r->out_prod = v.out_cons + MICA_CONS_OUT_SIZE + 1;
    check(pvring_take(&v, buf, sizeof(buf)) == -EPROTO, "a producer one past the buffer is refused");
    r->out_prod = v.out_cons - 1;               /* behind the consumer */
    check(pvring_take(&v, buf, sizeof(buf)) == -EPROTO, "a producer behind the consumer is refused");
    check(pvring_take(&v, buf, sizeof(buf)) == 0, "...and the ring then reads empty");
    r->in_cons = v.in_prod + 1;                 /* consumed more than we put */
    check(pvring_put(&v, "a", 1) == -EPROTO, "an in_cons past in_prod is refused");
    check(pvring_put(&v, "a", 1) == 1, "...and input flows again after the reset");
    r->in_cons = v.in_prod - MICA_CONS_IN_SIZE - 7;
    check(pvring_in_room(&v) == -EPROTO, "an in_cons far behind is refused");
    /* Random indices: never outside the page (the guards), and after each
     * round our indices are sane against the guest's again. */
    unsigned int sane = 0;

    for (unsigned int i = 0; i < 1000; i++) {
        r->out_prod = i * 2654435761u;
        r->in_cons = i * 40503u;
        pvring_take(&v, buf, sizeof(buf));
        pvring_put(&v, buf, 100);
        sane += v.out_cons == r->out_prod && v.in_prod - r->in_cons <= MICA_CONS_IN_SIZE;
    }
    check(sane == 1000, "1000 rounds of random indices stay inside the page and end sane");
}

int main(void)
{
    struct mica_cons_ring *r = guarded_page();

    if (!r) {
        perror("mmap");
        return 1;
    }
    check(sizeof(*r) <= 4096, "the ring fits one page");
    test_fair(r);
    test_hostile(r);
    return fails ? 1 : 0;
}
