/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor never touches FPU or vector registers (it is built with
 * -mgeneral-regs-only), so guest state only needs saving when another vCPU
 * takes the CPU: restore on entry to a vCPU's turn, save on exit.
 */
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/panic.h>
#include <asm/x86.h>
#include <asm/fpu.h>

#define XSTATE_X87  (1ull << 0)
#define XSTATE_SSE  (1ull << 1)
#define XSTATE_AVX  (1ull << 2)

static bool have_xsave;
static uint64_t xcr0_max;          /* components the host enables and saves */
static uint32_t area_size = 512;

static inline void xsetbv(uint64_t v)
{
    asm volatile("xsetbv" :: "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_cpu(void)
{
    uint32_t a, b, c, d;

    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    write_cr0((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
    cpuid_count(1, 0, &a, &b, &c, &d);
    have_xsave = c & (1u << 26);
    if (!have_xsave)
        return;
    write_cr4(read_cr4() | X86_CR4_OSXSAVE);
    cpuid_count(0xd, 0, &a, &b, &c, &d);
    /* Only the components we know how to validate for guests. */
    xcr0_max = (((uint64_t)d << 32) | a) & (XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
    xsetbv(xcr0_max);
    cpuid_count(0xd, 0, &a, &b, &c, &d);
    area_size = b;
}

uint64_t fpu_xcr0_supported(void)
{
    return xcr0_max;
}

size_t fpu_area_bytes(void)
{
    return area_size > PAGE_SIZE ? 2 * PAGE_SIZE : PAGE_SIZE;
}

void *fpu_alloc_area(void)
{
    unsigned int order = area_size > PAGE_SIZE ? 1 : 0;
    uint8_t *p = page_alloc_hyp(order);

    if (!p)
        return NULL;
    *(uint16_t *)(p + 0) = 0x37f;            /* FCW: the FNINIT value */
    *(uint32_t *)(p + 24) = 0x1f80;          /* MXCSR: the reset value */
    return p;
}

void fpu_free_area(void *area)
{
    if (area)
        page_free_hyp(area, area_size > PAGE_SIZE ? 1 : 0);
}

void fpu_restore(void *area, uint64_t guest_xcr0)
{
    if (!have_xsave) {
        asm volatile("fxrstor64 (%0)" :: "r"(area) : "memory");
        return;
    }
    xsetbv(xcr0_max);
    asm volatile("xrstor64 (%0)" :: "r"(area), "a"((uint32_t)xcr0_max),
                 "d"((uint32_t)(xcr0_max >> 32)) : "memory");
    xsetbv(guest_xcr0);
}

static inline uint64_t xgetbv(void)
{
    uint32_t lo, hi;

    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/*
 * The guest's XCR0 is read back rather than trusted to the XSETBV
 * intercept: some CPUs (QEMU's TCG among them) let XSETBV through
 * unintercepted, and the value written back at the next turn must be the
 * one the guest really runs with. Bits outside what we save are dropped.
 */
void fpu_save(void *area, uint64_t *guest_xcr0)
{
    if (!have_xsave) {
        asm volatile("fxsave64 (%0)" :: "r"(area) : "memory");
        return;
    }
    *guest_xcr0 = (xgetbv() & xcr0_max) | XSTATE_X87;
    xsetbv(xcr0_max);
    asm volatile("xsave64 (%0)" :: "r"(area), "a"((uint32_t)xcr0_max),
                 "d"((uint32_t)(xcr0_max >> 32)) : "memory");
}

int fpu_set_guest_xcr0(uint64_t *xcr0, uint64_t val)
{
    if (!have_xsave || !(val & XSTATE_X87) || (val & ~xcr0_max))
        return -EINVAL;
    if ((val & XSTATE_AVX) && !(val & XSTATE_SSE))
        return -EINVAL;
    *xcr0 = val;
    xsetbv(val);
    return 0;
}
