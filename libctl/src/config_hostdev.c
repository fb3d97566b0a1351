/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <hostdev> in the domain XML (docs/mica-domain.xml.md, docs/iommu.md
 * "Assignment"): a host PCI function given to the domain, libvirt's form
 *   <hostdev mode='subsystem' type='pci' managed='yes|no'>
 *     <source><address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></source>
 *   </hostdev>
 * Each address value is libvirt's: 0x-prefixed hex or decimal, in range
 * (domain 16 bits here: a PCI segment; bus 8 bits, slot 0..31, function
 * 0..7). A function listed twice is refused; whether it exists and may be
 * given is the hypervisor's to say at create.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_priv.h"

/* What a <hostdev> has told so far (p->dev while its children are read). */
struct hostdev_state {
    struct mica_hostdev_config h;
    bool have_address;
};

static const struct {
    const char *name;
    unsigned int max;
    bool required;
} addr_attrs[] = {
    { "domain", PCI_SEG_MAX, false }, { "bus", PCI_BUS_MAX, true },
    { "slot", PCI_SLOT_MAX, true }, { "function", PCI_FUNC_MAX, true },
};
#define NR_ADDR_ATTRS (sizeof(addr_attrs) / sizeof(addr_attrs[0]))

/* libvirt's number: "0x" and 1..8 hex digits, or decimal digits. */
static int addr_number(const char *s, unsigned long *v)
{
    bool hex = !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2);
    const char *digits = hex ? s + 2 : s;
    size_t n = strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789");

    if (!n || digits[n] || n > (hex ? 8 : 10))
        return -EINVAL;
    *v = strtoul(digits, NULL, hex ? 16 : 10);
    return 0;
}

static int addr_attr(struct cfg_parse *p, xmlNode *n, unsigned int i, unsigned int *out)
{
    char *v = NULL;
    unsigned long val = 0;
    int rc = cfg_attr(n, addr_attrs[i].name, &v);

    if (rc)
        return rc;
    if (!v && addr_attrs[i].required)
        return cfg_fail(p, n, "no %s= attribute", addr_attrs[i].name);
    if (v && addr_number(v, &val))
        rc = cfg_fail(p, n, "%s='%s': not a number (0x and hex digits, or decimal)",
                      addr_attrs[i].name, v);
    else if (v && val > addr_attrs[i].max)
        rc = cfg_fail(p, n, "%s='%s': out of range (0 to %#x)", addr_attrs[i].name, v,
                      addr_attrs[i].max);
    *out = (unsigned int)val;
    free(v);
    return rc;
}

/* The <hostdev> of c with this address, or NULL. */
static const struct mica_hostdev_config *hostdev_at(const struct mica_domain_config *c,
                                                    const struct mica_pci_addr *a)
{
    for (unsigned int i = 0; i < c->nr_hostdevs; i++)
        if (c->hostdevs[i].addr.seg == a->seg && MICA_PCI_BDF(&c->hostdevs[i].addr) ==
            MICA_PCI_BDF(a))
            return &c->hostdevs[i];
    return NULL;
}

/* An attribute that is not an address field (the schema would only say "not allowed"). */
static int address_unknown_attr(struct cfg_parse *p, xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        unsigned int i;

        for (i = 0; i < NR_ADDR_ATTRS; i++)
            if (!a->ns && !strcmp((const char *)a->name, addr_attrs[i].name))
                break;
        if (i == NR_ADDR_ATTRS)
            return cfg_fail(p, n, "unknown attribute %s= (domain, bus, slot, function)",
                            (const char *)a->name);
    }
    return 0;
}

static int el_address(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct hostdev_state *d = p->dev;
    const struct mica_hostdev_config *other;
    unsigned int v[NR_ADDR_ATTRS];
    char bdf[MICA_PCI_STR_LEN];
    int rc = address_unknown_attr(p, n);

    (void)t;
    for (unsigned int i = 0; i < NR_ADDR_ATTRS && !rc; i++)
        rc = addr_attr(p, n, i, &v[i]);
    if (rc)
        return rc;
    d->h.addr = (struct mica_pci_addr){ .seg = (uint16_t)v[0], .bus = (uint8_t)v[1],
                                        .slot = (uint8_t)v[2], .func = (uint8_t)v[3] };
    other = hostdev_at(p->c, &d->h.addr);
    if (other) {
        mica_pci_addr_str(&d->h.addr, bdf);
        return cfg_fail(p, n, "PCI %s is the <hostdev> on line %u already", bdf, other->line);
    }
    d->have_address = true;
    return 0;
}

static const struct cfg_handler source_handlers[] = {
    { "address", el_address },
};

static int el_source(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct hostdev_state *d = p->dev;
    int rc;

    (void)t;
    rc = CFG_WALK(p, n->children, source_handlers);
    if (!rc && !d->have_address)
        rc = cfg_fail(p, n, "no <address domain= bus= slot= function=/>");
    return rc;
}

static const struct cfg_handler hostdev_handlers[] = {
    { "source", el_source },
};

/* An attribute that must be there and have one value. */
static int fixed_attr(struct cfg_parse *p, xmlNode *n, const char *name, const char *want,
                      const char *why)
{
    char *v = NULL;
    int rc = cfg_attr(n, name, &v);

    if (!rc && !v)
        rc = cfg_fail(p, n, "no %s= attribute (%s='%s')", name, name, want);
    else if (!rc && strcmp(v, want))
        rc = cfg_fail(p, n, "%s='%s': only '%s' (%s)", name, v, want, why);
    free(v);
    return rc;
}

static int hostdev_attrs(struct cfg_parse *p, xmlNode *n, int *managed)
{
    char *m = NULL;
    int rc = fixed_attr(p, n, "mode", "subsystem", "a host PCI function");

    if (!rc)
        rc = fixed_attr(p, n, "type", "pci", "PCI functions only");
    if (!rc)
        rc = cfg_attr(n, "managed", &m);
    if (!rc && m && strcmp(m, "yes") && strcmp(m, "no"))
        rc = cfg_fail(p, n, "managed='%s': 'yes' or 'no'", m);
    *managed = m && !strcmp(m, "yes");
    free(m);
    return rc;
}

static int add_hostdev(struct cfg_parse *p, const xmlNode *n, const struct hostdev_state *d)
{
    struct mica_domain_config *c = p->c;
    struct mica_hostdev_config *h;

    if (!d->have_address)
        return cfg_fail(p, n, "no <source><address domain= bus= slot= function=/></source>");
    if (c->nr_hostdevs >= MICA_HOSTDEVS_MAX)
        return cfg_fail(p, n, "more than %d host devices", MICA_HOSTDEVS_MAX);
    h = realloc(c->hostdevs, (c->nr_hostdevs + 1) * sizeof(*h));
    if (!h)
        return -ENOMEM;
    c->hostdevs = h;
    h[c->nr_hostdevs++] = d->h;
    return 0;
}

int cfg_el_hostdev(struct cfg_parse *p, xmlNode *n, const char *t)
{
    struct hostdev_state d = { .h.line = cfg_line(n) };
    int rc = hostdev_attrs(p, n, &d.h.managed);

    (void)t;
    if (!rc) {
        p->dev = &d;
        rc = CFG_WALK(p, n->children, hostdev_handlers);
        p->dev = NULL;
    }
    return rc ? rc : add_hostdev(p, n, &d);
}
