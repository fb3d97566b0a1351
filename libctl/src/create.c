/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mica_domain_create: every check first (the configuration itself, then
 * against the host: free memory, CPUs, names and UUIDs in use, then the
 * kernel through the builder's prepare half, and that the store daemon
 * answers), and only then the domain: create it paused with the platform,
 * write its RAM, set vCPU 0's entry, pins and scheduling, save the
 * configuration, set up its store and console rings (rings.c), give it its
 * store nodes and introduce it (domstore.c), unpause. A failure after the
 * domain exists destroys it (and forgets it in the store), so nothing
 * half-built remains.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>
#include <public/domctl.h>
#include "build.h"
#include "devices.h"

#define CREATE_OVERHEAD_KB(kb)  ((kb) / 256 + 1024)   /* p2m tables, vCPUs, rings: a margin */
#define DEFAULT_WEIGHT          256

/* What the parser guarantees, for configurations built by hand. */
static int check_config(mica_ctx *ctx, const struct mica_domain_config *c)
{
    char buf[128];
    const char *why = mica_name_problem(c->name, buf, sizeof(buf));

    if (why)
        return ctl_config_fail(ctx, c, c->lines.name, "name", -EINVAL, "%s", why);
    if (!c->kernel)
        return ctl_config_fail(ctx, c, c->lines.domain, "kernel", -EINVAL, "no kernel");
    if (c->mem_kb == 0 || c->mem_kb % 4 || c->mem_kb > c->max_mem_kb || c->max_mem_kb > MICA_MAX_MEM_KB)
        return ctl_config_fail(ctx, c, c->lines.memory, "memory", -EINVAL,
                               "%llu KiB of %llu KiB: not a usable size",
                               (unsigned long long)c->mem_kb, (unsigned long long)c->max_mem_kb);
    if (c->vcpus == 0 || c->vcpus > MICA_MAX_VCPUS)
        return ctl_config_fail(ctx, c, c->lines.vcpu, "vcpu", -EINVAL, "%u vCPUs: 1 to %d",
                               c->vcpus, MICA_MAX_VCPUS);
    return ctl_devices_check(ctx, c);
}

static int check_cpus(mica_ctx *ctx, const struct mica_domain_config *c, unsigned int nr_cpus)
{
    uint64_t online = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;

    for (unsigned int i = 0; i < c->nr_pins; i++) {
        if (c->pins[i].vcpu >= c->vcpus)
            return ctl_config_fail(ctx, c, c->pins[i].line, "vcpupin", -EINVAL,
                                   "vCPU %u does not exist", c->pins[i].vcpu);
        if (c->pins[i].cpus & ~online)
            return ctl_config_fail(ctx, c, c->pins[i].line, "vcpupin", -EINVAL,
                                   "CPU %d is not online (the host has %u: 0-%u)",
                                   __builtin_ctzll(c->pins[i].cpus & ~online), nr_cpus,
                                   nr_cpus ? nr_cpus - 1 : 0);
    }
    if (c->cap > 100 * nr_cpus)
        return ctl_config_fail(ctx, c, c->lines.quota, "quota", -EINVAL,
                               "%u%% of a CPU is more than the host's %u CPUs", c->cap, nr_cpus);
    return 0;
}

static int check_unique(mica_ctx *ctx, const struct mica_domain_config *c,
                        const struct mica_dominfo *doms, int n)
{
    char u[MICA_UUID_STR_LEN];

    for (int i = 0; i < n; i++) {
        if (!strcmp(doms[i].name, c->name))
            return ctl_config_fail(ctx, c, c->lines.name, "name", -EEXIST,
                                   "a domain named %s exists already (id %u)", c->name,
                                   doms[i].domid);
        if (!memcmp(doms[i].uuid, c->uuid, 16)) {
            uuid_unparse_lower(c->uuid, u);
            return ctl_config_fail(ctx, c, c->lines.uuid ? c->lines.uuid : c->lines.domain,
                                   "uuid", -EEXIST, "%s is domain %u's (%s)", u, doms[i].domid,
                                   doms[i].name);
        }
    }
    return 0;
}

int ctl_check_host(mica_ctx *ctx, const struct mica_domain_config *c,
                   const struct mica_hostinfo *h, const struct mica_dominfo *doms, int n)
{
    uint64_t need = c->mem_kb + CREATE_OVERHEAD_KB(c->mem_kb);
    int rc;

    if (need > h->free_kb)
        return ctl_config_fail(ctx, c, c->lines.current_memory ? c->lines.current_memory :
                               c->lines.memory, c->lines.current_memory ? "currentMemory" : "memory",
                               -ENOMEM, "%llu KiB (and about %llu KiB of the hypervisor's own "
                               "tables for it) is more than the hypervisor has free (%llu KiB)",
                               (unsigned long long)c->mem_kb,
                               (unsigned long long)CREATE_OVERHEAD_KB(c->mem_kb),
                               (unsigned long long)h->free_kb);
    rc = check_cpus(ctx, c, h->nr_cpus);
    return rc ? rc : check_unique(ctx, c, doms, n);
}

/* The host as it is now: its information and every domain. */
static int check_host(mica_ctx *ctx, const struct mica_domain_config *c,
                      struct mica_hostinfo *h)
{
    struct mica_dominfo *doms;
    int n, rc = mica_host_info(ctx, h);

    if (rc)
        return rc;
    n = mica_domain_list(ctx, &doms);
    if (n < 0)
        return n;
    rc = ctl_check_host(ctx, c, h, doms, n);
    free(doms);
    return rc;
}

static int create_domain(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t *domid)
{
    struct mica_domctl d = { 0 };
    long rc;

    memcpy(d.u.create.uuid, c->uuid, 16);
    snprintf(d.u.create.name, sizeof(d.u.create.name), "%s", c->name);
    d.u.create.mem_kb = c->mem_kb;
    d.u.create.max_mem_kb = c->max_mem_kb;
    d.u.create.nr_vcpus = c->vcpus;
    d.u.create.flags = MICA_DOMCTL_CREATE_F_PLATFORM;
    rc = mica_do_domctl(ctx, MICA_DOMCTL_create, &d);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "create: %s: the hypervisor refused it: %s", c->name,
                        ctl_errno_text((int)rc));
    *domid = d.domid;
    return 0;
}

static int set_entry(mica_ctx *ctx, uint32_t domid, const struct linux_entry *e)
{
    struct mica_domctl d = { 0 };
    struct mica_domctl_vcpu_context *v = &d.u.vcpu_context;
    int rc;

    *v = (struct mica_domctl_vcpu_context){
        .vcpu = 0, .rip = e->rip, .rsi = e->rsi, .cr3 = e->cr3, .gdt_base = e->gdt_base,
        .gdt_limit = e->gdt_limit, .cs = e->cs, .ds = e->ds,
    };
    rc = ctl_domctl_on(ctx, MICA_DOMCTL_set_vcpu_context, domid, &d, "create: vCPU 0 entry");
    return rc < 0 ? rc : 0;
}

static int apply_cputune(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid)
{
    int rc = 0;

    for (unsigned int i = 0; i < c->nr_pins && !rc; i++)
        rc = mica_vcpu_pin(ctx, domid, c->pins[i].vcpu, c->pins[i].cpus);
    if (!rc && (c->weight || c->cap))
        rc = mica_sched_set(ctx, domid, c->weight ? c->weight : DEFAULT_WEIGHT, c->cap);
    return rc;
}

/* Its store and console rings, its store nodes, and the store told about it. */
static int connect_domain(mica_ctx *ctx, const struct mica_domain_config *c, mica_store *s,
                          uint32_t domid)
{
    struct ctl_ring rings[CTL_RING_NR];
    int rc = ctl_rings_setup(ctx, c->name, domid, rings);

    return rc ? rc : ctl_domain_store_make(ctx, s, c, domid, rings);
}

/* The configuration's PV devices, in the store (devices.c), over create's connection. */
static int add_devices(mica_ctx *ctx, const struct mica_domain_config *c, mica_store *s,
                       uint32_t domid)
{
    if (!c->nr_disks && !c->nr_nics)
        return 0;
    return ctl_devices_create(ctx, s, c, domid);
}

/* Build, set up and start the created domain; any failure is the caller's to undo. */
static int build_domain(mica_ctx *ctx, const struct mica_domain_config *c, struct ctl_build *b,
                        mica_store *s, uint32_t domid, unsigned int flags)
{
    struct ctl_foreign f = { .ctx = ctx, .domid = domid };
    struct linux_load_ops ops = { .write = ctl_foreign_write, .opaque = &f };
    struct linux_entry entry;
    int rc = ctl_build_write(ctx, c, b, &ops, &entry);

    if (!rc)
        rc = set_entry(ctx, domid, &entry);
    if (!rc)
        rc = apply_cputune(ctx, c, domid);
    if (!rc)
        rc = ctl_save_config(ctx, c);
    if (!rc)
        rc = connect_domain(ctx, c, s, domid);
    if (!rc)                            /* after the domain's own store nodes, before unpause */
        rc = add_devices(ctx, c, s, domid);
    if (!rc)
        rc = ctl_hostdevs_assign(ctx, c, domid);
    if (!rc && !(flags & MICA_CREATE_PAUSED))
        rc = mica_domain_unpause(ctx, domid);
    return rc;
}

/*
 * Destroy what a failed create made (the domain and its saved
 * configuration), keeping the first failure's message; if the domain
 * cannot be destroyed the message says so, so nothing is left unsaid.
 */
static void undo(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid)
{
    char keep[CTL_ERR_LEN], why[CTL_ERR_LEN];

    snprintf(keep, sizeof(keep), "%s", mica_last_error(ctx));
    if (!mica_domain_destroy(ctx, domid)) {
        ctl_fail(ctx, 0, "%s", keep);
        return;
    }
    snprintf(why, sizeof(why), "%s", mica_last_error(ctx));
    ctl_fail(ctx, 0, "%s; and %s (id %" PRIu32 ") is left behind: %s", keep, c->name, domid, why);
}

int mica_domain_create(mica_ctx *ctx, const struct mica_domain_config *cfg,
                       unsigned int flags, uint32_t *domid)
{
    struct mica_domain_config c = *cfg;
    struct mica_hostinfo host;
    struct ctl_build b = { 0 };
    mica_store *store = NULL;
    uint32_t id = 0;
    int rc;

    ctl_clear_error(ctx);
    if (uuid_is_null(c.uuid))                   /* built by hand without one */
        uuid_generate(c.uuid);
    rc = check_config(ctx, &c);
    if (!rc)
        rc = check_host(ctx, &c, &host);
    if (!rc)
        rc = ctl_hostdevs_check(ctx, &c);
    if (!rc)
        rc = ctl_build_prepare(ctx, &c, host.tsc_khz, &b);
    if (rc || (flags & MICA_CREATE_DRY_RUN))
        goto out;
    rc = ctl_store_connect(ctx, "create", c.name, &store);
    if (rc)
        goto out;
    rc = create_domain(ctx, &c, &id);
    if (rc)
        goto out;
    rc = build_domain(ctx, &c, &b, store, id, flags);
    if (rc) {
        undo(ctx, &c, id);  /* destroy: its host devices back to dom0, managed ones rebound */
        goto out;
    }
    if (domid)
        *domid = id;
out:
    if (store)
        mica_store_close(store);
    ctl_build_free(&b);
    return rc;
}
