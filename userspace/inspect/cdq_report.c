// SPDX-License-Identifier: GPL-2.0
/*
 * cdq_report: report of the crash-path IOMMU quiesce found in a dump.
 * Interface: cdq_report.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cdq_report.h"

int cdq_report_build(const char *text, size_t len, const struct cdq_mem *mem,
		     const struct cdq_options *opt, struct cdq_report *rep)
{
	static const struct cdq_options none;
	unsigned int i;
	int err;

	if (!opt)
		opt = &none;
	memset(rep, 0, sizeof(*rep));
	cdq_vmcoreinfo_parse(text, len, &rep->vi);
	if (!len || !text) {
		rep->error = -CDQ_E_VMCOREINFO;
		rep->why = "the dump has no vmcoreinfo";
		return 0;
	}
	err = cdq_layout_get(&rep->vi, &rep->layout, &rep->why);
	if (err) {
		rep->error = err;
		return 0;
	}
	err = cdq_kvaddr_to_phys(&rep->vi, rep->vi.symbol, &rep->info_phys);
	if (err) {
		rep->error = err;
		rep->why = rep->vi.has_phys_base ?
			   "SYMBOL(crash_dma_quiesce_info) is not a kernel image address" :
			   "vmcoreinfo has no NUMBER(phys_base)";
		return 0;
	}
	rep->info = calloc(1, sizeof(*rep->info));
	if (!rep->info)
		return -CDQ_E_NOMEM;
	err = cdq_info_read(mem, rep->info_phys, &rep->layout, rep->info);
	if (err == -CDQ_E_NOMEM) {
		cdq_report_free(rep);
		return err;
	}
	if (err) {
		rep->error = err;
		rep->why = err == -CDQ_E_RECORD ?
			   "crash_dma_quiesce_info has a bad magic or record count" :
			   "crash_dma_quiesce_info could not be read from the dump";
		free(rep->info);
		rep->info = NULL;
		return 0;
	}
	for (i = 0; i < rep->info->nr_records; i++) {
		const struct crash_dma_quiesce_record *r = &rep->info->records[i];
		struct cdq_iommu *io = &rep->iommu[i];

		err = cdq_walk_iommu(mem, r, i,
				     opt->table_set[i] ? opt->table_phys[i] : 0,
				     opt->table_set[i] ? opt->table_size[i] : 0,
				     opt->all, io);
		if (err == -CDQ_E_INVAL) {
			/* Unknown vendor: keep the record, decode nothing. */
			memset(io, 0, sizeof(*io));
			io->index = i;
			io->rec = r;
			io->error = -CDQ_E_RECORD;
		} else if (err) {
			rep->nr_iommu = i;
			cdq_report_free(rep);
			return err;
		}
		rep->nr_iommu = i + 1;
	}
	return 0;
}

void cdq_report_free(struct cdq_report *rep)
{
	unsigned int i;

	for (i = 0; i < rep->nr_iommu; i++)
		cdq_iommu_free(&rep->iommu[i]);
	rep->nr_iommu = 0;
	free(rep->info);
	rep->info = NULL;
}

const char *cdq_bdf(uint16_t sid, char buf[8])
{
	snprintf(buf, 8, "%02x:%02x.%x", (unsigned int)(sid >> 8),
		 (unsigned int)(sid >> 3) & 0x1f, (unsigned int)sid & 7);
	return buf;
}

static bool cdq_translation_off(const struct crash_dma_quiesce_record *r)
{
	return r->state == CRASH_DMA_QUIESCE_TRANSLATION_OFF ||
	       r->state == CRASH_DMA_QUIESCE_DISABLED;
}

enum cdq_verdict cdq_report_verdict(const struct cdq_report *rep,
				    const char **why)
{
	enum cdq_verdict v = CDQ_PASS;
	const char *dummy;
	unsigned int i;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (rep->error || !rep->info) {
		*why = "no usable record";
		return CDQ_UNKNOWN;
	}
	if (!rep->nr_iommu) {
		*why = "the record lists no IOMMU";
		return CDQ_UNKNOWN;
	}
	for (i = 0; i < rep->nr_iommu; i++) {
		const struct cdq_iommu *io = &rep->iommu[i];

		if (cdq_translation_off(io->rec)) {
			*why = "translation was off: DMA passes unchecked";
			return CDQ_FAIL;
		}
		if (io->nr_write) {
			*why = "devices kept DMA write permission";
			return CDQ_FAIL;
		}
		if (io->error) {
			*why = io->error == -CDQ_E_RECORD ?
			       "no table address for an IOMMU (give --table)" :
			       "an IOMMU's table is not in the dump";
			v = CDQ_UNKNOWN;
		} else if (io->nr_unknown || io->nr_absent) {
			*why = "some tables are not in the dump";
			v = CDQ_UNKNOWN;
		}
	}
	if (v == CDQ_PASS && rep->info->nr_unregistered) {
		*why = "some IOMMUs were not registered: their tables are not known";
		v = CDQ_UNKNOWN;
	}
	return v;
}

static const char *cdq_perm_char(uint8_t p, char yes)
{
	static char s[2][2];
	static unsigned int k;
	char *b = s[k++ % 2];

	b[0] = p == CDQ_PERM_YES ? yes : p == CDQ_PERM_NO ? '-' : '?';
	b[1] = 0;
	return b;
}

static void cdq_flags_text(char *buf, size_t n, uint32_t flags)
{
	static const char *const names[] = {
		"qi", "inv-all", "dry-run", "identity", "ats-off", "cwwb",
		"flushed", "scalable", "early", "early-busy",
	};
	size_t used = 0;
	unsigned int b;

	buf[0] = 0;
	for (b = 0; b < 32; b++) {
		const char *name = b < sizeof(names) / sizeof(names[0]) ?
				   names[b] : NULL;
		int w;

		if (!(flags & (1u << b)))
			continue;
		if (name)
			w = snprintf(buf + used, n - used, "%s%s", used ? "," : "", name);
		else
			w = snprintf(buf + used, n - used, "%sbit%u", used ? "," : "", b);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

static void cdq_us_text(char *buf, size_t n, uint64_t cycles, uint32_t khz)
{
	int64_t us = cdq_cycles_to_us(cycles, khz);

	if (us < 0)
		snprintf(buf, n, "? us");
	else
		snprintf(buf, n, "%" PRId64 " us", us);
}

/* Where the crash path sits in native_machine_crash_shutdown(). */
static void cdq_human_shutdown(FILE *f, const struct crash_dma_quiesce_info *info)
{
	uint64_t sd = cdq_shutdown_cycles(info);
	char us[32];

	if (!sd) {
		fprintf(f, "crash shutdown: %s\n", info->shutdown_begin ?
			"TSC stamps out of order, not used" : "not stamped");
		return;
	}
	cdq_us_text(us, sizeof(us), sd, info->tsc_khz);
	fprintf(f, "crash shutdown: %" PRIu64 " cycles (%s); ", sd, us);
	if (info->ran)
		fprintf(f, "crash path %.4f of it, with its log lines %.4f",
			(double)info->total_cycles / (double)sd,
			(double)(info->quiesce_end - info->quiesce_begin) /
			(double)sd);
	else
		fprintf(f, "crash path did not run");
	fprintf(f, "; other CPUs stopped after %" PRIu64 " cycles\n",
		info->quiesce_begin - info->shutdown_begin);
}

static const char *cdq_quiesce_text(const struct cdq_iommu *io,
				    const struct cdq_dev *d)
{
	bool dry = io->rec->flags & CRASH_DMA_QUIESCE_F_DRY_RUN;

	/* Scalable mode: a device is changed when one PASID entry was. */
	if (d->valid && d->write == CDQ_PERM_YES)
		return "KEPT WRITE";
	if (!d->changed && cdq_changed_lost(io, d->sid))
		return "?";
	if (!d->changed)
		return "-";
	return dry ? "would revoke" : "revoked";
}

/* Scalable mode: one row per PASID entry. */
static void cdq_human_sm_devs(FILE *f, const struct cdq_iommu *io)
{
	char bdf[8], xl[24], pasid[16];
	size_t i;

	fprintf(f, "  %-8s %-10s %-6s %-15s %-2s %-2s %-3s %s\n", "BDF", "PASID",
		"domain", "translation", "R", "W", "ats", "quiesce");
	for (i = 0; i < io->nr_devs; i++) {
		const struct cdq_dev *d = &io->devs[i];

		if (d->levels)
			snprintf(xl, sizeof(xl), "%s/%u", cdq_xlat_name(d->xlat),
				 d->levels);
		else
			snprintf(xl, sizeof(xl), "%s", cdq_xlat_name(d->xlat));
		snprintf(pasid, sizeof(pasid), "%" PRIu32 "%s", d->pasid,
			 d->rid_pasid ? " (rid)" : "");
		fprintf(f, "  %-8s %-10s %-6u %-15s %-2s %-2s %-3s %s\n",
			cdq_bdf(d->sid, bdf), pasid, d->domain, xl,
			cdq_perm_char(d->read, 'R'), cdq_perm_char(d->write, 'W'),
			d->iotlb ? "dte" : "-", cdq_quiesce_text(io, d));
	}
}

static void cdq_human_iommu(FILE *f, const struct cdq_report *rep,
			    const struct cdq_iommu *io)
{
	const struct crash_dma_quiesce_record *r = io->rec;
	bool amd = r->vendor == CRASH_DMA_QUIESCE_AMD;
	char flags[128], us[32], bdf[8], bdf2[8];
	size_t i;

	fprintf(f, "\nIOMMU %u: %s, mmio 0x%" PRIx64 ", %s ",
		io->index, cdq_vendor_name(r->vendor), r->mmio_phys,
		amd ? "device table" : "root table");
	if (io->table)
		fprintf(f, "0x%" PRIx64, io->table);
	else
		fprintf(f, "unknown");
	if (amd && io->table)
		fprintf(f, " (%" PRIu32 " bytes, %" PRIu32 " DTEs)",
			io->table_size, io->table_size / 32);
	fprintf(f, "%s\n", io->table_from_record ? "" : " [from --table]");
	cdq_us_text(us, sizeof(us), r->cycles, rep->info->tsc_khz);
	fprintf(f, "  state %s; invalidation %s; %" PRIu32 " of %" PRIu32
		" entries changed (%" PRIu32 " blocked, reads too), %" PRIu32
		" rejected",
		cdq_state_name(r->state), cdq_inval_name(r->inval),
		r->entries_changed, r->entries_scanned, r->entries_blocked,
		r->entries_rejected);
	if (!amd)
		fprintf(f, ", %" PRIu32 " tables", r->tables_changed);
	fprintf(f, "; %" PRIu32 " domains, %" PRIu32 " commands; %" PRIu64
		" cycles (%s)\n", r->domains_invalidated, r->commands,
		r->cycles, us);
	if (r->magic != CRASH_DMA_QUIESCE_MAGIC)
		fprintf(f, "  record magic 0x%" PRIx32 " is wrong\n", r->magic);
	cdq_flags_text(flags, sizeof(flags), r->flags);
	if (flags[0])
		fprintf(f, "  flags: %s\n", flags);
	if (io->error) {
		if (io->error == -CDQ_E_RECORD)
			fprintf(f, "  tables: no table address in the record%s\n",
				r->mode == CRASH_DMA_QUIESCE_OFF || rep->info->mode ==
				CRASH_DMA_QUIESCE_OFF ?
				" (mode off: the crash path did not read the registers; give --table)" :
				"");
		else
			fprintf(f, "  tables: %s at 0x%" PRIx64 "\n",
				cdq_strerror(io->error), io->table);
		return;
	}
	if (io->nr_devs && io->scalable) {
		cdq_human_sm_devs(f, io);
	} else if (io->nr_devs) {
		fprintf(f, "  %-8s %-6s %-12s %-2s %-2s %s\n", "BDF",
			"domain", "translation", "R", "W", "quiesce");
		for (i = 0; i < io->nr_devs; i++) {
			const struct cdq_dev *d = &io->devs[i];
			char xl[24];

			if (d->levels)
				snprintf(xl, sizeof(xl), "%s/%u",
					 cdq_xlat_name(d->xlat), d->levels);
			else
				snprintf(xl, sizeof(xl), "%s",
					 cdq_xlat_name(d->xlat));
			fprintf(f, "  %-8s %-6u %-12s %-2s %-2s %s\n",
				cdq_bdf(d->sid, bdf), d->domain, xl,
				cdq_perm_char(d->read, 'R'),
				cdq_perm_char(d->write, 'W'),
				cdq_quiesce_text(io, d));
		}
	} else {
		fprintf(f, "  no device entries\n");
	}
	if (amd && (io->nr_default || io->nr_v0))
		fprintf(f, "  not listed: %" PRIu32 " DTEs blocked (V=1 TV=1 Mode 0, no permission), %"
			PRIu32 " DTEs V=0 (not used by the quiesce)\n",
			io->nr_default, io->nr_v0);
	if (!amd) {
		unsigned int bus, n = 0;

		fprintf(f, "  %" PRIu32 " present context entries", io->nr_entries);
		if (io->scalable)
			fprintf(f, ", %" PRIu32 " present PASID entries (scalable mode)",
				io->nr_pasid);
		fprintf(f, "; root entries:");
		for (bus = 0; io->roots && bus < 256; bus++) {
			const struct cdq_vtd_root *re = &io->roots[bus];

			if (re->present)
				fprintf(f, "%s bus %02x%s -> 0x%" PRIx64,
					n++ ? "," : "", bus,
					io->scalable ? " lower" : "", re->ctp);
			if (io->scalable && re->upresent)
				fprintf(f, "%s bus %02x upper -> 0x%" PRIx64,
					n++ ? "," : "", bus, re->uctp);
			if ((re->present || re->upresent) && re->reserved)
				fprintf(f, " (reserved bits set)");
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < io->nr_absent; i++) {
		const struct cdq_range *a = &io->absent[i];

		fprintf(f, "  %s: %s-%s (%u %s)\n", cdq_strerror(a->err),
			cdq_bdf(a->first, bdf), cdq_bdf(a->last, bdf2),
			a->last - a->first + 1u, amd ? "DTEs" : "source ids");
	}
	if (io->nr_changed_missing)
		fprintf(f, "  %" PRIu32 " changed source ids have no entry in the table\n",
			io->nr_changed_missing);
	for (i = 0; i < io->nr_changed_lost; i++) {
		const struct cdq_range *a = &io->changed_lost[i];

		fprintf(f, "  changed bitmap at 0x%" PRIx64 ": source ids %s-%s: %s (shown as \"?\")\n",
			r->changed_phys, cdq_bdf(a->first, bdf),
			cdq_bdf(a->last, bdf2), cdq_strerror(a->err));
	}
}

void cdq_report_human(FILE *f, const struct cdq_report *rep, bool check)
{
	const struct crash_dma_quiesce_info *info = rep->info;
	const char *why;
	enum cdq_verdict v;
	char us[32], bdf[8];
	unsigned int i;
	size_t k;

	if (rep->source)
		fprintf(f, "dump: %s%s%s%s, kernel %s\n", rep->source,
			rep->format ? " (" : "", rep->format ? rep->format : "",
			rep->format ? ")" : "",
			rep->vi.osrelease[0] ? rep->vi.osrelease : "?");
	if (rep->error) {
		fprintf(f, "%s: %s\n", cdq_strerror(rep->error),
			rep->why ? rep->why : "");
		return;
	}
	cdq_us_text(us, sizeof(us), info->total_cycles, info->tsc_khz);
	fprintf(f, "record: version %u, mode %s, crash path %s, %" PRIu32
		" IOMMU%s, %" PRIu64 " cycles (%s), budget %" PRIu32 " us, TSC %"
		PRIu32 " kHz\n", info->version,
		cdq_mode_name(info->mode), info->ran ? "ran" : "did not run",
		info->nr_records, info->nr_records == 1 ? "" : "s",
		info->total_cycles, us, info->budget_us, info->tsc_khz);
	cdq_human_shutdown(f, info);
	if (info->nr_unregistered)
		fprintf(f, "not handled: %" PRIu32 " IOMMU%s not registered at boot (no memory)\n",
			info->nr_unregistered, info->nr_unregistered == 1 ? "" : "s");
	if (info->early_units)
		fprintf(f, "early pass at panic entry: %" PRIu32 " of %" PRIu32 " IOMMU%s\n",
			info->early_units, info->nr_records,
			info->nr_records == 1 ? "" : "s");
	if (info->cpus_running)
		fprintf(f, "warning: %" PRIu32 " other CPU%s had not stopped when the crash path ran\n",
			info->cpus_running, info->cpus_running == 1 ? "" : "s");
	if (rep->vi.truncated || rep->layout.from_vmcoreinfo < CDQ_NR_FIELDS)
		fprintf(f, "layout: %u of %u offsets from vmcoreinfo, the rest built in%s\n",
			rep->layout.from_vmcoreinfo, CDQ_NR_FIELDS,
			rep->vi.truncated ?
			" (vmcoreinfo is truncated at 4096 bytes)" : "");
	for (i = 0; i < rep->nr_iommu; i++)
		cdq_human_iommu(f, rep, &rep->iommu[i]);
	if (!check)
		return;
	v = cdq_report_verdict(rep, &why);
	fprintf(f, "\ncheck: %s", v == CDQ_PASS ? "PASS: no device kept DMA write permission" :
		v == CDQ_FAIL ? "FAIL: " : "UNKNOWN: ");
	if (v != CDQ_PASS)
		fprintf(f, "%s", why);
	fprintf(f, "\n");
	for (i = 0; v == CDQ_FAIL && i < rep->nr_iommu; i++) {
		const struct cdq_iommu *io = &rep->iommu[i];

		for (k = 0; k < io->nr_devs; k++)
			if (io->devs[k].valid && io->devs[k].write == CDQ_PERM_YES &&
			    io->devs[k].sm)
				fprintf(f, "  kept write: %s PASID %" PRIu32 " (IOMMU %u, %s)\n",
					cdq_bdf(io->devs[k].sid, bdf),
					io->devs[k].pasid, i,
					cdq_xlat_name(io->devs[k].xlat));
			else if (io->devs[k].valid && io->devs[k].write == CDQ_PERM_YES)
				fprintf(f, "  kept write: %s (IOMMU %u, %s)\n",
					cdq_bdf(io->devs[k].sid, bdf), i,
					cdq_xlat_name(io->devs[k].xlat));
	}
}

/* --- JSON ----------------------------------------------------------------- */

/* A JSON string, or null for NULL. */
static void cdq_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void cdq_json_hex(FILE *f, uint64_t v)
{
	fprintf(f, "\"0x%" PRIx64 "\"", v);
}

static const char *cdq_perm_json(uint8_t p)
{
	return p == CDQ_PERM_YES ? "true" : p == CDQ_PERM_NO ? "false" : "null";
}

/* Scalable mode: the context and PASID entry of a row (VT-d 9.4, 9.6). */
static void cdq_json_sm_dev(FILE *f, const struct cdq_dev *d)
{
	fprintf(f, ",\"pasid\":%" PRIu32 ",\"rid_pasid\":%s,\"pgtt\":%u,"
		"\"context\":{\"p\":1,\"dte\":%u,\"paside\":%u,\"pre\":%u,"
		"\"pdts\":%u,\"rid_pasid\":%u,\"q0\":", d->pasid,
		d->rid_pasid ? "true" : "false", d->pgtt,
		(unsigned int)(d->raw[0] >> 2 & 1), (unsigned int)(d->raw[0] >> 3 & 1),
		(unsigned int)(d->raw[0] >> 4 & 1), (unsigned int)(d->raw[0] >> 9 & 7),
		(unsigned int)(d->raw[1] & 0xfffff));
	cdq_json_hex(f, d->raw[0]);
	fprintf(f, ",\"q1\":");
	cdq_json_hex(f, d->raw[1]);
	fprintf(f, "}");
	if (!(d->pe[0] & 1)) {	/* a device-level row: no PASID entry */
		fprintf(f, ",\"pasid_entry\":null");
		return;
	}
	fprintf(f, ",\"pasid_entry\":{\"fpd\":%u,\"aw\":%u,\"did\":%u,"
		"\"sre\":%u,\"wpe\":%u,\"q0\":", d->fpd ? 1u : 0u,
		(unsigned int)(d->pe[0] >> 2 & 7), d->domain,
		(unsigned int)(d->pe[2] & 1), (unsigned int)(d->pe[2] >> 4 & 1));
	cdq_json_hex(f, d->pe[0]);
	fprintf(f, ",\"q1\":");
	cdq_json_hex(f, d->pe[1]);
	fprintf(f, ",\"q2\":");
	cdq_json_hex(f, d->pe[2]);
	fprintf(f, "}");
	if (d->top_ok)
		fprintf(f, ",\"top_level\":{\"present\":%u,\"readable\":%u,"
			"\"writable\":%u}", d->top.present, d->top.readable,
			d->top.writable);
	else if (d->levels)
		fprintf(f, ",\"top_level\":null");
}

static void cdq_json_dev(FILE *f, const struct cdq_iommu *io,
			 const struct cdq_dev *d)
{
	bool amd = io->rec->vendor == CRASH_DMA_QUIESCE_AMD;
	char bdf[8];

	fprintf(f, "{\"bdf\":\"%s\",\"sid\":%u,\"valid\":%s,\"domain\":%u,"
		"\"translation\":\"%s\",\"levels\":%u,\"read\":%s,\"write\":%s,"
		"\"changed\":%s,\"table\":", cdq_bdf(d->sid, bdf), d->sid,
		d->valid ? "true" : "false", d->domain, cdq_xlat_name(d->xlat),
		d->levels, cdq_perm_json(d->read), cdq_perm_json(d->write),
		d->changed ? "true" :
		cdq_changed_lost(io, d->sid) ? "null" : "false");
	cdq_json_hex(f, d->table);
	if (amd) {
		fprintf(f, ",\"dte\":{\"v\":%u,\"tv\":%u,\"mode\":%u,\"ir\":%u,"
			"\"iw\":%u,\"i\":%u,\"w0\":",
			(unsigned int)(d->raw[0] & 1), (unsigned int)(d->raw[0] >> 1 & 1),
			(unsigned int)(d->raw[0] >> 9 & 7),
			(unsigned int)(d->raw[0] >> 61 & 1),
			(unsigned int)(d->raw[0] >> 62 & 1), d->iotlb ? 1u : 0u);
		cdq_json_hex(f, d->raw[0]);
		fprintf(f, ",\"w1\":");
		cdq_json_hex(f, d->raw[1]);
		fprintf(f, "}");
	} else if (d->sm) {
		cdq_json_sm_dev(f, d);
	} else {
		fprintf(f, ",\"context\":{\"p\":1,\"fpd\":%u,\"tt\":%u,\"aw\":%u,"
			"\"did\":%u,\"lo\":", d->fpd ? 1u : 0u,
			(unsigned int)(d->raw[0] >> 2 & 3),
			(unsigned int)(d->raw[1] & 7), d->domain);
		cdq_json_hex(f, d->raw[0]);
		fprintf(f, ",\"hi\":");
		cdq_json_hex(f, d->raw[1]);
		fprintf(f, "}");
		if (d->top_ok)
			fprintf(f, ",\"top_level\":{\"present\":%u,\"readable\":%u,"
				"\"writable\":%u}", d->top.present,
				d->top.readable, d->top.writable);
		else if (d->xlat == CDQ_XLAT_PAGING || d->xlat == CDQ_XLAT_PAGING_ATS)
			fprintf(f, ",\"top_level\":null");
	}
	fprintf(f, "}");
}

static void cdq_json_iommu(FILE *f, const struct cdq_report *rep,
			   const struct cdq_iommu *io)
{
	const struct crash_dma_quiesce_record *r = io->rec;
	char flags[128], bdf[8];
	int64_t us = cdq_cycles_to_us(r->cycles, rep->info->tsc_khz);
	size_t i, k;

	cdq_flags_text(flags, sizeof(flags), r->flags);
	fprintf(f, "{\"index\":%u,\"vendor\":\"%s\",\"magic_ok\":%s,\"mmio\":",
		io->index, r->vendor == CRASH_DMA_QUIESCE_AMD ? "amd" :
		r->vendor == CRASH_DMA_QUIESCE_INTEL ? "intel" : "?",
		r->magic == CRASH_DMA_QUIESCE_MAGIC ? "true" : "false");
	cdq_json_hex(f, r->mmio_phys);
	fprintf(f, ",\"record_table\":");
	cdq_json_hex(f, r->root_phys);
	fprintf(f, ",\"record_table_size\":%" PRIu32 ",\"table\":", r->root_size);
	cdq_json_hex(f, io->table);
	fprintf(f, ",\"table_size\":%" PRIu32 ",\"table_from_record\":%s,"
		"\"state\":\"%s\",\"state_code\":%u,\"inval\":\"%s\",\"inval_code\":%u,"
		"\"mode\":\"%s\",\"flags\":\"%s\",\"entries_scanned\":%" PRIu32
		",\"entries_changed\":%" PRIu32 ",\"entries_blocked\":%" PRIu32
		",\"entries_rejected\":%" PRIu32
		",\"tables_changed\":%" PRIu32 ",\"domains_invalidated\":%" PRIu32
		",\"commands\":%" PRIu32 ",\"cycles\":%" PRIu64 ",\"us\":",
		io->table_size, io->table_from_record ? "true" : "false",
		cdq_state_name(r->state), r->state, cdq_inval_name(r->inval),
		r->inval, cdq_mode_name(r->mode), flags, r->entries_scanned,
		r->entries_changed, r->entries_blocked, r->entries_rejected,
		r->tables_changed,
		r->domains_invalidated, r->commands, r->cycles);
	if (us < 0)
		fprintf(f, "null");
	else
		fprintf(f, "%" PRId64, us);
	fprintf(f, ",\"error\":");
	if (io->error)
		cdq_json_str(f, cdq_strerror(io->error));
	else
		fprintf(f, "null");
	fprintf(f, ",\"entries\":%" PRIu32 ",\"default_blocked\":%" PRIu32
		",\"v0\":%" PRIu32 ",\"root_present\":%" PRIu32
		",\"root_reserved\":%" PRIu32 ",\"write\":%" PRIu32
		",\"write_unknown\":%" PRIu32 ",\"changed_missing\":%" PRIu32
		",\"scalable\":%s,\"pasid_entries\":%" PRIu32
		",\"changed_bitmap\":", io->nr_entries, io->nr_default, io->nr_v0,
		io->nr_root_present, io->nr_bad_root, io->nr_write,
		io->nr_unknown, io->nr_changed_missing,
		io->scalable ? "true" : "false", io->nr_pasid);
	cdq_json_hex(f, r->changed_phys);
	fprintf(f, ",\"changed_error\":");
	if (io->changed_err)
		cdq_json_str(f, cdq_strerror(io->changed_err));
	else
		fprintf(f, "null");
	fprintf(f, ",\"changed_lost\":[");
	for (i = 0; i < io->nr_changed_lost; i++)
		fprintf(f, "%s[%u,%u]", i ? "," : "",
			io->changed_lost[i].first, io->changed_lost[i].last);
	fprintf(f, "]");
	fprintf(f, ",\"devices\":[");
	for (i = 0; i < io->nr_devs; i++) {
		if (i)
			fputc(',', f);
		cdq_json_dev(f, io, &io->devs[i]);
	}
	fprintf(f, "],\"root_entries\":[");
	for (i = 0, k = 0; io->roots && i < 256; i++) {
		if (!io->roots[i].present && !io->roots[i].upresent)
			continue;
		fprintf(f, "%s{\"bus\":%zu,\"ctp\":", k++ ? "," : "", i);
		cdq_json_hex(f, io->roots[i].ctp);
		if (io->scalable) {
			fprintf(f, ",\"upper_present\":%s,\"uctp\":",
				io->roots[i].upresent ? "true" : "false");
			cdq_json_hex(f, io->roots[i].uctp);
		}
		fprintf(f, ",\"reserved\":%s}",
			io->roots[i].reserved ? "true" : "false");
	}
	fprintf(f, "],\"not_in_dump\":[");
	for (i = 0; i < io->nr_absent; i++) {
		const struct cdq_range *a = &io->absent[i];

		fprintf(f, "%s{\"first\":\"%s\",", i ? "," : "",
			cdq_bdf(a->first, bdf));
		fprintf(f, "\"last\":\"%s\",\"reason\":", cdq_bdf(a->last, bdf));
		cdq_json_str(f, cdq_strerror(a->err));
		fprintf(f, "}");
	}
	fprintf(f, "]}");
}

void cdq_report_json(FILE *f, const struct cdq_report *rep)
{
	const struct crash_dma_quiesce_info *info = rep->info;
	enum cdq_verdict v;
	const char *why;
	bool first = true;
	char bdf[8];
	unsigned int i;
	size_t k;

	fprintf(f, "{\"source\":");
	cdq_json_str(f, rep->source);
	fprintf(f, ",\"format\":");
	cdq_json_str(f, rep->format);
	fprintf(f, ",\"osrelease\":");
	cdq_json_str(f, rep->vi.osrelease);
	fprintf(f, ",\"error\":");
	if (rep->error) {
		fprintf(f, "{\"code\":%d,\"text\":", -rep->error);
		cdq_json_str(f, cdq_strerror(rep->error));
		fprintf(f, ",\"why\":");
		cdq_json_str(f, rep->why);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\"vmcoreinfo\":{\"bytes\":%zu,\"truncated\":%s,"
		"\"offsets_from_vmcoreinfo\":%u,\"offsets_known\":%u}",
		rep->vi.len, rep->vi.truncated ? "true" : "false",
		rep->layout.from_vmcoreinfo, (unsigned int)CDQ_NR_FIELDS);
	fprintf(f, ",\"record\":");
	if (!info) {
		fprintf(f, "null,\"iommus\":[]");
	} else {
		int64_t us = cdq_cycles_to_us(info->total_cycles, info->tsc_khz);
		uint64_t sd;

		fprintf(f, "{\"address\":");
		cdq_json_hex(f, rep->info_phys);
		fprintf(f, ",\"version\":%u,\"mode\":\"%s\",\"ran\":%s,"
			"\"nr_records\":%" PRIu32 ",\"nr_unregistered\":%" PRIu32
			",\"cpus_running\":%" PRIu32 ",\"early_units\":%" PRIu32
			",\"budget_us\":%" PRIu32
			",\"tsc_khz\":%" PRIu32 ",\"total_cycles\":%" PRIu64
			",\"total_us\":", info->version,
			cdq_mode_name(info->mode), info->ran ? "true" : "false",
			info->nr_records, info->nr_unregistered,
			info->cpus_running, info->early_units, info->budget_us,
			info->tsc_khz,
			info->total_cycles);
		if (us < 0)
			fprintf(f, "null");
		else
			fprintf(f, "%" PRId64, us);
		fprintf(f, ",\"shutdown_begin\":%" PRIu64 ",\"quiesce_begin\":%"
			PRIu64 ",\"quiesce_end\":%" PRIu64 ",\"shutdown_end\":%"
			PRIu64 ",\"shutdown_cycles\":", info->shutdown_begin,
			info->quiesce_begin, info->quiesce_end, info->shutdown_end);
		sd = cdq_shutdown_cycles(info);
		if (sd)
			fprintf(f, "%" PRIu64 ",\"share\":%.6f}", sd,
				(double)info->total_cycles / (double)sd);
		else
			fprintf(f, "null,\"share\":null}");
		fprintf(f, ",\"iommus\":[");
		for (i = 0; i < rep->nr_iommu; i++) {
			if (i)
				fputc(',', f);
			cdq_json_iommu(f, rep, &rep->iommu[i]);
		}
		fprintf(f, "]");
	}
	v = cdq_report_verdict(rep, &why);
	fprintf(f, ",\"check\":{\"verdict\":\"%s\",\"why\":",
		v == CDQ_PASS ? "pass" : v == CDQ_FAIL ? "fail" : "unknown");
	cdq_json_str(f, why);
	fprintf(f, ",\"kept_write\":[");
	for (i = 0; i < rep->nr_iommu; i++) {
		const struct cdq_iommu *io = &rep->iommu[i];

		for (k = 0; k < io->nr_devs; k++) {
			if (!io->devs[k].valid || io->devs[k].write != CDQ_PERM_YES)
				continue;
			fprintf(f, "%s{\"iommu\":%u,\"bdf\":\"%s\"",
				first ? "" : ",", i, cdq_bdf(io->devs[k].sid, bdf));
			if (io->devs[k].sm)
				fprintf(f, ",\"pasid\":%" PRIu32, io->devs[k].pasid);
			fprintf(f, "}");
			first = false;
		}
	}
	fprintf(f, "]}}\n");
}
