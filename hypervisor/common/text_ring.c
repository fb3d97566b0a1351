/* SPDX-License-Identifier: GPL-2.0-only */
/* Byte rings that keep the newest bytes, read by offset (<mica/text_ring.h>). */
#include <mica/text_ring.h>
#include <mica/lib.h>

void text_ring_init(struct text_ring *r, char *buf, uint64_t size)
{
    r->buf = buf;
    r->size = buf ? size : 0;
    r->head = 0;
}

void text_ring_put(struct text_ring *r, const char *s, size_t len)
{
    if (!r->size) {
        r->head += len;
        return;
    }
    /* Only the last size bytes of a long write can survive it. */
    if (len > r->size) {
        r->head += len - r->size;
        s += len - r->size;
        len = (size_t)r->size;
    }
    while (len) {
        uint64_t at = r->head % r->size;
        size_t n = (size_t)MIN((uint64_t)len, r->size - at);

        memcpy(r->buf + at, s, n);
        r->head += n, s += n, len -= n;
    }
}

uint64_t text_ring_tail(const struct text_ring *r)
{
    return r->head > r->size ? r->head - r->size : 0;
}

size_t text_ring_read(const struct text_ring *r, uint64_t *offset, char *buf,
                      size_t len, uint64_t *lost)
{
    uint64_t tail = text_ring_tail(r), from = *offset, n;

    if (lost)
        *lost = 0;
    if (from > r->head)
        return 0;
    if (from < tail) {
        if (lost)
            *lost = tail - from;
        from = tail;
    }
    n = MIN((uint64_t)len, r->head - from);
    for (uint64_t done = 0; done < n; ) {
        uint64_t at = (from + done) % r->size;
        uint64_t chunk = MIN(n - done, r->size - at);

        memcpy(buf + done, r->buf + at, (size_t)chunk);
        done += chunk;
    }
    *offset = from + n;
    return (size_t)n;
}
