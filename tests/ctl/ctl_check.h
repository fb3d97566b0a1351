/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Result lines for libctl's host tests: "PASS ctl-AREA: what" or
 * "FAIL ctl-AREA: what: detail", flushed at once; ctl_done() is the exit
 * status.
 */
#ifndef CTL_CHECK_H
#define CTL_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static const char *ctl_area = "ctl";
static unsigned int ctl_failed, ctl_passed;

static inline __attribute__((format(printf, 3, 4)))
bool ctl_check(bool ok, const char *detail, const char *what, ...)
{
    va_list ap;

    printf("%s %s: ", ok ? "PASS" : "FAIL", ctl_area);
    va_start(ap, what);
    vprintf(what, ap);
    va_end(ap);
    if (!ok)
        printf(": %s", detail ? detail : "failed");
    printf("\n");
    fflush(stdout);
    if (ok)
        ctl_passed++;
    else
        ctl_failed++;
    return ok;
}

static inline int ctl_done(void)
{
    return ctl_failed ? 1 : 0;
}

#endif
