// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-nethostile: a hostile network frontend in dom0 itself (docs/pvio.md,
 * network). It plays the guest's half of a vif against micanetback over a
 * loopback (dom0 grants its own pages to itself and binds an event channel
 * to itself; the store nodes are the ones the toolstack writes for a
 * domU), then puts malformed TX requests on the ring: each must be
 * answered MICA_NETIF_RSP_ERROR while good packets around them still
 * pass, and a producer far ahead must disconnect the device. Run by
 * dom0/tests/pvnet.sh beside real domUs, which must keep working.
 *
 *   mica-nethostile [DEVID]
 *
 * Prints "MICA-CHECK PASS what" / "MICA-CHECK FAIL what: detail"; exits
 * non-zero when a check failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <public/io/bus.h>
#include <public/io/netif.h>

#include "pvloop.h"

#define PAGE PVL_PAGE
#define NPAGES 4u                   /* tx ring, rx ring, two data pages */

static struct pvl_loop lp;
static unsigned int devid = 9;
static char be[96], fe[96];
static uint32_t *refs;
static uint8_t *pages;
static struct mica_netif_tx_front tx;

static long tap_rx(void)
{
    char p[96];

    snprintf(p, sizeof(p), "/sys/class/net/vif0.%u/statistics/rx_packets", devid);
    return pvl_sysfs_num(p);
}

/* dom0's loopback (tests/pvlib): the TX and RX rings on the first two pages. */
static int loopback_setup(void)
{
    int rc = pvl_loopback(&lp, NPAGES, 0);

    if (rc)
        return rc;
    refs = lp.refs;
    pages = lp.pages;
    MICA_RING_SHARED_INIT((struct mica_netif_tx_sring *)pages);
    MICA_RING_SHARED_INIT((struct mica_netif_rx_sring *)(pages + PAGE));
    MICA_RING_FRONT_INIT(&tx, (struct mica_netif_tx_sring *)pages, PAGE);
    return 0;
}

/* The nodes the toolstack writes for a vif, then the frontend's keys. */
static int handshake(void)
{
    int rc;

    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/0/%u", devid);
    snprintf(fe, sizeof(fe), "/local/domain/0/device/vif/%u", devid);
    rc = pvl_put(fe, "backend", "%s", be) ?: pvl_put(fe, "backend-id", "0") ?:
         pvl_put(fe, "state", "%d", MICA_BUS_INITIALISING) ?: pvl_put(be, "frontend", "%s", fe) ?:
         pvl_put(be, "frontend-id", "0") ?: pvl_put(be, "bridge", "mica0") ?:
         pvl_put(be, "mac", "00:16:3e:4d:ff:%02x", devid & 0xff) ?:
         pvl_put(be, "state", "%d", MICA_BUS_INITIALISING);
    if (rc)
        return rc;
    if (pvl_state_wait(be, MICA_BUS_INIT_WAIT) != MICA_BUS_INIT_WAIT)
        return -ETIMEDOUT;
    return pvl_put(fe, "tx-ring-ref", "%u", refs[0]) ?: pvl_put(fe, "rx-ring-ref", "%u", refs[1]) ?:
           pvl_put(fe, "event-channel", "%u", lp.port) ?: pvl_put(fe, "request-rx-copy", "1") ?:
           pvl_put(fe, "feature-sg", "1") ?: pvl_put(fe, "state", "%d", MICA_BUS_INITIALISED);
}

static struct mica_netif_tx_req req(uint32_t ref, uint16_t off, uint16_t size, uint16_t flags,
                                    uint16_t id)
{
    struct mica_netif_tx_req r = { .gref = ref, .offset = off, .flags = flags, .id = id,
                                   .size = size };
    return r;
}

/*
 * Post n requests, wait for their n responses: how many came back with
 * status want and the right ids (n when all did), or -1 on a timeout.
 */
static int post(const struct mica_netif_tx_req *r, unsigned int n, int16_t want)
{
    unsigned int i, good = 0;
    int ms, notify_needed;

    for (i = 0; i < n; i++)
        *MICA_RING_REQ_SLOT(&tx, tx.req_prod_pvt++) = r[i];
    MICA_RING_PUSH_REQS_NOTIFY(&tx, notify_needed);
    (void)notify_needed;
    pvl_notify(&lp);                       /* always: a test must not depend on the backend's event */
    for (ms = 0; ms < PVL_WAIT_MS && MICA_RING_HAS_RSPS(&tx) < n; ms += 10)
        usleep(10 * 1000);
    if (MICA_RING_HAS_RSPS(&tx) < n)
        return -1;
    mica_ring_rmb();
    for (i = 0; i < n; i++) {
        struct mica_netif_tx_rsp *p = MICA_RING_RSP_SLOT(&tx, tx.rsp_cons++);

        good += p->status == want && p->id == r[i].id;
    }
    return (int)good;
}

/* A broadcast frame of an experimental ethertype in data page 0. */
static void frame(unsigned int len)
{
    uint8_t *f = pages + 2 * PAGE;
    unsigned int i;

    memset(f, 0xff, 6);
    memcpy(f + 6, (uint8_t[]){ 0x00, 0x16, 0x3e, 0x4d, 0xff, (uint8_t)devid }, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (i = 14; i < len; i++)
        f[i] = (uint8_t)i;
}

static void expect(const char *what, const struct mica_netif_tx_req *r, unsigned int n,
                   int16_t want)
{
    int got = post(r, n, want);

    pvl_result(got == (int)n, what, "%d of %u responses with status %d and their ids", got, n, want);
}

static void good_packet(const char *what)
{
    struct mica_netif_tx_req r = req(refs[2], 0, 60, 0, 1);
    long before = tap_rx();

    frame(60);
    expect(what, &r, 1, MICA_NETIF_RSP_OKAY);
    pvl_result(tap_rx() == before + 1, "the good packet reached the tap", "tap rx_packets %ld -> %ld",
           before, tap_rx());
}

static void bad_requests(void)
{
    struct mica_netif_tx_req r[MICA_NETIF_MAX_FRAGS + 1];
    unsigned int i;

    r[0] = req(refs[2], 4000, 200, 0, 2);
    expect("a fragment crossing its page: RSP_ERROR", r, 1, MICA_NETIF_RSP_ERROR);
    r[0] = req(0xfff0, 0, 60, 0, 3);
    expect("a grant reference beyond the table: RSP_ERROR", r, 1, MICA_NETIF_RSP_ERROR);
    r[0] = req(refs[2], 0, 100, MICA_NETTXF_MORE_DATA, 4);
    r[1] = req(refs[3], 0, 300, 0, 5);
    expect("fragment sizes over the packet's: both RSP_ERROR", r, 2, MICA_NETIF_RSP_ERROR);
    r[0] = req(refs[2], 0, 10, 0, 6);
    expect("a packet under an Ethernet header: RSP_ERROR", r, 1, MICA_NETIF_RSP_ERROR);
    r[0] = req(refs[2], 0, 60, 0x40, 7);
    expect("unknown flags: RSP_ERROR", r, 1, MICA_NETIF_RSP_ERROR);
    frame(60);
    r[0] = req(refs[2], 0, 60, MICA_NETTXF_CSUM_BLANK, 8);
    expect("CSUM_BLANK on a frame that is not IP: RSP_ERROR", r, 1, MICA_NETIF_RSP_ERROR);
    for (i = 0; i < MICA_NETIF_MAX_FRAGS + 1; i++)
        r[i] = req(refs[3], 0, 100, i < MICA_NETIF_MAX_FRAGS ? MICA_NETTXF_MORE_DATA : 0,
                   (uint16_t)(10 + i));
    r[0].size = 100 * (MICA_NETIF_MAX_FRAGS + 1);
    expect("19 fragments: all 19 RSP_ERROR", r, MICA_NETIF_MAX_FRAGS + 1, MICA_NETIF_RSP_ERROR);
}

/* A producer far ahead: the backend disconnects the device (Closing). */
static void producer_ahead(void)
{
    long s;

    MICA_RING_WRITE_ONCE(tx.sring->req_prod, tx.req_prod_pvt + 1000);
    pvl_notify(&lp);
    s = pvl_state_wait(be, MICA_BUS_CLOSING);
    pvl_result(s == MICA_BUS_CLOSING, "a producer 1000 ahead disconnects the vif (backend Closing)",
           "backend state %ld", s);
}

static void teardown(long maps0)
{
    char path[160];
    int n;

    pvl_put(fe, "state", "%d", MICA_BUS_CLOSED);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/0");
    mica_store_rm(pvl_store, 0, path);
    mica_store_rm(pvl_store, 0, fe);
    for (n = 0; n < 300 && tap_rx() >= 0; n++)
        usleep(100 * 1000);
    pvl_result(tap_rx() < 0, "the removed vif's tap is gone", "vif0.%u still there", devid);
    pvl_result(pvl_sysfs_num(PVL_GRANT_MAPS) == maps0,
           "the backend unmapped the vif's rings", "dom0 grant maps %ld, before %ld",
           pvl_sysfs_num(PVL_GRANT_MAPS), maps0);
}

int main(int argc, char **argv)
{
    long maps0 = pvl_sysfs_num(PVL_GRANT_MAPS);
    int rc;

    if (argc > 1)
        devid = (unsigned int)strtoul(argv[1], NULL, 10);
    rc = pvl_open("nethostile");
    if (rc) {
        fprintf(stderr, "mica: nethostile: the store: %s\n", strerror(-rc));
        return 1;
    }
    rc = loopback_setup();
    pvl_result(!rc, "a loopback frontend's pages and port", "%s", strerror(-rc));
    if (!rc) {
        rc = handshake();
        pvl_result(!rc && pvl_state_wait(be, MICA_BUS_CONNECTED) == MICA_BUS_CONNECTED,
               "micanetback connects the loopback vif", "rc %d, backend state %ld", rc,
               pvl_get_num(be, "state"));
    }
    if (!rc) {
        good_packet("a good packet: RSP_OKAY");
        bad_requests();
        good_packet("a good packet after the bad ones: RSP_OKAY");
        producer_ahead();
    }
    teardown(maps0);
    pvl_close();
    return pvl_fails() ? 1 : 0;
}
