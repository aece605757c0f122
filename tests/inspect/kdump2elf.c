// SPDX-License-Identifier: GPL-2.0
/*
 * kdump2elf DUMP OUT: test helper. Writes the memory of any dump
 * libkdumpfile opens as an ELF64 core laid out like /proc/vmcore: one
 * PT_NOTE with the VMCOREINFO note, one PT_LOAD per run of pages present in
 * the dump, with p_vaddr in the x86-64 direct map (PAGE_OFFSET
 * 0xffff888000000000 + physical address, 4-level paging without KASLR).
 * Pages the dump excluded are left out, as holes.
 *
 * The tests use the output twice: as a stand-in for a live /proc/vmcore
 * (iommu-dump opens it like one), and as makedumpfile's input, because
 * makedumpfile writes its ELF format (-E) only from an ELF vmcore, not
 * from a kdump-compressed dump.
 *
 * kdump2elf --strip-record DUMP OUT: the same without the vmcoreinfo lines
 * of the quiesce record (a dump of a kernel without it).
 * kdump2elf --hole DUMP: print the address of the first page above 1 MiB
 * that the dump does not hold (excluded by makedumpfile).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#define PAGE 4096ULL
#define PAGE_OFFSET 0xffff888000000000ULL
#define MAX_LOADS 4096

struct run {
	uint64_t pfn, count;
};

static int die(const char *what, kdump_ctx_t *ctx)
{
	fprintf(stderr, "kdump2elf: %s%s%s\n", what, ctx ? ": " : "",
		ctx ? kdump_get_err(ctx) : "");
	return 1;
}

int main(int argc, char **argv)
{
	static struct run runs[MAX_LOADS];
	static uint8_t page[PAGE];
	size_t nruns = 0, i, vlen, notesz;
	kdump_attr_t attr;
	kdump_addr_t idx, end;
	kdump_ctx_t *ctx;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Nhdr nh;
	uint64_t off, max_pfn, pfn;
	uint8_t *vmci;
	FILE *out;
	int fd;

	bool strip = false, hole = false;

	if (argc > 1 && !strcmp(argv[1], "--strip-record")) {
		strip = true;
		argv++;
		argc--;
	} else if (argc > 1 && !strcmp(argv[1], "--hole")) {
		hole = true;
		argv++;
		argc--;
	}
	if (argc != 3 - hole) {
		fprintf(stderr, "usage: kdump2elf [--strip-record] DUMP OUT | --hole DUMP\n");
		return 64;
	}
	fd = open(argv[1], O_RDONLY);
	ctx = kdump_new();
	if (fd < 0 || !ctx)
		return die("cannot open input", NULL);
	kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	if (kdump_open_fd(ctx, fd) != KDUMP_OK)
		return die("not a dump", ctx);

	attr.type = KDUMP_BLOB;
	if (kdump_get_typed_attr(ctx, "linux.vmcoreinfo.raw", &attr) != KDUMP_OK)
		return die("no vmcoreinfo", ctx);
	vlen = kdump_blob_size(attr.val.blob);
	vmci = malloc(vlen + 1);
	memcpy(vmci, kdump_blob_pin(attr.val.blob), vlen);
	kdump_blob_unpin(attr.val.blob);
	vmci[vlen] = 0;
	if (strip) {
		/* Drop every line that names the record. */
		char *src = (char *)vmci, *dst = (char *)vmci, *nl;

		while (*src) {
			size_t l;

			nl = strchr(src, '\n');
			l = nl ? (size_t)(nl - src) + 1 : strlen(src);
			if (!memmem(src, l, "rash_dma_quiesce", 16) &&
			    !memmem(src, l, "RASH_DMA_QUIESCE", 16)) {
				memmove(dst, src, l);
				dst += l;
			}
			src += l;
		}
		vlen = (size_t)(dst - (char *)vmci);
	}

	attr.type = KDUMP_NUMBER;
	if (kdump_get_typed_attr(ctx, "max_pfn", &attr) != KDUMP_OK)
		return die("no max_pfn", ctx);
	max_pfn = attr.val.number;
	attr.type = KDUMP_BITMAP;
	if (kdump_get_typed_attr(ctx, KDUMP_ATTR_FILE_PAGEMAP, &attr) != KDUMP_OK)
		return die("no page map", ctx);
	if (hole) {
		idx = 256;
		if (kdump_bmp_find_clear(attr.val.bitmap, &idx) != KDUMP_OK || idx >= max_pfn)
			return die("no hole", NULL);
		printf("%#llx\n", (unsigned long long)idx * PAGE);
		return 0;
	}
	for (idx = 0; idx < max_pfn && nruns < MAX_LOADS; idx = end) {
		if (kdump_bmp_find_set(attr.val.bitmap, &idx) != KDUMP_OK || idx >= max_pfn)
			break;
		end = idx;
		if (kdump_bmp_find_clear(attr.val.bitmap, &end) != KDUMP_OK || end > max_pfn)
			end = max_pfn;
		runs[nruns].pfn = idx;
		runs[nruns].count = end - idx;
		nruns++;
	}

	out = fopen(argv[2], "wb");
	if (!out)
		return die("cannot create output", NULL);
	/* "VMCOREINFO\0" padded to 12, descriptor padded to 4. */
	notesz = sizeof(nh) + 12 + ((vlen + 3) & ~3UL);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = (Elf64_Half)(1 + nruns);
	fwrite(&eh, sizeof(eh), 1, out);

	off = sizeof(eh) + (1 + nruns) * sizeof(ph);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = off;
	ph.p_filesz = ph.p_memsz = notesz;
	fwrite(&ph, sizeof(ph), 1, out);
	off = (off + notesz + PAGE - 1) & ~(PAGE - 1);
	for (i = 0; i < nruns; i++) {
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = PF_R | PF_W | PF_X;
		ph.p_offset = off;
		ph.p_paddr = runs[i].pfn * PAGE;
		ph.p_vaddr = PAGE_OFFSET + ph.p_paddr;
		ph.p_filesz = ph.p_memsz = runs[i].count * PAGE;
		ph.p_align = 0;
		fwrite(&ph, sizeof(ph), 1, out);
		off += ph.p_filesz;
	}
	nh.n_namesz = 11;
	nh.n_descsz = (Elf64_Word)vlen;
	nh.n_type = 0;
	fwrite(&nh, sizeof(nh), 1, out);
	fwrite("VMCOREINFO\0\0", 12, 1, out);
	fwrite(vmci, vlen, 1, out);
	fwrite("\0\0\0", (4 - vlen % 4) % 4, 1, out);

	off = (sizeof(eh) + (1 + nruns) * sizeof(ph) + notesz + PAGE - 1) & ~(PAGE - 1);
	if (fseeko(out, (off_t)off, SEEK_SET))
		return die("seek failed", NULL);
	for (i = 0; i < nruns; i++) {
		for (pfn = runs[i].pfn; pfn < runs[i].pfn + runs[i].count; pfn++) {
			size_t n = PAGE;

			if (kdump_read(ctx, KDUMP_MACHPHYSADDR, pfn * PAGE, page, &n) != KDUMP_OK)
				memset(page, 0, sizeof(page));
			fwrite(page, PAGE, 1, out);
		}
	}
	if (fclose(out))
		return die("write failed", NULL);
	free(vmci);
	kdump_free(ctx);
	close(fd);
	return 0;
}
