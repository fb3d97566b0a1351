/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parsing the multiboot2 boot information: command line, loader name,
 * modules, the memory map and the ACPI RSDP. Everything else is ignored.
 *
 * The information block comes from the boot loader and is checked as if it
 * were hostile: every tag must lie wholly inside total_size, every string
 * must be NUL-terminated inside its tag, and the list must end with an end
 * tag. Pointers stored in struct boot_info point into the block itself.
 */
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

#define MB2_TAG_END           0
#define MB2_TAG_CMDLINE       1
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_MODULE        3
#define MB2_TAG_MMAP          6
#define MB2_TAG_ACPI_OLD      14
#define MB2_TAG_ACPI_NEW      15

#define MB2_HDR_SIZE          8     /* total_size, reserved */
#define MB2_TAG_HDR_SIZE      8     /* type, size */
#define MB2_MOD_HDR_SIZE      16    /* tag header, mod_start, mod_end */
#define MB2_MMAP_HDR_SIZE     16    /* tag header, entry_size, entry_version */
#define MB2_MMAP_ENTRY_SIZE   24    /* base_addr, length, type, reserved */
#define RSDP_V1_SIZE          20
#define RSDP_V2_SIZE          36

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_tag_module {
    uint32_t type;
    uint32_t size;
    uint32_t mod_start;
    uint32_t mod_end;
    char string[];
};

struct mb2_tag_mmap {
    uint32_t type;
    uint32_t size;
    uint32_t entry_size;
    uint32_t entry_version;
};

struct mb2_mmap_entry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};

BUILD_BUG_ON(sizeof(struct mb2_tag_module) != MB2_MOD_HDR_SIZE);
BUILD_BUG_ON(sizeof(struct mb2_tag_mmap) != MB2_MMAP_HDR_SIZE);
BUILD_BUG_ON(sizeof(struct mb2_mmap_entry) != MB2_MMAP_ENTRY_SIZE);

/* Walk state beyond what struct boot_info holds. */
struct mb2_walk {
    unsigned int dropped_mem;     /* regions past MAX_MEM_REGIONS */
    unsigned int dropped_mods;    /* modules past MAX_MODULES */
    bool have_new_rsdp;           /* an ACPI 2.0+ RSDP tag was seen */
};

/* A NUL-terminated string of at most len bytes (NUL included) at s, or NULL. */
static const char *tag_string(const char *s, size_t len)
{
    if (len == 0 || strnlen(s, len) == len)
        return NULL;
    return s;
}

static int parse_string(const struct mb2_tag *tag, const char **out)
{
    const char *s = tag_string((const char *)(tag + 1),
                               tag->size - MB2_TAG_HDR_SIZE);

    if (!s)
        return -EINVAL;
    *out = s;
    return 0;
}

static int parse_module(const struct mb2_tag *tag, struct boot_info *bi,
                        struct mb2_walk *walk)
{
    const struct mb2_tag_module *m = (const void *)tag;
    const char *s;

    if (tag->size < MB2_MOD_HDR_SIZE)
        return -EINVAL;
    s = tag_string(m->string, tag->size - MB2_MOD_HDR_SIZE);
    if (!s || m->mod_end < m->mod_start)
        return -EINVAL;
    if (bi->nr_mods == MAX_MODULES) {
        walk->dropped_mods++;
        return 0;
    }
    bi->mods[bi->nr_mods].start = m->mod_start;
    bi->mods[bi->nr_mods].end = m->mod_end;
    bi->mods[bi->nr_mods].cmdline = s;
    bi->nr_mods++;
    return 0;
}

static void add_region(const struct mb2_mmap_entry *e, struct boot_info *bi,
                       struct mb2_walk *walk)
{
    struct mem_region *r;

    if (e->length == 0)
        return;
    if (e->base_addr + e->length < e->base_addr) {
        pr_warn("multiboot2: memory region 0x%llx+0x%llx wraps, ignored\n",
                (unsigned long long)e->base_addr,
                (unsigned long long)e->length);
        return;
    }
    if (bi->nr_mem == MAX_MEM_REGIONS) {
        walk->dropped_mem++;
        return;
    }
    r = &bi->mem[bi->nr_mem++];
    r->base = e->base_addr;
    r->len = e->length;
    r->type = e->type;
}

static int parse_mmap(const struct mb2_tag *tag, struct boot_info *bi,
                      struct mb2_walk *walk)
{
    const struct mb2_tag_mmap *m = (const void *)tag;
    const uint8_t *p, *end;

    if (tag->size < MB2_MMAP_HDR_SIZE)
        return -EINVAL;
    /* Later entry versions may grow the entry, never shrink it. */
    if (m->entry_size < MB2_MMAP_ENTRY_SIZE || m->entry_size % 8)
        return -EINVAL;
    p = (const uint8_t *)(m + 1);
    end = (const uint8_t *)tag + tag->size;
    for (; (size_t)(end - p) >= m->entry_size; p += m->entry_size)
        add_region((const struct mb2_mmap_entry *)p, bi, walk);
    return 0;
}

static int parse_rsdp(const struct mb2_tag *tag, struct boot_info *bi,
                      struct mb2_walk *walk)
{
    size_t len = tag->size - MB2_TAG_HDR_SIZE;
    bool is_new = tag->type == MB2_TAG_ACPI_NEW;

    if (len < (is_new ? RSDP_V2_SIZE : RSDP_V1_SIZE))
        return -EINVAL;
    if (!is_new && walk->have_new_rsdp)
        return 0;
    bi->rsdp = tag + 1;
    bi->rsdp_len = len;
    walk->have_new_rsdp |= is_new;
    return 0;
}

static int parse_tag(const struct mb2_tag *tag, struct boot_info *bi,
                     struct mb2_walk *walk)
{
    switch (tag->type) {
    case MB2_TAG_CMDLINE:
        return parse_string(tag, &bi->cmdline);
    case MB2_TAG_LOADER_NAME:
        return parse_string(tag, &bi->loader_name);
    case MB2_TAG_MODULE:
        return parse_module(tag, bi, walk);
    case MB2_TAG_MMAP:
        return parse_mmap(tag, bi, walk);
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        return parse_rsdp(tag, bi, walk);
    default:
        return 0;
    }
}

/* Walk the tag list up to and including the end tag. */
static int walk_tags(const uint8_t *base, uint32_t total,
                     struct boot_info *bi, struct mb2_walk *walk)
{
    uint64_t off = MB2_HDR_SIZE;
    const struct mb2_tag *tag;
    int rc;

    while (off <= total && total - off >= MB2_TAG_HDR_SIZE) {
        tag = (const struct mb2_tag *)(base + off);
        if (tag->size < MB2_TAG_HDR_SIZE || tag->size > total - off) {
            pr_err("multiboot2: tag type %u at offset %llu has bad size %u\n",
                   tag->type, (unsigned long long)off, tag->size);
            return -EINVAL;
        }
        if (tag->type == MB2_TAG_END)
            return 0;
        rc = parse_tag(tag, bi, walk);
        if (rc) {
            pr_err("multiboot2: malformed tag type %u at offset %llu\n",
                   tag->type, (unsigned long long)off);
            return rc;
        }
        off = ALIGN_UP(off + tag->size, 8u);
    }
    pr_err("multiboot2: no end tag within %u bytes\n", total);
    return -EINVAL;
}

static void reset_bootinfo(struct boot_info *bi)
{
    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    bi->loader_name = "";
}

int multiboot2_parse(uint32_t magic, const void *mbi, struct boot_info *bi)
{
    struct mb2_walk walk = { 0, 0, false };
    uint32_t total;
    int rc;

    reset_bootinfo(bi);
    if (magic != MULTIBOOT2_BOOTLOADER_MAGIC) {
        pr_err("multiboot2: bad magic 0x%x\n", magic);
        return -EINVAL;
    }
    if (!mbi || (uintptr_t)mbi % 8) {
        pr_err("multiboot2: info at %p is NULL or not 8-byte aligned\n", mbi);
        return -EINVAL;
    }
    total = *(const uint32_t *)mbi;
    if (total < MB2_HDR_SIZE + MB2_TAG_HDR_SIZE) {
        pr_err("multiboot2: bad total_size %u\n", total);
        return -EINVAL;
    }
    rc = walk_tags(mbi, total, bi, &walk);
    if (rc) {
        reset_bootinfo(bi);
        return rc;
    }
    if (walk.dropped_mem)
        pr_warn("multiboot2: %u memory regions dropped (max %u)\n",
                walk.dropped_mem, MAX_MEM_REGIONS);
    if (walk.dropped_mods)
        pr_warn("multiboot2: %u modules dropped (max %u)\n",
                walk.dropped_mods, MAX_MODULES);
    bi->mbi_start = (paddr_t)(uintptr_t)mbi;
    bi->mbi_end = bi->mbi_start + total;
    return 0;
}

uint64_t bootinfo_ram_bytes(const struct boot_info *bi)
{
    uint64_t total = 0;
    unsigned int i;

    for (i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type == MEM_RAM)
            total += bi->mem[i].len;
    return total;
}

paddr_t bootinfo_ram_end(const struct boot_info *bi)
{
    paddr_t end = 0;
    unsigned int i;

    for (i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type == MEM_RAM)
            end = MAX(end, bi->mem[i].base + bi->mem[i].len);
    return end;
}
