// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: mapping a frontend's grants through /dev/mica/gntdev
 * (docs/dom0-driver.md). One MAP_GRANT_REF and one mmap() take every grant
 * of a request (the driver maps them with one hypercall batch); munmap()
 * and UNMAP_GRANT_REF give them back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <mica/gntdev.h>
#include "micablkback.h"

#define PAGE_SIZE 4096u

static int refs_record(struct blk_queue *q, const uint32_t *refs, unsigned int count,
                       uint64_t *index)
{
    struct mica_ioctl_gntdev_map_grant_ref *m;
    int rc = 0;

    m = calloc(1, sizeof(*m) + count * sizeof(uint32_t));
    if (!m)
        return -ENOMEM;
    m->domid = (uint16_t)q->vbd->fe_domid;
    m->count = count;
    memcpy(m->refs, refs, count * sizeof(uint32_t));
    if (ioctl(q->gnt_fd, MICA_IOCTL_GNTDEV_MAP_GRANT_REF, m) < 0)
        rc = -errno;
    else
        *index = m->index;
    free(m);
    return rc;
}

static void refs_forget(struct blk_queue *q, uint64_t index, unsigned int count)
{
    struct mica_ioctl_gntdev_unmap_grant_ref u = { .index = index, .count = count };

    if (ioctl(q->gnt_fd, MICA_IOCTL_GNTDEV_UNMAP_GRANT_REF, &u) < 0)
        blkback_log("vbd %u/%u: gntdev unmap of %u grants: %s",
                    q->vbd->fe_domid, q->vbd->devid, count, strerror(errno));
}

void *grants_map(struct blk_queue *q, const uint32_t *refs, unsigned int count,
                 bool writable, uint64_t *index)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *addr;

    if (count == 0 || count > MICA_GNTDEV_MAP_MAX || refs_record(q, refs, count, index))
        return NULL;
    q->maps++;
    addr = mmap(NULL, (size_t)count * PAGE_SIZE, prot, MAP_SHARED, q->gnt_fd, (off_t)*index);
    if (addr == MAP_FAILED) {
        blkback_dbg("vbd %u/%u: mapping %u grants (first %u): %s", q->vbd->fe_domid,
                    q->vbd->devid, count, refs[0], strerror(errno));
        refs_forget(q, *index, count);
        return NULL;
    }
    return addr;
}

void grants_unmap(struct blk_queue *q, void *addr, unsigned int count, uint64_t index)
{
    munmap(addr, (size_t)count * PAGE_SIZE);
    refs_forget(q, index, count);
}

int grants_copy(struct blk_queue *q, struct mica_gntdev_copy_seg *segs, unsigned int n)
{
    struct mica_ioctl_gntdev_grant_copy op = { .count = n, .segs = (uintptr_t)segs };

    for (unsigned int i = 0; i < n; i++) {
        if (segs[i].flags & MICA_GNTDEV_COPY_SRC_GREF)
            segs[i].src.domid = (uint16_t)q->vbd->fe_domid;
        if (segs[i].flags & MICA_GNTDEV_COPY_DST_GREF)
            segs[i].dst.domid = (uint16_t)q->vbd->fe_domid;
    }
    q->copies++;
    if (ioctl(q->gnt_fd, MICA_IOCTL_GNTDEV_GRANT_COPY, &op) < 0)
        return -errno;
    for (unsigned int i = 0; i < n; i++)
        if (segs[i].status)
            return -EFAULT;
    return 0;
}
