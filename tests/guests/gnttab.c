/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gnttab: every sub-command of MICA_HC_grant_table_op, its success and its
 * error paths, from a single domain granting to itself (which Mica allows:
 * the granter and the grantee may be the same domain).
 *
 * Memory: after the image, four pages for the grant table (T), eight data
 * pages (D) and a scratch page; grants are mapped in a window of gfns just
 * above RAM, which the builder's page tables (identity, low 4 GiB) reach.
 *
 * With "mode=ro_write" on the command line it only maps a read-only grant
 * and writes to it: the hypervisor must kill the domain (a system test
 * checks). The normal run ends with a grant still mapped, for the domain's
 * teardown to unmap.
 */
#include "guest.h"
#include "gnttab.h"

const char guest_builtin_name[] = "gnttab";

#define NR_T   4u
#define NR_D   8u

static uint64_t t_gfn, d_gfn, s_gfn, win_gfn;
static uint16_t me;
static struct mica_grant_entry *table;

static void *gfn_ptr(uint64_t gfn)
{
    return (void *)(gfn << PAGE_SHIFT);
}

static uint64_t D(unsigned int i) { return d_gfn + i; }
static uint64_t W(unsigned int i) { return win_gfn + i; }

static void layout(const struct mica_start_info *si)
{
    t_gfn = guest_image_end() >> PAGE_SHIFT;
    d_gfn = t_gfn + NR_T;
    s_gfn = d_gfn + NR_D;
    win_gfn = si->nr_pages + 16;
    me = si->domid;
    table = gfn_ptr(t_gfn);
    memset(table, 0, NR_T * PAGE_SIZE);
    for (unsigned int i = 0; i < NR_D; i++)
        memset(gfn_ptr(D(i)), 0x10 + i, PAGE_SIZE);
}

static void test_query_and_unknown(void)
{
    struct mica_gnttab_query_size q;

    memset(&q, 0xff, sizeof(q));
    check_eq_i64("query_size before setup", 0, gnttab_query(&q));
    check(q.nr_frames == 0 && q.max_frames == MICA_GNTTAB_MAX_FRAMES && q.nr_maps == 0 &&
          q.max_maps == MICA_GNTTAB_MAX_MAPTRACK, "query_size: no table, no maps, the limits",
          "%u/%u frames %u/%u maps", q.nr_frames, q.max_frames, q.nr_maps, q.max_maps);
    check_eq_i64("query_size to a non-canonical pointer: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_query_size, 0x8000000000000000ull, 0));
    check_eq_i64("query_size to a pointer past RAM: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_query_size, guest_ram_end() - 8, 0));
    check_eq_i64("sub-command 5: -ENOSYS", -MICA_ENOSYS, gnttab_op(5, 0, 0));
    check_eq_i64("sub-command 2^32 + map: -ENOSYS", -MICA_ENOSYS,
                 gnttab_op((1ull << 32) | MICA_GNTTABOP_map_grant_ref, 0, 0));
}

static void test_setup(void)
{
    uint64_t gfns[NR_T + 1] = { t_gfn, t_gfn + 1, t_gfn + 2, t_gfn + 3, t_gfn + 4 };
    uint64_t bad[2];
    struct mica_gnttab_query_size q;

    check_eq_i64("setup with 5 pages (limit 4): -EINVAL", -MICA_EINVAL, gnttab_setup(gfns, 5));
    check_eq_i64("setup with ~0 pages: -EINVAL", -MICA_EINVAL, gnttab_setup(gfns, ~0ull));
    check_eq_i64("setup with a non-canonical list: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_setup_table, 0x8000000000000000ull, 1));
    check_eq_i64("setup with a list past RAM: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_setup_table, guest_ram_end() - 8, 2));
    bad[0] = t_gfn, bad[1] = W(0);
    check_eq_i64("setup with a gfn outside RAM: -EINVAL", -MICA_EINVAL, gnttab_setup(bad, 2));
    bad[1] = t_gfn;
    check_eq_i64("setup naming a page twice: -EINVAL", -MICA_EINVAL, gnttab_setup(bad, 2));
    bad[1] = MICA_GFN_LIMIT;
    check_eq_i64("setup with gfn 2^36: -EINVAL", -MICA_EINVAL, gnttab_setup(bad, 2));
    gnttab_query(&q);
    check_eq_u64("a refused setup leaves no table", 0, q.nr_frames);
    check_eq_i64("setup with one page", 0, gnttab_setup(gfns, 1));
    gnttab_query(&q);
    check_eq_u64("query_size: one page", 1, q.nr_frames);
    check_eq_i64("setup again with four pages (replaces it)", 0, gnttab_setup(gfns, 4));
    gnttab_query(&q);
    check_eq_u64("query_size: four pages", 4, q.nr_frames);
}

/* A gfn where a grant is mapped (W(0), D(0)'s frame) is not the domain's own RAM. */
static void mapped_is_not_ram(void)
{
    struct mica_memop_reservation r = { .first_gfn = W(0), .nr = 1, .domid = MICA_DOMID_SELF };
    struct mica_gnttab_copy op = {
        .src = { .ref_or_gfn = W(0), .domid = me }, .dst = { .ref_or_gfn = D(5), .domid = me },
        .len = 8,
    };
    uint64_t gfns[2] = { t_gfn, W(0) };

    check_eq_i64("setup_table naming a mapped grant's gfn: -EINVAL", -MICA_EINVAL,
                 gnttab_setup(gfns, 2));
    check_eq_i64("copy from a mapped grant's gfn: -EFAULT", -MICA_EFAULT, gnttab_copy1(&op));
    gnt_grant(table, 7, me, W(0), false);
    check_eq_i64("map a grant naming a mapped grant's gfn: -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 7, W(1), 0, NULL));
    gnt_end_access(table, 7);
    check_eq_i64("decrease_reservation of a mapped grant's gfn: -EINVAL", -MICA_EINVAL,
                 hc2(MICA_HC_memory_op, MICA_MEMOP_decrease_reservation, (uint64_t)&r));
    check_eq_u64("the mapping is still there", 0x10, *(volatile uint8_t *)gfn_ptr(W(0)));
}

static void test_map_basic(void)
{
    uint8_t *w0 = gfn_ptr(W(0)), *d0 = gfn_ptr(D(0));
    struct mica_gnttab_query_size q;
    uint32_t h = 0;

    check_eq_i64("map an ungranted ref: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(me, 1, W(0), 0, &h));
    check_eq_u64("a failed map returns handle ~0", 0xffffffffu, h);
    gnt_grant(table, 1, me, D(0), false);
    check_eq_i64("map a read-write grant read-write", 0, gnttab_map1(me, 1, W(0), 0, &h));
    check(h < MICA_GNTTAB_MAX_MAPTRACK, "the handle is a maptrack slot", "handle %u", h);
    check_eq_u64("the entry is marked reading and writing",
                 MICA_GTF_permit_access | MICA_GTF_reading | MICA_GTF_writing, gnt_flags(table, 1));
    gnttab_query(&q);
    check_eq_u64("query_size: one map", 1, q.nr_maps);
    check(w0[0] == 0x10 && w0[4095] == 0x10, "the mapping shows the granted page",
          "read 0x%x 0x%x", w0[0], w0[4095]);
    w0[100] = 0xab;
    check_eq_u64("a write through the mapping lands in the granted page", 0xab, d0[100]);
    d0[100] = 0x10;
    check_eq_i64("end access while mapped: refused", -MICA_EBUSY, gnt_end_access(table, 1));
    check(gnt_flags(table, 1) & MICA_GTF_permit_access, "the grant still stands", "flags 0x%x",
          gnt_flags(table, 1));
    mapped_is_not_ram();
    check_eq_i64("map at a gfn of RAM: -EEXIST", -MICA_EEXIST, gnttab_map1(me, 1, D(1), 0, NULL));
    check_eq_i64("map again at the mapped gfn: -EEXIST", -MICA_EEXIST,
                 gnttab_map1(me, 1, W(0), 0, NULL));
    check_eq_i64("unmap", 0, gnttab_unmap1(h));
    check_eq_u64("unmapped: the in-use bits are clear", MICA_GTF_permit_access, gnt_flags(table, 1));
    gnttab_query(&q);
    check_eq_u64("query_size: no maps", 0, q.nr_maps);
    check_eq_i64("unmap the same handle again: -ENOENT", -MICA_ENOENT, gnttab_unmap1(h));
    check_eq_i64("end access once unmapped", 0, gnt_end_access(table, 1));
    check_eq_i64("map the revoked ref: -ENOENT", -MICA_ENOENT, gnttab_map1(me, 1, W(0), 0, NULL));
    gnt_grant(table, 1, MICA_DOMID_SELF, D(0), false);
    check_eq_i64("a grant to MICA_DOMID_SELF is not a grant to me: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(me, 1, W(0), 0, NULL));
    gnt_end_access(table, 1);
}

static void test_map_errors(void)
{
    uint32_t h = 0;

    gnt_grant(table, 2, me, D(2), true);
    check_eq_i64("map a read-only grant read-write: -EACCES", -MICA_EACCES,
                 gnttab_map1(me, 2, W(1), 0, NULL));
    check_eq_i64("map a read-only grant read-only (by MICA_DOMID_SELF)", 0,
                 gnttab_map1(MICA_DOMID_SELF, 2, W(1), MICA_GNTMAP_readonly, &h));
    check_eq_u64("the entry is marked reading only",
                 MICA_GTF_permit_access | MICA_GTF_readonly | MICA_GTF_reading, gnt_flags(table, 2));
    check_eq_u64("the read-only mapping shows the page", 0x12, *(volatile uint8_t *)gfn_ptr(W(1)));
    check_eq_i64("unmap the read-only mapping", 0, gnttab_unmap1(h));
    gnt_grant(table, 3, me + 100, D(3), false);
    check_eq_i64("map a grant to another domain: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(me, 3, W(1), 0, NULL));
    gnt_grant(table, 4, me, D(4), false);
    check_eq_i64("map from a domain that does not exist: -ESRCH", -MICA_ESRCH,
                 gnttab_map1(0x7000, 4, W(1), 0, NULL));
    check_eq_i64("map from domain 0xffff: -ESRCH", -MICA_ESRCH, gnttab_map1(0xffff, 4, W(1), 0, NULL));
    check_eq_i64("map ref 2048 (past four pages): -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 2048, W(1), 0, NULL));
    check_eq_i64("map ref ~0: -EINVAL", -MICA_EINVAL, gnttab_map1(me, ~0u, W(1), 0, NULL));
    check_eq_i64("map with an unknown flag: -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 4, W(1), 0x2, NULL));
    check_eq_i64("map at gfn 2^36: -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 4, MICA_GFN_LIMIT, 0, NULL));
    gnt_grant(table, 5, me, W(7), false);
    check_eq_i64("map a grant of a frame outside the granter's RAM: -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 5, W(1), 0, NULL));
    check_eq_u64("a refused map leaves the entry as granted", MICA_GTF_permit_access,
                 gnt_flags(table, 5));
    check_eq_i64("unmap handle 256: -EINVAL", -MICA_EINVAL, gnttab_unmap1(256));
    check_eq_i64("unmap handle ~0: -EINVAL", -MICA_EINVAL, gnttab_unmap1(~0u));
    check_eq_i64("unmap an unused handle: -ENOENT", -MICA_ENOENT, gnttab_unmap1(7));
}

static void test_map_batches(void)
{
    struct mica_gnttab_map ops[3] = {
        { .gfn = W(2), .ref = 4, .domid = me },
        { .gfn = W(3), .ref = 6, .domid = me },                 /* not granted */
        { .gfn = D(0), .ref = 4, .domid = me },                 /* RAM */
    };
    struct mica_gnttab_unmap un = { .handle = 0 };
    struct mica_gnttab_map *last;

    check_eq_i64("a batch of three maps", 0,
                 gnttab_op(MICA_GNTTABOP_map_grant_ref, (uint64_t)ops, 3));
    check(ops[0].status == 0 && ops[1].status == -MICA_ENOENT && ops[2].status == -MICA_EEXIST,
          "each op has its own status", "%d %d %d", ops[0].status, ops[1].status, ops[2].status);
    un.handle = ops[0].handle;
    check_eq_i64("a batch of one unmap", 0, gnttab_op(MICA_GNTTABOP_unmap_grant_ref, (uint64_t)&un, 1));
    check_eq_i64("its status", 0, un.status);
    check_eq_i64("a batch of 257: -EINVAL", -MICA_EINVAL,
                 gnttab_op(MICA_GNTTABOP_map_grant_ref, (uint64_t)ops, MICA_GNTTAB_BATCH_MAX + 1));
    check_eq_i64("a batch of 0 does nothing", 0, gnttab_op(MICA_GNTTABOP_map_grant_ref, 0, 0));
    check_eq_i64("a batch at a non-canonical pointer: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_map_grant_ref, 0x8000000000000000ull, 1));
    /* The first op fits in the last bytes of RAM, the second lies past it. */
    last = (struct mica_gnttab_map *)(guest_ram_end() - sizeof(*last));
    *last = (struct mica_gnttab_map){ .gfn = W(2), .ref = 4, .domid = me };
    check_eq_i64("a batch running off the end of RAM: -EFAULT", -MICA_EFAULT,
                 gnttab_op(MICA_GNTTABOP_map_grant_ref, (uint64_t)last, 2));
    check_eq_i64("the op before the bad one was done and reported", 0, last->status);
    check_eq_i64("and can be unmapped", 0, gnttab_unmap1(last->handle));
    un = (struct mica_gnttab_unmap){ .handle = 0, .pad = 1 };
    check_eq_i64("unmap with pad set: the call succeeds", 0,
                 gnttab_op(MICA_GNTTABOP_unmap_grant_ref, (uint64_t)&un, 1));
    check_eq_i64("its status is -EINVAL", -MICA_EINVAL, un.status);
}

static void test_maptrack_limit(void)
{
    struct mica_gnttab_query_size q;
    unsigned int ok = 0, bad = 0;
    uint32_t h;
    int rc;

    for (unsigned int i = 0; i < MICA_GNTTAB_MAX_MAPTRACK; i++)
        ok += gnttab_map1(me, 4, W(8 + i), i & 1 ? MICA_GNTMAP_readonly : 0, &h) == 0;
    check_eq_u64("256 maps of one grant", MICA_GNTTAB_MAX_MAPTRACK, ok);
    gnttab_query(&q);
    check_eq_u64("query_size: 256 maps", MICA_GNTTAB_MAX_MAPTRACK, q.nr_maps);
    check_eq_i64("the 257th: -ENOSPC", -MICA_ENOSPC,
                 gnttab_map1(me, 4, W(8 + MICA_GNTTAB_MAX_MAPTRACK), 0, NULL));
    check_eq_i64("setup_table while a grant is mapped: -EBUSY", -MICA_EBUSY, gnttab_setup(&t_gfn, 1));
    for (unsigned int i = 0; i < MICA_GNTTAB_MAX_MAPTRACK; i++) {
        rc = gnttab_unmap1(i);
        bad += rc != 0;
        if (i == 0)
            check_eq_u64("one map gone, the entry still marked in use",
                         MICA_GTF_permit_access | MICA_GTF_reading | MICA_GTF_writing,
                         gnt_flags(table, 4));
    }
    check_eq_u64("all 256 unmapped", 0, bad);
    check_eq_u64("the entry's in-use bits are clear", MICA_GTF_permit_access, gnt_flags(table, 4));
    gnttab_query(&q);
    check_eq_u64("query_size: no maps", 0, q.nr_maps);
}

static struct mica_gnttab_copy copy_op(uint64_t src, uint16_t sdom, uint16_t soff, uint64_t dst,
                                       uint16_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
    return (struct mica_gnttab_copy){
        .src = { .ref_or_gfn = src, .domid = sdom, .offset = soff },
        .dst = { .ref_or_gfn = dst, .domid = ddom, .offset = doff },
        .len = len, .flags = flags,
    };
}

static bool bytes_are(const uint8_t *p, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void test_copy(void)
{
    const uint16_t S = MICA_GNTCOPY_src_gref, T = MICA_GNTCOPY_dst_gref;
    uint8_t *d5 = gfn_ptr(D(5)), *d6 = gfn_ptr(D(6));
    struct mica_gnttab_copy ops[3], op;
    uint32_t h;

    op = copy_op(D(1), me, 100, D(5), MICA_DOMID_SELF, 200, 50, 0);
    check_eq_i64("copy gfn to gfn", 0, gnttab_copy1(&op));
    check(bytes_are(d5 + 200, 0x11, 50) && d5[199] == 0x15 && d5[250] == 0x15,
          "exactly the 50 bytes were copied", "around: 0x%x 0x%x", d5[199], d5[250]);
    gnt_grant(table, 10, me, D(2), true);
    gnt_grant(table, 11, me, D(6), false);
    op = copy_op(10, me, 0, D(5), me, 0, 4096, S);
    check_eq_i64("copy a whole page from a read-only grant", 0, gnttab_copy1(&op));
    check(bytes_are(d5, 0x12, 4096), "the page arrived", "first byte 0x%x", d5[0]);
    check_eq_u64("after the copy the entry is not marked in use",
                 MICA_GTF_permit_access | MICA_GTF_readonly, gnt_flags(table, 10));
    op = copy_op(D(1), me, 0, 10, me, 0, 8, T);
    check_eq_i64("copy to a read-only grant: -EACCES", -MICA_EACCES, gnttab_copy1(&op));
    op = copy_op(10, me, 8, 11, me, 16, 32, S | T);
    check_eq_i64("copy grant to grant", 0, gnttab_copy1(&op));
    check(bytes_are(d6 + 16, 0x12, 32) && d6[15] == 0x16 && d6[48] == 0x16,
          "grant to grant arrived", "around: 0x%x 0x%x", d6[15], d6[48]);
    check_eq_i64("map ref 11 for the next copy", 0, gnttab_map1(me, 11, W(3), 0, &h));
    op = copy_op(D(1), me, 0, 11, me, 0, 1, T);
    check_eq_i64("copy into a grant that is also mapped", 0, gnttab_copy1(&op));
    check_eq_u64("the mapping keeps the entry marked after the copy",
                 MICA_GTF_permit_access | MICA_GTF_reading | MICA_GTF_writing, gnt_flags(table, 11));
    check_eq_i64("unmap it", 0, gnttab_unmap1(h));
    op = copy_op(D(1), me, 4000, D(5), me, 0, 97, 0);
    check_eq_i64("src offset + len past the page: -EINVAL", -MICA_EINVAL, gnttab_copy1(&op));
    op = copy_op(D(1), me, 0, D(5), me, 0, 4097, 0);
    check_eq_i64("len 4097: -EINVAL", -MICA_EINVAL, gnttab_copy1(&op));
    op = copy_op(D(1), me, 0, D(5), me, 0, 1, 0x4);
    check_eq_i64("unknown copy flag: -EINVAL", -MICA_EINVAL, gnttab_copy1(&op));
    op = copy_op(D(1), me + 1, 0, D(5), me, 0, 1, 0);
    check_eq_i64("a gfn of another domain: -EPERM", -MICA_EPERM, gnttab_copy1(&op));
    op = copy_op(D(1), me, 0, W(4), me, 0, 1, 0);
    check_eq_i64("a dst gfn outside RAM: -EFAULT", -MICA_EFAULT, gnttab_copy1(&op));
    op = copy_op(~0ull, me, 0, D(5), me, 0, 1, 0);
    check_eq_i64("a src gfn of ~0: -EFAULT", -MICA_EFAULT, gnttab_copy1(&op));
    op = copy_op(12, me, 0, D(5), me, 0, 1, S);
    check_eq_i64("copy from an ungranted ref: -ENOENT", -MICA_ENOENT, gnttab_copy1(&op));
    op = copy_op(10, 0x7000, 0, D(5), me, 0, 1, S);
    check_eq_i64("copy from a domain that does not exist: -ESRCH", -MICA_ESRCH, gnttab_copy1(&op));
    op = copy_op(1ull << 32, me, 0, D(5), me, 0, 1, S);
    check_eq_i64("copy from ref 2^32: -EINVAL", -MICA_EINVAL, gnttab_copy1(&op));
    ops[0] = copy_op(D(3), me, 0, D(6), me, 0, 10, 0);
    ops[1] = copy_op(D(3), me, 0, 10, me, 0, 10, T);
    ops[2] = copy_op(11, me, 0, D(5), me, 0, 10, S);
    check_eq_i64("a batch of three copies", 0, gnttab_op(MICA_GNTTABOP_copy, (uint64_t)ops, 3));
    check(ops[0].status == 0 && ops[1].status == -MICA_EACCES && ops[2].status == 0,
          "each copy has its own status", "%d %d %d", ops[0].status, ops[1].status, ops[2].status);
    check_eq_i64("end access to the copied-through grants", 0,
                 gnt_end_access(table, 10) | gnt_end_access(table, 11));
}

/*
 * Grant maps at ever new places: an unmap frees the p2m tables it empties,
 * so map/unmap rounds use up nothing; maps kept at new places (three new
 * tables each) fit the default hypervisor-memory budget up to the maptrack
 * limit.
 */
static void test_table_budget(void)
{
    static uint32_t hs[MICA_GNTTAB_MAX_MAPTRACK];
    struct mica_gnttab_query_size q;
    unsigned int n, kept;
    uint32_t h;
    int rc = 0;

    for (n = 0; n < 1000; n++) {
        rc = gnttab_map1(me, 4, (uint64_t)(n + 1) << 18, 0, &h);      /* 1 GiB apart */
        if (rc)
            break;
        gnttab_unmap1(h);
    }
    check(rc == 0 && n == 1000, "1000 map/unmap rounds 1 GiB apart all succeed (tables freed)",
          "%u maps, then %d", n, rc);
    gnttab_query(&q);                  /* maps the earlier tests keep */
    for (kept = 0; kept <= MICA_GNTTAB_MAX_MAPTRACK; kept++) {
        rc = gnttab_map1(me, 4, (uint64_t)(kept + 1) << 27, 0, &hs[kept]);  /* 512 GiB apart */
        if (rc)
            break;
    }
    check(rc == -MICA_ENOSPC && q.nr_maps + kept == MICA_GNTTAB_MAX_MAPTRACK,
          "maps kept 512 GiB apart (3 tables each) stop at the maptrack limit, inside the budget",
          "%u maps beside %u, then %d", kept, q.nr_maps, rc);
    for (n = 0; n < kept; n++)
        gnttab_unmap1(hs[n]);
    check_eq_i64("after unmapping them, a new far map works", 0,
                 gnttab_map1(me, 4, (uint64_t)300 << 27, 0, &h));
    gnttab_unmap1(h);
}

static void test_teardown(void)
{
    struct mica_gnttab_query_size q;

    check_eq_i64("end access to ref 4", 0, gnt_end_access(table, 4));
    check_eq_i64("setup with no pages drops the table", 0, gnttab_setup(NULL, 0));
    gnttab_query(&q);
    check_eq_u64("query_size: no table", 0, q.nr_frames);
    check_eq_i64("any ref is out of range now: -EINVAL", -MICA_EINVAL,
                 gnttab_map1(me, 0, W(0), 0, NULL));
}

/* Left mapped on purpose: the domain's teardown must unmap it. */
static void leave_one_mapped(void)
{
    check_eq_i64("setup with one page again", 0, gnttab_setup(&t_gfn, 1));
    gnt_grant(table, 20, me, D(7), false);
    check_eq_i64("a map left for the teardown", 0, gnttab_map1(me, 20, W(5), 0, NULL));
    gnt_grant(table, 4, me, D(4), false);
}

static void ro_write(void)
{
    uint32_t h;

    gnttab_setup(&t_gfn, 1);
    gnt_grant(table, 1, me, D(0), true);
    if (!check_eq_i64("map read-only", 0, gnttab_map1(me, 1, W(0), MICA_GNTMAP_readonly, &h)))
        return;
    *(volatile uint8_t *)gfn_ptr(W(0)) = 1;
    check(false, "a write to a read-only grant mapping kills the domain", "it did not");
}

int guest_main(const struct mica_start_info *si)
{
    char mode[16];

    layout(si);
    if (cmdline_get("mode", mode, sizeof(mode)) && !strcmp(mode, "ro_write")) {
        ro_write();
        return 0;
    }
    test_query_and_unknown();
    test_setup();
    test_map_basic();
    test_map_errors();
    test_map_batches();
    test_maptrack_limit();
    test_copy();
    test_teardown();
    leave_one_mapped();
    test_table_budget();
    return 0;
}
