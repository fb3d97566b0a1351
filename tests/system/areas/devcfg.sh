# SPDX-License-Identifier: GPL-2.0-only
# PV devices in the store (issue 11, devcfg): dom0 boots once and
# dom0/tests/devcfg.sh creates a domU from XML with a disk and an
# interface, reads back with `mica store` the frontend and backend
# directories public/io/bus.h lays out (paths, owners, readers, keys),
# hot-plugs a disk and interfaces (block-/network-attach/-detach/-list)
# and destroys it, each step checked in the store. Sourced by
# tests/system/run.sh after lib.sh; on its own:
#     SYSTEM_AREAS=devcfg make check-system

CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh
ctl_boot devcfg devcfg 55
