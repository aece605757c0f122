// SPDX-License-Identifier: GPL-2.0
/*
 * edu_poke: drive a QEMU edu device from userspace, with no driver bound,
 * and read the crashed kernel's memory; for the kdump lab's capture kernel
 * (userspace/lab/takeover-capture.sh), linked statically into its
 * initramfs.
 *
 *   edu_poke dma BDF IOVA COUNT [OFFSET]
 *	Enable memory decoding and bus mastering in the command register
 *	(sysfs config), then through BAR0 (sysfs resource0) make the device
 *	write COUNT bytes of its buffer, from OFFSET (default 0), to IOVA:
 *	source 0x40000 + OFFSET, destination IOVA, count COUNT, command
 *	start | device-to-RAM. Waits (at most 3 s) for the start bit to
 *	clear. A DMA the IOMMU blocks completes the same way: the caller
 *	checks memory.
 *   edu_poke peek PHYS
 *	Print the 64-bit word at physical address PHYS of the crashed
 *	kernel, read through /proc/vmcore (its ELF PT_LOAD headers map
 *	physical addresses to file offsets), as 0x%016llx.
 *
 * edu registers (QEMU hw/misc/edu.c): 0x80 DMA source, 0x88 destination,
 * 0x90 count, 0x98 command (bit 0 start, bit 1 direction: 1 = device
 * buffer to RAM); the device buffer is at 0x40000; count below 4096.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_REG_SRC	0x80
#define EDU_REG_DST	0x88
#define EDU_REG_CNT	0x90
#define EDU_REG_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUF		0x40000
#define EDU_MAX_COUNT	4095
/* PCI command register: memory space (bit 1), bus master (bit 2). */
#define PCI_COMMAND_OFF	0x04
#define PCI_CMD_MEM_BM	0x6

static int fail(const char *what)
{
	fprintf(stderr, "edu_poke: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end;
}

static int enable_bm(const char *bdf)
{
	char path[256];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return fail(path);
	if (pread(fd, &cmd, sizeof(cmd), PCI_COMMAND_OFF) != sizeof(cmd)) {
		close(fd);
		return fail("read command register");
	}
	cmd |= PCI_CMD_MEM_BM;
	if (pwrite(fd, &cmd, sizeof(cmd), PCI_COMMAND_OFF) != sizeof(cmd)) {
		close(fd);
		return fail("write command register");
	}
	close(fd);
	return 0;
}

static int do_dma(const char *bdf, uint64_t iova, uint64_t count,
		  uint64_t offset)
{
	volatile uint64_t *regs;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char path[256];
	void *map;
	int fd, i;

	if (!count || count > EDU_MAX_COUNT || offset > EDU_MAX_COUNT ||
	    offset + count > EDU_MAX_COUNT) {
		fprintf(stderr, "edu_poke: offset + count must stay below %d\n",
			EDU_MAX_COUNT + 1);
		return 2;
	}
	if (enable_bm(bdf))
		return 1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return fail(path);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return fail("mmap resource0");
	regs = map;
	if (regs[EDU_REG_CMD / 8] & EDU_CMD_START) {
		fprintf(stderr, "edu_poke: a DMA is already running\n");
		munmap(map, 4096);
		return 1;
	}
	regs[EDU_REG_SRC / 8] = EDU_BUF + offset;
	regs[EDU_REG_DST / 8] = iova;
	regs[EDU_REG_CNT / 8] = count;
	regs[EDU_REG_CMD / 8] = EDU_CMD_START | EDU_CMD_TO_RAM;
	for (i = 0; i < 300 && (regs[EDU_REG_CMD / 8] & EDU_CMD_START); i++)
		nanosleep(&ts, NULL);
	if (regs[EDU_REG_CMD / 8] & EDU_CMD_START) {
		fprintf(stderr, "edu_poke: DMA did not complete\n");
		munmap(map, 4096);
		return 1;
	}
	munmap(map, 4096);
	printf("dma %s iova=0x%" PRIx64 " count=%" PRIu64 " done\n", bdf, iova,
	       count);
	return 0;
}

static int do_peek(uint64_t phys)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t word;
	int fd, i;

	fd = open("/proc/vmcore", O_RDONLY);
	if (fd < 0)
		return fail("/proc/vmcore");
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph)) {
		close(fd);
		fprintf(stderr, "edu_poke: /proc/vmcore is not ELF64\n");
		return 1;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph)) !=
		    sizeof(ph)) {
			close(fd);
			return fail("read program header");
		}
		if (ph.p_type != PT_LOAD || phys < ph.p_paddr ||
		    phys + sizeof(word) > ph.p_paddr + ph.p_filesz)
			continue;
		if (pread(fd, &word, sizeof(word),
			  ph.p_offset + (phys - ph.p_paddr)) != sizeof(word)) {
			close(fd);
			return fail("read /proc/vmcore");
		}
		close(fd);
		printf("0x%016" PRIx64 "\n", word);
		return 0;
	}
	close(fd);
	fprintf(stderr, "edu_poke: 0x%" PRIx64 " is not in /proc/vmcore\n", phys);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t a, b, c = 0;

	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "dma") &&
	    !parse_u64(argv[3], &a) && !parse_u64(argv[4], &b) &&
	    (argc == 5 || !parse_u64(argv[5], &c)))
		return do_dma(argv[2], a, b, c);
	if (argc == 3 && !strcmp(argv[1], "peek") && !parse_u64(argv[2], &a))
		return do_peek(a);
	fprintf(stderr, "usage: edu_poke dma BDF IOVA COUNT [OFFSET] | edu_poke peek PHYS\n");
	return 2;
}
