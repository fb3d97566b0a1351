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

/*
 * rings.c: a domU's store and console rings before it first runs: the
 * special page of each (public/param.h) backed by the domain's RAM and
 * zeroed, an unbound port of the domain for dom0, the four params set.
 * 0 or -errno with "create: NAME: the store ring ...".
 */
enum { CTL_RING_STORE, CTL_RING_CONSOLE, CTL_RING_NR };
struct ctl_ring {
    uint64_t gfn;
    uint32_t port;              /* the domain's, unbound, for dom0 */
};
int ctl_rings_setup(mica_ctx *ctx, const char *name, uint32_t domid, struct ctl_ring rings[]);

/*
 * domstore.c: the domain's part of the store (docs/libctl.md): its nodes
 * under /local/domain/N and /vm/UUID, their permissions, INTRODUCE on the
 * store ring and the configuration's store quotas. Any failure leaves the
 * rest for mica_domain_store_forget(). The table of nodes is there for the
 * host tests: ctl_dom_nodes() calls fn once per node, in creation order.
 */
struct ctl_dom_node {
    const char *path;           /* absolute */
    const char *value;          /* NULL: a directory (MKDIR) */
    const char *perms[2];       /* owner first, then a grant; NULL: inherited */
};
int ctl_dom_nodes(const struct mica_domain_config *c, uint32_t domid,
                  const struct ctl_ring rings[],
                  int (*fn)(void *opaque, const struct ctl_dom_node *n), void *opaque);
int ctl_domain_store_make(mica_ctx *ctx, mica_store *s, const struct mica_domain_config *c,
                          uint32_t domid, const struct ctl_ring rings[]);
/* Connect to the store for verb: the message names micastored when it is not running. */
int ctl_store_connect(mica_ctx *ctx, const char *verb, const char *name, mica_store **s);

/* Guest RAM of domain domid through MMAPBATCH foreign mappings (foreign.c). */
struct ctl_foreign {
    mica_ctx *ctx;
    uint32_t domid;
};
int ctl_foreign_write(void *opaque, uint64_t gpa, const void *src, size_t len);

#endif
