// SPDX-License-Identifier: GPL-2.0-only
/*
 * A domain's connection over its ring page (io/store.h struct
 * mica_store_ring): the page mapped from the domain with privcmd's
 * MMAPBATCH, an interdomain event channel bound to the domain's port on
 * one /dev/mica/evtchn file shared by all domains. The page is the
 * guest's to scribble on: the indices we own (req_cons, rsp_prod) are
 * kept here and only written there; the guest's are read once per pass
 * and checked (a producer more than a ring ahead drops the connection);
 * request bytes are copied out before anything looks at them (conn.c).
 * Each pass takes at most one ring's worth of bytes from a domain, so a
 * busy domain cannot starve the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include <mica/privcmd.h>

#include "micastored.h"

#define PAGE_SIZE 4096

static int map_ring(struct daemon *dm, const struct domain *d, void **va)
{
    uint64_t gfn = d->gfn;
    int32_t err = 0;
    struct mica_privcmd_mmapbatch m;
    void *p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dm->privcmd, 0);
    int rc;

    if (p == MAP_FAILED)
        return -errno;
    m = (struct mica_privcmd_mmapbatch){ .addr = (uintptr_t)p, .gfns = (uintptr_t)&gfn,
                                         .errs = (uintptr_t)&err, .num = 1,
                                         .domid = (uint16_t)d->domid };
    if (ioctl(dm->privcmd, MICA_IOCTL_PRIVCMD_MMAPBATCH, &m) < 0 || err) {
        rc = err < 0 ? err : err ? -EINVAL : -errno;
        munmap(p, PAGE_SIZE);
        return rc;
    }
    *va = p;
    return 0;
}

static int bind_port(struct daemon *dm, const struct domain *d)
{
    struct mica_ioctl_evtchn_bind_interdomain b = { d->domid, d->port };
    int port = ioctl(dm->evtchn, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

    return port < 0 ? -errno : port;
}

static void notify(struct daemon *dm, const struct conn *c)
{
    struct mica_ioctl_evtchn_port p = { c->local_port };

    if (ioctl(dm->evtchn, MICA_IOCTL_EVTCHN_NOTIFY, &p) < 0)
        store_log("domain %u: notify port %u: %s", c->domid, c->local_port, strerror(errno));
}

/* The introduce hook: map the domain's ring and bind its port. */
int ring_connect(struct store *s, struct domain *d)
{
    struct daemon *dm = daemon_of(s);
    struct conn *c;
    void *va = NULL;
    int rc, port;

    if (dm->privcmd < 0 || dm->evtchn < 0)
        return -ENOSYS;
    if ((rc = map_ring(dm, d, &va))) {
        store_log("domain %u: mapping its ring (gfn %#llx): %s", d->domid,
                  (unsigned long long)d->gfn, strerror(-rc));
        return rc == -ENOENT || rc == -ESRCH ? -ENOENT : -EINVAL;
    }
    port = bind_port(dm, d);
    if (port < 0) {
        store_log("domain %u: binding its port %u: %s", d->domid, d->port, strerror(-port));
        munmap(va, PAGE_SIZE);
        return -EINVAL;
    }
    c = conn_new(s, CONN_RING, d->domid, -1);
    if (!c) {
        struct mica_ioctl_evtchn_port p = { (uint32_t)port };

        ioctl(dm->evtchn, MICA_IOCTL_EVTCHN_UNBIND, &p);
        munmap(va, PAGE_SIZE);
        return -ENOMEM;
    }
    c->ring = va;
    c->local_port = (uint32_t)port;
    c->req_cons = __atomic_load_n(&c->ring->req_cons, __ATOMIC_ACQUIRE);
    c->rsp_prod = __atomic_load_n(&c->ring->rsp_prod, __ATOMIC_ACQUIRE);
    d->conn = c;
    store_log("domain %u: connected (gfn %#llx, port %u -> local %u)", d->domid,
              (unsigned long long)d->gfn, d->port, c->local_port);
    notify(dm, c);
    return 0;
}

void ring_close(struct daemon *dm, struct conn *c)
{
    struct mica_ioctl_evtchn_port p = { c->local_port };

    if (c->local_port && ioctl(dm->evtchn, MICA_IOCTL_EVTCHN_UNBIND, &p) < 0)
        store_log("domain %u: unbinding port %u: %s", c->domid, c->local_port, strerror(errno));
    if (c->ring)
        munmap(c->ring, PAGE_SIZE);
    c->ring = NULL;
    c->local_port = 0;
}

/* Take what the domain wrote (one ring's worth at most). */
static bool ring_read(struct store *s, struct conn *c)
{
    char buf[MICA_STORE_RING_SIZE];
    mica_store_idx_t prod = __atomic_load_n(&c->ring->req_prod, __ATOMIC_ACQUIRE);
    uint32_t avail = prod - c->req_cons, n = 0;

    if (avail > MICA_STORE_RING_SIZE) {
        conn_kill(c, "its request producer index %u is %u bytes ahead of the consumer (ring %u)",
                  prod, avail, MICA_STORE_RING_SIZE);
        return false;
    }
    while (n < avail) {
        uint32_t idx = MICA_STORE_RING_IDX(c->req_cons + n);
        uint32_t chunk = MICA_STORE_RING_SIZE - idx;

        if (chunk > avail - n)
            chunk = avail - n;
        memcpy(buf + n, c->ring->req + idx, chunk);
        n += chunk;
    }
    if (!n)
        return false;
    c->req_cons += n;
    __atomic_store_n(&c->ring->req_cons, c->req_cons, __ATOMIC_RELEASE);
    conn_input(s, c, buf, n);
    return true;
}

/* Put queued replies and events on the ring; true when some went. */
static bool ring_write(struct conn *c)
{
    mica_store_idx_t cons = __atomic_load_n(&c->ring->rsp_cons, __ATOMIC_ACQUIRE);
    uint32_t used = c->rsp_prod - cons, room, n = 0;
    struct outbuf *o = &c->out;

    if (used > MICA_STORE_RING_SIZE) {
        conn_kill(c, "its response consumer index %u is not within the ring (producer %u)",
                  cons, c->rsp_prod);
        return false;
    }
    room = MICA_STORE_RING_SIZE - used;
    while (n < room && o->head < o->len) {
        uint32_t idx = MICA_STORE_RING_IDX(c->rsp_prod + n);
        size_t chunk = MICA_STORE_RING_SIZE - idx;

        if (chunk > room - n)
            chunk = room - n;
        if (chunk > o->len - o->head)
            chunk = o->len - o->head;
        memcpy(c->ring->rsp + idx, o->data + o->head, chunk);
        o->head += chunk;
        n += (uint32_t)chunk;
    }
    if (!n)
        return false;
    c->rsp_prod += n;
    __atomic_store_n(&c->ring->rsp_prod, c->rsp_prod, __ATOMIC_RELEASE);
    return true;
}

/*
 * One pass over a domain's ring: its requests in (input), or what is queued
 * for it out (output: after the journal is synced). Either way one
 * notification when something moved.
 */
void ring_service(struct store *s, struct conn *c, bool output)
{
    bool kick;

    if (c->dead || !c->ring)
        return;
    kick = output ? ring_write(c) : ring_read(s, c);
    if (kick && !c->dead)
        notify(daemon_of(s), c);
}

/* Work the next pass can do now: requests waiting, or replies and room for them. */
bool ring_pending(const struct conn *c)
{
    mica_store_idx_t prod, cons;

    if (c->dead || !c->ring)
        return false;
    prod = __atomic_load_n(&c->ring->req_prod, __ATOMIC_ACQUIRE);
    cons = __atomic_load_n(&c->ring->rsp_cons, __ATOMIC_ACQUIRE);
    return prod != c->req_cons ||
           (c->out.head < c->out.len && c->rsp_prod - cons < MICA_STORE_RING_SIZE);
}

/* The ports that fired: read them (they stay masked until written back), then unmask. */
void ring_events(struct daemon *dm)
{
    uint32_t ports[64];
    ssize_t n;

    while ((n = read(dm->evtchn, ports, sizeof(ports))) > 0)
        if (write(dm->evtchn, ports, (size_t)n) != n)
            store_log("event channels: unmask: %s", strerror(errno));
}
