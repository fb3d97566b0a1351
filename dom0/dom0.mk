# SPDX-License-Identifier: GPL-2.0-only
# dom0: Debian's stock kernel and Mica's busybox initramfs (docs/dom0.md).
# Included by the top-level Makefile; paths are relative to the repository
# root.
#
#   build/dom0/vmlinuz         the current linux-image-amd64, fetched once
#                              (make dom0-kernel-update fetches a newer one)
#   build/dom0/kernel.version  its release ("uname -r") and package version
#   build/dom0/modules/        the few modules fetched with it (pvpanic)
#   build/dom0/driver/mica.ko  Mica's dom0 driver (dom0/driver/driver.mk)
#   build/dom0/initrd.img      busybox, dom0/initramfs/, dom0/tests/, modules,
#                              the toolstack (build/dom0/toolroot/, dom0-toolstack below)
#   build/tools/mkcpio         the cpio writer the initramfs is built with
#
# DOM0_KERNEL, DOM0_INITRD and DOM0_CMDLINE choose what `make iso` puts in
# the ISO beside the hypervisor: bring your own kernel or initramfs.

DOM0_OUT := build/dom0
MKCPIO   := build/tools/mkcpio

DOM0_KERNEL  ?= $(DOM0_OUT)/vmlinuz
DOM0_INITRD  ?= $(DOM0_OUT)/initrd.img
DOM0_CMDLINE ?= console=ttyS0,115200 earlyprintk=serial,ttyS0,115200

DOM0_INITRAMFS_SRCS := $(shell find dom0/initramfs dom0/tests tests/ctl/bad-xml -type f 2>/dev/null)
DOM0_CUSTOM_SRCS    := $(wildcard tests/system/dom0-custom/*)

HOST_TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow

include dom0/driver/driver.mk
include pvdrivers/pvdrivers.mk

$(MKCPIO): dom0/tools/mkcpio.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_TOOL_CFLAGS) -o $@ $<

# Fetched only when missing: the kernel does not change under our feet.
$(DOM0_OUT)/vmlinuz:
	dom0/fetch-kernel.sh $(DOM0_OUT)

# iperf3 and its libraries (dom0/stage-iperf3.sh), in dom0 and the demo
# domU, for make bench-net.
IPERF_ROOT := $(DOM0_OUT)/iperfroot
$(IPERF_ROOT).stamp: dom0/stage-iperf3.sh config.mk
	@echo "  STAGE   $(IPERF_ROOT)"
	@dom0/stage-iperf3.sh $(IPERF_ROOT) $(IPERF3)
	@touch $@

# The demo domU dom0 carries (/etc/mica/demo.xml): Debian's kernel again and
# a busybox initramfs whose /init is dom0/guest/init, under
# /usr/share/mica/guest/ in dom0.
GUEST_INITRD := $(DOM0_OUT)/guest-initrd.img
GUEST_STAGE  := $(DOM0_OUT)/guest-stage
GUEST_TOOLS  := $(DOM0_OUT)/guest-tools
# It carries dom0's modules too (mica.ko among them), so a test can check
# that the dom0 driver, autoloaded by the platform device's ID in a domU,
# refuses to serve there (mica.domu=privtest), and the PV drivers installed
# with `make -C pvdrivers install` (pvdrivers/pvdrivers.mk), which its /init
# loads by modalias as udev would; and mica-drvtest, whose edu-domu group
# drives a device assigned to the domU (mica.domu=edutest).
# The disk and network tools (fio, e2fsprogs, iperf3: 6 MiB more, 20 MiB
# unpacked) are a second archive, guest-tools.img, that the block and network
# tests append to it (ctl-lib.sh use_guest_tools): a small domU (96 MiB) could
# not unpack them, and every other domU boots faster without them.
GUEST_TOOLS_IMG := $(DOM0_OUT)/guest-tools.img
$(GUEST_INITRD): $(MKCPIO) dom0/mkinitramfs.sh $(wildcard dom0/guest/*) config.mk $(PV_ROOT).stamp \
        $(DRV_ROOT).stamp
	@echo "  CPIO    $@"
	@dom0/mkinitramfs.sh $@ $(MKCPIO) $(BUSYBOX) dom0/guest:/ $(PV_ROOT)/lib:/lib \
	    $(DRV_ROOT)/usr/bin:/usr/bin

$(GUEST_TOOLS_IMG): $(MKCPIO) dom0/mkinitramfs.sh $(IPERF_ROOT).stamp $(GUEST_TOOLS).stamp
	@echo "  CPIO    $@"
	@dom0/mkinitramfs.sh $@ $(MKCPIO) - $(IPERF_ROOT):/ $(GUEST_TOOLS):/

# The disk tools of the block tests and bench (fio, mkfs.ext4, e2fsck and
# their libraries, from this host's packages: dom0/stage-guest-tools.sh),
# in the demo domU at / and in dom0 under /usr/share/mica/guest-tools/.
$(GUEST_TOOLS).stamp: dom0/stage-guest-tools.sh
	@echo "  STAGE   $(GUEST_TOOLS)"
	@dom0/stage-guest-tools.sh $(GUEST_TOOLS)
	@touch $@

$(GUEST_STAGE).stamp: $(DOM0_OUT)/vmlinuz $(GUEST_INITRD) $(GUEST_TOOLS_IMG)
	@rm -rf $(GUEST_STAGE)
	@mkdir -p $(GUEST_STAGE)/usr/share/mica/guest
	@cp $(DOM0_OUT)/vmlinuz $(GUEST_STAGE)/usr/share/mica/guest/vmlinuz
	@cp $(GUEST_INITRD) $(GUEST_STAGE)/usr/share/mica/guest/initrd.img
	@cp $(GUEST_TOOLS_IMG) $(GUEST_STAGE)/usr/share/mica/guest/tools.img
	@cp -a $(GUEST_TOOLS) $(GUEST_STAGE)/usr/share/mica/guest-tools
	@touch $@

# ------------------------------------------- the toolstack in the initramfs
# dom0_toolstack: mica, micad, micastored, libmicactl.so.1 and the domain schema, as
# `make install DESTDIR=$(DOM0_TOOLROOT)` puts them under PREFIX, with every
# shared library they load (ldd: libxml2, libuuid, zlib, ICU, libc, the
# loader) and an ld.so.cache for PREFIX/lib (dom0/stage-toolstack.sh). The
# initramfs copies the tree to /; dom0's /init starts micastored, then micad.
DOM0_TOOLROOT  := $(DOM0_OUT)/toolroot
DOM0_TOOLSTAMP := $(DOM0_OUT)/toolroot.stamp

# (Paths spelt out: libctl/libctl.mk and toolstack/toolstack.mk, which build
# them, are included after this file.)
$(DOM0_TOOLSTAMP): build/toolstack/mica build/toolstack/micad build/toolstack/micad.service \
        build/toolstack/micastored build/toolstack/mica-storering \
        build/libctl/libmicactl.so.1.0.0 libctl/schema/domain.rng dom0/stage-toolstack.sh \
        $(wildcard toolstack/man/*.[0-9]) toolstack/completion/mica.bash
	@echo "  STAGE   $(DOM0_TOOLROOT)"
	@rm -rf $(DOM0_TOOLROOT)
	@$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DOM0_TOOLROOT) >/dev/null
	@dom0/stage-toolstack.sh $(DOM0_TOOLROOT) $(PREFIX)
	@touch $@

# With the Debian kernel, the initramfs also carries the modules fetched
# with it (build/dom0/modules/<release>/), mica.ko and the driver's test
# program (build/dom0/drvroot/); another DOM0_KERNEL goes without.
DOM0_DEBIAN := $(filter $(DOM0_OUT)/vmlinuz,$(DOM0_KERNEL))
$(DOM0_OUT)/initrd.img: $(MKCPIO) dom0/mkinitramfs.sh $(DOM0_INITRAMFS_SRCS) config.mk \
        $(DOM0_DEBIAN) $(if $(DOM0_DEBIAN),$(DRV_ROOT).stamp) $(DOM0_TOOLSTAMP) $(GUEST_STAGE).stamp \
        $(IPERF_ROOT).stamp
	@echo "  CPIO    $@"
	@dom0/mkinitramfs.sh $@ $(MKCPIO) $(BUSYBOX) dom0/initramfs:/ dom0/tests:/tests \
	    tests/ctl/bad-xml:/tests/bad-xml $(IPERF_ROOT):/ \
	    $(DOM0_TOOLROOT):/ $(GUEST_STAGE):/ $(if $(DOM0_DEBIAN),$(DRV_ROOT):/)

# The system tests' user-supplied initramfs: busybox and another /init,
# then a second gzip'd cpio appended, as distributions build early
# microcode or firmware archives. GRUB must hand it over unchanged
# (module2 --nounzip): its own gunzip keeps only the first member, and the
# custom /init checks the second archive's file arrived.
$(DOM0_OUT)/custom-initrd.img: $(MKCPIO) dom0/mkinitramfs.sh $(DOM0_CUSTOM_SRCS) config.mk
	@echo "  CPIO    $@"
	@dom0/mkinitramfs.sh $@.first $(MKCPIO) $(BUSYBOX) tests/system/dom0-custom:/
	@printf 'SECOND ARCHIVE MARKER\n' >$@.marker
	@printf 'dir /second 0755\nfile /second/marker %s 0644\n' $@.marker | $(MKCPIO) - | gzip -9 -n >$@.second
	@cat $@.first $@.second >$@
	@rm -f $@.first $@.first.list $@.second $@.marker

.PHONY: dom0 dom0-kernel-update dom0-toolstack
dom0: $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img
dom0-toolstack: $(DOM0_TOOLSTAMP)

dom0-kernel-update:
	dom0/fetch-kernel.sh $(DOM0_OUT)

# What the dom0 system tests boot.
DOM0_TEST_DEPS := $(DOM0_OUT)/vmlinuz $(DOM0_OUT)/initrd.img \
    $(DOM0_OUT)/custom-initrd.img tests/system/mkiso-dom0.sh

# The modules fetch-kernel.sh names, unpacked again from the kernel's .deb
# when its list changes (no download: the .deb is kept in build/dom0/).
$(DOM0_OUT)/modules.stamp: dom0/fetch-kernel.sh | $(DOM0_OUT)/vmlinuz
	@dom0/fetch-kernel.sh $(DOM0_OUT) --modules
	@touch $@
$(DRV_ROOT).stamp: $(DOM0_OUT)/modules.stamp
