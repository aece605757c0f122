// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the dump decoding of iommu-dump: the input is a
 * cdq_memimg image (vmcoreinfo text plus extents of physical memory, see
 * cdq_memimg.h), decoded exactly as iommu-dump decodes a real dump
 * (vmcoreinfo, record layout, record, AMD and VT-d table walks, text and
 * JSON output), plus the single-entry decoders on the raw input bytes.
 *
 * Build: make -C userspace/inspect fuzz; run: userspace/inspect/fuzz/run.sh
 */
#include <stdio.h>
#include <string.h>

#include "cdq_memimg.h"
#include "cdq_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct cdq_options opt;
	struct cdq_report rep;
	struct cdq_img img;
	struct cdq_mem mem = { cdq_img_read, &img };

	if (!null)
		null = fopen("/dev/null", "w");
	if (!null)
		return 0;

	/* The entry decoders on raw bytes. */
	if (size >= 32) {
		struct cdq_amd_dte dte;
		struct cdq_vtd_root re;
		struct cdq_vtd_ctx ce;
		struct cdq_vtd_sl_top top = { 0 };
		enum cdq_perm r, w;
		bool br, bw;

		cdq_amd_dte_decode(data, &dte);
		cdq_amd_dte_access(&dte, &br, &bw);
		cdq_vtd_root_decode(data, &re);
		cdq_vtd_ctx_decode(data + 16, &ce);
		if (size >= 4096)
			cdq_vtd_sl_top_decode(data, &top);
		cdq_vtd_ctx_access(&ce, size & 1 ? &top : NULL, &r, &w);
	}

	if (cdq_img_parse(data, size, &img))
		return 0;
	memset(&opt, 0, sizeof(opt));
	opt.all = size & 2;
	/* Sometimes decode a table the record does not name: an extent. */
	if ((size & 4) && img.nr_ext) {
		opt.table_set[0] = true;
		opt.table_phys[0] = img.ext[data[size - 1] % img.nr_ext].phys;
		opt.table_size[0] = (uint32_t)(size & 0xffff) * 32;
	}
	if (!cdq_report_build(img.text, img.text_len, &mem, &opt, &rep)) {
		rep.source = "fuzz";
		cdq_report_human(null, &rep, true);
		cdq_report_json(null, &rep);
		cdq_report_verdict(&rep, NULL);
		cdq_report_free(&rep);
	}
	cdq_img_free(&img);
	return 0;
}
