/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register-preservation probe: run one hypercall with every general-purpose
 * register loaded from an array and capture them all afterwards.
 */
#ifndef GUEST_REGS_H
#define GUEST_REGS_H

#define REG_RAX   0
#define REG_RBX   1
#define REG_RCX   2
#define REG_RDX   3
#define REG_RSI   4
#define REG_RDI   5
#define REG_RBP   6
#define REG_R8    7
#define REG_R9    8
#define REG_R10   9
#define REG_R11  10
#define REG_R12  11
#define REG_R13  12
#define REG_R14  13
#define REG_R15  14
#define REG_NR   15

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the hypercall's RAX (also stored in out[REG_RAX]). */
uint64_t hc_regs_probe(const uint64_t in[REG_NR], uint64_t out[REG_NR]);

/*
 * Fill in[] with distinct patterns derived from salt, then put the
 * hypercall number in RAX and args[0..4] in RDI, RSI, RDX, R10, R8.
 */
void regs_fill(uint64_t in[REG_NR], uint64_t salt, uint64_t nr,
               const uint64_t args[5]);

/*
 * Run the probe and compare every register but RAX. Returns true when all
 * were preserved; otherwise writes "rbx=... (want ...)" for the first
 * changed register into why. *ret receives the hypercall result.
 */
bool regs_preserved(const uint64_t in[REG_NR], int64_t *ret, char *why,
                    size_t why_size);

#endif /* __ASSEMBLER__ */

#endif
