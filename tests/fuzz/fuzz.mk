# SPDX-License-Identifier: GPL-2.0-only
# Host fuzzers: libFuzzer with AddressSanitizer and UBSan over the real
# hypervisor .c files, linked with the unit tests' shim (tests/unit/shim.c)
# the way the unit tests are (tests/unit/unit.mk). Included by the top-level
# Makefile; tests/fuzz/README.md says what each target covers.
#
#     make check-fuzz     every target for FUZZ_SHORT seconds from the seed corpus
#                         (part of make test); one PASS/FAIL line per target
#     make fuzz           every target for FUZZ_SECONDS, then merge what it found
#                         into tests/fuzz/corpus/<target>/ (kept for the next
#                         run, ignored by git: corpus/.gitignore)
#     make fuzz-targets   only build them
#
# Adding a target: write tests/fuzz/fuzz_X.c with LLVMFuzzerTestOneInput(),
# list the hypervisor sources it needs as FUZZ_SRCS_fuzz_X below, and put a
# few seed inputs in tests/fuzz/corpus/fuzz_X/. Crash artifacts, logs and
# the scratch corpora of a run go under build/tests/fuzz/, never into the tree.

FUZZ_CC ?= clang

FUZZ_DIR := tests/fuzz
FUZZ_OUT := build/tests/fuzz
FUZZ_OBJ := $(FUZZ_OUT)/obj

FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SAN_NOCOV := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# -fno-builtin as in unit.mk: the hypervisor's memcpy, strlen, snprintf...
# are the ones called (they take libc's place in the whole binary).
FUZZ_COMMON_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-builtin \
               -fno-omit-frame-pointer -U_FORTIFY_SOURCE -I hypervisor/include \
               -I hypervisor/arch/x86/include -I tests/unit -D MICA_HOST_TEST
FUZZ_CFLAGS := $(FUZZ_COMMON_CFLAGS) $(FUZZ_SAN)

# Linked into every target: the unit-test shim (locks, memory windows,
# mfn_to_virt; its shim_fatal() exits, which libFuzzer reports as a crash),
# its printk capture, and the hypervisor's string and formatting helpers.
FUZZ_BASE_SRCS := tests/unit/shim.c tests/unit/shim_printk.c \
                  hypervisor/lib/string.c hypervisor/lib/vsnprintf.c

FUZZ_SRCS_fuzz_insn := hypervisor/arch/x86/insn.c
FUZZ_SRCS_fuzz_guest_walk := hypervisor/arch/x86/guest_walk.c hypervisor/arch/x86/npt.c \
                             hypervisor/arch/x86/iommu_pt.c hypervisor/common/budget.c \
                             hypervisor/common/page_alloc.c hypervisor/common/xmalloc.c
# The hypercall handlers on the real domain lifecycle, allocator, heap and
# p2m; hv_shim.c models the scheduler, the arch, the timers and the console,
# hv_domain.c is domain.c with a reset of its statics and hv_domain_end.c
# domain_end.c with its waits for other CPUs as a model step (they #include
# them).
FUZZ_SRCS_fuzz_hypercall := $(FUZZ_DIR)/hv_shim.c $(FUZZ_DIR)/hv_domain.c \
    $(FUZZ_DIR)/hv_domain_end.c \
    $(addprefix hypervisor/common/,hypercall.c domctl.c domctl_check.c \
        memory_op.c event_channel.c event_channel_state.c vcpu_op.c time_page.c \
        grant_table.c grant_state.c guest_access.c console_io.c sysctl.c version.c param.c \
        text_ring.c page_alloc.c xmalloc.c budget.c) \
    hypervisor/arch/x86/npt.c hypervisor/arch/x86/iommu_pt.c hypervisor/arch/x86/guest_walk.c

# Keep whatever goal the including Makefile had (or its first target).
fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_NAMES := $(sort $(patsubst $(FUZZ_DIR)/%.c,%,$(wildcard $(FUZZ_DIR)/fuzz_*.c)))
FUZZ_BINS := $(addprefix $(FUZZ_OUT)/,$(FUZZ_NAMES))

fuzz_srcs = $(sort $(FUZZ_DIR)/$(1).c $(FUZZ_BASE_SRCS) $(FUZZ_SRCS_$(1)))
fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(call fuzz_srcs,$(1)))

FUZZ_ALL_OBJS := $(sort $(foreach t,$(FUZZ_NAMES),$(call fuzz_objs,$(t))))

# The shim and the string and formatting helpers are not what is being
# fuzzed: they get the sanitizers but no coverage feedback, which would
# only slow every memset down and point the fuzzer at them.
FUZZ_NOCOV_SRCS := $(FUZZ_BASE_SRCS)
FUZZ_NOCOV_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZ_NOCOV_SRCS))
$(FUZZ_NOCOV_OBJS): FUZZ_CFLAGS := $(FUZZ_COMMON_CFLAGS) $(FUZZ_SAN_NOCOV)

$(FUZZ_OBJ)/%.o: %.c $(FUZZ_DIR)/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_link_rule
$(FUZZ_OUT)/$(1): $(call fuzz_objs,$(1))
	$$(FUZZ_CC) $$(FUZZ_SAN) $$^ -o $$@
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_link_rule,$(t))))

FUZZ_SHORT ?= 20
FUZZ_SECONDS ?= 1200

.PHONY: fuzz-targets check-fuzz fuzz clean-fuzz

fuzz-targets: $(FUZZ_BINS)

# One target at a time (they would share two cores with everything else),
# each built on its own so that one that does not build still lets the
# others run; tests/fuzz/run.sh prints the PASS/FAIL line. Exits non-zero
# if any failed.
fuzz_run = failed=0; \
	for t in $(FUZZ_NAMES); do \
	    if ! $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) $(FUZZ_OUT)/$$t; then \
	        echo "FAIL fuzz/$$t: does not build"; failed=1; continue; \
	    fi; \
	    $(FUZZ_DIR)/run.sh $(1) $(FUZZ_OUT) $$t $(2) || failed=1; \
	done; \
	exit $$failed

check-fuzz:
	@$(call fuzz_run,short,$(FUZZ_SHORT))

fuzz:
	@$(call fuzz_run,long,$(FUZZ_SECONDS))

clean-fuzz:
	rm -rf $(FUZZ_OUT)

-include $(FUZZ_ALL_OBJS:.o=.d)

ifeq ($(firstword $(MAKEFILE_LIST)),$(FUZZ_DIR)/fuzz.mk)
.DEFAULT_GOAL := fuzz-targets
else
.DEFAULT_GOAL := $(fuzz_saved_goal)
endif
