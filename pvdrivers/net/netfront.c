// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_net: the PV network frontend (the model of xen-netfront; the
 * protocol is public/io/netif.h, docs/pvio.md the reference). One TX and
 * one RX ring, one event channel, NAPI for both directions.
 *
 * TX grants the skb's own pages read-only, one request per page piece
 * (scatter-gather when the backend offers feature-sg; CSUM_BLANK when the
 * stack left the checksum to the device and the backend completes it).
 * RX keeps one page per ring slot granted for the device's life: the
 * backend copies a packet in, we copy it out into a fresh skb and post
 * the same page again, so no grant changes per packet.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <mica/bus.h>
#include <public/io/netif.h>

#define MNET_RING_BYTES		PAGE_SIZE
#define MNET_TX_SLOTS		MICA_RING_SLOTS(MNET_RING_BYTES, sizeof(union mica_netif_tx_slot))
#define MNET_RX_SLOTS		MICA_RING_SLOTS(MNET_RING_BYTES, sizeof(union mica_netif_rx_slot))
#define MNET_RX_COPY_HDR	128
#define MNET_NO_REF		(~0u)

struct mnet_tx_slot {
	struct sk_buff *skb;		/* on a packet's first request only */
	u32 ref;			/* MNET_NO_REF when free */
	u16 next_free;
};

struct mnet_rx_slot {
	struct page *page;
	u32 ref;
};

struct mnet {
	struct net_device *ndev;
	struct mica_bus_device *bdev;
	struct napi_struct napi;
	struct mutex state_lock;	/* setup/teardown against the watch thread */
	bool ready, connected;

	mica_port_t port;
	bool port_bound;

	spinlock_t tx_lock;		/* TX ring producer, tx_slot[], free list */
	struct mica_netif_tx_front tx;
	struct page *tx_ring_page;
	u32 tx_ring_ref;
	struct mnet_tx_slot tx_slot[MNET_TX_SLOTS];
	u16 tx_free_head;
	unsigned int tx_free;

	struct mica_netif_rx_front rx;
	struct page *rx_ring_page;
	u32 rx_ring_ref;
	struct mnet_rx_slot rx_slot[MNET_RX_SLOTS];

	bool be_sg, be_csum;
};

static domid_t mnet_be(struct mnet *np)
{
	return np->bdev->otherend_id;
}

/* ------------------------------------------------------------------ TX */

static u16 tx_id_get(struct mnet *np)
{
	u16 id = np->tx_free_head;

	np->tx_free_head = np->tx_slot[id].next_free;
	np->tx_free--;
	return id;
}

static void tx_id_put(struct mnet *np, u16 id)
{
	np->tx_slot[id].skb = NULL;
	np->tx_slot[id].ref = MNET_NO_REF;
	np->tx_slot[id].next_free = np->tx_free_head;
	np->tx_free_head = id;
	np->tx_free++;
}

static void tx_free_list_init(struct mnet *np)
{
	unsigned int i;

	np->tx_free = 0;
	np->tx_free_head = 0;
	for (i = MNET_TX_SLOTS; i-- > 0;)
		tx_id_put(np, i);
}

/* Requests the bytes [off, off + len) of page take, one per page piece. */
static unsigned int pieces(unsigned int off, unsigned int len)
{
	return len ? DIV_ROUND_UP(offset_in_page(off) + len, PAGE_SIZE) : 0;
}

static unsigned int tx_slots_needed(struct sk_buff *skb)
{
	unsigned int i, n = pieces(offset_in_page(skb->data), skb_headlen(skb));

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		n += pieces(skb_frag_off(f), skb_frag_size(f));
	}
	return n;
}

/* The end of a grant the backend no longer uses (it copies, never maps). */
static void tx_ref_end(struct mnet *np, u32 ref)
{
	if (ref != MNET_NO_REF && mica_gnttab_end(ref))
		netdev_warn(np->ndev, "TX grant %u still in use by the backend: leaked\n", ref);
}

/* One request per page piece of [off, off + len) of page; false if a grant failed. */
static bool tx_queue_piece(struct mnet *np, struct page *page, unsigned int off,
			   unsigned int len, struct mica_netif_tx_req **last,
			   struct sk_buff *skb, u16 flags)
{
	while (len) {
		struct page *p = page + (off >> PAGE_SHIFT);
		unsigned int po = offset_in_page(off);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - po);
		struct mica_netif_tx_req *req;
		int ref;
		u16 id;

		ref = mica_gnttab_grant(mnet_be(np), mica_page_gfn(p), true);
		if (ref < 0)
			return false;
		id = tx_id_get(np);
		np->tx_slot[id].ref = ref;
		np->tx_slot[id].skb = *last ? NULL : skb;
		if (*last)
			(*last)->flags |= MICA_NETTXF_MORE_DATA;
		req = MICA_RING_REQ_SLOT(&np->tx, np->tx.req_prod_pvt++);
		req->gref = ref;
		req->offset = po;
		req->flags = *last ? 0 : flags;
		req->id = id;
		req->size = *last ? n : skb->len;
		*last = req;
		off += n;
		len -= n;
	}
	return true;
}

/* Undo the requests queued since prod (a grant failed half-way). */
static void tx_unqueue(struct mnet *np, mica_ring_idx_t prod)
{
	while (np->tx.req_prod_pvt != prod) {
		struct mica_netif_tx_req *req;

		req = MICA_RING_REQ_SLOT(&np->tx, --np->tx.req_prod_pvt);
		tx_ref_end(np, np->tx_slot[req->id].ref);
		tx_id_put(np, req->id);
	}
}

static bool tx_queue_skb(struct mnet *np, struct sk_buff *skb, u16 flags)
{
	struct mica_netif_tx_req *last = NULL;
	mica_ring_idx_t prod = np->tx.req_prod_pvt;
	unsigned int i;
	bool ok;

	ok = tx_queue_piece(np, virt_to_page(skb->data), offset_in_page(skb->data),
			    skb_headlen(skb), &last, skb, flags);
	for (i = 0; ok && i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		ok = tx_queue_piece(np, skb_frag_page(f), skb_frag_off(f),
				    skb_frag_size(f), &last, skb, flags);
	}
	if (!ok)
		tx_unqueue(np, prod);
	return ok;
}

static u16 tx_flags(struct sk_buff *skb)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		return MICA_NETTXF_CSUM_BLANK | MICA_NETTXF_DATA_VALIDATED;
	if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		return MICA_NETTXF_DATA_VALIDATED;
	return 0;
}

static netdev_tx_t mnet_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct mnet *np = netdev_priv(ndev);
	unsigned long flags;
	bool notify;

	if (skb->len > MICA_NETIF_MAX_PACKET || skb->len < ETH_HLEN)
		goto drop;
	if (tx_slots_needed(skb) > MICA_NETIF_MAX_FRAGS &&
	    (skb_linearize(skb) || tx_slots_needed(skb) > MICA_NETIF_MAX_FRAGS))
		goto drop;
	if (skb->ip_summed == CHECKSUM_PARTIAL && !np->be_csum &&
	    skb_checksum_help(skb))
		goto drop;
	/*
	 * The skb stays ours until the backend answers (a round trip through
	 * dom0's scheduler); charged to its socket all that time, TCP's small
	 * queues would allow only a packet or two in flight (0.4 MB/s under
	 * TCG). The ring bounds what we hold, as virtio-net without TX NAPI.
	 */
	skb_orphan(skb);
	spin_lock_irqsave(&np->tx_lock, flags);
	if (!np->connected || np->tx_free < MICA_NETIF_MAX_FRAGS ||
	    !tx_queue_skb(np, skb, tx_flags(skb))) {
		spin_unlock_irqrestore(&np->tx_lock, flags);
		goto drop;
	}
	ndev->stats.tx_packets++;
	ndev->stats.tx_bytes += skb->len;
	MICA_RING_PUSH_REQS_NOTIFY(&np->tx, notify);
	if (np->tx_free < MICA_NETIF_MAX_FRAGS)
		netif_stop_queue(ndev);
	spin_unlock_irqrestore(&np->tx_lock, flags);
	if (notify)
		mica_evtchn_notify(np->port);
	return NETDEV_TX_OK;
drop:
	ndev->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* Responses to TX requests: grants ended, skbs freed, the queue woken. */
static void tx_gc(struct mnet *np)
{
	unsigned long flags;
	bool more;

	spin_lock_irqsave(&np->tx_lock, flags);
	do {
		mica_ring_idx_t prod = MICA_RING_READ_ONCE(np->tx.sring->rsp_prod);

		virt_rmb();	/* the responses after the producer that covers them */
		while (np->tx.rsp_cons != prod) {
			struct mica_netif_tx_rsp rsp;

			rsp = *MICA_RING_RSP_SLOT(&np->tx, np->tx.rsp_cons);

			np->tx.rsp_cons++;
			if (rsp.id >= MNET_TX_SLOTS || np->tx_slot[rsp.id].ref == MNET_NO_REF)
				continue;	/* not ours to answer: ignored */
			if (rsp.status != MICA_NETIF_RSP_OKAY)
				np->ndev->stats.tx_errors++;
			tx_ref_end(np, np->tx_slot[rsp.id].ref);
			if (np->tx_slot[rsp.id].skb)
				dev_consume_skb_any(np->tx_slot[rsp.id].skb);
			tx_id_put(np, rsp.id);
		}
		MICA_RING_FINAL_CHECK_RSPS(&np->tx, more);
	} while (more);
	if (np->connected && np->tx_free >= MICA_NETIF_MAX_FRAGS && netif_queue_stopped(np->ndev))
		netif_wake_queue(np->ndev);
	spin_unlock_irqrestore(&np->tx_lock, flags);
}

/* ------------------------------------------------------------------ RX */

static void rx_post(struct mnet *np, u16 id)
{
	struct mica_netif_rx_req *req = MICA_RING_REQ_SLOT(&np->rx, np->rx.req_prod_pvt++);

	req->id = id;
	req->pad = 0;
	req->gref = np->rx_slot[id].ref;
}

/*
 * Responses rsp_cons .. the end of the next packet: how many, or 0 when
 * the packet is not all there yet.
 */
static unsigned int rx_packet_slots(struct mnet *np, mica_ring_idx_t prod)
{
	mica_ring_idx_t i;

	for (i = np->rx.rsp_cons; i != prod; i++) {
		const struct mica_netif_rx_rsp *r = MICA_RING_RSP_SLOT(&np->rx, i);

		if (!(READ_ONCE(r->flags) & MICA_NETRXF_MORE_DATA))
			return i - np->rx.rsp_cons + 1;
		if (i - np->rx.rsp_cons >= MICA_NETIF_MAX_FRAGS)
			return i - np->rx.rsp_cons + 1;	/* too long: dropped whole */
	}
	return 0;
}

/* The packet's bytes, or 0 when a response is bad (the packet is dropped). */
static unsigned int rx_check(const struct mica_netif_rx_rsp *rsp, unsigned int n)
{
	unsigned int j, len = 0;

	if (n > MICA_NETIF_MAX_FRAGS)
		return 0;
	for (j = 0; j < n; j++) {
		if (rsp[j].id >= MNET_RX_SLOTS || rsp[j].status <= 0 ||
		    rsp[j].offset + (unsigned int)rsp[j].status > PAGE_SIZE)
			return 0;
		len += rsp[j].status;
	}
	return len >= ETH_HLEN && len <= MICA_NETIF_MAX_PACKET ? len : 0;
}

static void rx_checksum(struct mnet *np, struct sk_buff *skb, u16 flags)
{
	if (flags & MICA_NETRXF_CSUM_BLANK) {
		if (skb_checksum_setup(skb, true))
			np->ndev->stats.rx_errors++;
	} else if (flags & MICA_NETRXF_DATA_VALIDATED) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
}

/* A checked packet copied out of its pages into a new skb, or NULL. */
static struct sk_buff *rx_skb(struct mnet *np, const struct mica_netif_rx_rsp *rsp,
			      unsigned int n)
{
	unsigned int j, len = rx_check(rsp, n);
	struct sk_buff *skb;

	if (!len) {
		np->ndev->stats.rx_errors++;
		return NULL;
	}
	skb = napi_alloc_skb(&np->napi, len);
	if (!skb) {
		np->ndev->stats.rx_dropped++;
		return NULL;
	}
	for (j = 0; j < n; j++)
		skb_put_data(skb, page_address(np->rx_slot[rsp[j].id].page) + rsp[j].offset,
			     rsp[j].status);
	return skb;
}

/* One packet of n responses up the stack; each slot posted again. */
static void rx_one(struct mnet *np, unsigned int n)
{
	struct mica_netif_rx_rsp rsp[MICA_NETIF_MAX_FRAGS];
	struct sk_buff *skb;
	unsigned int j;

	for (j = 0; j < n && j < MICA_NETIF_MAX_FRAGS; j++)
		rsp[j] = *MICA_RING_RSP_SLOT(&np->rx, np->rx.rsp_cons + j);
	skb = rx_skb(np, rsp, n);
	for (j = 0; j < n; j++) {
		u16 id = MICA_RING_RSP_SLOT(&np->rx, np->rx.rsp_cons)->id;

		np->rx.rsp_cons++;
		/* A backend repeating an id gets the slot it named. */
		rx_post(np, id < MNET_RX_SLOTS ? id : 0);
	}
	if (!skb)
		return;
	skb->protocol = eth_type_trans(skb, np->ndev);
	rx_checksum(np, skb, rsp[0].flags);
	np->ndev->stats.rx_packets++;
	np->ndev->stats.rx_bytes += skb->len;
	napi_gro_receive(&np->napi, skb);
}

static int rx_poll(struct mnet *np, int budget)
{
	int work = 0;
	bool notify;

	while (work < budget) {
		mica_ring_idx_t prod = MICA_RING_READ_ONCE(np->rx.sring->rsp_prod);
		unsigned int n;

		virt_rmb();	/* the responses after the producer that covers them */
		n = rx_packet_slots(np, prod);
		if (!n)
			break;
		rx_one(np, n);
		work++;
	}
	MICA_RING_PUSH_REQS_NOTIFY(&np->rx, notify);
	if (notify)
		mica_evtchn_notify(np->port);
	return work;
}

static int mnet_poll(struct napi_struct *napi, int budget)
{
	struct mnet *np = container_of(napi, struct mnet, napi);
	int work;
	bool more;

	tx_gc(np);
	work = rx_poll(np, budget);
	if (work < budget && napi_complete_done(napi, work)) {
		MICA_RING_FINAL_CHECK_RSPS(&np->rx, more);
		if (more || MICA_RING_HAS_RSPS(&np->tx))
			napi_schedule(napi);
	}
	return work;
}

static void mnet_event(mica_port_t port, void *data)
{
	struct mnet *np = data;

	napi_schedule(&np->napi);
}

/* ---------------------------------------------------------- the rings */

static int ring_alloc(struct mnet *np, struct page **page, u32 *ref)
{
	int rc;

	*page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!*page)
		return -ENOMEM;
	rc = mica_gnttab_grant(mnet_be(np), mica_page_gfn(*page), false);
	if (rc < 0) {
		__free_page(*page);
		*page = NULL;
		return rc;
	}
	*ref = rc;
	return 0;
}

/* Revoke a grant of a page of ours; the page goes when the backend lets go. */
static void page_release(struct page **page, u32 *ref)
{
	if (*page && *ref != MNET_NO_REF)
		mica_gnttab_end_and_free(*ref, *page);
	else if (*page)
		__free_page(*page);
	*page = NULL;
	*ref = MNET_NO_REF;
}

static int rx_pages_alloc(struct mnet *np)
{
	unsigned int i;
	int rc;

	for (i = 0; i < MNET_RX_SLOTS; i++) {
		rc = ring_alloc(np, &np->rx_slot[i].page, &np->rx_slot[i].ref);
		if (rc)
			return rc;
	}
	return 0;
}

/* Everything the rings hold, given back; in-flight TX skbs freed. */
static void rings_free(struct mnet *np)
{
	unsigned int i;

	for (i = 0; i < MNET_TX_SLOTS; i++) {
		if (np->tx_slot[i].ref != MNET_NO_REF) {
			tx_ref_end(np, np->tx_slot[i].ref);
			if (np->tx_slot[i].skb)
				dev_kfree_skb_any(np->tx_slot[i].skb);
			tx_id_put(np, i);
		}
	}
	for (i = 0; i < MNET_RX_SLOTS; i++)
		page_release(&np->rx_slot[i].page, &np->rx_slot[i].ref);
	page_release(&np->tx_ring_page, &np->tx_ring_ref);
	page_release(&np->rx_ring_page, &np->rx_ring_ref);
}

static void refs_clear(struct mnet *np)
{
	unsigned int i;

	np->port = 0;
	np->tx_ring_ref = MNET_NO_REF;
	np->rx_ring_ref = MNET_NO_REF;
	for (i = 0; i < MNET_RX_SLOTS; i++)
		np->rx_slot[i].ref = MNET_NO_REF;
	tx_free_list_init(np);
}

static int rings_setup(struct mnet *np)
{
	struct mica_netif_tx_sring *txs;
	struct mica_netif_rx_sring *rxs;
	int rc;

	refs_clear(np);
	rc = ring_alloc(np, &np->tx_ring_page, &np->tx_ring_ref);
	if (!rc)
		rc = ring_alloc(np, &np->rx_ring_page, &np->rx_ring_ref);
	if (!rc)
		rc = rx_pages_alloc(np);
	if (rc)
		return rc;
	txs = page_address(np->tx_ring_page);
	rxs = page_address(np->rx_ring_page);
	MICA_RING_SHARED_INIT(txs);
	MICA_RING_SHARED_INIT(rxs);
	MICA_RING_FRONT_INIT(&np->tx, txs, MNET_RING_BYTES);
	MICA_RING_FRONT_INIT(&np->rx, rxs, MNET_RING_BYTES);
	rc = mica_evtchn_alloc_unbound(mnet_be(np), &np->port);
	if (rc)
		return rc;
	rc = mica_evtchn_bind(np->port, mnet_event, np);
	np->port_bound = !rc;
	return rc;
}

static void rings_teardown(struct mnet *np)
{
	if (np->port)
		mica_evtchn_close(np->port);
	np->port = 0;
	np->port_bound = false;
	rings_free(np);
}

/* ------------------------------------------------------ the handshake */

static int keys_write(struct mica_store_tx t, void *arg)
{
	struct mnet *np = arg;
	struct mica_bus_device *d = np->bdev;
	int rc;

	rc = mica_store_printf(t, d->nodename, "tx-ring-ref", "%u", np->tx_ring_ref);
	if (!rc)
		rc = mica_store_printf(t, d->nodename, "rx-ring-ref", "%u", np->rx_ring_ref);
	if (!rc)
		rc = mica_store_printf(t, d->nodename, "event-channel", "%u", np->port);
	if (!rc)
		rc = mica_store_write(t, d->nodename, "request-rx-copy", "1");
	if (!rc)
		rc = mica_store_write(t, d->nodename, "feature-sg", "1");
	if (!rc)
		rc = mica_store_write(t, d->nodename, "feature-no-csum-offload", "0");
	if (!rc)
		rc = mica_store_printf(t, d->nodename, "mac", "%pM", np->ndev->dev_addr);
	return rc;
}

static int keys_publish(struct mnet *np)
{
	return mica_store_tx_run(keys_write, np);
}

/* The backend is waiting (InitWait): grant the rings, say where they are. */
static void mnet_setup(struct mnet *np)
{
	int rc;

	if (np->ready)
		return;
	rc = rings_setup(np);
	if (!rc)
		rc = keys_publish(np);
	if (!rc)
		rc = mica_bus_switch_state(np->bdev, MICA_BUS_INITIALISED);
	if (rc) {
		rings_teardown(np);
		mica_bus_dev_fatal(np->bdev, rc, "setting up the rings");
		return;
	}
	np->ready = true;
}

/* The backend is Connected: fill the RX ring, carrier on. */
static void mnet_connect(struct mnet *np)
{
	unsigned int i;
	bool notify;

	if (!np->ready || np->connected)
		return;
	for (i = 0; i < MNET_RX_SLOTS; i++)
		rx_post(np, i);
	MICA_RING_PUSH_REQS_NOTIFY(&np->rx, notify);
	spin_lock_bh(&np->tx_lock);
	np->connected = true;
	spin_unlock_bh(&np->tx_lock);
	napi_enable(&np->napi);
	mica_evtchn_notify(np->port);
	netif_carrier_on(np->ndev);
	if (netif_running(np->ndev))
		netif_wake_queue(np->ndev);
	mica_bus_switch_state(np->bdev, MICA_BUS_CONNECTED);
	netdev_info(np->ndev, "connected to backend %s\n", np->bdev->otherend);
}

/* Carrier off, NAPI stopped, every grant revoked and in-flight skb freed. */
static void mnet_disconnect(struct mnet *np)
{
	bool was = np->connected;

	netif_carrier_off(np->ndev);
	netif_tx_disable(np->ndev);
	spin_lock_bh(&np->tx_lock);
	np->connected = false;
	spin_unlock_bh(&np->tx_lock);
	if (np->port_bound)
		mica_evtchn_unbind(np->port);
	if (was)
		napi_disable(&np->napi);
	if (np->ready)
		rings_teardown(np);
	np->ready = false;
}

static void mnet_otherend_changed(struct mica_bus_device *dev, enum mica_bus_state state)
{
	struct mnet *np = dev_get_drvdata(&dev->dev);

	mutex_lock(&np->state_lock);
	switch (state) {
	case MICA_BUS_INIT_WAIT:
		mnet_setup(np);
		break;
	case MICA_BUS_CONNECTED:
		mnet_setup(np);
		mnet_connect(np);
		break;
	case MICA_BUS_CLOSING:
	case MICA_BUS_CLOSED:
		if (dev->state == MICA_BUS_CLOSED)
			break;
		mnet_disconnect(np);
		mica_bus_switch_state(dev, MICA_BUS_CLOSING);
		mica_bus_switch_state(dev, MICA_BUS_CLOSED);
		break;
	default:
		break;
	}
	mutex_unlock(&np->state_lock);
}

/* --------------------------------------------------- netdev and module */

static int mnet_open(struct net_device *ndev)
{
	struct mnet *np = netdev_priv(ndev);

	if (np->connected)
		netif_start_queue(ndev);
	return 0;
}

static int mnet_close(struct net_device *ndev)
{
	netif_stop_queue(ndev);
	return 0;
}

static const struct net_device_ops mnet_ops = {
	.ndo_open = mnet_open,
	.ndo_stop = mnet_close,
	.ndo_start_xmit = mnet_start_xmit,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_mac_address = eth_mac_addr,
};

/* The backend's mac key, and what it offers. */
static int mnet_read_backend(struct mnet *np, u8 *mac)
{
	struct mica_bus_device *d = np->bdev;
	int sg = 0, nocsum = 0;

	if (mica_store_scanf(MICA_STORE_NO_TX, d->otherend, "mac", "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
			     &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6 ||
	    !is_valid_ether_addr(mac))
		return -EINVAL;
	if (mica_store_scanf(MICA_STORE_NO_TX, d->otherend, "feature-sg", "%d", &sg) != 1)
		sg = 0;
	if (mica_store_scanf(MICA_STORE_NO_TX, d->otherend, "feature-no-csum-offload", "%d",
			     &nocsum) != 1)
		nocsum = 0;
	np->be_sg = sg == 1;
	np->be_csum = nocsum == 0;
	return 0;
}

static void mnet_features(struct mnet *np)
{
	struct net_device *ndev = np->ndev;

	ndev->hw_features = NETIF_F_RXCSUM;
	if (np->be_sg)
		ndev->hw_features |= NETIF_F_SG;
	if (np->be_csum)
		ndev->hw_features |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
	ndev->features = ndev->hw_features;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = ETH_DATA_LEN;
}

static int mnet_probe(struct mica_bus_device *dev)
{
	struct net_device *ndev;
	struct mnet *np;
	u8 mac[ETH_ALEN];
	int rc;

	ndev = alloc_etherdev(sizeof(*np));
	if (!ndev)
		return -ENOMEM;
	np = netdev_priv(ndev);
	np->ndev = ndev;
	np->bdev = dev;
	mutex_init(&np->state_lock);
	spin_lock_init(&np->tx_lock);
	refs_clear(np);
	rc = mnet_read_backend(np, mac);
	if (rc) {
		dev_err(&dev->dev, "backend %s: no valid mac key\n", dev->otherend);
		goto err_free;
	}
	eth_hw_addr_set(ndev, mac);
	ndev->netdev_ops = &mnet_ops;
	mnet_features(np);
	netif_napi_add(ndev, &np->napi, mnet_poll);
	SET_NETDEV_DEV(ndev, &dev->dev);
	dev_set_drvdata(&dev->dev, np);
	netif_carrier_off(ndev);
	rc = register_netdev(ndev);
	if (rc)
		goto err_napi;
	if (mica_bus_read_otherend_state(dev) == MICA_BUS_INIT_WAIT)
		mnet_otherend_changed(dev, MICA_BUS_INIT_WAIT);
	return 0;
err_napi:
	netif_napi_del(&np->napi);
	dev_set_drvdata(&dev->dev, NULL);
err_free:
	free_netdev(ndev);
	return rc;
}

static void mnet_remove(struct mica_bus_device *dev)
{
	struct mnet *np = dev_get_drvdata(&dev->dev);

	mutex_lock(&np->state_lock);
	mnet_disconnect(np);
	mutex_unlock(&np->state_lock);
	unregister_netdev(np->ndev);
	mica_bus_switch_state(dev, MICA_BUS_CLOSED);
	netif_napi_del(&np->napi);
	dev_set_drvdata(&dev->dev, NULL);
	free_netdev(np->ndev);
}

static struct mica_bus_driver mnet_driver = {
	.type = MICA_BUS_TYPE_NET,
	.probe = mnet_probe,
	.remove = mnet_remove,
	.otherend_changed = mnet_otherend_changed,
	.driver = {
		.name = "mica_net",
	},
};

static int __init mnet_init(void)
{
	return mica_bus_register_driver(&mnet_driver);
}
module_init(mnet_init);

static void __exit mnet_exit(void)
{
	mica_bus_unregister_driver(&mnet_driver);
}
module_exit(mnet_exit);

MODULE_DESCRIPTION("Mica PV network frontend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("mica:vif");
