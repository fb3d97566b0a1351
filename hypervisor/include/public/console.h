/* SPDX-License-Identifier: MIT */
/* MICA_HC_console_io: a domain's text output to the hypervisor console. */
#ifndef MICA_PUBLIC_CONSOLE_H
#define MICA_PUBLIC_CONSOLE_H

#include "types.h"

/*
 * console_io(MICA_CONSOLE_write, const char *buf, uint64_t len):
 * writes len bytes, prefixed per line with the domain's id. Returns len.
 * -MICA_EINVAL if len > MICA_CONSOLE_WRITE_MAX, -MICA_EFAULT if any byte of
 * buf is not readable guest memory.
 */
#define MICA_CONSOLE_write        0
#define MICA_CONSOLE_WRITE_MAX    4096

#endif
