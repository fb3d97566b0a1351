// SPDX-License-Identifier: GPL-2.0-only
/*
 * The byte rings of a PV console page (pvcons_ring.h). The guest's index is
 * read once (a volatile load), checked against ours, and only then are the
 * bytes between them copied: the guest changing it again meanwhile changes
 * nothing we do. Acquire after reading the guest's producer, release
 * before publishing ours (Xen's rmb/wmb around a ring).
 */
#include <errno.h>

#include "pvcons_ring.h"

static uint32_t load_idx(const mica_cons_idx_t *p)
{
    uint32_t v = *(const volatile mica_cons_idx_t *)p;

    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return v;
}

static void store_idx(mica_cons_idx_t *p, uint32_t v)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *(volatile mica_cons_idx_t *)p = v;
}

int pvring_attach(struct pvring *v, struct mica_cons_ring *page)
{
    uint32_t out_prod = load_idx(&page->out_prod), in_cons = load_idx(&page->in_cons);
    int rc = 0;

    v->page = page;
    v->out_cons = load_idx(&page->out_cons);
    v->in_prod = load_idx(&page->in_prod);
    if (out_prod - v->out_cons > MICA_CONS_OUT_SIZE) {
        v->out_cons = out_prod;
        store_idx(&page->out_cons, v->out_cons);
        rc = -EPROTO;
    }
    if (v->in_prod - in_cons > MICA_CONS_IN_SIZE) {
        v->in_prod = in_cons;
        store_idx(&page->in_prod, v->in_prod);
        rc = -EPROTO;
    }
    return rc;
}

ssize_t pvring_take(struct pvring *v, char *buf, size_t len)
{
    uint32_t prod = load_idx(&v->page->out_prod);
    uint32_t avail = prod - v->out_cons;
    size_t n = 0;

    if (avail > MICA_CONS_OUT_SIZE) {
        v->out_cons = prod;             /* drop what we cannot trust */
        store_idx(&v->page->out_cons, v->out_cons);
        return -EPROTO;
    }
    for (; n < len && n < avail; n++)
        buf[n] = ((volatile char *)v->page->out)[MICA_CONS_OUT_IDX(v->out_cons + (uint32_t)n)];
    v->out_cons += (uint32_t)n;
    if (n)
        store_idx(&v->page->out_cons, v->out_cons);
    return (ssize_t)n;
}

/* Bytes the guest has not taken from in[]; -EPROTO (and reset) if its index is garbage. */
static ssize_t in_used(struct pvring *v)
{
    uint32_t cons = load_idx(&v->page->in_cons);
    uint32_t used = v->in_prod - cons;

    if (used > MICA_CONS_IN_SIZE) {
        v->in_prod = cons;              /* the guest's consumer is past ours or far behind */
        store_idx(&v->page->in_prod, v->in_prod);
        return -EPROTO;
    }
    return used;
}

ssize_t pvring_in_room(struct pvring *v)
{
    ssize_t used = in_used(v);

    return used < 0 ? used : MICA_CONS_IN_SIZE - used;
}

ssize_t pvring_put(struct pvring *v, const char *buf, size_t len)
{
    ssize_t room = pvring_in_room(v);
    size_t n = 0;

    if (room < 0)
        return room;
    for (; n < len && n < (size_t)room; n++)
        ((volatile char *)v->page->in)[MICA_CONS_IN_IDX(v->in_prod + (uint32_t)n)] = buf[n];
    v->in_prod += (uint32_t)n;
    if (n)
        store_idx(&v->page->in_prod, v->in_prod);
    return (ssize_t)n;
}
