/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CMOS real-time clock, read-only: dom0 reads the wall clock once at
 * boot. The time registers come from the machine's own RTC; writes (setting
 * the clock) are dropped, and the NVRAM bytes read as zero.
 */
#include <mica/domain.h>
#include <mica/spinlock.h>
#include <asm/x86.h>
#include <asm/vplatform_dev.h>

#define RTC_INDEX  0x70
#define RTC_DATA   0x71
#define RTC_REG_D  0x0d
#define RTC_CENTURY 0x32

static spinlock_t cmos_lock = SPINLOCK_INIT;

static uint8_t cmos_read(uint8_t reg)
{
    unsigned long f = spin_lock_irqsave(&cmos_lock);
    uint8_t v;

    outb(RTC_INDEX, reg);               /* NMI stays enabled (bit 7 clear) */
    v = inb(RTC_DATA);
    spin_unlock_irqrestore(&cmos_lock, f);
    return v;
}

uint32_t vrtc_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    uint8_t reg = v->domain->plat->rtc_index & 0x7f;

    (void)size;
    if (port == RTC_INDEX)
        return 0xff;
    if (reg <= RTC_REG_D || reg == RTC_CENTURY)
        return cmos_read(reg);
    return 0;
}

void vrtc_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    (void)size;
    if (port == RTC_INDEX)
        v->domain->plat->rtc_index = (uint8_t)val;
}
