/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A on COM1 for every platform domain, interrupting through I/O APIC
 * pin 4 (VPLAT_COM1_GSI, which the DSDT gives COM1): receive-data and
 * THR-empty interrupts as IER enables them, gated by MCR OUT2 as on a PC.
 * The transmitter is infinitely fast: a byte written to THR is on the
 * console at once and THR is empty again, so Linux's interrupt handler
 * keeps refilling it until its buffer is empty, a FIFO's worth (tx_loadsz)
 * per IIR read. dom0's output goes straight to the hypervisor console,
 * unprefixed, so its terminal works as a terminal; a domU's is prefixed and
 * rate limited like any guest output. Both land in the domain's console
 * ring. Input comes from the physical console while dom0 has the input
 * focus, and from sysctl writeconsole.
 * The output stream is also watched for Linux's panic line: an unmodified
 * kernel has no other way to tell the hypervisor why it died.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>

#define REG_DATA  0     /* RBR / THR, DLL with DLAB */
#define REG_IER   1     /* DLM with DLAB */
#define REG_IIR   2     /* FCR on write */
#define REG_LCR   3
#define REG_MCR   4
#define REG_LSR   5
#define REG_MSR   6
#define REG_SCR   7

#define LCR_DLAB  0x80
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define IER_RDI   0x01
#define IER_THRI  0x02
#define MCR_OUT2  0x08  /* on a PC, gates the UART's interrupt onto the bus */
#define IIR_NONE  0x01
#define IIR_THRI  0x02
#define IIR_RDI   0x04
#define IIR_FIFO  0xc0
#define MSR_IDLE  0xb0  /* DCD, DSR, CTS */

static const char panic_tag[] = "Kernel panic - not syncing: ";

static bool rx_empty(const struct vuart *u)
{
    return u->rx_head == u->rx_tail;
}

/* The interrupt the UART has pending, highest priority first (IIR's code). */
static uint8_t pending(const struct vuart *u)
{
    if ((u->ier & IER_RDI) && !rx_empty(u))
        return IIR_RDI;
    if ((u->ier & IER_THRI) && u->thri_pending)
        return IIR_THRI;
    return IIR_NONE;
}

/* Reading IIR reports the pending interrupt; a reported THR-empty is cleared. */
static uint8_t iir(struct vuart *u)
{
    uint8_t code = pending(u);

    if (code == IIR_THRI)
        u->thri_pending = false;
    return (uint8_t)(((u->fcr & 1) ? IIR_FIFO : 0) | code);
}

/* The INTR output, to I/O APIC pin VPLAT_COM1_GSI when it changes; under u->lock. */
static void update_irq(struct domain *d, struct vuart *u)
{
    bool line = (u->mcr & MCR_OUT2) && pending(u) != IIR_NONE;

    if (line == u->irq_line)
        return;
    u->irq_line = line;
    vioapic_set_line(d, VPLAT_COM1_GSI, line);
}

/*
 * Linux's panic line, from the kernel's own console only. Its 8250 console
 * (and earlyprintk) writes with the UART's interrupts off (IER cleared
 * first), while a tty write from user space runs with THRI on. So a line
 * any byte of which was written with THRI on is a program's output (dom0
 * showing a crashed domU's log, an echo) and never kills the domain.
 */
static void watch_line(struct vcpu *v, struct vuart *u, uint8_t c)
{
    char *hit;
    bool tty;

    if (u->ier & IER_THRI)
        u->line_tty = true;
    if (c != '\n') {
        if (u->line_len < sizeof(u->line) - 1)
            u->line[u->line_len++] = (char)c;
        return;
    }
    u->line[u->line_len] = '\0';
    u->line_len = 0;
    tty = u->line_tty;
    u->line_tty = false;
    hit = tty ? NULL : strstr(u->line, panic_tag);
    if (hit && v->domain->state == DOMAIN_RUNNING) {
        char *end = hit + sizeof(panic_tag) - 1;
        size_t n = strlen(end);

        if (n && end[n - 1] == '\r')
            end[n - 1] = '\0';
        domain_crash(v->domain, "kernel panic: %s", end);
    }
}

/*
 * dom0's output is its terminal's: straight to the console, unprefixed.
 * A domU's is guest output as console_io's is: prefixed "(dN) " and rate
 * limited. Both are kept in the domain's console ring (sysctl readconsole).
 */
static void output(struct domain *d, char ch)
{
    domain_console_put(d, &ch, 1);
    if (d->privileged)
        console_write(&ch, 1);
    else if (console_guest_uart_print)
        console_guest_write(d->id, &ch, 1, &d->console_bol, &d->console_rate);
}

static void transmit(struct vcpu *v, struct vuart *u, uint8_t c)
{
    output(v->domain, (char)c);
    watch_line(v, u, c);
    u->thri_pending = true;
}

static uint32_t read_reg(struct vuart *u, unsigned int reg)
{
    uint8_t c;

    switch (reg) {
    case REG_DATA:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        if (rx_empty(u))
            return 0;
        c = u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % VUART_FIFO;
        return c;
    case REG_IER: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case REG_IIR: return iir(u);
    case REG_LCR: return u->lcr;
    case REG_MCR: return u->mcr;
    case REG_LSR: return LSR_THRE | LSR_TEMT | (rx_empty(u) ? 0 : LSR_DR);
    case REG_MSR: return MSR_IDLE;
    default:      return u->scr;
    }
}

static void write_reg(struct vcpu *v, struct vuart *u, unsigned int reg, uint8_t val)
{
    switch (reg) {
    case REG_DATA:
        if (u->lcr & LCR_DLAB)
            u->dll = val ? val : 1;      /* never zero: Linux divides by it */
        else
            transmit(v, u, val);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB)
            u->dlm = val;
        else
            u->ier = val & 0x0f;
        u->thri_pending = true;          /* THR is empty: enabling THRI interrupts */
        break;
    case REG_IIR:
        u->fcr = val & 0xc9;
        if (val & 0x02)
            u->rx_head = u->rx_tail;     /* clear the receive FIFO */
        break;
    case REG_LCR: u->lcr = val; break;
    case REG_MCR: u->mcr = val & 0x1f; break;
    case REG_SCR: u->scr = val; break;
    default:      break;                 /* LSR, MSR: read-only */
    }
}

uint32_t vuart_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    struct vuart *u = &v->domain->plat->uart;
    unsigned long f = spin_lock_irqsave(&u->lock);
    uint32_t val = read_reg(u, (unsigned int)(port - VPLAT_COM1_PORT));

    (void)size;
    update_irq(v->domain, u);
    spin_unlock_irqrestore(&u->lock, f);
    return val;
}

void vuart_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    struct vuart *u = &v->domain->plat->uart;
    unsigned long f = spin_lock_irqsave(&u->lock);

    (void)size;
    write_reg(v, u, (unsigned int)(port - VPLAT_COM1_PORT), (uint8_t)val);
    update_irq(v->domain, u);
    spin_unlock_irqrestore(&u->lock, f);
}

size_t vuart_input_buf(struct domain *d, const uint8_t *buf, size_t len)
{
    struct vuart *u;
    unsigned long f;
    size_t n = 0;

    if (!d->plat)
        return 0;
    u = &d->plat->uart;
    f = spin_lock_irqsave(&u->lock);
    for (; n < len; n++) {
        unsigned int next = (u->rx_tail + 1) % VUART_FIFO;

        if (next == u->rx_head)
            break;                       /* a full FIFO takes no more, like hardware */
        u->rx[u->rx_tail] = buf[n];
        u->rx_tail = next;
    }
    update_irq(d, u);
    spin_unlock_irqrestore(&u->lock, f);
    return n;
}

void vuart_input(struct domain *d, uint8_t c)
{
    vuart_input_buf(d, &c, 1);
}
