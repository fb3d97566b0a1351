/* SPDX-License-Identifier: GPL-2.0-only */
/* The hypervisor's console: log levels, printk, the in-memory log ring. */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <mica/types.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Messages above this level are kept in the ring but not printed. */
extern int console_loglevel;
/*
 * guest_console=print: a domU's UART output also goes to the hypervisor
 * console ("(dN) ...", rate limited). Default (ring): only to the domain's
 * own console ring, which `mica console` and micad read, as Xen keeps a
 * domU's console to xenconsoled.
 */
extern bool console_guest_uart_print;

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);
#define pr_err(...)    printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)   printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)   printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)  printk(LOG_DEBUG, __VA_ARGS__)

/* Raw output to every console sink and the log ring (no prefix, no level). */
void console_write(const char *s, size_t len);

/* Copy up to len bytes of the log ring, oldest first; returns bytes copied. */
size_t console_ring_read(char *buf, size_t len);
/*
 * Follow the log ring by offset (<mica/text_ring.h>): copy up to len bytes
 * from *offset, advance it, report bytes already overwritten in *lost and
 * the offset of the next byte to be written in *head.
 */
size_t console_ring_read_at(uint64_t *offset, char *buf, size_t len, uint64_t *lost,
                            uint64_t *head);

/* A console sink: the UART today; later a dom0-readable ring reader. */
struct console_sink {
    void (*write)(const char *s, size_t len);
};
void console_add_sink(const struct console_sink *sink);
/* The log grew since the last call: raise MICA_VIRQ_CONSOLE (console.c). */
void console_notify_log_readers(void);

/*
 * How much of a domain's console output may still reach the sinks: a token
 * bucket of CONSOLE_GUEST_BURST bytes refilled at CONSOLE_GUEST_RATE bytes
 * a second. Once it ran dry, nothing more is printed until it holds
 * CONSOLE_GUEST_RESUME again, so a steady flood costs one notice a second,
 * not one per byte. Per domain, changed only under the console lock; all
 * zeroes is a valid start (a full bucket at the first write).
 */
#define CONSOLE_GUEST_BURST   (32 * 1024)
#define CONSOLE_GUEST_RATE    4096
#define CONSOLE_GUEST_RESUME  CONSOLE_GUEST_RATE
struct console_rate {
    bool started;
    bool limited;                  /* dropping until the bucket holds RESUME */
    uint32_t tokens;               /* bytes it may print now */
    uint64_t stamp_ns;             /* now_ns() the tokens were counted up to */
    uint64_t dropped;              /* bytes not printed since the last notice */
};

/*
 * A domain's output: each line gets a "(dN) " prefix; at_line_start is the
 * domain's own state, so lines split across writes are prefixed once.
 * Bytes beyond what rate allows reach neither the sinks nor the log ring
 * (the caller keeps them in the domain's own ring): the line they cut is
 * ended there, and when the domain may print again one "(mica) dN: M bytes
 * of console output not printed (rate limit)" line comes first. The
 * console lock is held, with interrupts off, for one line at a time, or
 * CONSOLE_GUEST_CHUNK bytes of a longer one.
 */
#define CONSOLE_GUEST_CHUNK  256
void console_guest_write(domid_t domid, const char *s, size_t len,
                         bool *at_line_start, struct console_rate *rate);

/* The domain has ended: say how many of its bytes were not printed, if any. */
void console_guest_report_dropped(domid_t domid, struct console_rate *rate);

/* Used only on the way down, when another CPU may hold the console lock. */
void console_force_unlock(void);

#endif
