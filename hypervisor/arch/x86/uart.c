/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550 UART on COM1: the hypervisor's console. Polled output only; the
 * port is shared later with dom0's emulated UART, so no interrupts are used.
 */
#include <mica/console.h>
#include <asm/x86.h>
#include <asm/uart.h>
#include <asm/time.h>

#define UART_THR  0   /* transmit holding */
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_DLL  0
#define UART_DLM  1
#define LSR_THRE  0x20
#define LCR_DLAB  0x80

static uint16_t uart_base;
static bool uart_off;

/*
 * Wait for room, however slowly the other end reads (a console that drops
 * bytes is worse than a slow one), but not forever: a UART that stays full
 * for UART_STUCK_MS is taken as stuck, and bytes are then written without
 * waiting until it shows room again, so a dead port cannot stall the
 * hypervisor. 250 ms was too short: under a loaded host, QEMU's serial
 * backend (a pipe its reader drains late) holds THRE clear for longer,
 * and dom0's lines lost bytes in the middle (pvnet's serial log).
 */
#define UART_STUCK_MS  5000
static bool uart_stuck;

static void uart_putc(char c)
{
    uint64_t end = tsc_khz ? rdtsc() + tsc_khz * UART_STUCK_MS : 0;
    unsigned int spins = 0;

    for (;;) {
        if (inb(uart_base + UART_LSR) & LSR_THRE) {
            uart_stuck = false;
            break;
        }
        if (uart_stuck || (end ? rdtsc() > end : ++spins > 1000000)) {
            uart_stuck = true;
            break;
        }
        cpu_relax();
    }
    outb(uart_base + UART_THR, (uint8_t)c);
}

/* Terminals want CR LF; dom0's own output already has it, so add CR only once. */
static void uart_write(const char *s, size_t len)
{
    static char last;

    if (uart_off)
        return;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' && last != '\r')
            uart_putc('\r');
        uart_putc(s[i]);
        last = s[i];
    }
}

static const struct console_sink uart_sink = { .write = uart_write };

void uart_init(uint16_t base, uint32_t baud)
{
    uint16_t div = (uint16_t)(115200 / baud);

    uart_base = base;
    outb(base + UART_IER, 0);
    outb(base + UART_LCR, LCR_DLAB);
    outb(base + UART_DLL, div & 0xff);
    outb(base + UART_DLM, div >> 8);
    outb(base + UART_LCR, 0x03);          /* 8N1 */
    outb(base + UART_FCR, 0x07);          /* enable and clear FIFOs */
    outb(base + UART_MCR, 0x03);          /* DTR, RTS */
    console_add_sink(&uart_sink);
}

void uart_disable(void)
{
    uart_off = true;
}

int uart_getc(void)
{
    if (!uart_base || !(inb(uart_base + UART_LSR) & 0x01))
        return -1;
    return inb(uart_base + UART_THR);
}
