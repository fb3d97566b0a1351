/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building dom0's ACPI tables (asm/acpi_build.h): what they describe must
 * match what the device models emulate, so every number comes from
 * asm/vplatform.h. Tables are written a byte at a time (little-endian), so
 * neither the buffer's alignment nor the host's struct layout matters.
 *
 * Layout in the buffer, each table 16-byte aligned:
 *   RSDP | XSDT | FADT | MADT | DSDT
 */
#include <asm/acpi_build.h>
#include <asm/vplatform.h>
#include <mica/errno.h>
#include <mica/lib.h>

#define TABLE_ALIGN         16

/* System description table header (ACPI 6.3 §5.2.6) */
#define HDR_SIGNATURE       0
#define HDR_LENGTH          4
#define HDR_REVISION        8
#define HDR_CHECKSUM        9
#define HDR_OEM_ID          10
#define HDR_OEM_TABLE_ID    16
#define HDR_OEM_REVISION    24
#define HDR_CREATOR_ID      28
#define HDR_CREATOR_REV     32
#define HDR_LEN             36

#define OEM_ID              "MICA  "        /* 6 bytes */
#define OEM_TABLE_ID        "MICAVM  "      /* 8 bytes */
#define OEM_REVISION        1
#define CREATOR_ID          "MICA"
#define CREATOR_REVISION    1

/* RSDP (§5.2.5.3) */
#define RSDP_SIGNATURE      0               /* "RSD PTR " */
#define RSDP_CHECKSUM       8               /* over the first 20 bytes */
#define RSDP_OEM_ID         9
#define RSDP_REVISION       15
#define RSDP_RSDT           16              /* 0: XSDT only */
#define RSDP_LENGTH         20
#define RSDP_XSDT           24
#define RSDP_XCHECKSUM      32              /* over all 36 bytes */
#define RSDP_V1_LEN         20
#define RSDP_LEN            36
#define RSDP_REV_ACPI2      2

/* XSDT (§5.2.8): header, then 8-byte table addresses */
#define XSDT_REVISION       1
#define XSDT_NR_ENTRIES     2               /* FADT, MADT */

/* FADT (§5.2.9, Table 5.9) */
#define FADT_LEN            276
#define FADT_REVISION       6
#define FADT_MINOR          3               /* ACPI 6.3 */
#define FADT_DSDT           40              /* 32-bit, same as X_DSDT */
#define FADT_SCI_INT        46              /* 0: no SCI (HW-reduced) */
#define FADT_PM_TMR         76              /* 32-bit port, and X_PM_TMR below */
#define FADT_PM_TMR_LEN     91
#define FADT_X_PM_TMR       208             /* GAS */
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_RESET_REG      116             /* GAS */
#define FADT_RESET_VALUE    128
#define FADT_MINOR_VERSION  131
#define FADT_X_DSDT         140
#define FADT_SLEEP_CONTROL  244             /* GAS */
#define FADT_SLEEP_STATUS   256             /* GAS */
#define FADT_HYPERVISOR_ID  268             /* 8 bytes */

#define FADT_F_PWR_BUTTON   (1u << 4)       /* no fixed-feature power button */
#define FADT_F_SLP_BUTTON   (1u << 5)       /* no fixed-feature sleep button */
#define FADT_F_RESET_REG    (1u << 10)      /* RESET_REG_SUP */
#define FADT_F_HW_REDUCED   (1u << 20)      /* HW_REDUCED_ACPI */
#define FADT_F_TMR_VAL_EXT  (1u << 8)       /* the PM timer has 32 bits */
#define FADT_FLAGS_MICA     (FADT_F_HW_REDUCED | FADT_F_RESET_REG | \
                             FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON)
#define BOOT_ARCH_NO_VGA    (1u << 2)       /* 8042 (bit 1) clear; RTC present */

/* Generic address structure (§5.2.3.2) */
#define GAS_SPACE_ID        0
#define GAS_BIT_WIDTH       1
#define GAS_BIT_OFFSET      2
#define GAS_ACCESS_SIZE     3
#define GAS_ADDRESS         4
#define GAS_SPACE_IO        1
#define GAS_ACCESS_BYTE     1

/* MADT (§5.2.12) */
#define MADT_REVISION       5               /* ACPI 6.3 */
#define MADT_LAPIC_ADDR     36
#define MADT_FLAGS          40              /* 0: no PCAT_COMPAT (no 8259) */
#define MADT_ENTRIES        44
#define MADT_LAPIC          0               /* Processor Local APIC entry */
#define MADT_LAPIC_LEN      8
#define LAPIC_TYPE          0
#define LAPIC_LENGTH        1
#define LAPIC_UID           2
#define LAPIC_APIC_ID       3
#define LAPIC_FLAGS         4
#define LAPIC_ENABLED       (1u << 0)
#define MADT_IOAPIC         1               /* I/O APIC entry (§5.2.12.3) */
#define MADT_IOAPIC_LEN     12
#define IOAPIC_TYPE         0
#define IOAPIC_LENGTH       1
#define IOAPIC_ID           2
#define IOAPIC_ADDRESS      4
#define IOAPIC_GSI_BASE     8

/* DSDT: revision 2 makes AML integers 64-bit */
#define DSDT_REVISION       2

/* AML opcodes (§20.3) */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_QWORD_PREFIX    0x0e
#define AML_SCOPE_OP        0x10
#define AML_BUFFER_OP       0x11
#define AML_PACKAGE_OP      0x12
#define AML_EXT_OP_PREFIX   0x5b
#define AML_DEVICE_OP       0x82            /* after AML_EXT_OP_PREFIX */

/* Small resource descriptors (§6.4.2) */
#define RES_IO              0x47            /* I/O port descriptor, 7 bytes of data */
#define RES_IO_DECODE16     0x01
#define RES_IRQ_NOFLAGS     0x22            /* IRQ descriptor, 2 bytes: edge, active-high */
#define RES_END_TAG         0x79            /* end tag, 1 byte of data */
#define RES_END_CHECKSUM    0x00            /* 0: "treat as valid", as iasl emits */
#define COM1_PORTS          8

/* Large resource descriptors (§6.4.3): the bus range of the PCI host bridge */
#define RES_WORD_ADDRESS    0x88            /* Word Address Space Descriptor */
#define RES_WORD_ADDR_LEN   13              /* bytes after the 3-byte header */
#define RES_TYPE_BUS        2               /* bus number range */
#define RES_TYPE_IO         1
#define RES_DWORD_ADDRESS   0x87            /* DWord Address Space Descriptor */
#define RES_DWORD_ADDR_LEN  23
#define RES_TYPE_MEMORY     0
#define RES_MEM_RW          0x01            /* read-write, non-cacheable */
#define RES_IO_ENTIRE_RANGE 0x03            /* ISA and non-ISA ports */
#define RES_FLAG_MIN_FIXED  (1u << 2)
#define RES_FLAG_MAX_FIXED  (1u << 3)       /* producer (bit 0 clear), positive decode */
#define PCI_BUS_FIRST       0
#define PCI_CONF_PORT       0xcf8           /* configuration mechanism 1 */
#define PCI_CONF_PORTS      8

/* ---- little-endian stores, a byte at a time ---- */

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}

/* Set the checksum byte at p[at] so that the len bytes at p sum to 0. */
static void set_checksum(uint8_t *p, size_t len, size_t at)
{
    p[at] = 0;
    p[at] = (uint8_t)-sum8(p, len);
}

/* ---- the buffer: tables claimed one after another ---- */

struct builder {
    uint8_t *buf;
    size_t len;
    size_t pos;         /* end of the last claimed table */
};

/* Claim n zeroed bytes at the next aligned offset; false when they do not fit. */
static bool claim(struct builder *b, size_t n, size_t *off)
{
    size_t at = ALIGN_UP(b->pos, (size_t)TABLE_ALIGN);

    if (at > b->len || n > b->len - at)
        return false;
    memset(b->buf + b->pos, 0, at + n - b->pos);
    b->pos = at + n;
    *off = at;
    return true;
}

static void put_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t + HDR_SIGNATURE, sig, 4);
    wr32(t + HDR_LENGTH, len);
    t[HDR_REVISION] = rev;
    memcpy(t + HDR_OEM_ID, OEM_ID, 6);
    memcpy(t + HDR_OEM_TABLE_ID, OEM_TABLE_ID, 8);
    wr32(t + HDR_OEM_REVISION, OEM_REVISION);
    memcpy(t + HDR_CREATOR_ID, CREATOR_ID, 4);
    wr32(t + HDR_CREATOR_REV, CREATOR_REVISION);
}

static void finish_table(uint8_t *t, uint32_t len)
{
    set_checksum(t, len, HDR_CHECKSUM);
}

/* ---- AML, emitted with bounds checks; overflow shows as pos > cap ---- */

struct aml {
    uint8_t *p;
    size_t cap;
    size_t pos;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
    if (a->pos <= a->cap && n <= a->cap - a->pos)
        memcpy(a->p + a->pos, src, n);
    a->pos += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

/* Start a PkgLength-prefixed body: one placeholder byte, fixed up by aml_close. */
static size_t aml_open(struct aml *a)
{
    size_t at = a->pos;

    aml_byte(a, 0);
    return at;
}

/* Bytes a PkgLength needs for a body of this size (the encoding counts itself). */
static unsigned int pkglen_bytes(size_t body)
{
    if (body + 1 <= 0x3f)
        return 1;
    if (body + 2 <= 0xfff)
        return 2;
    if (body + 3 <= 0xfffff)
        return 3;
    return 4;
}

/*
 * Encode the PkgLength opened at `at` (§20.2.4): one byte for lengths up to
 * 63, else a lead byte with the count of following bytes in bits 7:6 and
 * the low nibble in bits 3:0, then the rest 8 bits at a time.
 */
static void aml_close(struct aml *a, size_t at)
{
    size_t body = a->pos - at - 1;
    unsigned int n = pkglen_bytes(body), i;
    uint32_t len = (uint32_t)(body + n);

    a->pos += n - 1;
    if (a->pos > a->cap)
        return;
    memmove(a->p + at + n, a->p + at + 1, body);
    if (n == 1) {
        a->p[at] = (uint8_t)len;
        return;
    }
    a->p[at] = (uint8_t)((n - 1) << 6 | (len & 0x0f));
    for (i = 1; i < n; i++)
        a->p[at + i] = (uint8_t)(len >> (4 + 8 * (i - 1)));
}

/* The shortest AML encoding of an integer constant. */
static void aml_integer(struct aml *a, uint64_t v)
{
    uint8_t le[8];

    if (v == 0 || v == 1) {
        aml_byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
        return;
    }
    wr64(le, v);
    if (v <= 0xff) {
        aml_byte(a, AML_BYTE_PREFIX);
        aml_bytes(a, le, 1);
    } else if (v <= 0xffff) {
        aml_byte(a, AML_WORD_PREFIX);
        aml_bytes(a, le, 2);
    } else if (v <= 0xffffffff) {
        aml_byte(a, AML_DWORD_PREFIX);
        aml_bytes(a, le, 4);
    } else {
        aml_byte(a, AML_QWORD_PREFIX);
        aml_bytes(a, le, 8);
    }
}

/* Name(name, ...): the caller emits the object next. */
static void aml_name(struct aml *a, const char *name)
{
    aml_byte(a, AML_NAME_OP);
    aml_bytes(a, name, strlen(name));
}

static uint8_t hex_digit(char c)
{
    return (uint8_t)(c <= '9' ? c - '0' : c - 'A' + 10);
}

/*
 * EisaId("AAA####") as iasl compiles it: a DWordConst whose bytes, in
 * memory order, are the three letters in 5 bits each (A = 1) behind a zero
 * bit, then the four hex digits.
 */
static void aml_eisa_id(struct aml *a, const char *id)
{
    uint16_t letters = (uint16_t)((id[0] - '@') << 10 | (id[1] - '@') << 5 |
                                  (id[2] - '@'));
    uint8_t bytes[4] = {
        (uint8_t)(letters >> 8), (uint8_t)letters,
        (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4])),
        (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6])),
    };

    aml_byte(a, AML_DWORD_PREFIX);
    aml_bytes(a, bytes, sizeof(bytes));
}

/*
 * COM1's ResourceTemplate(){ IO(Decode16, port, port, 0, n) IRQNoFlags(){gsi} }:
 * a Buffer. An ISA IRQ without an interrupt source override is the GSI of
 * the same number, edge-triggered and active-high.
 */
static void aml_com1_resources(struct aml *a, uint16_t port, uint8_t n, unsigned int gsi)
{
    uint8_t res[] = {
        RES_IO, RES_IO_DECODE16,
        (uint8_t)port, (uint8_t)(port >> 8),    /* minimum */
        (uint8_t)port, (uint8_t)(port >> 8),    /* maximum */
        0,                                      /* alignment: fixed range */
        n,                                      /* length */
        RES_IRQ_NOFLAGS,
        (uint8_t)(1u << gsi), (uint8_t)((1u << gsi) >> 8),   /* IRQ mask */
        RES_END_TAG, RES_END_CHECKSUM,
    };
    size_t pkg;

    aml_byte(a, AML_BUFFER_OP);
    pkg = aml_open(a);
    aml_integer(a, sizeof(res));                /* BufferSize */
    aml_bytes(a, res, sizeof(res));
    aml_close(a, pkg);
}

/* The two open packages of Scope(\_SB){ Device(NAME){ ... } }. */
struct aml_sb_device {
    size_t scope, dev;
};

/* Scope(\_SB){ Device(name){ _HID hid, _UID 0, then what the caller adds. */
static void aml_sb_device_open(struct aml *a, struct aml_sb_device *d, const char name[4],
                               const char *hid)
{
    aml_byte(a, AML_SCOPE_OP);
    d->scope = aml_open(a);
    aml_bytes(a, "\\_SB_", 5);
    aml_byte(a, AML_EXT_OP_PREFIX);
    aml_byte(a, AML_DEVICE_OP);
    d->dev = aml_open(a);
    aml_bytes(a, name, 4);
    aml_name(a, "_HID");
    aml_eisa_id(a, hid);
    aml_name(a, "_UID");
    aml_integer(a, 0);
}

static void aml_sb_device_close(struct aml *a, const struct aml_sb_device *d)
{
    aml_close(a, d->dev);
    aml_close(a, d->scope);
}

/* Scope(\_SB){ Device(COM1){ _HID PNP0501, _UID 0, _CRS: the ports and IRQ 4 } } */
static void aml_com1(struct aml *a)
{
    struct aml_sb_device d;

    aml_sb_device_open(a, &d, "COM1", "PNP0501");
    aml_name(a, "_CRS");
    aml_com1_resources(a, VPLAT_COM1_PORT, COM1_PORTS, VPLAT_COM1_GSI);
    aml_sb_device_close(a, &d);
}

/*
 * Scope(\_SB){ Device(PCI0){ _HID PNP0A03, _UID 0, _BBN 0, _CRS: bus 0 only
 * and the configuration ports } }: the host bridge Linux scans bus 0 under
 * (public/platform.h). No windows: the devices on it have no BARs. No _PRT:
 * no INTx either, the platform device uses MSI.
 */
/* WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len) */
static size_t put_word_io(uint8_t *r, uint16_t min, uint16_t max)
{
    const uint8_t d[] = {
        RES_WORD_ADDRESS, RES_WORD_ADDR_LEN, 0,
        RES_TYPE_IO, RES_FLAG_MIN_FIXED | RES_FLAG_MAX_FIXED, RES_IO_ENTIRE_RANGE,
        0, 0, (uint8_t)min, (uint8_t)(min >> 8), (uint8_t)max, (uint8_t)(max >> 8), 0, 0,
        (uint8_t)(max - min + 1), (uint8_t)((max - min + 1) >> 8),
    };

    memcpy(r, d, sizeof(d));
    return sizeof(d);
}

/* DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, ...) */
static size_t put_dword_mem(uint8_t *r, uint32_t base, uint32_t len)
{
    r[0] = RES_DWORD_ADDRESS;
    r[1] = RES_DWORD_ADDR_LEN;
    r[2] = 0;
    r[3] = RES_TYPE_MEMORY;
    r[4] = RES_FLAG_MIN_FIXED | RES_FLAG_MAX_FIXED;
    r[5] = RES_MEM_RW;
    wr32(r + 6, 0);                             /* granularity */
    wr32(r + 10, base);
    wr32(r + 14, base + len - 1);
    wr32(r + 18, 0);                            /* translation offset */
    wr32(r + 22, len);
    return 3 + RES_DWORD_ADDR_LEN;
}

/*
 * dom0_pci=view: after the bus range and the configuration ports, the
 * windows the physical functions' BARs sit in (the I/O ports around the
 * configuration ones, as PC firmware has them, and one memory range).
 */
static size_t pci0_windows(const struct acpi_build_config *c, uint8_t *r)
{
    size_t n = 0;

    if (!c->mmio_window_len)
        return 0;
    n += put_word_io(r + n, 0, PCI_CONF_PORT - 1);
    n += put_word_io(r + n, PCI_CONF_PORT + PCI_CONF_PORTS, 0xffff);
    n += put_dword_mem(r + n, c->mmio_window_base, c->mmio_window_len);
    return n;
}

static void aml_pci0(struct aml *a, const struct acpi_build_config *c)
{
    static const uint8_t crs[] = {
        RES_WORD_ADDRESS, RES_WORD_ADDR_LEN, 0,
        RES_TYPE_BUS, RES_FLAG_MIN_FIXED | RES_FLAG_MAX_FIXED, 0,
        0, 0,                                   /* granularity */
        PCI_BUS_FIRST, 0,                       /* minimum */
        PCI_BUS_FIRST, 0,                       /* maximum */
        0, 0,                                   /* translation offset */
        1, 0,                                   /* length: one bus */
        RES_IO, RES_IO_DECODE16,
        PCI_CONF_PORT & 0xff, PCI_CONF_PORT >> 8,
        PCI_CONF_PORT & 0xff, PCI_CONF_PORT >> 8,
        1, PCI_CONF_PORTS,
    };
    static const uint8_t end[] = { RES_END_TAG, RES_END_CHECKSUM };
    uint8_t win[2 * 16 + 3 + RES_DWORD_ADDR_LEN];
    size_t nwin = pci0_windows(c, win);
    struct aml_sb_device d;
    size_t buf;

    aml_sb_device_open(a, &d, "PCI0", "PNP0A03");
    aml_name(a, "_BBN");
    aml_integer(a, PCI_BUS_FIRST);
    aml_name(a, "_CRS");
    aml_byte(a, AML_BUFFER_OP);
    buf = aml_open(a);
    aml_integer(a, sizeof(crs) + nwin + sizeof(end));
    aml_bytes(a, crs, sizeof(crs));
    aml_bytes(a, win, nwin);
    aml_bytes(a, end, sizeof(end));
    aml_close(a, buf);
    aml_sb_device_close(a, &d);
}

/* Name(\_S5, Package(){ SLP_TYPa, SLP_TYPb, 0, 0 }) */
static void aml_s5(struct aml *a)
{
    static const uint64_t elems[] = { VPLAT_S5_SLP_TYP, VPLAT_S5_SLP_TYP, 0, 0 };
    size_t pkg, i;

    aml_name(a, "\\_S5_");
    aml_byte(a, AML_PACKAGE_OP);
    pkg = aml_open(a);
    aml_byte(a, ARRAY_SIZE(elems));             /* NumElements */
    for (i = 0; i < ARRAY_SIZE(elems); i++)
        aml_integer(a, elems[i]);
    aml_close(a, pkg);
}

/* ---- the tables ---- */

static bool build_dsdt(struct builder *b, const struct acpi_build_config *c, size_t *off)
{
    struct aml a;
    uint8_t *t;

    if (!claim(b, HDR_LEN, off))
        return false;
    a = (struct aml){ .p = b->buf + b->pos, .cap = b->len - b->pos };
    aml_com1(&a);
    aml_s5(&a);
    aml_pci0(&a, c);
    if (a.pos > a.cap)
        return false;
    b->pos += a.pos;
    t = b->buf + *off;
    put_header(t, "DSDT", (uint32_t)(HDR_LEN + a.pos), DSDT_REVISION);
    finish_table(t, (uint32_t)(HDR_LEN + a.pos));
    return true;
}

static uint32_t madt_len(unsigned int nr_vcpus)
{
    return MADT_ENTRIES + nr_vcpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN;
}

/* The one I/O APIC: GSIs 0-23 from base 0, so ISA IRQ n is GSI n. */
static void put_madt_ioapic(uint8_t *e)
{
    e[IOAPIC_TYPE] = MADT_IOAPIC;
    e[IOAPIC_LENGTH] = MADT_IOAPIC_LEN;
    e[IOAPIC_ID] = VPLAT_IOAPIC_ID;
    wr32(e + IOAPIC_ADDRESS, VPLAT_IOAPIC_BASE);
    wr32(e + IOAPIC_GSI_BASE, 0);
}

static void build_madt(uint8_t *t, unsigned int nr_vcpus)
{
    uint32_t len = madt_len(nr_vcpus);
    uint8_t *e = t + MADT_ENTRIES;
    unsigned int i;

    put_header(t, "APIC", len, MADT_REVISION);
    wr32(t + MADT_LAPIC_ADDR, VPLAT_LAPIC_BASE);
    wr32(t + MADT_FLAGS, 0);
    for (i = 0; i < nr_vcpus; i++, e += MADT_LAPIC_LEN) {
        e[LAPIC_TYPE] = MADT_LAPIC;
        e[LAPIC_LENGTH] = MADT_LAPIC_LEN;
        e[LAPIC_UID] = (uint8_t)i;
        e[LAPIC_APIC_ID] = (uint8_t)i;
        wr32(e + LAPIC_FLAGS, LAPIC_ENABLED);
    }
    put_madt_ioapic(e);
    finish_table(t, len);
}

/* An 8-bit, byte-accessed I/O register. */
static void put_io_gas(uint8_t *gas, uint16_t port)
{
    gas[GAS_SPACE_ID] = GAS_SPACE_IO;
    gas[GAS_BIT_WIDTH] = 8;
    gas[GAS_BIT_OFFSET] = 0;
    gas[GAS_ACCESS_SIZE] = GAS_ACCESS_BYTE;
    wr64(gas + GAS_ADDRESS, port);
}

/*
 * The machine's own ACPI PM timer, which dom0 reads directly: Linux needs a
 * TSC calibration reference that a VM exit per read cannot disturb.
 */
static void put_pm_timer(uint8_t *t, const struct acpi_build_config *c)
{
    uint8_t *gas = t + FADT_X_PM_TMR;

    if (!c->pm_tmr_port)
        return;
    wr32(t + FADT_PM_TMR, c->pm_tmr_port);
    t[FADT_PM_TMR_LEN] = 4;
    gas[GAS_SPACE_ID] = GAS_SPACE_IO;
    gas[GAS_BIT_WIDTH] = 32;
    gas[GAS_BIT_OFFSET] = 0;
    gas[GAS_ACCESS_SIZE] = 3;                     /* dword */
    wr64(gas + GAS_ADDRESS, c->pm_tmr_port);
    if (c->pm_tmr_32bit)
        wr32(t + FADT_FLAGS, FADT_FLAGS_MICA | FADT_F_TMR_VAL_EXT);
}

static void build_fadt(uint8_t *t, uint64_t dsdt_gpa, const struct acpi_build_config *c)
{
    put_header(t, "FACP", FADT_LEN, FADT_REVISION);
    wr32(t + FADT_DSDT, (uint32_t)dsdt_gpa);
    wr16(t + FADT_SCI_INT, 0);
    wr16(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_NO_VGA);
    wr32(t + FADT_FLAGS, FADT_FLAGS_MICA);
    put_io_gas(t + FADT_RESET_REG, VPLAT_RESET_PORT);
    t[FADT_RESET_VALUE] = VPLAT_RESET_VALUE;
    t[FADT_MINOR_VERSION] = FADT_MINOR;
    wr64(t + FADT_X_DSDT, dsdt_gpa);
    put_io_gas(t + FADT_SLEEP_CONTROL, VPLAT_SLEEP_CTL_PORT);
    put_io_gas(t + FADT_SLEEP_STATUS, VPLAT_SLEEP_STS_PORT);
    memcpy(t + FADT_HYPERVISOR_ID, "Mica", 4);
    put_pm_timer(t, c);
    finish_table(t, FADT_LEN);
}

static void build_xsdt(uint8_t *t, const uint64_t *entries)
{
    uint32_t len = HDR_LEN + XSDT_NR_ENTRIES * 8;
    unsigned int i;

    put_header(t, "XSDT", len, XSDT_REVISION);
    for (i = 0; i < XSDT_NR_ENTRIES; i++)
        wr64(t + HDR_LEN + i * 8, entries[i]);
    finish_table(t, len);
}

static void build_rsdp(uint8_t *r, uint64_t xsdt_gpa)
{
    memcpy(r + RSDP_SIGNATURE, "RSD PTR ", 8);
    memcpy(r + RSDP_OEM_ID, OEM_ID, 6);
    r[RSDP_REVISION] = RSDP_REV_ACPI2;
    wr32(r + RSDP_RSDT, 0);
    wr32(r + RSDP_LENGTH, RSDP_LEN);
    wr64(r + RSDP_XSDT, xsdt_gpa);
    set_checksum(r, RSDP_V1_LEN, RSDP_CHECKSUM);
    set_checksum(r, RSDP_LEN, RSDP_XCHECKSUM);
}

static int check_config(const struct acpi_build_config *c, size_t len,
                        uint64_t base_gpa)
{
    if (c->nr_vcpus == 0 || c->nr_vcpus > ACPI_BUILD_MAX_VCPUS)
        return -EINVAL;
    if (base_gpa % TABLE_ALIGN || base_gpa >= (1ull << 32) ||
        MIN(len, (size_t)VPLAT_ACPI_MAX) > (1ull << 32) - base_gpa)
        return -EINVAL;
    if (c->mmio_window_len && c->mmio_window_len > (1ull << 32) - c->mmio_window_base)
        return -EINVAL;     /* a window past 4 GiB */
    return 0;
}

long acpi_build(const struct acpi_build_config *c, void *buf, size_t len,
                uint64_t base_gpa, uint64_t *rsdp_gpa)
{
    struct builder b = { .buf = buf, .len = len };
    size_t rsdp, xsdt, fadt, madt, dsdt;
    uint64_t entries[XSDT_NR_ENTRIES];
    int rc = check_config(c, len, base_gpa);

    if (rc)
        return rc;
    if (!claim(&b, RSDP_LEN, &rsdp) ||
        !claim(&b, HDR_LEN + XSDT_NR_ENTRIES * 8, &xsdt) ||
        !claim(&b, FADT_LEN, &fadt) ||
        !claim(&b, madt_len(c->nr_vcpus), &madt) ||
        !build_dsdt(&b, c, &dsdt))
        return -ENOSPC;
    if (b.pos > VPLAT_ACPI_MAX)
        return -ENOSPC;
    build_madt(b.buf + madt, c->nr_vcpus);
    build_fadt(b.buf + fadt, base_gpa + dsdt, c);
    entries[0] = base_gpa + fadt;
    entries[1] = base_gpa + madt;
    build_xsdt(b.buf + xsdt, entries);
    build_rsdp(b.buf + rsdp, base_gpa + xsdt);
    *rsdp_gpa = base_gpa + rsdp;
    return (long)b.pos;
}
