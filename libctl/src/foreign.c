/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing into another domain's RAM: its frames mapped into this process
 * with MICA_IOCTL_PRIVCMD_MMAPBATCH, a window of up to FOREIGN_CHUNK pages
 * at a time, unmapped again at once (a mapped frame stays allocated until
 * it is unmapped, so nothing is left mapped when a create fails).
 * mica_foreign_map() keeps one page mapped for a backend (a ring page)
 * until mica_foreign_unmap().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <public/types.h>
#include <mica/privcmd.h>
#include "build.h"

#define FOREIGN_PAGE   4096ull
#define FOREIGN_CHUNK  1024u                    /* pages per window: 4 MiB */

static int map_window(mica_ctx *ctx, uint32_t domid, uint64_t gfn, uint32_t nr, void **va)
{
    uint64_t gfns[FOREIGN_CHUNK];
    int32_t errs[FOREIGN_CHUNK];
    struct mica_privcmd_mmapbatch m;
    void *p = mmap(NULL, nr * FOREIGN_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->privcmd, 0);
    int rc;

    if (p == MAP_FAILED)
        return -errno;
    for (uint32_t i = 0; i < nr; i++)
        gfns[i] = gfn + i;
    m = (struct mica_privcmd_mmapbatch){
        .addr = (uintptr_t)p, .gfns = (uintptr_t)gfns, .errs = (uintptr_t)errs,
        .num = nr, .domid = (uint16_t)domid,
    };
    if (ioctl(ctx->privcmd, MICA_IOCTL_PRIVCMD_MMAPBATCH, &m) < 0) {
        rc = -errno;
        munmap(p, nr * FOREIGN_PAGE);
        return rc;
    }
    *va = p;
    return 0;
}

int ctl_foreign_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
    const struct ctl_foreign *f = opaque;
    const uint8_t *from = src;

    while (len) {
        uint64_t off = gpa % FOREIGN_PAGE, gfn = gpa / FOREIGN_PAGE;
        uint64_t pages = (off + len + FOREIGN_PAGE - 1) / FOREIGN_PAGE;
        uint32_t nr = (uint32_t)(pages < FOREIGN_CHUNK ? pages : FOREIGN_CHUNK);
        size_t n = nr * FOREIGN_PAGE - off;
        void *va;
        int rc;

        if (n > len)
            n = len;
        rc = map_window(f->ctx, f->domid, gfn, nr, &va);
        if (rc)
            return rc;
        memcpy((uint8_t *)va + off, from, n);
        munmap(va, nr * FOREIGN_PAGE);
        gpa += n;
        from += n;
        len -= n;
    }
    return 0;
}

int mica_foreign_map(mica_ctx *ctx, uint32_t domid, uint64_t gfn, void **va)
{
    int rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "map: %u is not a domain id", domid);
    rc = map_window(ctx, domid, gfn, 1, va);
    if (rc < 0)
        return ctl_fail(ctx, rc, "map: domain %u: gfn %#llx: %s", domid,
                        (unsigned long long)gfn, strerror(-rc));
    return 0;
}

void mica_foreign_unmap(void *va)
{
    if (va)
        munmap(va, FOREIGN_PAGE);
}
