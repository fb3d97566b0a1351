// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: checking a block request before any grant is touched
 * (blkreq.h). Every field the frontend wrote is hostile: operations,
 * segment counts, sector numbers and segment bounds are checked here, and
 * only a struct blk_io that passed reaches the I/O code.
 */
#include <errno.h>
#include <stddef.h>
#include "blkreq.h"

/* first + len > disk, without overflowing. */
static bool past_end(uint64_t first, uint64_t len, uint64_t sectors)
{
    return first > sectors || len > sectors - first;
}

static int check_range(const struct blk_io *io, const struct blk_disk *d)
{
    if (past_end(io->sector, io->nr_sectors, d->sectors))
        return -EINVAL;
    if (io->kind != BLK_READ && d->readonly)
        return -EROFS;
    return 0;
}

int blkreq_set_segs(struct blk_io *io, const struct mica_blkif_seg *segs,
                    const struct blk_disk *d)
{
    uint64_t total = 0;
    unsigned int i;

    for (i = 0; i < io->nr_segs; i++) {
        if (segs[i].first_sect > segs[i].last_sect ||
            segs[i].last_sect >= BLK_SECTORS_PER_PAGE)
            return -EINVAL;
        io->seg[i].gref = segs[i].gref;
        io->seg[i].first = segs[i].first_sect;
        io->seg[i].last = segs[i].last_sect;
        total += segs[i].last_sect - segs[i].first_sect + 1u;
    }
    io->nr_sectors = total;
    io->nr_indirect = 0;
    return check_range(io, d);
}

static int parse_rw(const struct mica_blkif_req_rw *rw, const struct blk_disk *d,
                    struct blk_io *io)
{
    io->kind = rw->operation == MICA_BLKIF_OP_READ ? BLK_READ : BLK_WRITE;
    io->fua = rw->flags & MICA_BLKIF_F_FUA;
    io->sector = rw->sector_number;
    io->nr_segs = rw->nr_segments;
    if (io->nr_segs == 0 || io->nr_segs > MICA_BLKIF_MAX_SEGMENTS)
        return -EINVAL;
    return blkreq_set_segs(io, rw->seg, d);
}

static int parse_flush(const struct mica_blkif_req_rw *rw, const struct blk_disk *d,
                       struct blk_io *io)
{
    io->kind = BLK_FLUSH;
    io->sector = 0;
    io->nr_segs = 0;
    io->nr_sectors = 0;
    return rw->nr_segments ? -EINVAL : check_range(io, d);
}

static int parse_discard(const struct mica_blkif_req_discard *dc,
                         const struct blk_disk *d, struct blk_io *io)
{
    if (!d->discard || dc->flag)
        return -EOPNOTSUPP;
    io->kind = BLK_DISCARD;
    io->sector = dc->sector_number;
    io->nr_sectors = dc->nr_sectors;
    io->nr_segs = 0;
    if (!io->nr_sectors)
        return -EINVAL;
    return check_range(io, d);
}

static int parse_indirect(const struct mica_blkif_req_indirect *ind,
                          const struct blk_disk *d, struct blk_io *io)
{
    unsigned int i, pages;

    if (ind->indirect_op != MICA_BLKIF_OP_READ && ind->indirect_op != MICA_BLKIF_OP_WRITE)
        return -EINVAL;
    io->kind = ind->indirect_op == MICA_BLKIF_OP_READ ? BLK_READ : BLK_WRITE;
    io->fua = ind->flags & MICA_BLKIF_F_FUA;
    io->sector = ind->sector_number;
    io->nr_segs = ind->nr_segments;
    if (io->nr_segs == 0 || io->nr_segs > BLK_MAX_INDIRECT_SEGS)
        return -EINVAL;
    if (io->kind == BLK_WRITE && d->readonly)
        return -EROFS;
    /* The sector range is checked once the segments are read. */
    pages = (io->nr_segs + MICA_BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
            MICA_BLKIF_SEGS_PER_INDIRECT_PAGE;
    io->nr_indirect = pages;
    for (i = 0; i < pages; i++)
        io->indirect_grefs[i] = ind->indirect_grefs[i];
    return 0;
}

int blkreq_parse(const union mica_blkif_req *req, const struct blk_disk *d,
                 struct blk_io *io)
{
    io->id = req->rw.id;
    io->operation = req->operation;
    io->fua = false;
    io->nr_indirect = 0;
    io->nr_segs = 0;
    switch (req->operation) {
    case MICA_BLKIF_OP_READ:
    case MICA_BLKIF_OP_WRITE:
        return parse_rw(&req->rw, d, io);
    case MICA_BLKIF_OP_FLUSH_DISKCACHE:
        return parse_flush(&req->rw, d, io);
    case MICA_BLKIF_OP_DISCARD:
        return parse_discard(&req->discard, d, io);
    case MICA_BLKIF_OP_INDIRECT:
        return parse_indirect(&req->indirect, d, io);
    default:
        return -EOPNOTSUPP;
    }
}

int16_t blkreq_status(int rc)
{
    if (rc == 0)
        return MICA_BLKIF_RSP_OKAY;
    if (rc == -EOPNOTSUPP)
        return MICA_BLKIF_RSP_EOPNOTSUPP;
    return MICA_BLKIF_RSP_ERROR;
}
