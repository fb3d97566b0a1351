/*
 * The host side of the unit tests: what the hypervisor's arch and console
 * code would provide, in a form tests can inspect.
 *
 * - printk/vprintk format with the hypervisor's own vsnprintf and append
 *   to a capture buffer, so a test can assert a warning was printed (with
 *   CHECK_CONTAINS(shim_log(), ...) from check.h). Set
 *   UNIT_VERBOSE=1 in the environment to also echo them to stderr.
 *   This part is shim_printk.c, which tests that link the real console.c
 *   (UNIT_OWN_CONSOLE in unit.mk) leave out; they must not call shim_log*.
 * - spin_lock* do not spin; they catch a lock taken twice (a deadlock on
 *   real hardware) or released unheld, and count locks held.
 * - "Machine memory" is a set of windows of frames backed by host memory;
 *   mfn_to_virt() of a frame outside every window is a test failure, so a
 *   test notices when the code touches memory it should not.
 */
#ifndef UNIT_SHIM_H
#define UNIT_SHIM_H

#include <mica/types.h>
#include <mica/mm.h>

/* Back frames [start, start + count) with host memory filled with 0x5a. */
void *shim_mem_back(mfn_t start, mfn_t count);
/* Drop every window (tests call it between independent set-ups). */
void shim_mem_reset(void);

void shim_log_clear(void);
const char *shim_log(void);                 /* everything printed since the clear */
unsigned int shim_log_count(int level);     /* messages at a level since the clear */

int shim_locks_held(void);
/* spin_lock_irqsave() calls so far: a change means the lock was let go in between. */
unsigned long shim_irqsave_count(void);

/* Print "FAIL shim: <why>" and exit 1: the test cannot go on. */
void shim_fatal(const char *fmt, ...) __printf(1, 2) __noreturn;

#endif
