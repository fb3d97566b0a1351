// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every verb shares: one-line messages, opening the hypervisor,
 * naming a domain, parsing sizes and CPU lists, printing UUIDs, states,
 * durations and JSON strings.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mica.h"
#include "public/sched.h"

#define NS_PER_SEC 1000000000ull

void fail(const char *verb, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mica: %s: ", verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/*
 * A libmicactl call failed with rc: libctl's own message when it left one
 * (prefixed with what unless it names it already, as a configuration's
 * "FILE:LINE: element: problem" does), else what: strerror. Returns the exit status.
 */
int fail_rc(const struct invocation *inv, const char *what, long rc)
{
    const char *msg = mica_last_error(inv->ctx);       /* NULL ctx: this thread's last */
    size_t vlen = strlen(inv->spec->name);

    if (msg && !strncmp(msg, inv->spec->name, vlen) && !strncmp(msg + vlen, ": ", 2))
        msg += vlen + 2;                /* libctl names the operation too: once is enough */
    if (msg && msg[0] && what && strncmp(msg, what, strlen(what)))
        fail(inv->spec->name, "%s: %s", what, msg);
    else if (msg && msg[0])
        fail(inv->spec->name, "%s", msg);
    else
        fail(inv->spec->name, "%s: %s", what ? what : "failed", strerror((int)-rc));
    return EXIT_FAILURE;
}

int ctx_open(const char *verb, mica_ctx **ctx)
{
    int rc;

    *ctx = NULL;
    if (geteuid() != 0) {
        fail(verb, "permission denied: mica must be run as root");
        return -EACCES;
    }
    rc = mica_open(ctx);
    if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO)
        fail(verb, "/dev/mica/privcmd: %s (is this Mica's dom0, with the mica driver loaded?)",
             strerror(-rc));
    else if (rc == -EACCES || rc == -EPERM)
        fail(verb, "/dev/mica/privcmd: %s: mica must be run as root", strerror(-rc));
    else if (rc < 0)
        fail(verb, "/dev/mica/privcmd: %s", strerror(-rc));
    if (rc < 0)
        *ctx = NULL;
    return rc;
}

/* A domain by name, id or UUID; prints the message when there is none. */
int domain_arg(const struct invocation *inv, const char *what, uint32_t *domid)
{
    int rc = mica_domain_lookup(inv->ctx, what, domid);

    if (rc == -ESRCH || rc == -ENOENT) {
        fail(inv->spec->name, "%s: no such domain", what);
        return rc;
    }
    if (rc < 0)
        fail_rc(inv, what, rc);
    return rc;
}

int domain_info_arg(const struct invocation *inv, const char *what, struct mica_dominfo *info)
{
    uint32_t domid;
    int rc = domain_arg(inv, what, &domid);

    if (rc < 0)
        return rc;
    rc = mica_domain_info(inv->ctx, domid, info);
    if (rc == -ESRCH) {
        fail(inv->spec->name, "%s: no such domain", what);
        return rc;
    }
    if (rc < 0)
        fail_rc(inv, what, rc);
    return rc;
}

/* A decimal number 0..max, nothing else. */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

/* N[kmgt] (KiB, MiB, GiB, TiB; MiB without a unit), as xl's mem-max. */
int parse_size_kb(const char *s, uint64_t *kb)
{
    char *end;
    unsigned long long v;
    unsigned int shift;

    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -ERANGE;
    switch (tolower((unsigned char)*end)) {
    case 'k': shift = 0; break;
    case '\0': case 'm': shift = 10; break;
    case 'g': shift = 20; break;
    case 't': shift = 30; break;
    default: return -EINVAL;
    }
    if (*end && (end[1] && strcasecmp(end + 1, "ib") && strcasecmp(end + 1, "b")))
        return -EINVAL;
    if (v > (UINT64_MAX >> 40))
        return -ERANGE;
    *kb = (uint64_t)v << shift;
    return 0;
}

/* "all", or "N", "N-M" separated by commas, each below nr_cpus. */
int parse_cpulist(const char *s, unsigned int nr_cpus, uint64_t *mask)
{
    uint64_t m = 0;
    const char *p = s;

    if (nr_cpus == 0 || nr_cpus > MICA_MAX_CPUS)
        nr_cpus = MICA_MAX_CPUS;
    if (!strcmp(s, "all")) {
        *mask = nr_cpus == 64 ? ~0ull : (1ull << nr_cpus) - 1;
        return 0;
    }
    while (*p) {
        char *end;
        unsigned long lo, hi;

        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        lo = hi = strtoul(p, &end, 10);
        if (*end == '-') {
            if (!isdigit((unsigned char)end[1]))
                return -EINVAL;
            hi = strtoul(end + 1, &end, 10);
        }
        if (lo > hi || hi >= nr_cpus)
            return -ERANGE;
        for (unsigned long c = lo; c <= hi; c++)
            m |= 1ull << c;
        if (*end == ',' && end[1])
            end++;
        else if (*end)
            return -EINVAL;
        p = end;
    }
    if (!m)
        return -EINVAL;
    *mask = m;
    return 0;
}

void format_cpulist(uint64_t mask, unsigned int nr_cpus, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    if (nr_cpus && nr_cpus <= MICA_MAX_CPUS &&
        (mask | (nr_cpus == 64 ? 0 : ~0ull << nr_cpus)) == ~0ull) {
        snprintf(buf, len, "all");
        return;
    }
    for (unsigned int c = 0; c < MICA_MAX_CPUS && n < len; c++) {
        unsigned int e = c;

        if (!(mask & (1ull << c)))
            continue;
        while (e + 1 < MICA_MAX_CPUS && (mask & (1ull << (e + 1))))
            e++;
        n += snprintf(buf + n, len - n, n ? ",%u" : "%u", c);
        if (e > c && n < len)
            n += snprintf(buf + n, len - n, "-%u", e);
        c = e;
    }
}

void format_uuid(const uint8_t u[16], char out[MICA_UUID_STR_LEN])
{
    snprintf(out, MICA_UUID_STR_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
             u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* running, paused, dying, or for a domain that ended: poweroff, reboot, crashed. */
const char *state_name(const struct mica_dominfo *d)
{
    static const char *const shutdown[] = {
        [MICA_SHUTDOWN_poweroff] = "poweroff",
        [MICA_SHUTDOWN_reboot] = "reboot",
        [MICA_SHUTDOWN_crash] = "crashed",
    };

    switch (d->state) {
    case MICA_STATE_RUNNING: return "running";
    case MICA_STATE_PAUSED: return "paused";
    case MICA_STATE_DYING: return "dying";
    case MICA_STATE_SHUTDOWN:
        if (d->shutdown_reason < sizeof(shutdown) / sizeof(shutdown[0]) &&
            shutdown[d->shutdown_reason])
            return shutdown[d->shutdown_reason];
        return "shutdown";
    }
    return "unknown";
}

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* "3 days, 4:05:06" or "4:05:06", as uptime(1). */
void format_duration(uint64_t ns, char *buf, size_t len)
{
    uint64_t s = ns / NS_PER_SEC;
    uint64_t days = s / 86400;

    s %= 86400;
    if (days)
        snprintf(buf, len, "%" PRIu64 " day%s, %" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
                 days, days == 1 ? "" : "s", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
}
