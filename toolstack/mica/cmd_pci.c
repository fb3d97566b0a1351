// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI passthrough (docs/iommu.md "Assignment"), as Xen's xl: pci-assignable-
 * add|remove|list in dom0 (its driver unbound through sysfs, remembered for
 * remove to bind again), pci-attach|detach|list on a domU (the hypervisor's
 * assign/deassign, through libmicactl's mica_pci_*). A BDF is SSSS:BB:DD.F
 * or BB:DD.F, checked before the hypervisor is opened.
 */
#include <stdlib.h>
#include <string.h>

#include "mica.h"

/* The BDF argument i: 0 or the usage error's exit status. */
static int bdf_arg(const struct invocation *inv, int i, struct mica_pci_addr *a)
{
    char buf[160];
    const char *why = mica_pci_addr_problem(inv->args[i], a, buf, sizeof(buf));

    return why ? usage_error(inv->spec, "%s: bad PCI function: %s", inv->args[i], why) : 0;
}

int check_pci_bdf_first(const struct invocation *inv)
{
    struct mica_pci_addr a;

    return bdf_arg(inv, 0, &a);
}

int check_pci_bdf_second(const struct invocation *inv)
{
    struct mica_pci_addr a;

    return bdf_arg(inv, 1, &a);
}

static int done(const struct invocation *inv, int rc)
{
    if (rc >= 0)
        return 0;
    fail(inv->spec->name, "%s", strchr(mica_last_error(inv->ctx), ':') ?
         strchr(mica_last_error(inv->ctx), ':') + 2 : mica_last_error(inv->ctx));
    return EXIT_FAILURE;
}

int cmd_pci_assignable_add(struct invocation *inv)
{
    struct mica_pci_addr a;

    bdf_arg(inv, 0, &a);
    return done(inv, mica_pci_assignable_add(inv->ctx, &a));
}

int cmd_pci_assignable_remove(struct invocation *inv)
{
    struct mica_pci_addr a;

    bdf_arg(inv, 0, &a);
    return done(inv, mica_pci_assignable_remove(inv->ctx, &a, !opt(inv, "no-rebind")));
}

/* n functions of l (a libctl list, freed here), one BDF a line; n < 0 is the error. */
static int print_bdfs(struct invocation *inv, struct mica_pci_addr *l, int n)
{
    char bdf[MICA_PCI_STR_LEN];

    if (n < 0)
        return done(inv, n);
    for (int i = 0; i < n; i++) {
        mica_pci_addr_str(&l[i], bdf);
        printf("%s\n", bdf);
    }
    free(l);
    return 0;
}

/* One line per assignable function: its BDF. */
int cmd_pci_assignable_list(struct invocation *inv)
{
    struct mica_pci_addr *l;
    int n = mica_pci_assignable_list(inv->ctx, &l);

    return print_bdfs(inv, l, n);
}

static int attach_detach(struct invocation *inv, bool attach)
{
    struct mica_pci_addr a;
    char drv[128];
    uint32_t domid, owner;
    int rc;

    bdf_arg(inv, 1, &a);
    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    /* The hypervisor's verdict first: dom0's sysfs may show a virtual function at that BDF. */
    rc = attach ? mica_pci_owner(inv->ctx, &a, &owner) : 0;
    if (rc)
        return done(inv, rc);
    if (attach && !mica_pci_dom0_driver(&a, drv, sizeof(drv)) && drv[0]) {
        fail(inv->spec->name, "%s: dom0's driver %s has it: mica pci-assignable-add %s first",
             inv->args[1], drv, inv->args[1]);
        return EXIT_FAILURE;
    }
    return done(inv, attach ? mica_pci_assign(inv->ctx, domid, &a) :
                              mica_pci_deassign(inv->ctx, domid, &a));
}

int cmd_pci_attach(struct invocation *inv)
{
    return attach_detach(inv, true);
}

int cmd_pci_detach(struct invocation *inv)
{
    return attach_detach(inv, false);
}

int cmd_pci_list(struct invocation *inv)
{
    struct mica_pci_addr *l;
    uint32_t domid;
    int n;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    n = mica_pci_list(inv->ctx, domid, &l);
    return print_bdfs(inv, l, n);
}
