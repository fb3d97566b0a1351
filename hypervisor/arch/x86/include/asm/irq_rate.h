/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt storm arithmetic (irq_rate.c, docs/iommu.md "Storms"): counts
 * of interrupts in fixed windows, for one source (a PCI function) and for
 * the CPU its interrupts land on. Pure: the unit test compiles it as it is.
 *
 * A source is throttled (masked until the window after) when, in one
 * window, it has more than its own limit, or when the CPU has had more
 * than the CPU's limit and the source more than its fair share of it (the
 * CPU's limit divided by the number of sources on that CPU). So a source
 * at or under its fair share is never throttled for the others' sake,
 * and a CPU runs at most about twice its limit of handlers a window
 * (its limit, plus each source's share) whatever the sources do.
 */
#ifndef ASM_IRQ_RATE_H
#define ASM_IRQ_RATE_H

#include <mica/types.h>

/* Interrupts in the current window of one source or one CPU. */
struct irq_rate {
    uint64_t start;         /* the window's start (ns) */
    uint32_t count;         /* interrupts in it */
    uint32_t gen;           /* windows begun so far (a CPU's: its sources follow it) */
};

/* One source's count inside its CPU's current window. */
struct irq_share {
    uint32_t gen;           /* the CPU window this count belongs to */
    uint32_t count;
};

enum irq_rate_verdict {
    IRQ_RATE_OK,
    IRQ_RATE_SOURCE,        /* the source went over its own limit */
    IRQ_RATE_CPU,           /* the CPU went over its limit, the source over its share */
};

struct irq_rate_limits {
    uint64_t window_ns;
    uint32_t source;        /* per source and window */
    uint32_t cpu;           /* per CPU and window */
};

/* Count one interrupt at now in r's window (a new window if r's is over); returns r->count. */
uint32_t irq_rate_hit(struct irq_rate *r, uint64_t now, uint64_t window_ns);
/* Count one interrupt of a source in its CPU's current window; returns the source's count there. */
uint32_t irq_share_hit(struct irq_share *s, const struct irq_rate *cpu);
/* A source's fair share of its CPU's limit: at least 1. */
uint32_t irq_rate_share(const struct irq_rate_limits *l, unsigned int nr_sources);
/*
 * One interrupt of a source (src, share) on a CPU (cpu) at now, with
 * nr_sources sources on that CPU: counted, and the verdict.
 */
enum irq_rate_verdict irq_rate_account(struct irq_rate *src, struct irq_share *share,
                                       struct irq_rate *cpu, const struct irq_rate_limits *l,
                                       unsigned int nr_sources, uint64_t now);
/* When a source throttled now is unmasked: the end of the window after the one that tipped it. */
uint64_t irq_rate_unthrottle_at(const struct irq_rate *src, const struct irq_rate *cpu,
                                enum irq_rate_verdict why, uint64_t window_ns);

#endif
