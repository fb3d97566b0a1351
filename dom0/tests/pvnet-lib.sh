# SPDX-License-Identifier: GPL-2.0-only
# Helpers for dom0's PV network scripts (dom0/tests/pvnet.sh, benchnet.sh),
# after ctl-lib.sh: domUs in mica.domu=netsh mode on the bridge mica0.
# rsh IP CMD: run CMD in the domU at IP (its netsh port); its output.
rsh() {
    printf '%s\n' "$2" | timeout "${RSH_TIMEOUT:-600}" nc "$1" 7000
}

net_xml() {   # NAME IP MAC
    xml "$1" "netsh mica.ip=$2/16" 1 160 \
        "<devices><interface type='bridge'><source bridge='mica0'/><mac address='$3'/></interface></devices>"
}

# wait_ready NAME: the domU's "MICA-DOMU-NET ready" line (up to 300 s).
wait_ready() { wait_log "$1" 'MICA-DOMU-NET ready' 300; }
