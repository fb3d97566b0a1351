/*
 * The console: every message goes to the in-memory log ring (readable later
 * by a privileged domain) and, if its level is within console_loglevel, to
 * every registered sink. Hypervisor lines carry a "(mica) " prefix, guest
 * lines "(dN) ", so a reader of the serial log can tell them apart.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <mica/text_ring.h>
#include <mica/event_channel.h>
#include <public/event_channel.h>

#define LOG_RING_SIZE  (64 * 1024)
#define MAX_SINKS      4

int console_loglevel = LOG_INFO;

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

void console_guest_write(domid_t domid, const char *s, size_t len,
                         bool *at_line_start)
{
    char prefix[16];
    int plen = snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
    unsigned long flags = spin_lock_irqsave(&console_lock);

    for (size_t i = 0; i < len; i++) {
        if (*at_line_start)
            emit(prefix, (size_t)plen, true);
        emit(&s[i], 1, true);
        *at_line_start = s[i] == '\n';
    }
    spin_unlock_irqrestore(&console_lock, flags);
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
