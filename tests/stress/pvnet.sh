#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/stress/pvnet.sh: the pvnet boot of tests/system/areas/pvnet.sh with
# mica.pvnet=full, so dom0/tests/pvnet.sh moves 256 MiB in each of its
# three transfers (make test: 64 MiB each). `make stress-net` runs it; it prints the same PASS/FAIL lines,
# which tests/summary.sh counts. Not part of `make test`.
# Environment: as tests/system/run.sh (DOM0_KERNEL, DOM0_INITRD, DOM0_CMDLINE),
# CTL_TIMEOUT (seconds for the boot, default 3600).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/system/lib.sh
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh
DOM0_CMDLINE="$DOM0_CMDLINE mica.pvnet=full"
CTL_TIMEOUT=${CTL_TIMEOUT:-3600} ctl_boot pvnet-stress pvnet 20
