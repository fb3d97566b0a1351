/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gnt_pair: two domains (on different pCPUs) share pages through grants,
 * with a polling handshake in the shared pages (no event channels).
 * "peer=N" is the other domain's id, "role=" one of:
 *
 *   a      grants b a read-write page (ref 8), a read-only page (ref 9) and
 *          a read-write page for copies (ref 10); waits for b's reply in
 *          ref 8's page, finds it in use (revoking fails), lets b unmap,
 *          then revokes, and waits for b's copies to land in ref 10's page.
 *   b      maps ref 8, checks a's data, replies, unmaps when told; checks
 *          the revoked ref cannot be mapped; copies ref 9's page out and its
 *          own data into ref 10's page (grant copy), then signals done.
 *   leave  grants stay a page, waits until stay has mapped it, and ends.
 *   stay   maps leave's page, waits until leave has gone (-ESRCH), checks
 *          the page is still there and writable, and unmaps it: the
 *          hypervisor then frees leave's memory (docs/abi.md, teardown rule).
 *   wait   grants hold a page, and once hold has ended with the page still
 *          mapped, finds the in-use bits cleared (hold's teardown unmapped
 *          it) and revokes the grant.
 *   hold   maps wait's page, replies, and ends without unmapping it.
 */
#include "guest.h"
#include "gnttab.h"
#include "cpu.h"

const char guest_builtin_name[] = "gnt_pair";

#define MAGIC        0x47524e54u    /* "GRNT" */
#define STAGE_REVOKED 1u
#define STAGE_DONE    2u
#define POLL_TRIES   500000ul     /* about 10 s under QEMU */
#define DATA_LEN     2048u

struct shared_page {
    uint32_t magic;                 /* the granter: the page is ready */
    uint32_t reply;                 /* the grantee: checksum of data + 1 */
    uint32_t ack;                   /* the granter: reply seen, unmap now */
    uint32_t stage;                 /* ref 10's page: STAGE_* */
    uint8_t  pad[48];
    uint8_t  data[DATA_LEN];
};

static uint64_t t_gfn, d_gfn, win_gfn;
static uint16_t me, peer;
static struct mica_grant_entry *table;

static void *gfn_ptr(uint64_t gfn)
{
    return (void *)(gfn << PAGE_SHIFT);
}

static volatile struct shared_page *page_at(uint64_t gfn)
{
    return gfn_ptr(gfn);
}

/* Evaluate expr (yielding between tries) until it holds or we give up; its last value. */
#define WAIT(expr) ({                                                   \
    unsigned long n_ = 0;                                               \
    bool ok_;                                                           \
    while (!(ok_ = (expr)) && ++n_ < POLL_TRIES)                        \
        mica_sched_op(MICA_SCHED_yield, 0);                             \
    ok_; })

static uint8_t pattern(uint16_t who, unsigned int i)
{
    return (uint8_t)(i * 7 + who * 31 + 1);
}

static uint32_t checksum(const volatile uint8_t *p)
{
    uint32_t s = 0;

    for (unsigned int i = 0; i < DATA_LEN; i++)
        s = s * 31 + p[i];
    return s;
}

static void fill(volatile uint8_t *p, uint16_t who)
{
    for (unsigned int i = 0; i < DATA_LEN; i++)
        p[i] = pattern(who, i);
}

static bool holds(const volatile uint8_t *p, uint16_t who)
{
    for (unsigned int i = 0; i < DATA_LEN; i++)
        if (p[i] != pattern(who, i))
            return false;
    return true;
}

static bool in_use(uint32_t ref)
{
    return gnt_flags(table, ref) & (MICA_GTF_reading | MICA_GTF_writing);
}

/* Copy len bytes at offset off of the peer's grant ref into our gfn (or back). */
static int copy_with_peer(uint32_t ref, uint16_t off, uint64_t gfn, uint16_t len, bool to_peer)
{
    struct mica_gnttab_copy op = { .len = len };
    struct mica_gnttab_copy_ptr theirs = { .ref_or_gfn = ref, .domid = peer, .offset = off };
    struct mica_gnttab_copy_ptr mine = { .ref_or_gfn = gfn, .domid = MICA_DOMID_SELF,
                                         .offset = off };

    op.src = to_peer ? mine : theirs;
    op.dst = to_peer ? theirs : mine;
    op.flags = to_peer ? MICA_GNTCOPY_dst_gref : MICA_GNTCOPY_src_gref;
    return gnttab_copy1(&op);
}

static void granter_setup(void)
{
    check_eq_i64("setup a one-page grant table", 0, gnttab_setup(&t_gfn, 1));
}

static void role_a(void)
{
    volatile struct shared_page *p0 = page_at(d_gfn), *p2 = page_at(d_gfn + 2);

    granter_setup();
    fill(p0->data, me);
    fill(page_at(d_gfn + 1)->data, me + 1);
    gnt_grant(table, 8, peer, d_gfn, false);
    gnt_grant(table, 9, peer, d_gfn + 1, true);
    gnt_grant(table, 10, peer, d_gfn + 2, false);
    gnt_grant(table, 12, peer + 50, d_gfn + 3, false);
    __atomic_store_n(&p0->magic, MAGIC, __ATOMIC_RELEASE);
    if (!check(WAIT(p0->reply != 0), "the peer mapped the page and replied", "no reply"))
        return;
    check_eq_u64("the reply is the checksum of our data + 1", checksum(p0->data) + 1, p0->reply);
    check(in_use(8), "the peer's mapping shows in our entry", "flags 0x%x", gnt_flags(table, 8));
    check_eq_i64("revoking a grant the peer has mapped fails", -MICA_EBUSY, gnt_end_access(table, 8));
    __atomic_store_n(&p0->ack, 1, __ATOMIC_RELEASE);
    check(WAIT(!in_use(8)), "the peer unmapped: the in-use bits are cleared", "flags 0x%x",
          gnt_flags(table, 8));
    check_eq_i64("now revoking succeeds", 0, gnt_end_access(table, 8));
    __atomic_store_n(&p2->stage, STAGE_REVOKED, __ATOMIC_RELEASE);
    if (!check(WAIT(p2->stage == STAGE_DONE), "the peer finished its copies", "stage %u", p2->stage))
        return;
    check(holds(p2->data, peer), "the peer's data arrived by grant copy", "first byte 0x%x",
          p2->data[0]);
    check(!in_use(9) && !in_use(10), "copies leave no in-use bits behind", "flags 0x%x 0x%x",
          gnt_flags(table, 9), gnt_flags(table, 10));
    check_eq_i64("revoke the other grants", 0, gnt_end_access(table, 9) |
                 gnt_end_access(table, 10) | gnt_end_access(table, 12));
}

static void role_b(void)
{
    volatile struct shared_page *w = page_at(win_gfn), *s = page_at(d_gfn);
    uint32_t h = ~0u;
    int rc = 0;

    if (!check(WAIT((rc = gnttab_map1(peer, 8, win_gfn, 0, &h)) == 0),
               "map the peer's grant (once it is there)", "last status %d", rc))
        return;
    check(WAIT(__atomic_load_n(&w->magic, __ATOMIC_ACQUIRE) == MAGIC), "the page is ready",
          "magic 0x%x", w->magic);
    check(holds(w->data, peer), "the mapping shows the peer's data", "first byte 0x%x", w->data[0]);
    check_eq_i64("map the read-only grant read-write: -EACCES", -MICA_EACCES,
                 gnttab_map1(peer, 9, win_gfn + 1, 0, NULL));
    check_eq_i64("map an ungranted ref: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(peer, 11, win_gfn + 1, 0, NULL));
    check_eq_i64("map a grant to a third domain: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(peer, 12, win_gfn + 1, 0, NULL));
    check_eq_i64("map over our own RAM: -EEXIST", -MICA_EEXIST, gnttab_map1(peer, 8, d_gfn, 0, NULL));
    check_eq_i64("map from a domain that does not exist: -ESRCH", -MICA_ESRCH,
                 gnttab_map1(0x7000, 8, win_gfn + 1, 0, NULL));
    __atomic_store_n(&w->reply, checksum(w->data) + 1, __ATOMIC_RELEASE);
    if (!check(WAIT(w->ack == 1), "the peer saw the reply", "no ack"))
        return;
    check_eq_i64("unmap", 0, gnttab_unmap1(h));
    check(WAIT(copy_with_peer(10, 12, d_gfn, 4, false) == 0 && s->stage == STAGE_REVOKED),
          "read the peer's stage word by grant copy until it says revoked", "stage %u", s->stage);
    check_eq_i64("map the revoked grant: -ENOENT", -MICA_ENOENT,
                 gnttab_map1(peer, 8, win_gfn, 0, NULL));
    check_eq_i64("copy the read-only grant's page out", 0,
                 copy_with_peer(9, 0, d_gfn + 1, PAGE_SIZE, false));
    check(holds(page_at(d_gfn + 1)->data, peer + 1), "it holds the peer's second pattern",
          "first byte 0x%x", page_at(d_gfn + 1)->data[0]);
    fill(page_at(d_gfn + 2)->data, me);
    check_eq_i64("copy our data into the peer's page", 0,
                 copy_with_peer(10, 64, d_gfn + 2, DATA_LEN, true));
    s->stage = STAGE_DONE;
    check_eq_i64("copy the done word into the peer's page", 0,
                 copy_with_peer(10, 12, d_gfn, 4, true));
}

static void role_leave(void)
{
    volatile struct shared_page *p0 = page_at(d_gfn);

    granter_setup();
    fill(p0->data, me);
    gnt_grant(table, 8, peer, d_gfn, false);
    __atomic_store_n(&p0->magic, MAGIC, __ATOMIC_RELEASE);
    check(WAIT(p0->reply != 0), "the peer mapped the page", "no reply");
    check(in_use(8), "ending with the grant still mapped", "flags 0x%x", gnt_flags(table, 8));
}

static void role_stay(void)
{
    volatile struct shared_page *w = page_at(win_gfn);
    uint32_t h = ~0u;
    int rc = 0;

    if (!check(WAIT((rc = gnttab_map1(peer, 8, win_gfn, 0, &h)) == 0),
               "map the peer's grant (once it is there)", "last status %d", rc))
        return;
    check(WAIT(__atomic_load_n(&w->magic, __ATOMIC_ACQUIRE) == MAGIC), "the page is ready",
          "magic 0x%x", w->magic);
    __atomic_store_n(&w->reply, 1, __ATOMIC_RELEASE);
    check(WAIT((rc = copy_with_peer(8, 0, d_gfn, 1, false)) == -MICA_ESRCH),
          "the granter has gone (copy from it: -ESRCH)", "last status %d", rc);
    /* Give its destroy time to reach the grant table (and be deferred). */
    for (uint64_t t0 = rdtsc(); rdtsc() - t0 < (1ull << 28); )
        mica_sched_op(MICA_SCHED_yield, 0);
    check(holds(w->data, peer), "its page is still mapped, data intact", "first byte 0x%x",
          w->data[0]);
    w->data[0] ^= 0xff;
    check_eq_u64("and writable", (uint8_t)(pattern(peer, 0) ^ 0xff), w->data[0]);
    check_eq_i64("unmap it: the granter's memory can go now", 0, gnttab_unmap1(h));
    check_eq_i64("map from the granter now: -ESRCH", -MICA_ESRCH,
                 gnttab_map1(peer, 8, win_gfn, 0, NULL));
}

static void role_wait(void)
{
    volatile struct shared_page *p0 = page_at(d_gfn);

    granter_setup();
    gnt_grant(table, 8, peer, d_gfn, false);
    __atomic_store_n(&p0->magic, MAGIC, __ATOMIC_RELEASE);
    check(WAIT(p0->reply != 0), "the peer mapped the page", "no reply");
    check(WAIT(!in_use(8)), "the peer ended: its teardown unmapped our grant", "flags 0x%x",
          gnt_flags(table, 8));
    check_eq_i64("revoke it", 0, gnt_end_access(table, 8));
}

static void role_hold(void)
{
    volatile struct shared_page *w = page_at(win_gfn);
    int rc = 0;

    if (!check(WAIT((rc = gnttab_map1(peer, 8, win_gfn, 0, NULL)) == 0),
               "map the peer's grant (once it is there)", "last status %d", rc))
        return;
    check(WAIT(__atomic_load_n(&w->magic, __ATOMIC_ACQUIRE) == MAGIC), "the page is ready",
          "magic 0x%x", w->magic);
    __atomic_store_n(&w->reply, 1, __ATOMIC_RELEASE);
}

int guest_main(const struct mica_start_info *si)
{
    char role[8] = "";

    t_gfn = guest_image_end() >> PAGE_SHIFT;
    d_gfn = t_gfn + 1;
    win_gfn = si->nr_pages + 16;
    me = si->domid;
    peer = (uint16_t)cmdline_u64("peer", 0xffff);
    table = gfn_ptr(t_gfn);
    memset(table, 0, PAGE_SIZE);
    memset(gfn_ptr(d_gfn), 0, 4 * PAGE_SIZE);
    cmdline_get("role", role, sizeof(role));
    gprintf("# %s: d%u, role %s, peer d%u\n", guest_name(), me, role, peer);
    if (!strcmp(role, "a"))
        role_a();
    else if (!strcmp(role, "b"))
        role_b();
    else if (!strcmp(role, "leave"))
        role_leave();
    else if (!strcmp(role, "stay"))
        role_stay();
    else if (!strcmp(role, "wait"))
        role_wait();
    else if (!strcmp(role, "hold"))
        role_hold();
    else
        check(false, "role= is a, b, leave, stay, wait or hold", "got '%s'", role);
    return 0;
}
