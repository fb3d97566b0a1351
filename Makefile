# SPDX-License-Identifier: GPL-2.0-only
# Mica: top-level build. `make run` and `make test` are the two commands;
# README.md lists the rest. Everything is built under build/.

SHELL := /bin/bash
BUILD := build
.DEFAULT_GOAL := all

# ./configure finds the tools and writes config.mk; run, test and bench also
# install whatever is missing (Debian packages, through apt-get).
ifneq ($(filter run run-guests test check-vmx bench bench-core bench-fuzz iso-run,$(MAKECMDGOALS)),)
CONFIGURE_FLAGS += --install-deps
endif
config.mk: configure
	./configure $(CONFIGURE_FLAGS)
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
include config.mk
endif
BOCHS ?= bochs

# ---------------------------------------------------------------- hypervisor
HV_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
    -mgeneral-regs-only -mcmodel=small -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fcf-protection=none -fno-common \
    -nostdlib -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow \
    -Ihypervisor/include -Ihypervisor/arch/x86/include -MMD -MP
HV_ASFLAGS := $(filter-out -Wmissing-prototypes,$(HV_CFLAGS)) -D__ASSEMBLER__

HV_SRCS := $(wildcard hypervisor/common/*.c hypervisor/lib/*.c \
    hypervisor/arch/x86/*.c hypervisor/arch/x86/*.S hypervisor/arch/x86/boot/*.S)
HV_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(HV_SRCS))
HV_LDS := hypervisor/arch/x86/mica.ld

$(BUILD)/obj/%.c.o: %.c config.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S config.mk
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/mica.elf: $(HV_OBJS) $(HV_LDS)
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack \
	    --build-id=none -T $(HV_LDS) -o $@ $(HV_OBJS)

-include $(HV_OBJS:.o=.d)

# ------------------------------------------------- test guests and unit tests
include tests/guests/guests.mk
include tests/unit/unit.mk
include libctl/libctl.mk
include tests/fuzz/fuzz.mk
include dom0/dom0.mk
include toolstack/toolstack.mk

# ------------------------------------------------------------------ the ISOs
# mica.iso boots Mica with a Linux dom0: DOM0_KERNEL, DOM0_INITRD and
# DOM0_CMDLINE (dom0/dom0.mk) choose it, MICA_CMDLINE holds the hypervisor's
# options. It is rebuilt every time, so changed options always reach it.
# guests.iso boots the demo guests instead: the self-test and two guests
# spinning at once on two CPUs.
MICA_CMDLINE ?= console=com1 loglvl=info dom0_mem=512M dom0_pci=view
DEMO_MODULES := selftest:name=selftest spin:name=spin-a spin:name=spin-b

$(BUILD)/mica.iso: $(BUILD)/mica.elf $(DOM0_KERNEL) $(DOM0_INITRD) tests/system/mkiso-dom0.sh FORCE
	tests/system/mkiso-dom0.sh $@ "$(MICA_CMDLINE)" "$(DOM0_KERNEL)" '$(DOM0_CMDLINE)' "$(DOM0_INITRD)"

$(BUILD)/guests.iso: $(BUILD)/mica.elf $(GUEST_ELFS) tests/system/mkiso.sh
	tests/system/mkiso.sh $@ "$(MICA_CMDLINE)" $(DEMO_MODULES)

QEMU_SMP ?= 2
QEMU_MEM ?= 2048
QEMU_CPU ?= max
# Single-threaded TCG: QEMU 7.2's multi-threaded TCG sometimes loses a
# guest's SVM state (docs/architecture.md, "Known limitations"). The tests
# and `make run` use it; the benchmarks keep the anchors' default.
QEMU_ACCEL ?= tcg,thread=single
export QEMU_ACCEL
QEMU_FLAGS := -accel $(QEMU_ACCEL) -machine q35 -cpu $(QEMU_CPU) -smp $(QEMU_SMP) \
    -m $(QEMU_MEM) -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x01

.PHONY: all install hypervisor iso run run-guests test check-licences check-system check-dom0 check-vmx bench-vmx bench bench-blk bench-core bench-domu bench-net bench-disk bench-fuzz stress-ctl stress-net clean help FORCE
all: $(BUILD)/mica.elf guests unit-tests libctl
hypervisor: $(BUILD)/mica.elf
iso: $(BUILD)/mica.iso

# make run's machine is a small host (docs/iommu.md, "dom0's own disk and NIC"):
# QEMU's AMD IOMMU, q35's AHCI with RUN_DISK (made on the first run: an
# ext4 file system labelled mica-dom0, kept between runs; dom0 mounts it at
# /srv/mica) and an e1000e NIC on QEMU's user-mode network with
# restrict=on (nothing leaves the machine). Mica gives dom0 the physical
# functions with dom0_pci=view (MICA_CMDLINE).
RUN_DISK ?= var/dom0-disk.img
RUN_DISK_SIZE ?= 4G
RUN_QEMU_FLAGS := -device amd-iommu \
    -drive file=$(RUN_DISK),if=none,id=hd0,format=raw -device ide-hd,drive=hd0,bus=ide.0 \
    -netdev user,id=net0,restrict=on -device e1000e,netdev=net0

$(RUN_DISK):
	tests/system/mkhostdisk.sh $@ $(RUN_DISK_SIZE)

run: all $(BUILD)/mica.iso $(RUN_DISK)
	$(QEMU) $(QEMU_FLAGS) $(RUN_QEMU_FLAGS) -cdrom $(BUILD)/mica.iso -serial mon:stdio -echr 0x14

run-guests: all $(BUILD)/guests.iso
	$(QEMU) $(QEMU_FLAGS) -cdrom $(BUILD)/guests.iso -serial mon:stdio -echr 0x14

# The dom0 tests boot DOM0_KERNEL/DOM0_INITRD/DOM0_CMDLINE, like `make iso`.
DOM0_TEST_ENV = QEMU=$(QEMU) DOM0_KERNEL="$(DOM0_KERNEL)" \
    DOM0_INITRD="$(DOM0_INITRD)" DOM0_CMDLINE='$(DOM0_CMDLINE)'

check-system: $(BUILD)/mica.elf $(GUEST_ELFS) $(DOM0_TEST_DEPS)
	$(DOM0_TEST_ENV) tests/system/run.sh $(BUILD)

# 100 create/destroy cycles of a Linux domU from dom0 (make test runs 20).
CTL_STRESS_CYCLES ?= 100
stress-ctl: $(BUILD)/mica.elf $(DOM0_TEST_DEPS)
	@mkdir -p $(BUILD)/tests
	@set -o pipefail 2>/dev/null; \
	$(DOM0_TEST_ENV) BUILD=$(BUILD) tests/stress/ctl.sh $(CTL_STRESS_CYCLES) | tee $(BUILD)/tests/stress-ctl.log; \
	tests/summary.sh $(BUILD)/tests/stress-ctl.log

# The pvnet system area with every transfer (tests/stress/pvnet.sh):
# make test leaves out its domU->dom0 64 MiB for time.
stress-net: $(BUILD)/mica.elf $(DOM0_TEST_DEPS)
	@mkdir -p $(BUILD)/tests
	@set -o pipefail 2>/dev/null; \
	$(DOM0_TEST_ENV) BUILD=$(BUILD) tests/stress/pvnet.sh | tee $(BUILD)/tests/stress-net.log; \
	tests/summary.sh $(BUILD)/tests/stress-net.log

check-licences:
	@scripts/check-licences.sh | tee /dev/stderr | grep -q '^PASS'

# Mica under Bochs: Intel VMX with EPT and Bochs's SVM model (tests/vmx/run.sh),
# then the system-test areas in VMX_AREAS (default: events grants sched hardening) on VMX,
# then the Debian dom0 on VMX (VMX_DOM0=1, the default); all of it ~35 minutes.
VMX_DOM0 ?= 1
check-vmx: $(BUILD)/mica.elf $(GUEST_ELFS) $(if $(filter 1,$(VMX_DOM0)),$(DOM0_TEST_DEPS))
	@mkdir -p $(BUILD)/tests
	@set -o pipefail 2>/dev/null; \
	$(DOM0_TEST_ENV) BOCHS=$(BOCHS) VMX_DOM0=$(VMX_DOM0) tests/vmx/run.sh $(BUILD) | tee $(BUILD)/tests/vmx.log; \
	tests/summary.sh $(BUILD)/tests/vmx.log

# The bench guest's core figures under Bochs, VMX against Bochs's SVM model (never asserted).
bench-vmx: $(BUILD)/mica.elf $(GUEST_ELFS)
	BOCHS=$(BOCHS) tests/vmx/bench.sh $(BUILD)

# The guest PV drivers built with Debian's dkms against the domU kernel's
# headers: the same modules the system tests load (tests/pvdrivers/dkms.sh).
.PHONY: check-pvdrivers
check-pvdrivers: pvdrivers
	@DKMS=$(DKMS) tests/pvdrivers/dkms.sh $(BUILD)

check-dom0: $(BUILD)/mica.elf $(DOM0_TEST_DEPS)
	@mkdir -p $(BUILD)/tests
	$(DOM0_TEST_ENV) tests/system/dom0.sh $(BUILD) | tee $(BUILD)/tests/dom0.log
	@tests/summary.sh $(BUILD)/tests/dom0.log

# make install DESTDIR=... PREFIX=...: libmicactl (lib, header, micactl.pc, schema);
# toolstack/toolstack.mk adds install-toolstack (mica, micad, man pages, completion, unit).
install: install-libctl

# Unit tests, a short run of each fuzz target (about a minute), then system
# tests, then check-vmx's four Bochs boots and a short sched-cap, without its areas or dom0 (about 2 min);
# tests/summary.sh prints "N passed, N failed".
test: all
	@mkdir -p $(BUILD)/tests
	@set -o pipefail 2>/dev/null; \
	{ scripts/check-licences.sh; \
	  $(MAKE) --no-print-directory check-unit; \
	  $(MAKE) --no-print-directory check-ctl; \
	  $(MAKE) --no-print-directory check-toolstack; \
	  $(MAKE) --no-print-directory check-store; \
	  $(MAKE) --no-print-directory check-pvdrivers; \
	  $(MAKE) --no-print-directory check-fuzz; \
	  $(MAKE) --no-print-directory check-system; \
	  $(MAKE) --no-print-directory check-vmx VMX_AREAS= VMX_DOM0=0; } 2>&1 | tee $(BUILD)/tests/test.log; \
	tests/summary.sh $(BUILD)/tests/test.log

# Benchmarks (bench/README.md): figures, never PASS/FAIL. bench/boot.sh
# times dom0's boot natively, under Mica and under Xen 4.17 (Debian's
# package, fetched once into build/bench/xen/ and never installed).
BENCH_XEN := $(BUILD)/bench/xen/xen.gz
BENCH_RUNS ?= 3

$(BENCH_XEN):
	bench/fetch-xen.sh $(@D)

# Core operations in TSC cycles (bench/core.sh): the bench test guest under
# Mica, and bench/xen-pvh/ (a tiny PVH kernel) as Xen 4.17's dom0.
BENCH_XEN_PVH := $(BUILD)/bench/xen-pvh/xenbench.elf
BENCH_XEN_PVH_SRC := bench/xen-pvh/head.S bench/xen-pvh/xenbench.c
BENCH_CORE_DEPS := $(BUILD)/mica.elf $(GUEST_OUT)/bench.elf $(BENCH_XEN) $(BENCH_XEN_PVH) \
        tests/system/mkiso.sh
BENCH_CORE_RUN = QEMU=$(QEMU) XEN_GZ=$(BENCH_XEN) XEN_BENCH_ELF=$(BENCH_XEN_PVH) bench/core.sh $(BUILD)

# `make bench` runs all three: the boot times, bench/core.sh's cycles, then
# bench/console.sh's console throughput (CONSOLE_KIB=64).
bench: $(BUILD)/mica.elf $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img $(BENCH_XEN) \
        tests/system/mkiso-dom0.sh $(BENCH_CORE_DEPS)
	@QEMU=$(QEMU) DOM0_KERNEL="$(DOM0_KERNEL)" DOM0_INITRD="$(DOM0_INITRD)" \
	    XEN_GZ=$(BENCH_XEN) BENCH_RUNS=$(BENCH_RUNS) bench/boot.sh $(BUILD); st=$$?; \
	$(BENCH_CORE_RUN) || st=1; \
	QEMU=$(QEMU) DOM0_KERNEL="$(DOM0_KERNEL)" DOM0_INITRD="$(DOM0_INITRD)" \
	    XEN_GZ=$(BENCH_XEN) bench/console.sh $(BUILD) || st=1; \
	QEMU=$(QEMU) bench/domu.sh $(BUILD) || st=1; \
	QEMU=$(QEMU) bench/net.sh $(BUILD) || st=1; \
	QEMU=$(QEMU) XEN_GZ=$(BENCH_XEN) bench/disk.sh $(BUILD) || st=1; exit $$st

# mica create -> a Linux domU's init, and destroy, beside Xen's xl create
# (bench/domu.sh).
bench-domu: $(BUILD)/mica.elf $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img tests/system/mkiso-dom0.sh
	QEMU=$(QEMU) bench/domu.sh $(BUILD)

# fio on a PV disk in a domU beside the same fio in dom0, with exits and
# notifications per MiB for micablkback's copy and map modes (bench/blk.sh).
bench-blk: $(BUILD)/mica.elf $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img tests/system/mkiso-dom0.sh
	QEMU=$(QEMU) bench/blk.sh $(BUILD)

# The PV network (bench/net.sh): iperf3 both ways, ping, exits and
# event-channel notifications per MiB. Figures only.
bench-net: $(BUILD)/mica.elf $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img tests/system/mkiso-dom0.sh
	QEMU=$(QEMU) bench/net.sh $(BUILD)

# dom0's own AHCI disk behind the AMD IOMMU (issue 12): fio under Mica
# beside the same kernel native and as Xen's dom0 (bench/disk.sh).
bench-disk: $(BUILD)/mica.elf $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img $(BENCH_XEN) tests/system/mkiso-dom0.sh
	QEMU=$(QEMU) XEN_GZ=$(BENCH_XEN) bench/disk.sh $(BUILD)

$(BENCH_XEN_PVH): $(BENCH_XEN_PVH_SRC) bench/xen-pvh/xenbench.ld
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	    -mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	    -O2 -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -nostdlib -static -no-pie \
	    -Wl,-T,bench/xen-pvh/xenbench.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	    -o $@ $(BENCH_XEN_PVH_SRC)

bench-core: $(BENCH_CORE_DEPS)
	$(BENCH_CORE_RUN)

# The hypercall fuzzer's long run (bench/fuzz.sh): FUZZ_ITERS calls beside
# good guests. Unlike `make bench` it asserts: a panic, a failed check or a
# leaked frame fails it.
FUZZ_ITERS ?= 1000000
FUZZ_SEED ?= 1

bench-fuzz: $(BUILD)/mica.elf $(GUEST_ELFS) tests/system/mkiso.sh
	QEMU=$(QEMU) FUZZ_ITERS=$(FUZZ_ITERS) FUZZ_SEED=$(FUZZ_SEED) bench/fuzz.sh $(BUILD)

clean:
	rm -rf $(BUILD)

help:
	@echo "make run         build everything and boot Mica with dom0 in QEMU (serial on this terminal)"
	@echo "make run-guests  boot Mica with the demo test guests instead of dom0"
	@echo "make test        build everything and run the unit tests, the short fuzz runs and the system tests"
	@echo "make check-ctl   run libctl's host tests: the domain XML corpus and the builder (tests/ctl/)"
	@echo "make check-toolstack  the mica CLI's and micad's host tests: arguments, help, non-root use, bad XML (tests/toolstack/)"
	@echo "make install     install libmicactl, micactl.h, micactl.pc, the XML schema, mica, micad, their man pages,"
	@echo "                 bash completion and micad.service (DESTDIR= PREFIX=)"
	@echo "make check-store the store daemon's core on the host: tree, permissions, watches, transactions, quotas,"
	@echo "                 journal, fuzz (tests/store/)"
	@echo "make check-pvdrivers  the guest PV drivers built and installed with dkms (tests/pvdrivers/dkms.sh)"
	@echo "make check-fuzz  run each host fuzz target for FUZZ_SHORT=20 seconds (tests/fuzz/)"
	@echo "make fuzz        run each host fuzz target for FUZZ_SECONDS=1200 and merge its finds into tests/fuzz/corpus/"
	@echo "make iso         build $(BUILD)/mica.iso (DOM0_KERNEL= DOM0_INITRD= DOM0_CMDLINE= MICA_CMDLINE=)"
	@echo "make dom0        fetch the Debian kernel and build the dom0 initramfs"
	@echo "make check-dom0  run the dom0 system tests only"
	@echo "make check-vmx   Mica on Intel VMX (and Bochs's SVM model) under Bochs: selftest, hostile guests, VMX_AREAS=\"events grants sched hardening\""
	@echo "make bench       boot dom0 natively, under Mica and under Xen 4.17; print the boot times (BENCH_RUNS=3), make bench-core's table and the console's throughput"
	@echo "make bench-vmx   the bench guest's core figures under Bochs: Intel VMX against Bochs's SVM model"
	@echo "make bench-net   the PV network: iperf3 TCP both ways, ping RTT, exits and event-channel notifications per MiB"
	@echo "make bench-disk  dom0's AHCI disk behind the AMD IOMMU: fio under Mica beside native Linux and Xen 4.17"
	@echo "make bench-core  core operations in TSC cycles under Mica and Xen 4.17 (also part of make bench)"
	@echo "make bench-blk   fio on a PV disk in a domU beside dom0 on the same image file; exits and notifications per MiB (bench/blk.sh)"
	@echo "make stress-ctl  the ctl-basic dom0 boot with CTL_STRESS_CYCLES=100 create/destroy cycles of a Linux domU"
	@echo "make stress-net  the pvnet dom0 boot with 256 MiB per transfer (make test's moves 64)"
	@echo "make bench-fuzz  10^6 fuzzed hypercalls beside good guests; fails on a panic, a failed check or a leak (FUZZ_ITERS=)"
	@echo "make clean       remove $(BUILD)/"
