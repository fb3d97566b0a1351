/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI function addresses as people write them ("0000:00:1f.2", lspci's
 * and xl's form), for the CLI and for messages.
 */
#include <stdio.h>
#include <string.h>
#include "priv.h"

#define PCI_SLOT_MAX 0x1fu
#define PCI_FUNC_MAX 0x7u

/* exactly n hex digits at s: their value, or -1 */
static long hex_field(const char *s, size_t n)
{
    long v = 0;

    for (size_t i = 0; i < n; i++) {
        const char *d = strchr("0123456789abcdef", s[i] | 0x20);

        if (!s[i] || !d || !*d)
            return -1;
        v = v * 16 + (d - "0123456789abcdef");
    }
    return v;
}

const char *mica_pci_addr_problem(const char *s, struct mica_pci_addr *a, char *buf, size_t len)
{
    size_t n = strlen(s);
    const char *b = n == 12 ? s + 5 : s;
    long seg = 0, bus, slot, func;

    if ((n != 12 && n != 7) || (n == 12 && s[4] != ':') || b[2] != ':' || b[5] != '.')
        goto bad;
    if (n == 12 && (seg = hex_field(s, 4)) < 0)
        goto bad;
    bus = hex_field(b, 2);
    slot = hex_field(b + 3, 2);
    func = hex_field(b + 6, 1);
    if (bus < 0 || slot < 0 || func < 0)
        goto bad;
    if (slot > PCI_SLOT_MAX || func > PCI_FUNC_MAX) {
        snprintf(buf, len, "'%.32s': the slot is 00 to 1f and the function 0 to 7", s);
        return buf;
    }
    *a = (struct mica_pci_addr){ .seg = (uint16_t)seg, .bus = (uint8_t)bus,
                                 .slot = (uint8_t)slot, .func = (uint8_t)func };
    return NULL;
bad:
    snprintf(buf, len, "'%.32s': a PCI function is SSSS:BB:DD.F or BB:DD.F (hex, e.g. 0000:00:1f.2)",
             s);
    return buf;
}

void mica_pci_addr_str(const struct mica_pci_addr *a, char buf[MICA_PCI_STR_LEN])
{
    snprintf(buf, MICA_PCI_STR_LEN, "%04x:%02x:%02x.%x", a->seg, a->bus, a->slot & 0x1f,
             a->func & 7);
}
