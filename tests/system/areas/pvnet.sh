# SPDX-License-Identifier: GPL-2.0-only
# The PV network device (issue 11, docs/pvio.md): dom0/tests/pvnet.sh runs
# two demo domUs with a vif each on the bridge mica0 and moves checksummed
# data between them and dom0 (micanetback in dom0, mica_net.ko in the
# domUs): ping, 64 MiB dom0->domU beside a hostile frontend, 64 MiB
# domU->domU, NIC hot-plug, destroy mid-transfer. make stress-net
# (tests/stress/pvnet.sh) adds 64 MiB domU->dom0.
# Sourced by tests/system/run.sh after lib.sh.
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

# 8-13 minutes on a loaded 2-core machine (each 64 MiB takes 2-6 under
# TCG): more than ctl_boot's default 900 s leaves room for.
CTL_TIMEOUT=${CTL_TIMEOUT:-1800} ctl_boot pvnet pvnet 40
