# SPDX-License-Identifier: GPL-2.0-only
# The AMD IOMMU (issue 12, docs/iommu.md): found through ACPI IVRS on
# QEMU's q35 with -device amd-iommu, enabled with every device blocked, its
# command buffer and event log working; dom0 still boots beside it and sees
# only Mica's virtual bus (the IOMMU's own function hidden); and a machine
# without one says so in one clear line and boots as before. Only this
# area's boots get the amd-iommu device. Sourced by tests/system/run.sh
# after lib.sh.

DOM0_LIB_ONLY=1 . tests/system/dom0.sh

IOMMU_Q="-device amd-iommu"
IOMMU_BASE=0xfed80000       # where QEMU puts AMD-Vi's MMIO (its IVRS says so)
# QEMU's edu device (a DMA engine; hw/misc/edu.c) at 00:05.0, after the
# IOMMU on the command line, with all 64 address bits (its default mask
# is 28 bits: it could not reach beyond dom0's RAM), and QEMU's trace of
# its translations: what the IOMMU made of each device address.
EDU_Q="-device edu,addr=05.0,dma_mask=0xffffffffffffffff -trace amdvi_translation_result"

# The hypervisor's own lines about one IOMMU at $IOMMU_BASE.
expect_iommu_lines() {
    local b=$IOMMU_BASE
    expect_line "IOMMU found at $b through IVRS, its PCI function hidden from dom0" \
        "^\(mica\) iommu: AMD-Vi found at $b: PCI 0000:00:[0-9a-f]{2}\.[0-7] \(cap 0x[0-9a-f]+, hidden from dom0\), IVHD type 0x(10|11|40), EFR 0x[0-9a-f]+, covers [0-9a-f:.]+-[0-9a-f:.]+ \([1-9][0-9]* device IDs"
    expect_line "device table: 65536 entries, every device blocked" \
        "^\(mica\) iommu: AMD-Vi at $b: device table 65536 entries at 0x[0-9a-f]+, every device blocked \(DTE V=1 TV=1 IR=IW=0, an empty table\)\$"
    expect_line "command buffer running: a COMPLETION_WAIT completed" \
        "^\(mica\) iommu: AMD-Vi at $b: command buffer 256 entries at 0x[0-9a-f]+ running, completion wait took [0-9]+ us\$"
    expect_line "event log enabled and running" \
        "^\(mica\) iommu: AMD-Vi at $b: event log 256 entries at 0x[0-9a-f]+ enabled, running\$"
    expect_line "one IOMMU enabled, the IVRS table parsed without error" \
        '^\(mica\) iommu: 1 AMD-Vi IOMMU enabled, [0-9]+ IVMD blocks?, 0 IVRS errors; faults polled every 100 ms$'
    expect_no_line "no 'no IOMMU' line when there is one" 'no IOMMU: device passthrough is disabled'
    expect_iommu_devices
    expect_no_line "no IOMMU bring-up failure" '^\(mica\) iommu: .*(failed|above the hypervisor)'
    expect_no_line "no IVRS complaint" '^\(mica\) ivrs: '
}

# The hypervisor's PCI scan against IVRS: q35's AHCI is behind the IOMMU
# with its DMA blocked, the function IVRS names for the IOMMU is AMD's
# (1022), an IOMMU-class function (0806xx), and kept from dom0, and no
# function is left outside the IOMMU.
expect_iommu_devices() {
    local bdf
    bdf=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) iommu: AMD-Vi found at [^:]+: PCI ([0-9a-f:.]+) .*/\1/p' | head -n1)
    expect_line "the boot scan finds q35's AHCI (00:1f.2) behind the IOMMU, its DMA blocked" \
        "^\(mica\) iommu: PCI 0000:00:1f\.2 8086:2922 class 010601: behind the IOMMU at $IOMMU_BASE, DMA blocked\$"
    expect_line "the scan finds the IOMMU's function where IVRS says (${bdf:-none}), AMD's, kept from dom0" \
        "^\(mica\) iommu: PCI ${bdf:-none} 1022:[0-9a-f]{4} class 0806[0-9a-f]{2}: the IOMMU itself, kept by the hypervisor and hidden from dom0\$"
    expect_no_line "every function found is behind the IOMMU" 'behind no working IOMMU'
    expect_no_line "the IOMMU's function IVRS names exists" 'not found by the scan'
}

# Every physical function dom0 sees (00:01.0, the NIC's 00:04.0, edu's
# 00:05.0, 00:1f.0,
# 00:1f.2, 00:1f.3)
# gets its DTE pointed at dom0's I/O page table before dom0 runs, the
# IOMMU taking each (INVALIDATE_DEVTAB_ENTRY completed); from then on
# dom0's p2m changes invalidate its IOMMU domain, and those complete too.
expect_iommu_dtes() {
    local f
    for f in 01.0 04.0 05.0 1f.0 1f.2 1f.3; do
        expect_line "PCI 00:$f's DTE points at dom0's I/O page table (V TV Mode=4 IR IW, domain 1)" \
            "^\(mica\) iommu: PCI 0000:00:${f%.*}\\.${f#*.}: DMA reaches d0's memory only, through its I/O page table \(DTE V=1 TV=1 Mode=4 IR=IW=1, IOMMU domain 1, root 0x[0-9a-f]+\)\$"
    done
    # ... and each time hostdev.sh's assignments give one back to dom0 (pci: ...: back to d0).
    local back
    back=$(tr -d '\r' <"$LOG" | grep -c -E '^\(mica\) pci: [0-9a-f:.]+: back to d0$')
    expect_count "exactly those 6 functions are given to dom0 (and the $back given back)" $((6 + back)) \
        "^\(mica\) iommu: PCI [0-9a-f:.]+: DMA reaches d0's memory only"
    expect_no_line "no function refused to dom0, no DTE the IOMMU did not take" \
        '^\(mica\) iommu: PCI .*(not given to|did not take its new DTE)'
    expect_line "QEMU's IVRS has no IVMD block (nothing to map 1:1)" \
        '^\(mica\) iommu: 1 AMD-Vi IOMMU enabled, 0 IVMD blocks, '
    expect_no_line "every invalidation of dom0's IOMMU domain completes" 'invalidation never completed'
}

# dom0 writes the AHCI's command register through sysfs: Bus Master and
# INTx disable pass (its DTE points at dom0's table), parity and SERR do
# not (the device's own values stay); writing the first value back
# restores it exactly.
expect_iommu_command() {
    local v c0 c1
    v=$(mt iommu ahci-command-set)
    if [[ $v =~ ^0x([0-9a-f]{4})\ 0x([0-9a-f]{4})$ ]]; then
        c0=$((0x${BASH_REMATCH[1]})) c1=$((0x${BASH_REMATCH[2]}))
        if [ $c1 -eq $((c0 | 0x0404)) ] && [ $(((c0 ^ c1) & 0x0140)) -eq 0 ]; then
            pass "dom0 sets the AHCI's Bus Master and INTx disable; parity and SERR are filtered ($v)"
        else
            fail "dom0 sets the AHCI's Bus Master and INTx disable; parity and SERR are filtered" \
                "before, after: $v (want 0x$(printf %04x $((c0 | 0x0404))))"
        fi
    else
        fail "dom0 sets the AHCI's Bus Master and INTx disable" "got '$v'"
    fi
    v=$(mt iommu ahci-command-back)
    if [[ $v =~ ^(0x[0-9a-f]{4})\ (0x[0-9a-f]{4})$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
        pass "dom0 clears them again: the command register is back to ${BASH_REMATCH[1]}"
    else
        fail "dom0 clears them again" "before, after: '$v'"
    fi
}

# DMA isolation with edu (mica-drvtest edu, dom0/driver/tests/edutest.c):
# dom0 sets its Bus Master and copies a page of its own through the
# device's buffer to another (device address = dom0's guest-physical
# address, which QEMU's trace shows translated to a different host
# address); the engine pointed 128 MiB beyond dom0's RAM (host RAM of the
# hypervisor's on this 1 GiB machine) writes and reads nothing there, and
# pointed at the AHCI's registers reads nothing of them (no device-to-
# device DMA), and pointed at the IOMMU's device table (its address from
# the hypervisor's log ring) writes and reads nothing there (edu's own DTE
# among those it would overwrite); a page of another domain's that dom0
# maps (privcmd) is reached while mapped and, once unmapped, no more
# (QEMU's trace: the same device address translated again, to dom0's new
# frame: the unmap's invalidation reached it); QEMU's trace shows those refused (host address 0, no
# permission); the copy still works after, and dom0 runs on. QEMU 7.2
# logs no IOMMU event at all (docs/iommu.md), so no fault line is
# asserted.
expect_iommu_edu() {
    local out ga q v
    drv_checks edu
    expect_line "dom0 finds edu at 00:05.0" '^MICA-TEST edu device 0000:00:05\.0$'
    out=${LOG%/*}/qemu.out     # the boot's QEMU stderr: its trace
    ga=$(mt edu pages | cut -d' ' -f1)
    q=$(grep -a -E -m1 "amdvi_translation_result devid: 00:05\.0 gpa ${ga:-none} hpa 0x[0-9a-f]+" "$out" |
        sed -E 's/.* hpa (0x[0-9a-f]+).*/\1/')
    if [ -n "$q" ] && [ $((q)) -ne 0 ] && [ $((q)) -ne $((ga)) ]; then
        pass "QEMU's IOMMU translated edu's device address $ga (dom0's page) to host $q"
    else
        fail "QEMU's IOMMU translated edu's device address to dom0's page" \
            "gpa '${ga:-none}': hpa '${q:-no trace line}'"
    fi
    edu_refused "beyond dom0's RAM" "$(mt edu outside | cut -d' ' -f1)"
    edu_refused "the IOMMU's device table" "$(mt edu devtab)"
    ga=$(mt edu foreign)
    v=$(grep -a -E "amdvi_translation_result devid: 00:05\.0 gpa ${ga:-none} hpa " "$out" |
        sed -E 's/.* hpa (0x[0-9a-f]+).*/\1/' | uniq | tr '\n' ' ')
    v=${v% }
    if [ -n "$ga" ] && [[ $v =~ ^(0x[0-9a-f]+)\ (0x[0-9a-f]+)$ ]] && [ "${BASH_REMATCH[1]}" != 0x0 ] &&
       [ "${BASH_REMATCH[2]}" != 0x0 ]; then
        pass "QEMU's IOMMU translated $ga to the other domain's frame, then (unmapped, invalidated) to dom0's new one: $v"
    else
        fail "QEMU's IOMMU dropped the unmapped foreign page's translation" "gpa '${ga:-none}': host addresses '$v'"
    fi
    v=$(tr -d '\r' <"$LOG" | sed -nE 's/^\(mica\) iommu: AMD-Vi at [^:]+: device table 65536 entries at (0x[0-9a-f]+),.*/\1/p')
    if [ -n "$v" ] && [ "$v" = "$(mt edu devtab)" ]; then
        pass "dom0 aimed edu at the device table's address the hypervisor logged ($v)"
    else
        fail "dom0 aimed edu at the device table's address the hypervisor logged" \
            "logged '$v', aimed at '$(mt edu devtab)'"
    fi
}

# edu in a domU (dom0/tests/edudomu.sh, before iommu.sh's mica-drvtest edu,
# which then shows dom0 has it back working; its MICA-CHECK lines are
# relayed by expect_hostdev): the hypervisor assigned it at create, mapped
# its BAR 0 into the domU and out of dom0, gave it back at destroy (no
# FLR: edu has none, so only its Bus Master was cleared); the domU's MSI
# went on with the hypervisor's vector in the device; QEMU's trace shows
# the domU's page translated to a host address and the address beyond the
# domU's RAM to none.
expect_edudomu() {
    local ga q v
    expect_line "edu domU: edu (00:05.0) assigned to the domU at create, from dom0" \
        '^\(mica\) pci: 0000:00:05\.0: assigned to d[1-9][0-9]* \(eduu\) by d0, from d0$'
    expect_line "edu domU: its BAR 0 (1 MiB) mapped into the domU, uncached" \
        '^\(mica\) pci: PCI 0000:00:05\.0 BAR 0 0x[0-9a-f]+00000-0x[0-9a-f]+fffff mapped into d[1-9][0-9]*, uncached$'
    expect_line "edu domU: the domU moves BAR 0 to 0xe0000000: the hypervisor maps it there" \
        '^\(mica\) pci: PCI 0000:00:05\.0 BAR 0 0xe0000000-0xe00fffff mapped into d[1-9][0-9]*, uncached$'
    expect_line "edu domU: taken back from the domU (destroy), not reset (no FLR), bus mastering off" \
        '^\(mica\) pci: 0000:00:05\.0: no FLR: not reset, bus mastering off$'
    expect_count "edu domU: its BAR 0 mapped into dom0 twice (at boot, and back from the domU)" 2 \
        '^\(mica\) dom0_pci=view: PCI 0000:00:05\.0 BAR 0 0x[0-9a-f]+-0x[0-9a-f]+ mapped into d0, uncached$'
    expect_count "edu domU: back to dom0 once" 1 '^\(mica\) pci: 0000:00:05\.0: back to d0$'
    expect_count "edu domU: its BAR 0 unmapped from dom0 once (at assignment): dom0 no longer reaches it" 1 \
        '^\(mica\) pci: PCI 0000:00:05\.0 BAR 0 0x[0-9a-f]+-0x[0-9a-f]+ unmapped from d0$'
    expect_count "edu domU: its BAR 0 unmapped from the domU once (at destroy)" 1 \
        '^\(mica\) pci: PCI 0000:00:05\.0 BAR 0 0x[0-9a-f]+-0x[0-9a-f]+ unmapped from d[1-9][0-9]*$'
    expect_line "edu domU: the domU enables edu's MSI (mica_edu_msi.ko): the device gets the hypervisor's vector" \
        '^\(mica\) pci: PCI 0000:00:05\.0 MSI: on: d[1-9][0-9]*.s message 0xfee[0-9a-f]{5}/0x[0-9a-f]+, the device.s vector 0x[0-9a-f]+ on CPU 0$'
    # (storm.sh floods edu later in the boot: its storms are expect_storm's.)
    expect_line "edu domU: at dom0's end edu holds only the hypervisor's MSI message, its interrupts counted" \
        "^\(mica\) dom0_pci=view: PCI 0000:00:05\.0 at dom0's end: the device holds only the hypervisor's messages \(1 message checked, [1-9][0-9]* interrupts, [0-9]+ storms\)\$"
    ga=$(mt edudomu pages | cut -d' ' -f1)
    q=$(grep -a -E -m1 "amdvi_translation_result devid: 00:05\.0 gpa ${ga:-none} hpa 0x[0-9a-f]+" "${LOG%/*}/qemu.out" |
        sed -E 's/.* hpa (0x[0-9a-f]+).*/\1/')
    if [ -n "$q" ] && [ $((q)) -ne 0 ]; then
        pass "edu domU: QEMU's IOMMU translated the domU's page $ga to host $q"
    else
        fail "edu domU: QEMU's IOMMU translated the domU's page" "gpa '${ga:-none}': hpa '${q:-no trace line}'"
    fi
    edu_refused "beyond the domU's RAM" "$(mt edudomu outside | cut -d' ' -f1)"
    v=$(mt edudomu seconds)
    echo "# edu domU: create to the test's end took ${v:-?} s in dom0"
}

# edu_refused WHAT ADDRESS: QEMU's trace shows every translation of edu's
# at ADDRESS giving host address 0 (no permission), and there was one.
edu_refused() {
    local what=$1 a=$2 out=${LOG%/*}/qemu.out
    if [ -n "$a" ] && grep -a -q -E "amdvi_translation_result devid: 00:05\.0 gpa $a hpa 0x0\b" "$out" &&
       ! grep -a -E "amdvi_translation_result devid: 00:05\.0 gpa $a hpa " "$out" | grep -a -v -q ' hpa 0x0\b'; then
        pass "QEMU's IOMMU gave edu nothing at $a, $what (host address 0 each time)"
    else
        fail "QEMU's IOMMU gave edu nothing $what" \
            "'${a:-none}': $(grep -a -E "devid: 00:05\.0 gpa ${a:-none} " "$out" | head -n3 | tr '\n' '|')"
    fi
}

# A test guest under the IOMMU: the hypervisor's lines, the guest unharmed,
# and no fault logged on a machine where nothing does DMA.
test_iommu_found() {
    boot iommu-found "-cpu max -smp 2 -m 512 $IOMMU_Q" "" selftest:name=selftest
    expect_iommu_lines
    expect_no_line "no IOMMU event on a machine that does no DMA" '^\(mica\) iommu: AMD-Vi at .*: [A-Z_]+ (device|address)'
    guest_passes selftest
    guest_ended selftest poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# dom0 (stock Debian kernel) boots with the IOMMU on and dom0_pci=view:
# it sees the physical functions through the hypervisor's config-space
# filter, the virtual bus's own functions winning their BDFs (00:00.0,
# 00:02.0) and the IOMMU's function hidden; q35's AHCI with its IDs and
# its BAR 5 (4 KiB) sized through the shadow, no driver bound. Its I/O
# page table starts equal to its p2m (512 MiB: 131072 pages) and still
# equals it when dom0 powers off, after the dom0 driver's checks mapped
# and unmapped grants and foreign frames in dom0's p2m (mica-drvtest).
test_iommu_dom0() {
    local v disk=$BUILD/tests/system/iommu-dom0/disk.img
    mkdir -p "${disk%/*}"
    rm -f "$disk"
    truncate -s 16M "$disk"
    # Up to 900 s: about 90 s on a quiet machine with hostdev.sh's three domUs, 120 s and more
    # seen under load; storm.sh's domU boots and counts for about 20 s more.
    DOM0_TIMEOUT=$((DOM0_TIMEOUT > 900 ? DOM0_TIMEOUT : 900)) \
        boot_dom0 iommu-dom0 "-cpu max -m 1024 -smp 2 $IOMMU_Q $EDU_Q $(disk_q "$disk") $NIC_Q" "dom0_mem=512M dom0_pci=view $STORM_HV" \
        "$DOM0_CMDLINE mica.test=pci,edudomu,iommu,hostdev,storm,drv mica.micad=0" || return
    expect_iommu_lines
    expect_line "dom0's I/O page table starts equal to its p2m (131072 pages = 512 MiB)" \
        '^\(mica\) iommu: d0: I/O page table equal to its p2m: 131072 pages mapped, [0-9]+ table pages \(AMD-Vi v1, 4 levels, IOMMU domain 1\)$'
    expect_line "dom0_pci=view is announced" '^\(mica\) dom0_pci=view: dom0 sees the physical PCI functions'
    expect_line "Bus Master is cleared on the 6 physical functions dom0 sees, before it runs" \
        '^\(mica\) dom0_pci=view: Bus Master off on the 6 functions d0 sees \([0-6] had it on\); only one whose DTE points at its I/O page table may set it$'
    expect_line "dom0's host bridge gets the windows the physical BARs sit in" \
        "^\(mica\) dom0_pci=view: dom0's host bridge windows: I/O 0-0xcf7 and 0xd00-0xffff, memory 0x[0-9a-f]+00000-0x[0-9a-f]+fffff\$"
    expect_line "Linux finds the AHCI's BAR 5 where the firmware put it" \
        '^\[ *[0-9.]+\] pci 0000:00:1f\.2: BAR 5 \[mem 0x[0-9a-f]+-0x[0-9a-f]+\]$'
    expect_no_line "Linux claims every BAR and bridge window inside the host bridge's windows" "can't claim"
    expect_no_line "Linux moves no BAR (nothing left to assign)" "can't assign"

    dom0_up || return
    v=$(mt pci "dev 0000:00:00.0")
    if [[ $v == "0x4d43 0x0000 "* ]]; then pass "00:00.0 stays the virtual host bridge (4d43:0000)"
    else fail "00:00.0 stays the virtual host bridge (4d43:0000)" "got '$v'"; fi
    v=$(mt pci "dev 0000:00:02.0")
    if [[ $v == "0x4d43 0x0001 "* ]]; then pass "00:02.0 stays the Mica platform device, not q35's NIC"
    else fail "00:02.0 stays the Mica platform device, not q35's NIC" "got '$v'"; fi
    expect_no_line "the IOMMU's own function (00:03.0) is hidden from dom0" 'MICA-TEST pci dev 0000:00:03\.0 '
    v=$(mt pci count)
    if [ "$v" = 8 ]; then pass "dom0 sees 8 functions: 2 virtual, 6 physical (00:01.0, the NIC's 00:04.0, edu's 00:05.0, 00:1f.0, 00:1f.2, 00:1f.3)"
    else fail "dom0 sees 8 functions" "got '$v': $(sed -n 's/.*MICA-TEST pci dev //p' "$LOG" | tr '\n' '|')"; fi
    expect_line "dom0 sees q35's AHCI at 00:1f.2 (8086:2922, class 010601)" \
        '^MICA-TEST iommu ahci 0x8086 0x2922 0x010601$'
    v=$(mt iommu ahci-bar5)
    if [[ $v =~ ^0x([0-9a-f]+)\ 0x([0-9a-f]+)$ ]] &&
       [ $((0x${BASH_REMATCH[2]} - 0x${BASH_REMATCH[1]} + 1)) -eq 4096 ] &&
       [ $((0x${BASH_REMATCH[1]})) -ne 0 ]; then
        pass "AHCI BAR 5 sized through the shadow: 4 KiB at 0x${BASH_REMATCH[1]}"
    else
        fail "AHCI BAR 5 sized through the shadow: 4 KiB" "got '$v'"
    fi
    expect_iommu_dtes
    expect_line "the hypervisor maps the AHCI's BAR 5 into dom0, uncached" \
        '^\(mica\) dom0_pci=view: PCI 0000:00:1f\.2 BAR 5 0x[0-9a-f]+-0x[0-9a-f]+fff mapped into d0, uncached$'
    expect_line "dom0 reads the AHCI's version register through the mapped BAR (AHCI 1.0: 0x00010000)" \
        '^MICA-TEST iommu ahci-vs 0x00010000$'
    expect_line "dom0 reads the AHCI's CAP register through the mapped BAR (not all ones, not 0)" \
        '^MICA-TEST iommu ahci-cap 0x[0-9A-Fa-f]{8}$'
    expect_no_line "... which is neither 0 nor all ones" '^MICA-TEST iommu ahci-cap 0x(00000000|FFFFFFFF|ffffffff)$'
    v=$(mt iommu ahci-command)
    if [[ $v =~ ^[0-9a-f]{4}$ ]] && (( (0x$v & 0x2) && !(0x$v & 0x4) )); then
        pass "the AHCI, its driver unbound, does not master: memory decoding on, bus master off (command 0x$v)"
    else
        fail "the AHCI, its driver unbound, does not master: memory decoding on, bus master off" "command '$v'"
    fi
    expect_iommu_command
    expect_edudomu
    expect_iommu_edu
    expect_hostdev
    script_ran pci edudomu iommu hostdev
    drv_checks mmap
    drv_checks gnt
    script_ran drv
    expect_line "dom0's I/O page table still equals its p2m at poweroff, having followed unmaps" \
        '^\(mica\) iommu: d0: I/O page table matches its p2m: [0-9]+ pages, after [0-9]+ maps and [1-9][0-9]* unmaps$'
    expect_no_line "no difference between dom0's I/O page table and its p2m" 'I/O page table differs'
    dom0_off
    disk_checks "$disk"
    nic_checks
    hostile_msi_checks
    expect_storm
}

# The storm test's CPU limit: 40 interrupts of all functions on CPU 0 in
# 10 ms (the default 2000 is far beyond what TCG delivers: there edu's
# flood livelocks dom0's vCPU 0 in its handler unthrottled), the
# function's own limit the default 1000, so edu is throttled for the
# CPU's rate.
STORM_HV="msi_storm_cpu_limit=40"

# The interrupt storm (dom0/tests/storm.sh's MICA-CHECK lines, relayed):
# a domU on CPU 0 keeps its share while edu floods, and the hypervisor's
# own account at dom0's end: edu throttled, the AHCI and NIC never (their
# "0 storms" above: under their share of CPU 0), CPU 0's count.
expect_storm() {
    local n=0 line what v
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in
        "MICA-CHECK PASS storm: "*) pass "storm: ${line#MICA-CHECK PASS storm: }" ;;
        "MICA-CHECK FAIL storm: "*) what=${line#MICA-CHECK FAIL storm: }
                                    fail "storm: ${what%%: *}" "${what#*: }" ;;
        esac
    done < <(tr -d '\r' <"$LOG" | grep -a -o -E 'MICA-CHECK (PASS|FAIL) storm: .*')
    [ "$n" -ge 14 ] && pass "storm: dom0 ran at least 14 checks ($n)" ||
        fail "storm: dom0 ran at least 14 checks" "only $n: $(sed -n 's/.*MICA-TEST storm //p' "$LOG" | tail -n 4 | tr '\n' '|')"
    script_ran storm
    v=$(tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) dom0_pci=view: PCI 0000:00:05\.0 at dom0's end: the device holds only the hypervisor's messages \(1 message checked, ([0-9]+) interrupts, ([0-9]+) storms\)\$/\1 \2/p")
    if [[ $v =~ ^([0-9]+)\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[2]}" -gt 0 ]; then
        pass "storm: at dom0's end edu holds only the hypervisor's message, throttled ${BASH_REMATCH[2]} times of ${BASH_REMATCH[1]} interrupts"
    else
        fail "storm: at dom0's end edu holds only the hypervisor's message and was throttled" "got '$v'"
    fi
    expect_line "storm: edu is throttled for CPU 0's rate (over its share), never for its own (1000)" \
        "^\(mica\) dom0_pci=view: PCI 0000:00:05\.0 storms: 0 for its own rate, [1-9][0-9]* for the CPU's\$"
    expect_line "storm: edu's first throttle line names CPU 0's limit and edu's share" \
        "^\(mica\) dom0_pci=view: PCI 0000:00:05\.0 MSI: interrupt storm: masked for a window \(CPU 0 over 40 in 10 ms, this function over its share 13; 1 throttle since the last line, 1 in all\)\$"
    expect_line "storm: CPU 0's device interrupts and throttles are counted at dom0's end" \
        "^\(mica\) dom0_pci=view: CPU 0: [1-9][0-9]* device interrupts from 3 functions, [1-9][0-9]* throttles for the CPU's limit \(40 a 10 ms window, a function's share 13, its own limit 1000\)\$"
    expect_no_line "storm: no function is logged throttled but edu" \
        'dom0_pci=view: PCI 0000:00:(0[0-46-9a-f]|1[0-9a-f])\.[0-7] MSI: interrupt storm'
}

# dom0 wrote hostile messages (the IOMMU's registers, the hypervisor's
# timer vector) into the AHCI's MSI and the NIC's first MSI-X entry, then
# put them back (the NIC's driver bound again): it read back its own
# values, the NIC still works, and at
# dom0's end both devices hold only the hypervisor's messages.
hostile_msi_checks() {
    expect_line "dom0 reads back the hostile MSI message it wrote (its image)" \
        '^MICA-TEST iommu hostile-msi 0xfed80000 0x000000f0$'
    expect_line "dom0 reads back the hostile MSI-X entry it wrote (its image of the trapped table)" \
        '^MICA-TEST iommu hostile-msix 0xFED80000 0x000000F0$'
    expect_line "the NIC, its driver bound again after the hostile entry, still reaches the gateway" \
        '^MICA-TEST iommu hostile-after-ping ok$'
    expect_line "at dom0's end the AHCI holds only the hypervisor's MSI message" \
        "^\(mica\) dom0_pci=view: PCI 0000:00:1f\.2 at dom0's end: the device holds only the hypervisor's messages \(1 message checked, [1-9][0-9]* interrupts, 0 storms\)\$"
    expect_line "at dom0's end the NIC holds only the hypervisor's MSI-X messages" \
        "^\(mica\) dom0_pci=view: PCI 0000:00:04\.0 at dom0's end: the device holds only the hypervisor's messages \([1-9][0-9]* messages checked, [1-9][0-9]* interrupts, 0 storms\)\$"
    expect_no_line "no device holds a message that is not the hypervisor's" 'holds a message that is not the hypervisor'
}

# An e1000e at 00:04.0 on QEMU's user-mode network, restricted: nothing
# leaves the machine, the gateway 10.0.2.2 still answers.
NIC_Q="-netdev user,id=n0,restrict=on -device e1000e,netdev=n0,addr=04.0"

# dom0's NIC checks (dom0/tests/iommu.sh): stock e1000e binds it with
# MSI-X (its table trapped by the hypervisor) and dom0 reaches QEMU's
# gateway.
nic_checks() {
    local v
    expect_line "stock e1000e binds the NIC and gives it an interface" '^MICA-TEST iommu nic [a-z0-9]+$'
    expect_line "the NIC's MSI-X is offered: its table trapped" \
        '^\(mica\) dom0_pci=view: PCI 0000:00:04\.0 MSI-X: [1-9][0-9]* entries offered, table at 0x[0-9a-f]+ trapped$'
    expect_count "e1000e enables MSI-X twice (probe, bound again): the device has the hypervisor's vectors" 2 \
        '^\(mica\) dom0_pci=view: PCI 0000:00:04\.0 MSI-X on: [1-9][0-9]* entries, the device.s vectors 0x[0-9a-f]+-0x[0-9a-f]+ on CPU 0$'
    expect_no_line "e1000e does not fall back from MSI-X" 'Failed to initialize MSI-X interrupts'
    expect_line "the NIC's link is up" '^MICA-TEST iommu nic-carrier 1$'
    v=$(mt iommu nic-ping)
    if [ "$v" = 3 ]; then pass "dom0 pings QEMU's gateway 10.0.2.2 through the e1000e: 3 of 3 answered"
    else fail "dom0 pings QEMU's gateway 10.0.2.2 through the e1000e" "got '${v:-nothing}': $(sed -n 's/.*MICA-TEST iommu nic-log //p' "$LOG" | tail -n 5 | tr '\n' '|')"; fi
    expect_line "the NIC's interrupts are per-queue message interrupts (MSI-X: PCI-MSI, eth0-rx-0)" \
        '^MICA-TEST iommu nic-irq-line .*PCI-MSI [0-9]+-edge [a-z0-9]+-rx-0$'
    v=$(mt iommu nic-irqs)
    if [[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ]; then pass "the NIC's MSI-X vectors count in dom0's /proc/interrupts ($v)"
    else fail "the NIC's MSI-X vectors count in dom0's /proc/interrupts" "got '$v'"; fi
}

# Device assignment (dom0/tests/hostdev.sh's MICA-CHECK lines, relayed),
# and the hypervisor's lines: the AHCI blocked and pointed at hd1's I/O
# page table, taken back, given to hd2 and got back when hd2 was
# destroyed, each time back to dom0; the refusals logged where the ABI
# says (no IOMMU lines: there is one).
expect_hostdev() {
    local n=0 line what
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in
        "MICA-CHECK PASS "*) pass "hostdev: ${line#MICA-CHECK PASS }" ;;
        "MICA-CHECK FAIL "*) what=${line#MICA-CHECK FAIL }
                             fail "hostdev: ${what%%: *}" "${what#*: }" ;;
        esac
    done < <(tr -d '\r' <"$LOG" | grep -a -o -E 'MICA-CHECK (PASS|FAIL) .*' | grep -a -v -E '^MICA-CHECK (PASS|FAIL) storm: ')
    [ "$n" -ge 35 ] && pass "hostdev: dom0 ran at least 35 checks ($n)" ||
        fail "hostdev: dom0 ran at least 35 checks" "only $n"
    expect_line "hostdev: a domU gets an I/O page table equal to its p2m at its first assignment" \
        '^\(mica\) iommu: d[1-9][0-9]*: I/O page table equal to its p2m: [0-9]+ pages mapped'
    expect_count "hostdev: the AHCI is assigned three times (hd1 at create, hd2, hd3 managed), each from d0" 3 \
        '^\(mica\) pci: 0000:00:1f\.2: assigned to d[1-9][0-9]* \(hd[123]\) by d0, from d0$'
    expect_count "hostdev: ... each time its DTE points at the domU's I/O page table" 3 \
        "^\(mica\) iommu: PCI 0000:00:1f\.2: DMA reaches d[1-9][0-9]*'s memory only, through its I/O page table"
    expect_count "hostdev: dom0's DTE blocked first each time" 3 \
        '^\(mica\) iommu: PCI 0000:00:1f\.2: taken from d0: DMA blocked$'
    expect_line "hostdev: pci-detach blocks it, then gives it back" \
        '^\(mica\) pci: 0000:00:1f\.2: taken from d[1-9][0-9]* by d0$'
    expect_line "hostdev: a domU destroyed with it gives it back as it goes" \
        '^\(mica\) pci: 0000:00:1f\.2: taken from d[1-9][0-9]*, which is going away$'
    expect_count "hostdev: back to dom0 three times" 3 '^\(mica\) pci: 0000:00:1f\.2: back to d0$'
    expect_no_line "hostdev: no assignment failed in the IOMMU" '^\(mica\) pci: .*: not given to d'
}

# q35's AHCI gets a raw disk on its port 0 (the ISO is on port 2).
disk_q() {
    echo "-drive file=$1,if=none,id=d0,format=raw -device ide-hd,drive=d0,bus=ide.0"
}

# dom0's disk checks (dom0/tests/iommu.sh): stock ahci bound with MSI, the
# hypervisor's vector injecting dom0's, a checksummed write read back the
# same and found in the image after QEMU ended.
disk_checks() {
    local img=$1 v f r host
    expect_line "dom0 enables the AHCI's MSI: the device gets the hypervisor's vector" \
        '^\(mica\) dom0_pci=view: PCI 0000:00:1f\.2 MSI: on: dom0.s message 0xfee[0-9a-f]{5}/0x[0-9a-f]+, the device.s vector 0x[0-9a-f]+ on CPU 0$'
    expect_line "stock ahci binds the AHCI at boot (by its modalias)" '^MICA-TEST iommu ahci-driver ahci$'
    expect_line "ahci binds it again after dom0 unbound it" '^MICA-TEST iommu ahci-rebound ahci$'
    # hostdev.sh binds ahci again after each assignment it undoes (MICA-TEST hostdev rebinds N).
    local rebinds
    rebinds=$(mt hostdev rebinds)
    expect_count "ahci's MSI goes on $((3 + ${rebinds:-0})) times (boot, bound again, dom0's hostile message undone, ${rebinds:-0} rebinds by hostdev.sh): each time the hypervisor's vector" $((3 + ${rebinds:-0})) \
        '^\(mica\) dom0_pci=view: PCI 0000:00:1f\.2 MSI: on: '
    expect_line "ahci uses MSI (PCI-MSI in /proc/interrupts)" '^MICA-TEST iommu disk-irq-line .*PCI-MSI.*ahci'
    v=$(mt iommu disk-size)
    if [ "$v" = 32768 ]; then pass "dom0 finds /dev/sda: 16 MiB (32768 sectors)"
    else fail "dom0 finds /dev/sda: 16 MiB" "got '${v:-no disk}': $(sed -n 's/.*MICA-TEST iommu disk-log //p' "$LOG" | tail -n 5 | tr '\n' '|')"; fi
    expect_line "dom0 writes 4 MiB with direct I/O and a sync" '^MICA-TEST iommu disk-write ok$'
    f=$(mt iommu disk-sha-file); r=$(mt iommu disk-sha-read)
    if [[ $f =~ ^[0-9a-f]{64}$ ]] && [ "$f" = "$r" ]; then pass "dom0 reads back what it wrote (sha256 $f)"
    else fail "dom0 reads back what it wrote" "wrote '$f', read '$r'"; fi
    host=$(dd if="$img" bs=1M skip=1 count=4 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ -n "$f" ] && [ "$host" = "$f" ]; then pass "the image holds dom0's bytes after QEMU ended (sha256 matches)"
    else fail "the image holds dom0's bytes after QEMU ended" "image '$host', dom0 wrote '$f'"; fi
    v=$(mt iommu disk-irqs)
    if [[ $v =~ ^([0-9]+)\ ([0-9]+)$ ]] && (( BASH_REMATCH[2] > BASH_REMATCH[1] )); then
        pass "the AHCI's MSI counts in dom0's /proc/interrupts during the I/O ($v)"
    else
        fail "the AHCI's MSI counts in dom0's /proc/interrupts during the I/O" "got '$v'"
    fi
    expect_no_line "no interrupt storm from the AHCI" 'PCI 0000:00:1f\.2 MSI: interrupt storm'
}

# No IOMMU: one clear line, and the machine boots as before.
test_iommu_none() {
    boot iommu-none "-cpu max -smp 1 -m 256" "" selftest:name=selftest
    expect_count "without an IOMMU: one clear line" 1 \
        '^\(mica\) iommu: no IOMMU: device passthrough is disabled$'
    expect_no_line "without an IOMMU: no AMD-Vi line" '^\(mica\) iommu: AMD-Vi'
    expect_line "without an IOMMU: the PCI scan still runs" '^\(mica\) pci: [0-9]+ functions on segment 0$'
    expect_no_line "without an IOMMU: no per-device IOMMU line" '^\(mica\) iommu: PCI '
    guest_passes selftest
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# Firmware tables that lie, given to QEMU as an extra ACPI table
# (-acpitable builds the header and checksum around the body). The body:
# IVinfo and 8 reserved bytes, then one IVHD: type 0x10, flags 0, LENGTH,
# the IOMMU's BDF 00:03.0, capability 0x40, MMIO base 0xfed90000 (nothing
# there on q35), segment 0, info 0, attributes 0; then ENTRIES.
ivrs_body() {
    local len=$1 entries=$2
    printf '\x41\x30\x20\x00\0\0\0\0\0\0\0\0'
    printf "\\x10\\x00\\x$(printf %02x $((len & 255)))\\x$(printf %02x $((len >> 8)))"
    printf '\x18\x00\x40\x00\x00\x00\xd9\xfe\0\0\0\0\0\0\0\0\0\0\0\0'
    printf "$entries"
}

# An IVHD whose length runs past the table: refused with its offset, no
# IOMMU used, the boot goes on.
test_iommu_bad_ivrs() {
    local dir=$BUILD/tests/system/iommu-bad-ivrs
    mkdir -p "$dir"
    ivrs_body 1024 '' >"$dir/ivrs.bin"
    boot iommu-bad-ivrs "-cpu max -smp 1 -m 256 -acpitable sig=IVRS,rev=2,data=$dir/ivrs.bin" "" \
        selftest:name=selftest
    expect_line "an IVHD longer than the table is refused, with its offset" \
        '^\(mica\) ivrs: block type 0x10 at offset 48: length 1024 does not fit the table \(72 bytes\)$'
    expect_count "then: no IOMMU, in the clear line" 1 '^\(mica\) iommu: no IOMMU: device passthrough is disabled$'
    guest_passes selftest
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# A well-formed IVRS naming an IOMMU that is not there: its command buffer
# never completes, so it is left disabled and the machine runs without one.
test_iommu_dead() {
    local dir=$BUILD/tests/system/iommu-dead
    mkdir -p "$dir"
    ivrs_body 28 '\x02\x00\x00\x00' >"$dir/ivrs.bin"
    boot iommu-dead "-cpu max -smp 1 -m 256 -acpitable sig=IVRS,rev=2,data=$dir/ivrs.bin" "" \
        selftest:name=selftest
    expect_line "the IVRS's IOMMU is found at its base" '^\(mica\) iommu: AMD-Vi found at 0xfed90000: PCI 0000:00:03\.0 '
    expect_line "an IOMMU whose commands never complete is left disabled" \
        '^\(mica\) iommu: AMD-Vi at 0xfed90000: bring-up failed \(-[0-9]+\): left disabled$'
    expect_count "then: no IOMMU, in the clear line" 1 '^\(mica\) iommu: no IOMMU: device passthrough is disabled$'
    expect_no_line "no IOMMU claimed enabled" 'AMD-Vi IOMMUs? enabled'
    guest_passes selftest
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_iommu_found
test_iommu_none
test_iommu_bad_ivrs
test_iommu_dead
test_iommu_dom0
