/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation against the shipped RelaxNG schema, MICA_SCHEMA_DIR/domain.rng
 * (the environment's MICA_SCHEMA_DIR first, for the tests' in-tree copy).
 * libxml2 reports each problem with its node; the first one is kept.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libxml/relaxng.h>
#include "config_priv.h"

struct rng_err {
    struct cfg_parse *p;
    const xmlNode *root;
    bool seen;
};

/* The first element named name, depth first. */
static const xmlNode *find_element(const xmlNode *n, const char *name)
{
    for (; n; n = n->next) {
        const xmlNode *found;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)n->name, name))
            return n;
        found = find_element(n->children, name);
        if (found)
            return found;
    }
    return NULL;
}

/*
 * libxml2 reports a child that fails inside <interleave> as "Extra element
 * NAME in interleave" without a node: point at that element (the structure
 * pass has already refused duplicates, so the first of the name is it).
 */
static const xmlNode *interleave_node(const xmlNode *root, const char *msg)
{
    char name[64];

    if (sscanf(msg, "Extra element %63s in interleave", name) != 1)
        return NULL;
    return find_element(root, name);
}

static void rng_error(void *data, xmlErrorPtr e)
{
    struct rng_err *r = data;
    const xmlNode *n = e->node;
    char msg[CTL_ERR_LEN];
    size_t len;
    long line = e->line;

    if (r->seen || e->level < XML_ERR_ERROR)
        return;
    r->seen = true;
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "not valid");
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    if (!n || n->type != XML_ELEMENT_NODE) {
        n = interleave_node(r->root, msg);
        if (n)
            snprintf(msg, sizeof(msg), "an attribute or content the schema does not allow");
    }
    if (n && n->type == XML_ELEMENT_NODE && xmlGetLineNo(n) > 0) {
        line = xmlGetLineNo(n);
    } else {                                    /* interleave errors carry no node */
        n = r->root;
        if (line <= 0)
            line = xmlGetLineNo(n);
    }
    ctl_fail(r->p->ctx, -EINVAL, "%s:%ld: %s: schema: %s", r->p->file, line,
             (const char *)n->name, msg);
}

static void quiet(void *data, xmlErrorPtr e)
{
    (void)data, (void)e;
}

static xmlRelaxNGPtr load_schema(struct cfg_parse *p)
{
    char path[4096];
    xmlRelaxNGParserCtxtPtr pc;
    xmlRelaxNGPtr schema = NULL;

    snprintf(path, sizeof(path), "%s/domain.rng", ctl_schema_dir());
    pc = xmlRelaxNGNewParserCtxt(path);
    if (pc) {
        xmlRelaxNGSetParserStructuredErrors(pc, quiet, NULL);
        schema = xmlRelaxNGParse(pc);
        xmlRelaxNGFreeParserCtxt(pc);
    }
    if (!schema)
        ctl_fail(p->ctx, -ENOENT, "%s: cannot load the domain XML schema", path);
    return schema;
}

int cfg_validate(struct cfg_parse *p, xmlDoc *doc)
{
    struct rng_err r = { .p = p, .root = xmlDocGetRootElement(doc) };
    xmlRelaxNGPtr schema = load_schema(p);
    xmlRelaxNGValidCtxtPtr vc;
    int rc = -ENOMEM;

    if (!schema)
        return -ENOENT;
    vc = xmlRelaxNGNewValidCtxt(schema);
    if (vc) {
        xmlRelaxNGSetValidStructuredErrors(vc, rng_error, &r);
        rc = xmlRelaxNGValidateDoc(vc, doc) ? -EINVAL : 0;
        if (rc && !r.seen)
            cfg_fail(p, xmlDocGetRootElement(doc), "not valid against the schema");
        xmlRelaxNGFreeValidCtxt(vc);
    }
    xmlRelaxNGFree(schema);
    return rc;
}
