// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verbs about the host: info and dmesg. The hypervisor's log is a ring
 * that keeps the newest bytes, every byte with an offset; dmesg -c
 * remembers the offset it read up to (and the hypervisor's clock then, so
 * an offset from before a reboot of the machine is ignored) in
 * MICA_RUN_DIR/dmesg-offset, and dmesg starts there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mica.h"

#define KIB_PER_MIB 1024
#define DMESG_OFFSET_FILE MICA_RUN_DIR "/dmesg-offset"
#define LOG_CHUNK 65536

static void info_text(const struct mica_hostinfo *h, const struct utsname *u)
{
    char up[48];

    format_duration(h->now_ns, up, sizeof(up));
    printf("host                   : %s\n", u->nodename);
    printf("release                : %s\n", u->release);
    printf("machine                : %s\n", u->machine);
    printf("nr_cpus                : %u\n", h->nr_cpus);
    printf("total_memory           : %" PRIu64 "\n", h->total_kb / KIB_PER_MIB);
    printf("free_memory            : %" PRIu64 "\n", h->free_kb / KIB_PER_MIB);
    printf("tsc_khz                : %" PRIu64 "\n", h->tsc_khz);
    printf("hypervisor_version     : %s\n", h->version);
    printf("hypervisor_uptime      : %s\n", up);
}

static void info_json(const struct mica_hostinfo *h, const struct utsname *u)
{
    printf("{\n  \"host\": ");
    json_string(stdout, u->nodename);
    printf(",\n  \"release\": ");
    json_string(stdout, u->release);
    printf(",\n  \"machine\": ");
    json_string(stdout, u->machine);
    printf(",\n  \"nr_cpus\": %u,\n", h->nr_cpus);
    printf("  \"total_memory_kb\": %" PRIu64 ",\n  \"free_memory_kb\": %" PRIu64 ",\n",
           h->total_kb, h->free_kb);
    printf("  \"tsc_khz\": %" PRIu64 ",\n  \"hypervisor_version\": ", h->tsc_khz);
    json_string(stdout, h->version);
    printf(",\n  \"hypervisor_uptime_ns\": %" PRIu64 "\n}\n", h->now_ns);
}

int cmd_info(struct invocation *inv)
{
    struct mica_hostinfo h;
    struct utsname u;
    int rc = mica_host_info(inv->ctx, &h);

    if (rc < 0)
        return fail_rc(inv, "host", rc);
    if (uname(&u) < 0)
        memset(&u, 0, sizeof(u));
    if (opt(inv, "json"))
        info_json(&h, &u);
    else
        info_text(&h, &u);
    return 0;
}

/* The offset the last dmesg -c left, 0 if none or from before the machine's boot. */
static uint64_t dmesg_start(uint64_t now_ns)
{
    FILE *f = fopen(DMESG_OFFSET_FILE, "r");
    uint64_t off = 0, then = 0;

    if (!f)
        return 0;
    if (fscanf(f, "%" SCNu64 " %" SCNu64, &off, &then) != 2 || then > now_ns)
        off = 0;
    fclose(f);
    return off;
}

static int dmesg_remember(struct invocation *inv, uint64_t off, uint64_t now_ns)
{
    const char *tmp = DMESG_OFFSET_FILE ".tmp";
    FILE *f;

    if (mkdir(MICA_RUN_DIR, 0755) < 0 && errno != EEXIST)
        return fail_rc(inv, MICA_RUN_DIR, -errno);
    f = fopen(tmp, "w");
    if (!f)
        return fail_rc(inv, tmp, -errno);
    fprintf(f, "%" PRIu64 " %" PRIu64 "\n", off, now_ns);
    if (fclose(f) != 0 || rename(tmp, DMESG_OFFSET_FILE) < 0) {
        int rc = -errno;

        unlink(tmp);
        return fail_rc(inv, DMESG_OFFSET_FILE, rc);
    }
    return 0;
}

int cmd_dmesg(struct invocation *inv)
{
    struct mica_hostinfo h;
    uint64_t off, start, lost = 0, lost_total = 0;
    char *buf;
    ssize_t n;
    int rc = mica_host_info(inv->ctx, &h);

    if (rc < 0)
        return fail_rc(inv, "host", rc);
    buf = malloc(LOG_CHUNK);
    if (!buf)
        return fail_rc(inv, "log", -ENOMEM);
    off = start = dmesg_start(h.now_ns);
    while ((n = mica_log_read(inv->ctx, &off, buf, LOG_CHUNK, &lost)) > 0) {
        lost_total += lost;
        fwrite(buf, 1, (size_t)n, stdout);
    }
    free(buf);
    if (n < 0)
        return fail_rc(inv, "log", n);
    if (lost_total && start)            /* from 0, the ring's size is no news */
        fprintf(stderr, "mica: dmesg: %" PRIu64 " older bytes were overwritten before they "
                "could be read\n", lost_total);
    if (opt(inv, "clear"))
        return dmesg_remember(inv, off, h.now_ns);
    return 0;
}
