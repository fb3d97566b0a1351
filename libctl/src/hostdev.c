/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A configuration's <hostdev>s at create and destroy (docs/iommu.md
 * "Assignment"): checked with the hypervisor before the domain exists
 * (each refusal names the element's line), given to the domain before it
 * is unpaused (managed='yes' ones made assignable first), taken back
 * before it is destroyed and, when managed, bound to dom0's driver again.
 */
#include <errno.h>
#include <string.h>
#include "priv.h"
#include "devices.h"

static int hostdev_fail(mica_ctx *ctx, const struct mica_domain_config *c,
                        const struct mica_hostdev_config *h, int rc, const char *why)
{
    char bdf[MICA_PCI_STR_LEN];

    mica_pci_addr_str(&h->addr, bdf);
    return ctl_config_fail(ctx, c, h->line, "hostdev", rc, "%s: %s", bdf, why);
}

/* The last message's part after "VERB: BDF: ", for a located line. */
static const char *why_of(const mica_ctx *ctx)
{
    const char *m = mica_last_error(ctx), *p = strstr(m, ": ");

    p = p ? strstr(p + 2, ": ") : NULL;
    return p ? p + 2 : m;
}

int ctl_hostdevs_check(mica_ctx *ctx, const struct mica_domain_config *c)
{
    char drv[128];

    for (unsigned int i = 0; i < c->nr_hostdevs; i++) {
        const struct mica_hostdev_config *h = &c->hostdevs[i];
        uint32_t owner;
        int rc = mica_pci_owner(ctx, &h->addr, &owner);

        if (rc)
            return hostdev_fail(ctx, c, h, rc, why_of(ctx));
        if (owner != 0 && owner != MICA_PCI_NO_OWNER)
            return hostdev_fail(ctx, c, h, -EBUSY, "domain already has it (mica pci-list)");
        if (h->managed || mica_pci_is_assignable(&h->addr))
            continue;
        if (mica_pci_dom0_driver(&h->addr, drv, sizeof(drv)) == 0 && drv[0])
            return hostdev_fail(ctx, c, h, -EBUSY, "not assignable: dom0's driver has it "
                                "(mica pci-assignable-add, or managed='yes')");
    }
    return 0;
}

int ctl_hostdevs_assign(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid)
{
    for (unsigned int i = 0; i < c->nr_hostdevs; i++) {
        const struct mica_hostdev_config *h = &c->hostdevs[i];
        int rc;

        if (h->managed && !mica_pci_is_assignable(&h->addr)) {
            rc = mica_pci_assignable_add(ctx, &h->addr);
            if (rc)
                return hostdev_fail(ctx, c, h, rc, why_of(ctx));
        }
        rc = mica_pci_assign(ctx, domid, &h->addr);
        if (rc)
            return hostdev_fail(ctx, c, h, rc, why_of(ctx));
    }
    return 0;
}

/* Before destroy: each function taken back from domid (blocked, then dom0's again). */
void ctl_hostdevs_detach(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid)
{
    for (unsigned int i = 0; c && i < c->nr_hostdevs; i++)
        mica_pci_deassign(ctx, domid, &c->hostdevs[i].addr);   /* -ENOENT: it never got it */
}

/* After destroy: the managed='yes' ones bound to dom0's driver again. */
void ctl_hostdevs_unmanage(mica_ctx *ctx, const struct mica_domain_config *c)
{
    for (unsigned int i = 0; c && i < c->nr_hostdevs; i++)
        if (c->hostdevs[i].managed && mica_pci_is_assignable(&c->hostdevs[i].addr))
            mica_pci_assignable_remove(ctx, &c->hostdevs[i].addr, 1);
}
