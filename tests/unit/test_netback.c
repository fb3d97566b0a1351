/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for micanetback's checks of TX requests and its checksum
 * completion (toolstack/micanetback/netreq.c): the hostile-frontend cases
 * of docs/pvio.md (bad sizes, offsets, flags, too many fragments, a
 * producer far ahead) and checksums against values computed apart from
 * this code (Python's ones-complement sum over the same frames).
 */
#include "../../toolstack/micanetback/netreq.h"

#include <errno.h>

#include "check.h"

static struct mica_netif_tx_req req(uint16_t off, uint16_t size, uint16_t flags, uint16_t id)
{
    struct mica_netif_tx_req r = { .gref = 8u + id, .offset = off, .flags = flags,
                                   .id = id, .size = size };
    return r;
}

static void test_good(void)
{
    struct mica_netif_tx_req r[3] = {
        req(100, 3000, MICA_NETTXF_MORE_DATA | MICA_NETTXF_CSUM_BLANK, 1),
        req(0, 1000, MICA_NETTXF_MORE_DATA, 2),
        req(96, 500, 0, 3),
    };
    struct nb_tx_packet p;

    check_u64(nb_tx_take(r, 1, false, &p), 0, "netback: one request of three is not a packet yet");
    check_u64(nb_tx_take(r, 2, false, &p), 0, "netback: two of three are not a packet yet");
    check_u64(nb_tx_take(r, 3, false, &p), 3, "netback: a three-request packet takes three");
    check_u64(p.err, NB_TX_OK, "netback: a good three-fragment packet passes");
    check_u64(p.len, 3000, "netback: its length is the first request's size");
    check_u64(p.frag_size[0], 1500, "netback: the first fragment is the size left over");
    r[0] = req(0, 60, 0, 9);
    check_u64(nb_tx_take(r, 3, false, &p), 1, "netback: a one-request packet takes one");
    check_u64(p.err, NB_TX_OK, "netback: a 60-byte packet passes");
    r[0] = req(4036, 60, 0, 9);
    nb_tx_take(r, 1, false, &p);
    check_u64(p.err, NB_TX_OK, "netback: a fragment ending at the page's end passes");
}

static void expect_err(struct mica_netif_tx_req *r, unsigned int n, enum nb_tx_err want,
                       const char *what)
{
    struct nb_tx_packet p;
    unsigned int took = nb_tx_take(r, n, false, &p);

    check_bool(took == n && p.err == want && p.nr == n, "took == n && err == want",
               "netback: %s refused as '%s' (took %u, got '%s')", what, nb_tx_err_name(want),
               took, nb_tx_err_name(p.err));
}

static void test_bad(void)
{
    struct mica_netif_tx_req r[2];

    r[0] = req(4000, 200, 0, 1);
    expect_err(r, 1, NB_TX_FRAG_CROSSES_PAGE, "a fragment crossing its page");
    r[0] = req(0, 5000, MICA_NETTXF_MORE_DATA, 1);
    r[1] = req(0, 100, 0, 2);
    expect_err(r, 2, NB_TX_FRAG_CROSSES_PAGE, "a first fragment over a page");
    r[0] = req(0, 100, MICA_NETTXF_MORE_DATA, 1);
    r[1] = req(0, 200, 0, 2);
    expect_err(r, 2, NB_TX_BAD_SIZE, "sizes over the packet's length");
    r[1] = req(0, 100, 0, 2);
    expect_err(r, 2, NB_TX_BAD_SIZE, "an empty first fragment");
    r[1] = req(0, 0, 0, 2);
    expect_err(r, 2, NB_TX_BAD_SIZE, "a fragment of 0 bytes");
    r[0] = req(0, 10, 0, 1);
    expect_err(r, 1, NB_TX_TOO_SHORT, "a packet under an Ethernet header");
    r[0] = req(0, 0, 0, 1);
    expect_err(r, 1, NB_TX_BAD_SIZE, "a packet of 0 bytes");
    r[0] = req(0, 100, 0x80, 1);
    expect_err(r, 1, NB_TX_BAD_FLAGS, "unknown flags");
    r[0] = req(0xffff, 0xffff, 0, 1);
    expect_err(r, 1, NB_TX_FRAG_CROSSES_PAGE, "offset and size at their largest");
}

static void test_too_many_frags(void)
{
    struct mica_netif_tx_req r[MICA_NETIF_MAX_FRAGS + 2];
    struct nb_tx_packet p;
    unsigned int i, took;

    for (i = 0; i < MICA_NETIF_MAX_FRAGS + 2; i++)
        r[i] = req(0, 100, i + 1 < MICA_NETIF_MAX_FRAGS + 2 ? MICA_NETTXF_MORE_DATA : 0,
                   (uint16_t)i);
    r[0].size = 3000;
    took = nb_tx_take(r, MICA_NETIF_MAX_FRAGS + 2, false, &p);
    check_bool(took == MICA_NETIF_MAX_FRAGS && p.err == NB_TX_TOO_MANY_FRAGS && p.tail_follows,
               "took 18, too many, tail follows", "netback: 20 fragments: the first 18 refused");
    took = nb_tx_take(r + took, 2, true, &p);
    check_bool(took == 2 && p.err == NB_TX_TOO_MANY_FRAGS && !p.tail_follows,
               "took 2, too many, no tail", "netback: 20 fragments: the tail of 2 refused too");
    took = nb_tx_take(r, 5, true, &p);
    check_bool(took == 5 && p.tail_follows, "took 5 with tail",
               "netback: a tail still being posted is refused as it comes");
    check_u64(nb_tx_take(r, 0, true, &p), 0, "netback: nothing posted, nothing taken");
}

struct mica_netif_tx_sring_page {
    struct mica_netif_tx_sring s;
    union mica_netif_tx_slot slots[MICA_RING_SLOTS(4096, sizeof(union mica_netif_tx_slot))];
};

static void test_overflow(void)
{
    static struct mica_netif_tx_sring_page page;
    struct mica_netif_tx_back b;

    MICA_RING_BACK_INIT(&b, &page.s, 4096);
    check_u64(b.nr_slots, 256, "netback: a TX ring page has 256 slots");
    b.rsp_prod_pvt = b.req_cons = 0xfffffff0u;
    check_bool(!MICA_RING_REQ_OVERFLOW(&b, b.rsp_prod_pvt + 256), "!overflow",
               "netback: a producer a whole ring ahead (across the wrap) is allowed");
    check_bool(MICA_RING_REQ_OVERFLOW(&b, b.rsp_prod_pvt + 257), "overflow",
               "netback: a producer one past a whole ring ahead disconnects");
    check_bool(MICA_RING_REQ_OVERFLOW(&b, b.rsp_prod_pvt + 0x80000000u), "overflow",
               "netback: a producer far ahead disconnects");
    check_bool(MICA_RING_REQ_OVERFLOW(&b, b.rsp_prod_pvt - 1), "overflow",
               "netback: a producer behind the consumer disconnects");
}

/* Ethernet + IPv4 + TCP (payload (i * 7 + 3) & 0xff, 37 bytes), as the Python reference built it. */
static size_t frame_tcp4(uint8_t *f)
{
    static const uint8_t head[] = {
        0x00, 0x16, 0x3e, 0x01, 0x02, 0x03, 0x00, 0x16, 0x3e, 0x04, 0x05, 0x06, 0x08, 0x00,
        0x45, 0x00, 0x00, 0x4d, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0xe6, 0xaa,
        0xa9, 0xfe, 0x00, 0x02, 0xa9, 0xfe, 0x00, 0x01,
        0x9c, 0x40, 0x13, 0x89, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d,
        0x50, 0x18, 0x02, 0x00, 0x12, 0x34, 0x00, 0x00,     /* checksum field: junk */
    };
    size_t i;

    for (i = 0; i < sizeof(head); i++)
        f[i] = head[i];
    for (i = 0; i < 37; i++)
        f[sizeof(head) + i] = (uint8_t)(i * 7 + 3);
    return sizeof(head) + 37;
}

/* Ethernet + IPv6 (fe80::2 -> fe80::1) + UDP 5353 -> 7000, payload (i * 13 + 1), 21 bytes. */
static size_t frame_udp6(uint8_t *f)
{
    static const uint8_t eth[] = {
        0x00, 0x16, 0x3e, 0x01, 0x02, 0x03, 0x00, 0x16, 0x3e, 0x04, 0x05, 0x06, 0x86, 0xdd,
        0x60, 0, 0, 0, 0x00, 29, 17, 64,
    };
    size_t i, n = 0;

    for (i = 0; i < sizeof(eth); i++)
        f[n++] = eth[i];
    for (i = 0; i < 32; i++)
        f[n++] = (i == 0 || i == 16) ? 0xfe : (i == 1 || i == 17) ? 0x80 :
                 i == 15 ? 2 : i == 31 ? 1 : 0;
    f[n++] = 5353 >> 8; f[n++] = 5353 & 0xff; f[n++] = 7000 >> 8; f[n++] = 7000 & 0xff;
    f[n++] = 0; f[n++] = 29; f[n++] = 0xaa; f[n++] = 0xbb;
    for (i = 0; i < 21; i++)
        f[n++] = (uint8_t)(i * 13 + 1);
    return n;
}

static void test_csum(void)
{
    uint8_t f[128];
    size_t n;

    n = frame_tcp4(f);
    check_u64(nb_csum_complete(f, n) == 0 ? (unsigned)(f[50] << 8 | f[51]) : 0, 0xf3a4,
              "netback: TCP over IPv4: the checksum completed matches the reference");
    n = frame_udp6(f);
    check_u64(nb_csum_complete(f, n) == 0 ? (unsigned)(f[60] << 8 | f[61]) : 0, 0x2c4c,
              "netback: UDP over IPv6: the checksum completed matches the reference");
    n = frame_tcp4(f);
    check_i64(nb_csum_complete(f, n - 10), -EINVAL,
              "netback: a frame shorter than its IP length is refused");
    f[20] = 0x20;                   /* more fragments */
    check_i64(nb_csum_complete(f, n), -EINVAL, "netback: an IP fragment is refused");
    n = frame_tcp4(f);
    f[12] = 0x08; f[13] = 0x06;     /* ARP */
    check_i64(nb_csum_complete(f, n), -EINVAL, "netback: a frame that is not IP is refused");
    n = frame_tcp4(f);
    f[23] = 1;                      /* ICMP */
    check_i64(nb_csum_complete(f, n), -EINVAL, "netback: IP that is not TCP/UDP is refused");
    check_i64(nb_csum_complete(f, 13), -EINVAL, "netback: a runt is refused");
}

static void test_rx_slots(void)
{
    check_u64(nb_rx_slots(1), 1, "netback: RX: 1 byte takes one page");
    check_u64(nb_rx_slots(4096), 1, "netback: RX: 4096 bytes take one page");
    check_u64(nb_rx_slots(4097), 2, "netback: RX: 4097 bytes take two");
    check_u64(nb_rx_slots(65535), 16, "netback: RX: the largest packet takes 16");
}

int main(void)
{
    check_area("unit");
    test_good();
    test_bad();
    test_too_many_frags();
    test_overflow();
    test_csum();
    test_rx_slots();
    return check_done();
}
