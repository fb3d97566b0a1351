/*
 * PIT channel 2 and port 0x61, just enough for Linux to calibrate the TSC
 * against a 1.193182 MHz clock (quick_pit_calibrate() and its slower
 * fallbacks): mode 0 counting down from the reload value, computed from
 * the TSC, with OUT2 in port 0x61 bit 5. Channels 0 and 1 do not exist.
 */
#include <mica/domain.h>
#include <asm/x86.h>
#include <asm/time.h>
#include <asm/vplatform_dev.h>

#define PIT_HZ     1193182ull
#define PORT_CH2   0x42
#define PORT_CMD   0x43
#define PORT_61    0x61

/* PIT ticks since counting started: TSC cycles times PIT_HZ / TSC Hz, in 32.32. */
static uint64_t elapsed(const struct vpit *p)
{
    static uint64_t mult;
    uint64_t dt = rdtsc() - p->start_tsc;

    if (!mult)
        mult = (PIT_HZ << 32) / (tsc_khz * 1000);
    return (uint64_t)(((unsigned __int128)dt * mult) >> 32);
}

static uint16_t count_now(const struct vpit *p)
{
    uint64_t reload = p->reload ? p->reload : 0x10000;

    if (!p->start_tsc)
        return p->reload;
    return (uint16_t)((reload - elapsed(p) % 0x10000 + 0x10000) % 0x10000);
}

static bool out2(const struct vpit *p)
{
    uint64_t reload = p->reload ? p->reload : 0x10000;

    return p->start_tsc && elapsed(p) >= reload;
}

static uint8_t read_ch2(struct vpit *p)
{
    uint16_t v = p->latched ? p->latch : count_now(p);
    bool msb = p->access == 2 || (p->access == 3 && p->read_msb_next);

    if (p->access == 3)
        p->read_msb_next = !p->read_msb_next;
    if (p->latched && (p->access != 3 || !p->read_msb_next))
        p->latched = false;              /* both bytes read */
    return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static void write_ch2(struct vpit *p, uint8_t val)
{
    if (p->access == 1 || (p->access == 3 && !p->write_msb_next)) {
        p->reload = (uint16_t)((p->reload & 0xff00) | val);
        if (p->access == 3) {
            p->write_msb_next = true;
            return;
        }
    } else {
        p->reload = (uint16_t)((p->reload & 0x00ff) | (val << 8));
        p->write_msb_next = false;
    }
    p->start_tsc = rdtsc();              /* mode 0 starts on the last byte */
}

static void write_cmd(struct vpit *p, uint8_t val)
{
    if ((val >> 6) != 2)
        return;                          /* only channel 2 exists */
    if (((val >> 4) & 3) == 0) {         /* counter latch */
        p->latch = count_now(p);
        p->latched = true;
        p->read_msb_next = false;
        return;
    }
    p->access = (val >> 4) & 3;
    p->write_msb_next = p->read_msb_next = false;
    p->latched = false;
    p->start_tsc = 0;
}

uint32_t vpit_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    struct vpit *p = &v->domain->plat->pit;
    unsigned long f = spin_lock_irqsave(&p->lock);
    uint32_t val = 0xff;

    (void)size;
    if (port == PORT_CH2)
        val = read_ch2(p);
    else if (port == PORT_61)
        val = (p->port61 & 3) | (out2(p) ? 0x20 : 0) | ((rdtsc() >> 12) & 1 ? 0x10 : 0);
    spin_unlock_irqrestore(&p->lock, f);
    return val;
}

void vpit_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    struct vpit *p = &v->domain->plat->pit;
    unsigned long f = spin_lock_irqsave(&p->lock);

    (void)size;
    if (port == PORT_CH2)
        write_ch2(p, (uint8_t)val);
    else if (port == PORT_CMD)
        write_cmd(p, (uint8_t)val);
    else if (port == PORT_61)
        p->port61 = (uint8_t)val & 3;
    spin_unlock_irqrestore(&p->lock, f);
}
