/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Keyboard input on the physical console. dom0 owns it; pressing Ctrl-A
 * three times in a row switches it to the hypervisor's key handlers and
 * back, as Xen does.
 */
#ifndef MICA_CONSOLE_INPUT_H
#define MICA_CONSOLE_INPUT_H

#include <mica/types.h>

struct domain;

/* Route input to this domain's console (NULL: the hypervisor keeps it). */
void console_input_set_domain(struct domain *d, void (*to_domain)(struct domain *, uint8_t));
/* Poll the console every few ms on this CPU. */
void console_input_start(int (*getc)(void));
/* One received byte (exposed for the poll loop and for tests). */
void console_input_byte(uint8_t c);

#endif
