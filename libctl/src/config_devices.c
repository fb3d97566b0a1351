/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PV devices of a domain XML file (docs/mica-domain.xml.md): libvirt's
 * <devices> with <disk>, <interface> and <console>, and Mica's own
 * <mica:store> for the domain's store quotas. The values are checked by
 * devcheck.c (shared with hot-plug); here they are located.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <public/io/store.h>
#include "config_priv.h"

/* What a <disk> or <interface> has told so far (p->dev while its children are read). */
struct dev_state {
    struct mica_disk_config disk;
    struct mica_nic_config nic;
    unsigned int source_line, target_line;
    bool have_mac, have_source;
};

static struct dev_state *dev(struct cfg_parse *p)
{
    return p->dev;
}

/* An attribute that must be there. */
static int need_attr(struct cfg_parse *p, const xmlNode *n, const char *name, char **out)
{
    int rc = cfg_attr(n, name, out);

    if (!rc && !*out)
        return cfg_fail(p, n, "no %s attribute", name);
    return rc;
}

/* ---- <disk> ---- */

static int el_driver(struct cfg_parse *p, xmlNode *n, const char *t)
{
    char *type;
    int rc = cfg_attr(n, "type", &type);

    (void)t;
    if (!rc && type && strcmp(type, "raw"))
        rc = cfg_fail(p, n, "type='%s': only raw images", type);
    free(type);
    return rc;
}

static int el_disk_source(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state *d = dev(p);
    bool block = d->disk.type == MICA_DISK_BLOCK;
    const char *want = block ? "dev" : "file", *other = block ? "file" : "dev";
    char *path = NULL, *wrong = NULL;
    int rc = cfg_attr(n, other, &wrong);

    (void)t;
    if (!rc && wrong)
        rc = cfg_fail(p, n, "%s= is for <disk type='%s'>; this disk's source is %s=", other,
                      block ? "file" : "block", want);
    if (!rc)
        rc = need_attr(p, n, want, &path);
    if (!rc && !*path)
        rc = cfg_fail(p, n, "%s='': the source is empty", want);
    if (!rc && path[0] != '/' && p->dir) {
        char *full;

        rc = asprintf(&full, "%s/%s", p->dir, path) < 0 ? -ENOMEM : 0;
        free(path);
        path = rc ? NULL : full;
    }
    if (!rc) {
        d->disk.source = path;
        d->source_line = cfg_line(n);
        path = NULL;
    }
    free(path);
    free(wrong);
    return rc;
}

/* The disk of c with this vdev, or NULL. */
static const struct mica_disk_config *disk_by_vdev(const struct mica_domain_config *c,
                                                   unsigned int vdev)
{
    for (unsigned int i = 0; i < c->nr_disks; i++)
        if (c->disks[i].vdev == vdev)
            return &c->disks[i];
    return NULL;
}

static int el_disk_target(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state *d = dev(p);
    const struct mica_disk_config *other;
    char *target = NULL, *bus = NULL, buf[160];
    const char *why;
    int rc = cfg_attr(n, "bus", &bus);

    (void)t;
    if (!rc && bus && strcmp(bus, "xen"))
        rc = cfg_fail(p, n, "bus='%s': only bus='xen' (a PV disk)", bus);
    if (!rc)
        rc = need_attr(p, n, "dev", &target);
    if (rc)
        goto out;
    why = mica_disk_target_problem(target, &d->disk.vdev, buf, sizeof(buf));
    if (why) {
        rc = cfg_fail(p, n, "%s", why);
        goto out;
    }
    other = disk_by_vdev(p->c, d->disk.vdev);
    if (other) {
        rc = cfg_fail(p, n, "%s is already the target of the disk on line %u", target,
                      other->line);
        goto out;
    }
    snprintf(d->disk.target, sizeof(d->disk.target), "%s", target);
    d->target_line = cfg_line(n);
out:
    free(target);
    free(bus);
    return rc;
}

static int el_readonly(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)n, (void)t;
    dev(p)->disk.readonly = 1;
    return 0;
}

static const struct cfg_handler disk_handlers[] = {
    { "driver", el_driver }, { "source", el_disk_source }, { "target", el_disk_target },
    { "readonly", el_readonly },
};

static int disk_type(struct cfg_parse *p, xmlNode *n, enum mica_disk_type *type)
{
    char *t = NULL, *device = NULL;
    int rc = need_attr(p, n, "type", &t);

    if (!rc && !strcmp(t, "file"))
        *type = MICA_DISK_FILE;
    else if (!rc && !strcmp(t, "block"))
        *type = MICA_DISK_BLOCK;
    else if (!rc)
        rc = cfg_fail(p, n, "type='%s': only 'file' (an image) or 'block' (a block device)", t);
    if (!rc)
        rc = cfg_attr(n, "device", &device);
    if (!rc && device && strcmp(device, "disk"))
        rc = cfg_fail(p, n, "device='%s': only 'disk' (no CD-ROM, floppy or LUN)", device);
    free(t);
    free(device);
    return rc;
}

/* The source, once <readonly/> is known: there, of its type, openable; absolute. */
static int disk_source(struct cfg_parse *p, struct dev_state *d)
{
    struct mica_domain_config *c = p->c;
    char buf[CTL_ERR_LEN], *abs;
    const char *why = mica_disk_source_problem(d->disk.type, d->disk.source, d->disk.readonly,
                                               buf, sizeof(buf));

    if (why)
        return ctl_config_fail(p->ctx, c, d->source_line, "source", -EINVAL, "%s", why);
    abs = realpath(d->disk.source, NULL);
    if (!abs)
        return ctl_config_fail(p->ctx, c, d->source_line, "source", -EINVAL,
                               "cannot resolve %s: %s", d->disk.source, strerror(errno));
    free(d->disk.source);
    d->disk.source = abs;
    for (unsigned int i = 0; i < c->nr_disks; i++)
        if (!strcmp(c->disks[i].source, abs) && !(c->disks[i].readonly && d->disk.readonly))
            return ctl_config_fail(p->ctx, c, d->source_line, "source", -EINVAL,
                                   "%s is the disk on line %u already (a source may be shared "
                                   "only when every disk of it is <readonly/>)", abs,
                                   c->disks[i].line);
    return 0;
}

static int add_disk(struct cfg_parse *p, const xmlNode *n, struct dev_state *d)
{
    struct mica_domain_config *c = p->c;
    struct mica_disk_config *disks;
    int rc;

    if (!d->disk.source)
        return cfg_fail(p, n, "no <source %s=...>", d->disk.type == MICA_DISK_BLOCK ? "dev" : "file");
    if (!d->disk.target[0])
        return cfg_fail(p, n, "no <target dev='xvdX'/>");
    rc = disk_source(p, d);
    if (rc)
        return rc;
    if (c->nr_disks >= MICA_DISKS_MAX)
        return cfg_fail(p, n, "more than %d disks", MICA_DISKS_MAX);
    disks = realloc(c->disks, (c->nr_disks + 1) * sizeof(*disks));
    if (!disks)
        return -ENOMEM;
    c->disks = disks;
    disks[c->nr_disks++] = d->disk;
    d->disk.source = NULL;
    return 0;
}

static int el_disk(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state d = { .disk.line = cfg_line(n) };
    int rc = disk_type(p, n, &d.disk.type);

    (void)t;
    if (!rc) {
        p->dev = &d;
        rc = CFG_WALK(p, n->children, disk_handlers);
        p->dev = NULL;
    }
    if (!rc)
        rc = add_disk(p, n, &d);
    free(d.disk.source);
    return rc;
}

/* ---- <interface> ---- */

static int el_nic_source(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state *d = dev(p);
    char *bridge = NULL, buf[128];
    const char *why;
    int rc = need_attr(p, n, "bridge", &bridge);

    (void)t;
    if (rc)
        return rc;
    why = mica_bridge_problem(bridge, buf, sizeof(buf));
    if (why)
        rc = cfg_fail(p, n, "%s", why);
    else
        snprintf(d->nic.bridge, sizeof(d->nic.bridge), "%s", bridge);
    free(bridge);
    return rc;
}

static int el_mac(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state *d = dev(p);
    const struct mica_domain_config *c = p->c;
    char *addr = NULL, buf[160];
    const char *why;
    int rc = need_attr(p, n, "address", &addr);

    (void)t;
    if (rc)
        return rc;
    why = mica_mac_problem(addr, d->nic.mac, buf, sizeof(buf));
    if (why)
        rc = cfg_fail(p, n, "%s", why);
    for (unsigned int i = 0; !rc && i < c->nr_nics; i++)
        if (!c->nics[i].mac_generated && !memcmp(c->nics[i].mac, d->nic.mac, sizeof(d->nic.mac)))
            rc = cfg_fail(p, n, "%s is the interface on line %u's already", addr, c->nics[i].line);
    d->have_mac = !rc;
    free(addr);
    return rc;
}

/* libvirt's Xen driver: <model type='netfront'/> is the PV interface, the only one here. */
static int el_model(struct cfg_parse *p, xmlNode *n, const char *t)
{
    char *type = NULL;
    int rc = need_attr(p, n, "type", &type);

    (void)t;
    if (!rc && strcmp(type, "netfront"))
        rc = cfg_fail(p, n, "type='%s': only 'netfront' (a PV interface)", type);
    free(type);
    return rc;
}

static const struct cfg_handler nic_handlers[] = {
    { "source", el_nic_source }, { "mac", el_mac }, { "model", el_model },
};

static int add_nic(struct cfg_parse *p, const xmlNode *n, struct dev_state *d)
{
    struct mica_domain_config *c = p->c;
    struct mica_nic_config *nics;

    if (c->nr_nics >= MICA_NICS_MAX)
        return cfg_fail(p, n, "more than %d interfaces", MICA_NICS_MAX);
    if (!d->nic.bridge[0])
        snprintf(d->nic.bridge, sizeof(d->nic.bridge), "%s", MICA_BRIDGE_DEFAULT);
    if (!d->have_mac) {
        mica_mac_generate(d->nic.mac);  /* a clash with a given one is settled at the end */
        d->nic.mac_generated = 1;
    }
    nics = realloc(c->nics, (c->nr_nics + 1) * sizeof(*nics));
    if (!nics)
        return -ENOMEM;
    c->nics = nics;
    d->nic.devid = c->nr_nics;
    nics[c->nr_nics++] = d->nic;
    return 0;
}

static int el_interface(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct dev_state d = { .nic.line = cfg_line(n) };
    char *type = NULL;
    int rc = need_attr(p, n, "type", &type);

    (void)t;
    if (!rc && strcmp(type, "bridge"))
        rc = cfg_fail(p, n, "type='%s': only 'bridge' (a tap on a Linux bridge)", type);
    free(type);
    if (!rc) {
        p->dev = &d;
        rc = CFG_WALK(p, n->children, nic_handlers);
        p->dev = NULL;
    }
    return rc ? rc : add_nic(p, n, &d);
}

/* ---- <console> ---- */

static int el_console_target(struct cfg_parse *p, xmlNode *n, const char *t)
{
    char *type = NULL, *port = NULL;
    int rc = cfg_attr(n, "type", &type);

    (void)t;
    if (!rc && type && strcmp(type, "xen"))
        rc = cfg_fail(p, n, "type='%s': only 'xen' (the PV console)", type);
    if (!rc)
        rc = cfg_attr(n, "port", &port);
    if (!rc && port && strcmp(port, "0"))
        rc = cfg_fail(p, n, "port='%s': a domain has one PV console, port 0", port);
    free(type);
    free(port);
    return rc;
}

static const struct cfg_handler console_handlers[] = {
    { "target", el_console_target },
};

static int el_console(struct cfg_parse *p, xmlNode *n, const char *t)
{
    char *type = NULL;
    int rc = need_attr(p, n, "type", &type);

    (void)t;
    if (!rc && strcmp(type, "pty"))
        rc = cfg_fail(p, n, "type='%s': only 'pty' (mica console attaches to it)", type);
    free(type);
    if (!rc)
        rc = CFG_WALK(p, n->children, console_handlers);
    if (!rc)
        p->c->pv_console = 1;
    return rc;
}

static const struct cfg_handler device_handlers[] = {
    { "disk", el_disk }, { "interface", el_interface }, { "console", el_console },
    { "hostdev", cfg_el_hostdev },
};

int cfg_el_devices(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    return CFG_WALK(p, n->children, device_handlers);
}

/* ---- <mica:store nodes= watches= transactions= value=/> ---- */

static const struct {
    const char *name;
    size_t offset;
    unsigned int max;
} quotas[] = {
    { "nodes", offsetof(struct mica_store_quota, nodes), CFG_STORE_NODES_MAX },
    { "watches", offsetof(struct mica_store_quota, watches), CFG_STORE_WATCHES_MAX },
    { "transactions", offsetof(struct mica_store_quota, transactions), CFG_STORE_TRANSACTIONS_MAX },
    { "value", offsetof(struct mica_store_quota, value), MICA_STORE_PAYLOAD_MAX },
};

static int quota_attr(struct cfg_parse *p, xmlNode *n, unsigned int i)
{
    char *v = NULL;
    uint64_t val;
    int rc = cfg_attr(n, quotas[i].name, &v);

    if (rc || !v)
        return rc;
    rc = cfg_u64(p, n, v, &val);
    if (!rc && (val == 0 || val > quotas[i].max))
        rc = cfg_fail(p, n, "%s='%s': 1 to %u", quotas[i].name, v, quotas[i].max);
    if (!rc)
        *(unsigned int *)((char *)&p->c->store_quota + quotas[i].offset) = (unsigned int)val;
    free(v);
    return rc;
}

/* An attribute that is not a quota's name (the schema would only say "not allowed"). */
static int store_unknown_attr(struct cfg_parse *p, xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        unsigned int i;

        for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
            if (!a->ns && !strcmp((const char *)a->name, quotas[i].name))
                break;
        if (i == sizeof(quotas) / sizeof(quotas[0]))
            return cfg_fail(p, n, "unknown attribute %s= (nodes, watches, transactions, value)",
                            (const char *)a->name);
    }
    return 0;
}

int cfg_el_store(struct cfg_parse *p, xmlNode *n, const char *t)
{
    int rc = store_unknown_attr(p, n);

    (void)t;
    p->c->store_quota.line = cfg_line(n);
    for (unsigned int i = 0; i < sizeof(quotas) / sizeof(quotas[0]) && !rc; i++)
        rc = quota_attr(p, n, i);
    return rc;
}

static bool mac_clash(const struct mica_domain_config *c, unsigned int i)
{
    for (unsigned int j = 0; j < c->nr_nics; j++)
        if (j != i && !memcmp(c->nics[i].mac, c->nics[j].mac, sizeof(c->nics[i].mac)))
            return true;
    return false;
}

/* A generated MAC that meets another interface's: draw again. */
int cfg_devices_whole(struct cfg_parse *p)
{
    struct mica_domain_config *c = p->c;

    for (unsigned int i = 0; i < c->nr_nics; i++)
        while (c->nics[i].mac_generated && mac_clash(c, i))
            mica_mac_generate(c->nics[i].mac);
    return 0;
}
