/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostile_hc: a seeded fuzzer over every hypercall. "seed=N" (default 1)
 * seeds an xorshift64 generator, "iters=N" (default 30000) sets the number
 * of calls; the same seed and count always make the same calls. Every call
 * goes through the register probe: all registers but RAX must be preserved,
 * and the result must be one the ABI allows (exactly -ENOSYS for an unknown
 * number or sub-command, -EPERM for the privileged calls, the version for
 * MICA_VERSION_get, >= 0 or a known -MICA_Exxx otherwise; grant operations
 * are checked op by op, see below).
 *
 * Never made, because they would legitimately end, block or wreck the
 * fuzzer itself: sched_op block, sched_op shutdown with a valid reason, a
 * console write that could succeed (it would garble the console: its
 * buffer is moved to the hole at 3 GiB), and any call that would take away,
 * or let the hypervisor write into, the memory the fuzzer runs from. These
 * are matched on the low 32 bits of the number and sub-command, so a
 * hypervisor that truncates them cannot be led into them either. The calls
 * that name guest frames are therefore built with structure, everything
 * else gets raw random and boundary arguments:
 *   memory_op populate/decrease, event_channel_op set_shared_info and
 *   vcpu_op register_time_page name only expendable gfns (the low pages
 *   0-2, the balloon pages at the end of RAM, gfns past RAM, boundary
 *   values, and but for decrease the granted data pages);
 *   param_op: a struct mica_param in the scratch pages (a domid, mostly
 *   pad 0 and a known index, any value) or a bad pointer;
 *   grant_table_op: setup_table with the fuzzer's table pages (in any order
 *   and number, with duplicates, gfns past RAM and boundary values), map,
 *   unmap and copy batches of random operations (refs, domids, flags,
 *   offsets, lengths, gfns in a window past RAM and beyond the maptrack
 *   limit); between calls the fuzzer acts as a hostile granter, granting,
 *   revoking and yanking entries that may be in use.
 *
 * Grant checks: every status is one the ABI allows for its operation; a map
 * never returns a handle already in use; unmapping a handle the fuzzer holds
 * succeeds, any other gives -ENOENT or -EINVAL. At the end all held handles
 * are unmapped, query_size reports no maps, and no entry of the table pages
 * is still marked reading or writing.
 *
 * Memory: pointer arguments only ever point into [0, MICA_START_PT_GPA - 64),
 * the scratch pages after the image, the balloon pages, or outside RAM.
 * The rest of RAM after the image (grant table, data pages, canary) is
 * checked at the end, with a canary inside the image.
 */
#include "guest.h"
#include "regs.h"
#include "gnttab.h"

const char guest_builtin_name[] = "hostile_hc";

/* A new hypercall needs its dangerous combinations known here. */
BUILD_BUG_ON(MICA_HC_NR != 10);

#define ABI_VERSION     (((uint64_t)MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR)
#define DEFAULT_ITERS   30000u
#define MAX_FAIL_LINES  16u
#define SCRATCH_PAGES   4u
#define TABLE_PAGES     MICA_GNTTAB_MAX_FRAMES
#define DATA_PAGES      4u
#define BALLOON_PAGES   4u
#define WINDOW_GFNS     320u    /* more than the maptrack holds */
#define NR_REFS         64u     /* refs the fuzzer grants and revokes */
#define MAX_HELD        MICA_GNTTAB_MAX_MAPTRACK
#define LOW_ZONE_END    (MICA_START_PT_GPA - 64)
#define LOW_PAGES       3u      /* gfns 0-2: nothing lives there after start-up */
#define STATUS_UNSET    0x7fff

BUILD_BUG_ON(2 * MICA_CONSOLE_WRITE_MAX + 2 > LOW_ZONE_END);
BUILD_BUG_ON(MICA_GNTTAB_BATCH_MAX * sizeof(struct mica_gnttab_copy) >
             SCRATCH_PAGES * PAGE_SIZE);

struct call {
    uint64_t nr;
    uint64_t a[5];
};

struct layout {
    uint64_t ram_end;
    uint64_t scratch, scratch_end;      /* hypercalls may write here */
    uint64_t table_gfn, data_gfn;       /* grant table and granted pages */
    uint64_t canary, canary_end;        /* nothing may write here */
    uint64_t balloon_gfn, ram_gfns;     /* the balloon: the last pages of RAM */
    uint64_t win_gfn;                   /* grant maps go here, past what populate reaches */
};

static struct layout lay;
static uint64_t image_canary[512];
static uint16_t me;
static struct rng rng;
static uint32_t held[MAX_HELD];         /* handles of our live maps */
static unsigned int nr_held;
static unsigned long nr_ok[MICA_HC_NR];  /* calls that returned >= 0, by number */
static unsigned long gnt_ok[3];         /* map, unmap and copy ops that succeeded */

/* Sub-commands each hypercall knows; anything at or above is -ENOSYS. */
static const uint64_t nr_cmds[MICA_HC_NR] = {
    [MICA_HC_version] = MICA_VERSION_info + 1,
    [MICA_HC_console_io] = MICA_CONSOLE_write + 1,
    [MICA_HC_sched_op] = MICA_SCHED_shutdown + 1,
    [MICA_HC_domctl] = MICA_DOMCTL_NR,
    [MICA_HC_memory_op] = MICA_MEMOP_NR,
    [MICA_HC_event_channel_op] = MICA_EVTCHNOP_unmask + 1,
    [MICA_HC_grant_table_op] = MICA_GNTTABOP_copy + 1,
    [MICA_HC_vcpu_op] = MICA_VCPUOP_get_system_time + 1,
    [MICA_HC_sysctl] = MICA_SYSCTL_NR,
    [MICA_HC_param_op] = MICA_PARAM_set + 1,
};

static const uint64_t boundary[] = {
    0xffffffffffffffffull, 0x8000000000000000ull, 0x7fffffffffffffffull,
    0x0000800000000000ull, 0xffff800000000000ull, 0x00007fffffffffffull,
    0x0000000100000000ull, 0x00000000ffffffffull, 0x0000000080000000ull,
    0x00000000c0000000ull, 0x00000000fee00000ull, 0x00000000fffff000ull,
};

static const uint64_t gfn_boundary[] = {
    MICA_GFN_LIMIT - 1, MICA_GFN_LIMIT, ~0ull, 1ull << 32, 0xfffffull, 0xfee00,
};

static uint64_t pick(uint64_t n)
{
    return rng_next(&rng) % n;
}

static uint64_t canary_pattern(uint64_t addr)
{
    return (addr * 0x9e3779b97f4a7c15ull) ^ 0xc3c3c3c3c3c3c3c3ull;
}

static void *gfn_ptr(uint64_t gfn)
{
    return (void *)(gfn << PAGE_SHIFT);
}

/* The pages registered as our grant table (the hypervisor's view), in order. */
static uint64_t reg_gfn[TABLE_PAGES];
static unsigned int reg_nr;

/*
 * Entry ref as the hypervisor sees it, or NULL if outside the table or in a
 * page that is not one of ours (a gfn where one of our grants is mapped is
 * our own RAM too, and may have been registered).
 */
static struct mica_grant_entry *entry(uint32_t ref)
{
    uint64_t gfn;

    if (ref >= reg_nr * MICA_GNTTAB_ENTRIES_PER_FRAME)
        return NULL;
    gfn = reg_gfn[ref / MICA_GNTTAB_ENTRIES_PER_FRAME];
    if (gfn < lay.table_gfn || gfn >= lay.table_gfn + TABLE_PAGES)
        return NULL;
    return (struct mica_grant_entry *)gfn_ptr(gfn) + ref % MICA_GNTTAB_ENTRIES_PER_FRAME;
}

/* image | scratch | table | data | guard | canary ... | balloon | end of RAM */
static bool layout_init(const struct mica_start_info *si)
{
    uint64_t img = guest_image_end();

    lay.ram_end = guest_ram_end();
    lay.ram_gfns = si->nr_pages;
    lay.scratch = img;
    lay.scratch_end = img + SCRATCH_PAGES * PAGE_SIZE;
    lay.table_gfn = lay.scratch_end >> PAGE_SHIFT;
    lay.data_gfn = lay.table_gfn + TABLE_PAGES;
    lay.canary = (lay.data_gfn + DATA_PAGES + 1) << PAGE_SHIFT;
    lay.balloon_gfn = lay.ram_gfns - BALLOON_PAGES;
    lay.canary_end = lay.balloon_gfn << PAGE_SHIFT;
    lay.win_gfn = lay.ram_gfns + 4096;
    me = si->domid;
    /* Everything, the map window included, below 3 GiB (the identity map, no hole). */
    return lay.ram_end <= (1ull << 30) && lay.ram_end >= lay.canary + 8 * PAGE_SIZE;
}

/* --------------------------------------------------------- raw arguments */

/* Keep pointers off the page tables, the image, the grant pages and the canary. */
static uint64_t steer(uint64_t v)
{
    bool below_image = v >= LOW_ZONE_END && v < lay.scratch;
    bool after_scratch = v >= lay.scratch_end && v < lay.canary_end;

    if (below_image || after_scratch)
        return lay.scratch + v % (lay.scratch_end - lay.scratch);
    return v;
}

static uint64_t raw_arg(void)
{
    uint64_t x = rng_next(&rng), y = x >> 8;

    switch (x % 12) {
    case 0:  return 0;
    case 1:  return y % 256;
    case 2:  return y % (2 * MICA_CONSOLE_WRITE_MAX + 2);
    case 3:  return boundary[y % ARRAY_SIZE(boundary)];
    case 4:  return lay.ram_end - 1 - y % 64;
    case 5:  return lay.ram_end + y % PAGE_SIZE;
    case 6:  return 0xc0000000ull + y % PAGE_SIZE;
    case 7:  return lay.scratch + PAGE_SIZE - 1 - y % 64;  /* straddling */
    case 8:  return lay.scratch + y % (lay.scratch_end - lay.scratch);
    case 9:  return 1ull << (y % 64);
    case 10: return MICA_CONSOLE_WRITE_MAX - 1 + y % 3;
    default: return x;
    }
}

static uint64_t pick_arg(void)
{
    return steer(raw_arg());
}

static uint64_t pick_nr(void)
{
    uint64_t x = rng_next(&rng), y = x >> 8;

    switch (x % 8) {
    case 6:  return y & 1 ? MICA_HC_NR + (y >> 1) % 64
                          : (1ull << 32) | ((y >> 1) % 4);
    case 7:  return y & 1 ? x : boundary[(y >> 1) % ARRAY_SIZE(boundary)];
    default: return y % MICA_HC_NR;
    }
}

/* Grant sub-commands, weighted towards the ones that act on grants. */
static const uint8_t gnt_cmds[] = {
    MICA_GNTTABOP_setup_table, MICA_GNTTABOP_query_size,
    MICA_GNTTABOP_map_grant_ref, MICA_GNTTABOP_map_grant_ref, MICA_GNTTABOP_map_grant_ref,
    MICA_GNTTABOP_map_grant_ref, MICA_GNTTABOP_map_grant_ref, MICA_GNTTABOP_map_grant_ref,
    MICA_GNTTABOP_unmap_grant_ref, MICA_GNTTABOP_unmap_grant_ref,
    MICA_GNTTABOP_unmap_grant_ref, MICA_GNTTABOP_unmap_grant_ref,
    MICA_GNTTABOP_copy, MICA_GNTTABOP_copy, MICA_GNTTABOP_copy, MICA_GNTTABOP_copy,
};

/* Mostly a known sub-command of nr, sometimes just past them, or anything. */
static uint64_t pick_cmd(uint64_t nr)
{
    uint64_t x = rng_next(&rng), y = x >> 8;
    uint64_t known = nr < MICA_HC_NR ? nr_cmds[nr] : 4;

    switch (x % 8) {
    case 6:  return known + y % 4;
    case 7:  return y & 1 ? (1ull << 32) | (y >> 1) % known : pick_arg();
    default: return nr == MICA_HC_grant_table_op ? gnt_cmds[y % sizeof(gnt_cmds)] : y % known;
    }
}

/* A pointer to nothing, even after memory_op has populated gfns past RAM. */
static uint64_t bad_ptr(void)
{
    return pick(2) ? 0x8000000000000000ull : 0xc0000000ull + pick(PAGE_SIZE);
}

static uint16_t pick_domid(void)
{
    switch (pick(6)) {
    case 0:  return me;
    case 1:  return MICA_DOMID_SELF;
    case 2:  return (uint16_t)(1 + pick(8));
    case 3:  return 0xffff;
    case 4:  return (uint16_t)rng_next(&rng);
    default: return me;
    }
}

/* The granter of a grant operation: mostly ourselves (our grants are the live ones). */
static uint16_t pick_granter(void)
{
    return pick(4) ? (pick(2) ? me : MICA_DOMID_SELF) : pick_domid();
}

/*
 * A gfn the hypervisor may write into, harmlessly: low pages, the granted
 * data pages, the balloon, past RAM, boundaries. Memory_op may also take
 * any of them away but the data pages (which the grants keep naming).
 */
static uint64_t gfn_expendable(bool removable)
{
    switch (pick(6)) {
    case 0:  return pick(LOW_PAGES);
    case 1:  return removable ? pick(LOW_PAGES) : lay.data_gfn + pick(DATA_PAGES);
    case 2:  return lay.balloon_gfn + pick(BALLOON_PAGES);
    case 3:  return lay.ram_gfns + pick(2 * WINDOW_GFNS);
    default: return gfn_boundary[pick(ARRAY_SIZE(gfn_boundary))];
    }
}

/* A count: small, around a limit, or anything. */
static uint64_t pick_count(uint64_t limit)
{
    switch (pick(8)) {
    case 0:  return 0;
    case 1:  return limit;
    case 2:  return limit + 1;
    case 3:  return boundary[pick(ARRAY_SIZE(boundary))];
    default: return 1 + pick(3);
    }
}

/* ------------------------------------------------- frame-naming calls */

/* [first, first + nr) in the low pages, or from the balloon or past RAM onwards. */
static void removable_range(uint64_t *first, uint64_t *nr)
{
    uint64_t room;

    switch (pick(3)) {
    case 0:
        *first = pick(LOW_PAGES);
        room = LOW_PAGES - *first;
        break;
    case 1:                                 /* the balloon ends RAM: anything goes */
        *first = lay.balloon_gfn + pick(BALLOON_PAGES);
        room = ~0ull;
        break;
    default:
        *first = pick(2) ? lay.ram_gfns + pick(WINDOW_GFNS) : gfn_boundary[pick(ARRAY_SIZE(gfn_boundary))];
        room = ~0ull;
        break;
    }
    *nr = pick_count(MICA_MEMOP_MAX_EXTENTS);
    if (*nr > room)
        *nr = room;
}

static void memop_reservation(struct call *c)
{
    struct mica_memop_reservation *m = (void *)lay.scratch;
    uint64_t *list = (uint64_t *)(lay.scratch + PAGE_SIZE);
    uint64_t nr;

    memset(m, 0, sizeof(*m));
    removable_range(&m->first_gfn, &nr);
    m->nr = (uint32_t)nr;
    m->domid = pick_domid();
    if (pick(3) == 0) {
        m->flags = MICA_MEMOP_F_LIST;
        for (unsigned int i = 0; i < MICA_MEMOP_MAX_EXTENTS + 1; i++)
            list[i] = gfn_expendable(true);
        m->gfn_list = pick(8) ? (uint64_t)list : bad_ptr();
        m->nr = (uint32_t)pick_count(MICA_MEMOP_MAX_EXTENTS);
    }
    if (pick(16) == 0)
        m->flags |= (uint16_t)rng_next(&rng) & ~MICA_MEMOP_F_LIST;
    c->a[1] = pick(16) ? (uint64_t)m : bad_ptr();
}

static void evtchn_shared_info(struct call *c)
{
    struct mica_evtchn_set_shared_info *s = (void *)lay.scratch;

    s->gfn = gfn_expendable(false);
    c->a[1] = pick(16) ? (uint64_t)s : bad_ptr();
}

/* ----------------------------------------------------------- grant ops */

static uint32_t pick_ref(void)
{
    switch (pick(12)) {
    case 0:  return (uint32_t)pick(TABLE_PAGES * MICA_GNTTAB_ENTRIES_PER_FRAME + 2);
    case 1:  return (uint32_t)rng_next(&rng);
    default: return (uint32_t)pick(NR_REFS);
    }
}

static uint64_t pick_map_gfn(void)
{
    switch (pick(8)) {
    case 0:  return pick(lay.ram_gfns);                 /* populated: -EEXIST */
    case 1:  return lay.balloon_gfn + pick(BALLOON_PAGES);
    case 2:  return gfn_boundary[pick(ARRAY_SIZE(gfn_boundary))];
    case 3:  return lay.ram_gfns + pick(WINDOW_GFNS);     /* where populate goes too */
    default: return lay.win_gfn + pick(WINDOW_GFNS);
    }
}

static void fill_map(struct mica_gnttab_map *op)
{
    *op = (struct mica_gnttab_map){
        .gfn = pick_map_gfn(), .ref = pick_ref(), .domid = pick_granter(),
        .flags = (uint16_t)(pick(8) ? pick(2) : rng_next(&rng)),
        .pad = (uint16_t)(pick(32) ? 0 : 1),
        .handle = 0xdeadbeef, .status = STATUS_UNSET,
    };
}

static void fill_unmap(struct mica_gnttab_unmap *op)
{
    uint32_t h;

    switch (pick(4)) {
    case 0:  h = (uint32_t)pick(MICA_GNTTAB_MAX_MAPTRACK + 2); break;
    case 1:  h = (uint32_t)rng_next(&rng); break;
    default: h = nr_held ? held[pick(nr_held)] : 0; break;
    }
    *op = (struct mica_gnttab_unmap){ .handle = h, .status = STATUS_UNSET,
                                      .pad = (uint16_t)(pick(32) ? 0 : 1) };
}

/* One side of a copy: a grant, or one of our gfns (written only if expendable). */
static void fill_copy_ptr(struct mica_gnttab_copy_ptr *p, bool gref, bool dst)
{
    p->domid = pick_granter();
    p->offset = (uint16_t)(pick(4) ? pick(PAGE_SIZE) : pick(4) ? PAGE_SIZE - pick(8) : rng_next(&rng));
    p->pad = pick(32) ? 0 : 1;
    if (gref)
        p->ref_or_gfn = pick_ref();
    else if (dst)
        p->ref_or_gfn = gfn_expendable(false);
    else
        p->ref_or_gfn = pick(2) ? pick(lay.ram_gfns) : gfn_expendable(false);
}

static void fill_copy(struct mica_gnttab_copy *op)
{
    uint16_t flags = (uint16_t)pick(4);

    memset(op, 0, sizeof(*op));
    op->flags = pick(32) ? flags : (uint16_t)rng_next(&rng);
    fill_copy_ptr(&op->src, op->flags & MICA_GNTCOPY_src_gref, false);
    fill_copy_ptr(&op->dst, op->flags & MICA_GNTCOPY_dst_gref, true);
    op->len = (uint16_t)(pick(4) ? pick(64) : pick(2) ? PAGE_SIZE : pick(PAGE_SIZE + 2));
    op->status = STATUS_UNSET;
    op->pad = pick(32) ? 0 : 1;
}

/* Mostly our table pages in order; sometimes shuffled, repeated, past RAM, junk. */
static void gnt_setup_list(struct call *c)
{
    uint64_t *gfns = (void *)lay.scratch;
    uint64_t nr = pick(4) ? 1 + pick(TABLE_PAGES) : pick_count(TABLE_PAGES);
    bool shuffle = pick(4) == 0;

    for (unsigned int i = 0; i < TABLE_PAGES; i++)
        gfns[i] = lay.table_gfn + i;
    for (unsigned int i = TABLE_PAGES - 1; shuffle && i > 0; i--) {
        unsigned int j = (unsigned int)pick(i + 1);
        uint64_t t = gfns[i];

        gfns[i] = gfns[j];
        gfns[j] = t;
    }
    gfns[TABLE_PAGES] = lay.table_gfn;
    if (pick(4) == 0) {
        switch (pick(3)) {
        case 0:  gfns[pick(TABLE_PAGES)] = lay.ram_gfns + pick(WINDOW_GFNS); break;
        case 1:  gfns[pick(TABLE_PAGES)] = gfn_boundary[pick(ARRAY_SIZE(gfn_boundary))]; break;
        default: gfns[pick(TABLE_PAGES)] = lay.table_gfn + pick(TABLE_PAGES); break;
        }
    }
    c->a[1] = pick(16) ? (uint64_t)gfns : bad_ptr();
    c->a[2] = nr;
}

static void gnt_batch(struct call *c, unsigned int cmd)
{
    uint64_t count = pick(16) ? 1 + pick(3) : pick_count(MICA_GNTTAB_BATCH_MAX);
    uint64_t n = count > MICA_GNTTAB_BATCH_MAX ? 0 : count;

    for (uint64_t i = 0; i < n; i++) {
        if (cmd == MICA_GNTTABOP_map_grant_ref)
            fill_map((struct mica_gnttab_map *)lay.scratch + i);
        else if (cmd == MICA_GNTTABOP_unmap_grant_ref)
            fill_unmap((struct mica_gnttab_unmap *)lay.scratch + i);
        else
            fill_copy((struct mica_gnttab_copy *)lay.scratch + i);
    }
    c->a[1] = pick(32) ? lay.scratch : bad_ptr();
    c->a[2] = count;
}

static void gnt_call(struct call *c)
{
    unsigned int cmd = (uint32_t)c->a[0];

    if (cmd == MICA_GNTTABOP_setup_table)
        gnt_setup_list(c);
    else if (cmd == MICA_GNTTABOP_query_size)
        c->a[1] = pick(8) ? lay.scratch : bad_ptr();
    else if (cmd <= MICA_GNTTABOP_copy)
        gnt_batch(c, cmd);
}

/* The fuzzer as a hostile granter: grant, revoke, or yank an entry in use. */
static void granter_step(void)
{
    struct mica_grant_entry *e = entry((uint32_t)pick(NR_REFS));
    uint64_t frame;

    if (!e)
        return;
    switch (pick(8)) {
    case 0:
    case 1:
        gnt_end_access(e, 0);
        break;
    case 2:                                     /* yank: clear it even if in use */
        __atomic_and_fetch(&e->flags, (uint16_t)~MICA_GTF_type_mask, __ATOMIC_SEQ_CST);
        break;
    default:
        frame = pick(4) ? lay.data_gfn + pick(DATA_PAGES) : gfn_expendable(false);
        gnt_grant(e, 0, pick(4) ? me : pick_domid(), frame, pick(2));
        break;
    }
}

/* --------------------------------------------------------- param_op */

/* A struct mica_param somewhere in the scratch pages, or a pointer to nothing. */
static void param_call(struct call *c)
{
    struct mica_param *p = (struct mica_param *)lay.scratch +
                           pick((lay.scratch_end - lay.scratch) / sizeof(*p));

    p->domid = pick_domid();
    p->pad = pick(16) ? 0 : (uint16_t)rng_next(&rng);
    p->index = pick(4) ? (uint32_t)pick(MICA_PARAM_NR) : (uint32_t)raw_arg();
    p->value = pick(2) ? pick(64) : raw_arg();
    if (pick(8))
        c->a[1] = (uint64_t)p;
    else if (pick(2))
        c->a[1] = bad_ptr();
}

/*
 * The fuzzer is unprivileged: every set is refused, a get succeeds only on
 * its own params with a valid index, and nobody ever set a boot domain's.
 */
static bool param_result(const struct call *c, int64_t rc)
{
    const struct mica_param *p = (const struct mica_param *)c->a[1];
    bool readable = c->a[1] >= lay.scratch && c->a[1] + sizeof(*p) <= lay.scratch_end;

    if (c->a[0] == MICA_PARAM_set)
        return rc == -MICA_EPERM || rc == -MICA_EFAULT;
    if (rc == 0)
        return !readable || (p->value == 0 && !p->pad && p->index < MICA_PARAM_NR &&
                             (p->domid == me || p->domid == MICA_DOMID_SELF));
    return rc == -MICA_EFAULT || rc == -MICA_EINVAL || rc == -MICA_EPERM || rc == -MICA_ESRCH;
}

/* ------------------------------------------------------------ drawing */

static bool call_forbidden(const struct call *c)
{
    uint32_t nr = (uint32_t)c->nr, cmd = (uint32_t)c->a[0];

    if (nr == MICA_HC_sched_op)
        return cmd == MICA_SCHED_block ||
               (cmd == MICA_SCHED_shutdown &&
                (uint32_t)c->a[1] <= MICA_SHUTDOWN_crash);
    return false;
}

/*
 * A console write that could print (it would garble the console) gets a
 * buffer in the hole at 3 GiB instead: gfns past RAM may hold memory by now
 * (memory_op populate, grant maps), but never there.
 */
static void console_write_harmless(struct call *c)
{
    uint64_t len = c->a[2];

    if (len == 0 || (len > MICA_CONSOLE_WRITE_MAX && (uint32_t)len > MICA_CONSOLE_WRITE_MAX))
        return;
    c->a[1] = (pick(2) ? 0 : 0x8000000000000000ull) | (0xc0000000ull + pick(PAGE_SIZE));
}

/* Give the calls that name memory their structure (on the low 32 bits). */
static void shape_call(struct call *c)
{
    uint32_t nr = (uint32_t)c->nr, cmd = (uint32_t)c->a[0];

    if (nr == MICA_HC_console_io && cmd == MICA_CONSOLE_write)
        console_write_harmless(c);
    else if (nr == MICA_HC_grant_table_op)
        gnt_call(c);
    else if (nr == MICA_HC_param_op)
        param_call(c);
    else if (nr == MICA_HC_memory_op && (cmd == MICA_MEMOP_populate_physmap ||
                                         cmd == MICA_MEMOP_decrease_reservation))
        memop_reservation(c);
    else if (nr == MICA_HC_event_channel_op && cmd == MICA_EVTCHNOP_set_shared_info)
        evtchn_shared_info(c);
    else if (nr == MICA_HC_vcpu_op && cmd == MICA_VCPUOP_register_time_page)
        c->a[1] = pick(4) ? gfn_expendable(false) : MICA_GFN_NONE;
}

static void draw_call(struct call *c)
{
    do {
        c->nr = pick_nr();
        c->a[0] = pick_cmd(c->nr);
        for (unsigned int i = 1; i < 5; i++)
            c->a[i] = pick_arg();
    } while (call_forbidden(c));
    shape_call(c);
}

/* ------------------------------------------------------------ results */

static bool known_error(int64_t rc)
{
    static const int64_t errs[] = {
        MICA_EPERM, MICA_ENOENT, MICA_ESRCH, MICA_E2BIG, MICA_EAGAIN, MICA_ENOMEM,
        MICA_EACCES, MICA_EFAULT, MICA_EBUSY, MICA_EEXIST, MICA_EINVAL, MICA_ENOSPC,
        MICA_ERANGE, MICA_ENOSYS, MICA_EOVERFLOW, MICA_EOPNOTSUPP, MICA_EDQUOT,
    };

    for (size_t i = 0; i < ARRAY_SIZE(errs); i++)
        if (rc == -errs[i])
            return true;
    return false;
}

static bool one_of(int64_t v, const int16_t *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v == set[i])
            return true;
    return false;
}

static const int16_t map_status[] = {
    0, -MICA_EINVAL, -MICA_EEXIST, -MICA_ENOSPC, -MICA_ESRCH, -MICA_ENOENT, -MICA_EACCES,
    -MICA_ENOMEM,
};
static const int16_t copy_status[] = {
    0, -MICA_EINVAL, -MICA_ESRCH, -MICA_ENOENT, -MICA_EACCES, -MICA_EPERM, -MICA_EFAULT,
};

static int held_find(uint32_t h)
{
    for (unsigned int i = 0; i < nr_held; i++)
        if (held[i] == h)
            return (int)i;
    return -1;
}

static bool map_result(const struct mica_gnttab_map *op)
{
    if (!one_of(op->status, map_status, ARRAY_SIZE(map_status)))
        return false;
    if (op->status)
        return op->handle == ~0u;
    if (op->handle >= MICA_GNTTAB_MAX_MAPTRACK || held_find(op->handle) >= 0)
        return false;
    held[nr_held++] = op->handle;
    gnt_ok[0]++;
    return true;
}

/* Unmapping a handle we hold succeeds (and it is ours no more); others fail. */
static bool unmap_result(const struct mica_gnttab_unmap *op)
{
    int i = held_find(op->handle);

    if (i >= 0 && !op->pad) {
        held[i] = held[--nr_held];
        gnt_ok[1]++;
        return op->status == 0;
    }
    return op->status == -MICA_EINVAL || op->status == -MICA_ENOENT;
}

static const struct {
    size_t size, status;                /* an op's size, its status field's offset */
} batch_ops[] = {
    [MICA_GNTTABOP_map_grant_ref] = { sizeof(struct mica_gnttab_map),
                                      offsetof(struct mica_gnttab_map, status) },
    [MICA_GNTTABOP_unmap_grant_ref] = { sizeof(struct mica_gnttab_unmap),
                                        offsetof(struct mica_gnttab_unmap, status) },
    [MICA_GNTTABOP_copy] = { sizeof(struct mica_gnttab_copy),
                             offsetof(struct mica_gnttab_copy, status) },
};

/* A batch in the scratch pages is done whole; at a bad pointer, not at all. */
static bool batch_result(const struct call *c, int64_t rc)
{
    unsigned int cmd = (uint32_t)c->a[0];
    bool ok = true;

    if (c->a[2] > MICA_GNTTAB_BATCH_MAX)
        return rc == -MICA_EINVAL;
    if (c->a[1] != lay.scratch)
        return rc == (c->a[2] ? -MICA_EFAULT : 0);
    if (rc != 0)
        return false;
    for (uint64_t i = 0; i < c->a[2]; i++) {
        const uint8_t *op = (const uint8_t *)lay.scratch + i * batch_ops[cmd].size;
        int16_t st = *(const int16_t *)(op + batch_ops[cmd].status);

        if (cmd == MICA_GNTTABOP_map_grant_ref)
            ok &= map_result((const struct mica_gnttab_map *)op);
        else if (cmd == MICA_GNTTABOP_unmap_grant_ref)
            ok &= unmap_result((const struct mica_gnttab_unmap *)op);
        else
            ok &= one_of(st, copy_status, ARRAY_SIZE(copy_status));
        gnt_ok[2] += cmd == MICA_GNTTABOP_copy && st == 0;
    }
    return ok;
}

static bool gnt_result(const struct call *c, int64_t rc)
{
    switch ((uint32_t)c->a[0]) {
    case MICA_GNTTABOP_setup_table:
        if (rc == 0) {                  /* the hypervisor's view of our table now */
            if (c->a[2] > TABLE_PAGES)
                return false;
            reg_nr = (unsigned int)c->a[2];
            memcpy(reg_gfn, (const void *)c->a[1], reg_nr * sizeof(reg_gfn[0]));
        }
        return rc == 0 || rc == -MICA_EINVAL || rc == -MICA_EFAULT || rc == -MICA_EBUSY ||
               rc == -MICA_ENOMEM;
    case MICA_GNTTABOP_query_size:
        return rc == 0 || rc == -MICA_EFAULT;
    default:
        return batch_result(c, rc);
    }
}

static bool result_ok(const struct call *c, int64_t rc)
{
    if (c->nr == MICA_HC_domctl || c->nr == MICA_HC_sysctl)
        return rc == -MICA_EPERM;
    if (c->nr >= MICA_HC_NR || c->a[0] >= nr_cmds[c->nr])
        return rc == -MICA_ENOSYS;
    if (c->nr == MICA_HC_version && c->a[0] == MICA_VERSION_get)
        return rc == (int64_t)ABI_VERSION;
    if (c->nr == MICA_HC_grant_table_op)
        return gnt_result(c, rc);
    if (c->nr == MICA_HC_param_op)
        return param_result(c, rc);
    return rc >= 0 || known_error(rc);
}

/* One call; returns false (after at most MAX_FAIL_LINES lines) if bad. */
static bool run_one(unsigned int i, unsigned int nr_bad)
{
    uint64_t in[REG_NR];
    char why[96] = "";
    struct call c;
    int64_t rc;
    bool same;

    if (pick(8) == 0)
        granter_step();
    draw_call(&c);
    regs_fill(in, i, c.nr, c.a);
    same = regs_preserved(in, &rc, why, sizeof(why));
    if (c.nr < MICA_HC_NR && rc >= 0)
        nr_ok[c.nr]++;
    if (same && result_ok(&c, rc))
        return true;
    if (nr_bad < MAX_FAIL_LINES)
        check(false, "garbage hypercall",
              "#%u nr 0x%lx args 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx -> %ld %s", i,
              c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], rc, why);
    return false;
}

/* ---------------------------------------------------------- the checks */

static void canary_fill(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(image_canary); i++)
        image_canary[i] = canary_pattern(i);
    for (uint64_t a = lay.canary; a < lay.canary_end; a += 8)
        *(volatile uint64_t *)a = canary_pattern(a);
}

static void canary_check(void)
{
    uint64_t bad = 0, first = 0;

    for (size_t i = 0; i < ARRAY_SIZE(image_canary); i++)
        if (image_canary[i] != canary_pattern(i))
            bad++;
    check(!bad, "image canary intact", "%lu words changed", bad);
    bad = 0;
    for (uint64_t a = lay.canary; a < lay.canary_end; a += 8)
        if (*(volatile uint64_t *)a != canary_pattern(a) && !bad++)
            first = a;
    check(!bad, "RAM canary intact", "%lu words changed in 0x%lx-0x%lx, "
          "first at 0x%lx", bad, lay.canary, lay.canary_end, first);
}

static void grants_start(void)
{
    for (unsigned int i = 0; i < TABLE_PAGES; i++)
        reg_gfn[i] = lay.table_gfn + i;
    reg_nr = TABLE_PAGES;
    memset(gfn_ptr(lay.table_gfn), 0, TABLE_PAGES * PAGE_SIZE);
    check_eq_i64("register the grant table", 0, gnttab_setup(reg_gfn, TABLE_PAGES));
    for (unsigned int ref = 0; ref < NR_REFS; ref++)
        gnt_grant(entry(ref), 0, me, lay.data_gfn + ref % DATA_PAGES, ref & 1);
}

/* Everything mapped comes back; the hypervisor leaves no entry marked in use. */
static void grants_end(void)
{
    struct mica_gnttab_query_size q = { 0 };
    unsigned int failed = 0, marked = 0, held_at_end = nr_held;
    struct mica_grant_entry *t = gfn_ptr(lay.table_gfn);

    while (nr_held)
        failed += gnttab_unmap1(held[--nr_held]) != 0;
    check(!failed, "every map the fuzzer held unmaps", "%u of %u failed", failed, held_at_end);
    failed = 0;
    for (uint32_t h = 0; h < MICA_GNTTAB_MAX_MAPTRACK; h++)
        failed += gnttab_unmap1(h) != -MICA_ENOENT;
    check(!failed, "no other handle is in use", "%u handles unmapped", failed);
    check(gnttab_query(&q) == 0 && q.nr_maps == 0, "query_size: no maps", "%u maps", q.nr_maps);
    for (unsigned int i = 0; i < TABLE_PAGES * MICA_GNTTAB_ENTRIES_PER_FRAME; i++)
        marked += (gnt_flags(t, i) & (MICA_GTF_reading | MICA_GTF_writing)) != 0;
    check(!marked, "no grant entry is left marked in use", "%u entries", marked);
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t seed = cmdline_u64("seed", 1);
    unsigned int iters = (unsigned int)cmdline_u64("iters", DEFAULT_ITERS);
    unsigned int i, nr_bad = 0;

    if (!check(layout_init(si), "started", "RAM end 0x%lx too small or large",
               lay.ram_end))
        return 0;
    gprintf("# %s: seed %lu, %u calls\n", guest_name(), seed, iters);
    rng_seed(&rng, seed);
    canary_fill();
    grants_start();
    for (i = 0; i < iters; i++)
        if (!run_one(i, nr_bad))
            nr_bad++;
    check(!nr_bad, "garbage hypercalls", "%u of %u bad (seed %lu)", nr_bad, iters, seed);
    gprintf("# %s: succeeded by number: %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu; "
            "grant ops: %lu maps, %lu unmaps, %lu copies\n", guest_name(), nr_ok[0], nr_ok[1],
            nr_ok[2], nr_ok[3], nr_ok[4], nr_ok[5], nr_ok[6], nr_ok[7], nr_ok[8], nr_ok[9],
            gnt_ok[0], gnt_ok[1], gnt_ok[2]);
    grants_end();
    canary_check();
    check_eq_i64("version get still works", ABI_VERSION,
                 mica_version(MICA_VERSION_get, 0));
    return 0;
}
