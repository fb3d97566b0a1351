/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layouts shared by head.S and C: the exception frame the entry stubs build,
 * the catch_exception() context, and the entry state head.S records.
 */
#ifndef GUEST_FRAME_H
#define GUEST_FRAME_H

/* struct catch_ctx */
#define CATCH_RBX      0
#define CATCH_RBP      8
#define CATCH_R12     16
#define CATCH_R13     24
#define CATCH_R14     32
#define CATCH_R15     40
#define CATCH_RSP     48
#define CATCH_ACTIVE  56

/* struct entry_state */
#define ES_RSP         0
#define ES_RFLAGS      8
#define ES_CS         16
#define ES_DS         18
#define ES_ES         20
#define ES_SS         22

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

/* What exception_common leaves on the stack; the first field is pushed last. */
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};
_Static_assert(sizeof(struct exc_frame) == 22 * 8, "frame layout");
_Static_assert(sizeof(struct exc_frame) % 16 == 0, "handler stack alignment");

/* Callee-saved registers and RSP at the call of catch_exception(). */
struct catch_ctx {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
    uint64_t active;
};
_Static_assert(offsetof(struct catch_ctx, rbx) == CATCH_RBX, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, rbp) == CATCH_RBP, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, r12) == CATCH_R12, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, r13) == CATCH_R13, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, r14) == CATCH_R14, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, r15) == CATCH_R15, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, rsp) == CATCH_RSP, "catch_ctx");
_Static_assert(offsetof(struct catch_ctx, active) == CATCH_ACTIVE, "catch_ctx");

/* The CPU state at _start, before head.S changes anything. */
struct entry_state {
    uint64_t rsp, rflags;
    uint16_t cs, ds, es, ss;
};
_Static_assert(offsetof(struct entry_state, rsp) == ES_RSP, "entry_state");
_Static_assert(offsetof(struct entry_state, rflags) == ES_RFLAGS, "entry_state");
_Static_assert(offsetof(struct entry_state, cs) == ES_CS, "entry_state");
_Static_assert(offsetof(struct entry_state, ds) == ES_DS, "entry_state");
_Static_assert(offsetof(struct entry_state, es) == ES_ES, "entry_state");
_Static_assert(offsetof(struct entry_state, ss) == ES_SS, "entry_state");

extern struct catch_ctx catch_ctx;
extern struct entry_state entry_state;

/* Where a caught exception resumes: catch_exception()'s return path. */
void catch_resume(void);

#endif /* __ASSEMBLER__ */

#endif
