/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-guest library: start-up, console output, result lines, exception
 * catching and the guest's view of its memory.
 *
 * Result lines, one per check:
 *     PASS <guest>: <name>
 *     FAIL <guest>: <name>: <detail>
 * and at the end
 *     SUMMARY <guest>: <p> passed, <f> failed
 * <guest> is "name=" from the module command line, else guest_builtin_name.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <mica/lib.h>
#include <public/mica.h>
#include "frame.h"
#include "hypercall.h"

/* Each guest defines these two. */
extern const char guest_builtin_name[];
/* Returning 0 ends the run with guest_finish(); non-zero adds a failure. */
int guest_main(const struct mica_start_info *si);

/* Linker symbols: the loaded image is [_image_start, _end). */
extern char _image_start[], _end[];

/* Called by head.S only. */
void guest_start(const struct mica_start_info *si) __noreturn;
void traps_init(void);
void guest_exception(struct exc_frame *f);

/* The guest's name, its start info (a copy) and its memory. */
const char *guest_name(void);
const struct mica_start_info *guest_si(void);
uint64_t guest_ram_end(void);     /* nr_pages * 4096 */
uint64_t guest_image_end(void);   /* _end rounded up to a page */

/*
 * Find "key=value" among the space-separated command-line words. Copies the
 * value (truncated to size - 1) and returns true when key is present.
 */
bool cmdline_get(const char *key, char *out, size_t size);
/* A decimal or 0x-hex number from the command line, or dflt. */
uint64_t cmdline_u64(const char *key, uint64_t dflt);

/* Format and write to the hypervisor console (at most 511 bytes a call). */
void gprintf(const char *fmt, ...) __printf(1, 2);

/* One result line each; the detail is printed only on failure. */
bool check(bool cond, const char *name, const char *fmt, ...) __printf(3, 4);
bool check_eq_u64(const char *name, uint64_t expected, uint64_t got);
bool check_eq_i64(const char *name, int64_t expected, int64_t got);
unsigned int checks_failed(void);

/* SUMMARY line, then shutdown: poweroff if nothing failed, else crash. */
void guest_finish(void) __noreturn;
/* Shutdown with crash at once (no SUMMARY). */
void guest_crash(void) __noreturn;
/* cli; hlt forever: the hypervisor takes the vCPU as down. */
void halt_forever(void) __noreturn;

/*
 * Run fn(arg). Returns -1 if it returned normally, or the vector of the
 * exception it raised: execution then resumes as if catch_exception had
 * returned, with fn's remaining work abandoned. Not reentrant: fn must not
 * call catch_exception itself.
 */
int catch_exception(void (*fn)(void *), void *arg);

/*
 * Run fn(frame) when interrupt vector (32-255) arrives, with interrupts off
 * (the IDT has interrupt gates); NULL removes it. Vectors 32-255 without a
 * handler end the guest with a FAIL line.
 */
void irq_set_handler(unsigned int vector, void (*fn)(struct exc_frame *f));

/*
 * Run fn(frame) first when exception vector (0-31) is raised; it returns
 * true to resume the interrupted code (iretq with the frame as it left
 * it), false to go on as without it (catch_exception, else a failure).
 * NULL removes it.
 */
void exc_set_hook(unsigned int vector, bool (*fn)(struct exc_frame *f));

/* rdmsr under catch_exception: -1 on success, else the vector. */
int rdmsr_safe(uint32_t msr, uint64_t *val);

/* xorshift64 pseudo-random numbers; a zero seed is taken as 1. */
struct rng {
    uint64_t state;
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);

#endif
