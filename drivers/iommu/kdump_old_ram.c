// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover: where the crashed kernel's tables may be.
 *
 * iommu_kdump_old_ram() accepts a table only if it lies in the crashed
 * kernel's RAM as the ELF core header (elfcorehdr=) describes it and
 * outside the capture kernel's own RAM (the crashkernel region and
 * whatever else the firmware map handed it). Every pointer the vendors
 * read from the crashed kernel's registers and tables goes through it.
 */

#define pr_fmt(fmt) "iommu kdump: " fmt

#include <linux/crash_dump.h>
#include <linux/elf.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu_kdump.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <asm/e820/api.h>

/* Largest ELF core header accepted: program headers beyond are ignored. */
#define IK_MAX_PHDRS	4096

struct ik_range {
	u64 start;
	u64 end;	/* exclusive */
};

static DEFINE_MUTEX(ik_ram_mutex);
static struct ik_range *ik_ram;
static unsigned int ik_nr_ram;
static bool ik_ram_parsed;

static int ik_range_cmp(const void *a, const void *b)
{
	const struct ik_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges in place. */
static unsigned int ik_merge_ranges(struct ik_range *r, unsigned int n)
{
	unsigned int i, out = 0;

	if (!n)
		return 0;
	sort(r, n, sizeof(*r), ik_range_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (r[i].start <= r[out].end) {
			r[out].end = max(r[out].end, r[i].end);
			continue;
		}
		r[++out] = r[i];
	}
	return out + 1;
}

/*
 * Read the PT_LOAD program headers of the ELF core header that kexec left
 * for the capture kernel (the memory /proc/vmcore exposes).
 */
static void ik_parse_elfcorehdr(void)
{
	const struct elf64_phdr *phdr;
	const struct elf64_hdr *ehdr;
	unsigned int i, n = 0;
	u16 phnum;
	u64 phoff;

	ik_ram_parsed = true;
	if (!is_kdump_kernel())
		return;
	ehdr = memremap(elfcorehdr_addr, sizeof(*ehdr), MEMREMAP_WB);
	if (!ehdr) {
		pr_err("cannot map the ELF core header at %#llx\n", elfcorehdr_addr);
		return;
	}
	if (memcmp(ehdr->e_ident, ELFMAG, SELFMAG) ||
	    ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr->e_phentsize != sizeof(*phdr) ||
	    !ehdr->e_phnum || ehdr->e_phnum > IK_MAX_PHDRS) {
		pr_err("ELF core header at %#llx not usable\n", elfcorehdr_addr);
		memunmap((void *)ehdr);
		return;
	}
	phnum = ehdr->e_phnum;
	phoff = ehdr->e_phoff;
	memunmap((void *)ehdr);

	phdr = memremap(elfcorehdr_addr + phoff, phnum * sizeof(*phdr),
			MEMREMAP_WB);
	ik_ram = kcalloc(phnum, sizeof(*ik_ram), GFP_KERNEL);
	if (!phdr || !ik_ram) {
		pr_err("cannot read the ELF program headers\n");
		if (phdr)
			memunmap((void *)phdr);
		kfree(ik_ram);
		ik_ram = NULL;
		return;
	}
	for (i = 0; i < phnum; i++) {
		if (phdr[i].p_type != PT_LOAD || !phdr[i].p_memsz ||
		    phdr[i].p_paddr + phdr[i].p_memsz < phdr[i].p_paddr)
			continue;
		ik_ram[n].start = phdr[i].p_paddr;
		ik_ram[n].end = phdr[i].p_paddr + phdr[i].p_memsz;
		n++;
	}
	memunmap((void *)phdr);
	ik_nr_ram = ik_merge_ranges(ik_ram, n);
	pr_info("crashed kernel RAM: %u ranges from the ELF core header\n",
		ik_nr_ram);
}

/**
 * iommu_kdump_old_ram() - may the capture kernel read a table found in the
 *	crashed kernel's state?
 * @phys: physical address read from an IOMMU register or a table entry
 * @size: bytes the capture kernel will read
 *
 * Return: true when [@phys, @phys + @size) lies inside the crashed kernel's
 * RAM as the ELF core header describes it (a PT_LOAD segment, or adjacent
 * ones) and does not touch the capture kernel's own RAM (the crashkernel
 * region and whatever else the firmware map handed it).
 */
bool iommu_kdump_old_ram(u64 phys, u64 size)
{
	u64 end = phys + size;
	unsigned int i;
	bool ok = false;

	if (!size || end < phys)
		return false;
	if (e820__mapped_any(phys, end, E820_TYPE_RAM) ||
	    e820__mapped_any(phys, end, E820_TYPE_RESERVED_KERN))
		return false;
	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	for (i = 0; i < ik_nr_ram; i++) {
		if (phys >= ik_ram[i].start && end <= ik_ram[i].end) {
			ok = true;
			break;
		}
	}
	mutex_unlock(&ik_ram_mutex);
	return ok;
}

/**
 * iommu_kdump_old_ram_end() - end of the crashed kernel's highest RAM range
 *
 * Return: the first address above every range of the ELF core header, 0
 * when it could not be read.
 */
u64 iommu_kdump_old_ram_end(void)
{
	u64 end;

	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	end = ik_nr_ram ? ik_ram[ik_nr_ram - 1].end : 0;
	mutex_unlock(&ik_ram_mutex);
	return end;
}

static int __init ik_old_ram_init(void)
{
	if (!is_kdump_kernel())
		return 0;
	/*
	 * Read the ELF core header now: vmcore_init() (fs_initcall) consumes
	 * it and VT-d copies its tables later (rootfs_initcall).
	 */
	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	mutex_unlock(&ik_ram_mutex);
	return 0;
}
arch_initcall(ik_old_ram_init);
