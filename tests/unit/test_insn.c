/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/insn.c (insn_decode_mmio): the MOV
 * forms a guest uses on MMIO, in 64-bit and 32-bit code.
 *
 * Every encoding below was assembled with GNU as or written by hand and
 * checked against objdump -D -b binary -m i386:x86-64 (or -m i386 for the
 * 32-bit ones): the byte list is the whole instruction, so the decoded
 * length must be exactly its size. Each accepted case is also decoded with
 * junk after it (the length must not change) and cut short at every length
 * (each prefix of the instruction must be refused).
 *
 * Cases the decoder gets wrong today are in test_pending(), run only with
 * cases that were once gaps (see test_pending).
 */
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/insn.h>

#include "check.h"

#define MAX_BYTES  20

struct ok_case {
    const char *name;
    bool long_mode;
    unsigned int len;               /* the size of bytes[]: the instruction */
    uint8_t bytes[MAX_BYTES];
    enum mmio_op op;
    unsigned int size, reg;
    bool zx, hb;
    uint64_t imm;
};

struct bad_case {
    const char *name;
    bool long_mode;
    unsigned int len;
    uint8_t bytes[MAX_BYTES];
};

#define B(...)  .len = sizeof((uint8_t[]){ __VA_ARGS__ }), .bytes = { __VA_ARGS__ }

#define LD  MMIO_LOAD
#define ST  MMIO_STORE_REG
#define IM  MMIO_STORE_IMM

/* 64-bit code. */
static const struct ok_case ok64[] = {
    /* 89/8B, every ModRM form */
    { "mov %eax,(%rbx)", true, B(0x89, 0x03), ST, 4, 0, 0, 0, 0 },
    { "mov (%rbx),%ecx", true, B(0x8b, 0x0b), LD, 4, 1, 0, 0, 0 },
    { "mov %edx,0x10(%rsi) (mod 1)", true, B(0x89, 0x56, 0x10), ST, 4, 2, 0, 0, 0 },
    { "mov 0x12345678(%rdi),%ebx (mod 2)", true, B(0x8b, 0x9f, 0x78, 0x56, 0x34, 0x12),
      LD, 4, 3, 0, 0, 0 },
    { "mov %esi,(%rax,%rcx,4) (SIB, mod 0)", true, B(0x89, 0x34, 0x88), ST, 4, 6, 0, 0, 0 },
    { "mov 0x20(%rsp),%eax (SIB, mod 1)", true, B(0x8b, 0x44, 0x24, 0x20), LD, 4, 0, 0, 0, 0 },
    { "mov %edi,0x100(%rax,%rbx,2) (SIB, mod 2)", true,
      B(0x89, 0xbc, 0x58, 0x00, 0x01, 0x00, 0x00), ST, 4, 7, 0, 0, 0 },
    { "mov %eax,-0x1200000(,%rcx,8) (SIB base 5, mod 0: disp32)", true,
      B(0x89, 0x04, 0xcd, 0x00, 0x00, 0xe0, 0xfe), ST, 4, 0, 0, 0, 0 },
    { "mov %eax,0xfffffffffee000b0 (SIB, no base or index)", true,
      B(0x89, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe), ST, 4, 0, 0, 0, 0 },
    { "mov 0x8(%rbp,%rax,1),%eax (SIB base 5, mod 1: disp8)", true,
      B(0x8b, 0x44, 0x05, 0x08), LD, 4, 0, 0, 0, 0 },
    { "mov 0x100(%rbp,%rax,1),%eax (SIB base 5, mod 2)", true,
      B(0x8b, 0x84, 0x05, 0x00, 0x01, 0x00, 0x00), LD, 4, 0, 0, 0, 0 },
    { "mov %eax,0x100(%rip) (rm 5, mod 0: RIP-relative)", true,
      B(0x89, 0x05, 0x00, 0x01, 0x00, 0x00), ST, 4, 0, 0, 0, 0 },
    { "mov 0x8(%rbp),%eax (rm 5, mod 1)", true, B(0x8b, 0x45, 0x08), LD, 4, 0, 0, 0, 0 },
    { "mov 0x80(%rbp),%eax (rm 5, mod 2)", true, B(0x8b, 0x85, 0x80, 0x00, 0x00, 0x00),
      LD, 4, 0, 0, 0, 0 },

    /* REX */
    { "mov %rax,(%rbx) (REX.W)", true, B(0x48, 0x89, 0x03), ST, 8, 0, 0, 0, 0 },
    { "mov %r9d,(%rbx) (REX.R)", true, B(0x44, 0x89, 0x0b), ST, 4, 9, 0, 0, 0 },
    { "mov (%r12),%eax (REX.B, SIB)", true, B(0x41, 0x8b, 0x04, 0x24), LD, 4, 0, 0, 0, 0 },
    { "mov 0x0(%r13),%eax (REX.B, rm 5 mod 1)", true, B(0x41, 0x8b, 0x45, 0x00),
      LD, 4, 0, 0, 0, 0 },
    { "mov 0x10(%rip),%eax with REX.B (still RIP-relative)", true,
      B(0x41, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), LD, 4, 0, 0, 0, 0 },
    { "mov %r15,0x10(%r8) (REX.WRB)", true, B(0x4d, 0x89, 0x78, 0x10), ST, 8, 15, 0, 0, 0 },
    { "mov %eax,(%rax,%r10,1) (REX.X)", true, B(0x42, 0x89, 0x04, 0x10), ST, 4, 0, 0, 0, 0 },
    { "rex; mov %rax,(%rbx) (the last REX counts)", true, B(0x40, 0x48, 0x89, 0x03),
      ST, 8, 0, 0, 0, 0 },
    { "rex.W; mov %spl,(%rbx) (the last REX counts)", true, B(0x48, 0x40, 0x88, 0x23),
      ST, 1, 4, 0, 0, 0 },

    /* operand size */
    { "mov %ax,(%rbx) (0x66)", true, B(0x66, 0x89, 0x03), ST, 2, 0, 0, 0, 0 },
    { "mov 0x4(%rdi),%r10w (0x66 REX.R)", true, B(0x66, 0x44, 0x8b, 0x57, 0x04),
      LD, 2, 10, 0, 0, 0 },
    { "data16 mov %rax,(%rbx) (REX.W wins over 0x66)", true, B(0x66, 0x48, 0x89, 0x03),
      ST, 8, 0, 0, 0, 0 },

    /* 8-bit */
    { "mov %al,(%rbx)", true, B(0x88, 0x03), ST, 1, 0, 0, 0, 0 },
    { "mov %ah,(%rbx)", true, B(0x88, 0x23), ST, 1, 4, 0, 1, 0 },
    { "mov %ch,(%rbx)", true, B(0x88, 0x2b), ST, 1, 5, 0, 1, 0 },
    { "mov (%rbx),%dh", true, B(0x8a, 0x33), LD, 1, 6, 0, 1, 0 },
    { "mov (%rbx),%bh", true, B(0x8a, 0x3b), LD, 1, 7, 0, 1, 0 },
    { "mov %spl,(%rbx)", true, B(0x40, 0x88, 0x23), ST, 1, 4, 0, 0, 0 },
    { "mov %bpl,(%rbx)", true, B(0x40, 0x88, 0x2b), ST, 1, 5, 0, 0, 0 },
    { "mov (%rbx),%sil", true, B(0x40, 0x8a, 0x33), LD, 1, 6, 0, 0, 0 },
    { "mov (%rbx),%dil", true, B(0x40, 0x8a, 0x3b), LD, 1, 7, 0, 0, 0 },
    { "mov %r8b,(%rbx)", true, B(0x44, 0x88, 0x03), ST, 1, 8, 0, 0, 0 },
    { "mov (%rax),%r15b", true, B(0x44, 0x8a, 0x38), LD, 1, 15, 0, 0, 0 },
    { "mov %cl,(%r9) (REX.B only)", true, B(0x41, 0x88, 0x09), ST, 1, 1, 0, 0, 0 },
    { "mov %spl,(%r11) (REX.B: reg 4 is SPL)", true, B(0x41, 0x88, 0x23),
      ST, 1, 4, 0, 0, 0 },
    { "rex.W mov (%rbx),%al (REX.W does not widen 8A)", true, B(0x48, 0x8a, 0x03),
      LD, 1, 0, 0, 0, 0 },

    /* immediates */
    { "movb $0x5a,(%rbx)", true, B(0xc6, 0x03, 0x5a), IM, 1, 0, 0, 0, 0x5a },
    { "movb $0xff,0x10(%rax)", true, B(0xc6, 0x40, 0x10, 0xff), IM, 1, 0, 0, 0, 0xff },
    { "movb $0x5a,(%r9) (REX.B)", true, B(0x41, 0xc6, 0x01, 0x5a), IM, 1, 0, 0, 0, 0x5a },
    { "movw $0x1234,(%rbx)", true, B(0x66, 0xc7, 0x03, 0x34, 0x12), IM, 2, 0, 0, 0, 0x1234 },
    { "movw $0x8000,0x300(%rbx) (not sign-extended)", true,
      B(0x66, 0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x80), IM, 2, 0, 0, 0, 0x8000 },
    { "movl $0x12345678,(%rbx)", true, B(0xc7, 0x03, 0x78, 0x56, 0x34, 0x12),
      IM, 4, 0, 0, 0, 0x12345678 },
    { "movl $0x80000000,(%rbx) (not sign-extended)", true,
      B(0xc7, 0x03, 0x00, 0x00, 0x00, 0x80), IM, 4, 0, 0, 0, 0x80000000u },
    { "movq $-1,(%rbx)", true, B(0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff),
      IM, 8, 0, 0, 0, ~0ull },
    { "movq $0x7fffffff,(%rbx)", true, B(0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0x7f),
      IM, 8, 0, 0, 0, 0x7fffffff },
    { "movq $0xffffffff80000000,(%rbx) (imm32 sign-extended)", true,
      B(0x48, 0xc7, 0x03, 0x00, 0x00, 0x00, 0x80), IM, 8, 0, 0, 0, 0xffffffff80000000ull },
    { "data16 movq $0x12345678,(%rbx) (REX.W wins: imm32)", true,
      B(0x66, 0x48, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12), IM, 8, 0, 0, 0, 0x12345678 },
    { "movl $0x1,0xfffffffffee000b0 (SIB disp32, then imm32)", true,
      B(0xc7, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00), IM, 4, 0, 0, 0, 1 },
    { "movl $0x0,0x10(%rip)", true,
      B(0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), IM, 4, 0, 0, 0, 0 },

    /* MOVZX */
    { "movzbl (%rbx),%eax", true, B(0x0f, 0xb6, 0x03), LD, 1, 0, 1, 0, 0 },
    { "movzwl 0x10(%rsi),%ecx", true, B(0x0f, 0xb7, 0x4e, 0x10), LD, 2, 1, 1, 0, 0 },
    { "movzbl (%rbx),%esp (reg 4 is not AH here)", true, B(0x0f, 0xb6, 0x23),
      LD, 1, 4, 1, 0, 0 },
    { "movzbq (%rbx),%r9", true, B(0x4c, 0x0f, 0xb6, 0x0b), LD, 1, 9, 1, 0, 0 },
    { "movzwq 0x300(%rdx,%rax,4),%r11", true,
      B(0x4c, 0x0f, 0xb7, 0x9c, 0x82, 0x00, 0x03, 0x00, 0x00), LD, 2, 11, 1, 0, 0 },

    /* prefixes with nothing to record */
    { "mov %es:(%rbx),%eax", true, B(0x26, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %cs:(%rbx),%eax", true, B(0x2e, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %ss:(%rbx),%eax", true, B(0x36, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %ds:(%rbx),%eax", true, B(0x3e, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %fs:(%rbx),%eax", true, B(0x64, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %gs:(%rbx),%eax", true, B(0x65, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "lock mov %eax,(%rbx)", true, B(0xf0, 0x89, 0x03), ST, 4, 0, 0, 0, 0 },
    { "mov (%ebx),%eax (0x67)", true, B(0x67, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov 0x10(%eip),%eax (0x67, rm 5)", true, B(0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
      LD, 4, 0, 0, 0, 0 },
    { "mov %r9w,%gs:0x8(%esp) (65 67 66 REX)", true,
      B(0x65, 0x67, 0x66, 0x44, 0x89, 0x4c, 0x24, 0x08), ST, 2, 9, 0, 0, 0 },
    { "ds gs addr32 movq $0x1,0xfffffffffee000b0: 15 bytes", true,
      B(0x3e, 0x65, 0x67, 0x48, 0xc7, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe,
        0x01, 0x00, 0x00, 0x00), IM, 8, 0, 0, 0, 1 },
    { "13 ds prefixes; mov %eax,(%rbx): 15 bytes", true,
      B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
        0x89, 0x03), ST, 4, 0, 0, 0, 0 },
};

/* 32-bit code: no REX, mod 0 rm 5 is an absolute disp32. */
static const struct ok_case ok32[] = {
    { "mov (%ebx),%eax", false, B(0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
    { "mov %eax,0xfee000b0 (rm 5, mod 0)", false, B(0x89, 0x05, 0xb0, 0x00, 0xe0, 0xfe),
      ST, 4, 0, 0, 0, 0 },
    { "mov %ecx,0xfee000b0(,%eiz,1) (SIB base 5)", false,
      B(0x89, 0x0c, 0x25, 0xb0, 0x00, 0xe0, 0xfe), ST, 4, 1, 0, 0, 0 },
    { "mov 0x20(%esp),%edi", false, B(0x8b, 0x7c, 0x24, 0x20), LD, 4, 7, 0, 0, 0 },
    { "mov %ax,(%ebx)", false, B(0x66, 0x89, 0x03), ST, 2, 0, 0, 0, 0 },
    { "mov %ah,(%ebx)", false, B(0x88, 0x23), ST, 1, 4, 0, 1, 0 },
    { "mov (%ebx),%bh", false, B(0x8a, 0x3b), LD, 1, 7, 0, 1, 0 },
    { "movl $0x12345678,0xfee000b0", false,
      B(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x78, 0x56, 0x34, 0x12),
      IM, 4, 0, 0, 0, 0x12345678 },
    { "movw $0x1234,0xfee000b0", false,
      B(0x66, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x34, 0x12), IM, 2, 0, 0, 0, 0x1234 },
    { "movb $0x80,0x10(%eax)", false, B(0xc6, 0x40, 0x10, 0x80), IM, 1, 0, 0, 0, 0x80 },
    { "movzwl 0xfee000b0,%edx", false, B(0x0f, 0xb7, 0x15, 0xb0, 0x00, 0xe0, 0xfe),
      LD, 2, 2, 1, 0, 0 },
    { "movzbl (%esi),%esp", false, B(0x0f, 0xb6, 0x26), LD, 1, 4, 1, 0, 0 },
    { "mov %fs:(%ebx),%eax", false, B(0x64, 0x8b, 0x03), LD, 4, 0, 0, 0, 0 },
};

static const struct bad_case bad[] = {
    /* register-direct */
    { "mov %eax,%ebx (mod 3)", true, B(0x89, 0xc3) },
    { "mov %ebx,%eax (8B, mod 3)", true, B(0x8b, 0xc3) },
    { "mov %ah,%al (88, mod 3)", true, B(0x88, 0xe0) },
    { "mov %al,%ah (8A, mod 3)", false, B(0x8a, 0xe0) },
    { "mov %rax,%r8 (REX.WB, mod 3)", true, B(0x49, 0x89, 0xc0) },
    { "movb $0x5a,%al (C6, mod 3)", true, B(0xc6, 0xc0, 0x5a) },
    { "movl $0x1,%eax (C7, mod 3)", true, B(0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00) },
    { "movzbl %bl,%eax (mod 3)", true, B(0x0f, 0xb6, 0xc3) },
    { "movzwl %bx,%eax (mod 3)", true, B(0x0f, 0xb7, 0xc3) },
    { "xabort $0x1 (C6 F8)", true, B(0xc6, 0xf8, 0x01) },
    { "xbegin (C7 F8)", true, B(0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00) },
    /* other opcodes */
    { "nop", true, B(0x90) },
    { "add %eax,(%rbx)", true, B(0x01, 0x03) },
    { "lea (%rbx),%eax", true, B(0x8d, 0x03) },
    { "mov 0xfee000b0,%eax (A1 moffs32, 32-bit)", false, B(0xa1, 0xb0, 0x00, 0xe0, 0xfe) },
    { "movabs %eax,0xfee000b0 (A3 moffs64)", true,
      B(0xa3, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00) },
    { "mov %es,(%rbx) (8C)", true, B(0x8c, 0x03) },
    { "mov (%rbx),%es (8E)", true, B(0x8e, 0x03) },
    { "movsbl (%rbx),%eax (0F BE)", true, B(0x0f, 0xbe, 0x03) },
    { "movswl (%rbx),%eax (0F BF)", true, B(0x0f, 0xbf, 0x03) },
    { "movnti %eax,(%rbx) (0F C3)", true, B(0x0f, 0xc3, 0x03) },
    { "movl (%rbx),%xmm0 (66 0F 6E)", true, B(0x66, 0x0f, 0x6e, 0x03) },
    { "ud2", true, B(0x0f, 0x0b) },
    { "rep movsl", true, B(0xf3, 0xa5) },
    { "repnz mov (%rbx),%eax (F2 is not skipped)", true, B(0xf2, 0x8b, 0x03) },
    { "movsxd (%rbx),%rax (63)", true, B(0x48, 0x63, 0x03) },
    { "incl (%rbx) (FF /0)", true, B(0xff, 0x03) },
    { "push %rax", true, B(0x50) },
    { "REX alone", true, B(0x48) },
    { "0F alone", true, B(0x0f) },
    /* more than 15 bytes */
    { "14 ds prefixes; mov %eax,(%rbx): 16 bytes", true,
      B(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
        0x89, 0x03) },
    { "cs ds gs addr32 movq $0x1,0xfffffffffee000b0: 16 bytes", true,
      B(0x2e, 0x3e, 0x65, 0x67, 0x48, 0xc7, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe,
        0x01, 0x00, 0x00, 0x00) },
    { "20 prefixes", true,
      B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66) },
};

static const char *op_name(enum mmio_op op)
{
    return op == MMIO_LOAD ? "load" : op == MMIO_STORE_REG ? "store reg" :
           op == MMIO_STORE_IMM ? "store imm" : "?";
}

static void expect_ok(const struct ok_case *c)
{
    const char *mode = c->long_mode ? "64" : "32";
    uint8_t buf[32];
    struct mmio_insn in;
    unsigned int accepted = 0;
    int rc;

    in = (struct mmio_insn){ .len = 99 };
    rc = insn_decode_mmio(c->bytes, c->len, c->long_mode, &in);
    if (!CHECK_EQ_S(rc, 0, "%s: %s: decodes", mode, c->name))
        return;
    CHECK_EQ(in.len, c->len, "%s: %s: length %u", mode, c->name, c->len);
    check_bool(in.op == c->op, "op", "%s: %s: op %s (got %s)", mode, c->name,
               op_name(c->op), op_name(in.op));
    CHECK_EQ(in.size, c->size, "%s: %s: size %u", mode, c->name, c->size);
    CHECK_EQ(in.reg, c->reg, "%s: %s: reg %u", mode, c->name, c->reg);
    CHECK_EQ(in.zero_extend, c->zx, "%s: %s: zero_extend %d", mode, c->name, c->zx);
    CHECK_EQ(in.high_byte, c->hb, "%s: %s: high_byte %d", mode, c->name, c->hb);
    CHECK_EQ(in.imm, c->imm, "%s: %s: imm 0x%llx", mode, c->name,
             (unsigned long long)c->imm);

    /* Bytes after the instruction are not part of it. */
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = i < c->len ? c->bytes[i] : (uint8_t)(0x66 + i);
    rc = insn_decode_mmio(buf, sizeof(buf), c->long_mode, &in);
    CHECK(rc == 0 && in.len == c->len, "%s: %s: same length with bytes after it",
          mode, c->name);

    /* Every truncation is refused. */
    for (unsigned int n = 0; n < c->len; n++)
        if (insn_decode_mmio(c->bytes, n, c->long_mode, &in) != -EINVAL)
            accepted++;
    CHECK_EQ(accepted, 0, "%s: %s: each of its %u truncations refused",
             mode, c->name, c->len);
}

static void expect_bad(const char *mode, const char *name, const uint8_t *bytes,
                       unsigned int len, bool long_mode)
{
    uint8_t buf[32];
    struct mmio_insn in;

    CHECK_EQ_S(insn_decode_mmio(bytes, len, long_mode, &in), -EINVAL,
               "%s: %s: refused", mode, name);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = i < len ? bytes[i] : 0x00;     /* 00 00: a valid add (%rax),%al */
    CHECK_EQ_S(insn_decode_mmio(buf, sizeof(buf), long_mode, &in), -EINVAL,
               "%s: %s: refused with bytes after it", mode, name);
}

static void test_accepted(void)
{
    for (size_t i = 0; i < sizeof(ok64) / sizeof(ok64[0]); i++)
        expect_ok(&ok64[i]);
    for (size_t i = 0; i < sizeof(ok32) / sizeof(ok32[0]); i++)
        expect_ok(&ok32[i]);
}

static void test_refused(void)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_bad(bad[i].long_mode ? "64" : "32", bad[i].name, bad[i].bytes, bad[i].len,
                   bad[i].long_mode);
}

/* C6 /0 and C7 /0 are MOV; the other reg values are not (or are XABORT/XBEGIN). */
static void test_imm_reg_field(void)
{
    char name[64];

    for (unsigned int op = 0xc6; op <= 0xc7; op++)
        for (unsigned int r = 1; r < 8; r++) {
            const uint8_t b[] = { (uint8_t)op, (uint8_t)(r << 3 | 3), 0x78, 0x56, 0x34, 0x12 };

            snprintf(name, sizeof(name), "%02X /%u (mod 0, rm 3)", op, r);
            expect_bad("64", name, b, op == 0xc6 ? 3 : 6, true);
            expect_bad("32", name, b, op == 0xc6 ? 3 : 6, false);
        }
}

/*
 * 40-4F are REX prefixes only in 64-bit code; in 32-bit code they are
 * INC/DEC register, which no MMIO access is.
 */
static void test_rex_by_mode(void)
{
    struct mmio_insn in;

    for (unsigned int b = 0x40; b <= 0x4f; b++) {
        const uint8_t insn[] = { (uint8_t)b, 0x89, 0x03 };
        char name[64];

        snprintf(name, sizeof(name), "%02X 89 03 (inc/dec, then a mov)", b);
        expect_bad("32", name, insn, sizeof(insn), false);
        CHECK(insn_decode_mmio(insn, sizeof(insn), true, &in) == 0 && in.len == 3 &&
              in.size == ((b & 8) ? 8u : 4u) && in.reg == ((b & 4) ? 8u : 0u),
              "64: %02X 89 03: REX, length 3, size and reg from W and R", b);
    }
}

/*
 * Cases that were gaps in insn.c when these tests were written (now fixed):
 *  - A REX prefix counts only right before the opcode (or 0F): any legacy
 *    prefix after it makes the CPU ignore it. prefixes() keeps it.
 *  - 0x67 in 32-bit code switches to 16-bit addressing (ModRM without SIB,
 *    disp16 for mod 0 rm 6 and mod 2): the length comes out wrong. Either
 *    decoding it or refusing it is right.
 */
static void test_pending(void)
{
    static const uint8_t rex_66[] = { 0x48, 0x66, 0x89, 0x03 };    /* rex.W; mov %ax,(%rbx) */
    static const uint8_t rex_ds[] = { 0x4c, 0x3e, 0x8b, 0x03 };    /* rex.WR; mov (%rbx),%eax */
    static const uint8_t a16[] = { 0x67, 0x8b, 0x06, 0x34, 0x12 }; /* mov 0x1234,%eax */
    static const uint8_t a16_si[] = { 0x67, 0x8b, 0x04, 0x90 };    /* mov (%si),%eax; nop */
    struct mmio_insn in;
    int rc;

    rc = insn_decode_mmio(rex_66, sizeof(rex_66), true, &in);
    CHECK(rc == 0 && in.len == 4 && in.size == 2 && in.reg == 0,
          "pending: 48 66 89 03: REX before 0x66 ignored (mov %%ax,(%%rbx))");
    rc = insn_decode_mmio(rex_ds, sizeof(rex_ds), true, &in);
    CHECK(rc == 0 && in.len == 4 && in.size == 4 && in.reg == 0,
          "pending: 4C 3E 8B 03: REX before 0x3e ignored (mov (%%rbx),%%eax)");
    rc = insn_decode_mmio(a16, sizeof(a16), false, &in);
    CHECK(rc == -EINVAL || (rc == 0 && in.len == 5),
          "pending: 32: 67 8B 06 34 12: 16-bit addressing, disp16 (length 5) or refused");
    rc = insn_decode_mmio(a16_si, sizeof(a16_si), false, &in);
    CHECK(rc == -EINVAL || (rc == 0 && in.len == 3),
          "pending: 32: 67 8B 04 (then 90): [si], no SIB (length 3) or refused");
}

/*
 * insn_opcode_len: the exit handlers' "is the instruction at RIP the one
 * the exit implies" check. The buffer holds what was fetched; when the
 * fetch was cut short by an unreadable page, the bytes after it are stale
 * (whatever the stack held). Each case puts the bytes that would make the
 * answer wrong right after avail: they must never be looked at.
 */
static void test_opcode_len(void)
{
    static const uint8_t cpuid[] = { 0x0f, 0xa2 }, vmmcall[] = { 0x0f, 0x01, 0xd9 };
    uint8_t buf[INSN_MAX_LEN + 8];

    memcpy(buf, (const uint8_t[]){ 0x0f, 0xa2, 0x90 }, 3);
    CHECK_EQ_S(insn_opcode_len(buf, 15, true, cpuid, 2), 2, "cpuid: length 2");
    CHECK_EQ_S(insn_opcode_len(buf, 2, true, cpuid, 2), 2, "cpuid: exactly its 2 bytes fetched");
    CHECK_EQ_S(insn_opcode_len(buf, 1, true, cpuid, 2), -EINVAL,
               "cpuid: 1 byte fetched, the stale one after it matching: refused");
    CHECK_EQ_S(insn_opcode_len(buf, 0, true, cpuid, 2), -EINVAL, "nothing fetched: refused");

    memcpy(buf, (const uint8_t[]){ 0x66, 0x0f, 0xa2 }, 3);
    CHECK_EQ_S(insn_opcode_len(buf, 3, true, cpuid, 2), 3, "66 cpuid: length 3");
    CHECK_EQ_S(insn_opcode_len(buf, 2, true, cpuid, 2), -EINVAL,
               "66 0f fetched, a stale a2 after it: refused, not length 3");
    memcpy(buf, (const uint8_t[]){ 0xf3, 0x66, 0x0f, 0xa2 }, 4);
    CHECK_EQ_S(insn_opcode_len(buf, 2, true, cpuid, 2), -EINVAL,
               "only prefixes fetched, a stale opcode after them: refused");

    memcpy(buf, (const uint8_t[]){ 0x48, 0x0f, 0x01, 0xd9 }, 4);
    CHECK_EQ_S(insn_opcode_len(buf, 4, true, vmmcall, 3), 4, "REX vmmcall in long mode: 4");
    CHECK_EQ_S(insn_opcode_len(buf, 4, false, vmmcall, 3), -EINVAL,
               "48 is no prefix outside long mode");
    CHECK_EQ_S(insn_opcode_len(buf, 3, true, vmmcall, 3), -EINVAL,
               "REX vmmcall with its last byte unfetched: refused");

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = 0x66;
    buf[INSN_MAX_LEN - 2] = 0x0f;
    buf[INSN_MAX_LEN - 1] = 0xa2;
    CHECK_EQ_S(insn_opcode_len(buf, sizeof(buf), true, cpuid, 2), INSN_MAX_LEN,
               "13 prefixes and cpuid: 15 bytes, the longest");
    buf[INSN_MAX_LEN - 1] = 0x66;
    buf[INSN_MAX_LEN] = 0x0f;
    buf[INSN_MAX_LEN + 1] = 0xa2;
    CHECK_EQ_S(insn_opcode_len(buf, sizeof(buf), true, cpuid, 2), -EINVAL,
               "no instruction runs past 15 bytes, however many were fetched");
}

int main(void)
{
    check_area("insn");
    test_accepted();
    test_refused();
    test_imm_reg_field();
    test_rex_by_mode();
    test_pending();
    test_opcode_len();
    return check_done();
}
