#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/stress/ctl.sh [CYCLES]: the ctl-basic boot of tests/system/areas/ctl.sh
# with CYCLES create/destroy cycles (default 100) instead of make test's 20:
# every cycle must succeed and free memory must come back to the frame.
# `make stress-ctl` runs it; it prints the same PASS/FAIL lines, which
# tests/summary.sh counts. Not part of `make test`.
# Environment: as tests/system/run.sh (DOM0_KERNEL, DOM0_INITRD, DOM0_CMDLINE),
# CTL_TIMEOUT (seconds for the boot, default 3600).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/system/lib.sh
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh
cycles=${1:-100}
case $cycles in
'' | *[!0-9]*) echo "tests/stress/ctl.sh: CYCLES: '$cycles' is not a number" >&2; exit 2 ;;
esac
DOM0_CMDLINE="$DOM0_CMDLINE mica.ctl_cycles=$cycles"
CTL_TIMEOUT=${CTL_TIMEOUT:-3600} ctl_boot ctl-stress ctl 30
