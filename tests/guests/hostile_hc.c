/*
 * hostile_hc: 20000 garbage hypercalls from a seeded xorshift64 generator
 * ("seed=N" on the command line, default 1). Every call goes through the
 * register probe, so each must leave all registers but RAX alone, and return
 * >= 0 or one of -EFAULT, -EINVAL, -ENOSYS, -EPERM (exactly -ENOSYS for an
 * unknown number or sub-command, the version for MICA_VERSION_get).
 *
 * Never drawn: sched_op block, sched_op shutdown with a valid reason, and a
 * console write that could succeed (it would garble the console). These are
 * matched on the low 32 bits of the number, command and argument, so that a
 * hypervisor which truncates them cannot be led into them either.
 *
 * Memory: pointer arguments only ever point into [0, MICA_START_PT_GPA - 64),
 * a two-page scratch area after the image, the last page of RAM, or outside
 * RAM. Version info (the one call that writes) may land there and nowhere
 * else; the rest of RAM after the image is a canary checked at the end.
 */
#include "guest.h"
#include "regs.h"

const char guest_builtin_name[] = "hostile_hc";

/* A new hypercall needs its dangerous combinations added to call_forbidden(). */
BUILD_BUG_ON(MICA_HC_NR != 9);

#define ABI_VERSION     (((uint64_t)MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR)
#define NR_CALLS        20000u
#define MAX_FAIL_LINES  16u
#define SCRATCH_PAGES   2u
#define IDENTITY_END    0x100000000ull
#define LOW_ZONE_END    (MICA_START_PT_GPA - 64)

BUILD_BUG_ON(2 * MICA_CONSOLE_WRITE_MAX + 2 > LOW_ZONE_END);

struct call {
    uint64_t nr;
    uint64_t a[5];
};

struct layout {
    uint64_t ram_end;
    uint64_t scratch, scratch_end;      /* hypercalls may write here */
    uint64_t canary, canary_end;        /* nothing may write here */
};

static struct layout lay;
static uint64_t image_canary[512];

/* Sub-commands each hypercall knows; anything at or above is -ENOSYS. */
static const uint64_t nr_cmds[MICA_HC_NR] = {
    [MICA_HC_version] = MICA_VERSION_info + 1,
    [MICA_HC_console_io] = MICA_CONSOLE_write + 1,
    [MICA_HC_sched_op] = MICA_SCHED_shutdown + 1,
    [MICA_HC_domctl] = 16, [MICA_HC_memory_op] = 16, [MICA_HC_event_channel_op] = 16,
    [MICA_HC_grant_table_op] = 16, [MICA_HC_vcpu_op] = 16, [MICA_HC_sysctl] = 16,
};

static const uint64_t boundary[] = {
    0xffffffffffffffffull, 0x8000000000000000ull, 0x7fffffffffffffffull,
    0x0000800000000000ull, 0xffff800000000000ull, 0x00007fffffffffffull,
    0x0000000100000000ull, 0x00000000ffffffffull, 0x0000000080000000ull,
    0x00000000c0000000ull, 0x00000000fee00000ull, 0x00000000fffff000ull,
};

static uint64_t canary_pattern(uint64_t addr)
{
    return (addr * 0x9e3779b97f4a7c15ull) ^ 0xc3c3c3c3c3c3c3c3ull;
}

static bool layout_init(void)
{
    uint64_t img = guest_image_end();

    lay.ram_end = guest_ram_end();
    lay.scratch = img;
    lay.scratch_end = img + SCRATCH_PAGES * PAGE_SIZE;
    lay.canary = lay.scratch_end + PAGE_SIZE;           /* a guard page */
    lay.canary_end = lay.ram_end - PAGE_SIZE;
    return lay.ram_end <= IDENTITY_END &&
           lay.ram_end >= lay.canary + 2 * PAGE_SIZE;
}

/* Keep pointers off the page tables, the image and the canary. */
static uint64_t steer(uint64_t v)
{
    bool below_image = v >= LOW_ZONE_END && v < lay.scratch;
    bool in_canary = v >= lay.scratch_end && v < lay.canary_end;

    if (below_image || in_canary)
        return lay.scratch + v % (lay.scratch_end - lay.scratch);
    return v;
}

static uint64_t raw_arg(struct rng *r)
{
    uint64_t x = rng_next(r), y = x >> 8;

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

static uint64_t pick_arg(struct rng *r)
{
    return steer(raw_arg(r));
}

static uint64_t pick_nr(struct rng *r)
{
    uint64_t x = rng_next(r), y = x >> 8;

    switch (x % 8) {
    case 6:  return y & 1 ? MICA_HC_NR + (y >> 1) % 64
                          : (1ull << 32) | ((y >> 1) % 4);
    case 7:  return y & 1 ? x : boundary[(y >> 1) % ARRAY_SIZE(boundary)];
    default: return y % MICA_HC_NR;
    }
}

/* Mostly a known sub-command of nr, sometimes just past them, or anything. */
static uint64_t pick_cmd(struct rng *r, uint64_t nr)
{
    uint64_t x = rng_next(r), y = x >> 8;
    uint64_t known = nr < MICA_HC_NR ? nr_cmds[nr] : 4;

    switch (x % 8) {
    case 6:  return known + y % 4;
    case 7:  return pick_arg(r);
    default: return y % known;
    }
}

/* Would a console write of buf[0, len) print something? */
static bool console_write_harmless(uint64_t buf, uint64_t len)
{
    uint64_t end = lay.ram_end;

    if (len == 0)
        return true;
    if (len > MICA_CONSOLE_WRITE_MAX && (uint32_t)len > MICA_CONSOLE_WRITE_MAX)
        return true;
    if (buf >= end && (uint32_t)buf >= end)
        return true;
    return buf < end && len <= MICA_CONSOLE_WRITE_MAX && len > end - buf;
}

static bool call_forbidden(const struct call *c)
{
    uint32_t nr = (uint32_t)c->nr, cmd = (uint32_t)c->a[0];

    if (nr == MICA_HC_sched_op)
        return cmd == MICA_SCHED_block ||
               (cmd == MICA_SCHED_shutdown &&
                (uint32_t)c->a[1] <= MICA_SHUTDOWN_crash);
    if (nr == MICA_HC_console_io && cmd == MICA_CONSOLE_write)
        return !console_write_harmless(c->a[1], c->a[2]);
    /* The core-service hypercalls are fuzzed by their own guests for now. */
    return nr >= MICA_HC_domctl && nr < MICA_HC_NR;
}

static void draw_call(struct rng *r, struct call *c)
{
    unsigned int i;

    do {
        c->nr = pick_nr(r);
        c->a[0] = pick_cmd(r, c->nr);
        for (i = 1; i < 5; i++)
            c->a[i] = pick_arg(r);
    } while (call_forbidden(c));
}

static bool result_ok(const struct call *c, int64_t rc)
{
    if (c->nr >= MICA_HC_NR || c->a[0] >= nr_cmds[c->nr])
        return rc == -MICA_ENOSYS;
    if (c->nr == MICA_HC_version && c->a[0] == MICA_VERSION_get)
        return rc == (int64_t)ABI_VERSION;
    return rc >= 0 || rc == -MICA_EFAULT || rc == -MICA_EINVAL ||
           rc == -MICA_ENOSYS || rc == -MICA_EPERM;
}

/* One call; returns false (after at most MAX_FAIL_LINES lines) if bad. */
static bool run_one(unsigned int i, struct rng *r, unsigned int nr_bad)
{
    uint64_t in[REG_NR];
    char why[96] = "";
    struct call c;
    int64_t rc;
    bool same;

    draw_call(r, &c);
    regs_fill(in, i, c.nr, c.a);
    same = regs_preserved(in, &rc, why, sizeof(why));
    if (same && result_ok(&c, rc))
        return true;
    if (nr_bad < MAX_FAIL_LINES)
        check(false, "garbage hypercall",
              "#%u nr 0x%lx args 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx -> %ld %s", i,
              c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], rc, why);
    return false;
}

static void canary_fill(void)
{
    uint64_t a;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(image_canary); i++)
        image_canary[i] = canary_pattern(i);
    for (a = lay.canary; a < lay.canary_end; a += 8)
        *(volatile uint64_t *)a = canary_pattern(a);
}

static void canary_check(void)
{
    uint64_t a, bad = 0, first = 0;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(image_canary); i++)
        if (image_canary[i] != canary_pattern(i))
            bad++;
    check(!bad, "image canary intact", "%lu words changed", bad);
    bad = 0;
    for (a = lay.canary; a < lay.canary_end; a += 8)
        if (*(volatile uint64_t *)a != canary_pattern(a) && !bad++)
            first = a;
    check(!bad, "RAM canary intact", "%lu words changed in 0x%lx-0x%lx, "
          "first at 0x%lx", bad, lay.canary, lay.canary_end, first);
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t seed = cmdline_u64("seed", 1);
    unsigned int i, nr_bad = 0;
    struct rng r;

    (void)si;
    if (!check(layout_init(), "started", "RAM end 0x%lx too small or large",
               lay.ram_end))
        return 0;
    gprintf("# %s: seed %lu\n", guest_name(), seed);
    rng_seed(&r, seed);
    canary_fill();
    for (i = 0; i < NR_CALLS; i++)
        if (!run_one(i, &r, nr_bad))
            nr_bad++;
    check(!nr_bad, "20000 garbage hypercalls", "%u bad (seed %lu)", nr_bad,
          seed);
    canary_check();
    check_eq_i64("version get still works", ABI_VERSION,
                 mica_version(MICA_VERSION_get, 0));
    return 0;
}
