# SPDX-License-Identifier: GPL-2.0-only
# The PV drivers (pvdrivers/, docs/pv-install.md) built against dom0's
# fetched kernel headers (the demo domU runs the same kernel), and the demo
# domU's module tree with them installed as a user installs them. Included
# by dom0/dom0.mk after dom0/driver/driver.mk; paths are relative to the
# repository root.
#
#   build/dom0/pvdrivers/     pvdrivers/mksrc.sh's copy and Kbuild's output
#                             (bus/mica_bus.ko and each frontend's module)
#   build/dom0/guestroot/     the domU's /lib/modules/<release>/: dom0's
#                             (build/dom0/drvroot/, mica.ko among them), then
#                             `make -C pvdrivers install` (extra/) and depmod

PV_OUT    := $(DOM0_OUT)/pvdrivers
PV_ROOT   := $(DOM0_OUT)/guestroot
PV_KDIR    = $(DOM0_OUT)/headers/usr/src/linux-headers-$(shell sed -n 1p $(DOM0_OUT)/headers/release)
PV_SRCS   := $(wildcard pvdrivers/Kbuild pvdrivers/Makefile pvdrivers/mksrc.sh pvdrivers/dkms.conf \
    pvdrivers/*/Kbuild pvdrivers/*/*.[ch] pvdrivers/include/mica/*.h common/kernel/*.[ch] \
    hypervisor/include/public/*.h hypervisor/include/public/io/*.h)
PV_MAKE    = MAKEFLAGS= MAKEOVERRIDES= $(MAKE) -s --no-print-directory -C pvdrivers \
    KDIR=$(abspath $(PV_KDIR)) OUT=$(abspath $(PV_OUT))

$(PV_OUT).stamp: $(DOM0_OUT)/headers/release $(PV_SRCS) pvdrivers/pvdrivers.mk
	@echo "  KMOD    $(PV_OUT)"
	@$(PV_MAKE) modules
	@touch $@

$(PV_ROOT).stamp: $(PV_OUT).stamp $(DRV_ROOT).stamp
	@echo "  DEPMOD  $(PV_ROOT)"
	@rm -rf $(PV_ROOT)
	@mkdir -p $(PV_ROOT) && cp -a $(DRV_ROOT)/lib $(PV_ROOT)/
	@$(PV_MAKE) install DESTDIR=$(abspath $(PV_ROOT)) DEPMOD="$(BUSYBOX) depmod" >/dev/null
	@find $(PV_ROOT)/lib/modules/*/extra -name '*.ko' \
	    -exec $(OBJCOPY) --strip-debug {} \;
	@grep -q ' mica_bus$$' $(PV_ROOT)/lib/modules/*/modules.alias || \
	    { echo "mica: depmod: no alias for mica_bus.ko in $(PV_ROOT)" >&2; exit 1; }
	@touch $@

.PHONY: pvdrivers
pvdrivers: $(PV_OUT).stamp
