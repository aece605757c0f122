/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cdq_report: from vmcoreinfo text and dump memory to a report of the
 * crash-path IOMMU quiesce (human text, JSON, and the --check verdict).
 * Pure code (writes to a FILE * it is given); see cdq_decode.h.
 */
#ifndef CDQ_REPORT_H
#define CDQ_REPORT_H

#include <stdio.h>

#include "cdq_decode.h"

/**
 * struct cdq_options - what the caller asks for
 * @all: list every AMD DTE (also V=0 and Linux's default blocked ones)
 * @table_set: per record index: use @table_phys / @table_size instead of
 *	the record's root_phys / root_size (for records without them, e.g.
 *	mode off, where the crash path did not read the IOMMU registers)
 * @table_phys: table address (AMD device table, VT-d root table)
 * @table_size: AMD device table bytes (0: 2 MiB, the largest)
 */
struct cdq_options {
	bool all;
	bool table_set[CRASH_DMA_QUIESCE_MAX_IOMMUS];
	uint64_t table_phys[CRASH_DMA_QUIESCE_MAX_IOMMUS];
	uint32_t table_size[CRASH_DMA_QUIESCE_MAX_IOMMUS];
};

/**
 * struct cdq_report - everything decoded from one dump
 * @source: name of the dump (for the output; may be NULL)
 * @format: dump format description (may be NULL)
 * @error: 0, or the reason the record could not be decoded (negative
 *	enum cdq_err): -CDQ_E_NOREC when the kernel has no record
 * @why: a static explanation of @error, or NULL
 * @vi: the parsed vmcoreinfo
 * @layout: the record layout used
 * @info_phys: physical address of crash_dma_quiesce_info
 * @info: the decoded record (heap), NULL when @error
 * @iommu: the decoded tables, one per record
 * @nr_iommu: number of valid @iommu
 */
struct cdq_report {
	const char *source;
	const char *format;
	int error;
	const char *why;
	struct cdq_vmcoreinfo vi;
	struct cdq_layout layout;
	uint64_t info_phys;
	struct crash_dma_quiesce_info *info;
	struct cdq_iommu iommu[CRASH_DMA_QUIESCE_MAX_IOMMUS];
	unsigned int nr_iommu;
};

/**
 * cdq_report_build() - decode everything
 * @text: vmcoreinfo text (need not be NUL-terminated)
 * @len: its length in bytes
 * @mem: the dump's physical memory
 * @opt: options (may be NULL)
 * @rep: out; @rep->source and @rep->format are left for the caller to set.
 *	Free with cdq_report_free().
 *
 * Decoding problems are recorded in @rep->error (record level) or in
 * the struct cdq_iommu entries (table level), not returned.
 *
 * Return: 0, or -CDQ_E_NOMEM.
 */
int cdq_report_build(const char *text, size_t len, const struct cdq_mem *mem,
		     const struct cdq_options *opt, struct cdq_report *rep);

/** cdq_report_free() - release what cdq_report_build() allocated */
void cdq_report_free(struct cdq_report *rep);

/** enum cdq_verdict - the answer of --check */
enum cdq_verdict {
	CDQ_PASS = 0,		/* no in-scope entry allows DMA writes */
	CDQ_FAIL = 1,		/* some device kept write permission */
	CDQ_UNKNOWN = 2,	/* could not tell (tables missing, no IOMMU) */
};

/**
 * cdq_report_verdict() - did any device keep DMA write permission?
 * @rep: a built report without @rep->error
 * @why: out (may be NULL): a static explanation of CDQ_UNKNOWN/CDQ_FAIL
 *
 * FAIL when an IOMMU's translation was off or turned off (state
 * "translation off" / "translation disabled": all DMA untranslated), or an
 * AMD DTE with V=1 or a present VT-d context entry allows writes. UNKNOWN
 * when there is no IOMMU, a record has no usable table address, or a
 * table page or second-level table is not in the dump.
 *
 * Return: the enum cdq_verdict.
 */
enum cdq_verdict cdq_report_verdict(const struct cdq_report *rep,
				    const char **why);

/**
 * cdq_report_human() - the short aligned text report
 * @f: output
 * @rep: the report
 * @check: also print the --check verdict and the devices that kept write
 */
void cdq_report_human(FILE *f, const struct cdq_report *rep, bool check);

/**
 * cdq_report_json() - the report as one JSON object
 * @f: output
 * @rep: the report
 *
 * Keys: "source", "format", "error", "vmcoreinfo", "record", "iommus"
 * (each with "devices" and "not_in_dump"), "check".
 */
void cdq_report_json(FILE *f, const struct cdq_report *rep);

/** cdq_bdf() - format a source id as "bb:dd.f" into @buf (8 bytes) */
const char *cdq_bdf(uint16_t sid, char buf[8]);

#endif /* CDQ_REPORT_H */
