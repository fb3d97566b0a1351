/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vsnprintf/snprintf for the hypervisor, as documented in <mica/lib.h>.
 *
 * Output goes through put(), which counts every character but stores only
 * what fits, so the return value is the length the full output needs and
 * callers can detect truncation. Width and precision may also be given as
 * '*' (taken from the arguments), so "%.*s" prints strings that are not
 * NUL-terminated, such as a token inside the command line.
 */
#include <mica/lib.h>

enum length { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z };

struct out {
    char *buf;
    size_t size;
    size_t len;     /* characters produced so far, stored or not */
};

struct spec {
    bool left;      /* '-': pad on the right */
    bool zero;      /* '0': pad numbers with zeros after sign and prefix */
    bool alt;       /* '#': 0x / 0X / 0 prefix on non-zero x, X, o */
    int width;
    int prec;       /* -1 when absent */
    enum length length;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_n(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

static void put_s(struct out *o, const char *s, size_t n)
{
    while (n--)
        put(o, *s++);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A decimal number or '*'; *v stays untouched when neither is present. */
static const char *parse_num(const char *f, int *v, va_list *ap)
{
    if (*f == '*') {
        *v = va_arg(*ap, int);
        return f + 1;
    }
    if (is_digit(*f)) {
        *v = 0;
        while (is_digit(*f))
            *v = *v * 10 + (*f++ - '0');
    }
    return f;
}

static const char *parse_length(const char *f, enum length *len)
{
    *len = LEN_INT;
    if (f[0] == 'h')
        *len = f[1] == 'h' ? LEN_HH : LEN_H;
    else if (f[0] == 'l')
        *len = f[1] == 'l' ? LEN_LL : LEN_L;
    else if (f[0] == 'z')
        *len = LEN_Z;
    else
        return f;
    return f + ((*len == LEN_HH || *len == LEN_LL) ? 2 : 1);
}

/* Parse flags, width, precision and length; f points just past the '%'. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .prec = -1 };
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else if (*f == '#')
            sp->alt = true;
        else
            break;
    }
    f = parse_num(f, &sp->width, ap);
    if (sp->width < 0) {            /* a negative '*' width means '-' */
        sp->left = true;
        sp->width = -sp->width;
    }
    if (*f == '.') {
        sp->prec = 0;
        f = parse_num(f + 1, &sp->prec, ap);
        if (sp->prec < 0)           /* a negative '*' precision is none */
            sp->prec = -1;
    }
    return parse_length(f, &sp->length);
}

/* Emit body (already signed and prefixed separately) padded to the width. */
static void emit_padded(struct out *o, const struct spec *sp, const char *sign,
                        const char *digits, size_t nd)
{
    size_t head = strlen(sign);
    int pad = sp->width - (int)(head + nd);

    if (!sp->left && !sp->zero)
        put_n(o, ' ', pad);
    put_s(o, sign, head);
    if (!sp->left && sp->zero)
        put_n(o, '0', pad);
    put_s(o, digits, nd);
    if (sp->left)
        put_n(o, ' ', pad);
}

static void emit_num(struct out *o, const struct spec *sp, uint64_t v,
                     unsigned int base, bool upper, const char *sign)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = set[v % base];
        v /= base;
    } while (v);
    emit_padded(o, sp, sign, tmp + i, sizeof(tmp) - i);
}

static void emit_str(struct out *o, const struct spec *sp, const char *s)
{
    struct spec plain = *sp;
    size_t n;

    if (!s)
        s = "(null)";
    n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
    plain.zero = false;
    emit_padded(o, &plain, "", s, n);
}

static int64_t arg_signed(enum length len, va_list *ap)
{
    switch (len) {
    case LEN_HH: return (signed char)va_arg(*ap, int);
    case LEN_H:  return (short)va_arg(*ap, int);
    case LEN_L:  return va_arg(*ap, long);
    case LEN_LL: return va_arg(*ap, long long);
    case LEN_Z:  return (int64_t)va_arg(*ap, size_t);
    default:     return va_arg(*ap, int);
    }
}

static uint64_t arg_unsigned(enum length len, va_list *ap)
{
    switch (len) {
    case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L:  return va_arg(*ap, unsigned long);
    case LEN_LL: return va_arg(*ap, unsigned long long);
    case LEN_Z:  return va_arg(*ap, size_t);
    default:     return va_arg(*ap, unsigned int);
    }
}

static void emit_signed(struct out *o, const struct spec *sp, va_list *ap)
{
    int64_t v = arg_signed(sp->length, ap);

    /* Negate in unsigned arithmetic so INT64_MIN has a magnitude too. */
    if (v < 0)
        emit_num(o, sp, 0 - (uint64_t)v, 10, false, "-");
    else
        emit_num(o, sp, (uint64_t)v, 10, false, "");
}

static void emit_char(struct out *o, const struct spec *sp, char c)
{
    struct spec plain = *sp;

    plain.zero = false;
    emit_padded(o, &plain, "", &c, 1);
}

/* %x, %X and %o, with the '#' prefix on non-zero values. */
static void emit_unsigned_alt(struct out *o, const struct spec *sp, char c, va_list *ap)
{
    uint64_t v = arg_unsigned(sp->length, ap);
    const char *prefix = "";

    if (sp->alt && v)
        prefix = c == 'x' ? "0x" : c == 'X' ? "0X" : "0";
    emit_num(o, sp, v, c == 'o' ? 8 : 16, c == 'X', prefix);
}

/*
 * Emit one conversion; c is the conversion character. Returns false for an
 * unknown one, which the caller then copies to the output as written.
 */
static bool emit_conv(struct out *o, const struct spec *sp, char c, va_list *ap)
{
    switch (c) {
    case 'd': case 'i': emit_signed(o, sp, ap); break;
    case 'u': emit_num(o, sp, arg_unsigned(sp->length, ap), 10, false, ""); break;
    case 'x': case 'X': case 'o': emit_unsigned_alt(o, sp, c, ap); break;
    case 'p': emit_num(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x"); break;
    case 'c': emit_char(o, sp, (char)va_arg(*ap, int)); break;
    case 's': emit_str(o, sp, va_arg(*ap, const char *)); break;
    case '%': put(o, '%'); break;
    default:  return false;
    }
    return true;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size };
    va_list args;

    /* A va_list parameter may be an array; copy it to take its address. */
    va_copy(args, ap);
    while (*fmt) {
        const char *start = fmt;
        struct spec sp;

        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt = parse_spec(fmt + 1, &sp, &args);
        if (!*fmt) {            /* the format ends inside a conversion */
            put_s(&o, start, (size_t)(fmt - start));
            break;
        }
        /* An unknown conversion is shown as written, to make the bug visible. */
        if (!emit_conv(&o, &sp, *fmt, &args))
            put_s(&o, start, (size_t)(fmt + 1 - start));
        fmt++;
    }
    va_end(args);
    if (size)
        buf[MIN(o.len, size - 1)] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
