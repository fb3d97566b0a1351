/* SPDX-License-Identifier: GPL-2.0-only */
/* String and formatting helpers (hypervisor/lib/). Pure C, host-testable. */
#ifndef MICA_LIB_H
#define MICA_LIB_H

#include <mica/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
/* Copies at most size-1 bytes and always NUL-terminates (size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * vsnprintf supports %d %i %u %x %X %o %c %s %p %% with flags '-', '0',
 * width, precision for %s, and length modifiers hh h l ll z. Always
 * NUL-terminates when size > 0; returns the length the full output needs.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Parse an unsigned number (base 0 = auto: 0x hex, 0 octal, else decimal).
 * *end is set past the last digit used. Saturates at UINT64_MAX and sets
 * *overflow (if non-NULL) when the value does not fit.
 */
uint64_t parse_u64(const char *s, const char **end, int base, bool *overflow);

/*
 * Parse a size with an optional K/M/G/T suffix (binary multiples, case
 * insensitive; a bare number is bytes). Returns 0 on success, -EINVAL on
 * malformed input or trailing junk, -ERANGE on overflow.
 */
int parse_size(const char *s, uint64_t *out);

#endif
