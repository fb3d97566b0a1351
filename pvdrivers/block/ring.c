// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_blk: the shared rings, one per queue: a zeroed page granted to the
 * backend, an unbound event channel for it, the store keys that tell the
 * backend where they are (io/blkif.h), and their teardown, which fails
 * every request the backend never answered.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include "mica_blk.h"

static void shadows_free(struct mica_blk_queue *q)
{
	unsigned int i;

	if (!q->shadow)
		return;
	for (i = 0; i < q->depth; i++)
		if (q->shadow[i].indirect)
			__free_page(q->shadow[i].indirect);
	kvfree(q->shadow);
	q->shadow = NULL;
}

static int shadows_alloc(struct mica_blk_queue *q)
{
	unsigned int i;

	q->shadow = kvcalloc(q->depth, sizeof(*q->shadow), GFP_KERNEL);
	if (!q->shadow)
		return -ENOMEM;
	for (i = 0; i < q->depth; i++) {
		q->shadow[i].indirect_ref = MICA_BLK_NO_REF;
		if (!q->blk->max_indirect)
			continue;
		q->shadow[i].indirect = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!q->shadow[i].indirect)
			return -ENOMEM;
	}
	return 0;
}

static int queue_setup(struct mica_blk *blk, struct mica_blk_queue *q)
{
	struct mica_blkif_sring *sring;
	int rc;

	spin_lock_init(&q->lock);
	q->blk = blk;
	q->ring_ref = MICA_BLK_NO_REF;
	q->ring_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!q->ring_page)
		return -ENOMEM;
	sring = page_address(q->ring_page);
	MICA_RING_SHARED_INIT(sring);
	MICA_RING_FRONT_INIT(&q->ring, sring, MICA_BLK_RING_BYTES);
	q->depth = q->ring.nr_slots;
	rc = shadows_alloc(q);
	if (rc)
		return rc;
	rc = mica_gnttab_grant(blk->dev->otherend_id, mica_page_gfn(q->ring_page), false);
	if (rc < 0)
		return rc;
	q->ring_ref = rc;
	rc = mica_evtchn_alloc_unbound(blk->dev->otherend_id, &q->port);
	if (rc)
		return rc;
	rc = mica_evtchn_bind(q->port, mica_blk_event, q);
	if (rc) {
		mica_evtchn_close(q->port);
		return rc;
	}
	q->bound = true;
	return 0;
}

static void queue_free(struct mica_blk_queue *q)
{
	if (q->bound)
		mica_evtchn_close(q->port);
	q->bound = false;
	if (q->ring_ref != MICA_BLK_NO_REF && q->ring_page) {
		/* Freed once the backend lets go of it. */
		mica_gnttab_end_and_free(q->ring_ref, q->ring_page);
		q->ring_page = NULL;
	}
	q->ring_ref = MICA_BLK_NO_REF;
	if (q->ring_page)
		__free_page(q->ring_page);
	q->ring_page = NULL;
	shadows_free(q);
}

int mica_blk_rings_setup(struct mica_blk *blk)
{
	unsigned int i;
	int rc = 0;

	blk->queues = kcalloc(blk->nr_queues, sizeof(*blk->queues), GFP_KERNEL);
	if (!blk->queues)
		return -ENOMEM;
	for (i = 0; i < blk->nr_queues && !rc; i++) {
		blk->queues[i].index = i;
		rc = queue_setup(blk, &blk->queues[i]);
	}
	if (rc)
		mica_blk_rings_free(blk);
	return rc;
}

static int publish_queue(struct mica_store_tx t, struct mica_blk *blk,
			 struct mica_blk_queue *q)
{
	const char *dir = blk->dev->nodename;
	char *qdir = NULL;
	int rc;

	if (blk->nr_queues > 1) {
		qdir = kasprintf(GFP_KERNEL, "%s/queue-%u", dir, q->index);
		if (!qdir)
			return -ENOMEM;
		dir = qdir;
	}
	rc = mica_store_printf(t, dir, "ring-ref", "%u", q->ring_ref);
	if (!rc)
		rc = mica_store_printf(t, dir, "event-channel", "%u", q->port);
	kfree(qdir);
	return rc;
}

static int publish(struct mica_store_tx t, void *arg)
{
	struct mica_blk *blk = arg;
	const char *dir = blk->dev->nodename;
	unsigned int i;
	int rc = 0;

	if (blk->nr_queues > 1)
		rc = mica_store_printf(t, dir, "multi-queue-num-queues", "%u",
				       blk->nr_queues);
	for (i = 0; i < blk->nr_queues && !rc; i++)
		rc = publish_queue(t, blk, &blk->queues[i]);
	if (!rc)
		rc = mica_store_write(t, dir, "ring-page-order", "0");
	if (!rc)
		rc = mica_store_write(t, dir, "protocol", "x86_64-abi");
	if (!rc)
		rc = mica_store_write(t, dir, "feature-persistent", "0");
	return rc;
}

/* Write the ring keys in one transaction (again on a conflict). */
int mica_blk_rings_publish(struct mica_blk *blk)
{
	return mica_store_tx_run(publish, blk);
}

void mica_blk_rings_free(struct mica_blk *blk)
{
	unsigned int i;

	if (!blk->queues)
		return;
	for (i = 0; i < blk->nr_queues; i++)
		queue_free(&blk->queues[i]);
	kfree(blk->queues);
	blk->queues = NULL;
}

/*
 * End the grants of s the backend has let go of (each only once): true
 * when none is left mapped.
 */
static bool try_end_grants(struct mica_blk_shadow *s)
{
	bool left = false;
	unsigned int i;

	for (i = 0; i < s->nr_grefs; i++) {
		if (s->grefs[i] == MICA_BLK_NO_REF)
			continue;
		if (mica_gnttab_end(s->grefs[i]))
			left = true;
		else
			s->grefs[i] = MICA_BLK_NO_REF;
	}
	if (s->indirect_ref != MICA_BLK_NO_REF) {
		if (mica_gnttab_end(s->indirect_ref))
			left = true;
		else
			s->indirect_ref = MICA_BLK_NO_REF;
	}
	return !left;
}

/* One pass over the requests in flight: true when the backend holds none. */
static bool inflight_released(struct mica_blk *blk)
{
	struct mica_blk_queue *q;
	unsigned long flags;
	bool done = true;
	unsigned int i, j;

	for (i = 0; blk->queues && i < blk->nr_queues; i++) {
		q = &blk->queues[i];
		spin_lock_irqsave(&q->lock, flags);
		for (j = 0; j < q->depth; j++)
			if (q->shadow[j].rq && !try_end_grants(&q->shadow[j]))
				done = false;
		spin_unlock_irqrestore(&q->lock, flags);
	}
	return done;
}

/*
 * The backend is gone or closing: no response will come. With the ports
 * unbound (no handler running), wait (up to MICA_BLK_DRAIN_MS) for the
 * backend to unmap what it still has mapped of the requests in flight: a
 * hot-unplug reaches us while it finishes the request in hand, and a
 * page given back to its owner must not still be written by it. Then end
 * each outstanding request's grants and fail it; a grant still mapped
 * after that is left granted (never reused by us) and the backend is
 * reported broken.
 */
void mica_blk_fail_inflight(struct mica_blk *blk)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(MICA_BLK_DRAIN_MS);
	struct mica_blk_shadow *s;
	struct mica_blk_queue *q;
	unsigned long flags;
	unsigned int i, j;

	for (i = 0; blk->queues && i < blk->nr_queues; i++)
		if (blk->queues[i].bound)
			mica_evtchn_unbind(blk->queues[i].port);
	while (!inflight_released(blk) && time_before(jiffies, deadline))
		msleep(20);
	for (i = 0; blk->queues && i < blk->nr_queues; i++) {
		q = &blk->queues[i];
		spin_lock_irqsave(&q->lock, flags);
		for (j = 0; j < q->depth; j++) {
			s = &q->shadow[j];
			if (!s->rq)
				continue;
			mica_blk_end_grants(q, s);
			s->status = BLK_STS_IOERR;
			blk_mq_complete_request(s->rq);
			s->rq = NULL;
		}
		spin_unlock_irqrestore(&q->lock, flags);
	}
}
