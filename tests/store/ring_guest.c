// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-storering XML: the store's ring path from dom0, before any guest
 * driver exists. It creates the domain of XML paused (it never runs), and
 * plays its part: it maps the domain's store ring page (the one the
 * builder gave it, MICA_PARAM_STORE_GFN, or MICA_SPECIAL_STORE_GFN), gets
 * a port of the domain's bound for dom0 (the builder's, or alloc_unbound
 * in the domain), introduces it, and then writes requests on the ring and
 * reads the replies as the guest would: paths relative to its directory,
 * permissions, a value larger than the ring, quotas, watches, a
 * transaction, an unknown type; then hostile rings (producer far ahead, an
 * overlong length, a consumer index outside the ring), each of which must
 * drop that domain while dom0's socket is still served; a daemon restart
 * (STORED_RESTART, a shell command) re-establishes the ring and its watch;
 * destroying the domain releases it (@releaseDomain).
 *
 * The domain cannot notify the store (its port is its own), so after
 * writing the test nudges the daemon with a request on its socket: every
 * turn of the daemon's loop serves every ring. Prints MICA-CHECK lines
 * (dom0/tests/store.sh).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <mica/privcmd.h>
#include "micactl.h"
#include "public/event_channel.h"
#include "public/hypercall.h"
#include "public/io/store.h"
#include "public/param.h"

#define WAIT_MS 5000

static int fails;
static mica_ctx *ctx;
static mica_store *st;
static volatile struct mica_store_ring *ring;
static uint32_t domid, req_id = 100;

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ok(const char *fmt, ...)
{
    va_list ap;

    printf("MICA-CHECK PASS store-ring: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void bad(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(const char *what, const char *fmt, ...)
{
    va_list ap;

    printf("MICA-CHECK FAIL store-ring: %s: ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    fails++;
}

static void nudge(void)
{
    char *p;
    size_t len;

    if (mica_store_read(st, 0, "/", &p, &len) == 0)
        free(p);
}

static uint64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Write bytes as the guest: as room frees up, until WAIT_MS passes. */
static bool ring_put(const void *buf, uint32_t len)
{
    const char *p = buf;
    uint64_t end = now_ms() + WAIT_MS;

    while (len && now_ms() < end) {
        uint32_t prod = ring->req_prod, cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
        uint32_t room = MICA_STORE_RING_SIZE - (prod - cons), n = 0;

        while (n < room && n < len) {
            ring->req[MICA_STORE_RING_IDX(prod + n)] = p[n];
            n++;
        }
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        p += n;
        len -= n;
        nudge();
        if (len)
            usleep(10000);
    }
    return !len;
}

static bool ring_get(void *buf, uint32_t len)
{
    char *p = buf;
    uint64_t end = now_ms() + WAIT_MS;

    while (len && now_ms() < end) {
        uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE), cons = ring->rsp_cons;
        uint32_t n = 0;

        while (cons + n != prod && n < len) {
            p[n] = ring->rsp[MICA_STORE_RING_IDX(cons + n)];
            n++;
        }
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        p += n;
        len -= n;
        if (len) {
            nudge();
            usleep(10000);
        }
    }
    return !len;
}

struct msg {
    struct mica_store_msg h;
    char data[MICA_STORE_PAYLOAD_MAX + 1];
};

static char events[4096];

/* The events as one line (for a FAIL line). */
static const char *one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = '|';
    return s;
}

/* One message from the ring; false when none came. */
static bool get_msg(struct msg *m)
{
    if (!ring_get(&m->h, sizeof(m->h)) || m->h.len > MICA_STORE_PAYLOAD_MAX ||
        !ring_get(m->data, m->h.len))
        return false;
    m->data[m->h.len] = '\0';
    return true;
}

/* A request; returns 0, -errno from an error reply, or -ETIMEDOUT. */
static int req(uint32_t type, uint32_t tx, const void *payload, uint32_t len, struct msg *r)
{
    struct mica_store_msg h = { type, ++req_id, tx, len };
    static struct msg m;

    if (!r)
        r = &m;
    if (!ring_put(&h, sizeof(h)) || !ring_put(payload, len))
        return -ETIMEDOUT;
    for (;;) {
        if (!get_msg(r))
            return -ETIMEDOUT;
        if (r->h.type == MICA_STORE_WATCH_EVENT) {
            size_t el = strlen(events), pl = strlen(r->data);

            if (el + r->h.len + 2 < sizeof(events))
                snprintf(events + el, sizeof(events) - el, "%.200s %.200s\n", r->data,
                         pl < r->h.len ? r->data + pl + 1 : "?");
            continue;
        }
        if (r->h.req_id != h.req_id)
            continue;
        if (r->h.type != MICA_STORE_ERROR)
            return 0;
#define X(e) if (!strcmp(r->data, #e)) return -e;
        MICA_STORE_ERRORS(X)
#undef X
        return -EIO;
    }
}

static int req2(uint32_t type, uint32_t tx, const char *a, const char *b, struct msg *r)
{
    char buf[MICA_STORE_PAYLOAD_MAX];
    size_t al = strlen(a) + 1, bl = b ? strlen(b) + (type == MICA_STORE_WRITE ? 0 : 1) : 0;

    if (al + bl > sizeof(buf))
        return -E2BIG;
    memcpy(buf, a, al);
    if (b)
        memcpy(buf + al, b, bl);
    return req(type, tx, buf, (uint32_t)(al + bl), r);
}

static int alloc_port(uint32_t dom)
{
    struct mica_evtchn_alloc_unbound a = { .dom = (uint16_t)dom, .remote_dom = 0 };
    struct mica_privcmd_hypercall h = { .op = MICA_HC_event_channel_op,
                                        .arg = { MICA_EVTCHNOP_alloc_unbound, (uintptr_t)&a } };
    int fd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC), rc;

    if (fd < 0)
        return -errno;
    rc = ioctl(fd, MICA_IOCTL_PRIVCMD_HYPERCALL, &h);
    rc = rc < 0 ? -errno : (int)a.port;
    close(fd);
    return rc;
}

static uint64_t gfn;
static uint32_t port;

/* The domain's ring page and port, the builder's if it made them, mapped and zeroed. */
static int setup_ring(void)
{
    uint64_t v = 0;
    void *va;
    int rc;

    if (mica_param_get(ctx, domid, MICA_PARAM_STORE_GFN, &v) == 0 && v) {
        gfn = v;
        mica_param_get(ctx, domid, MICA_PARAM_STORE_EVTCHN, &v);
        port = (uint32_t)v;
    } else {
        gfn = MICA_SPECIAL_STORE_GFN;
        rc = alloc_port(domid);
        if (rc < 0)
            return rc;
        port = (uint32_t)rc;
    }
    rc = mica_foreign_map(ctx, domid, gfn, &va);
    if (rc)
        return rc;
    ring = va;
    memset(va, 0, 4096);
    return 0;
}

/* dom0's part: the domain's directory, given to it. */
static int introduce(void)
{
    char dir[64], perm[16];
    const char *p = perm;
    int rc;

    snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
    snprintf(perm, sizeof(perm), "n%u", domid);
    if ((rc = mica_store_mkdir(st, 0, dir)) || (rc = mica_store_set_perms(st, 0, dir, &p, 1)))
        return rc;
    return mica_store_introduce(st, domid, gfn, port);
}

static bool dom0_reads(const char *rel, const char *want, size_t wlen)
{
    char path[128], *v;
    size_t len;
    bool same;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
    if (mica_store_read(st, 0, path, &v, &len))
        return false;
    same = len == wlen && !memcmp(v, want, wlen);
    free(v);
    return same;
}

static void test_requests(void)
{
    static char big[MICA_STORE_QUOTA_VALUE + 2];
    struct msg r;
    uint32_t tx;
    int rc;

    rc = req2(MICA_STORE_WRITE, 0, "ringtest", "hello", NULL);
    if (!rc && dom0_reads("ringtest", "hello", 5))
        ok("the domain writes a relative path over its ring; dom0 reads it");
    else
        bad("a write over the ring", "%s", strerror(-rc));
    rc = req2(MICA_STORE_READ, 0, "ringtest", NULL, &r);
    if (!rc && r.h.len == 5 && !memcmp(r.data, "hello", 5))
        ok("and reads it back");
    else
        bad("a read over the ring", "%s", strerror(-rc));
    rc = req2(MICA_STORE_READ, 0, "/local", NULL, NULL);
    rc == -EACCES ? ok("it may not read dom0's /local (EACCES)") :
                    bad("permissions over the ring", "read of /local: %d", rc);
    rc = req2(MICA_STORE_WRITE, 0, "/local/domain/0/x", "evil", NULL);
    rc == -EACCES ? ok("nor write outside its directory (EACCES)") :
                    bad("permissions over the ring", "write outside its directory: %d", rc);
    memset(big, 'x', MICA_STORE_QUOTA_VALUE);
    rc = req2(MICA_STORE_WRITE, 0, "big", big, NULL);
    if (!rc && dom0_reads("big", big, MICA_STORE_QUOTA_VALUE))
        ok("a %u-byte value, twice the ring, goes through it", MICA_STORE_QUOTA_VALUE);
    else
        bad("a value larger than the ring", "%s", strerror(-rc));
    big[MICA_STORE_QUOTA_VALUE] = 'x';
    rc = req2(MICA_STORE_WRITE, 0, "big", big, NULL);
    rc == -EDQUOT ? ok("a value past its quota is refused (EDQUOT)") :
                    bad("the value quota over the ring", "%d", rc);
    events[0] = '\0';
    rc = req2(MICA_STORE_WATCH, 0, "ringtest", "tk", NULL);
    mica_store_write(st, 0, "/local/domain/0/unrelated", "1", 1);
    {
        char path[64];

        snprintf(path, sizeof(path), "/local/domain/%u/ringtest", domid);
        mica_store_write(st, 0, path, "by dom0", 7);
    }
    req2(MICA_STORE_READ, 0, "ringtest", NULL, NULL);
    if (!rc && !strcmp(events, "ringtest tk\nringtest tk\n"))
        ok("its watch fires at once and when dom0 changes the node, with relative paths");
    else
        bad("a watch over the ring", "rc %d, events '%s'", rc, one_line(events));
    rc = req(MICA_STORE_TRANSACTION_START, 0, "", 1, &r);
    tx = rc ? 0 : (uint32_t)strtoul(r.data, NULL, 10);
    if (!rc)
        rc = req2(MICA_STORE_WRITE, tx, "txnode", "in tx", NULL);
    if (!rc)
        rc = req(MICA_STORE_TRANSACTION_END, tx, "T", 2, NULL);
    !rc && dom0_reads("txnode", "in tx", 5) ? ok("a transaction over the ring commits") :
                                              bad("a transaction over the ring", "%d", rc);
    rc = req(77, 0, "", 0, NULL);
    rc == -ENOSYS && !req2(MICA_STORE_READ, 0, "ringtest", NULL, NULL)
        ? ok("an unknown type gets ENOSYS and the ring goes on")
        : bad("an unknown type over the ring", "%d", rc);
}

/* After a hostile act: the domain's ring is no longer served, dom0's socket is. */
static void expect_dropped(const char *what)
{
    char *v;
    size_t len;
    int rc;

    usleep(300000);
    nudge();
    rc = mica_store_read(st, 0, "/local", &v, &len);
    if (!rc)
        free(v);
    if (rc)
        bad(what, "dom0's socket is not served any more: %s", strerror(-rc));
    else
        ok("%s: the domain is dropped, dom0 is still served", what);
}

/*
 * Drop the domain's connection (RELEASE: its nodes become dom0's), zero its
 * ring, introduce it again (its directory given back) and write over it.
 */
static bool reconnect(void)
{
    static unsigned int n;
    char node[16];
    int rc = mica_store_release(st, domid);

    snprintf(node, sizeof(node), "again%u", ++n);        /* a new node: the old ones are dom0's */
    memset((void *)ring, 0, 4096);
    if (rc || (rc = introduce()) || (rc = req2(MICA_STORE_WRITE, 0, node, "1", NULL))) {
        bad("released and introduced again", "%s", strerror(-rc));
        return false;
    }
    return true;
}

static void test_hostile(void)
{
    struct mica_store_msg h = { MICA_STORE_READ, 1, 0, MICA_STORE_PAYLOAD_MAX + 100 };
    uint32_t prod;

    prod = ring->req_prod;
    __atomic_store_n(&ring->req_prod, prod + 5000, __ATOMIC_RELEASE);
    expect_dropped("a request producer 5000 bytes ahead");
    if (!reconnect())
        return;
    ok("released and introduced again, the ring is served");
    ring_put(&h, sizeof(h));
    expect_dropped("a header announcing 4196 bytes");
    if (!reconnect())
        return;
    __atomic_store_n(&ring->rsp_cons, ring->rsp_prod + 3000, __ATOMIC_RELEASE);
    ring_put(&(struct mica_store_msg){ MICA_STORE_READ, 2, 0, 0 }, 16);
    expect_dropped("a response consumer outside the ring");
    if (reconnect())
        ok("and once more");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* A random request: a real type, random arguments, sometimes random bytes or a bad length. */
static uint32_t fuzz_msg(char *buf)
{
    static const char *const args[] = { "a", "/local", "x/y/z", "//", "@releaseDomain", "T",
                                        "b0", "n7", "", "../x", "1", "9999999999" };
    struct mica_store_msg h = { rnd() % (MICA_STORE_TYPE_NR + 2), rnd(), rnd() % 4 ? 0 : rnd() % 5,
                                0 };
    uint32_t len = 0, n = rnd() % 4;

    for (uint32_t i = 0; i < n; i++) {
        const char *a = args[rnd() % (sizeof(args) / sizeof(args[0]))];

        memcpy(buf + 16 + len, a, strlen(a) + 1);
        len += (uint32_t)strlen(a) + 1;
    }
    if (rnd() % 5 == 0)
        for (uint32_t i = rnd() % 300; i; i--)
            buf[16 + len++] = (char)rnd();
    h.len = len;
    if (rnd() % 200 == 0)
        h.len = MICA_STORE_PAYLOAD_MAX + rnd() % 100000;   /* overlong: dropped */
    memcpy(buf, &h, sizeof(h));
    return 16 + len;
}

/*
 * FUZZ_MSGS random requests on the ring, the replies read (and thrown away)
 * as they come; a dropped domain is introduced again. Then dom0 is still
 * served, and so is the domain after one more introduction.
 */
static void test_fuzz(unsigned int msgs)
{
    static char buf[16 + MICA_STORE_PAYLOAD_MAX + 400];
    unsigned int drops = 0;
    char *v;
    size_t len;
    int rc;

    for (unsigned int i = 0; i < msgs; i++) {
        uint32_t n = fuzz_msg(buf), prod, cons;

        if (!ring_put(buf, n) || (i % 16) == 15) {
            usleep(20000);
            nudge();
            if (!ring_put("", 0) || ring->req_prod != __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE)) {
                drops++;                /* not consumed: dropped */
                if (!reconnect())
                    return;
            }
        }
        prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        cons = ring->rsp_cons;
        if (prod - cons <= MICA_STORE_RING_SIZE)
            __atomic_store_n(&ring->rsp_cons, prod, __ATOMIC_RELEASE);  /* read, thrown away */
    }
    rc = mica_store_read(st, 0, "/local", &v, &len);
    if (!rc)
        free(v);
    if (rc)
        bad("fuzz over the ring", "dom0 is not served any more: %s", strerror(-rc));
    else if (reconnect())
        ok("fuzz: %u random requests over the ring (dropped and introduced again %u times): "
           "dom0 and the domain are served after", msgs, drops);
}

/* The daemon restarted: the ring is served again and its watch is back (it fires once). */
static void test_restart(const char *cmd)
{
    int rc;

    if (!cmd) {
        ok("(STORED_RESTART not set: restart not tested here)");
        return;
    }
    req2(MICA_STORE_WRITE, 0, "restart", "before", NULL);
    req2(MICA_STORE_WATCH, 0, "restart", "again", NULL);
    req2(MICA_STORE_READ, 0, "restart", NULL, NULL);        /* its first event, after the reply */
    mica_store_close(st);
    rc = system(cmd);
    if (rc || mica_store_open(&st)) {
        bad("micastored restarted with a domain connected", "'%s': %d", cmd, rc);
        exit(1);
    }
    events[0] = '\0';
    rc = req2(MICA_STORE_WRITE, 0, "restart", "after", NULL);
    req2(MICA_STORE_READ, 0, "restart", NULL, NULL);       /* the event after the reply */
    if (!rc && dom0_reads("restart", "after", 5) && !strcmp(events, "restart again\nrestart again\n"))
        ok("after a restart the ring is served again, its watch fired once and on the change");
    else
        bad("the ring after a restart", "rc %d, events '%s'", rc, one_line(events));
}

static void test_destroy(void)
{
    char *path, *token;
    bool released = false;
    uint64_t end;

    mica_store_watch(st, "@releaseDomain", "rel");
    if (mica_store_read_watch(st, WAIT_MS, &path, &token) == 0) {    /* the one at once */
        free(path);
        free(token);
    }
    mica_domain_destroy(ctx, domid);
    end = now_ms() + 10000;
    while (!released && now_ms() < end)
        if (mica_store_read_watch(st, 1000, &path, &token) == 0) {
            released = !strcmp(path, "@releaseDomain");
            free(path);
            free(token);
        }
    released ? ok("destroying the domain releases it (@releaseDomain)")
             : bad("destroying the domain", "no @releaseDomain within 10 s");
}

int main(int argc, char **argv)
{
    struct mica_domain_config *c;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: mica-storering DOMAIN.xml\n");
        return 2;
    }
    if ((rc = mica_open(&ctx)) || (rc = mica_store_open(&st)) ||
        (rc = mica_config_parse_file(ctx, argv[1], &c)) ||
        (rc = mica_domain_create(ctx, c, MICA_CREATE_PAUSED, &domid))) {
        bad("setup", "%s: %s", mica_last_error(ctx), strerror(-rc));
        return 1;
    }
    mica_config_free(c);
    if ((rc = setup_ring()) || (rc = introduce())) {
        bad("introducing a paused domain", "gfn %#llx port %u: %s", (unsigned long long)gfn, port,
            strerror(-rc));
        mica_domain_destroy(ctx, domid);
        return 1;
    }
    ok("domain %u introduced (ring gfn %#llx, port %u)", domid, (unsigned long long)gfn, port);
    test_requests();
    test_hostile();
    test_fuzz(getenv("FUZZ_MSGS") ? (unsigned int)atoi(getenv("FUZZ_MSGS")) : 2000);
    test_restart(getenv("STORED_RESTART"));
    test_destroy();
    mica_foreign_unmap((void *)ring);
    mica_store_close(st);
    mica_close(ctx);
    return fails ? 1 : 0;
}
