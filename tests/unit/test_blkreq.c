// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback's request checks (toolstack/micablkback/blkreq.c): every
 * malformed request io/blkif.h lists is refused with the right status, and
 * good ones come out as the I/O they describe. The hostile-frontend cases
 * of issue 11 on the host: bad operations, segment counts, segment bounds,
 * sector ranges (including ones that wrap), writes to a read-only disk.
 */
#include <errno.h>
#include "check.h"
#include "../../toolstack/micablkback/blkreq.h"

#define DISK_SECTORS 2048u

static const struct blk_disk rw_disk = { .sectors = DISK_SECTORS, .discard = true };
static const struct blk_disk ro_disk = { .sectors = DISK_SECTORS, .readonly = true };

static union mica_blkif_req zero_req(void)
{
    union mica_blkif_req r;
    unsigned char *p = (unsigned char *)&r;

    for (unsigned int i = 0; i < sizeof(r); i++)
        p[i] = 0;
    return r;
}

/* A read or write of n full pages at sector. */
static union mica_blkif_req rw_req(uint8_t op, unsigned int n, uint64_t sector)
{
    union mica_blkif_req r = zero_req();

    r.rw.operation = op;
    r.rw.nr_segments = (uint8_t)n;
    r.rw.id = 0x1234abcdull;
    r.rw.sector_number = sector;
    for (unsigned int i = 0; i < n && i < MICA_BLKIF_MAX_SEGMENTS; i++) {
        r.rw.seg[i].gref = 100 + i;
        r.rw.seg[i].first_sect = 0;
        r.rw.seg[i].last_sect = 7;
    }
    return r;
}

static int parse(union mica_blkif_req r, const struct blk_disk *d, struct blk_io *io)
{
    return blkreq_parse(&r, d, io);
}

static void good_requests(void)
{
    static struct blk_io io;
    union mica_blkif_req r;

    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 11, 0), &rw_disk, &io), 0, "read of 11 pages");
    check_u64(io.nr_sectors, 88, "its length in sectors");
    check_u64(io.id, 0x1234abcdull, "its id is echoed");
    check_u64(io.seg[10].gref, 110, "its last segment's grant");
    check_i64(parse(rw_req(MICA_BLKIF_OP_WRITE, 1, DISK_SECTORS - 8), &rw_disk, &io), 0,
              "write of the disk's last page");
    r = rw_req(MICA_BLKIF_OP_WRITE, 1, 3);
    r.rw.seg[0].first_sect = 2;
    r.rw.seg[0].last_sect = 2;
    r.rw.flags = MICA_BLKIF_F_FUA;
    check_i64(parse(r, &rw_disk, &io), 0, "FUA write of one sector");
    check_bool(io.fua && io.nr_sectors == 1 && io.kind == BLK_WRITE, "io.fua", "it keeps FUA");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 2, 0), &ro_disk, &io), 0, "read of a read-only disk");
    r = rw_req(MICA_BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
    check_i64(parse(r, &rw_disk, &io), 0, "flush");
    check_bool(io.kind == BLK_FLUSH, "io.kind == BLK_FLUSH", "it is a flush");
}

static void bad_rw(void)
{
    static struct blk_io io;
    union mica_blkif_req r;

    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 0, 0), &rw_disk, &io), -EINVAL, "read of 0 segments");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 12, 0), &rw_disk, &io), -EINVAL, "read of 12 segments");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 255, 0), &rw_disk, &io), -EINVAL, "read of 255 segments");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 1, DISK_SECTORS - 7), &rw_disk, &io), -EINVAL,
              "read crossing the disk's end");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 1, DISK_SECTORS), &rw_disk, &io), -EINVAL,
              "read at the disk's end");
    check_i64(parse(rw_req(MICA_BLKIF_OP_READ, 1, ~0ull - 3), &rw_disk, &io), -EINVAL,
              "read whose range wraps around 2^64");
    r = rw_req(MICA_BLKIF_OP_READ, 2, 0);
    r.rw.seg[1].first_sect = 5;
    r.rw.seg[1].last_sect = 4;
    check_i64(parse(r, &rw_disk, &io), -EINVAL, "segment with first_sect > last_sect");
    r = rw_req(MICA_BLKIF_OP_READ, 2, 0);
    r.rw.seg[0].last_sect = 8;
    check_i64(parse(r, &rw_disk, &io), -EINVAL, "segment with last_sect 8");
    r = rw_req(MICA_BLKIF_OP_READ, 2, 0);
    r.rw.seg[0].first_sect = 200;
    r.rw.seg[0].last_sect = 255;
    check_i64(parse(r, &rw_disk, &io), -EINVAL, "segment with sectors 200..255");
    check_i64(parse(rw_req(MICA_BLKIF_OP_WRITE, 1, 0), &ro_disk, &io), -EROFS,
              "write to a read-only disk");
    check_i64(blkreq_status(-EROFS), MICA_BLKIF_RSP_ERROR, "a read-only refusal answers RSP_ERROR");
    r = rw_req(MICA_BLKIF_OP_FLUSH_DISKCACHE, 1, 0);
    check_i64(parse(r, &rw_disk, &io), -EINVAL, "flush with a segment");
    check_i64(parse(rw_req(MICA_BLKIF_OP_FLUSH_DISKCACHE, 0, 0), &ro_disk, &io), -EROFS,
              "flush of a read-only disk");
}

static void bad_ops(void)
{
    static struct blk_io io;
    union mica_blkif_req r;
    static const uint8_t ops[] = { MICA_BLKIF_OP_WRITE_BARRIER, 4, 7, 0x80, 0xff };

    for (unsigned int i = 0; i < sizeof(ops); i++) {
        r = rw_req(ops[i], 1, 0);
        check_i64(parse(r, &rw_disk, &io), -EOPNOTSUPP, "operation %u is refused", ops[i]);
        check_u64(io.operation, ops[i], "operation %u is echoed", ops[i]);
        check_u64(io.id, 0x1234abcdull, "operation %u's id is echoed", ops[i]);
    }
    check_i64(blkreq_status(-EOPNOTSUPP), MICA_BLKIF_RSP_EOPNOTSUPP, "it answers RSP_EOPNOTSUPP");
    check_i64(blkreq_status(-EINVAL), MICA_BLKIF_RSP_ERROR, "a bad request answers RSP_ERROR");
    check_i64(blkreq_status(0), MICA_BLKIF_RSP_OKAY, "a good one RSP_OKAY");
}

static union mica_blkif_req discard_req(uint64_t sector, uint64_t n)
{
    union mica_blkif_req r = zero_req();

    r.discard.operation = MICA_BLKIF_OP_DISCARD;
    r.discard.id = 7;
    r.discard.sector_number = sector;
    r.discard.nr_sectors = n;
    return r;
}

static void discards(void)
{
    static struct blk_io io;
    union mica_blkif_req r;

    check_i64(parse(discard_req(8, 1024), &rw_disk, &io), 0, "discard of 1024 sectors");
    check_bool(io.kind == BLK_DISCARD && io.nr_sectors == 1024, "io", "it is that discard");
    check_i64(parse(discard_req(0, DISK_SECTORS + 1), &rw_disk, &io), -EINVAL, "discard past the end");
    check_i64(parse(discard_req(8, ~0ull), &rw_disk, &io), -EINVAL, "discard of 2^64-1 sectors");
    check_i64(parse(discard_req(8, 0), &rw_disk, &io), -EINVAL, "discard of 0 sectors");
    check_i64(parse(discard_req(8, 8), &ro_disk, &io), -EOPNOTSUPP,
              "discard where it is not offered");
    r = discard_req(8, 8);
    r.discard.flag = 1;
    check_i64(parse(r, &rw_disk, &io), -EOPNOTSUPP, "secure discard");
}

static union mica_blkif_req indirect_req(uint8_t op, unsigned int n)
{
    union mica_blkif_req r = zero_req();

    r.indirect.operation = MICA_BLKIF_OP_INDIRECT;
    r.indirect.indirect_op = op;
    r.indirect.nr_segments = (uint16_t)n;
    r.indirect.id = 9;
    r.indirect.sector_number = 16;
    r.indirect.indirect_grefs[0] = 77;
    return r;
}

static void indirects(void)
{
    static struct blk_io io;
    static struct mica_blkif_seg segs[BLK_MAX_INDIRECT_SEGS];

    check_i64(parse(indirect_req(MICA_BLKIF_OP_WRITE, BLK_MAX_INDIRECT_SEGS), &rw_disk, &io), 0,
              "indirect write of %u segments", BLK_MAX_INDIRECT_SEGS);
    check_u64(io.nr_indirect, 1, "it needs one indirect page");
    check_u64(io.indirect_grefs[0], 77, "the indirect page's grant");
    for (unsigned int i = 0; i < BLK_MAX_INDIRECT_SEGS; i++)
        segs[i] = (struct mica_blkif_seg){ .gref = 1000 + i, .first_sect = 0, .last_sect = 7 };
    check_i64(blkreq_set_segs(&io, segs, &rw_disk), 0, "its segments");
    check_u64(io.nr_sectors, 8 * BLK_MAX_INDIRECT_SEGS, "its length");
    segs[5].last_sect = 9;
    check_i64(blkreq_set_segs(&io, segs, &rw_disk), -EINVAL, "an indirect segment with last_sect 9");
    segs[5].last_sect = 7;
    io.sector = DISK_SECTORS - 8;
    check_i64(blkreq_set_segs(&io, segs, &rw_disk), -EINVAL, "indirect segments past the end");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_READ, 0), &rw_disk, &io), -EINVAL,
              "indirect read of 0 segments");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_READ, BLK_MAX_INDIRECT_SEGS + 1), &rw_disk, &io),
              -EINVAL, "indirect read above the limit");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_READ, 0xffff), &rw_disk, &io), -EINVAL,
              "indirect read of 65535 segments");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_DISCARD, 4), &rw_disk, &io), -EINVAL,
              "indirect discard");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_INDIRECT, 4), &rw_disk, &io), -EINVAL,
              "indirect of indirect");
    check_i64(parse(indirect_req(MICA_BLKIF_OP_WRITE, 4), &ro_disk, &io), -EROFS,
              "indirect write to a read-only disk");
}

int main(void)
{
    check_area("blkreq");
    good_requests();
    bad_rw();
    bad_ops();
    discards();
    indirects();
    return check_done();
}
