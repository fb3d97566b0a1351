/* SPDX-License-Identifier: GPL-2.0-only */
/* Small x86 helpers for the test guests. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#define X86_EFLAGS_IF   (1ul << 9)
#define X86_CR0_PE      (1ul << 0)
#define X86_CR0_PG      (1ul << 31)
#define X86_CR4_PAE     (1ul << 5)
#define MSR_EFER        0xc0000080u
#define EFER_LME        (1ul << 8)
#define EFER_LMA        (1ul << 10)

#define X86_VEC_UD      6
#define X86_VEC_GP      13

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;

    asm volatile ("cpuid"
                  : "=a" (r.eax), "=b" (r.ebx), "=c" (r.ecx), "=d" (r.edx)
                  : "a" (leaf), "c" (subleaf));
    return r;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile ("lfence; rdtsc" : "=a" (lo), "=d" (hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr0(void)
{
    uint64_t v;

    asm volatile ("mov %%cr0, %0" : "=r" (v));
    return v;
}

static inline uint64_t read_cr3(void)
{
    uint64_t v;

    asm volatile ("mov %%cr3, %0" : "=r" (v));
    return v;
}

/* Also flushes the TLB's non-global entries: after a page table change. */
static inline void write_cr3(uint64_t v)
{
    asm volatile ("mov %0, %%cr3" :: "r" (v) : "memory");
}

static inline uint64_t read_cr4(void)
{
    uint64_t v;

    asm volatile ("mov %%cr4, %0" : "=r" (v));
    return v;
}

#endif
