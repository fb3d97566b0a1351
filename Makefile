# Mica: top-level build. `make run` and `make test` are the two commands;
# README.md lists the rest. Everything is built under build/.

SHELL := /bin/bash
BUILD := build
.DEFAULT_GOAL := all

# ./configure finds the tools and writes config.mk; run, test and bench also
# install whatever is missing (Debian packages, through apt-get).
ifneq ($(filter run test bench iso-run,$(MAKECMDGOALS)),)
CONFIGURE_FLAGS += --install-deps
endif
config.mk: configure
	./configure $(CONFIGURE_FLAGS)
ifeq ($(filter clean help,$(MAKECMDGOALS)),)
include config.mk
endif

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

# ------------------------------------------------------------------ the ISO
# Until dom0 exists, `make run` boots the demo guests: the self-test and two
# guests spinning at once on two CPUs.
MICA_CMDLINE ?= console=com1 loglvl=info
DEMO_MODULES := selftest:name=selftest spin:name=spin-a spin:name=spin-b

$(BUILD)/mica.iso: $(BUILD)/mica.elf $(GUEST_ELFS) tests/system/mkiso.sh
	tests/system/mkiso.sh $@ "$(MICA_CMDLINE)" $(DEMO_MODULES)

QEMU_SMP ?= 2
QEMU_MEM ?= 1024
QEMU_CPU ?= max
QEMU_FLAGS := -accel tcg -machine q35 -cpu $(QEMU_CPU) -smp $(QEMU_SMP) \
    -m $(QEMU_MEM) -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x01

.PHONY: all hypervisor iso run test check-system clean help
all: $(BUILD)/mica.elf guests unit-tests
hypervisor: $(BUILD)/mica.elf
iso: $(BUILD)/mica.iso

run: all $(BUILD)/mica.iso
	$(QEMU) $(QEMU_FLAGS) -cdrom $(BUILD)/mica.iso -serial mon:stdio

check-system: $(BUILD)/mica.elf $(GUEST_ELFS)
	QEMU=$(QEMU) tests/system/run.sh $(BUILD)

# Unit tests then system tests; tests/summary.sh prints "N passed, N failed".
test: all
	@mkdir -p $(BUILD)/tests
	@set -o pipefail 2>/dev/null; \
	{ $(MAKE) --no-print-directory check-unit; \
	  $(MAKE) --no-print-directory check-system; } 2>&1 | tee $(BUILD)/tests/test.log; \
	tests/summary.sh $(BUILD)/tests/test.log

clean:
	rm -rf $(BUILD)

help:
	@echo "make run    build everything and boot Mica in QEMU (serial on this terminal)"
	@echo "make test   build everything and run the unit and system tests"
	@echo "make iso    build $(BUILD)/mica.iso"
	@echo "make clean  remove $(BUILD)/"
