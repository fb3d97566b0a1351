/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A deliberately small x86 decoder: only the MOV forms compilers emit for
 * volatile loads and stores, which is what device drivers use on MMIO.
 * The effective address is not computed (the fault gives the address);
 * only the length, direction, width and register or immediate matter.
 */
#include <asm/insn.h>
#include <mica/errno.h>
#include <mica/lib.h>

struct cursor {
    const uint8_t *buf;
    size_t avail, pos;
};

static int next(struct cursor *c, uint8_t *b)
{
    if (c->pos >= c->avail || c->pos >= INSN_MAX_LEN)
        return -EINVAL;
    *b = c->buf[c->pos++];
    return 0;
}

static int skip(struct cursor *c, size_t n)
{
    if (c->pos + n > c->avail || c->pos + n > INSN_MAX_LEN)
        return -EINVAL;
    c->pos += n;
    return 0;
}

/* The bytes after ModRM: SIB and displacement. Register-direct is refused. */
static int modrm_tail(struct cursor *c, uint8_t modrm)
{
    unsigned int mod = modrm >> 6, rm = modrm & 7;
    uint8_t sib = 0;

    if (mod == 3)
        return -EINVAL;
    if (rm == 4 && next(c, &sib))
        return -EINVAL;
    if (mod == 1)
        return skip(c, 1);
    if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && (sib & 7) == 5))))
        return skip(c, 4);
    return 0;
}

static uint64_t read_imm(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int prefixes(struct cursor *c, bool long_mode, bool *opsize, uint8_t *rex)
{
    uint8_t b;

    *opsize = false;
    *rex = 0;
    for (;;) {
        if (next(c, &b))
            return -EINVAL;
        if (b == 0x66) {
            *opsize = true;
            *rex = 0;                   /* a REX counts only right before the opcode */
        } else if (b == 0x67 && !long_mode) {
            return -EINVAL;             /* 16-bit addressing: not decoded */
        } else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
                   b == 0x64 || b == 0x65 || b == 0x67 || b == 0xf0) {
            *rex = 0;                   /* segment, address size, lock */
        } else if (long_mode && (b & 0xf0) == 0x40) {
            *rex = b;
        } else {
            c->pos--;
            return 0;
        }
    }
}

static unsigned int width(uint8_t op, bool opsize, uint8_t rex)
{
    if (!(op & 1))
        return 1;
    return (rex & 8) ? 8 : opsize ? 2 : 4;
}

int insn_decode_mmio(const uint8_t *buf, size_t avail, bool long_mode,
                     struct mmio_insn *out)
{
    struct cursor c = { buf, avail, 0 };
    bool opsize;
    uint8_t rex, op, modrm;
    size_t imm_at;

    if (prefixes(&c, long_mode, &opsize, &rex) || next(&c, &op))
        return -EINVAL;
    *out = (struct mmio_insn){ 0 };
    if (op == 0x0f) {
        if (next(&c, &op) || (op != 0xb6 && op != 0xb7))
            return -EINVAL;
        out->op = MMIO_LOAD;
        out->zero_extend = true;
        out->size = op == 0xb6 ? 1 : 2;
    } else if (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b ||
               op == 0xc6 || op == 0xc7) {
        out->op = op >= 0xc6 ? MMIO_STORE_IMM : (op & 2) ? MMIO_LOAD : MMIO_STORE_REG;
        out->size = width(op, opsize, rex);
    } else {
        return -EINVAL;
    }
    if (next(&c, &modrm))
        return -EINVAL;
    out->reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
    out->high_byte = out->size == 1 && !rex && out->reg >= 4 && out->op != MMIO_STORE_IMM &&
                     !out->zero_extend;
    if ((out->op == MMIO_STORE_IMM && ((modrm >> 3) & 7)) || modrm_tail(&c, modrm))
        return -EINVAL;
    imm_at = c.pos;
    if (out->op == MMIO_STORE_IMM) {
        unsigned int n = out->size == 8 ? 4 : out->size;   /* imm32 sign-extends */

        if (skip(&c, n))
            return -EINVAL;
        out->imm = read_imm(buf + imm_at, n);
        if (out->size == 8 && (out->imm & 0x80000000u))
            out->imm |= 0xffffffff00000000ull;
    }
    out->len = (unsigned int)c.pos;
    return 0;
}

/* Any legacy prefix, REP included (an exit's instruction may carry one it ignores). */
static bool any_prefix(uint8_t b, bool long_mode)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return long_mode && (b & 0xf0) == 0x40;     /* REX */
    }
}

int insn_opcode_len(const uint8_t *buf, size_t avail, bool long_mode,
                    const uint8_t *op, size_t oplen)
{
    size_t i = 0;

    avail = MIN(avail, (size_t)INSN_MAX_LEN);
    while (i < avail && any_prefix(buf[i], long_mode))
        i++;
    if (oplen > avail - i || memcmp(&buf[i], op, oplen))
        return -EINVAL;
    return (int)(i + oplen);
}
