# SPDX-License-Identifier: GPL-2.0-only
# The PV network device (issue 11, docs/pvio.md): dom0/tests/pvnet.sh runs
# two demo domUs with a vif each on the bridge mica0 and moves checksummed
# data between them and dom0 (micanetback in dom0, mica_net.ko in the
# domUs). Sourced by tests/system/run.sh after lib.sh.
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

# Held in the net branch until plat (the domUs' store rings and introduce) is on main;
# on a merge of main, plat and net it ran 57 checks (15:05-15:35 UTC, 2026-12-07).
ctl_boot pvnet pvnet 20
