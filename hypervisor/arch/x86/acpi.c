/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few ACPI facts the hypervisor needs: the CPUs (MADT), how to power
 * off (FADT PM1 control blocks and the DSDT's \_S5 package) and how to
 * reset (FADT reset register); and where the AMD IOMMU table (IVRS) is,
 * for ivrs.c.
 *
 * Every table comes from firmware and is treated as untrusted: each is
 * checksummed before use, and every read is bounded by the table's own
 * length. Fields are read a byte at a time, so alignment never matters.
 */
#include <mica/acpi.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/unaligned.h>

#define ACPI_HDR_LEN        36
#define ACPI_MAX_TABLE_LEN  (16u << 20)   /* larger is garbage, not a table */

/* RSDP */
#define RSDP_V1_LEN         20
#define RSDP_V2_LEN         36
#define RSDP_REVISION       15
#define RSDP_RSDT           16
#define RSDP_LENGTH         20
#define RSDP_XSDT           24

/* MADT */
#define MADT_LAPIC_ADDR     36
#define MADT_ENTRIES        44
#define MADT_LAPIC          0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC         9
#define MADT_ENABLED        (1u << 0)

/* FADT */
#define FADT_DSDT           40
#define FADT_PM1A_CNT       64
#define FADT_PM1B_CNT       68
#define FADT_PM_TMR         76
#define FADT_X_PM_TMR       208
#define FADT_TMR_VAL_EXT    (1u << 8)
#define FADT_FLAGS          112
#define FADT_RESET_REG      116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT         140
#define FADT_X_PM1A_CNT     172
#define FADT_X_PM1B_CNT     184
#define FADT_RESET_REG_SUP  (1u << 10)

/* Generic address structure */
#define GAS_LEN             12
#define GAS_SPACE_IO        1
#define GAS_ADDRESS         4

/* AML */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_PACKAGE_OP      0x12

/* A table the checksum has accepted: its bytes and its length. */
struct acpi_table {
    const uint8_t *p;
    uint32_t len;
};

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--)
        sum += *p++;
    return sum;
}

static bool sig_is(const uint8_t *p, const char *sig)
{
    return memcmp(p, sig, 4) == 0;
}

/*
 * Map the table at pa and check its length and checksum. Returns 0,
 * -ENOENT when it cannot be mapped or its length is absurd, -EINVAL on a
 * bad checksum.
 */
static int map_table(paddr_t pa, struct acpi_table *t)
{
    const uint8_t *hdr = pa ? acpi_map(pa, ACPI_HDR_LEN) : NULL;
    uint32_t len;

    if (!hdr)
        return -ENOENT;
    len = le32_at(hdr + 4);
    if (len < ACPI_HDR_LEN || len > ACPI_MAX_TABLE_LEN) {
        pr_warn("acpi: table %.4s at 0x%llx has bad length %u\n",
                (const char *)hdr, (unsigned long long)pa, len);
        return -ENOENT;
    }
    t->p = acpi_map(pa, len);
    t->len = len;
    if (!t->p)
        return -ENOENT;
    if (checksum(t->p, len)) {
        pr_warn("acpi: table %.4s at 0x%llx has a bad checksum\n",
                (const char *)t->p, (unsigned long long)pa);
        return -EINVAL;
    }
    return 0;
}

static void add_cpu(uint32_t apic_id, struct acpi_info *out,
                    unsigned int *dropped)
{
    unsigned int i;

    for (i = 0; i < out->nr_cpus; i++)
        if (out->apic_ids[i] == apic_id)
            return;     /* listed as both LAPIC and x2APIC */
    if (out->nr_cpus == MAX_CPUS) {
        (*dropped)++;
        return;
    }
    out->apic_ids[out->nr_cpus++] = apic_id;
}

static void madt_entry(const uint8_t *e, uint8_t len, struct acpi_info *out,
                       unsigned int *dropped)
{
    switch (e[0]) {
    case MADT_LAPIC:
        if (len >= 8 && (le32_at(e + 4) & MADT_ENABLED))
            add_cpu(e[3], out, dropped);
        break;
    case MADT_X2APIC:
        if (len >= 16 && (le32_at(e + 8) & MADT_ENABLED))
            add_cpu(le32_at(e + 4), out, dropped);
        break;
    case MADT_LAPIC_OVERRIDE:
        if (len >= 12)
            out->lapic_base = le64_at(e + 4);
        break;
    default:
        break;
    }
}

static void parse_madt(const struct acpi_table *t, struct acpi_info *out)
{
    unsigned int dropped = 0;
    uint32_t off = MADT_ENTRIES;
    uint8_t len;

    if (t->len < MADT_ENTRIES) {
        pr_warn("acpi: MADT too short (%u bytes)\n", t->len);
        return;
    }
    out->lapic_base = le32_at(t->p + MADT_LAPIC_ADDR);
    while (t->len - off >= 2) {
        len = t->p[off + 1];
        if (len < 2 || len > t->len - off) {
            pr_warn("acpi: MADT entry at offset %u has bad length %u\n",
                    off, len);
            break;
        }
        madt_entry(t->p + off, len, out, &dropped);
        off += len;
    }
    if (dropped)
        pr_warn("acpi: %u CPUs dropped (max %u)\n", dropped, MAX_CPUS);
}

/* Decode an AML PkgLength at p (at most avail bytes); returns its size or 0. */
static uint32_t aml_pkglen(const uint8_t *p, uint32_t avail, uint32_t *pkglen)
{
    uint32_t n = p[0] >> 6, i, v;

    if (avail < n + 1)
        return 0;
    if (n == 0) {
        *pkglen = p[0] & 0x3f;
        return 1;
    }
    if (p[0] & 0x30)
        return 0;       /* reserved bits of a multi-byte encoding */
    v = p[0] & 0x0f;
    for (i = 1; i <= n; i++)
        v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
    *pkglen = v;
    return n + 1;
}

/* Decode one small integer element; returns the bytes it used or 0. */
static uint32_t aml_int(const uint8_t *p, uint32_t avail, uint16_t *val)
{
    uint32_t v;

    switch (p[0]) {
    case AML_BYTE_PREFIX:
        if (avail < 2)
            return 0;
        *val = p[1];
        return 2;
    case AML_WORD_PREFIX:
        if (avail < 3)
            return 0;
        *val = le16_at(p + 1);
        return 3;
    case AML_DWORD_PREFIX:
        if (avail < 5 || (v = le32_at(p + 1)) > UINT16_MAX)
            return 0;
        *val = (uint16_t)v;
        return 5;
    default:
        /* ZeroOp and OneOp are their own values; so is a bare byte. */
        *val = p[0];
        return 1;
    }
}

/*
 * Parse the package whose PackageOp is at off: PkgLength, NumElements,
 * then the first two elements as SLP_TYPa and SLP_TYPb.
 */
static bool parse_s5_pkg(const struct acpi_table *t, uint32_t off,
                         struct acpi_info *out)
{
    uint32_t start = off + 1, pkglen, used, end;
    uint16_t typ[2];
    unsigned int i;

    used = aml_pkglen(t->p + start, t->len - start, &pkglen);
    if (!used || pkglen < used + 1 || pkglen > t->len - start)
        return false;
    end = start + pkglen;
    off = start + used;
    if (t->p[off++] < 2)
        return false;   /* NumElements */
    for (i = 0; i < 2; i++) {
        if (off >= end)
            return false;
        used = aml_int(t->p + off, end - off, &typ[i]);
        if (!used)
            return false;
        off += used;
    }
    out->slp_typa = typ[0];
    out->slp_typb = typ[1];
    return true;
}

/* Find "_S5_" followed by a PackageOp in the DSDT body and parse it. */
static bool find_s5(const struct acpi_table *t, struct acpi_info *out)
{
    uint32_t off;

    /* Need "_S5_", PackageOp and at least one byte after it. */
    for (off = ACPI_HDR_LEN; t->len - off >= 6; off++) {
        if (!sig_is(t->p + off, "_S5_") || t->p[off + 4] != AML_PACKAGE_OP)
            continue;
        if (parse_s5_pkg(t, off + 4, out))
            return true;
    }
    return false;
}

/* An I/O-space GAS at off in the FADT, if the table is long enough. */
static uint64_t fadt_io_gas(const struct acpi_table *t, uint32_t off)
{
    if (t->len < off + GAS_LEN || t->p[off] != GAS_SPACE_IO)
        return 0;
    return le64_at(t->p + off + GAS_ADDRESS);
}

static uint32_t fadt_pm1_cnt(const struct acpi_table *t, uint32_t legacy,
                             uint32_t x_gas)
{
    uint64_t port = fadt_io_gas(t, x_gas);

    if (port && port <= UINT16_MAX)
        return (uint32_t)port;
    if (t->len < legacy + 4)
        return 0;
    return le32_at(t->p + legacy);
}

static void fadt_reset(const struct acpi_table *t, struct acpi_info *out)
{
    uint64_t port;

    if (t->len < FADT_RESET_VALUE + 1 ||
        !(le32_at(t->p + FADT_FLAGS) & FADT_RESET_REG_SUP))
        return;
    port = fadt_io_gas(t, FADT_RESET_REG);
    if (!port || port > UINT16_MAX)
        return;
    out->have_reset = true;
    out->reset_port = (uint16_t)port;
    out->reset_value = t->p[FADT_RESET_VALUE];
}

static paddr_t fadt_dsdt(const struct acpi_table *t)
{
    uint64_t x_dsdt = 0;

    if (t->len >= FADT_X_DSDT + 8)
        x_dsdt = le64_at(t->p + FADT_X_DSDT);
    if (x_dsdt)
        return x_dsdt;
    if (t->len < FADT_DSDT + 4)
        return 0;
    return le32_at(t->p + FADT_DSDT);
}

static void parse_fadt(const struct acpi_table *t, struct acpi_info *out)
{
    paddr_t dsdt_pa = fadt_dsdt(t);
    struct acpi_table dsdt;

    out->pm1a_cnt = fadt_pm1_cnt(t, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
    out->pm1b_cnt = fadt_pm1_cnt(t, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
    out->pm_tmr_port = fadt_pm1_cnt(t, FADT_PM_TMR, FADT_X_PM_TMR);
    if (out->pm_tmr_port > 0xfffc)
        out->pm_tmr_port = 0;
    out->pm_tmr_32bit = t->len >= FADT_FLAGS + 4 && (le32_at(t->p + FADT_FLAGS) & FADT_TMR_VAL_EXT);
    fadt_reset(t, out);
    if (map_table(dsdt_pa, &dsdt) || !sig_is(dsdt.p, "DSDT")) {
        pr_warn("acpi: no valid DSDT at 0x%llx\n", (unsigned long long)dsdt_pa);
        return;
    }
    if (!find_s5(&dsdt, out)) {
        pr_warn("acpi: no \\_S5 package in the DSDT\n");
        return;
    }
    out->have_s5 = out->pm1a_cnt != 0;
}

/* Check the RSDP and return the root table's address and entry size. */
static int parse_rsdp(const uint8_t *r, size_t len, paddr_t *root,
                      uint32_t *entry_size)
{
    uint32_t v2_len;

    if (!r || len < RSDP_V1_LEN || memcmp(r, "RSD PTR ", 8))
        return -ENOENT;
    if (checksum(r, RSDP_V1_LEN))
        return -EINVAL;
    if (r[RSDP_REVISION] >= 2 && len >= RSDP_V2_LEN) {
        v2_len = le32_at(r + RSDP_LENGTH);
        if (v2_len < RSDP_V2_LEN || v2_len > len || checksum(r, v2_len))
            return -EINVAL;
        *root = le64_at(r + RSDP_XSDT);
        *entry_size = 8;
        if (*root)
            return 0;
    }
    *root = le32_at(r + RSDP_RSDT);
    *entry_size = 4;
    return *root ? 0 : -ENOENT;
}

static void parse_table(paddr_t pa, struct acpi_info *out, bool *seen_madt,
                        bool *seen_fadt)
{
    struct acpi_table t;

    if (map_table(pa, &t))
        return;     /* reported by map_table, or nothing there */
    if (sig_is(t.p, "APIC") && !*seen_madt) {
        *seen_madt = true;
        parse_madt(&t, out);
    } else if (sig_is(t.p, "FACP") && !*seen_fadt) {
        *seen_fadt = true;
        parse_fadt(&t, out);
    } else if (sig_is(t.p, "IVRS") && !out->ivrs) {
        out->ivrs = t.p;        /* parsed by ivrs.c, bounded by ivrs_len */
        out->ivrs_len = t.len;
    }
}

int acpi_parse(const void *rsdp, size_t rsdp_len, struct acpi_info *out)
{
    bool seen_madt = false, seen_fadt = false;
    uint32_t entry_size, off;
    struct acpi_table root;
    const uint8_t *e;
    paddr_t root_pa;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_rsdp(rsdp, rsdp_len, &root_pa, &entry_size);
    if (rc) {
        pr_err("acpi: no valid RSDP (%d)\n", rc);
        return rc;
    }
    rc = map_table(root_pa, &root);
    if (!rc && !sig_is(root.p, entry_size == 8 ? "XSDT" : "RSDT"))
        rc = -ENOENT;
    if (rc) {
        pr_err("acpi: no valid root table at 0x%llx (%d)\n",
               (unsigned long long)root_pa, rc);
        return rc;
    }
    for (off = ACPI_HDR_LEN; root.len - off >= entry_size; off += entry_size) {
        e = root.p + off;
        parse_table(entry_size == 8 ? le64_at(e) : le32_at(e), out,
                    &seen_madt, &seen_fadt);
    }
    return 0;
}
