# SPDX-License-Identifier: GPL-2.0-only
# The guest bus (issue 11, pvdrivers/bus, docs/pv-install.md): dom0 boots
# with the store running and dom0/tests/bus.sh checks that a domU with the
# PV drivers installed loads mica_bus.ko, reaches the store, sees devices
# come and go under device/, and powers off and reboots through
# control/shutdown; a domU without them boots. Sourced by
# tests/system/run.sh after lib.sh.

CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

ctl_boot bus bus 14
