# SPDX-License-Identifier: GPL-2.0-only
# CPUs Mica cannot run guests on (hypervisor/arch/x86/vcpu.c
# arch_vcpu_select(), svm.c and vmx.c cpu_present/cpu_missing): one line
# names what is missing, nothing is started, and the machine powers off
# cleanly. Sourced by tests/system/run.sh after lib.sh. QEMU's TCG has no
# VMX, so "VMX without EPT" is checked under Bochs (make check-vmx).

# refused NAME CPU LABEL REGEX: boot on -cpu CPU, expect exactly one
# "lacks" line, matching REGEX (LABEL says what it names).
refused() {
    local name=$1 cpu=$2 label=$3 what=$4
    boot "$name" "-cpu $cpu -smp 2 -m 256" "" selftest:name=selftest
    expect_count "one line names what is missing: $label" 1 "lacks $what"
    expect_count "it is the only line that says lacks" 1 "lacks "
    expect_no_line "no domain was started" "vcpu0 starts on CPU"
    no_hypervisor_crash
    expect_rc $EXIT_UNSUPPORTED "stopped cleanly, CPU unsupported"
}

NEITHER='hardware virtualization: neither AMD SVM \(CPUID 0x80000001 ECX bit 2\) nor Intel VMX \(CPUID 1 ECX bit 5\): Mica cannot run guests; stopping$'
refused cpu-qemu64-nosvm qemu64,-svm "neither SVM nor VMX" "$NEITHER"
refused cpu-intel-novmx qemu64,-svm,vendor=GenuineIntel "neither SVM nor VMX (Intel)" "$NEITHER"
refused cpu-qemu64 qemu64 "SVM without nested paging" \
    'nested paging \(NPT: CPUID 0x8000000A EDX bit 0 is clear\): Mica cannot run guests; stopping$'
