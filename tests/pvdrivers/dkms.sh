#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# dkms.sh BUILD: the PV drivers the DKMS way (docs/pv-install.md, "Or with
# DKMS"), with Debian's dkms against the headers of the kernel the demo
# domUs run: pvdrivers/mksrc.sh writes the source tree with its dkms.conf,
# then dkms add, build, install, status and remove, each in a private DKMS
# tree and install tree (nothing goes to /var/lib/dkms or /lib/modules).
# The modules DKMS builds must be the ones the system tests load into the
# guests (build/dom0/pvdrivers/, from the same sources): the same code (.text),
# the guest kernel's vermagic and each device's modalias.
set -u
build=${1:-build}
DKMS=${DKMS:-dkms}
MODINFO=${MODINFO:-/sbin/modinfo}
here=$(cd "$(dirname "$0")/../.." && pwd)
pass() { echo "PASS dkms: $*"; }
fail() { echo "FAIL dkms: $*"; }

rel=$(sed -n 1p "$build/dom0/headers/release" 2>/dev/null)
kdir=$(cd "$build/dom0/headers/usr/src/linux-headers-$rel" 2>/dev/null && pwd)
[ -n "$rel" ] && [ -n "$kdir" ] || { fail "no kernel headers in $build/dom0/headers (make dom0)"; exit 1; }
command -v "$DKMS" >/dev/null || { fail "no dkms (Debian package dkms; ./configure --install-deps)"; exit 1; }
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$here/pvdrivers/dkms.conf")
t=$(mktemp -d /tmp/mica-dkms.XXXXXX) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/dkms" "$t/inst/$rel/kernel"
tree="--dkmstree $t/dkms --sourcetree $t/src --installtree $t/inst"
mod=mica-pv/$version
src=$t/src/mica-pv-$version
built=$t/dkms/mica-pv/$version/$rel/x86_64/module
log=$t/log

text_sum() {                            # text_sum KO: sha256 of its .text section
    objcopy -O binary --only-section=.text "$1" "$t/text" 2>/dev/null &&
        sha256sum <"$t/text" | cut -d' ' -f1
}

step() {                                # step WHAT CMD...: PASS or FAIL with dkms's last lines
    what=$1
    shift
    if "$@" >"$log" 2>&1; then
        pass "$what"
    else
        fail "$what: $(tail -3 "$log" | tr '\n' ' ')"
        return 1
    fi
}

step "mksrc.sh writes the DKMS source tree ($src)" "$here/pvdrivers/mksrc.sh" "$src" || exit 1
mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"$/\1/p' "$src/dkms.conf" | sort | tr '\n' ' ')
case "$mods" in
*mica_blk*mica_bus*mica_cons*mica_net*) pass "dkms.conf names every module: $mods" ;;
*) fail "dkms.conf names every module: got '$mods'" ;;
esac
step "dkms add $mod" $DKMS add $mod $tree || exit 1
step "dkms build $mod -k $rel (the domU kernel's headers)" \
    $DKMS build $mod $tree -k "$rel" --kernelsourcedir "$kdir" || exit 1
# depmod belongs to the guest's install, not to this host's /lib/modules.
step "dkms install $mod -k $rel into its install tree" \
    $DKMS install $mod $tree -k "$rel" --no-depmod || exit 1
status=$($DKMS status $mod $tree -k "$rel" 2>&1)
case "$status" in
*"$rel"*installed*) pass "dkms status: $status" ;;
*) fail "dkms status says installed: $status" ;;
esac

for m in $mods; do
    ko=$t/inst/$rel/updates/dkms/$m.ko
    ref=$(find "$build/dom0/pvdrivers" -name "$m.ko" 2>/dev/null | head -1)
    if [ ! -f "$ko" ]; then
        fail "$m.ko installed in updates/dkms/: missing"
        continue
    fi
    vm=$($MODINFO -F vermagic "$ko" | cut -d' ' -f1)
    [ "$vm" = "$rel" ] && pass "$m.ko: vermagic $vm" || fail "$m.ko: vermagic '$vm', not $rel"
    sv=$(text_sum "$ko")
    rsv=$([ -n "$ref" ] && text_sum "$ref")
    [ -n "$sv" ] && [ "$sv" = "$rsv" ] &&
        pass "$m.ko: the same code as the guests' module (.text sha256 ${sv%"${sv#????????????}"})" ||
        fail "$m.ko: .text differs from the guests' module ${ref:-(none in $build/dom0/pvdrivers)}"
    want=$(case $m in mica_bus) echo "pci:v00004D43d00000001" ;; mica_blk) echo mica:vbd ;;
           mica_net) echo mica:vif ;; mica_cons) echo mica:console ;; esac)
    $MODINFO -F alias "$ko" | grep -q "^$want" && pass "$m.ko autoloads by modalias $want" ||
        fail "$m.ko: no modalias $want ($($MODINFO -F alias "$ko" | tr '\n' ' '))"
done

step "dkms remove $mod --all" $DKMS remove $mod $tree --all
left=$(find "$t/inst" -name '*.ko' | wc -l)
[ "$left" -eq 0 ] && pass "dkms remove left no module installed" || fail "dkms remove left $left modules"
