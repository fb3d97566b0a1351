/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console input: polled from the physical UART on CPU 0 (the hypervisor
 * never takes device interrupts), routed to dom0's console or, after
 * Ctrl-A x3, to the hypervisor's key handlers.
 */
#include <mica/console_input.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/timer.h>
#include <mica/machine.h>
#include <mica/mm.h>
#include <mica/sched.h>
#include <asm/vcpu.h>
#include <asm/time.h>

#define POLL_NS     (10 * 1000 * 1000ull)
#define CTRL_A      0x01
#define SWITCH_PRESSES 3

static struct domain *input_domain;
static void (*deliver)(struct domain *d, uint8_t c);
static bool to_hypervisor;
static unsigned int ctrl_a_run;
static int (*poll_getc)(void);
static struct timer poll_timer;

struct key_handler {
    char key;
    const char *what;
    void (*fn)(void);
};

static void key_help(void);

static void key_memory(void)
{
    pr_info("memory: %lu of %lu frames free\n", (unsigned long)frames_free_count(),
            (unsigned long)frames_total());
}

static void key_domains(void)
{
    pr_info("%u domain(s) alive\n", domains_alive());
    domains_dump();
    if (input_domain)
        for (unsigned int i = 0; i < input_domain->nr_vcpus; i++)
            arch_vcpu_dump_exits(input_domain->vcpu[i]);
}

/* What a hung dom0 waits for: run queues, then each vCPU's state and vLAPIC. */
static void key_vcpus(void)
{
    sched_dump_queues();
    if (!input_domain)
        return;
    for (unsigned int i = 0; i < input_domain->nr_vcpus; i++) {
        struct vcpu *v = input_domain->vcpu[i];
        struct sched_vcpu_info si;
        static const char *const names[] = { "runnable", "running", "blocked", "down" };

        sched_vcpu_info(v, &si);
        pr_info("  d%u vcpu%u: %s%s%s on CPU %u, affinity %#lx, ran %lu ms\n", input_domain->id,
                i, si.state >= 0 && si.state < 4 ? names[si.state] : "?", si.on_cpu ? " on_cpu" : "",
                si.wait_sipi ? " wait_sipi" : "", si.pcpu, (unsigned long)si.affinity,
                (unsigned long)(si.runtime_ns / 1000000));
        arch_vcpu_dump_state(v);
    }
}

static void key_reboot(void)
{
    machine_restart();
}

static const struct key_handler keys[] = {
    { 'h', "this help", key_help },
    { 'd', "domains and dom0's exit counts", key_domains },
    { 'm', "memory", key_memory },
    { 'v', "run queues, dom0's vCPUs and their local APICs", key_vcpus },
    { 'R', "reboot the machine", key_reboot },
};

static void key_help(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        pr_info("  '%c': %s\n", keys[i].key, keys[i].what);
}

static void hypervisor_key(uint8_t c)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        if (keys[i].key == c) {
            keys[i].fn();
            return;
        }
    pr_info("key '%c' does nothing here ('h' for help)\n", c >= 0x20 && c < 0x7f ? c : '?');
}

void console_input_byte(uint8_t c)
{
    ctrl_a_run = c == CTRL_A ? ctrl_a_run + 1 : 0;
    if (ctrl_a_run == SWITCH_PRESSES) {
        ctrl_a_run = 0;
        to_hypervisor = !to_hypervisor || !input_domain;
        pr_info("console input now goes to %s (Ctrl-A three times to switch)\n",
                to_hypervisor ? "the hypervisor" : "dom0");
        return;
    }
    if (to_hypervisor || !input_domain) {
        if (c != CTRL_A)
            hypervisor_key(c);
        return;
    }
    deliver(input_domain, c);
}

static void poll(struct timer *t)
{
    int c;

    while ((c = poll_getc()) >= 0)
        console_input_byte((uint8_t)c);
    console_notify_log_readers();
    timer_set(t, now_ns() + POLL_NS);
}

void console_input_set_domain(struct domain *d, void (*to_domain)(struct domain *, uint8_t))
{
    input_domain = d;
    deliver = to_domain;
    to_hypervisor = d == NULL;
}

void console_input_start(int (*getc)(void))
{
    poll_getc = getc;
    timer_init(&poll_timer, poll, NULL, 0);
    timer_set(&poll_timer, now_ns() + POLL_NS);
}
