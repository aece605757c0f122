// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-Vi scenarios: the real crash path (kernel/crash_dma_quiesce.c and
 * drivers/iommu/amd/crash_quiesce.c) against the model of model_amd.c,
 * healthy and in the states QEMU 7.2 cannot produce (command processing
 * stopped or halted, command buffer disabled or full, slow hardware).
 * Every scenario runs in its own process; see model.h.
 *
 * DTE and page-table values are written from 48882 sections 2.2.2 and
 * 2.2.3 (literal bit numbers), never from crash_quiesce_hw.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "model_kernel.h"
#include "amd_iommu_types.h"
#include "amd_iommu.h"
#include "../oracle/oracle.h"

#define DTE_V		(1ULL << 0)
#define DTE_TV		(1ULL << 1)
#define DTE_MODE(n)	((u64)(n) << 9)
#define DTE_IR		(1ULL << 61)
#define DTE_IW		(1ULL << 62)
#define DTE1_I		(1ULL << 32)
#define DTE1_SYSMGT(n)	((u64)(n) << 40)	/* DTE bits 105:104 */
#define DTE1_EX		(1ULL << 39)		/* DTE bit 103 */
#define PTE(addr, nl)	((addr) | ((u64)(nl) << 9) | 1 | DTE_IR | DTE_IW)
/* Control: IommuEn (0), Coherent (10), CmdBufEn (12), as Linux sets them. */
#define CTRL_EN		((1ULL << 0) | (1ULL << 10) | (1ULL << 12))
#define CTRL_COHERENT	(1ULL << 10)
#define EFR_IA		(1ULL << 6)
#define EFR_SNP		(1ULL << 63)
#define IOVA		0x10000000ULL
/* Command buffer base: MMIO 0008h bits 51:12. */
#define CMDBUF(m)	((m)->cmdbuf & 0x000ffffffffff000ULL)

/* The devices: id, DTE word 0 kind, DomainID, ATS. */
enum { K_MODE3, K_MODE0, K_TV0, K_RO };
static const struct dev {
	u16 id;
	int kind;
	u16 dom;
	bool ats;
} devs[] = {
	{ 0x10, K_MODE3, 1, false },	/* translated, 3-level page table */
	{ 0x18, K_MODE0, 2, false },	/* Mode 0: IR/IW checked only */
	{ 0x20, K_TV0, 3, false },	/* V=1 TV=0: untranslated */
	{ 0x28, K_MODE3, 4, true },	/* ATS device (I=1) */
	{ 0x30, K_RO, 5, false },	/* already read-only: unchanged */
};
#define NDEV	(sizeof(devs) / sizeof(devs[0]))
#define NRW	4	/* devs[0..3] could write before the crash */

static u64 devtab, ptroot;
/* Entries a scenario adds to the NRW that common() expects changed. */
static unsigned int extra_changed;
#define NDTE	256	/* DTEs in the model's device table (8 KiB) */

/* A 3-level page table mapping IOVA, every level IR|IW (48882 2.2.3). */
static u64 page_table(void)
{
	u64 l3 = model_alloc_page(), l2 = model_alloc_page();
	u64 l1 = model_alloc_page(), page = model_alloc_page();

	model_wr64(l3 + 8 * ((IOVA >> 30) & 511), PTE(l2, 2));
	model_wr64(l2 + 8 * ((IOVA >> 21) & 511), PTE(l1, 1));
	model_wr64(l1 + 8 * ((IOVA >> 12) & 511), PTE(page, 0));
	return l3;
}

/* The shared device table (256 DTEs, 8 KiB) with devs[]. */
static void build_devtab(void)
{
	unsigned int i;
	u64 w0;

	devtab = model_alloc_page();
	model_alloc_page();	/* contiguous second page */
	ptroot = page_table();
	/* What Linux 6.1 writes for every DeviceID: V=1, TV=1, no access. */
	for (i = 0; i < NDTE; i++)
		model_wr64(devtab + i * 32ULL, DTE_V | DTE_TV);
	for (i = 0; i < NDEV; i++) {
		const struct dev *d = &devs[i];

		switch (d->kind) {
		case K_MODE3:
			w0 = DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW;
			break;
		case K_MODE0:
			w0 = DTE_V | DTE_TV | DTE_IR | DTE_IW;
			break;
		case K_TV0:
			w0 = DTE_V;
			break;
		default:
			w0 = DTE_V | DTE_TV | DTE_IR;
			break;
		}
		model_wr64(devtab + d->id * 32ULL, w0);
		model_wr64(devtab + d->id * 32ULL + 8, d->dom | (d->ats ? DTE1_I : 0));
	}
}

/* One IOMMU as the crashed kernel left it: enabled, empty 256-entry ring. */
static struct amd_model *iommu(bool ia)
{
	struct amd_model *m = amd_model_new();

	m->devtab = devtab | 1;			/* Size 1: 8 KiB */
	m->cmdbuf = model_alloc_page() | (8ULL << 56);	/* ComLen 8 */
	m->control = CTRL_EN;
	m->efr = ia ? EFR_IA : 0;
	/* The EFR Linux uses (IVHD copy): the same unless a test says not. */
	m->iommu_link->features = m->efr;
	m->head = m->tail = 0x40;
	return m;
}

/* Register with the core, then let every device write once (fills caches). */
static void boot(struct amd_model **ms, unsigned int n)
{
	unsigned int i, j;

	model_run_initcalls();
	for (j = 0; j < n; j++)
		for (i = 0; i < NRW; i++)
			if (!amd_model_dma(ms[j], devs[i].id, IOVA, true, true))
				CHECK(model_name("boot-device-writes"), false);
}

/* Devices still able to write through @m (from its caches, or tables only). */
static unsigned int writable(struct amd_model *m, bool cached)
{
	unsigned int i, n = 0;

	for (i = 0; i < NDEV; i++)
		n += amd_model_dma(m, devs[i].id, IOVA, true, cached);
	return n;
}

static const struct crash_dma_quiesce_record *rec(unsigned int i)
{
	return &crash_dma_quiesce_info.records[i];
}

/* What every pass must satisfy, whatever the fault. */
static void common(struct amd_model *m, const struct model_pass *p, u8 inval)
{
	CHECK_EQ(model_name("inval"), rec(0)->inval, inval);
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("entries-changed"), rec(0)->entries_changed,
		 NRW + extra_changed);
	CHECK(model_name("within-budget"), p->elapsed <= p->budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), m->control & 1);
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m, false), 0);
	CHECK(model_name("reads-kept"), amd_model_dma(m, 0x10, IOVA, false, true) &&
	      amd_model_dma(m, 0x20, IOVA, false, false));
	CHECK_EQ(model_name("no-illegal-command"), m->illegal, 0);
	CHECK_EQ(model_name("no-bad-access"), model_dma_errors + model_mmio_errors, 0);
	/* The log lines go to the log buffer only, never to a console. */
	CHECK_EQ(model_name("no-console-line"), p->console_lines, 0);
	CHECK_EQ(model_name("log-line-per-iommu"), p->log_lines,
		 crash_dma_quiesce_info.nr_records);
	/* The oracle: a record saying OK means no cached write survived. */
	if (rec(0)->inval == CRASH_DMA_QUIESCE_INV_OK)
		CHECK_EQ(model_name("oracle-writes-refused"), writable(m, true), 0);
}

/*
 * When the invalidation never ran, the caches keep the old write
 * permission although the tables refuse it: the record is the only
 * honest signal.
 */
static void stale(struct amd_model *m)
{
	CHECK(model_name("oracle-stale-write-survives"), writable(m, true) > 0);
}

static struct amd_model *one(bool ia)
{
	struct amd_model *m;

	build_devtab();
	m = iommu(ia);
	boot(&m, 1);
	return m;
}

static void healthy_ia(void)
{
	struct amd_model *m = one(true);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-inv-all"), rec(0)->flags & CRASH_DMA_QUIESCE_F_INV_ALL);
	CHECK_EQ(model_name("inv-all-seen"), m->ops[AMD_M_OP_INV_IOMMU_ALL], 1);
	CHECK_EQ(model_name("iotlb-pages-seen"), m->ops[AMD_M_OP_INV_IOTLB_PAGES], 1);
	CHECK_EQ(model_name("completion-wait-seen"), m->ops[AMD_M_OP_COMPLETION_WAIT], 1);
	CHECK(model_name("fast"), p.elapsed < p.budget / 100);
}

static void healthy_noia(void)
{
	struct amd_model *m = one(false);
	struct model_pass p = model_crash();

	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("devtab-entry-per-changed"), m->ops[AMD_M_OP_INV_DEVTAB_ENTRY], NRW);
	CHECK_EQ(model_name("pages-per-domain"), m->ops[AMD_M_OP_INV_IOMMU_PAGES], NRW);
	CHECK_EQ(model_name("commands"), rec(0)->commands, 2 * NRW + 2);
}

static void stopped(void)
{
	struct amd_model *m = one(true);
	struct model_pass p;

	m->stopped = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	stale(m);
	CHECK(model_name("waited-whole-budget"), p.elapsed >= p.budget);
	CHECK_EQ(model_name("head-never-moved"), m->head, 0x40);
}

static void cmdbuf_off(void)
{
	struct amd_model *m = one(true);
	u8 zero[4096] = { 0 };
	struct model_pass p;

	m->control &= ~(1ULL << 12);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_UNAVAILABLE);
	stale(m);
	CHECK_EQ(model_name("no-commands"), rec(0)->commands, 0);
	CHECK(model_name("buffer-untouched"),
	      !memcmp(model_mem(CMDBUF(m), 4096), zero, 4096));
	CHECK(model_name("no-wait"), p.elapsed < p.budget / 100);
}

/* The old kernel left an illegal command at the head: processing halted. */
static void halted(void)
{
	struct amd_model *m = one(true);
	u64 buf = CMDBUF(m);
	struct model_pass p;

	model_wr64(buf + 0x40, 0xfULL << 60);	/* opcode Fh: reserved */
	m->tail = 0x50;
	model_advance(1);
	CHECK(model_name("setup-halted"), m->halted);
	m->illegal = 0;
	p = model_crash();
	/* Status says so (CmdBufRun clear): an error at once, no waiting. */
	CHECK(model_name("status-cmdbufrun-clear"), !(readl((u8 *)m->mmio + 0x2020) & 0x10));
	common(m, &p, CRASH_DMA_QUIESCE_INV_ERROR);
	stale(m);
	CHECK(model_name("no-wait"), p.elapsed < 20000);
	CHECK_EQ(model_name("no-commands"), rec(0)->commands, 0);
}

/* Full ring at the crash: 255 old commands between head and tail. */
static void fill(struct amd_model *m)
{
	u64 buf = CMDBUF(m);
	u32 off;

	m->head = 0x100;
	m->tail = 0x100 - 16;
	for (off = m->head; off != m->tail; off = (off + 16) & 0xfff) {
		/* INVALIDATE_DEVTAB_ENTRY of DeviceID 99h: opcode in bits 63:60. */
		model_wr64(buf + off, 0x99 | (u64)AMD_M_OP_INV_DEVTAB_ENTRY << 60);
		model_wr64(buf + off + 8, 0);
	}
}

static void full_advancing(void)
{
	struct amd_model *m = one(true);
	struct model_pass p;

	m->resume_at = model_now + 1000000;	/* busy for 1 ms more */
	fill(m);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("old-commands-run"), m->ops[AMD_M_OP_INV_DEVTAB_ENTRY], 255);
	CHECK(model_name("waited-for-room"), p.elapsed >= 1000000 && p.elapsed < p.budget);
}

static void full_stuck(void)
{
	struct amd_model *m = one(true);
	static u8 before[4096];
	struct model_pass p;

	m->stopped = true;
	fill(m);
	memcpy(before, model_mem(CMDBUF(m), 4096), 4096);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_UNAVAILABLE);
	stale(m);
	CHECK_EQ(model_name("no-commands"), rec(0)->commands, 0);
	CHECK(model_name("ring-untouched"),
	      !memcmp(before, model_mem(CMDBUF(m), 4096), 4096));
}

static void slow(u64 cmd_cycles, u8 inval)
{
	struct amd_model *m = one(true);
	struct model_pass p;

	m->cmd_cycles = cmd_cycles;
	p = model_crash();
	common(m, &p, inval);
	if (inval == CRASH_DMA_QUIESCE_INV_OK)
		return;
	/* The hardware finishes later: the stale permission goes then. */
	model_advance(4 * cmd_cycles);
	CHECK_EQ(model_name("late-completion-refuses"), writable(m, true), 0);
}

/* INVALIDATE_ALL and COMPLETION_WAIT, then the ATS device's IOTLB_PAGES. */
static void slow_inside(void) { slow(2000000, CRASH_DMA_QUIESCE_INV_OK); }	/* 2 x 2 ms */
static void slow_outside(void) { slow(60000000, CRASH_DMA_QUIESCE_INV_TIMEOUT); } /* 2 x 60 ms */

/*
 * Two IOMMUs sharing the device table (Linux 6.1: one per PCI segment).
 * @stuck: which one never processes commands.
 */
static void two(unsigned int stuck)
{
	struct amd_model *m[2];
	struct model_pass p;

	build_devtab();
	m[0] = iommu(true);
	m[1] = iommu(true);
	boot(m, 2);
	m[stuck]->stopped = true;
	p = model_crash();
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), (m[0]->control & 1) && (m[1]->control & 1));
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m[1], false), 0);
	CHECK_EQ(model_name("stuck-one-timeout"), rec(stuck)->inval, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK(model_name("stuck-one-stale"), writable(m[stuck], true) > 0);
	/* The healthy one invalidates its caches, before or after the other. */
	CHECK_EQ(model_name("healthy-ok"), rec(!stuck)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("healthy-refuses"), writable(m[!stuck], true), 0);
	CHECK_EQ(model_name("second-reuses-walk"), rec(1)->entries_changed, NRW);
	/* A stuck first IOMMU may use only its share (half) of the budget. */
	if (stuck == 0)
		CHECK(model_name("stuck-one-within-its-share"),
		      rec(0)->cycles <= p.budget / 2 + MODEL_SLACK);
}

static void two_first_stuck(void) { two(0); }
static void two_second_stuck(void) { two(1); }

/*
 * Self-check: an IOMMU that ignores INVALIDATE_IOMMU_ALL still completes
 * the COMPLETION_WAIT. The record says OK; the oracle must disagree,
 * which shows that the oracle checks above can fail.
 */
static void selfcheck(void)
{
	struct amd_model *m = one(true);

	m->drop_op = AMD_M_OP_INV_IOMMU_ALL;
	model_crash();
	CHECK_EQ(model_name("record-says-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("oracle-catches-missing-invalidation"), writable(m, true) > 0);
	CHECK_EQ(model_name("tables-alone-would-miss-it"), writable(m, false), 0);
}


/* ------------------------------------------------------------------
 * Scenarios of issue 14 (each fails on the crash path before its fix).
 */

/* A fresh IOMMU over the standard table, booted (caches filled). */
static struct amd_model *fresh(bool ia)
{
	return one(ia);
}

/*
 * A DTE with V=0 (48882 section 2.2.2: the entry is ignored, DMA passes
 * untranslated with full access): such a device can write anywhere, the
 * crashkernel region included. It must lose write permission too.
 */
static void v0_dte(void)
{
	struct amd_model *m;
	struct model_pass p;

	extra_changed = 1;
	const u16 id = 0x40;

	build_devtab();
	model_wr64(devtab + id * 32ULL, 0);	/* V=0 */
	model_wr64(devtab + id * 32ULL + 8, 0x77 | DTE1_I);	/* ignored */
	m = iommu(true);
	boot(&m, 1);
	CHECK(model_name("v0-writes-before"), amd_model_dma(m, id, IOVA, true, true));
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("v0-write-refused"), !amd_model_dma(m, id, IOVA, true, true));
	CHECK(model_name("v0-read-kept"), amd_model_dma(m, id, IOVA, false, true));
	CHECK(model_name("v0-in-changed-bitmap"),
	      model_rd64(rec(0)->changed_phys + 8 * (id / 64)) >> (id % 64) & 1);
}

/*
 * An ATS device (I=1) whose ATC holds writable translations and that
 * ignores INVALIDATE_IOTLB_PAGES: with I cleared the IOMMU refuses its
 * translated requests, so the record may say OK and the write is refused.
 */
static void ats_ignores(void)
{
	struct amd_model *m = fresh(true);
	struct model_pass p;

	m->atc_ignore = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("ats-write-refused"), !amd_model_dma(m, 0x28, IOVA, true, true));
	CHECK(model_name("flag-ats-off"), rec(0)->flags & CRASH_DMA_QUIESCE_F_ATS_OFF);
}

/*
 * Erratum 63: Linux sets IW on DTEs with SysMgt = 01b. The crash path
 * must not leave SysMgt = 01b with IW = 0 (undefined behaviour), nor keep
 * the write permission: SysMgt becomes 00b.
 */
static void sysmgt_erratum(void)
{
	struct amd_model *m;
	struct model_pass p;

	extra_changed = 1;
	const u16 id = 0x48;
	u64 w0, w1;

	build_devtab();
	model_wr64(devtab + id * 32ULL, DTE_V | DTE_TV | DTE_IR | DTE_IW);
	model_wr64(devtab + id * 32ULL + 8, 9 | DTE1_SYSMGT(1));
	m = iommu(true);
	boot(&m, 1);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	w0 = model_rd64(devtab + id * 32ULL);
	w1 = model_rd64(devtab + id * 32ULL + 8);
	CHECK(model_name("iw-cleared"), !(w0 & DTE_IW));
	CHECK(model_name("no-erratum-63-state"), ((w1 >> 40) & 3) != 1);
	CHECK(model_name("domain-kept"), (w1 & 0xffff) == 9);
}

/*
 * V=1, TV=0 with leftovers in word 1: once TV=1, DomainID, I, EX and
 * SysMgt are live; they must not keep old values.
 */
static void tv0_word1(void)
{
	struct amd_model *m;
	struct model_pass p;

	extra_changed = 1;
	const u16 id = 0x50;

	build_devtab();
	model_wr64(devtab + id * 32ULL, DTE_V | DTE_IR | DTE_IW);
	model_wr64(devtab + id * 32ULL + 8, 0x1234 | DTE1_I | DTE1_EX | DTE1_SYSMGT(1));
	m = iommu(true);
	boot(&m, 1);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("word1-zero"), model_rd64(devtab + id * 32ULL + 8), 0);
	CHECK(model_name("write-refused"), !amd_model_dma(m, id, IOVA, true, true));
	CHECK(model_name("read-kept"), amd_model_dma(m, id, IOVA, false, true));
}

/* Control Coherent clear: every changed DTE and command written back. */
static void noncoherent(void)
{
	struct amd_model *m = fresh(true);
	struct model_pass p;
	unsigned int before;

	m->control &= ~CTRL_COHERENT;
	before = model_clflushes;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-flushed"), rec(0)->flags & CRASH_DMA_QUIESCE_F_FLUSHED);
	/* One per changed DTE, two commands, the wait slot at least twice. */
	CHECK(model_name("dtes-and-commands-flushed"),
	      model_clflushes - before >= NRW + 2 + 2);
}

/*
 * SNP: Linux 6.1 points the Exclusion Base / Limit registers at its
 * cmd_sem page (the completion-wait write-back range); a store elsewhere
 * is refused and halts command processing. The crash path must store
 * into the range, and leave the driver's cmd_sem (offset 0) alone.
 */
static void cwwb(void)
{
	struct amd_model *m = fresh(true);
	u64 sem = model_alloc_page();
	struct model_pass p;

	model_wr64(sem, 0x1234);
	m->efr |= EFR_SNP;
	m->iommu_link->features = m->efr;
	m->excl_base = sem;
	m->excl_limit = sem;
	m->cwwb_enforced = true;
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("not-halted"), !m->halted);
	CHECK(model_name("flag-cwwb"), rec(0)->flags & CRASH_DMA_QUIESCE_F_CWWB);
	CHECK_EQ(model_name("cmd-sem-untouched"), model_rd64(sem), 0x1234);
	CHECK(model_name("store-in-range"), model_rd64(sem + 0xff8) >> 32 == 0x444d4151);
}

/*
 * The register EFR advertises IASup, the IVHD copy that Linux uses does
 * not (6.1 warns "EFR mismatch" and keeps the IVHD value): no
 * INVALIDATE_IOMMU_ALL, the per-DTE / per-domain commands instead.
 */
static void efr_mismatch(void)
{
	struct amd_model *m;
	struct model_pass p;

	build_devtab();
	m = iommu(true);
	m->iommu_link->features = 0;
	boot(&m, 1);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("no-inv-all"), m->ops[AMD_M_OP_INV_IOMMU_ALL], 0);
	CHECK_EQ(model_name("devtab-entry-per-changed"), m->ops[AMD_M_OP_INV_DEVTAB_ENTRY], NRW);
}

/*
 * Without IASup and with slow command processing the budget runs out
 * half-way through the invalidations. Every domain whose commands were
 * processed must be fully invalidated (its devices' cached writes
 * refused): a domain's INVALIDATE_IOMMU_PAGES follows the DTE
 * invalidations of its devices, not all of them at the end.
 */
#define MANY	40
static void noia_budget(void)
{
	struct amd_model *m;
	struct model_pass p;
	unsigned int i, refused = 0;

	build_devtab();
	for (i = 0; i < MANY; i++) {
		u16 id = 0x80 + i;

		model_wr64(devtab + id * 32ULL,
			   DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW);
		model_wr64(devtab + id * 32ULL + 8, 0x100 + i);	/* own domain */
	}
	m = iommu(false);
	model_run_initcalls();
	for (i = 0; i < MANY; i++)
		amd_model_dma(m, 0x80 + i, IOVA, true, true);
	/*
	 * 2 * (MANY + NRW) commands at 2.5 ms: about 40 fit in 100 ms. The
	 * devices stay within the model's caches (64 entries each).
	 */
	m->cmd_cycles = 2500000;
	p = model_crash();
	CHECK_EQ(model_name("inval-timeout"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_TIMEOUT);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m, false), 0);
	for (i = 0; i < MANY; i++)
		refused += !amd_model_dma(m, 0x80 + i, IOVA, true, true);
	/* The domains done while the budget lasted (about 16 of 40). */
	CHECK(model_name("whole-domains-done"), refused >= MANY / 4);
	CHECK(model_name("not-all-done"), refused < MANY);
}

/*
 * Two IOMMUs sharing a full-size device table; the first one's share of
 * a small budget ends in the middle of the walk. The second one must
 * continue the walk where it stopped, so that no DTE keeps IW.
 */
static void shared_resume(void)
{
	struct amd_model *m[2];
	struct model_pass p;
	const u16 late = 0xf000;
	u64 tab;
	unsigned int i;

	tab = model_alloc_page();
	for (i = 1; i < 512; i++)
		model_alloc_page();	/* 2 MiB: 65536 DTEs */
	for (i = 0; i < 65536; i++)
		model_wr64(tab + i * 32ULL, DTE_V | DTE_TV);
	ptroot = page_table();
	model_wr64(tab + late * 32ULL,
		   DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW);
	model_wr64(tab + late * 32ULL + 8, 3);
	for (i = 0; i < 2; i++) {
		m[i] = amd_model_new();
		m[i]->devtab = tab | 0x1ff;
		m[i]->cmdbuf = model_alloc_page() | (8ULL << 56);
		m[i]->control = CTRL_EN;
		m[i]->efr = EFR_IA;
		m[i]->iommu_link->features = EFR_IA;
		m[i]->head = m[i]->tail = 0x40;
	}
	/* 60 us: the first IOMMU's 30 us end about half-way through the walk. */
	CHECK_EQ(model_name("set-budget"), model_set_param("crash_dma_quiesce_budget", "60"), 0);
	model_run_initcalls();
	CHECK(model_name("late-device-writes-before"),
	      amd_model_dma(m[1], late, IOVA, true, true));
	p = model_crash();
	(void)p;
	CHECK_EQ(model_name("first-walk-timed-out"), rec(0)->state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK_EQ(model_name("second-walk-done"), rec(1)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("second-scanned-all"), rec(1)->entries_scanned, 65536);
	CHECK(model_name("late-dte-revoked"), !(model_rd64(tab + late * 32ULL) & DTE_IW));
	CHECK_EQ(model_name("second-inval-ok"), rec(1)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("late-device-refused"), !amd_model_dma(m[1], late, IOVA, true, true));
}

/* More IOMMUs than the old limit of 16: every one registered and quiesced. */
#define NMANY	20
static void many_iommus(void)
{
	struct amd_model *m[NMANY];
	struct model_pass p;
	unsigned int i, ok = 0, refused = 0;

	build_devtab();
	for (i = 0; i < NMANY; i++)
		m[i] = iommu(true);
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
	CHECK_EQ(model_name("log-line-per-iommu"), p.log_lines, NMANY);
	CHECK_EQ(model_name("no-console-line"), p.console_lines, 0);
}

/*
 * The device table register points at RAM that is not in the direct map
 * (DEBUG_PAGEALLOC, secretmem): pfn_valid() and the e820 map accept it,
 * an access would fault. The crash path must leave it alone.
 */
static void unmapped_table(void)
{
	struct model_pass p;

	fresh(true);
	model_unmap_page(devtab + 4096, false);
	p = model_crash();
	CHECK_EQ(model_name("bad-root"), rec(0)->state, CRASH_DMA_QUIESCE_BAD_ROOT);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK_EQ(model_name("nothing-changed"), rec(0)->entries_changed, 0);
}

/* A command buffer in the low crashkernel region is not written. */
static void cmdbuf_in_crashk_low(void)
{
	struct amd_model *m = fresh(true);
	u64 buf = m->cmdbuf & 0x000ffffffffff000ULL;
	struct model_pass p;

	crashk_low_res.start = buf;
	crashk_low_res.end = buf + 4095;
	p = model_crash();
	CHECK_EQ(model_name("inval-unavailable"), rec(0)->inval,
		 CRASH_DMA_QUIESCE_INV_UNAVAILABLE);
	CHECK_EQ(model_name("no-commands"), rec(0)->commands, 0);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
}

/*
 * A CPU that did not answer the stop NMI: the record says so. One CPU
 * of two reports stopped in a second run.
 */
static void cpu_running(void)
{
	struct amd_model *m = fresh(true);

	model_cpus = 3;
	crash_dma_quiesce_cpu_stopped();
	model_crash();
	CHECK_EQ(model_name("one-cpu-running"), crash_dma_quiesce_info.cpus_running, 1);
	CHECK(model_name("still-quiesced"), writable(m, true) == 0);
}

/*
 * No memory for the second IOMMU's bitmap at boot: it is not handled, and
 * its record says so (state, nr_unregistered); the first is quiesced.
 */
static void no_memory(void)
{
	struct amd_model *m[2];
	struct model_pass p;

	build_devtab();
	m[0] = iommu(true);
	m[1] = iommu(true);
	model_alloc_fail_after = 1;
	boot(m, 2);
	p = model_crash();
	CHECK_EQ(model_name("both-recorded"), crash_dma_quiesce_info.nr_records, 2);
	CHECK_EQ(model_name("one-unregistered"), crash_dma_quiesce_info.nr_unregistered, 1);
	CHECK_EQ(model_name("second-state-no-memory"), rec(1)->state,
		 CRASH_DMA_QUIESCE_NO_MEMORY);
	CHECK_EQ(model_name("second-no-bitmap"), rec(1)->changed_phys, 0);
	CHECK(model_name("second-table-known"), rec(1)->root_phys == devtab);
	CHECK_EQ(model_name("first-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("first-refuses"), writable(m[0], true), 0);
	CHECK_EQ(model_name("second-untouched-no-commands"), m[1]->ops[AMD_M_OP_COMPLETION_WAIT], 0);
	CHECK_EQ(model_name("log-line-per-iommu"), p.log_lines, 2);
}

/* ------------------------------------------------------------------
 * The early pass at panic entry (crash_dma_quiesce_early(), issue 13):
 * the other CPUs still run, the driver owns its command buffer lock.
 */

/* The driver's view of the ring matches the registers, as at any time. */
static void driver_in_sync(struct amd_model *m)
{
	m->iommu_link->cmd_buf_tail = m->tail;
	m->iommu_link->cmd_buf_head = m->head;
}

/* Run the early pass (inside the oracles); return the model cycles it took. */
static u64 early(void)
{
	return model_early();
}

static bool changed_bit(unsigned int i, u16 id)
{
	return model_rd64(rec(i)->changed_phys + 8 * (id / 64)) >> (id % 64) & 1;
}

/*
 * Lock free: before any CPU is stopped the tables and the caches refuse
 * the writes; the lock is released with the driver's tail moved behind
 * the pass's commands. The pass after the stop still runs in full and
 * its record counts the early pass's changes.
 */
static void early_healthy(bool ia)
{
	struct amd_model *m = one(ia);
	struct amd_iommu *drv = m->iommu_link;
	unsigned int lines = model_console_lines;
	struct model_pass p;
	u64 t;

	driver_in_sync(m);
	t = early();
	CHECK_EQ(model_name("early-refuses-cached"), writable(m, true), 0);
	CHECK(model_name("early-reads-kept"), amd_model_dma(m, 0x10, IOVA, false, true));
	CHECK(model_name("early-commands-ran"), m->tail != 0x40 && m->head == m->tail);
	CHECK_EQ(model_name("early-driver-tail-synced"), drv->cmd_buf_tail, m->tail);
	CHECK_EQ(model_name("early-lock-released"), drv->lock.locked, 0);
	CHECK_EQ(model_name("early-units"), crash_dma_quiesce_info.early_units, 1);
	CHECK(model_name("early-within-budget"), t <= 100000000ULL + MODEL_SLACK);
	CHECK_EQ(model_name("early-no-console-line"), model_console_lines, lines);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-early"), rec(0)->flags & CRASH_DMA_QUIESCE_F_EARLY);
	CHECK(model_name("changed-bitmap-has-early"), changed_bit(0, devs[0].id));
}

static void early_healthy_ia(void) { early_healthy(true); }
static void early_healthy_noia(void) { early_healthy(false); }

/*
 * Another CPU holds the command buffer lock for good: the early pass
 * gives up on this IOMMU after its lock bound (1 ms) without touching
 * anything, and the pass after the stop does the work.
 */
static void early_lock_busy(void)
{
	struct amd_model *m = one(true);
	struct model_pass p;
	u64 t;

	driver_in_sync(m);
	m->iommu_link->lock.locked = 1;
	t = early();
	CHECK(model_name("busy-tables-untouched"), writable(m, false) > 0);
	CHECK_EQ(model_name("busy-no-command"), m->ops[AMD_M_OP_COMPLETION_WAIT], 0);
	CHECK(model_name("busy-bounded"), t >= 1000000 && t <= 1000000 + MODEL_SLACK);
	CHECK_EQ(model_name("busy-lock-left-held"), m->iommu_link->lock.locked, 1);
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("flag-early-busy"),
	      (rec(0)->flags & (CRASH_DMA_QUIESCE_F_EARLY | CRASH_DMA_QUIESCE_F_EARLY_BUSY)) ==
	      CRASH_DMA_QUIESCE_F_EARLY_BUSY);
}

/*
 * Between the early pass and the stop a running CPU attaches devs[0] to
 * a new domain with write permission, and the device writes (filling
 * the caches): the pass after the stop revokes it again.
 */
static void early_regrant(void)
{
	struct amd_model *m = one(false);
	const u16 id = devs[0].id;
	struct model_pass p;

	driver_in_sync(m);
	early();
	CHECK(model_name("revoked-early"), !amd_model_dma(m, id, IOVA, true, true));
	model_wr64(devtab + id * 32ULL, model_rd64(devtab + id * 32ULL) | DTE_IW);
	model_wr64(devtab + id * 32ULL + 8, 9);	/* new DomainID */
	/* The driver flushes the DTE, as device_flush_dte() does. */
	m->dtc[id % AMD_M_CACHE].valid = false;
	CHECK(model_name("regranted-writes"), amd_model_dma(m, id, IOVA, true, true));
	/* The same DTE lost write twice: the record counts entries, once. */
	p = model_crash();
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
}

/*
 * The driver rewrites a DTE (new page table, write permission) at the
 * moment the early pass exchanges it: the driver's update is neither torn
 * nor undone (its root stays), and it loses write permission too.
 */
static u64 race_new_w0;
static void race_hook(u64 *p)
{
	if (p != model_mem(devtab + devs[0].id * 32ULL, 8) || !race_new_w0)
		return;
	model_driver_store(p, race_new_w0);
	race_new_w0 = 0;
}

static void early_race(void)
{
	struct amd_model *m = one(true);
	const u16 id = devs[0].id;
	u64 root2 = page_table(), w0;

	driver_in_sync(m);
	race_new_w0 = DTE_V | DTE_TV | DTE_MODE(3) | root2 | DTE_IR | DTE_IW;
	test_cmpxchg_hook = race_hook;
	early();
	test_cmpxchg_hook = NULL;
	w0 = model_rd64(devtab + id * 32ULL);
	CHECK(model_name("race-happened"), !race_new_w0);
	CHECK_EQ(model_name("driver-root-kept"), w0 & 0x000ffffffffff000ULL, root2);
	CHECK(model_name("driver-entry-lost-write"), !(w0 & DTE_IW) && (w0 & DTE_IR));
	CHECK_EQ(model_name("refuses-cached"), writable(m, true), 0);
}

/*
 * Two IOMMUs share the device table; the first one's lock stays held.
 * The early pass over the second revokes the shared DTEs, so the pass
 * after the stop finds nothing left to change, on the first IOMMU (it
 * walks the table first) as on the second; yet the first IOMMU still
 * caches them writable, and must invalidate them.
 */
static void early_shared_busy(void)
{
	struct amd_model *m[2];
	struct model_pass p;

	build_devtab();
	m[0] = iommu(false);
	m[1] = iommu(true);
	boot(m, 2);
	driver_in_sync(m[0]);
	driver_in_sync(m[1]);
	m[0]->iommu_link->lock.locked = 1;
	early();
	CHECK_EQ(model_name("early-one-refuses"), writable(m[1], true), 0);
	CHECK(model_name("busy-one-still-caches"), writable(m[0], true) > 0);
	p = model_crash();
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK_EQ(model_name("busy-one-inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("busy-one-refuses"), writable(m[0], true), 0);
	CHECK_EQ(model_name("busy-one-per-domain"), m[0]->ops[AMD_M_OP_INV_IOMMU_PAGES], NRW);
	CHECK(model_name("busy-one-bitmap-carried"), changed_bit(0, devs[0].id));
	CHECK(model_name("busy-one-flag"), rec(0)->flags & CRASH_DMA_QUIESCE_F_EARLY_BUSY);
	CHECK(model_name("early-one-flag"), rec(1)->flags & CRASH_DMA_QUIESCE_F_EARLY);
}

/* Switched off, without a capture kernel, or with post-notifiers: nothing. */
static u32 ops_total(const struct amd_model *m)
{
	u32 i, n = 0;

	for (i = 0; i < 16; i++)
		n += m->ops[i];
	return n;
}

/*
 * Two IOMMUs share the device table (several IOMMUs of one PCI segment),
 * both locks free: the first early-quiesces the table, the second finds
 * it already changed and must still invalidate its own caches before the
 * stop, not skip it because the counts it took over read zero (issue 18,
 * AMD shared table in the early pass).
 */
static void early_shared_two(void)
{
	struct amd_model *m[2];
	struct model_pass p;

	build_devtab();
	m[0] = iommu(false);
	m[1] = iommu(false);
	boot(m, 2);
	driver_in_sync(m[0]);
	driver_in_sync(m[1]);
	early();
	CHECK_EQ(model_name("early-first-refuses"), writable(m[0], true), 0);
	CHECK_EQ(model_name("early-second-refuses"), writable(m[1], true), 0);
	CHECK_EQ(model_name("early-second-per-domain"),
		 m[1]->ops[AMD_M_OP_INV_IOMMU_PAGES], NRW);
	CHECK_EQ(model_name("early-second-waited"),
		 m[1]->ops[AMD_M_OP_COMPLETION_WAIT], 1);
	CHECK_EQ(model_name("early-units"), crash_dma_quiesce_info.early_units, 2);
	p = model_crash();
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	CHECK(model_name("both-flag-early"),
	      (rec(0)->flags & rec(1)->flags & CRASH_DMA_QUIESCE_F_EARLY));
	CHECK_EQ(model_name("second-counts-the-table"), rec(1)->entries_changed, NRW);
	CHECK_EQ(model_name("second-refuses"), writable(m[1], true), 0);
}

/*
 * The early pass queues more commands than the 8 KiB ring holds (no
 * IASup: two per changed DTE) to a slow IOMMU, so its tail wraps past
 * the head the driver last read. The driver must then not see the
 * buffer as nearly empty: its cached head is re-read from the register,
 * and the room __iommu_queue_command_sync() computes from it never
 * exceeds the real one (issue 18, stale cmd_buf_head).
 */
static void early_stale_head(void)
{
	struct amd_model *m;
	struct amd_iommu *drv;
	u32 room_drv, room_hw;
	unsigned int i;

	u64 big;

	/* A 16 KiB table (512 DTEs): devs[] as usual, 0x40-0x1ff writable. */
	build_devtab();
	big = model_alloc_page();
	for (i = 1; i < 4; i++)
		model_alloc_page();	/* contiguous */
	for (i = 0; i < 512; i++) {
		model_wr64(big + i * 32ULL, i < NDTE ? model_rd64(devtab + i * 32ULL) :
			   DTE_V | DTE_TV);
		model_wr64(big + i * 32ULL + 8, i < NDTE ? model_rd64(devtab + i * 32ULL + 8) : 0);
		if (i >= 0x40) {
			model_wr64(big + i * 32ULL, DTE_V | DTE_TV | DTE_IR | DTE_IW);
			model_wr64(big + i * 32ULL + 8, 0x100 + i);
		}
	}
	devtab = big;
	m = iommu(false);
	m->devtab = devtab | 3;		/* Size 3: 16 KiB */
	/* The driver's ring: 8 KiB (CMD_BUFFER_SIZE), ComLen 9. */
	m->cmdbuf = model_alloc_page() | (9ULL << 56);
	model_alloc_page();
	m->cmd_cycles = 3000;
	boot(&m, 1);
	drv = m->iommu_link;
	driver_in_sync(m);
	early();
	CHECK(model_name("early-wrapped-past-driver-head"),
	      ops_total(m) > 8192 / 16);
	CHECK_EQ(model_name("early-driver-head-synced"), drv->cmd_buf_head, m->head);
	CHECK_EQ(model_name("early-driver-tail-synced"), drv->cmd_buf_tail, m->tail);
	room_drv = (drv->cmd_buf_head - (drv->cmd_buf_tail + 16)) % CMD_BUFFER_SIZE;
	room_hw = (m->head - (m->tail + 16)) % CMD_BUFFER_SIZE;
	CHECK(model_name("driver-room-not-overstated"), room_drv <= room_hw);
}

/*
 * The early pass's invalidation does not complete (the command processor
 * stopped): the IOMMU is not counted as handled early and its record
 * does not say "early", although the early pass ran on it.
 */
static void early_inval_fails(void)
{
	struct amd_model *m = one(true);

	driver_in_sync(m);
	m->stopped = true;
	early();
	CHECK_EQ(model_name("early-units-zero"), crash_dma_quiesce_info.early_units, 0);
	CHECK(model_name("early-changed-tables"), writable(m, false) == 0);
	model_crash();
	CHECK(model_name("no-flag-early"), !(rec(0)->flags & CRASH_DMA_QUIESCE_F_EARLY));
	CHECK(model_name("no-flag-early-busy"),
	      !(rec(0)->flags & CRASH_DMA_QUIESCE_F_EARLY_BUSY));
}

/*
 * The pass after the stop begins on another CPU while the early pass is
 * in the middle of a walk (its CPU did not answer the stop NMI): played
 * by a hook at the early pass's first DTE exchange that runs
 * crash_dma_quiesce() (at the second exchange: the early pass has changed
 * one DTE and will want to invalidate it). The pass after the stop waits at most its bound
 * for the early pass to leave the IOMMU (here it cannot: it is below on
 * the stack), then does the work; the early pass, when it continues,
 * queues and publishes no command any more (the ring is the pass after
 * the stop's) and writes nothing the pass after the stop did not.
 */
static struct amd_model *overlap_m;
static u32 overlap_tail, overlap_ops;
static u64 overlap_late_elapsed;

static void overlap_hook(u64 *p)
{
	static unsigned int calls;
	struct model_pass lp;

	(void)p;
	/* After the early pass changed its first DTE (devs[0]). */
	if (++calls < 2)
		return;
	test_cmpxchg_hook = NULL;
	lp = model_crash();
	overlap_late_elapsed = lp.elapsed;
	overlap_tail = overlap_m->tail;
	overlap_ops = ops_total(overlap_m);
}

static void early_overlap(void)
{
	struct amd_model *m = one(true);

	overlap_m = m;
	driver_in_sync(m);
	test_cmpxchg_hook = overlap_hook;
	early();
	test_cmpxchg_hook = NULL;
	CHECK(model_name("late-ran-inside"), overlap_ops != 0);
	CHECK_EQ(model_name("late-inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("late-waited-bounded"),
	      overlap_late_elapsed >= 2000000 &&
	      overlap_late_elapsed <= 2000000 + 2000000 + MODEL_SLACK);
	CHECK_EQ(model_name("early-queued-nothing-after"), ops_total(m), overlap_ops);
	CHECK_EQ(model_name("early-published-nothing-after"), m->tail, overlap_tail);
	CHECK_EQ(model_name("refuses-cached"), writable(m, true), 0);
	CHECK_EQ(model_name("early-units-zero"), crash_dma_quiesce_info.early_units, 0);
}

/*
 * SNP enabled at boot: Linux 6.1 then writes V=1, TV=0 for every DTE
 * without a page table (init_device_table_dma(), set_dte_entry() for
 * domain 0), since SNP prohibits Mode 0 with TV=1. The crash path's
 * rewrite of those entries (TV=1, Mode 0) is a DTE the IOMMU refuses,
 * reads included: the record counts every such device as blocked, as
 * the oracle does from the tables. Without SNP nothing is blocked.
 */
static void snp_tv0(bool snp)
{
	struct amd_model *m;
	struct model_pass p;
	unsigned int i;
	u64 w0;

	amd_iommu_snp_en = snp;
	build_devtab();
	if (snp) {
		for (i = 0; i < NDTE; i++) {
			w0 = model_rd64(devtab + i * 32ULL);
			if (!((w0 >> 9) & 7) && (w0 & DTE_TV) && i != 0x30) {
				model_wr64(devtab + i * 32ULL, DTE_V);
				model_wr64(devtab + i * 32ULL + 8, 0);
			}
		}
	}
	m = iommu(true);
	m->snp_known = true;
	m->snp_en = snp;
	if (snp)
		m->efr |= m->iommu_link->features |= 1ULL << 63;
	boot(&m, 1);
	p = model_crash();
	CHECK_EQ(model_name("inval"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m, false), 0);
	CHECK_EQ(model_name("oracle-writes-refused"), writable(m, true), 0);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	/* SNP: every DTE but 0x10, 0x28 (translated) and 0x30 (read-only). */
	CHECK_EQ(model_name("devices-blocked"), rec(0)->entries_blocked,
		 snp ? NDTE - 3 : 0);
	CHECK(model_name("translated-reads-kept"), amd_model_dma(m, 0x10, IOVA, false, true));
	CHECK_EQ(model_name("tv0-reads"), amd_model_dma(m, 0x20, IOVA, false, false), !snp);
}
static void snp_on(void) { snp_tv0(true); }
static void snp_off(void) { snp_tv0(false); }

static void early_not_run(int why)
{
	struct amd_model *m = one(true);

	driver_in_sync(m);
	if (why == 0)
		CHECK_EQ(model_name("set-off"), model_set_param("crash_dma_quiesce_early", "0"), 0);
	else if (why == 1)
		model_kexec_crash_loaded = 0;
	else
		crash_kexec_post_notifiers = true;
	early();
	CHECK(model_name("stale-write-survives"), writable(m, true) > 0);
	CHECK_EQ(model_name("no-command"), m->ops[AMD_M_OP_COMPLETION_WAIT], 0);
	CHECK_EQ(model_name("early-units"), crash_dma_quiesce_info.early_units, 0);
}

static void early_off(void) { early_not_run(0); }
static void early_no_image(void) { early_not_run(1); }
static void early_post_notifiers(void) { early_not_run(2); }

/* ------------------------------------------------------------------
 * Whole-state scenarios (issue 18): a full 64K-entry device table with
 * entries at its bounds, random DTEs over all of it, and DTEs with guest
 * translation (GV) whose GCR3 tables point at CPU page tables. The
 * whole-state oracles of model_crash() judge every DTE; the DMA checks
 * are a second opinion on what the scenario built.
 */

#define DTE_GV		(1ULL << 55)

/* A 2 MiB device table (65536 DTEs), every DTE as Linux 6.1 writes it. */
static u64 full_table(void)
{
	u64 tab = model_alloc_page();
	unsigned int i;

	for (i = 1; i < 512; i++)
		model_alloc_page();	/* consecutive */
	for (i = 0; i < 65536; i++)
		model_wr64(tab + i * 32ULL, DTE_V | DTE_TV);
	return tab;
}

/* An IOMMU over device table @tab of @size_field (Size, bits 8:0). */
static struct amd_model *iommu_on(u64 tab, u64 size_field, bool ia)
{
	struct amd_model *m = amd_model_new();

	m->devtab = tab | size_field;
	m->cmdbuf = model_alloc_page() | (8ULL << 56);
	m->control = CTRL_EN;
	m->efr = ia ? EFR_IA : 0;
	m->iommu_link->features = m->efr;
	m->head = m->tail = 0x40;
	return m;
}

static const u16 edge_ids[] = {
	0x0000, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xff00, 0xfffe, 0xffff,
};
#define NEDGE	(sizeof(edge_ids) / sizeof(edge_ids[0]))

static void full_table_edges(void)
{
	struct amd_model *m;
	unsigned int i, n;
	struct model_pass p;
	u64 tab;

	tab = full_table();
	ptroot = page_table();
	for (i = 0; i < NEDGE; i++) {
		model_wr64(tab + edge_ids[i] * 32ULL,
			   DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW);
		model_wr64(tab + edge_ids[i] * 32ULL + 8, 0x100 + i);
	}
	/* Untranslated ones near the end: V=0, V=1 TV=0; and an ATS device. */
	model_wr64(tab + 0xfffd * 32ULL, 0);
	model_wr64(tab + 0xfffc * 32ULL, DTE_V | DTE_IR | DTE_IW);
	model_wr64(tab + 0xfffb * 32ULL,
		   DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW);
	model_wr64(tab + 0xfffb * 32ULL + 8, 0x200 | DTE1_I);
	m = iommu_on(tab, 0x1ff, true);
	model_run_initcalls();
	for (i = 0, n = 0; i < NEDGE; i++)
		n += amd_model_dma(m, edge_ids[i], IOVA, true, true);
	for (i = 0xfffb; i <= 0xfffd; i++)
		n += amd_model_dma(m, (u16)i, IOVA, true, true);
	CHECK_EQ(model_name("boot-writers"), n, NEDGE + 3);
	p = model_crash();
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("scanned-all"), rec(0)->entries_scanned, 65536);
	CHECK_EQ(model_name("entries-changed"), rec(0)->entries_changed, NEDGE + 3);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	for (i = 0, n = 0; i < NEDGE; i++)
		n += amd_model_dma(m, edge_ids[i], IOVA, true, true);
	for (i = 0xfffb; i <= 0xfffd; i++)
		n += amd_model_dma(m, (u16)i, IOVA, true, true);
	CHECK_EQ(model_name("oracle-writes-refused"), n, 0);
	for (i = 0, n = 0; i < NEDGE; i++)
		n += amd_model_dma(m, edge_ids[i], IOVA, false, false);
	CHECK_EQ(model_name("reads-kept"), n, NEDGE);
	CHECK(model_name("ffff-in-changed-bitmap"), changed_bit(0, 0xffff));
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
 * A GCR3 table (48882 2.2.2: GLX 00b, one level, entries valid bit 0 and
 * a guest CR3 in bits 51:12) whose entries for PASIDs 1 and 2 are CPU
 * page tables (SVA: an mm's pgd), every page tagged. Return: its address.
 */
static u64 gcr3_table(void)
{
	u64 g = model_alloc_page(), pgd, pud, i;

	for (i = 1; i <= 2; i++) {
		pgd = model_alloc_page();
		pud = model_alloc_page();
		model_page_role(pgd, OR_CPU_PT);
		model_page_role(pud, OR_CPU_PT);
		model_wr64(pgd + 8 * i, pud | 7);	/* P, R/W, U/S */
		model_wr64(g + 8 * i, pgd | 1);
	}
	return g;
}

/* Word 0 and 1 bits of GCR3 Table Root Pointer @g (DTE bits 60:58, 95:80, 127:107). */
static void dte_gcr3(u64 *w0, u64 *w1, u64 g)
{
	*w0 |= DTE_GV | ((g >> 12) & 7) << 58;
	*w1 |= ((g >> 15) & 0xffff) << 16 | ((g >> 31) & 0x1fffff) << 43;
}

/*
 * Every one of the 65536 DTEs random: V=0 with garbage, V=1 TV=0 with
 * garbage, or translated (Mode 0 or 3, IR / IW / I / SysMgt / DomainID
 * random, some with guest translation on a GCR3 table of CPU page
 * tables), shared by two IOMMUs.
 */
static void random_table(bool all)
{
	struct amd_model *m[2];
	u64 tab, g, w0, w1;
	unsigned int i, r, before = 0, after = 0, reads = 0;
	struct model_pass p;

	rng_state = all ? 0xa11da7aULL : 0xd7e5eedULL;
	if (all)
		CHECK_EQ(model_name("set-all"), model_set_param("crash_dma_quiesce", "all"), 0);
	tab = full_table();
	ptroot = page_table();
	g = gcr3_table();
	for (i = 0; i < 65536; i++) {
		r = (unsigned int)(rnd() % 100);
		w1 = rnd();
		if (r < 20) {
			w0 = rnd() & ~DTE_V;
		} else if (r < 30) {
			w0 = (rnd() | DTE_V) & ~DTE_TV;
		} else {
			w0 = DTE_V | DTE_TV | (rnd() & (DTE_IR | DTE_IW));
			if (rnd() % 2)
				w0 |= DTE_MODE(3) | ptroot;
			/* DomainID, I, SysMgt random; the rest of word 1 clear. */
			w1 &= 0xffff | DTE1_I | DTE1_SYSMGT(3);
			if (rnd() % 16 == 0)
				dte_gcr3(&w0, &w1, g);
		}
		model_wr64(tab + i * 32ULL, w0);
		model_wr64(tab + i * 32ULL + 8, w1);
		model_wr64(tab + i * 32ULL + 16, rnd());
		model_wr64(tab + i * 32ULL + 24, rnd());
	}
	m[0] = iommu_on(tab, 0x1ff, true);
	m[1] = iommu_on(tab, 0x1ff, false);
	model_run_initcalls();
	for (i = 0; i < 65536; i++)
		before += amd_model_dma(m[i % 2], (u16)i, IOVA, true, true);
	CHECK(model_name("boot-writers"), before > 20000);
	p = model_crash();
	CHECK_EQ(model_name("state-done"), rec(0)->state, CRASH_DMA_QUIESCE_DONE);
	CHECK_EQ(model_name("inval-ok"), rec(0)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK_EQ(model_name("second-inval-ok"), rec(1)->inval, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("within-budget"), p.elapsed <= p.budget + MODEL_SLACK);
	for (i = 0; i < 65536; i++) {
		after += amd_model_dma(m[0], (u16)i, IOVA, true, true) +
			 amd_model_dma(m[1], (u16)i, IOVA, true, true);
		reads += amd_model_dma(m[0], (u16)i, IOVA, false, false);
	}
	CHECK_EQ(model_name("oracle-writes-refused"), after, 0);
	if (all)
		CHECK_EQ(model_name("reads-refused"), reads, 0);
	else
		CHECK(model_name("reads-kept"), reads > 20000);
}

static void random_write(void) { random_table(false); }
static void random_all(void) { random_table(true); }

/*
 * Guest translation with SVA: a DTE with GV set whose GCR3 table holds an
 * mm's pgd per PASID. The crash path changes the DTE only: the GCR3 table
 * and the CPU page tables are never written (whole-state write set).
 */
static void sva_gcr3(void)
{
	const u16 id = 0x58;
	struct amd_model *m;
	struct model_pass p;
	u64 w0, w1, g;

	build_devtab();
	g = gcr3_table();
	w0 = DTE_V | DTE_TV | DTE_MODE(3) | ptroot | DTE_IR | DTE_IW;
	w1 = 0x33 | DTE1_I;
	dte_gcr3(&w0, &w1, g);
	model_wr64(devtab + id * 32ULL, w0);
	model_wr64(devtab + id * 32ULL + 8, w1);
	m = iommu(true);
	boot(&m, 1);
	CHECK(model_name("sva-device-writes-before"), amd_model_dma(m, id, IOVA, true, true));
	p = model_crash();
	extra_changed = 1;
	common(m, &p, CRASH_DMA_QUIESCE_INV_OK);
	CHECK(model_name("sva-device-refused"), !amd_model_dma(m, id, IOVA, true, true));
	CHECK_EQ(model_name("gcr3-pointer-kept"),
		 model_rd64(devtab + id * 32ULL) & (DTE_GV | 7ULL << 58), w0 & (DTE_GV | 7ULL << 58));
}

int main(void)
{
	model_scenario("amd-healthy-iasup", healthy_ia);
	model_scenario("amd-healthy-no-iasup", healthy_noia);
	model_scenario("amd-stopped", stopped);
	model_scenario("amd-cmdbuf-disabled", cmdbuf_off);
	model_scenario("amd-halted-illegal-command", halted);
	model_scenario("amd-full-advancing", full_advancing);
	model_scenario("amd-full-stuck", full_stuck);
	model_scenario("amd-slow-inside-budget", slow_inside);
	model_scenario("amd-slow-outside-budget", slow_outside);
	model_scenario("amd-two-first-stuck", two_first_stuck);
	model_scenario("amd-two-second-stuck", two_second_stuck);
	model_scenario("amd-selfcheck", selfcheck);
	model_scenario("amd-v0-dte", v0_dte);
	model_scenario("amd-ats-ignores-invalidation", ats_ignores);
	model_scenario("amd-sysmgt-erratum-63", sysmgt_erratum);
	model_scenario("amd-tv0-word1", tv0_word1);
	model_scenario("amd-noncoherent", noncoherent);
	model_scenario("amd-cwwb-range-enforced", cwwb);
	model_scenario("amd-efr-ivhd-mismatch", efr_mismatch);
	model_scenario("amd-no-iasup-budget-by-domain", noia_budget);
	model_scenario("amd-shared-table-resume", shared_resume);
	model_scenario("amd-20-iommus", many_iommus);
	model_scenario("amd-table-unmapped", unmapped_table);
	model_scenario("amd-cmdbuf-in-crashk-low", cmdbuf_in_crashk_low);
	model_scenario("amd-cpu-still-running", cpu_running);
	model_scenario("amd-registration-no-memory", no_memory);
	model_scenario("amd-early-healthy-iasup", early_healthy_ia);
	model_scenario("amd-early-healthy-no-iasup", early_healthy_noia);
	model_scenario("amd-early-lock-busy", early_lock_busy);
	model_scenario("amd-early-regrant", early_regrant);
	model_scenario("amd-early-race", early_race);
	model_scenario("amd-early-shared-table-busy", early_shared_busy);
	model_scenario("amd-early-shared-table-two", early_shared_two);
	model_scenario("amd-early-stale-head", early_stale_head);
	model_scenario("amd-early-inval-fails", early_inval_fails);
	model_scenario("amd-early-late-overlap", early_overlap);
	model_scenario("amd-snp-tv0-blocked", snp_on);
	model_scenario("amd-no-snp-none-blocked", snp_off);
	model_scenario("amd-early-off", early_off);
	model_scenario("amd-early-no-capture-kernel", early_no_image);
	model_scenario("amd-early-post-notifiers", early_post_notifiers);
	model_scenario("amd-full-table-edges", full_table_edges);
	model_scenario("amd-random-devtab", random_write);
	model_scenario("amd-random-devtab-all", random_all);
	model_scenario("amd-sva-gcr3", sva_gcr3);
	return 0;
}
