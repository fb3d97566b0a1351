/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for hypervisor/lib: string.c, vsnprintf.c, parse.c. */
#include <mica/lib.h>
#include <mica/errno.h>

#include "check.h"
#include "shim.h"

static void test_mem(void)
{
    unsigned char buf[64], ref[64];

    check_area("string");
    for (int i = 0; i < 64; i++)
        ref[i] = (unsigned char)i;
    CHECK(memset(buf, 0xab, sizeof(buf)) == buf, "memset returns dst");
    CHECK(buf[0] == 0xab && buf[31] == 0xab && buf[63] == 0xab, "memset fills every byte");
    memset(buf, 0, sizeof(buf));
    memset(buf + 3, 0x7f, 17);      /* unaligned head and tail */
    CHECK(buf[2] == 0 && buf[3] == 0x7f && buf[19] == 0x7f && buf[20] == 0,
          "memset of an unaligned range stays inside it");
    CHECK(memcpy(buf, ref, 64) == buf, "memcpy returns dst");
    CHECK_EQ_S(memcmp(buf, ref, 64), 0, "memcpy copies 64 bytes");
    memset(buf, 0, sizeof(buf));
    memcpy(buf + 1, ref + 5, 30);   /* different alignments: byte path */
    CHECK(buf[0] == 0 && buf[1] == 5 && buf[30] == 34 && buf[31] == 0,
          "memcpy between differently aligned buffers");
    CHECK_EQ_S(memcmp("abc", "abd", 3), -1, "memcmp less");
    CHECK_EQ_S(memcmp("abd", "abc", 3), 1, "memcmp greater");
    CHECK_EQ_S(memcmp("\x80", "\x01", 1), 1, "memcmp compares bytes as unsigned");
    CHECK_EQ_S(memcmp("abc", "abd", 2), 0, "memcmp stops at n");
}

static void test_memmove(void)
{
    unsigned char buf[64];

    check_area("string");
    for (int i = 0; i < 64; i++)
        buf[i] = (unsigned char)i;
    CHECK(memmove(buf + 8, buf, 40) == buf + 8, "memmove returns dst");
    CHECK(buf[8] == 0 && buf[27] == 19 && buf[47] == 39 && buf[48] == 48,
          "memmove overlapping upwards (aligned)");
    for (int i = 0; i < 64; i++)
        buf[i] = (unsigned char)i;
    memmove(buf + 3, buf, 50);
    CHECK(buf[3] == 0 && buf[4] == 1 && buf[52] == 49 && buf[53] == 53,
          "memmove overlapping upwards (unaligned)");
    for (int i = 0; i < 64; i++)
        buf[i] = (unsigned char)i;
    memmove(buf, buf + 5, 50);
    CHECK(buf[0] == 5 && buf[49] == 54 && buf[50] == 50, "memmove overlapping downwards");
}

static void test_str(void)
{
    char dst[8];
    const char *s = "hello";

    check_area("string");
    CHECK_EQ(strlen(""), 0, "strlen empty");
    CHECK_EQ(strlen("hello world"), 11, "strlen");
    CHECK_EQ(strnlen("hello", 3), 3, "strnlen stops at max");
    CHECK_EQ(strnlen("hi", 10), 2, "strnlen stops at NUL");
    CHECK_EQ_S(strcmp("abc", "abc"), 0, "strcmp equal");
    CHECK(strcmp("abc", "abd") < 0 && strcmp("abd", "abc") > 0, "strcmp order");
    CHECK(strcmp("ab", "abc") < 0 && strcmp("abc", "ab") > 0, "strcmp prefix is smaller");
    CHECK(strcmp("\xff", "a") > 0, "strcmp compares as unsigned char");
    CHECK_EQ_S(strncmp("abcX", "abcY", 3), 0, "strncmp stops at n");
    CHECK(strncmp("abcX", "abcY", 4) < 0, "strncmp sees the difference at n");
    CHECK_EQ_S(strncmp("ab", "ab", 10), 0, "strncmp stops at NUL");
    CHECK(strchr(s, 'l') == s + 2, "strchr finds the first match");
    CHECK(strchr(s, 'z') == NULL, "strchr misses");
    CHECK(strchr(s, '\0') == s + 5, "strchr finds the terminator");
    CHECK_EQ(strlcpy(dst, "abc", sizeof(dst)), 3, "strlcpy returns strlen(src)");
    CHECK_STR(dst, "abc", "strlcpy copies a short string");
    CHECK_EQ(strlcpy(dst, "abcdefghijkl", sizeof(dst)), 12, "strlcpy truncating returns strlen(src)");
    CHECK_STR(dst, "abcdefg", "strlcpy truncates and terminates");
    dst[0] = 'q';
    CHECK_EQ(strlcpy(dst, "xyz", 0), 3, "strlcpy with size 0");
    CHECK(dst[0] == 'q', "strlcpy with size 0 writes nothing");
}

static void vfmt_is(const char *want, int want_len, const char *what,
                    const char *fmt, va_list ap)
{
    char buf[128];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    CHECK_STR(buf, want, "%s", what);
    CHECK_EQ_S(n, want_len, "%s: returned length", what);
}

/* Format into a buffer and check the text and the returned length. */
static __printf(4, 5)
void fmt_is(const char *want, int want_len, const char *what, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfmt_is(want, want_len, what, fmt, ap);
    va_end(ap);
}

/* The same for formats gcc's checker would reject, which we test on purpose. */
static void fmt_raw(const char *want, int want_len, const char *what, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfmt_is(want, want_len, what, fmt, ap);
    va_end(ap);
}

static void test_vsnprintf_basic(void)
{
    check_area("vsnprintf");
    fmt_is("plain", 5, "plain text", "plain");
    fmt_is("42 -17 0", 8, "%d and %i", "%d %i %d", 42, -17, 0);
    fmt_is("4294967295", 10, "%u of UINT_MAX", "%u", 4294967295u);
    fmt_is("-2147483648", 11, "%d of INT_MIN", "%d", (int)-2147483647 - 1);
    fmt_is("ff FF 17", 8, "%x %X %o", "%x %X %o", 255u, 255u, 15u);
    fmt_is("a%b", 3, "%c and %%", "%c%%%c", 'a', 'b');
    fmt_is("[hi]", 4, "%s", "[%s]", "hi");
    fmt_raw("(null)", 6, "%s of NULL", "%s", (char *)NULL);
    fmt_raw("%q", 2, "unknown conversion shown as written", "%q");
    fmt_raw("50%", 3, "lone % at the end", "50%");
}

static void test_vsnprintf_width(void)
{
    check_area("vsnprintf");
    fmt_is("   42", 5, "width", "%5d", 42);
    fmt_is("42   |", 6, "'-' flag", "%-5d|", 42);
    fmt_is("00042", 5, "'0' flag", "%05d", 42);
    fmt_is("-0042", 5, "zero pad after the sign", "%05d", -42);
    fmt_is("  -42", 5, "space pad before the sign", "%5d", -42);
    fmt_raw("-42  |", 6, "'-' beats '0'", "%-05d|", -42);
    fmt_is("0000beef", 8, "zero-padded hex", "%08x", 0xbeefu);
    fmt_is("12345", 5, "width smaller than the number", "%2d", 12345);
    fmt_is("   ab|ab   |", 12, "string width both sides", "%5s|%-5s|", "ab", "ab");
    fmt_is("abc", 3, "precision cuts a string", "%.3s", "abcdef");
    fmt_is("  abc", 5, "width and precision", "%5.3s", "abcdef");
    fmt_is("tok", 3, "'*' precision", "%.*s", 3, "token");
    fmt_is("   7", 4, "'*' width", "%*d", 4, 7);
    fmt_is("7   |", 5, "negative '*' width left-justifies", "%*d|", -4, 7);
    fmt_is("    x", 5, "%c with width", "%5c", 'x');
}

static void test_vsnprintf_length(void)
{
    check_area("vsnprintf");
    fmt_is("18446744073709551615", 20, "%llu of UINT64_MAX", "%llu", 18446744073709551615ull);
    fmt_is("-9223372036854775808", 20, "%lld of INT64_MIN", "%lld", (long long)(-9223372036854775807ll - 1));
    fmt_is("ffffffffffffffff", 16, "%lx", "%lx", ~0ul);
    fmt_is("-1 255", 6, "%hhd and %hhu", "%hhd %hhu", 255, 255);
    fmt_is("-1 65535", 8, "%hd and %hu", "%hd %hu", 65535, 65535);
    fmt_is("123456789012", 12, "%zu", "%zu", (size_t)123456789012ull);
    fmt_is("-5", 2, "%zd", "%zd", (size_t)-5);
    fmt_is("0x1000", 6, "%p", "%p", (void *)0x1000);
    fmt_is("0x0", 3, "%p of NULL", "%p", (void *)NULL);
    fmt_is("0xffff800000000000", 18, "%p of a high address", "%p", (void *)0xffff800000000000ull);
}

static void test_vsnprintf_truncation(void)
{
    char buf[8];
    int n;

    check_area("vsnprintf");
    memset(buf, 'z', sizeof(buf));
    n = snprintf(buf, 5, "%s-%d", "abcdef", 123);
    CHECK_EQ_S(n, 10, "truncated output returns the full length");
    CHECK_STR(buf, "abcd", "truncated output is terminated at size-1");
    CHECK(buf[5] == 'z', "nothing written past size");
    buf[0] = 'q';
    n = snprintf(buf, 0, "%d", 12345);
    CHECK_EQ_S(n, 5, "size 0 counts the output");
    CHECK(buf[0] == 'q', "size 0 writes nothing");
    CHECK_EQ_S(snprintf(NULL, 0, "%s", "abc"), 3, "NULL buffer with size 0");
    n = snprintf(buf, 1, "x");
    CHECK(n == 1 && buf[0] == '\0', "size 1 gives an empty string");
    n = snprintf(buf, sizeof(buf), "%5d", 1234567);
    CHECK(n == 7 && buf[7] == '\0', "exact fit needs room for the NUL");
}

static void test_parse_u64(void)
{
    const char *end;
    bool over = true;

    check_area("parse_u64");
    CHECK_EQ(parse_u64("12345", &end, 10, &over), 12345, "decimal");
    CHECK(*end == '\0' && !over, "decimal: end at NUL, no overflow");
    CHECK_EQ(parse_u64("0x1fG", &end, 0, NULL), 0x1f, "base 0 hex");
    CHECK(*end == 'G', "base 0 hex: end at the first non-digit");
    CHECK_EQ(parse_u64("0X1F", NULL, 0, NULL), 0x1f, "base 0 with 0X");
    CHECK_EQ(parse_u64("0755", NULL, 0, NULL), 0755, "base 0 octal");
    CHECK_EQ(parse_u64("0", &end, 0, NULL), 0, "base 0 of a lone zero");
    CHECK(*end == '\0', "a lone zero is consumed");
    CHECK_EQ(parse_u64("0x", &end, 0, NULL), 0, "0x without digits");
    CHECK(*end == 'x', "0x without digits stops at the x");
    CHECK_EQ(parse_u64("ff", NULL, 16, NULL), 0xff, "base 16 without prefix");
    CHECK_EQ(parse_u64("0xff", NULL, 16, NULL), 0xff, "base 16 with prefix");
    CHECK_EQ(parse_u64("1011", NULL, 2, NULL), 11, "base 2");
    CHECK_EQ(parse_u64("789", &end, 8, NULL), 7, "base 8 stops at 8");
    CHECK_EQ(parse_u64("abc", &end, 10, NULL), 0, "no digits");
    CHECK(end != NULL && *end == 'a', "no digits: end at the start");
    CHECK_EQ(parse_u64("18446744073709551615", &end, 10, &over), UINT64_MAX, "UINT64_MAX fits");
    CHECK(!over, "UINT64_MAX: no overflow");
    CHECK_EQ(parse_u64("18446744073709551616", &end, 10, &over), UINT64_MAX, "overflow saturates");
    CHECK(over && *end == '\0', "overflow is reported and all digits consumed");
    CHECK_EQ(parse_u64("0x10000000000000000", NULL, 0, &over), UINT64_MAX, "hex overflow saturates");
    CHECK(over, "hex overflow is reported");
    CHECK_EQ(parse_u64("12", &end, 1, &over), 0, "base 1 is refused");
}

static void size_is(const char *s, int want_rc, uint64_t want)
{
    uint64_t v = 0xdead;
    int rc = parse_size(s, &v);

    CHECK_EQ_S(rc, want_rc, "parse_size(\"%s\") result", s);
    if (!want_rc)
        CHECK_EQ(v, want, "parse_size(\"%s\") value", s);
    else
        CHECK_EQ(v, 0xdead, "parse_size(\"%s\") leaves *out alone", s);
}

static void test_parse_size(void)
{
    check_area("parse_size");
    size_is("4096", 0, 4096);
    size_is("16k", 0, 16ull << 10);
    size_is("16K", 0, 16ull << 10);
    size_is("512M", 0, 512ull << 20);
    size_is("2g", 0, 2ull << 30);
    size_is("3T", 0, 3ull << 40);
    size_is("0x10M", 0, 16ull << 20);
    size_is("010M", 0, 10ull << 20);
    size_is("0", 0, 0);
    size_is("", -EINVAL, 0);
    size_is("M", -EINVAL, 0);
    size_is("12Q", -EINVAL, 0);
    size_is("12MB", -EINVAL, 0);
    size_is("12 ", -EINVAL, 0);
    size_is("-1", -EINVAL, 0);
    size_is("0x", -EINVAL, 0);
    size_is("16777215T", 0, 16777215ull << 40);
    size_is("16777216T", -ERANGE, 0);
    size_is("99999999999999999999", -ERANGE, 0);
    CHECK_EQ_S(parse_size(NULL, NULL), -EINVAL, "parse_size(NULL)");
}

int main(void)
{
    test_mem();
    test_memmove();
    test_str();
    test_vsnprintf_basic();
    test_vsnprintf_width();
    test_vsnprintf_length();
    test_vsnprintf_truncation();
    test_parse_u64();
    test_parse_size();
    return check_done();
}
