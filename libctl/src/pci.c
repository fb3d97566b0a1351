/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device assignment from dom0 (docs/iommu.md "Assignment"): PCI function
 * addresses as people write them ("0000:00:1f.2", lspci's and xl's form);
 * the hypervisor's assign/deassign/test_assign sub-commands through one
 * helper (pci_domctl); and dom0's side as xl does it: a function made
 * assignable has its dom0 driver unbound through sysfs (and Linux's
 * driver_override set so no other binds), the driver remembered in
 * MICA_RUN_DIR/pci-assignable/BDF for remove to bind it again.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <public/domctl.h>
#include "priv.h"

/* exactly n hex digits at s: their value, or -1 */
static long hex_field(const char *s, size_t n)
{
    long v = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!isxdigit(c))
            return -1;
        v = v * 16 + (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
    }
    return v;
}

const char *mica_pci_addr_problem(const char *s, struct mica_pci_addr *a, char *buf, size_t len)
{
    size_t n = strlen(s);
    const char *b = n == 12 ? s + 5 : s;
    long seg = 0, bus, slot, func;

    if ((n != 12 && n != 7) || (n == 12 && s[4] != ':') || b[2] != ':' || b[5] != '.')
        goto bad;
    if (n == 12 && (seg = hex_field(s, 4)) < 0)
        goto bad;
    bus = hex_field(b, 2);
    slot = hex_field(b + 3, 2);
    func = hex_field(b + 6, 1);
    if (bus < 0 || slot < 0 || func < 0)
        goto bad;
    if (slot > PCI_SLOT_MAX || func > PCI_FUNC_MAX) {
        snprintf(buf, len, "'%.32s': the slot is 00 to 1f and the function 0 to 7", s);
        return buf;
    }
    *a = (struct mica_pci_addr){ .seg = (uint16_t)seg, .bus = (uint8_t)bus,
                                 .slot = (uint8_t)slot, .func = (uint8_t)func };
    return NULL;
bad:
    snprintf(buf, len, "'%.32s': a PCI function is SSSS:BB:DD.F or BB:DD.F (hex, e.g. 0000:00:1f.2)",
             s);
    return buf;
}

void mica_pci_addr_str(const struct mica_pci_addr *a, char buf[MICA_PCI_STR_LEN])
{
    snprintf(buf, MICA_PCI_STR_LEN, "%04x:%02x:%02x.%x", a->seg, a->bus, a->slot & 0x1f,
             a->func & 7);
}

/* ---- the hypercalls: one helper for the device-assignment sub-commands ---- */

/* MICA_DOMCTL_{assign,deassign,test_assign}_device on a; *owner from test (may be NULL). */
static int pci_domctl(mica_ctx *ctx, unsigned int cmd, uint32_t domid,
                      const struct mica_pci_addr *a, uint32_t *owner)
{
    struct mica_domctl d = { 0 };
    long rc;

    d.domid = (uint16_t)domid;
    d.u.assign_device.seg = a->seg;
    d.u.assign_device.bdf = MICA_PCI_BDF(a);
    rc = mica_do_domctl(ctx, cmd, &d);
    if (!rc && owner)
        *owner = d.u.assign_device.owner == MICA_PCI_OWNER_NONE ? MICA_PCI_NO_OWNER :
                 d.u.assign_device.owner;
    return (int)rc;
}

/* Why the hypervisor refused (public/domctl.h's errors), for people. */
static const char *refusal(int rc)
{
    switch (rc) {
    case -ENODEV: return "no such PCI function (the hypervisor's boot scan did not find it)";
    case -EPERM:  return "the hypervisor keeps this function (the IOMMU's own, a bridge, or "
                         "the virtual bus's) or the caller is not dom0";
    case -ENXIO:  return "no IOMMU behind it: its DMA could not be confined (mica dmesg says more)";
    case -EBUSY:  return "another domain has it (mica pci-list DOMAIN)";
    case -EEXIST: return "the domain has it already";
    case -ENOENT: return "the domain does not have it";
    case -EINVAL: return "that domain cannot take or give devices (dom0, or not running)";
    case -EDQUOT: return "the domain's hypervisor-memory budget has no room for its I/O page table";
    default:      return strerror(-rc);
    }
}

static int pci_call(mica_ctx *ctx, unsigned int cmd, const char *verb, uint32_t domid,
                    const struct mica_pci_addr *a, uint32_t *owner)
{
    char bdf[MICA_PCI_STR_LEN];
    int rc = pci_domctl(ctx, cmd, domid, a, owner);

    mica_pci_addr_str(a, bdf);
    if (rc == -ESRCH)
        return ctl_fail(ctx, rc, "%s: domain %u: no such domain", verb, domid);
    if (rc)
        return ctl_fail(ctx, rc, "%s: %s: %s", verb, bdf, refusal(rc));
    return 0;
}

int mica_pci_assign(mica_ctx *ctx, uint32_t domid, const struct mica_pci_addr *a)
{
    return pci_call(ctx, MICA_DOMCTL_assign_device, "pci-attach", domid, a, NULL);
}

int mica_pci_deassign(mica_ctx *ctx, uint32_t domid, const struct mica_pci_addr *a)
{
    return pci_call(ctx, MICA_DOMCTL_deassign_device, "pci-detach", domid, a, NULL);
}

int mica_pci_owner(mica_ctx *ctx, const struct mica_pci_addr *a, uint32_t *owner)
{
    return pci_call(ctx, MICA_DOMCTL_test_assign_device, "pci-list", MICA_DOMID_SELF, a, owner);
}

/* ---- dom0's side: its driver unbound through sysfs, remembered for remove ---- */

static const char *sysfs_pci(void)
{
    const char *v = getenv("MICA_SYSFS_PCI");      /* tests point it at a fake tree */

    return v && *v ? v : MICA_SYSFS_PCI_DEFAULT;
}

static void assignable_path(const struct mica_pci_addr *a, char *buf, size_t len)
{
    char bdf[MICA_PCI_STR_LEN];

    mica_pci_addr_str(a, bdf);
    snprintf(buf, len, "%s/pci-assignable/%s", ctl_run_dir(), bdf);
}

static int write_file(const char *path, const char *val)
{
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f)
        return -errno;
    if (fputs(val, f) < 0)
        rc = -EIO;
    if (fclose(f) && !rc)
        rc = -errno;
    return rc;
}

/* dom0's driver bound to the function: its name into drv (empty: none); -ENOENT: no such function. */
int mica_pci_dom0_driver(const struct mica_pci_addr *a, char *drv, size_t len)
{
    char bdf[MICA_PCI_STR_LEN], path[512], link[512];
    struct stat st;
    ssize_t n;

    mica_pci_addr_str(a, bdf);
    snprintf(path, sizeof(path), "%s/devices/%s", sysfs_pci(), bdf);
    if (stat(path, &st))
        return -ENOENT;
    snprintf(path, sizeof(path), "%s/devices/%s/driver", sysfs_pci(), bdf);
    n = readlink(path, link, sizeof(link) - 1);
    drv[0] = 0;
    if (n > 0) {
        link[n] = 0;
        snprintf(drv, len, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
    }
    return 0;
}

int mica_pci_is_assignable(const struct mica_pci_addr *a)
{
    char path[512];

    assignable_path(a, path, sizeof(path));
    return access(path, F_OK) == 0;
}

int mica_pci_assignable_add(mica_ctx *ctx, const struct mica_pci_addr *a)
{
    char bdf[MICA_PCI_STR_LEN], drv[128], path[512], dir[512];
    int rc;

    mica_pci_addr_str(a, bdf);
    rc = mica_pci_dom0_driver(a, drv, sizeof(drv));
    if (rc)
        return ctl_fail(ctx, rc, "pci-assignable-add: %s: no such PCI function in dom0 (%s/devices)",
                        bdf, sysfs_pci());
    if (mica_pci_is_assignable(a))
        return ctl_fail(ctx, -EEXIST, "pci-assignable-add: %s: assignable already", bdf);
    snprintf(dir, sizeof(dir), "%s/pci-assignable", ctl_run_dir());
    if (mkdir(ctl_run_dir(), 0755) && errno != EEXIST)
        return ctl_fail(ctx, -errno, "pci-assignable-add: %s: %s", ctl_run_dir(), strerror(errno));
    if (mkdir(dir, 0700) && errno != EEXIST)
        return ctl_fail(ctx, -errno, "pci-assignable-add: %s: %s", dir, strerror(errno));
    /* No driver of dom0's may take it from now on (Linux's driver_override). */
    snprintf(path, sizeof(path), "%s/devices/%s/driver_override", sysfs_pci(), bdf);
    rc = write_file(path, MICA_PCI_NO_DRIVER);
    if (rc)
        return ctl_fail(ctx, rc, "pci-assignable-add: %s: %s: %s", bdf, path, strerror(-rc));
    if (drv[0]) {
        snprintf(path, sizeof(path), "%s/devices/%s/driver/unbind", sysfs_pci(), bdf);
        rc = write_file(path, bdf);
        if (rc) {
            snprintf(path, sizeof(path), "%s/devices/%s/driver_override", sysfs_pci(), bdf);
            write_file(path, "\n");
            return ctl_fail(ctx, rc, "pci-assignable-add: %s: unbinding dom0's driver %s: %s",
                            bdf, drv, strerror(-rc));
        }
    }
    assignable_path(a, path, sizeof(path));
    rc = write_file(path, drv);         /* the driver to bind again at remove ("" if none) */
    if (rc)
        return ctl_fail(ctx, rc, "pci-assignable-add: %s: %s", path, strerror(-rc));
    return 0;
}

int mica_pci_assignable_remove(mica_ctx *ctx, const struct mica_pci_addr *a, int rebind)
{
    char bdf[MICA_PCI_STR_LEN], drv[128] = "", path[512];
    uint32_t owner = MICA_PCI_NO_OWNER;
    FILE *f;
    int rc;

    mica_pci_addr_str(a, bdf);
    assignable_path(a, path, sizeof(path));
    f = fopen(path, "r");
    if (!f)
        return ctl_fail(ctx, -ENOENT, "pci-assignable-remove: %s: not assignable "
                        "(mica pci-assignable-list)", bdf);
    if (!fgets(drv, sizeof(drv), f))
        drv[0] = 0;
    fclose(f);
    drv[strcspn(drv, "\n")] = 0;
    if (!mica_pci_owner(ctx, a, &owner) && owner != 0 && owner != MICA_PCI_NO_OWNER)
        return ctl_fail(ctx, -EBUSY, "pci-assignable-remove: %s: domain %u has it "
                        "(mica pci-detach %u %s first)", bdf, owner, owner, bdf);
    ctl_clear_error(ctx);
    unlink(path);
    snprintf(path, sizeof(path), "%s/devices/%s/driver_override", sysfs_pci(), bdf);
    write_file(path, "\n");
    if (!rebind || !drv[0] || strchr(drv, '/'))
        return 0;
    snprintf(path, sizeof(path), "%s/drivers/%s/bind", sysfs_pci(), drv);
    rc = write_file(path, bdf);
    if (rc)
        return ctl_fail(ctx, rc, "pci-assignable-remove: %s: binding dom0's driver %s again: %s",
                        bdf, drv, strerror(-rc));
    return 0;
}

static int by_addr(const void *x, const void *y)
{
    const struct mica_pci_addr *a = x, *b = y;
    uint32_t ka = (uint32_t)a->seg << 16 | MICA_PCI_BDF(a), kb = (uint32_t)b->seg << 16 | MICA_PCI_BDF(b);

    return ka < kb ? -1 : ka > kb;
}

/* Is the function a's owner the domain *arg points at (mica_pci_list's filter)? */
static bool owned_by(mica_ctx *ctx, const struct mica_pci_addr *a, const void *arg)
{
    uint32_t owner;

    return !mica_pci_owner(ctx, a, &owner) && owner == *(const uint32_t *)arg;
}

/*
 * The entries of dir named like a BDF that keep (NULL: all), sorted, in a
 * new array *list; their number, or a negative errno (a missing dir is
 * none when absent_ok, else an error naming verb).
 */
static int list_bdfs(mica_ctx *ctx, const char *verb, const char *dir, bool absent_ok,
                     bool (*keep)(mica_ctx *, const struct mica_pci_addr *, const void *),
                     const void *arg, struct mica_pci_addr **list)
{
    struct mica_pci_addr *out = NULL, a, *grown;
    char buf[160];
    struct dirent *e;
    DIR *d;
    int n = 0;

    *list = NULL;
    d = opendir(dir);
    if (!d) {
        if (absent_ok && errno == ENOENT)
            return 0;
        return ctl_fail(ctx, -errno, "%s: %s: %s", verb, dir, strerror(errno));
    }
    while ((e = readdir(d))) {
        if (mica_pci_addr_problem(e->d_name, &a, buf, sizeof(buf)) || (keep && !keep(ctx, &a, arg)))
            continue;
        grown = realloc(out, (n + 1) * sizeof(*out));
        if (!grown) {
            free(out);
            closedir(d);
            return -ENOMEM;
        }
        out = grown;
        out[n++] = a;
    }
    closedir(d);
    qsort(out, n, sizeof(*out), by_addr);
    *list = out;
    return n;
}

int mica_pci_assignable_list(mica_ctx *ctx, struct mica_pci_addr **list)
{
    char dir[512];

    snprintf(dir, sizeof(dir), "%s/pci-assignable", ctl_run_dir());
    return list_bdfs(ctx, "pci-assignable-list", dir, true, NULL, NULL, list);
}

int mica_pci_list(mica_ctx *ctx, uint32_t domid, struct mica_pci_addr **list)
{
    char dir[512];
    int n;

    snprintf(dir, sizeof(dir), "%s/devices", sysfs_pci());
    n = list_bdfs(ctx, "pci-list", dir, false, owned_by, &domid, list);
    if (n >= 0)
        ctl_clear_error(ctx);   /* a function the hypervisor does not know is not listed */
    return n;
}
