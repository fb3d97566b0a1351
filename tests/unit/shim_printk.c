/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shim's printk: formats with the hypervisor's vsnprintf into a capture
 * buffer (shim_log() and friends in shim.h). Linked into every unit test
 * except the ones in UNIT_OWN_CONSOLE (unit.mk), which link the real
 * hypervisor/common/console.c instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mica/console.h>
#include <mica/lib.h>

#include "shim.h"

#define LOG_SIZE  (64 * 1024)

static char log_buf[LOG_SIZE];
static size_t log_len;
static unsigned int log_counts[LOG_DEBUG + 1];

int console_loglevel = LOG_DEBUG;

void vprintk(int level, const char *fmt, va_list ap)
{
    char line[1024];
    int n = vsnprintf(line, sizeof(line), fmt, ap);

    if (n < 0 || (size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    if (log_len + (size_t)n >= LOG_SIZE)
        shim_fatal("printk capture buffer full; call shim_log_clear() more often");
    memcpy(log_buf + log_len, line, (size_t)n + 1);
    log_len += (size_t)n;
    if (level >= 0 && level <= LOG_DEBUG)
        log_counts[level]++;
    if (getenv("UNIT_VERBOSE"))
        fprintf(stderr, "[printk %d] %s", level, line);
}

void printk(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(level, fmt, ap);
    va_end(ap);
}

void shim_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(log_counts); i++)
        log_counts[i] = 0;
}

const char *shim_log(void)
{
    return log_buf;
}

unsigned int shim_log_count(int level)
{
    return level >= 0 && level <= LOG_DEBUG ? log_counts[level] : 0;
}

