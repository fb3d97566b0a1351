/* SPDX-License-Identifier: MIT */
/*
 * The PV network protocol (the model of Xen's io/netif.h). docs/pvio.md is
 * the reference. Two rings per queue: TX (guest -> backend) and RX
 * (backend -> guest), each one granted page, one event channel for both.
 *
 * Store keys, backend directory (before InitWait): feature-sg "1",
 * feature-gso-tcpv4 "0|1", feature-rx-copy "1" (the only RX mode),
 * feature-no-csum-offload "0|1", mac "aa:bb:cc:dd:ee:ff".
 * Frontend directory (before Connected): tx-ring-ref, rx-ring-ref,
 * event-channel, request-rx-copy "1", feature-sg, feature-no-csum-offload,
 * mac (what the guest uses: the backend's key echoed).
 *
 * TX: a packet is one or more requests; every request but the last has
 * MICA_NETTXF_MORE_DATA; the first's size is the whole packet's length,
 * the others' their own fragment. Each fragment lies in one page (offset +
 * size <= 4096). Every request gets a response with its id.
 * RX: the guest posts empty granted pages (id, gref); the backend copies a
 * packet into one or more of them and answers each with offset, flags and
 * status = bytes written (or a negative MICA_NETIF_RSP_*); all but the last
 * of a packet carry MICA_NETRXF_MORE_DATA.
 *
 * Backend checks: a fragment crossing its page, a packet over 64 KiB or
 * with more than MICA_NETIF_MAX_FRAGS fragments, a size that does not add
 * up, a grant it cannot copy: the packet is dropped and each of its
 * requests answered MICA_NETIF_RSP_ERROR. A ring overflow disconnects.
 */
#ifndef MICA_PUBLIC_IO_NETIF_H
#define MICA_PUBLIC_IO_NETIF_H

#include "ring.h"

#define MICA_NETIF_MAX_FRAGS  18     /* requests per packet */
#define MICA_NETIF_MAX_PACKET 65535

#define MICA_NETTXF_CSUM_BLANK     0x1   /* checksum not computed yet: backend completes it */
#define MICA_NETTXF_DATA_VALIDATED 0x2   /* checksum known good */
#define MICA_NETTXF_MORE_DATA      0x4

struct mica_netif_tx_req {       /* 12 bytes */
    uint32_t gref;
    uint16_t offset;
    uint16_t flags;              /* MICA_NETTXF_* */
    uint16_t id;
    uint16_t size;
};

struct mica_netif_tx_rsp {       /* 4 bytes */
    uint16_t id;
    int16_t  status;             /* MICA_NETIF_RSP_* */
};

struct mica_netif_rx_req {       /* 8 bytes */
    uint16_t id;
    uint16_t pad;
    uint32_t gref;
};

#define MICA_NETRXF_DATA_VALIDATED 0x1
#define MICA_NETRXF_CSUM_BLANK     0x2
#define MICA_NETRXF_MORE_DATA      0x4

struct mica_netif_rx_rsp {       /* 8 bytes */
    uint16_t id;
    uint16_t offset;
    uint16_t flags;              /* MICA_NETRXF_* */
    int16_t  status;             /* bytes (> 0) or MICA_NETIF_RSP_* */
};

#define MICA_NETIF_RSP_DROPPED  (-2)
#define MICA_NETIF_RSP_ERROR    (-1)
#define MICA_NETIF_RSP_OKAY     0

MICA_RING_DEFINE(mica_netif_tx, struct mica_netif_tx_req, struct mica_netif_tx_rsp);
MICA_RING_DEFINE(mica_netif_rx, struct mica_netif_rx_req, struct mica_netif_rx_rsp);

#endif
