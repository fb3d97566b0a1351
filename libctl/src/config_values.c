/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The values of a domain XML file, checked one by one: numbers, memory
 * sizes with libvirt's units, names, UUIDs, cpusets, file paths. Each
 * check names the element and says what is wrong with the value.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid.h>
#include <public/domctl.h>
#include "config_priv.h"

/* Physical CPUs a cpuset can name: the bits of MICA_DOMCTL_affinity_set's mask. */
#define CPUSET_MAX_CPUS  (int)(8 * sizeof(((struct mica_domctl_affinity *)0)->mask))

/* A decimal number, digits only (whitespace around it trimmed already). */
int cfg_u64(struct cfg_parse *p, const xmlNode *n, const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return cfg_fail(p, n, "a number is needed, the value is empty");
    for (const char *q = s; *q; q++) {
        if (*q < '0' || *q > '9')
            return cfg_fail(p, n, "'%s' is not a decimal number", s);
        if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
            return cfg_fail(p, n, "'%s' is too large", s);
        v = v * 10 + (uint64_t)(*q - '0');
    }
    *out = v;
    return 0;
}

/* libvirt's memory units (formatdomain.html, "Memory Allocation"). */
static const struct {
    const char *name;
    uint64_t bytes;
} units[] = {
    { "b", 1 }, { "bytes", 1 },
    { "KB", 1000ull }, { "k", 1ull << 10 }, { "KiB", 1ull << 10 },
    { "MB", 1000000ull }, { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
    { "GB", 1000000000ull }, { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
    { "TB", 1000000000000ull }, { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
};

static int unit_bytes(struct cfg_parse *p, const xmlNode *n, uint64_t *bytes)
{
    xmlChar *u = xmlGetProp(n, BAD_CAST "unit");
    int rc = 0;

    *bytes = 1ull << 10;                        /* libvirt's default: KiB */
    if (!u)
        return 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcmp((const char *)u, units[i].name)) {
            *bytes = units[i].bytes;
            goto out;
        }
    rc = cfg_fail(p, n, "unknown unit '%s' (b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB)",
                  (const char *)u);
out:
    xmlFree(u);
    return rc;
}

/* <memory>/<currentMemory>: a whole number of 4 KiB pages, 4 MiB .. below the LAPIC page. */
int cfg_memory_kb(struct cfg_parse *p, const xmlNode *n, uint64_t *kb)
{
    char *s = cfg_text(n);
    uint64_t v, unit, bytes;
    int rc;

    if (!s)
        return -ENOMEM;
    rc = unit_bytes(p, n, &unit);
    if (!rc)
        rc = cfg_u64(p, n, s, &v);
    if (rc)
        goto out;
    if (v && v > UINT64_MAX / unit) {
        rc = cfg_fail(p, n, "%s units is too large", s);
        goto out;
    }
    bytes = v * unit;
    if (bytes == 0)
        rc = cfg_fail(p, n, "must not be 0");
    else if (bytes % 4096)
        rc = cfg_fail(p, n, "%llu bytes is not a whole number of 4 KiB pages",
                      (unsigned long long)bytes);
    else if (bytes < CFG_MIN_MEM_KB << 10)
        rc = cfg_fail(p, n, "%llu KiB is too small: at least %llu KiB",
                      (unsigned long long)(bytes >> 10), CFG_MIN_MEM_KB);
    else if (bytes > CFG_LINUX_RAM_MAX)
        rc = cfg_fail(p, n, "%llu KiB is too large: a Linux domain has at most %llu KiB "
                      "(its RAM is one range, below the APICs at %#llx)",
                      (unsigned long long)(bytes >> 10), CFG_LINUX_RAM_MAX >> 10, CFG_LINUX_RAM_MAX);
    *kb = bytes >> 10;
out:
    free(s);
    return rc;
}

static bool name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/*
 * 1..31 of [A-Za-z0-9._-], not starting with '-' or '.', not all digits
 * (which would read as an id): NULL, or what is wrong (in buf).
 */
const char *mica_name_problem(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s), digits = strspn(s, "0123456789");

    if (n == 0)
        return "the name is empty";
    if (n > MICA_NAME_MAX) {
        snprintf(buf, len, "'%.40s' is %zu bytes long, at most %d", s, n, MICA_NAME_MAX);
        return buf;
    }
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i])) {
            snprintf(buf, len, "'%s' has a character other than A-Z a-z 0-9 . _ -", s);
            return buf;
        }
    if (s[0] == '-' || s[0] == '.')
        snprintf(buf, len, "'%s' starts with '%c'", s, s[0]);
    else if (digits == n)
        snprintf(buf, len, "'%s' is all digits, which names a domain id", s);
    else
        return NULL;
    return buf;
}

int cfg_name(struct cfg_parse *p, const xmlNode *n, const char *s)
{
    char buf[128];
    const char *why = mica_name_problem(s, buf, sizeof(buf));

    return why ? cfg_fail(p, n, "%s", why) : 0;
}

/* Dashed 8-4-4-4-12 or 32 hex digits, not all zero. */
int cfg_uuid(struct cfg_parse *p, const xmlNode *n, const char *s, uint8_t uuid[16])
{
    char dashed[MICA_UUID_STR_LEN];
    size_t len = strlen(s);

    if (len == 32 && strspn(s, "0123456789abcdefABCDEF") == 32) {
        snprintf(dashed, sizeof(dashed), "%.8s-%.4s-%.4s-%.4s-%.12s",
                 s, s + 8, s + 12, s + 16, s + 20);
        s = dashed;
    }
    if (uuid_parse(s, uuid))
        return cfg_fail(p, n, "'%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s);
    if (uuid_is_null(uuid))
        return cfg_fail(p, n, "the nil UUID is not allowed; leave <uuid> out to get one");
    return 0;
}

/* One cpuset item: N, N-M or ^N (libvirt's syntax); CPUs 0..63. */
static int cpuset_item(struct cfg_parse *p, const xmlNode *n, const char *all,
                       const char *item, uint64_t *set, uint64_t *clear)
{
    bool neg = *item == '^';
    char *end;
    unsigned long a, b;

    if (neg)
        item++;
    if (*item < '0' || *item > '9')
        goto bad;
    a = strtoul(item, &end, 10);
    b = a;
    if (*end == '-' && !neg) {
        if (end[1] < '0' || end[1] > '9')
            goto bad;
        b = strtoul(end + 1, &end, 10);
    }
    if (*end)
        goto bad;
    if (a > b)
        return cfg_fail(p, n, "cpuset '%s': range %lu-%lu runs backwards", all, a, b);
    if (b >= CPUSET_MAX_CPUS)
        return cfg_fail(p, n, "cpuset '%s': CPU %lu is beyond the last (%d)", all, b,
                        CPUSET_MAX_CPUS - 1);
    for (unsigned long i = a; i <= b; i++)
        *(neg ? clear : set) |= 1ull << i;
    return 0;
bad:
    return cfg_fail(p, n, "cpuset '%s' is not a list of N, N-M and ^N", all);
}

int cfg_cpuset(struct cfg_parse *p, const xmlNode *n, const char *s, uint64_t *mask)
{
    char *copy = strdup(s), *save = NULL, *item;
    uint64_t set = 0, clear = 0;
    int rc = 0;

    if (!copy)
        return -ENOMEM;
    if (!*s || s[strlen(s) - 1] == ',' || *s == ',' || strstr(s, ",,"))
        rc = cfg_fail(p, n, "cpuset '%s' is not a list of N, N-M and ^N", s);
    for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save))
        rc = cpuset_item(p, n, s, item, &set, &clear);
    free(copy);
    if (!rc && !(set & ~clear))
        rc = cfg_fail(p, n, "cpuset '%s' has no CPU in it", s);
    *mask = set & ~clear;
    return rc;
}

/* The canonical absolute path, so a saved configuration works from anywhere. */
static int absolute(struct cfg_parse *p, const xmlNode *n, char **path)
{
    char *abs = realpath(*path, NULL);

    if (!abs)
        return cfg_fail(p, n, "cannot resolve %s: %s", *path, strerror(errno));
    free(*path);
    *path = abs;
    return 0;
}

/* A path relative to the XML file's directory, made absolute; a readable regular file. */
int cfg_file(struct cfg_parse *p, const xmlNode *n, char **path)
{
    char *s = cfg_text(n), *full = NULL;
    struct stat st;
    int rc = 0;

    if (!s)
        return -ENOMEM;
    if (!*s) {
        rc = cfg_fail(p, n, "the file name is empty");
        goto out;
    }
    if (s[0] != '/' && p->dir) {
        if (asprintf(&full, "%s/%s", p->dir, s) < 0) {
            rc = -ENOMEM;
            goto out;
        }
    } else {
        full = s;
        s = NULL;
    }
    if (stat(full, &st) || access(full, R_OK))
        rc = cfg_fail(p, n, "cannot read %s: %s", full, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = cfg_fail(p, n, "%s is not a regular file", full);
    else if (st.st_size == 0)
        rc = cfg_fail(p, n, "%s is empty", full);
    if (!rc)
        rc = absolute(p, n, &full);
out:
    free(s);
    if (rc)
        free(full);
    else
        *path = full;
    return rc;
}

int cfg_cmdline(struct cfg_parse *p, const xmlNode *n, const char *s)
{
    size_t len = strlen(s);

    if (len > CFG_CMDLINE_MAX)
        return cfg_fail(p, n, "%zu bytes long, at most %u", len, CFG_CMDLINE_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return cfg_fail(p, n, "a control character (0x%02x) at byte %zu", (unsigned char)s[i], i);
    return 0;
}
