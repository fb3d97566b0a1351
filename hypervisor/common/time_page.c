/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The time page (public/shared_info.h, struct mica_vcpu_time_info): the
 * scale from TSC ticks to nanoseconds in the pvclock form, and writing the
 * page under its version counter. Pure arithmetic and stores, so host unit
 * tests compile it as it is; vcpu_op.c calls it with the arch's values.
 */
#include "time_page.h"

/*
 * The hypervisor's clock is ns = (ticks * mult) >> 32. The page carries
 * mult as a 32-bit mul with a shift applied to the ticks first:
 * mult = mul << shift. Dropping low bits of mult only for a TSC slower
 * than 1 GHz (mult >= 2^32) costs at most 2^-31 relative error.
 */
void time_scale_from_mult(uint64_t mult, uint32_t *mul, int8_t *shift)
{
    int8_t s = 0;

    while (mult > UINT32_MAX) {
        mult >>= 1;
        s++;
    }
    *mul = (uint32_t)mult;
    *shift = s;
}

uint64_t time_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/*
 * Seqlock writer: the version is made odd, the fields written, then the
 * version made even and 2 more than before. A guest that scribbled on the
 * version gets an even one again after this.
 */
void time_page_write(struct mica_vcpu_time_info *ti, const struct mica_vcpu_time_info *src)
{
    uint32_t ver = (__atomic_load_n(&ti->version, __ATOMIC_RELAXED) + 1) | 1;

    __atomic_store_n(&ti->version, ver, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_RELEASE);      /* odd before any field */
    __atomic_store_n(&ti->tsc_timestamp, src->tsc_timestamp, __ATOMIC_RELAXED);
    __atomic_store_n(&ti->system_time, src->system_time, __ATOMIC_RELAXED);
    __atomic_store_n(&ti->tsc_to_system_mul, src->tsc_to_system_mul, __ATOMIC_RELAXED);
    __atomic_store_n(&ti->tsc_shift, src->tsc_shift, __ATOMIC_RELAXED);
    __atomic_store_n(&ti->flags, src->flags, __ATOMIC_RELAXED);
    __atomic_store_n(&ti->version, ver + 1, __ATOMIC_RELEASE);
}

/* What the guest computes (the formula in public/shared_info.h). */
uint64_t time_page_now(const struct mica_vcpu_time_info *ti, uint64_t tsc)
{
    return ti->system_time + time_scale_delta(tsc - ti->tsc_timestamp,
                                              ti->tsc_to_system_mul, ti->tsc_shift);
}
