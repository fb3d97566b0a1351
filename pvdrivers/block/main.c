// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica_blk: Mica's PV block frontend (docs/pvio.md), the model of Linux's
 * xen-blkfront. The handshake, over mica-bus:
 *
 *   probe: Initialising;
 *   backend InitWait: read its queue limit, grant the ring(s), bind the
 *     port(s), write ring-ref/event-channel (queue-N/...), Initialised;
 *   backend Connected: read sectors, info and features, add /dev/xvdX,
 *     Connected;
 *   backend Closing/Closed (hot-unplug, or it died): fail what it never
 *     answered, remove the disk, Closed. Nothing waits on the backend.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "mica_blk.h"

/* Xen's numbering of a vdev: xvd disks are major 202, 16 minors each. */
#define XVD_MAJOR		202
#define VDEV_EXTENDED		BIT(28)
#define VDEV_EXT_SHIFT		8
#define MICA_BLK_MAX_DISKS	256u

static int mica_blk_major;

static const struct block_device_operations mica_blk_fops = {
	.owner = THIS_MODULE,
};

static DEFINE_IDA(mica_blk_minors);

/* The xvd index a device id names, or -EINVAL. */
static int vdev_index(unsigned int vdev)
{
	if (vdev & VDEV_EXTENDED)
		return (vdev & (VDEV_EXTENDED - 1)) >> VDEV_EXT_SHIFT;
	if ((vdev >> 8) == XVD_MAJOR)
		return (vdev & 0xff) / MICA_BLK_MINORS;
	return -EINVAL;
}

/* xvda .. xvdz, xvdaa .. */
static void disk_name(char *buf, size_t len, unsigned int index)
{
	if (index < 26)
		snprintf(buf, len, "xvd%c", 'a' + index);
	else
		snprintf(buf, len, "xvd%c%c", 'a' + index / 26 - 1, 'a' + index % 26);
}

static unsigned int read_uint(struct mica_blk *blk, const char *node, unsigned int dflt)
{
	unsigned int v;

	if (mica_store_scanf(MICA_STORE_NO_TX, blk->dev->otherend, node, "%u", &v) != 1)
		return dflt;
	return v;
}

static int read_backend(struct mica_blk *blk)
{
	unsigned long long sectors;

	if (mica_store_scanf(MICA_STORE_NO_TX, blk->dev->otherend, "sectors", "%llu",
			     &sectors) != 1)
		return -EINVAL;
	blk->sectors = sectors;
	blk->readonly = read_uint(blk, "info", 0) & MICA_VDISK_READONLY;
	blk->flush = read_uint(blk, "feature-flush-cache", 0);
	blk->discard = read_uint(blk, "feature-discard", 0);
	blk->discard_granularity = read_uint(blk, "discard-granularity", 0);
	return 0;
}

static void set_limits(struct mica_blk *blk, struct request_queue *rq)
{
	blk_queue_logical_block_size(rq, 1 << MICA_BLK_SECTOR_SHIFT);
	blk_queue_max_hw_sectors(rq, blk->max_segs * MICA_BLK_SECTORS_PER_PAGE);
	blk_queue_max_segments(rq, blk->max_segs);
	blk_queue_max_segment_size(rq, PAGE_SIZE);
	blk_queue_segment_boundary(rq, PAGE_SIZE - 1);
	blk_queue_dma_alignment(rq, (1 << MICA_BLK_SECTOR_SHIFT) - 1);
	blk_queue_write_cache(rq, blk->flush, blk->flush);
	if (blk->discard && !blk->readonly) {
		blk_queue_max_discard_sectors(rq, UINT_MAX >> MICA_BLK_SECTOR_SHIFT);
		rq->limits.discard_granularity = blk->discard_granularity ?: PAGE_SIZE;
	}
}

static int alloc_tag_set(struct mica_blk *blk)
{
	struct blk_mq_tag_set *set = &blk->tag_set;
	int rc;

	memset(set, 0, sizeof(*set));
	set->ops = &mica_blk_mq_ops;
	set->nr_hw_queues = blk->nr_queues;
	set->queue_depth = blk->queues[0].depth;
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING;
	set->cmd_size = sizeof(struct scatterlist) * blk->max_segs;
	set->driver_data = blk;
	rc = blk_mq_alloc_tag_set(set);
	blk->tag_set_ready = !rc;
	return rc;
}

static int add_disk_now(struct mica_blk *blk)
{
	struct gendisk *disk;
	int rc;

	rc = alloc_tag_set(blk);
	if (rc)
		return rc;
	disk = blk_mq_alloc_disk(&blk->tag_set, blk);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	disk->major = mica_blk_major;
	disk->first_minor = blk->index * MICA_BLK_MINORS;
	disk->minors = MICA_BLK_MINORS;
	disk->fops = &mica_blk_fops;
	disk->private_data = blk;
	disk_name(disk->disk_name, sizeof(disk->disk_name), blk->index);
	set_limits(blk, disk->queue);
	set_capacity(disk, blk->sectors);
	set_disk_ro(disk, blk->readonly);
	blk->disk = disk;
	/* Under the bus device: /sys/block/xvdX/device is it. */
	rc = device_add_disk(&blk->dev->dev, disk, NULL);
	if (rc) {
		put_disk(disk);
		blk->disk = NULL;
	}
	return rc;
}

/* Backend InitWait: rings and keys, then Initialised. */
static void talk_to_backend(struct mica_blk *blk)
{
	unsigned int max_q = read_uint(blk, "multi-queue-max-queues", 1);
	unsigned int ind = read_uint(blk, "feature-max-indirect-segments", 0);
	int rc;

	blk->nr_queues = min3(num_online_cpus(), max(max_q, 1u), MICA_BLK_MAX_QUEUES);
	blk->max_indirect = min(ind, MICA_BLK_MAX_INDIRECT);
	if (blk->max_indirect <= MICA_BLKIF_MAX_SEGMENTS)
		blk->max_indirect = 0;
	blk->max_segs = blk->max_indirect ?: MICA_BLKIF_MAX_SEGMENTS;
	rc = mica_blk_rings_setup(blk);
	if (!rc)
		rc = mica_blk_rings_publish(blk);
	if (!rc)
		rc = mica_bus_switch_state(blk->dev, MICA_BUS_INITIALISED);
	if (rc) {
		mica_blk_rings_free(blk);
		mica_bus_dev_fatal(blk->dev, rc, "setting up the rings");
	}
}

/* Backend Connected: the disk appears, then Connected. */
static void connect_disk(struct mica_blk *blk)
{
	int rc = read_backend(blk);

	if (!rc) {
		blk->connected = true;
		rc = add_disk_now(blk);
	}
	if (rc) {
		blk->connected = false;
		mica_bus_dev_fatal(blk->dev, rc, "adding the disk");
		return;
	}
	mica_bus_switch_state(blk->dev, MICA_BUS_CONNECTED);
	dev_info(&blk->dev->dev, "%s: %llu sectors, %u queue(s), %u segments%s%s\n",
		 blk->disk->disk_name, blk->sectors, blk->nr_queues, blk->max_segs,
		 blk->readonly ? ", read-only" : "", blk->discard ? ", discard" : "");
}

/* Stop taking requests, fail what is outstanding, drop the disk and rings. */
static void teardown(struct mica_blk *blk)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; blk->queues && i < blk->nr_queues; i++) {
		spin_lock_irqsave(&blk->queues[i].lock, flags);
		blk->connected = false;
		spin_unlock_irqrestore(&blk->queues[i].lock, flags);
	}
	blk->connected = false;
	mica_blk_fail_inflight(blk);
	if (blk->disk) {
		blk_mark_disk_dead(blk->disk);
		del_gendisk(blk->disk);
		put_disk(blk->disk);
		blk->disk = NULL;
	}
	if (blk->tag_set_ready)
		blk_mq_free_tag_set(&blk->tag_set);
	blk->tag_set_ready = false;
	mica_blk_rings_free(blk);
}

static void mica_blk_otherend_changed(struct mica_bus_device *dev,
				      enum mica_bus_state state)
{
	struct mica_blk *blk = dev_get_drvdata(&dev->dev);

	mutex_lock(&blk->lock);
	switch (state) {
	case MICA_BUS_INIT_WAIT:
		if (dev->state == MICA_BUS_INITIALISING)
			talk_to_backend(blk);
		break;
	case MICA_BUS_CONNECTED:
		if (dev->state == MICA_BUS_INITIALISED)
			connect_disk(blk);
		break;
	case MICA_BUS_CLOSING:
	case MICA_BUS_CLOSED:
	case MICA_BUS_UNKNOWN:
		if (dev->state == MICA_BUS_CLOSED || dev->state == MICA_BUS_INITIALISING)
			break;
		teardown(blk);
		mica_bus_switch_state(dev, MICA_BUS_CLOSED);
		break;
	default:
		break;
	}
	mutex_unlock(&blk->lock);
}

/* A backend that answered a request it was not asked, or kept a grant. */
static void fatal_work(struct work_struct *work)
{
	struct mica_blk *blk = container_of(work, struct mica_blk, fatal_work);

	mica_bus_dev_fatal(blk->dev, -EPROTO, "the backend broke the ring protocol");
}

static int mica_blk_probe(struct mica_bus_device *dev)
{
	struct mica_blk *blk;
	int index, rc;

	index = vdev_index(dev->devid);
	if (index < 0 || index >= MICA_BLK_MAX_DISKS) {
		dev_err(&dev->dev, "device id %u names no xvd disk\n", dev->devid);
		return -EINVAL;
	}
	rc = ida_alloc_range(&mica_blk_minors, index, index, GFP_KERNEL);
	if (rc < 0)
		return rc == -ENOSPC ? -EBUSY : rc;
	blk = kzalloc(sizeof(*blk), GFP_KERNEL);
	if (!blk) {
		ida_free(&mica_blk_minors, index);
		return -ENOMEM;
	}
	blk->dev = dev;
	blk->index = index;
	mutex_init(&blk->lock);
	INIT_WORK(&blk->fatal_work, fatal_work);
	dev_set_drvdata(&dev->dev, blk);
	rc = mica_bus_switch_state(dev, MICA_BUS_INITIALISING);
	if (rc)
		goto err;
	/* The backend may be waiting already. */
	if (mica_bus_read_otherend_state(dev) == MICA_BUS_INIT_WAIT)
		mica_blk_otherend_changed(dev, MICA_BUS_INIT_WAIT);
	return 0;
err:
	dev_set_drvdata(&dev->dev, NULL);
	ida_free(&mica_blk_minors, index);
	kfree(blk);
	return rc;
}

static void mica_blk_remove(struct mica_bus_device *dev)
{
	struct mica_blk *blk = dev_get_drvdata(&dev->dev);

	mutex_lock(&blk->lock);
	teardown(blk);
	mutex_unlock(&blk->lock);
	cancel_work_sync(&blk->fatal_work);
	mica_bus_switch_state(dev, MICA_BUS_CLOSED);
	ida_free(&mica_blk_minors, blk->index);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(blk);
}

static struct mica_bus_driver mica_blk_driver = {
	.type = MICA_BUS_TYPE_BLOCK,
	.probe = mica_blk_probe,
	.remove = mica_blk_remove,
	.otherend_changed = mica_blk_otherend_changed,
	.driver = {
		.name = "mica_blk",
	},
};

static int __init mica_blk_init(void)
{
	int rc;

	mica_blk_major = register_blkdev(0, "xvd");
	if (mica_blk_major < 0)
		return mica_blk_major;
	rc = mica_bus_register_driver(&mica_blk_driver);
	if (rc)
		unregister_blkdev(mica_blk_major, "xvd");
	return rc;
}

static void __exit mica_blk_exit(void)
{
	mica_bus_unregister_driver(&mica_blk_driver);
	unregister_blkdev(mica_blk_major, "xvd");
	ida_destroy(&mica_blk_minors);
}

module_init(mica_blk_init);
module_exit(mica_blk_exit);
MODULE_DESCRIPTION("Mica PV block frontend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("mica:vbd");
