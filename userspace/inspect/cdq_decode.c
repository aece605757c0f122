// SPDX-License-Identifier: GPL-2.0
/*
 * cdq_decode: decoding of the crash-path IOMMU quiesce state in a dump.
 * Interface and references: cdq_decode.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cdq_decode.h"
#include "cdq_decode_int.h"
/* The bit layouts shared with the crash path (tests/unit/include shims). */
#include "drivers/iommu/amd/crash_quiesce_hw.h"
#include "drivers/iommu/intel/crash_quiesce_hw.h"

#define CDQ_PAGE	4096u
/* x86-64 __START_KERNEL_map and the size of the kernel text mapping. */
#define CDQ_START_KERNEL_MAP	0xffffffff80000000ULL
#define CDQ_KERNEL_MAP_SIZE	0x40000000ULL
/* vmcoreinfo is one page in Linux 6.1 (VMCOREINFO_BYTES). */
#define CDQ_VMCOREINFO_BYTES	4096u
/* A record layout larger than this is not believed. */
#define CDQ_MAX_STRUCT		(1u << 22)

const char *cdq_strerror(int err)
{
	static const char *const names[] = {
		[CDQ_OK] = "success",
		[CDQ_E_ABSENT] = "not in dump",
		[CDQ_E_OUTSIDE] = "outside the dump's memory",
		[CDQ_E_IO] = "read error",
		[CDQ_E_NOREC] = "no crash_dma_quiesce record in this kernel",
		[CDQ_E_VMCOREINFO] = "vmcoreinfo unusable",
		[CDQ_E_VERSION] = "record version or layout not understood",
		[CDQ_E_RECORD] = "record invalid",
		[CDQ_E_NOMEM] = "out of memory",
		[CDQ_E_INVAL] = "invalid argument",
	};

	if (err < 0)
		err = -err;
	if ((size_t)err >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[err];
}

uint64_t cdq_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint32_t cdq_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* --- vmcoreinfo ----------------------------------------------------------- */

struct cdq_field_desc {
	const char *key;	/* OFFSET(key) */
	bool in_record;		/* struct crash_dma_quiesce_record */
	size_t offset;		/* in the built-in layout */
	size_t size;
	unsigned int since;	/* record version that added it (0: all) */
};

#define INFO_F(f) { "crash_dma_quiesce_info." #f, false,		\
	offsetof(struct crash_dma_quiesce_info, f),			\
	sizeof(((struct crash_dma_quiesce_info *)0)->f), 0 }
#define REC_F(f) { "crash_dma_quiesce_record." #f, true,		\
	offsetof(struct crash_dma_quiesce_record, f),			\
	sizeof(((struct crash_dma_quiesce_record *)0)->f), 0 }

static const struct cdq_field_desc cdq_fields[CDQ_NR_FIELDS] = {
	[CDQ_F_INFO_MAGIC] = INFO_F(magic),
	[CDQ_F_INFO_VERSION] = INFO_F(version),
	[CDQ_F_INFO_MODE] = INFO_F(mode),
	[CDQ_F_INFO_NR_RECORDS] = INFO_F(nr_records),
	[CDQ_F_INFO_BUDGET_US] = INFO_F(budget_us),
	[CDQ_F_INFO_TSC_KHZ] = INFO_F(tsc_khz),
	[CDQ_F_INFO_RAN] = INFO_F(ran),
	[CDQ_F_INFO_NR_UNREGISTERED] = INFO_F(nr_unregistered),
	[CDQ_F_INFO_CPUS_RUNNING] = INFO_F(cpus_running),
	[CDQ_F_INFO_EARLY_UNITS] = INFO_F(early_units),
	[CDQ_F_INFO_TOTAL_CYCLES] = INFO_F(total_cycles),
	[CDQ_F_INFO_SHUTDOWN_BEGIN] = INFO_F(shutdown_begin),
	[CDQ_F_INFO_QUIESCE_BEGIN] = INFO_F(quiesce_begin),
	[CDQ_F_INFO_QUIESCE_END] = INFO_F(quiesce_end),
	[CDQ_F_INFO_SHUTDOWN_END] = INFO_F(shutdown_end),
	/* Only the first record is required to fit. */
	[CDQ_F_INFO_RECORDS] = { "crash_dma_quiesce_info.records", false,
		offsetof(struct crash_dma_quiesce_info, records),
		sizeof(struct crash_dma_quiesce_record), 0 },
	[CDQ_F_REC_MAGIC] = REC_F(magic),
	[CDQ_F_REC_VENDOR] = REC_F(vendor),
	[CDQ_F_REC_STATE] = REC_F(state),
	[CDQ_F_REC_INVAL] = REC_F(inval),
	[CDQ_F_REC_MODE] = REC_F(mode),
	[CDQ_F_REC_MMIO_PHYS] = REC_F(mmio_phys),
	[CDQ_F_REC_ROOT_PHYS] = REC_F(root_phys),
	[CDQ_F_REC_ROOT_SIZE] = REC_F(root_size),
	[CDQ_F_REC_ENTRIES_SCANNED] = REC_F(entries_scanned),
	[CDQ_F_REC_ENTRIES_CHANGED] = REC_F(entries_changed),
	[CDQ_F_REC_ENTRIES_REJECTED] = REC_F(entries_rejected),
	[CDQ_F_REC_TABLES_CHANGED] = REC_F(tables_changed),
	[CDQ_F_REC_DOMAINS_INVALIDATED] = REC_F(domains_invalidated),
	[CDQ_F_REC_COMMANDS] = REC_F(commands),
	[CDQ_F_REC_FLAGS] = REC_F(flags),
	[CDQ_F_REC_CYCLES] = REC_F(cycles),
	[CDQ_F_REC_CHANGED_PHYS] = REC_F(changed_phys),
	[CDQ_F_REC_ENTRIES_BLOCKED] = { "crash_dma_quiesce_record.entries_blocked",
		true, offsetof(struct crash_dma_quiesce_record, entries_blocked),
		sizeof(uint32_t), 4 },
};

/*
 * The built-in sizes for record version @v: version 3 ends where version
 * 4 appended entries_blocked (and its reserved word).
 */
static uint64_t cdq_builtin_record_size(unsigned int v)
{
	return v >= 4 ? sizeof(struct crash_dma_quiesce_record) :
	       offsetof(struct crash_dma_quiesce_record, entries_blocked);
}

static uint64_t cdq_builtin_info_size(unsigned int v)
{
	return offsetof(struct crash_dma_quiesce_info, records) +
	       CRASH_DMA_QUIESCE_MAX_IOMMUS * cdq_builtin_record_size(v);
}

/* Parse an unsigned number of @len characters; false on any junk. */
static bool cdq_parse_u64(const char *s, size_t len, unsigned int base,
			  uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* Signed decimal (VMCOREINFO_NUMBER prints with %ld). */
static bool cdq_parse_s64(const char *s, size_t len, int64_t *out)
{
	bool neg = len && s[0] == '-';
	uint64_t v;

	if (!cdq_parse_u64(s + neg, len - neg, 10, &v))
		return false;
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static bool cdq_key_is(const char *key, size_t klen, const char *want)
{
	size_t n = strlen(want);

	return klen == n && !memcmp(key, want, n);
}

/* Does @key equal prefix + name + ")"? */
static bool cdq_key_wrapped(const char *key, size_t klen, const char *prefix,
			    const char *name)
{
	size_t p = strlen(prefix), n = strlen(name);

	return klen == p + n + 1 && !memcmp(key, prefix, p) &&
	       !memcmp(key + p, name, n) && key[p + n] == ')';
}

/* Does @s (@len bytes) contain the NUL-terminated @needle? */
static bool cdq_memmem(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (!memcmp(s + i, needle, n))
			return true;
	return false;
}

static void cdq_vmcoreinfo_line(const char *key, size_t klen, const char *val,
				size_t vlen, struct cdq_vmcoreinfo *vi)
{
	uint64_t u;
	int64_t s;
	int f;

	if (klen >= 16 && (cdq_memmem(key, klen, "rash_dma_quiesce") ||
			   cdq_memmem(key, klen, "RASH_DMA_QUIESCE")))
		vi->mentions_record = true;
	if (cdq_key_is(key, klen, "SYMBOL(crash_dma_quiesce_info)")) {
		if (cdq_parse_u64(val, vlen, 16, &u)) {
			vi->has_symbol = true;
			vi->symbol = u;
		}
	} else if (cdq_key_is(key, klen, "NUMBER(phys_base)")) {
		if (cdq_parse_s64(val, vlen, &s)) {
			vi->has_phys_base = true;
			vi->phys_base = (uint64_t)s;
		}
	} else if (cdq_key_is(key, klen, "NUMBER(CRASH_DMA_QUIESCE_VERSION)")) {
		if (cdq_parse_s64(val, vlen, &s)) {
			vi->has_version = true;
			vi->version = s;
		}
	} else if (cdq_key_is(key, klen, "SIZE(crash_dma_quiesce_info)")) {
		if (cdq_parse_u64(val, vlen, 10, &u) && u && u <= CDQ_MAX_STRUCT)
			vi->size_info = u;
	} else if (cdq_key_is(key, klen, "SIZE(crash_dma_quiesce_record)")) {
		if (cdq_parse_u64(val, vlen, 10, &u) && u && u <= CDQ_MAX_STRUCT)
			vi->size_record = u;
	} else if (cdq_key_is(key, klen, "OSRELEASE")) {
		size_t n = vlen < sizeof(vi->osrelease) - 1 ?
			   vlen : sizeof(vi->osrelease) - 1;

		memcpy(vi->osrelease, val, n);
		vi->osrelease[n] = 0;
	} else if (klen > 7 && !memcmp(key, "OFFSET(", 7)) {
		for (f = 0; f < CDQ_NR_FIELDS; f++) {
			if (!cdq_key_wrapped(key, klen, "OFFSET(",
					     cdq_fields[f].key))
				continue;
			if (cdq_parse_u64(val, vlen, 10, &u) &&
			    u <= CDQ_MAX_STRUCT)
				vi->offset[f] = (int64_t)u;
			break;
		}
	}
}

int cdq_vmcoreinfo_parse(const char *text, size_t len, struct cdq_vmcoreinfo *vi)
{
	size_t pos = 0;
	int f;

	memset(vi, 0, sizeof(*vi));
	for (f = 0; f < CDQ_NR_FIELDS; f++)
		vi->offset[f] = -1;
	if (!text)
		return len ? -CDQ_E_INVAL : 0;
	{
		const char *nul = memchr(text, 0, len);

		if (nul)
			len = (size_t)(nul - text);
	}
	vi->len = len;
	vi->truncated = len >= CDQ_VMCOREINFO_BYTES && text[len - 1] != '\n';

	while (pos < len) {
		const char *line = text + pos;
		const char *end = memchr(line, '\n', len - pos);
		size_t llen = end ? (size_t)(end - line) : len - pos;
		const char *eq = memchr(line, '=', llen);

		pos += llen + 1;
		/* The unterminated last line of a truncated buffer may be cut. */
		if (!end && vi->truncated)
			break;
		if (!eq)
			continue;
		cdq_vmcoreinfo_line(line, (size_t)(eq - line), eq + 1,
				    llen - (size_t)(eq - line) - 1, vi);
	}
	return 0;
}

int cdq_layout_get(const struct cdq_vmcoreinfo *vi, struct cdq_layout *layout,
		   const char **why)
{
	const char *dummy;
	bool builtin_ok;
	int f;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(layout, 0, sizeof(*layout));
	if (!vi->has_symbol && vi->mentions_record) {
		*why = "vmcoreinfo names the record but has no usable SYMBOL(crash_dma_quiesce_info) line";
		return -CDQ_E_VMCOREINFO;
	}
	if (!vi->has_symbol) {
		*why = "vmcoreinfo has no SYMBOL(crash_dma_quiesce_info)";
		return -CDQ_E_NOREC;
	}
	if (vi->has_version && (vi->version < CDQ_VERSION_MIN ||
				vi->version > CRASH_DMA_QUIESCE_VERSION)) {
		*why = "NUMBER(CRASH_DMA_QUIESCE_VERSION) is not a version this reader knows";
		return -CDQ_E_VERSION;
	}
	if (!vi->has_version && !vi->truncated) {
		*why = "vmcoreinfo has no NUMBER(CRASH_DMA_QUIESCE_VERSION)";
		return -CDQ_E_VERSION;
	}
	layout->version = vi->has_version ? (unsigned int)vi->version :
			  CRASH_DMA_QUIESCE_VERSION;
	layout->info_size = vi->size_info ? vi->size_info :
			    cdq_builtin_info_size(layout->version);
	layout->record_size = vi->size_record ? vi->size_record :
			      cdq_builtin_record_size(layout->version);
	builtin_ok = layout->info_size == cdq_builtin_info_size(layout->version) &&
		     layout->record_size == cdq_builtin_record_size(layout->version);

	for (f = 0; f < CDQ_NR_FIELDS; f++) {
		const struct cdq_field_desc *d = &cdq_fields[f];
		uint64_t limit = d->in_record ? layout->record_size :
				 layout->info_size;
		uint64_t off;

		if (d->since > layout->version) {
			layout->offset[f] = CDQ_NO_FIELD;
			continue;
		}
		if (vi->offset[f] >= 0) {
			off = (uint64_t)vi->offset[f];
			layout->from_vmcoreinfo++;
		} else if (builtin_ok) {
			off = d->offset;
		} else {
			*why = "SIZE() differs from this reader's layout and an OFFSET() line is missing";
			return -CDQ_E_VERSION;
		}
		if (off + d->size > limit) {
			*why = "an OFFSET() value lies outside its SIZE()";
			return -CDQ_E_VERSION;
		}
		layout->offset[f] = off;
	}
	return 0;
}

int cdq_kvaddr_to_phys(const struct cdq_vmcoreinfo *vi, uint64_t vaddr,
		       uint64_t *phys)
{
	if (!vi->has_phys_base)
		return -CDQ_E_VMCOREINFO;
	if (vaddr < CDQ_START_KERNEL_MAP ||
	    vaddr - CDQ_START_KERNEL_MAP >= CDQ_KERNEL_MAP_SIZE)
		return -CDQ_E_VMCOREINFO;
	*phys = vaddr - CDQ_START_KERNEL_MAP + vi->phys_base;
	return 0;
}

/* --- the record ----------------------------------------------------------- */

/* A little-endian field of @size bytes at @off of @buf; 0 past @len. */
static uint64_t cdq_get(const uint8_t *buf, size_t len, uint64_t off,
			size_t size)
{
	uint64_t v = 0;
	size_t i;

	if (off > len || size > len - off)
		return 0;
	for (i = size; i > 0; i--)
		v = v << 8 | buf[off + i - 1];
	return v;
}

#define GETF(buf, len, base, layout, f) \
	((layout)->offset[f] == CDQ_NO_FIELD ? 0 : \
	 cdq_get(buf, len, (base) + (layout)->offset[f], cdq_fields[f].size))

int cdq_info_decode(const uint8_t *buf, size_t len,
		    const struct cdq_layout *layout,
		    struct crash_dma_quiesce_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	info->magic = (uint32_t)GETF(buf, len, 0, layout, CDQ_F_INFO_MAGIC);
	info->version = (uint32_t)GETF(buf, len, 0, layout, CDQ_F_INFO_VERSION);
	info->mode = (uint32_t)GETF(buf, len, 0, layout, CDQ_F_INFO_MODE);
	info->nr_records = (uint32_t)GETF(buf, len, 0, layout,
					  CDQ_F_INFO_NR_RECORDS);
	info->budget_us = (uint32_t)GETF(buf, len, 0, layout,
					 CDQ_F_INFO_BUDGET_US);
	info->tsc_khz = (uint32_t)GETF(buf, len, 0, layout, CDQ_F_INFO_TSC_KHZ);
	info->ran = (uint32_t)GETF(buf, len, 0, layout, CDQ_F_INFO_RAN);
	info->nr_unregistered = (uint32_t)GETF(buf, len, 0, layout,
					       CDQ_F_INFO_NR_UNREGISTERED);
	info->cpus_running = (uint32_t)GETF(buf, len, 0, layout,
					    CDQ_F_INFO_CPUS_RUNNING);
	info->early_units = (uint32_t)GETF(buf, len, 0, layout,
					   CDQ_F_INFO_EARLY_UNITS);
	info->total_cycles = GETF(buf, len, 0, layout, CDQ_F_INFO_TOTAL_CYCLES);
	info->shutdown_begin = GETF(buf, len, 0, layout,
				    CDQ_F_INFO_SHUTDOWN_BEGIN);
	info->quiesce_begin = GETF(buf, len, 0, layout, CDQ_F_INFO_QUIESCE_BEGIN);
	info->quiesce_end = GETF(buf, len, 0, layout, CDQ_F_INFO_QUIESCE_END);
	info->shutdown_end = GETF(buf, len, 0, layout, CDQ_F_INFO_SHUTDOWN_END);
	if (info->magic != CRASH_DMA_QUIESCE_MAGIC ||
	    info->nr_records > CRASH_DMA_QUIESCE_MAX_IOMMUS)
		return -CDQ_E_RECORD;

	for (i = 0; i < info->nr_records; i++) {
		struct crash_dma_quiesce_record *r = &info->records[i];
		uint64_t base = layout->offset[CDQ_F_INFO_RECORDS] +
				(uint64_t)i * layout->record_size;

#define RF(f) GETF(buf, len, base, layout, f)
		r->magic = (uint32_t)RF(CDQ_F_REC_MAGIC);
		r->vendor = (uint8_t)RF(CDQ_F_REC_VENDOR);
		r->state = (uint8_t)RF(CDQ_F_REC_STATE);
		r->inval = (uint8_t)RF(CDQ_F_REC_INVAL);
		r->mode = (uint8_t)RF(CDQ_F_REC_MODE);
		r->mmio_phys = RF(CDQ_F_REC_MMIO_PHYS);
		r->root_phys = RF(CDQ_F_REC_ROOT_PHYS);
		r->root_size = (uint32_t)RF(CDQ_F_REC_ROOT_SIZE);
		r->entries_scanned = (uint32_t)RF(CDQ_F_REC_ENTRIES_SCANNED);
		r->entries_changed = (uint32_t)RF(CDQ_F_REC_ENTRIES_CHANGED);
		r->entries_rejected = (uint32_t)RF(CDQ_F_REC_ENTRIES_REJECTED);
		r->tables_changed = (uint32_t)RF(CDQ_F_REC_TABLES_CHANGED);
		r->domains_invalidated =
			(uint32_t)RF(CDQ_F_REC_DOMAINS_INVALIDATED);
		r->commands = (uint32_t)RF(CDQ_F_REC_COMMANDS);
		r->flags = (uint32_t)RF(CDQ_F_REC_FLAGS);
		r->cycles = RF(CDQ_F_REC_CYCLES);
		r->changed_phys = RF(CDQ_F_REC_CHANGED_PHYS);
		r->entries_blocked = (uint32_t)RF(CDQ_F_REC_ENTRIES_BLOCKED);
#undef RF
	}
	return 0;
}

/* Read [@phys, @phys + @len) in pieces that do not cross 4 KiB. */
int cdq_mem_read(const struct cdq_mem *mem, uint64_t phys, uint8_t *buf,
		 size_t len)
{
	while (len) {
		size_t n = CDQ_PAGE - (size_t)(phys % CDQ_PAGE);
		int err;

		if (n > len)
			n = len;
		if (phys + n < phys)
			return -CDQ_E_OUTSIDE;
		err = mem->read(mem->priv, phys, buf, n);
		if (err)
			return err < 0 ? err : -CDQ_E_IO;
		phys += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int cdq_info_read(const struct cdq_mem *mem, uint64_t phys,
		  const struct cdq_layout *layout,
		  struct crash_dma_quiesce_info *info)
{
	uint64_t head = layout->offset[CDQ_F_INFO_RECORDS], want;
	uint8_t *buf;
	uint32_t nr;
	int err;

	if (head > layout->info_size)
		return -CDQ_E_VERSION;
	buf = calloc(1, layout->info_size ? layout->info_size : 1);
	if (!buf)
		return -CDQ_E_NOMEM;
	err = cdq_mem_read(mem, phys, buf, head);
	if (err)
		goto out;
	/* The header alone tells how many records follow. */
	err = cdq_info_decode(buf, head, layout, info);
	if (err)
		goto out;
	nr = info->nr_records;
	want = head + (uint64_t)nr * layout->record_size;
	if (want > layout->info_size) {
		err = -CDQ_E_RECORD;
		goto out;
	}
	err = cdq_mem_read(mem, phys + head, buf + head, want - head);
	if (err)
		goto out;
	err = cdq_info_decode(buf, want, layout, info);
out:
	free(buf);
	return err;
}

const char *cdq_mode_name(unsigned int mode)
{
	static const char *const n[] = { "off", "write", "all", "disable" };

	return mode < 4 ? n[mode] : "?";
}

const char *cdq_state_name(unsigned int state)
{
	static const char *const n[] = {
		"not run", "done", "translation off", "unsupported table format",
		"bad table pointer", "partial", "out of time budget",
		"translation disabled", "not handled (no memory at boot)",
		"hot-removed, not handled",
	};

	return state < sizeof(n) / sizeof(n[0]) ? n[state] : "?";
}

const char *cdq_inval_name(unsigned int inval)
{
	static const char *const n[] = {
		"not needed", "ok", "timed out", "error", "unavailable",
	};

	return inval < 5 ? n[inval] : "?";
}

const char *cdq_vendor_name(unsigned int vendor)
{
	if (vendor == CRASH_DMA_QUIESCE_AMD)
		return "AMD-Vi";
	if (vendor == CRASH_DMA_QUIESCE_INTEL)
		return "VT-d";
	return "?";
}

int64_t cdq_cycles_to_us(uint64_t cycles, uint32_t tsc_khz)
{
	if (!tsc_khz)
		return -1;
	/* cycles / (kHz * 1000) s = cycles * 1000 / kHz us, without overflow. */
	return (int64_t)(cycles / tsc_khz * 1000 +
			 cycles % tsc_khz * 1000 / tsc_khz);
}

uint64_t cdq_shutdown_cycles(const struct crash_dma_quiesce_info *info)
{
	if (!info->shutdown_begin || !info->quiesce_begin ||
	    !info->quiesce_end || !info->shutdown_end)
		return 0;
	if (info->quiesce_begin < info->shutdown_begin ||
	    info->quiesce_end < info->quiesce_begin ||
	    info->shutdown_end < info->quiesce_end)
		return 0;
	if (info->ran &&
	    info->total_cycles > info->quiesce_end - info->quiesce_begin)
		return 0;
	return info->shutdown_end - info->shutdown_begin;
}

/* --- entries -------------------------------------------------------------- */

const char *cdq_xlat_name(enum cdq_xlat x)
{
	static const char *const n[] = {
		[CDQ_XLAT_BLOCKED] = "blocked",
		[CDQ_XLAT_UNTRANSLATED] = "untranslated",
		[CDQ_XLAT_DIRECT] = "direct",
		[CDQ_XLAT_PAGING] = "paging",
		[CDQ_XLAT_PAGING_ATS] = "paging+ats",
		[CDQ_XLAT_PASS_THROUGH] = "pass-through",
		[CDQ_XLAT_INVALID] = "invalid",
		[CDQ_XLAT_NOT_PRESENT] = "not present",
		[CDQ_XLAT_FIRST_LEVEL] = "first-level",
		[CDQ_XLAT_SECOND_LEVEL] = "second-level",
		[CDQ_XLAT_NESTED] = "nested",
		[CDQ_XLAT_UNKNOWN] = "unknown",
		[CDQ_XLAT_FL_BLOCKED] = "first-level blocked",
	};

	return (unsigned int)x < sizeof(n) / sizeof(n[0]) ? n[x] : "?";
}

void cdq_amd_dte_decode(const uint8_t raw[32], struct cdq_amd_dte *dte)
{
	uint64_t w0 = cdq_le64(raw), w1 = cdq_le64(raw + 8);

	dte->v = w0 & AMD_CQ_DTE_V;
	dte->tv = w0 & AMD_CQ_DTE_TV;
	dte->mode = (unsigned int)((w0 & AMD_CQ_DTE_MODE_MASK) >> 9);
	dte->root = w0 & AMD_CQ_DTE_ROOT_MASK;
	dte->ir = w0 & AMD_CQ_DTE_IR;
	dte->iw = w0 & AMD_CQ_DTE_IW;
	dte->domain = (uint16_t)(w1 & AMD_CQ_DTE1_DOMID_MASK);
	dte->iotlb = w1 & AMD_CQ_DTE1_IOTLB;
}

enum cdq_xlat cdq_amd_dte_access(const struct cdq_amd_dte *dte,
				 bool *read, bool *write)
{
	if (!dte->v || !dte->tv) {
		*read = *write = true;
		return CDQ_XLAT_UNTRANSLATED;
	}
	if (dte->mode == 7) {
		*read = *write = false;
		return CDQ_XLAT_INVALID;
	}
	*read = dte->ir;
	*write = dte->iw;
	if (dte->mode)
		return CDQ_XLAT_PAGING;
	return dte->ir || dte->iw ? CDQ_XLAT_DIRECT : CDQ_XLAT_BLOCKED;
}

void cdq_vtd_root_decode(const uint8_t raw[16], struct cdq_vtd_root *re)
{
	uint64_t lo = cdq_le64(raw), hi = cdq_le64(raw + 8);

	re->present = lo & VTD_CQ_ROOT_P;
	re->ctp = lo & VTD_CQ_ROOT_CTP;
	re->reserved = (lo & VTD_CQ_ROOT_RSVD_LO) || hi;
	re->upresent = false;	/* scalable mode only */
	re->uctp = 0;
}

void cdq_vtd_ctx_decode(const uint8_t raw[16], struct cdq_vtd_ctx *ce)
{
	uint64_t lo = cdq_le64(raw), hi = cdq_le64(raw + 8);

	ce->present = lo & VTD_CQ_CTX_P;
	ce->fpd = lo & VTD_CQ_CTX_FPD;
	ce->tt = vtd_cq_ctx_tt(lo);
	ce->slptptr = lo & VTD_CQ_CTX_SLPTPTR;
	ce->aw = vtd_cq_ctx_aw(hi);
	ce->did = vtd_cq_ctx_did(hi);
	ce->reserved = (lo & VTD_CQ_CTX_RSVD_LO) || (hi & VTD_CQ_CTX_RSVD_HI);
}

void cdq_vtd_sl_top_decode(const uint8_t raw[4096], struct cdq_vtd_sl_top *top)
{
	unsigned int i;

	memset(top, 0, sizeof(*top));
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		uint64_t e = cdq_le64(raw + 8 * i);

		if (!vtd_cq_sl_present(e))
			continue;
		top->present++;
		top->readable += !!(e & VTD_CQ_SL_R);
		top->writable += !!(e & VTD_CQ_SL_W);
	}
}

enum cdq_xlat cdq_vtd_ctx_access(const struct cdq_vtd_ctx *ce,
				 const struct cdq_vtd_sl_top *top,
				 enum cdq_perm *read, enum cdq_perm *write)
{
	*read = *write = CDQ_PERM_NO;
	if (!ce->present)
		return CDQ_XLAT_NOT_PRESENT;
	if (ce->reserved || ce->tt == 3 ||
	    (ce->tt != VTD_CQ_CTX_TT_PASS_THROUGH && (ce->aw < 1 || ce->aw > 3)))
		return CDQ_XLAT_INVALID;
	if (ce->tt == VTD_CQ_CTX_TT_PASS_THROUGH) {
		*read = *write = CDQ_PERM_YES;
		return CDQ_XLAT_PASS_THROUGH;
	}
	if (!top) {
		*read = *write = CDQ_PERM_UNKNOWN;
	} else {
		*read = top->readable ? CDQ_PERM_YES : CDQ_PERM_NO;
		*write = top->writable ? CDQ_PERM_YES : CDQ_PERM_NO;
	}
	return ce->tt == VTD_CQ_CTX_TT_DEV_TLB ? CDQ_XLAT_PAGING_ATS :
						 CDQ_XLAT_PAGING;
}

bool cdq_changed(const uint64_t *map, uint16_t sid)
{
	return map && map[sid / 64] >> (sid % 64) & 1;
}

bool cdq_changed_lost(const struct cdq_iommu *io, uint16_t sid)
{
	unsigned int i;

	for (i = 0; i < io->nr_changed_lost; i++)
		if (sid >= io->changed_lost[i].first &&
		    sid <= io->changed_lost[i].last)
			return true;
	return false;
}

int cdq_changed_read(const struct cdq_mem *mem,
		     const struct crash_dma_quiesce_record *rec, uint64_t *map,
		     struct cdq_range *lost, unsigned int *nr_lost)
{
	uint8_t buf[CRASH_DMA_QUIESCE_MAP_WORDS * 8];
	uint32_t off, n, w;
	int err, first_err = 0;

	memset(map, 0, sizeof(buf));
	*nr_lost = 0;
	if (!rec->changed_phys) {
		lost[0] = (struct cdq_range){ 0, 0xffff, -CDQ_E_RECORD };
		*nr_lost = 1;
		return -CDQ_E_RECORD;
	}
	/* Page by page: [off, off + n) ends at the next 4 KiB boundary. */
	for (off = 0; off < sizeof(buf); off += n) {
		n = CDQ_PAGE - (uint32_t)((rec->changed_phys + off) % CDQ_PAGE);
		if (n > sizeof(buf) - off)
			n = sizeof(buf) - off;
		err = cdq_mem_read(mem, rec->changed_phys + off, buf + off, n);
		if (!err)
			continue;
		memset(buf + off, 0, n);
		if (!first_err)
			first_err = err;
		/* Bits [8 * off, 8 * (off + n)): source ids, as in the bitmap. */
		lost[*nr_lost] = (struct cdq_range){
			(uint16_t)(8 * off), (uint16_t)(8 * (off + n) - 1), err };
		(*nr_lost)++;
	}
	for (w = 0; w < CRASH_DMA_QUIESCE_MAP_WORDS; w++)
		map[w] = cdq_le64(buf + 8 * w);
	return first_err;
}

/* --- the walk ------------------------------------------------------------- */

int cdq_push_dev(struct cdq_iommu *out, size_t *cap, const struct cdq_dev *d)
{
	if (out->nr_devs == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct cdq_dev *p = realloc(out->devs, n * sizeof(*p));

		if (!p)
			return -CDQ_E_NOMEM;
		out->devs = p;
		*cap = n;
	}
	out->devs[out->nr_devs++] = *d;
	if (d->valid && d->write == CDQ_PERM_YES)
		out->nr_write++;
	if (d->valid && d->write == CDQ_PERM_UNKNOWN)
		out->nr_unknown++;
	return 0;
}

int cdq_push_absent(struct cdq_iommu *out, size_t *cap, uint16_t first,
		    uint16_t last, int err)
{
	struct cdq_range *prev = out->nr_absent ?
				 &out->absent[out->nr_absent - 1] : NULL;

	/* Merge with the previous range when contiguous and alike. */
	if (prev && prev->err == err && prev->last + 1u == first) {
		prev->last = last;
		return 0;
	}
	if (out->nr_absent == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		struct cdq_range *p = realloc(out->absent, n * sizeof(*p));

		if (!p)
			return -CDQ_E_NOMEM;
		out->absent = p;
		*cap = n;
	}
	out->absent[out->nr_absent].first = first;
	out->absent[out->nr_absent].last = last;
	out->absent[out->nr_absent].err = err;
	out->nr_absent++;
	return 0;
}

/* Changed source ids in [@first, @last] with no entry in the tables. */
uint32_t cdq_count_changed(const uint64_t *map, uint32_t first, uint32_t last)
{
	uint32_t sid, n = 0;

	for (sid = first; sid <= last && sid < CRASH_DMA_QUIESCE_NR_SIDS; sid++)
		n += cdq_changed(map, (uint16_t)sid);
	return n;
}

static int cdq_walk_amd(const struct cdq_mem *mem, struct cdq_iommu *out,
			bool all)
{
	uint32_t count = out->table_size / AMD_CQ_DTE_SIZE, devid;
	size_t dcap = 0, acap = 0;
	uint8_t page[CDQ_PAGE];
	int err;

	if (count > AMD_CQ_NR_IDS)
		count = AMD_CQ_NR_IDS;
	for (devid = 0; devid < count; devid += CDQ_PAGE / AMD_CQ_DTE_SIZE) {
		uint32_t n = count - devid, i;

		if (n > CDQ_PAGE / AMD_CQ_DTE_SIZE)
			n = CDQ_PAGE / AMD_CQ_DTE_SIZE;
		err = cdq_mem_read(mem, out->table + (uint64_t)devid * AMD_CQ_DTE_SIZE,
				   page, n * AMD_CQ_DTE_SIZE);
		if (err) {
			err = cdq_push_absent(out, &acap, (uint16_t)devid,
					      (uint16_t)(devid + n - 1), err);
			if (err)
				return err;
			continue;
		}
		for (i = 0; i < n; i++) {
			const uint8_t *raw = page + i * AMD_CQ_DTE_SIZE;
			uint16_t sid = (uint16_t)(devid + i);
			struct cdq_amd_dte dte;
			struct cdq_dev d;
			bool r, w;

			cdq_amd_dte_decode(raw, &dte);
			memset(&d, 0, sizeof(d));
			d.sid = sid;
			d.xlat = (uint8_t)cdq_amd_dte_access(&dte, &r, &w);
			d.read = r ? CDQ_PERM_YES : CDQ_PERM_NO;
			d.write = w ? CDQ_PERM_YES : CDQ_PERM_NO;
			d.changed = cdq_changed(out->changed, sid);
			d.valid = dte.v;
			d.domain = dte.domain;
			d.levels = (uint8_t)(dte.v && dte.tv && dte.mode != 7 ?
					     dte.mode : 0);
			d.table = dte.root;
			d.raw[0] = cdq_le64(raw);
			d.raw[1] = cdq_le64(raw + 8);
			d.iotlb = dte.iotlb;
			out->nr_entries++;
			if (!dte.v) {
				out->nr_v0++;
				if (!all && !d.changed)
					continue;
			} else if (dte.tv && !dte.mode && !dte.ir && !dte.iw &&
				   !dte.domain && !d.changed) {
				out->nr_default++;
				if (!all)
					continue;
			}
			err = cdq_push_dev(out, &dcap, &d);
			if (err)
				return err;
		}
	}
	if (count < AMD_CQ_NR_IDS)
		out->nr_changed_missing = cdq_count_changed(out->changed, count,
							    AMD_CQ_NR_IDS - 1);
	return 0;
}

/* A small memo of top-level tables already read in this walk. */
struct cdq_top_memo {
	uint64_t phys[64];
	struct cdq_vtd_sl_top top[64];
	bool ok[64];
	unsigned int n, next;
};

static const struct cdq_vtd_sl_top *cdq_top_get(const struct cdq_mem *mem,
						struct cdq_top_memo *m,
						uint64_t phys)
{
	uint8_t page[CDQ_PAGE];
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->phys[i] == phys)
			return m->ok[i] ? &m->top[i] : NULL;
	i = m->next;
	m->next = (m->next + 1) % 64;
	if (m->n < 64)
		m->n++;
	m->phys[i] = phys;
	m->ok[i] = !cdq_mem_read(mem, phys, page, CDQ_PAGE);
	if (m->ok[i])
		cdq_vtd_sl_top_decode(page, &m->top[i]);
	return m->ok[i] ? &m->top[i] : NULL;
}

static int cdq_walk_vtd(const struct cdq_mem *mem, struct cdq_iommu *out)
{
	uint8_t root[CDQ_PAGE], ctx[CDQ_PAGE];
	size_t dcap = 0, acap = 0;
	struct cdq_top_memo *memo;
	unsigned int bus, devfn;
	int err;

	err = cdq_mem_read(mem, out->table, root, CDQ_PAGE);
	if (err) {
		out->error = err;
		return 0;
	}
	memo = calloc(1, sizeof(*memo));
	out->roots = calloc(VTD_CQ_ROOT_ENTRIES, sizeof(*out->roots));
	if (!memo || !out->roots) {
		free(memo);
		return -CDQ_E_NOMEM;
	}
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++) {
		struct cdq_vtd_root re;
		uint16_t first = (uint16_t)(bus << 8);

		cdq_vtd_root_decode(root + 16 * bus, &re);
		out->roots[bus] = re;
		if (!re.present) {
			out->nr_changed_missing +=
				cdq_count_changed(out->changed, first, first + 0xffu);
			continue;
		}
		out->nr_root_present++;
		if (re.reserved) {
			/* The hardware faults every request of this bus. */
			out->nr_bad_root++;
			out->nr_changed_missing +=
				cdq_count_changed(out->changed, first, first + 0xffu);
			continue;
		}
		err = cdq_mem_read(mem, re.ctp, ctx, CDQ_PAGE);
		if (err) {
			err = cdq_push_absent(out, &acap, first,
					      (uint16_t)(first + 0xff), err);
			if (err)
				goto out;
			continue;
		}
		for (devfn = 0; devfn < VTD_CQ_CTX_ENTRIES; devfn++) {
			const uint8_t *raw = ctx + 16 * devfn;
			const struct cdq_vtd_sl_top *top = NULL;
			struct cdq_vtd_ctx ce;
			enum cdq_perm r, w;
			struct cdq_dev d;

			cdq_vtd_ctx_decode(raw, &ce);
			memset(&d, 0, sizeof(d));
			d.sid = (uint16_t)(first | devfn);
			d.changed = cdq_changed(out->changed, d.sid);
			if (!ce.present) {
				out->nr_changed_missing += d.changed;
				continue;
			}
			out->nr_entries++;
			if (!ce.reserved && (ce.tt == VTD_CQ_CTX_TT_TRANSLATED ||
					     ce.tt == VTD_CQ_CTX_TT_DEV_TLB)) {
				top = cdq_top_get(mem, memo, ce.slptptr);
				d.top_ok = top != NULL;
				if (top)
					d.top = *top;
			}
			d.xlat = (uint8_t)cdq_vtd_ctx_access(&ce, top, &r, &w);
			d.read = (uint8_t)r;
			d.write = (uint8_t)w;
			d.valid = true;
			d.domain = ce.did;
			d.levels = (uint8_t)(d.xlat == CDQ_XLAT_PAGING ||
					     d.xlat == CDQ_XLAT_PAGING_ATS ?
					     ce.aw + 2 : 0);
			d.table = ce.slptptr;
			d.raw[0] = cdq_le64(raw);
			d.raw[1] = cdq_le64(raw + 8);
			d.fpd = ce.fpd;
			d.iotlb = ce.tt == VTD_CQ_CTX_TT_DEV_TLB;
			err = cdq_push_dev(out, &dcap, &d);
			if (err)
				goto out;
		}
	}
out:
	free(memo);
	return err;
}

int cdq_walk_iommu(const struct cdq_mem *mem,
		   const struct crash_dma_quiesce_record *rec,
		   unsigned int index, uint64_t table, uint32_t table_size,
		   bool all, struct cdq_iommu *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->index = index;
	out->rec = rec;
	out->table_from_record = !table;
	out->table = table ? table : rec->root_phys;
	if (rec->vendor == CRASH_DMA_QUIESCE_AMD) {
		out->table_size = table ? table_size : rec->root_size;
		if (!out->table_size)
			out->table_size = AMD_CQ_NR_IDS * AMD_CQ_DTE_SIZE;
		if (out->table_size > AMD_CQ_NR_IDS * AMD_CQ_DTE_SIZE)
			out->table_size = AMD_CQ_NR_IDS * AMD_CQ_DTE_SIZE;
	} else if (rec->vendor == CRASH_DMA_QUIESCE_INTEL) {
		out->table_size = CDQ_PAGE;
	} else {
		return -CDQ_E_INVAL;
	}
	out->changed = malloc(CRASH_DMA_QUIESCE_MAP_WORDS * sizeof(uint64_t));
	if (!out->changed)
		return -CDQ_E_NOMEM;
	out->changed_err = cdq_changed_read(mem, rec, out->changed,
					    out->changed_lost,
					    &out->nr_changed_lost);
	if (rec->magic != CRASH_DMA_QUIESCE_MAGIC || !out->table) {
		out->error = -CDQ_E_RECORD;
		return 0;
	}
	if (out->table % CDQ_PAGE) {
		out->error = -CDQ_E_OUTSIDE;
		return 0;
	}
	if (rec->vendor == CRASH_DMA_QUIESCE_AMD)
		err = cdq_walk_amd(mem, out, all);
	else if (rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE)
		err = cdq_walk_vtd_sm(mem, out);
	else
		err = cdq_walk_vtd(mem, out);
	if (err)
		cdq_iommu_free(out);
	return err;
}

void cdq_iommu_free(struct cdq_iommu *iommu)
{
	free(iommu->devs);
	free(iommu->absent);
	free(iommu->roots);
	free(iommu->changed);
	iommu->changed = NULL;
	iommu->roots = NULL;
	iommu->devs = NULL;
	iommu->absent = NULL;
	iommu->nr_devs = 0;
	iommu->nr_absent = 0;
	iommu->nr_changed_lost = 0;
}

