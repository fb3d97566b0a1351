/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MICA_PANIC_H
#define MICA_PANIC_H

#include <mica/types.h>

/* Print the reason, stop every other CPU and end the machine. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/* This CPU's index, or 0 before per-CPU data exists (safe in any context). */
unsigned int panic_cpu_id(void);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
