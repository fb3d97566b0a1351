/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micablkback: the dom0 backend of Mica's PV block devices (docs/pvio.md).
 * main.c watches /local/domain/0/backend/vbd and starts one vbd per device;
 * vbd.c runs a device's half of the bus handshake in a thread of its own
 * with its own store connection; queue.c serves one shared ring per thread;
 * blkreq.c checks each request before any grant is touched.
 */
#ifndef MICABLKBACK_H
#define MICABLKBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <micactl.h>
#include <public/io/blkif.h>
#include "blkreq.h"

#define BLKBACK_MAX_QUEUES   4u
#define BLKBACK_PATH_MAX     256u
#define BLKBACK_VBD_ROOT     "/local/domain/0/backend/vbd"

/* How request data moves: GRANT_COPY (one hypercall a request), or mapping
 * the grants (a map, an unmap and a repopulate per page). */
enum blk_data_mode { BLK_DATA_COPY, BLK_DATA_MAP };
extern enum blk_data_mode blkback_data_mode;
extern int blkback_verbose;
__attribute__((format(printf, 1, 2))) void blkback_log(const char *fmt, ...);
#define blkback_dbg(...) do { if (blkback_verbose) blkback_log(__VA_ARGS__); } while (0)

/* One shared ring and the thread that serves it. */
struct blk_queue {
    struct vbd *vbd;
    unsigned int index;
    uint32_t ring_ref, remote_port, port;
    int gnt_fd, evt_fd, stop_fd;        /* stop_fd: an eventfd the vbd writes */
    void *ring_page;
    uint64_t ring_index;                /* the gntdev offset of the ring page */
    struct mica_blkif_back ring;
    pthread_t thread;
    bool running;
    uint8_t *bounce;                    /* copy mode: BLK_MAX_INDIRECT_SEGS pages */
    /* What the queue did (logged at disconnect; make bench-blk reads it):
     * requests served and refused, bytes moved, GRANT_COPY and map
     * ioctls (one hypercall batch each), notifications sent and received. */
    uint64_t served, refused, bytes, copies, maps, notifies, events;
};

struct vbd {
    struct vbd *next;                   /* main.c's list */
    unsigned int fe_domid, devid;
    char be[BLKBACK_PATH_MAX];          /* our directory */
    char fe[BLKBACK_PATH_MAX];          /* the frontend's */
    mica_store *st;
    int disk_fd;
    bool is_block;
    struct blk_disk disk;
    unsigned int nr_queues;
    struct blk_queue q[BLKBACK_MAX_QUEUES];
    int broken_fd;                      /* an eventfd a queue writes when its ring is broken */
    pthread_t thread;
    volatile bool done;                 /* the thread has finished; main.c joins it */
};

/* main.c: a vbd's thread finished (v->done set): the main loop reaps it. */
void blkback_vbd_finished(void);
/* vbd.c */
struct vbd *vbd_start(unsigned int fe_domid, unsigned int devid);
/* queue.c */
int queue_connect(struct blk_queue *q);
void queue_disconnect(struct blk_queue *q);
/* io.c: serve one checked request; 0 or -errno. */
int blk_io_do(struct blk_queue *q, struct blk_io *io);
/* grants.c: map count grants of the frontend (a gntdev file of q's); NULL on failure. */
void *grants_map(struct blk_queue *q, const uint32_t *refs, unsigned int count,
                 bool writable, uint64_t *index);
void grants_unmap(struct blk_queue *q, void *addr, unsigned int count, uint64_t index);
struct mica_gntdev_copy_seg;
/* One GRANT_COPY batch of n segments (grant sides: the frontend's): 0 or -errno. */
int grants_copy(struct blk_queue *q, struct mica_gntdev_copy_seg *segs, unsigned int n);

#endif
