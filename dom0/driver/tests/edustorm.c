// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica-drvtest edu-storm DEVDIR SECONDS: the storm test's flood
 * (dom0/tests/storm.sh, docs/iommu.md "Storms"). Writes QEMU edu's raise
 * register (0x60) through DEVDIR/resource0 in a tight loop for SECONDS
 * (0: once), each write one MSI while edu's driver (mica_edu_irq.ko)
 * has it on, and prints "MICA-TEST storm raised N in MS ms". The pacing
 * is the device's and the machine's: nothing here waits.
 */
#include "drvtest.h"

#define EDU_RAISE	0x60
#define EDU_MAP_SIZE	PAGE
#define RAISE_BIT	0x1u
#define CLOCK_EVERY	256u		/* writes between two looks at the clock */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int edu_storm(const char *dir, const char *secs)
{
	char p[300];
	volatile uint32_t *regs;
	uint64_t start, end, n = 0;
	long s = strtol(secs, NULL, 10);
	int fd;

	snprintf(p, sizeof(p), "%s/resource0", dir);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0 || s < 0) {
		fprintf(stderr, "mica-drvtest: edu-storm: %s: %s\n", s < 0 ? secs : p,
			s < 0 ? "not a number of seconds" : strerror(errno));
		return 1;
	}
	regs = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (regs == MAP_FAILED) {
		fprintf(stderr, "mica-drvtest: edu-storm: %s: mmap: %s\n", p, strerror(errno));
		return 1;
	}
	start = mono_ms();
	end = start + (uint64_t)s * 1000u;
	do {
		for (unsigned int i = 0; i < (s ? CLOCK_EVERY : 1u); i++) {
			regs[EDU_RAISE / 4] = RAISE_BIT;
			n++;
		}
	} while (s && mono_ms() < end);
	printf("MICA-TEST storm raised %llu in %llu ms\n", (unsigned long long)n,
	       (unsigned long long)(mono_ms() - start));
	munmap((void *)regs, EDU_MAP_SIZE);
	return 0;
}
