// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d scenarios: the real crash path (kernel/crash_dma_quiesce.c and
 * drivers/iommu/intel/crash_quiesce.c, identity tables built by its own
 * initcall) against the model of model_vtd.c, healthy and in the states
 * QEMU 7.2 cannot produce (queued invalidation off, stopped, in error or
 * time-out state, full queue, slow or unresponsive hardware). Every
 * scenario runs in its own process; see model.h.
 *
 * Root, context and second-level entries are written from VT-d sections
 * 9.1, 9.3 and 9.8 (literal bit numbers), never from crash_quiesce_hw.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "iommu.h"
#include "model_kernel.h"

/* CAP: SAGAW 39/48-bit (bits 9, 10), SLLPS 2 MiB + 1 GiB (34, 35); RWBF bit 4. */
#define CAP		((1ULL << 9) | (1ULL << 10) | (1ULL << 34) | (1ULL << 35))
#define CAP_RWBF	(1ULL << 4)
/* ECAP: C (0), QI (1), DT (2), PT (6). */
#define ECAP		((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 6))
/* GSTS: TES 31, RTPS 30, QIES 26. */
#define TES		(1U << 31)
#define RTPS		(1U << 30)
#define QIES		(1U << 26)
#define IQE		(1U << 4)
#define ITE		(1U << 6)
#define ICE		(1U << 5)
#define RW		3ULL	/* second-level R | W */
#define IOVA		0x10000000ULL
#define PT_IOVA		0x200000ULL	/* pass-through: a RAM address */

/* Source id, TT (0 translated, 1 device-TLB, 2 pass-through), AW, DID. */
static const struct dev {
	u16 sid;
	unsigned int tt, aw;
	u16 did;
} devs[] = {
	{ 0x10, 0, 2, 1 },	/* 4-level */
	{ 0x18, 0, 1, 2 },	/* 3-level */
	{ 0x20, 2, 2, 3 },	/* pass-through */
	{ 0x28, 1, 2, 4 },	/* ATS: device-TLB allowed */
};
#define NDEV	(sizeof(devs) / sizeof(devs[0]))
#define ATS_SID	0x28

static u64 iova_of(const struct dev *d)
{
	return d->tt == 2 ? PT_IOVA : IOVA;
}

/* Second-level tables of @levels levels mapping IOVA, R|W everywhere. */
static u64 sl_tables(unsigned int levels)
{
	u64 top = model_alloc_page(), t = top, next;
	unsigned int l;

	for (l = levels; l >= 1; l--) {
		next = model_alloc_page();
		model_wr64(t + 8 * ((IOVA >> (12 + 9 * (l - 1))) & 511), next | RW);
		t = next;
	}
	return top;
}

/* A unit as the crashed kernel left it, translating devs[] (no ATS if !ats). */
static struct vtd_model *unit(u64 cap, bool qi, bool ats)
{
	struct vtd_model *m = vtd_model_new(cap, ECAP);
	u64 root = model_alloc_page(), ctx = model_alloc_page();
	unsigned int i;

	model_wr64(root, ctx | 1);	/* bus 0 */
	for (i = 0; i < NDEV; i++) {
		const struct dev *d = &devs[i];
		u64 lo = 1 | (u64)d->tt << 2;

		if (d->tt == 1 && !ats)
			continue;
		if (d->tt != 2)
			lo |= sl_tables(d->aw + 2);
		model_wr64(ctx + 16 * (d->sid & 0xff), lo);
		model_wr64(ctx + 16 * (d->sid & 0xff) + 8, d->aw | (u64)d->did << 8);
	}
	m->rtaddr = root;
	m->iqa = model_alloc_page();	/* QS 0: 256 descriptors */
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | (qi ? QIES : 0);
	return m;
}

static unsigned int nwritable;	/* devices that could write at boot */

static void boot(struct vtd_model **ms, unsigned int n)
{
	unsigned int i, j;

	model_run_initcalls();
	nwritable = 0;
	for (j = 0; j < n; j++)
		for (i = 0; i < NDEV; i++)
			nwritable += vtd_model_dma(ms[j], devs[i].sid,
						   iova_of(&devs[i]), true, true);
	nwritable /= n;
}

static unsigned int writable(struct vtd_model *m, bool cached)
{
	unsigned int i, n = 0;

	for (i = 0; i < NDEV; i++)
		n += vtd_model_dma(m, devs[i].sid, iova_of(&devs[i]), true, cached);
	return n;
}

static const struct crash_dma_quiesce_record *rec(unsigned int i)
{
	return &crash_dma_quiesce_info.records[i];
}

/* What every pass must satisfy, whatever the fault. */
static void common(struct vtd_model *m, const struct model_pass *p, u8 inval)
{
	CHECK_EQ(model_name("inval"), rec(0)->inval, inval);
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("entries-changed"), rec(0)->entries_changed, nwritable);
	CHECK(model_name("within-budget"), p->elapsed <= p->budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), m->gsts & TES);
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m, false), 0);
	CHECK(model_name("reads-kept"), vtd_model_dma(m, 0x10, IOVA, false, true) &&
	      vtd_model_dma(m, 0x20, PT_IOVA, false, false));
	CHECK_EQ(model_name("no-bad-access"), model_dma_errors + model_mmio_errors, 0);
	/* The log lines go to the log buffer only, never to a console. */
	CHECK_EQ(model_name("no-console-line"), p->console_lines, 0);
	CHECK_EQ(model_name("log-line-per-unit"), p->log_lines,
		 crash_dma_quiesce_info.nr_records);
	/* The oracle: a record saying OK means no cached write survived. */
	if (rec(0)->inval == CRASH_DMA_QUIESCE_INV_OK)
		CHECK_EQ(model_name("oracle-writes-refused"), writable(m, true), 0);
}

/* The invalidation did not (fully) run: the caches still allow writes. */
static void stale(struct vtd_model *m, unsigned int n)
{
	CHECK_EQ(model_name("oracle-stale-writes-survive"), writable(m, true), n);
}

static struct vtd_model *one(u64 cap, bool qi, bool ats)
{
	struct vtd_model *m = unit(cap, qi, ats);

	boot(&m, 1);
	return m;
}

static void healthy_qi(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("boot-writers"), nwritable, NDEV);
	CHECK(model_name("flag-qi"), rec(0)->flags & CRASH_DMA_QUIESCE_F_QI);
	CHECK(model_name("flag-identity"), rec(0)->flags & CRASH_DMA_QUIESCE_F_IDENTITY);
	CHECK_EQ(model_name("cc-desc"), m->desc[VTD_M_DESC_CC], 1);
	CHECK_EQ(model_name("iotlb-desc"), m->desc[VTD_M_DESC_IOTLB], 1);
	/* TT 01b became 00b: no device-TLB invalidation is needed. */
	CHECK_EQ(model_name("no-dev-tlb-desc"), m->desc[VTD_M_DESC_DEV_TLB], 0);
	CHECK(model_name("flag-ats-off"), rec(0)->flags & CRASH_DMA_QUIESCE_F_ATS_OFF);
	CHECK_EQ(model_name("wait-desc"), m->desc[VTD_M_DESC_WAIT], 1);
	CHECK_EQ(model_name("no-register-inval"), m->ccmd_inv + m->iotlb_inv, 0);
	CHECK(model_name("fast"), p.elapsed < p.budget / 100);
}

/* Queued invalidation off: register-based invalidation (CCMD, IOTLB_REG). */
static void reg(void)
{
	struct vtd_model *m = one(CAP, false, false);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("ccmd-inval"), m->ccmd_inv, 1);
	CHECK_EQ(model_name("iotlb-reg-inval"), m->iotlb_inv, 1);
	CHECK_EQ(model_name("no-descriptors"), m->desc[VTD_M_DESC_WAIT], 0);
	CHECK(model_name("no-flag-qi"), !(rec(0)->flags & CRASH_DMA_QUIESCE_F_QI));
}

/*
 * Registers cannot reach a device-TLB, but they need not: the ATS entry
 * became TT 00b, so the unit refuses the device's translated requests.
 */
static void reg_ats(void)
{
	struct vtd_model *m = one(CAP, false, true);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("ccmd-inval"), m->ccmd_inv, 1);
	CHECK(model_name("ats-device-refused"), !vtd_model_dma(m, ATS_SID, IOVA, true, true));
}

static void reg_stuck(void)
{
	struct vtd_model *m = one(CAP, false, false);
	struct model_pass p;

	m->reg_stuck = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	stale(m, nwritable);
}

static void qi_stopped(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->qi_stopped = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	stale(m, nwritable);
	CHECK(model_name("waited-whole-budget"), p.elapsed >= p.budget);
	CHECK_EQ(model_name("head-never-moved"), m->iqh, 0x40);
}

/* IQE at the crash: an invalid descriptor at the head, one more queued. */
static void iqe_at_crash(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	model_wr64(m->iqa + 0x40, 0);		/* type 0: invalid */
	model_wr64(m->iqa + 0x50, 4);		/* interrupt entry cache, global */
	m->iqt = 0x60;
	m->fsts = IQE;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("iqe-cleared"), !(m->fsts & IQE));
	CHECK_EQ(model_name("no-new-iqe"), m->iqe, 0);
	CHECK_EQ(model_name("replacement-cc-run"), m->desc[VTD_M_DESC_CC], 2);
	CHECK_EQ(model_name("old-desc-run"), m->desc[4], 1);
}

/*
 * The hardware rejects the IOTLB descriptor: IQE during the pass, on the
 * pass's own descriptor. It is replaced and the queue resumes (a later
 * submitter would otherwise find the queue stopped on a descriptor that
 * is not its own); the outcome is an error all the same.
 */
static void iqe_in_pass(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->bad_type = VTD_M_DESC_IOTLB;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_ERROR);
	CHECK_EQ(model_name("iqe-raised-once"), m->iqe, 1);
	CHECK(model_name("iqe-repaired"), !(m->fsts & IQE));
	CHECK_EQ(model_name("queue-drained"), m->iqh, m->iqt);
	CHECK_EQ(model_name("wait-ran"), m->desc[VTD_M_DESC_WAIT], 1);
	CHECK(model_name("no-wait"), p.elapsed < p.budget / 100);
	/* The translated devices' IOTLB entries stay. */
	CHECK(model_name("oracle-stale-writes-survive"), writable(m, true) > 0);
}

static void ite_at_crash(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->fsts = ITE;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("ite-cleared"), !(m->fsts & ITE));
}

/*
 * The ATS device would never answer a device-TLB invalidation (ITE after
 * 1 ms): none is sent, the pass completes at once and the device's
 * translated requests are refused.
 */
static void dtlb_timeout(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->dtlb_timeout_sid = ATS_SID;
	m->dtlb_timeout = 1000000;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("no-ite"), m->ite, 0);
	CHECK(model_name("fast"), p.elapsed < p.budget / 100);
	CHECK(model_name("ats-device-refused"), !vtd_model_dma(m, ATS_SID, IOVA, true, true));
}

/*
 * An ATS device that completes device-TLB invalidations without dropping
 * anything: its device-TLB keeps writable translations. A record that
 * says OK must mean its writes are refused (TT 00b), not that a
 * device-TLB invalidation was answered.
 */
static void dtlb_ignored(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->dtlb_ignore = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("ats-device-refused"), !vtd_model_dma(m, ATS_SID, IOVA, true, true));
	CHECK(model_name("read-from-tables-kept"),
	      vtd_model_dma(m, ATS_SID, IOVA, false, false));
}

/* Full queue at the crash: 255 old descriptors between head and tail. */
static void fill(struct vtd_model *m)
{
	u64 off;

	m->iqh = 0x100;
	m->iqt = 0x100 - 16;
	for (off = m->iqh; off != m->iqt; off = (off + 16) & 0xfff)
		model_wr64(m->iqa + off, 4);	/* interrupt entry cache */
}

static void full_advancing(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->resume_at = model_now + 1000000;
	fill(m);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("old-desc-run"), m->desc[4], 255);
	CHECK(model_name("waited-for-room"), p.elapsed >= 1000000 && p.elapsed < p.budget);
}

static void full_stuck(void)
{
	struct vtd_model *m = one(CAP, true, true);
	static u8 before[4096];
	struct model_pass p;

	m->qi_stopped = true;
	fill(m);
	memcpy(before, model_mem(m->iqa, 4096), 4096);
	p = model_crash();
	/* The header documents UNAVAILABLE for a queue full for the budget. */
	common(m, &p, CRASH_DMA_QUIESCE_INV_UNAVAILABLE);
	stale(m, nwritable);
	CHECK_EQ(model_name("no-commands"), rec(0)->commands, 0);
	CHECK(model_name("queue-untouched"), !memcmp(before, model_mem(m->iqa, 4096), 4096));
}

static void slow(u64 cycles, u8 inval)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	m->desc_cycles = cycles;
	p = model_crash();
	common(m, &p, inval);
	if (inval == CRASH_DMA_QUIESCE_INV_OK)
		return;
	model_advance(5 * cycles);
	CHECK_EQ(model_name("late-completion-refuses"), writable(m, true), 0);
}

static void slow_inside(void) { slow(2000000, CRASH_DMA_QUIESCE_INV_OK); }	/* 4 x 2 ms */
static void slow_outside(void) { slow(40000000, CRASH_DMA_QUIESCE_INV_TIMEOUT); } /* 4 x 40 ms */

/* CAP.RWBF: the write-buffer flush before the invalidation. */
static void rwbf(void)
{
	struct vtd_model *m = one(CAP | CAP_RWBF, true, true);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("wbf-requested"), m->wbf, 1);
}

/*
 * A write-buffer flush that never completes (with 200 ATS devices). It
 * may use half of the time left; the invalidations are still issued and
 * completed, and the record says timed out (the flush did not complete).
 */
static void wbf_stuck(void)
{
	struct vtd_model *m = unit(CAP | CAP_RWBF, true, true);
	u64 ctx = model_alloc_page(), sl = sl_tables(4);
	struct model_pass p;
	unsigned int i;

	model_wr64((m->rtaddr & ~0xfffULL) + 16, ctx | 1);	/* bus 1 */
	for (i = 0; i < 200; i++) {
		model_wr64(ctx + 16 * i, sl | 1 | 1ULL << 2);	/* TT 01 */
		model_wr64(ctx + 16 * i + 8, 2 | 9ULL << 8);	/* AW 2, DID 9 */
	}
	boot(&m, 1);
	nwritable += 200;	/* the walk changes their entries too */
	m->wbf_stuck = true;
	p = model_crash();
	CHECK_EQ(model_name("no-dev-tlb-desc"), m->desc[VTD_M_DESC_DEV_TLB], 0);
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK_EQ(model_name("cc-issued"), m->desc[VTD_M_DESC_CC], 1);
	CHECK_EQ(model_name("iotlb-issued"), m->desc[VTD_M_DESC_IOTLB], 1);
	CHECK(model_name("wbf-used-about-half"), p.elapsed < p.budget / 2 + p.budget / 100);
	CHECK_EQ(model_name("caches-invalidated"), writable(m, true), 0);
}

/* The same with queued invalidation off: register-based steps follow. */
static void wbf_stuck_reg(void)
{
	struct vtd_model *m = one(CAP | CAP_RWBF, false, false);
	struct model_pass p;

	m->wbf_stuck = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK_EQ(model_name("ccmd-issued"), m->ccmd_inv, 1);
	CHECK_EQ(model_name("iotlb-issued"), m->iotlb_inv, 1);
	CHECK_EQ(model_name("caches-invalidated"), writable(m, true), 0);
}

/*
 * Register-based context-cache invalidation that never completes (ICC
 * stays set): it may use half of the time left, the IOTLB invalidation is
 * still issued and completed, so the translated devices' cached writes
 * go; the pass-through device's cached context entry stays.
 */
static void reg_cc_stuck(void)
{
	struct vtd_model *m = one(CAP, false, false);
	struct model_pass p;

	m->ccmd_stuck = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK_EQ(model_name("iotlb-issued"), m->iotlb_inv, 1);
	CHECK(model_name("translated-refused"),
	      !vtd_model_dma(m, 0x10, IOVA, true, true) &&
	      !vtd_model_dma(m, 0x18, IOVA, true, true));
	CHECK(model_name("pass-through-stale"), vtd_model_dma(m, 0x20, PT_IOVA, true, true));
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

/* Register-based IOTLB invalidation that never completes (IVT stays set). */
static void reg_iotlb_stuck(void)
{
	struct vtd_model *m = one(CAP, false, false);
	struct model_pass p;

	m->iotlb_stuck = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK_EQ(model_name("ccmd-done"), m->ccmd_inv, 1);
	CHECK(model_name("pass-through-refused"),
	      !vtd_model_dma(m, 0x20, PT_IOVA, true, true));
	CHECK(model_name("translated-stale"), vtd_model_dma(m, 0x10, IOVA, true, true));
}

/* Two units, each with its own tables; @stuck never fetches its queue. */
static void two(unsigned int stuck)
{
	struct vtd_model *m[2];
	struct model_pass p;

	m[0] = unit(CAP, true, true);
	m[1] = unit(CAP, true, true);
	boot(m, 2);
	m[stuck]->qi_stopped = true;
	p = model_crash();
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), (m[0]->gsts & TES) && (m[1]->gsts & TES));
	CHECK_EQ(model_name("stuck-one-timeout"), rec(stuck)->inval, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK_EQ(model_name("stuck-one-stale"), writable(m[stuck], true), NDEV);
	/* The healthy one is quiesced, before or after the other. */
	CHECK_EQ(model_name("healthy-ok"), rec(!stuck)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("healthy-refuses"), writable(m[!stuck], true), 0);
	/* A stuck first unit may use only its share (half) of the budget. */
	if (stuck == 0)
		CHECK(model_name("stuck-one-within-its-share"),
		      rec(0)->cycles <= p.budget / 2 + MODEL_SLACK);
}

static void two_first_stuck(void) { two(0); }
static void two_second_stuck(void) { two(1); }

/*
 * Self-check: a unit that ignores IOTLB invalidation descriptors still
 * completes the wait. The record says OK; the oracle must disagree.
 */
static void selfcheck(void)
{
	struct vtd_model *m = one(CAP, true, true);

	m->drop_type = VTD_M_DESC_IOTLB;
	model_crash();
	CHECK_EQ(model_name("record-says-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("oracle-catches-missing-invalidation"), writable(m, true) > 0);
	CHECK_EQ(model_name("tables-alone-would-miss-it"), writable(m, false), 0);
}

/*
 * A unit reporting VER_REG major 6 has no register-based invalidation
 * (VT-d 3.3 section 6.5; here CCMD_REG and IOTLB_REG read as zero). With
 * queued invalidation off at the crash, nothing can be invalidated: the
 * record must say so rather than take the zero registers for completion.
 */
static void ver6_no_reg(void)
{
	struct vtd_model *m = one(CAP, false, false);
	struct model_pass p;

	m->ver = 0x60;
	m->no_reg_inval = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_UNAVAILABLE);
	CHECK(model_name("oracle-stale-writes-survive"), writable(m, true) > 0);
}


/* ------------------------------------------------------------------
 * Scenarios of issue 14 (each fails on the crash path before its fix).
 */

/*
 * One domain on two units: the second unit's only device uses the
 * second-level table the first unit already revoked in this pass (Linux
 * shares a domain's page table between units: the static identity domain
 * when some unit lacks ECAP.PT, VFIO containers). The second unit's
 * IOTLB still holds the device's writable translation: it must be
 * invalidated, and its record must name the device.
 */
static void shared_table(void)
{
	struct vtd_model *m[2];
	u64 root, ctx, shared_lo;
	struct model_pass p;
	const u16 sid = 0x30;

	m[0] = unit(CAP, true, true);
	m[1] = vtd_model_new(CAP, ECAP);
	root = model_alloc_page();
	ctx = model_alloc_page();
	/* devs[0] (sid 0x10, 4 levels) on unit 0: its context entry's table. */
	shared_lo = model_rd64((model_rd64(m[0]->rtaddr) & ~0xfffULL) + 16 * 0x10);
	model_wr64(root, ctx | 1);
	model_wr64(ctx + 16 * (sid & 0xff), (shared_lo & ~0xfffULL) | 1);
	model_wr64(ctx + 16 * (sid & 0xff) + 8, 2 | 7ULL << 8);	/* AW 2, DID 7 */
	m[1]->rtaddr = root;
	m[1]->iqa = model_alloc_page();
	m[1]->iqh = m[1]->iqt = 0x40;
	m[1]->gsts = TES | RTPS | QIES;
	model_run_initcalls();
	writable(m[0], true);
	CHECK(model_name("second-unit-device-writes"), vtd_model_dma(m[1], sid, IOVA, true, true));
	p = model_crash();
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK_EQ(model_name("first-inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("second-inval-ok"), rec(1)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("second-sent-invalidations"), m[1]->desc[VTD_M_DESC_IOTLB] == 1);
	CHECK_EQ(model_name("second-entry-changed"), rec(1)->entries_changed, 1);
	CHECK(model_name("second-bitmap-has-device"),
	      model_rd64(rec(1)->changed_phys + 8 * (sid / 64)) >> (sid % 64) & 1);
	CHECK(model_name("second-unit-write-refused"), !vtd_model_dma(m[1], sid, IOVA, true, true));
	CHECK(model_name("second-unit-read-kept"), vtd_model_dma(m[1], sid, IOVA, false, true));
}

/*
 * The read-only identity table covers every possible RAM address
 * (max_possible_pfn: the SRAT's hot-pluggable ranges), also beyond
 * 512 GiB: a pass-through device keeps reading there, and loses write.
 */
static void identity_high(void)
{
	struct vtd_model *m;
	struct model_pass p;
	const u64 high = 550ULL << 30;

	max_possible_pfn = (600ULL << 30) >> 12;
	m = one(CAP, true, false);
	CHECK(model_name("pt-writes-high-before"), vtd_model_dma(m, 0x20, high, true, true));
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("pt-read-high-kept"), vtd_model_dma(m, 0x20, high, false, true));
	CHECK(model_name("pt-write-high-refused"), !vtd_model_dma(m, 0x20, high, true, true));
	CHECK(model_name("pt-read-beyond-possible-refused"),
	      !vtd_model_dma(m, 0x20, 700ULL << 30, false, true));
}

/* More units than the old limit of 16: every one registered and quiesced. */
#define NMANY	20
static void many_units(void)
{
	struct vtd_model *m[NMANY];
	struct model_pass p;
	unsigned int i, ok = 0, refused = 0;

	for (i = 0; i < NMANY; i++)
		m[i] = unit(CAP, true, true);
	boot(m, NMANY);
	p = model_crash();
	CHECK_EQ(model_name("all-recorded"), crash_dma_quiesce_info.nr_records, NMANY);
	CHECK_EQ(model_name("none-unregistered"), crash_dma_quiesce_info.nr_unregistered, 0);
	for (i = 0; i < NMANY; i++) {
		ok += rec(i)->inval == CRASH_DMA_QUIESCE_INV_OK;
		refused += writable(m[i], true) == 0;
	}
	CHECK_EQ(model_name("all-invalidated"), ok, NMANY);
	CHECK_EQ(model_name("all-refuse-writes"), refused, NMANY);
	CHECK_EQ(model_name("log-line-per-unit"), p.log_lines, NMANY);
	CHECK_EQ(model_name("no-console-line"), p.console_lines, 0);
}

/* Bus 1 of @m: a context table at @ctx with one translated device. */
static void bus1(struct vtd_model *m, u64 ctx)
{
	u64 sl = sl_tables(4);

	model_wr64((m->rtaddr & ~0xfffULL) + 16, ctx | 1);
	model_wr64(ctx, sl | 1);		/* 01:00.0, TT 00 */
	model_wr64(ctx + 8, 2 | 11ULL << 8);	/* AW 2, DID 11 */
}

/*
 * A root entry points to RAM that is not in the direct map: pfn_valid()
 * and e820 accept it, an access would fault. The bus must be skipped
 * (the record says partial), the rest quiesced.
 */
static void ctx_unmapped(void)
{
	struct vtd_model *m = unit(CAP, true, true);
	u64 ctx = model_alloc_page();
	struct model_pass p;

	bus1(m, ctx);
	boot(&m, 1);
	model_unmap_page(ctx, false);
	p = model_crash();
	CHECK_EQ(model_name("partial"), rec(0)->state, CRASH_DMA_QUIESCE_PARTIAL);
	CHECK_EQ(model_name("bus-rejected"), rec(0)->entries_rejected, 1);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("bus0-refuses-writes"), writable(m, true), 0);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

/* A context table inside the low crashkernel region is not written. */
static void ctx_crashk_low(void)
{
	struct vtd_model *m = unit(CAP, true, true);
	u64 ctx = model_alloc_page(), before;
	struct model_pass p;

	bus1(m, ctx);
	boot(&m, 1);
	crashk_low_res.start = ctx;
	crashk_low_res.end = ctx + 4095;
	before = model_rd64(ctx);
	p = model_crash();
	CHECK_EQ(model_name("partial"), rec(0)->state, CRASH_DMA_QUIESCE_PARTIAL);
	CHECK_EQ(model_name("ctx-untouched"), model_rd64(ctx), before);
	CHECK_EQ(model_name("bus0-refuses-writes"), writable(m, true), 0);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

/*
 * The crashed kernel had just cleared W in a table (an unmap) but not yet
 * flushed the IOTLB: the walk finds nothing to change, yet the IOTLB
 * still holds the writable translation. Every unit with present entries
 * is invalidated.
 */
static void stale_iotlb(void)
{
	struct vtd_model *m = unit(CAP, true, false);
	struct model_pass p;
	u64 ctx, lo, top;
	unsigned int i;

	boot(&m, 1);
	/* W off in the top-level tables of the translated devices. */
	ctx = model_rd64(m->rtaddr & ~0xfffULL) & ~0xfffULL;
	for (i = 0; i < NDEV; i++) {
		if (devs[i].tt == 2) {
			/* No pass-through entry: nothing for the walk to change. */
			model_wr64(ctx + 16 * (devs[i].sid & 0xff), 0);
			continue;
		}
		lo = model_rd64(ctx + 16 * (devs[i].sid & 0xff));
		if (!(lo & 1))
			continue;
		top = lo & ~0xfffULL;
		model_wr64(top + 8 * ((IOVA >> (12 + 9 * (devs[i].aw + 1))) & 511),
			   model_rd64(top + 8 * ((IOVA >> (12 + 9 * (devs[i].aw + 1))) & 511)) & ~2ULL);
	}
	CHECK(model_name("stale-write-cached"), vtd_model_dma(m, 0x10, IOVA, true, true));
	p = model_crash();
	CHECK_EQ(model_name("nothing-changed"), rec(0)->entries_changed, 0);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("caches-refuse-writes"), writable(m, true), 0);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

/* ------------------------------------------------------------------
 * Whole-state scenarios (issue 18): entries where a walk's bounds are
 * (bus 0x7f / 0x80 / 0xff, devfn 0xff, top-level index 511) and random
 * tables over many buses and devfns. The whole-state oracles of
 * model_crash() judge every entry; the DMA checks below are a second,
 * independent opinion on the entries the scenario built.
 */

/* CAP with 5-level second-level tables too (SAGAW bit 11). */
#define CAP5		(CAP | (1ULL << 11))

/* Map @iova in the second-level hierarchy at @top (@levels levels), R|W. */
static void sl_map(u64 top, unsigned int levels, u64 iova, u64 pa)
{
	u64 t = top, e, slot;
	unsigned int l;

	for (l = levels; l > 1; l--) {
		slot = t + 8 * ((iova >> (12 + 9 * (l - 1))) & 511);
		e = model_rd64(slot);
		if (!e) {
			e = model_alloc_page() | RW;
			model_wr64(slot, e);
		}
		t = e & ~0xfffULL;
	}
	model_wr64(t + 8 * ((iova >> 12) & 511), (pa & ~0xfffULL) | RW);
}

/* A context entry (9.3) at source id @sid of the root table at @root. */
static void ctx_set(u64 root, u16 sid, u64 lo, u64 hi)
{
	u64 re = root + 16ULL * (sid >> 8), ct = model_rd64(re) & ~0xfffULL;

	if (!ct) {
		ct = model_alloc_page();
		model_wr64(re, ct | 1);
	}
	model_wr64(ct + 16ULL * (sid & 0xff), lo);
	model_wr64(ct + 16ULL * (sid & 0xff) + 8, hi);
}

static struct vtd_model *bare_unit(u64 cap)
{
	struct vtd_model *m = vtd_model_new(cap, ECAP);

	m->rtaddr = model_alloc_page();
	m->iqa = model_alloc_page();
	m->iqh = m->iqt = 0x40;
	m->gsts = TES | RTPS | QIES;
	return m;
}

static const struct edge {
	u16 sid;
	unsigned int tt, aw;
	u64 iova;
} edges[] = {
	{ 0x0000, 0, 2, IOVA },				/* bus 0, devfn 0 */
	{ 0x00ff, 0, 2, 0xff8000000000ULL },		/* devfn 0xff, top index 511 */
	{ 0x7f08, 1, 1, 0x7fc0000000ULL },		/* bus 0x7f, TT 01b, 3 levels, 511 */
	{ 0x8000, 0, 3, 0x1ff000000000000ULL },	/* bus 0x80, 5 levels, 511 */
	{ 0x80ff, 2, 2, PT_IOVA },			/* bus 0x80, devfn 0xff, pass-through */
	{ 0xff00, 0, 2, 0xff8000000000ULL },		/* bus 0xff */
	{ 0xfffe, 1, 3, 0x1ff000000000000ULL },	/* TT 01b, 5 levels, 511 */
	{ 0xffff, 0, 2, 0xff8000000000ULL },		/* ff:1f.7, top index 511 */
};
#define NEDGE	(sizeof(edges) / sizeof(edges[0]))

static void edges_scenario(void)
{
	struct vtd_model *m = bare_unit(CAP5);
	u64 data = model_alloc_page(), top;
	struct model_pass p;
	unsigned int i, n = 0;

	for (i = 0; i < NEDGE; i++) {
		const struct edge *e = &edges[i];
		u64 lo = 1 | (u64)e->tt << 2;

		if (e->tt != 2) {
			top = model_alloc_page();
			sl_map(top, e->aw + 2, e->iova, data);
			lo |= top;
		}
		ctx_set(m->rtaddr, e->sid, lo, e->aw | (u64)(0x100 + i) << 8);
	}
	model_run_initcalls();
	for (i = 0; i < NEDGE; i++)
		n += vtd_model_dma(m, edges[i].sid, edges[i].iova, true, true);
	CHECK_EQ(model_name("boot-writers"), n, NEDGE);
	p = model_crash();
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("entries-changed"), rec(0)->entries_changed, NEDGE);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	for (i = 0, n = 0; i < NEDGE; i++)
		n += vtd_model_dma(m, edges[i].sid, edges[i].iova, true, true);
	CHECK_EQ(model_name("oracle-writes-refused"), n, 0);
	for (i = 0, n = 0; i < NEDGE; i++)
		n += vtd_model_dma(m, edges[i].sid, edges[i].iova, false, false);
	CHECK_EQ(model_name("reads-kept"), n, NEDGE);
	CHECK(model_name("ffff-in-changed-bitmap"),
	      model_rd64(rec(0)->changed_phys + 8 * (0xffff / 64)) >> 63 & 1);
}

/* A deterministic pseudo-random sequence (xorshift64*). */
static u64 rng_state;
static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/*
 * Random tables over many buses and devfns: 56 buses (0x00, 0x7f, 0x80
 * and 0xff among them), up to 48 devices each, TT 00b / 01b / 10b, AW
 * 1-3, 24 shared top-level tables of 1-6 mappings each at random indices
 * (511 and 0 included), some read-only already. Every device whose table
 * has a writable mapping writes before the crash; none after.
 */
#define NTOP	24
#define NMAP	6
static struct rtop {
	u64 phys;
	unsigned int aw, n;
	u64 iova[NMAP];
	bool w[NMAP];
} tops[NTOP];
#define NRDEV	1600
static struct rdev {
	u16 sid;
	int top;	/* -1: pass-through */
} rdevs[NRDEV];
static unsigned int nrdev;

static void random_scenario(bool all)
{
	struct vtd_model *m;
	u64 data, iova, e;
	unsigned int i, j, b, k, w_before = 0, w_after = 0, reads = 0;
	u8 buses[56];
	struct model_pass p;

	rng_state = all ? 0x5eed0a11ULL : 0x5eed0001ULL;
	if (all)
		CHECK_EQ(model_name("set-all"), model_set_param("crash_dma_quiesce", "all"), 0);
	m = bare_unit(CAP5);
	data = model_alloc_page();
	for (i = 0; i < NTOP; i++) {
		tops[i].phys = model_alloc_page();
		tops[i].aw = 1 + i % 3;
		tops[i].n = 1 + (unsigned int)(rnd() % NMAP);
		for (j = 0; j < tops[i].n; j++) {
			unsigned int shift = 12 + 9 * (tops[i].aw + 1);
			unsigned int idx = j == 0 ? 511 : j == 1 ? 0 : (unsigned int)(rnd() % 512);

			iova = (u64)idx << shift | (rnd() & ((1ULL << shift) - 1) & ~0xfffULL);
			tops[i].iova[j] = iova;
			sl_map(tops[i].phys, tops[i].aw + 2, iova, data);
			tops[i].w[j] = rnd() % 4 != 0;
			e = model_rd64(tops[i].phys + 8 * idx);
			if (!tops[i].w[j])	/* read-only at the top already */
				model_wr64(tops[i].phys + 8 * idx, e & ~2ULL);
		}
		/* A mapping sharing a slot with a writable one is writable. */
		for (j = 0; j < tops[i].n; j++)
			tops[i].w[j] = model_rd64(tops[i].phys + 8 *
				((tops[i].iova[j] >> (12 + 9 * (tops[i].aw + 1))) & 511)) & 2;
	}
	buses[0] = 0x00;
	buses[1] = 0x7f;
	buses[2] = 0x80;
	buses[3] = 0xff;
	for (b = 4; b < sizeof(buses); b++)
		buses[b] = (u8)(1 + rnd() % 254);
	nrdev = 0;
	for (b = 0; b < sizeof(buses); b++) {
		unsigned int ndev = 1 + (unsigned int)(rnd() % 48);

		for (k = 0; k < ndev && nrdev < NRDEV; k++) {
			u16 sid = (u16)(buses[b] << 8 | (k == 0 ? 0xff : k == 1 ? 0 :
							 (unsigned int)(rnd() % 256)));
			unsigned int r = (unsigned int)(rnd() % 100), tt, aw;
			int t = (int)(rnd() % NTOP);
			u64 lo, hi;

			tt = r < 70 ? 0 : r < 85 ? 1 : 2;
			aw = tt == 2 ? 1 + (unsigned int)(rnd() % 3) : tops[t].aw;
			lo = 1 | (u64)tt << 2 | (tt == 2 ? 0 : tops[t].phys);
			hi = aw | (u64)(1 + rnd() % 0xfffe) << 8;
			/* The same source id twice: the last one counts. */
			for (j = 0; j < nrdev && rdevs[j].sid != sid; j++)
				;
			ctx_set(m->rtaddr, sid, lo, hi);
			rdevs[j].sid = sid;
			rdevs[j].top = tt == 2 ? -1 : t;
			if (j == nrdev)
				nrdev++;
		}
	}
	model_run_initcalls();
	for (i = 0; i < nrdev; i++) {
		const struct rtop *t = rdevs[i].top < 0 ? NULL : &tops[rdevs[i].top];

		if (!t) {
			w_before += vtd_model_dma(m, rdevs[i].sid, PT_IOVA, true, true);
			continue;
		}
		for (j = 0; j < t->n; j++)
			if (t->w[j])
				w_before += vtd_model_dma(m, rdevs[i].sid, t->iova[j], true, true);
	}
	CHECK(model_name("boot-writers"), w_before > nrdev / 2);
	p = model_crash();
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	for (i = 0; i < nrdev; i++) {
		const struct rtop *t = rdevs[i].top < 0 ? NULL : &tops[rdevs[i].top];
		u64 a = t ? t->iova[0] : PT_IOVA;

		w_after += vtd_model_dma(m, rdevs[i].sid, a, true, true);
		for (j = 1; t && j < t->n; j++)
			w_after += vtd_model_dma(m, rdevs[i].sid, t->iova[j], true, true);
		reads += vtd_model_dma(m, rdevs[i].sid, a, false, false);
	}
	CHECK_EQ(model_name("oracle-writes-refused"), w_after, 0);
	if (all)
		CHECK_EQ(model_name("reads-refused"), reads, 0);
	else
		CHECK(model_name("reads-kept"), reads > 0);
}

static void random_write(void) { random_scenario(false); }

/*
 * A budget of 1 us: the first unit's walk stops at once, the second is
 * not reached. The whole-state oracles still say something true: the
 * write set holds, and the unit not reached has its tables unchanged
 * (late-untouched-1); nobody claims completeness.
 */
static void budget_1us(void)
{
	struct vtd_model *m[2];
	struct model_pass p;

	m[0] = unit(CAP, true, true);
	m[1] = unit(CAP, true, true);
	CHECK_EQ(model_name("set-budget"), model_set_param("crash_dma_quiesce_budget", "1"), 0);
	boot(m, 2);
	p = model_crash();
	CHECK(model_name("first-not-done"), rec(0)->state != CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("second-not-run"), rec(1)->state, CRASH_DMA_QUIESCE_NOT_RUN);
	CHECK_EQ(model_name("second-still-writes"), writable(m[1], false), nwritable);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

static void random_all(void) { random_scenario(true); }

/* ------------------------------------------------------------------
 * The early pass at panic entry (crash_dma_quiesce_early(), issue 13):
 * the other CPUs still run, the driver owns register_lock and, with
 * queued invalidation, qi->q_lock and the queue's bookkeeping.
 */
static struct q_inval drv_qi;
static int drv_status[QI_LENGTH];

/* dmar.c's view of an idle queue whose tail is the hardware's. */
static void driver_qi(struct vtd_model *m)
{
	drv_qi.desc = model_mem(m->iqa, 4096);
	drv_qi.desc_status = drv_status;
	drv_qi.free_head = drv_qi.free_tail = (int)(m->iqt >> DMAR_IQ_SHIFT);
	drv_qi.free_cnt = QI_LENGTH;
	m->iommu->qi = &drv_qi;
}

/* The early pass, inside the oracles (model_early()). */
static u64 early(void)
{
	return model_early();
}

/*
 * Before any CPU is stopped the tables and the caches refuse the writes;
 * the descriptors the pass queued are a finished submission in the
 * driver's accounting (free_head at the new tail, every slot free again).
 */
static void early_healthy(bool qi)
{
	struct vtd_model *m = one(CAP, qi, true);
	struct model_pass p;

	if (qi)
		driver_qi(m);
	early();
	CHECK_EQ(model_name("early-refuses-cached"), writable(m, true), 0);
	CHECK(model_name("early-reads-kept"), vtd_model_dma(m, 0x10, IOVA, false, true));
	CHECK_EQ(model_name("early-units"), crash_dma_quiesce_info.early_units, 1);
	CHECK_EQ(model_name("register-lock-released"), m->iommu->register_lock.locked, 0);
	if (qi) {
		CHECK(model_name("early-descriptors-ran"), m->iqt != 0x40 && m->iqh == m->iqt);
		CHECK_EQ(model_name("driver-head-at-tail"), (u64)drv_qi.free_head,
			 m->iqt >> DMAR_IQ_SHIFT);
		CHECK_EQ(model_name("driver-slots-reclaimed"), drv_qi.free_cnt, QI_LENGTH);
		CHECK_EQ(model_name("driver-tail-caught-up"), drv_qi.free_tail, drv_qi.free_head);
		CHECK_EQ(model_name("queue-lock-released"), drv_qi.q_lock.locked, 0);
	} else {
		CHECK_EQ(model_name("register-inval"), m->iotlb_inv, 1);
	}
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-early"), rec(0)->flags & CRASH_DMA_QUIESCE_F_EARLY);
}

static void early_healthy_qi(void) { early_healthy(true); }
static void early_healthy_reg(void) { early_healthy(false); }

/*
 * The queue lock stays held (another CPU in qi_submit_sync()), or the
 * driver's free_head is not the hardware tail, or its queue is nearly
 * full, or FSTS reports an error another CPU's qi_submit_sync() must
 * recover from in qi_check_fault() (ITE, IQE, ICE: it drops and retakes
 * q_lock while it waits, and would never see the error again if the
 * early pass cleared it): the early pass leaves the unit alone, the
 * error as it found it, releases register_lock and keeps within its lock
 * bound; the pass after the stop does the work.
 */
static void early_refused(int why)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;
	u64 t;

	driver_qi(m);
	if (why == 0)
		drv_qi.q_lock.locked = 1;
	else if (why == 1)
		drv_qi.free_head++;
	else if (why == 2)
		drv_qi.free_cnt = 7;
	else
		m->fsts = why == 3 ? ITE : ICE;
	t = early();
	if (why >= 3)
		CHECK_EQ(model_name("error-left-for-driver"), m->fsts, why == 3 ? ITE : ICE);
	stale(m, nwritable);
	CHECK(model_name("tables-untouched"), writable(m, false) > 0);
	CHECK_EQ(model_name("no-descriptor"), m->iqt, 0x40);
	CHECK_EQ(model_name("register-lock-released"), m->iommu->register_lock.locked, 0);
	CHECK_EQ(model_name("queue-lock-as-found"), drv_qi.q_lock.locked, why == 0);
	CHECK(model_name("bounded"), t <= 1000000 + MODEL_SLACK);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-early-busy"),
	      (rec(0)->flags & (CRASH_DMA_QUIESCE_F_EARLY | CRASH_DMA_QUIESCE_F_EARLY_BUSY)) ==
	      CRASH_DMA_QUIESCE_F_EARLY_BUSY);
}

static void early_queue_lock_busy(void) { early_refused(0); }
static void early_queue_out_of_sync(void) { early_refused(1); }
static void early_queue_nearly_full(void) { early_refused(2); }
static void early_queue_ite(void) { early_refused(3); }
static void early_queue_ice(void) { early_refused(4); }

/*
 * A hot-removed unit (DMAR unit hot-unplug: dmar.c's free_iommu()
 * unregisters it before freeing it): no pass touches it, early or after
 * the stop, and its record says why; registered again (hot-added), it is
 * quiesced as before.
 */
static void unit_removed(void)
{
	struct vtd_model *m = one(CAP, true, true);
	struct model_pass p;

	driver_qi(m);
	vtd_cq_unregister_unit(m->iommu);
	early();
	p = model_crash();
	CHECK_EQ(model_name("state-removed"), rec(0)->state, CRASH_DMA_QUIESCE_REMOVED);
	CHECK(model_name("tables-untouched"), writable(m, false) > 0);
	CHECK_EQ(model_name("no-descriptor"), m->iqt, 0x40);
	CHECK_EQ(model_name("no-early-unit"), crash_dma_quiesce_info.early_units, 0);
	CHECK_EQ(model_name("log-line-still"), p.log_lines, 1);
	CHECK_EQ(model_name("re-register"), vtd_cq_register_unit(m->iommu), 0);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("one-record"), crash_dma_quiesce_info.nr_records, 1);
}

int main(void)
{
	model_scenario("intel-healthy-qi", healthy_qi);
	model_scenario("intel-qi-off-register", reg);
	model_scenario("intel-qi-off-register-ats", reg_ats);
	model_scenario("intel-register-stuck", reg_stuck);
	model_scenario("intel-qi-stopped", qi_stopped);
	model_scenario("intel-iqe-at-crash", iqe_at_crash);
	model_scenario("intel-iqe-in-pass", iqe_in_pass);
	model_scenario("intel-ite-at-crash", ite_at_crash);
	model_scenario("intel-devtlb-timeout", dtlb_timeout);
	model_scenario("intel-full-advancing", full_advancing);
	model_scenario("intel-full-stuck", full_stuck);
	model_scenario("intel-slow-inside-budget", slow_inside);
	model_scenario("intel-slow-outside-budget", slow_outside);
	model_scenario("intel-healthy-rwbf", rwbf);
	model_scenario("intel-two-first-stuck", two_first_stuck);
	model_scenario("intel-two-second-stuck", two_second_stuck);
	model_scenario("intel-ver6-no-register-inval", ver6_no_reg);
	model_scenario("intel-wbf-stuck", wbf_stuck);
	model_scenario("intel-selfcheck", selfcheck);
	model_scenario("intel-devtlb-ignored", dtlb_ignored);
	model_scenario("intel-wbf-stuck-register", wbf_stuck_reg);
	model_scenario("intel-register-cc-stuck", reg_cc_stuck);
	model_scenario("intel-register-iotlb-stuck", reg_iotlb_stuck);
	model_scenario("intel-two-units-share-table", shared_table);
	model_scenario("intel-identity-above-512g", identity_high);
	model_scenario("intel-20-units", many_units);
	model_scenario("intel-context-table-unmapped", ctx_unmapped);
	model_scenario("intel-context-table-in-crashk-low", ctx_crashk_low);
	model_scenario("intel-stale-iotlb-tables-unchanged", stale_iotlb);
	model_scenario("intel-early-healthy-qi", early_healthy_qi);
	model_scenario("intel-early-healthy-register", early_healthy_reg);
	model_scenario("intel-early-queue-lock-busy", early_queue_lock_busy);
	model_scenario("intel-early-queue-out-of-sync", early_queue_out_of_sync);
	model_scenario("intel-early-queue-nearly-full", early_queue_nearly_full);
	model_scenario("intel-early-queue-ite", early_queue_ite);
	model_scenario("intel-early-queue-ice", early_queue_ice);
	model_scenario("intel-unit-removed", unit_removed);
	model_scenario("intel-edges", edges_scenario);
	model_scenario("intel-random-wide", random_write);
	model_scenario("intel-random-wide-all", random_all);
	model_scenario("intel-budget-1us", budget_1us);
	return 0;
}
