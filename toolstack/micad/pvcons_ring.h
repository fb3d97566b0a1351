/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * micad's view of a PV console ring page (public/io/console.h), shared
 * with a guest that may write anything into it at any moment. micad keeps
 * its own copies of the two indices it owns (out_cons, in_prod) and reads
 * the guest's two (out_prod, in_cons) once per call; a gap larger than the
 * buffer is garbage: the view is reset to what the guest says and the call
 * returns -EPROTO (the caller logs it). Nothing here blocks or loops on
 * guest data.
 */
#ifndef MICAD_PVCONS_RING_H
#define MICAD_PVCONS_RING_H

#include <stddef.h>
#include <sys/types.h>

#include "public/io/console.h"

struct pvring {
    struct mica_cons_ring *page;        /* mapped from the guest */
    uint32_t out_cons;                  /* ours: next byte to take from out[] */
    uint32_t in_prod;                   /* ours: next free byte of in[] */
};

/* Start from the indices the page holds; -EPROTO if they were garbage (reset). */
int pvring_attach(struct pvring *v, struct mica_cons_ring *page);
/* Up to len bytes the guest wrote (out[]); bytes taken, or -EPROTO. */
ssize_t pvring_take(struct pvring *v, char *buf, size_t len);
/* Up to len keystrokes into in[]; bytes put (0: full), or -EPROTO. */
ssize_t pvring_put(struct pvring *v, const char *buf, size_t len);
/* Free bytes of in[], or -EPROTO (reset). */
ssize_t pvring_in_room(struct pvring *v);

#endif
