// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica top: every DELAY seconds, each domain's state, CPU time and share of
 * one CPU since the last update (from the hypervisor's clock), memory and
 * vCPUs, as xentop. Interactive on a terminal (q quits), or -b batch: plain
 * tables on standard output, ITER of them with -n.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mica.h"

#define DEFAULT_DELAY 3.0
#define MAX_DELAY 3600.0
#define MAX_ITER 1000000000ull
#define KIB_PER_MIB 1024
#define CLEAR_SCREEN "\033[H\033[2J"

struct sample {
    struct mica_hostinfo host;
    struct mica_dominfo *doms;
    int n;
};

static int take_sample(struct invocation *inv, struct sample *s)
{
    int rc = mica_host_info(inv->ctx, &s->host);

    if (rc < 0)
        return fail_rc(inv, "host", rc);
    s->n = mica_domain_list(inv->ctx, &s->doms);
    if (s->n < 0) {
        s->doms = NULL;
        return fail_rc(inv, "domains", s->n);
    }
    return 0;
}

/* Percent of one CPU the domain used since the previous sample (0 if none). */
static double cpu_percent(const struct sample *prev, const struct sample *cur,
                          const struct mica_dominfo *d)
{
    uint64_t dt;

    if (!prev || cur->host.now_ns <= prev->host.now_ns)
        return 0;
    dt = cur->host.now_ns - prev->host.now_ns;
    for (int i = 0; i < prev->n; i++)
        if (prev->doms[i].domid == d->domid && d->cpu_time_ns >= prev->doms[i].cpu_time_ns)
            return 100.0 * (double)(d->cpu_time_ns - prev->doms[i].cpu_time_ns) / (double)dt;
    return 0;
}

static void print_table(const struct sample *prev, const struct sample *cur)
{
    const struct mica_hostinfo *h = &cur->host;
    unsigned int count[4] = { 0 };
    char up[48];
    time_t t = time(NULL);
    char clock[16];

    for (int i = 0; i < cur->n; i++)
        if (cur->doms[i].state < 4)
            count[cur->doms[i].state]++;
    strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
    format_duration(h->now_ns, up, sizeof(up));
    printf("mica top - %s  up %s  %d domains: %u running, %u paused, %u shut down, %u dying\n",
           clock, up, cur->n, count[MICA_STATE_RUNNING], count[MICA_STATE_PAUSED],
           count[MICA_STATE_SHUTDOWN], count[MICA_STATE_DYING]);
    printf("Mem: %" PRIu64 " MiB total, %" PRIu64 " MiB free  CPUs: %u\n\n",
           h->total_kb / KIB_PER_MIB, h->free_kb / KIB_PER_MIB, h->nr_cpus);
    printf("%-20s %5s %-8s %10s %7s %9s %6s %12s %5s\n", "NAME", "ID", "STATE", "CPU(sec)",
           "CPU(%)", "MEM(MiB)", "MEM(%)", "MAXMEM(MiB)", "VCPUS");
    for (int i = 0; i < cur->n; i++) {
        const struct mica_dominfo *d = &cur->doms[i];

        printf("%-20s %5" PRIu32 " %-8s %10" PRIu64 " %7.1f %9" PRIu64 " %6.1f %12" PRIu64
               " %5u\n", d->name, d->domid, state_name(d), d->cpu_time_ns / UINT64_C(1000000000),
               cpu_percent(prev, cur, d), d->mem_kb / KIB_PER_MIB,
               h->total_kb ? 100.0 * (double)d->mem_kb / (double)h->total_kb : 0.0,
               d->max_mem_kb / KIB_PER_MIB, d->vcpus);
    }
}

/* Wait delay seconds; true when the user pressed q (interactive) or a signal came. */
static bool wait_or_quit(double delay, bool interactive)
{
    struct timespec end, now;
    int left_ms;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)delay;
    end.tv_nsec += (long)((delay - floor(delay)) * 1e9);
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    for (;;) {
        struct pollfd pfd = { .fd = interactive ? STDIN_FILENO : -1, .events = POLLIN };
        char key;

        if (term_stop_signal)
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left_ms = (int)((end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000);
        if (left_ms <= 0)
            return false;
        if (poll(&pfd, 1, left_ms) > 0 && read(STDIN_FILENO, &key, 1) == 1 &&
            (key == 'q' || key == 'Q'))
            return true;
    }
}

static int parse_top_opts(const struct invocation *inv, double *delay, unsigned long long *iter)
{
    const char *d = opt(inv, "delay"), *n = opt(inv, "iterations");
    char *end;

    *delay = DEFAULT_DELAY;
    *iter = 0;
    if (d) {
        errno = 0;
        *delay = strtod(d, &end);
        if (errno || *end || end == d || !(*delay > 0) || *delay > MAX_DELAY)
            return usage_error(inv->spec, "%s: bad delay: seconds, more than 0, at most %.0f",
                               d, MAX_DELAY);
    }
    if (n && (parse_uint(n, MAX_ITER, iter) < 0 || *iter == 0))
        return usage_error(inv->spec, "%s: bad iteration count: 1 or more", n);
    return 0;
}

int check_top(const struct invocation *inv)
{
    unsigned long long iter;
    double delay;

    return parse_top_opts(inv, &delay, &iter);
}

int cmd_top(struct invocation *inv)
{
    bool batch = opt(inv, "batch");
    struct sample prev = { 0 }, cur = { 0 };
    unsigned long long iter, done = 0;
    double delay;
    int rc = parse_top_opts(inv, &delay, &iter);

    if (rc)
        return rc;
    if (!batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fail(inv->spec->name, "not a terminal: use -b for batch mode");
        return EXIT_FAILURE;
    }
    term_catch_signals();
    if (!batch && term_enter(false) < 0) {
        fail(inv->spec->name, "terminal: %s", strerror(errno));
        return EXIT_FAILURE;
    }
    for (;;) {
        rc = take_sample(inv, &cur);
        if (rc)
            break;
        if (!batch)
            fputs(CLEAR_SCREEN, stdout);
        print_table(done ? &prev : NULL, &cur);
        if (batch)
            putchar('\n');
        fflush(stdout);
        free(prev.doms);
        prev = cur;
        cur.doms = NULL;
        done++;
        if ((iter && done >= iter) || wait_or_quit(delay, !batch))
            break;
    }
    free(prev.doms);
    free(cur.doms);
    term_restore();
    return rc;
}
