/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML (config*.c): what the parser's pieces share. */
#ifndef LIBCTL_CONFIG_PRIV_H
#define LIBCTL_CONFIG_PRIV_H

#include <libxml/tree.h>
#include <mica/linux_boot.h>
#include "priv.h"

#define CFG_MIN_MEM_KB      4096ull                 /* 4 MiB */
#define CFG_LINUX_RAM_MAX   LINUX_RAM_MAX           /* mica/linux_boot.h: the boot protocol's limit */
#define CFG_CMDLINE_MAX     2047u                   /* longest <cmdline>, NUL excluded */
#define CFG_WEIGHT_MAX      65535u
#define CFG_PERIOD_MIN      1000ull                 /* libvirt's bounds, microseconds */
#define CFG_PERIOD_MAX      1000000ull
#define CFG_PERIOD_DEFAULT  100000ull
#define CFG_CAP_MAX         (100u * 64u)            /* percent: 64 pCPUs */

struct cfg_parse {
    mica_ctx *ctx;
    const char *file;           /* for messages */
    char *dir;                  /* relative <kernel>/<initrd> paths start here */
    struct mica_domain_config *c;
    bool have_uuid, have_current, have_period, have_quota;
    uint64_t period, quota;
    unsigned int period_line;
    void *dev;                  /* the <disk>, <interface> or <hostdev> being read */
};

/* Quotas a <mica:store> may set: xenstored's defaults are the floor of nothing, these the ceiling. */
#define CFG_STORE_NODES_MAX        1048576u
#define CFG_STORE_WATCHES_MAX      65536u
#define CFG_STORE_TRANSACTIONS_MAX 1024u

/* "FILE:LINE: ELEMENT: problem" for mica_last_error(); returns -EINVAL. */
int cfg_fail(struct cfg_parse *p, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The element's text, whitespace trimmed at both ends: malloc'd, or NULL (-ENOMEM). */
char *cfg_text(const xmlNode *n);

/* Values (config_values.c); each reports its own error through cfg_fail. */
int cfg_u64(struct cfg_parse *p, const xmlNode *n, const char *s, uint64_t *out);
int cfg_memory_kb(struct cfg_parse *p, const xmlNode *n, uint64_t *kb);
int cfg_name(struct cfg_parse *p, const xmlNode *n, const char *s);
int cfg_uuid(struct cfg_parse *p, const xmlNode *n, const char *s, uint8_t uuid[16]);
int cfg_cpuset(struct cfg_parse *p, const xmlNode *n, const char *s, uint64_t *mask);
int cfg_file(struct cfg_parse *p, const xmlNode *n, char **path);
int cfg_cmdline(struct cfg_parse *p, const xmlNode *n, const char *s);

/* One handler per element name, called with the element's trimmed text. */
struct cfg_handler {
    const char *name;
    int (*fn)(struct cfg_parse *p, xmlNode *n, const char *text);
};

/* Call each element of n and its siblings' handler; an element with none is refused. */
int cfg_walk(struct cfg_parse *p, xmlNode *n, const struct cfg_handler *h, size_t nr);
#define CFG_WALK(p, n, table) cfg_walk(p, n, table, sizeof(table) / sizeof((table)[0]))
/* The element's line in its file, 0 if unknown. */
unsigned int cfg_line(const xmlNode *n);
/* An attribute's value, malloc'd; NULL when absent (*out NULL) or -ENOMEM. */
int cfg_attr(const xmlNode *n, const char *name, char **out);

/* PV devices (config_devices.c): <devices> and <mica:store>, then the checks across them. */
int cfg_el_devices(struct cfg_parse *p, xmlNode *n, const char *text);
int cfg_el_store(struct cfg_parse *p, xmlNode *n, const char *text);
int cfg_devices_whole(struct cfg_parse *p);
/* <hostdev> (config_hostdev.c). */
int cfg_el_hostdev(struct cfg_parse *p, xmlNode *n, const char *text);

/* The schema (config_schema.c): 0, or -EINVAL with the first problem reported. */
int cfg_validate(struct cfg_parse *p, xmlDoc *doc);

#endif
