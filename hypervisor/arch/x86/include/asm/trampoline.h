/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_TRAMPOLINE_H
#define ASM_TRAMPOLINE_H

/* Where the AP start-up code runs: below 1 MiB, page aligned (SIPI vector 0x08). */
#define TRAMPOLINE_BASE  0x8000

#endif
