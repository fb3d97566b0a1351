/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment (docs/iommu.md "Assignment", public/domctl.h): dom0's
 * toolstack gives a host PCI function to a domU and takes it back. The
 * function's DTE is blocked (DMA refused, the IOMMU's cached copies
 * invalidated) before it points at the domU's I/O page table, which equals
 * the domU's p2m, so its DMA reaches that domain's memory only. Deassign
 * and the domU's death block it again first and then give it back to dom0
 * (when dom0 sees it, dom0_pci=view), so nothing of the domU's DMA is left
 * in flight through the IOMMU.
 *
 * The owner of each function is the IOMMU layer's (include/mica/iommu.h).
 * Assign and deassign run under domctl_lock; a dying domain's release
 * (pci_assign_domain_gone(), from the scheduler or grant reaping) does
 * not. All three hold pci_owner_lock (asm/pci.h) from their owner check to
 * the end, as the config-space filter does for each access: the owner they
 * act on is the one they checked, and no owner's register write lands in
 * between.
 */
#include <mica/domain.h>
#include <mica/iommu.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/pci.h>
#include <asm/pci_assign.h>
#include <asm/vpci.h>
#include <public/domctl.h>

/* dom0, once it asked for an assignment: where functions go back to. */
static struct domain *ctl_dom0;

/* The checks every sub-command makes on seg:bdf (public/domctl.h's order). */
static int check_function(const struct mica_domctl_assign_device *a, const char *name,
                          domid_t for_id)
{
    const struct pci_func *f;

    if (a->flags || a->pad[0] || a->pad[1] || a->pad[2])
        return -EINVAL;
    if (iommu_bdf_hidden(a->seg, a->bdf))
        return -EPERM;
    f = a->seg ? NULL : pci_func_find(a->bdf);
    if (!f)
        return -ENODEV;
    if (f->hdr_type != PCI_HEADER_TYPE_NORMAL || vpci_is_virtual(a->bdf))
        return -EPERM;
    if (!iommu_enabled()) {
        pr_warn("pci: %s for d%u: no IOMMU: device passthrough is disabled\n", name, for_id);
        return -ENXIO;
    }
    if (!iommu_device_behind(a->seg, a->bdf)) {
        pr_warn("pci: %s for d%u: behind no working IOMMU: its DMA cannot be confined\n",
                name, for_id);
        return -ENXIO;
    }
    return 0;
}

/*
 * Reset between owners: a Function Level Reset when the function has one;
 * else only its Bus Master stays off (done before the DTE was blocked),
 * and its other registers keep what the last owner left.
 */
static void reset(const struct pci_func *f, const char *name)
{
    if (pci_flr(f))
        pr_info("pci: %s: reset (FLR)\n", name);
    else
        pr_info("pci: %s: no FLR: not reset, bus mastering off\n", name);
}

/*
 * Back to dom0 after it was blocked and reset, when dom0 sees the
 * function: its BARs out of from's p2m (NULL: none) and into dom0's, its
 * MSI dom0's again (off), its DTE at dom0's table; else it stays blocked
 * with its BARs in no domain's p2m.
 */
static void give_back(struct pci_func *f, struct domain *from, const char *name)
{
    struct domain *d0 = ctl_dom0;
    bool to_d0 = d0 && d0->state == DOMAIN_RUNNING && pci_dom0_sees(d0, f->bdf);

    pci_bars_move(f, from, to_d0 ? d0 : NULL);
    pci_msi_set_owner(f, to_d0 ? d0 : NULL);    /* never left pointing at a dying domain */
    if (to_d0 && !iommu_assign_device(d0, 0, f->bdf)) {
        pr_info("pci: %s: back to d0\n", name);
        return;
    }
    pr_info("pci: %s: left blocked (dom0 does not see it)\n", name);
}

static long assign(struct vcpu *v, struct domain *d, struct mica_domctl_assign_device *a,
                   const char *name)
{
    struct pci_func *f = pci_func_find(a->bdf);
    int owner, rc;

    if (d == v->domain || d->privileged || d->state != DOMAIN_RUNNING)
        return -EINVAL;
    owner = iommu_device_owner(a->seg, a->bdf);
    if (owner == d->id)
        return -EEXIST;
    if (owner > 0)
        return -EBUSY;
    if (!d->p2m.io) {
        rc = iommu_domain_init(d);
        if (rc)
            return rc;
    }
    ctl_dom0 = v->domain;
    pci_stop_mastering(a->bdf);     /* no DMA while its DTE changes */
    if (owner == 0)
        iommu_block_device(a->seg, a->bdf);     /* blocked and invalidated first */
    pci_msi_set_owner(f, d);        /* the device's MSI off; d's vector from now on */
    rc = pci_bars_move(f, owner == 0 ? v->domain : NULL, d);    /* -EEXIST: d has a page there */
    if (!rc)
        rc = iommu_assign_device(d, a->seg, a->bdf);
    if (rc) {
        pr_warn("pci: %s: not given to d%u (%d)\n", name, d->id, rc);
        give_back(f, d, name);
        return rc;
    }
    pr_info("pci: %s: assigned to d%u (%s) by d%u, from %s\n", name, d->id, d->name,
            v->domain->id, owner == 0 ? "d0" : "no domain");
    return 0;
}

static long deassign(struct vcpu *v, struct domain *d, const struct mica_domctl_assign_device *a,
                     const char *name)
{
    if (d == v->domain || d->privileged)
        return -EINVAL;
    if (iommu_device_owner(a->seg, a->bdf) != d->id)
        return -ENOENT;
    ctl_dom0 = v->domain;
    pci_stop_mastering(a->bdf);     /* no DMA while its DTE changes */
    iommu_block_device(a->seg, a->bdf);
    pr_info("pci: %s: taken from d%u by d%u\n", name, d->id, v->domain->id);
    reset(pci_func_find(a->bdf), name);
    give_back(pci_func_find(a->bdf), d, name);
    return 0;
}

long pci_assign_domctl(struct vcpu *v, uint64_t cmd, struct domain *d,
                       struct mica_domctl_assign_device *a)
{
    char name[PCI_BDF_STR_LEN];
    int owner;
    long rc;

    pci_bdf_str(name, a->seg, a->bdf);
    rc = check_function(a, name, d->id);
    if (rc)
        return rc;
    if (cmd == MICA_DOMCTL_assign_device || cmd == MICA_DOMCTL_deassign_device) {
        spin_lock(&pci_owner_lock);
        rc = cmd == MICA_DOMCTL_assign_device ? assign(v, d, a, name) : deassign(v, d, a, name);
        spin_unlock(&pci_owner_lock);
        return rc;
    }
    owner = iommu_device_owner(a->seg, a->bdf);
    a->owner = owner < 0 ? MICA_PCI_OWNER_NONE : (uint16_t)owner;
    return 0;
}

void pci_assign_domain_gone(struct domain *d)
{
    struct pci_func *f;
    char name[PCI_BDF_STR_LEN];

    if (d->privileged || !d->p2m.io)
        return;
    for (unsigned int i = 0; (f = (struct pci_func *)pci_func_at(i)); i++) {
        spin_lock(&pci_owner_lock);
        if (iommu_device_owner(0, f->bdf) != d->id) {   /* checked under the lock */
            spin_unlock(&pci_owner_lock);
            continue;
        }
        pci_bdf_str(name, 0, f->bdf);
        pci_stop_mastering(f->bdf);
        iommu_block_device(0, f->bdf);
        pr_info("pci: %s: taken from d%u, which is going away\n", name, d->id);
        reset(f, name);
        give_back(f, d, name);
        spin_unlock(&pci_owner_lock);
    }
}
