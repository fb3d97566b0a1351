/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI IVRS: where the AMD IOMMUs are and which devices each one covers.
 *
 * The table comes from firmware and is untrusted like every ACPI table
 * (acpi.c checksums it): each block's length is checked against the table,
 * each device entry's against its block, before a byte of it is read. A
 * bad block or entry is logged with its offset and ends that walk; what
 * was parsed before it stays.
 */
#include <asm/iommu_amd.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/unaligned.h>

#define IVRS_HDR_LEN        48      /* ACPI header, IVinfo, reserved */
#define IVRS_IVINFO         36

/* Block header: type, flags, length; then the IVHD fields. */
#define BLK_HDR_LEN         4
#define IVHD_TYPE_LEGACY    0x10
#define IVHD_TYPE_EFR       0x11
#define IVHD_TYPE_ACPI_HID  0x40
#define IVHD_LEGACY_LEN     24
#define IVHD_EFR_LEN        40
#define IVHD_DEVID          4
#define IVHD_CAP            6
#define IVHD_BASE           8
#define IVHD_SEG            16
#define IVHD_INFO           18
#define IVHD_EFR            24
#define IVMD_FIRST          0x20
#define IVMD_LAST           0x22

/* Device entries: the type says the size (4, 8 or variable). */
#define DEV_PAD             0x00
#define DEV_ALL             0x01
#define DEV_SELECT          0x02
#define DEV_RANGE_START     0x03
#define DEV_RANGE_END       0x04
#define DEV_ALIAS_SELECT    0x42
#define DEV_ALIAS_RANGE     0x43
#define DEV_EXT_SELECT      0x46
#define DEV_EXT_RANGE       0x47
#define DEV_SPECIAL         0x48
#define DEV_ACPI_HID        0xf0
#define DEV_SHORT_MAX       0x3f    /* types 0..63 are 4 bytes */
#define DEV_LONG_MAX        0x7f    /* 64..127 are 8 */
#define DEV_HID_FIXED_LEN   22      /* ACPI HID entry before its UID */
#define DEV_HID_UID_LEN     21
#define DEV_DEVID           1

/* The walk of one IVHD's device entries. */
struct dev_walk {
    struct ivrs_iommu *iommu;
    uint8_t *dev_iommu;     /* the info's map, NULL when the block is dropped */
    uint8_t mark;           /* 1 + the IOMMU's index */
    bool in_range;
    uint16_t range_start;
};

static void cover(struct dev_walk *w, uint16_t first, uint16_t last)
{
    struct ivrs_iommu *m = w->iommu;

    if (w->dev_iommu)
        for (uint32_t id = first; id <= last; id++)
            w->dev_iommu[id] = w->mark;
    if (!m->nr_devs || first < m->dev_first)
        m->dev_first = first;
    if (!m->nr_devs || last > m->dev_last)
        m->dev_last = last;
    m->nr_devs += (uint32_t)(last - first) + 1;
}

/* The size of the entry at e (avail bytes left in the block), 0 if bad. */
static uint32_t dev_entry_len(const uint8_t *e, uint32_t avail)
{
    uint32_t len;

    if (e[0] <= DEV_SHORT_MAX)
        len = 4;
    else if (e[0] <= DEV_LONG_MAX)
        len = 8;
    else if (e[0] == DEV_ACPI_HID && avail >= DEV_HID_FIXED_LEN)
        len = DEV_HID_FIXED_LEN + e[DEV_HID_UID_LEN];
    else
        return 0;
    return len <= avail ? len : 0;
}

/* Apply one entry; false if it breaks the rules (an unmatched range end). */
static bool dev_entry(struct dev_walk *w, const uint8_t *e)
{
    uint16_t devid = le16_at(e + DEV_DEVID);

    switch (e[0]) {
    case DEV_ALL:
        cover(w, 0, AMDVI_DEV_IDS - 1);
        break;
    case DEV_SELECT:
    case DEV_ALIAS_SELECT:
    case DEV_EXT_SELECT:
    case DEV_ACPI_HID:
        cover(w, devid, devid);
        break;
    case DEV_SPECIAL:
        w->iommu->nr_special++;
        break;
    case DEV_RANGE_START:
    case DEV_ALIAS_RANGE:
    case DEV_EXT_RANGE:
        if (w->in_range)
            return false;
        w->in_range = true;
        w->range_start = devid;
        break;
    case DEV_RANGE_END:
        if (!w->in_range || devid < w->range_start)
            return false;
        w->in_range = false;
        cover(w, w->range_start, devid);
        break;
    default:
        break;      /* padding and entries that name no device of ours */
    }
    return true;
}

static void dev_entries(const uint8_t *blk, uint32_t blk_off, uint32_t hdr_len,
                        uint32_t blk_len, struct ivrs_iommu *m, int slot,
                        struct ivrs_info *out)
{
    struct dev_walk w = {
        .iommu = m, .dev_iommu = slot >= 0 ? out->dev_iommu : NULL, .mark = (uint8_t)(slot + 1),
    };
    uint32_t off = hdr_len, len;

    while (off < blk_len) {
        len = dev_entry_len(blk + off, blk_len - off);
        if (!len) {
            pr_warn("ivrs: device entry type %#x at offset %u: bad or unknown length "
                    "(%u bytes left in its IVHD)\n", blk[off], blk_off + off, blk_len - off);
            out->nr_errors++;
            return;
        }
        if (!dev_entry(&w, blk + off)) {
            pr_warn("ivrs: device entry type %#x at offset %u: range entry out of order\n",
                    blk[off], blk_off + off);
            out->nr_errors++;
            return;
        }
        off += len;
    }
    if (w.in_range) {
        pr_warn("ivrs: IVHD at offset %u: device range never ended\n", blk_off);
        out->nr_errors++;
    }
}

static uint32_t ivhd_hdr_len(uint8_t type)
{
    switch (type) {
    case IVHD_TYPE_LEGACY:
        return IVHD_LEGACY_LEN;
    case IVHD_TYPE_EFR:
    case IVHD_TYPE_ACPI_HID:
        return IVHD_EFR_LEN;
    default:
        return 0;
    }
}

/* The slot of the IOMMU at base: its earlier block's, or the next free one; -1 if full. */
static int iommu_slot(paddr_t base, const struct ivrs_info *out)
{
    for (unsigned int i = 0; i < out->nr; i++)
        if (out->iommus[i].base == base)
            return (int)i;
    return out->nr < IVRS_MAX_IOMMUS ? (int)out->nr : -1;
}

/* Keep m: a new IOMMU, or richer data (a higher IVHD type) for a known one. */
static void add_iommu(const struct ivrs_iommu *m, int slot, uint32_t blk_off,
                      struct ivrs_info *out)
{
    if (slot < 0) {
        pr_warn("ivrs: IVHD at offset %u: more than %u IOMMUs, ignored\n",
                blk_off, IVRS_MAX_IOMMUS);
        out->nr_errors++;
        return;
    }
    if ((unsigned int)slot == out->nr)
        out->iommus[out->nr++] = *m;
    else if (m->type > out->iommus[slot].type)
        out->iommus[slot] = *m;
}

static void parse_ivhd(const uint8_t *blk, uint32_t blk_off, uint32_t blk_len,
                       struct ivrs_info *out)
{
    uint32_t hdr_len = ivhd_hdr_len(blk[0]);
    struct ivrs_iommu m = { 0 };
    int slot;

    if (blk_len < hdr_len) {
        pr_warn("ivrs: IVHD type %#x at offset %u: length %u is shorter than its header (%u)\n",
                blk[0], blk_off, blk_len, hdr_len);
        out->nr_errors++;
        return;
    }
    m.type = blk[0];
    m.flags = blk[1];
    m.bdf = le16_at(blk + IVHD_DEVID);
    m.cap = le16_at(blk + IVHD_CAP);
    m.base = le64_at(blk + IVHD_BASE);
    m.seg = le16_at(blk + IVHD_SEG);
    m.info = le16_at(blk + IVHD_INFO);
    if (hdr_len == IVHD_EFR_LEN)
        m.efr = le64_at(blk + IVHD_EFR);
    if (!m.base || (m.base & (PAGE_SIZE - 1))) {
        pr_warn("ivrs: IVHD at offset %u: bad MMIO base %#llx\n", blk_off,
                (unsigned long long)m.base);
        out->nr_errors++;
        return;
    }
    slot = iommu_slot(m.base, out);
    dev_entries(blk, blk_off, hdr_len, blk_len, &m, slot, out);
    add_iommu(&m, slot, blk_off, out);
}

int ivrs_parse(const uint8_t *p, uint32_t len, struct ivrs_info *out)
{
    uint32_t off = IVRS_HDR_LEN, blk_len;

    memset(out, 0, sizeof(*out));
    if (!p || len < IVRS_HDR_LEN) {
        pr_warn("ivrs: table too short (%u bytes)\n", len);
        return -EINVAL;
    }
    out->ivinfo = le32_at(p + IVRS_IVINFO);
    while (len - off >= BLK_HDR_LEN) {
        blk_len = le16_at(p + off + 2);
        if (blk_len < BLK_HDR_LEN || blk_len > len - off) {
            pr_warn("ivrs: block type %#x at offset %u: length %u does not fit the table "
                    "(%u bytes)\n", p[off], off, blk_len, len);
            out->nr_errors++;
            break;
        }
        if (ivhd_hdr_len(p[off]))
            parse_ivhd(p + off, off, blk_len, out);
        else if (p[off] >= IVMD_FIRST && p[off] <= IVMD_LAST)
            out->nr_ivmd++;
        off += blk_len;
    }
    if (off < len && len - off < BLK_HDR_LEN) {
        pr_warn("ivrs: %u stray bytes at the end of the table\n", len - off);
        out->nr_errors++;
    }
    return out->nr ? 0 : -ENOENT;
}
