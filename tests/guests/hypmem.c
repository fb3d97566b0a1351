/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hypmem: the hypervisor memory a domain causes, as the privileged domain
 * sees it (issue 9). Boot it "privileged" (domain 0). test= chooses:
 *
 * test=budget: the budget ABI. getinfo's hyp_bytes and hyp_budget_bytes
 *   (the default MICA_HYP_BUDGET_DEFAULT_KB of the ceiling, or
 *   create.hyp_budget_kb), create and set_hyp_budget refusing budgets
 *   outside MIN..MAX (-EINVAL), and the charging itself on children: a
 *   populate in a fresh 512 GiB region charges exactly its three table
 *   pages and the decrease uncharges them; event-channel state and vCPUs
 *   are charged; once the budget is spent, populate, set_vcpus and
 *   alloc_unbound fail with -EDQUOT and change nothing, and work again
 *   with a larger budget.
 *
 * test=refs: destroy gives everything back whatever references hypercalls
 *   took. A child gets a port from alloc_unbound with remote_dom
 *   MICA_DOMID_SELF, our own id, and the child's own explicit id (issue 9,
 *   finding 2: that one took two references and dropped one, and destroy
 *   then spun for ever). After each destroy: it returned, getinfo of the
 *   id is -ESRCH (within 2 s: destroy may return before the domain is
 *   gone), and the free frame count and the domain count are back where
 *   they were before create. The leaking case comes last: on a hypervisor
 *   with the bug this guest never returns from that destroy, and the
 *   system test sees its missing lines (and QEMU's timeout).
 */
#include "guest.h"
#include "ctl.h"
#include "cpu.h"
#include "events.h"

const char guest_builtin_name[] = "hypmem";

#define CHILD_KB       256ull
#define SLOT_SHIFT     27u                     /* 512 GiB of gfns: one PML4 entry */
#define MAX_FAR        128u
#define GONE_MS        2000u

static uint64_t uuid_serial;

/* ---- helpers -------------------------------------------------------------- */

static const char *errname(int64_t rc)
{
    switch (-rc) {
    case MICA_EINVAL: return "EINVAL";
    case MICA_EDQUOT: return "EDQUOT";
    case MICA_ENOMEM: return "ENOMEM";
    case MICA_ESRCH:  return "ESRCH";
    case MICA_ENOSYS: return "ENOSYS";
    case MICA_ENOSPC: return "ENOSPC";
    default:          return rc >= 0 ? "success" : "?";
    }
}

static int64_t dom_op(uint64_t cmd, uint16_t domid)
{
    struct mica_domctl op;

    domctl_init(&op, domid);
    return mica_domctl(cmd, &op);
}

static int64_t getinfo(uint16_t domid, struct mica_domctl_getinfo *gi)
{
    struct mica_domctl op;
    int64_t rc;

    domctl_init(&op, domid);
    rc = mica_domctl(MICA_DOMCTL_getinfo, &op);
    *gi = op.u.getinfo;
    return rc;
}

/* hyp_bytes of domid, or 0 if getinfo failed. */
static uint64_t hyp_bytes(uint16_t domid)
{
    struct mica_domctl_getinfo gi;

    return getinfo(domid, &gi) ? 0 : gi.hyp_bytes;
}

static uint64_t hyp_budget(uint16_t domid)
{
    struct mica_domctl_getinfo gi;

    return getinfo(domid, &gi) ? 0 : gi.hyp_budget_bytes;
}

static int64_t set_budget(uint16_t domid, uint64_t kb)
{
    struct mica_domctl op;

    domctl_init(&op, domid);
    op.u.hyp_budget.budget_kb = kb;
    return mica_domctl(MICA_DOMCTL_set_hyp_budget, &op);
}

static int64_t set_vcpus(uint16_t domid, uint32_t n)
{
    struct mica_domctl op;

    domctl_init(&op, domid);
    op.u.vcpus.nr_vcpus = n;
    return mica_domctl(MICA_DOMCTL_set_vcpus, &op);
}

/* A new paused child: its id, or a negative error. */
static int64_t create(const char *name, uint64_t mem_kb, uint64_t max_kb, uint64_t budget_kb)
{
    struct mica_domctl op;
    uint64_t s = ++uuid_serial;
    int64_t rc;

    domctl_init(&op, 0);
    strlcpy(op.u.create.name, name, sizeof(op.u.create.name));
    memcpy(op.u.create.uuid, "hypmem-d", 8);
    memcpy(op.u.create.uuid + 8, &s, 8);
    op.u.create.mem_kb = mem_kb;
    op.u.create.max_mem_kb = max_kb;
    op.u.create.nr_vcpus = 1;
    op.u.create.hyp_budget_kb = budget_kb;
    rc = mica_domctl(MICA_DOMCTL_create, &op);
    return rc ? rc : op.domid;
}

static int64_t alloc_unbound(uint16_t dom, uint16_t remote)
{
    struct mica_evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a);

    return rc ? rc : a.port;
}

/* Frame k of a child far away: gfn 0 of 512 GiB slot 1 + k (a fresh PDPT, PD and PT). */
static uint64_t far_gfn(unsigned int k)
{
    return (uint64_t)(1 + k) << SLOT_SHIFT;
}

static int64_t far_populate(uint16_t d, unsigned int k)
{
    return memop_range(MICA_MEMOP_populate_physmap, d, far_gfn(k), 1);
}

static int64_t far_decrease(uint16_t d, unsigned int k)
{
    return memop_range(MICA_MEMOP_decrease_reservation, d, far_gfn(k), 1);
}

/* Create that must be refused: if it is not, the child goes again. */
static void create_refused(const char *what, uint64_t budget_kb)
{
    int64_t d = create("refused", CHILD_KB, 0, budget_kb);

    check(d == -MICA_EINVAL, what, "got %ld (%s)", d, errname(d));
    if (d > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
}

/* ---- test=budget ---------------------------------------------------------- */

/*
 * 128 MiB needs 67 p2m table pages (268 KiB): more than the smallest budget
 * allows, so create is refused with -EDQUOT and leaves every frame free.
 */
static void test_create_too_small(void)
{
    uint64_t free0 = physinfo().free_frames;
    int64_t d = create("small", 128 * 1024, 0, MICA_HYP_BUDGET_MIN_KB);

    check(d == -MICA_EDQUOT, "create 128 MiB with hyp_budget_kb MIN: -EDQUOT (its p2m tables)",
          "got %ld (%s)", d, errname(d));
    if (d > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
    check_eq_u64("... and leaves every frame free", free0, physinfo().free_frames);
}

static void test_budget_self(void)
{
    struct mica_domctl_getinfo gi;
    int64_t rc = getinfo(MICA_DOMID_SELF, &gi);

    gprintf("# %s: itself: hyp_bytes %lu, hyp_budget_bytes %lu, refs %u\n", guest_name(),
            gi.hyp_bytes, gi.hyp_budget_bytes, gi.refs);
    check(rc == 0 && gi.hyp_bytes > 0 && gi.hyp_bytes <= gi.hyp_budget_bytes,
          "getinfo SELF: 0 < hyp_bytes <= hyp_budget_bytes", "rc %ld, %lu of %lu", rc,
          gi.hyp_bytes, gi.hyp_budget_bytes);
}

static void test_budget_create(void)
{
    struct mica_domctl_getinfo gi;
    int64_t d = create("budget-child", CHILD_KB, 0, 0), e;
    int64_t rc;

    if (!check(d > 0, "create a child with the default budget", "rc %ld", d))
        return;
    rc = getinfo((uint16_t)d, &gi);
    gprintf("# %s: a new %llu KiB child: hyp_bytes %lu, hyp_budget_bytes %lu, refs %u\n",
            guest_name(), CHILD_KB, gi.hyp_bytes, gi.hyp_budget_bytes, gi.refs);
    check(rc == 0 && gi.hyp_bytes > 0, "a new child: hyp_bytes > 0 (its tables, vCPU, ring)",
          "rc %ld, hyp_bytes %lu", rc, gi.hyp_bytes);
    check_eq_u64("a new child: hyp_budget_bytes is MICA_HYP_BUDGET_DEFAULT_KB(max_mem_kb) KiB",
                 MICA_HYP_BUDGET_DEFAULT_KB(CHILD_KB) * 1024, gi.hyp_budget_bytes);
    check(gi.hyp_bytes <= gi.hyp_budget_bytes, "a new child: hyp_bytes within its budget",
          "%lu of %lu", gi.hyp_bytes, gi.hyp_budget_bytes);

    check_eq_i64("set_hyp_budget 2048 KiB", 0, set_budget((uint16_t)d, 2048));
    check_eq_u64("... getinfo shows it", 2048 * 1024, hyp_budget((uint16_t)d));
    check_eq_i64("set_hyp_budget MIN - 4 KiB", -MICA_EINVAL,
                 set_budget((uint16_t)d, MICA_HYP_BUDGET_MIN_KB - 4));
    check_eq_i64("set_hyp_budget 0", -MICA_EINVAL, set_budget((uint16_t)d, 0));
    check_eq_i64("set_hyp_budget MAX + 4 KiB", -MICA_EINVAL,
                 set_budget((uint16_t)d, MICA_HYP_BUDGET_MAX_KB + 4));
    check_eq_i64("set_hyp_budget ~0", -MICA_EINVAL, set_budget((uint16_t)d, ~0ull));
    check_eq_u64("... the refused ones changed nothing", 2048 * 1024, hyp_budget((uint16_t)d));
    check_eq_i64("set_hyp_budget MAX", 0, set_budget((uint16_t)d, MICA_HYP_BUDGET_MAX_KB));
    check_eq_i64("set_hyp_budget MIN", 0,
                 set_budget((uint16_t)d, MICA_HYP_BUDGET_MIN_KB));
    check_eq_u64("... getinfo shows MIN", MICA_HYP_BUDGET_MIN_KB * 1024, hyp_budget((uint16_t)d));
    check_eq_i64("set_hyp_budget of no domain", -MICA_ESRCH, set_budget(4321, 2048));
    check_eq_i64("destroy it", 0, dom_op(MICA_DOMCTL_destroy, (uint16_t)d));

    e = create("ceiling", CHILD_KB, 65536, 0);
    check(e > 0 && hyp_budget((uint16_t)e) == MICA_HYP_BUDGET_DEFAULT_KB(65536ull) * 1024,
          "create with max_mem_kb 65536: the default budget follows the ceiling",
          "rc %ld, budget %lu", e, e > 0 ? hyp_budget((uint16_t)e) : 0);
    if (e > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)e);
    e = create("given", CHILD_KB, 0, 8192);
    check(e > 0 && hyp_budget((uint16_t)e) == 8192 * 1024, "create with hyp_budget_kb 8192",
          "rc %ld, budget %lu", e, e > 0 ? hyp_budget((uint16_t)e) : 0);
    if (e > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)e);
    e = create("maximal", CHILD_KB, 0, MICA_HYP_BUDGET_MAX_KB);
    check(e > 0 && hyp_budget((uint16_t)e) == MICA_HYP_BUDGET_MAX_KB * 1024,
          "create with hyp_budget_kb MAX", "rc %ld, budget %lu", e,
          e > 0 ? hyp_budget((uint16_t)e) : 0);
    if (e > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)e);
    create_refused("create with hyp_budget_kb MIN - 4: -EINVAL", MICA_HYP_BUDGET_MIN_KB - 4);
    create_refused("create with hyp_budget_kb 4: -EINVAL", 4);
    create_refused("create with hyp_budget_kb MAX + 4: -EINVAL", MICA_HYP_BUDGET_MAX_KB + 4);
    create_refused("create with hyp_budget_kb ~0: -EINVAL", ~0ull);
    test_create_too_small();
}

/* A populate far away charges three table pages; the decrease gives them back. */
static void test_charge_tables(uint16_t d)
{
    uint64_t h0 = hyp_bytes(d), h1, h2;

    check_eq_i64("populate a child frame in a fresh 512 GiB region", 1, far_populate(d, 0));
    h1 = hyp_bytes(d);
    check(h1 == h0 + 3 * PAGE_SIZE, "... charges its PDPT, PD and PT (3 pages)",
          "hyp_bytes %lu -> %lu", h0, h1);
    check_eq_i64("decrease it", 1, far_decrease(d, 0));
    h2 = hyp_bytes(d);
    check(h1 > h0 && h2 == h0, "... the emptied tables are freed and uncharged", "hyp_bytes %lu -> %lu -> %lu",
          h0, h1, h2);
}

/*
 * Fill the child's budget: far frames until hyp_bytes reaches at least
 * MIN, then a budget of what is charged (rounded down). Returns 0 or the
 * failing call's error; *k: the far frames populated.
 */
static int64_t fill_budget(uint16_t d, unsigned int *k)
{
    int64_t rc;

    for (*k = 0; hyp_bytes(d) < MICA_HYP_BUDGET_MIN_KB * 1024; ++*k)
        if (*k == MAX_FAR || (rc = far_populate(d, *k)) != 1)
            return *k == MAX_FAR ? -1000 : rc;
    return set_budget(d, hyp_bytes(d) / 1024);
}

static void test_spent(uint16_t d)
{
    struct mica_domctl_getinfo g0, g1;
    unsigned int k;
    int64_t rc = fill_budget(d, &k);

    if (!check(rc == 0, "spend a child's budget (far frames, then a budget of what is charged)",
               "%ld (%s) after %u frames: hyp_bytes %lu, budget %lu", rc, errname(rc), k,
               hyp_bytes(d), hyp_budget(d)))
        return;
    getinfo(d, &g0);
    gprintf("# %s: child d%u: %u far frames, hyp_bytes %lu, budget %lu\n", guest_name(), d, k,
            g0.hyp_bytes, g0.hyp_budget_bytes);
    rc = far_populate(d, k);
    check(rc == -MICA_EDQUOT, "spent: populate in a fresh region is -EDQUOT", "got %ld (%s)", rc,
          errname(rc));
    rc = set_vcpus(d, 2);
    check(rc == -MICA_EDQUOT, "spent: set_vcpus 2 is -EDQUOT", "got %ld (%s)", rc, errname(rc));
    rc = alloc_unbound(d, MICA_DOMID_SELF);
    check(rc == -MICA_EDQUOT, "spent: alloc_unbound (its first event-channel state) is -EDQUOT",
          "got %ld (%s)", rc, errname(rc));
    getinfo(d, &g1);
    check(g1.nr_pages == g0.nr_pages && g1.nr_vcpus == 1 && g1.hyp_bytes == g0.hyp_bytes,
          "spent: the refused calls changed nothing", "pages %lu -> %lu, vcpus %u, hyp_bytes %lu -> %lu",
          g0.nr_pages, g1.nr_pages, g1.nr_vcpus, g0.hyp_bytes, g1.hyp_bytes);
    /* Room for two tables, not the three a fresh region needs: none may stay. */
    set_budget(d, (g0.hyp_bytes + 1023) / 1024 + 8);
    rc = far_populate(d, k);
    check(rc == -MICA_EDQUOT && hyp_bytes(d) == g0.hyp_bytes,
          "spent but for two tables: populate is -EDQUOT and the tables it made are released",
          "got %ld (%s), hyp_bytes %lu -> %lu", rc, errname(rc), g0.hyp_bytes, hyp_bytes(d));
    set_budget(d, g0.hyp_bytes / 1024);     /* as fill_budget() left it */
    check_eq_i64("decrease two far frames", 2, far_decrease(d, 0) + far_decrease(d, 1));
    check_eq_i64("... then a populate fits again", 1, far_populate(d, 0));
    check_eq_i64("raise the budget to MAX", 0, set_budget(d, MICA_HYP_BUDGET_MAX_KB));
    check_eq_i64("set_vcpus 2 now", 0, set_vcpus(d, 2));
    check(hyp_bytes(d) > g0.hyp_bytes - 3 * PAGE_SIZE, "... the new vCPU is charged",
          "hyp_bytes %lu, %lu before (less one far frame)", hyp_bytes(d), g0.hyp_bytes);
    g0.hyp_bytes = hyp_bytes(d);
    rc = alloc_unbound(d, MICA_DOMID_SELF);
    check(rc == 1, "alloc_unbound now: port 1 (the refused call took none)", "got %ld (%s)", rc,
          errname(rc));
    check(hyp_bytes(d) > g0.hyp_bytes, "... its event-channel state is charged",
          "hyp_bytes %lu -> %lu", g0.hyp_bytes, hyp_bytes(d));
}

static void test_budget(void)
{
    int64_t d;

    test_budget_self();
    test_budget_create();
    d = create("charged", CHILD_KB, 2 * CHILD_KB, 0);
    if (!check(d > 0, "create a child with room to populate", "rc %ld", d))
        return;
    test_charge_tables((uint16_t)d);
    test_spent((uint16_t)d);
    check_eq_i64("destroy it", 0, dom_op(MICA_DOMCTL_destroy, (uint16_t)d));
}

/* ---- test=refs ------------------------------------------------------------ */

static uint64_t tsc_khz;

/* getinfo of d until -ESRCH, for at most GONE_MS; the last getinfo in *gi. */
static bool wait_gone(uint16_t d, struct mica_domctl_getinfo *gi)
{
    uint64_t end = rdtsc() + GONE_MS * tsc_khz;

    do {
        if (getinfo(d, gi) == -MICA_ESRCH)
            return true;
        mica_sched_op(MICA_SCHED_yield, 0);
    } while (rdtsc() < end);
    return false;
}

static bool wait_frames(uint64_t want, uint64_t *got)
{
    uint64_t end = rdtsc() + GONE_MS * tsc_khz;

    do {
        *got = physinfo().free_frames;
        if (*got == want)
            return true;
        mica_sched_op(MICA_SCHED_yield, 0);
    } while (rdtsc() < end);
    return false;
}

static void refs_case(const char *what, bool remote_is_child, uint16_t remote)
{
    struct mica_sysctl_physinfo p0 = physinfo();
    struct mica_domctl_getinfo gi;
    struct mica_evtchn_status st;
    char name[96];
    uint64_t frames = 0;
    int64_t d = create("refs-child", CHILD_KB, 0, 0), rc;
    bool back;

    snprintf(name, sizeof(name), "%s: create a child", what);
    if (!check(d > 0, name, "rc %ld", d))
        return;
    if (remote_is_child)
        remote = (uint16_t)d;
    snprintf(name, sizeof(name), "%s: alloc_unbound for the child: port 1", what);
    check_eq_i64(name, 1, alloc_unbound((uint16_t)d, remote));
    st = (struct mica_evtchn_status){ .dom = (uint16_t)d, .port = 1 };
    rc = mica_evtchn_op(MICA_EVTCHNOP_status, &st);
    snprintf(name, sizeof(name), "%s: the port is unbound, for d%ld", what,
             remote == MICA_DOMID_SELF ? d : remote);
    check(rc == 0 && st.status == MICA_EVTCHNSTAT_unbound &&
          st.remote_dom == (remote == MICA_DOMID_SELF ? d : remote), name,
          "rc %ld status %u remote_dom %u", rc, st.status, st.remote_dom);
    getinfo((uint16_t)d, &gi);
    gprintf("# %s: %s: destroying d%ld (refs %u)\n", guest_name(), what, d, gi.refs);
    rc = dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
    snprintf(name, sizeof(name), "%s: destroy returns", what);
    check_eq_i64(name, 0, rc);
    snprintf(name, sizeof(name), "%s: the domain is gone (getinfo -ESRCH within %u ms)", what,
             GONE_MS);
    check(wait_gone((uint16_t)d, &gi), name, "still there: state %u, refs %u", gi.state, gi.refs);
    snprintf(name, sizeof(name), "%s: every frame back", what);
    back = wait_frames(p0.free_frames, &frames);
    check(back, name, "%lu free, %lu before create", frames, p0.free_frames);
    snprintf(name, sizeof(name), "%s: the domain count back", what);
    check_eq_u64(name, p0.nr_domains, physinfo().nr_domains);
}

static void test_refs(void)
{
    tsc_khz = physinfo().tsc_khz;
    refs_case("remote_dom SELF", false, MICA_DOMID_SELF);
    refs_case("remote_dom our own id", false, guest_si()->domid);
    refs_case("remote_dom the child's own id", true, 0);
}

int guest_main(const struct mica_start_info *si)
{
    char test[16] = "all";

    (void)si;
    cmdline_get("test", test, sizeof(test));
    if (!strcmp(test, "budget") || !strcmp(test, "all"))
        test_budget();
    if (!strcmp(test, "refs") || !strcmp(test, "all"))
        test_refs();
    return 0;
}
