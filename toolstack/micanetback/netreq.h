/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micanetback's checks of what a frontend puts on its rings, and the
 * checksum it completes: pure functions over copies, no I/O (the host
 * unit test tests/unit/test_netback.c runs them as they are).
 */
#ifndef MICANETBACK_NETREQ_H
#define MICANETBACK_NETREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/io/netif.h>

#define NB_PAGE_SIZE 4096u
#define NB_ETH_HLEN  14u

/* Why a TX packet was refused (counted per device, named in the log). */
enum nb_tx_err {
    NB_TX_OK = 0,
    NB_TX_TOO_MANY_FRAGS,      /* more than MICA_NETIF_MAX_FRAGS requests */
    NB_TX_FRAG_CROSSES_PAGE,   /* offset + size > 4096 */
    NB_TX_BAD_SIZE,            /* a size of 0, or sizes that do not add up */
    NB_TX_TOO_SHORT,           /* under an Ethernet header */
    NB_TX_BAD_FLAGS,           /* bits netif.h does not define */
    NB_TX_BAD_GREF,            /* a grant the hypervisor would not copy */
    NB_TX_BAD_CSUM,            /* CSUM_BLANK on what is not TCP/UDP over IP */
    NB_TX_NR_ERRS,
};

const char *nb_tx_err_name(enum nb_tx_err e);

/* One TX packet: its requests copied out of the ring, and their verdict. */
struct nb_tx_packet {
    struct mica_netif_tx_req req[MICA_NETIF_MAX_FRAGS];
    uint16_t frag_size[MICA_NETIF_MAX_FRAGS];  /* bytes of each fragment */
    unsigned int nr;           /* requests taken (each gets a response) */
    unsigned int len;          /* the packet's bytes (req[0].size) */
    enum nb_tx_err err;
    bool tail_follows;         /* err: the packet goes on past req[nr-1] */
};

/*
 * Take the next packet of requests reqs[0..avail) (copies, in ring order).
 * dropping: the previous packet was cut off at MICA_NETIF_MAX_FRAGS and its
 * tail is being answered with errors. Returns the requests taken (> 0),
 * or 0 when the packet is not all on the ring yet (wait for more).
 */
unsigned int nb_tx_take(const struct mica_netif_tx_req *reqs, unsigned int avail,
                        bool dropping, struct nb_tx_packet *pkt);

/* RX: the posted pages a packet of len bytes takes (each holds 4096). */
static inline unsigned int nb_rx_slots(size_t len)
{
    return (unsigned int)((len + NB_PAGE_SIZE - 1) / NB_PAGE_SIZE);
}

/*
 * Complete the TCP or UDP checksum of an Ethernet frame (IPv4 or IPv6,
 * optionally one VLAN tag) whose checksum field is blank or partial.
 * 0, or -EINVAL when it is not TCP/UDP over IP or is truncated.
 */
int nb_csum_complete(uint8_t *frame, size_t len);

#endif
