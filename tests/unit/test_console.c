/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/console.c, linked instead of the shim's
 * printk (UNIT_OWN_CONSOLE in unit.mk). The console's state is static and
 * lives for the whole run, so the test keeps its own copy of every byte it
 * caused to be written ("mirror"): at any point the log ring must hold the
 * last 64 KiB of it, oldest first. A test sink records what reaches sinks.
 */
#include <stdlib.h>

#include <mica/console.h>
#include <mica/lib.h>
#include <mica/event_channel.h>
#include <public/event_channel.h>

#include "check.h"
#include "shim.h"

#define RING_SIZE  (64 * 1024)          /* the documented ring size */
#define BIG        (512 * 1024)

static char *mirror, *sink_buf, *rbuf;
static size_t mirror_len, sink_len;

/* The clock console.c reads for guest output's rate limit. */
static uint64_t fake_now = 1000000000ull;

uint64_t now_ns(void)
{
    return fake_now;
}

/* The most bytes the sink got within one hold of a lock taken with irqsave. */
static unsigned long hold_seen;
static size_t hold_bytes, hold_max;

static void sink_write(const char *s, size_t len)
{
    if (shim_irqsave_count() != hold_seen) {
        hold_seen = shim_irqsave_count();
        hold_bytes = 0;
    }
    hold_bytes += len;
    hold_max = MAX(hold_max, hold_bytes);
    if (sink_len + len > BIG)
        shim_fatal("test sink overflow");
    for (size_t i = 0; i < len; i++)
        sink_buf[sink_len + i] = s[i];
    sink_len += len;
    sink_buf[sink_len] = '\0';
}

static const struct console_sink sink = { sink_write };

static void sink_clear(void)
{
    sink_len = 0;
    sink_buf[0] = '\0';
}

/* Record n bytes the console should now hold at the end of its ring. */
static void expect_n(const char *s, size_t n)
{
    if (mirror_len + n > BIG)
        shim_fatal("mirror overflow");
    for (size_t i = 0; i < n; i++)
        mirror[mirror_len + i] = s[i];
    mirror_len += n;
}

static void expect(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    expect_n(s, n);
}

static bool same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The ring holds exactly the newest min(written, 64 KiB) bytes, oldest first. */
static void check_ring(const char *what)
{
    size_t want = MIN(mirror_len, (size_t)RING_SIZE);
    size_t n = console_ring_read(rbuf, BIG);

    CHECK_EQ(n, want, "%s: ring_read returns min(written, 64 KiB)", what);
    CHECK(n == want && same(rbuf, mirror + mirror_len - want, want),
          "%s: ring holds the newest bytes, oldest first", what);
    CHECK_EQ(shim_locks_held(), 0, "%s: console lock released", what);
}

static void test_printk(void)
{
    sink_clear();
    printk(LOG_INFO, "hello %d\n", 42);
    expect("(mica) hello 42\n");
    CHECK_STR(sink_buf, "(mica) hello 42\n", "printk at LOG_INFO reaches the sink, prefixed");
    check_ring("after one printk");
    pr_err("bad %s\n", "thing");
    expect("(mica) bad thing\n");
    CHECK_STR(sink_buf, "(mica) hello 42\n(mica) bad thing\n", "pr_err reaches the sink");
    check_ring("after pr_err");
}

static void test_loglevel(void)
{
    int saved = console_loglevel;

    console_loglevel = LOG_INFO;
    sink_clear();
    printk(LOG_DEBUG, "quiet %u\n", 7u);
    expect("(mica) quiet 7\n");
    CHECK_EQ(sink_len, 0, "LOG_DEBUG above LOG_INFO: nothing reaches the sink");
    check_ring("LOG_DEBUG message kept in the ring");
    console_loglevel = LOG_ERR;
    pr_warn("warned\n");
    expect("(mica) warned\n");
    CHECK_EQ(sink_len, 0, "loglevel LOG_ERR: pr_warn does not reach the sink");
    pr_err("loud\n");
    expect("(mica) loud\n");
    CHECK_STR(sink_buf, "(mica) loud\n", "loglevel LOG_ERR: pr_err still does");
    check_ring("hidden and shown messages both in the ring");
    console_loglevel = saved;
}

static void test_console_write(void)
{
    sink_clear();
    console_write("raw bytes", 3);
    expect("raw");
    CHECK_STR(sink_buf, "raw", "console_write: len bytes, no prefix");
    check_ring("after console_write");
}

static void test_guest_write(void)
{
    bool d3 = true, d7 = true;
    struct console_rate r3 = { 0 }, r7 = { 0 };

    sink_clear();
    console_guest_write(3, "abc", 3, &d3, &r3);
    CHECK(!d3, "d3: mid-line after \"abc\"");
    console_guest_write(3, "def\ngh", 6, &d3, &r3);
    console_guest_write(7, "other\n", 6, &d7, &r7);
    console_guest_write(3, "i\n", 2, &d3, &r3);
    CHECK(d3 && d7, "both at a line start after a newline");
    console_guest_write(3, "", 0, &d3, &r3);
    CHECK(d3, "an empty write leaves the line state alone");
    console_guest_write(3, "x\n\ny", 4, &d3, &r3);
    console_guest_write(65535, "z\n", 2, &d7, &r7);
    expect("(d3) abcdef\n(d3) gh(d7) other\ni\n(d3) x\n(d3) \n(d3) y(d65535) z\n");
    CHECK_STR(sink_buf, "(d3) abcdef\n(d3) gh(d7) other\ni\n(d3) x\n(d3) \n(d3) y(d65535) z\n",
              "guest lines prefixed once each, across split writes");
    check_ring("after guest writes");
}

/*
 * The rate limit: CONSOLE_GUEST_BURST bytes at once, then CONSOLE_GUEST_RATE
 * a second; what is over reaches neither the sink nor the log ring, and one
 * notice line counts it when output resumes. Lines of 64 bytes, "(d9) " each.
 */
#define LINE  64

static char *rate_lines(size_t n)
{
    static char buf[96 * 1024];

    if (n > sizeof(buf))
        shim_fatal("rate_lines: %zu bytes", n);
    for (size_t i = 0; i < n; i++)
        buf[i] = i % LINE == LINE - 1 ? '\n' : (char)('a' + (i / LINE) % 26);
    return buf;
}

/* Write n bytes of lines as 4 KiB console_io calls would. */
static void rate_write(domid_t id, const char *s, size_t n, bool *bol, struct console_rate *r)
{
    for (size_t i = 0; i < n; i += 4096)
        console_guest_write(id, s + i, MIN((size_t)4096, n - i), bol, r);
}

/* What the sink should get for whole lines s[0..n) of domain 9. */
static void expect_lines(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i += LINE) {
        expect("(d9) ");
        expect_n(s + i, LINE);
    }
}

static void test_guest_rate_burst(struct console_rate *r, bool *bol)
{
    const char *lines = rate_lines(CONSOLE_GUEST_BURST);
    unsigned long holds = shim_irqsave_count();

    sink_clear();
    hold_max = 0;
    rate_write(9, lines, CONSOLE_GUEST_BURST, bol, r);
    expect_lines(lines, CONSOLE_GUEST_BURST);
    CHECK_EQ(sink_len, CONSOLE_GUEST_BURST / LINE * (LINE + 5),
             "a burst of %u bytes at once is printed whole", CONSOLE_GUEST_BURST);
    check_ring("after a full burst");
    CHECK_EQ(hold_max, LINE + 5, "one line (and its prefix) per hold of the console lock");
    CHECK(shim_irqsave_count() - holds >= CONSOLE_GUEST_BURST / LINE,
          "the lock is let go between lines (%lu holds for %u lines)",
          shim_irqsave_count() - holds, CONSOLE_GUEST_BURST / LINE);

    sink_clear();
    rate_write(9, rate_lines(1000 * LINE), 1000 * LINE, bol, r);
    CHECK_EQ(sink_len, 0, "beyond the burst at the same instant: nothing printed");
    check_ring("dropped bytes are not in the log ring either");
}

static void test_guest_rate(void)
{
    struct console_rate r = { 0 }, r10 = { 0 };
    bool bol = true, bol10 = true;
    char note[128];
    static char zs[4090 + 500];

    fake_now = 7000000000ull;
    test_guest_rate_burst(&r, &bol);

    sink_clear();
    console_guest_write(10, "neighbour\n", 10, &bol10, &r10);
    expect("(d10) neighbour\n");
    CHECK_STR(sink_buf, "(d10) neighbour\n", "another domain's output is not held back");

    fake_now += 250000000;                  /* a quarter of a second: 1024 bytes */
    sink_clear();
    console_guest_write(9, "no\n", 3, &bol, &r);
    CHECK_EQ(sink_len, 0, "once limited, less than %u bytes refilled prints nothing",
             CONSOLE_GUEST_RESUME);
    fake_now += 750000000;                  /* a second in all: 4096 */
    console_guest_write(9, "ok\n", 3, &bol, &r);
    snprintf(note, sizeof(note), "(mica) d9: %u bytes of console output not printed (rate limit)\n"
             "(d9) ok\n", 1000 * LINE + 3);
    expect(note);
    CHECK_STR(sink_buf, note, "output resumes with one line counting what was dropped");
    check_ring("after the notice");

    sink_clear();
    console_guest_write(9, "mid", 3, &bol, &r);
    memset(zs, 'z', sizeof(zs));
    hold_max = 0;
    rate_write(9, zs, sizeof(zs), &bol, &r);    /* 4090 tokens were left */
    CHECK(hold_max <= CONSOLE_GUEST_CHUNK + 1,
          "a long line goes out %u bytes per hold of the lock (most: %zu)",
          CONSOLE_GUEST_CHUNK, hold_max);
    CHECK_EQ(sink_len, 5 + 3 + 4090 + 1, "the tokens left are printed, the line cut is ended");
    expect("(d9) mid");
    expect_n(zs, 4090);
    expect("\n");
    fake_now += 1000000000;                 /* one second: 4096 more */
    sink_clear();
    console_guest_write(9, "end\n", 4, &bol, &r);
    expect("(mica) d9: 500 bytes of console output not printed (rate limit)\n(d9) end\n");
    CHECK_STR(sink_buf, "(mica) d9: 500 bytes of console output not printed (rate limit)\n"
              "(d9) end\n", "after a cut line: the notice, then the output on a line of its own");
    check_ring("after a cut line");

    sink_clear();
    rate_write(9, rate_lines(4096 + LINE), 4096 + LINE, &bol, &r);
    CHECK_EQ(sink_len, 4092 / LINE * (LINE + 5) + 5 + 4092 % LINE + 1,
             "a second refills %u bytes (4 used by \"end\\n\")", CONSOLE_GUEST_RATE);
    expect_lines(rate_lines(4092 / LINE * LINE), 4092 / LINE * LINE);
    expect("(d9) ");
    expect_n(rate_lines(4092) + 4092 / LINE * LINE, 4092 % LINE);
    expect("\n");
    check_ring("after a refill");

    fake_now += 3600000000000ull;           /* an hour: no more than a burst */
    sink_clear();
    rate_write(9, rate_lines(CONSOLE_GUEST_BURST + 4096), CONSOLE_GUEST_BURST + 4096, &bol, &r);
    snprintf(note, sizeof(note), "(mica) d9: %u bytes of console output not printed (rate limit)\n",
             4096 + LINE - 4092);
    CHECK_EQ(sink_len, strlen(note) + CONSOLE_GUEST_BURST / LINE * (LINE + 5),
             "after an hour idle: one burst, not an hour's worth");
    expect(note);
    expect_lines(rate_lines(CONSOLE_GUEST_BURST), CONSOLE_GUEST_BURST);
    check_ring("after an hour idle");
}

static char sink2_buf[64];
static size_t sink2_len;

static void sink2_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len && sink2_len < sizeof(sink2_buf) - 1; i++)
        sink2_buf[sink2_len++] = s[i];
}

static void test_second_sink(void)
{
    static const struct console_sink sink2 = { sink2_write };

    console_add_sink(&sink2);
    sink_clear();
    pr_info("both\n");
    expect("(mica) both\n");
    CHECK_STR(sink_buf, "(mica) both\n", "first sink still written");
    CHECK_STR(sink2_buf, "(mica) both\n", "second sink written too");
    check_ring("after two sinks");
}

/* Write lines of a known pattern until the total reaches target bytes. */
static void fill_to(size_t target)
{
    char line[32];

    while (mirror_len < target) {
        size_t room = target - mirror_len;
        int n = snprintf(line, sizeof(line), "line %06zu\n", mirror_len);

        if ((size_t)n > room)
            line[room] = '\0', n = (int)room;
        console_write(line, (size_t)n);
        expect(line);
    }
}

static void test_ring_wrap(void)
{
    char small[100];

    fill_to(RING_SIZE - 1);
    check_ring("one byte short of 64 KiB");
    fill_to(RING_SIZE);
    check_ring("exactly 64 KiB");
    console_write("!", 1);
    expect("!");
    check_ring("64 KiB + 1: the oldest byte dropped");
    fill_to(3 * RING_SIZE + 12345);
    check_ring("after more than three wraps");
    CHECK_EQ(console_ring_read(small, sizeof(small)), sizeof(small), "short read: len bytes");
    CHECK(same(small, mirror + mirror_len - RING_SIZE, sizeof(small)),
          "short read: the oldest bytes of the last 64 KiB");
    CHECK_EQ(console_ring_read(small, 0), 0, "zero-length read");
    printk(LOG_INFO, "after wrap\n");
    expect("(mica) after wrap\n");
    check_ring("printk after the wrap");
}

/* The event channel side, recorded: which VIRQs the console raised. */
static unsigned int virq_raised[MICA_NR_VIRQS];

void evtchn_send_global_virq(unsigned int virq)
{
    if (virq < MICA_NR_VIRQS)
        virq_raised[virq]++;
}

/* MICA_VIRQ_CONSOLE: once per poll in which the log grew, never otherwise. */
static void test_log_virq(void)
{
    console_notify_log_readers();
    virq_raised[MICA_VIRQ_CONSOLE] = 0;
    console_notify_log_readers();
    CHECK_EQ(virq_raised[MICA_VIRQ_CONSOLE], 0, "no new log text: no MICA_VIRQ_CONSOLE");
    printk(LOG_INFO, "one\n");
    expect("(mica) one\n");
    printk(LOG_INFO, "two\n");
    expect("(mica) two\n");
    CHECK_EQ(virq_raised[MICA_VIRQ_CONSOLE], 0, "printk itself raises nothing");
    console_notify_log_readers();
    CHECK_EQ(virq_raised[MICA_VIRQ_CONSOLE], 1, "two lines, then a poll: one MICA_VIRQ_CONSOLE");
    console_notify_log_readers();
    CHECK_EQ(virq_raised[MICA_VIRQ_CONSOLE], 1, "the next poll with nothing new: none");
    printk(LOG_DEBUG, "quiet\n");
    expect("(mica) quiet\n");
    console_notify_log_readers();
    CHECK_EQ(virq_raised[MICA_VIRQ_CONSOLE], 2, "a line below the log level still grows the log");
    for (unsigned int v = 0; v < MICA_NR_VIRQS; v++)
        if (v != MICA_VIRQ_CONSOLE)
            CHECK_EQ(virq_raised[v], 0, "VIRQ %u never raised by the console", v);
    check_ring("the log after the VIRQ checks");
}

int main(void)
{
    mirror = malloc(BIG + 1);
    sink_buf = malloc(BIG + 1);
    rbuf = malloc(BIG);
    if (!mirror || !sink_buf || !rbuf)
        shim_fatal("out of host memory");
    check_area("console");
    CHECK_EQ(console_ring_read(rbuf, BIG), 0, "the ring starts empty");
    console_add_sink(&sink);
    test_printk();
    test_loglevel();
    test_console_write();
    test_guest_write();
    test_guest_rate();
    test_second_sink();
    test_ring_wrap();
    test_log_virq();
    return check_done();
}
