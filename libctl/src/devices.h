/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PV devices in the store (devices.c, device_api.c): what libctl's files share. */
#ifndef LIBCTL_DEVICES_H
#define LIBCTL_DEVICES_H

#include <public/io/store.h>
#include "priv.h"

/* A device's two directories: /local/domain/F/device/T/N and /local/domain/0/backend/T/F/N. */
struct ctl_dev_paths {
    char fe[128], be[128];
};

void ctl_device_paths(enum mica_device_kind k, uint32_t domid, unsigned int devid,
                      struct ctl_dev_paths *p);
/* mica_store_open, with "the store daemon (micastored) is not running" when it is not. */
int ctl_device_store_open(mica_ctx *ctx, const char *verb, mica_store **s);
/* Write both directories of one device (one transaction); -EEXIST if either exists. */
int ctl_device_add_disk(mica_ctx *ctx, mica_store *s, uint32_t domid,
                        const struct mica_disk_config *d);
int ctl_device_add_nic(mica_ctx *ctx, mica_store *s, uint32_t domid,
                       const struct mica_nic_config *n);
/* Xen's hot-unplug (MICA_DEVICE_FORCE: no wait); what names it in messages. */
int ctl_device_remove(mica_ctx *ctx, mica_store *s, enum mica_device_kind k, uint32_t domid,
                      unsigned int devid, const char *what, unsigned int flags);
/* DIR/state as a number, -1 when absent or not one. */
int ctl_device_read_state(mica_store *s, const char *dir);

/* mica_domain_create: every device of the configuration; any failure is the caller's to undo. */
int ctl_devices_create(mica_ctx *ctx, mica_store *s, const struct mica_domain_config *c,
                       uint32_t domid);
/* mica_domain_destroy: every device of domid closed and removed at once; quiet without a store. */
int ctl_devices_forget(mica_ctx *ctx, uint32_t domid);

/* <hostdev> (hostdev.c): checked before create, given before unpause, taken back at destroy. */
int ctl_hostdevs_check(mica_ctx *ctx, const struct mica_domain_config *c);
/* managed='yes' ones made assignable first; destroy (the caller's undo) gives them back. */
int ctl_hostdevs_assign(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid);
void ctl_hostdevs_detach(mica_ctx *ctx, const struct mica_domain_config *c, uint32_t domid);
void ctl_hostdevs_unmanage(mica_ctx *ctx, const struct mica_domain_config *c);

#endif
