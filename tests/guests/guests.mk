# SPDX-License-Identifier: GPL-2.0-only
# Test guests: tiny freestanding ELF64 kernels, one area each (README.md).
# Included by the top-level Makefile; also works on its own:
#     make -f tests/guests/guests.mk guests
# Paths are relative to the repository root.

guest_saved_goal := $(.DEFAULT_GOAL)
guest_standalone := $(if $(filter 1,$(words $(MAKEFILE_LIST))),y)

# CC ?= gcc, except that make's built-in default (cc) also counts as unset.
ifeq ($(origin CC),default)
CC := gcc
endif

GUEST_NAMES := selftest spin hostile_ud hostile_oob hostile_hc halt evtchn evtchn_pingpong timer gnttab gnt_pair burn domctl memop ring_pair bench memhog hypmem \
               conflood hostile_erratum pageedge param

GUEST_SRC    := tests/guests
GUEST_OUT    := build/tests/guests
GUEST_OBJ    := $(GUEST_OUT)/obj
GUEST_HVLIB  := hypervisor/lib
GUEST_LDS    := $(GUEST_SRC)/lib/guest.ld
GUEST_ELFS   := $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)

GUEST_LIB_ASM  := head regs
GUEST_LIB_C    := guest traps regcheck events
GUEST_LIB_HV   := string vsnprintf

GUEST_MAIN_OBJS   := $(GUEST_NAMES:%=$(GUEST_OBJ)/%.o)
GUEST_LIB_AOBJS   := $(GUEST_LIB_ASM:%=$(GUEST_OBJ)/lib/%.o)
GUEST_LIB_COBJS   := $(GUEST_LIB_C:%=$(GUEST_OBJ)/lib/%.o)
GUEST_LIB_HVOBJS  := $(GUEST_LIB_HV:%=$(GUEST_OBJ)/lib/%.o)
GUEST_LIB_OBJS    := $(GUEST_LIB_AOBJS) $(GUEST_LIB_COBJS) $(GUEST_LIB_HVOBJS)

GUEST_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none -nostdlib -static \
	-O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow \
	-I hypervisor/include -I $(GUEST_SRC)/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(GUEST_LDS) \
	-Wl,--build-id=none

.PHONY: guests guests-clean
guests: $(GUEST_ELFS)

$(GUEST_ELFS): $(GUEST_OUT)/%.elf: $(GUEST_OBJ)/%.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

# Guest-specific extra objects: the kernel the domctl guest loads into its children.
GUEST_EXTRA_OBJS := $(GUEST_OBJ)/domctl_child.o
$(GUEST_OUT)/domctl.elf: $(GUEST_OBJ)/domctl_child.o

$(GUEST_EXTRA_OBJS): $(GUEST_OBJ)/%.o: $(GUEST_SRC)/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_MAIN_OBJS): $(GUEST_OBJ)/%.o: $(GUEST_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB_AOBJS): $(GUEST_OBJ)/lib/%.o: $(GUEST_SRC)/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB_COBJS): $(GUEST_OBJ)/lib/%.o: $(GUEST_SRC)/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB_HVOBJS): $(GUEST_OBJ)/lib/%.o: $(GUEST_HVLIB)/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

guests-clean:
	rm -rf $(GUEST_OUT)

-include $(GUEST_MAIN_OBJS:.o=.d) $(GUEST_LIB_OBJS:.o=.d) $(GUEST_EXTRA_OBJS:.o=.d)

# Do not take over the including Makefile's default goal.
ifneq ($(guest_saved_goal),)
.DEFAULT_GOAL := $(guest_saved_goal)
else ifneq ($(guest_standalone),y)
.DEFAULT_GOAL :=
endif
