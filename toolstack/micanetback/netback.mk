# SPDX-License-Identifier: GPL-2.0-only
# micanetback, dom0's network backend (docs/pvio.md), and its systemd unit.
# Included by toolstack/toolstack.mk (which sets TOOLS_* and the install dirs).
# Built once libmicactl implements the store client (mica_store_open in
# libctl/src/; micactl.map exports mica_* whatever exists).
#
#   build/toolstack/micanetback
#   build/toolstack/micanetback.service
#   build/toolstack/mica-nethostile   (dom0's hostile-frontend test)

NETBACK_READY := $(shell grep -l 'mica_store_open' libctl/src/*.c 2>/dev/null)
ifneq ($(NETBACK_READY),)

NETBACK_SRCS := $(wildcard toolstack/micanetback/*.c)
NETBACK_OBJS := $(patsubst %.c,$(TOOLS_OBJ)/%.o,$(NETBACK_SRCS))

$(TOOLS_OBJ)/toolstack/micanetback/%.o: TOOLS_CFLAGS += -Idom0/driver/include/uapi

$(TOOLS_OUT)/micanetback: $(NETBACK_OBJS) $(CTL_SO)
	@echo "  LD      $@"
	@$(CC) -o $@ $(NETBACK_OBJS) $(TOOLS_LDLIBS)

$(TOOLS_OUT)/micanetback.service: toolstack/micanetback/micanetback.service.in \
        toolstack/micanetback/netback.mk config.mk
	@mkdir -p $(@D)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' $< >$@

.PHONY: install-netback
toolstack: $(TOOLS_OUT)/micanetback $(TOOLS_OUT)/micanetback.service
install-toolstack: install-netback
install-netback: $(TOOLS_OUT)/micanetback $(TOOLS_OUT)/micanetback.service $(TOOLS_OUT)/mica-nethostile
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(TOOLS_OUT)/micanetback $(DESTDIR)$(SBINDIR)/micanetback
	install -m 0755 $(TOOLS_OUT)/mica-nethostile $(DESTDIR)$(SBINDIR)/mica-nethostile
	install -m 0644 $(TOOLS_OUT)/micanetback.service \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR)/micanetback.service
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 toolstack/man/micanetback.8 $(DESTDIR)$(MANDIR)/man8/micanetback.8

-include $(NETBACK_OBJS:.o=.d)
$(DOM0_TOOLSTAMP): $(TOOLS_OUT)/micanetback $(TOOLS_OUT)/micanetback.service

# mica-nethostile (tests/pvnet/nethostile.c): a hostile frontend in dom0,
# run by dom0/tests/pvnet.sh; installed beside micanetback for dom0's tests.
NETHOSTILE := $(TOOLS_OUT)/mica-nethostile
$(NETHOSTILE): tests/pvnet/nethostile.c $(PVLIB_SRCS) $(CTL_SO) toolstack/micanetback/netback.mk
	@echo "  CC      $@"
	@$(CC) $(TOOLS_CFLAGS) -Itests/pvlib -o $@ $< tests/pvlib/pvloop.c $(TOOLS_LDLIBS)
toolstack: $(NETHOSTILE)
$(DOM0_TOOLSTAMP): $(NETHOSTILE)
endif
