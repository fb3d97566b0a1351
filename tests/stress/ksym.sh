#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/stress/ksym.sh ADDR...: name the kernel functions at dom0 RIPs from
# a boot with `nokaslr` (EXTRA_CMD=nokaslr tests/stress/dom0.sh). Debian
# ships no System.map, so this boots the same kernel natively under QEMU
# with a tiny initramfs that looks the addresses up in /proc/kallsyms.
#     tests/stress/ksym.sh ffffffff81a3c2f1 ffffffff8104e0c0
set -eu
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || { echo "usage: $0 ADDR..." >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
cat >"$tmp/root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
for a in $(sed -n 's/.*ksym=\([0-9a-fx,]*\).*/\1/p' /proc/cmdline | tr ',' ' '); do
    a=${a#0x}
    # Fixed-width lower-case hex compares as text; offsets from the low 32 bits.
    awk -v A="$a" 'function h(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++)
                       v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
        ($2 == "t" || $2 == "T") && $1 <= A && $1 >= bv { best = $3; bv = $1 }
        END { printf "KSYM %s %s+%#x\n", A, best, h(substr(A, 9)) - h(substr(bv, 9)) }' /proc/kallsyms
done
sleep 1
poweroff -f
INIT
chmod +x "$tmp/root/init"
dom0/mkinitramfs.sh "$tmp/ksym.img" build/tools/mkcpio "${BUSYBOX:-/bin/busybox}" "$tmp/root:/" >/dev/null
addrs=$(printf '%s,' "$@" | tr 'A-F' 'a-f')
timeout 120 "${QEMU:-qemu-system-x86_64}" -accel tcg -machine q35 -cpu max,-rdtscp -m 512 \
    -display none -no-reboot -kernel build/dom0/vmlinuz -initrd "$tmp/ksym.img" \
    -append "console=ttyS0 nokaslr quiet ksym=${addrs%,}" -serial stdio </dev/null 2>/dev/null |
    grep -a '^KSYM' | sed 's/^KSYM //'
