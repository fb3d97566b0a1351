/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the I/O APIC (hypervisor/arch/x86/vioapic.c) and the
 * interrupt conditions of COM1 (hypervisor/arch/x86/vuart.c) that drive
 * its pin 4: registers, redirection entries, edge and level delivery,
 * remote IRR and EOI, masks; IER/IIR/LSR/MCR OUT2 as Linux's 8250 driver
 * uses them, and output that arrives complete and in order.
 *
 * Both files are compiled into this one (the only way to reach their
 * static helpers is through the MMIO and port entry points, which is what
 * a guest has too). What they call outside themselves is stubbed and
 * recorded here: vlapic_deliver_irq (every message the I/O APIC sends),
 * console_write (the bytes dom0 wrote; the domain here is privileged),
 * domain_console_put and console_guest_write (a domU's output: counted),
 * and domain_crash.
 *
 * Register numbers and field positions are written out from the 82093AA
 * and 16550A datasheets here, not taken from the sources.
 */
#include <stdlib.h>
#include <string.h>

#include "../../hypervisor/arch/x86/vioapic.c"
#include "../../hypervisor/arch/x86/vuart.c"

#include "check.h"

/* I/O APIC: MMIO window and registers */
#define IOAPIC_BASE 0xfec00000ull
#define SEL         0x00
#define WIN         0x10
#define R_ID        0x00
#define R_VER       0x01
#define R_ARB       0x02
#define R_LO(pin)   (0x10 + 2 * (pin))
#define R_HI(pin)   (0x11 + 2 * (pin))
#define E_LOGICAL   (1u << 11)
#define E_DELIVS    (1u << 12)
#define E_LOW       (1u << 13)
#define E_RIRR      (1u << 14)
#define E_LEVEL     (1u << 15)
#define E_MASKED    (1u << 16)
#define DM_LOWEST   (1u << 8)

/* COM1 */
#define COM1        0x3f8
#define THR         (COM1 + 0)
#define IER         (COM1 + 1)
#define IIR         (COM1 + 2)
#define FCR         (COM1 + 2)
#define LCR         (COM1 + 3)
#define MCR         (COM1 + 4)
#define LSR         (COM1 + 5)
#define IER_RDI     0x01
#define IER_THRI    0x02
#define MCR_OUT2_   0x08
#define IIR_NO_INT  0x01
#define IIR_THRE    0x02
#define IIR_RX      0x04
#define LSR_DR_     0x01
#define LSR_THRE_   0x20
#define PIN         4

struct msg {
    uint8_t dest, vec;
    bool logical, level;
    unsigned int mode;
};

static struct domain dom, bare;
static struct vcpu vcpu0, bare_vcpu;
static struct vplatform plat;
static struct msg msgs[64];
static unsigned int nr_msgs;
static char out[1 << 17];
static size_t out_len;
static unsigned int crashes;
static size_t ring_bytes, guest_bytes;

/* ---- stubs ---- */

void vlapic_deliver_irq(struct domain *d, uint8_t dest, bool logical, unsigned int mode,
                        uint8_t vec, bool level)
{
    (void)d;
    if (nr_msgs < ARRAY_SIZE(msgs))
        msgs[nr_msgs] = (struct msg){ .dest = dest, .vec = vec, .logical = logical,
                                      .level = level, .mode = mode };
    nr_msgs++;
}

void console_write(const char *s, size_t len)
{
    if (out_len + len <= sizeof(out)) {
        memcpy(out + out_len, s, len);
        out_len += len;
    }
}

bool console_guest_uart_print = true;   /* guest_console=print: both paths counted */

void domain_console_put(struct domain *d, const char *s, size_t len)
{
    (void)d;
    (void)s;
    ring_bytes += len;
}

void console_guest_write(domid_t domid, const char *s, size_t len, bool *bol,
                         struct console_rate *rate)
{
    (void)domid;
    (void)s;
    (void)bol;
    (void)rate;
    guest_bytes += len;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    (void)d;
    (void)fmt;
    crashes++;
}

/* ---- helpers ---- */

static void setup(void)
{
    memset(&plat, 0, sizeof(plat));
    plat.uart.lock = (spinlock_t)SPINLOCK_INIT;
    vioapic_init(&plat.ioapic);
    dom = (struct domain){ .id = 0, .nr_vcpus = 1, .state = DOMAIN_RUNNING, .plat = &plat,
                           .privileged = true };
    bare = (struct domain){ .id = 1, .nr_vcpus = 1 };
    vcpu0 = (struct vcpu){ .domain = &dom };
    bare_vcpu = (struct vcpu){ .domain = &bare };
    nr_msgs = 0;
    out_len = 0;
    crashes = 0;
    ring_bytes = guest_bytes = 0;
}

static uint32_t io_rd(uint32_t reg)
{
    uint64_t v = 0xdeadbeef;

    vioapic_mmio_write(&vcpu0, SEL, 4, reg);
    vioapic_mmio_read(&vcpu0, WIN, 4, &v);
    return (uint32_t)v;
}

static void io_wr(uint32_t reg, uint32_t val)
{
    vioapic_mmio_write(&vcpu0, SEL, 4, reg);
    vioapic_mmio_write(&vcpu0, WIN, 4, val);
}

static void route(unsigned int pin, uint32_t lo, uint8_t dest)
{
    io_wr(R_HI(pin), (uint32_t)dest << 24);
    io_wr(R_LO(pin), lo);
}

static uint8_t in(uint16_t port)
{
    return (uint8_t)vuart_read(&vcpu0, port, 1);
}

static void outb_(uint16_t port, uint8_t val)
{
    vuart_write(&vcpu0, port, 1, val);
}

/* ---- the I/O APIC ---- */

static void test_registers(void)
{
    uint64_t v = 0;

    setup();
    CHECK_EQ(io_rd(R_VER), 0x00170011, "version 0x11, 24 entries (max index 23)");
    CHECK_EQ(io_rd(R_ID), 0, "ID 0, as the MADT says");
    io_wr(R_ID, 0x0a000000);
    CHECK_EQ(io_rd(R_ID), 0x0a000000, "ID writable");
    CHECK_EQ(io_rd(R_ARB), 0x0a000000, "arbitration ID follows the ID");
    io_wr(R_VER, 0);
    CHECK_EQ(io_rd(R_VER), 0x00170011, "version read-only");
    vioapic_mmio_write(&vcpu0, SEL, 4, R_LO(3));
    vioapic_mmio_read(&vcpu0, SEL, 4, &v);
    CHECK_EQ(v, R_LO(3), "IOREGSEL reads back");
    for (unsigned int pin = 0; pin < 24; pin++)
        if (!CHECK_EQ(io_rd(R_LO(pin)), E_MASKED, "pin %u masked at power-on", pin))
            break;
    io_wr(R_LO(5), 0xffffffff);
    CHECK_EQ(io_rd(R_LO(5)), 0x1afff, "RTE low: delivery status, remote IRR, reserved read-only");
    io_wr(R_HI(5), 0xffffffff);
    CHECK_EQ(io_rd(R_HI(5)), 0xff000000, "RTE high: only the destination is writable");
    CHECK_EQ(io_rd(R_LO(24)), 0, "register past entry 23 reads 0");
    CHECK_EQ(io_rd(0x03), 0, "reserved register reads 0");
    vioapic_mmio_write(&vcpu0, SEL, 4, R_LO(5));
    v = 0xdead;
    vioapic_mmio_read(&vcpu0, WIN, 1, &v);
    CHECK_EQ(v, 0, "byte read of IOWIN reads 0");
    vioapic_mmio_write(&vcpu0, WIN, 2, 0);
    CHECK_EQ(io_rd(R_LO(5)), 0x1afff, "word write of IOWIN dropped");
    CHECK(vioapic_mmio_claims(&vcpu0, IOAPIC_BASE) && vioapic_mmio_claims(&vcpu0, IOAPIC_BASE + 0xfff),
          "claims its page");
    CHECK(!vioapic_mmio_claims(&vcpu0, IOAPIC_BASE - 1) &&
          !vioapic_mmio_claims(&vcpu0, IOAPIC_BASE + 0x1000), "claims nothing outside it");
    CHECK(!vioapic_mmio_claims(&bare_vcpu, IOAPIC_BASE), "no platform, no I/O APIC");
    vioapic_set_line(&bare, PIN, true);
    vioapic_set_line(&dom, 24, true);
    CHECK_EQ(nr_msgs, 0, "pin 24, or a domain without the platform: ignored");
}

static void test_edge(void)
{
    setup();
    vioapic_set_line(&dom, PIN, true);
    CHECK_EQ(nr_msgs, 0, "edge: masked pin delivers nothing");
    route(PIN, 0x31, 2);
    CHECK_EQ(nr_msgs, 0, "edge: unmasking with the line up delivers nothing (no new edge)");
    vioapic_set_line(&dom, PIN, false);
    vioapic_set_line(&dom, PIN, true);
    CHECK_EQ(nr_msgs, 1, "edge: a rising edge delivers once");
    CHECK(msgs[0].dest == 2 && msgs[0].vec == 0x31 && !msgs[0].logical && !msgs[0].level &&
          msgs[0].mode == 0, "edge: fixed, physical, to 2, vector 0x31");
    vioapic_set_line(&dom, PIN, true);
    CHECK_EQ(nr_msgs, 1, "edge: the line staying up delivers no more");
    CHECK_EQ(io_rd(R_LO(PIN)) & (E_RIRR | E_DELIVS), 0, "edge: no remote IRR");
    vioapic_set_line(&dom, PIN, false);
    vioapic_set_line(&dom, PIN, true);
    CHECK_EQ(nr_msgs, 2, "edge: down and up again delivers again");
    route(PIN, 0x32 | E_LOGICAL | DM_LOWEST | E_LOW, 0x03);
    vioapic_set_line(&dom, PIN, false);
    vioapic_set_line(&dom, PIN, true);
    CHECK(nr_msgs == 3 && msgs[2].logical && msgs[2].mode == 1 && msgs[2].dest == 3 &&
          msgs[2].vec == 0x32, "edge: logical, lowest priority, to 0x03");
    io_wr(R_LO(PIN), 0x32 | E_MASKED);
    vioapic_set_line(&dom, PIN, false);
    vioapic_set_line(&dom, PIN, true);
    io_wr(R_LO(PIN), 0x32);
    CHECK_EQ(nr_msgs, 3, "edge: an edge while masked is lost");
    vioapic_set_line(&dom, 7, true);
    CHECK_EQ(nr_msgs, 3, "edge: another pin (masked) does not disturb pin 4");
}

static void test_level(void)
{
    setup();
    route(9, 0x41 | E_LEVEL, 1);
    CHECK_EQ(nr_msgs, 0, "level: line down, nothing");
    vioapic_set_line(&dom, 9, true);
    CHECK(nr_msgs == 1 && msgs[0].level && msgs[0].vec == 0x41, "level: line up delivers, level");
    CHECK(io_rd(R_LO(9)) & E_RIRR, "level: remote IRR set");
    vioapic_set_line(&dom, 9, false);
    vioapic_set_line(&dom, 9, true);
    CHECK_EQ(nr_msgs, 1, "level: nothing more until the EOI");
    vioapic_eoi(&dom, 0x42);
    CHECK_EQ(nr_msgs, 1, "level: another vector's EOI changes nothing");
    vioapic_eoi(&dom, 0x41);
    CHECK_EQ(nr_msgs, 2, "level: EOI with the line still up delivers again");
    vioapic_set_line(&dom, 9, false);
    vioapic_eoi(&dom, 0x41);
    CHECK_EQ(nr_msgs, 2, "level: EOI with the line down: nothing");
    CHECK_EQ(io_rd(R_LO(9)) & E_RIRR, 0, "level: EOI clears remote IRR");
    io_wr(R_LO(9), 0x41 | E_LEVEL | E_MASKED);
    vioapic_set_line(&dom, 9, true);
    CHECK_EQ(nr_msgs, 2, "level: masked, nothing");
    io_wr(R_LO(9), 0x41 | E_LEVEL);
    CHECK_EQ(nr_msgs, 3, "level: unmasking with the line up delivers");
    io_wr(R_LO(9), 0x41);
    CHECK_EQ(io_rd(R_LO(9)) & E_RIRR, 0, "level: switching to edge clears remote IRR");
}

/* ---- COM1's interrupt ---- */

static void test_uart_irq(void)
{
    unsigned int n;

    setup();
    route(PIN, 0x24, 0);
    CHECK_EQ(in(IIR) & 0x0f, IIR_NO_INT, "uart: IER 0: no interrupt pending");
    outb_(IER, IER_THRI);
    CHECK_EQ(nr_msgs, 0, "uart: THRI pending but OUT2 clear: no interrupt on the bus");
    outb_(MCR, MCR_OUT2_);
    CHECK_EQ(nr_msgs, 1, "uart: OUT2 set: THR-empty interrupt delivered");
    CHECK_EQ(msgs[0].vec, 0x24, "uart: through pin 4's entry");
    CHECK_EQ(in(IIR) & 0x0f, IIR_THRE, "uart: IIR says THR empty");
    CHECK_EQ(in(IIR) & 0x0f, IIR_NO_INT, "uart: reading IIR cleared it");
    outb_(THR, 'a');
    CHECK_EQ(nr_msgs, 2, "uart: a THR write empties at once: THR-empty again, new edge");
    outb_(THR, 'b');
    CHECK_EQ(nr_msgs, 2, "uart: line still up: no new edge");
    CHECK_EQ(in(LSR) & (LSR_THRE_ | LSR_DR_), LSR_THRE_, "uart: LSR: THR empty, no data");

    /* Linux's startup test: does THRE come back when THRI is enabled again? */
    in(IIR);
    outb_(IER, 0);
    outb_(IER, IER_THRI);
    CHECK_EQ(in(IIR) & 0x0f, IIR_THRE, "uart: THRI re-enabled: THR empty reported again");

    outb_(IER, IER_RDI);
    n = nr_msgs;
    vuart_input(&dom, 'x');
    CHECK_EQ(nr_msgs, n + 1, "uart: a received byte raises the line");
    outb_(IER, IER_RDI | IER_THRI);
    CHECK_EQ(in(IIR) & 0x0f, IIR_RX, "uart: received data before THR empty");
    CHECK_EQ(in(LSR) & LSR_DR_, LSR_DR_, "uart: LSR data ready");
    CHECK_EQ(in(THR), 'x', "uart: RBR gives the byte");
    CHECK_EQ(in(IIR) & 0x0f, IIR_THRE, "uart: then THR empty");
    CHECK_EQ(in(IIR) & 0x0f, IIR_NO_INT, "uart: then nothing");
    outb_(IER, IER_RDI);
    in(IIR);
    vuart_input(&dom, 'y');
    n = nr_msgs;
    outb_(MCR, 0);
    CHECK_EQ(in(IIR) & 0x0f, IIR_RX, "uart: OUT2 clear: IIR still reports");
    outb_(MCR, MCR_OUT2_);
    CHECK_EQ(nr_msgs, n + 1, "uart: OUT2 low then high: a new edge");
    outb_(FCR, 0x01);
    CHECK_EQ(in(IIR) & 0xc0, 0xc0, "uart: FIFO enabled: IIR bits 7:6 set");
    outb_(FCR, 0x03);
    CHECK_EQ(in(LSR) & LSR_DR_, 0, "uart: FCR clear-receive empties the FIFO");
    CHECK_EQ(in(IIR) & 0x0f, IIR_NO_INT, "uart: and drops the interrupt");
    outb_(LCR, 0x80);
    outb_(IER, 0x0c);
    outb_(LCR, 0x03);
    CHECK_EQ(in(IER), IER_RDI, "uart: IER under DLAB is DLM");
}

/* Linux's interrupt handler, as serial8250_interrupt() runs it: a FIFO's worth per pass. */
static unsigned int drain(const char *src, size_t len, size_t *sent)
{
    unsigned int passes = 0;

    while (!(in(IIR) & IIR_NO_INT) && passes < 100000) {
        passes++;
        if (!(in(LSR) & LSR_THRE_))
            continue;
        for (unsigned int n = 0; n < 16 && *sent < len; n++)
            outb_(THR, (uint8_t)src[(*sent)++]);
        if (*sent == len)
            outb_(IER, IER_RDI);        /* __stop_tx */
    }
    return passes;
}

static void test_uart_stream(void)
{
    static char src[65536];
    size_t sent = 0;
    unsigned int passes, delivered;

    setup();
    route(PIN, 0x24, 0);
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (char)('a' + (i * 7 + i / 26) % 26);
    src[sizeof(src) - 1] = '\n';
    outb_(MCR, MCR_OUT2_);
    outb_(IER, IER_RDI | IER_THRI);     /* start_tx */
    delivered = nr_msgs;
    passes = drain(src, sizeof(src), &sent);
    CHECK_EQ(sent, sizeof(src), "stream: every byte written (%u handler passes)", passes);
    CHECK(out_len == sizeof(src) && !memcmp(out, src, sizeof(src)),
          "stream: 64 KiB arrive complete and in order (%zu bytes)", out_len);
    CHECK_EQ(passes, sizeof(src) / 16, "stream: one handler pass per 16 bytes");
    CHECK_EQ(delivered, 1, "stream: enabling THRI raises one interrupt");
    CHECK(nr_msgs - delivered <= passes,
          "stream: at most one message per handler pass, which the local APIC's IRR merges (%u)",
          nr_msgs - delivered);
    CHECK_EQ(in(IIR) & 0x0f, IIR_NO_INT, "stream: nothing pending at the end");
    CHECK_EQ(crashes, 0, "stream: no false panic");
    CHECK(ring_bytes == sizeof(src) && guest_bytes == 0,
          "stream: dom0's output also fills its console ring, none goes out as a domU's");
}

int main(void)
{
    check_area("vioapic");
    test_registers();
    test_edge();
    test_level();
    check_area("vuart");
    test_uart_irq();
    test_uart_stream();
    return check_done();
}
