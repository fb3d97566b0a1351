/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmicactl's internals: shared by its source files, never installed. */
#ifndef LIBCTL_PRIV_H
#define LIBCTL_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include "micactl.h"

#define CTL_ERR_LEN 512

struct mica_ctx {
    int privcmd;                /* /dev/mica/privcmd */
    char err[CTL_ERR_LEN];
};

/*
 * Record the message of a failure (printf-style) for mica_last_error() and
 * return rc. With ctx NULL the message goes to a per-thread buffer, which
 * mica_last_error(NULL) returns.
 */
int ctl_fail(mica_ctx *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctl_clear_error(mica_ctx *ctx);

/* A file's whole contents, malloc'd; -errno. */
int ctl_read_file(const char *path, void **data, size_t *size);

/* MICA_RUN_DIR and MICA_SCHEMA_DIR, or the environment's override of each. */
const char *ctl_run_dir(void);
const char *ctl_schema_dir(void);

/* The saved configuration's path for a domain's UUID: RUN_DIR/UUID.xml. */
void ctl_saved_path(const uint8_t uuid[16], char *buf, size_t len);
int ctl_save_config(mica_ctx *ctx, const struct mica_domain_config *c);

/* A line of a configuration element for messages: "FILE:LINE: element: " */
int ctl_config_fail(mica_ctx *ctx, const struct mica_domain_config *c,
                    unsigned int line, const char *element, int rc,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The parts of a PCI address (segment:bus:slot.function), each one's largest value. */
#define PCI_SEG_MAX   0xffffu
#define PCI_BUS_MAX   0xffu
#define PCI_SLOT_MAX  0x1fu
#define PCI_FUNC_MAX  0x7u

struct mica_domctl;

/* A domctl on domid through mica_do_domctl; a failure is reported as "what: domain N: why". */
int ctl_domctl_on(mica_ctx *ctx, unsigned int cmd, uint32_t domid, struct mica_domctl *d,
                  const char *what);
/* Words for a -errno from the hypervisor. */
const char *ctl_errno_text(int rc);
/* The devices' values and duplicates (devcheck.c), located as configuration errors. */
int ctl_devices_check(mica_ctx *ctx, const struct mica_domain_config *c);

#endif
