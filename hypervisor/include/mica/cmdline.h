/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing the hypervisor command line (multiboot2 command line tag). */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#include <mica/types.h>

enum param_type {
    PARAM_BOOL,   /* "name" sets true, "no-name" or "name=0|no|off|false" sets false; bool *var */
    PARAM_UINT,   /* "name=N", base auto-detected;  uint64_t *var, bounded by [min, max] */
    PARAM_SIZE,   /* "name=N[KMGT]";                uint64_t *var, bounded by [min, max] */
    PARAM_STRING, /* "name=value";                  char var[len], value must fit with its NUL */
};

struct param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len;          /* PARAM_STRING: size of the buffer */
    uint64_t min, max;   /* PARAM_UINT / PARAM_SIZE: inclusive bounds (max 0 = no bound) */
};

/*
 * Parse a space-separated "name[=value]" list. Each known option is stored;
 * each unknown option and each bad value is reported through printk(LOG_WARN)
 * naming the option and the problem, and skipped. Values may not contain
 * spaces. Returns the number of problems found (0 = all understood).
 */
int cmdline_parse(const char *cmdline, const struct param *params, size_t nr);

#endif
