// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest edu: DMA isolation under dom0_pci=view (docs/iommu.md),
 * with QEMU's "edu" device (its DMA engine: source 0x80, destination
 * 0x88, count 0x90, command 0x98; RUN bit 0, direction bit 1 (1: from its
 * 4 KiB buffer at 0x40000 to memory); QEMU's hw/misc/edu.c) reached
 * through sysfs, no driver. Its device addresses are dom0's guest-physical
 * ones, translated by dom0's I/O page table: a copy to and from a page of
 * dom0's must work; the same engine pointed beyond dom0's RAM (host RAM
 * the hypervisor owns), at the IOMMU's own device table (its address from
 * the hypervisor's log) or at another device's registers must move
 * nothing.
 * The test machine needs edu's dma_mask wide enough for those addresses
 * (tests/system/areas/iommu.sh gives it all 64 bits).
 */
#include "drvtest.h"

#include <dirent.h>

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_ID		0x00
#define EDU_ID_VALUE	0x010000edu
#define EDU_LIVENESS	0x04		/* reads back the inverse of what was written */
#define EDU_FACT	0x08		/* write n, read n! once the status says done */
#define EDU_STATUS	0x20
#define EDU_STATUS_BUSY	0x1
#define EDU_FACT_N	10u
#define EDU_FACT_VALUE	3628800u	/* 10! */
#define EDU_RAISE	0x60		/* raises its interrupt with the value written */
#define EDU_DMA_IRQ	0x4		/* DMA command: interrupt when done */
#define EDU_IRQ_NAME	"mica-edu-msi"	/* mica_edu_msi.ko's, in /proc/interrupts */
#define IRQ_WAIT_MS	5000
#define PCI_BAR0_OFF	0x10
#define PCI_CAP_PTR	0x34
#define PCI_CAP_ID_MSI	0x05
#define HOSTILE_ADDR	0xfed80000u	/* the IOMMU's registers */
#define HOSTILE_DATA	0xf0u		/* the hypervisor's timer vector */
#define EDU_MOVED_BASE	0xe0000000u	/* in a domU's host-bridge window (libctl's build.c) */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUF		0x40000ull	/* its buffer, as the engine addresses it */
#define EDU_BAR_SIZE	0x100000ul
/*
 * Half its buffer per transfer: QEMU 7.2's range check refuses a transfer
 * that ends at the buffer's end (off by one), and refusing aborts QEMU.
 */
#define XFER		2048ul
#define DMA_WAIT_MS	20000		/* its timer fires 100 ms after RUN (virtual time) */
#define PCI_CMD_OFF	4
#define PCI_CMD_MEM	0x2
#define PCI_CMD_MASTER	0x4
#define PCI_CMD_PARITY	0x40
#define PCI_CMD_SERR	0x100
#define AHCI_VS_OFF	0x10		/* the AHCI's version register in its ABAR */
#define AHCI_VS_1_0	0x00010000u
#define OUTSIDE_ALIGN	0x10000000ull	/* the first 256 MiB boundary past dom0's RAM */
#define OUTSIDE_GAP	0x08000000ull	/* ... and 128 MiB further */
#define LOG_DEVTAB	"device table 65536 entries at "	/* iommu_amd.c's bring-up line */
#define PAGEMAP_PFN	((1ull << 55) - 1)
#define PAGEMAP_PRESENT	(1ull << 63)

static volatile uint8_t *edu;

static uint64_t rd64(unsigned int off)
{
	return *(volatile uint64_t *)(edu + off);
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(edu + off) = v;
}

/* A sysfs file's hexadecimal number ("0x1234"), or -1. */
static long sysfs_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%lx", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The sysfs directory of the first function with these IDs, or -1. */
static int find_dev(unsigned int vendor, unsigned int device, char *dir, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char p[300];
	int found = -1;

	while (d && found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (sysfs_hex(p) != (long)vendor)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (sysfs_hex(p) != (long)device)
			continue;
		snprintf(dir, len, "/sys/bus/pci/devices/%s", e->d_name);
		found = 0;
	}
	if (d)
		closedir(d);
	return found;
}

/* Set bits in the function's command register through sysfs; what it reads back. */
static long command_set(const char *dir, uint16_t bits)
{
	char p[320];
	uint16_t cmd;
	int fd;
	long rc = -1;

	snprintf(p, sizeof(p), "%s/config", dir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, PCI_CMD_OFF) == 2) {
		cmd |= bits;
		if (pwrite(fd, &cmd, 2, PCI_CMD_OFF) == 2 && pread(fd, &cmd, 2, PCI_CMD_OFF) == 2)
			rc = cmd;
	}
	close(fd);
	return rc;
}

/* The guest-physical address of the page at va (locked and touched), or 0. */
static uint64_t gpa_of(void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE * 8)) != 8)
		e = 0;
	close(fd);
	if (!(e & PAGEMAP_PRESENT) || !(e & PAGEMAP_PFN))
		return 0;
	return (e & PAGEMAP_PFN) * PAGE;
}

/* The end of dom0's highest "System RAM" range in /proc/iomem (exclusive), or 0. */
static uint64_t ram_end(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long lo, hi, end = 0;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &lo, &hi) == 2 && hi + 1 > end)
			end = hi + 1;
	if (f)
		fclose(f);
	return end;
}

/* One DMA of len bytes; 0 once the engine is idle again, -ETIMEDOUT if it never is. */
static int dma(uint64_t src, uint64_t dst, uint64_t len, uint64_t cmd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	wr64(EDU_DMA_SRC, src);
	wr64(EDU_DMA_DST, dst);
	wr64(EDU_DMA_CNT, len);
	wr64(EDU_DMA_CMD, cmd | EDU_DMA_RUN);
	for (int ms = 0; ms < DMA_WAIT_MS; ms += 10) {
		if (!(rd64(EDU_DMA_CMD) & EDU_DMA_RUN))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int to_buf(uint64_t from)
{
	return dma(from, EDU_BUF, XFER, 0);
}

static int from_buf(uint64_t to)
{
	return dma(EDU_BUF, to, XFER, EDU_DMA_TO_RAM);
}

static void fill_byte(uint8_t *p, uint8_t seed)
{
	for (size_t i = 0; i < XFER; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* The edu device mapped and mastering: its sysfs directory in dir, 0; or -1 (checked). */
static int edu_open(char *dir, size_t len)
{
	char p[320];
	long cmd;
	int fd;

	if (find_dev(EDU_VENDOR, EDU_DEVICE, dir, len)) {
		check(0, "found", "no PCI function %04x:%04x here", EDU_VENDOR, EDU_DEVICE);
		return -1;
	}
	snprintf(p, sizeof(p), "%s/resource0", dir);
	fd = open(p, O_RDWR | O_SYNC);
	edu = fd < 0 ? MAP_FAILED : mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
					 fd, 0);
	if (fd >= 0)
		close(fd);
	if (edu == MAP_FAILED) {
		check(0, "found", "%s: cannot map: %s", p, strerror(errno));
		return -1;
	}
	check(*(volatile uint32_t *)(edu + EDU_ID) == EDU_ID_VALUE, "found",
	      "%s: identification 0x%08x", dir, *(volatile uint32_t *)(edu + EDU_ID));
	printf("MICA-TEST edu device %s\n", strrchr(dir, '/') + 1);
	cmd = command_set(dir, PCI_CMD_MEM | PCI_CMD_MASTER);
	check(cmd >= 0 && (cmd & (PCI_CMD_MEM | PCI_CMD_MASTER)) == (PCI_CMD_MEM | PCI_CMD_MASTER),
	      "bus-master", "command register reads %#lx after setting memory and bus master", cmd);
	return 0;
}

/* Both dom0 pages, their guest-physical addresses, and the copy A -> buffer -> B. */
static void copy_checks(uint8_t *a, uint8_t *b, uint64_t ga, uint64_t gb, const char *name)
{
	int rc;

	fill_byte(a, 0x5a);
	memset(b, 0, PAGE);
	rc = to_buf(ga);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && !memcmp(a, b, XFER), name,
	      "rc %d: page at %#llx copied through the device to %#llx: %s", rc,
	      (unsigned long long)ga, (unsigned long long)gb,
	      memcmp(a, b, XFER) ? "differs" : "same");
}

/* Nothing from outside: b holds the buffer's known fill or no data at all. */
static int nothing_from(const uint8_t *b, const uint8_t *known)
{
	int zero = 1, ones = 1;

	for (size_t i = 0; i < XFER; i++) {
		zero &= !b[i];
		ones &= b[i] == 0xff;
	}
	return zero || ones || !memcmp(b, known, XFER);
}

static void outside_checks(uint8_t *a, uint8_t *b, uint64_t ga, uint64_t gb, uint64_t outside)
{
	uint8_t q[XFER];
	int rc;

	/* Write a pattern there (refused), then read it back (refused): no trace of it. */
	fill_byte(q, 0xc3);
	memcpy(a, q, XFER);
	rc = to_buf(ga);
	if (!rc)
		rc = from_buf(outside);
	check(!rc, "write-outside-done", "rc %d", rc);
	fill_byte(a, 0x11);
	rc = to_buf(ga);		/* the buffer now holds a known fill */
	if (!rc)
		rc = to_buf(outside);
	memset(b, 0x77, PAGE);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && memcmp(b, q, XFER) && nothing_from(b, a), "outside-unreached",
	      "rc %d: read back from %#llx: %s", rc, (unsigned long long)outside,
	      !memcmp(b, q, XFER) ? "the pattern written there" : "data not from dom0");
}

/*
 * The host address of the IOMMU's device table, from the hypervisor's log
 * ring (sysctl readlog; *lost: bytes the ring no longer has), or 0.
 */
static uint64_t devtab_addr(uint64_t *lost)
{
	static char log[MICA_SYSCTL_READ_MAX + 1];
	struct mica_sysctl s;
	const char *p;
	long rc;
	int fd = open_privcmd();

	if (fd < 0)
		return 0;
	memset(&s, 0, sizeof(s));
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	s.u.read.buf = (uintptr_t)log;
	s.u.read.len = MICA_SYSCTL_READ_MAX;
	rc = hc(fd, MICA_HC_sysctl, MICA_SYSCTL_readlog, (uintptr_t)&s, 0);
	close(fd);
	log[rc > 0 ? rc : 0] = 0;
	*lost = s.u.read.lost;
	p = strstr(log, LOG_DEVTAB);
	return p ? strtoull(p + strlen(LOG_DEVTAB), NULL, 16) : 0;
}

/*
 * The hypervisor's own memory beyond dom0's RAM: the IOMMU's device table.
 * A pattern written over its first 64 entries (edu's among them) would
 * end every later DMA of edu's; read back, it must not come.
 */
static void devtab_checks(uint8_t *a, uint8_t *b, uint64_t ga, uint64_t gb)
{
	uint64_t lost = 0, dt = devtab_addr(&lost);
	uint8_t q[XFER];
	int rc;

	check(dt && dt >= ram_end(), "devtab-found",
	      "device table at %#llx (dom0's RAM ends at %#llx; %llu log bytes lost)",
	      (unsigned long long)dt, (unsigned long long)ram_end(), (unsigned long long)lost);
	if (!dt || dt < ram_end())
		return;
	printf("MICA-TEST edu devtab %#llx\n", (unsigned long long)dt);
	fill_byte(q, 0xe7);
	memcpy(a, q, XFER);
	rc = to_buf(ga);
	if (!rc)
		rc = from_buf(dt);
	fill_byte(a, 0x33);
	if (!rc)
		rc = to_buf(ga);
	if (!rc)
		rc = to_buf(dt);
	memset(b, 0x77, PAGE);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && memcmp(b, q, XFER) && nothing_from(b, a), "devtab-unreached",
	      "rc %d: read back from the device table at %#llx: %s", rc, (unsigned long long)dt,
	      !memcmp(b, q, XFER) ? "the pattern written there" : "data not from dom0");
}

/*
 * Another domain's page mapped into dom0 (privcmd MMAPBATCH of a domain
 * made for this, never run): dom0's I/O page table mirrors its p2m, so the
 * device reaches the page while dom0 maps it; once unmapped, the same
 * device address must not reach it any more although the IOMMU translated
 * it a moment before (the unmap's INVALIDATE_IOMMU_PAGES for dom0's IOMMU
 * domain dropped that translation). After the unmap the gfn holds a fresh
 * frame of dom0's again (privcmd_mmap.c), which the device may reach.
 */
static void foreign_checks(uint8_t *b, uint64_t gb)
{
	uint64_t gfns[1] = { 0 }, gf = 0;
	struct mica_privcmd_mmapbatch mb;
	struct mica_domctl d;
	uint8_t q[XFER], *p = MAP_FAILED;
	int32_t errs[1] = { 0 };
	int fd = open_privcmd();
	long rc;

	memset(&d, 0, sizeof(d));
	snprintf(d.u.create.name, sizeof(d.u.create.name), "edutest");
	d.u.create.mem_kb = 4 * 4;
	d.u.create.nr_vcpus = 1;
	rc = fd < 0 ? -EBADF : domctl(fd, MICA_DOMCTL_create, &d);
	check(!rc, "foreign-domain", "domctl create: %ld", rc);
	if (rc)
		goto out;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mb = (struct mica_privcmd_mmapbatch){ .addr = (uintptr_t)p, .gfns = (uintptr_t)gfns,
		.errs = (uintptr_t)errs, .num = 1, .domid = d.domid };
	rc = p == MAP_FAILED ? -errno :
	     ioctl(fd, MICA_IOCTL_PRIVCMD_MMAPBATCH, &mb) < 0 ? -errno : errs[0];
	if (!rc) {
		fill_byte(p, 0x4d);
		memcpy(q, p, XFER);
		gf = gpa_of(p);
	}
	check(!rc && gf, "foreign-map", "rc %ld, dom0 gfn address %#llx", rc,
	      (unsigned long long)gf);
	if (rc || !gf)
		goto out_destroy;
	printf("MICA-TEST edu foreign %#llx\n", (unsigned long long)gf);
	memset(b, 0x77, PAGE);
	rc = to_buf(gf);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && !memcmp(b, q, XFER), "foreign-mapped-reached",
	      "rc %ld: d%u's page at %#llx read through the device: %s", rc, d.domid,
	      (unsigned long long)gf, memcmp(b, q, XFER) ? "differs" : "same");
	munmap(p, PAGE);
	p = MAP_FAILED;
	memset(b, 0x77, PAGE);
	rc = to_buf(gf);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && memcmp(b, q, XFER), "foreign-unmapped-unreached",
	      "rc %ld: after the unmap, %#llx still reads d%u's page through the device", rc,
	      (unsigned long long)gf, d.domid);
out_destroy:
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	destroy_domain(fd, d.domid);
out:
	if (fd >= 0)
		close(fd);
}

/* Another device's registers (the AHCI's ABAR): no device-to-device DMA through dom0's table. */
static void peer_checks(uint8_t *a, uint8_t *b, uint64_t ga, uint64_t gb)
{
	char dir[300], p[320];
	unsigned long long start = 0;
	FILE *f;
	int rc;

	if (find_dev(0x8086, 0x2922, dir, sizeof(dir))) {
		check(0, "peer-unreached", "no AHCI (8086:2922) in dom0");
		return;
	}
	snprintf(p, sizeof(p), "%s/resource", dir);
	f = fopen(p, "r");
	for (int i = 0; f && i < 6 && fscanf(f, "%llx %*x %*x", &start) == 1; i++)
		;			/* BAR 5, the ABAR: the sixth line */
	if (f)
		fclose(f);
	fill_byte(a, 0x22);
	rc = to_buf(ga);
	if (!rc)
		rc = to_buf(start);
	memset(b, 0x77, PAGE);
	if (!rc)
		rc = from_buf(gb);
	check(!rc && start && *(uint32_t *)(b + AHCI_VS_OFF) != AHCI_VS_1_0 && nothing_from(b, a),
	      "peer-unreached", "rc %d: the AHCI's ABAR at %#llx read through the device: VS %#x",
	      rc, start, *(uint32_t *)(b + AHCI_VS_OFF));
	printf("MICA-TEST edu peer %#llx\n", start);
}

void test_edu(void)
{
	uint64_t ga, gb, outside;
	char dir[300];
	uint8_t *a, *b;

	if (edu_open(dir, sizeof(dir)))
		return;
	a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		 -1, 0);
	if (a == MAP_FAILED) {
		check(0, "pages", "mmap: %s", strerror(errno));
		return;
	}
	b = a + PAGE;
	memset(a, 1, 2 * PAGE);
	ga = gpa_of(a);
	gb = gpa_of(b);
	check(ga && gb, "pages", "pagemap gives %#llx and %#llx", (unsigned long long)ga,
	      (unsigned long long)gb);
	if (!ga || !gb)
		return;
	outside = ((ram_end() + OUTSIDE_ALIGN - 1) & ~(OUTSIDE_ALIGN - 1)) + OUTSIDE_GAP;
	printf("MICA-TEST edu pages %#llx %#llx\n", (unsigned long long)ga, (unsigned long long)gb);
	printf("MICA-TEST edu outside %#llx (dom0's RAM ends at %#llx)\n",
	       (unsigned long long)outside, (unsigned long long)ram_end());
	copy_checks(a, b, ga, gb, "copy");
	outside_checks(a, b, ga, gb, outside);
	peer_checks(a, b, ga, gb);
	devtab_checks(a, b, ga, gb);
	foreign_checks(b, gb);
	copy_checks(a, b, ga, gb, "copy-after");
	munmap(a, 2 * PAGE);
	munmap((void *)edu, EDU_BAR_SIZE);
}

/*
 * The hypervisor's command-register filter, the domU being the owner:
 * memory and Bus Master went through (edu_open); parity and SERR do not.
 */
static void command_checks(const char *dir)
{
	long before = command_set(dir, 0);
	long after = command_set(dir, PCI_CMD_PARITY | PCI_CMD_SERR);
	long off = ~before & (PCI_CMD_PARITY | PCI_CMD_SERR);

	/* Not vacuous: one of them at least was off (edu comes with SERR on). */
	check(before >= 0 && after >= 0 && off && !(after & off),
	      "command-filtered", "command %#lx, %#lx after setting parity and SERR", before, after);
}

/* Its registers: the liveness check's inverse and a factorial from its worker. */
static void register_checks(void)
{
	volatile uint32_t *r = (volatile uint32_t *)edu;
	uint32_t v = 0x5a0f3cc3u, got;
	int ms;

	r[EDU_LIVENESS / 4] = v;
	got = r[EDU_LIVENESS / 4];
	check(got == ~v, "liveness", "wrote %#x, read %#x (want %#x)", v, got, ~v);
	r[EDU_FACT / 4] = EDU_FACT_N;
	for (ms = 0; ms < DMA_WAIT_MS && (r[EDU_STATUS / 4] & EDU_STATUS_BUSY); ms++)
		usleep(1000);
	got = r[EDU_FACT / 4];
	check(got == EDU_FACT_VALUE, "factorial", "%u! read %u (want %u)", EDU_FACT_N, got,
	      EDU_FACT_VALUE);
}

/* The interrupts counted on every CPU for name in /proc/interrupts, or -1: no such line. */
static long irq_count(const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024], *p, *end;
	long total = -1, v;

	while (f && total < 0 && fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!strstr(line, name) || !p)
			continue;
		for (total = 0, p++; (v = strtol(p, &end, 10)), end != p; p = end)
			total += v;
	}
	if (f)
		fclose(f);
	return total;
}

/* The count once it passed before (or after IRQ_WAIT_MS), settled 100 ms. */
static long irq_after(long before)
{
	long c = irq_count(EDU_IRQ_NAME);

	for (int ms = 0; ms < IRQ_WAIT_MS && c <= before; ms++) {
		usleep(1000);
		c = irq_count(EDU_IRQ_NAME);
	}
	usleep(100000);
	return irq_count(EDU_IRQ_NAME);
}

/*
 * Its MSI, through mica_edu_msi.ko (loaded by the domU's /init): one
 * interrupt for a write to its raise register, one for a DMA that asks
 * for it; each counted once in /proc/interrupts.
 */
static void msi_checks(uint64_t ga)
{
	long c0 = irq_count(EDU_IRQ_NAME), c1, c2;
	int rc;

	check(c0 >= 0, "msi-driver", "no %s line in /proc/interrupts: mica_edu_msi not bound",
	      EDU_IRQ_NAME);
	if (c0 < 0)
		return;
	*(volatile uint32_t *)(edu + EDU_RAISE) = 1;
	c1 = irq_after(c0);
	check(c1 == c0 + 1, "msi-raise", "%ld interrupts before the raise, %ld after", c0, c1);
	rc = dma(ga, EDU_BUF, XFER, EDU_DMA_IRQ);
	c2 = irq_after(c1);
	check(!rc && c2 == c1 + 1, "msi-dma", "rc %d: %ld interrupts before the DMA, %ld after",
	      rc, c1, c2);
	printf("MICA-TEST edu-domu interrupts %ld\n", c2);
}

/* The MSI capability's offset in the config space at fd, or 0. */
static unsigned int msi_cap(int fd)
{
	uint8_t cfg[256];
	unsigned int p, n = 0;

	if (pread(fd, cfg, sizeof(cfg), 0) != (ssize_t)sizeof(cfg))
		return 0;
	for (p = cfg[PCI_CAP_PTR] & 0xfc; p && n < 48; p = cfg[p + 1] & 0xfc, n++)
		if (cfg[p] == PCI_CAP_ID_MSI)
			return p;
	return 0;
}

/*
 * A hostile message in edu's MSI (the IOMMU's registers, the hypervisor's
 * timer vector): the domU reads back its own image; the device never
 * holds it (the hypervisor's report at dom0's end says so). Put back,
 * edu's MSI raises the domU's vector again.
 */
static void hostile_msi_checks(const char *dir)
{
	uint32_t lo = 0, data = 0, hlo = HOSTILE_ADDR, hdata = HOSTILE_DATA, rlo = 0, rdata = 0;
	unsigned int cap, doff = 0;
	uint16_t ctrl = 0;
	char path[320];
	long c0, c1;
	int fd;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR);
	cap = fd < 0 ? 0 : msi_cap(fd);
	if (cap && pread(fd, &ctrl, 2, cap + 2) == 2)
		doff = cap + (ctrl & 0x80 ? 12 : 8);	/* 64-bit: the data after the upper address */
	if (!cap || pread(fd, &lo, 4, cap + 4) != 4 || pread(fd, &data, 2, doff) != 2) {
		check(0, "hostile-msi", "%s: no MSI capability read", path);
		goto out;
	}
	if (pwrite(fd, &hlo, 4, cap + 4) != 4 || pwrite(fd, &hdata, 2, doff) != 2 ||
	    pread(fd, &rlo, 4, cap + 4) != 4 || pread(fd, &rdata, 2, doff) != 2)
		rlo = rdata = 0;
	check(rlo == hlo && rdata == hdata, "hostile-msi", "wrote %#x/%#x, read back %#x/%#x",
	      hlo, hdata, rlo, rdata);
	if (pwrite(fd, &lo, 4, cap + 4) != 4 || pwrite(fd, &data, 2, doff) != 2)
		lo = 0;
	c0 = irq_count(EDU_IRQ_NAME);
	*(volatile uint32_t *)(edu + EDU_RAISE) = 1;
	c1 = irq_after(c0);
	check(lo && c1 == c0 + 1, "hostile-msi-undone",
	      "message %#x/%#x put back: %ld interrupts before a raise, %ld after", lo, data, c0, c1);
out:
	if (fd >= 0)
		close(fd);
}

/*
 * The domU places the BAR itself: BAR 0 written to EDU_MOVED_BASE through
 * its config space, the registers answer there (/dev/mem: the kernel's
 * resource stays at the old address, so the new one is nobody's); written
 * back, resource0's mapping works again.
 */
static void move_checks(const char *dir)
{
	uint32_t old = 0, want, now = 0, id = 0;
	volatile uint32_t *p = MAP_FAILED;
	char path[320];
	int fd, mfd;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &old, 4, PCI_BAR0_OFF) != 4) {
		check(0, "bar-moved", "%s: %s", path, strerror(errno));
		goto out;
	}
	want = EDU_MOVED_BASE | (old & 0xfu);
	if (pwrite(fd, &want, 4, PCI_BAR0_OFF) != 4 || pread(fd, &now, 4, PCI_BAR0_OFF) != 4)
		now = 0;
	mfd = open("/dev/mem", O_RDWR | O_SYNC);
	if (mfd >= 0) {
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mfd, EDU_MOVED_BASE);
		close(mfd);
	}
	if (p != MAP_FAILED) {
		id = p[EDU_ID / 4];
		munmap((void *)p, PAGE);
	}
	check(now == want && id == EDU_ID_VALUE, "bar-moved",
	      "BAR 0 %#x written %#x reads %#x; identification there %#x (%s)", old, want, now, id,
	      p == MAP_FAILED ? "no /dev/mem mapping" : "mapped");
	if (pwrite(fd, &old, 4, PCI_BAR0_OFF) != 4)
		old = 0;
	id = *(volatile uint32_t *)(edu + EDU_ID);
	check(old && id == EDU_ID_VALUE, "bar-back", "BAR 0 written back to %#x: identification %#x",
	      old, id);
out:
	if (fd >= 0)
		close(fd);
}

/*
 * mica-drvtest edu-domu: in a domU that edu is assigned to (<hostdev>,
 * docs/iommu.md "Assignment"): the function on the domU's own PCI bus,
 * its BAR mapped (identification, liveness, factorial), its DMA engine
 * copying between its buffer and the domU's pages both ways (device
 * addresses are the domU's guest-physical ones, its I/O page table's),
 * and pointed beyond the domU's RAM it neither writes nor reads back; its
 * MSI, routed by the hypervisor to the domU, counted.
 */
void test_edu_domu(void)
{
	uint64_t ga, gb, outside;
	char dir[300];
	uint8_t *a, *b;

	if (edu_open(dir, sizeof(dir)))
		return;
	command_checks(dir);
	register_checks();
	a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		 -1, 0);
	if (a == MAP_FAILED) {
		check(0, "pages", "mmap: %s", strerror(errno));
		return;
	}
	b = a + PAGE;
	memset(a, 1, 2 * PAGE);
	ga = gpa_of(a);
	gb = gpa_of(b);
	check(ga && gb, "pages", "pagemap gives %#llx and %#llx", (unsigned long long)ga,
	      (unsigned long long)gb);
	if (!ga || !gb)
		return;
	outside = ((ram_end() + OUTSIDE_ALIGN - 1) & ~(OUTSIDE_ALIGN - 1)) + OUTSIDE_GAP;
	printf("MICA-TEST edu-domu pages %#llx %#llx\n", (unsigned long long)ga,
	       (unsigned long long)gb);
	printf("MICA-TEST edu-domu outside %#llx (the domU's RAM ends at %#llx)\n",
	       (unsigned long long)outside, (unsigned long long)ram_end());
	copy_checks(a, b, ga, gb, "copy");
	outside_checks(a, b, ga, gb, outside);
	copy_checks(a, b, ga, gb, "copy-after");
	msi_checks(ga);
	hostile_msi_checks(dir);
	move_checks(dir);
	munmap(a, 2 * PAGE);
	munmap((void *)edu, EDU_BAR_SIZE);
}
