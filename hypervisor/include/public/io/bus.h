/* SPDX-License-Identifier: MIT */
/*
 * The guest bus: how split devices are described in the store and how the
 * two halves meet (Xen's xenbus). docs/pvio.md is the reference.
 *
 * The toolstack creates, for frontend domain F, backend domain B (dom0
 * today), device type T ("vbd", "vif", "console") and device id N:
 *
 *   /local/domain/F/device/T/N/backend     "/local/domain/B/backend/T/F/N"
 *   /local/domain/F/device/T/N/backend-id  "B"
 *   /local/domain/F/device/T/N/state       MICA_BUS_* (decimal), owned by F
 *   /local/domain/B/backend/T/F/N/frontend     "/local/domain/F/device/T/N"
 *   /local/domain/B/backend/T/F/N/frontend-id  "F"
 *   /local/domain/B/backend/T/F/N/state        owned by B, readable by F
 *   ...and the device's own keys (io/blkif.h, io/netif.h).
 *
 * The frontend's directory is owned by F and readable by B; the backend's
 * by B and readable by F. Each side watches the other's state node.
 *
 * Handshake: backend Initialising -> InitWait (its feature keys written);
 * frontend reads them, grants its rings, writes ring-ref/event-channel/
 * protocol keys, -> Initialised (or straight to Connected for console);
 * backend maps, -> Connected; frontend -> Connected. Either side closing:
 * Closing -> Closed; the toolstack removes both directories once both are
 * Closed (or the frontend's domain is gone). Hot-unplug: the toolstack
 * writes the backend's "online" = "0" and its state Closing.
 *
 * Domain control (Xen's control/shutdown): the toolstack writes
 * /local/domain/F/control/shutdown = "poweroff" | "reboot" | "halt"; the
 * bus driver, which advertises control/feature-poweroff = "1" and
 * control/feature-reboot = "1", clears the node and shuts the guest down.
 */
#ifndef MICA_PUBLIC_IO_BUS_H
#define MICA_PUBLIC_IO_BUS_H

enum mica_bus_state {
    MICA_BUS_UNKNOWN = 0,
    MICA_BUS_INITIALISING = 1,
    MICA_BUS_INIT_WAIT = 2,
    MICA_BUS_INITIALISED = 3,
    MICA_BUS_CONNECTED = 4,
    MICA_BUS_CLOSING = 5,
    MICA_BUS_CLOSED = 6,
    MICA_BUS_RECONFIGURING = 7,
    MICA_BUS_RECONFIGURED = 8,
};

#define MICA_BUS_TYPE_BLOCK    "vbd"
#define MICA_BUS_TYPE_NET      "vif"
#define MICA_BUS_TYPE_CONSOLE  "console"

#endif
