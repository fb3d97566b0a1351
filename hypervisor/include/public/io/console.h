/* SPDX-License-Identifier: MIT */
/*
 * The PV console ring (Xen's io/console.h): one page at
 * MICA_PARAM_CONSOLE_GFN, notified both ways on MICA_PARAM_CONSOLE_EVTCHN.
 * Byte streams; indices are free-running, a byte is at index & (size - 1).
 * The guest produces `out` and consumes `in`; the console daemon the
 * reverse. A guest's first console needs no store handshake (its page and
 * port are params); the daemon switches the domain's log and `mica console`
 * to it once the guest writes /local/domain/F/console/state = Connected.
 * A daemon must bound prod - cons by the buffer size (a larger gap is a
 * broken guest: it resets its view and logs it) and never block on a guest.
 */
#ifndef MICA_PUBLIC_IO_CONSOLE_H
#define MICA_PUBLIC_IO_CONSOLE_H

#include "../types.h"

typedef uint32_t mica_cons_idx_t;

#define MICA_CONS_IN_SIZE   1024
#define MICA_CONS_OUT_SIZE  2048
#define MICA_CONS_IN_IDX(i)  ((i) & (MICA_CONS_IN_SIZE - 1))
#define MICA_CONS_OUT_IDX(i) ((i) & (MICA_CONS_OUT_SIZE - 1))

struct mica_cons_ring {
    char in[MICA_CONS_IN_SIZE];      /* daemon -> guest (keyboard) */
    char out[MICA_CONS_OUT_SIZE];    /* guest -> daemon (screen) */
    mica_cons_idx_t in_cons, in_prod;
    mica_cons_idx_t out_cons, out_prod;
};

#endif
