/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Little-endian fields at any alignment in firmware and boot tables (ACPI,
 * IVRS, the Linux boot protocol's zero page), read byte by byte: the
 * tables come from outside and their fields need not be aligned.
 */
#ifndef MICA_UNALIGNED_H
#define MICA_UNALIGNED_H

#include <mica/types.h>

static inline uint16_t le16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)le16_at(p) | (uint32_t)le16_at(p + 2) << 16;
}

static inline uint64_t le64_at(const uint8_t *p)
{
    return (uint64_t)le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

#endif
