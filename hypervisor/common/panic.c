/* SPDX-License-Identifier: GPL-2.0-only */
#include <mica/panic.h>
#include <mica/console.h>
#include <mica/machine.h>
#include <mica/lib.h>

static int panicking;

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    asm volatile("cli");
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        for (;;)                      /* a second CPU panicking just stops */
            asm volatile("hlt");
    console_force_unlock();
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pr_err("PANIC on CPU %u: %s\n", panic_cpu_id(), buf);
    smp_stop_others();
    machine_poweroff(MACHINE_PANIC);
}
