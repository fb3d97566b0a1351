// SPDX-License-Identifier: GPL-2.0-only
/*
 * micanetback: one vif's data path. The two ring pages are mapped through
 * /dev/mica/gntdev (a file per vif: closing it unmaps everything); packet
 * bytes move with GRANT_COPY, so no packet page is ever mapped. Every
 * request is copied out of the shared page before it is looked at
 * (netreq.c checks the copies); a producer more than a ring ahead
 * disconnects the vif. Each call does at most NB_BUDGET packets each way,
 * so one busy vif never starves another.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/gntdev.h>

#include "netback.h"

#define SEGS_PER_TX_PACKET (2u * MICA_NETIF_MAX_FRAGS)  /* a fragment spans <= 2 local pages */
#define BARRIER() __asm__ __volatile__("" ::: "memory")

struct copy_batch {
    struct mica_gntdev_copy_seg seg[MICA_GNTDEV_COPY_MAX];
    unsigned int nseg;
};

static int copy_run(struct vif *v, struct copy_batch *b)
{
    struct mica_ioctl_gntdev_grant_copy op = {
        .count = b->nseg, .segs = (uint64_t)(uintptr_t)b->seg,
    };

    if (!b->nseg)
        return 0;
    return ioctl(v->gnt_fd, MICA_IOCTL_GNTDEV_GRANT_COPY, &op) < 0 ? -errno : 0;
}

static void notify(struct vif *v)
{
    struct mica_ioctl_evtchn_port p = { .port = v->port };

    if (ioctl(nb_evtchn_fd, MICA_IOCTL_EVTCHN_NOTIFY, &p) == 0)
        v->st.notify_sent++;
}

/* ---------------------------------------------------------------- TX */

struct tx_batch {
    struct copy_batch copy;
    struct nb_tx_packet pkt[NB_TX_BATCH];
    unsigned int first_seg[NB_TX_BATCH], nr_segs[NB_TX_BATCH];
    unsigned int npkts;
};

/* The segments copying pkt's fragments to buf (page-aligned). */
static void tx_add_segs(struct vif *v, struct copy_batch *c, const struct nb_tx_packet *pkt,
                        uint8_t *buf)
{
    unsigned int i, pos = 0;

    for (i = 0; i < pkt->nr; i++) {
        unsigned int off = pkt->req[i].offset, left = pkt->frag_size[i];

        while (left) {
            struct mica_gntdev_copy_seg *s = &c->seg[c->nseg++];
            unsigned int room = NB_PAGE_SIZE - pos % NB_PAGE_SIZE;
            unsigned int len = left < room ? left : room;

            memset(s, 0, sizeof(*s));
            s->src.addr_or_ref = pkt->req[i].gref;
            s->src.domid = (uint16_t)v->domid;
            s->src.offset = (uint16_t)off;
            s->dst.addr_or_ref = (uint64_t)(uintptr_t)(buf + pos);
            s->len = (uint16_t)len;
            s->flags = MICA_GNTDEV_COPY_SRC_GREF;
            pos += len;
            off += len;
            left -= len;
        }
    }
}

/*
 * Take whole packets off the TX ring into b. Returns the number of
 * requests left on the ring that make no whole packet yet, or -EPROTO
 * for a producer past the ring.
 */
static int tx_collect(struct vif *v, struct tx_batch *b, unsigned int budget)
{
    struct mica_netif_tx_req reqs[MICA_NETIF_MAX_FRAGS];
    mica_ring_idx_t prod = MICA_RING_REQ_PROD(&v->tx);
    unsigned int avail = 0, i;

    if (MICA_RING_REQ_OVERFLOW(&v->tx, prod))
        return -EPROTO;
    mica_ring_rmb();
    while (b->npkts < budget && b->copy.nseg + SEGS_PER_TX_PACKET <= MICA_GNTDEV_COPY_MAX) {
        struct nb_tx_packet *pkt = &b->pkt[b->npkts];
        unsigned int n;

        avail = prod - v->tx.req_cons;
        if (!avail)
            break;
        if (avail > MICA_NETIF_MAX_FRAGS)
            avail = MICA_NETIF_MAX_FRAGS;
        for (i = 0; i < avail; i++)
            memcpy(&reqs[i], MICA_RING_REQ_SLOT(&v->tx, v->tx.req_cons + i), sizeof(reqs[i]));
        BARRIER();
        n = nb_tx_take(reqs, avail, v->tx_dropping, pkt);
        if (!n)
            return (int)avail;
        v->tx.req_cons += n;
        v->tx_dropping = pkt->tail_follows;
        b->first_seg[b->npkts] = b->copy.nseg;
        if (pkt->err == NB_TX_OK)
            tx_add_segs(v, &b->copy, pkt, v->tx_buf + (size_t)b->npkts * NB_PKT_MAX);
        b->nr_segs[b->npkts] = b->copy.nseg - b->first_seg[b->npkts];
        b->npkts++;
    }
    return 0;
}

static void tx_respond(struct vif *v, const struct nb_tx_packet *pkt)
{
    int16_t status = pkt->err == NB_TX_OK ? MICA_NETIF_RSP_OKAY : MICA_NETIF_RSP_ERROR;
    unsigned int i;

    for (i = 0; i < pkt->nr; i++) {
        struct mica_netif_tx_rsp *r = MICA_RING_RSP_SLOT(&v->tx, v->tx.rsp_prod_pvt);

        r->id = pkt->req[i].id;
        r->status = status;
        v->tx.rsp_prod_pvt++;
    }
    if (pkt->err != NB_TX_OK) {
        v->st.tx_errors++;
        v->st.tx_errs[pkt->err]++;
        if (v->st.tx_errs[pkt->err] == 1 || nb_verbose)
            nb_log("vif%u.%u: TX packet dropped: %s", v->domid, v->devid,
                   nb_tx_err_name(pkt->err));
    }
}

/* Finish packet k of the batch: its verdict, its checksum, the tap. */
static void tx_deliver(struct vif *v, struct tx_batch *b, unsigned int k, int copy_rc)
{
    struct nb_tx_packet *pkt = &b->pkt[k];
    uint8_t *buf = v->tx_buf + (size_t)k * NB_PKT_MAX;
    unsigned int i;

    if (pkt->err == NB_TX_OK) {
        for (i = 0; i < b->nr_segs[k]; i++)
            if (copy_rc || b->copy.seg[b->first_seg[k] + i].status)
                pkt->err = NB_TX_BAD_GREF;
    }
    if (pkt->err == NB_TX_OK && (pkt->req[0].flags & MICA_NETTXF_CSUM_BLANK) &&
        nb_csum_complete(buf, pkt->len))
        pkt->err = NB_TX_BAD_CSUM;
    if (pkt->err == NB_TX_OK) {
        if (write(v->tap_fd, buf, pkt->len) == (ssize_t)pkt->len) {
            v->st.tx_packets++;
            v->st.tx_bytes += pkt->len;
        } else {
            v->st.rx_dropped++;     /* the bridge side would not take it */
        }
    }
    tx_respond(v, pkt);
}

/* Returns 1 when TX has more work, 0 when idle, -EPROTO to disconnect. */
static int tx_work(struct vif *v, bool *notify_fe)
{
    unsigned int done = 0, k;
    bool more, note;
    int left, rc;

    do {
        struct tx_batch b;

        b.npkts = 0;
        b.copy.nseg = 0;
        left = tx_collect(v, &b, NB_TX_BATCH);
        if (left < 0)
            return left;
        rc = copy_run(v, &b.copy);
        for (k = 0; k < b.npkts; k++)
            tx_deliver(v, &b, k, rc);
        done += b.npkts;
        if (!b.npkts)
            break;
    } while (done < NB_BUDGET);
    MICA_RING_PUSH_RSPS_NOTIFY(&v->tx, note);
    *notify_fe |= note;
    if (done >= NB_BUDGET)
        return 1;
    if (left > 0) {
        /* Part of a packet is posted: wake up when more comes. */
        MICA_RING_WRITE_ONCE(v->tx.sring->req_event, MICA_RING_REQ_PROD(&v->tx) + 1);
        mica_ring_mb();
        return MICA_RING_REQ_PROD(&v->tx) - v->tx.req_cons != (mica_ring_idx_t)left;
    }
    {
        mica_ring_idx_t prod;

        MICA_RING_FINAL_CHECK_REQS(&v->tx, prod, more);
        (void)prod;
    }
    return more;
}

/* ---------------------------------------------------------------- RX */

struct rx_batch {
    struct copy_batch copy;
    struct mica_netif_rx_req req[MICA_GNTDEV_COPY_MAX];   /* one per segment */
    unsigned int npkts, first[NB_RX_BATCH], slots[NB_RX_BATCH];
    size_t len[NB_RX_BATCH];
};

/* Packet k (len bytes at its buffer) into the next s posted pages. */
static void rx_add(struct vif *v, struct rx_batch *b, unsigned int k, size_t len,
                   unsigned int s)
{
    uint8_t *buf = v->rx_buf + (size_t)k * NB_PKT_MAX;
    unsigned int j;

    b->first[b->npkts] = b->copy.nseg;
    b->slots[b->npkts] = s;
    b->len[b->npkts] = len;
    for (j = 0; j < s; j++) {
        struct mica_gntdev_copy_seg *seg = &b->copy.seg[b->copy.nseg];
        struct mica_netif_rx_req *r = &b->req[b->copy.nseg++];
        size_t left = len - (size_t)j * NB_PAGE_SIZE;

        memcpy(r, MICA_RING_REQ_SLOT(&v->rx, v->rx.req_cons++), sizeof(*r));
        BARRIER();
        memset(seg, 0, sizeof(*seg));
        seg->src.addr_or_ref = (uint64_t)(uintptr_t)(buf + (size_t)j * NB_PAGE_SIZE);
        seg->dst.addr_or_ref = r->gref;
        seg->dst.domid = (uint16_t)v->domid;
        seg->len = (uint16_t)(left < NB_PAGE_SIZE ? left : NB_PAGE_SIZE);
        seg->flags = MICA_GNTDEV_COPY_DST_GREF;
    }
    b->npkts++;
}

static void rx_respond(struct vif *v, struct rx_batch *b, int copy_rc)
{
    unsigned int k, j;

    for (k = 0; k < b->npkts; k++) {
        bool bad = copy_rc != 0;

        for (j = 0; j < b->slots[k]; j++) {
            unsigned int i = b->first[k] + j;
            struct mica_netif_rx_rsp *r = MICA_RING_RSP_SLOT(&v->rx, v->rx.rsp_prod_pvt++);

            bad |= b->copy.seg[i].status != 0;
            r->id = b->req[i].id;
            r->offset = 0;
            r->flags = j + 1 < b->slots[k] ? MICA_NETRXF_MORE_DATA : 0;
            r->status = bad ? MICA_NETIF_RSP_ERROR : (int16_t)b->copy.seg[i].len;
        }
        if (bad) {
            v->st.rx_errors++;
        } else {
            v->st.rx_packets++;
            v->st.rx_bytes += b->len[k];
        }
    }
}

/* The frontend's RX producer, checked: posted pages not yet taken, or -EPROTO. */
static int rx_posted(struct vif *v)
{
    mica_ring_idx_t prod = MICA_RING_REQ_PROD(&v->rx);

    if (MICA_RING_REQ_OVERFLOW(&v->rx, prod))
        return -EPROTO;
    mica_ring_rmb();
    return (int)(prod - v->rx.req_cons);
}

/*
 * s posted pages for the next packet, used segments already in the batch:
 * 1 go, 0 not now (too few pages: the frontend is asked to notify when it
 * has posted them; or the batch is full), -EPROTO.
 */
static int rx_slots_ready(struct vif *v, unsigned int used, unsigned int s)
{
    int posted = rx_posted(v);

    if (posted < 0)
        return posted;
    if ((unsigned int)posted < s) {
        MICA_RING_WRITE_ONCE(v->rx.sring->req_event, v->rx.req_cons + s);
        mica_ring_mb();
        posted = rx_posted(v);
        if (posted < 0)
            return posted;
    }
    return (unsigned int)posted >= s && used + s <= MICA_GNTDEV_COPY_MAX;
}

/*
 * One batch: packets read from the tap (or the one pending) into posted
 * pages. A packet that must wait for pages stays in its buffer, slot
 * *pending_slot, *pending bytes (moved to slot 0 once the batch is copied).
 */
static int rx_batch_fill(struct vif *v, struct rx_batch *b, size_t *pending,
                         unsigned int *pending_slot)
{
    unsigned int k = 0;
    int rc;

    *pending = 0;
    while (k < NB_RX_BATCH) {
        uint8_t *buf = v->rx_buf + (size_t)k * NB_PKT_MAX;
        size_t len;
        ssize_t n;

        if (k == 0 && v->rx_pending) {
            len = v->rx_pending;
            v->rx_pending = 0;
        } else {
            n = read(v->tap_fd, buf, NB_PKT_MAX);
            if (n <= 0)
                break;
            len = (size_t)n;
        }
        if (len > MICA_NETIF_MAX_PACKET || (!v->fe_sg && nb_rx_slots(len) > 1)) {
            v->st.rx_dropped++;     /* its buffer is used again */
            continue;
        }
        rc = rx_slots_ready(v, b->copy.nseg, nb_rx_slots(len));
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *pending = len;
            *pending_slot = k;
            break;
        }
        rx_add(v, b, k, len, nb_rx_slots(len));
        k++;
    }
    return 0;
}

/* Returns 1 when RX has more work, 0 when idle (or waiting for pages), -EPROTO. */
static int rx_work(struct vif *v, bool *notify_fe)
{
    unsigned int done = 0, slot = 0;
    size_t pending = 0;
    bool note;
    int rc;

    while (done < NB_BUDGET) {
        struct rx_batch b;

        b.npkts = 0;
        b.copy.nseg = 0;
        rc = rx_batch_fill(v, &b, &pending, &slot);
        if (rc)
            return rc;
        rc = copy_run(v, &b.copy);
        rx_respond(v, &b, rc);
        done += b.npkts;
        if (pending && slot)
            memmove(v->rx_buf, v->rx_buf + (size_t)slot * NB_PKT_MAX, pending);
        v->rx_pending = pending;
        if (b.npkts < NB_RX_BATCH || pending)
            break;
    }
    MICA_RING_PUSH_RSPS_NOTIFY(&v->rx, note);
    *notify_fe |= note;
    if (pending) {
        rc = rx_posted(v);
        return rc < 0 ? rc : (unsigned int)rc >= nb_rx_slots(pending);
    }
    return done >= NB_BUDGET;
}

/* ---------------------------------------------------------- connection */

bool vif_wants_tap(const struct vif *v)
{
    return v->connected && !v->rx_pending;
}

bool vif_work(struct vif *v)
{
    bool note = false;
    int tx, rx;

    if (!v->connected)
        return false;
    tx = tx_work(v, &note);
    rx = tx < 0 ? 0 : rx_work(v, &note);
    if (note)
        notify(v);
    if (tx < 0 || rx < 0) {
        nb_log("vif%u.%u: the frontend's %s producer is past the ring: disconnecting",
               v->domid, v->devid, tx < 0 ? "TX" : "RX");
        v->broken = true;
        return false;
    }
    v->tx_more = tx > 0;
    v->rx_more = rx > 0;
    return v->tx_more || v->rx_more;
}

static void *buf_alloc(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

static int rings_map(struct vif *v, uint32_t tx_ref, uint32_t rx_ref)
{
    struct {
        struct mica_ioctl_gntdev_map_grant_ref m;
        uint32_t refs[2];
    } op = { .m = { .domid = (uint16_t)v->domid, .count = 2 }, .refs = { tx_ref, rx_ref } };
    void *p;

    v->gnt_fd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC);
    if (v->gnt_fd < 0)
        return -errno;
    if (ioctl(v->gnt_fd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, &op) < 0)
        return -errno;
    p = mmap(NULL, 2 * NB_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->gnt_fd,
             (off_t)op.m.index);
    if (p == MAP_FAILED)
        return -errno;
    v->tx_page = p;
    v->rx_page = (uint8_t *)p + NB_PAGE_SIZE;
    MICA_RING_BACK_INIT(&v->tx, (struct mica_netif_tx_sring *)v->tx_page, NB_PAGE_SIZE);
    MICA_RING_BACK_INIT(&v->rx, (struct mica_netif_rx_sring *)v->rx_page, NB_PAGE_SIZE);
    return 0;
}

int vif_connect(struct vif *v, uint32_t tx_ref, uint32_t rx_ref, uint32_t remote_port)
{
    struct mica_ioctl_evtchn_bind_interdomain bi = {
        .remote_domain = v->domid, .remote_port = remote_port,
    };
    int rc;

    v->tx_buf = buf_alloc((size_t)NB_TX_BATCH * NB_PKT_MAX);
    v->rx_buf = buf_alloc((size_t)NB_RX_BATCH * NB_PKT_MAX);
    rc = v->tx_buf && v->rx_buf ? rings_map(v, tx_ref, rx_ref) : -ENOMEM;
    if (!rc) {
        rc = ioctl(nb_evtchn_fd, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
        if (rc > 0)
            v->port = (uint32_t)rc;
        rc = rc > 0 ? 0 : -errno;
    }
    if (rc) {
        vif_disconnect(v);
        return rc;
    }
    v->connected = true;
    v->tx_dropping = false;
    v->rx_pending = 0;
    v->tx_more = v->rx_more = true;     /* look at the rings once */
    return 0;
}

void vif_disconnect(struct vif *v)
{
    struct mica_ioctl_evtchn_port p = { .port = v->port };

    if (v->port)
        ioctl(nb_evtchn_fd, MICA_IOCTL_EVTCHN_UNBIND, &p);
    if (v->tx_page)
        munmap(v->tx_page, 2 * NB_PAGE_SIZE);
    if (v->gnt_fd >= 0)
        close(v->gnt_fd);
    if (v->tx_buf)
        munmap(v->tx_buf, (size_t)NB_TX_BATCH * NB_PKT_MAX);
    if (v->rx_buf)
        munmap(v->rx_buf, (size_t)NB_RX_BATCH * NB_PKT_MAX);
    v->port = 0;
    v->tx_page = v->rx_page = NULL;
    v->gnt_fd = -1;
    v->tx_buf = v->rx_buf = NULL;
    v->connected = false;
    v->tx_more = v->rx_more = false;
    v->rx_pending = 0;
}
