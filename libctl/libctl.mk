# SPDX-License-Identifier: LGPL-2.1-or-later
# libmicactl (docs/libctl.md): the control library, built as
#   build/libctl/libmicactl.so.1.0.0   (soname libmicactl.so.1; exports mica_* only)
#   build/libctl/libmicactl.a          (for static tools in dom0's initramfs)
#   build/libctl/micactl.pc
# Included by the top-level Makefile before the files that link against it
# (toolstack/toolstack.mk uses $(CTL_SO)); it uses nothing they define.
# Paths are relative to the repository root.
#
# The domain builder compiles the hypervisor's own boot-protocol and ACPI
# sources (CTL_SHARED_SRCS) unchanged: libctl/shim/ stands in for the two
# hypervisor headers that assume a freestanding build (<mica/lib.h>,
# <mica/errno.h>); every other header is the hypervisor's.

CTL_OUT := build/libctl
CTL_OBJ := $(CTL_OUT)/obj
CTL_SOVERSION := 1
CTL_VERSION := 1.0.0
CTL_SONAME := libmicactl.so.$(CTL_SOVERSION)
CTL_SO := $(CTL_OUT)/libmicactl.so.$(CTL_VERSION)
CTL_A := $(CTL_OUT)/libmicactl.a
CTL_PC := $(CTL_OUT)/micactl.pc

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MICA_SCHEMA_DIR ?= $(DATADIR)/mica
MICA_RUN_DIR ?= /var/lib/mica
MICA_LOG_DIR ?= /var/log/mica

CTL_SRCS := $(wildcard libctl/src/*.c)
CTL_SHARED_SRCS := hypervisor/common/linux_boot.c hypervisor/arch/x86/acpi_build.c \
                   hypervisor/arch/x86/linux_load.c
CTL_OBJS := $(patsubst %.c,$(CTL_OBJ)/%.o,$(CTL_SRCS))
CTL_SHARED_OBJS := $(patsubst %.c,$(CTL_OBJ)/%.o,$(CTL_SHARED_SRCS))
CTL_ALL_OBJS := $(CTL_OBJS) $(CTL_SHARED_OBJS)

CTL_WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow
CTL_BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -fPIC $(CTL_WARN) -MMD -MP
CTL_CFLAGS := $(CTL_BASE_CFLAGS) -Ilibctl/include -Ihypervisor/include \
    -Ihypervisor/arch/x86/include -Idom0/driver/include/uapi \
    $(XML_CFLAGS) $(UUID_CFLAGS) \
    -DMICA_SCHEMA_DIR='"$(MICA_SCHEMA_DIR)"' -DMICA_RUN_DIR='"$(MICA_RUN_DIR)"' \
    -DMICA_LOG_DIR='"$(MICA_LOG_DIR)"'
# The shared sources: the shim first, then the hypervisor's headers.
CTL_SHARED_CFLAGS := $(CTL_BASE_CFLAGS) -Ilibctl/shim -Ihypervisor/include \
    -Ihypervisor/arch/x86/include
CTL_LIBS := $(XML_LIBS) $(UUID_LIBS)

# The paths compiled in: rewritten only when they change, so a new PREFIX rebuilds.
CTL_PATHS := $(CTL_OUT)/paths.stamp
$(CTL_PATHS): FORCE
	@mkdir -p $(@D)
	@echo '$(MICA_SCHEMA_DIR) $(MICA_RUN_DIR) $(MICA_LOG_DIR)' | cmp -s - $@ || \
	    echo '$(MICA_SCHEMA_DIR) $(MICA_RUN_DIR) $(MICA_LOG_DIR)' > $@

$(CTL_OBJ)/libctl/%.o: libctl/%.c config.mk libctl/libctl.mk $(CTL_PATHS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CTL_CFLAGS) -c $< -o $@

$(CTL_OBJ)/hypervisor/%.o: hypervisor/%.c config.mk libctl/libctl.mk
	@mkdir -p $(@D)
	@echo "  CC      $< (libctl)"
	@$(CC) $(CTL_SHARED_CFLAGS) -c $< -o $@

$(CTL_SO): $(CTL_ALL_OBJS) libctl/micactl.map
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,$(CTL_SONAME) -Wl,--version-script,libctl/micactl.map \
	    -Wl,-z,defs -o $@ $(CTL_ALL_OBJS) $(CTL_LIBS)
	@ln -sf $(notdir $@) $(CTL_OUT)/$(CTL_SONAME)
	@ln -sf $(CTL_SONAME) $(CTL_OUT)/libmicactl.so

$(CTL_A): $(CTL_ALL_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(CTL_PC): libctl/micactl.pc.in libctl/libctl.mk config.mk
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	     -e 's|@VERSION@|$(CTL_VERSION)|; s|@SCHEMADIR@|$(MICA_SCHEMA_DIR)|' $< > $@

.PHONY: libctl install-libctl check-ctl
libctl: $(CTL_SO) $(CTL_A) $(CTL_PC)

# make install DESTDIR=...: the library, its header, pkg-config file and schema.
install-libctl: libctl
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(MICA_SCHEMA_DIR)
	install -m 0755 $(CTL_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(CTL_SO)) $(DESTDIR)$(LIBDIR)/$(CTL_SONAME)
	ln -sf $(CTL_SONAME) $(DESTDIR)$(LIBDIR)/libmicactl.so
	install -m 0644 $(CTL_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 libctl/include/micactl.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(CTL_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 libctl/schema/domain.rng $(DESTDIR)$(MICA_SCHEMA_DIR)/

# ------------------------------------------------------------- host tests
# tests/ctl/: the bad- and good-XML corpus and the domain builder against
# in-memory guest RAM; no hypervisor needed. One PASS/FAIL line per check.
CTL_TEST_OUT := build/tests/ctl
# The Debian kernel dom0.mk fetches.
CTL_KERNEL ?= build/dom0/vmlinuz
CTL_TEST_NAMES := test_config test_build test_create test_domstore
CTL_TESTS := $(addprefix $(CTL_TEST_OUT)/,$(CTL_TEST_NAMES))

$(CTL_TEST_OUT)/%: tests/ctl/%.c $(CTL_ALL_OBJS) tests/ctl/ctl_check.h libctl/src/build.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CTL_CFLAGS) -Ilibctl/src -o $@ $< $(CTL_ALL_OBJS) $(CTL_LIBS)

# PV devices in the store against the real micastored, run on the host
# (--no-domains); built once the store daemon is in the tree.
CTL_STORED := build/toolstack/micastored
CTL_DEVTEST := $(if $(wildcard toolstack/micastored/micastored.c),$(CTL_TEST_OUT)/test_devices)
$(CTL_TEST_OUT)/test_devices: tests/ctl/test_devices.c $(CTL_ALL_OBJS) tests/ctl/ctl_check.h libctl/src/devices.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CTL_CFLAGS) -Ilibctl/src -pthread -o $@ $< $(CTL_ALL_OBJS) $(CTL_LIBS)

# The builder test boots nothing: it builds the Debian kernel (fetched for
# dom0) and a small initramfs into a buffer and reads the result back.
check-ctl: $(CTL_TESTS) $(CTL_SO) $(CTL_KERNEL) $(if $(CTL_DEVTEST),$(CTL_DEVTEST) $(CTL_STORED))
	@failed=0; \
	for t in $(CTL_TESTS); do \
	    MICA_SCHEMA_DIR=$(CURDIR)/libctl/schema CTL_KERNEL=$(CURDIR)/$(CTL_KERNEL) \
	        ./$$t $(CURDIR)/tests/ctl || { echo "FAIL ctl: $$t: exited with status $$?"; failed=1; }; \
	done; \
	if [ -n "$(CTL_DEVTEST)" ]; then LD_LIBRARY_PATH=$(CURDIR)/$(CTL_OUT) ./$(CTL_DEVTEST) \
	    $(CURDIR)/$(CTL_STORED) $(CURDIR)/tests/ctl/files/disk.img 2>$(CTL_TEST_OUT)/devices.log || \
	    { echo "FAIL ctl: test_devices: exited with status $$? (log $(CTL_TEST_OUT)/devices.log)"; failed=1; }; fi; \
	$(MAKE) --no-print-directory check-ctl-fuzz || failed=1; \
	exit $$failed

# The XML parser under libFuzzer with ASan and UBSan (tests/ctl/fuzz_config.c):
# make fuzz-ctl [CTL_FUZZ_SECONDS=120]. Seeds: the good and bad corpus;
# finds and crash inputs go to build/tests/ctl/fuzz/.
CTL_FUZZ := $(CTL_TEST_OUT)/fuzz_config
CTL_FUZZ_SECONDS ?= 60
$(CTL_FUZZ): tests/ctl/fuzz_config.c $(CTL_SRCS) libctl/src/*.h libctl/include/micactl.h $(CTL_SHARED_OBJS)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Ilibctl/include -Ilibctl/src -Ihypervisor/include \
	    -Ihypervisor/arch/x86/include -Idom0/driver/include/uapi $(XML_CFLAGS) $(UUID_CFLAGS) \
	    -DMICA_SCHEMA_DIR='"$(MICA_SCHEMA_DIR)"' -DMICA_RUN_DIR='"$(MICA_RUN_DIR)"' \
	    -DMICA_LOG_DIR='"$(MICA_LOG_DIR)"' -o $@ $< $(CTL_SRCS) \
	    $(patsubst %.c,$(CTL_OBJ)/%.o,$(CTL_SHARED_SRCS)) $(CTL_LIBS)

CTL_FUZZ_RUN = mkdir -p $(CTL_TEST_OUT)/fuzz/corpus && cd tests/ctl/good-xml && \
    MICA_SCHEMA_DIR=$(CURDIR)/libctl/schema $(CURDIR)/$(CTL_FUZZ) -max_total_time=$(1) \
    -max_len=4096 -artifact_prefix=$(CURDIR)/$(CTL_TEST_OUT)/fuzz/ \
    $(CURDIR)/$(CTL_TEST_OUT)/fuzz/corpus $(CURDIR)/tests/ctl/good-xml $(CURDIR)/tests/ctl/bad-xml

.PHONY: fuzz-ctl check-ctl-fuzz
fuzz-ctl: $(CTL_FUZZ)
	$(call CTL_FUZZ_RUN,$(CTL_FUZZ_SECONDS))

# A short run inside check-ctl (CTL_FUZZ_SHORT seconds), one PASS/FAIL line.
CTL_FUZZ_SHORT ?= 10
check-ctl-fuzz: $(CTL_FUZZ)
	@if ( $(call CTL_FUZZ_RUN,$(CTL_FUZZ_SHORT)) ) >$(CTL_TEST_OUT)/fuzz.log 2>&1; then \
	    echo "PASS ctl-fuzz: the XML parser ran $(CTL_FUZZ_SHORT) s under libFuzzer/ASan/UBSan ($$(grep -o 'Done [0-9]* runs' $(CTL_TEST_OUT)/fuzz.log))"; \
	else echo "FAIL ctl-fuzz: the XML parser under libFuzzer: $$(grep -m1 -E 'ERROR|SUMMARY' $(CTL_TEST_OUT)/fuzz.log) (log $(CTL_TEST_OUT)/fuzz.log)"; exit 1; fi

-include $(CTL_ALL_OBJS:.o=.d)
