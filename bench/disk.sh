#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/disk.sh [BUILD]: make bench-disk (issue 12, docs/iommu.md). dom0's
# own disk, a physical AHCI function (q35's ich9-ahci at 00:1f.2) behind
# QEMU's AMD IOMMU, driven by Debian's stock ahci driver: fio's sequential
# 1 MiB write and read and 4 KiB random read (O_DIRECT, psync, QD1;
# dom0/tests/benchdisk.sh) under Mica (dom0_pci=view), beside the same
# kernel and initramfs booted natively on the same QEMU machine and as Xen
# 4.17's PVH dom0. Prints figures, the disk's interrupts per MiB and, for
# Mica, dom0's VM exits per MiB (less those of a boot that only finds the
# disk). Asserts nothing.
#
# One boot per configuration (BENCH_DISK_CONFIGS, default
# "native mica-idle mica xen"), each on a fresh 256 MiB raw image.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_DISK_CONFIGS=${BENCH_DISK_CONFIGS:-native mica-idle mica xen}
DOM0_KERNEL=${DOM0_KERNEL:-$BUILD/dom0/vmlinuz}
DOM0_INITRD=${DOM0_INITRD:-$BUILD/dom0/initrd.img}
XEN_GZ=${XEN_GZ:-$BUILD/bench/xen/xen.gz}
. bench/lib.sh
bench_init disk
IMG=$OUT/disk.img
MACHINE="-accel tcg -machine q35 -device amd-iommu -cpu max,-rdtscp -smp 2 -m 2048 -display none -no-reboot"
DISK="-drive file=$IMG,if=none,id=d0,format=raw -device ide-hd,drive=d0,bus=ide.0"
TEST="console=ttyS0 mica.test=benchdisk"
MICA_OPTS="console=com1 dom0_mem=1024M dom0_pci=view"
XEN_OPTS="dom0=pvh console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M noreboot=false"

# iso CONFIG: OUT/CONFIG.iso for that configuration; 1 when it cannot be made.
iso() {
    local c=$1 iso=$OUT/$1.iso
    case $c in
    native)
        grub_iso "$iso" "    linux /boot/vmlinuz $TEST
    initrd /boot/initrd.img" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ;;
    mica | mica-idle)
        local extra=
        [ "$c" = mica-idle ] && extra=" mica.benchdisk=idle"
        MICA_ELF=$BUILD/mica.elf tests/system/mkiso-dom0.sh "$iso" "$MICA_OPTS" \
            "$DOM0_KERNEL" "$TEST$extra" "$DOM0_INITRD" >"$iso.log" 2>&1 ;;
    xen)
        [ -f "$XEN_GZ" ] || { say "xen: $XEN_GZ: no such file (bench/fetch-xen.sh)"; return 1; }
        grub_iso "$iso" "    multiboot2 /boot/xen.gz $XEN_OPTS
    module2 /boot/vmlinuz ${TEST/ttyS0/hvc0}
    module2 /boot/initrd.img" "$XEN_GZ:xen.gz" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ;;
    *) say "BENCH_DISK_CONFIGS: unknown configuration '$c' (native, mica-idle, mica, xen)"; return 1 ;;
    esac
}

for c in $BENCH_DISK_CONFIGS; do
    iso "$c" || { say "$c: no ISO (see $OUT/$c.iso.log)"; continue; }
    rm -f "$IMG"; truncate -s 256M "$IMG"
    QEMU_FLAGS="$MACHINE $DISK" BENCH_ISO=$OUT/$c.iso
    say "$c: booting"
    # Mica prints dom0's exits when dom0 powers off: read until QEMU ends.
    case $c in mica*) done='all domains have ended' ;; *) done='MICA-BENCH disk done' ;; esac
    bench_run "$BENCH_TIMEOUT" "$done" "$OUT/$c.log"
    grep -q 'MICA-BENCH disk done' "$OUT/$c.log" || say "$c: the run did not finish: $OUT/$c.log"
    grep -h 'MICA-BENCH disk failed' "$OUT/$c.log" | sed "s/^/bench: $c: /"
done

for c in $BENCH_DISK_CONFIGS; do
    [ -f "$OUT/$c.log" ] && sed "s/^/$c /" "$OUT/$c.log"
done | awk '
    function kv(s, k,   i, n, a, b) {     # the value of k=... in s
        n = split(s, a, " ")
        for (i = 1; i <= n; i++) { split(a[i], b, "="); if (b[1] == k) return b[2] }
        return ""
    }
    function mibs(s) { return (kv(s, "read_kib_s") + kv(s, "write_kib_s")) / 1024 }
    function iops(s) { return kv(s, "read_iops") + kv(s, "write_iops") }
    function cell(s) { return s == "" ? sprintf("%22s", "n/a") : sprintf("%8.1f MiB/s %6d IOPS", mibs(s), iops(s)) }
    $2 == "MICA-BENCH" && $3 == "disk" && $4 ~ /^(seqwrite|seqread|randread)$/ {
        c = $1; j = $4; line = $0; sub(/^[^ ]+ MICA-BENCH disk [a-z]+ /, "", line)
        r[c, j] = line; kib[c] += kv(line, "kib"); irq[c] += kv(line, "irqs") }
    $2 ~ /^\(mica\)$/ && $3 == "d0" && $5 ~ /^[0-9]+$/ && $6 == "exits:" {
        ex[$1] += $5; for (i = 7; i <= NF; i++) { split($i, b, "="); why[$1, b[1]] += b[2]; reasons[b[1]] = 1 } }
    $2 ~ /^\(mica\)$/ && $3 == "d0" && $5 == "emulated" && $6 == "MMIO:" {
        s = $0; sub(/\r$/, "", s); sub(/.*emulated MMIO: /, "", s)
        n = split(s, parts, ", ")
        for (i = 1; i <= n; i++) {
            d = parts[i]; v = d; sub(/.*=/, "", v); sub(/=[0-9]+$/, "", d)
            mm[$1, d] += v; mmdev[d] = 1
        } }
    END {
        printf "%-9s %22s %22s %8s %22s\n", "job", "native Linux", "Mica dom0", "x native", "Xen 4.17 PVH dom0"
        n = split("seqwrite seqread randread", jobs, " ")
        for (k = 1; k <= n; k++) {
            j = jobs[k]; x = "n/a"
            if (r["mica", j] != "" && r["native", j] != "" && mibs(r["native", j]) > 0)
                x = sprintf("%.2f", mibs(r["mica", j]) / mibs(r["native", j]))
            printf "%-9s %22s %22s %8s %22s\n", j, cell(r["native", j]), cell(r["mica", j]), x, cell(r["xen", j])
        }
        printf "\nthe disk interrupts per MiB moved:"
        split("native mica xen", cs, " ")
        for (k = 1; k <= 3; k++) { c = cs[k]; if (kib[c] > 0) printf "  %s %.1f", c, irq[c] / (kib[c] / 1024) }
        printf "\n"
        if (kib["mica"] > 0 && ("mica-idle" in ex) && ("mica" in ex)) {
            mib = kib["mica"] / 1024
            printf "Mica dom0 exits per MiB (less a boot that only finds the disk): %.1f; by reason:", (ex["mica"] - ex["mica-idle"]) / mib
            for (w in reasons) { v = why["mica", w] - why["mica-idle", w]; if (v > 0) printf " %s=%.1f", w, v / mib }
            printf "\n"
            printf "of the npf exits, emulated MMIO per MiB by device:"
            for (d in mmdev) { v = mm["mica", d] - mm["mica-idle", d]; printf " [%s]=%.1f", d, v / mib }
            printf "\n"
        } else printf "Mica dom0 exits per MiB: n/a (needs both the mica and mica-idle runs)\n"
        printf "target (issue 12, not asserted): Mica >= 0.9x native\n"
    }' | tee "$OUT/results.txt"
