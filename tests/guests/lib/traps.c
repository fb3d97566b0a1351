/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's IDT (all 256 vectors) and its exception handler. An exception
 * inside catch_exception() resumes there with the vector as the result; any
 * other exception is a failure: one FAIL line, then shutdown with crash.
 * exc_set_hook() puts a function before that for an exception vector.
 * Vectors 32-255 are interrupts: the handler irq_set_handler() installed
 * runs, and one without a handler is a failure too.
 */
#include "guest.h"

#define NR_VECTORS   256
#define NR_EXCEPTIONS 32
#define GATE_INTR64  0x8e       /* present, DPL 0, 64-bit interrupt gate */
#define GUEST_CS     0x08
#define GUEST_DS     0x10
#define EFLAGS_IOPL  (3ul << 12)

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t  ist;
    uint8_t  attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __packed;
BUILD_BUG_ON(sizeof(struct idt_gate) != 16);

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

extern const uint64_t exception_stubs[NR_VECTORS];

struct catch_ctx catch_ctx;

static struct idt_gate idt[NR_VECTORS] __aligned(16);
static unsigned int handler_depth;
static void (*irq_handlers[NR_VECTORS])(struct exc_frame *f);
static bool (*exc_hooks[NR_EXCEPTIONS])(struct exc_frame *f);

void exc_set_hook(unsigned int vector, bool (*fn)(struct exc_frame *f))
{
    if (vector < NR_EXCEPTIONS)
        exc_hooks[vector] = fn;
}

void irq_set_handler(unsigned int vector, void (*fn)(struct exc_frame *f))
{
    if (vector >= NR_EXCEPTIONS && vector < NR_VECTORS)
        irq_handlers[vector] = fn;
}

void traps_init(void)
{
    struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    unsigned int v;

    catch_ctx.active = 0;
    handler_depth = 0;
    for (v = 0; v < NR_VECTORS; v++) {
        uint64_t a = exception_stubs[v];

        idt[v] = (struct idt_gate) {
            .offset_lo = (uint16_t)a,
            .selector = GUEST_CS,
            .attr = GATE_INTR64,
            .offset_mid = (uint16_t)(a >> 16),
            .offset_hi = (uint32_t)(a >> 32),
        };
    }
    asm volatile ("lidt %0" :: "m" (idtr) : "memory");
}

/* Longjmp half of catch_exception(): iretq lands in catch_resume. */
static void resume_catch(struct exc_frame *f)
{
    f->rbx = catch_ctx.rbx;
    f->rbp = catch_ctx.rbp;
    f->r12 = catch_ctx.r12;
    f->r13 = catch_ctx.r13;
    f->r14 = catch_ctx.r14;
    f->r15 = catch_ctx.r15;
    f->rsp = catch_ctx.rsp;
    f->rax = f->vector;
    f->rip = (uint64_t)catch_resume;
    f->cs = GUEST_CS;              /* from user mode too (CPL 3 code under catch_exception) */
    f->ss = GUEST_DS;
    f->rflags &= ~EFLAGS_IOPL;
    catch_ctx.active = 0;
}

void guest_exception(struct exc_frame *f)
{
    if (f->vector >= NR_EXCEPTIONS && f->vector < NR_VECTORS && irq_handlers[f->vector]) {
        irq_handlers[f->vector](f);
        return;
    }
    if (f->vector >= NR_EXCEPTIONS) {
        gprintf("FAIL %s: unexpected interrupt %lu at 0x%lx\n", guest_name(), f->vector, f->rip);
        guest_crash();
    }
    if (exc_hooks[f->vector] && exc_hooks[f->vector](f))
        return;
    if (catch_ctx.active) {
        resume_catch(f);
        return;
    }
    if (handler_depth++)
        halt_forever();         /* faulted while reporting a fault */
    gprintf("FAIL %s: unexpected exception %lu at 0x%lx err 0x%lx\n",
            guest_name(), f->vector, f->rip, f->error_code);
    guest_crash();
}

struct msr_access {
    uint32_t msr;
    uint64_t val;
};

static void do_rdmsr(void *arg)
{
    struct msr_access *m = arg;
    uint32_t lo, hi;

    asm volatile ("rdmsr" : "=a" (lo), "=d" (hi) : "c" (m->msr));
    m->val = ((uint64_t)hi << 32) | lo;
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    struct msr_access m = { msr, 0 };
    int vec = catch_exception(do_rdmsr, &m);

    *val = m.val;
    return vec;
}
