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

#define DTE_V		(1ULL << 0)
#define DTE_TV		(1ULL << 1)
#define DTE_MODE(n)	((u64)(n) << 9)
#define DTE_IR		(1ULL << 61)
#define DTE_IW		(1ULL << 62)
#define DTE1_I		(1ULL << 32)
#define PTE(addr, nl)	((addr) | ((u64)(nl) << 9) | 1 | DTE_IR | DTE_IW)
#define CTRL_EN		((1ULL << 0) | (1ULL << 12))	/* IommuEn, CmdBufEn */
#define EFR_IA		(1ULL << 6)
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
	CHECK_EQ(model_name("entries-changed"), rec(0)->entries_changed, NRW);
	CHECK(model_name("within-budget"), p->elapsed <= p->budget + MODEL_SLACK);
	CHECK(model_name("translation-on"), m->control & 1);
	CHECK_EQ(model_name("tables-refuse-writes"), writable(m, false), 0);
	CHECK(model_name("reads-kept"), amd_model_dma(m, 0x10, IOVA, false, true) &&
	      amd_model_dma(m, 0x20, IOVA, false, false));
	CHECK_EQ(model_name("no-illegal-command"), m->illegal, 0);
	CHECK_EQ(model_name("no-bad-access"), model_dma_errors + model_mmio_errors, 0);
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

static void slow_inside(void) { slow(2000000, CRASH_DMA_QUIESCE_INV_OK); }	/* 3 x 2 ms */
static void slow_outside(void) { slow(40000000, CRASH_DMA_QUIESCE_INV_TIMEOUT); } /* 3 x 40 ms */

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
	return 0;
}
