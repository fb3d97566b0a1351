// SPDX-License-Identifier: GPL-2.0-only
/* The verbs about vCPUs and scheduling: vcpu-list, vcpu-pin, sched-credit. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"
#include "public/domctl.h"

#define NS_PER_SEC 1e9
#define WEIGHT_MAX 65535u
#define CAP_PER_CPU 100u

static const char *vcpu_state(unsigned int state)
{
    static const char *const names[] = {
        [MICA_VCPUSTATE_running] = "running",
        [MICA_VCPUSTATE_runnable] = "runnable",
        [MICA_VCPUSTATE_blocked] = "blocked",
        [MICA_VCPUSTATE_down] = "down",
    };

    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

static int host_cpus(struct invocation *inv, unsigned int *nr)
{
    struct mica_hostinfo h;
    int rc = mica_host_info(inv->ctx, &h);

    if (rc < 0)
        return fail_rc(inv, "host", rc);
    *nr = h.nr_cpus;
    return 0;
}

static int vcpu_rows(struct invocation *inv, const struct mica_dominfo *d, unsigned int nr_cpus)
{
    for (unsigned int v = 0; v < d->vcpus; v++) {
        struct mica_vcpuinfo vi;
        char aff[200], cpu[12] = "-";
        int rc = mica_vcpu_info(inv->ctx, d->domid, v, &vi);

        if (rc < 0) {
            char what[64];

            snprintf(what, sizeof(what), "%s: vCPU %u", d->name, v);
            return fail_rc(inv, what, rc);
        }
        if (vi.state != MICA_VCPUSTATE_down)
            snprintf(cpu, sizeof(cpu), "%u", vi.cpu);
        format_cpulist(vi.affinity, nr_cpus, aff, sizeof(aff));
        printf("%-20s %5" PRIu32 " %5u %4s %-9s %10.1f %s\n", d->name, d->domid, v, cpu,
               vcpu_state(vi.state), vi.cpu_time_ns / NS_PER_SEC, aff);
    }
    return 0;
}

int cmd_vcpu_list(struct invocation *inv)
{
    struct mica_dominfo *doms = NULL;
    unsigned int nr_cpus = 0;
    int n = 0, rc = host_cpus(inv, &nr_cpus);

    if (rc)
        return rc;
    if (inv->nargs == 0) {
        n = mica_domain_list(inv->ctx, &doms);
        if (n < 0)
            return fail_rc(inv, "domains", n);
    } else {
        doms = calloc(inv->nargs, sizeof(*doms));
        if (!doms)
            return fail_rc(inv, "domains", -ENOMEM);
        for (n = 0; n < inv->nargs; n++)
            if (domain_info_arg(inv, inv->args[n], &doms[n]) < 0) {
                free(doms);
                return EXIT_FAILURE;
            }
    }
    printf("%-20s %5s %5s %4s %-9s %10s %s\n", "Name", "ID", "VCPU", "CPU", "State",
           "Time(s)", "Affinity");
    for (int i = 0; i < n && !rc; i++)
        rc = vcpu_rows(inv, &doms[i], nr_cpus);
    free(doms);
    return rc;
}

/* The syntax of VCPU and CPUS; the host and the domain bound them later. */
int check_vcpu_pin(const struct invocation *inv)
{
    unsigned long long v;
    uint64_t mask;

    if (strcmp(inv->args[1], "all") && parse_uint(inv->args[1], MICA_MAX_CPUS - 1, &v) < 0)
        return usage_error(inv->spec, "%s: bad vCPU: a number or 'all'", inv->args[1]);
    if (parse_cpulist(inv->args[2], MICA_MAX_CPUS, &mask) < 0)
        return usage_error(inv->spec, "%s: bad CPU list: 'all' or CPUs and ranges, e.g. 0,2-3",
                           inv->args[2]);
    return 0;
}

int cmd_vcpu_pin(struct invocation *inv)
{
    struct mica_dominfo d;
    unsigned long long v;
    unsigned int nr_cpus = 0, first, last;
    uint64_t mask;
    int rc = host_cpus(inv, &nr_cpus);

    if (rc)
        return rc;
    if (domain_info_arg(inv, inv->args[0], &d) < 0)
        return EXIT_FAILURE;
    if (!d.vcpus) {
        fail(inv->spec->name, "%s: it has no vCPUs to pin", d.name);
        return EXIT_FAILURE;
    }
    if (!strcmp(inv->args[1], "all")) {
        first = 0;
        last = d.vcpus - 1;
    } else if (parse_uint(inv->args[1], d.vcpus ? d.vcpus - 1 : 0, &v) == 0 && d.vcpus) {
        first = last = (unsigned int)v;
    } else {
        fail(inv->spec->name, "%s: bad vCPU: %s has vCPUs 0 to %u, or say 'all'",
             inv->args[1], d.name, d.vcpus ? d.vcpus - 1 : 0);
        return EXIT_FAILURE;
    }
    rc = parse_cpulist(inv->args[2], nr_cpus, &mask);
    if (rc < 0) {
        fail(inv->spec->name, "%s: bad CPU list: 'all' or CPUs and ranges below %u, e.g. 0,2-3",
             inv->args[2], nr_cpus);
        return EXIT_FAILURE;
    }
    for (unsigned int i = first; i <= last; i++) {
        rc = mica_vcpu_pin(inv->ctx, d.domid, i, mask);
        if (rc < 0)
            return fail_rc(inv, inv->args[0], rc);
    }
    return 0;
}

static int sched_show(struct invocation *inv, const struct mica_dominfo *d)
{
    unsigned int weight, cap;
    int rc = mica_sched_get(inv->ctx, d->domid, &weight, &cap);

    if (rc < 0)
        return fail_rc(inv, d->name, rc);
    printf("%-20s %5" PRIu32 " %6u %4u\n", d->name, d->domid, weight, cap);
    return 0;
}

static int sched_show_all(struct invocation *inv)
{
    struct mica_dominfo *doms;
    int rc = 0, n = mica_domain_list(inv->ctx, &doms);

    if (n < 0)
        return fail_rc(inv, "domains", n);
    printf("%-20s %5s %6s %4s\n", "Name", "ID", "Weight", "Cap");
    for (int i = 0; i < n && !rc; i++)
        rc = sched_show(inv, &doms[i]);
    free(doms);
    return rc;
}

static int sched_set(struct invocation *inv, const struct mica_dominfo *d, unsigned int nr_cpus)
{
    const char *w = opt(inv, "weight"), *c = opt(inv, "cap");
    unsigned int weight, cap;
    unsigned long long v;
    int rc = mica_sched_get(inv->ctx, d->domid, &weight, &cap);

    if (rc < 0)
        return fail_rc(inv, d->name, rc);
    if (w && parse_uint(w, WEIGHT_MAX, &v) == 0)     /* checked by check_sched_credit */
        weight = (unsigned int)v;
    if (c) {
        if (parse_uint(c, (unsigned long long)CAP_PER_CPU * nr_cpus, &v) < 0) {
            fail(inv->spec->name, "%s: bad cap: 0 (none) to %u (percent of one CPU)", c,
                 CAP_PER_CPU * nr_cpus);
            return EXIT_FAILURE;
        }
        cap = (unsigned int)v;
    }
    rc = mica_sched_set(inv->ctx, d->domid, weight, cap);
    return rc < 0 ? fail_rc(inv, d->name, rc) : 0;
}

int check_sched_credit(const struct invocation *inv)
{
    const char *w = opt(inv, "weight"), *c = opt(inv, "cap");
    unsigned long long v;

    if ((w || c) && !opt(inv, "domain"))
        return usage_error(inv->spec, "-w and -c need -d DOMAIN");
    if (w && (parse_uint(w, WEIGHT_MAX, &v) < 0 || v == 0))
        return usage_error(inv->spec, "%s: bad weight: 1 to %u", w, WEIGHT_MAX);
    if (c && parse_uint(c, (unsigned long long)CAP_PER_CPU * MICA_MAX_CPUS, &v) < 0)
        return usage_error(inv->spec, "%s: bad cap: 0 (none) or percent of one CPU", c);
    return 0;
}

int cmd_sched_credit(struct invocation *inv)
{
    const char *dom = opt(inv, "domain");
    struct mica_dominfo d;
    unsigned int nr_cpus = 0;
    int rc;

    if (!dom)
        return sched_show_all(inv);
    if (domain_info_arg(inv, dom, &d) < 0)
        return EXIT_FAILURE;
    if (opt(inv, "weight") || opt(inv, "cap")) {
        rc = host_cpus(inv, &nr_cpus);
        return rc ? rc : sched_set(inv, &d, nr_cpus);
    }
    printf("%-20s %5s %6s %4s\n", "Name", "ID", "Weight", "Cap");
    return sched_show(inv, &d);
}
