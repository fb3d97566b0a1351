/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica_blk: the guest half of Mica's PV block device (docs/pvio.md,
 * public/io/blkif.h), over mica-bus (pvdrivers/include/mica/bus.h).
 */
#ifndef MICA_BLK_H
#define MICA_BLK_H

#include <linux/blk-mq.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <mica/bus.h>
#include <public/io/blkif.h>

#define MICA_BLK_MAX_QUEUES	4u
/* Segments per request this frontend sends through one indirect page. */
#define MICA_BLK_MAX_INDIRECT	128u
#define MICA_BLK_RING_BYTES	PAGE_SIZE
#define MICA_BLK_MINORS		16u
#define MICA_BLK_SECTOR_SHIFT	9
#define MICA_BLK_SECTORS_PER_PAGE (PAGE_SIZE >> MICA_BLK_SECTOR_SHIFT)
#define MICA_BLK_NO_REF		(~0u)
/* How long a closing frontend waits for the backend to unmap in-flight pages. */
#define MICA_BLK_DRAIN_MS	5000u

/* What one ring slot (request id == blk-mq tag) has outstanding. */
struct mica_blk_shadow {
	struct request *rq;		/* NULL: the slot is free */
	unsigned int nr_grefs;
	u32 grefs[MICA_BLK_MAX_INDIRECT];
	struct page *indirect;		/* one page of struct mica_blkif_seg */
	u32 indirect_ref;
	blk_status_t status;
};

struct mica_blk_queue {
	struct mica_blk *blk;
	unsigned int index;
	spinlock_t lock;		/* the ring and the shadows */
	struct mica_blkif_front ring;
	struct page *ring_page;
	u32 ring_ref;
	mica_port_t port;
	bool bound;
	unsigned int depth;
	struct mica_blk_shadow *shadow;	/* depth of them */
};

struct mica_blk {
	struct mica_bus_device *dev;
	struct mutex lock;		/* the handshake and teardown */
	unsigned int index;		/* xvd<index> */
	u64 sectors;
	bool readonly, flush, discard;
	unsigned int discard_granularity;
	unsigned int max_segs;		/* per request: 11, or the indirect limit */
	unsigned int max_indirect;	/* 0: no indirect */
	unsigned int nr_queues;
	struct mica_blk_queue *queues;
	bool connected;			/* requests may go to the backend */
	struct blk_mq_tag_set tag_set;
	bool tag_set_ready;
	struct gendisk *disk;
	struct work_struct fatal_work;	/* a backend that kept a grant */
};

/* ring.c */
int mica_blk_rings_setup(struct mica_blk *blk);
int mica_blk_rings_publish(struct mica_blk *blk);
void mica_blk_rings_free(struct mica_blk *blk);
void mica_blk_fail_inflight(struct mica_blk *blk);
/* io.c */
extern const struct blk_mq_ops mica_blk_mq_ops;
void mica_blk_event(mica_port_t port, void *data);
void mica_blk_end_grants(struct mica_blk_queue *q, struct mica_blk_shadow *s);

#endif
