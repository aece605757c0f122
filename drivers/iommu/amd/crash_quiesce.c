// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi part of the crash-path DMA quiesce (see
 * include/linux/crash_dma_quiesce.h).
 *
 * At boot every AMD-Vi IOMMU is registered with the generic core. At the
 * crash, with the other CPUs stopped, amd_cq_quiesce() runs once per IOMMU
 * and uses only what the IOMMU registers say at that moment: the control
 * register, the device table base and size, the command buffer base,
 * length, head and tail. It revokes DMA write permission (or read and
 * write) in every valid DTE with one 64-bit store per entry, invalidates
 * the IOMMU caches through the command buffer, waits for a
 * COMPLETION_WAIT store, and leaves translation enabled.
 *
 * Bit layouts, the DTE transform, the command encoders and the table walk
 * are in crash_quiesce_hw.h, shared with the userspace unit tests.
 *
 * Crash-path rules: no allocation, no locks, no sleeping; every wait is
 * bounded by the pass deadline; table and buffer addresses read from the
 * registers are checked with crash_dma_quiesce_phys_ok() before use.
 *
 * The early pass at panic entry (other CPUs still running) runs the same
 * routine with the driver's command buffer lock held, taken with a
 * bounded trylock in amd_cq_early_begin(); amd_cq_early_end() moves the
 * driver's tail to where the pass left the hardware's and releases it.
 */

#define pr_fmt(fmt)	"AMD-Vi: crash quiesce: " fmt

#include <linux/build_bug.h>
#include <linux/crash_dma_quiesce.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mem_encrypt.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/cacheflush.h>
#include <asm/iommu.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "amd_iommu_types.h"
#include "amd_iommu.h"
#include "crash_quiesce_hw.h"

/* Every IOMMU the driver can have is recorded. */
static_assert(MAX_IOMMUS <= CRASH_DMA_QUIESCE_MAX_IOMMUS);

/* Upper 32 bits of every COMPLETION_WAIT store value: "DMAQ". */
#define AMD_CQ_WAIT_TAG		(0x444d4151ULL << 32)

/*
 * Static state. The core runs one pass at a time (the crash path with
 * the other CPUs stopped, or the serialised debugfs dry run).
 */
static u64 amd_cq_domains[AMD_CQ_BITMAP_WORDS];
static u64 amd_cq_ats[AMD_CQ_BITMAP_WORDS];
static u64 amd_cq_scratch[AMD_CQ_BITMAP_WORDS];
static u64 amd_cq_last[AMD_CQ_BITMAP_WORDS];
static struct amd_cq_walk amd_cq_w;
static u32 amd_cq_seq;

/*
 * Device tables already quiesced in the current (non dry-run) pass. Linux
 * 6.1 gives all IOMMUs of a PCI segment one device table: the first IOMMU
 * to reach it changes the DTEs, every IOMMU still has to invalidate its
 * own caches. A walk that stopped at its IOMMU's deadline is continued by
 * the next IOMMU of the same table. The counts of the walk so far are
 * kept here, not in a record: the early pass reuses one scratch record
 * for every IOMMU.
 */
struct amd_cq_seen {
	u64 root_phys;
	u32 root_size;
	u32 next;
	u32 scanned;
	u32 changed_count;
	u32 rejected;
	u32 blocked;
	u32 flags;
	u64 *changed;
};

static struct amd_cq_seen amd_cq_seen[MAX_IOMMUS];
static u32 amd_cq_nr_seen;
static u32 amd_cq_pass;
/*
 * SNP was enabled at boot (amd_iommu_snp_en, final before the IOMMUs
 * were enabled): such an IOMMU prohibits DTE Mode 0 with TV=1, so the
 * rewrite of a V=1, TV=0 or V=0 entry blocks its reads too.
 */
static bool amd_cq_snp;
/* Table whose walk filled amd_cq_ats in this pass, if any. */
static struct amd_cq_seen *amd_cq_ats_of;

static struct amd_cq_seen *amd_cq_find_seen(const struct crash_dma_quiesce_ctx *ctx,
					    u64 root, u32 size)
{
	u32 i;

	if (amd_cq_pass != ctx->pass) {
		amd_cq_pass = ctx->pass;
		amd_cq_nr_seen = 0;
		amd_cq_ats_of = NULL;
	}
	for (i = 0; i < amd_cq_nr_seen; i++)
		if (amd_cq_seen[i].root_phys == root &&
		    amd_cq_seen[i].root_size == size)
			return &amd_cq_seen[i];
	return NULL;
}

static struct amd_cq_seen *amd_cq_remember(u64 root, u32 size)
{
	struct amd_cq_seen *seen;

	if (amd_cq_nr_seen == ARRAY_SIZE(amd_cq_seen))
		return NULL;
	seen = &amd_cq_seen[amd_cq_nr_seen++];
	seen->root_phys = root;
	seen->root_size = size;
	return seen;
}

/* What the walk over @seen's table found so far, from @rec and @w. */
static void amd_cq_seen_update(struct amd_cq_seen *seen,
			       const struct amd_cq_walk *w,
			       const struct crash_dma_quiesce_record *rec)
{
	seen->next = w->next;
	seen->changed = w->changed;
	seen->scanned = rec->entries_scanned;
	seen->changed_count = rec->entries_changed;
	seen->rejected = rec->entries_rejected;
	seen->blocked = rec->entries_blocked;
	seen->flags = rec->flags & CRASH_DMA_QUIESCE_F_ATS_OFF;
}

/*
 * The command buffer as the hardware sees it: base and length from the
 * Command Buffer Base Address Register, head and tail from the pointer
 * registers. Commands go in at the hardware tail, not at the tail the
 * driver remembers.
 */
struct amd_cq_ring {
	void __iomem *mmio;
	const struct crash_dma_quiesce_ctx *ctx;
	u8 *buf;
	u32 size;
	u32 head;
	u32 tail;
	u32 published;
	u32 issued;
	bool flush;
};

static bool amd_cq_ring_open(struct amd_cq_ring *r, void __iomem *mmio,
			     u64 ctrl, const struct crash_dma_quiesce_ctx *ctx)
{
	u64 cb, base;
	u32 len;

	if (!(ctrl & AMD_CQ_CTRL_CMDBUF_EN))
		return false;
	cb = readq(mmio + AMD_CQ_MMIO_CMD_BUF);
	len = (cb >> AMD_CQ_CMDBUF_LEN_SHIFT) & AMD_CQ_CMDBUF_LEN_MASK;
	if (len < AMD_CQ_CMDBUF_LEN_MIN)
		return false;
	base = __sme_clr(cb & AMD_CQ_CMDBUF_BASE_MASK);
	r->size = AMD_CQ_CMD_SIZE << len;
	if (!crash_dma_quiesce_phys_ok(base, r->size))
		return false;
	r->buf = phys_to_virt(base);
	r->mmio = mmio;
	r->ctx = ctx;
	r->issued = 0;
	r->flush = !(ctrl & AMD_CQ_CTRL_COHERENT);
	r->tail = readl(mmio + AMD_CQ_MMIO_CMD_TAIL) & AMD_CQ_CMD_PTR_MASK;
	if (r->tail >= r->size)
		return false;
	r->published = r->tail;
	/*
	 * QEMU 7.2 can leave the head register at the buffer size after the
	 * last slot; fold it into the ring.
	 */
	r->head = readl(mmio + AMD_CQ_MMIO_CMD_HEAD) & AMD_CQ_CMD_PTR_MASK &
		  (r->size - 1);
	return true;
}

/*
 * Hand the commands written so far to the IOMMU; not once the early pass
 * has given way to the pass after the stop, which owns the ring then.
 */
static void amd_cq_ring_kick(struct amd_cq_ring *r)
{
	if (r->published == r->tail || crash_dma_quiesce_yielded(r->ctx))
		return;
	/* Commands in memory before the IOMMU is told to fetch them. */
	wmb();
	writel(r->tail, r->mmio + AMD_CQ_MMIO_CMD_TAIL);
	r->published = r->tail;
}

/*
 * Queue one command, keeping one slot free (head == tail means empty).
 * When the buffer is full, publish what is queued and wait for the head
 * to move, until the deadline.
 */
static bool amd_cq_push(struct amd_cq_ring *r, const struct amd_cq_cmd *cmd)
{
	u32 next = (r->tail + AMD_CQ_CMD_SIZE) & (r->size - 1);

	if (crash_dma_quiesce_yielded(r->ctx))
		return false;

	while (next == r->head) {
		amd_cq_ring_kick(r);
		r->head = readl(r->mmio + AMD_CQ_MMIO_CMD_HEAD) &
			  AMD_CQ_CMD_PTR_MASK & (r->size - 1);
		if (next != r->head)
			break;
		if (crash_dma_quiesce_expired(r->ctx))
			return false;
		cpu_relax();
	}
	memcpy(r->buf + r->tail, cmd, sizeof(*cmd));
	if (r->flush)
		clflush_cache_range(r->buf + r->tail, sizeof(*cmd));
	r->tail = next;
	r->issued++;
	return true;
}

/*
 * Where the IOMMU may store the COMPLETION_WAIT value. On an IOMMU with
 * SNPSup whose Exclusion Base / Limit registers hold a completion-wait
 * write-back range (ExEn clear, a base address set: what 6.1's
 * iommu_set_cwwb_range() programs), the store must land inside it: the
 * last 8 bytes of the range, away from the driver's cmd_sem at its start.
 * Otherwise unit->wait_slot, in the kernel image.
 * Return: the slot's physical address, or 0 when the range is set but not
 * usable (then no completion can be observed).
 */
static u64 amd_cq_wait_target(struct crash_dma_quiesce_unit *unit,
			      struct crash_dma_quiesce_record *rec, u64 efr,
			      u64 **slot)
{
	u64 base, limit, store;

	if ((efr | unit->caps) & AMD_CQ_EFR_SNP) {
		base = readq(unit->mmio + AMD_CQ_MMIO_EXCL_BASE);
		limit = readq(unit->mmio + AMD_CQ_MMIO_EXCL_LIMIT);
		if (!(base & AMD_CQ_EXCL_EN) && (base & AMD_CQ_EXCL_ADDR_MASK)) {
			base &= AMD_CQ_EXCL_ADDR_MASK;
			limit &= AMD_CQ_EXCL_ADDR_MASK;
			/* The address the IOMMU uses (with the SME bit, if any). */
			store = limit + AMD_CQ_CWWB_SLOT;
			if (limit < base ||
			    !crash_dma_quiesce_phys_ok(__sme_clr(store), sizeof(u64)))
				return 0;
			rec->flags |= CRASH_DMA_QUIESCE_F_CWWB;
			*slot = phys_to_virt(__sme_clr(store));
			return store;
		}
	}
	*slot = &unit->wait_slot;
	return __sme_set(virt_to_phys(&unit->wait_slot));
}

static u64 amd_cq_read_slot(const struct amd_cq_ring *r, u64 *slot)
{
	/* A non-snooping IOMMU's store may hide behind a stale cache line. */
	if (r->flush)
		clflush_cache_range(slot, sizeof(*slot));
	return READ_ONCE(*slot);
}

/*
 * COMPLETION_WAIT storing a fresh value into @slot (@phys), then poll for
 * it. The slot is checked at least once after the tail write, so an IOMMU
 * that completes at once (QEMU runs commands on the tail write) is seen
 * even with the deadline already past. An IOMMU that halts its command
 * processing meanwhile (Status CmdBufRun clear) is an error.
 */
static enum crash_dma_quiesce_inval amd_cq_sync(struct amd_cq_ring *r,
						u64 *slot, u64 phys)
{
	u64 val = AMD_CQ_WAIT_TAG | ++amd_cq_seq;
	struct amd_cq_cmd cmd;

	WRITE_ONCE(*slot, 0);
	if (r->flush)
		clflush_cache_range(slot, sizeof(*slot));
	amd_cq_build_completion_wait(&cmd, phys, val);
	if (!amd_cq_push(r, &cmd))
		return CRASH_DMA_QUIESCE_INV_UNAVAILABLE;
	amd_cq_ring_kick(r);
	for (;;) {
		if (amd_cq_read_slot(r, slot) == val)
			return CRASH_DMA_QUIESCE_INV_OK;
		if (!(readl(r->mmio + AMD_CQ_MMIO_STATUS) &
		      AMD_CQ_STATUS_CMDBUF_RUN))
			return CRASH_DMA_QUIESCE_INV_ERROR;
		if (crash_dma_quiesce_expired(r->ctx))
			return CRASH_DMA_QUIESCE_INV_TIMEOUT;
		cpu_relax();
	}
}

/*
 * Without INVALIDATE_IOMMU_ALL: INVALIDATE_DEVTAB_ENTRY per changed DTE in
 * DeviceID order, each domain's INVALIDATE_IOMMU_PAGES right after the
 * DTE invalidation of its last device (amd_cq_mark_last()), so that a
 * budget running out half-way leaves whole domains done, never only
 * their DTEs or only their pages.
 */
static bool amd_cq_inval_by_domain(struct amd_cq_ring *r,
				   const struct amd_cq_walk *w,
				   const u64 *changed,
				   struct crash_dma_quiesce_record *rec)
{
	struct amd_cq_cmd cmd;
	u32 id, count = w->count < AMD_CQ_NR_IDS ? w->count : AMD_CQ_NR_IDS;
	u16 dom;

	amd_cq_mark_last(w->table, count, changed, amd_cq_scratch, amd_cq_last);
	for (id = amd_cq_bitmap_next(changed, 0); id < count;
	     id = amd_cq_bitmap_next(changed, id + 1)) {
		amd_cq_build_inv_devtab_entry(&cmd, id);
		if (!amd_cq_push(r, &cmd))
			return false;
		if (!amd_cq_test(amd_cq_last, id))
			continue;
		dom = (u16)(READ_ONCE(w->table[(size_t)id * AMD_CQ_DTE_WORDS + 1]) &
			    AMD_CQ_DTE1_DOMID_MASK);
		amd_cq_build_inv_iommu_pages(&cmd, dom);
		if (!amd_cq_push(r, &cmd))
			return false;
		rec->domains_invalidated++;
	}
	return true;
}

/*
 * Invalidate what the walk changed: INVALIDATE_IOMMU_ALL when both the
 * Extended Feature Register and the value Linux uses (the IVHD copy, in
 * unit->caps) advertise IASup, else amd_cq_inval_by_domain(); then a
 * COMPLETION_WAIT. The ATS devices' INVALIDATE_IOTLB_PAGES come after the
 * wait and are not waited for: the changed DTEs have I=0, so the IOMMU no
 * longer accepts the devices' translated requests whatever their caches
 * hold; the invalidations only tidy those caches up.
 */
static enum crash_dma_quiesce_inval
amd_cq_invalidate(struct crash_dma_quiesce_unit *unit,
		  const struct crash_dma_quiesce_ctx *ctx, u64 ctrl,
		  const struct amd_cq_walk *w, const u64 *changed,
		  const u64 *ats, struct crash_dma_quiesce_record *rec)
{
	enum crash_dma_quiesce_inval ret = CRASH_DMA_QUIESCE_INV_UNAVAILABLE;
	struct amd_cq_ring r;
	struct amd_cq_cmd cmd;
	u64 efr, phys, *slot;
	u32 id;

	if (!amd_cq_ring_open(&r, unit->mmio, ctrl, ctx))
		return CRASH_DMA_QUIESCE_INV_UNAVAILABLE;
	/*
	 * CmdBufRun clear with CmdBufEn set: command processing halted on an
	 * error (e.g. ILLEGAL_COMMAND_ERROR) and will not resume on its own.
	 * Waiting for it would only use up the budget of the other IOMMUs.
	 */
	if (!(readl(unit->mmio + AMD_CQ_MMIO_STATUS) & AMD_CQ_STATUS_CMDBUF_RUN))
		return CRASH_DMA_QUIESCE_INV_ERROR;

	efr = readq(unit->mmio + AMD_CQ_MMIO_EFR);
	phys = amd_cq_wait_target(unit, rec, efr, &slot);
	if (efr & unit->caps & AMD_CQ_EFR_IA) {
		amd_cq_build_inv_all(&cmd);
		if (!amd_cq_push(&r, &cmd))
			goto out;
		rec->flags |= CRASH_DMA_QUIESCE_F_INV_ALL;
		rec->domains_invalidated = w->nr_domains;
	} else if (!amd_cq_inval_by_domain(&r, w, changed, rec)) {
		goto out;
	}
	if (!phys)
		goto out;
	ret = amd_cq_sync(&r, slot, phys);
	for (id = ats ? amd_cq_bitmap_next(ats, 0) : AMD_CQ_NR_IDS;
	     id < AMD_CQ_NR_IDS; id = amd_cq_bitmap_next(ats, id + 1)) {
		amd_cq_build_inv_iotlb_pages(&cmd, id);
		if (!amd_cq_push(&r, &cmd))
			break;
	}
out:
	amd_cq_ring_kick(&r);
	rec->commands = r.issued;
	return ret;
}

static void amd_cq_flush(void *addr, u64 size)
{
	clflush_cache_range(addr, size);
}

/*
 * The device table was reached earlier in this pass through another
 * IOMMU: take over its results (DTEs changed, counts) and, when that walk
 * stopped at its IOMMU's deadline, continue it from where it stopped.
 * The domain bitmap is rebuilt for the whole table; the ATS bitmap is
 * known only when the last walk was over this table.
 */
static void amd_cq_reuse(struct amd_cq_seen *seen, struct amd_cq_walk *w,
			 struct crash_dma_quiesce_record *rec)
{
	if (w->changed != seen->changed)
		memcpy(w->changed, seen->changed,
		       CRASH_DMA_QUIESCE_MAP_WORDS * sizeof(u64));
	rec->entries_scanned = seen->scanned;
	rec->entries_changed = seen->changed_count;
	rec->entries_rejected = seen->rejected;
	rec->entries_blocked = seen->blocked;
	rec->flags |= seen->flags;
	if (amd_cq_ats_of != seen) {
		amd_cq_bitmap_zero(w->ats);
		w->nr_ats = 0;
		amd_cq_ats_of = NULL;
	}
	w->next = seen->next;
	if (w->next < w->count) {
		amd_cq_walk(w, rec);
		amd_cq_seen_update(seen, w, rec);
	}
	w->timed_out = seen->next < w->count;
	amd_cq_collect(w, w->changed);
}

static void amd_cq_quiesce(struct crash_dma_quiesce_unit *unit,
			   const struct crash_dma_quiesce_ctx *ctx,
			   struct crash_dma_quiesce_record *rec)
{
	void __iomem *mmio = unit->mmio;
	struct amd_cq_walk *w = &amd_cq_w;
	struct amd_cq_seen *seen = NULL;
	u64 ctrl, root = rec->root_phys;
	u32 size = rec->root_size;

	if (ctx->mode != CRASH_DMA_QUIESCE_WRITE &&
	    ctx->mode != CRASH_DMA_QUIESCE_ALL &&
	    ctx->mode != CRASH_DMA_QUIESCE_DISABLE)
		return;

	/* IOMMU Control Register, 48882 section 3.4 (MMIO Offset 0018h). */
	ctrl = readq(mmio + AMD_CQ_MMIO_CONTROL);
	if (ctrl == ~0ULL) {
		/* The register block does not answer: touch nothing. */
		rec->state = CRASH_DMA_QUIESCE_BAD_ROOT;
		return;
	}
	if (!(ctrl & AMD_CQ_CTRL_IOMMU_EN)) {
		rec->state = CRASH_DMA_QUIESCE_TRANSLATION_OFF;
		return;
	}
	if (ctx->mode == CRASH_DMA_QUIESCE_DISABLE) {
		if (!ctx->dry_run)
			writeq(ctrl & ~AMD_CQ_CTRL_IOMMU_EN,
			       mmio + AMD_CQ_MMIO_CONTROL);
		rec->state = CRASH_DMA_QUIESCE_DISABLED;
		return;
	}

	/* Device table as amd_cq_read_root() found it at the pass start. */
	if (!crash_dma_quiesce_phys_ok(root, size)) {
		rec->state = CRASH_DMA_QUIESCE_BAD_ROOT;
		return;
	}

	w->table = phys_to_virt(root);
	w->count = min_t(u32, size / AMD_CQ_DTE_SIZE, AMD_CQ_NR_IDS);
	w->mode = ctx->mode;
	w->dry_run = ctx->dry_run;
	w->expired = crash_dma_quiesce_expired;
	w->expired_arg = ctx;
	/* A non-snooping IOMMU reads the table from memory, not the caches. */
	w->flush = ctrl & AMD_CQ_CTRL_COHERENT ? NULL : amd_cq_flush;
	w->changed = ctx->changed;
	w->domains = amd_cq_domains;
	w->ats = amd_cq_ats;
	w->snp = amd_cq_snp;

	if (!ctx->dry_run)
		seen = amd_cq_find_seen(ctx, root, size);
	if (seen) {
		amd_cq_reuse(seen, w, rec);
	} else {
		amd_cq_walk_begin(w, rec);
		amd_cq_walk(w, rec);
		if (!ctx->dry_run) {
			seen = amd_cq_remember(root, size);
			if (seen)
				amd_cq_seen_update(seen, w, rec);
			amd_cq_ats_of = seen;
		}
	}
	if (w->timed_out)
		rec->state = CRASH_DMA_QUIESCE_TIMEOUT;
	else if (rec->entries_rejected)
		rec->state = CRASH_DMA_QUIESCE_PARTIAL;
	else
		rec->state = CRASH_DMA_QUIESCE_DONE;

	if (ctx->dry_run) {
		/* What a crash would invalidate. */
		rec->domains_invalidated = w->nr_domains;
		return;
	}
	/*
	 * DTEs the early pass changed read as unchanged now, yet this
	 * IOMMU may cache them writable (its own early invalidation may not
	 * have completed, or another IOMMU's early pass changed them).
	 */
	if (ctx->carried) {
		amd_cq_bitmap_or(w->changed, ctx->carried);
		amd_cq_collect(w, w->changed);
	}
	if (!rec->entries_changed && !ctx->carried)
		return;
	if (w->flush)
		rec->flags |= CRASH_DMA_QUIESCE_F_FLUSHED;
	if (w->nr_ats)
		rec->flags |= CRASH_DMA_QUIESCE_F_ATS_OFF;
	/*
	 * Even after a timeout: the entries changed so far must not stay
	 * cached with their old permission. The commands are queued and
	 * the completion checked once.
	 */
	rec->inval = amd_cq_invalidate(unit, ctx, ctrl, w, w->changed,
				       amd_cq_ats_of == seen ? w->ats : NULL,
				       rec);
}

/* Device Table Base Address Register (MMIO Offset 0000h): base and size. */
static void amd_cq_read_root(struct crash_dma_quiesce_unit *unit,
			     struct crash_dma_quiesce_record *rec)
{
	u64 dtb = readq(unit->mmio + AMD_CQ_MMIO_DEV_TABLE);

	rec->root_phys = __sme_clr(dtb & AMD_CQ_DEVTAB_BASE_MASK);
	rec->root_size = ((u32)(dtb & AMD_CQ_DEVTAB_SIZE_MASK) + 1) * SZ_4K;
}

/*
 * Early pass: the driver queues every command under iommu->lock and
 * publishes it (Command Buffer Tail Register) before letting go, so with
 * the lock held its cmd_buf_tail is the hardware's and nobody else writes
 * to the buffer. Try until @deadline only: the holder may be this CPU.
 */
static bool amd_cq_early_begin(struct crash_dma_quiesce_unit *unit,
			       u64 deadline, u32 *max_commands)
{
	struct amd_iommu *iommu = unit->drv;

	*max_commands = 0;
	if (!iommu)
		return false;
	for (;;) {
		if (raw_spin_trylock(&iommu->lock))
			return true;
		if (rdtsc_ordered() >= deadline)
			return false;
		cpu_relax();
	}
}

/*
 * The pass queued its commands at the hardware tail and published them:
 * the driver's next command goes after them. The driver computes the
 * room left from its cached head (__iommu_queue_command_sync() re-reads
 * the register only when that room looks short): once the tail has moved
 * past a stale head, the room would look almost the whole buffer and the
 * driver could overwrite commands the IOMMU has not fetched. Both come
 * from the registers.
 */
static void amd_cq_early_end(struct crash_dma_quiesce_unit *unit)
{
	struct amd_iommu *iommu = unit->drv;
	u32 tail = readl(unit->mmio + AMD_CQ_MMIO_CMD_TAIL) &
		   AMD_CQ_CMD_PTR_MASK;
	u32 head = readl(unit->mmio + AMD_CQ_MMIO_CMD_HEAD) &
		   AMD_CQ_CMD_PTR_MASK;

	if (tail < CMD_BUFFER_SIZE)
		iommu->cmd_buf_tail = tail;
	iommu->cmd_buf_head = head % CMD_BUFFER_SIZE;
	raw_spin_unlock(&iommu->lock);
}

static const struct crash_dma_quiesce_ops amd_cq_ops = {
	.name = "AMD-Vi",
	.quiesce = amd_cq_quiesce,
	.read_root = amd_cq_read_root,
	.early_begin = amd_cq_early_begin,
	.early_end = amd_cq_early_end,
};

static int __init amd_cq_init(void)
{
	struct amd_iommu *iommu;
	int ret;

	amd_cq_snp = amd_iommu_snp_en;
	for_each_iommu(iommu) {
		/*
		 * iommu->features is the Extended Feature Register as Linux
		 * uses it: the IVHD copy when it and the register differ.
		 */
		ret = crash_dma_quiesce_register(CRASH_DMA_QUIESCE_AMD,
						 &amd_cq_ops, iommu->mmio_base,
						 iommu->mmio_phys,
						 iommu->features, iommu);
		if (ret)
			pr_warn("IOMMU at %#llx not registered (%d)\n",
				iommu->mmio_phys, ret);
	}
	return 0;
}
late_initcall(amd_cq_init);
