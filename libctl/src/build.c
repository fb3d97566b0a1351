/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain builder for a Linux bzImage and initramfs (build.h). The boot
 * protocol, the layout and the ACPI tables are the hypervisor's own code
 * (hypervisor/arch/x86/linux_load.c, hypervisor/common/linux_boot.c,
 * hypervisor/arch/x86/acpi_build.c, compiled into this library as they
 * are): dom0 and every domU boot from one source. Here: the files, the
 * command line and the messages, which name the configuration element.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build.h"

/*
 * A domU with <hostdev> functions: its host bridge's memory window, where
 * the assigned functions' BARs sit (the hypervisor maps them at the
 * firmware's addresses, as dom0 sees them) and where the domU's Linux
 * would place a BAR it moves; below the I/O APIC, as dom0's
 * (docs/iommu.md).
 */
#define DOMU_PCI_WINDOW_BASE  0xc0000000u
#define DOMU_PCI_WINDOW_END   0xfec00000u

static bool has_console(const char *s)
{
    for (const char *q = s; (q = strstr(q, "console=")); q++)
        if (q == s || q[-1] == ' ')
            return true;
    return false;
}

char *ctl_build_cmdline(const char *xml_cmdline, uint64_t tsc_khz)
{
    const char *base = xml_cmdline ? xml_cmdline : "";
    char tsc[48] = "";
    char *out;

    if (tsc_khz)                /* the domU's time source: no PIT to calibrate against */
        snprintf(tsc, sizeof(tsc), "%stsc_early_khz=%llu", *base ? " " : "",
                 (unsigned long long)tsc_khz);
    if (asprintf(&out, "%s%s%s", base, tsc,
                 has_console(base) ? "" : (*base || *tsc ? " console=ttyS0" : "console=ttyS0")) < 0)
        return NULL;
    return out;
}

static int read_image(mica_ctx *ctx, const struct mica_domain_config *c, const char *path,
                      unsigned int line, const char *element, void **data, size_t *size)
{
    int rc = ctl_read_file(path, data, size);

    if (rc)
        return ctl_config_fail(ctx, c, line, element, rc, "cannot read %s: %s", path, strerror(-rc));
    return 0;
}

/* A linux_load failure, located at the element it is about. */
static int load_fail(mica_ctx *ctx, const struct mica_domain_config *c, enum linux_load_what what,
                     const char *why, int rc)
{
    const struct mica_config_lines *l = &c->lines;

    switch (what) {
    case LINUX_LOAD_KERNEL:
        return ctl_config_fail(ctx, c, l->kernel, "kernel", rc, "%s: %s", c->kernel, why);
    case LINUX_LOAD_CMDLINE:
        return ctl_config_fail(ctx, c, l->cmdline ? l->cmdline : l->kernel,
                               l->cmdline ? "cmdline" : "kernel", rc, "%s", why);
    case LINUX_LOAD_VCPUS:
        return ctl_config_fail(ctx, c, l->vcpu, "vcpu", rc, "%s", why);
    case LINUX_LOAD_MEMORY:
        return ctl_config_fail(ctx, c, l->current_memory ? l->current_memory : l->memory,
                               l->current_memory ? "currentMemory" : "memory", rc, "%llu KiB: %s",
                               (unsigned long long)c->mem_kb, why);
    default:
        return ctl_config_fail(ctx, c, l->domain, "domain", rc, "%s", why);
    }
}

int ctl_build_prepare(mica_ctx *ctx, const struct mica_domain_config *c, uint64_t tsc_khz,
                      struct ctl_build *b)
{
    enum linux_load_what what;
    const char *why = "";
    int rc;

    memset(b, 0, sizeof(*b));
    if (c->nr_hostdevs && (c->max_mem_kb << 10) > DOMU_PCI_WINDOW_BASE)
        return ctl_config_fail(ctx, c, c->lines.memory, "memory", -EINVAL,
                               "%llu KiB reaches the PCI window at %#x its <hostdev> functions' "
                               "BARs need (at most %u KiB with <hostdev>)",
                               (unsigned long long)c->max_mem_kb, DOMU_PCI_WINDOW_BASE,
                               DOMU_PCI_WINDOW_BASE >> 10);
    rc = read_image(ctx, c, c->kernel, c->lines.kernel, "kernel", &b->kernel, &b->kernel_size);
    if (!rc && c->initrd)
        rc = read_image(ctx, c, c->initrd, c->lines.initrd, "initrd", &b->initrd, &b->initrd_size);
    if (rc)
        return rc;
    b->cmdline = ctl_build_cmdline(c->cmdline, tsc_khz);
    if (!b->cmdline)
        return ctl_fail(ctx, -ENOMEM, "create: out of memory");
    b->in = (struct linux_load){
        .kernel = b->kernel, .kernel_size = b->kernel_size,
        .initrd = b->initrd, .initrd_size = b->initrd_size,
        .cmdline = b->cmdline, .ram_bytes = c->mem_kb << 10,
        .acpi = { .nr_vcpus = c->vcpus, .pm_tmr_port = 0,     /* a domU has no PM timer */
                  .mmio_window_base = c->nr_hostdevs ? DOMU_PCI_WINDOW_BASE : 0,
                  .mmio_window_len = c->nr_hostdevs ?
                                     DOMU_PCI_WINDOW_END - DOMU_PCI_WINDOW_BASE : 0 },
    };
    rc = linux_load_prepare(&b->in, &b->img, &b->layout, &why, &what);
    return rc ? load_fail(ctx, c, what, why, rc) : 0;
}

int ctl_build_write(mica_ctx *ctx, const struct mica_domain_config *c, struct ctl_build *b,
                    const struct linux_load_ops *ops, struct linux_entry *entry)
{
    struct linux_load_scratch *s = malloc(sizeof(*s));
    const char *why = "";
    int rc;

    if (!s)
        return ctl_fail(ctx, -ENOMEM, "create: out of memory");
    rc = linux_load_write(ops, &b->in, &b->img, &b->layout, s, entry, &why);
    free(s);
    if (rc)
        return ctl_fail(ctx, rc, "create: %s: %s: %s", c->name, why, strerror(-rc));
    return 0;
}

void ctl_build_free(struct ctl_build *b)
{
    free(b->kernel);
    free(b->initrd);
    free(b->cmdline);
    memset(b, 0, sizeof(*b));
}
