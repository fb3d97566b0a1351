// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verbs that show domains: list (a table or JSON, -l for more) and
 * uptime.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"

#define KIB_PER_MIB 1024
#define NS_PER_SEC 1e9

/* The domains to show: all, or those the arguments name (in that order). */
static int select_domains(struct invocation *inv, struct mica_dominfo **out, int *count)
{
    struct mica_dominfo *all, *sel;
    int n = mica_domain_list(inv->ctx, &all);

    if (n < 0)
        return fail_rc(inv, "domains", n);
    if (inv->nargs == 0) {
        *out = all;
        *count = n;
        return 0;
    }
    sel = calloc(inv->nargs, sizeof(*sel));
    if (!sel) {
        free(all);
        fail(inv->spec->name, "%s", strerror(ENOMEM));
        return EXIT_FAILURE;
    }
    for (int i = 0; i < inv->nargs; i++) {
        if (domain_info_arg(inv, inv->args[i], &sel[i]) < 0) {
            free(all);
            free(sel);
            return EXIT_FAILURE;
        }
    }
    free(all);
    *out = sel;
    *count = inv->nargs;
    return 0;
}

static void list_row(struct invocation *inv, const struct mica_dominfo *d, bool lng, uint64_t now)
{
    char uuid[MICA_UUID_STR_LEN];
    unsigned int weight = 0, cap = 0;

    format_uuid(d->uuid, uuid);
    printf("%-20s %5" PRIu32 " %-36s %8" PRIu64 " %5u %-8s %10.1f",
           d->name, d->domid, uuid, d->mem_kb / KIB_PER_MIB, d->vcpus, state_name(d),
           d->cpu_time_ns / NS_PER_SEC);
    if (lng) {
        if (mica_sched_get(inv->ctx, d->domid, &weight, &cap) < 0)
            weight = cap = 0;
        printf(" %11" PRIu64 " %6u %6u %4u %9" PRIu64 " %10.1f",
               d->max_mem_kb / KIB_PER_MIB, d->vcpus_online, weight, cap,
               d->hyp_bytes / 1024,
               d->start_ns && now > d->start_ns ? (now - d->start_ns) / NS_PER_SEC : 0.0);
    }
    putchar('\n');
}

static void json_config(struct invocation *inv, uint32_t domid)
{
    struct mica_domain_config *cfg = NULL;
    char *xml = NULL;

    if (mica_domain_saved_config(inv->ctx, domid, &cfg) == 0)
        xml = mica_config_to_xml(cfg);
    printf(",\n    \"config\": ");
    if (xml)
        json_string(stdout, xml);
    else
        printf("null");
    free(xml);
    mica_config_free(cfg);
}

static void json_domain(struct invocation *inv, const struct mica_dominfo *d, bool lng)
{
    char uuid[MICA_UUID_STR_LEN];
    unsigned int weight = 0, cap = 0;
    int rc = mica_sched_get(inv->ctx, d->domid, &weight, &cap);

    format_uuid(d->uuid, uuid);
    printf("  {\n    \"name\": ");
    json_string(stdout, d->name);
    printf(",\n    \"domid\": %" PRIu32 ",\n    \"uuid\": \"%s\",\n", d->domid, uuid);
    printf("    \"state\": \"%s\",\n    \"privileged\": %s,\n", state_name(d),
           d->privileged ? "true" : "false");
    printf("    \"memory_kb\": %" PRIu64 ",\n    \"max_memory_kb\": %" PRIu64 ",\n",
           d->mem_kb, d->max_mem_kb);
    printf("    \"vcpus\": %u,\n    \"vcpus_online\": %u,\n", d->vcpus, d->vcpus_online);
    printf("    \"cpu_time_ns\": %" PRIu64 ",\n    \"start_ns\": %" PRIu64 ",\n",
           d->cpu_time_ns, d->start_ns);
    printf("    \"hyp_bytes\": %" PRIu64 ",\n    \"hyp_budget_bytes\": %" PRIu64,
           d->hyp_bytes, d->hyp_budget_bytes);
    if (rc == 0)
        printf(",\n    \"weight\": %u,\n    \"cap\": %u", weight, cap);
    if (lng)
        json_config(inv, d->domid);
    printf("\n  }");
}

int cmd_list(struct invocation *inv)
{
    struct mica_dominfo *doms;
    struct mica_hostinfo host = { 0 };
    bool lng = opt(inv, "long"), json = opt(inv, "json");
    int n, rc = select_domains(inv, &doms, &n);

    if (rc)
        return rc;
    if (lng && !json)
        mica_host_info(inv->ctx, &host);        /* for Uptime(s); 0 if it fails */
    if (json) {
        printf("[\n");
        for (int i = 0; i < n; i++) {
            json_domain(inv, &doms[i], lng);
            printf(i + 1 < n ? ",\n" : "\n");
        }
        printf("]\n");
    } else {
        printf("%-20s %5s %-36s %8s %5s %-8s %10s", "Name", "ID", "UUID", "Mem(MiB)",
               "VCPUs", "State", "Time(s)");
        if (lng)
            printf(" %11s %6s %6s %4s %9s %10s", "MaxMem(MiB)", "Online", "Weight", "Cap",
                   "Hyp(KiB)", "Uptime(s)");
        putchar('\n');
        for (int i = 0; i < n; i++)
            list_row(inv, &doms[i], lng, host.now_ns);
    }
    free(doms);
    return 0;
}

int cmd_uptime(struct invocation *inv)
{
    struct mica_dominfo *doms;
    struct mica_hostinfo host;
    int n, rc = select_domains(inv, &doms, &n);

    if (rc)
        return rc;
    rc = mica_host_info(inv->ctx, &host);
    if (rc < 0) {
        free(doms);
        return fail_rc(inv, "host", rc);
    }
    printf("%-20s %5s %s\n", "Name", "ID", "Uptime");
    for (int i = 0; i < n; i++) {
        char up[48] = "-";

        if (doms[i].start_ns && host.now_ns >= doms[i].start_ns)
            format_duration(host.now_ns - doms[i].start_ns, up, sizeof(up));
        printf("%-20s %5" PRIu32 " %s\n", doms[i].name, doms[i].domid, up);
    }
    free(doms);
    return 0;
}
