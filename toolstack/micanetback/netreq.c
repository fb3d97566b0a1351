// SPDX-License-Identifier: GPL-2.0-only
/*
 * micanetback: the checks of a frontend's TX requests and the checksum it
 * completes for CSUM_BLANK packets (netreq.h). Everything here works on
 * copies the caller took of the shared ring: nothing reads shared memory.
 */
#include <errno.h>
#include <string.h>

#include "netreq.h"

#define TX_FLAGS_KNOWN (MICA_NETTXF_CSUM_BLANK | MICA_NETTXF_DATA_VALIDATED | \
                        MICA_NETTXF_MORE_DATA)

static const char *const tx_err_names[NB_TX_NR_ERRS] = {
    [NB_TX_OK] = "ok",
    [NB_TX_TOO_MANY_FRAGS] = "more than 18 fragments",
    [NB_TX_FRAG_CROSSES_PAGE] = "a fragment crosses its page",
    [NB_TX_BAD_SIZE] = "fragment sizes do not add up",
    [NB_TX_TOO_SHORT] = "shorter than an Ethernet header",
    [NB_TX_BAD_FLAGS] = "unknown flags",
    [NB_TX_BAD_GREF] = "a grant that cannot be copied",
    [NB_TX_BAD_CSUM] = "CSUM_BLANK on a packet that is not TCP/UDP over IP",
};

const char *nb_tx_err_name(enum nb_tx_err e)
{
    return (unsigned int)e < NB_TX_NR_ERRS ? tx_err_names[e] : "?";
}

/* The verdict on a whole packet of pkt->nr requests. */
static enum nb_tx_err tx_check(struct nb_tx_packet *pkt)
{
    unsigned int i, rest = 0;

    for (i = 0; i < pkt->nr; i++)
        if (pkt->req[i].flags & ~TX_FLAGS_KNOWN)
            return NB_TX_BAD_FLAGS;
    for (i = 1; i < pkt->nr; i++) {
        if (pkt->req[i].size == 0)
            return NB_TX_BAD_SIZE;
        pkt->frag_size[i] = pkt->req[i].size;
        rest += pkt->req[i].size;
    }
    pkt->len = pkt->req[0].size;
    if (rest >= pkt->len)
        return NB_TX_BAD_SIZE;
    pkt->frag_size[0] = (uint16_t)(pkt->len - rest);
    for (i = 0; i < pkt->nr; i++)
        if ((unsigned int)pkt->req[i].offset + pkt->frag_size[i] > NB_PAGE_SIZE)
            return NB_TX_FRAG_CROSSES_PAGE;
    if (pkt->len < NB_ETH_HLEN)
        return NB_TX_TOO_SHORT;
    return NB_TX_OK;
}

unsigned int nb_tx_take(const struct mica_netif_tx_req *reqs, unsigned int avail,
                        bool dropping, struct nb_tx_packet *pkt)
{
    unsigned int n = 0, limit = avail < MICA_NETIF_MAX_FRAGS ? avail : MICA_NETIF_MAX_FRAGS;

    pkt->nr = 0;
    pkt->len = 0;
    pkt->err = NB_TX_OK;
    pkt->tail_follows = false;
    while (n < limit && (reqs[n].flags & MICA_NETTXF_MORE_DATA))
        n++;
    if (n == limit) {
        /* No end in sight: wait for it, unless already too long. */
        if (n == 0 || (n < MICA_NETIF_MAX_FRAGS && !dropping))
            return 0;
        pkt->tail_follows = true;
    } else {
        n++;
    }
    memcpy(pkt->req, reqs, n * sizeof(*reqs));
    pkt->nr = n;
    if (dropping || pkt->tail_follows)
        pkt->err = NB_TX_TOO_MANY_FRAGS;
    else
        pkt->err = tx_check(pkt);
    return n;
}

/* ---- checksums ---- */

static unsigned int be16(const uint8_t *p)
{
    return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += be16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Where the transport header starts and the pseudo-header's sum. */
struct l4_info {
    size_t off, len;
    unsigned int proto;
    uint32_t pseudo;
};

static int ipv4_parse(const uint8_t *ip, size_t room, size_t at, struct l4_info *l4)
{
    unsigned int ihl, tot;

    if (room < 20 || (ip[0] >> 4) != 4)
        return -EINVAL;
    ihl = (ip[0] & 0xfu) * 4u;
    tot = be16(ip + 2);
    if (ihl < 20 || tot < ihl || tot > room)
        return -EINVAL;
    if (be16(ip + 6) & 0x3fffu)    /* a fragment: no transport checksum to complete */
        return -EINVAL;
    l4->proto = ip[9];
    l4->off = at + ihl;
    l4->len = tot - ihl;
    l4->pseudo = sum_bytes(0, ip + 12, 8) + l4->proto + (uint32_t)l4->len;
    return 0;
}

static int ipv6_parse(const uint8_t *ip, size_t room, size_t at, struct l4_info *l4)
{
    unsigned int plen;

    if (room < 40 || (ip[0] >> 4) != 6)
        return -EINVAL;
    plen = be16(ip + 4);
    if (40u + plen > room)
        return -EINVAL;
    l4->proto = ip[6];             /* no extension headers */
    l4->off = at + 40;
    l4->len = plen;
    l4->pseudo = sum_bytes(0, ip + 8, 32) + l4->proto + (uint32_t)l4->len;
    return 0;
}

int nb_csum_complete(uint8_t *frame, size_t len)
{
    size_t at = 12, field;
    struct l4_info l4;
    unsigned int type;
    uint16_t csum;
    int rc;

    if (len < NB_ETH_HLEN)
        return -EINVAL;
    type = be16(frame + at);
    if (type == 0x8100) {
        at += 4;
        if (len < at + 2)
            return -EINVAL;
        type = be16(frame + at);
    }
    at += 2;
    if (type == 0x0800)
        rc = ipv4_parse(frame + at, len - at, at, &l4);
    else if (type == 0x86dd)
        rc = ipv6_parse(frame + at, len - at, at, &l4);
    else
        rc = -EINVAL;
    if (rc)
        return rc;
    if (l4.proto == 6 && l4.len >= 20)
        field = l4.off + 16;
    else if (l4.proto == 17 && l4.len >= 8)
        field = l4.off + 6;
    else
        return -EINVAL;
    frame[field] = frame[field + 1] = 0;
    csum = (uint16_t)~fold(sum_bytes(l4.pseudo, frame + l4.off, l4.len));
    if (l4.proto == 17 && csum == 0)
        csum = 0xffff;
    frame[field] = (uint8_t)(csum >> 8);
    frame[field + 1] = (uint8_t)csum;
    return 0;
}
