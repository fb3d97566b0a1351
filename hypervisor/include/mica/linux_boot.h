/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading a Linux bzImage through the 64-bit boot protocol
 * (Documentation/x86/boot.rst, zero-page.rst): the pure parts, checking the
 * image, planning where its pieces go in guest RAM, and filling the zero
 * page (boot_params). The domain builder does the copying and the vCPU:
 *
 *   1. linux_image_parse() the image; linux_plan() the layout.
 *   2. Set l->cmdline_len (bytes, without the NUL) and, if the RSDP is not
 *      at VPLAT_ACPI_GPA (linux_plan's default), l->rsdp_gpa (0: let Linux
 *      scan 0xE0000-0xFFFFF).
 *   3. Copy img->payload (payload_size bytes) to l->kernel_gpa, the initrd
 *      to l->initrd_gpa, the NUL-terminated command line to l->cmdline_gpa,
 *      and the zero page from linux_boot_params() to VPLAT_ZERO_PAGE_GPA.
 *   4. Enter in long mode, paging on, IF = 0, with a flat GDT holding
 *      __BOOT_CS = 0x10 (64-bit code) and __BOOT_DS = 0x18 (DS/ES/SS), an
 *      identity map covering [kernel_gpa, kernel_gpa + kernel_span), the
 *      zero page and the command line, and
 *          RIP = l->kernel_gpa + LINUX_ENTRY_64, RSI = VPLAT_ZERO_PAGE_GPA.
 */
#ifndef MICA_LINUX_BOOT_H
#define MICA_LINUX_BOOT_H

#include <mica/types.h>

#define LINUX_ENTRY_64          0x200       /* startup_64: payload + 0x200 */
#define LINUX_ZERO_PAGE_SIZE    4096
#define LINUX_CMDLINE_SPACE     0x1000      /* bytes at VPLAT_CMDLINE_GPA, NUL included */
#define LINUX_MIN_VERSION       0x020c      /* boot protocol 2.12: xloadflags */
/*
 * Most RAM linux_plan() accepts: the e820 map is one RAM range from 1 MiB,
 * with no hole, so it must end below the I/O APIC page (VPLAT_IOAPIC_BASE;
 * the local APICs' page follows it).
 */
#define LINUX_RAM_MAX           0xfec00000ull

/* xloadflags (setup header 0x236) */
#define LINUX_XLF_KERNEL_64     (1u << 0)   /* 64-bit entry at payload + 0x200 */

struct linux_image {
    const uint8_t *data;        /* the whole bzImage */
    size_t size;
    uint16_t version;           /* boot protocol, e.g. 0x020f */
    uint32_t setup_bytes;       /* ((setup_sects or 4) + 1) * 512 */
    uint32_t header_end;        /* 0x202 + byte[0x201]: end of the setup header */
    const uint8_t *payload;     /* data + setup_bytes: the protected-mode kernel */
    size_t payload_size;
    uint64_t pref_address;      /* preferred load address (16 MiB for Debian) */
    uint32_t kernel_alignment;  /* a power of two (2 MiB for Debian) */
    uint32_t init_size;         /* bytes the kernel needs from its load address */
    uint16_t xloadflags;
    uint32_t initrd_addr_max;   /* highest byte the initrd may occupy */
    uint32_t cmdline_size;      /* longest command line, NUL excluded */
    bool relocatable;
};

struct linux_layout {
    uint64_t ram_bytes;         /* guest RAM is [0, ram_bytes), less the e820 hole */
    uint64_t kernel_gpa;        /* where the payload goes */
    uint64_t kernel_span;       /* max(init_size, payload_size), page-rounded */
    uint64_t initrd_gpa, initrd_size;   /* 0, 0 without an initrd */
    uint64_t cmdline_gpa;       /* VPLAT_CMDLINE_GPA */
    uint32_t cmdline_len;       /* set by the caller; NUL excluded */
    uint64_t rsdp_gpa;          /* VPLAT_ACPI_GPA by default; the caller may change it */
};

/* Cheap test: does this look like a bzImage at all ("HdrS", boot flag)? */
bool linux_image_probe(const void *data, size_t size);

/*
 * Check the image and fill img (pointing into data, which must stay
 * valid). Returns 0, or -EINVAL with *why saying what is wrong: not a
 * bzImage, protocol older than 2.12, no 64-bit entry, truncated, or a
 * nonsensical setup header.
 */
int linux_image_parse(const void *data, size_t size, struct linux_image *img,
                      const char **why);

/*
 * Plan guest RAM [0, ram_bytes) for the image and an initrd of initrd_size
 * bytes (0 for none): the kernel at pref_address rounded up to
 * kernel_alignment, needing max(init_size, payload) bytes there; the initrd
 * page-aligned, as high as possible below min(ram_bytes, initrd_addr_max +
 * 1), above or else below the kernel, never overlapping it. Fills all of *l
 * but cmdline_len (0). Returns 0, -ENOMEM when something does not fit, or
 * -EINVAL for RAM above LINUX_RAM_MAX, which the e820 map cannot describe;
 * *why says which.
 */
int linux_plan(const struct linux_image *img, uint64_t ram_bytes,
               uint64_t initrd_size, struct linux_layout *l, const char **why);

/*
 * Fill the 4 KiB zero page: zeroed, the image's setup header (0x1f1 up to
 * header_end; never the sentinel at 0x1ef), type_of_loader 0xff, the
 * command line, initrd and RSDP addresses, and the e820 map
 *     RAM [0, VPLAT_LOW_RAM_END), reserved [VPLAT_LOW_RAM_END,
 *     VPLAT_BIOS_END) (the ACPI tables live there), RAM [VPLAT_BIOS_END,
 *     ram_bytes).
 * Returns 0, or -EINVAL when l->cmdline_len exceeds the image's
 * cmdline_size or LINUX_CMDLINE_SPACE - 1.
 */
int linux_boot_params(const struct linux_image *img,
                      const struct linux_layout *l, void *zero_page);

#endif
