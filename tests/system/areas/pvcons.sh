# SPDX-License-Identifier: GPL-2.0-only
# The PV console (issue 11): one dom0 boot running dom0/tests/pvcons.sh,
# a domU on hvc0 (mica_cons.ko, micad's PV ring) beside one on its UART;
# its "MICA-PVCONS" lines (exits per KiB of console output) are shown.
# Sourced by tests/system/run.sh after lib.sh.
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

ctl_boot pvcons pvcons 16
tr -d '\r' <"$LOG" | grep -a -o 'MICA-PVCONS .*' | sed 's/^/# /'
