/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's life after create (build.c creates): destroy, pause, unpause,
 * rename, the reservation ceiling; one domctl each, through ctl_domctl_on().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <public/domctl.h>
#include "priv.h"
#include "devices.h"

const char *ctl_errno_text(int rc)
{
    switch (rc) {
    case -ESRCH: return "no such domain";
    case -EPERM: return "not allowed (the hypervisor refused: not the control domain?)";
    default: return strerror(-rc);
    }
}

int ctl_domctl_on(mica_ctx *ctx, unsigned int cmd, uint32_t domid, struct mica_domctl *d,
                  const char *what)
{
    long rc;

    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "%s: %u is not a domain id (0 to %u)", what, domid,
                        MICA_DOMID_MAX);
    d->domid = (uint16_t)domid;
    rc = mica_do_domctl(ctx, cmd, d);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "%s: domain %u: %s", what, domid, ctl_errno_text((int)rc));
    return (int)rc;
}

static int simple(mica_ctx *ctx, unsigned int cmd, uint32_t domid, const char *what)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    rc = ctl_domctl_on(ctx, cmd, domid, &d, what);
    return rc < 0 ? rc : 0;
}

/* Destroy, and forget the configuration saved for it and its part of the store. */
int mica_domain_destroy(mica_ctx *ctx, uint32_t domid)
{
    struct mica_domain_config *hc = NULL;
    struct mica_dominfo info;
    char path[4096];
    int rc;

    if (domid == 0)
        return ctl_fail(ctx, -EPERM, "destroy: domain 0 is the control domain");
    rc = mica_domain_info(ctx, domid, &info);
    if (rc)
        return rc;
    ctl_devices_forget(ctx, domid);     /* as libxl: the backends let go first, forced */
    if (mica_domain_saved_config(ctx, domid, &hc))
        hc = NULL;
    ctl_hostdevs_detach(ctx, hc, domid);    /* its host PCI functions back to dom0 first */
    rc = simple(ctx, MICA_DOMCTL_destroy, domid, "destroy");
    if (rc)
        goto out;
    ctl_hostdevs_unmanage(ctx, hc);
    ctl_saved_path(info.uuid, path, sizeof(path));
    unlink(path);
    ctl_clear_error(ctx);
    rc = mica_domain_store_forget(ctx, domid, info.uuid);
out:
    mica_config_free(hc);
    return rc;
}

int mica_domain_pause(mica_ctx *ctx, uint32_t domid)
{
    if (domid == 0)
        return ctl_fail(ctx, -EPERM, "pause: domain 0 is the control domain");
    return simple(ctx, MICA_DOMCTL_pause, domid, "pause");
}

int mica_domain_unpause(mica_ctx *ctx, uint32_t domid)
{
    return simple(ctx, MICA_DOMCTL_unpause, domid, "unpause");
}

/* Rename, and the saved configuration with it. */
int mica_domain_rename(mica_ctx *ctx, uint32_t domid, const char *name)
{
    struct mica_domctl d = { 0 };
    struct mica_domain_config *c = NULL;
    char buf[128];
    const char *why = mica_name_problem(name, buf, sizeof(buf));
    int rc;

    ctl_clear_error(ctx);
    if (why)
        return ctl_fail(ctx, -EINVAL, "rename: %s", why);
    snprintf(d.u.rename.name, sizeof(d.u.rename.name), "%s", name);
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_rename, domid, &d, "rename");
    if (rc == -EEXIST)
        return ctl_fail(ctx, rc, "rename: a domain named '%s' exists already", name);
    if (rc < 0)
        return rc;
    if (mica_domain_saved_config(ctx, domid, &c) == 0) {
        snprintf(c->name, sizeof(c->name), "%s", name);
        ctl_save_config(ctx, c);
        mica_config_free(c);
    }
    ctl_clear_error(ctx);
    return 0;
}

int mica_domain_set_max_mem(mica_ctx *ctx, uint32_t domid, uint64_t kb)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    if (kb % 4 || kb > MICA_MAX_MEM_KB)
        return ctl_fail(ctx, -EINVAL, "mem-max: %llu KiB: a multiple of 4 KiB up to %llu KiB",
                        (unsigned long long)kb, (unsigned long long)MICA_MAX_MEM_KB);
    d.u.max_mem.max_mem_kb = kb;
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_set_max_mem, domid, &d, "mem-max");
    return rc < 0 ? rc : 0;
}
