// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/inspect (cdq_decode.c, cdq_report.c,
 * cdq_memimg.c). Bit positions are literal numbers from the specifications
 * (AMD 48882 section 2.2.2; VT-d sections 9.1, 9.3, 9.8; scalable mode
 * 9.2, 9.4-9.7), and the record
 * offsets literal numbers of the x86-64 layout of
 * include/linux/crash_dma_quiesce.h, not the code's own macros.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cdq_memimg.h"
#include "cdq_report.h"

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_amd_dte(void)
{
	uint8_t raw[32] = { 0 };
	struct cdq_amd_dte d;
	bool r, w;

	/* V 0, TV 1, Mode 11:9, root 51:12, IR 61, IW 62; DomainID 79:64, I 96. */
	put64(raw, (1ULL << 0) | (1ULL << 1) | (3ULL << 9) | 0x12345000ULL |
		   (1ULL << 61) | (1ULL << 62));
	put64(raw + 8, 0xbeefULL | (1ULL << 32));
	cdq_amd_dte_decode(raw, &d);
	CHECK("amd_dte_v", d.v);
	CHECK("amd_dte_tv", d.tv);
	CHECK_EQ("amd_dte_mode", d.mode, 3);
	CHECK_EQ("amd_dte_root", d.root, 0x12345000);
	CHECK("amd_dte_ir", d.ir);
	CHECK("amd_dte_iw", d.iw);
	CHECK_EQ("amd_dte_domain", d.domain, 0xbeef);
	CHECK("amd_dte_iotlb", d.iotlb);

	memset(raw, 0, sizeof(raw));
	put64(raw, 1ULL << 62);
	cdq_amd_dte_decode(raw, &d);
	CHECK("amd_dte_iw_alone", d.iw && !d.ir && !d.v && !d.tv && !d.mode);
	put64(raw, 1ULL << 61);
	cdq_amd_dte_decode(raw, &d);
	CHECK("amd_dte_ir_alone", d.ir && !d.iw);
	put64(raw, 7ULL << 9);
	put64(raw + 8, 1ULL << 16);	/* DTE bit 80: not DomainID */
	cdq_amd_dte_decode(raw, &d);
	CHECK_EQ("amd_dte_mode_7", d.mode, 7);
	CHECK_EQ("amd_dte_domain_16_bits", d.domain, 0);
	CHECK_EQ("amd_dte_root_mask", d.root, 0);
	put64(raw, 0xfffULL << 52);	/* above the root pointer */
	cdq_amd_dte_decode(raw, &d);
	CHECK_EQ("amd_dte_root_bits_51_12", d.root, 0);

	/* Access. */
	memset(&d, 0, sizeof(d));
	CHECK_EQ("amd_access_v0", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_UNTRANSLATED);
	CHECK("amd_access_v0_rw", r && w);
	d.v = true;
	CHECK_EQ("amd_access_tv0", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_UNTRANSLATED);
	CHECK("amd_access_tv0_rw", r && w);
	d.tv = true;
	CHECK_EQ("amd_access_default", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_BLOCKED);
	CHECK("amd_access_default_none", !r && !w);
	d.ir = true;
	CHECK_EQ("amd_access_direct", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_DIRECT);
	CHECK("amd_access_direct_r", r && !w);
	d.mode = 3;
	d.iw = true;
	CHECK_EQ("amd_access_paging", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_PAGING);
	CHECK("amd_access_paging_rw", r && w);
	d.iw = false;
	cdq_amd_dte_access(&d, &r, &w);
	CHECK("amd_access_paging_revoked", r && !w);
	d.mode = 7;
	d.iw = true;
	CHECK_EQ("amd_access_mode7", cdq_amd_dte_access(&d, &r, &w), CDQ_XLAT_INVALID);
	CHECK("amd_access_mode7_none", !r && !w);
}

static void test_vtd_entries(void)
{
	uint8_t raw[16] = { 0 }, top[4096] = { 0 };
	struct cdq_vtd_sl_top t;
	struct cdq_vtd_root re;
	struct cdq_vtd_ctx ce;
	enum cdq_perm r, w;

	/* Root entry, 9.1: P bit 0, reserved 11:1, CTP 63:12; hi reserved. */
	put64(raw, 0x5000 | 1);
	cdq_vtd_root_decode(raw, &re);
	CHECK("vtd_root_present", re.present && !re.reserved);
	CHECK_EQ("vtd_root_ctp", re.ctp, 0x5000);
	put64(raw, 0x5000 | 1 | (1 << 1));
	cdq_vtd_root_decode(raw, &re);
	CHECK("vtd_root_rsvd_bit1", re.reserved);
	put64(raw, 0x5000 | 1);
	put64(raw + 8, 1);
	cdq_vtd_root_decode(raw, &re);
	CHECK("vtd_root_rsvd_hi", re.reserved);
	put64(raw, 0x5000);
	put64(raw + 8, 0);
	cdq_vtd_root_decode(raw, &re);
	CHECK("vtd_root_not_present", !re.present);

	/* Context entry, 9.3: lo P 0, FPD 1, TT 3:2, rsvd 11:4, SLPTPTR 63:12;
	 * hi AW 2:0, bit 7 reserved, DID 23:8, 63:24 reserved. */
	put64(raw, 1 | (1 << 1) | (2 << 2) | 0x7000);
	put64(raw + 8, 2 | (0x1234 << 8));
	cdq_vtd_ctx_decode(raw, &ce);
	CHECK("vtd_ctx_present", ce.present);
	CHECK("vtd_ctx_fpd", ce.fpd);
	CHECK_EQ("vtd_ctx_tt", ce.tt, 2);
	CHECK_EQ("vtd_ctx_slptptr", ce.slptptr, 0x7000);
	CHECK_EQ("vtd_ctx_aw", ce.aw, 2);
	CHECK_EQ("vtd_ctx_did", ce.did, 0x1234);
	CHECK("vtd_ctx_no_rsvd", !ce.reserved);
	put64(raw + 8, 2 | (1 << 7));
	cdq_vtd_ctx_decode(raw, &ce);
	CHECK("vtd_ctx_rsvd_hi_7", ce.reserved);
	put64(raw + 8, 2 | (1ULL << 24));
	cdq_vtd_ctx_decode(raw, &ce);
	CHECK("vtd_ctx_rsvd_hi_24", ce.reserved);
	CHECK_EQ("vtd_ctx_did_16_bits", ce.did, 0);
	put64(raw, 1 | (1 << 4));
	put64(raw + 8, 1);
	cdq_vtd_ctx_decode(raw, &ce);
	CHECK("vtd_ctx_rsvd_lo_4", ce.reserved);
	CHECK_EQ("vtd_ctx_tt_0", ce.tt, 0);

	/* Second-level entries, 9.8: R bit 0, W bit 1, X bit 2 (not present). */
	put64(top + 0, 0x1000 | 1);
	put64(top + 8, 0x2000 | 1 | 2);
	put64(top + 16, 0x3000 | 2);
	put64(top + 24, 0x4000 | 4);
	put64(top + 8 * 511, 1);
	cdq_vtd_sl_top_decode(top, &t);
	CHECK_EQ("vtd_sl_present", t.present, 4);
	CHECK_EQ("vtd_sl_readable", t.readable, 3);
	CHECK_EQ("vtd_sl_writable", t.writable, 2);

	memset(&ce, 0, sizeof(ce));
	ce.present = true;
	ce.aw = 1;
	CHECK_EQ("vtd_access_translated", cdq_vtd_ctx_access(&ce, &t, &r, &w), CDQ_XLAT_PAGING);
	CHECK("vtd_access_translated_rw", r == CDQ_PERM_YES && w == CDQ_PERM_YES);
	t.writable = 0;
	cdq_vtd_ctx_access(&ce, &t, &r, &w);
	CHECK("vtd_access_revoked", r == CDQ_PERM_YES && w == CDQ_PERM_NO);
	cdq_vtd_ctx_access(&ce, NULL, &r, &w);
	CHECK("vtd_access_unknown", r == CDQ_PERM_UNKNOWN && w == CDQ_PERM_UNKNOWN);
	ce.tt = 1;
	CHECK_EQ("vtd_access_ats", cdq_vtd_ctx_access(&ce, &t, &r, &w), CDQ_XLAT_PAGING_ATS);
	ce.tt = 2;
	CHECK_EQ("vtd_access_pt", cdq_vtd_ctx_access(&ce, NULL, &r, &w), CDQ_XLAT_PASS_THROUGH);
	CHECK("vtd_access_pt_rw", r == CDQ_PERM_YES && w == CDQ_PERM_YES);
	ce.tt = 3;
	CHECK_EQ("vtd_access_tt3", cdq_vtd_ctx_access(&ce, &t, &r, &w), CDQ_XLAT_INVALID);
	CHECK("vtd_access_tt3_none", r == CDQ_PERM_NO && w == CDQ_PERM_NO);
	ce.tt = 0;
	ce.aw = 0;
	CHECK_EQ("vtd_access_aw0", cdq_vtd_ctx_access(&ce, &t, &r, &w), CDQ_XLAT_INVALID);
	ce.aw = 1;
	ce.present = false;
	CHECK_EQ("vtd_access_not_present", cdq_vtd_ctx_access(&ce, &t, &r, &w), CDQ_XLAT_NOT_PRESENT);
}

/* A vmcoreinfo with the lines of cdq_vmcoreinfo_init() that fit in 6.1. */
static const char vmci[] =
	"OSRELEASE=6.1.192-test\n"
	"PAGESIZE=4096\n"
	"NUMBER(phys_base)=16777216\n"
	"SYMBOL(crash_dma_quiesce_info)=ffffffff81a90f40\n"
	"NUMBER(CRASH_DMA_QUIESCE_VERSION)=3\n"
	"SIZE(crash_dma_quiesce_info)=73808\n"
	"OFFSET(crash_dma_quiesce_info.nr_records)=12\n"
	"OFFSET(crash_dma_quiesce_info.records)=80\n"
	"SIZE(crash_dma_quiesce_record)=72\n"
	"OFFSET(crash_dma_quiesce_record.root_phys)=16\n"
	"OFFSET(crash_dma_quiesce_record.changed_phys)=64\n";

/* Parse a string literal (without its NUL). */
#define vmci_parse(text, vi) cdq_vmcoreinfo_parse(text, sizeof(text) - 1, vi)

static void test_vmcoreinfo(void)
{
	struct cdq_vmcoreinfo vi;
	struct cdq_layout l;
	const char *why;
	uint64_t phys = 0;
	char *big;
	size_t n;

	cdq_vmcoreinfo_parse(vmci, strlen(vmci), &vi);
	CHECK("vmci_symbol", vi.has_symbol && vi.symbol == 0xffffffff81a90f40ULL);
	CHECK("vmci_phys_base", vi.has_phys_base && vi.phys_base == 0x1000000);
	CHECK("vmci_version", vi.has_version && vi.version == 3);
	CHECK_EQ("vmci_size_info", vi.size_info, 73808);
	CHECK_EQ("vmci_size_record", vi.size_record, 72);
	CHECK_EQ("vmci_offset_records", vi.offset[CDQ_F_INFO_RECORDS], 80);
	CHECK_EQ("vmci_offset_changed_phys", vi.offset[CDQ_F_REC_CHANGED_PHYS], 64);
	CHECK_EQ("vmci_offset_absent", vi.offset[CDQ_F_REC_FLAGS], (uint64_t)-1);
	CHECK("vmci_osrelease", !strcmp(vi.osrelease, "6.1.192-test"));
	CHECK("vmci_not_truncated", !vi.truncated);

	CHECK_EQ("layout_ok", cdq_layout_get(&vi, &l, &why), 0);
	CHECK_EQ("layout_from_vmci", l.from_vmcoreinfo, 4);
	/* Built-in x86-64 layout, literal offsets. */
	CHECK_EQ("layout_root_size", l.offset[CDQ_F_REC_ROOT_SIZE], 24);
	CHECK_EQ("layout_flags", l.offset[CDQ_F_REC_FLAGS], 52);
	CHECK_EQ("layout_tables_changed", l.offset[CDQ_F_REC_TABLES_CHANGED], 40);
	CHECK_EQ("layout_budget", l.offset[CDQ_F_INFO_BUDGET_US], 16);
	CHECK_EQ("layout_nr_unregistered", l.offset[CDQ_F_INFO_NR_UNREGISTERED], 28);
	CHECK_EQ("layout_cpus_running", l.offset[CDQ_F_INFO_CPUS_RUNNING], 32);
	CHECK_EQ("layout_total_cycles", l.offset[CDQ_F_INFO_TOTAL_CYCLES], 40);
	CHECK_EQ("layout_cycles", l.offset[CDQ_F_REC_CYCLES], 56);

	CHECK_EQ("kvaddr_to_phys", cdq_kvaddr_to_phys(&vi, 0xffffffff81a90f40ULL, &phys), 0);
	CHECK_EQ("kvaddr_to_phys_value", phys, 0x2a90f40);
	CHECK_EQ("kvaddr_direct_map_refused",
		 cdq_kvaddr_to_phys(&vi, 0xffff888000001000ULL, &phys), -CDQ_E_VMCOREINFO);

	/* Junk values are ignored; a later good line wins. */
	vmci_parse("SYMBOL(crash_dma_quiesce_info)=xyz\n"
			     "OFFSET(crash_dma_quiesce_info.records)=-4\n"
			     "NUMBER(CRASH_DMA_QUIESCE_VERSION)=3\n", &vi);
	CHECK("vmci_bad_symbol_ignored", !vi.has_symbol);
	CHECK_EQ("vmci_negative_offset_ignored", vi.offset[CDQ_F_INFO_RECORDS], (uint64_t)-1);
	CHECK_EQ("layout_corrupt_symbol", cdq_layout_get(&vi, &l, &why), -CDQ_E_VMCOREINFO);
	vmci_parse("OSRELEASE=6.1\nNUMBER(phys_base)=0\n", &vi);
	CHECK_EQ("layout_norec", cdq_layout_get(&vi, &l, &why), -CDQ_E_NOREC);

	/* Version 2 (16 records with inline bitmaps) is not read. */
	vmci_parse("SYMBOL(crash_dma_quiesce_info)=ffffffff81000000\n"
			     "NUMBER(CRASH_DMA_QUIESCE_VERSION)=2\n", &vi);
	CHECK_EQ("layout_version_2", cdq_layout_get(&vi, &l, &why), -CDQ_E_VERSION);
	vmci_parse("SYMBOL(crash_dma_quiesce_info)=ffffffff81000000\n", &vi);
	CHECK_EQ("layout_no_version", cdq_layout_get(&vi, &l, &why), -CDQ_E_VERSION);
	vmci_parse("SYMBOL(crash_dma_quiesce_info)=ffffffff81000000\n"
			     "NUMBER(CRASH_DMA_QUIESCE_VERSION)=3\n"
			     "SIZE(crash_dma_quiesce_record)=9000\n", &vi);
	CHECK_EQ("layout_size_differs", cdq_layout_get(&vi, &l, &why), -CDQ_E_VERSION);
	vmci_parse("SYMBOL(crash_dma_quiesce_info)=ffffffff81000000\n"
			     "NUMBER(CRASH_DMA_QUIESCE_VERSION)=3\n"
			     "OFFSET(crash_dma_quiesce_record.changed_phys)=100\n", &vi);
	CHECK_EQ("layout_offset_outside", cdq_layout_get(&vi, &l, &why), -CDQ_E_VERSION);

	/* A 4096-byte buffer cut in the middle of the last line. */
	big = malloc(8192);
	n = (size_t)snprintf(big, 8192, "%s", vmci);
	while (n < 4096 - 60)
		n += (size_t)snprintf(big + n, 8192 - n, "NUMBER(PG_filler)=1234567890\n");
	n += (size_t)snprintf(big + n, 8192 - n, "OFFSET(crash_dma_quiesce_record.cycles)=5600000000");
	cdq_vmcoreinfo_parse(big, 4096, &vi);
	CHECK("vmci_truncated", vi.truncated);
	CHECK_EQ("vmci_cut_line_ignored", vi.offset[CDQ_F_REC_CYCLES], (uint64_t)-1);
	CHECK("vmci_truncated_keeps_symbol", vi.has_symbol);
	/* NUL ends the text. */
	big[10] = 0;
	cdq_vmcoreinfo_parse(big, 4096, &vi);
	CHECK_EQ("vmci_nul_ends", vi.len, 10);
	free(big);
	CHECK_EQ("vmci_null_text", cdq_vmcoreinfo_parse(NULL, 5, &vi), -CDQ_E_INVAL);
}

/* crash_dma_quiesce_info (version 3) with literal x86-64 offsets. */
#define INFO_LEN	(80 + 1024 * 72)
#define REC_LEN		72
/* Where make_info() says each record's changed bitmap is. */
#define CHANGED_PHYS	0x3000000ULL

static uint8_t *make_info(uint32_t nr, uint8_t vendor, uint64_t root,
			  uint32_t root_size, size_t *len)
{
	size_t n = INFO_LEN;
	uint8_t *b = calloc(1, n);
	uint32_t i;

	put32(b + 0, 0x51414d44);	/* magic */
	put32(b + 4, 3);		/* version */
	put32(b + 8, 1);		/* mode write */
	put32(b + 12, nr);
	put32(b + 16, 100000);		/* budget_us */
	put32(b + 20, 1000000);		/* tsc_khz: 1 GHz */
	put32(b + 24, 1);		/* ran */
	put64(b + 40, 5000000);		/* total_cycles */
	put64(b + 48, 1000000000);	/* shutdown_begin */
	put64(b + 56, 1001000000);	/* quiesce_begin */
	put64(b + 64, 1006500000);	/* quiesce_end */
	put64(b + 72, 1010000000);	/* shutdown_end */
	for (i = 0; i < nr; i++) {
		uint8_t *r = b + 80 + i * REC_LEN;

		put32(r + 0, 0x51414d44);
		r[4] = vendor;
		r[5] = 1;		/* done */
		r[6] = 1;		/* inval ok */
		r[7] = 1;
		put64(r + 8, 0xfed80000);
		put64(r + 16, root);
		put32(r + 24, root_size);
		put32(r + 28, 256);	/* scanned */
		put32(r + 32, 2);	/* changed */
		put32(r + 52, 1);	/* flags: qi */
		put64(r + 56, 3000);	/* cycles */
		put64(r + 64, CHANGED_PHYS + i * 8192ULL);	/* changed_phys */
	}
	*len = n;
	return b;
}

/* A changed bitmap with source ids 0x20 (00:04.0) and 0x100 (01:00.0). */
static void make_changed(uint8_t map[8192])
{
	memset(map, 0, 8192);
	map[0x20 / 8] |= 1 << (0x20 % 8);
	map[0x100 / 8] |= 1 << (0x100 % 8);
}

/* struct cdq_mem over one buffer at a physical address. */
struct flatmem {
	uint64_t base;
	const uint8_t *p;
	size_t len;
};

static int flat_read(void *priv, uint64_t phys, void *buf, size_t len)
{
	const struct flatmem *m = priv;

	if (phys < m->base || phys - m->base > m->len || len > m->len - (phys - m->base))
		return -CDQ_E_OUTSIDE;
	memcpy(buf, m->p + (phys - m->base), len);
	return 0;
}

static void test_info_decode(void)
{
	struct crash_dma_quiesce_info *info = calloc(1, sizeof(*info));
	struct cdq_vmcoreinfo vi;
	struct cdq_layout l;
	size_t len;
	uint8_t *b = make_info(2, 2, 0x10000, 4096, &len);

	cdq_vmcoreinfo_parse(vmci, strlen(vmci), &vi);
	cdq_layout_get(&vi, &l, NULL);
	CHECK_EQ("info_decode", cdq_info_decode(b, len, &l, info), 0);
	CHECK_EQ("info_nr", info->nr_records, 2);
	CHECK_EQ("info_tsc", info->tsc_khz, 1000000);
	CHECK_EQ("info_rec1_vendor", info->records[1].vendor, 2);
	CHECK_EQ("info_rec1_root", info->records[1].root_phys, 0x10000);
	CHECK_EQ("info_rec1_root_size", info->records[1].root_size, 4096);
	CHECK_EQ("info_rec1_flags", info->records[1].flags, 1);
	CHECK_EQ("info_rec1_changed_phys", info->records[1].changed_phys,
		 CHANGED_PHYS + 8192);
	{
		static uint8_t map8[8192];
		static uint64_t map[1024];
		struct flatmem fm = { CHANGED_PHYS + 8192, map8, sizeof(map8) };
		struct cdq_mem mem = { flat_read, &fm };
		struct cdq_iommu lio = { 0 };

		make_changed(map8);
		map8[4096 + 1] = 0x80;	/* source id 0x800f, in the second page */
		CHECK_EQ("changed_read", cdq_changed_read(&mem, &info->records[1], map,
							  lio.changed_lost, &lio.nr_changed_lost), 0);
		CHECK_EQ("changed_read_nothing_lost", lio.nr_changed_lost, 0);
		CHECK("info_changed_0x20", cdq_changed(map, 0x20));
		CHECK("info_changed_0x100", cdq_changed(map, 0x100));
		CHECK("info_changed_0x800f", cdq_changed(map, 0x800f));
		CHECK("info_not_changed_0x21", !cdq_changed(map, 0x21));
		/*
		 * The bitmap's second 4 KiB page is not in the dump (an ELF dump
		 * made with dump level bit 1 drops all-zero pages): the first
		 * page's bits stay, source ids 0x8000-0xffff are lost.
		 */
		fm.len = 4096;
		CHECK_EQ("changed_read_half", cdq_changed_read(&mem, &info->records[1], map,
							       lio.changed_lost, &lio.nr_changed_lost),
			 -CDQ_E_OUTSIDE);
		CHECK("changed_half_keeps_0x20", cdq_changed(map, 0x20));
		CHECK("changed_half_keeps_0x100", cdq_changed(map, 0x100));
		CHECK("changed_half_drops_0x800f", !cdq_changed(map, 0x800f));
		CHECK_EQ("changed_half_one_range", lio.nr_changed_lost, 1);
		CHECK_EQ("changed_half_first", lio.changed_lost[0].first, 0x8000);
		CHECK_EQ("changed_half_last", lio.changed_lost[0].last, 0xffff);
		CHECK("changed_half_0x7fff_known", !cdq_changed_lost(&lio, 0x7fff));
		CHECK("changed_half_0x8000_lost", cdq_changed_lost(&lio, 0x8000));
		fm.len = sizeof(map8);
		CHECK_EQ("changed_read_outside",
			 cdq_changed_read(&mem, &info->records[0], map,
					  lio.changed_lost, &lio.nr_changed_lost), -CDQ_E_OUTSIDE);
		CHECK("changed_read_error_zeroes", !cdq_changed(map, 0x20));
		CHECK("changed_read_outside_all_lost", cdq_changed_lost(&lio, 0x20) &&
		      cdq_changed_lost(&lio, 0xffff));
		info->records[0].changed_phys = 0;
		CHECK_EQ("changed_read_none",
			 cdq_changed_read(&mem, &info->records[0], map,
					  lio.changed_lost, &lio.nr_changed_lost), -CDQ_E_RECORD);
		CHECK("changed_none_all_lost", cdq_changed_lost(&lio, 0) &&
		      cdq_changed_lost(&lio, 0xffff));
		CHECK("changed_null_map", !cdq_changed(NULL, 0x20));
	}
	CHECK("state_name_no_memory",
	      !strcmp(cdq_state_name(8), "not handled (no memory at boot)"));
	CHECK("state_name_removed",
	      !strcmp(cdq_state_name(9), "hot-removed, not handled"));
	CHECK("state_name_unknown", !strcmp(cdq_state_name(10), "?"));
	CHECK_EQ("cycles_to_us", cdq_cycles_to_us(3000, 1000000), 3);
	CHECK_EQ("cycles_to_us_no_tsc", cdq_cycles_to_us(3000, 0), -1);
	CHECK_EQ("cycles_to_us_huge", cdq_cycles_to_us(UINT64_MAX, 1), (uint64_t)(UINT64_MAX * 1000));
	CHECK_EQ("info_shutdown_begin", info->shutdown_begin, 1000000000);
	CHECK_EQ("info_quiesce_end", info->quiesce_end, 1006500000);
	CHECK_EQ("shutdown_cycles", cdq_shutdown_cycles(info), 10000000);
	info->total_cycles = 5600000;	/* more than its own stamps allow */
	CHECK_EQ("shutdown_cycles_walk_too_long", cdq_shutdown_cycles(info), 0);
	info->total_cycles = 5000000;
	info->shutdown_end = 1006000000;	/* before quiesce_end */
	CHECK_EQ("shutdown_cycles_out_of_order", cdq_shutdown_cycles(info), 0);
	info->shutdown_end = 1010000000;
	info->shutdown_begin = 0;
	CHECK_EQ("shutdown_cycles_unstamped", cdq_shutdown_cycles(info), 0);

	put32(b + 12, 1025);
	CHECK_EQ("info_too_many_records", cdq_info_decode(b, len, &l, info), -CDQ_E_RECORD);
	put32(b + 12, 1024);
	CHECK_EQ("info_1024_records", cdq_info_decode(b, len, &l, info), 0);
	put32(b + 28, 3);
	put32(b + 32, 1);
	CHECK_EQ("info_unregistered_running", cdq_info_decode(b, len, &l, info), 0);
	CHECK("info_unregistered_running_values",
	      info->nr_unregistered == 3 && info->cpus_running == 1);
	put32(b + 12, 2);
	put32(b, 0x12345678);
	CHECK_EQ("info_bad_magic", cdq_info_decode(b, len, &l, info), -CDQ_E_RECORD);
	/* A short buffer reads as zeros, never beyond. */
	put32(b, 0x51414d44);
	CHECK_EQ("info_short_buffer", cdq_info_decode(b, 44, &l, info), 0);
	CHECK_EQ("info_short_buffer_root", info->records[0].root_phys, 0);
	free(b);
	free(info);
}

/* Build an image with open_memstream. */
struct imgbuf {
	FILE *f;
	char *data;
	size_t size;
};

static void img_start(struct imgbuf *ib, const char *text)
{
	ib->f = open_memstream(&ib->data, &ib->size);
	cdq_img_write_header(ib->f, text, strlen(text));
}

static void img_bytes(struct imgbuf *ib, uint64_t phys, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = len > 4096 ? 4096 : len;

		cdq_img_write_extent(ib->f, phys, p, n, CDQ_IMG_DATA);
		phys += n;
		p += n;
		len -= n;
	}
}

static void test_memimg(void)
{
	struct imgbuf ib;
	struct cdq_img img;
	uint8_t page[4096], buf[64];

	memset(page, 0xab, sizeof(page));
	img_start(&ib, "X=1\n");
	cdq_img_write_extent(ib.f, 0x1000, page, 4096, CDQ_IMG_DATA);
	cdq_img_write_extent(ib.f, 0x2000, NULL, 4096, CDQ_IMG_ABSENT);
	cdq_img_write_extent(ib.f, 0x3000, NULL, 16, CDQ_IMG_IOERR);
	memset(page, 0, 64);
	cdq_img_write_extent(ib.f, 0x4000, page, 64, CDQ_IMG_DATA);	/* becomes zero */
	fclose(ib.f);
	CHECK_EQ("img_size", ib.size, 2 + 4 + 11 + 4096 + 11 + 11 + 11);
	CHECK_EQ("img_parse", cdq_img_parse((uint8_t *)ib.data, ib.size, &img), 0);
	CHECK_EQ("img_extents", img.nr_ext, 4);
	CHECK_EQ("img_text_len", img.text_len, 4);
	CHECK_EQ("img_read_data", cdq_img_read(&img, 0x1ff0, buf, 16), 0);
	CHECK_EQ("img_read_data_value", buf[15], 0xab);
	CHECK_EQ("img_read_absent", cdq_img_read(&img, 0x1ff0, buf, 32), -CDQ_E_ABSENT);
	CHECK_EQ("img_read_ioerr", cdq_img_read(&img, 0x3000, buf, 8), -CDQ_E_IO);
	CHECK_EQ("img_read_zero", cdq_img_read(&img, 0x4000, buf, 64), 0);
	CHECK_EQ("img_read_zero_value", buf[0], 0);
	CHECK_EQ("img_read_outside", cdq_img_read(&img, 0x9000, buf, 8), -CDQ_E_OUTSIDE);
	cdq_img_free(&img);
	/* Cut short: the complete extents stay. */
	CHECK_EQ("img_parse_cut", cdq_img_parse((uint8_t *)ib.data, 2 + 4 + 11 + 100, &img), 0);
	CHECK_EQ("img_cut_extents", img.nr_ext, 0);
	cdq_img_free(&img);
	free(ib.data);

	/* Sparse writing keeps the bytes and compresses zero runs. */
	{
		uint8_t src[4096] = { 0 }, back[4096];
		size_t k;

		src[0] = 1;
		src[100] = 2;
		src[130] = 3;
		src[4095] = 4;
		img_start(&ib, "");
		cdq_img_write_sparse(ib.f, 0x5000, src, 4096);
		cdq_img_write_sparse(ib.f, 0x7000, src + 1, 40);	/* all zero */
		fclose(ib.f);
		CHECK("img_sparse_small", ib.size < 400);
		cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
		memset(back, 0xff, sizeof(back));
		CHECK_EQ("img_sparse_read", cdq_img_read(&img, 0x5000, back, 4096), 0);
		for (k = 0; k < 4096 && back[k] == src[k]; k++)
			;
		CHECK_EQ("img_sparse_roundtrip", k, 4096);
		CHECK_EQ("img_sparse_zero_only", cdq_img_read(&img, 0x7000, back, 40), 0);
		CHECK_EQ("img_sparse_zero_end", cdq_img_read(&img, 0x7000 + 40, back, 1),
			 -CDQ_E_OUTSIDE);
		cdq_img_free(&img);
		free(ib.data);
	}
}

static const struct cdq_dev *find_dev(const struct cdq_iommu *io, uint16_t sid)
{
	size_t i;

	for (i = 0; i < io->nr_devs; i++)
		if (io->devs[i].sid == sid)
			return &io->devs[i];
	return NULL;
}

/* Info at phys 0x2a90f40 (symbol ffffffff81a90f40, phys_base 16 MiB). */
#define INFO_PHYS 0x2a90f40ULL

static void test_walk_amd(void)
{
	uint8_t *info, table[8192] = { 0 };
	static uint8_t map[8192];
	const struct cdq_dev *d;
	struct cdq_report rep;
	struct cdq_img img;
	struct cdq_mem mem = { cdq_img_read, &img };
	struct imgbuf ib;
	size_t len;
	FILE *devnull = fopen("/dev/null", "w");

	/* DTE 0x20 (00:04.0): V TV Mode 3 IR, domain 2: quiesced. */
	put64(table + 0x20 * 32, 1 | 2 | (3 << 9) | 0x40000 | (1ULL << 61));
	put64(table + 0x20 * 32 + 8, 2);
	/* DTE 0x28 (00:05.0): V TV Mode 3 IR IW: kept write. */
	put64(table + 0x28 * 32, 1 | 2 | (3 << 9) | 0x41000 | (1ULL << 61) | (1ULL << 62));
	put64(table + 0x28 * 32 + 8, 3);
	/* DTE 0x30: Linux's default (V TV). */
	put64(table + 0x30 * 32, 1 | 2);
	/* The second page of the table (DeviceIDs 0x80-0xff) not in the dump. */
	info = make_info(1, 1, 0x100000, 3 * 4096, &len);
	make_changed(map);
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x100000, table, 4096);
	cdq_img_write_extent(ib.f, 0x101000, NULL, 4096, CDQ_IMG_ABSENT);
	img_bytes(&ib, 0x102000, table + 4096, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);

	CHECK_EQ("amd_build", cdq_report_build(img.text, img.text_len, &mem, NULL, &rep), 0);
	CHECK_EQ("amd_build_error", rep.error, 0);
	CHECK_EQ("amd_nr_iommu", rep.nr_iommu, 1);
	CHECK_EQ("amd_entries", rep.iommu[0].nr_entries, 256);
	CHECK_EQ("amd_listed", rep.iommu[0].nr_devs, 3);	/* 0x20, 0x28, 0x100 */
	CHECK_EQ("amd_default", rep.iommu[0].nr_default, 1);
	CHECK_EQ("amd_v0", rep.iommu[0].nr_v0, 253);
	d = find_dev(&rep.iommu[0], 0x20);
	CHECK("amd_dev_quiesced", d && d->write == CDQ_PERM_NO && d->read == CDQ_PERM_YES &&
	      d->changed && d->domain == 2 && d->levels == 3 && d->table == 0x40000);
	d = find_dev(&rep.iommu[0], 0x28);
	CHECK("amd_dev_kept_write", d && d->write == CDQ_PERM_YES && !d->changed);
	CHECK_EQ("amd_nr_write", rep.iommu[0].nr_write, 1);
	CHECK_EQ("amd_absent_ranges", rep.iommu[0].nr_absent, 1);
	CHECK("amd_absent_range", rep.iommu[0].nr_absent == 1 &&
	      rep.iommu[0].absent[0].first == 0x80 && rep.iommu[0].absent[0].last == 0xff &&
	      rep.iommu[0].absent[0].err == -CDQ_E_ABSENT);
	/* 0x100 is changed and inside the 384-entry table, with V=0. */
	CHECK_EQ("amd_changed_missing", rep.iommu[0].nr_changed_missing, 0);
	CHECK("amd_changed_v0_listed", find_dev(&rep.iommu[0], 0x100) != NULL);
	CHECK_EQ("amd_verdict_fail", cdq_report_verdict(&rep, NULL), CDQ_FAIL);
	cdq_report_human(devnull, &rep, true);
	cdq_report_json(devnull, &rep);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* Without the kept-write DTE: unknown (a page is missing). */
	put64(table + 0x28 * 32, 1 | 2 | (3 << 9) | 0x41000 | (1ULL << 61));
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x100000, table, 4096);
	cdq_img_write_extent(ib.f, 0x101000, NULL, 4096, CDQ_IMG_ABSENT);
	img_bytes(&ib, 0x102000, table + 4096, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("amd_verdict_unknown", cdq_report_verdict(&rep, NULL), CDQ_UNKNOWN);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* All pages present: pass. A table address from the caller. */
	put32(info + 80 + 16, 0);	/* record without root_phys (mode off) */
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x100000, table, 8192);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("amd_no_table_error", rep.iommu[0].error, -CDQ_E_RECORD);
	CHECK_EQ("amd_no_table_unknown", cdq_report_verdict(&rep, NULL), CDQ_UNKNOWN);
	cdq_report_free(&rep);
	{
		struct cdq_options opt = { 0 };

		opt.table_set[0] = true;
		opt.table_phys[0] = 0x100000;
		opt.table_size[0] = 8192;
		cdq_report_build(img.text, img.text_len, &mem, &opt, &rep);
		CHECK_EQ("amd_table_option", rep.iommu[0].nr_entries, 256);
		CHECK("amd_table_option_not_record", !rep.iommu[0].table_from_record);
		CHECK_EQ("amd_verdict_pass", cdq_report_verdict(&rep, NULL), CDQ_PASS);
		cdq_report_free(&rep);
		opt.table_phys[0] = 0x100800;	/* not 4 KiB aligned */
		cdq_report_build(img.text, img.text_len, &mem, &opt, &rep);
		CHECK_EQ("amd_table_unaligned", rep.iommu[0].error, -CDQ_E_OUTSIDE);
		cdq_report_free(&rep);
	}
	cdq_img_free(&img);
	free(ib.data);

	/*
	 * Version 3: the changed bitmap is outside the record; not in the
	 * dump, no device shows as revoked and the report says why. An
	 * IOMMU the kernel could not register makes the verdict unknown.
	 */
	put64(info + 80 + 16, 0x100000);
	put32(info + 28, 1);		/* nr_unregistered */
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, 0x100000, table, 8192);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("amd_changed_not_in_dump", rep.iommu[0].changed_err, -CDQ_E_OUTSIDE);
	d = find_dev(&rep.iommu[0], 0x20);
	CHECK("amd_changed_unknown_not_revoked", d && !d->changed);
	CHECK("amd_changed_unknown_lost", cdq_changed_lost(&rep.iommu[0], 0x20));
	CHECK_EQ("amd_unregistered_unknown", cdq_report_verdict(&rep, NULL), CDQ_UNKNOWN);
	cdq_report_human(devnull, &rep, true);
	cdq_report_json(devnull, &rep);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);
	free(info);
	fclose(devnull);
}

static void test_walk_vtd(void)
{
	uint8_t *info, root[4096] = { 0 }, ctx0[4096] = { 0 }, sl_w[4096] = { 0 },
		sl_ro[4096] = { 0 };
	static uint8_t map[8192];
	const struct cdq_dev *d;
	struct cdq_report rep;
	struct cdq_img img;
	struct cdq_mem mem = { cdq_img_read, &img };
	struct imgbuf ib;
	size_t len;
	FILE *devnull = fopen("/dev/null", "w");

	put64(root + 0, 0x201000 | 1);		/* bus 0 -> context table */
	put64(root + 16, 0x202000 | 1);		/* bus 1 -> not in dump */
	put64(root + 32, 0x203000 | 1 | 2);	/* bus 2: reserved bit */
	/* 00:04.0: TT 00, AW 1 (3-level), DID 5, top level read-only. */
	put64(ctx0 + 16 * 0x20, 1 | 0x300000);
	put64(ctx0 + 16 * 0x20 + 8, 1 | (5 << 8));
	/* 00:05.0: TT 00, top level writable. */
	put64(ctx0 + 16 * 0x28, 1 | 0x301000);
	put64(ctx0 + 16 * 0x28 + 8, 1 | (6 << 8));
	/* 00:06.0: TT 10, pass-through. */
	put64(ctx0 + 16 * 0x30, 1 | (2 << 2));
	put64(ctx0 + 16 * 0x30 + 8, 1 | (7 << 8));
	/* 00:07.0: TT 01, top level not in the dump. */
	put64(ctx0 + 16 * 0x38, 1 | (1 << 2) | 0x302000);
	put64(ctx0 + 16 * 0x38 + 8, 2 | (8 << 8));
	put64(sl_ro, 0x400000 | 1);
	put64(sl_w, 0x400000 | 1 | 2);

	info = make_info(1, 2, 0x200000, 4096, &len);
	make_changed(map);
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x200000, root, 4096);
	img_bytes(&ib, 0x201000, ctx0, 4096);
	cdq_img_write_extent(ib.f, 0x202000, NULL, 4096, CDQ_IMG_ABSENT);
	img_bytes(&ib, 0x300000, sl_ro, 4096);
	img_bytes(&ib, 0x301000, sl_w, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);

	CHECK_EQ("vtd_build", cdq_report_build(img.text, img.text_len, &mem, NULL, &rep), 0);
	CHECK_EQ("vtd_root_present", rep.iommu[0].nr_root_present, 3);
	CHECK_EQ("vtd_root_reserved", rep.iommu[0].nr_bad_root, 1);
	CHECK("vtd_roots_decoded", rep.iommu[0].roots && rep.iommu[0].roots[0].present &&
	      rep.iommu[0].roots[0].ctp == 0x201000 && rep.iommu[0].roots[2].reserved &&
	      !rep.iommu[0].roots[3].present);
	CHECK_EQ("vtd_entries", rep.iommu[0].nr_entries, 4);
	d = find_dev(&rep.iommu[0], 0x20);
	CHECK("vtd_dev_revoked", d && d->xlat == CDQ_XLAT_PAGING && d->read == CDQ_PERM_YES &&
	      d->write == CDQ_PERM_NO && d->changed && d->domain == 5 && d->levels == 3);
	d = find_dev(&rep.iommu[0], 0x28);
	CHECK("vtd_dev_writable", d && d->write == CDQ_PERM_YES && !d->changed);
	d = find_dev(&rep.iommu[0], 0x30);
	CHECK("vtd_dev_pt", d && d->xlat == CDQ_XLAT_PASS_THROUGH && d->write == CDQ_PERM_YES);
	d = find_dev(&rep.iommu[0], 0x38);
	CHECK("vtd_dev_top_missing", d && d->xlat == CDQ_XLAT_PAGING_ATS &&
	      d->write == CDQ_PERM_UNKNOWN && d->levels == 4);
	CHECK("vtd_absent_bus1", rep.iommu[0].nr_absent == 1 &&
	      rep.iommu[0].absent[0].first == 0x100 && rep.iommu[0].absent[0].last == 0x1ff);
	CHECK_EQ("vtd_nr_write", rep.iommu[0].nr_write, 2);
	CHECK_EQ("vtd_nr_unknown", rep.iommu[0].nr_unknown, 1);
	/* 0x100 is in the changed bitmap but its bus is not in the dump. */
	CHECK_EQ("vtd_changed_missing", rep.iommu[0].nr_changed_missing, 0);
	CHECK_EQ("vtd_verdict_fail", cdq_report_verdict(&rep, NULL), CDQ_FAIL);
	cdq_report_human(devnull, &rep, true);
	cdq_report_json(devnull, &rep);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* Root table outside the dump. */
	put64(info + 80 + 16, 0x900000);
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("vtd_root_outside", rep.iommu[0].error, -CDQ_E_OUTSIDE);
	CHECK_EQ("vtd_root_outside_unknown", cdq_report_verdict(&rep, NULL), CDQ_UNKNOWN);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* Record not in the dump; no record symbol at all. */
	img_start(&ib, vmci);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("record_outside", rep.error, -CDQ_E_OUTSIDE);
	cdq_report_free(&rep);
	cdq_report_build("OSRELEASE=6.1\n", 14, &mem, NULL, &rep);
	CHECK_EQ("record_none", rep.error, -CDQ_E_NOREC);
	cdq_report_json(devnull, &rep);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* Translation off at the crash: fail. */
	info[80 + 5] = 2;		/* state translation off */
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x900000, root, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("translation_off_fail", cdq_report_verdict(&rep, NULL), CDQ_FAIL);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);
	free(info);
	fclose(devnull);
}

/*
 * Scalable mode (VT-d 9.2 root: LP 0 / LCTP 63:12, UP 64 / UCTP 127:76;
 * 9.4 context, 32 bytes: P 0, DTE 2, PDTS 11:9, directory 63:12,
 * RID_PASID 83:64, reserved 8:5, 127:85, 255:128; 9.5 directory entry:
 * P 0, table 63:12; 9.6 PASID entry, 64 bytes: P 0, AW 4:2, PGTT 8:6,
 * SLPTPTR 63:12, DID 79:64, SRE 128, WPE 132, FLPTPTR 191:140; 9.7
 * first-level: P 0, R/W 1).
 */
static void pe_put(uint8_t *t, unsigned int idx, uint64_t q0, uint64_t q1, uint64_t q2)
{
	put64(t + 64 * idx, q0);
	put64(t + 64 * idx + 8, q1);
	put64(t + 64 * idx + 16, q2);
}

static const struct cdq_dev *find_pasid(const struct cdq_iommu *io, uint16_t sid,
					uint32_t pasid)
{
	size_t i;

	for (i = 0; i < io->nr_devs; i++)
		if (io->devs[i].sid == sid && io->devs[i].pasid == pasid)
			return &io->devs[i];
	return NULL;
}

static void test_walk_vtd_sm(void)
{
	static uint8_t root[4096], lower[4096], upper[4096], dir0[4096], tbl0[4096],
		dir8[4096], tbl8[4096], dir80[4096], tbl80[4096], empty[4096],
		sl_ro[4096], fl_ro[4096], sl_w[4096], map[8192];
	uint8_t *info, pe[64] = { 0 };
	const struct cdq_dev *d;
	struct cdq_vtd_pe p;
	struct cdq_vtd_sl_top t;
	enum cdq_perm r, w;
	struct cdq_report rep;
	struct cdq_img img;
	struct cdq_mem mem = { cdq_img_read, &img };
	struct imgbuf ib;
	size_t len;
	FILE *devnull = fopen("/dev/null", "w");

	/* PASID entry decode and access. */
	put64(pe, 1 | (2 << 2) | (2 << 6) | 0x300000);
	put64(pe + 8, 0xabcd);
	put64(pe + 16, 0x301000 | 1 | (1 << 4) | (1 << 2));
	cdq_vtd_pe_decode(pe, &p);
	CHECK("sm_pe_fields", p.present && p.pgtt == 2 && p.aw == 2 && p.did == 0xabcd &&
	      p.slptptr == 0x300000 && p.flptptr == 0x301000 && p.sre && p.wpe &&
	      p.fl_levels == 5 && !p.reserved);
	memset(&t, 0, sizeof(t));
	t.present = t.readable = 1;
	CHECK_EQ("sm_pe_sl_access", cdq_vtd_pe_access(&p, &t, &r, &w), CDQ_XLAT_SECOND_LEVEL);
	CHECK("sm_pe_sl_ro", r == CDQ_PERM_YES && w == CDQ_PERM_NO);
	p.pgtt = 1;
	p.wpe = false;
	CHECK_EQ("sm_pe_fl_access", cdq_vtd_pe_access(&p, &t, &r, &w), CDQ_XLAT_FIRST_LEVEL);
	CHECK("sm_pe_fl_supervisor_writes", w == CDQ_PERM_YES);
	p.pgtt = 4;
	CHECK_EQ("sm_pe_pt", cdq_vtd_pe_access(&p, NULL, &r, &w), CDQ_XLAT_PASS_THROUGH);
	CHECK("sm_pe_pt_rw", r == CDQ_PERM_YES && w == CDQ_PERM_YES);
	p.pgtt = 5;
	CHECK_EQ("sm_pe_pgtt_reserved", cdq_vtd_pe_access(&p, &t, &r, &w), CDQ_XLAT_INVALID);
	put64(pe, 1 | (1 << 10) | (2 << 6));
	cdq_vtd_pe_decode(pe, &p);
	CHECK("sm_pe_bit10_reserved", p.reserved);
	put64(fl_ro, 0x400000 | 1 | 4);		/* P, U/S: read-only */
	cdq_vtd_fl_top_decode(fl_ro, &t);
	CHECK("sm_fl_top", t.present == 1 && t.readable == 1 && t.writable == 0);

	/* Root: bus 0 lower and upper, bus 1 not in dump, bus 2 reserved bit. */
	put64(root + 0, 0x201000 | 1);
	put64(root + 8, 0x202000 | 1);
	put64(root + 16, 0x203000 | 1);
	put64(root + 32, 0x204000 | 1 | (1 << 3));
	/* 00:04.0: DTE, PDTS 0, RID_PASID 0. */
	put64(lower + 32 * 0x20, 0x210000 | 1 | (1 << 2));
	put64(dir0, 0x211000 | 1);
	pe_put(tbl0, 0, 1 | (2 << 2) | (2 << 6) | 0x300000, 5, 0);	/* SL, read-only */
	pe_put(tbl0, 3, 1 | (1 << 6), 6, 0x301000 | 1 | (1 << 4));	/* FL, SRE WPE */
	pe_put(tbl0, 4, 1 | (1 << 2) | (4 << 6), 1, 0);		/* PT */
	/* 00:05.0: directory not in the dump. */
	put64(lower + 32 * 0x28, 0x212000 | 1);
	/* 00:06.0: no present PASID entry. */
	put64(lower + 32 * 0x30, 0x213000 | 1);
	/* 00:07.0: reserved bit in qword 2. */
	put64(lower + 32 * 0x38, 0x213000 | 1);
	put64(lower + 32 * 0x38 + 16, 1);
	/* 00:08.0: nested on a writable SL; FL supervisor without WPE. */
	put64(lower + 32 * 0x40, 0x215000 | 1 | (1 << 9));	/* PDTS 1 */
	put64(dir8, 0x216000 | 1);
	pe_put(tbl8, 0, 1 | (1 << 2) | (3 << 6) | 0x302000, 7, 0x12345000);
	pe_put(tbl8, 1, 1 | (1 << 6), 8, 0x301000 | 1);
	/* 00:10.0 (devfn 0x80, upper table entry 0): RID_PASID 9. */
	put64(upper, 0x217000 | 1);
	put64(upper + 8, 9);
	put64(dir80, 0x218000 | 1);
	pe_put(tbl80, 9, 1 | (2 << 2) | (2 << 6) | 0x300000, 9, 0);
	put64(sl_ro, 0x400000 | 1);
	put64(sl_w, 0x400000 | 3);

	info = make_info(1, 2, 0x200000, 4096, &len);
	put32(info + 80 + 52, 1 | 128);		/* flags: qi, scalable (bit 7) */
	make_changed(map);
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, CHANGED_PHYS, map, sizeof(map));
	img_bytes(&ib, 0x200000, root, 4096);
	img_bytes(&ib, 0x201000, lower, 4096);
	img_bytes(&ib, 0x202000, upper, 4096);
	cdq_img_write_extent(ib.f, 0x203000, NULL, 4096, CDQ_IMG_ABSENT);
	img_bytes(&ib, 0x210000, dir0, 4096);
	img_bytes(&ib, 0x211000, tbl0, 4096);
	img_bytes(&ib, 0x213000, empty, 4096);
	img_bytes(&ib, 0x215000, dir8, 4096);
	img_bytes(&ib, 0x216000, tbl8, 4096);
	img_bytes(&ib, 0x217000, dir80, 4096);
	img_bytes(&ib, 0x218000, tbl80, 4096);
	img_bytes(&ib, 0x300000, sl_ro, 4096);
	img_bytes(&ib, 0x301000, fl_ro, 4096);
	img_bytes(&ib, 0x302000, sl_w, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);

	CHECK_EQ("sm_build", cdq_report_build(img.text, img.text_len, &mem, NULL, &rep), 0);
	CHECK("sm_scalable", rep.iommu[0].scalable);
	CHECK_EQ("sm_root_present", rep.iommu[0].nr_root_present, 3);
	CHECK_EQ("sm_root_reserved", rep.iommu[0].nr_bad_root, 1);
	CHECK("sm_root_upper", rep.iommu[0].roots[0].upresent &&
	      rep.iommu[0].roots[0].uctp == 0x202000 && rep.iommu[0].roots[0].ctp == 0x201000);
	CHECK_EQ("sm_entries", rep.iommu[0].nr_entries, 6);
	CHECK_EQ("sm_pasid_entries", rep.iommu[0].nr_pasid, 6);
	CHECK_EQ("sm_rows", rep.iommu[0].nr_devs, 9);
	d = find_pasid(&rep.iommu[0], 0x20, 0);
	CHECK("sm_sl_revoked", d && d->sm && d->rid_pasid && d->xlat == CDQ_XLAT_SECOND_LEVEL &&
	      d->read == CDQ_PERM_YES && d->write == CDQ_PERM_NO && d->changed &&
	      d->domain == 5 && d->levels == 4 && d->iotlb && d->pgtt == 2);
	d = find_pasid(&rep.iommu[0], 0x20, 3);
	CHECK("sm_fl_revoked", d && !d->rid_pasid && d->xlat == CDQ_XLAT_FIRST_LEVEL &&
	      d->write == CDQ_PERM_NO && d->domain == 6 && d->levels == 4);
	d = find_pasid(&rep.iommu[0], 0x20, 4);
	CHECK("sm_pt_writes", d && d->xlat == CDQ_XLAT_PASS_THROUGH && d->write == CDQ_PERM_YES);
	d = find_dev(&rep.iommu[0], 0x28);
	CHECK("sm_dir_absent", d && d->xlat == CDQ_XLAT_UNKNOWN && d->write == CDQ_PERM_UNKNOWN);
	d = find_dev(&rep.iommu[0], 0x30);
	CHECK("sm_no_pasid_entry", d && d->xlat == CDQ_XLAT_NOT_PRESENT && d->write == CDQ_PERM_NO);
	d = find_dev(&rep.iommu[0], 0x38);
	CHECK("sm_ctx_reserved", d && d->xlat == CDQ_XLAT_INVALID && d->write == CDQ_PERM_NO);
	d = find_pasid(&rep.iommu[0], 0x40, 0);
	CHECK("sm_nested_writes", d && d->xlat == CDQ_XLAT_NESTED && d->write == CDQ_PERM_YES &&
	      d->levels == 3 && d->table == 0x302000);
	d = find_pasid(&rep.iommu[0], 0x40, 1);
	CHECK("sm_fl_supervisor_writes", d && d->xlat == CDQ_XLAT_FIRST_LEVEL &&
	      d->write == CDQ_PERM_YES);
	d = find_pasid(&rep.iommu[0], 0x80, 9);
	CHECK("sm_upper_rid_pasid_9", d && d->rid_pasid && d->write == CDQ_PERM_NO &&
	      d->domain == 9);
	CHECK("sm_absent_bus1_lower", rep.iommu[0].nr_absent == 1 &&
	      rep.iommu[0].absent[0].first == 0x100 && rep.iommu[0].absent[0].last == 0x17f);
	CHECK_EQ("sm_nr_write", rep.iommu[0].nr_write, 3);
	CHECK_EQ("sm_nr_unknown", rep.iommu[0].nr_unknown, 1);
	CHECK_EQ("sm_verdict_fail", cdq_report_verdict(&rep, NULL), CDQ_FAIL);
	cdq_report_human(devnull, &rep, true);
	cdq_report_json(devnull, &rep);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);

	/* What the quiesce leaves: PT through SL, nested and FL revoked: pass. */
	pe_put(tbl0, 4, 1 | (1 << 2) | (2 << 6) | 0x300000, 1, 0);
	put64(sl_w, 0x400000 | 1);
	put64(tbl8 + 64 + 16, 0x301000 | 1 | (1 << 4));
	put64(root + 16, 0);
	img_start(&ib, vmci);
	img_bytes(&ib, INFO_PHYS, info, 80 + REC_LEN);
	img_bytes(&ib, 0x200000, root, 4096);
	img_bytes(&ib, 0x201000, lower, 4096);
	img_bytes(&ib, 0x202000, upper, 4096);
	img_bytes(&ib, 0x210000, dir0, 4096);
	img_bytes(&ib, 0x211000, tbl0, 4096);
	img_bytes(&ib, 0x212000, empty, 4096);
	img_bytes(&ib, 0x213000, empty, 4096);
	img_bytes(&ib, 0x215000, dir8, 4096);
	img_bytes(&ib, 0x216000, tbl8, 4096);
	img_bytes(&ib, 0x217000, dir80, 4096);
	img_bytes(&ib, 0x218000, tbl80, 4096);
	img_bytes(&ib, 0x300000, sl_ro, 4096);
	img_bytes(&ib, 0x301000, fl_ro, 4096);
	img_bytes(&ib, 0x302000, sl_w, 4096);
	fclose(ib.f);
	cdq_img_parse((uint8_t *)ib.data, ib.size, &img);
	cdq_report_build(img.text, img.text_len, &mem, NULL, &rep);
	CHECK_EQ("sm_after_quiesce_write", rep.iommu[0].nr_write, 0);
	CHECK_EQ("sm_after_quiesce_unknown", rep.iommu[0].nr_unknown, 0);
	CHECK_EQ("sm_verdict_pass", cdq_report_verdict(&rep, NULL), CDQ_PASS);
	cdq_report_free(&rep);
	cdq_img_free(&img);
	free(ib.data);
	free(info);
	fclose(devnull);
}

static void test_bdf(void)
{
	char b[8];

	CHECK("bdf_00_04_0", !strcmp(cdq_bdf(0x20, b), "00:04.0"));
	CHECK("bdf_01_00_0", !strcmp(cdq_bdf(0x100, b), "01:00.0"));
	CHECK("bdf_ff_1f_7", !strcmp(cdq_bdf(0xffff, b), "ff:1f.7"));
}

int main(void)
{
	RUN_CASE("inspect/decode/amd_dte", test_amd_dte());
	RUN_CASE("inspect/decode/vtd_entries", test_vtd_entries());
	RUN_CASE("inspect/decode/vmcoreinfo", test_vmcoreinfo());
	RUN_CASE("inspect/decode/info_decode", test_info_decode());
	RUN_CASE("inspect/decode/memimg", test_memimg());
	RUN_CASE("inspect/decode/walk_amd", test_walk_amd());
	RUN_CASE("inspect/decode/walk_vtd", test_walk_vtd());
	RUN_CASE("inspect/decode/walk_vtd_sm", test_walk_vtd_sm());
	RUN_CASE("inspect/decode/bdf", test_bdf());
	return check_failed ? 1 : 0;
}
