/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micanetback: dom0's network backend (docs/pvio.md, network). One process
 * serves every vif: a tap device per vif on a Linux bridge, the vif's TX
 * and RX rings mapped through /dev/mica/gntdev, packets moved with
 * GRANT_COPY, one /dev/mica/evtchn file for every vif's event channel.
 */
#ifndef MICANETBACK_H
#define MICANETBACK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <micactl.h>
#include <public/io/bus.h>
#include <public/io/netif.h>

#include "netreq.h"

#define NB_DEFAULT_BRIDGE "mica0"
#define NB_TX_BATCH   16u           /* packets per GRANT_COPY */
#define NB_RX_BATCH   16u
#define NB_PKT_MAX    65536u        /* a packet's buffer (MICA_NETIF_MAX_PACKET rounded) */
#define NB_BUDGET     64u           /* packets per direction before others get a turn */

struct nb_stats {
    uint64_t tx_packets, tx_bytes, tx_errors, tx_errs[NB_TX_NR_ERRS];
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t notify_sent, events;
};

struct vif {
    struct vif *next;
    unsigned int domid, devid;
    char be_path[96];               /* /local/domain/0/backend/vif/D/N */
    char fe_path[96];               /* the frontend's directory (its "frontend" key) */
    char fe_state_path[112];
    char ifname[IFNAMSIZ], bridge[IFNAMSIZ];
    int tap_fd;
    bool seen;                      /* found by the last scan */
    bool watching;                  /* a watch is on fe_state_path */
    enum mica_bus_state state;      /* ours, as last written */

    /* Connected: */
    bool connected;
    int gnt_fd;
    uint32_t port;                  /* local port, bound in the daemon's evtchn file */
    void *tx_page, *rx_page;
    struct mica_netif_tx_back tx;
    struct mica_netif_rx_back rx;
    bool fe_sg, fe_csum;            /* frontend takes RX fragments; checksums may be blank */
    bool tx_dropping;               /* the tail of a packet over 18 fragments */
    bool tx_more, rx_more;          /* work left when the budget ran out */
    bool broken;                    /* a producer past its ring: disconnect */
    uint8_t *tx_buf;                /* NB_TX_BATCH * NB_PKT_MAX, page-aligned */
    uint8_t *rx_buf;                /* NB_RX_BATCH * NB_PKT_MAX */
    size_t rx_pending;              /* a packet read from the tap waiting for slots (rx_buf) */
    struct nb_stats st;
};

/* main.c */
extern int nb_evtchn_fd;
extern int nb_verbose;
void nb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* bridge.c: the bridge, taps, addresses (ioctls on an AF_INET socket). */
int nb_bridge_ensure(const char *name, const char *cidr);
int nb_tap_open(const char *name, const char *bridge);
void nb_tap_close(int fd, const char *name);

/* vif.c: the data path. */
int vif_connect(struct vif *v, uint32_t tx_ref, uint32_t rx_ref, uint32_t remote_port);
void vif_disconnect(struct vif *v);
/* Move packets both ways; returns true when the vif still has work. */
bool vif_work(struct vif *v);
bool vif_wants_tap(const struct vif *v);

/* devices.c: the store side. */
int devices_init(mica_store *s);
void devices_scan(mica_store *s);
void devices_disconnect(mica_store *s, struct vif *v, const char *why);
struct vif *devices_first(void);
void devices_shutdown(mica_store *s);

#endif
