/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memhog: an unprivileged domain trying to take the hypervisor's memory
 * through its own p2m (issue 9, finding 1), and a neighbour that must not
 * notice. One guest, two roles, paired by peer= (the other's domain id):
 *
 *     memhog:name=hog,role=hog,mem=8M,peer=2,affinity=0x1
 *     memhog:name=nb,role=neighbour,mem=4M,peer=1,affinity=0x2
 *
 * role=hog: every gfn below MICA_GFN_LIMIT may be populated, and each
 * frame in a fresh 1 GiB region costs the hypervisor two or three nested
 * page-table pages. Three phases:
 *   churn: rounds of populating batch= frames (default 32), each in a
 *     fresh 1 GiB region, and decreasing them again (churn= rounds,
 *     default 2000, enough to fill 256 MiB with tables if they are never
 *     freed). The tables emptied by the decrease must be freed and
 *     uncharged, so no round is refused. (Without that they pile up until
 *     the hypervisor is out of memory: -ENOMEM for everyone.)
 *   hold: move its own frames, one by one, each to a fresh 1 GiB region
 *     and keep them there (at most move= frames, default 1024). Its
 *     budget (MICA_HYP_BUDGET_DEFAULT_KB of its ceiling) must stop this
 *     with -MICA_EDQUOT, after at least half and at most all of the
 *     budget's worth of table pages. Holding that, it tells the neighbour
 *     (an event) and waits for its answer. Then it gives the frames back
 *     and does it again: the same refusal at the same point (the tables
 *     were uncharged when freed).
 * The hog counts "table pages' worth" as 3 for a frame that is the first
 * in its 512 GiB slot, else 2: what they need when nothing else is mapped
 * near them.
 *
 * role=neighbour: allocates port 1 for the hog, then balloons out frames=
 * frames (default 64) of its RAM and every period_ms= (default 20)
 * populates them back and gives them up again, inside its reservation,
 * until the hog's event and after= (default 10) rounds more (at most
 * run_ms=, default 30000, after its start); then it answers the hog. No
 * round may be refused.
 *
 * Both sleep with the one-shot timer (events.c), so pin them to separate
 * pCPUs (affinity=): tests/system/areas/hardening.sh.
 */
#include "guest.h"
#include "ctl.h"
#include "events.h"

const char guest_builtin_name[] = "memhog";

#define REGION_SHIFT   18u                    /* 1 GiB of gfns */
#define SLOT_SHIFT     27u                    /* 512 GiB of gfns: one PML4 entry */
#define NR_SLOTS       (1u << (36 - SLOT_SHIFT))
#define FAR_SLOTS      (NR_SLOTS - 1)         /* slot 0 holds the RAM */
#define MAX_BATCH      256u
#define MAX_MOVE       2048u

BUILD_BUG_ON(MICA_GFN_LIMIT != 1ull << 36);

static uint64_t start_ns;

static const char *errname(int64_t rc)
{
    switch (-rc) {
    case MICA_ENOMEM: return "ENOMEM";
    case MICA_EDQUOT: return "EDQUOT";
    case MICA_ENOSPC: return "ENOSPC";
    case MICA_EINVAL: return "EINVAL";
    case MICA_EEXIST: return "EEXIST";
    case MICA_ENOENT: return "ENOENT";
    default:          return rc >= 0 ? "no error" : "?";
    }
}

static uint64_t ms_since_start(void)
{
    return (ev_system_time() - start_ns) / 1000000u;
}

/* Sleep until ms after start; port 0 never fires, so only the timer ends it. */
static void sleep_until_ms(uint64_t ms)
{
    ev_wait(&ev_hits[0], 1, start_ns + ms * 1000000u);
}

#define PEER_PORT      1u                     /* the neighbour's port for the hog */
#define WAIT_MS        30000u

static uint16_t peer;
static uint32_t port;                    /* ours for the pair, 0 without a peer */

/* The hog binds to the neighbour's port 1, retrying while it is not there yet. */
static int64_t bind_to_neighbour(void)
{
    struct mica_evtchn_bind_interdomain a;
    int64_t rc;

    do {
        a = (struct mica_evtchn_bind_interdomain){ .remote_dom = peer, .remote_port = PEER_PORT };
        rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &a);
        if (rc == -MICA_ENOENT || rc == -MICA_EACCES)
            sleep_until_ms(ms_since_start() + 1);
    } while ((rc == -MICA_ENOENT || rc == -MICA_EACCES) && ms_since_start() < WAIT_MS);
    return rc ? rc : a.local_port;
}

/* Event channels: the timer VIRQ for sleeping, and the pair's channel. */
static bool events_init(bool hog)
{
    int64_t rc;

    start_ns = ev_system_time();
    peer = (uint16_t)cmdline_u64("peer", 0);
    if (!check(ev_setup() == 0, "event channel set-up", "failed"))
        return false;
    if (!hog && !check_eq_i64("alloc_unbound for the hog: port 1", PEER_PORT,
                              ev_alloc_unbound(peer)))
        return false;
    if (!check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind_virq TIMER", "failed"))
        return false;
    irq_enable();
    if (!hog) {
        port = PEER_PORT;
    } else if (peer) {
        rc = bind_to_neighbour();
        if (!check(rc > 0, "bind to the neighbour's port 1", "got %ld", rc))
            return false;
        port = (uint32_t)rc;
        ev_forget(port);                 /* a new interdomain port starts pending */
    }
    return true;
}

/*
 * Far gfns: region r of the churn is in slot 1 + r % FAR_SLOTS, 1 GiB
 * region r / FAR_SLOTS counting up; frame k of the hold phase in slot
 * 1 + k % FAR_SLOTS, region 511 - k / FAR_SLOTS counting down. They never
 * meet (the churn stays below region 256), so every hold frame is in a
 * region the churn never touched.
 */
static uint64_t churn_gfn(uint64_t r)
{
    return ((1 + r % FAR_SLOTS) << SLOT_SHIFT) | ((r / FAR_SLOTS) << REGION_SHIFT);
}

static uint64_t hold_gfn(uint64_t k)
{
    return ((1 + k % FAR_SLOTS) << SLOT_SHIFT) | ((511 - k / FAR_SLOTS) << REGION_SHIFT);
}

/* Table pages a frame there needs when nothing is mapped near it: PDPT (first in its slot), PD, PT. */
static uint64_t hold_tables(uint64_t k)
{
    return k < FAR_SLOTS ? 3 : 2;
}

/* ---- role=hog ------------------------------------------------------------- */

struct hold_run {
    unsigned int moved;                  /* own frames now kept far away */
    uint64_t tables;                     /* table pages they needed, at most */
    int64_t rc;                          /* what ended it: a populate's error, or 1 */
};

static uint64_t own_pages, budget_pages;
static uint64_t donor;                   /* the first of the own frames given up */

/* The churn: rounds of a batch populated in fresh regions and decreased. */
static void hog_churn(unsigned int rounds, unsigned int batch)
{
    static uint64_t gfns[MAX_BATCH];
    unsigned int i, r;
    int64_t rc = 0, rd = 0;

    for (r = 0; r < rounds; r++) {
        for (i = 0; i < batch; i++)
            gfns[i] = churn_gfn((uint64_t)r * batch + i);
        rc = memop_list(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, gfns, batch);
        if (rc != batch)
            break;
        rd = memop_list(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, gfns, batch);
        if (rd != batch)
            break;
    }
    gprintf("# %s: churn: %u of %u rounds of %u frames in fresh 1 GiB regions done "
            "(about %lu table pages made and, if freed, freed) at %lu ms\n", guest_name(), r,
            rounds, batch, (unsigned long)r * batch * 2, ms_since_start());
    check(r == rounds, "churn: populate/decrease rounds in fresh far regions, none refused "
          "(emptied p2m tables freed)", "round %u of %u: populate of %u returned %ld (%s), "
          "decrease %ld; about %lu table pages made before", r, rounds, batch, rc, errname(rc),
          rd, (unsigned long)r * batch * 2);
}

/* Move own frames [donor - n, donor) one by one to far regions until refused. */
static struct hold_run hog_hold(unsigned int max)
{
    struct hold_run h = { .rc = 1 };
    int64_t rc;

    while (h.moved < max) {
        uint64_t own = donor - 1 - h.moved;

        rc = memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, own, 1);
        if (rc != 1) {
            h.rc = rc == 0 ? -1000 : rc;
            break;
        }
        rc = memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, hold_gfn(h.moved), 1);
        if (rc != 1) {
            h.rc = rc;
            /* the own frame stays given up: put it back now */
            memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, own, 1);
            break;
        }
        h.tables += hold_tables(h.moved);
        h.moved++;
    }
    return h;
}

/* Give the far frames back and take the own ones again; true if all went. */
static bool hog_unhold(const struct hold_run *h)
{
    bool ok = true;

    for (unsigned int k = 0; k < h->moved; k++)
        ok &= memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, hold_gfn(k), 1) == 1;
    if (h->moved)
        ok &= memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF,
                          donor - h->moved, h->moved) == h->moved;
    return ok;
}

static void hold_report(const char *which, const struct hold_run *h)
{
    gprintf("# %s: %s: moved %u own frames to fresh far regions (about %lu p2m table pages, "
            "%lu KiB; budget %lu KiB), then %ld (%s) at %lu ms\n", guest_name(), which, h->moved,
            h->tables, h->tables * 4, budget_pages * 4, h->rc, errname(h->rc), ms_since_start());
}

/* Tell the neighbour the hog holds all it could get, and wait for its answer. */
static void hog_signal(void)
{
    bool answered;

    if (!port)
        return;
    gprintf("# %s: telling the neighbour at %lu ms\n", guest_name(), ms_since_start());
    check_eq_i64("tell the neighbour (send)", 0, ev_send(port));
    answered = ev_wait(&ev_hits[port], 1, ev_system_time() + WAIT_MS * 1000000ull);
    check(answered, "the neighbour answered while the hog held its frames",
          "no answer in %u ms", WAIT_MS);
}

static void hog_holds(unsigned int max)
{
    struct hold_run a, b;

    a = hog_hold(max);
    hold_report("hold", &a);
    hog_signal();
    check(a.rc == -MICA_EDQUOT, "hold: stopped with -EDQUOT", "moved %u frames (about %lu table "
          "pages), then %ld (%s)", a.moved, a.tables, a.rc, a.rc == 1 ? "never refused" :
          errname(a.rc));
    check(a.tables <= budget_pages, "hold: stopped within its budget's worth of table pages",
          "about %lu table pages, budget %lu pages", a.tables, budget_pages);
    check(a.tables >= budget_pages / 2, "hold: not stopped before half its budget's worth",
          "about %lu table pages, budget %lu pages", a.tables, budget_pages);
    check(hog_unhold(&a), "hold: the far frames given back, the own ones taken back",
          "a decrease or populate failed");
    b = hog_hold(max);
    hold_report("hold again", &b);
    check(a.rc == -MICA_EDQUOT && b.rc == a.rc && b.moved + 1 >= a.moved && b.moved <= a.moved + 1,
          "hold again: refused at the same point (freed tables were uncharged)",
          "first %u frames then %ld (%s), now %u then %ld (%s)", a.moved, a.rc, errname(a.rc),
          b.moved, b.rc, errname(b.rc));
    check(hog_unhold(&b), "hold again: all given back", "a decrease or populate failed");
}

static void hog(void)
{
    unsigned int rounds = (unsigned int)cmdline_u64("churn", 2000);
    unsigned int batch = (unsigned int)cmdline_u64("batch", 32);
    unsigned int move = (unsigned int)cmdline_u64("move", 1024);
    uint64_t max_pages = (uint64_t)mica_memory_op(MICA_MEMOP_maximum_reservation, MICA_DOMID_SELF);
    uint64_t image = guest_image_end() / PAGE_SIZE;

    own_pages = guest_si()->nr_pages;
    budget_pages = MICA_HYP_BUDGET_DEFAULT_KB(max_pages * 4) / 4;
    batch = batch < 1 ? 1 : batch > MAX_BATCH ? MAX_BATCH : batch;
    if ((uint64_t)rounds * batch > 256ull * FAR_SLOTS)     /* below the hold's regions */
        rounds = 256 * FAR_SLOTS / batch;
    donor = own_pages - batch;
    if (move > MAX_MOVE)
        move = MAX_MOVE;
    if (move + 16 > donor - image)
        move = (unsigned int)(donor - image - 16);
    gprintf("# %s: %lu frames, ceiling %lu, default budget %lu KiB; churn %u x %u, move %u\n",
            guest_name(), own_pages, max_pages, budget_pages * 4, rounds, batch, move);
    /* Room under the ceiling for a churn batch: the last batch frames go. */
    if (!check_eq_i64("give up frames for the churn's batches", batch,
                      memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, donor, batch)))
        return;
    hog_churn(rounds, batch);
    hog_holds(move);
    check_eq_i64("take the batch frames back", batch,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, donor, batch));
    check_eq_i64("its reservation is whole at the end", own_pages,
                 mica_memory_op(MICA_MEMOP_current_reservation, MICA_DOMID_SELF));
}

/* ---- role=neighbour ------------------------------------------------------- */

/* One round: populate the ballooned frames back and give them up again. */
static int64_t nb_round(uint64_t base, uint64_t nr)
{
    int64_t rc = memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, base, (uint32_t)nr);

    if (rc == (int64_t)nr)
        rc = memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, (uint32_t)nr);
    return rc;
}

static void neighbour(void)
{
    uint64_t nr = cmdline_u64("frames", 64), run_ms = cmdline_u64("run_ms", WAIT_MS);
    uint64_t period = cmdline_u64("period_ms", 20), own = guest_si()->nr_pages;
    uint64_t base = own - nr, first_ms = 0, word_ms = 0;
    unsigned int after = (unsigned int)cmdline_u64("after", 10);
    unsigned int rounds = 0, refused = 0, first = 0, rounds_after = 0;
    int64_t rc, first_rc = 0;

    if (!check_eq_i64("balloon out frames for the rounds", (int64_t)nr,
                      memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, (uint32_t)nr)))
        return;
    while (rounds_after < after && ms_since_start() < run_ms) {
        rc = nb_round(base, nr);
        if (rc != (int64_t)nr && !refused++) {
            first = rounds, first_rc = rc, first_ms = ms_since_start();
            gprintf("# %s: round %u refused with %ld (%s) at %lu ms\n", guest_name(), rounds, rc,
                    errname(rc), first_ms);
        }
        rounds++;
        if (word_ms)
            rounds_after++;
        ev_wait(&ev_hits[port], word_ms ? ~0u : 1, ev_system_time() + period * 1000000u);
        if (!word_ms && ev_hits[port]) {
            word_ms = ms_since_start();
            gprintf("# %s: the hog's word at %lu ms, after %u rounds\n", guest_name(), word_ms,
                    rounds);
        }
    }
    if (word_ms)
        ev_send(port);
    gprintf("# %s: %u rounds of %lu frames in %lu ms, %u refused\n", guest_name(), rounds, nr,
            ms_since_start(), refused);
    check(word_ms && rounds_after == after, "the hog's word came, then more rounds while it held",
          "word at %lu ms, %u rounds after it, %lu ms", word_ms, rounds_after, ms_since_start());
    check(rounds > 0 && !refused, "populate and decrease inside its reservation, never refused",
          "%u of %u rounds refused, the first (round %u at %lu ms) with %ld (%s)", refused, rounds,
          first, first_ms, first_rc, errname(first_rc));
    check_eq_i64("take its frames back at the end", (int64_t)nr,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, base, (uint32_t)nr));
}

int guest_main(const struct mica_start_info *si)
{
    char role[16] = "";
    bool is_hog;

    (void)si;
    cmdline_get("role", role, sizeof(role));
    is_hog = !strcmp(role, "hog");
    if (!is_hog && strcmp(role, "neighbour")) {
        check(false, "role", "role=hog or role=neighbour, not '%s'", role);
        return 0;
    }
    if (!events_init(is_hog))
        return 0;
    if (is_hog)
        hog();
    else
        neighbour();
    return 0;
}
