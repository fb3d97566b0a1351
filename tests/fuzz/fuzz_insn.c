/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the MMIO instruction decoder (hypervisor/arch/x86/insn.c,
 * insn_decode_mmio) on arbitrary bytes.
 *
 * Input: one mode byte (bit 0: long mode), then the instruction bytes,
 * any number of them, so most inputs are short fetches. The bytes are
 * copied into a heap buffer of exactly that size, so AddressSanitizer
 * catches a read past what the decoder was given. On top of that, for
 * every decode:
 *   - the result is 0 or -EINVAL;
 *   - an accepted instruction fits in what was given and in 15 bytes, has
 *     a sane width, register and immediate;
 *   - decoding exactly its len bytes gives the same result (what follows
 *     it does not matter), and every shorter prefix is refused.
 * A broken rule abort()s, which libFuzzer reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/errno.h>
#include <asm/insn.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INSN  15

static void fail(const char *why, const struct mmio_insn *in)
{
    fprintf(stderr, "fuzz_insn: %s (op %d len %u size %u reg %u zx %d hb %d imm 0x%llx)\n",
            why, (int)in->op, in->len, in->size, in->reg, in->zero_extend, in->high_byte,
            (unsigned long long)in->imm);
    abort();
}

/* Decode exactly n bytes of src from a heap copy of that size. */
static int decode_exact(const uint8_t *src, size_t n, bool long_mode, struct mmio_insn *out)
{
    uint8_t *copy = malloc(n ? n : 1);
    int rc;

    if (!copy)
        abort();
    memcpy(copy, src, n);
    /* n == 0: hand over a pointer one past a 1-byte block, nothing readable. */
    rc = insn_decode_mmio(n ? copy : copy + 1, n, long_mode, out);
    free(copy);
    return rc;
}

static bool same(const struct mmio_insn *a, const struct mmio_insn *b)
{
    return a->op == b->op && a->len == b->len && a->size == b->size && a->reg == b->reg &&
           a->zero_extend == b->zero_extend && a->high_byte == b->high_byte && a->imm == b->imm;
}

static void check_result(const struct mmio_insn *in, size_t avail, bool long_mode)
{
    if (in->len == 0 || in->len > avail || in->len > MAX_INSN)
        fail("length outside what was given", in);
    if (in->size != 1 && in->size != 2 && in->size != 4 && in->size != 8)
        fail("bad access width", in);
    if (in->op != MMIO_LOAD && in->op != MMIO_STORE_REG && in->op != MMIO_STORE_IMM)
        fail("bad operation", in);
    if (in->reg > 15 || (!long_mode && in->reg > 7))
        fail("bad register", in);
    if (in->high_byte && (in->size != 1 || in->reg < 4 || in->reg > 7))
        fail("high byte register that is not AH..BH", in);
    if (in->zero_extend && (in->op != MMIO_LOAD || in->size > 2))
        fail("zero extension on something not a MOVZX load", in);
    if (in->op != MMIO_STORE_IMM && in->imm)
        fail("immediate without a store of one", in);
    if (in->op == MMIO_STORE_IMM && in->size < 8 && (in->imm >> (8 * in->size)))
        fail("immediate wider than the access", in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mmio_insn in, again;
    bool long_mode;
    size_t avail;
    int rc;

    if (size < 1)
        return 0;
    long_mode = data[0] & 1;
    data++;
    avail = size - 1;
    rc = decode_exact(data, avail, long_mode, &in);
    if (rc == -EINVAL)
        return 0;
    if (rc)
        fail("result neither 0 nor -EINVAL", &in);
    check_result(&in, avail, long_mode);
    if (decode_exact(data, in.len, long_mode, &again) || !same(&in, &again))
        fail("decoding exactly len bytes gives another result", &in);
    for (size_t n = 0; n < in.len; n++)
        if (decode_exact(data, n, long_mode, &again) != -EINVAL)
            fail("a prefix of the instruction is accepted", &in);
    return 0;
}
