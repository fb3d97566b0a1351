#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pvblkhost: micablkback against a frontend in dom0 itself (docs/pvio.md,
# block), no domU needed: mica-blkhostile's good I/O (checked in the image
# file), its malformed requests (each refused with its status and id) and
# its producer 1000 ahead (the device closed, the ring unmapped), twice
# (a device id used again after its directory went starts afresh); then
# micablkback still runs and no grant stays mapped in dom0.
. /tests/ctl-lib.sh
DIR=/tmp/pvblkhost
MAPS=/sys/class/misc/mica-gntdev/grant_maps

check "micablkback is running" pidof micablkback
mkdir -p $DIR
check "a tmpfs for the image" mount -t tmpfs -o size=64M tmpfs $DIR
for run in 1 2; do
    BLKHOSTILE_DIR=$DIR mica-blkhostile >$DIR/out 2>&1
    rc=$?
    sed "s/blkhostile: /blkhostile (run $run): /" $DIR/out
    grep -q 'MICA-CHECK FAIL' $DIR/out && FAILS=$((FAILS + 1))
    [ $rc = 0 ] || bad "mica-blkhostile run $run exits 0" "exit $rc: $(grep -v MICA-CHECK $DIR/out | tail -n 2 | tr '\n' '|')"
done
check "micablkback still runs" pidof micablkback
n=0
while [ "$(cat $MAPS)" != 0 ] && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
same "no grant stays mapped in dom0" 0 "$(cat $MAPS)"
left=$(mica store ls /local/domain/0/backend/vbd/0 2>/dev/null)
[ -z "$left" ] && ok "the devices' store directories are gone" || bad "the devices' store directories are gone" "$left"
umount $DIR
echo "--- micablkback.log"
tail -n 20 /var/log/mica/micablkback.log
exit $((FAILS > 0))
