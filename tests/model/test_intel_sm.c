// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d scalable-mode scenarios: the real crash path
 * (kernel/crash_dma_quiesce.c, drivers/iommu/intel/crash_quiesce.c and
 * crash_quiesce_sm.c) against the scalable-mode model of model_vtd_sm.c:
 * first-level (4- and 5-level, supervisor requests), second-level, nested
 * and pass-through PASID entries, a PASID other than RID_PASID, a
 * RID_PASID other than 0, an upper-half context table, a device with
 * device-TLB; the PASID cache and the PASID-tagged IOTLB drop entries only
 * on the invalidations the specification prescribes (model_vtd_sm.c).
 * QEMU 7.2 offers none of this (it has no PASID cache, ignores PASID-cache
 * and PASID-based IOTLB invalidations, and implements second-level
 * translation only).
 *
 * Entries are written from VT-d sections 9.2 (root), 9.4 (context), 9.5
 * (PASID directory), 9.6 (PASID entry), 9.7 (first level) and 9.8 (second
 * level) with literal bit numbers, never from crash_quiesce_sm_hw.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "iommu.h"
#include "../oracle/oracle.h"

/* CAP: SAGAW 39/48-bit (9, 10), SLLPS 2M/1G (34, 35), FL5LP (60). */
#define CAP	((1ULL << 9) | (1ULL << 10) | (1ULL << 34) | (1ULL << 35) | (1ULL << 60))
/* ECAP: C 0, QI 1, DT 2, PT 6, NEST 26, PASID 40, SMTS 43, SLTS 46, FLTS 47. */
#define ECAP	((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 6) | (1ULL << 26) | \
		 (1ULL << 40) | (1ULL << 43) | (1ULL << 46) | (1ULL << 47))
#define SLTS		(1ULL << 46)
#define NEST		(1ULL << 26)
#define TES		(1U << 31)
#define RTPS		(1U << 30)
#define QIES		(1U << 26)
#define ITE		(1U << 6)
#define IOVA		0x10000000ULL
#define PT_IOVA		0x200000ULL	/* pass-through: a RAM address */
#define DATA		0x300000ULL	/* where translated IOVAs land */

enum kind { SL = 2, FL = 1, NESTED = 3, PT = 4 };

/* One DMA source: its entry and how it issues requests. */
static const struct acc {
	u16 sid;
	u32 pasid;		/* VTD_SM_NO_PASID: request without PASID */
	enum kind kind;
	unsigned int levels;	/* SL: AW + 2; FL: 4 or 5 */
	u16 did;
	bool supervisor;	/* FL: SRE set, WPE clear, supervisor request */
	bool dte;		/* device-TLB enabled in the context entry */
	u32 rid_pasid;
} accs[] = {
	{ 0x010, VTD_SM_NO_PASID, SL, 4, 2, false, false, 0 },
	{ 0x018, VTD_SM_NO_PASID, PT, 3, 1, false, false, 0 },
	{ 0x020, VTD_SM_NO_PASID, SL, 3, 3, false, false, 0 },
	{ 0x020, 5, FL, 4, 4, false, false, 0 },	/* PASID 5 */
	{ 0x028, VTD_SM_NO_PASID, FL, 5, 5, true, false, 0 },
	{ 0x030, VTD_SM_NO_PASID, NESTED, 4, 6, false, false, 0 },
	{ 0x038, VTD_SM_NO_PASID, SL, 4, 7, false, true, 0 },
	{ 0x188, VTD_SM_NO_PASID, SL, 4, 8, false, false, 9 },	/* upper half */
};
#define NACC	(sizeof(accs) / sizeof(accs[0]))
#define NDEV	7	/* distinct source ids */
#define ATS_SID	0x038

static u64 iova_of(const struct acc *a)
{
	return a->kind == PT ? PT_IOVA : IOVA;
}

static u64 root_phys;

/* The context entry of @sid (allocating the context table of its half). */
static u64 ctx_entry(u16 sid)
{
	u64 re = root_phys + (sid >> 8) * 16ULL + 8 * ((sid & 0xff) >> 7), ct;

	ct = model_rd64(re) & ~0xfffULL;
	if (!ct) {
		ct = model_alloc_page();
		model_wr64(re, ct | 1);		/* LP / UP */
	}
	return ct + 32ULL * (sid & 127);
}

/* PASID entry @pasid of directory @dir: returns its address. */
static u64 pasid_entry(u64 dir, u32 pasid)
{
	u64 pde = dir + 8ULL * (pasid >> 6), t = model_rd64(pde) & ~0xfffULL;

	if (!t) {
		t = model_alloc_page();
		model_wr64(pde, t | 1);
	}
	return t + 64ULL * (pasid & 63);
}

/* Map @iova -> @pa in a second-level hierarchy (R|W everywhere, 9.8). */
static void sl_map(u64 top, unsigned int levels, u64 iova, u64 pa)
{
	u64 t = top, e, slot;
	unsigned int l;

	for (l = levels; l > 1; l--) {
		slot = t + 8 * ((iova >> (12 + 9 * (l - 1))) & 511);
		e = model_rd64(slot);
		if (!e) {
			e = model_alloc_page() | 3;
			model_wr64(slot, e);
		}
		t = e & ~0xfffULL;
	}
	model_wr64(t + 8 * ((iova >> 12) & 511), (pa & ~0xfffULL) | 3);
}

/* The same for first-level tables: P | R/W | U/S (9.7). */
static void fl_map(u64 top, unsigned int levels, u64 iova, u64 pa)
{
	u64 t = top, e, slot;
	unsigned int l;

	for (l = levels; l > 1; l--) {
		slot = t + 8 * ((iova >> (12 + 9 * (l - 1))) & 511);
		e = model_rd64(slot);
		if (!e) {
			e = model_alloc_page() | 7;
			model_wr64(slot, e);
		}
		t = e & ~0xfffULL;
	}
	model_wr64(t + 8 * ((iova >> 12) & 511), (pa & ~0xfffULL) | 7);
}

/* Every table page reached from a first-level top (for nested). */
static void fl_pages(u64 top, unsigned int levels, u64 iova, u64 *pages)
{
	u64 t = top;
	unsigned int l, n = 0;

	for (l = levels; l >= 1; l--) {
		pages[n++] = t;
		if (l > 1)
			t = model_rd64(t + 8 * ((iova >> (12 + 9 * (l - 1))) & 511)) &
			    ~0xfffULL;
	}
}

static u64 dirs[0x200];	/* PASID directory by source id */

/* Build the entries of access @a. */
static void build(const struct acc *a)
{
	u64 ce = ctx_entry(a->sid), pe, top, sl, pages[5];
	u64 q0 = 1, q2 = 0;
	unsigned int i;

	if (!dirs[a->sid]) {
		dirs[a->sid] = model_alloc_page();
		/* P, PASIDE (3), DTE (2), PDTS 2 (bits 11:9), directory pointer. */
		model_wr64(ce, dirs[a->sid] | 1 | (1 << 3) | (2 << 9) |
			   (a->dte ? 1 << 2 : 0));
		model_wr64(ce + 8, a->rid_pasid);	/* RID_PASID 19:0 */
	}
	pe = pasid_entry(dirs[a->sid],
			 a->pasid == VTD_SM_NO_PASID ? a->rid_pasid : a->pasid);
	top = model_alloc_page();
	switch (a->kind) {
	case SL:
		sl_map(top, a->levels, IOVA, DATA);
		q0 |= top | (u64)(a->levels - 2) << 2 | 2 << 6;
		break;
	case PT:
		q0 |= (u64)(a->levels - 2) << 2 | 4 << 6;
		break;
	case FL:
		fl_map(top, a->levels, IOVA, DATA);
		q0 |= 1 << 6;
		q2 = top | (a->levels == 5 ? 1 << 2 : 0) | (a->supervisor ? 1 : 0);
		break;
	case NESTED:
		/* FL tables at guest-physical = host-physical, mapped by the SL. */
		fl_map(top, a->levels, IOVA, DATA);
		sl = model_alloc_page();
		fl_pages(top, a->levels, IOVA, pages);
		for (i = 0; i < a->levels; i++)
			sl_map(sl, 4, pages[i], pages[i]);
		sl_map(sl, 4, DATA, DATA);
		q0 |= sl | 2 << 2 | 3 << 6;
		q2 = top;
		break;
	}
	model_wr64(pe, q0);
	model_wr64(pe + 8, a->did);	/* DID 15:0 */
	model_wr64(pe + 16, q2);
}

static struct vtd_model *unit(u64 cap, u64 ecap, bool qi, const struct acc *list,
			      unsigned int n)
{
	struct vtd_model *m = vtd_model_new(cap, ecap);
	unsigned int i;

	memset(dirs, 0, sizeof(dirs));
	root_phys = model_alloc_page();
	for (i = 0; i < n; i++)
		build(&list[i]);
	m->rtaddr = root_phys | 1ULL << 10;	/* TTM 01b: scalable mode */
	m->iqa = model_alloc_page() | 1ULL << 11;	/* DW: 256-bit descriptors */
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | (qi ? QIES : 0);
	return m;
}

static bool dma(struct vtd_model *m, const struct acc *a, bool write, bool cached)
{
	return vtd_sm_model_dma(m, a->sid, a->pasid, iova_of(a), write, cached,
				a->supervisor);
}

static unsigned int count(struct vtd_model *m, const struct acc *list, unsigned int n,
			  bool write, bool cached)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += dma(m, &list[i], write, cached);
	return k;
}

static const struct crash_dma_quiesce_record *rec(void)
{
	return &crash_dma_quiesce_info.records[0];
}

/* Boot: every source writes once through the caches (fills them). */
static unsigned int boot(struct vtd_model *m, const struct acc *list, unsigned int n)
{
	model_run_initcalls();
	return count(m, list, n, true, true);
}

static struct vtd_model *std_unit(bool qi)
{
	struct vtd_model *m = unit(CAP, ECAP, qi, accs, NACC);
	unsigned int booted = boot(m, accs, NACC);

	CHECK_EQ(model_name("boot-writers"), booted, NACC);
	CHECK_EQ(model_name("boot-tables-allow"), count(m, accs, NACC, true, false), NACC);
	return m;
}

static void common(struct vtd_model *m, const struct model_pass *p, u8 inval, u8 state)
{
	CHECK_EQ(model_name("inval"), rec()->inval, inval);
	CHECK_EQ(model_name("state"), rec()->state, state);
	CHECK(model_name("flag-scalable"), rec()->flags & CRASH_DMA_QUIESCE_F_SCALABLE);
	CHECK(model_name("within-budget"), p->elapsed <= p->budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), m->gsts & TES);
	CHECK_EQ(model_name("no-bad-access"), model_dma_errors + model_mmio_errors, 0);
	CHECK_EQ(model_name("no-iqe"), m->iqe, 0);
}

/* Every write refused, from the tables and through the caches. */
static void all_refused(struct vtd_model *m)
{
	CHECK_EQ(model_name("tables-refuse-writes"), count(m, accs, NACC, true, false), 0);
	CHECK_EQ(model_name("oracle-writes-refused"), count(m, accs, NACC, true, true), 0);
}

static void healthy(void)
{
	struct vtd_model *m = std_unit(true);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	all_refused(m);
	CHECK_EQ(model_name("devices-changed"), rec()->entries_changed, NDEV);
	CHECK_EQ(model_name("devices-scanned"), rec()->entries_scanned, NDEV);
	CHECK(model_name("flag-identity"), rec()->flags & CRASH_DMA_QUIESCE_F_IDENTITY);
	/*
	 * Reads are kept: second level, nested, pass-through (identity); not
	 * through the two first-level entries, blocked at the PASID entry
	 * (issue 18: the crash path may not write their tables, which may be
	 * the CPU's), nor the ATS device's, which its ATC issues as a
	 * translated request: refused once DTE is clear (no device-TLB
	 * invalidation is sent, as in legacy mode).
	 */
	CHECK_EQ(model_name("reads-kept"), count(m, accs, NACC, false, true), NACC - 3);
	CHECK_EQ(model_name("devices-blocked"), rec()->entries_blocked, 2);
	CHECK_EQ(model_name("cc-desc"), m->desc[VTD_M_DESC_CC], 1);
	/* One global PASID-cache invalidation. */
	CHECK_EQ(model_name("pc-desc"), m->desc[VTD_M_DESC_PC], 1);
	/* (1, 0) pass-through, (4, 5) and (5, 0) first level. */
	CHECK_EQ(model_name("piotlb-desc"), m->desc[VTD_M_DESC_PIOTLB], 3);
	CHECK_EQ(model_name("iotlb-desc"), m->desc[VTD_M_DESC_IOTLB], 1);
	CHECK_EQ(model_name("dev-tlb-desc"), m->desc[VTD_M_DESC_DEV_TLB], 0);
	CHECK_EQ(model_name("wait-desc"), m->desc[VTD_M_DESC_WAIT], 1);
	CHECK(model_name("fast"), p.elapsed < p.budget / 100);
}

/*
 * QEMU 7.2's register file: IQA_REG does not read back DW, and a tail
 * write with bit 4 set in a 256-bit queue is ignored without IQE. Linux
 * set DW because the unit has ECAP.SMTS: the crash path must queue
 * 256-bit descriptors all the same.
 */
static void qemu_iqa(void)
{
	struct vtd_model *m = std_unit(true);
	struct model_pass p;

	m->qemu_iqa = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	all_refused(m);
	CHECK_EQ(model_name("wait-desc"), m->desc[VTD_M_DESC_WAIT], 1);
}

/*
 * Self-checks: a unit that ignores one kind of invalidation still
 * completes the wait. The record says OK; the oracle must disagree.
 */
static void ignored(u32 type, const char *what)
{
	struct vtd_model *m = std_unit(true);
	char name[64];

	m->drop_type = type;
	model_crash();
	CHECK_EQ(model_name("record-says-ok"), rec()->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("tables-alone-would-miss-it"),
		 count(m, accs, NACC, true, false), 0);
	snprintf(name, sizeof(name), "oracle-catches-%s", what);
	CHECK(model_name(name), count(m, accs, NACC, true, true) > 0);
}

static void pc_ignored(void) { ignored(VTD_M_DESC_PC, "stale-pasid-cache"); }
static void piotlb_ignored(void) { ignored(VTD_M_DESC_PIOTLB, "stale-pasid-iotlb"); }
static void iotlb_ignored(void) { ignored(VTD_M_DESC_IOTLB, "stale-iotlb"); }

/*
 * Queued invalidation off: context cache and IOTLB through the registers,
 * but PASID-cache and PASID-based IOTLB invalidations exist only as
 * descriptors: the record must say the invalidation was not possible.
 */
static void qi_off(void)
{
	struct vtd_model *m = std_unit(false);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_UNAVAILABLE, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("ccmd-inval"), m->ccmd_inv, 1);
	CHECK_EQ(model_name("iotlb-reg-inval"), m->iotlb_inv, 1);
	CHECK_EQ(model_name("tables-refuse-writes"), count(m, accs, NACC, true, false), 0);
	CHECK(model_name("oracle-stale-writes-survive"), count(m, accs, NACC, true, true) > 0);
}

/*
 * An ATS device that would never answer a device-TLB invalidation: none
 * is sent, so no ITE; its ATC still holds a writable translation, yet the
 * IOMMU refuses the translated write: DTE was cleared in the context
 * entry and the context cache invalidated.
 */
static void devtlb_timeout(void)
{
	struct vtd_model *m = std_unit(true);
	struct model_pass p;

	m->dtlb_timeout_sid = ATS_SID;
	m->dtlb_timeout = 1000000;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("no-ite"), m->ite, 0);
	all_refused(m);
}

/* crash_dma_quiesce=all: reads are revoked too. */
static void mode_all(void)
{
	struct vtd_model *m;
	struct model_pass p;

	model_set_param("crash_dma_quiesce", "all");
	m = std_unit(true);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	all_refused(m);
	CHECK_EQ(model_name("tables-refuse-reads"), count(m, accs, NACC, false, false), 0);
	CHECK_EQ(model_name("oracle-reads-refused"), count(m, accs, NACC, false, true), 0);
}

/*
 * Without second-level translation (ECAP.SLTS clear), a pass-through
 * entry cannot be pointed at the read-only identity table: it is made
 * not present (blocked, reads too). So is the first-level entry (issue
 * 18), whatever the unit supports; the record counts both devices in
 * entries_blocked (version 4).
 */
static void no_slts(void)
{
	static const struct acc list[] = {
		{ 0x018, VTD_SM_NO_PASID, PT, 3, 1, false, false, 0 },
		{ 0x028, VTD_SM_NO_PASID, FL, 4, 5, true, false, 0 },
	};
	struct vtd_model *m = unit(CAP, ECAP & ~(SLTS | NEST), true, list, 2);
	struct model_pass p;

	CHECK_EQ(model_name("boot-writers"), boot(m, list, 2), 2);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("tables-refuse-writes"), count(m, list, 2, true, false), 0);
	CHECK_EQ(model_name("oracle-writes-refused"), count(m, list, 2, true, true), 0);
	CHECK(model_name("pt-blocked-reads-too"), !dma(m, &list[0], false, true));
	CHECK(model_name("fl-blocked-reads-too"), !dma(m, &list[1], false, true));
	CHECK_EQ(model_name("devices-blocked"), rec()->entries_blocked, 2);
	CHECK(model_name("no-identity-flag"), !(rec()->flags & CRASH_DMA_QUIESCE_F_IDENTITY));
}

/*
 * Pointers the crash path may not follow: 00:02.0's PASID directory lies
 * in the crashkernel region, and the second-level table of 00:04.0's
 * RID_PASID entry too (the hardware uses both all the same). They are
 * left alone and counted rejected; the rest is quiesced. 00:04.0 still
 * loses write permission on PASID 5: a device is "changed" when at least
 * one PASID entry lost it.
 */
static void bad_pointers(void)
{
	struct vtd_model *m = unit(CAP, ECAP, true, accs, NACC);
	u64 ce = ctx_entry(0x010), lo = model_rd64(ce), dir = MODEL_CRASHK_BASE;
	u64 pe = pasid_entry(dirs[0x020], 0), q0 = model_rd64(pe);
	u64 sl = MODEL_CRASHK_BASE + 0x1000, i;
	struct model_pass p;

	/* Move 00:02.0's directory and 00:04.0's SL top into the region. */
	for (i = 0; i < 512; i++)
		model_wr64(dir + 8 * i, model_rd64((lo & ~0xfffULL) + 8 * i));
	model_wr64(ce, (lo & 0xfff) | dir);
	for (i = 0; i < 512; i++)
		model_wr64(sl + 8 * i, model_rd64((q0 & ~0xfffULL) + 8 * i));
	model_wr64(pe, (q0 & 0xfff) | sl);
	CHECK_EQ(model_name("boot-writers"), boot(m, accs, NACC), NACC);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_PARTIAL);
	CHECK_EQ(model_name("rejected"), rec()->entries_rejected, 2);
	CHECK(model_name("dir-device-not-changed"), !(model_rd64(rec()->changed_phys) & (1ULL << 0x10)));
	CHECK(model_name("partial-device-changed"), model_rd64(rec()->changed_phys) & (1ULL << 0x20));
	CHECK(model_name("dir-device-still-writes"), dma(m, &accs[0], true, true));
	CHECK(model_name("rejected-pasid-still-writes"), dma(m, &accs[2], true, true));
	CHECK(model_name("other-pasid-refused"), !dma(m, &accs[3], true, true));
	CHECK_EQ(model_name("others-refused"), count(m, accs, NACC, true, true), 2);
	CHECK_EQ(model_name("crashkernel-untouched"),
		 model_rd64(sl) & 2, 2);
}

/*
 * The early pass at panic entry, then the pass after the stop: every
 * write refused, and each device counted once although the pass after
 * the stop finds the pass-through entries pointing at the replacement
 * table and counts them as changed again.
 */
static void early_then_late(void)
{
	static struct q_inval drv_qi;
	static int drv_status[QI_LENGTH];
	struct vtd_model *m = std_unit(true);
	struct model_pass p;

	drv_qi.desc_status = drv_status;
	drv_qi.free_head = drv_qi.free_tail = (int)(m->iqt >> (DMAR_IQ_SHIFT + 1));
	drv_qi.free_cnt = QI_LENGTH;
	m->iommu->qi = &drv_qi;
	model_early();
	CHECK_EQ(model_name("early-ran"), crash_dma_quiesce_info.early_units, 1);
	CHECK_EQ(model_name("early-refuses"), count(m, accs, NACC, true, true), 0);
	CHECK_EQ(model_name("driver-head-at-tail"), (u64)drv_qi.free_head,
		 m->iqt >> (DMAR_IQ_SHIFT + 1));
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	all_refused(m);
	CHECK_EQ(model_name("devices-changed-once"), rec()->entries_changed, NDEV);
	CHECK(model_name("flag-early"), rec()->flags & CRASH_DMA_QUIESCE_F_EARLY);
}

/* dmar.c's view of an idle queue whose tail is the hardware's. */
static struct q_inval drv_qi2;
static int drv_status2[QI_LENGTH];

static void driver_qi(struct vtd_model *m)
{
	drv_qi2.desc_status = drv_status2;
	drv_qi2.free_head = drv_qi2.free_tail = (int)(m->iqt >> (DMAR_IQ_SHIFT + 1));
	drv_qi2.free_cnt = QI_LENGTH;
	m->iommu->qi = &drv_qi2;
}

/* Can PASID @pasid of 00:02.0 write IOVA (first-level entries below)? */
static bool fl_writes(struct vtd_model *m, u32 pasid, bool cached)
{
	return vtd_sm_model_dma(m, 0x010, pasid, IOVA, true, cached, false);
}

#define MANY	300

/*
 * The early pass with 300 domain ids (issue 18): 300 first-level PASID
 * entries of one device, each with its own domain id, beside a
 * second-level entry at RID_PASID, and the driver's whole queue free
 * (256 slots, 254 for the pass). The early pass queues the context-cache,
 * PASID-cache, IOTLB and wait descriptors whatever happens, and blocks
 * only as many first-level entries as it has slots left for their
 * PASID-based IOTLB invalidations; the rest stays for the pass after the
 * stop, which blocks them and invalidates every pair. Before, per-domain
 * descriptors came first and the limit cut the IOTLB flush and the wait.
 */
static void early_many_dids(void)
{
	static const struct acc sl0 = { 0x010, VTD_SM_NO_PASID, SL, 4, 2, false, false, 0 };
	struct vtd_model *m = unit(CAP, ECAP, true, &sl0, 1);
	u64 fl = model_alloc_page(), pe, q = model_alloc_page();
	unsigned int i, left, pairs_early;
	struct model_pass p;

	/* The driver's 256-slot queue of 256-bit descriptors: 2 pages, QS 1. */
	model_alloc_page();
	m->iqa = q | 1ULL << 11 | 1;
	fl_map(fl, 4, IOVA, DATA);
	for (i = 1; i <= MANY; i++) {
		pe = pasid_entry(dirs[0x010], i);
		model_wr64(pe, 1 | 1 << 6);		/* P, PGTT 001b */
		model_wr64(pe + 8, 100 + i);		/* DID */
		model_wr64(pe + 16, fl);		/* FLPTPTR, 4-level */
	}
	CHECK_EQ(model_name("boot-writers"), boot(m, &sl0, 1), 1);
	CHECK(model_name("boot-fl-writes"), fl_writes(m, 1, true) && fl_writes(m, MANY, true));
	driver_qi(m);
	model_early_queue_short = true;
	model_early();
	CHECK_EQ(model_name("early-cc"), m->desc[VTD_M_DESC_CC], 1);
	CHECK_EQ(model_name("early-pc"), m->desc[VTD_M_DESC_PC], 1);
	CHECK_EQ(model_name("early-iotlb"), m->desc[VTD_M_DESC_IOTLB], 1);
	CHECK_EQ(model_name("early-wait"), m->desc[VTD_M_DESC_WAIT], 1);
	pairs_early = m->desc[VTD_M_DESC_PIOTLB];
	CHECK_EQ(model_name("early-within-driver-slots"),
		 m->desc[VTD_M_DESC_CC] + m->desc[VTD_M_DESC_PC] +
		 m->desc[VTD_M_DESC_IOTLB] + m->desc[VTD_M_DESC_WAIT] + pairs_early,
		 QI_LENGTH - 2);
	CHECK(model_name("early-sl-refused"), !dma(m, &sl0, true, true));
	for (i = 1, left = 0; i <= MANY; i++)
		left += fl_writes(m, i, true);
	CHECK_EQ(model_name("early-blocked-what-it-invalidated"), left, MANY - pairs_early);
	CHECK_EQ(model_name("driver-head-at-tail"), (u64)drv_qi2.free_head,
		 m->iqt >> (DMAR_IQ_SHIFT + 1));
	CHECK_EQ(model_name("driver-slots-reclaimed"), drv_qi2.free_cnt, QI_LENGTH);
	CHECK_EQ(model_name("early-not-counted"), crash_dma_quiesce_info.early_units, 0);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	for (i = 1, left = 0; i <= MANY; i++)
		left += fl_writes(m, i, true) + fl_writes(m, i, false);
	CHECK_EQ(model_name("late-all-refused"), left, 0);
	CHECK(model_name("late-sl-refused"), !dma(m, &sl0, true, true));
	CHECK_EQ(model_name("late-every-pair"), m->desc[VTD_M_DESC_PIOTLB] - pairs_early, MANY);
	CHECK_EQ(model_name("device-blocked"), rec()->entries_blocked, 1);
}

/*
 * The unit refuses the pass's own descriptor (the global PASID-cache
 * invalidation, as a unit without it would): IQE stops the queue on it.
 * The early pass puts a context-cache invalidation in its place and
 * clears IQE before it lets the driver's lock go, so that no later
 * submitter spins on a queue stopped on a descriptor that is not its own
 * (6.1's qi_submit_sync() has no time-out); its outcome is an error.
 */
static void early_own_iqe(void)
{
	struct vtd_model *m = std_unit(true);

	m->bad_type = VTD_M_DESC_PC;
	driver_qi(m);
	model_early();
	CHECK_EQ(model_name("iqe-raised"), m->iqe, 1);
	CHECK(model_name("iqe-cleared-before-unlock"), !(m->fsts & (1U << 4)));
	CHECK_EQ(model_name("queue-drained"), m->iqh, m->iqt);
	CHECK_EQ(model_name("wait-ran"), m->desc[VTD_M_DESC_WAIT], 1);
	CHECK_EQ(model_name("driver-head-at-tail"), (u64)drv_qi2.free_head,
		 m->iqt >> (DMAR_IQ_SHIFT + 1));
	CHECK_EQ(model_name("locks-released"),
		 drv_qi2.q_lock.locked + m->iommu->register_lock.locked, 0);
	CHECK_EQ(model_name("early-not-counted"), crash_dma_quiesce_info.early_units, 0);
	model_crash();
	CHECK_EQ(model_name("late-inval-error"), rec()->inval, CRASH_DMA_QUIESCE_INV_ERROR);
	CHECK(model_name("late-iqe-cleared"), !(m->fsts & (1U << 4)));
	CHECK(model_name("no-flag-early"), !(rec()->flags & CRASH_DMA_QUIESCE_F_EARLY));
}

/* ------------------------------------------------------------------
 * Whole-state scenarios (issue 18): entries at the walk's bounds (bus
 * 0x7f / 0x80 / 0xff, both root halves, devfn 0xff, the last entry of a
 * PASID table and of a 16384-entry PASID directory: PASID 0xfffff,
 * top-level index 511), SVA bindings (first-level PASID entries whose
 * FLPTPTR is a CPU page table) and random tables over many buses,
 * devfns and PASIDs. The whole-state oracles of model_crash() judge every
 * entry; the DMA checks give a second opinion on what the scenario built.
 */

#define CAP5	(CAP | (1ULL << 11))	/* 5-level second-level tables too */
#define KVA	0xffff888000200000ULL	/* a kernel direct-map address */
#define UVA	0x00007f0000001000ULL	/* a user address */

/*
 * Context entry of @sid (9.4): a PASID directory of 2^(PDTS + 7) entries
 * (contiguous pages), PASIDE set, DTE as asked, RID_PASID.
 */
static u64 sm_ctx(u16 sid, unsigned int pdts, bool dte, u32 rid_pasid)
{
	u64 ce = ctx_entry(sid), dir = model_alloc_page();
	unsigned int i, pages = ((1u << (pdts + 7)) * 8 + 4095) / 4096;

	for (i = 1; i < pages; i++)
		model_alloc_page();	/* consecutive */
	model_wr64(ce, dir | 1 | (1 << 3) | (u64)pdts << 9 | (dte ? 1 << 2 : 0));
	model_wr64(ce + 8, rid_pasid);
	return dir;
}

/* PASID entry (9.6) @pasid of directory @dir: qwords 0-2. */
static u64 sm_pe(u64 dir, u32 pasid, u64 q0, u16 did, u64 q2)
{
	u64 pe = pasid_entry(dir, pasid);

	model_wr64(pe, q0);
	model_wr64(pe + 8, did);
	model_wr64(pe + 16, q2);
	return pe;
}

static u64 pe_sl(unsigned int aw, u64 top)
{
	return 1 | (u64)aw << 2 | 2 << 6 | top;
}

/* A CPU page table hierarchy mapping @va to @pa, every page tagged. */
static void cpu_map(u64 pgd, unsigned int levels, u64 va, u64 pa)
{
	u64 t = pgd, e, slot;
	unsigned int l;

	model_page_role(pgd, OR_CPU_PT);
	for (l = levels; l > 1; l--) {
		slot = t + 8 * ((va >> (12 + 9 * (l - 1))) & 511);
		e = model_rd64(slot);
		if (!e) {
			e = model_alloc_page() | 7;	/* P, R/W, U/S */
			model_page_role(e, OR_CPU_PT);
			model_wr64(slot, e);
		}
		t = e & ~0xfffULL;
	}
	model_wr64(t + 8 * ((va >> 12) & 511), (pa & ~0xfffULL) | 7);
}

static const struct sm_edge {
	u16 sid;
	u32 pasid;		/* VTD_SM_NO_PASID: without PASID */
	enum kind kind;
	unsigned int aw;	/* second level: 1-3 */
	u64 iova;
} sm_edges[] = {
	{ 0x0000, VTD_SM_NO_PASID, SL, 2, 0xff8000000000ULL },	/* 00:00.0, index 511 */
	{ 0x007f, VTD_SM_NO_PASID, SL, 1, 0x7fc0000000ULL },	/* lower half, last */
	{ 0x7f80, VTD_SM_NO_PASID, NESTED, 2, IOVA },		/* bus 0x7f, upper half */
	{ 0x80ff, VTD_SM_NO_PASID, PT, 2, PT_IOVA },		/* bus 0x80, devfn 0xff */
	{ 0xff00, VTD_SM_NO_PASID, SL, 2, IOVA },		/* bus 0xff, PDTS 7 */
	{ 0xff00, 0x3f, SL, 2, 0xff8000000000ULL },		/* last of table 0 */
	{ 0xff00, 0x40, SL, 3, 0x1ff000000000000ULL },		/* directory entry 1 */
	{ 0xff00, 0xfffc0, PT, 2, PT_IOVA },			/* directory entry 0x3fff */
	{ 0xff00, 0xfffff, SL, 3, 0x1ff000000000000ULL },	/* PASID 0xfffff */
	{ 0xffff, VTD_SM_NO_PASID, SL, 2, 0xff8000000000ULL },	/* ff:1f.7, RID_PASID 0xfffff */
	{ 0xffff, 0xffffe, NESTED, 2, IOVA },
};
#define NSMEDGE	(sizeof(sm_edges) / sizeof(sm_edges[0]))

static bool edge_dma(struct vtd_model *m, const struct sm_edge *e, bool write,
		     bool cached)
{
	return vtd_sm_model_dma(m, e->sid, e->pasid, e->iova, write, cached, false);
}

static void sm_edges_scenario(void)
{
	struct vtd_model *m = vtd_model_new(CAP5, ECAP);
	u64 data = model_alloc_page(), dir = 0, top, sl, pages[5];
	unsigned int i, j, n;
	struct model_pass p;
	u16 last = 0;
	u32 rid;

	memset(dirs, 0, sizeof(dirs));
	root_phys = model_alloc_page();
	for (i = 0; i < NSMEDGE; i++) {
		const struct sm_edge *e = &sm_edges[i];

		rid = e->sid == 0xffff ? 0xfffff : 0;
		if (!i || e->sid != last)
			dir = sm_ctx(e->sid, e->sid >> 8 == 0xff ? 7 : 0,
				     e->sid == 0xffff, rid);
		last = e->sid;
		top = model_alloc_page();
		switch (e->kind) {
		case SL:
			sl_map(top, e->aw + 2, e->iova, data);
			sm_pe(dir, e->pasid == VTD_SM_NO_PASID ? rid : e->pasid,
			      pe_sl(e->aw, top), (u16)(0x10 + i), 0);
			break;
		case PT:
			sm_pe(dir, e->pasid == VTD_SM_NO_PASID ? rid : e->pasid,
			      1 | (u64)e->aw << 2 | 4 << 6, (u16)(0x10 + i), 0);
			break;
		default:	/* nested: first level at guest-physical = host-physical */
			fl_map(top, 4, e->iova, data);
			sl = model_alloc_page();
			fl_pages(top, 4, e->iova, pages);
			for (j = 0; j < 4; j++)
				sl_map(sl, 4, pages[j], pages[j]);
			sl_map(sl, 4, data, data);
			sm_pe(dir, e->pasid == VTD_SM_NO_PASID ? rid : e->pasid,
			      1 | 2 << 2 | 3 << 6 | sl, (u16)(0x10 + i), top);
			break;
		}
	}
	m->rtaddr = root_phys | 1ULL << 10;
	m->iqa = model_alloc_page() | 1ULL << 11;
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | QIES;
	model_run_initcalls();
	for (i = 0, n = 0; i < NSMEDGE; i++)
		n += edge_dma(m, &sm_edges[i], true, true);
	CHECK_EQ(model_name("boot-writers"), n, NSMEDGE);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	for (i = 0, n = 0; i < NSMEDGE; i++)
		n += edge_dma(m, &sm_edges[i], true, true);
	CHECK_EQ(model_name("oracle-writes-refused"), n, 0);
	for (i = 0, n = 0; i < NSMEDGE; i++)
		n += edge_dma(m, &sm_edges[i], false, false);
	CHECK_EQ(model_name("reads-kept"), n, NSMEDGE);
	CHECK(model_name("ffff-in-changed-bitmap"),
	      model_rd64(rec()->changed_phys + 8 * (0xffff / 64)) >> 63 & 1);
}

/*
 * SVA: a device with its DMA API domain on RID_PASID (second level) and a
 * first-level PASID entry whose FLPTPTR is a CPU page table: init_mm's
 * pgd for a supervisor bind (@supervisor, SRE and WPE set, as 6.1's
 * intel_pasid_setup_first_level() does for it; idxd binds its system
 * PASID so at probe), or a user mm's pgd (5-level paging, a PASID other
 * than RID_PASID). The promise: the PASID entry is no longer present
 * (blocked, reads too), the CPU page table is never written, the record
 * counts the device in entries_blocked; the RID_PASID entry keeps reads.
 */
static void sva(bool supervisor)
{
	struct vtd_model *m = vtd_model_new(CAP5, ECAP);
	u64 data = model_alloc_page(), kdata = model_alloc_page();
	u64 pgd = model_alloc_page(), top = model_alloc_page(), dir, pe;
	u16 sid = supervisor ? 0x6a08 : 0x3a00;
	u32 pasid = supervisor ? 2 : 0x1234;
	u64 va = supervisor ? KVA : UVA;
	unsigned int levels = supervisor ? 4 : 5;
	static u8 pt_before[4096];
	struct model_pass p;

	memset(dirs, 0, sizeof(dirs));
	root_phys = model_alloc_page();
	model_page_role(kdata, OR_DATA);
	dir = sm_ctx(sid, 0, false, 0);
	sl_map(top, 4, IOVA, data);
	sm_pe(dir, 0, pe_sl(2, top), 3, 0);
	cpu_map(pgd, levels, va, kdata);
	/* A second mapping in the same pgd: the kernel's, or the user's stack. */
	cpu_map(pgd, levels, supervisor ? 0xffffffff81000000ULL : 0x7ffc00000000ULL, data);
	pe = sm_pe(dir, pasid, 1 | 1 << 6, 4,
		   pgd | (levels == 5 ? 1 << 2 : 0) | (supervisor ? 1 | 1 << 4 : 0));
	m->rtaddr = root_phys | 1ULL << 10;
	m->iqa = model_alloc_page() | 1ULL << 11;
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | QIES;
	model_run_initcalls();
	CHECK(model_name("sva-writes-before"),
	      vtd_sm_model_dma(m, sid, pasid, va, true, true, supervisor));
	CHECK(model_name("rid-writes-before"),
	      vtd_sm_model_dma(m, sid, VTD_SM_NO_PASID, IOVA, true, true, false));
	memcpy(pt_before, model_mem(pgd, 4096), 4096);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	CHECK(model_name("pgd-untouched"), !memcmp(pt_before, model_mem(pgd, 4096), 4096));
	CHECK(model_name("sva-pasid-entry-blocked"), !(model_rd64(pe) & 1));
	CHECK(model_name("sva-write-refused"),
	      !vtd_sm_model_dma(m, sid, pasid, va, true, true, supervisor));
	CHECK(model_name("sva-read-refused-too"),
	      !vtd_sm_model_dma(m, sid, pasid, va, false, true, supervisor));
	CHECK(model_name("rid-write-refused"),
	      !vtd_sm_model_dma(m, sid, VTD_SM_NO_PASID, IOVA, true, true, false));
	CHECK(model_name("rid-read-kept"),
	      vtd_sm_model_dma(m, sid, VTD_SM_NO_PASID, IOVA, false, true, false));
}

static void sva_supervisor(void) { sva(true); }
static void sva_user(void) { sva(false); }

/* A deterministic pseudo-random sequence (xorshift64*). */
static u64 rng_state;
static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* Shared second-level top-level tables with mappings at random indices. */
#define SM_NTOP	16
#define SM_NMAP	4
static struct smtop {
	u64 phys;
	unsigned int aw, n;
	u64 iova[SM_NMAP];
} smtops[SM_NTOP];

/* What the random scenario built: one (source id, PASID, type, IOVA) each. */
#define SM_NACC	1500
static struct racc {
	u16 sid;
	u32 pasid;
	enum kind kind;
	u64 iova;
	bool supervisor;
} raccs[SM_NACC];
static unsigned int nracc;

static bool racc_dma(struct vtd_model *m, const struct racc *a, bool write,
		     bool cached)
{
	return vtd_sm_model_dma(m, a->sid, a->pasid, a->iova, write, cached,
				a->supervisor);
}

/*
 * Random tables: 24 buses (0x00, 0x7f, 0x80, 0xff among them), both
 * halves, up to 14 devices per bus, PASID directories of 2^7 to 2^14
 * entries, up to 6 PASIDs per device (the directory's last one among
 * them), second-level (3-5 levels, shared tables, mappings at index 511
 * and 0 included), nested and pass-through entries, DTE / PRE; with @fl,
 * first-level entries too, on four CPU page tables (init_mm's and three
 * user mm's, tagged).
 */
static void sm_random(bool all, bool fl)
{
	struct vtd_model *m;
	u64 data, iova, top, pgds[4], sl, pages[5];
	unsigned int i, j, b, k, t, big = 0, w_before = 0, w_after = 0, reads = 0;
	u8 buses[24];
	struct model_pass p;

	rng_state = 0x5eed5ca1ULL + all + 2 * fl;
	if (all)
		CHECK_EQ(model_name("set-all"), model_set_param("crash_dma_quiesce", "all"), 0);
	m = vtd_model_new(CAP5, ECAP);
	memset(dirs, 0, sizeof(dirs));
	root_phys = model_alloc_page();
	data = model_alloc_page();
	for (i = 0; i < SM_NTOP; i++) {
		smtops[i].phys = model_alloc_page();
		smtops[i].aw = 1 + i % 3;
		smtops[i].n = 1 + (unsigned int)(rnd() % SM_NMAP);
		for (j = 0; j < smtops[i].n; j++) {
			unsigned int shift = 12 + 9 * (smtops[i].aw + 1);
			unsigned int idx = j == 0 ? 511 : j == 1 ? 0 : (unsigned int)(rnd() % 512);

			iova = (u64)idx << shift | (rnd() & ((1ULL << shift) - 1) & ~0xfffULL);
			smtops[i].iova[j] = iova;
			sl_map(smtops[i].phys, smtops[i].aw + 2, iova, data);
		}
	}
	for (i = 0; i < 4; i++) {
		pgds[i] = model_alloc_page();
		cpu_map(pgds[i], 4, i ? UVA + (i << 21) : KVA, data);
	}
	buses[0] = 0x00;
	buses[1] = 0x7f;
	buses[2] = 0x80;
	buses[3] = 0xff;
	for (b = 4; b < sizeof(buses); b++)
		buses[b] = (u8)(1 + rnd() % 254);
	nracc = 0;
	for (b = 0; b < sizeof(buses); b++) {
		unsigned int ndev = 1 + (unsigned int)(rnd() % 14);

		for (k = 0; k < ndev; k++) {
			u16 sid = (u16)(buses[b] << 8 | (k == 0 ? 0xff : k == 1 ? 0x7f :
							 (unsigned int)(rnd() % 256)));
			unsigned int pdts = rnd() % 10 == 0 && big < 4 ? 7 :
					    (unsigned int)(rnd() % 3);
			u32 npasid = (1u << (pdts + 7)) * 64, rid = 0;
			unsigned int np = (unsigned int)(rnd() % 7);
			u64 dir;

			/* A source id once only (its context entry is the last). */
			for (j = 0; j < nracc && raccs[j].sid != sid; j++)
				;
			if (j < nracc)
				continue;
			big += pdts == 7;
			if (rnd() % 8 == 0)
				rid = (u32)(rnd() % npasid);
			dir = sm_ctx(sid, pdts, rnd() % 4 == 0, rid);
			if (rnd() % 8 == 0)	/* PRE too */
				model_wr64(ctx_entry(sid), model_rd64(ctx_entry(sid)) | 1 << 4);
			for (j = 0; j <= np && nracc < SM_NACC; j++) {
				u32 pasid = j == 0 ? rid : j == 1 ? npasid - 1 :
					    (u32)(rnd() % npasid);
				unsigned int r = (unsigned int)(rnd() % 100);
				struct racc *a = &raccs[nracc];
				u16 did = (u16)(1 + rnd() % 0xfffe);

				if (j && pasid == rid)
					continue;
				if (pasid_entry(dir, pasid) && (model_rd64(pasid_entry(dir, pasid)) & 1))
					continue;	/* the same PASID twice */
				a->sid = sid;
				a->pasid = j == 0 ? VTD_SM_NO_PASID : pasid;
				a->supervisor = false;
				t = (unsigned int)(rnd() % SM_NTOP);
				a->iova = smtops[t].iova[rnd() % smtops[t].n];
				if (fl && r < 25) {
					unsigned int g = (unsigned int)(rnd() % 4);

					a->kind = FL;
					a->supervisor = g == 0;
					a->iova = g ? UVA + ((u64)g << 21) : KVA;
					sm_pe(dir, pasid, 1 | 1 << 6, did,
					      pgds[g] | (g == 0 ? 1 | 1 << 4 : 0));
				} else if (r < 60) {
					a->kind = SL;
					sm_pe(dir, pasid, pe_sl(smtops[t].aw, smtops[t].phys), did, 0);
				} else if (r < 88) {
					a->kind = PT;
					a->iova = PT_IOVA;
					sm_pe(dir, pasid, 1 | (u64)(1 + rnd() % 3) << 2 | 4 << 6,
					      did, 0);
				} else {
					/* Nested: first level at guest-physical = host-physical. */
					a->kind = NESTED;
					a->iova = IOVA;
					top = model_alloc_page();
					fl_map(top, 4, IOVA, data);
					sl = model_alloc_page();
					fl_pages(top, 4, IOVA, pages);
					for (i = 0; i < 4; i++)
						sl_map(sl, 4, pages[i], pages[i]);
					sl_map(sl, 4, data, data);
					sm_pe(dir, pasid, 1 | 2 << 2 | 3 << 6 | sl, did, top);
				}
				nracc++;
			}
		}
	}
	m->rtaddr = root_phys | 1ULL << 10;
	m->iqa = model_alloc_page() | 1ULL << 11;
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | QIES;
	model_run_initcalls();
	for (i = 0; i < nracc; i++)
		w_before += racc_dma(m, &raccs[i], true, true);
	CHECK_EQ(model_name("boot-writers"), w_before, nracc);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK, CRASH_DMA_QUIESCE_DONE);
	for (i = 0; i < nracc; i++) {
		w_after += racc_dma(m, &raccs[i], true, true);
		reads += racc_dma(m, &raccs[i], false, false);
	}
	CHECK_EQ(model_name("oracle-writes-refused"), w_after, 0);
	if (all)
		CHECK_EQ(model_name("reads-refused"), reads, 0);
	else
		CHECK(model_name("reads-kept"), reads > 0);
}

static void sm_random_write(void) { sm_random(false, false); }
static void sm_random_all(void) { sm_random(true, false); }
static void sm_random_sva(void) { sm_random(false, true); }

int main(void)
{
	model_scenario("intel-sm-healthy", healthy);
	model_scenario("intel-sm-qi-off", qi_off);
	model_scenario("intel-sm-qemu-iqa", qemu_iqa);
	model_scenario("intel-sm-devtlb-timeout", devtlb_timeout);
	model_scenario("intel-sm-mode-all", mode_all);
	model_scenario("intel-sm-no-slts", no_slts);
	model_scenario("intel-sm-bad-pointers", bad_pointers);
	model_scenario("intel-sm-selfcheck-pasid-cache", pc_ignored);
	model_scenario("intel-sm-selfcheck-pasid-iotlb", piotlb_ignored);
	model_scenario("intel-sm-selfcheck-iotlb", iotlb_ignored);
	model_scenario("intel-sm-early-then-late", early_then_late);
	model_scenario("intel-sm-early-300-domains", early_many_dids);
	model_scenario("intel-sm-early-own-iqe-repaired", early_own_iqe);
	model_scenario("intel-sm-edges", sm_edges_scenario);
	model_scenario("intel-sm-sva-supervisor", sva_supervisor);
	model_scenario("intel-sm-sva-user", sva_user);
	model_scenario("intel-sm-random-wide", sm_random_write);
	model_scenario("intel-sm-random-wide-all", sm_random_all);
	model_scenario("intel-sm-random-sva", sm_random_sva);
	return 0;
}
