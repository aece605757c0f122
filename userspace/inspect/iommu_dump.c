// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-dump: show what the crash-path IOMMU quiesce left in a kernel dump.
 *
 * Opens a makedumpfile dump (kdump-compressed: -c, -l, -p, -z; ELF: -E) or
 * a live /proc/vmcore with libkdumpfile, finds struct
 * crash_dma_quiesce_info through vmcoreinfo and decodes every recorded
 * IOMMU's tables as they were at the crash (cdq_decode.c, cdq_report.c).
 *
 * Exit status: 0 success (with --check: no device kept DMA write
 * permission); 1 --check: some device kept write permission; 2 unusable
 * input (not a dump, truncated or corrupt, record unreadable or invalid);
 * 3 the dump's kernel has no crash_dma_quiesce record; 4 --check could
 * not decide (tables not in the dump, no table address); 64 usage error.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elf.h>
#include <sys/stat.h>

#include <libkdumpfile/kdumpfile.h>

#include "cdq_memimg.h"
#include "cdq_report.h"

#define EXIT_CHECK_FAIL	1
#define EXIT_UNUSABLE	2
#define EXIT_NO_RECORD	3
#define EXIT_UNDECIDED	4
#define EXIT_USAGE	64

struct dump {
	kdump_ctx_t *ctx;
	uint64_t max_phys;	/* end of the dump's memory, 0: unknown */
	unsigned int io_errors;
	uint64_t first_io_error;
	FILE *seed;		/* --save-seed */
};

static int dump_read(void *priv, uint64_t phys, void *buf, size_t len)
{
	struct dump *d = priv;
	size_t got = len;
	kdump_status st;
	int err = 0;

	/* Machine physical addresses: no page-table translation needed. */
	st = kdump_read(d->ctx, KDUMP_MACHPHYSADDR, phys, buf, &got);
	if (st == KDUMP_OK && got == len) {
		err = 0;
	} else if (d->max_phys && phys + len > d->max_phys) {
		err = -CDQ_E_OUTSIDE;
	} else if (st == KDUMP_ERR_NODATA) {
		err = -CDQ_E_ABSENT;
	} else {
		err = -CDQ_E_IO;
		if (!d->io_errors++)
			d->first_io_error = phys;
	}
	if (d->seed) {
		if (!err)
			cdq_img_write_sparse(d->seed, phys, buf, len);
		else if (err == -CDQ_E_ABSENT)
			cdq_img_write_extent(d->seed, phys, NULL, len, CDQ_IMG_ABSENT);
		else if (err == -CDQ_E_IO)
			cdq_img_write_extent(d->seed, phys, NULL, len, CDQ_IMG_IOERR);
	}
	return err;
}

/*
 * Is the dump complete? Reads the last page the dump claims to hold: a
 * dump cut short (an interrupted copy, a full disk) fails there even when
 * the pages this tool needs happen to lie before the cut.
 * Return: NULL, or what is wrong (static, or libkdumpfile's error text),
 * with *@where set to the page's address.
 */
static const char *dump_probe_end(struct dump *d, uint64_t *where)
{
	static uint8_t page[4096];
	kdump_addr_t idx = 0, end, last = 0;
	uint64_t max_pfn = d->max_phys / 4096;
	bool any = false;
	kdump_attr_t attr;
	size_t n = sizeof(page);
	kdump_status st;

	attr.type = KDUMP_BITMAP;
	if (!max_pfn ||
	    kdump_get_typed_attr(d->ctx, KDUMP_ATTR_FILE_PAGEMAP, &attr) != KDUMP_OK)
		return NULL;
	while (idx < max_pfn &&
	       kdump_bmp_find_set(attr.val.bitmap, &idx) == KDUMP_OK &&
	       idx < max_pfn) {
		end = idx;
		if (kdump_bmp_find_clear(attr.val.bitmap, &end) != KDUMP_OK ||
		    end > max_pfn)
			end = max_pfn;
		if (end <= idx)
			break;
		last = end - 1;
		any = true;
		idx = end;
	}
	if (!any) {
		/* A dump without a single page: its bitmaps were cut off. */
		*where = 0;
		return "its page bitmap holds no page";
	}
	*where = (uint64_t)last * 4096;
	st = kdump_read(d->ctx, KDUMP_MACHPHYSADDR, *where, page, &n);
	if (st == KDUMP_OK && n == sizeof(page))
		return NULL;
	return kdump_get_err(d->ctx) ? kdump_get_err(d->ctx) :
				       "its last page cannot be read";
}

/*
 * An ELF dump must hold every byte its program headers describe:
 * libkdumpfile reads the part of a segment past the end of a cut file as
 * zeros, which would pass for real memory.
 * Return: 0, or -CDQ_E_IO with *@want set to the bytes the headers need.
 */
static int elf_probe_size(int fd, uint64_t *want)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	struct stat st;
	unsigned int i;

	*want = 0;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || fstat(fd, &st))
		return 0;	/* not ELF64, or no size: nothing to compare */
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return -CDQ_E_IO;
		if (ph.p_offset + ph.p_filesz > *want)
			*want = ph.p_offset + ph.p_filesz;
	}
	/* /proc/vmcore and other special files report no useful size. */
	if (!S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size < *want ? -CDQ_E_IO : 0;
}

/*
 * The same for a kdump-compressed dump: libkdumpfile reads an uncompressed
 * page whose data lies past the end of a cut file as zeros. The header
 * (makedumpfile's struct disk_dump_header: signature "KDUMP   ", block_size
 * at byte 428, sub_hdr_size 432, bitmap_blocks 436) places the page
 * descriptors (24 bytes: offset, size, flags, page_flags) after the two
 * bitmaps, one per set bit of the second bitmap; page data is written in
 * descriptor order, so the last descriptors reach the end of the file.
 * Return: 0, or -CDQ_E_IO with *@want set to the bytes they need.
 */
static int kdump_probe_size(int fd, uint64_t *want)
{
	static uint8_t buf[65536];
	uint8_t hdr[448];
	uint32_t bs, sub, bmb, i;
	uint64_t bm2, bm2_len, count = 0, descs, first, pos;
	struct stat st;
	ssize_t n;

	*want = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, "KDUMP   ", 8))
		return 0;
	bs = cdq_le32(hdr + 428);
	sub = cdq_le32(hdr + 432);
	bmb = cdq_le32(hdr + 436);
	if (bs < 512 || bs > (1u << 20) || (bs & (bs - 1)) || sub > (1u << 20) ||
	    !bmb || bmb > (1u << 24) || (bmb & 1))
		return -CDQ_E_IO;	/* libkdumpfile accepted it: odd, refuse */
	/* The second bitmap: the dumpable pages. */
	bm2_len = (uint64_t)bmb / 2 * bs;
	bm2 = (1 + (uint64_t)sub) * bs + bm2_len;
	if (bm2 + bm2_len > (uint64_t)st.st_size) {
		*want = bm2 + bm2_len;
		return -CDQ_E_IO;
	}
	for (pos = 0; pos < bm2_len; pos += (uint64_t)n) {
		size_t want_n = bm2_len - pos < sizeof(buf) ? bm2_len - pos : sizeof(buf);

		n = pread(fd, buf, want_n, (off_t)(bm2 + pos));
		if (n <= 0) {
			*want = bm2 + bm2_len;
			return -CDQ_E_IO;
		}
		for (i = 0; i < (uint32_t)n; i++)
			count += (uint64_t)__builtin_popcount(buf[i]);
	}
	if (!count)
		return 0;
	descs = (1 + (uint64_t)sub + bmb) * bs;
	*want = descs + count * 24;
	if ((uint64_t)st.st_size < *want)
		return -CDQ_E_IO;
	/* The data of the last descriptors. */
	first = count > 64 ? count - 64 : 0;
	n = pread(fd, buf, (size_t)(count - first) * 24, (off_t)(descs + first * 24));
	if (n != (ssize_t)((count - first) * 24))
		return -CDQ_E_IO;
	for (i = 0; i < (uint32_t)(count - first); i++) {
		uint64_t off = cdq_le64(buf + 24 * i);
		uint64_t size = cdq_le32(buf + 24 * i + 8);

		if (off + size > *want && off + size >= off)
			*want = off + size;
	}
	return (uint64_t)st.st_size < *want ? -CDQ_E_IO : 0;
}

/* The raw vmcoreinfo text (malloc'd), from the attribute tree. */
static char *dump_vmcoreinfo(kdump_ctx_t *ctx, size_t *len)
{
	kdump_attr_t attr;
	char *text = NULL;
	void *p;

	*len = 0;
	attr.type = KDUMP_BLOB;
	if (kdump_get_typed_attr(ctx, "linux.vmcoreinfo.raw", &attr) == KDUMP_OK) {
		p = kdump_blob_pin(attr.val.blob);
		*len = kdump_blob_size(attr.val.blob);
		text = malloc(*len + 1);
		if (text && p) {
			memcpy(text, p, *len);
			text[*len] = 0;
		} else {
			*len = 0;
		}
		kdump_blob_unpin(attr.val.blob);
		return text;
	}
	/* Older layouts of the attribute tree: ask for it as Linux. */
	if (kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux") == KDUMP_OK &&
	    kdump_vmcoreinfo_raw(ctx, &text) == KDUMP_OK && text) {
		*len = strlen(text);
		return text;
	}
	return NULL;
}

static int finish(struct cdq_report *rep, const char *path, bool check,
		  unsigned int io_errors, uint64_t first_io_error)
{
	enum cdq_verdict v;

	if (rep->error == -CDQ_E_NOREC) {
		fprintf(stderr, "iommu-dump: %s: the dump's kernel (%s) has no crash_dma_quiesce record "
			"(built without CONFIG_CRASH_DMA_QUIESCE?)\n", path,
			rep->vi.osrelease[0] ? rep->vi.osrelease : "?");
		return EXIT_NO_RECORD;
	}
	if (rep->error) {
		fprintf(stderr, "iommu-dump: %s: %s: %s\n", path,
			cdq_strerror(rep->error), rep->why ? rep->why : "");
		return EXIT_UNUSABLE;
	}
	if (io_errors) {
		fprintf(stderr, "iommu-dump: %s: the dump is truncated or corrupt: %u reads failed (first at %#" PRIx64 ")\n",
			path, io_errors, first_io_error);
		return EXIT_UNUSABLE;
	}
	if (!check)
		return 0;
	v = cdq_report_verdict(rep, NULL);
	return v == CDQ_PASS ? 0 : v == CDQ_FAIL ? EXIT_CHECK_FAIL : EXIT_UNDECIDED;
}

struct img_io {
	struct cdq_img img;
	unsigned int io_errors;
	uint64_t first_io_error;
};

static int img_read(void *priv, uint64_t phys, void *buf, size_t len)
{
	struct img_io *io = priv;
	int err = cdq_img_read(&io->img, phys, buf, len);

	if (err == -CDQ_E_IO && !io->io_errors++)
		io->first_io_error = phys;
	return err;
}

/* --image: decode a cdq_memimg image (a fuzzer input or seed). */
static int run_image(const char *path, const struct cdq_options *opt,
		     bool json, bool check)
{
	struct img_io io = { 0 };
	struct cdq_mem mem = { img_read, &io };
	struct cdq_report rep;
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f) {
		fprintf(stderr, "iommu-dump: %s: %s\n", path, strerror(errno));
		return EXIT_UNUSABLE;
	}
	do {
		if (size == cap) {
			uint8_t *p = realloc(data, cap = cap ? cap * 2 : 65536);

			if (!p) {
				free(data);
				fclose(f);
				return EXIT_UNUSABLE;
			}
			data = p;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n);
	fclose(f);
	if (cdq_img_parse(data, size, &io.img) ||
	    cdq_report_build(io.img.text, io.img.text_len, &mem, opt, &rep)) {
		fprintf(stderr, "iommu-dump: out of memory\n");
		free(data);
		return EXIT_UNUSABLE;
	}
	rep.source = path;
	rep.format = "cdq_memimg image";
	if (json)
		cdq_report_json(stdout, &rep);
	else
		cdq_report_human(stdout, &rep, check);
	rc = finish(&rep, path, check, io.io_errors, io.first_io_error);
	cdq_report_free(&rep);
	cdq_img_free(&io.img);
	free(data);
	return rc;
}

#if defined(__SANITIZE_ADDRESS__)
#define CDQ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CDQ_ASAN 1
#endif
#endif
#ifdef CDQ_ASAN
const char *__asan_default_options(void);
/*
 * The sanitizer build: a corrupt dump header makes libkdumpfile ask for
 * absurd allocations, which it handles when malloc() returns NULL.
 */
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

static void on_alarm(int sig)
{
	static const char msg[] =
		"iommu-dump: gave up: reading the dump takes too long (corrupt?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_UNUSABLE);
	_exit(EXIT_UNUSABLE);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommu-dump [--json] [--check] [--all] [--table N=ADDR[:SIZE]]... DUMP\n"
		"Show the IOMMU state the crash-path DMA quiesce left in a kernel dump.\n"
		"  DUMP          makedumpfile dump (-c, -l, -p, -z or -E) or /proc/vmcore\n"
		"  --json        one JSON object instead of text\n"
		"  --check       exit 0 only if no device kept DMA write permission\n"
		"                (1: some did, named; 4: cannot tell)\n"
		"  --all         also list AMD DTEs that are V=0 or blocked by default\n"
		"  --table N=ADDR[:SIZE]  decode IOMMU N's tables at ADDR (AMD device\n"
		"                table of SIZE bytes; VT-d root table) when the record\n"
		"                has no address (mode off)\n"
		"  --save-seed FILE  write the bytes read as a fuzzer seed image\n"
		"  --image       DUMP is such an image (fuzzer input), not a dump\n"
		"  --timeout S   give up (exit 2) after S seconds (default 300, 0: never)\n"
		"exit: 0 ok, 1 check failed, 2 unusable dump, 3 no record in the dump's\n"
		"      kernel, 4 check undecided, 64 usage\n");
}

static int parse_table(const char *arg, struct cdq_options *opt)
{
	unsigned long n;
	unsigned long long addr, size = 0;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 0);
	if (errno || end == arg || *end != '=' || n >= CRASH_DMA_QUIESCE_MAX_IOMMUS)
		return -1;
	arg = end + 1;
	addr = strtoull(arg, &end, 0);
	if (errno || end == arg || !addr)
		return -1;
	if (*end == ':') {
		arg = end + 1;
		size = strtoull(arg, &end, 0);
		if (errno || end == arg || size > 65536 * 32)
			return -1;
	}
	if (*end)
		return -1;
	opt->table_set[n] = true;
	opt->table_phys[n] = addr;
	opt->table_size[n] = (uint32_t)size;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "table", required_argument, NULL, 't' },
		{ "save-seed", required_argument, NULL, 's' },
		{ "image", no_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cdq_options opt;
	struct cdq_report rep;
	struct dump d = { 0 };
	struct cdq_mem mem = { dump_read, &d };
	const char *path, *seed_path = NULL;
	const char *format = NULL;
	bool json = false, check = false, image = false;
	unsigned long timeout = 300;
	kdump_attr_t attr;
	uint64_t probe = 0;
	const char *problem;
	char fmt[128];
	char *text;
	size_t len;
	int c, fd, rc;

	memset(&opt, 0, sizeof(opt));
	while ((c = getopt_long(argc, argv, "jcahit:s:T:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			check = true;
			break;
		case 'a':
			opt.all = true;
			break;
		case 't':
			if (parse_table(optarg, &opt)) {
				fprintf(stderr, "iommu-dump: bad --table %s (want N=ADDR[:SIZE])\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			seed_path = optarg;
			break;
		case 'i':
			image = true;
			break;
		case 'T': {
			char *end;

			errno = 0;
			timeout = strtoul(optarg, &end, 0);
			if (errno || end == optarg || *end || timeout > 86400) {
				fprintf(stderr, "iommu-dump: bad --timeout %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	path = argv[optind];
	if (timeout) {
		signal(SIGALRM, on_alarm);
		alarm((unsigned int)timeout);
	}

	if (image)
		return run_image(path, &opt, json, check);

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "iommu-dump: %s: %s\n", path, strerror(errno));
		return EXIT_UNUSABLE;
	}
	/* Before libkdumpfile, which trusts these headers. */
	if (elf_probe_size(fd, &probe) || kdump_probe_size(fd, &probe)) {
		fprintf(stderr, "iommu-dump: %s: the dump is truncated or corrupt: its headers describe %" PRIu64 " bytes\n",
			path, probe);
		close(fd);
		return EXIT_UNUSABLE;
	}
	d.ctx = kdump_new();
	if (!d.ctx) {
		fprintf(stderr, "iommu-dump: out of memory\n");
		return EXIT_UNUSABLE;
	}
	/* read(2) only: mmap of a truncated file would raise SIGBUS. */
	kdump_set_number_attr(d.ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	if (kdump_open_fd(d.ctx, fd) != KDUMP_OK) {
		fprintf(stderr, "iommu-dump: %s: not a usable kernel dump: %s\n",
			path, kdump_get_err(d.ctx));
		/*
		 * No kdump_free(): libkdumpfile 0.5.1 can crash freeing a
		 * context whose open failed half-way on a corrupt header.
		 * _exit() also keeps LeakSanitizer quiet about it.
		 */
		fflush(stdout);
		_exit(EXIT_UNUSABLE);
	}
	attr.type = KDUMP_NUMBER;
	if (kdump_get_typed_attr(d.ctx, "max_pfn", &attr) == KDUMP_OK)
		d.max_phys = (uint64_t)attr.val.number * 4096;
	fmt[0] = 0;
	attr.type = KDUMP_STRING;
	if (kdump_get_typed_attr(d.ctx, "file.description", &attr) == KDUMP_OK)
		snprintf(fmt, sizeof(fmt), "%s", attr.val.string);
	format = fmt[0] ? fmt : NULL;
	problem = dump_probe_end(&d, &probe);
	if (problem) {
		fprintf(stderr, "iommu-dump: %s: the dump is truncated or corrupt: %s (page %#" PRIx64 ")\n",
			path, problem, probe);
		kdump_free(d.ctx);
		close(fd);
		return EXIT_UNUSABLE;
	}

	text = dump_vmcoreinfo(d.ctx, &len);
	if (!text || !len) {
		fprintf(stderr, "iommu-dump: %s: the dump has no vmcoreinfo%s%s\n",
			path, text ? "" : ": ", text ? "" : kdump_get_err(d.ctx));
		free(text);
		kdump_free(d.ctx);
		close(fd);
		return EXIT_UNUSABLE;
	}
	if (seed_path) {
		d.seed = fopen(seed_path, "wb");
		if (!d.seed || cdq_img_write_header(d.seed, text, len)) {
			fprintf(stderr, "iommu-dump: %s: %s\n", seed_path, strerror(errno));
			return EXIT_USAGE;
		}
	}

	if (cdq_report_build(text, len, &mem, &opt, &rep)) {
		fprintf(stderr, "iommu-dump: out of memory\n");
		return EXIT_UNUSABLE;
	}
	rep.source = path;
	rep.format = format;
	if (json)
		cdq_report_json(stdout, &rep);
	else
		cdq_report_human(stdout, &rep, check);

	rc = finish(&rep, path, check, d.io_errors, d.first_io_error);
	if (d.seed && fclose(d.seed)) {
		fprintf(stderr, "iommu-dump: %s: write error\n", seed_path);
		rc = EXIT_USAGE;
	}
	cdq_report_free(&rep);
	free(text);
	kdump_free(d.ctx);
	close(fd);
	return rc;
}
