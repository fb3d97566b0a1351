/* SPDX-License-Identifier: MIT */
/*
 * The PV block protocol (the model of Xen's io/blkif.h, 64-bit layout).
 * docs/pvio.md is the reference. Sectors are 512 bytes whatever the disk's
 * logical block size; a segment is part of one granted page, sectors
 * [first_sect, last_sect] of it (0..7).
 *
 * Store keys, backend directory (written before InitWait):
 *   sectors, sector-size, info (MICA_VDISK_*), feature-flush-cache "1",
 *   feature-discard "1" (+ discard-granularity, discard-alignment),
 *   feature-max-indirect-segments "N", multi-queue-max-queues "N",
 *   feature-persistent "1" (the backend keeps grants mapped across requests).
 * Frontend directory (before Initialised):
 *   one queue: ring-ref, event-channel; several: multi-queue-num-queues "Q"
 *   and queue-0/ring-ref, queue-0/event-channel, ... ; ring-page-order
 *   (0 today); protocol "x86_64-abi"; feature-persistent "1" if it reuses
 *   grants.
 *
 * Backend checks, each answered MICA_BLKIF_RSP_ERROR for that request only:
 * an unknown operation, nr_segments 0 (for read/write) or above the limit,
 * first_sect > last_sect or last_sect > 7, a sector range past the disk, a
 * write to a read-only disk, a grant the backend cannot map. A producer
 * index that overflows the ring disconnects the device (Closing).
 */
#ifndef MICA_PUBLIC_IO_BLKIF_H
#define MICA_PUBLIC_IO_BLKIF_H

#include "ring.h"

typedef uint16_t mica_blkif_vdev_t;
typedef uint64_t mica_blkif_sector_t;

#define MICA_BLKIF_OP_READ           0
#define MICA_BLKIF_OP_WRITE          1
#define MICA_BLKIF_OP_WRITE_BARRIER  2   /* not offered */
#define MICA_BLKIF_OP_FLUSH_DISKCACHE 3  /* no segments: everything written is durable */
#define MICA_BLKIF_OP_DISCARD        5   /* struct mica_blkif_req_discard */
#define MICA_BLKIF_OP_INDIRECT       6   /* struct mica_blkif_req_indirect */

#define MICA_BLKIF_MAX_SEGMENTS      11  /* direct segments per request */
#define MICA_BLKIF_MAX_INDIRECT_PAGES 8  /* indirect pages per request */
#define MICA_BLKIF_SEGS_PER_INDIRECT_PAGE 512 /* 8-byte segments per page */
#define MICA_BLKIF_SECTOR_SHIFT      9

/* With a write: make this request durable before answering (FUA). */
#define MICA_BLKIF_F_FUA             0x1

struct mica_blkif_seg {          /* 8 bytes */
    uint32_t gref;               /* grant of the data page */
    uint8_t  first_sect, last_sect;
    uint16_t pad;
};

struct mica_blkif_req_rw {       /* 112 bytes */
    uint8_t  operation;          /* READ, WRITE, FLUSH_DISKCACHE */
    uint8_t  nr_segments;        /* 1..11 (0 for flush) */
    uint16_t handle;             /* the device id */
    uint16_t flags;              /* MICA_BLKIF_F_* */
    uint16_t pad;
    uint64_t id;                 /* echoed in the response */
    mica_blkif_sector_t sector_number;
    struct mica_blkif_seg seg[MICA_BLKIF_MAX_SEGMENTS];
};

struct mica_blkif_req_discard {  /* 32 bytes used */
    uint8_t  operation;          /* DISCARD */
    uint8_t  flag;               /* MICA_BLKIF_DISCARD_SECURE: not offered */
    uint16_t handle;
    uint32_t pad;
    uint64_t id;
    mica_blkif_sector_t sector_number;
    uint64_t nr_sectors;
};

struct mica_blkif_req_indirect { /* 88 bytes used */
    uint8_t  operation;          /* INDIRECT */
    uint8_t  indirect_op;        /* READ or WRITE */
    uint16_t nr_segments;        /* 1..feature-max-indirect-segments */
    uint16_t handle;
    uint16_t flags;              /* MICA_BLKIF_F_* */
    uint64_t id;
    mica_blkif_sector_t sector_number;
    uint32_t indirect_grefs[MICA_BLKIF_MAX_INDIRECT_PAGES]; /* pages of mica_blkif_seg */
    uint64_t pad2[2];
};

union mica_blkif_req {
    uint8_t operation;
    struct mica_blkif_req_rw rw;
    struct mica_blkif_req_discard discard;
    struct mica_blkif_req_indirect indirect;
};

struct mica_blkif_rsp {          /* 16 bytes */
    uint64_t id;
    uint8_t  operation;
    uint8_t  pad;
    int16_t  status;             /* MICA_BLKIF_RSP_* */
    uint32_t pad2;
};

#define MICA_BLKIF_RSP_EOPNOTSUPP  (-2)
#define MICA_BLKIF_RSP_ERROR       (-1)
#define MICA_BLKIF_RSP_OKAY        0

/* "info" bits. */
#define MICA_VDISK_CDROM      0x1
#define MICA_VDISK_REMOVABLE  0x2
#define MICA_VDISK_READONLY   0x4

MICA_RING_DEFINE(mica_blkif, union mica_blkif_req, struct mica_blkif_rsp);

MICA_STATIC_ASSERT(sizeof(struct mica_blkif_req_rw) == 112, "blkif rw layout");
MICA_STATIC_ASSERT(sizeof(union mica_blkif_req) == 112, "blkif req layout");
MICA_STATIC_ASSERT(sizeof(struct mica_blkif_rsp) == 16, "blkif rsp layout");

#endif
