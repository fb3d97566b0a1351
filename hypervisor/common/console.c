/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console: every message goes to the in-memory log ring (readable later
 * by a privileged domain) and, if its level is within console_loglevel, to
 * every registered sink. Hypervisor lines carry a "(mica) " prefix, guest
 * lines "(dN) ", so a reader of the serial log can tell them apart. What a
 * domain prints is rate limited per domain (console_guest_write): a guest
 * flooding console_io cannot take the UART, or the log ring, from the rest.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <mica/text_ring.h>
#include <mica/event_channel.h>
#include <public/event_channel.h>
#include <asm/time.h>

#define LOG_RING_SIZE  (64 * 1024)
#define MAX_SINKS      4

int console_loglevel = LOG_INFO;
bool console_guest_uart_print;

static char log_buf[LOG_RING_SIZE];
static struct text_ring log_ring = { log_buf, LOG_RING_SIZE, 0 };
static const struct console_sink *sinks[MAX_SINKS];
static unsigned int nr_sinks;
static spinlock_t console_lock = SPINLOCK_INIT;

void console_add_sink(const struct console_sink *sink)
{
    if (nr_sinks < MAX_SINKS)
        sinks[nr_sinks++] = sink;
}

static void emit(const char *s, size_t len, bool to_sinks)
{
    text_ring_put(&log_ring, s, len);
    if (!to_sinks)
        return;
    for (unsigned int i = 0; i < nr_sinks; i++)
        sinks[i]->write(s, len);
}

void console_write(const char *s, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);

    emit(s, len, true);
    spin_unlock_irqrestore(&console_lock, flags);
}

void vprintk(int level, const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < 0 ? 0 : MIN((size_t)n, sizeof(buf) - 1);
    unsigned long flags = spin_lock_irqsave(&console_lock);
    bool show = level <= console_loglevel;

    emit("(mica) ", 7, show);
    emit(buf, len, show);
    spin_unlock_irqrestore(&console_lock, flags);
}

void printk(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(level, fmt, ap);
    va_end(ap);
}

/* Nanoseconds that earn one byte of guest output (CONSOLE_GUEST_RATE a second). */
#define NS_PER_TOKEN  (1000000000ull / CONSOLE_GUEST_RATE)

static void rate_refill(struct console_rate *r, uint64_t now)
{
    uint64_t earned;

    if (!r->started) {
        r->started = true;
        r->tokens = CONSOLE_GUEST_BURST;
        r->stamp_ns = now;
        return;
    }
    if (now <= r->stamp_ns)
        return;                         /* another CPU's clock a little behind */
    earned = (now - r->stamp_ns) / NS_PER_TOKEN;
    if (earned >= CONSOLE_GUEST_BURST) {
        r->tokens = CONSOLE_GUEST_BURST;
        r->stamp_ns = now;
        return;
    }
    r->tokens = (uint32_t)MIN((uint64_t)CONSOLE_GUEST_BURST, r->tokens + earned);
    r->stamp_ns += earned * NS_PER_TOKEN;   /* the fraction of a token is kept */
}

/* Bytes are dropped from here: the line they cut short is ended. */
static void rate_cut(struct console_rate *r, bool *at_line_start)
{
    if (!*at_line_start)
        emit("\n", 1, true);
    *at_line_start = true;
    r->limited = true;
}

/* Printing again after bytes were dropped: one line says how many. */
static void rate_resume(domid_t domid, struct console_rate *r)
{
    char line[96];
    int n = snprintf(line, sizeof(line), "(mica) d%u: %lu bytes of console output not "
                     "printed (rate limit)\n", domid, (unsigned long)r->dropped);

    emit(line, (size_t)MIN((size_t)n, sizeof(line) - 1), LOG_WARN <= console_loglevel);
    r->dropped = 0;
    r->limited = false;
}

void console_guest_report_dropped(domid_t domid, struct console_rate *rate)
{
    unsigned long f = spin_lock_irqsave(&console_lock);

    if (rate->dropped)
        rate_resume(domid, rate);
    spin_unlock_irqrestore(&console_lock, f);
}

/* One chunk, under the console lock: print what the bucket allows, count the rest. */
static void guest_chunk(domid_t domid, const char *prefix, size_t plen, const char *s,
                        size_t len, bool *at_line_start, struct console_rate *r)
{
    rate_refill(r, now_ns());
    if (r->limited && r->tokens >= CONSOLE_GUEST_RESUME && len)
        rate_resume(domid, r);
    for (size_t i = 0; i < len; i++) {
        if (r->limited || !r->tokens) {
            if (!r->limited)
                rate_cut(r, at_line_start);
            r->dropped += len - i;
            return;
        }
        if (*at_line_start)
            emit(prefix, plen, true);
        emit(&s[i], 1, true);
        r->tokens--;
        *at_line_start = s[i] == '\n';
    }
}

/* The next piece printed under one hold of the lock: a line, or CONSOLE_GUEST_CHUNK bytes. */
static size_t guest_piece(const char *s, size_t len)
{
    size_t n = 0;

    while (n < len && n < CONSOLE_GUEST_CHUNK)
        if (s[n++] == '\n')
            break;
    return n;
}

void console_guest_write(domid_t domid, const char *s, size_t len,
                         bool *at_line_start, struct console_rate *rate)
{
    char prefix[16];
    int plen = snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
    size_t n;

    /*
     * A line at a time, so that other output comes between lines, not inside
     * them; interrupts come back between pieces, so a slow UART delays this
     * CPU's other work by one piece at most, never by a whole 4 KiB write.
     */
    for (size_t done = 0; done < len; done += n) {
        unsigned long flags = spin_lock_irqsave(&console_lock);

        n = guest_piece(s + done, len - done);
        guest_chunk(domid, prefix, (size_t)plen, s + done, n, at_line_start, rate);
        spin_unlock_irqrestore(&console_lock, flags);
    }
}

size_t console_ring_read(char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    uint64_t offset = text_ring_tail(&log_ring);
    size_t n = text_ring_read(&log_ring, &offset, buf, len, NULL);

    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

size_t console_ring_read_at(uint64_t *offset, char *buf, size_t len, uint64_t *lost,
                            uint64_t *head)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    size_t n = text_ring_read(&log_ring, offset, buf, len, lost);

    *head = log_ring.head;
    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

/* After a crash on another CPU holding the lock, the dying CPU must still print. */
void console_force_unlock(void)
{
    console_lock = (spinlock_t)SPINLOCK_INIT;
}

/*
 * Every 10 ms (console_input.c's poll timer): if the log grew, raise
 * MICA_VIRQ_CONSOLE for whoever bound it (`mica dmesg` following the log).
 * Never from printk itself, whose callers may hold the event channel lock;
 * and however many lines came, one event per period.
 */
void console_notify_log_readers(void)
{
    static uint64_t notified;
    uint64_t head = __atomic_load_n(&log_ring.head, __ATOMIC_ACQUIRE);

    if (head != notified) {
        notified = head;
        evtchn_send_global_virq(MICA_VIRQ_CONSOLE);
    }
}
