// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: doing one checked request (struct blk_io) on the disk.
 * Reads and writes map the request's data grants (one batch), then
 * preadv/pwritev straight between the disk and the guest's pages; FUA is
 * a durable write (RWF_DSYNC, else fdatasync), flush is fdatasync, discard
 * punches a hole (the file stays sparse).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "micablkback.h"

#define PAGE_SIZE 4096u
#define SECTOR    512u

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif

/* The indirect pages of io hold its segments: copy them out, then check them. */
static int read_indirect(struct blk_queue *q, struct blk_io *io)
{
    static __thread struct mica_blkif_seg segs[BLK_MAX_INDIRECT_SEGS];
    uint64_t index;
    void *pages;
    int rc;

    pages = grants_map(q, io->indirect_grefs, io->nr_indirect, false, &index);
    if (!pages)
        return -EFAULT;
    memcpy(segs, pages, io->nr_segs * sizeof(segs[0]));
    grants_unmap(q, pages, io->nr_indirect, index);
    rc = blkreq_set_segs(io, segs, &q->vbd->disk);
    return rc;
}

/* Whole transfer, or -errno (a short one is -EIO: the disk shrank under us). */
static int rw_all(int fd, bool write, struct iovec *iov, int n, off_t off, bool fua)
{
    bool want_fua = write && fua;
    ssize_t done;

    for (;;) {
        if (write)
            done = pwritev2(fd, iov, n, off, fua ? RWF_DSYNC : 0);
        else
            done = preadv(fd, iov, n, off);
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
        done -= (ssize_t)iov[i].iov_len;
    if (done != 0)
        return -EIO;
    if (want_fua && !fua && fdatasync(fd) < 0)
        return -errno;
    return 0;
}

static int do_rw(struct blk_queue *q, struct blk_io *io)
{
    static __thread uint32_t refs[BLK_MAX_INDIRECT_SEGS];
    static __thread struct iovec iov[BLK_MAX_INDIRECT_SEGS];
    bool write = io->kind == BLK_WRITE;
    uint64_t index;
    uint8_t *pages;
    unsigned int i;
    int rc;

    for (i = 0; i < io->nr_segs; i++)
        refs[i] = io->seg[i].gref;
    /* A read fills the guest's pages: they must be mapped writable. */
    pages = grants_map(q, refs, io->nr_segs, !write, &index);
    if (!pages)
        return -EFAULT;
    for (i = 0; i < io->nr_segs; i++) {
        iov[i].iov_base = pages + (size_t)i * PAGE_SIZE + io->seg[i].first * SECTOR;
        iov[i].iov_len = (size_t)(io->seg[i].last - io->seg[i].first + 1u) * SECTOR;
    }
    rc = rw_all(q->vbd->disk_fd, write, iov, (int)io->nr_segs,
                (off_t)(io->sector * SECTOR), io->fua);
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
        return do_rw(q, io);
    case BLK_FLUSH:
        return fdatasync(q->vbd->disk_fd) < 0 ? -errno : 0;
    case BLK_DISCARD:
        return do_discard(q, io);
    }
    return -EINVAL;
}
