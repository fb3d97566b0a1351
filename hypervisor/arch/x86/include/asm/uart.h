/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_UART_H
#define ASM_UART_H

#include <mica/types.h>

#define COM1_BASE 0x3f8

/* Program the UART and register it as a console sink. */
void uart_init(uint16_t base, uint32_t baud);
/* console=none: keep only the in-memory log. */
void uart_disable(void);
/* A received byte, or -1 if none is waiting (polled). */
int uart_getc(void);

#endif
