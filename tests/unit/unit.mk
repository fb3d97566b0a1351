# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests: the real hypervisor .c files, compiled for the host and
# linked with a small shim (tests/unit/shim.c) instead of the arch and the
# console. Included by the top-level Makefile; also runs on its own:
#
#     make -f tests/unit/unit.mk check-unit
#
# Paths are relative to the repository root.
#
# Adding a test:
#   1. Write tests/unit/test_X.c with a main() that reports through check.h
#      (one "PASS <area>: <what>" / "FAIL <area>: <what>: <detail>" line per
#      check) and ends with "return check_done();". It is picked up by name.
#   2. List the hypervisor sources it needs below, as
#          UNIT_SRCS_test_X := hypervisor/common/foo.c hypervisor/lib/bar.c
#      The shim, string.c and vsnprintf.c (which the shim's printk uses) are
#      linked into every test already; listing them again is harmless.
#      The shim's printk (shim_printk.c) is too, except into the tests named
#      in UNIT_OWN_CONSOLE, which link hypervisor/common/console.c instead.
#   3. If the code needs a hook the shim lacks (like acpi_map), add it to
#      shim.c/shim.h, or to the test file itself if only that test needs it.
#
# Every object is built once under build/tests/unit/obj/<source path>.o with
# the same flags. -fno-builtin matters in the test files too: without it gcc
# would fold strlen("abc") and friends at compile time and never call the
# hypervisor's versions. The hypervisor's memcpy, strlen, snprintf... take
# the place of libc's for the whole test binary (libc's own internal calls
# are bound inside libc and do not notice); check.h prints with libc printf.

HOSTCC ?= gcc

UNIT_DIR := tests/unit
UNIT_OUT := build/tests/unit
UNIT_OBJ := $(UNIT_OUT)/obj

UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-builtin \
               -U_FORTIFY_SOURCE -I hypervisor/include \
               -I hypervisor/arch/x86/include -D MICA_HOST_TEST
UNIT_LDFLAGS :=

UNIT_BASE_SRCS := $(UNIT_DIR)/shim.c hypervisor/lib/string.c hypervisor/lib/vsnprintf.c
UNIT_PRINTK_SRCS := $(UNIT_DIR)/shim_printk.c
UNIT_OWN_CONSOLE := test_console

UNIT_SRCS_test_lib        := hypervisor/lib/parse.c
UNIT_SRCS_test_cmdline    := hypervisor/common/cmdline.c hypervisor/lib/parse.c
UNIT_SRCS_test_page_alloc := hypervisor/common/page_alloc.c
UNIT_SRCS_test_xmalloc    := hypervisor/common/page_alloc.c hypervisor/common/xmalloc.c
UNIT_SRCS_test_multiboot2 := hypervisor/common/multiboot2.c
UNIT_SRCS_test_acpi       := hypervisor/arch/x86/acpi.c
UNIT_SRCS_test_acpi_build := hypervisor/arch/x86/acpi_build.c hypervisor/arch/x86/acpi.c
UNIT_SRCS_test_linux_boot := hypervisor/common/linux_boot.c
UNIT_SRCS_test_linux_load := hypervisor/common/linux_boot.c hypervisor/arch/x86/linux_load.c \
                             hypervisor/arch/x86/acpi_build.c
UNIT_SRCS_test_elf_check  := hypervisor/common/elf_check.c
UNIT_SRCS_test_npt        := hypervisor/common/page_alloc.c hypervisor/common/xmalloc.c \
                             hypervisor/common/budget.c hypervisor/arch/x86/npt.c \
                             hypervisor/arch/x86/iommu_pt.c
UNIT_SRCS_test_guest_walk := $(UNIT_SRCS_test_npt) hypervisor/arch/x86/guest_walk.c
UNIT_SRCS_test_iommu_pt   := $(UNIT_SRCS_test_npt)
UNIT_SRCS_test_console    := hypervisor/common/console.c hypervisor/common/text_ring.c
UNIT_SRCS_test_hypercall  := hypervisor/common/hypercall.c
UNIT_SRCS_test_param      := hypervisor/common/param.c
UNIT_SRCS_test_evtchn     := hypervisor/common/event_channel_state.c
UNIT_SRCS_test_time_page  := hypervisor/common/time_page.c
UNIT_SRCS_test_text_ring  := hypervisor/common/text_ring.c
UNIT_SRCS_test_frames_domain := hypervisor/common/page_alloc.c
UNIT_SRCS_test_domctl_check := hypervisor/common/domctl_check.c
UNIT_SRCS_test_p2m_walk   := $(UNIT_SRCS_test_npt)
UNIT_SRCS_test_sched_credit := hypervisor/common/sched_credit_acct.c
UNIT_SRCS_test_grant_state := hypervisor/common/grant_state.c
UNIT_SRCS_test_insn       := hypervisor/arch/x86/insn.c
UNIT_SRCS_test_svm_erratum := hypervisor/arch/x86/svm_erratum.c
UNIT_SRCS_test_svm_intr   := hypervisor/arch/x86/svm_intr.c
UNIT_SRCS_test_blkreq    := toolstack/micablkback/blkreq.c
UNIT_SRCS_test_vpci       := hypervisor/arch/x86/vpci.c
UNIT_SRCS_test_pci_msi    := hypervisor/arch/x86/pci_msi.c
UNIT_SRCS_test_irq_rate   := hypervisor/arch/x86/irq_rate.c
UNIT_SRCS_test_pci_cmd    := hypervisor/arch/x86/pci_cmd.c
UNIT_SRCS_test_ivrs       := hypervisor/arch/x86/ivrs.c hypervisor/arch/x86/iommu_amd_event.c
# test_vlapic.c #includes hypervisor/arch/x86/vlapic.c (to give it a fake TSC): not listed.
UNIT_SRCS_test_vlapic     := hypervisor/common/budget.c
# test_timer.c #includes hypervisor/common/timer.c (to fake the CPU number and the
# interrupt flag): not listed.
UNIT_SRCS_test_timer      :=
UNIT_SRCS_test_netback    := toolstack/micanetback/netreq.c

# Keep whatever goal the including Makefile had (or its first target).
unit_saved_goal := $(.DEFAULT_GOAL)

UNIT_NAMES := $(sort $(patsubst $(UNIT_DIR)/%.c,%,$(wildcard $(UNIT_DIR)/test_*.c)))
UNIT_TESTS := $(addprefix $(UNIT_OUT)/,$(UNIT_NAMES))

# unit_srcs/unit_objs <test name>: everything linked into that test.
unit_srcs = $(sort $(UNIT_DIR)/$(1).c $(UNIT_BASE_SRCS) $(UNIT_SRCS_$(1)) \
                  $(if $(filter $(1),$(UNIT_OWN_CONSOLE)),,$(UNIT_PRINTK_SRCS)))
unit_objs = $(patsubst %.c,$(UNIT_OBJ)/%.o,$(call unit_srcs,$(1)))

UNIT_ALL_OBJS := $(sort $(foreach t,$(UNIT_NAMES),$(call unit_objs,$(t))))

$(UNIT_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

define unit_link_rule
$(UNIT_OUT)/$(1): $(call unit_objs,$(1))
	$$(HOSTCC) $$(UNIT_LDFLAGS) $$^ -o $$@
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_link_rule,$(t))))

.PHONY: unit-tests check-unit clean-unit

unit-tests: $(UNIT_TESTS)

# Build and run each test on its own, so one that does not compile or that
# fails still lets the others run; a test that cannot build or dies without
# printing its own FAIL (a crash) gets a FAIL line here. Exit non-zero if
# any failed. The sub-make re-reads the makefile we were started with, so
# variables given on the command line carry over.
check-unit:
	@failed=0; \
	for t in $(UNIT_TESTS); do \
	    if ! $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) $$t; then \
	        echo "FAIL unit: $$t: does not build"; failed=1; continue; \
	    fi; \
	    ./$$t || { rc=$$?; echo "FAIL unit: $$t: exited with status $$rc"; failed=1; }; \
	done; \
	exit $$failed

clean-unit:
	rm -rf $(UNIT_OUT)

-include $(UNIT_ALL_OBJS:.o=.d)

# Run on its own, "make -f tests/unit/unit.mk" builds the tests; included,
# the includer's default goal stays in charge.
ifeq ($(firstword $(MAKEFILE_LIST)),$(UNIT_DIR)/unit.mk)
.DEFAULT_GOAL := unit-tests
else
.DEFAULT_GOAL := $(unit_saved_goal)
endif
