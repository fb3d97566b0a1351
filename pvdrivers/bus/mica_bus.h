/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica_bus.ko's parts (docs/pv-install.md): main.c binds the platform
 * device and exports event channels and grants; store.c is the store
 * client over the domain's ring; bus.c the bus of devices found under
 * device/; control.c answers control/shutdown. The frontends' API is
 * <mica/bus.h>.
 */
#ifndef MICA_BUS_PRIV_H
#define MICA_BUS_PRIV_H

#include <linux/device.h>

#include <mica/bus.h>
#include "mica_core.h"

/* store.c: the ring at gfn, notified on port; 0 or -errno. */
int mica_store_init(unsigned long gfn, u32 port);
void mica_store_exit(void);
bool mica_store_ready(void);

/* bus.c */
int mica_bus_type_init(void);
void mica_bus_type_exit(void);
int mica_bus_probe_devices(struct device *parent);
void mica_bus_remove_devices(void);

/* control.c */
int mica_control_init(void);
void mica_control_exit(void);

#endif
