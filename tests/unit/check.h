/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Result reporting for the host unit tests.
 *
 * Every check prints exactly one line on stdout:
 *     PASS <area>: <what>
 *     FAIL <area>: <what>: <detail>
 * and check_done() returns the exit status (1 if anything failed). <what>
 * is a printf format with its arguments, so checks in loops can name the
 * case. Output goes through libc's printf and comparisons are done here,
 * never through the hypervisor's string functions under test. Lines are
 * flushed at once so a crash does not swallow the ones before it.
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

static const char *check_area_name = "unit";
static unsigned int check_failed;

static inline void check_area(const char *area)
{
    check_area_name = area;
}

/* Print the PASS/FAIL head and <what>; the caller adds any detail and ends the line. */
static inline void check_head(bool ok, const char *what, va_list ap)
{
    printf("%s %s: ", ok ? "PASS" : "FAIL", check_area_name);
    vprintf(what, ap);
    if (!ok)
        check_failed++;
}

static inline void check_end(void)
{
    printf("\n");
    fflush(stdout);
}

static inline __attribute__((format(printf, 3, 4)))
bool check_bool(bool ok, const char *expr, const char *what, ...)
{
    va_list ap;

    va_start(ap, what);
    check_head(ok, what, ap);
    va_end(ap);
    if (!ok)
        printf(": false: %s", expr);
    check_end();
    return ok;
}

static inline __attribute__((format(printf, 3, 4)))
bool check_u64(unsigned long long got, unsigned long long want, const char *what, ...)
{
    va_list ap;
    bool ok = got == want;

    va_start(ap, what);
    check_head(ok, what, ap);
    va_end(ap);
    if (!ok)
        printf(": got %llu (0x%llx), expected %llu (0x%llx)", got, got, want, want);
    check_end();
    return ok;
}

static inline __attribute__((format(printf, 3, 4)))
bool check_i64(long long got, long long want, const char *what, ...)
{
    va_list ap;
    bool ok = got == want;

    va_start(ap, what);
    check_head(ok, what, ap);
    va_end(ap);
    if (!ok)
        printf(": got %lld, expected %lld", got, want);
    check_end();
    return ok;
}

static inline bool check_same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static inline __attribute__((format(printf, 3, 4)))
bool check_str(const char *got, const char *want, const char *what, ...)
{
    va_list ap;
    bool ok = check_same_str(got, want);

    va_start(ap, what);
    check_head(ok, what, ap);
    va_end(ap);
    if (!ok)
        printf(": got \"%s\", expected \"%s\"", got ? got : "(NULL)", want ? want : "(NULL)");
    check_end();
    return ok;
}

static inline bool check_has(const char *hay, const char *needle)
{
    for (; *hay; hay++) {
        size_t i = 0;

        while (needle[i] && hay[i] == needle[i])
            i++;
        if (!needle[i])
            return true;
    }
    return !*needle;
}

/* Print s on one line, with newlines shown as \n. */
static inline void check_print_flat(const char *s)
{
    for (; *s; s++)
        if (*s == '\n')
            printf("\\n");
        else
            putchar(*s);
}

/* Passes when needle occurs in hay (such as the captured printk log). */
static inline __attribute__((format(printf, 3, 4)))
bool check_contains(const char *hay, const char *needle, const char *what, ...)
{
    va_list ap;
    bool ok = check_has(hay, needle);

    va_start(ap, what);
    check_head(ok, what, ap);
    va_end(ap);
    if (!ok) {
        printf(": \"");
        check_print_flat(needle);
        printf("\" not in \"");
        check_print_flat(hay);
        printf("\"");
    }
    check_end();
    return ok;
}

#define CHECK(cond, ...)            check_bool(!!(cond), #cond, __VA_ARGS__)
#define CHECK_EQ(got, want, ...)    check_u64((unsigned long long)(got), \
                                              (unsigned long long)(want), __VA_ARGS__)
#define CHECK_EQ_S(got, want, ...)  check_i64((long long)(got), (long long)(want), __VA_ARGS__)
#define CHECK_STR(got, want, ...)   check_str((got), (want), __VA_ARGS__)
#define CHECK_CONTAINS(hay, needle, ...) check_contains((hay), (needle), __VA_ARGS__)

static inline int check_done(void)
{
    return check_failed ? 1 : 0;
}

#endif
