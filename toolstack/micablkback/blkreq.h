/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micablkback's request checking (docs/pvio.md, io/blkif.h): a request
 * copied out of the shared ring is turned into a struct blk_io or refused.
 * Pure code, no I/O and no grants: tests/unit/test_blkreq.c runs it on the
 * host against every malformed request blkif.h lists.
 */
#ifndef MICABLKBACK_BLKREQ_H
#define MICABLKBACK_BLKREQ_H

#include <stdbool.h>
#include <stdint.h>
#include <public/io/blkif.h>

/* Segments of an indirect request this backend takes (one indirect page). */
#define BLK_MAX_INDIRECT_SEGS   128u
#define BLK_SECTORS_PER_PAGE    8u

/* The disk as the checks see it. */
struct blk_disk {
    uint64_t sectors;           /* 512-byte sectors */
    bool readonly;
    bool discard;               /* feature-discard offered */
};

enum blk_kind { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD };

struct blk_seg {
    uint32_t gref;
    uint8_t first, last;        /* sectors of the page, 0..7 */
};

/* One checked request. */
struct blk_io {
    uint64_t id;                /* echoed */
    uint8_t operation;          /* echoed: the ring's operation byte */
    enum blk_kind kind;
    bool fua;
    uint64_t sector;
    uint64_t nr_sectors;        /* sum over segments, or a discard's length */
    unsigned int nr_segs;
    unsigned int nr_indirect;   /* indirect pages still to read (0: segs are filled) */
    uint32_t indirect_grefs[MICA_BLKIF_MAX_INDIRECT_PAGES];
    struct blk_seg seg[BLK_MAX_INDIRECT_SEGS];
};

/*
 * Check req (a private copy) against d. 0: io is ready (nr_indirect 0) or
 * needs its segments read from io->nr_indirect granted pages and handed to
 * blkreq_set_segs(); -EOPNOTSUPP: an operation not offered (answer
 * MICA_BLKIF_RSP_EOPNOTSUPP); -EINVAL or -EROFS: answer MICA_BLKIF_RSP_ERROR.
 * io->id and io->operation are set whatever the result.
 */
int blkreq_parse(const union mica_blkif_req *req, const struct blk_disk *d,
                 struct blk_io *io);
/* Check io->nr_segs segments (a private copy) and the range they make. */
int blkreq_set_segs(struct blk_io *io, const struct mica_blkif_seg *segs,
                    const struct blk_disk *d);
/* The status to answer for a blkreq_* or I/O result. */
int16_t blkreq_status(int rc);

#endif
