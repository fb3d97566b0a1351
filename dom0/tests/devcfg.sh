#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# devcfg: PV devices from the domain XML and hot-plug, checked in the store
# (tests/system/areas/devcfg.sh). A domU created from XML with a disk and an
# interface gets the frontend and backend directories public/io/bus.h lays
# out (paths, owners, readers, keys), read back with `mica store`;
# block-attach/-detach and network-attach/-detach on the running domU
# change them; destroy removes them. The backends and frontends are other
# areas': this checks the store contract they meet on.
. /tests/ctl-lib.sh
mkdir -p /tmp/devcfg && cd /tmp/devcfg || exit 1

VBD_A=51712                             # xvda: 202 << 8
VBD_B=51728                             # xvdb: 202 << 8 | 1 << 4
MAC0=00:16:3e:dc:00:01
MAC1=00:16:3e:dc:00:02

# is WHAT PATH WANT: `mica store read PATH` prints WANT.
is() {
    got=$(mica store read "$2" 2>&1)
    if [ "$got" = "$3" ]; then ok "$1: $2 = $3"; else bad "$1: $2" "'$got', want '$3'"; fi
}
# perms WHAT PATH WANT: `mica store perms PATH` prints WANT.
perms() {
    got=$(mica store perms "$2" 2>&1)
    if [ "$got" = "$3" ]; then ok "$1: $2 perms $3"; else bad "$1: $2 perms" "'$got', want '$3'"; fi
}
# absent WHAT PATH: the node does not exist.
absent() {
    if out=$(mica store read "$2" 2>&1); then bad "$1" "$2 is still there ('$out')"
    else ok "$1 ($2 gone)"; fi
}
# state_ok WHAT PATH: a bus state, 1 (Initialising) to 6 (Closed).
state_ok() {
    s=$(mica store read "$1" 2>&1)
    case $s in [1-6]) ok "$2: $1 is a bus state ($s)" ;; *) bad "$2: $1" "'$s'" ;; esac
}

if ! mica store ls / >/dev/null 2>&1; then
    bad "the store daemon answers in dom0" "$(mica store ls / 2>&1 | head -n 1)"
    echo "MICA-TEST devcfg fails 1"; exit 0
fi
ok "the store daemon answers in dom0"

dd if=/dev/zero of=a.img bs=1024 seek=16383 count=1 2>/dev/null    # 16 MiB, sparse
dd if=/dev/zero of=b.img bs=1024 seek=8191 count=1 2>/dev/null
xml dc-a hold 1 128 "<devices>
    <disk type='file' device='disk'>
      <source file='/tmp/devcfg/a.img'/>
      <target dev='xvda' bus='xen'/>
    </disk>
    <interface type='bridge'>
      <source bridge='mica0'/>
      <mac address='$MAC0'/>
    </interface>
    <console type='pty'/>
  </devices>" >a.xml

# --- create: the XML's devices -------------------------------------------
check "mica create dc-a with a disk and an interface" mica create a.xml || {
    echo "MICA-TEST devcfg fails $FAILS"; exit 0; }
D=$(mica domid dc-a)
FE=/local/domain/$D/device
BE=/local/domain/0/backend
is "vbd frontend" $FE/vbd/$VBD_A/backend $BE/vbd/$D/$VBD_A
is "vbd frontend" $FE/vbd/$VBD_A/backend-id 0
is "vbd frontend" $FE/vbd/$VBD_A/virtual-device $VBD_A
perms "vbd frontend" $FE/vbd/$VBD_A "n$D r0"
perms "vbd frontend state, the guest's to write" $FE/vbd/$VBD_A/state "n$D r0"
state_ok $FE/vbd/$VBD_A/state "vbd frontend"
is "vbd backend" $BE/vbd/$D/$VBD_A/frontend $FE/vbd/$VBD_A
is "vbd backend" $BE/vbd/$D/$VBD_A/frontend-id $D
is "vbd backend" $BE/vbd/$D/$VBD_A/params /tmp/devcfg/a.img
is "vbd backend" $BE/vbd/$D/$VBD_A/mode w
is "vbd backend" $BE/vbd/$D/$VBD_A/type file
is "vbd backend" $BE/vbd/$D/$VBD_A/dev xvda
is "vbd backend" $BE/vbd/$D/$VBD_A/device-type disk
is "vbd backend" $BE/vbd/$D/$VBD_A/online 1
perms "vbd backend" $BE/vbd/$D/$VBD_A "n0 r$D"
state_ok $BE/vbd/$D/$VBD_A/state "vbd backend"
is "vif frontend" $FE/vif/0/backend $BE/vif/$D/0
is "vif frontend" $FE/vif/0/mac $MAC0
is "vif frontend" $FE/vif/0/handle 0
perms "vif frontend" $FE/vif/0 "n$D r0"
is "vif backend" $BE/vif/$D/0/frontend-id $D
is "vif backend" $BE/vif/$D/0/bridge mica0
is "vif backend" $BE/vif/$D/0/mac $MAC0
is "vif backend" $BE/vif/$D/0/handle 0
perms "vif backend" $BE/vif/$D/0 "n0 r$D"
list=$(mica block-list dc-a 2>&1)
echo "$list" | grep -q "^xvda  *$VBD_A  *0  *w  *file .*/tmp/devcfg/a.img$" &&
    ok "block-list shows xvda" || bad "block-list shows xvda" "$(echo "$list" | tr '\n' '|')"
list=$(mica network-list dc-a 2>&1)
echo "$list" | grep -q "^0  *0  *$MAC0  *mica0 " &&
    ok "network-list shows vif 0" || bad "network-list shows vif 0" "$(echo "$list" | tr '\n' '|')"

# --- block hot-plug ------------------------------------------------------
check "block-attach dc-a b.img xvdb ro" mica block-attach dc-a /tmp/devcfg/b.img xvdb ro
is "attached vbd backend" $BE/vbd/$D/$VBD_B/mode r
is "attached vbd backend" $BE/vbd/$D/$VBD_B/params /tmp/devcfg/b.img
is "attached vbd frontend" $FE/vbd/$VBD_B/backend $BE/vbd/$D/$VBD_B
perms "attached vbd frontend" $FE/vbd/$VBD_B "n$D r0"
check_fails "block-attach of a target in use is refused" \
    mica block-attach dc-a /tmp/devcfg/b.img xvdb ro
check_fails "block-attach of the writable disk's image again is refused" \
    mica block-attach dc-a /tmp/devcfg/a.img xvdc
check_fails "block-attach of a missing image is refused" mica block-attach dc-a /nope.img xvdc
check_fails "block-detach of a disk it does not have is refused" mica block-detach dc-a xvdz
# Without --force: the guest's frontend (if any) and the block backend
# (if running) close it, else it times out, saying so, and stays.
start=$(date +%s)
if out=$(mica block-detach dc-a xvdb 2>&1); then
    absent "block-detach closed and removed xvdb's backend" $BE/vbd/$D/$VBD_B/state
    absent "block-detach removed xvdb's frontend" $FE/vbd/$VBD_B/state
else
    case $out in
    *"did not release it"*) ok "block-detach without a closing guest times out ($(($(date +%s) - start)) s): $out" ;;
    *) bad "block-detach without --force" "$out" ;;
    esac
    is "a detach asks the backend to close" $BE/vbd/$D/$VBD_B/online 0
    is "a detach asks the backend to close" $BE/vbd/$D/$VBD_B/state 5
    check "block-detach --force dc-a xvdb" mica block-detach --force dc-a xvdb
    absent "block-detach --force removed the backend" $BE/vbd/$D/$VBD_B/state
    absent "block-detach --force removed the frontend" $FE/vbd/$VBD_B/state
fi
list=$(mica block-list dc-a 2>&1)
[ "$(echo "$list" | wc -l)" -eq 2 ] && ok "block-list: xvda alone again" ||
    bad "block-list after detach" "$(echo "$list" | tr '\n' '|')"
check "block-attach again after the detach" mica block-attach dc-a /tmp/devcfg/b.img xvdb
is "re-attached vbd backend" $BE/vbd/$D/$VBD_B/mode w

# --- network hot-plug ----------------------------------------------------
out=$(mica network-attach dc-a mac=$MAC1 2>&1)
[ "$out" = "vif 1: $MAC1 on mica0" ] && ok "network-attach dc-a mac=$MAC1: $out" ||
    bad "network-attach dc-a mac=$MAC1" "$out"
is "attached vif backend" $BE/vif/$D/1/mac $MAC1
is "attached vif backend" $BE/vif/$D/1/bridge mica0
perms "attached vif frontend" $FE/vif/1 "n$D r0"
check_fails "network-attach of a MAC in use is refused" mica network-attach dc-a mac=$MAC0
out=$(mica network-attach dc-a 2>&1)
case $out in
"vif 2: 00:16:3e:"*" on mica0") ok "network-attach without a MAC generates one: $out" ;;
*) bad "network-attach without a MAC" "$out" ;;
esac
check "network-detach --force dc-a $MAC1 (by MAC)" mica network-detach --force dc-a $MAC1
absent "network-detach removed vif 1's backend" $BE/vif/$D/1/state
absent "network-detach removed vif 1's frontend" $FE/vif/1/state
check "network-detach --force dc-a 2 (by id)" mica network-detach --force dc-a 2
check_fails "network-detach of a vif it does not have is refused" mica network-detach -f dc-a 7

# --- destroy -------------------------------------------------------------
check "mica destroy dc-a" mica destroy dc-a
absent "destroy removed the domain's vbd backends" $BE/vbd/$D
absent "destroy removed the domain's vif backends" $BE/vif/$D
absent "destroy removed the domain's frontends" $FE/vbd/$VBD_A
[ -f a.img ] && ok "the images stay in dom0" || bad "the images stay in dom0" "a.img gone"

echo "MICA-TEST devcfg fails $FAILS"
