# SPDX-License-Identifier: GPL-2.0-only
# The store (issue 11): dom0 boots with micastored started by its /init, and
# dom0/tests/store.sh drives it through `mica store`: the verbs, permissions
# between two domains' connections, watches, each quota, restarts (clean and
# SIGKILL) keeping every node, and the message when it is not running.
# Sourced by tests/system/run.sh after lib.sh.

CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

ctl_boot store store 45
