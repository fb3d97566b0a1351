/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain XML (docs/mica-domain.xml.md): libvirt's element names, parsed with
 * libxml2 in four passes, each stopping at the first problem with
 * "FILE:LINE: element: problem":
 *   1. well-formed XML (libxml2's parser);
 *   2. every element is one this format knows (a name table, so a typo says
 *      "unknown element" rather than a schema's generic complaint);
 *   3. valid against the shipped RelaxNG schema (structure, required
 *      elements, attributes, enumerations);
 *   4. the values: numbers, units, ranges, files, cross-element checks.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <uuid.h>
#include <public/domctl.h>
#include "config_priv.h"

int cfg_fail(struct cfg_parse *p, const xmlNode *n, const char *fmt, ...)
{
    char msg[CTL_ERR_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ctl_fail(p->ctx, -EINVAL, "%s:%ld: %s%s%s: %s", p->file,
                    n ? xmlGetLineNo(n) : 0L,
                    n && n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "",
                    n && n->ns && n->ns->prefix ? ":" : "",
                    n ? (const char *)n->name : "domain", msg);
}

char *cfg_text(const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t ? (const char *)t : "";
    size_t len;
    char *out;

    s += strspn(s, " \t\r\n");
    len = strlen(s);
    while (len && strchr(" \t\r\n", s[len - 1]))
        len--;
    out = strndup(s, len);
    xmlFree(t);
    return out;
}

unsigned int cfg_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);

    return l > 0 ? (unsigned int)l : 0;
}

/* ---- pass 2: every element known, in its place, once unless it may repeat ---- */

static const struct {
    const char *name, *parent;  /* parent NULL: the root */
    bool repeats;
    bool mica_ns;               /* in Mica's namespace (MICA_XML_NS), e.g. <mica:store> */
} known[] = {
    { "domain", NULL, false, false },
    { "name", "domain", false, false }, { "uuid", "domain", false, false },
    { "title", "domain", false, false }, { "description", "domain", false, false },
    { "memory", "domain", false, false }, { "currentMemory", "domain", false, false },
    { "vcpu", "domain", false, false }, { "os", "domain", false, false },
    { "on_poweroff", "domain", false, false }, { "on_reboot", "domain", false, false },
    { "on_crash", "domain", false, false }, { "cputune", "domain", false, false },
    { "devices", "domain", false, false }, { "store", "domain", false, true },
    { "type", "os", false, false }, { "kernel", "os", false, false },
    { "initrd", "os", false, false }, { "cmdline", "os", false, false },
    { "vcpupin", "cputune", true, false }, { "shares", "cputune", false, false },
    { "period", "cputune", false, false }, { "quota", "cputune", false, false },
    { "disk", "devices", true, false }, { "interface", "devices", true, false },
    { "console", "devices", false, false },
    { "driver", "disk", false, false }, { "source", "disk", false, false },
    { "target", "disk", false, false }, { "readonly", "disk", false, false },
    { "source", "interface", false, false }, { "mac", "interface", false, false },
    { "model", "interface", false, false },
    { "target", "console", false, false },
    { "hostdev", "devices", true, false }, { "source", "hostdev", false, false },
    { "address", "source", false, false },
};
#define NR_KNOWN (sizeof(known) / sizeof(known[0]))

static bool in_mica_ns(const xmlNode *n)
{
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, MICA_XML_NS);
}

/* n, outside Mica's namespace, has the name of one of Mica's own elements. */
static bool mica_element(const xmlNode *n)
{
    for (size_t i = 0; i < NR_KNOWN; i++)
        if (known[i].mica_ns && !n->ns && !strcmp((const char *)n->name, known[i].name))
            return true;
    return false;
}

/* The entry for n under parent, else the first of its name (to say where it belongs). */
static size_t known_index(const xmlNode *n, const xmlNode *parent)
{
    size_t first = NR_KNOWN;

    for (size_t i = 0; i < NR_KNOWN; i++) {
        if (strcmp((const char *)n->name, known[i].name) || known[i].mica_ns != in_mica_ns(n))
            continue;
        if (known[i].parent && parent && !strcmp(known[i].parent, (const char *)parent->name))
            return i;
        if (first == NR_KNOWN)
            first = i;
    }
    return first;
}

/* The earlier sibling of the same name, if any. */
static const xmlNode *earlier(const xmlNode *n)
{
    for (const xmlNode *s = n->prev; s; s = s->prev)
        if (s->type == XML_ELEMENT_NODE && !strcmp((const char *)s->name, (const char *)n->name))
            return s;
    return NULL;
}

static int check_names(struct cfg_parse *p, const xmlNode *parent)
{
    for (const xmlNode *n = parent->children; n; n = n->next) {
        const xmlNode *first;
        size_t i;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->ns && !in_mica_ns(n))
            return cfg_fail(p, n, "unknown element (namespace %s; Mica's is %s)",
                            n->ns->href ? (const char *)n->ns->href : "?", MICA_XML_NS);
        i = known_index(n, parent);
        if (i == NR_KNOWN && mica_element(n))
            return cfg_fail(p, n, "unknown element (Mica's <%s> is in its namespace: "
                            "<mica:%s xmlns:mica='%s'>)", (const char *)n->name,
                            (const char *)n->name, MICA_XML_NS);
        if (i == NR_KNOWN)
            return cfg_fail(p, n, "unknown element");
        if (!known[i].parent || strcmp(known[i].parent, (const char *)parent->name))
            return cfg_fail(p, n, "not allowed in <%s> (it belongs in <%s>)",
                            (const char *)parent->name,
                            known[i].parent ? known[i].parent : "no element");
        first = known[i].repeats ? NULL : earlier(n);
        if (first)
            return cfg_fail(p, n, "a second <%s> (the first is on line %ld)",
                            (const char *)n->name, xmlGetLineNo(first));
        if (check_names(p, n))
            return -EINVAL;
    }
    return 0;
}

/* ---- pass 4: one handler per element, from a table ---- */


static int el_name(struct cfg_parse *p, xmlNode *n, const char *t)
{
    p->c->lines.name = cfg_line(n);
    if (cfg_name(p, n, t))
        return -EINVAL;
    snprintf(p->c->name, sizeof(p->c->name), "%s", t);
    return 0;
}

static int el_uuid(struct cfg_parse *p, xmlNode *n, const char *t)
{
    p->c->lines.uuid = cfg_line(n);
    p->have_uuid = true;
    return cfg_uuid(p, n, t, p->c->uuid);
}

static int el_memory(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    p->c->lines.memory = cfg_line(n);
    return cfg_memory_kb(p, n, &p->c->max_mem_kb);
}

static int el_current(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    p->c->lines.current_memory = cfg_line(n);
    p->have_current = true;
    return cfg_memory_kb(p, n, &p->c->mem_kb);
}

static int el_vcpu(struct cfg_parse *p, xmlNode *n, const char *t)
{
    uint64_t v;

    p->c->lines.vcpu = cfg_line(n);
    if (cfg_u64(p, n, t, &v))
        return -EINVAL;
    if (v == 0 || v > MICA_MAX_VCPUS)
        return cfg_fail(p, n, "%s vCPUs: 1 to %d", t, MICA_MAX_VCPUS);
    p->c->vcpus = (unsigned int)v;
    return 0;
}

static const struct {
    const char *name;
    enum mica_action action;
} actions[] = {
    { "destroy", MICA_ACTION_DESTROY }, { "restart", MICA_ACTION_RESTART },
    { "preserve", MICA_ACTION_PRESERVE },
};

static int action(struct cfg_parse *p, xmlNode *n, const char *t, enum mica_action *a)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(t, actions[i].name)) {
            *a = actions[i].action;
            return 0;
        }
    return cfg_fail(p, n, "'%s' is not destroy, restart or preserve", t);
}

static int el_poweroff(struct cfg_parse *p, xmlNode *n, const char *t)
{
    return action(p, n, t, &p->c->on_poweroff);
}

static int el_reboot(struct cfg_parse *p, xmlNode *n, const char *t)
{
    return action(p, n, t, &p->c->on_reboot);
}

static int el_crash(struct cfg_parse *p, xmlNode *n, const char *t)
{
    return action(p, n, t, &p->c->on_crash);
}

static int el_ignore(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)p, (void)n, (void)t;
    return 0;
}

static int el_os_type(struct cfg_parse *p, xmlNode *n, const char *t)
{
    if (strcmp(t, "linux"))
        return cfg_fail(p, n, "'%s': only linux (a bzImage) can be booted", t);
    return 0;
}

static int el_kernel(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    p->c->lines.kernel = cfg_line(n);
    return cfg_file(p, n, &p->c->kernel);
}

static int el_initrd(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    p->c->lines.initrd = cfg_line(n);
    return cfg_file(p, n, &p->c->initrd);
}

static int el_cmdline(struct cfg_parse *p, xmlNode *n, const char *t)
{
    p->c->lines.cmdline = cfg_line(n);
    if (cfg_cmdline(p, n, t))
        return -EINVAL;
    p->c->cmdline = strdup(t);
    return p->c->cmdline ? 0 : -ENOMEM;
}

static const struct cfg_handler os_handlers[] = {
    { "type", el_os_type }, { "kernel", el_kernel }, { "initrd", el_initrd },
    { "cmdline", el_cmdline },
};

static int el_os(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    return cfg_walk(p, n->children, os_handlers, sizeof(os_handlers) / sizeof(os_handlers[0]));
}

int cfg_attr(const xmlNode *n, const char *name, char **out)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);

    *out = NULL;
    if (!v)
        return 0;
    *out = strdup((const char *)v);
    xmlFree(v);
    return *out ? 0 : -ENOMEM;
}

static int pin_attr(struct cfg_parse *p, xmlNode *n, const char *attr, char **out)
{
    int rc = cfg_attr(n, attr, out);

    if (!rc && !*out)
        return cfg_fail(p, n, "no %s attribute", attr);
    return rc;
}

static int add_pin(struct cfg_parse *p, xmlNode *n, unsigned int vcpu, uint64_t mask)
{
    struct mica_domain_config *c = p->c;
    struct mica_vcpupin *pins;

    for (unsigned int i = 0; i < c->nr_pins; i++)
        if (c->pins[i].vcpu == vcpu)
            return cfg_fail(p, n, "vCPU %u is pinned twice (first on line %u)", vcpu,
                            c->pins[i].line);
    pins = realloc(c->pins, (c->nr_pins + 1) * sizeof(*pins));
    if (!pins)
        return -ENOMEM;
    c->pins = pins;
    pins[c->nr_pins++] = (struct mica_vcpupin){ .vcpu = vcpu, .cpus = mask, .line = cfg_line(n) };
    return 0;
}

static int el_vcpupin(struct cfg_parse *p, xmlNode *n, const char *t)
{
    char *vcpu = NULL, *cpuset = NULL;
    uint64_t v, mask;
    int rc;

    (void)t;
    rc = pin_attr(p, n, "vcpu", &vcpu);
    if (!rc)
        rc = pin_attr(p, n, "cpuset", &cpuset);
    if (!rc)
        rc = cfg_u64(p, n, vcpu, &v);
    if (!rc && v >= MICA_MAX_VCPUS)
        rc = cfg_fail(p, n, "vcpu='%s': vCPUs are numbered 0 to %d", vcpu, MICA_MAX_VCPUS - 1);
    if (!rc)
        rc = cfg_cpuset(p, n, cpuset, &mask);
    if (!rc)
        rc = add_pin(p, n, (unsigned int)v, mask);
    free(vcpu);
    free(cpuset);
    return rc;
}

static int el_shares(struct cfg_parse *p, xmlNode *n, const char *t)
{
    uint64_t v;

    p->c->lines.shares = cfg_line(n);
    if (cfg_u64(p, n, t, &v))
        return -EINVAL;
    if (v == 0 || v > CFG_WEIGHT_MAX)
        return cfg_fail(p, n, "%s: the credit weight is 1 to %u", t, CFG_WEIGHT_MAX);
    p->c->weight = (unsigned int)v;
    return 0;
}

static int el_period(struct cfg_parse *p, xmlNode *n, const char *t)
{
    p->period_line = cfg_line(n);
    if (cfg_u64(p, n, t, &p->period))
        return -EINVAL;
    if (p->period < CFG_PERIOD_MIN || p->period > CFG_PERIOD_MAX)
        return cfg_fail(p, n, "%s microseconds: %llu to %llu", t, CFG_PERIOD_MIN, CFG_PERIOD_MAX);
    p->have_period = true;
    return 0;
}

static int el_quota(struct cfg_parse *p, xmlNode *n, const char *t)
{
    p->c->lines.quota = cfg_line(n);
    if (!strcmp(t, "-1"))                       /* libvirt: no limit */
        return 0;
    if (cfg_u64(p, n, t, &p->quota))
        return -EINVAL;
    if (p->quota < CFG_PERIOD_MIN)
        return cfg_fail(p, n, "%s microseconds: -1 (none) or at least %llu", t, CFG_PERIOD_MIN);
    p->have_quota = true;
    return 0;
}

static const struct cfg_handler cputune_handlers[] = {
    { "vcpupin", el_vcpupin }, { "shares", el_shares }, { "period", el_period },
    { "quota", el_quota },
};

static int el_cputune(struct cfg_parse *p, xmlNode *n, const char *t)
{
    (void)t;
    return cfg_walk(p, n->children, cputune_handlers,
                sizeof(cputune_handlers) / sizeof(cputune_handlers[0]));
}

static const struct cfg_handler domain_handlers[] = {
    { "name", el_name }, { "uuid", el_uuid }, { "memory", el_memory },
    { "currentMemory", el_current }, { "vcpu", el_vcpu }, { "os", el_os },
    { "on_poweroff", el_poweroff }, { "on_reboot", el_reboot }, { "on_crash", el_crash },
    { "cputune", el_cputune }, { "description", el_ignore }, { "title", el_ignore },
    { "devices", cfg_el_devices }, { "store", cfg_el_store },
};

int cfg_walk(struct cfg_parse *p, xmlNode *n, const struct cfg_handler *h, size_t nr)
{
    for (; n; n = n->next) {
        size_t i;
        char *text;
        int rc;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (i = 0; i < nr && strcmp((const char *)n->name, h[i].name); i++)
            ;
        if (i == nr)
            return cfg_fail(p, n, "not allowed here");   /* the schema says so first */
        text = cfg_text(n);
        if (!text)
            return -ENOMEM;
        rc = h[i].fn(p, n, text);
        free(text);
        if (rc)
            return rc;
    }
    return 0;
}

/* Checks across elements, once all are read. */
static int check_whole(struct cfg_parse *p)
{
    struct mica_domain_config *c = p->c;

    if (!p->have_current)
        c->mem_kb = c->max_mem_kb;
    else if (c->mem_kb > c->max_mem_kb)
        return ctl_config_fail(p->ctx, c, c->lines.current_memory, "currentMemory", -EINVAL,
                               "%llu KiB is more than <memory> (%llu KiB)",
                               (unsigned long long)c->mem_kb, (unsigned long long)c->max_mem_kb);
    for (unsigned int i = 0; i < c->nr_pins; i++)
        if (c->pins[i].vcpu >= c->vcpus)
            return ctl_config_fail(p->ctx, c, c->pins[i].line, "vcpupin", -EINVAL,
                                   "vCPU %u does not exist (<vcpu> is %u)", c->pins[i].vcpu, c->vcpus);
    if (p->have_quota) {
        uint64_t period = p->have_period ? p->period : CFG_PERIOD_DEFAULT;
        uint64_t cap = (p->quota * 100 + period - 1) / period;

        if (cap > CFG_CAP_MAX)
            return ctl_config_fail(p->ctx, c, c->lines.quota, "quota", -EINVAL,
                                   "%llu%% of a CPU is more than 64 CPUs", (unsigned long long)cap);
        c->cap = (unsigned int)cap;
    }
    if (!p->have_uuid)
        uuid_generate(c->uuid);
    return cfg_devices_whole(p);
}

static int check_root(struct cfg_parse *p, xmlNode *root)
{
    xmlChar *type;
    int rc = 0;

    if (!root)
        return cfg_fail(p, NULL, "the document is empty");
    if (strcmp((const char *)root->name, "domain"))
        return cfg_fail(p, root, "the top element must be <domain type='mica'>");
    type = xmlGetProp(root, BAD_CAST "type");
    if (!type || strcmp((const char *)type, "mica"))
        rc = cfg_fail(p, root, "type='%s': only type='mica'", type ? (const char *)type : "");
    xmlFree(type);
    p->c->lines.domain = cfg_line(root);
    return rc;
}

/* ---- pass 1: the XML itself, with libxml2's first error located ---- */

struct xml_err {
    struct cfg_parse *p;
    bool seen;
};

static void xml_error(void *data, xmlErrorPtr e)
{
    struct xml_err *x = data;
    char msg[CTL_ERR_LEN];
    size_t len;

    if (x->seen || e->level < XML_ERR_ERROR)
        return;
    x->seen = true;
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "malformed XML");
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    ctl_fail(x->p->ctx, -EINVAL, "%s:%d: xml: %s", x->p->file, e->line, msg);
}

/* A DTD could pull in entities (files, other hosts): none is taken. */
static int refuse_doctype(struct cfg_parse *p, const char *xml, size_t len)
{
    const char *at = memmem(xml, len, "<!DOCTYPE", 9);
    unsigned int line = 1;

    for (const char *q = xml; at && q < at; q++)
        line += *q == '\n';
    return ctl_fail(p->ctx, -EINVAL, "%s:%u: xml: a DOCTYPE is not allowed (no DTD, no entities)",
                    p->file, line);
}

/* Nothing but white space (the buffer need not end in a NUL). */
static bool blank(const char *xml, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", xml[i]) || !xml[i])
            return false;
    return true;
}

static xmlDoc *read_xml(struct cfg_parse *p, const char *xml, size_t len)
{
    struct xml_err x = { .p = p };
    xmlDoc *doc;

    if (blank(xml, len)) {
        ctl_fail(p->ctx, -EINVAL, "%s:1: xml: the file is empty", p->file);
        return NULL;
    }

    xmlSetStructuredErrorFunc(&x, xml_error);
    doc = xmlReadMemory(xml, (int)len, p->file, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc && !x.seen)
        cfg_fail(p, NULL, "malformed XML");
    if (doc && !x.seen && (doc->intSubset || doc->extSubset)) {
        refuse_doctype(p, xml, len);
        x.seen = true;
    }
    if (doc && x.seen) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

static int parse_doc(struct cfg_parse *p, xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc = check_root(p, root);

    if (!rc)
        rc = check_names(p, root);
    if (!rc)
        rc = cfg_walk(p, root->children, domain_handlers,
                  sizeof(domain_handlers) / sizeof(domain_handlers[0]));
    if (!rc)
        rc = cfg_validate(p, doc);
    if (!rc)
        rc = check_whole(p);
    return rc;
}

static int parse(mica_ctx *ctx, const char *xml, size_t len, const char *file,
                 struct mica_domain_config **out)
{
    struct mica_domain_config *c = calloc(1, sizeof(*c));
    struct cfg_parse p = { .ctx = ctx, .file = file, .c = c };
    char *copy = strdup(file);
    xmlDoc *doc = NULL;
    int rc = -ENOMEM;

    *out = NULL;
    if (!c || !copy || !(c->path = strdup(file)))
        goto out;
    c->on_reboot = MICA_ACTION_RESTART;         /* libvirt's defaults; the others destroy */
    if (strcmp(file, "-") && strchr(file, '/'))
        p.dir = strdup(dirname(copy));
    rc = -EINVAL;
    if (len > INT32_MAX) {
        cfg_fail(&p, NULL, "the file is too large");
        goto out;
    }
    doc = read_xml(&p, xml, len);
    if (!doc)
        goto out;
    rc = parse_doc(&p, doc);
out:
    xmlFreeDoc(doc);
    free(copy);
    free(p.dir);
    if (rc)
        mica_config_free(c);
    else
        *out = c;
    return rc;
}

int mica_config_parse_memory(mica_ctx *ctx, const char *xml, size_t len,
                             const char *name_for_errors,
                             struct mica_domain_config **out)
{
    ctl_clear_error(ctx);
    return parse(ctx, xml, len, name_for_errors ? name_for_errors : "<memory>", out);
}

int mica_config_parse_file(mica_ctx *ctx, const char *path,
                           struct mica_domain_config **out)
{
    void *data;
    size_t size;
    int rc;

    *out = NULL;
    ctl_clear_error(ctx);
    rc = ctl_read_file(path, &data, &size);
    if (rc)
        return ctl_fail(ctx, rc, "%s: cannot read it: %s", path, strerror(-rc));
    rc = parse(ctx, data, size, path, out);
    free(data);
    return rc;
}

void mica_config_free(struct mica_domain_config *c)
{
    if (!c)
        return;
    free(c->kernel);
    free(c->initrd);
    free(c->cmdline);
    free(c->pins);
    for (unsigned int i = 0; i < c->nr_disks; i++)
        free(c->disks[i].source);
    free(c->disks);
    free(c->nics);
    free(c->hostdevs);
    free(c->path);
    free(c);
}
