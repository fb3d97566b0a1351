/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Linux domain builder (build.c) in two halves, so that everything
 * that can be refused is refused before a domain exists, and so that the
 * host tests can run the second half against in-memory "guest RAM":
 *   ctl_build_prepare(): read the kernel and initrd, compose the command
 *       line, check and plan through the hypervisor's own linux_load.c;
 *   ctl_build_write(): write it all through ops (foreign mappings of the
 *       new domain, or the tests' buffer) and give vCPU 0's entry state.
 */
#ifndef LIBCTL_BUILD_H
#define LIBCTL_BUILD_H

#include <asm/linux_load.h>
#include "priv.h"

struct ctl_build {
    void *kernel, *initrd;
    size_t kernel_size, initrd_size;
    char *cmdline;              /* the XML's, plus tsc_early_khz= and console= */
    struct linux_load in;
    struct linux_image img;
    struct linux_layout layout;
};

/* The command line a domU boots with: the XML's, tsc_early_khz=, console=ttyS0 if none. malloc'd. */
char *ctl_build_cmdline(const char *xml_cmdline, uint64_t tsc_khz);

int ctl_build_prepare(mica_ctx *ctx, const struct mica_domain_config *c, uint64_t tsc_khz,
                      struct ctl_build *b);
int ctl_build_write(mica_ctx *ctx, const struct mica_domain_config *c, struct ctl_build *b,
                    const struct linux_load_ops *ops, struct linux_entry *entry);
void ctl_build_free(struct ctl_build *b);

/*
 * mica_domain_create's checks against the host, before anything is made:
 * free memory, online CPUs for pins and the cap, names and UUIDs in use
 * (doms: every domain, n of them). 0 or -errno with a located message.
 */
int ctl_check_host(mica_ctx *ctx, const struct mica_domain_config *c,
                   const struct mica_hostinfo *h, const struct mica_dominfo *doms, int n);

/* Guest RAM of domain domid through MMAPBATCH foreign mappings (foreign.c). */
struct ctl_foreign {
    mica_ctx *ctx;
    uint32_t domid;
};
int ctl_foreign_write(void *opaque, uint64_t gpa, const void *src, size_t len);

#endif
