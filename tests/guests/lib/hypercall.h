/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercall wrappers for the test guests. VMMCALL with the number in RAX and
 * up to five arguments in RDI, RSI, RDX, R10, R8; the result comes back in
 * RAX. Only RAX is declared as changed: the hypervisor promises that no other
 * register is, and every guest built on these wrappers relies on (and so
 * tests) that promise.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <public/mica.h>

static inline int64_t hc0(uint64_t nr)
{
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret) : "a" (nr) : "memory");
    return ret;
}

static inline int64_t hc1(uint64_t nr, uint64_t a1)
{
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret) : "a" (nr), "D" (a1) : "memory");
    return ret;
}

static inline int64_t hc2(uint64_t nr, uint64_t a1, uint64_t a2)
{
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret)
                  : "a" (nr), "D" (a1), "S" (a2) : "memory");
    return ret;
}

static inline int64_t hc3(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret)
                  : "a" (nr), "D" (a1), "S" (a2), "d" (a3) : "memory");
    return ret;
}

static inline int64_t hc4(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
                          uint64_t a4)
{
    register uint64_t r10 asm ("r10") = a4;
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret)
                  : "a" (nr), "D" (a1), "S" (a2), "d" (a3), "r" (r10)
                  : "memory");
    return ret;
}

static inline int64_t hc5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
                          uint64_t a4, uint64_t a5)
{
    register uint64_t r10 asm ("r10") = a4;
    register uint64_t r8 asm ("r8") = a5;
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret)
                  : "a" (nr), "D" (a1), "S" (a2), "d" (a3), "r" (r10),
                    "r" (r8)
                  : "memory");
    return ret;
}

static inline int64_t mica_version(uint64_t cmd, uint64_t arg)
{
    return hc2(MICA_HC_version, cmd, arg);
}

static inline int64_t mica_console_write(const char *buf, uint64_t len)
{
    return hc3(MICA_HC_console_io, MICA_CONSOLE_write, (uint64_t)buf, len);
}

static inline int64_t mica_sched_op(uint64_t cmd, uint64_t arg)
{
    return hc2(MICA_HC_sched_op, cmd, arg);
}

static inline int64_t mica_evtchn_op(uint64_t cmd, void *arg)
{
    return hc2(MICA_HC_event_channel_op, cmd, (uint64_t)arg);
}

static inline int64_t mica_vcpu_op(uint64_t cmd, uint64_t a1, uint64_t a2)
{
    return hc3(MICA_HC_vcpu_op, cmd, a1, a2);
}

#endif
