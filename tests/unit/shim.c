/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host implementations of the hooks listed in shim.h, except printk and its
 * capture buffer, which live in shim_printk.c so a test of the real console
 * (test_console) can link without them.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mica/console.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <mica/panic.h>

#include "shim.h"

#define MAX_WINDOWS  8
#define MAX_HELD     16

struct window {
    mfn_t start, count;
    char *mem;
};

static struct window windows[MAX_WINDOWS];
static int locks_held;
static spinlock_t *held[MAX_HELD];          /* the locks held, in the order taken */
static jmp_buf *panic_jmp;                   /* SHIM_PANICS() in progress */
static int panic_held;                       /* locks_held when it started */
static bool panic_caught;
static char panic_msg[512];

void shim_fatal(const char *fmt, ...)
{
    va_list ap;

    printf("FAIL shim: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

void shim_expect_panic(jmp_buf *jb)
{
    panic_jmp = jb;
    panic_held = locks_held;
    panic_caught = false;
    panic_msg[0] = '\0';
}

bool shim_expect_panic_end(void)
{
    panic_jmp = NULL;
    return panic_caught;
}

const char *shim_panic_msg(void)
{
    return panic_msg;
}

/* Let go of the locks taken since SHIM_PANICS() began, newest first. */
static void release_since_expect(void)
{
    while (locks_held > panic_held) {
        spinlock_t *l = held[--locks_held];

        l->owner++;
    }
}

/*
 * The hypervisor's panic(): a broken invariant ends the test as a failure,
 * unless SHIM_PANICS() is waiting for it.
 */
void panic(const char *fmt, ...)
{
    jmp_buf *jb = panic_jmp;
    va_list ap;

    if (jb) {
        va_start(ap, fmt);
        vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
        va_end(ap);
        release_since_expect();
        panic_jmp = NULL;
        panic_caught = true;
        longjmp(*jb, 1);
    }
    printf("FAIL shim: panic: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

void spin_lock(spinlock_t *l)
{
    if (l->next != l->owner)
        shim_fatal("spin_lock(%p): already held (would deadlock)", (void *)l);
    if (locks_held == MAX_HELD)
        shim_fatal("spin_lock(%p): more than %d locks held", (void *)l, MAX_HELD);
    l->next++;
    held[locks_held++] = l;
}

/* Locks need not be released in the order taken: take l out of held[]. */
void spin_unlock(spinlock_t *l)
{
    int i = locks_held;

    if (l->next == l->owner)
        shim_fatal("spin_unlock(%p): not held", (void *)l);
    while (i > 0 && held[i - 1] != l)
        i--;
    if (!i)
        shim_fatal("spin_unlock(%p): held, but not taken through the shim", (void *)l);
    for (; i < locks_held; i++)
        held[i - 1] = held[i];
    l->owner++;
    locks_held--;
}

bool spin_trylock(spinlock_t *l)
{
    if (l->next != l->owner)
        return false;
    spin_lock(l);
    return true;
}

static unsigned long irqsave_count;

unsigned long spin_lock_irqsave(spinlock_t *l)
{
    irqsave_count++;
    spin_lock(l);
    return 0x202;   /* RFLAGS with IF set, as a caller would see it */
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    if (flags != 0x202)
        shim_fatal("spin_unlock_irqrestore(%p): flags 0x%lx not from spin_lock_irqsave",
                   (void *)l, flags);
    spin_unlock(l);
}

int shim_locks_held(void)
{
    return locks_held;
}

unsigned long shim_irqsave_count(void)
{
    return irqsave_count;
}

void *shim_mem_back(mfn_t start, mfn_t count)
{
    for (size_t i = 0; i < MAX_WINDOWS; i++) {
        struct window *w = &windows[i];

        if (w->mem)
            continue;
        w->mem = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);
        if (!w->mem)
            shim_fatal("cannot back 0x%lx frames", count);
        memset(w->mem, 0x5a, count * PAGE_SIZE);
        w->start = start;
        w->count = count;
        return w->mem;
    }
    shim_fatal("more than %d memory windows", MAX_WINDOWS);
}

void shim_mem_reset(void)
{
    for (size_t i = 0; i < MAX_WINDOWS; i++) {
        free(windows[i].mem);
        windows[i] = (struct window){ 0 };
    }
}

void *mfn_to_virt(mfn_t mfn)
{
    for (size_t i = 0; i < MAX_WINDOWS; i++) {
        struct window *w = &windows[i];

        if (w->mem && mfn >= w->start && mfn - w->start < w->count)
            return w->mem + (mfn - w->start) * PAGE_SIZE;
    }
    shim_fatal("mfn_to_virt(0x%lx): frame is not backed", mfn);
}

mfn_t virt_to_mfn(const void *va)
{
    const char *p = va;

    for (size_t i = 0; i < MAX_WINDOWS; i++) {
        struct window *w = &windows[i];

        if (w->mem && p >= w->mem && p < w->mem + w->count * PAGE_SIZE)
            return w->start + (mfn_t)(p - w->mem) / PAGE_SIZE;
    }
    shim_fatal("virt_to_mfn(%p): address is not in fake machine memory", va);
}
