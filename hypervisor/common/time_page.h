/* SPDX-License-Identifier: GPL-2.0-only */
/* The time page's arithmetic and its writer (time_page.c); pure, unit-tested. */
#ifndef COMMON_TIME_PAGE_H
#define COMMON_TIME_PAGE_H

#include <mica/types.h>
#include <public/shared_info.h>

/* mul and shift for a clock ns = (ticks * mult) >> 32. */
void time_scale_from_mult(uint64_t mult, uint32_t *mul, int8_t *shift);
/* Ticks to ns with mul and shift, as the guest computes it. */
uint64_t time_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);
/* Copy src's fields (not its version) into ti under the version counter. */
void time_page_write(struct mica_vcpu_time_info *ti, const struct mica_vcpu_time_info *src);
/* The system time a guest reads from ti when its TSC reads tsc. */
uint64_t time_page_now(const struct mica_vcpu_time_info *ti, uint64_t tsc);

#endif
