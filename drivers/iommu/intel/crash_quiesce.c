// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d part of the crash-path DMA quiesce.
 *
 * At boot: register every DMAR unit with the generic crash-path quiesce
 * (kernel/crash_dma_quiesce.c) and build a read-only identity second-level
 * table covering RAM (up to the highest possible, hot-pluggable included),
 * used to take write permission away from pass-through context entries.
 *
 * On a crash (other CPUs stopped, interrupts off) and from the debugfs dry
 * run: read the live state from the unit's registers, walk the legacy-mode
 * root table (drivers/iommu/intel/crash_quiesce_hw.h) or the scalable-mode
 * tables (crash_quiesce_sm.c), then invalidate the context cache and the
 * IOTLB (vtd_cq_invalidate(), through the invalidation queue when it is
 * enabled or through the registers otherwise). Translation stays enabled.
 * No allocation, no lock, no sleep; every wait is bounded by the pass
 * deadline.
 *
 * Bit layouts and section references (Intel Virtualization Technology for
 * Directed I/O Architecture Specification): see crash_quiesce_hw.h.
 */

#define pr_fmt(fmt)	"DMAR: crash quiesce: " fmt

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/crash_dma_quiesce.h>
#include <linux/dmar.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/memblock.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include <asm/cacheflush.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "iommu.h"
#include "crash_quiesce_hw.h"
#include "crash_quiesce_sm.h"
#include "crash_quiesce_sm_hw.h"

/* Every unit the driver can have is recorded. */
static_assert(DMAR_UNITS_SUPPORTED <= CRASH_DMA_QUIESCE_MAX_IOMMUS);

/*
 * Descriptors of a scalable-mode invalidation besides the PASID-based
 * IOTLB ones: context-cache, PASID-cache, IOTLB, wait.
 */
#define VTD_CQ_SM_FIXED_DESCS	4
/*
 * The identity table: one SL-PML4 of SL-PDPTs, at most 512 of them
 * (256 TiB, the 48-bit address space of a 4-level context entry).
 */
#define VTD_CQ_IDENTITY_MAX	(512ULL << 39)

/*
 * State of one pass. Used by one pass at a time: the crash path runs with
 * the other CPUs stopped, the debugfs dry run under the core's mutex.
 */
static u64 vtd_cq_ats[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 vtd_cq_dids[65536 / 64];
/* Top-level tables handled in the pass: VTD_CQ_MEMO_SLOTS (64 KiB). */
static u64 vtd_cq_memo[VTD_CQ_MEMO_SLOTS];
/* Context entries that lost write, per unit: VTD_CQ_CTX_CACHE_SLOTS (64 KiB). */
static u64 vtd_cq_ctx_cache[VTD_CQ_CTX_CACHE_SLOTS][2];
static u32 vtd_cq_memo_used;
static u32 vtd_cq_memo_pass;
static struct vtd_cq_walk vtd_cq_walk_state;
static u32 vtd_cq_seq;

/*
 * Physical addresses, by context-entry AW (1: 3 levels, 2: 4 levels, 3: 5
 * levels), of the read-only identity table's root; 0 when not built.
 */
static u64 vtd_cq_identity[4];
/* An empty top-level table: no permission at all (mode all). */
static u64 vtd_cq_blocked;

static void *vtd_cq_map(void *priv, u64 phys, u64 size)
{
	if (!crash_dma_quiesce_phys_ok(phys, size))
		return NULL;
	return phys_to_virt(phys);
}

static bool vtd_cq_expired(void *priv)
{
	return crash_dma_quiesce_expired(priv);
}

static void vtd_cq_flush(void *priv, void *addr, u64 size)
{
	clflush_cache_range(addr, size);
}

/*
 * Wait (until @deadline, or until the early pass gives way) for @bit of a
 * 64-bit register to read 0.
 */
static int vtd_cq_poll_clear64(void __iomem *addr, u64 bit,
			       const struct crash_dma_quiesce_ctx *ctx,
			       u64 deadline)
{
	while (readq(addr) & bit) {
		if (rdtsc_ordered() >= deadline ||
		    crash_dma_quiesce_yielded(ctx))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static int vtd_cq_poll_clear32(void __iomem *addr, u32 bit,
			       const struct crash_dma_quiesce_ctx *ctx,
			       u64 deadline)
{
	while (readl(addr) & bit) {
		if (rdtsc_ordered() >= deadline ||
		    crash_dma_quiesce_yielded(ctx))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static u8 vtd_cq_inval_result(int err)
{
	if (!err)
		return CRASH_DMA_QUIESCE_INV_OK;
	if (err == -ETIMEDOUT)
		return CRASH_DMA_QUIESCE_INV_TIMEOUT;
	if (err == -ENODEV || err == -ENOSPC)
		return CRASH_DMA_QUIESCE_INV_UNAVAILABLE;
	return CRASH_DMA_QUIESCE_INV_ERROR;
}

/*
 * The invalidation queue as found in the registers at the crash: the
 * pass's descriptors go from @from to @tail; @refused is set once the
 * unit refused one of them (vtd_cq_qi_check()).
 */
struct vtd_cq_qi {
	void __iomem *reg;
	const struct crash_dma_quiesce_ctx *ctx;
	struct crash_dma_quiesce_record *rec;
	struct vtd_cq_iq q;
	u8 *va;
	u32 from;
	u32 tail;
	u32 pushed;
	bool refused;
};

/*
 * Hand the descriptors written so far to the hardware; not once the early
 * pass has given way to the pass after the stop, which owns the queue.
 */
static void vtd_cq_qi_kick(struct vtd_cq_qi *qi)
{
	if (crash_dma_quiesce_yielded(qi->ctx))
		return;
	/* Descriptors (and the cleared wait slot) before the tail update. */
	wmb();
	writeq(qi->tail, qi->reg + VTD_CQ_REG_IQT);
}

static void vtd_cq_qi_write(struct vtd_cq_qi *qi, u32 off,
			    const struct vtd_cq_desc *d)
{
	u64 *slot = (u64 *)(qi->va + off);

	WRITE_ONCE(slot[0], d->lo);
	WRITE_ONCE(slot[1], d->hi);
	if (qi->q.slot == 32) {
		WRITE_ONCE(slot[2], 0);
		WRITE_ONCE(slot[3], 0);
	}
}

/* vtd_cq_qi_check()'s repair of the pass's own descriptor under IQE. */
static bool vtd_cq_qi_repair(struct vtd_cq_qi *qi)
{
	struct vtd_cq_desc d = vtd_cq_desc_cc_global();
	u32 off, mask = qi->q.size - 1;
	u64 head;

	head = readq(qi->reg + VTD_CQ_REG_IQH);
	if (!vtd_cq_iq_offset_ok(&qi->q, head))
		return false;
	off = head & VTD_CQ_IQ_OFFSET;
	if (((off - qi->from) & mask) >= ((qi->tail - qi->from) & mask))
		return false;
	vtd_cq_qi_write(qi, off, &d);
	/* The new descriptor before the hardware refetches it. */
	wmb();
	writel(VTD_CQ_FSTS_IQE, qi->reg + VTD_CQ_REG_FSTS);
	qi->refused = true;
	return true;
}

/*
 * Has the queue stopped on an error? One of the pass's own descriptors
 * may have stopped it (IQE with the head in [@qi->from, @qi->tail): a
 * descriptor type the unit refuses): then a global context-cache
 * invalidation, which every unit takes, goes in its place and IQE is
 * cleared, so that the hardware resumes there and no later submitter
 * finds the queue stopped on a descriptor that is not its own (dmar.c's
 * qi_check_fault() repairs only its own, and 6.1's qi_submit_sync() would
 * spin forever). Return: 0 when the queue runs (again), -EIO when it
 * stays stopped (IQE on another descriptor, ITE).
 */
static int vtd_cq_qi_check(struct vtd_cq_qi *qi)
{
	u32 fsts = readl(qi->reg + VTD_CQ_REG_FSTS);

	if (!(fsts & (VTD_CQ_FSTS_IQE | VTD_CQ_FSTS_ITE)))
		return 0;
	if (!(fsts & VTD_CQ_FSTS_ITE) && vtd_cq_qi_repair(qi))
		return 0;
	return -EIO;
}

/*
 * Queue one descriptor at the tail, waiting (bounded) for a free slot:
 * -ENOSPC when the queue stayed full until the deadline.
 */
static int vtd_cq_qi_push(struct vtd_cq_qi *qi, struct vtd_cq_desc d)
{
	u64 head;

	/* The early pass: no more than the driver's queue can spare. */
	if (qi->ctx->max_commands && qi->pushed >= qi->ctx->max_commands)
		return -ENOSPC;
	if (crash_dma_quiesce_yielded(qi->ctx))
		return -ETIMEDOUT;

	for (;;) {
		head = readq(qi->reg + VTD_CQ_REG_IQH);
		if (!vtd_cq_iq_offset_ok(&qi->q, head))
			return -EIO;
		if (vtd_cq_iq_free(&qi->q, head & VTD_CQ_IQ_OFFSET, qi->tail))
			break;
		vtd_cq_qi_kick(qi);
		if (vtd_cq_qi_check(qi))
			return -EIO;
		if (crash_dma_quiesce_expired(qi->ctx))
			return -ENOSPC;
		cpu_relax();
	}
	vtd_cq_qi_write(qi, qi->tail, &d);
	qi->tail = (qi->tail + qi->q.slot) & (qi->q.size - 1);
	qi->pushed++;
	qi->rec->commands++;
	return 0;
}

/*
 * Queued invalidation (VT-d section 6.5.2): global context-cache, (scalable
 * mode) global PASID-cache, global IOTLB, (scalable mode) the PASID-based
 * IOTLB invalidations of the pass, then an invalidation wait with a
 * status write into @unit->wait_slot, polled to the deadline. The
 * descriptors that drop every cached translation come first, so that a
 * queue limit (the early pass's share of the driver's queue) can only cut
 * the per-PASID ones, which the walk then did not need (it keeps to the
 * limit). Descriptors go at the hardware tail (IQT_REG), not at the
 * driver's idea of it: a CPU stopped inside qi_submit_sync() may have
 * left descriptors that were never handed to the hardware. No device-TLB
 * invalidation: the walk turned device-TLB use off in the context entries
 * (TT 01b -> 00b, scalable mode DTE), so the units refuse the devices'
 * translated requests whatever their device-TLBs hold. A descriptor of
 * this pass the unit refuses (IQE) is replaced and the queue resumed;
 * the outcome is then an error.
 */
static int vtd_cq_inval_qi(struct crash_dma_quiesce_unit *unit,
			   const struct crash_dma_quiesce_ctx *ctx,
			   struct crash_dma_quiesce_record *rec, u64 ecap)
{
	struct vtd_cq_qi qi = { .reg = unit->mmio, .ctx = ctx, .rec = rec };
	struct vtd_cq_desc d;
	u32 fsts, cookie, pos = 0;
	u64 head, tail;
	int err, cut = 0;

	qi.q = vtd_cq_iq_decode(readq(qi.reg + VTD_CQ_REG_IQA));
	/*
	 * Linux sets IQA.DW (256-bit descriptors) exactly when ECAP.SMTS is
	 * set (dmar.c); QEMU 7.2 does not read DW back (IQA_REG write mask
	 * 0xfffffffffffff007), and 128-bit slots in a 256-bit queue would
	 * be refused.
	 */
	if (ecap & VTD_CQ_ECAP_SMTS)
		qi.q.slot = 32;
	if (!crash_dma_quiesce_phys_ok(qi.q.base, qi.q.size))
		return -ENODEV;
	qi.va = phys_to_virt(qi.q.base);
	tail = readq(qi.reg + VTD_CQ_REG_IQT);
	if (!vtd_cq_iq_offset_ok(&qi.q, tail))
		return -EIO;
	qi.tail = tail & VTD_CQ_IQ_OFFSET;

	/*
	 * The pass after the stop takes over a queue left in an error state
	 * by a stopped CPU. (The early pass never gets here with one: it
	 * leaves such a queue to the driver, vtd_cq_early_begin().)
	 */
	fsts = ctx->early ? 0 : readl(qi.reg + VTD_CQ_REG_FSTS);
	if (fsts & VTD_CQ_FSTS_IQE) {
		/*
		 * The queue stopped on the descriptor at the head: put a valid
		 * one (a global context-cache invalidation) in its place and
		 * clear IQE so that the hardware resumes there.
		 */
		head = readq(qi.reg + VTD_CQ_REG_IQH);
		if (!vtd_cq_iq_offset_ok(&qi.q, head))
			return -EIO;
		d = vtd_cq_desc_cc_global();
		vtd_cq_qi_write(&qi, head & VTD_CQ_IQ_OFFSET, &d);
		/* The new descriptor before the hardware refetches it. */
		wmb();
		writel(VTD_CQ_FSTS_IQE, qi.reg + VTD_CQ_REG_FSTS);
		rec->commands++;
	}
	/* A device-TLB time-out stops the queue until ITE is cleared. */
	if (fsts & VTD_CQ_FSTS_ITE)
		writel(VTD_CQ_FSTS_ITE, qi.reg + VTD_CQ_REG_FSTS);

	qi.from = qi.tail;
	err = vtd_cq_qi_push(&qi, vtd_cq_desc_cc_global());
	/* Scalable mode (crash_quiesce_sm.c). */
	if (!err && vtd_cq_sm_pc_desc(rec, &d))
		err = vtd_cq_qi_push(&qi, d);
	if (!err)
		err = vtd_cq_qi_push(&qi, vtd_cq_desc_iotlb_global());
	while (!err && vtd_cq_sm_next_desc(rec, &pos, &d)) {
		/* The wait keeps its slot. */
		if (ctx->max_commands && qi.pushed + 1 >= ctx->max_commands) {
			cut = -ENOSPC;
			break;
		}
		err = vtd_cq_qi_push(&qi, d);
	}
	if (err) {
		/* Let the hardware run what was queued anyway. */
		vtd_cq_qi_kick(&qi);
		return err;
	}

	cookie = 0x51410000 | (++vtd_cq_seq & 0xffff);
	WRITE_ONCE(unit->wait_slot, 0);
	if (!vtd_cq_desc_wait(&d, virt_to_phys(&unit->wait_slot), cookie))
		return -EIO;
	err = vtd_cq_qi_push(&qi, d);
	vtd_cq_qi_kick(&qi);
	if (err)
		return err;

	while ((u32)READ_ONCE(unit->wait_slot) != cookie) {
		if (vtd_cq_qi_check(&qi))
			return -EIO;
		if (crash_dma_quiesce_expired(ctx))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return qi.refused ? -EIO : cut;
}

/*
 * Register-based invalidation (VT-d sections 10.4.7 and 10.4: CCMD_REG,
 * IOTLB_REG): global context-cache, then global IOTLB with draining. The
 * context-cache step may use at most half of the time left, so that a
 * context-cache invalidation that never completes still leaves the IOTLB
 * invalidation (the one that drops cached writable translations) issued
 * and waited for. Units of major version 6 and later have no such
 * registers (-ENODEV).
 */
static int vtd_cq_inval_reg(void __iomem *reg,
			    const struct crash_dma_quiesce_ctx *ctx,
			    struct crash_dma_quiesce_record *rec, u64 ecap)
{
	void __iomem *iotlb = reg + vtd_cq_iotlb_reg_offset(ecap);
	u32 ver = readl(reg + VTD_CQ_REG_VER);
	u64 cc_deadline;
	int err, cc_err;

	if ((ver & VTD_CQ_VER_MAJOR_MASK) >> VTD_CQ_VER_MAJOR_SHIFT >=
	    VTD_CQ_VER_NO_REG_INVAL)
		return -ENODEV;
	cc_deadline = crash_dma_quiesce_split(ctx, 2);
	cc_err = vtd_cq_poll_clear64(reg + VTD_CQ_REG_CCMD, VTD_CQ_CCMD_ICC,
				     ctx, cc_deadline);
	if (!cc_err && crash_dma_quiesce_yielded(ctx))
		return -ETIMEDOUT;
	if (!cc_err) {
		writeq(VTD_CQ_CCMD_ICC | VTD_CQ_CCMD_CIRG_GLOBAL,
		       reg + VTD_CQ_REG_CCMD);
		rec->commands++;
		cc_err = vtd_cq_poll_clear64(reg + VTD_CQ_REG_CCMD,
					     VTD_CQ_CCMD_ICC, ctx, cc_deadline);
	}

	err = vtd_cq_poll_clear64(iotlb, VTD_CQ_IOTLB_IVT, ctx,
				  ctx->deadline);
	if (err)
		return err;
	if (crash_dma_quiesce_yielded(ctx))
		return -ETIMEDOUT;
	writeq(VTD_CQ_IOTLB_IVT | VTD_CQ_IOTLB_IIRG_GLOBAL |
	       VTD_CQ_IOTLB_DR | VTD_CQ_IOTLB_DW, iotlb);
	rec->commands++;
	err = vtd_cq_poll_clear64(iotlb, VTD_CQ_IOTLB_IVT, ctx,
				  ctx->deadline);
	return err ? err : cc_err;
}

/**
 * vtd_cq_invalidate() - flush a unit's caches after its tables changed
 * @unit: the unit
 * @ctx: the pass
 * @rec: its record; @rec->commands is added to, @rec->inval set
 * @gsts: GSTS_REG as read at the start of the pass
 * @cap: CAP_REG
 * @ecap: ECAP_REG
 *
 * The table writes are made visible first (a write-buffer flush when
 * CAP.RWBF asks for one, VT-d section 6.8), then the context cache and
 * the IOTLB are invalidated globally: through the invalidation queue when
 * it is enabled (GSTS.QIES), else through the registers. Every step is
 * issued even when an earlier one did not complete in its share of the
 * time: the write-buffer flush may use at most half of what is left, the
 * register-based context-cache step half of the rest. The outcome is OK
 * only when every step completed.
 *
 * Independent of the table format, for the legacy walk of this file and
 * any other walk over the same unit.
 */
static void vtd_cq_invalidate(struct crash_dma_quiesce_unit *unit,
			      const struct crash_dma_quiesce_ctx *ctx,
			      struct crash_dma_quiesce_record *rec, u32 gsts,
			      u64 cap, u64 ecap)
{
	void __iomem *reg = unit->mmio;
	int err, wbf_err = 0;

	/* Table updates visible to the IOMMU before it is told to refetch. */
	mb();
	if (cap & VTD_CQ_CAP_RWBF) {
		writel(vtd_cq_gcmd(gsts, VTD_CQ_GCMD_WBF), reg + VTD_CQ_REG_GCMD);
		rec->commands++;
		wbf_err = vtd_cq_poll_clear32(reg + VTD_CQ_REG_GSTS,
					      VTD_CQ_GSTS_WBFS, ctx,
					      crash_dma_quiesce_split(ctx, 2));
	}
	err = gsts & VTD_CQ_GSTS_QIES ? vtd_cq_inval_qi(unit, ctx, rec, ecap) :
					vtd_cq_inval_reg(reg, ctx, rec, ecap);
	/* Scalable mode: what only queued descriptors can invalidate. */
	if (!err)
		err = vtd_cq_sm_inval_check(rec, gsts & VTD_CQ_GSTS_QIES);
	rec->inval = vtd_cq_inval_result(err ? err : wbf_err);
	if (rec->inval != CRASH_DMA_QUIESCE_INV_OK)
		rec->domains_invalidated = 0;
}

/* Mode disable: clear TE, keep the other enables, wait for TES to clear. */
static void vtd_cq_disable(void __iomem *reg, u32 gsts,
			   const struct crash_dma_quiesce_ctx *ctx,
			   struct crash_dma_quiesce_record *rec)
{
	if (!ctx->dry_run) {
		writel(vtd_cq_gcmd_te_off(gsts), reg + VTD_CQ_REG_GCMD);
		rec->commands++;
		if (vtd_cq_poll_clear32(reg + VTD_CQ_REG_GSTS, VTD_CQ_GSTS_TES,
					ctx, ctx->deadline)) {
			rec->state = CRASH_DMA_QUIESCE_TIMEOUT;
			return;
		}
	}
	rec->state = CRASH_DMA_QUIESCE_DISABLED;
}

static void vtd_cq_quiesce(struct crash_dma_quiesce_unit *unit,
			   const struct crash_dma_quiesce_ctx *ctx,
			   struct crash_dma_quiesce_record *rec)
{
	const struct vtd_cq_walk_ops ops = {
		.map = vtd_cq_map,
		.expired = vtd_cq_expired,
		.flush = vtd_cq_flush,
		.priv = (void *)ctx,
	};
	struct vtd_cq_walk *w = &vtd_cq_walk_state;
	void __iomem *reg = unit->mmio;
	u64 rtaddr, root;
	unsigned int aw;
	bool written;
	u32 gsts;

	gsts = readl(reg + VTD_CQ_REG_GSTS);
	if (gsts & VTD_CQ_GSTS_QIES)
		rec->flags |= CRASH_DMA_QUIESCE_F_QI;
	if (!(gsts & VTD_CQ_GSTS_TES)) {
		rec->state = CRASH_DMA_QUIESCE_TRANSLATION_OFF;
		return;
	}
	if (ctx->mode == CRASH_DMA_QUIESCE_DISABLE) {
		vtd_cq_disable(reg, gsts, ctx, rec);
		return;
	}

	rtaddr = readq(reg + VTD_CQ_REG_RTADDR);
	root = rtaddr & VTD_CQ_RTADDR_RTA;
	if (rtaddr & VTD_CQ_RTADDR_TTM &&
	    (rtaddr & VTD_CQ_RTADDR_TTM) != VTD_CQ_RTADDR_SMT) {
		/* Abort-DMA mode: not handled, unchanged. */
		rec->state = CRASH_DMA_QUIESCE_UNSUPPORTED;
		return;
	}
	if (!crash_dma_quiesce_phys_ok(root, VTD_CQ_PAGE_SIZE)) {
		rec->state = CRASH_DMA_QUIESCE_BAD_ROOT;
		return;
	}

	/* The memo spans the units of a pass: tables shared between units. */
	if (vtd_cq_memo_pass != ctx->pass) {
		vtd_cq_memo_pass = ctx->pass;
		memset(vtd_cq_memo, 0, sizeof(vtd_cq_memo));
		vtd_cq_memo_used = 0;
	}
	memset(w, 0, sizeof(*w));
	memset(vtd_cq_ats, 0, sizeof(vtd_cq_ats));
	memset(vtd_cq_dids, 0, sizeof(vtd_cq_dids));
	w->root_phys = root;
	w->cap = readq(reg + VTD_CQ_REG_CAP);
	w->ecap = readq(reg + VTD_CQ_REG_ECAP);
	w->haw = boot_cpu_data.x86_phys_bits;
	w->mode = ctx->mode;
	w->dry_run = ctx->dry_run;
	w->unit = ctx->index;
	for (aw = 1; aw < ARRAY_SIZE(w->pt_root); aw++) {
		if (!vtd_cq_identity[aw])
			continue;
		w->pt_root[aw] = ctx->mode == CRASH_DMA_QUIESCE_ALL ?
				 vtd_cq_blocked : vtd_cq_identity[aw];
	}
	w->changed = ctx->changed;
	w->ats = vtd_cq_ats;
	w->dids = vtd_cq_dids;
	w->memo = vtd_cq_memo;
	w->memo_size = VTD_CQ_MEMO_SLOTS;
	w->memo_used = vtd_cq_memo_used;
	w->ctx_cache = vtd_cq_ctx_cache;
	w->ctx_cache_mask = VTD_CQ_CTX_CACHE_SLOTS - 1;

	/*
	 * Scalable mode: the early pass changes no more first-level and
	 * pass-through PASID entries than it can queue PASID-based IOTLB
	 * invalidations for beside its context-cache, PASID-cache, IOTLB and
	 * wait descriptors; the pass after the stop does the rest.
	 */
	if (rtaddr & VTD_CQ_RTADDR_SMT)
		vtd_cq_sm_run(w, &ops, rec,
			      ctx->max_commands > VTD_CQ_SM_FIXED_DESCS ?
			      ctx->max_commands - VTD_CQ_SM_FIXED_DESCS :
			      !!ctx->max_commands, ctx->max_commands);
	else
		vtd_cq_walk(w, &ops, rec);
	vtd_cq_memo_used = w->memo_used;
	written = rec->entries_changed || vtd_cq_sm_written(rec);
	if (!(w->ecap & VTD_CQ_ECAP_C) && written && !ctx->dry_run)
		rec->flags |= CRASH_DMA_QUIESCE_F_FLUSHED;
	if (ctx->dry_run)
		return;
	/*
	 * Invalidate whenever the unit has any present entry, changed by
	 * this walk or not: a table shared with a unit quiesced earlier in
	 * this pass reads as unchanged here, yet this unit's IOTLB may still
	 * hold writable translations from it.
	 */
	if (!rec->entries_scanned && !rec->entries_rejected && !written)
		return;
	vtd_cq_invalidate(unit, ctx, rec, gsts, w->cap, w->ecap);
}

/* Root Table Address Register: the root table is one 4 KiB page. */
static void vtd_cq_read_root(struct crash_dma_quiesce_unit *unit,
			     struct crash_dma_quiesce_record *rec)
{
	u64 rtaddr = readq(unit->mmio + VTD_CQ_REG_RTADDR);

	rec->root_phys = rtaddr & VTD_CQ_RTADDR_RTA;
	rec->root_size = VTD_CQ_PAGE_SIZE;
	if ((rtaddr & VTD_CQ_RTADDR_TTM) == VTD_CQ_RTADDR_SMT)
		rec->flags |= CRASH_DMA_QUIESCE_F_SCALABLE;
}

/* Bounded trylock for the early pass: the holder may be this CPU. */
static bool vtd_cq_trylock(raw_spinlock_t *lock, u64 deadline)
{
	for (;;) {
		if (raw_spin_trylock(lock))
			return true;
		if (rdtsc_ordered() >= deadline)
			return false;
		cpu_relax();
	}
}

/*
 * Free slots the driver's queue must have for the early pass to use it:
 * the two every driver submission keeps besides its descriptors, the
 * VTD_CQ_SM_FIXED_DESCS (4) a scalable-mode invalidation cannot do
 * without, and room for two PASID-based IOTLB invalidations.
 */
#define VTD_CQ_EARLY_MIN_FREE	8

/*
 * Early pass: the driver writes the global command register (write buffer
 * flush) and the register-based invalidation registers under
 * register_lock, and fills and publishes its invalidation queue under
 * qi->q_lock (qi_submit_sync() in dmar.c: descriptors at free_head, then
 * IQT_REG, all before it lets go). With both held the queue's tail is the
 * driver's free_head; refuse when it is not, or when the driver's queue is
 * nearly full, and never queue more descriptors than it has free slots
 * beyond the two each of its submissions needs. Refuse too when FSTS
 * reports an invalidation queue, time-out or completion error: another
 * CPU's qi_submit_sync(), which drops and retakes q_lock while it waits,
 * recovers from it in qi_check_fault() and would never see it again if
 * this pass cleared it.
 */
static bool vtd_cq_early_begin(struct crash_dma_quiesce_unit *unit,
			       u64 deadline, u32 *max_commands)
{
	struct intel_iommu *iommu = unit->drv;
	struct q_inval *qi;
	u64 tail;

	*max_commands = 0;
	if (!iommu || !vtd_cq_trylock(&iommu->register_lock, deadline))
		return false;
	qi = iommu->qi;
	if (!qi)
		return true;
	if (!vtd_cq_trylock(&qi->q_lock, deadline))
		goto fail;
	tail = readq(unit->mmio + VTD_CQ_REG_IQT) >> qi_shift(iommu);
	if (tail != (u64)qi->free_head || qi->free_cnt < VTD_CQ_EARLY_MIN_FREE ||
	    readl(unit->mmio + VTD_CQ_REG_FSTS) &
	    (VTD_CQ_FSTS_IQE | VTD_CQ_FSTS_ITE | VTD_CQ_FSTS_ICE)) {
		raw_spin_unlock(&qi->q_lock);
		goto fail;
	}
	*max_commands = qi->free_cnt - 2;
	return true;
fail:
	raw_spin_unlock(&iommu->register_lock);
	return false;
}

/*
 * The pass queued its descriptors at the hardware tail: the driver takes
 * them into its accounting as a finished submission and reclaims
 * (qi_account_crash_descs(), beside dmar.c's own reclaim, so that it
 * follows whatever that reclaim expects of a finished slot).
 */
static void vtd_cq_early_end(struct crash_dma_quiesce_unit *unit)
{
	struct intel_iommu *iommu = unit->drv;
	struct q_inval *qi = iommu->qi;
	int tail;

	if (qi) {
		tail = (readq(unit->mmio + VTD_CQ_REG_IQT) >> qi_shift(iommu)) %
		       QI_LENGTH;
		qi_account_crash_descs(iommu,
				       (tail - qi->free_head + QI_LENGTH) % QI_LENGTH);
		raw_spin_unlock(&qi->q_lock);
	}
	raw_spin_unlock(&iommu->register_lock);
}

static const struct crash_dma_quiesce_ops vtd_cq_ops = {
	.name = "DMAR",
	.quiesce = vtd_cq_quiesce,
	.read_root = vtd_cq_read_root,
	.early_begin = vtd_cq_early_begin,
	.early_end = vtd_cq_early_end,
};

static u64 __init vtd_cq_alloc_table(void)
{
	unsigned long va = get_zeroed_page(GFP_KERNEL);

	return va ? virt_to_phys((void *)va) : 0;
}

static void __init vtd_cq_free_table(u64 phys)
{
	if (phys)
		free_page((unsigned long)phys_to_virt(phys));
}

static void __init vtd_cq_flush_table(u64 phys)
{
	clflush_cache_range(phys_to_virt(phys), VTD_CQ_PAGE_SIZE);
}

/* Free an identity table built (partly) by vtd_cq_build_identity(). */
static void __init vtd_cq_free_identity(u64 l4, bool use_1g)
{
	u64 *l4va = phys_to_virt(l4), *l3va, l3;
	unsigned int i, j;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		l3 = l4va[i] & VTD_CQ_SL_ADDR;
		if (!l3)
			continue;
		l3va = phys_to_virt(l3);
		for (j = 0; !use_1g && j < VTD_CQ_SL_ENTRIES; j++)
			vtd_cq_free_table(l3va[j] & VTD_CQ_SL_ADDR);
		vtd_cq_free_table(l3);
	}
	vtd_cq_free_table(l4);
}

/*
 * Build the read-only identity table over [0, @end): an SL-PML4 (L4) whose
 * entries point to SL-PDPTs (L3) of 1 GiB leaves, or of pointers to SL-PDs
 * (L2) of 2 MiB leaves, one L3 per 512 GiB; and an SL-PML5 (L5) whose
 * entry 0 points to the L4. A 3-level context entry (AW 1) uses the first
 * L3 as its root (its 39-bit address space ends at 512 GiB anyway), AW 2
 * the L4, AW 3 the L5. Every entry has R set and W clear.
 */
static void __init vtd_cq_build_identity(bool use_1g, u64 end)
{
	u64 l4, l5 = 0, blocked = 0, *l4va, *l3va, l3, gib;
	unsigned int i, n = DIV_ROUND_UP_ULL(end, SZ_1G);

	l4 = vtd_cq_alloc_table();
	if (!l4)
		goto fail;
	l4va = phys_to_virt(l4);
	for (gib = 0; gib < n; gib++) {
		i = gib / VTD_CQ_SL_ENTRIES;
		l3 = l4va[i] & VTD_CQ_SL_ADDR;
		if (!l3) {
			l3 = vtd_cq_alloc_table();
			if (!l3)
				goto fail;
			l4va[i] = vtd_cq_sl_ro_table(l3);
		}
		l3va = phys_to_virt(l3);
		if (use_1g) {
			l3va[gib % VTD_CQ_SL_ENTRIES] = vtd_cq_sl_ro_leaf(gib << 30);
		} else {
			u64 l2 = vtd_cq_alloc_table();

			if (!l2)
				goto fail;
			vtd_cq_identity_fill_2m(phys_to_virt(l2), gib << 30);
			vtd_cq_flush_table(l2);
			l3va[gib % VTD_CQ_SL_ENTRIES] = vtd_cq_sl_ro_table(l2);
		}
	}
	l5 = vtd_cq_alloc_table();
	blocked = vtd_cq_alloc_table();
	if (!l5 || !blocked)
		goto fail;
	((u64 *)phys_to_virt(l5))[0] = vtd_cq_sl_ro_table(l4);
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++)
		if (l4va[i])
			vtd_cq_flush_table(l4va[i] & VTD_CQ_SL_ADDR);
	vtd_cq_flush_table(l4);
	vtd_cq_flush_table(l5);
	vtd_cq_flush_table(blocked);

	vtd_cq_blocked = blocked;
	vtd_cq_identity[1] = l4va[0] & VTD_CQ_SL_ADDR;
	vtd_cq_identity[2] = l4;
	vtd_cq_identity[3] = l5;
	pr_info("read-only identity table for pass-through entries: [0, %#llx) in %u %s pages\n",
		(u64)n << 30, use_1g ? n : n * VTD_CQ_SL_ENTRIES,
		use_1g ? "1 GiB" : "2 MiB");
	return;

fail:
	pr_warn("no memory for the identity table: pass-through entries will be left unchanged\n");
	if (l4)
		vtd_cq_free_identity(l4, use_1g);
	vtd_cq_free_table(l5);
	vtd_cq_free_table(blocked);
}

/*
 * The end of the identity table: every RAM address there may be, hot-
 * pluggable ranges of the SRAT included (max_possible_pfn), at least 1 GiB
 * and at most VTD_CQ_IDENTITY_MAX. Memory hot-added outside what the
 * firmware declared is not covered (pass-through reads there fault after
 * a crash).
 */
static u64 __init vtd_cq_identity_end(void)
{
	u64 end = max_t(u64, (u64)max_pfn, max_possible_pfn) << PAGE_SHIFT;

	if (end > VTD_CQ_IDENTITY_MAX) {
		pr_warn("identity table covers only the first 256 TiB of RAM\n");
		end = VTD_CQ_IDENTITY_MAX;
	}
	return max_t(u64, end, SZ_1G);
}

/**
 * vtd_cq_register_unit() - put a DMAR unit under the crash-path quiesce
 * @iommu: the unit, its registers mapped
 *
 * Called for every unit at boot (vtd_cq_init()) and by intel_iommu_add()
 * for a hot-added unit; dmar.c's free_iommu() unregisters it
 * (crash_dma_quiesce_unregister()) before the unit goes. A hot-added unit
 * gets no identity table of its own: pass-through entries there use the
 * one built at boot, or are left alone when none was built.
 *
 * Return: 0, or the error of crash_dma_quiesce_register().
 */
int vtd_cq_register_unit(struct intel_iommu *iommu)
{
	if (!iommu || !iommu->reg)
		return -EINVAL;
	return crash_dma_quiesce_register(CRASH_DMA_QUIESCE_INTEL, &vtd_cq_ops,
					  iommu->reg, iommu->reg_phys, 0, iommu);
}

/**
 * vtd_cq_unregister_unit() - a DMAR unit goes away
 * @iommu: the unit, before dmar.c's free_iommu() frees it
 *
 * From then on the crash path leaves the unit alone
 * (crash_dma_quiesce_unregister(), which waits for an early pass working
 * on it). Process context.
 */
void vtd_cq_unregister_unit(struct intel_iommu *iommu)
{
	crash_dma_quiesce_unregister(iommu->reg_phys);
}

static int __init vtd_cq_init(void)
{
	u64 sllps = VTD_CQ_CAP_SLLPS_MASK;
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	unsigned int nr = 0;
	bool pt = false;

	down_read(&dmar_global_lock);
	for_each_iommu(iommu, drhd) {
		if (vtd_cq_register_unit(iommu))
			continue;
		nr++;
		sllps &= iommu->cap;
		if (iommu->ecap & VTD_CQ_ECAP_PT)
			pt = true;
	}
	up_read(&dmar_global_lock);

	if (!nr || !pt)
		return 0;
	if (sllps & (VTD_CQ_CAP_SLLPS_1G | VTD_CQ_CAP_SLLPS_2M))
		vtd_cq_build_identity(sllps & VTD_CQ_CAP_SLLPS_1G,
				      vtd_cq_identity_end());
	else
		pr_warn("no 2 MiB second-level pages: pass-through entries will be left unchanged\n");
	return 0;
}
late_initcall(vtd_cq_init);
