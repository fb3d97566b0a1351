/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domU's store and console rings, set up by the builder before the
 * domain first runs (as Xen's builder does with its special pages): for
 * each, a page at its special gfn in the e820 hole below 1 MiB (public/
 * param.h), backed by the domain's own RAM (the builder's RAM covers the
 * hole; a gfn without a frame is populated, charged to the domain) and
 * zeroed; an unbound port of the domain for the daemon in dom0; and the
 * two params that tell the guest where both are.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <public/memory.h>
#include <public/param.h>
#include "build.h"

#define RING_PAGE 4096u

static const struct ring_spec {
    const char *what;
    uint64_t gfn;
    unsigned int gfn_param, port_param;
} ring_specs[CTL_RING_NR] = {
    [CTL_RING_STORE] = { "store", MICA_SPECIAL_STORE_GFN,
                         MICA_PARAM_STORE_GFN, MICA_PARAM_STORE_EVTCHN },
    [CTL_RING_CONSOLE] = { "console", MICA_SPECIAL_CONSOLE_GFN,
                           MICA_PARAM_CONSOLE_GFN, MICA_PARAM_CONSOLE_EVTCHN },
};

/* gfn of domid holds one of its frames, zeroed. */
static int ring_page(mica_ctx *ctx, uint32_t domid, uint64_t gfn)
{
    static const uint8_t zero[RING_PAGE];
    struct ctl_foreign f = { .ctx = ctx, .domid = domid };
    struct mica_memop_reservation r = { .first_gfn = gfn, .nr = 1, .domid = (uint16_t)domid };
    int rc = ctl_foreign_write(&f, gfn * RING_PAGE, zero, sizeof(zero));
    long prc;

    if (rc != -ENOENT)
        return rc;
    prc = mica_do_memop(ctx, MICA_MEMOP_populate_physmap, &r);
    if (prc < 0)
        return (int)prc;
    return ctl_foreign_write(&f, gfn * RING_PAGE, zero, sizeof(zero));
}

static int ring_setup(mica_ctx *ctx, const char *name, uint32_t domid,
                      const struct ring_spec *spec, struct ctl_ring *out)
{
    int rc = ring_page(ctx, domid, spec->gfn);

    if (rc)
        return ctl_fail(ctx, rc, "create: %s: the %s ring page (gfn %#llx): %s", name,
                        spec->what, (unsigned long long)spec->gfn, ctl_errno_text(rc));
    rc = mica_evtchn_alloc_unbound(ctx, domid, 0, &out->port);
    if (!rc)
        rc = mica_param_set(ctx, domid, spec->gfn_param, spec->gfn);
    if (!rc)
        rc = mica_param_set(ctx, domid, spec->port_param, out->port);
    if (rc) {
        char why[CTL_ERR_LEN];          /* ctl_fail writes where mica_last_error points */

        snprintf(why, sizeof(why), "%s", mica_last_error(ctx));
        return ctl_fail(ctx, rc, "create: %s: the %s ring: %s", name, spec->what, why);
    }
    out->gfn = spec->gfn;
    return 0;
}

int ctl_rings_setup(mica_ctx *ctx, const char *name, uint32_t domid, struct ctl_ring rings[])
{
    for (unsigned int i = 0; i < CTL_RING_NR; i++) {
        int rc = ring_setup(ctx, name, domid, &ring_specs[i], &rings[i]);

        if (rc)
            return rc;
    }
    return 0;
}
