/* SPDX-License-Identifier: MIT */
/*
 * Shared request/response rings, the model of Xen's io/ring.h: one page (or
 * an order of pages) shared by a frontend (the guest) and a backend (dom0).
 * The frontend produces requests and consumes responses; the backend the
 * reverse. Indices are free-running 32-bit counters; a slot is index &
 * (size - 1); the number of slots is the largest power of two that fits.
 *
 *   MICA_RING_DEFINE(blkif, struct blkif_req, struct blkif_rsp);
 * declares
 *   union blkif_slot { struct blkif_req req; struct blkif_rsp rsp; };
 *   struct blkif_sring { req_prod, req_event, rsp_prod, rsp_event, pad, ring[] };
 *   struct blkif_front { req_prod_pvt, rsp_cons, nr_slots, sring };
 *   struct blkif_back  { rsp_prod_pvt, req_cons, nr_slots, sring };
 *
 * Notification (event channels) follows Xen's rule: after publishing
 * prod, the producer notifies only if the consumer's *_event lies in
 * (old prod, new prod]; a consumer that runs out of work sets *_event to
 * cons + 1 and checks again (MICA_RING_FINAL_CHECK_*), so no wake-up is lost
 * and a busy ring takes one notification per batch, not per request.
 *
 * A backend must treat every field the frontend writes as hostile: it reads
 * req_prod once (MICA_RING_REQ_PROD), refuses a producer more than nr_slots
 * ahead of its consumer (MICA_RING_REQ_OVERFLOW: disconnect the device), and
 * copies each request out of the shared page before checking it.
 */
#ifndef MICA_PUBLIC_IO_RING_H
#define MICA_PUBLIC_IO_RING_H

#include "../types.h"

typedef uint32_t mica_ring_idx_t;

#if defined(__KERNEL__)
#define mica_ring_mb()   virt_mb()
#define mica_ring_rmb()  virt_rmb()
#define mica_ring_wmb()  virt_wmb()
#define MICA_RING_READ_ONCE(x)  READ_ONCE(x)
#define MICA_RING_WRITE_ONCE(x, v) WRITE_ONCE(x, v)
#else
#define mica_ring_mb()   __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define mica_ring_rmb()  __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mica_ring_wmb()  __atomic_thread_fence(__ATOMIC_RELEASE)
#define MICA_RING_READ_ONCE(x)  __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define MICA_RING_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#endif

/* Header of a shared ring: 64 bytes, then the slots. */
#define MICA_RING_HDR_SIZE 64

/* The largest power of two <= x (x > 0, 32 bits). */
#define MICA__RD2(x)  (((x) & 0x2u) ? 0x2u : ((x) & 0x1u))
#define MICA__RD4(x)  (((x) & 0xcu) ? (MICA__RD2((x) >> 2) << 2) : MICA__RD2(x))
#define MICA__RD8(x)  (((x) & 0xf0u) ? (MICA__RD4((x) >> 4) << 4) : MICA__RD4(x))
#define MICA__RD16(x) (((x) & 0xff00u) ? (MICA__RD8((x) >> 8) << 8) : MICA__RD8(x))
#define MICA__RD32(x) (((x) & 0xffff0000u) ? (MICA__RD16((x) >> 16) << 16) : MICA__RD16(x))

/* Slots in a shared ring of `bytes` bytes whose slot union is `slot_size` bytes. */
#define MICA_RING_SLOTS(bytes, slot_size) \
    MICA__RD32((uint32_t)(((bytes) - MICA_RING_HDR_SIZE) / (slot_size)))

#define MICA_RING_DEFINE(name, req_t, rsp_t)                                   \
    union name##_slot { req_t req; rsp_t rsp; };                               \
    struct name##_sring {                                                      \
        mica_ring_idx_t req_prod, req_event;                                   \
        mica_ring_idx_t rsp_prod, rsp_event;                                   \
        uint8_t pad[MICA_RING_HDR_SIZE - 16];                                  \
        union name##_slot ring[];                                              \
    };                                                                         \
    struct name##_front {                                                      \
        mica_ring_idx_t req_prod_pvt, rsp_cons;                                \
        uint32_t nr_slots;                                                     \
        struct name##_sring *sring;                                            \
    };                                                                         \
    struct name##_back {                                                       \
        mica_ring_idx_t rsp_prod_pvt, req_cons;                                \
        uint32_t nr_slots;                                                     \
        struct name##_sring *sring;                                            \
    }

/* The frontend zeroes and initialises a new shared ring before granting it. */
#define MICA_RING_SHARED_INIT(s) do {                                          \
        (s)->req_prod = (s)->rsp_prod = 0;                                     \
        (s)->req_event = (s)->rsp_event = 1;                                   \
    } while (0)

#define MICA_RING_FRONT_INIT(r, s, bytes) do {                                 \
        (r)->req_prod_pvt = (r)->rsp_cons = 0;                                 \
        (r)->nr_slots = MICA_RING_SLOTS(bytes, sizeof((s)->ring[0]));          \
        (r)->sring = (s);                                                      \
    } while (0)

#define MICA_RING_BACK_INIT(r, s, bytes) do {                                  \
        (r)->rsp_prod_pvt = (r)->req_cons = 0;                                 \
        (r)->nr_slots = MICA_RING_SLOTS(bytes, sizeof((s)->ring[0]));          \
        (r)->sring = (s);                                                      \
    } while (0)

#define MICA_RING_SLOT(r, idx)   (&(r)->sring->ring[(idx) & ((r)->nr_slots - 1)])
#define MICA_RING_REQ_SLOT(r, idx)  (&MICA_RING_SLOT(r, idx)->req)
#define MICA_RING_RSP_SLOT(r, idx)  (&MICA_RING_SLOT(r, idx)->rsp)

/* Frontend: free request slots. */
#define MICA_RING_FREE_REQS(r) \
    ((r)->nr_slots - ((r)->req_prod_pvt - (r)->rsp_cons))
#define MICA_RING_FULL(r)  (MICA_RING_FREE_REQS(r) == 0)

/* Frontend: responses waiting (reads rsp_prod once; rmb before the slots). */
#define MICA_RING_HAS_RSPS(r) \
    ((mica_ring_idx_t)(MICA_RING_READ_ONCE((r)->sring->rsp_prod) - (r)->rsp_cons))

/* Backend: the frontend's producer, read once; check it before using it. */
#define MICA_RING_REQ_PROD(r)  MICA_RING_READ_ONCE((r)->sring->req_prod)

/*
 * Backend: true when prod claims more outstanding requests than there can
 * be (requests not yet answered > nr_slots): a hostile or broken frontend.
 */
#define MICA_RING_REQ_OVERFLOW(r, prod) \
    ((mica_ring_idx_t)((prod) - (r)->rsp_prod_pvt) > (r)->nr_slots)

/* Publish private producers; set notify when the other side asked for it. */
#define MICA_RING_PUSH_REQS_NOTIFY(r, notify) do {                             \
        mica_ring_idx_t old_ = (r)->sring->req_prod;                           \
        mica_ring_idx_t new_ = (r)->req_prod_pvt;                              \
        mica_ring_wmb();                                                       \
        MICA_RING_WRITE_ONCE((r)->sring->req_prod, new_);                      \
        mica_ring_mb();                                                        \
        (notify) = (mica_ring_idx_t)(new_ -                                    \
            MICA_RING_READ_ONCE((r)->sring->req_event)) <                      \
            (mica_ring_idx_t)(new_ - old_);                                    \
    } while (0)

#define MICA_RING_PUSH_RSPS_NOTIFY(r, notify) do {                             \
        mica_ring_idx_t old_ = (r)->sring->rsp_prod;                           \
        mica_ring_idx_t new_ = (r)->rsp_prod_pvt;                              \
        mica_ring_wmb();                                                       \
        MICA_RING_WRITE_ONCE((r)->sring->rsp_prod, new_);                      \
        mica_ring_mb();                                                        \
        (notify) = (mica_ring_idx_t)(new_ -                                    \
            MICA_RING_READ_ONCE((r)->sring->rsp_event)) <                      \
            (mica_ring_idx_t)(new_ - old_);                                    \
    } while (0)

/* Consumer out of work: ask to be notified, then look once more. */
#define MICA_RING_FINAL_CHECK_REQS(r, prod, more) do {                         \
        MICA_RING_WRITE_ONCE((r)->sring->req_event, (r)->req_cons + 1);        \
        mica_ring_mb();                                                        \
        (prod) = MICA_RING_REQ_PROD(r);                                        \
        (more) = (prod) != (r)->req_cons;                                      \
    } while (0)

#define MICA_RING_FINAL_CHECK_RSPS(r, more) do {                               \
        MICA_RING_WRITE_ONCE((r)->sring->rsp_event, (r)->rsp_cons + 1);        \
        mica_ring_mb();                                                        \
        (more) = MICA_RING_HAS_RSPS(r) != 0;                                   \
    } while (0)

#endif
