/*
 * The console: every message goes to the in-memory log ring (readable later
 * by a privileged domain) and, if its level is within console_loglevel, to
 * every registered sink. Hypervisor lines carry a "(mica) " prefix, guest
 * lines "(dN) ", so a reader of the serial log can tell them apart.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/spinlock.h>

#define LOG_RING_SIZE  (64 * 1024)
#define MAX_SINKS      4

int console_loglevel = LOG_INFO;

static char log_ring[LOG_RING_SIZE];
static uint64_t ring_head;          /* total bytes ever written */
static const struct console_sink *sinks[MAX_SINKS];
static unsigned int nr_sinks;
static spinlock_t console_lock = SPINLOCK_INIT;

void console_add_sink(const struct console_sink *sink)
{
    if (nr_sinks < MAX_SINKS)
        sinks[nr_sinks++] = sink;
}

static void ring_put(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        log_ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    ring_head += len;
}

static void emit(const char *s, size_t len, bool to_sinks)
{
    ring_put(s, len);
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
    uint64_t avail = MIN(ring_head, (uint64_t)LOG_RING_SIZE);
    uint64_t start = ring_head - avail;
    size_t n = (size_t)MIN((uint64_t)len, avail);

    for (size_t i = 0; i < n; i++)
        buf[i] = log_ring[(start + i) % LOG_RING_SIZE];
    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

/* After a crash on another CPU holding the lock, the dying CPU must still print. */
void console_force_unlock(void)
{
    console_lock = (spinlock_t)SPINLOCK_INIT;
}
