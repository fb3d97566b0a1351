/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A byte ring that keeps the newest bytes: the hypervisor's log and each
 * domain's console output. Every byte ever written has an offset (0, 1,
 * ...); head is the offset the next byte gets, so a reader that keeps the
 * offset it was given can follow the ring. Pure logic: callers lock.
 */
#ifndef MICA_TEXT_RING_H
#define MICA_TEXT_RING_H

#include <mica/types.h>

struct text_ring {
    char *buf;
    uint64_t size;          /* bytes in buf; 0: a ring that keeps nothing */
    uint64_t head;          /* bytes ever written */
};

void text_ring_init(struct text_ring *r, char *buf, uint64_t size);
void text_ring_put(struct text_ring *r, const char *s, size_t len);
/* Offset of the oldest byte still held. */
uint64_t text_ring_tail(const struct text_ring *r);

/*
 * Copy up to len bytes from *offset on. An offset older than the tail
 * starts at the tail; *lost (if non-NULL) gets the bytes skipped that way.
 * Returns the bytes copied and advances *offset past them. An offset beyond
 * head copies nothing and leaves *offset alone (callers reject it first).
 */
size_t text_ring_read(const struct text_ring *r, uint64_t *offset, char *buf,
                      size_t len, uint64_t *lost);

#endif
