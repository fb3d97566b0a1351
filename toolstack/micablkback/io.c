// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: doing one checked request (struct blk_io) on the disk.
 *
 * Data moves one of two ways (micablkback -m, docs/pvio.md has the
 * measured exits per MiB): copy (the default) reads or writes the disk
 * through the queue's bounce pages and moves them to or from the guest's
 * grants with one GRANT_COPY batch; map maps the request's grants (one
 * batch) and does the disk I/O straight into the guest's pages. FUA is a
 * durable write (RWF_DSYNC, else fdatasync), flush is fdatasync, discard
 * punches a hole (the file stays sparse).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <mica/gntdev.h>
#include "micablkback.h"

#define PAGE_SIZE 4096u
#define SECTOR    512u

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif

enum blk_data_mode blkback_data_mode = BLK_DATA_COPY;

/* Per-thread scratch: one request's iovecs and copy segments. */
static __thread struct iovec iov[BLK_MAX_INDIRECT_SEGS];
static __thread struct mica_gntdev_copy_seg cseg[BLK_MAX_INDIRECT_SEGS];
/* Page-aligned: a GRANT_COPY destination must not cross a page. */
static __thread struct mica_blkif_seg isegs[BLK_MAX_INDIRECT_SEGS] __attribute__((aligned(4096)));

static void seg_bounds(const struct blk_seg *s, unsigned int *off, unsigned int *len)
{
    *off = s->first * SECTOR;
    *len = (s->last - s->first + 1u) * SECTOR;
}

/* Copy mode: the segments of the indirect pages, copied out. */
static int indirect_copy(struct blk_queue *q, struct blk_io *io)
{
    unsigned int bytes = io->nr_segs * sizeof(isegs[0]);

    for (unsigned int i = 0; i < io->nr_indirect; i++) {
        unsigned int len = bytes - i * PAGE_SIZE;

        cseg[i] = (struct mica_gntdev_copy_seg){
            .src.addr_or_ref = io->indirect_grefs[i],
            .dst.addr_or_ref = (uintptr_t)isegs + i * PAGE_SIZE,
            .len = (uint16_t)(len > PAGE_SIZE ? PAGE_SIZE : len),
            .flags = MICA_GNTDEV_COPY_SRC_GREF,
        };
    }
    return grants_copy(q, cseg, io->nr_indirect);
}

/* Map mode: the same, through a mapping. */
static int indirect_map(struct blk_queue *q, struct blk_io *io)
{
    uint64_t index;
    void *pages = grants_map(q, io->indirect_grefs, io->nr_indirect, false, &index);

    if (!pages)
        return -EFAULT;
    memcpy(isegs, pages, io->nr_segs * sizeof(isegs[0]));
    grants_unmap(q, pages, io->nr_indirect, index);
    return 0;
}

static int read_indirect(struct blk_queue *q, struct blk_io *io)
{
    int rc = blkback_data_mode == BLK_DATA_COPY ? indirect_copy(q, io) : indirect_map(q, io);

    return rc ? rc : blkreq_set_segs(io, isegs, &q->vbd->disk);
}

/* Whole transfer, or -errno (a short one is -EIO: the disk shrank under us). */
static int rw_all(int fd, bool write, struct iovec *v, int n, off_t off, bool fua)
{
    bool want_fua = write && fua;
    ssize_t done;

    for (;;) {
        if (write)
            done = pwritev2(fd, v, n, off, fua ? RWF_DSYNC : 0);
        else
            done = preadv(fd, v, n, off);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0 && write && fua && errno == EOPNOTSUPP) {
            fua = false;            /* no RWF_DSYNC: write, then fdatasync */
            continue;
        }
        if (done < 0)
            return -errno;
        break;
    }
    for (int i = 0; i < n; i++)
        done -= (ssize_t)v[i].iov_len;
    if (done != 0)
        return -EIO;
    if (want_fua && !fua && fdatasync(fd) < 0)
        return -errno;
    return 0;
}

static int disk_rw(struct blk_queue *q, struct blk_io *io, uint8_t *pages)
{
    unsigned int off, len;

    for (unsigned int i = 0; i < io->nr_segs; i++) {
        seg_bounds(&io->seg[i], &off, &len);
        iov[i].iov_base = pages + (size_t)i * PAGE_SIZE + off;
        iov[i].iov_len = len;
    }
    return rw_all(q->vbd->disk_fd, io->kind == BLK_WRITE, iov, (int)io->nr_segs,
                  (off_t)(io->sector * SECTOR), io->fua);
}

/* Copy mode: one GRANT_COPY between the bounce pages and the guest's. */
static int move_data(struct blk_queue *q, struct blk_io *io, bool to_guest)
{
    unsigned int off, len;

    for (unsigned int i = 0; i < io->nr_segs; i++) {
        struct mica_gntdev_copy_ptr grant = { .addr_or_ref = io->seg[i].gref };
        struct mica_gntdev_copy_ptr local;

        seg_bounds(&io->seg[i], &off, &len);
        grant.offset = (uint16_t)off;
        local = (struct mica_gntdev_copy_ptr){
            .addr_or_ref = (uintptr_t)q->bounce + (size_t)i * PAGE_SIZE + off,
        };
        cseg[i] = (struct mica_gntdev_copy_seg){
            .src = to_guest ? local : grant,
            .dst = to_guest ? grant : local,
            .len = (uint16_t)len,
            .flags = to_guest ? MICA_GNTDEV_COPY_DST_GREF : MICA_GNTDEV_COPY_SRC_GREF,
        };
    }
    return grants_copy(q, cseg, io->nr_segs);
}

static int rw_copy(struct blk_queue *q, struct blk_io *io)
{
    int rc;

    if (io->kind == BLK_WRITE) {
        rc = move_data(q, io, false);
        return rc ? rc : disk_rw(q, io, q->bounce);
    }
    rc = disk_rw(q, io, q->bounce);
    return rc ? rc : move_data(q, io, true);
}

static int rw_map(struct blk_queue *q, struct blk_io *io)
{
    static __thread uint32_t refs[BLK_MAX_INDIRECT_SEGS];
    uint64_t index;
    uint8_t *pages;
    int rc;

    for (unsigned int i = 0; i < io->nr_segs; i++)
        refs[i] = io->seg[i].gref;
    /* A read fills the guest's pages: they must be mapped writable. */
    pages = grants_map(q, refs, io->nr_segs, io->kind == BLK_READ, &index);
    if (!pages)
        return -EFAULT;
    rc = disk_rw(q, io, pages);
    grants_unmap(q, pages, io->nr_segs, index);
    return rc;
}

static int do_discard(struct blk_queue *q, struct blk_io *io)
{
    int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

    if (fallocate(q->vbd->disk_fd, mode, (off_t)(io->sector * SECTOR),
                  (off_t)(io->nr_sectors * SECTOR)) < 0)
        return -errno;
    return 0;
}

int blk_io_do(struct blk_queue *q, struct blk_io *io)
{
    int rc;

    if (io->nr_indirect) {
        rc = read_indirect(q, io);
        if (rc)
            return rc;
    }
    switch (io->kind) {
    case BLK_READ:
    case BLK_WRITE:
        return blkback_data_mode == BLK_DATA_COPY ? rw_copy(q, io) : rw_map(q, io);
    case BLK_FLUSH:
        return fdatasync(q->vbd->disk_fd) < 0 ? -errno : 0;
    case BLK_DISCARD:
        return do_discard(q, io);
    }
    return -EINVAL;
}
