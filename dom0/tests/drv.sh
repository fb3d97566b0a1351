#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# drv: Mica's dom0 driver (docs/dom0-driver.md). Prints facts for
# tests/system/dom0.sh, then runs mica-drvtest's groups, whose own
# "MICA-TEST drv GROUP NAME ok|fail: ..." lines it checks one by one:
#     MICA-TEST drv loaded yes|no          mica.ko is in /proc/modules
#     MICA-TEST drv bound DEVICE...        /sys/bus/pci/drivers/mica/<device>
#     MICA-TEST drv id DEVICE VENDOR:DEVICE
#     MICA-TEST drv devices NAME...        /dev/mica/
#     MICA-TEST drv dmesg LINE             what the driver logged
#     MICA-TEST drv busy OK|...            rmmod fails while a file is open
#     MICA-TEST drv reload OK|...          rmmod, then modprobe by modalias
#     MICA-TEST drv nodevice OK|...        without the device (native boot):
#                                          modprobe and rmmod by hand
#
# dom0's console is shared: the kernel's messages and the hypervisor's
# lines cut into a line user space is still writing. So the kernel's
# console messages are off while this runs (dmesg -n 1; what the driver
# logged is printed as facts instead), everything goes to a file, and the
# file is printed at the end, once the console has drained.
out=/tmp/drv.out
: >"$out"
mt() { echo "MICA-TEST drv $*" >>"$out"; }
level=$(cut -f1 /proc/sys/kernel/printk)
dmesg -n 1

# Wait until the console's transmit count stops moving (as /init does).
drain() {
    last=-1
    for _ in $(seq 50); do
        now=$(sed -n 's/.*tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null | head -n 1)
        [ "$now" = "$last" ] && return
        last=$now
        usleep 200000
    done
}

finish() {
    drain
    cat "$out"
    drain
    dmesg -n "$level"
    exit 0
}

loaded() { grep -q '^mica ' /proc/modules && echo yes || echo no; }
bound() {
    for d in /sys/bus/pci/drivers/mica/0000:*; do
        [ -e "$d" ] && printf '%s ' "${d##*/}"
    done
    echo
}

mt loaded "$(loaded)"
mt bound "$(bound)"
for d in /sys/bus/pci/drivers/mica/0000:*; do
    [ -e "$d" ] && mt id "${d##*/}" "$(cat "$d/vendor"):$(cat "$d/device")"
done
devs=$(ls /dev/mica 2>/dev/null | tr '\n' ' ')
mt devices "${devs% }"
dmesg | grep -E '\] mica[ :]' | while read -r line; do mt dmesg "$line"; done

# Natively (no Mica, no platform device) nothing loaded mica.ko; by hand
# it loads, binds nothing and unloads.
if [ -z "$(bound)" ]; then
    if modprobe mica && [ -z "$(bound)" ] && [ ! -e /dev/mica ] && rmmod mica &&
       [ "$(loaded)" = no ]; then
        mt nodevice OK
    else
        mt nodevice "load/unload without the device went wrong"
    fi
    finish
fi

mica-drvtest privcmd >>"$out"
mica-drvtest mmap >>"$out"

# Unload and load again by the device's modalias: the driver lets go of
# everything and binds afresh (a new shared info page, a new MSI). The
# daemons dom0's init started (the store, the block and net backends) hold
# the driver's files: stop them first, as an admin would before an unload.
mica-services stop
dev=$(bound)
if [ -n "$dev" ]; then
    # An open file holds the module.
    exec 3<>/dev/mica/evtchn
    if rmmod mica 2>/dev/null; then mt busy "rmmod succeeded with a file open"
    else mt busy OK; fi
    exec 3>&-
    # shellcheck disable=SC2086 # one word per device
    set -- $dev
    if ! rmmod mica; then
        mt reload "rmmod failed"
    elif [ -e /dev/mica/privcmd ] || [ "$(loaded)" = yes ]; then
        mt reload "still there after rmmod"
    elif ! modprobe "$(cat "/sys/bus/pci/devices/$1/modalias")"; then
        mt reload "modprobe of $1's modalias failed"
    elif [ ! -e "/sys/bus/pci/drivers/mica/$1" ] || [ ! -e /dev/mica/evtchn ]; then
        mt reload "not bound again"
    else
        mt reload OK
    fi
fi

mica-drvtest evtchn >>"$out"
mica-drvtest gnt >>"$out"
mica-drvtest fuzz >>"$out"
# The upcall MSI moved to each CPU in turn; dom0's events are all vCPU 0's.
cpu=0
while [ "$cpu" -lt "$(nproc)" ]; do
    mica-drvtest upcall "$cpu" >>"$out"
    cpu=$((cpu + 1))
done
finish
