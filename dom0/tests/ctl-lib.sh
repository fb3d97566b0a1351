# SPDX-License-Identifier: GPL-2.0-only
# Helpers for dom0's control-plane test scripts (dom0/tests/ctl*.sh):
# checks print "MICA-CHECK PASS what" or "MICA-CHECK FAIL what: detail",
# relayed as PASS/FAIL lines by tests/system/areas/ctl.sh.
GUEST_KERNEL=/usr/share/mica/guest/vmlinuz
GUEST_INITRD=/usr/share/mica/guest/initrd.img
GUEST_TOOLS_IMG=/usr/share/mica/guest/tools.img

# use_guest_tools: the domUs created after this get fio, e2fsprogs and
# iperf3 too: the tools archive appended to the demo initramfs (the kernel
# unpacks both). Give such a domU 256 MiB: it unpacks 20 MiB more.
use_guest_tools() {
    cat "$GUEST_INITRD" "$GUEST_TOOLS_IMG" >/tmp/guest-initrd-tools.img || return
    GUEST_INITRD=/tmp/guest-initrd-tools.img
}
FAILS=0

ok()  { echo "MICA-CHECK PASS $1"; }
bad() { echo "MICA-CHECK FAIL $1: $2"; FAILS=$((FAILS + 1)); }
# check WHAT CMD...: the command succeeds.
check() {
    what=$1; shift
    if out=$("$@" 2>&1); then ok "$what"; return 0; fi
    bad "$what" "$(echo "$out" | tail -n 2 | tr '\n' '|')"
    return 1
}
# as_nobody CMD...: run CMD as user nobody (uid 65534).
as_nobody() {
    grep -q '^nobody:' /etc/passwd 2>/dev/null ||
        echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
    su -s /bin/sh nobody -c "$*"
}
# check_fails WHAT CMD...: the command fails (non-zero status) with one
# "mica: ..." line.
check_fails() {
    what=$1; shift
    if out=$("$@" 2>&1); then bad "$what" "it succeeded: $(echo "$out" | head -n 1)"
    elif echo "$out" | grep -q '^mica: '; then ok "$what ($(echo "$out" | grep '^mica: ' | head -n 1))"
    else bad "$what" "no 'mica: ' line: $(echo "$out" | head -n 2 | tr '\n' '|')"; fi
}

# xml NAME MODE [VCPUS [MEM_MIB [EXTRA]]]: a domU configuration on stdout.
xml() {
    cat <<XML
<domain type='mica'>
  <name>$1</name>
  <memory unit='MiB'>${4:-128}</memory>
  <vcpu>${3:-1}</vcpu>
  <os>
    <type>linux</type>
    <kernel>$GUEST_KERNEL</kernel>
    <initrd>$GUEST_INITRD</initrd>
    <cmdline>console=ttyS0 quiet mica.domu=$2</cmdline>
  </os>
  ${5:-}
</domain>
XML
}

# hostdev_xml BDF MANAGED: a <devices> with one <hostdev>.
hostdev_xml() {
    b=${1#0000:}
    echo "<devices><hostdev mode='subsystem' type='pci' managed='$2'><source>
      <address domain='0x0000' bus='0x${b%%:*}' slot='0x$(echo "$b" | cut -d: -f2 | cut -d. -f1)'
               function='0x${b##*.}'/></source></hostdev></devices>"
}

# free_kb: the hypervisor's free memory in KiB (exact: frames x 4).
free_kb() { mica info --json | sed -n 's/.*"free_memory_kb": *\([0-9]*\).*/\1/p'; }
# same WHAT A B: A and B are the same non-empty value.
same() {
    if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1" "'$2' then '$3'"; fi
}
# field DOMAIN KEY: one value from `mica list --json DOMAIN`.
field() { mica list --json "$1" | sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
# wait_log DOMAIN REGEX [SECONDS]: the domain's console log (micad) gets a
# line matching REGEX; prints it.
wait_log() {
    n=0
    while [ "$n" -lt "${3:-120}" ]; do
        # The log holds the console's bytes as sent: lines end in CR LF.
        if line=$(tr -d '\r' <"/var/log/mica/$1.log" 2>/dev/null | grep -a -m1 -E "$2"); then
            echo "$line"; return 0
        fi
        sleep 1; n=$((n + 1))
    done
    return 1
}
# wait_gone DOMAIN [SECONDS]: the domain no longer exists.
wait_gone() {
    n=0
    while [ "$n" -lt "${2:-60}" ]; do
        mica domid "$1" >/dev/null 2>&1 || return 0
        sleep 1; n=$((n + 1))
    done
    return 1
}
