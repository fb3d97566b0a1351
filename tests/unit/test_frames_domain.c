/*
 * Unit tests for the domain-memory half of hypervisor/common/page_alloc.c:
 * splitting an allocated block into single frames (frames_split), freeing
 * them one by one (frame_free_domain), and pins keeping a freed frame
 * allocated until the last frame_unpin, which scrubs and frees it.
 * test_page_alloc.c covers the buddy allocator itself.
 */
#include <stdlib.h>

#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>

#include "check.h"
#include "shim.h"

#define NR          2048
#define POOL_START  512             /* naturally aligned: one 1024 + one 512 block */
#define POOL_FRAMES (NR - POOL_START)
#define DOM         7
#define OTHER       8

static struct frame table[NR];

static void setup(void)
{
    shim_mem_reset();
    frames_init(table, NR);
    shim_mem_back(0, NR);
    frames_add_free(POOL_START, POOL_FRAMES);
    shim_log_clear();
}

/* Every byte of the frame is v, from byte from on (a free frame's first 16 hold its list links). */
static bool bytes_from(mfn_t mfn, size_t from, unsigned char v)
{
    const unsigned char *p = mfn_to_virt(mfn);

    for (size_t j = from; j < PAGE_SIZE; j++)
        if (p[j] != v)
            return false;
    return true;
}

/* How many blocks the pool splits into when taken greedily (1 when whole). */
static unsigned int greedy_blocks(void)
{
    static mfn_t m[NR];
    static unsigned int o[NR];
    unsigned int n = 0;

    for (int k = MAX_ORDER; k >= 0; k--)
        while (n < NR && (m[n] = frames_alloc((unsigned int)k, OWNER_HYP, 0)) != INVALID_MFN)
            o[n++] = (unsigned int)k;
    for (unsigned int i = 0; i < n; i++)
        frames_free(m[i], o[i]);
    return n;
}

static void test_split(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(9, DOM, FA_ZERO);
    CHECK(m != INVALID_MFN, "a 2 MiB block for a domain");
    CHECK_EQ_S(frames_split(m, 9), 0, "frames_split of that block");
    CHECK_EQ(frames_owned_by(DOM), 512, "every frame still belongs to the domain");
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 512, "splitting frees nothing");
    shim_log_clear();
    frames_free(m, 9);
    CHECK_CONTAINS(shim_log(), "order differs", "the block can no longer be freed whole");
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 512, "... and was not");
    for (mfn_t i = 0; i < 512; i += 2)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 256, "half the frames freed one by one");
    for (mfn_t i = 1; i < 512; i += 2)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "all of them freed: the count is back");
    CHECK_EQ(frames_owned_by(DOM), 0, "the domain owns nothing");
    CHECK_EQ(greedy_blocks(), 2, "single frees merged back into the two pool blocks");
    CHECK_EQ(shim_log_count(LOG_ERR), 1, "no error but the refused whole free");
}

static void test_split_refused(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(2, DOM, 0);
    CHECK_EQ_S(frames_split(m, 3), -EINVAL, "split with the wrong order: -EINVAL");
    CHECK_EQ_S(frames_split(m + 1, 0), -EINVAL, "split of a frame inside a block: -EINVAL");
    CHECK_EQ_S(frames_split(POOL_START + 1024, 0), -EINVAL, "split of a free frame: -EINVAL");
    CHECK_EQ_S(frames_split(NR + 5, 0), -EINVAL, "split outside the table: -EINVAL");
    CHECK_EQ(shim_log_count(LOG_ERR), 4, "each refusal is logged");
    CHECK_EQ_S(frames_split(m, 2), 0, "the right order splits");
    CHECK_EQ_S(frames_split(m + 3, 0), 0, "an order-0 frame splits into itself");
    for (mfn_t i = 0; i < 4; i++)
        frame_free_domain(m + i);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "the pool is whole again");
}

static void test_double_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    frame_free_domain(m);
    shim_log_clear();
    frame_free_domain(m);
    CHECK_CONTAINS(shim_log(), "already free", "a second free is refused and logged");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "and changes nothing");
}

static void test_pinned_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    memset(mfn_to_virt(m), 0xab, PAGE_SIZE);
    CHECK(frame_pin(m, DOM), "a domain's frame can be pinned");
    CHECK(!frame_pin(m, OTHER), "not as another domain's");
    CHECK(frame_pin(m, DOM), "a second pin");
    frame_free_domain(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "freeing a pinned frame keeps it");
    CHECK(bytes_from(m, 0, 0xab), "... its contents untouched for the mappings");
    CHECK_EQ(frame_owner(m), DOM, "... still the domain's in the frame table");
    CHECK(!frame_pin(m, DOM), "a freed frame cannot be pinned again");
    shim_log_clear();
    frame_free_domain(m);
    CHECK_CONTAINS(shim_log(), "already freed", "freeing it again is refused");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "the first unpin keeps it");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "the last unpin frees it");
    CHECK_EQ(frame_owner(m), OWNER_FREE, "... in the frame table too");
    CHECK(bytes_from(m, 16, 0), "... scrubbed");
    shim_log_clear();
    frame_unpin(m);
    CHECK_CONTAINS(shim_log(), "not pinned", "an unpin too many is refused and logged");
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "and frees nothing");
}

static void test_unpin_without_free(void)
{
    mfn_t m;

    setup();
    m = frames_alloc(0, DOM, 0);
    CHECK(frame_pin(m, DOM), "pin");
    frame_unpin(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES - 1, "an unpin does not free a frame its domain still has");
    CHECK_EQ(frame_owner(m), DOM, "... which stays the domain's");
    frame_free_domain(m);
    CHECK_EQ(frames_free_count(), POOL_FRAMES, "then the domain frees it");
    CHECK(bytes_from(m, 16, 0), "scrubbed as it is freed");
}

int main(void)
{
    check_area("frames_domain");
    test_split();
    test_split_refused();
    test_double_free();
    test_pinned_free();
    test_unpin_without_free();
    return check_done();
}
