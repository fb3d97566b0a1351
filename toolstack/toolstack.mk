# SPDX-License-Identifier: GPL-2.0-only
# The toolstack (docs/toolstack.md): the `mica` CLI and the micad daemon,
# linked against libmicactl (libctl/libctl.mk, included before this file),
# their bash completion, man pages and systemd unit. Included by the
# top-level Makefile; paths are relative to the repository root.
#
#   build/toolstack/mica, build/toolstack/micad
#   build/toolstack/micad.service   (the unit, with this install's paths)
#
# make install DESTDIR=... PREFIX=... installs these beside libctl's files
# (install-toolstack); make check-toolstack runs tests/toolstack/cli.sh on
# the host (no hypervisor needed).

TOOLS_OUT := build/toolstack
TOOLS_OBJ := $(TOOLS_OUT)/obj
TOOLS_LIBCTL_DIR := build/libctl

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASH_COMPLETION_DIR ?= $(DATADIR)/bash-completion/completions
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system

TOOLS_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes \
    -Wshadow -Ilibctl/include -Ihypervisor/include -Idom0/driver/include/uapi -MMD -MP
TOOLS_LDLIBS := -L$(TOOLS_LIBCTL_DIR) -lmicactl -lm

MICA_TOOL_SRCS := $(wildcard toolstack/mica/*.c)
MICAD_SRCS := $(wildcard toolstack/micad/*.c)
MICA_TOOL_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(MICA_TOOL_SRCS))
MICAD_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(MICAD_SRCS))
# The store daemon (docs/store.md): its core (no I/O) is also linked into
# the host tests of tests/store/.
STORED_SRCS := $(wildcard toolstack/micastored/*.c)
STORED_CORE_SRCS := $(filter-out toolstack/micastored/micastored.c toolstack/micastored/ring.c,\
    $(STORED_SRCS))
STORED_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(STORED_SRCS))
STORED_CORE_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(STORED_CORE_SRCS))

TOOLS_BINS := $(TOOLS_OUT)/mica $(TOOLS_OUT)/micad $(TOOLS_OUT)/micastored \
    $(TOOLS_OUT)/mica-storering

# micablkback (docs/pvio.md), the block backend: built once libmicactl
# exports the store client it is written against (mica_store_open).
BLKBACK_SRCS := $(wildcard toolstack/micablkback/*.c)
BLKBACK_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(BLKBACK_SRCS))
BLKBACK_READY := $(shell grep -l 'mica_store_open' libctl/micactl.map 2>/dev/null)
ifneq ($(BLKBACK_READY),)
TOOLS_BINS += $(TOOLS_OUT)/micablkback $(TOOLS_OUT)/mica-blkhostile
$(DOM0_TOOLSTAMP): $(TOOLS_OUT)/micablkback $(TOOLS_OUT)/mica-blkhostile
endif
TOOLS_MAN := toolstack/man/mica.1 toolstack/man/micad.8 toolstack/man/mica-domain.xml.5 \
    toolstack/man/micastored.8

$(TOOLS_OBJ)/toolstack/%.o: toolstack/%.c config.mk toolstack/toolstack.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TOOLS_CFLAGS) -Itoolstack/$(firstword $(subst /, ,$*)) -c $< -o $@

# micastored maps rings and binds event channels through the dom0 driver's uapi.
$(STORED_OBJS): TOOLS_CFLAGS += -Idom0/driver/include/uapi

$(TOOLS_OUT)/mica: $(MICA_TOOL_OBJS) $(CTL_SO)
	@echo "  LD      $@"
	@$(CC) -o $@ $(MICA_TOOL_OBJS) $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micad: $(MICAD_OBJS) $(CTL_SO)
	@echo "  LD      $@"
	@$(CC) -o $@ $(MICAD_OBJS) $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micastored: $(STORED_OBJS) $(CTL_SO)
	@echo "  LD      $@"
	@$(CC) -o $@ $(STORED_OBJS) $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micablkback: $(BLKBACK_OBJS) $(CTL_SO)
	@echo "  LD      $@"
	@$(CC) -o $@ $(BLKBACK_OBJS) $(TOOLS_LDLIBS) -lpthread

# The hostile-frontend tests' plumbing (tests/pvlib/pvloop.c): dom0's
# loopback grants and port, store nodes, waits, result lines.
PVLIB_SRCS := tests/pvlib/pvloop.c tests/pvlib/pvloop.h

# mica-blkhostile (tests/pvblk/blkhostile.c): a good and hostile block
# frontend in dom0 over a loopback, run by dom0/tests/pvblk.sh; installed
# beside micablkback for dom0's tests.
$(TOOLS_OUT)/mica-blkhostile: tests/pvblk/blkhostile.c $(PVLIB_SRCS) $(CTL_SO) toolstack/toolstack.mk
	@echo "  CC      $@"
	@$(CC) $(TOOLS_CFLAGS) -Itests/pvlib -o $@ $< tests/pvlib/pvloop.c $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micablkback.service: toolstack/micablkback/micablkback.service.in toolstack/toolstack.mk config.mk
	@mkdir -p $(@D)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' $< >$@

# dom0's test of the store's ring path (tests/store/ring_guest.c, dom0/tests/store.sh).
$(TOOLS_OUT)/mica-storering: tests/store/ring_guest.c $(CTL_SO) libctl/include/micactl.h
	@echo "  CC      $@"
	@$(CC) $(TOOLS_CFLAGS) -Idom0/driver/include/uapi -o $@ $< $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micad.service: toolstack/micad/micad.service.in toolstack/toolstack.mk config.mk
	@mkdir -p $(@D)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' $< >$@

$(TOOLS_OUT)/micastored.service: toolstack/micastored/micastored.service.in toolstack/toolstack.mk config.mk
	@mkdir -p $(@D)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' $< >$@

.PHONY: toolstack install-toolstack check-toolstack
toolstack: $(TOOLS_BINS) $(TOOLS_OUT)/micad.service $(TOOLS_OUT)/micastored.service \
    $(if $(BLKBACK_READY),$(TOOLS_OUT)/micablkback.service)
all: toolstack
install: install-toolstack

# The programs, bash completion, man pages and systemd unit.
install-toolstack: toolstack
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BASH_COMPLETION_DIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(TOOLS_OUT)/mica $(DESTDIR)$(BINDIR)/mica
	install -m 0755 $(TOOLS_OUT)/micad $(DESTDIR)$(SBINDIR)/micad
	install -m 0755 $(TOOLS_OUT)/micastored $(DESTDIR)$(SBINDIR)/micastored
	install -m 0755 $(TOOLS_OUT)/mica-storering $(DESTDIR)$(SBINDIR)/mica-storering
	install -m 0644 toolstack/completion/mica.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/mica
	install -m 0644 toolstack/man/mica.1 $(DESTDIR)$(MANDIR)/man1/mica.1
	install -m 0644 toolstack/man/mica-domain.xml.5 $(DESTDIR)$(MANDIR)/man5/mica-domain.xml.5
	install -m 0644 toolstack/man/micad.8 $(DESTDIR)$(MANDIR)/man8/micad.8
	install -m 0644 toolstack/man/micastored.8 $(DESTDIR)$(MANDIR)/man8/micastored.8
	install -m 0644 $(TOOLS_OUT)/micad.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/micad.service
	install -m 0644 $(TOOLS_OUT)/micastored.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/micastored.service
	$(if $(BLKBACK_READY),install -m 0755 $(TOOLS_OUT)/micablkback $(DESTDIR)$(SBINDIR)/micablkback)
	$(if $(BLKBACK_READY),install -m 0755 $(TOOLS_OUT)/mica-blkhostile $(DESTDIR)$(SBINDIR)/mica-blkhostile)
	$(if $(BLKBACK_READY),install -m 0644 $(TOOLS_OUT)/micablkback.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/micablkback.service)

# micad's PV console ring reader against fair and garbage indices.
TOOLS_RING_TEST := build/tests/toolstack/test_pvcons_ring
$(TOOLS_RING_TEST): tests/toolstack/test_pvcons_ring.c toolstack/micad/pvcons_ring.c \
        toolstack/micad/pvcons_ring.h hypervisor/include/public/io/console.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(TOOLS_CFLAGS) -Itoolstack/micad -o $@ tests/toolstack/test_pvcons_ring.c \
	    toolstack/micad/pvcons_ring.c

# Host tests: argument parsing, help, non-root use, the bad-XML corpus
# through create --dry-run, the man page and completion against the table.
TOOLS_CHECK_DESTDIR := build/tests/toolstack/destdir
check-toolstack: toolstack $(TOOLS_RING_TEST)
	@$(TOOLS_RING_TEST)
	@rm -rf $(TOOLS_CHECK_DESTDIR)
	@$(MAKE) --no-print-directory install-toolstack DESTDIR=$(CURDIR)/$(TOOLS_CHECK_DESTDIR) \
	    PREFIX=/usr >/dev/null
	@MICA=$(TOOLS_OUT)/mica MICAD=$(TOOLS_OUT)/micad LIBCTL_DIR=$(TOOLS_LIBCTL_DIR) \
	    MICA_SCHEMA_DIR=$(CURDIR)/libctl/schema DESTDIR_CHECK=$(TOOLS_CHECK_DESTDIR)/usr \
	    tests/toolstack/cli.sh

# Host tests of the store's core (tests/store/test_store.c): tree, permissions,
# watches, transactions, quotas, journal and a fuzz run, under ASan and UBSan.
STORE_TEST := build/tests/store/test_store
$(STORE_TEST): tests/store/test_store.c $(STORED_CORE_SRCS) toolstack/micastored/*.h \
        hypervisor/include/public/io/store.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-format-zero-length \
	    -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -Itoolstack/micastored -Ihypervisor/include -o $@ $< $(STORED_CORE_SRCS)

# libmicactl's store client against a real micastored on a private socket.
STORE_CLIENT_TEST := build/tests/store/test_client
$(STORE_CLIENT_TEST): tests/store/test_client.c $(CTL_SO) libctl/include/micactl.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_LDLIBS)

.PHONY: check-store
check-store: $(STORE_TEST) $(STORE_CLIENT_TEST) $(TOOLS_OUT)/micastored
	@$(STORE_TEST)
	@LD_LIBRARY_PATH=$(TOOLS_LIBCTL_DIR) $(STORE_CLIENT_TEST) $(TOOLS_OUT)/micastored

-include $(MICA_TOOL_OBJS:.o=.d) $(MICAD_OBJS:.o=.d) $(STORED_OBJS:.o=.d) $(BLKBACK_OBJS:.o=.d)
include toolstack/micanetback/netback.mk
