/* SPDX-License-Identifier: GPL-2.0-only */
/* Test-guest start-up, command line, console output and result lines. */
#include "guest.h"

#define NAME_MAX_LEN   32
#define LINE_MAX_LEN  512

struct entry_state entry_state;

static struct mica_start_info si_copy;
static char name[NAME_MAX_LEN];
static unsigned int nr_passed, nr_failed;

const char *guest_name(void)
{
    return name;
}

const struct mica_start_info *guest_si(void)
{
    return &si_copy;
}

uint64_t guest_ram_end(void)
{
    return si_copy.nr_pages * PAGE_SIZE;
}

uint64_t guest_image_end(void)
{
    return ALIGN_UP((uint64_t)_end, PAGE_SIZE);
}

/* The word starting at s that begins "key=", or NULL. */
static const char *cmdline_find(const char *key)
{
    const char *s = si_copy.cmdline;
    size_t klen = strlen(key);

    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        if (!strncmp(s, key, klen) && s[klen] == '=')
            return s + klen + 1;
        while (*s && *s != ' ')
            s++;
    }
    return NULL;
}

bool cmdline_get(const char *key, char *out, size_t size)
{
    const char *v = cmdline_find(key);
    size_t n = 0;

    if (!v)
        return false;
    while (v[n] && v[n] != ' ' && n + 1 < size) {
        out[n] = v[n];
        n++;
    }
    out[n] = '\0';
    return true;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

uint64_t cmdline_u64(const char *key, uint64_t dflt)
{
    char buf[24];
    const char *p = buf;
    unsigned int base = 10;
    uint64_t v = 0;

    if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
        return dflt;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; *p; p++) {
        if ((unsigned int)digit_value(*p) >= base)
            return dflt;
        v = v * base + (unsigned int)digit_value(*p);
    }
    return v;
}

void gprintf(const char *fmt, ...)
{
    char buf[LINE_MAX_LEN];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';      /* keep one line per call */
    }
    mica_console_write(buf, (uint64_t)n);
}

bool check(bool cond, const char *what, const char *fmt, ...)
{
    char detail[LINE_MAX_LEN - 64];
    va_list ap;

    if (cond) {
        nr_passed++;
        gprintf("PASS %s: %s\n", name, what);
        return true;
    }
    nr_failed++;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    gprintf("FAIL %s: %s: %s\n", name, what, detail);
    return false;
}

bool check_eq_u64(const char *what, uint64_t expected, uint64_t got)
{
    return check(expected == got, what, "expected 0x%lx, got 0x%lx",
                 expected, got);
}

bool check_eq_i64(const char *what, int64_t expected, int64_t got)
{
    return check(expected == got, what, "expected %ld, got %ld",
                 expected, got);
}

unsigned int checks_failed(void)
{
    return nr_failed;
}

void halt_forever(void)
{
    for (;;)
        asm volatile ("cli; hlt" ::: "memory");
}

void guest_crash(void)
{
    mica_sched_op(MICA_SCHED_shutdown, MICA_SHUTDOWN_crash);
    halt_forever();
}

void guest_finish(void)
{
    uint64_t reason = nr_failed ? MICA_SHUTDOWN_crash : MICA_SHUTDOWN_poweroff;
    int64_t rc;

    gprintf("SUMMARY %s: %u passed, %u failed\n", name, nr_passed, nr_failed);
    rc = mica_sched_op(MICA_SCHED_shutdown, reason);
    gprintf("FAIL %s: shutdown: returned %ld\n", name, rc);
    halt_forever();
}

void rng_seed(struct rng *r, uint64_t seed)
{
    r->state = seed ? seed : 1;
}

uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->state = x;
    return x;
}

void guest_start(const struct mica_start_info *si)
{
    int rc;

    nr_passed = nr_failed = 0;
    memcpy(&si_copy, si, sizeof(si_copy));
    si_copy.cmdline[sizeof(si_copy.cmdline) - 1] = '\0';
    if (!cmdline_get("name", name, sizeof(name)) || !name[0])
        strlcpy(name, guest_builtin_name, sizeof(name));

    rc = guest_main(si);
    if (rc)
        check(false, "guest_main", "returned %d", rc);
    guest_finish();
}
