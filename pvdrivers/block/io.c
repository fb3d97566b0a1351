// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_blk: requests onto the ring and responses off it. A blk-mq request
 * takes one ring slot (its tag is the request id): its data pages are
 * granted to the backend (read-only for a write), up to 11 segments in
 * the request itself, more through one granted indirect page. Responses
 * end the grants and complete the request; a backend that keeps a grant
 * mapped after answering gets the device closed, the page never reused
 * while it could still write into it.
 */
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include "mica_blk.h"

void mica_blk_end_grants(struct mica_blk_queue *q, struct mica_blk_shadow *s)
{
	bool kept = false;
	unsigned int i;

	for (i = 0; i < s->nr_grefs; i++)
		if (s->grefs[i] != MICA_BLK_NO_REF && mica_gnttab_end(s->grefs[i]))
			kept = true;
	s->nr_grefs = 0;
	if (s->indirect_ref != MICA_BLK_NO_REF && mica_gnttab_end(s->indirect_ref))
		kept = true;
	s->indirect_ref = MICA_BLK_NO_REF;
	if (kept) {
		s->status = BLK_STS_IOERR;
		schedule_work(&q->blk->fatal_work);
	}
}

static int grant_page(struct mica_blk_queue *q, struct page *page, bool ro, u32 *ref)
{
	int rc = mica_gnttab_grant(q->blk->dev->otherend_id, mica_page_gfn(page), ro);

	if (rc < 0)
		return rc;
	*ref = rc;
	return 0;
}

/* Grant each segment of rq; fill segs (direct or the indirect page). */
static int grant_segments(struct mica_blk_queue *q, struct mica_blk_shadow *s,
			  struct request *rq, struct mica_blkif_seg *segs,
			  unsigned int max)
{
	struct scatterlist *sg = blk_mq_rq_to_pdu(rq), *it;
	bool ro = rq_data_dir(rq) == WRITE;
	unsigned int n, i;
	int rc;

	sg_init_table(sg, q->blk->max_segs);
	n = blk_rq_map_sg(rq->q, rq, sg);
	if (!n || n > max)
		return -EIO;
	for_each_sg(sg, it, n, i) {
		rc = grant_page(q, sg_page(it), ro, &s->grefs[i]);
		if (rc)
			return rc;
		s->nr_grefs = i + 1;
		segs[i] = (struct mica_blkif_seg){
			.gref = s->grefs[i],
			.first_sect = it->offset >> MICA_BLK_SECTOR_SHIFT,
			.last_sect = (it->offset + it->length - 1) >> MICA_BLK_SECTOR_SHIFT,
		};
	}
	return n;
}

static int build_rw(struct mica_blk_queue *q, struct mica_blk_shadow *s,
		    struct request *rq, union mica_blkif_req *req)
{
	struct mica_blkif_seg *segs;
	u8 op = rq_data_dir(rq) == WRITE ? MICA_BLKIF_OP_WRITE : MICA_BLKIF_OP_READ;
	u16 flags = (rq->cmd_flags & REQ_FUA) ? MICA_BLKIF_F_FUA : 0;
	int n, rc;

	if (blk_rq_nr_phys_segments(rq) <= MICA_BLKIF_MAX_SEGMENTS) {
		n = grant_segments(q, s, rq, req->rw.seg, MICA_BLKIF_MAX_SEGMENTS);
		if (n < 0)
			return n;
		req->rw.operation = op;
		req->rw.nr_segments = n;
		req->rw.flags = flags;
		req->rw.sector_number = blk_rq_pos(rq);
		return 0;
	}
	if (!q->blk->max_indirect)
		return -EIO;
	segs = page_address(s->indirect);
	n = grant_segments(q, s, rq, segs, q->blk->max_indirect);
	if (n < 0)
		return n;
	rc = grant_page(q, s->indirect, true, &s->indirect_ref);
	if (rc)
		return rc;
	req->indirect.operation = MICA_BLKIF_OP_INDIRECT;
	req->indirect.indirect_op = op;
	req->indirect.nr_segments = n;
	req->indirect.flags = flags;
	req->indirect.sector_number = blk_rq_pos(rq);
	req->indirect.indirect_grefs[0] = s->indirect_ref;
	return 0;
}

static int build_request(struct mica_blk_queue *q, struct mica_blk_shadow *s,
			 struct request *rq, union mica_blkif_req *req)
{
	memset(req, 0, sizeof(*req));
	req->rw.id = rq->tag;
	req->rw.handle = q->blk->dev->devid;
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return build_rw(q, s, rq, req);
	case REQ_OP_FLUSH:
		req->rw.operation = MICA_BLKIF_OP_FLUSH_DISKCACHE;
		return 0;
	case REQ_OP_DISCARD:
		req->discard.operation = MICA_BLKIF_OP_DISCARD;
		req->discard.sector_number = blk_rq_pos(rq);
		req->discard.nr_sectors = blk_rq_sectors(rq);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void push(struct mica_blk_queue *q)
{
	int notify;

	MICA_RING_PUSH_REQS_NOTIFY(&q->ring, notify);
	if (notify)
		mica_evtchn_notify(q->port);
}

/*
 * The grant table is shared by every queue and device (2048 entries):
 * out of references, the request waits for others to complete.
 */
static blk_status_t queue_rq_error(int rc)
{
	if (rc == -ENOSPC || rc == -ENOMEM)
		return BLK_STS_RESOURCE;
	return rc == -EOPNOTSUPP ? BLK_STS_NOTSUPP : BLK_STS_IOERR;
}

static blk_status_t mica_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
				      const struct blk_mq_queue_data *bd)
{
	struct mica_blk_queue *q = hctx->driver_data;
	struct request *rq = bd->rq;
	struct mica_blk_shadow *s;
	union mica_blkif_req req;
	unsigned long flags;
	int rc;

	if (rq->tag < 0 || rq->tag >= q->depth)
		return BLK_STS_IOERR;
	s = &q->shadow[rq->tag];
	blk_mq_start_request(rq);
	s->nr_grefs = 0;
	s->indirect_ref = MICA_BLK_NO_REF;
	s->status = BLK_STS_OK;
	rc = build_request(q, s, rq, &req);
	spin_lock_irqsave(&q->lock, flags);
	if (rc || !q->blk->connected || MICA_RING_FULL(&q->ring)) {
		spin_unlock_irqrestore(&q->lock, flags);
		mica_blk_end_grants(q, s);
		return queue_rq_error(rc);
	}
	s->rq = rq;
	memcpy(MICA_RING_REQ_SLOT(&q->ring, q->ring.req_prod_pvt), &req, sizeof(req));
	q->ring.req_prod_pvt++;
	if (bd->last)
		push(q);
	spin_unlock_irqrestore(&q->lock, flags);
	return BLK_STS_OK;
}

static void mica_blk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct mica_blk_queue *q = hctx->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	push(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

static blk_status_t rsp_status(const struct mica_blkif_rsp *rsp)
{
	switch (rsp->status) {
	case MICA_BLKIF_RSP_OKAY:
		return BLK_STS_OK;
	case MICA_BLKIF_RSP_EOPNOTSUPP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}

/* One response: a request of ours in flight, else the backend is broken. */
static bool complete_one(struct mica_blk_queue *q, const struct mica_blkif_rsp *rsp)
{
	struct mica_blk_shadow *s;
	struct request *rq;

	if (rsp->id >= q->depth || !q->shadow[rsp->id].rq)
		return false;
	s = &q->shadow[rsp->id];
	rq = s->rq;
	s->rq = NULL;
	mica_blk_end_grants(q, s);
	if (s->status == BLK_STS_OK)
		s->status = rsp_status(rsp);
	blk_mq_complete_request(rq);
	return true;
}

void mica_blk_event(mica_port_t port, void *data)
{
	struct mica_blk_queue *q = data;
	struct mica_blkif_rsp rsp;
	unsigned long flags;
	mica_ring_idx_t prod;
	int more;

	spin_lock_irqsave(&q->lock, flags);
	do {
		prod = MICA_RING_READ_ONCE(q->ring.sring->rsp_prod);
		mica_ring_rmb();
		if ((mica_ring_idx_t)(prod - q->ring.rsp_cons) >
		    (mica_ring_idx_t)(q->ring.req_prod_pvt - q->ring.rsp_cons))
			goto broken;
		for (; q->ring.rsp_cons != prod; q->ring.rsp_cons++) {
			memcpy(&rsp, MICA_RING_RSP_SLOT(&q->ring, q->ring.rsp_cons),
			       sizeof(rsp));
			if (!complete_one(q, &rsp))
				goto broken;
		}
		MICA_RING_FINAL_CHECK_RSPS(&q->ring, more);
	} while (more);
	spin_unlock_irqrestore(&q->lock, flags);
	return;
broken:
	spin_unlock_irqrestore(&q->lock, flags);
	schedule_work(&q->blk->fatal_work);
}

static void mica_blk_complete(struct request *rq)
{
	struct mica_blk_queue *q = rq->mq_hctx->driver_data;

	blk_mq_end_request(rq, q->shadow[rq->tag].status);
}

static int mica_blk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			      unsigned int index)
{
	struct mica_blk *blk = data;

	if (index >= blk->nr_queues)
		return -EINVAL;
	hctx->driver_data = &blk->queues[index];
	return 0;
}

const struct blk_mq_ops mica_blk_mq_ops = {
	.queue_rq = mica_blk_queue_rq,
	.commit_rqs = mica_blk_commit_rqs,
	.complete = mica_blk_complete,
	.init_hctx = mica_blk_init_hctx,
};
