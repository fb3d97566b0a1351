/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What is running: domains (info, list, lookup), the host, saved configurations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/version.h>
#include "priv.h"

static void fill_info(const struct mica_domctl_getinfo *g, struct mica_dominfo *i)
{
    memset(i, 0, sizeof(*i));
    i->domid = g->domid;
    memcpy(i->name, g->name, sizeof(g->name) < sizeof(i->name) ? sizeof(g->name) : sizeof(i->name) - 1);
    i->name[sizeof(i->name) - 1] = '\0';
    memcpy(i->uuid, g->uuid, sizeof(i->uuid));
    i->state = (enum mica_domstate)g->state;
    i->shutdown_reason = g->shutdown_reason;
    i->privileged = !!(g->flags & MICA_DOMINFO_privileged);
    i->mem_kb = g->nr_pages * 4;
    i->max_mem_kb = g->max_pages * 4;
    i->vcpus = g->nr_vcpus;
    i->vcpus_online = g->nr_vcpus_online;
    i->cpu_time_ns = g->cpu_time_ns;
    i->start_ns = g->start_ns;
    i->hyp_bytes = g->hyp_bytes;
    i->hyp_budget_bytes = g->hyp_budget_bytes;
}

int mica_domain_info(mica_ctx *ctx, uint32_t domid, struct mica_dominfo *info)
{
    struct mica_domctl d = { 0 };
    int rc;

    ctl_clear_error(ctx);
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_getinfo, domid, &d, "info");
    if (rc < 0)
        return rc;
    fill_info(&d.u.getinfo, info);
    return 0;
}

int mica_domain_list(mica_ctx *ctx, struct mica_dominfo **list)
{
    struct mica_dominfo *all = NULL, *grown;
    unsigned int n = 0;
    uint32_t next = 0;

    ctl_clear_error(ctx);
    *list = NULL;
    for (;;) {
        struct mica_domctl d = { .domid = (uint16_t)next };
        long rc = next > MICA_DOMID_MAX ? -ESRCH : mica_do_domctl(ctx, MICA_DOMCTL_getinfo_next, &d);

        if (rc == -ESRCH)
            break;
        if (rc < 0) {
            free(all);
            return ctl_fail(ctx, (int)rc, "list: %s", ctl_errno_text((int)rc));
        }
        grown = realloc(all, (n + 1) * sizeof(*all));
        if (!grown) {
            free(all);
            return ctl_fail(ctx, -ENOMEM, "list: out of memory");
        }
        all = grown;
        fill_info(&d.u.getinfo, &all[n++]);
        next = (uint32_t)d.u.getinfo.domid + 1;
    }
    *list = all;
    return (int)n;
}

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* By id ("3"), UUID, or name, in that order. */
int mica_domain_lookup(mica_ctx *ctx, const char *what, uint32_t *domid)
{
    struct mica_dominfo *list, info;
    uint8_t uuid[16];
    bool by_uuid = uuid_parse(what, uuid) == 0;
    int n, rc = -ESRCH;

    ctl_clear_error(ctx);
    if (all_digits(what)) {
        unsigned long id = strtoul(what, NULL, 10);

        if (strlen(what) > 5 || id > MICA_DOMID_MAX || mica_domain_info(ctx, (uint32_t)id, &info))
            return ctl_fail(ctx, -ESRCH, "no domain with id %s", what);
        *domid = (uint32_t)id;
        return 0;
    }
    n = mica_domain_list(ctx, &list);
    if (n < 0)
        return n;
    for (int i = 0; i < n && rc; i++)
        if (by_uuid ? !memcmp(list[i].uuid, uuid, 16) : !strcmp(list[i].name, what)) {
            *domid = list[i].domid;
            rc = 0;
        }
    free(list);
    if (rc)
        return ctl_fail(ctx, rc, "no domain %s %s", by_uuid ? "with UUID" : "named", what);
    return 0;
}

int mica_host_info(mica_ctx *ctx, struct mica_hostinfo *info)
{
    struct mica_sysctl s = { 0 };
    struct mica_version_info v = { 0 };
    long rc;

    ctl_clear_error(ctx);
    memset(info, 0, sizeof(*info));
    rc = mica_do_sysctl(ctx, MICA_SYSCTL_physinfo, &s);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "info: physinfo: %s", ctl_errno_text((int)rc));
    rc = mica_do_version(ctx, MICA_VERSION_info, &v);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "info: version: %s", ctl_errno_text((int)rc));
    info->nr_cpus = s.u.physinfo.nr_cpus;
    info->total_kb = s.u.physinfo.total_frames * 4;
    info->free_kb = s.u.physinfo.free_frames * 4;
    info->tsc_khz = s.u.physinfo.tsc_khz;
    info->now_ns = s.u.physinfo.now_ns;
    v.extra[sizeof(v.extra) - 1] = '\0';
    snprintf(info->version, sizeof(info->version), "Mica %u.%u (%s)", v.major, v.minor, v.extra);
    return 0;
}
