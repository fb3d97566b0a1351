/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoding the memory-moving instructions a guest uses on MMIO: the CPU we
 * run on has no decode assists, so after a nested page fault on an emulated
 * device the hypervisor reads the instruction and works out what it does.
 */
#ifndef ASM_INSN_H
#define ASM_INSN_H

#include <mica/types.h>

enum mmio_op {
    MMIO_LOAD,          /* mov reg, [mem] / movzx */
    MMIO_STORE_REG,     /* mov [mem], reg */
    MMIO_STORE_IMM,     /* mov [mem], imm */
};

struct mmio_insn {
    enum mmio_op op;
    unsigned int len;          /* bytes, prefixes included */
    unsigned int size;         /* access width: 1, 2, 4 or 8 */
    unsigned int reg;          /* register number 0-15 (RAX=0 ... R15=15) */
    bool zero_extend;          /* movzx: the register takes the value zero-extended */
    bool high_byte;            /* 8-bit AH/CH/DH/BH (no REX) */
    uint64_t imm;
};

/*
 * Decode one instruction from buf (avail bytes valid). long_mode selects
 * 64-bit decoding (REX prefixes). Returns 0, or -EINVAL for anything but
 * MOV r/m,r (88/89), MOV r,r/m (8A/8B), MOV r/m,imm (C6/C7), MOVZX (0F B6/B7)
 * with a memory operand.
 */
int insn_decode_mmio(const uint8_t *buf, size_t avail, bool long_mode,
                     struct mmio_insn *out);

/* The most bytes an x86 instruction has, and so the most ever fetched. */
#define INSN_MAX_LEN  15

/*
 * The length of the instruction in buf (avail bytes valid) if, after legacy
 * prefixes (and a REX in long mode), its opcode is op[0..oplen): the exit
 * handlers' check that the instruction they skip is the one the exit
 * implies. -EINVAL if it is not, or if avail ends first: no byte at or past
 * buf[avail] is ever read.
 */
int insn_opcode_len(const uint8_t *buf, size_t avail, bool long_mode,
                    const uint8_t *op, size_t oplen);

#endif
