/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor command line: "name[=value]" words separated by blanks.
 *
 * The line is read in place (it lives in the multiboot2 information), so a
 * word is a pointer and a length, and messages print it with "%.*s". Every
 * problem is reported and counted; a bad value leaves the variable at its
 * default rather than half-set.
 */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

struct word {
    const char *name;
    size_t name_len;
    const char *val;        /* NULL for a bare "name" */
    size_t val_len;
};

/* Longest number we copy out to parse; u64 in hex or decimal fits easily. */
#define NUM_BUF 32

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Split the next word off p into w; returns where to continue, or NULL at the end. */
static const char *next_word(const char *p, struct word *w)
{
    const char *eq;

    while (is_blank(*p))
        p++;
    if (!*p)
        return NULL;
    w->name = p;
    while (*p && !is_blank(*p))
        p++;
    eq = w->name;
    while (eq < p && *eq != '=')
        eq++;
    w->name_len = (size_t)(eq - w->name);
    w->val = eq < p ? eq + 1 : NULL;
    w->val_len = eq < p ? (size_t)(p - eq - 1) : 0;
    return p;
}

static bool same(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncmp(s, word, len) == 0;
}

static const struct param *find_param(const struct param *params, size_t nr,
                                      const char *name, size_t len)
{
    for (size_t i = 0; i < nr; i++)
        if (same(name, len, params[i].name))
            return &params[i];
    return NULL;
}

/* 1 or 0 for the spellings of true and false we accept; -EINVAL otherwise. */
static int bool_value(const char *s, size_t len)
{
    static const char *const yes[] = { "1", "yes", "on", "true" };
    static const char *const no[] = { "0", "no", "off", "false" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (same(s, len, yes[i]))
            return 1;
        if (same(s, len, no[i]))
            return 0;
    }
    return -EINVAL;
}

static int set_bool(const struct param *p, const struct word *w, bool negated)
{
    int v = w->val ? bool_value(w->val, w->val_len) : !negated;

    if (negated && w->val) {
        pr_warn("cmdline: no-%s: takes no value\n", p->name);
        return -EINVAL;
    }
    if (v < 0) {
        pr_warn("cmdline: %s: bad boolean '%.*s' (use 1/0, yes/no, on/off, true/false)\n",
                p->name, (int)w->val_len, w->val);
        return -EINVAL;
    }
    *(bool *)p->var = v;
    return 0;
}

/* Parse a PARAM_UINT or PARAM_SIZE value into *v, reporting what is wrong. */
static int parse_number(const struct param *p, const struct word *w, uint64_t *v)
{
    char buf[NUM_BUF];
    const char *end;
    bool over = false;
    int rc = -EINVAL;

    if (w->val_len < sizeof(buf)) {
        memcpy(buf, w->val, w->val_len);
        buf[w->val_len] = '\0';
        if (p->type == PARAM_SIZE) {
            rc = parse_size(buf, v);
        } else {
            *v = parse_u64(buf, &end, 0, &over);
            rc = (end == buf || *end) ? -EINVAL : over ? -ERANGE : 0;
        }
    }
    if (rc == -ERANGE)
        pr_warn("cmdline: %s: '%.*s' is too large\n", p->name, (int)w->val_len, w->val);
    else if (rc)
        pr_warn("cmdline: %s: bad %s '%.*s'\n", p->name,
                p->type == PARAM_SIZE ? "size" : "number", (int)w->val_len, w->val);
    return rc;
}

static int set_number(const struct param *p, const struct word *w)
{
    uint64_t v;

    if (parse_number(p, w, &v))
        return -EINVAL;
    if (v < p->min) {
        pr_warn("cmdline: %s: %lu is below the minimum %lu\n", p->name, v, p->min);
        return -ERANGE;
    }
    if (p->max && v > p->max) {
        pr_warn("cmdline: %s: %lu is above the maximum %lu\n", p->name, v, p->max);
        return -ERANGE;
    }
    *(uint64_t *)p->var = v;
    return 0;
}

static int set_string(const struct param *p, const struct word *w)
{
    if (w->val_len >= p->len) {
        pr_warn("cmdline: %s: value too long (at most %zu characters)\n",
                p->name, p->len ? p->len - 1 : 0);
        return -E2BIG;
    }
    memcpy(p->var, w->val, w->val_len);
    ((char *)p->var)[w->val_len] = '\0';
    return 0;
}

static int apply(const struct param *p, const struct word *w, bool negated)
{
    if (p->type == PARAM_BOOL)
        return set_bool(p, w, negated);
    if (negated) {
        pr_warn("cmdline: no-%s: 'no-' applies only to boolean options\n", p->name);
        return -EINVAL;
    }
    if (!w->val) {
        pr_warn("cmdline: %s: missing value (use %s=...)\n", p->name, p->name);
        return -EINVAL;
    }
    switch (p->type) {
    case PARAM_UINT:
    case PARAM_SIZE:
        return set_number(p, w);
    case PARAM_STRING:
        return set_string(p, w);
    default:
        pr_warn("cmdline: %s: option has an unknown type %d\n", p->name, (int)p->type);
        return -EINVAL;
    }
}

/* Find the option a word names, directly or as "no-<bool>"; reports unknown ones. */
static const struct param *lookup(const struct param *params, size_t nr,
                                  const struct word *w, bool *negated)
{
    const struct param *p = find_param(params, nr, w->name, w->name_len);

    *negated = false;
    if (!p && w->name_len > 3 && strncmp(w->name, "no-", 3) == 0) {
        p = find_param(params, nr, w->name + 3, w->name_len - 3);
        *negated = p != NULL;
    }
    if (!p)
        pr_warn("cmdline: unknown option '%.*s'\n", (int)w->name_len, w->name);
    return p;
}

int cmdline_parse(const char *cmdline, const struct param *params, size_t nr)
{
    const char *p = cmdline;
    struct word w;
    int problems = 0;

    if (!cmdline)
        return 0;
    while ((p = next_word(p, &w)) != NULL) {
        bool negated;
        const struct param *param = lookup(params, nr, &w, &negated);

        if (!param || apply(param, &w, negated))
            problems++;
    }
    return problems;
}
