/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi event log entries as one line each: what happened, to which
 * device (bus:dev.fn), in which IOMMU domain, at which address.
 */
#include <asm/iommu_amd.h>
#include <asm/pci.h>
#include <mica/lib.h>

struct event_kind {
    const char *name;
    bool has_device;        /* dword 0 is the device's ID */
    bool has_domain;        /* dword 1 bits 15:0 are the domain ID */
};

static const struct event_kind kinds[] = {
    [AMDVI_EVT_ILLEGAL_DTE]   = { "ILLEGAL_DEV_TABLE_ENTRY", true, false },
    [AMDVI_EVT_IO_PAGE_FAULT] = { "IO_PAGE_FAULT", true, true },
    [AMDVI_EVT_DEV_TAB_HW]    = { "DEV_TAB_HARDWARE_ERROR", true, false },
    [AMDVI_EVT_PAGE_TAB_HW]   = { "PAGE_TAB_HARDWARE_ERROR", true, true },
    [AMDVI_EVT_ILLEGAL_CMD]   = { "ILLEGAL_COMMAND_ERROR", false, false },
    [AMDVI_EVT_CMD_HW]        = { "COMMAND_HARDWARE_ERROR", false, false },
    [AMDVI_EVT_IOTLB_TIMEOUT] = { "IOTLB_INV_TIMEOUT", true, false },
    [AMDVI_EVT_INVALID_REQ]   = { "INVALID_DEVICE_REQUEST", true, false },
};

int amdvi_event_format(const uint32_t ev[4], char *buf, size_t len)
{
    unsigned int type = ev[1] >> AMDVI_EVT_TYPE_SHIFT;
    unsigned int flags = (ev[1] >> AMDVI_EVT_FLAGS_SHIFT) & AMDVI_EVT_FLAGS_MASK;
    uint64_t addr = (uint64_t)ev[3] << 32 | ev[2];
    unsigned int dev = ev[0] & 0xffff;
    const struct event_kind *k = type < ARRAY_SIZE(kinds) ? &kinds[type] : NULL;
    char devs[24] = "", doms[24] = "", name[PCI_BDF_STR_LEN];

    if (!k || !k->name)
        return snprintf(buf, len, "event type %#x: %08x %08x %08x %08x",
                        type, ev[0], ev[1], ev[2], ev[3]);
    if (k->has_device)
        snprintf(devs, sizeof(devs), " device %s", pci_bdf_str(name, 0, (uint16_t)dev));
    if (k->has_domain)
        snprintf(doms, sizeof(doms), " domain %u", ev[1] & 0xffff);
    return snprintf(buf, len, "%s%s%s address %#llx flags %#x%s%s", k->name, devs, doms,
                    (unsigned long long)addr, flags,
                    type == AMDVI_EVT_IO_PAGE_FAULT ?
                        (flags & AMDVI_EVT_FLAG_RW ? " (write)" : " (read)") : "",
                    flags & AMDVI_EVT_FLAG_I ? " (interrupt)" : "");
}
