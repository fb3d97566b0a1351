/* SPDX-License-Identifier: GPL-2.0-only */
/* Number parsing for the command line and the boot code (<mica/lib.h>). */
#include <mica/lib.h>
#include <mica/errno.h>

/* The value of c as a digit in bases up to 36; 36 when it is no digit. */
static unsigned int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned int)(c - '0');
    if (c >= 'a' && c <= 'z')
        return (unsigned int)(c - 'a') + 10;
    if (c >= 'A' && c <= 'Z')
        return (unsigned int)(c - 'A') + 10;
    return 36;
}

/*
 * Resolve base 0 and step over a "0x" prefix for base 16. The prefix only
 * counts when a hex digit follows, so "0x" alone parses as the number 0
 * with *s left at the 'x', as strtoul does.
 */
static unsigned int take_base(const char **s, int base)
{
    const char *p = *s;
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
               digit_value(p[2]) < 16;

    if (base == 0)
        base = hex ? 16 : p[0] == '0' ? 8 : 10;
    if (base == 16 && hex)
        *s = p + 2;
    return (unsigned int)base;
}

/* *overflow is always written (false when the value fits) so callers need not clear it. */
uint64_t parse_u64(const char *s, const char **end, int base, bool *overflow)
{
    const char *p = s;
    uint64_t v = 0;
    bool over = false;
    unsigned int b = 0, d;

    /* An unsupported base parses nothing: *end == s, result 0. */
    if (base == 0 || (base >= 2 && base <= 36))
        b = take_base(&p, base);
    for (; b && (d = digit_value(*p)) < b; p++) {
        if (v > (UINT64_MAX - d) / b)
            over = true;
        else
            v = v * b + d;
    }
    if (end)
        *end = p;
    if (overflow)
        *overflow = over;
    return over ? UINT64_MAX : v;
}

/* Binary shift for a size suffix; 0 for none; -1 for a letter we do not know. */
static int suffix_shift(char c)
{
    switch (c) {
    case '\0':          return 0;
    case 'k': case 'K': return 10;
    case 'm': case 'M': return 20;
    case 'g': case 'G': return 30;
    case 't': case 'T': return 40;
    default:            return -1;
    }
}

/*
 * Sizes are decimal or "0x" hex. A leading zero does not mean octal here:
 * "010M" meaning 8 MiB would surprise anyone typing a memory size.
 */
int parse_size(const char *s, uint64_t *out)
{
    const char *end;
    bool over;
    uint64_t v;
    int shift;

    if (!s || digit_value(*s) >= 10)
        return -EINVAL;
    v = parse_u64(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10,
                  &over);
    shift = suffix_shift(*end);
    if (shift < 0 || (shift > 0 && end[1] != '\0'))
        return -EINVAL;
    if (over || (v > (UINT64_MAX >> shift)))
        return -ERANGE;
    *out = v << shift;
    return 0;
}
