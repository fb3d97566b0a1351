/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for hypervisor/common/xmalloc.c on top of the real page allocator. */
#include <stdlib.h>

#include <mica/console.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>

#include "check.h"
#include "shim.h"

#define NR          2048        /* 8 MiB of fake RAM, frame 0 kept reserved */
#define POOL        (NR - 1)
#define MAX_LIVE    4096

static struct frame table[NR];

struct alloc {
    unsigned char *p;
    size_t size;
};

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(1, POOL);
    shim_log_clear();
}

static bool heap_empty(void)
{
    return frames_owned_by(OWNER_HYP) == 0 && frames_free_count() == POOL;
}

static bool filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static int by_address(const void *a, const void *b)
{
    const struct alloc *x = a, *y = b;

    return x->p < y->p ? -1 : x->p > y->p;
}

/* Sizes around every class boundary, the slab/big switch and a few pages. */
static const size_t sizes[] = {
    1, 2, 8, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 100, 127, 128, 129,
    255, 256, 257, 500, 511, 512, 513, 1000, 1023, 1024, 1025, 2000, 2047, 2048,
    2049, 3000, 4080, 4081, 4096, 5000, 8192, 10000, 65536,
};

/* Three of every size plus 300 small ones that span several slab pages. */
static unsigned int alloc_many(struct alloc *a)
{
    unsigned int n = 0;

    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++, n++)
            a[n] = (struct alloc){ xmalloc(sizes[i]), sizes[i] };
    for (int i = 0; i < 300; i++, n++)
        a[n] = (struct alloc){ xmalloc(24), 24 };
    return n;
}

static void test_sizes(void)
{
    static struct alloc a[MAX_LIVE];
    unsigned int n, null = 0, misaligned = 0, clobbered = 0, overlaps = 0;

    check_area("xmalloc");
    setup();
    n = alloc_many(a);
    for (unsigned int i = 0; i < n; i++) {
        null += !a[i].p;
        misaligned += a[i].p && ((uintptr_t)a[i].p & 15);
        if (a[i].p)
            memset(a[i].p, (unsigned char)(i * 7 + 1), a[i].size);
    }
    CHECK_EQ(null, 0, "%u allocations of %zu sizes all succeed", n, ARRAY_SIZE(sizes));
    CHECK_EQ(misaligned, 0, "every pointer is 16-byte aligned");
    for (unsigned int i = 0; i < n; i++)
        clobbered += a[i].p && !filled(a[i].p, a[i].size, (unsigned char)(i * 7 + 1));
    CHECK_EQ(clobbered, 0, "no allocation was overwritten by filling the others");
    qsort(a, n, sizeof(a[0]), by_address);
    for (unsigned int i = 1; i < n; i++)
        overlaps += a[i - 1].p + a[i - 1].size > a[i].p;
    CHECK_EQ(overlaps, 0, "no two allocations overlap");
    for (unsigned int i = 0; i < n; i += 2)
        xfree(a[i].p);
    for (unsigned int i = 1; i < n; i += 2)
        xfree(a[i].p);
    CHECK(heap_empty(), "freeing everything returns every page to the allocator");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "no errors reported");
}

static void test_reuse(void)
{
    void *p, *q;
    mfn_t peak = 0;

    check_area("xmalloc");
    setup();
    p = xmalloc(64);
    xfree(p);
    q = xmalloc(64);
    CHECK(p == q, "a freed object is reused by the next request of its class");
    xfree(q);
    for (int i = 0; i < 1000; i++) {
        p = xmalloc(100);
        peak = MAX(peak, frames_owned_by(OWNER_HYP));
        xfree(p);
    }
    CHECK_EQ(peak, 1, "1000 alloc/free cycles never use more than one page");
    p = xmalloc(10000);
    xfree(p);
    q = xmalloc(10000);
    CHECK(p == q, "a freed large block is reused");
    xfree(q);
    CHECK(heap_empty(), "heap empty after the reuse cycles");
}

static void test_large(void)
{
    unsigned char *p;

    check_area("xmalloc");
    setup();
    p = xmalloc(3 * PAGE_SIZE);
    CHECK(p && ((uintptr_t)p & 15) == 0, "3-page allocation succeeds, aligned");
    CHECK_EQ(frames_owned_by(OWNER_HYP), 4, "3 pages plus header take an order-2 block");
    memset(p, 0x11, 3 * PAGE_SIZE);
    CHECK(filled(p, 3 * PAGE_SIZE, 0x11), "the whole large allocation is writable");
    xfree(p);
    CHECK(heap_empty(), "large allocation freed");
    CHECK(xmalloc(SIZE_MAX) == NULL, "xmalloc(SIZE_MAX) returns NULL");
    CHECK(xmalloc(PAGE_SIZE << MAX_ORDER) == NULL, "beyond the largest block returns NULL");
    CHECK(xmalloc(16ul << 20) == NULL, "more than the pool holds returns NULL");
    CHECK(heap_empty(), "failed large requests take nothing");
}

static void test_zero_and_null(void)
{
    unsigned char *p, *q;
    struct alloc *o;

    check_area("xmalloc");
    setup();
    CHECK(xmalloc(0) == NULL, "xmalloc(0) returns NULL");
    xfree(NULL);
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "xfree(NULL) reports nothing");
    CHECK(heap_empty(), "xfree(NULL) changes nothing");
    p = xmalloc(200);
    memset(p, 0xff, 200);
    xfree(p);
    q = xzalloc(200);
    CHECK(q == p, "xzalloc reuses the dirty object");
    CHECK(filled(q, 200, 0), "xzalloc zeroes reused memory");
    xfree(q);
    p = xzalloc(9000);
    CHECK(p && filled(p, 9000, 0), "large xzalloc is zeroed");
    xfree(p);
    o = xnew(struct alloc);
    CHECK(o && filled((unsigned char *)o, sizeof(*o), 0), "xnew gives a zeroed object");
    xfree(o);
    CHECK(heap_empty(), "heap empty after zeroing tests");
}

static void test_bad_xfree(void)
{
    unsigned char *p, *q, *a, *b;
    mfn_t m;

    check_area("xmalloc");
    setup();
    p = xmalloc(48);
    q = xmalloc(48);
    xfree(p);
    CHECK_PANICS(xfree(p), "double free", "double free of a small object panics");
    a = xmalloc(48);
    b = xmalloc(48);
    CHECK(a != b && a != q && b != q, "after the double free no object is handed out twice");
    CHECK_PANICS(xfree(a + 16), "not the start of an object", "pointer inside an object panics");
    CHECK_PANICS(xfree(a + 1), "not a heap pointer", "misaligned pointer panics");
    m = frames_alloc(0, 1, 0);
    CHECK_PANICS(xfree(mfn_to_virt(m)), "not a heap pointer", "pointer into a domain page panics");
    frames_free(m, 0);
    xfree(a);
    xfree(b);
    xfree(q);
    p = xmalloc(5000);
    xfree(p);
    CHECK_PANICS(xfree(p), "not a heap pointer",
                 "double free of a large block panics");
    CHECK(heap_empty(), "the bad frees changed nothing before they panicked");
    CHECK_EQ(shim_log_count(LOG_ERR), 0, "nothing is merely logged");
}

static void test_pages(void)
{
    unsigned char *p;

    check_area("xmalloc");
    setup();        /* fresh backing memory is 0x5a, so zeroing is visible */
    p = page_alloc_hyp(1);
    CHECK(p && ((uintptr_t)p & (PAGE_SIZE - 1)) == 0, "page_alloc_hyp gives page-aligned memory");
    CHECK(filled(p, 2 * PAGE_SIZE, 0), "page_alloc_hyp zeroes the pages");
    CHECK_EQ(frames_owned_by(OWNER_HYP), 2, "page_alloc_hyp(1) owns two frames for HYP");
    CHECK_PANICS(page_free_hyp(p + 16, 1), "page_free_hyp: ",
                 "page_free_hyp of a misaligned pointer panics");
    page_free_hyp(p, 1);
    page_free_hyp(NULL, 0);
    CHECK(heap_empty(), "page_free_hyp returns the frames");
}

static void test_exhaustion(void)
{
    static void *live[MAX_LIVE];
    unsigned int n = 0;

    check_area("xmalloc");
    setup();
    while (n < MAX_LIVE && (live[n] = xmalloc(2048)) != NULL)
        n++;
    CHECK_EQ(n, POOL, "2048-byte objects until the pool runs dry: one per page");
    CHECK(xmalloc(16) == NULL, "a small request fails once no page is left");
    while (n)
        xfree(live[--n]);
    CHECK(heap_empty(), "everything returned after exhaustion");
    CHECK(xmalloc(16) != NULL, "allocation works again");
}

int main(void)
{
    test_sizes();
    test_reuse();
    test_large();
    test_zero_and_null();
    test_bad_xfree();
    test_pages();
    test_exhaustion();
    check_area("xmalloc");
    CHECK_EQ_S(shim_locks_held(), 0, "no lock left held");
    shim_mem_reset();
    return check_done();
}
