/* SPDX-License-Identifier: GPL-2.0-only */
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
 * - panic() prints "FAIL shim: panic: <why>" and exits 1, unless the test
 *   asked for it with SHIM_PANICS() below.
 * - "Machine memory" is a set of windows of frames backed by host memory;
 *   mfn_to_virt() of a frame outside every window is a test failure, so a
 *   test notices when the code touches memory it should not.
 */
#ifndef UNIT_SHIM_H
#define UNIT_SHIM_H

#include <setjmp.h>
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

/*
 * Checking a fatal path: SHIM_PANICS(stmt) runs stmt with panic() caught
 * and is true if stmt panicked, false if it returned. The panic message is
 * then shim_panic_msg() (empty if none). The locks stmt took and still
 * held are released, as if the CPU that panicked had let them go, so the
 * test can go on with the code it checks (which must not have changed
 * anything before it panicked). Only for tests that check a panic happens.
 */
void shim_expect_panic(jmp_buf *jb);        /* panic() longjmps to jb */
bool shim_expect_panic_end(void);           /* fatal again; true if one was caught */
const char *shim_panic_msg(void);
#define SHIM_PANICS(stmt) __extension__ ({              \
    jmp_buf shim_jb_;                                   \
                                                        \
    if (setjmp(shim_jb_) == 0) {                        \
        shim_expect_panic(&shim_jb_);                   \
        stmt;                                           \
    }                                                   \
    shim_expect_panic_end();                            \
})
/* A check (check.h) that stmt panics, with needle in the message. */
#define CHECK_PANICS(stmt, needle, ...)                                         \
    check_contains(SHIM_PANICS(stmt) ? shim_panic_msg() : "(no panic)", (needle), \
                   __VA_ARGS__)

#endif
