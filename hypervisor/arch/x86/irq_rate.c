/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt storm arithmetic (asm/irq_rate.h): fixed windows per source
 * and per CPU, a source's share of its CPU's window, the verdict.
 */
#include <asm/irq_rate.h>

uint32_t irq_rate_hit(struct irq_rate *r, uint64_t now, uint64_t window_ns)
{
    if (now - r->start >= window_ns || now < r->start) {
        r->start = now;
        r->count = 0;
        r->gen++;
    }
    return ++r->count;
}

uint32_t irq_share_hit(struct irq_share *s, const struct irq_rate *cpu)
{
    if (s->gen != cpu->gen) {
        s->gen = cpu->gen;
        s->count = 0;
    }
    return ++s->count;
}

uint32_t irq_rate_share(const struct irq_rate_limits *l, unsigned int nr_sources)
{
    uint32_t share = nr_sources ? l->cpu / nr_sources : l->cpu;

    return share ? share : 1;
}

enum irq_rate_verdict irq_rate_account(struct irq_rate *src, struct irq_share *share,
                                       struct irq_rate *cpu, const struct irq_rate_limits *l,
                                       unsigned int nr_sources, uint64_t now)
{
    uint32_t n_src = irq_rate_hit(src, now, l->window_ns);
    uint32_t n_cpu = irq_rate_hit(cpu, now, l->window_ns);
    uint32_t n_share = irq_share_hit(share, cpu);

    if (n_src > l->source)
        return IRQ_RATE_SOURCE;
    if (n_cpu > l->cpu && n_share > irq_rate_share(l, nr_sources))
        return IRQ_RATE_CPU;
    return IRQ_RATE_OK;
}

uint64_t irq_rate_unthrottle_at(const struct irq_rate *src, const struct irq_rate *cpu,
                                enum irq_rate_verdict why, uint64_t window_ns)
{
    const struct irq_rate *r = why == IRQ_RATE_CPU ? cpu : src;

    return r->start + 2 * window_ns;
}
