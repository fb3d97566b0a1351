/* SPDX-License-Identifier: GPL-2.0-only */
/* Register-preservation checks around hc_regs_probe() (regs.S). */
#include "guest.h"
#include "regs.h"

static const char *const reg_names[REG_NR] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
    "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void regs_fill(uint64_t in[REG_NR], uint64_t salt, uint64_t nr,
               const uint64_t args[5])
{
    unsigned int i;

    for (i = 0; i < REG_NR; i++)
        in[i] = (0x0101010101010101ull * (i + 1)) ^ (salt << 4) ^ 0xa5;
    in[REG_RAX] = nr;
    in[REG_RDI] = args[0];
    in[REG_RSI] = args[1];
    in[REG_RDX] = args[2];
    in[REG_R10] = args[3];
    in[REG_R8] = args[4];
}

bool regs_preserved(const uint64_t in[REG_NR], int64_t *ret, char *why,
                    size_t why_size)
{
    uint64_t out[REG_NR];
    unsigned int i;

    *ret = (int64_t)hc_regs_probe(in, out);
    for (i = 0; i < REG_NR; i++) {
        if (i == REG_RAX || out[i] == in[i])
            continue;
        snprintf(why, why_size, "%s=0x%lx (want 0x%lx)", reg_names[i],
                 out[i], in[i]);
        return false;
    }
    return true;
}
