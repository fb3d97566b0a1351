# SPDX-License-Identifier: GPL-2.0-only
# Mica's dom0 driver, mica.ko (dom0/driver/, docs/dom0-driver.md), built
# against the exact headers of dom0's kernel, and what dom0's initramfs
# carries of it. Included by dom0/dom0.mk; paths are relative to the
# repository root.
#
#   build/dom0/headers/       linux-headers-<release> and friends, unpacked
#                             (dom0/fetch-headers.sh; never installed)
#   build/dom0/driver/        the module's sources copied beside the public
#                             ABI headers (dom0/driver/mksrc.sh, as for
#                             DKMS), and Kbuild's output: mica.ko
#   build/dom0/drvroot/       what the initramfs gets: /lib/modules/<release>/
#                             (the fetched modules, mica.ko, modules.dep and
#                             modules.alias from depmod), /usr/bin/mica-drvtest and
#                             /usr/lib/mica/tests/mica_edu_irq.ko (the storm test's
#                             driver for QEMU's edu: not under /lib/modules, so
#                             nothing loads it by its ID)
#   build/dom0/edu-kmod/      that test driver's build (dom0/driver/tests/kmod/)
#   build/dom0/mica-drvtest   the driver's test program (dom0/driver/tests/*.c)

DRV_OUT   := $(DOM0_OUT)/driver
DRV_ROOT  := $(DOM0_OUT)/drvroot
MICA_KO   := $(DRV_OUT)/mica.ko
DRV_TEST  := $(DOM0_OUT)/mica-drvtest
EDU_KMOD_OUT := $(DOM0_OUT)/edu-kmod
EDU_KO    := $(EDU_KMOD_OUT)/mica_edu_irq.ko
DRV_SRCS  := $(wildcard dom0/driver/Kbuild dom0/driver/*.[ch] common/kernel/*.[ch] \
    dom0/driver/include/uapi/mica/*.h \
    hypervisor/include/public/*.h)
# Kbuild is a make of its own: none of this make's flags or variables.
DRV_KMAKE  = MAKEFLAGS= MAKEOVERRIDES= $(MAKE) -s
DRV_RELEASE = $$(sed -n 1p $(DOM0_OUT)/headers/release)

$(DOM0_OUT)/headers/release: $(DOM0_OUT)/vmlinuz dom0/fetch-headers.sh scripts/apt-deb.sh
	dom0/fetch-headers.sh $(DOM0_OUT)

$(MICA_KO): $(DOM0_OUT)/headers/release $(DRV_SRCS) dom0/driver/driver.mk \
        dom0/driver/mksrc.sh dom0/driver/dkms.conf
	@echo "  KMOD    $@"
	@dom0/driver/mksrc.sh $(DRV_OUT)
	@$(DRV_KMAKE) -C $(DOM0_OUT)/headers/usr/src/linux-headers-$(DRV_RELEASE) \
	    M=$(abspath $(DRV_OUT)) modules

# The edu MSI test driver (dom0/driver/tests/edumsi/), for the domU that
# edu is assigned to; in drvroot's extra/ beside mica.ko, loaded by name only.
EDU_MSI_OUT := $(DOM0_OUT)/edumsi
EDU_MSI_KO  := $(EDU_MSI_OUT)/mica_edu_msi.ko
$(EDU_MSI_KO): $(DOM0_OUT)/headers/release $(wildcard dom0/driver/tests/edumsi/*) dom0/driver/driver.mk
	@echo "  KMOD    $@"
	@rm -rf $(EDU_MSI_OUT) && mkdir -p $(EDU_MSI_OUT) && cp dom0/driver/tests/edumsi/* $(EDU_MSI_OUT)/
	@$(DRV_KMAKE) -C $(DOM0_OUT)/headers/usr/src/linux-headers-$(DRV_RELEASE) \
	    M=$(abspath $(EDU_MSI_OUT)) modules

$(EDU_KO): $(DOM0_OUT)/headers/release $(wildcard dom0/driver/tests/kmod/*.c) \
        dom0/driver/tests/kmod/Kbuild dom0/driver/driver.mk
	@echo "  KMOD    $@"
	@rm -rf $(EDU_KMOD_OUT) && mkdir -p $(EDU_KMOD_OUT) && \
	    cp dom0/driver/tests/kmod/Kbuild dom0/driver/tests/kmod/*.c $(EDU_KMOD_OUT)/
	@$(DRV_KMAKE) -C $(DOM0_OUT)/headers/usr/src/linux-headers-$(DRV_RELEASE) \
	    M=$(abspath $(EDU_KMOD_OUT)) modules

# A static program: dom0's initramfs has no C library.
$(DRV_TEST): $(wildcard dom0/driver/tests/*.[ch]) dom0/driver/include/uapi/mica/*.h \
        hypervisor/include/public/*.h
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_TOOL_CFLAGS) -static -Idom0/driver/include/uapi -Ihypervisor/include \
	    -o $@ $(filter %.c,$^)

# busybox's depmod writes modules.dep and modules.alias, which dom0's /init
# loads mica.ko by (modprobe of each PCI device's modalias).
$(DRV_ROOT).stamp: $(MICA_KO) $(EDU_MSI_KO) $(EDU_KO) $(DRV_TEST) dom0/driver/driver.mk
	@echo "  DEPMOD  $(DRV_ROOT)"
	@rm -rf $(DRV_ROOT)
	@rel=$(DRV_RELEASE); mods=$(DRV_ROOT)/lib/modules/$$rel; \
	    mkdir -p $$mods/extra $(DRV_ROOT)/usr/bin && \
	    { [ ! -d $(DOM0_OUT)/modules/$$rel ] || cp -p $(DOM0_OUT)/modules/$$rel/* $$mods/; } && \
	    $(OBJCOPY) --strip-debug $(MICA_KO) $$mods/extra/mica.ko && \
	    $(OBJCOPY) --strip-debug $(EDU_MSI_KO) $$mods/extra/mica_edu_msi.ko && \
	    $(BUSYBOX) depmod -b $(DRV_ROOT) $$rel && \
	    grep -q ' mica$$' $$mods/modules.alias || \
	    { echo "mica: depmod: no alias for mica.ko in $$mods/modules.alias" >&2; exit 1; }
	@$(OBJCOPY) --strip-all $(DRV_TEST) $(DRV_ROOT)/usr/bin/mica-drvtest
	@mkdir -p $(DRV_ROOT)/usr/lib/mica/tests && \
	    $(OBJCOPY) --strip-debug $(EDU_KO) $(DRV_ROOT)/usr/lib/mica/tests/mica_edu_irq.ko
	@touch $@

.PHONY: dom0-driver check-driver-style
dom0-driver: $(MICA_KO) $(EDU_KO) $(DRV_TEST)

# The kernel's checkpatch.pl over the module (fetched once: not in make test).
check-driver-style: $(DOM0_OUT)/vmlinuz
	dom0/driver/checkpatch.sh $(DOM0_OUT)
