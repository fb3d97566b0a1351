// SPDX-License-Identifier: GPL-2.0-only
/*
 * micablkback: one shared ring, served by a thread of its own. The ring
 * page is mapped once at connect; the interdomain event channel is bound
 * through a /dev/mica/evtchn file of the queue's own. Each request is
 * copied out of the shared page, checked (blkreq.c), done (io.c) and
 * answered; a producer index that claims more requests than the ring holds
 * breaks the ring, and the vbd then closes the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <mica/evtchn.h>
#include <mica/gntdev.h>
#include "micablkback.h"

#define RING_BYTES 4096u
#define SERVE_PASSES 8
#define BOUNCE_BYTES ((size_t)BLK_MAX_INDIRECT_SEGS * 4096u)

static void notify(struct blk_queue *q)
{
    struct mica_ioctl_evtchn_port p = { .port = q->port };

    q->notifies++;
    if (ioctl(q->evt_fd, MICA_IOCTL_EVTCHN_NOTIFY, &p) < 0)
        blkback_dbg("vbd %u/%u: notify port %u: %s", q->vbd->fe_domid, q->vbd->devid,
                    q->port, strerror(errno));
}

static void answer(struct blk_queue *q, const struct blk_io *io, int16_t status)
{
    struct mica_blkif_rsp *rsp = MICA_RING_RSP_SLOT(&q->ring, q->ring.rsp_prod_pvt);
    struct mica_blkif_rsp r = { .id = io->id, .operation = io->operation, .status = status };

    memcpy(rsp, &r, sizeof(r));
    q->ring.rsp_prod_pvt++;
}

static void serve_one(struct blk_queue *q, const union mica_blkif_req *req)
{
    static __thread struct blk_io io;
    int rc;

    rc = blkreq_parse(req, &q->vbd->disk, &io);
    if (!rc)
        rc = blk_io_do(q, &io);
    if (rc) {
        q->refused++;
        blkback_dbg("vbd %u/%u: request %#llx op %u: %s", q->vbd->fe_domid, q->vbd->devid,
                    (unsigned long long)io.id, io.operation, strerror(-rc));
    } else {
        q->served++;
        if (io.kind == BLK_READ || io.kind == BLK_WRITE)
            q->bytes += io.nr_sectors * 512u;
    }
    answer(q, &io, blkreq_status(rc));
}

/*
 * What the frontend has produced, a few ring-fuls at most (a frontend that
 * never stops producing must not keep the stop request waiting): 1 when
 * more is waiting, 0 when the ring is empty and the frontend asked to be
 * notified, -EPROTO when its producer is impossible.
 */
static int serve_ring(struct blk_queue *q)
{
    union mica_blkif_req req;
    mica_ring_idx_t prod;
    int more = 1, note, passes = 0;

    while (more && passes++ < SERVE_PASSES) {
        prod = MICA_RING_REQ_PROD(&q->ring);
        mica_ring_rmb();
        if (MICA_RING_REQ_OVERFLOW(&q->ring, prod))
            return -EPROTO;
        while (q->ring.req_cons != prod) {
            memcpy(&req, MICA_RING_REQ_SLOT(&q->ring, q->ring.req_cons), sizeof(req));
            q->ring.req_cons++;
            serve_one(q, &req);
        }
        MICA_RING_PUSH_RSPS_NOTIFY(&q->ring, note);
        if (note)
            notify(q);
        MICA_RING_FINAL_CHECK_REQS(&q->ring, prod, more);
    }
    return more ? 1 : 0;
}

/* Wait (timeout_ms; -1 forever) for the port or the stop request: 1 go on, 0 stop, -errno. */
static int wait_event(struct blk_queue *q, int timeout_ms)
{
    struct pollfd p[2] = { { .fd = q->evt_fd, .events = POLLIN }, { .fd = q->stop_fd, .events = POLLIN } };
    uint32_t port;

    if (poll(p, 2, timeout_ms) < 0)
        return errno == EINTR ? 1 : -errno;
    if (p[1].revents)
        return 0;
    if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
        return -EPIPE;
    if (!(p[0].revents & POLLIN))
        return 1;
    if (read(q->evt_fd, &port, sizeof(port)) != sizeof(port))
        return errno == EAGAIN ? 1 : -EIO;
    q->events++;
    if (write(q->evt_fd, &port, sizeof(port)) != sizeof(port))
        return -EIO;
    return 1;
}

static void *queue_thread(void *arg)
{
    struct blk_queue *q = arg;
    uint64_t one = 1;
    int rc = 1, more;

    /* Requests may already be waiting (the frontend notified before we bound). */
    while (rc > 0) {
        more = serve_ring(q);
        if (more < 0) {
            blkback_log("vbd %u/%u: queue %u: the frontend's producer index overflows the ring;"
                        " disconnecting the device", q->vbd->fe_domid, q->vbd->devid, q->index);
            rc = -EPROTO;
            break;
        }
        rc = wait_event(q, more ? 0 : -1);
    }
    if (rc < 0 && write(q->vbd->broken_fd, &one, sizeof(one)) < 0)
        blkback_log("vbd %u/%u: queue %u: %s", q->vbd->fe_domid, q->vbd->devid, q->index,
                    strerror(errno));
    return NULL;
}

static int bind_port(struct blk_queue *q)
{
    struct mica_ioctl_evtchn_bind_interdomain b = {
        .remote_domain = q->vbd->fe_domid, .remote_port = q->remote_port,
    };
    int rc;

    q->evt_fd = open(MICA_EVTCHN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (q->evt_fd < 0)
        return -errno;
    rc = ioctl(q->evt_fd, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (rc <= 0)
        return rc < 0 ? -errno : -EIO;
    q->port = (uint32_t)rc;
    return 0;
}

static int map_ring(struct blk_queue *q)
{
    q->bounce = mmap(NULL, BOUNCE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q->bounce == MAP_FAILED) {
        q->bounce = NULL;
        return -ENOMEM;
    }
    q->gnt_fd = open(MICA_GNTDEV_PATH, O_RDWR | O_CLOEXEC);
    if (q->gnt_fd < 0)
        return -errno;
    q->ring_page = grants_map(q, &q->ring_ref, 1, true, &q->ring_index);
    if (!q->ring_page)
        return -EFAULT;
    MICA_RING_BACK_INIT(&q->ring, (struct mica_blkif_sring *)q->ring_page, RING_BYTES);
    return 0;
}

/* Map the ring, bind the port, start the thread: 0, or -errno and nothing held. */
int queue_connect(struct blk_queue *q)
{
    int rc;

    q->gnt_fd = q->evt_fd = q->stop_fd = -1;
    q->ring_page = NULL;
    q->bounce = NULL;
    rc = map_ring(q);
    if (!rc)
        rc = bind_port(q);
    if (!rc) {
        q->stop_fd = eventfd(0, EFD_CLOEXEC);
        if (q->stop_fd < 0)
            rc = -errno;
    }
    if (!rc) {
        rc = -pthread_create(&q->thread, NULL, queue_thread, q);
        q->running = !rc;
    }
    if (rc)
        queue_disconnect(q);
    return rc;
}

/* Stop the thread (it finishes the request in hand), unmap, unbind, close. */
void queue_disconnect(struct blk_queue *q)
{
    uint64_t one = 1;

    if (q->running) {
        if (write(q->stop_fd, &one, sizeof(one)) < 0)
            blkback_log("vbd %u/%u: stopping queue %u: %s", q->vbd->fe_domid,
                        q->vbd->devid, q->index, strerror(errno));
        pthread_join(q->thread, NULL);
        q->running = false;
        blkback_log("vbd %u/%u: queue %u: %llu requests (%llu refused), %llu KiB, %llu grant copies,"
                    " %llu grant maps, %llu notifications sent, %llu received", q->vbd->fe_domid,
                    q->vbd->devid, q->index, (unsigned long long)q->served,
                    (unsigned long long)q->refused, (unsigned long long)(q->bytes >> 10),
                    (unsigned long long)q->copies, (unsigned long long)q->maps,
                    (unsigned long long)q->notifies, (unsigned long long)q->events);
    }
    if (q->ring_page)
        grants_unmap(q, q->ring_page, 1, q->ring_index);
    q->ring_page = NULL;
    /* Closing the files releases whatever is left (the port, any grant). */
    if (q->evt_fd >= 0)
        close(q->evt_fd);
    if (q->gnt_fd >= 0)
        close(q->gnt_fd);
    if (q->stop_fd >= 0)
        close(q->stop_fd);
    if (q->bounce)
        munmap(q->bounce, BOUNCE_BYTES);
    q->bounce = NULL;
    q->evt_fd = q->gnt_fd = q->stop_fd = -1;
}
