// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-blkhostile: a block frontend in dom0 itself (docs/pvio.md, block),
 * good and hostile, against micablkback over a loopback: dom0 grants its
 * own pages to itself and binds an event channel to itself; the store
 * nodes are the ones the toolstack writes for a domU's disk, backed by a
 * sparse image file. It writes, flushes and reads back through the ring
 * (and checks the bytes in the image file itself), then puts malformed
 * requests on the ring: each must be answered with the status blkif.h
 * names, with its id, while a good request after them still works; last,
 * a producer far ahead must get the device closed, and every grant of the
 * backend's must be unmapped. dom0/tests/pvblk.sh runs it beside a domU.
 *
 *   mica-blkhostile [DEVID]      (the image in $BLKHOSTILE_DIR, else /tmp)
 *
 * Prints "MICA-CHECK PASS blkhostile: what" / "MICA-CHECK FAIL ...";
 * exits non-zero when a check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <public/io/blkif.h>
#include <public/io/bus.h>

#include "pvloop.h"

#define PAGE PVL_PAGE
#define RING_PAGE 0u
#define DATA_PAGE 1u                /* 4 data pages, then one indirect page */
#define NDATA 4u
#define IND_PAGE (DATA_PAGE + 2 * NDATA)
#define NPAGES (IND_PAGE + 1)
#define DISK_SECTORS 8192u          /* 4 MiB */

static struct pvl_loop lp;
static unsigned int devid = 51952;  /* xvdp: out of the way of a domU's disks */
static char be[96], fe[96], image[160];
static uint32_t *refs;
static uint8_t *pages;
static struct mica_blkif_front ring;
static uint64_t next_id = 1;

/* dom0's loopback (tests/pvlib): the pages, the ring on the first. */
static int loopback_setup(void)
{
    int rc = pvl_loopback(&lp, NPAGES, 1);

    if (rc)
        return rc;
    refs = lp.refs;
    pages = lp.pages;
    MICA_RING_SHARED_INIT((struct mica_blkif_sring *)pages);
    MICA_RING_FRONT_INIT(&ring, (struct mica_blkif_sring *)pages, PAGE);
    return 0;
}

/* A sparse image file and the nodes the toolstack writes for a disk. */
static int toolstack_nodes(void)
{
    int fd;

    const char *dir = getenv("BLKHOSTILE_DIR");

    snprintf(image, sizeof(image), "%s/blkhostile-%u.img", dir ? dir : "/tmp", devid);
    fd = open(image, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)DISK_SECTORS * 512) < 0)
        return -errno;
    close(fd);
    snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/0/%u", devid);
    snprintf(fe, sizeof(fe), "/local/domain/0/device/vbd/%u", devid);
    return pvl_put(fe, "backend", "%s", be) ?: pvl_put(fe, "backend-id", "0") ?:
           pvl_put(fe, "state", "%d", MICA_BUS_INITIALISING) ?: pvl_put(be, "frontend", "%s", fe) ?:
           pvl_put(be, "frontend-id", "0") ?: pvl_put(be, "params", "%s", image) ?:
           pvl_put(be, "mode", "w") ?: pvl_put(be, "online", "1") ?:
           pvl_put(be, "state", "%d", MICA_BUS_INITIALISING);
}

static void features(void)
{
    pvl_result(pvl_get_num(be, "sectors") == DISK_SECTORS, "sectors", "backend says %ld, want %u",
           pvl_get_num(be, "sectors"), DISK_SECTORS);
    pvl_result(pvl_get_num(be, "sector-size") == 512 && pvl_get_num(be, "feature-flush-cache") == 1 &&
           pvl_get_num(be, "feature-discard") == 1 && pvl_get_num(be, "info") == 0,
           "feature keys", "sector-size %ld flush %ld discard %ld info %ld",
           pvl_get_num(be, "sector-size"), pvl_get_num(be, "feature-flush-cache"),
           pvl_get_num(be, "feature-discard"), pvl_get_num(be, "info"));
    pvl_result(pvl_get_num(be, "feature-max-indirect-segments") >= 16 &&
           pvl_get_num(be, "multi-queue-max-queues") >= 1, "indirect and queue limits",
           "max indirect %ld, max queues %ld", pvl_get_num(be, "feature-max-indirect-segments"),
           pvl_get_num(be, "multi-queue-max-queues"));
}

static int connect_ring(void)
{
    return pvl_put(fe, "ring-ref", "%u", refs[RING_PAGE]) ?:
           pvl_put(fe, "event-channel", "%u", lp.port) ?: pvl_put(fe, "protocol", "x86_64-abi") ?:
           pvl_put(fe, "state", "%d", MICA_BUS_INITIALISED);
}

/* Wait until n responses are waiting (or PVL_WAIT_MS): the number waiting. */
static unsigned int wait_rsps(unsigned int n)
{
    struct pollfd p = { .fd = lp.evfd, .events = POLLIN };
    uint32_t fired;

    for (int ms = 0; ms < PVL_WAIT_MS && MICA_RING_HAS_RSPS(&ring) < n; ms += 20) {
        if (poll(&p, 1, 20) > 0 && read(lp.evfd, &fired, sizeof(fired)) == sizeof(fired))
            if (write(lp.evfd, &fired, sizeof(fired)) != sizeof(fired))
                break;
    }
    return MICA_RING_HAS_RSPS(&ring);
}

/* Post the n requests; 0 when each came back with want[i] and its id. */
static int post(union mica_blkif_req *r, unsigned int n, const int16_t *want, char *why,
                size_t why_len)
{
    unsigned int i, got;
    int notify_needed, bad = 0;

    for (i = 0; i < n; i++) {
        r[i].rw.id = next_id++;
        *MICA_RING_REQ_SLOT(&ring, ring.req_prod_pvt++) = r[i];
    }
    MICA_RING_PUSH_REQS_NOTIFY(&ring, notify_needed);
    (void)notify_needed;
    pvl_notify(&lp);
    got = wait_rsps(n);
    if (got < n) {
        snprintf(why, why_len, "%u of %u responses after %d ms", got, n, PVL_WAIT_MS);
        return -1;
    }
    mica_ring_rmb();
    for (i = 0; i < n; i++) {
        struct mica_blkif_rsp rsp = *MICA_RING_RSP_SLOT(&ring, ring.rsp_cons++);

        if (rsp.id != r[i].rw.id || rsp.status != want[i]) {
            if (!bad)
                snprintf(why, why_len, "request %u: id %llu status %d, want id %llu status %d",
                         i, (unsigned long long)rsp.id, rsp.status,
                         (unsigned long long)r[i].rw.id, want[i]);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static union mica_blkif_req rw(uint8_t op, uint64_t sector, unsigned int first_page, unsigned int n)
{
    union mica_blkif_req r;

    memset(&r, 0, sizeof(r));
    r.rw.operation = op;
    r.rw.nr_segments = (uint8_t)n;
    r.rw.handle = (uint16_t)devid;
    r.rw.sector_number = sector;
    for (unsigned int i = 0; i < n && i < MICA_BLKIF_MAX_SEGMENTS; i++)
        r.rw.seg[i] = (struct mica_blkif_seg){ .gref = refs[first_page + i], .last_sect = 7 };
    return r;
}

static void check_one(const char *what, union mica_blkif_req r, int16_t want)
{
    char why[160] = "";

    pvl_result(post(&r, 1, &want, why, sizeof(why)) == 0, what, "%s", why);
}

static void fill(unsigned int page, unsigned int n, uint8_t seed)
{
    for (unsigned int i = 0; i < n * PAGE; i++)
        pages[page * PAGE + i] = (uint8_t)(seed + i * 7 + i / 4096);
}

/* The image file holds what pages [page, page + n) hold, at sector. */
static int image_has(uint64_t sector, unsigned int page, unsigned int n)
{
    static uint8_t buf[NDATA * PAGE];
    int fd = open(image, O_RDONLY);
    ssize_t got = fd < 0 ? -1 : pread(fd, buf, n * PAGE, (off_t)(sector * 512));

    if (fd >= 0)
        close(fd);
    return got == (ssize_t)(n * PAGE) && !memcmp(buf, pages + page * PAGE, n * PAGE);
}

static void good_io(void)
{
    const unsigned int rd = DATA_PAGE + NDATA;
    union mica_blkif_req r;
    struct mica_blkif_seg *ind = (struct mica_blkif_seg *)(pages + IND_PAGE * PAGE);

    fill(DATA_PAGE, NDATA, 0x31);
    r = rw(MICA_BLKIF_OP_WRITE, 64, DATA_PAGE, NDATA);
    r.rw.flags = MICA_BLKIF_F_FUA;
    check_one("FUA write of 4 pages", r, MICA_BLKIF_RSP_OKAY);
    pvl_result(image_has(64, DATA_PAGE, NDATA), "the image file holds the write", "bytes differ");
    check_one("flush", rw(MICA_BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0), MICA_BLKIF_RSP_OKAY);
    memset(pages + rd * PAGE, 0, NDATA * PAGE);
    check_one("read of 4 pages", rw(MICA_BLKIF_OP_READ, 64, rd, NDATA), MICA_BLKIF_RSP_OKAY);
    pvl_result(!memcmp(pages + DATA_PAGE * PAGE, pages + rd * PAGE, NDATA * PAGE),
           "the read returns the write", "bytes differ");
    /* Indirect: the same pages, sectors 2..5 of each, at sector 1000. */
    fill(DATA_PAGE, NDATA, 0x77);
    memset(&r, 0, sizeof(r));
    r.indirect.operation = MICA_BLKIF_OP_INDIRECT;
    r.indirect.indirect_op = MICA_BLKIF_OP_WRITE;
    r.indirect.nr_segments = NDATA;
    r.indirect.sector_number = 1000;
    r.indirect.indirect_grefs[0] = refs[IND_PAGE];
    for (unsigned int i = 0; i < NDATA; i++)
        ind[i] = (struct mica_blkif_seg){ .gref = refs[DATA_PAGE + i], .first_sect = 2,
                                          .last_sect = 5 };
    check_one("indirect write of 4 segments", r, MICA_BLKIF_RSP_OKAY);
    {
        static uint8_t buf[NDATA * 2048];
        int fd = open(image, O_RDONLY), same = fd >= 0;

        same = same && pread(fd, buf, sizeof(buf), 1000 * 512) == (ssize_t)sizeof(buf);
        for (unsigned int i = 0; same && i < NDATA; i++)
            same = !memcmp(buf + i * 2048, pages + (DATA_PAGE + i) * PAGE + 1024, 2048);
        if (fd >= 0)
            close(fd);
        pvl_result(same, "the image file holds the indirect write", "bytes differ");
    }
    memset(&r, 0, sizeof(r));
    r.discard.operation = MICA_BLKIF_OP_DISCARD;
    r.discard.sector_number = 64;
    r.discard.nr_sectors = 8 * NDATA;
    check_one("discard", r, MICA_BLKIF_RSP_OKAY);
    memset(pages + DATA_PAGE * PAGE, 0, NDATA * PAGE);
    pvl_result(image_has(64, DATA_PAGE, NDATA), "discarded sectors read as zeros", "bytes differ");
}

struct bad_case {
    const char *what;
    union mica_blkif_req r;
    int16_t want;
};

static unsigned int bad_cases(struct bad_case *c)
{
    unsigned int n = 0;

    c[n] = (struct bad_case){ "unknown operation 99", rw(99, 0, DATA_PAGE, 1),
                              MICA_BLKIF_RSP_EOPNOTSUPP };
    c[n + 1] = (struct bad_case){ "write barrier (not offered)",
                                  rw(MICA_BLKIF_OP_WRITE_BARRIER, 0, DATA_PAGE, 1),
                                  MICA_BLKIF_RSP_EOPNOTSUPP };
    c[n + 2] = (struct bad_case){ "read of 0 segments", rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 0),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 3] = (struct bad_case){ "read of 12 segments", rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 4),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 3].r.rw.nr_segments = 12;
    c[n + 4] = (struct bad_case){ "first_sect > last_sect", rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 1),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 4].r.rw.seg[0].first_sect = 6;
    c[n + 4].r.rw.seg[0].last_sect = 2;
    c[n + 5] = (struct bad_case){ "last_sect 8", rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 1),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 5].r.rw.seg[0].last_sect = 8;
    c[n + 6] = (struct bad_case){ "read past the disk's end",
                                  rw(MICA_BLKIF_OP_READ, DISK_SECTORS - 4, DATA_PAGE, 1),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 7] = (struct bad_case){ "sector range wrapping 2^64",
                                  rw(MICA_BLKIF_OP_WRITE, ~0ull - 2, DATA_PAGE, 1),
                                  MICA_BLKIF_RSP_ERROR };
    c[n + 8] = (struct bad_case){ "a grant reference never granted",
                                  rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 1), MICA_BLKIF_RSP_ERROR };
    c[n + 8].r.rw.seg[0].gref = 0xfffff;
    c[n + 9] = (struct bad_case){ "a bad grant among good ones",
                                  rw(MICA_BLKIF_OP_WRITE, 0, DATA_PAGE, 3), MICA_BLKIF_RSP_ERROR };
    c[n + 9].r.rw.seg[1].gref = 0x7ffffff0;
    c[n + 10] = (struct bad_case){ "indirect with a bad indirect page",
                                   rw(MICA_BLKIF_OP_READ, 0, DATA_PAGE, 1), MICA_BLKIF_RSP_ERROR };
    memset(&c[n + 10].r, 0, sizeof(c[n + 10].r));
    c[n + 10].r.indirect.operation = MICA_BLKIF_OP_INDIRECT;
    c[n + 10].r.indirect.indirect_op = MICA_BLKIF_OP_READ;
    c[n + 10].r.indirect.nr_segments = 2;
    c[n + 10].r.indirect.indirect_grefs[0] = 0xfffff;
    c[n + 11] = c[n + 10];
    c[n + 11].what = "indirect of 4096 segments";
    c[n + 11].r.indirect.nr_segments = 4096;
    c[n + 11].r.indirect.indirect_grefs[0] = refs[IND_PAGE];
    c[n + 12] = c[n + 11];
    c[n + 12].what = "indirect discard";
    c[n + 12].r.indirect.nr_segments = 1;
    c[n + 12].r.indirect.indirect_op = MICA_BLKIF_OP_DISCARD;
    c[n + 13] = (struct bad_case){ "flush with segments",
                                   rw(MICA_BLKIF_OP_FLUSH_DISKCACHE, 0, DATA_PAGE, 1),
                                   MICA_BLKIF_RSP_ERROR };
    memset(&c[n + 14].r, 0, sizeof(c[n + 14].r));
    c[n + 14].what = "discard past the end";
    c[n + 14].r.discard.operation = MICA_BLKIF_OP_DISCARD;
    c[n + 14].r.discard.sector_number = DISK_SECTORS - 8;
    c[n + 14].r.discard.nr_sectors = 16;
    c[n + 14].want = MICA_BLKIF_RSP_ERROR;
    return n + 15;
}

/* Each malformed request refused with its status and id; a good one after them works. */
static void hostile(void)
{
    static struct bad_case c[16];
    unsigned int n = bad_cases(c);
    char why[160];

    for (unsigned int i = 0; i < n; i++) {
        why[0] = 0;
        pvl_result(post(&c[i].r, 1, &c[i].want, why, sizeof(why)) == 0, c[i].what, "%s", why);
    }
    fill(DATA_PAGE, 1, 0x5a);
    check_one("a good write after them", rw(MICA_BLKIF_OP_WRITE, 8, DATA_PAGE, 1),
              MICA_BLKIF_RSP_OKAY);
    pvl_result(image_has(8, DATA_PAGE, 1), "the image file holds it", "bytes differ");
}

/* A producer 1000 ahead: the backend closes the device and lets go of the ring. */
static void overflow(long maps0)
{
    struct mica_blkif_sring *s = (struct mica_blkif_sring *)pages;
    long state, maps = -1;

    MICA_RING_WRITE_ONCE(s->req_prod, ring.req_prod_pvt + 1000);
    pvl_notify(&lp);
    state = pvl_state_wait(be, MICA_BUS_CLOSING);
    pvl_result(state == MICA_BUS_CLOSING, "a producer 1000 ahead closes the device",
           "backend state %ld", state);
    for (int ms = 0; ms < PVL_WAIT_MS; ms += 50) {
        maps = pvl_sysfs_num(PVL_GRANT_MAPS);
        if (maps == maps0)
            break;
        usleep(50 * 1000);
    }
    pvl_result(maps == maps0, "the backend unmapped the ring", "dom0 grant maps %ld, before %ld",
           maps, maps0);
}

static void cleanup(void)
{
    pvl_put(fe, "state", "%d", MICA_BUS_CLOSED);
    mica_store_rm(pvl_store, 0, be);
    mica_store_rm(pvl_store, 0, fe);
    unlink(image);
}

int main(int argc, char **argv)
{
    long maps0;
    int rc;

    if (argc > 1)
        devid = (unsigned int)strtoul(argv[1], NULL, 10);
    rc = pvl_open("blkhostile");
    if (rc) {
        pvl_result(0, "store", "%s", strerror(-rc));
        return 1;
    }
    maps0 = pvl_sysfs_num(PVL_GRANT_MAPS);
    rc = loopback_setup();
    pvl_result(!rc, "loopback grants and port", "%s", strerror(-rc));
    rc = rc ?: toolstack_nodes();
    pvl_result(!rc && pvl_state_wait(be, MICA_BUS_INIT_WAIT) == MICA_BUS_INIT_WAIT,
           "backend reaches InitWait", "rc %d, state %ld", rc, pvl_get_num(be, "state"));
    features();
    rc = connect_ring();
    pvl_result(!rc && pvl_state_wait(be, MICA_BUS_CONNECTED) == MICA_BUS_CONNECTED,
           "backend reaches Connected", "rc %d, state %ld", rc, pvl_get_num(be, "state"));
    if (!pvl_fails()) {
        good_io();
        hostile();
        overflow(maps0);
    }
    cleanup();
    pvl_close();
    return pvl_fails() ? 1 : 0;
}
