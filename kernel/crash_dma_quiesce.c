// SPDX-License-Identifier: GPL-2.0
/*
 * Crash-path IOMMU DMA quiesce: the generic part.
 *
 * IOMMU drivers register each IOMMU at boot. When the kernel crashes into
 * a kdump capture kernel, native_machine_crash_shutdown() calls
 * crash_dma_quiesce() once the other CPUs are stopped; each vendor routine
 * then revokes DMA permission in the live tables, invalidates the IOMMU
 * caches and leaves translation enabled. Before that, at panic entry (and
 * at the entry of an oops that will crash), crash_dma_quiesce_early() runs
 * the same vendor routine on every IOMMU whose driver lock it can take
 * within a short bound, so that devices stop writing while the panic is
 * still being printed and the other CPUs are being stopped. This file parses the command line,
 * keeps the time budget, owns the result records (static memory, exported
 * through vmcoreinfo), logs one line per IOMMU into the kernel log buffer
 * (not to the consoles) and offers a read-only dry run in debugfs.
 */

#define pr_fmt(fmt) "crash_dma_quiesce: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/crash_core.h>
#include <linux/crash_dma_quiesce.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kexec.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/e820/api.h>
#include <asm/pgtable_types.h>
#include <asm/tsc.h>

/* Bytes of one changed bitmap: one bit per source id. */
#define CDQ_MAP_BYTES	(CRASH_DMA_QUIESCE_NR_SIDS / 8)

static enum crash_dma_quiesce_mode cdq_mode = CRASH_DMA_QUIESCE_WRITE;
static unsigned int cdq_budget_us = 100000;
static bool cdq_early_on = true;

/*
 * At most this long, per IOMMU, the early pass tries to take a driver
 * lock: lock holders normally let go within microseconds, and the panic
 * must not wait long on a CPU that may never do so.
 */
#define CDQ_EARLY_LOCK_US	1000

/*
 * At most this long the pass after the stop waits for an early pass still
 * running on another CPU (one that did not answer the stop NMI) to leave
 * the IOMMU it is working on: it gives way at its next deadline check,
 * and it may first have to give up a bounded trylock (CDQ_EARLY_LOCK_US).
 * An early pass that does not leave in time is taken to be halted.
 */
#define CDQ_EARLY_YIELD_US	(2 * CDQ_EARLY_LOCK_US)

/* cdq_early_unit when the early pass is in no IOMMU. */
#define CDQ_NO_UNIT		UINT_MAX

/* Who runs a pass over the vendor routines' static state (cdq_owner). */
enum {
	CDQ_IDLE,
	CDQ_DRY_RUN,
	CDQ_EARLY,
	CDQ_LATE,
};

static atomic_t cdq_owner = ATOMIC_INIT(CDQ_IDLE);

/* What the early pass did to each IOMMU, for the pass after the stop. */
struct cdq_early_result {
	u64 root_phys;
	u32 entries_changed;
	u32 entries_blocked;
	u32 commands;
	u32 domains;
	u8 inval;
	u8 ran;
	u8 ok;
	u8 busy;
};

static struct cdq_early_result cdq_early[CRASH_DMA_QUIESCE_MAX_IOMMUS];
/*
 * The IOMMU the early pass is working on (CDQ_NO_UNIT: none). With
 * cdq_owner it is the handshake that keeps the early pass, the pass after
 * the stop and crash_dma_quiesce_unregister() out of each other's way:
 * each side first publishes itself, then (after a full barrier) looks at
 * the other, so at least one of them sees the other.
 */
static unsigned int cdq_early_unit = CDQ_NO_UNIT;
/* Scratch record of the early pass (the exported ones are the late pass's). */
static struct crash_dma_quiesce_record cdq_early_rec;
/* Pass number of the last pass (struct crash_dma_quiesce_ctx.pass). */
static u32 cdq_pass;
/*
 * The pass after the stop: source ids that lost write permission in the
 * early pass on a table the IOMMU at hand shares (see cdq_carried_for()).
 */
static u64 cdq_carried[CRASH_DMA_QUIESCE_MAP_WORDS];

static struct crash_dma_quiesce_unit cdq_units[CRASH_DMA_QUIESCE_MAX_IOMMUS];
static unsigned int cdq_nr_units;
/* Serialises registration and the debugfs dry run; never taken on a crash. */
static DEFINE_MUTEX(cdq_mutex);
/* Other CPUs that reported stopped from the kdump NMI callback. */
static atomic_t cdq_cpus_stopped = ATOMIC_INIT(0);

/*
 * The result of the crash path; found by dump readers through vmcoreinfo.
 * Zero-initialised (.bss, 72 KiB for 1024 records); the magic and the
 * version are set by cdq_info_init() before anything else uses it.
 */
struct crash_dma_quiesce_info crash_dma_quiesce_info;

static void cdq_info_init(void)
{
	crash_dma_quiesce_info.magic = CRASH_DMA_QUIESCE_MAGIC;
	crash_dma_quiesce_info.version = CRASH_DMA_QUIESCE_VERSION;
}

static const char * const cdq_mode_names[] = {
	[CRASH_DMA_QUIESCE_OFF] = "off",
	[CRASH_DMA_QUIESCE_WRITE] = "write",
	[CRASH_DMA_QUIESCE_ALL] = "all",
	[CRASH_DMA_QUIESCE_DISABLE] = "disable",
};

static const char * const cdq_state_names[] = {
	[CRASH_DMA_QUIESCE_NOT_RUN] = "not run",
	[CRASH_DMA_QUIESCE_DONE] = "done",
	[CRASH_DMA_QUIESCE_TRANSLATION_OFF] = "translation off, nothing to do",
	[CRASH_DMA_QUIESCE_UNSUPPORTED] = "unsupported table format, left unchanged",
	[CRASH_DMA_QUIESCE_BAD_ROOT] = "bad table pointer, left unchanged",
	[CRASH_DMA_QUIESCE_PARTIAL] = "partial, some entries rejected",
	[CRASH_DMA_QUIESCE_TIMEOUT] = "out of time budget",
	[CRASH_DMA_QUIESCE_DISABLED] = "translation disabled",
	[CRASH_DMA_QUIESCE_NO_MEMORY] = "not handled: no memory for its bitmap at boot",
	[CRASH_DMA_QUIESCE_REMOVED] = "hot-removed, not handled",
};

static const char * const cdq_inval_names[] = {
	[CRASH_DMA_QUIESCE_INV_NONE] = "not needed",
	[CRASH_DMA_QUIESCE_INV_OK] = "ok",
	[CRASH_DMA_QUIESCE_INV_TIMEOUT] = "timed out",
	[CRASH_DMA_QUIESCE_INV_ERROR] = "error",
	[CRASH_DMA_QUIESCE_INV_UNAVAILABLE] = "unavailable",
};

static const char *cdq_name(const char * const *names, size_t n, unsigned int i)
{
	return i < n && names[i] ? names[i] : "?";
}

static int __init cdq_parse_mode(char *arg)
{
	int i;

	if (!arg)
		return -EINVAL;
	i = match_string(cdq_mode_names, ARRAY_SIZE(cdq_mode_names), arg);
	if (i < 0) {
		pr_warn("unknown crash_dma_quiesce=%s, keeping %s\n", arg,
			cdq_mode_names[cdq_mode]);
		return -EINVAL;
	}
	cdq_mode = i;
	return 0;
}
early_param("crash_dma_quiesce", cdq_parse_mode);

static int __init cdq_parse_budget(char *arg)
{
	unsigned int us;

	if (!arg || kstrtouint(arg, 0, &us) || !us) {
		pr_warn("invalid crash_dma_quiesce_budget=%s, keeping %u us\n",
			arg ? arg : "", cdq_budget_us);
		return -EINVAL;
	}
	cdq_budget_us = us;
	return 0;
}
early_param("crash_dma_quiesce_budget", cdq_parse_budget);

static int __init cdq_parse_early(char *arg)
{
	if (!arg || kstrtobool(arg, &cdq_early_on)) {
		pr_warn("invalid crash_dma_quiesce_early=%s, keeping %d\n",
			arg ? arg : "", cdq_early_on);
		return -EINVAL;
	}
	return 0;
}
early_param("crash_dma_quiesce_early", cdq_parse_early);

/**
 * crash_dma_quiesce_mode() - the mode chosen on the command line
 *
 * Return: the enum crash_dma_quiesce_mode in force.
 */
enum crash_dma_quiesce_mode crash_dma_quiesce_mode(void)
{
	return cdq_mode;
}

/**
 * crash_dma_quiesce_register() - make an IOMMU known to the crash path
 * @vendor: enum crash_dma_quiesce_vendor
 * @ops: vendor routine; must stay valid for the life of the kernel
 * @mmio: the IOMMU's mapped register block; must stay mapped
 * @mmio_phys: physical address of the register block
 * @caps: vendor capabilities established at boot (see
 *	struct crash_dma_quiesce_unit)
 * @drv: the driver's structure for this IOMMU, for @ops->early_begin and
 *	@ops->early_end (may be NULL when the vendor has no early pass)
 *
 * Called by IOMMU drivers at boot, once per IOMMU, and when an IOMMU is
 * hot-added. Registering the same register block twice is harmless; one
 * that was unregistered (hot-removed) gets its record and bitmaps back.
 * Allocates the IOMMU's changed bitmaps (16 KiB: the exported one and the
 * early pass's); the crash path itself allocates nothing.
 *
 * Return: 0 on success; -ENOMEM when the bitmap cannot be allocated (the
 * IOMMU is then left unchanged on a crash; its record says so, with state
 * CRASH_DMA_QUIESCE_NO_MEMORY); -ENOSPC when CRASH_DMA_QUIESCE_MAX_IOMMUS
 * are already registered (no record at all); both are counted in
 * crash_dma_quiesce_info.nr_unregistered; -EINVAL on missing arguments.
 */
int crash_dma_quiesce_register(u8 vendor, const struct crash_dma_quiesce_ops *ops,
			       void __iomem *mmio, u64 mmio_phys, u64 caps,
			       void *drv)
{
	struct crash_dma_quiesce_record *rec;
	struct crash_dma_quiesce_unit *unit;
	unsigned int i;
	u64 *map;
	int ret = 0;

	if (!ops || !ops->quiesce || !mmio)
		return -EINVAL;

	mutex_lock(&cdq_mutex);
	cdq_info_init();
	for (i = 0; i < cdq_nr_units; i++) {
		unit = &cdq_units[i];
		if (unit->mmio_phys != mmio_phys)
			continue;
		if (READ_ONCE(unit->gone)) {
			/* Hot-added again: back under the crash path. */
			unit->ops = ops;
			unit->mmio = mmio;
			unit->caps = caps;
			unit->drv = drv;
			rec = &crash_dma_quiesce_info.records[i];
			rec->state = unit->changed ? CRASH_DMA_QUIESCE_NOT_RUN :
				     CRASH_DMA_QUIESCE_NO_MEMORY;
			if (ops->read_root)
				ops->read_root(unit, rec);
			/* The unit is complete before a pass may use it. */
			smp_wmb();
			WRITE_ONCE(unit->gone, false);
		}
		goto out;
	}
	if (cdq_nr_units == CRASH_DMA_QUIESCE_MAX_IOMMUS) {
		ret = -ENOSPC;
		goto fail;
	}
	/* The changed bitmap, then the early pass's own. */
	map = (u64 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
				      get_order(2 * CDQ_MAP_BYTES));
	if (!map)
		ret = -ENOMEM;
	unit = &cdq_units[cdq_nr_units];
	unit->ops = ops;
	unit->mmio = mmio;
	unit->mmio_phys = mmio_phys;
	unit->vendor = vendor;
	unit->caps = caps;
	unit->changed = map;
	unit->early_changed = map ? map + CRASH_DMA_QUIESCE_MAP_WORDS : NULL;
	unit->drv = drv;

	rec = &crash_dma_quiesce_info.records[cdq_nr_units];
	rec->magic = CRASH_DMA_QUIESCE_MAGIC;
	rec->vendor = vendor;
	rec->mmio_phys = mmio_phys;
	rec->changed_phys = map ? virt_to_phys(map) : 0;
	if (!map)
		rec->state = CRASH_DMA_QUIESCE_NO_MEMORY;
	if (ops->read_root)
		ops->read_root(unit, rec);
	/* Readers see the record only once it is complete. */
	smp_wmb();
	crash_dma_quiesce_info.nr_records = ++cdq_nr_units;
	if (ret)
		goto fail;
	pr_info("%s at %#llx registered, mode %s\n", ops->name, mmio_phys,
		cdq_mode_names[cdq_mode]);
	goto out;
fail:
	crash_dma_quiesce_info.nr_unregistered++;
	pr_warn("%s at %#llx: not registered (%d), it will be left unchanged on a crash\n",
		ops->name, mmio_phys, ret);
out:
	mutex_unlock(&cdq_mutex);
	return ret;
}

/**
 * crash_dma_quiesce_unregister() - an IOMMU goes away
 * @mmio_phys: physical address of its register block, as registered
 *
 * Called by an IOMMU driver before it frees the structures of an IOMMU it
 * registered (DMAR unit hot-removal), in process context. From then on no
 * pass touches the IOMMU (its record says CRASH_DMA_QUIESCE_REMOVED). An
 * early pass that is working on it at this moment, on another CPU, is
 * waited for: it is bounded by its time budget. Unknown addresses are
 * ignored.
 */
void crash_dma_quiesce_unregister(u64 mmio_phys)
{
	struct crash_dma_quiesce_unit *unit;
	unsigned int i;

	mutex_lock(&cdq_mutex);
	for (i = 0; i < cdq_nr_units; i++) {
		unit = &cdq_units[i];
		if (unit->mmio_phys != mmio_phys || unit->gone)
			continue;
		WRITE_ONCE(unit->gone, true);
		crash_dma_quiesce_info.records[i].state = CRASH_DMA_QUIESCE_REMOVED;
		/* Pairs with the barrier in cdq_early_enter(). */
		smp_mb();
		while (READ_ONCE(cdq_early_unit) == i)
			cpu_relax();
		pr_info("%s at %#llx unregistered\n", unit->ops->name, mmio_phys);
		break;
	}
	mutex_unlock(&cdq_mutex);
}

/**
 * crash_dma_quiesce_cpu_stopped() - note that another CPU stopped for kdump
 *
 * Called by each other CPU from the kdump NMI callback of
 * native_machine_crash_shutdown(), before it halts. One atomic increment,
 * no lock: crash_dma_quiesce() compares the count with the CPUs online to
 * record whether any other CPU may still be running.
 */
void crash_dma_quiesce_cpu_stopped(void)
{
	atomic_inc(&cdq_cpus_stopped);
}

/**
 * crash_dma_quiesce_expired() - has a pass run out of its time budget?
 * @ctx: the pass
 *
 * Safe on the crash path: reads the TSC (and, for the early pass, who
 * owns the crash path) only.
 *
 * Return: true once the TSC has reached @ctx->deadline, or, in the early
 * pass, once the pass after the stop has begun.
 */
bool crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	if (crash_dma_quiesce_yielded(ctx))
		return true;
	return rdtsc_ordered() >= ctx->deadline;
}

/**
 * crash_dma_quiesce_yielded() - has the early pass given way?
 * @ctx: the pass
 *
 * The pass after the stop owns the crash path as soon as it begins; an
 * early pass still running on another CPU (one that did not answer the
 * stop NMI) must then queue no more commands and hand no more to the
 * IOMMU: the vendors check this before each. Lock-free.
 *
 * Return: true in the early pass once the pass after the stop has begun.
 */
bool crash_dma_quiesce_yielded(const struct crash_dma_quiesce_ctx *ctx)
{
	return ctx->early && atomic_read(&cdq_owner) != CDQ_EARLY;
}

/**
 * crash_dma_quiesce_split() - a deadline for one step of several
 * @ctx: the pass
 * @parts: steps left, this one included (at least 1)
 *
 * For a vendor routine whose steps must each get a chance: a step that
 * never completes may use only 1/@parts of the time left before
 * @ctx->deadline, so that the steps after it are still issued. Safe on
 * the crash path: reads the TSC only.
 *
 * Return: the TSC value at which this step gives up (@ctx->deadline when
 * @parts is 1, or when the deadline has passed).
 */
u64 crash_dma_quiesce_split(const struct crash_dma_quiesce_ctx *ctx,
			    unsigned int parts)
{
	u64 now = rdtsc_ordered();

	if (parts <= 1 || now >= ctx->deadline)
		return ctx->deadline;
	return now + div_u64(ctx->deadline - now, parts);
}

/*
 * Is [@start, @end] (inclusive) inside @res, a reserved crashkernel range
 * (crashk_res, or crashk_low_res below 4 GiB)? An empty range is unset.
 */
static bool cdq_overlaps(const struct resource *res, u64 start, u64 end)
{
	return res->end > res->start && start <= res->end && end >= res->start;
}

/*
 * Is the page at @phys mapped present and writable in the kernel's direct
 * map? pfn_valid() alone does not tell: DEBUG_PAGEALLOC unmaps free pages,
 * secretmem and set_direct_map_invalid_noflush() remove pages, and a
 * read-only alias (set_memory_ro()) would fault on the first store.
 * lookup_address() walks init_mm's page tables without a lock.
 */
static bool cdq_direct_mapped(u64 phys)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)phys_to_virt(phys), &level);

	return pte && pte_present(*pte) && pte_write(*pte);
}

/**
 * crash_dma_quiesce_phys_ok() - may the crash path read and write this range?
 * @phys: physical address of a table found in an IOMMU register or entry
 * @size: size of the table in bytes
 *
 * A table pointer read from the hardware may be garbage. Accept it only when
 * every page of [@phys, @phys + @size) is RAM according to the firmware
 * memory map, has a struct page, is mapped present and writable in the
 * direct map, and lies outside the crashkernel regions (crashk_res and
 * crashk_low_res: writing there would corrupt the capture kernel).
 * Lock-free: reads the e820 table, the memory sections, the kernel page
 * tables and the crashkernel resources only, so it is safe on the crash
 * path.
 *
 * Return: true when the range is usable.
 */
bool crash_dma_quiesce_phys_ok(u64 phys, u64 size)
{
	u64 end, p;

	if (!size || phys + size < phys)
		return false;
	end = phys + size - 1;
	if (cdq_overlaps(&crashk_res, phys, end) ||
	    cdq_overlaps(&crashk_low_res, phys, end))
		return false;
	for (p = phys & PAGE_MASK; p <= end; p += PAGE_SIZE) {
		if (!pfn_valid(PHYS_PFN(p)))
			return false;
		if (!e820__mapped_any(p, p + PAGE_SIZE, E820_TYPE_RAM))
			return false;
		if (!cdq_direct_mapped(p))
			return false;
	}
	return true;
}

static u64 cdq_budget_cycles(void)
{
	/* Without a calibrated TSC, assume a slow 1 GHz clock. */
	u64 khz = tsc_khz ? tsc_khz : 1000000;

	return div_u64((u64)cdq_budget_us * khz, 1000);
}

static u64 cdq_cycles_to_us(u64 cycles)
{
	return tsc_khz ? div_u64(cycles * 1000, tsc_khz) : 0;
}

static void cdq_reset_record(struct crash_dma_quiesce_record *rec,
			     const struct crash_dma_quiesce_unit *unit, u8 mode)
{
	u64 changed_phys = rec->changed_phys;

	memset(rec, 0, sizeof(*rec));
	rec->magic = CRASH_DMA_QUIESCE_MAGIC;
	rec->vendor = unit->vendor;
	rec->mmio_phys = unit->mmio_phys;
	rec->mode = mode;
	rec->changed_phys = changed_phys;
}

/*
 * The pass after the stop over an IOMMU the early pass handled: its
 * record says how the caches were invalidated when this pass had nothing
 * new to invalidate, and counts the commands of both passes. "Early" only
 * when the early pass's invalidation completed (or had nothing to do).
 */
static void cdq_merge_early(struct crash_dma_quiesce_record *rec,
			    const struct cdq_early_result *early)
{
	if (early->busy)
		rec->flags |= CRASH_DMA_QUIESCE_F_EARLY_BUSY;
	if (!early->ran)
		return;
	if (early->ok)
		rec->flags |= CRASH_DMA_QUIESCE_F_EARLY;
	rec->commands += early->commands;
	if (rec->inval == CRASH_DMA_QUIESCE_INV_NONE && early->entries_changed) {
		rec->inval = early->inval;
		rec->domains_invalidated = early->domains;
	}
}

/* @map |= @carried (CRASH_DMA_QUIESCE_MAP_WORDS words); its bits set. */
static u32 cdq_union_weight(u64 *map, const u64 *carried)
{
	unsigned int k;
	u32 n = 0;

	for (k = 0; k < CRASH_DMA_QUIESCE_MAP_WORDS; k++) {
		map[k] |= carried[k];
		n += hweight64(map[k]);
	}
	return n;
}

/*
 * The early pass's changes the pass after the stop must invalidate on the
 * IOMMU at @i (root table @root): those of every IOMMU early-quiesced over
 * the same device table or root table (AMD IOMMUs of a PCI segment share
 * one; an IOMMU whose lock was busy still caches what another IOMMU's
 * early pass changed). NULL when there are none.
 */
static const u64 *cdq_carried_for(unsigned int i, u64 root, unsigned int nr,
				  const struct cdq_early_result *early)
{
	bool any = false;
	unsigned int j, k;

	for (j = 0; j < nr; j++) {
		const u64 *map = cdq_units[j].early_changed;

		if (!early[j].ran || !early[j].entries_changed || !map ||
		    early[j].root_phys != root ||
		    cdq_units[j].vendor != cdq_units[i].vendor)
			continue;
		if (!any)
			memset(cdq_carried, 0, sizeof(cdq_carried));
		any = true;
		for (k = 0; k < CRASH_DMA_QUIESCE_MAP_WORDS; k++)
			cdq_carried[k] |= map[k];
	}
	return any ? cdq_carried : NULL;
}

/*
 * Run one pass over every registered IOMMU, filling @recs[] and the
 * changed bitmaps @maps[] (one per IOMMU). Each IOMMU gets an equal share
 * of what is left of the budget when its turn comes, so that one whose
 * invalidation never completes cannot starve the IOMMUs after it; what an
 * IOMMU leaves unused goes to the later ones. @early (the pass after the
 * stop only) tells what the early pass did to each IOMMU.
 */
static void cdq_run(enum crash_dma_quiesce_mode mode, bool dry_run,
		    struct crash_dma_quiesce_record *recs, u64 *const *maps,
		    unsigned int nr, const struct cdq_early_result *early)
{
	struct crash_dma_quiesce_ctx ctx = {
		.mode = mode,
		.dry_run = dry_run,
		.pass = ++cdq_pass,
	};
	unsigned int i;
	u64 t0, end;

	end = rdtsc_ordered() + cdq_budget_cycles();
	for (i = 0; i < nr; i++) {
		struct crash_dma_quiesce_unit *unit = &cdq_units[i];
		struct crash_dma_quiesce_record *rec = &recs[i];

		cdq_reset_record(rec, unit, mode);
		if (READ_ONCE(unit->gone)) {
			rec->state = CRASH_DMA_QUIESCE_REMOVED;
			continue;
		}
		/* Registration completed the unit before it cleared gone. */
		smp_rmb();
		if (dry_run)
			rec->flags |= CRASH_DMA_QUIESCE_F_DRY_RUN;
		if (unit->ops->read_root)
			unit->ops->read_root(unit, rec);
		if (!unit->changed) {
			/* No bitmap at boot: not handled (see the record). */
			rec->state = CRASH_DMA_QUIESCE_NO_MEMORY;
			continue;
		}
		memset(maps[i], 0, CDQ_MAP_BYTES);
		ctx.carried = early ? cdq_carried_for(i, rec->root_phys, nr, early) :
			      NULL;
		/* Out of time: the record keeps saying "not run". */
		t0 = rdtsc_ordered();
		if (t0 < end) {
			ctx.deadline = t0 + div_u64(end - t0, nr - i);
			ctx.index = i;
			ctx.changed = maps[i];
			unit->ops->quiesce(unit, &ctx, rec);
			rec->cycles = rdtsc_ordered() - t0;
		}
		if (!early)
			continue;
		cdq_merge_early(rec, &early[i]);
		/*
		 * What lost write permission on the crash path, in either
		 * pass: this pass finds the early pass's entries unchanged
		 * (or, for pass-through entries it cannot tell from its own,
		 * changed again), so count the union once.
		 */
		if (ctx.carried)
			rec->entries_changed = cdq_union_weight(maps[i], ctx.carried);
		/* Blocked entries stay blocked: a later pass finds nothing. */
		rec->entries_blocked = max(rec->entries_blocked,
					   early[i].entries_blocked);
	}
}

/*
 * The early pass over one IOMMU, with its driver's lock held: the vendor
 * routine as after the stop, into the scratch record, if there is time
 * left before @end (shared by the @nr - @i IOMMUs left). Return: false
 * when there was none.
 */
static bool cdq_early_one(unsigned int i, unsigned int nr, u32 pass, u64 end,
			  u32 max_commands)
{
	struct crash_dma_quiesce_unit *unit = &cdq_units[i];
	struct crash_dma_quiesce_record *rec = &cdq_early_rec;
	struct cdq_early_result *res = &cdq_early[i];
	struct crash_dma_quiesce_ctx ctx = {
		.mode = cdq_mode,
		.early = true,
		/* One pass over every IOMMU: vendors share tables across them. */
		.pass = pass,
		.index = i,
		.changed = unit->early_changed,
		.max_commands = max_commands,
	};

	u64 t0;

	cdq_reset_record(rec, unit, cdq_mode);
	if (unit->ops->read_root)
		unit->ops->read_root(unit, rec);
	memset(unit->early_changed, 0, CDQ_MAP_BYTES);
	t0 = rdtsc_ordered();
	if (t0 >= end)
		return false;
	ctx.deadline = t0 + div_u64(end - t0, nr - i);
	unit->ops->quiesce(unit, &ctx, rec);
	res->root_phys = rec->root_phys;
	res->entries_changed = rec->entries_changed;
	res->entries_blocked = rec->entries_blocked;
	res->commands = rec->commands;
	res->domains = rec->domains_invalidated;
	res->inval = rec->inval;
	/*
	 * Handled early: the walk finished (not cut short by the budget nor
	 * by the pass after the stop) and its invalidation completed.
	 */
	res->ok = rec->state != CRASH_DMA_QUIESCE_TIMEOUT &&
		  !crash_dma_quiesce_yielded(&ctx) &&
		  (rec->inval == CRASH_DMA_QUIESCE_INV_OK ||
		   (rec->inval == CRASH_DMA_QUIESCE_INV_NONE &&
		    !rec->entries_changed));
	/* Visible to a pass after the stop on another CPU once complete. */
	smp_wmb();
	WRITE_ONCE(res->ran, 1);
	return res->ok;
}

/*
 * The early pass is done with its IOMMU: everything it wrote is visible
 * to whoever then sees cdq_early_unit change (cdq_wait_early(),
 * crash_dma_quiesce_unregister()).
 */
static void cdq_early_leave(void)
{
	/* Its writes before the unit: pairs with cdq_wait_early()'s smp_rmb(). */
	smp_store_release(&cdq_early_unit, CDQ_NO_UNIT);
}

/*
 * The early pass announces that it works on IOMMU @i, then checks that
 * it still may: the pass after the stop has not begun and the IOMMU was
 * not unregistered. Pairs with the barriers of crash_dma_quiesce() and
 * crash_dma_quiesce_unregister(), which publish themselves first.
 */
static bool cdq_early_enter(unsigned int i)
{
	WRITE_ONCE(cdq_early_unit, i);
	/* Publish the unit before looking at the other side's flags. */
	smp_mb();
	if (atomic_read(&cdq_owner) == CDQ_EARLY &&
	    !READ_ONCE(cdq_units[i].gone))
		return true;
	cdq_early_leave();
	return false;
}

/**
 * crash_dma_quiesce_early() - revoke IOMMU DMA permission at panic entry
 *
 * Called by panic() before it prints anything, and by oops_enter() when
 * the oops will crash into the capture kernel (kexec_should_crash()). With
 * a capture kernel loaded, crash_dma_quiesce= write or all, and
 * crash_dma_quiesce_early= on (the default), runs the crash path's vendor
 * routine on each IOMMU whose driver lock (the one that serialises the
 * driver's invalidation submissions) it can take within
 * %CDQ_EARLY_LOCK_US microseconds: the same walk, the same invalidation,
 * the same time budget, while the other CPUs still run. Holding that lock
 * keeps the queue to itself and the tables the walk reaches allocated (the
 * drivers free them only after an invalidation, which needs the lock; see
 * crash_dma_quiesce_ops.early_begin for the one 6.1 exception); every
 * table or entry update is an atomic compare-and-exchange that only
 * clears permission, so a driver update racing with it is neither torn
 * nor undone. The lock is released
 * afterwards (a console driver on this CPU may still unmap DMA), after the
 * vendor brought the driver's queue bookkeeping in line with the
 * registers. An IOMMU whose lock stays held is left to crash_dma_quiesce()
 * after the stop, which runs in full in any case: it catches what a
 * running CPU re-granted meanwhile and invalidates what the early pass
 * could not.
 *
 * Runs at most once, on the first CPU to call it; not with
 * crash_kexec_post_notifiers (the panic notifiers run first and may need
 * device DMA). Interrupts are off while it runs. It gives way, between
 * two deadline checks, to the pass after the stop (which waits for it to
 * leave the IOMMU it is working on), and an IOMMU that is being
 * unregistered is left alone. An IOMMU counts as handled early
 * (crash_dma_quiesce_info.early_units, record flag "early") only when its
 * invalidation completed.
 */
void crash_dma_quiesce_early(void)
{
	struct crash_dma_quiesce_info *info = &crash_dma_quiesce_info;
	unsigned int i, nr = READ_ONCE(info->nr_records);
	unsigned long flags;
	u64 end, now, lock_end, lock_cycles;
	u32 max_commands, pass;
	bool ok;

	if (!cdq_early_on || !nr || crash_kexec_post_notifiers ||
	    !kexec_crash_loaded())
		return;
	if (cdq_mode != CRASH_DMA_QUIESCE_WRITE &&
	    cdq_mode != CRASH_DMA_QUIESCE_ALL)
		return;
	if (atomic_cmpxchg(&cdq_owner, CDQ_IDLE, CDQ_EARLY) != CDQ_IDLE)
		return;

	local_irq_save(flags);
	pass = ++cdq_pass;
	lock_cycles = div_u64((u64)CDQ_EARLY_LOCK_US *
			      (tsc_khz ? tsc_khz : 1000000), 1000);
	end = rdtsc_ordered() + cdq_budget_cycles();
	for (i = 0; i < nr; i++) {
		struct crash_dma_quiesce_unit *unit = &cdq_units[i];

		/* The pass after the stop has begun: it owns the state now. */
		if (!cdq_early_enter(i)) {
			if (atomic_read(&cdq_owner) != CDQ_EARLY)
				break;
			continue;
		}
		/* The unit is complete (registration's smp_wmb()). */
		smp_rmb();
		now = rdtsc_ordered();
		if (!unit->early_changed || !unit->ops->early_begin ||
		    !unit->ops->early_end || now >= end) {
			cdq_early_leave();
			if (now >= end)
				break;
			continue;
		}
		lock_end = min_t(u64, end, now + lock_cycles);
		max_commands = 0;
		if (!unit->ops->early_begin(unit, lock_end, &max_commands)) {
			cdq_early[i].busy = 1;
			cdq_early_leave();
			continue;
		}
		ok = cdq_early_one(i, nr, pass, end, max_commands);
		unit->ops->early_end(unit);
		cdq_early_leave();
		if (ok)
			info->early_units++;
	}
	local_irq_restore(flags);
}

/* The changed bitmaps of the registered IOMMUs, for cdq_run(). */
static u64 *cdq_maps[CRASH_DMA_QUIESCE_MAX_IOMMUS];

/*
 * One line per IOMMU, into the kernel log buffer only: printk_deferred()
 * stores the line and leaves the consoles to an irq_work that never runs
 * before the jump into the capture kernel. No console driver is called
 * with the other CPUs stopped (netconsole would take a lock and send
 * through a NIC whose DMA was just blocked; a serial console costs
 * milliseconds per line); makedumpfile --dump-dmesg reads the lines from
 * the dump.
 */
static void cdq_log(const struct crash_dma_quiesce_info *info, unsigned int nr)
{
	unsigned int i;

	if (info->cpus_running)
		printk_deferred("crash_dma_quiesce: %u other CPUs did not stop: they may still change IOMMU state\n",
				info->cpus_running);

	for (i = 0; i < nr; i++) {
		const struct crash_dma_quiesce_record *rec = &info->records[i];
		const char *early = "not run";

		if (rec->flags & CRASH_DMA_QUIESCE_F_EARLY)
			early = "done";
		else if (rec->flags & CRASH_DMA_QUIESCE_F_EARLY_BUSY)
			early = "refused (driver lock or queue busy)";
		else if (cdq_early[i].ran)
			early = "invalidation incomplete";
		printk_deferred("crash_dma_quiesce: %s at %#llx: mode %s: %s; %u/%u entries changed (%u blocked), %u rejected, %u tables, %u domains, %u commands, invalidation %s, %llu cycles (%llu us), early pass %s\n",
				cdq_units[i].ops->name, rec->mmio_phys,
				cdq_mode_names[cdq_mode],
				cdq_name(cdq_state_names, ARRAY_SIZE(cdq_state_names), rec->state),
				rec->entries_changed, rec->entries_scanned,
				rec->entries_blocked,
				rec->entries_rejected, rec->tables_changed,
				rec->domains_invalidated, rec->commands,
				cdq_name(cdq_inval_names, ARRAY_SIZE(cdq_inval_names), rec->inval),
				rec->cycles, cdq_cycles_to_us(rec->cycles), early);
	}
}

/*
 * An early pass still working on an IOMMU on another CPU (one that did
 * not stop) sees the pass after the stop at its next deadline check and
 * leaves: wait for that, at most CDQ_EARLY_YIELD_US. One that does not
 * leave in time was halted by the stop NMI (or interrupted on this CPU)
 * and never resumes.
 */
static void cdq_wait_early(void)
{
	u64 end;

	if (READ_ONCE(cdq_early_unit) != CDQ_NO_UNIT) {
		end = rdtsc_ordered() +
		      div_u64((u64)CDQ_EARLY_YIELD_US *
			      (tsc_khz ? tsc_khz : 1000000), 1000);
		while (READ_ONCE(cdq_early_unit) != CDQ_NO_UNIT &&
		       rdtsc_ordered() < end)
			cpu_relax();
	}
	/* What it wrote before it left. */
	smp_rmb();
}

/**
 * crash_dma_quiesce() - revoke IOMMU DMA permission on the crash path
 *
 * Called from native_machine_crash_shutdown() with interrupts off and the
 * other CPUs stopped. Takes no lock, allocates nothing and gives up on each
 * IOMMU once its share of the crash_dma_quiesce_budget= time budget has run
 * out.
 * Translation stays enabled (unless crash_dma_quiesce=disable). The result
 * is left in crash_dma_quiesce_info and summarised by one line per IOMMU in
 * the kernel log buffer only (printk_deferred(): the consoles are not
 * called after the other CPUs were stopped, makedumpfile --dump-dmesg
 * reads the lines from the dump).
 *
 * A CPU that did not answer the stop NMI within nmi_shootdown_cpus()'s
 * one second may still run: it is counted in
 * crash_dma_quiesce_info.cpus_running. The vendor routines then stay safe
 * (every table update is one compare-and-exchange of a value derived
 * from what is in memory, and only clears permission), but such a CPU
 * may re-grant a permission or queue commands of its own afterwards.
 */
void crash_dma_quiesce(void)
{
	struct crash_dma_quiesce_info *info = &crash_dma_quiesce_info;
	unsigned int i, nr = READ_ONCE(info->nr_records);
	unsigned int others = num_online_cpus() - 1;
	unsigned int stopped = atomic_read(&cdq_cpus_stopped);
	u64 start = rdtsc_ordered();

	info->quiesce_begin = start;
	info->mode = cdq_mode;
	info->budget_us = cdq_budget_us;
	info->tsc_khz = tsc_khz;
	info->cpus_running = stopped < others ? others - stopped : 0;
	if (cdq_mode == CRASH_DMA_QUIESCE_OFF || !nr) {
		info->quiesce_end = rdtsc_ordered();
		return;
	}
	/*
	 * Unconditionally: an early pass stopped half-way by the stop NMI
	 * (or still running on a CPU that did not stop) gives way here.
	 */
	atomic_set(&cdq_owner, CDQ_LATE);
	/* Pairs with cdq_early_enter() and the smp_wmb() of cdq_early_one(). */
	smp_mb();
	cdq_wait_early();

	for (i = 0; i < nr; i++)
		cdq_maps[i] = cdq_units[i].changed;
	cdq_run(cdq_mode, false, info->records, cdq_maps, nr, cdq_early);
	info->total_cycles = rdtsc_ordered() - start;
	info->ran = 1;

	cdq_log(info, nr);
	info->quiesce_end = rdtsc_ordered();
}

/**
 * crash_dma_quiesce_shutdown_begin() - stamp the start of the crash shutdown
 *
 * Called first thing in native_machine_crash_shutdown(). Stores the TSC in
 * crash_dma_quiesce_info.shutdown_begin, so that a dump reader can put the
 * crash path's cycles against the whole shutdown. One store, no lock.
 */
void crash_dma_quiesce_shutdown_begin(void)
{
	crash_dma_quiesce_info.shutdown_begin = rdtsc_ordered();
}

/**
 * crash_dma_quiesce_shutdown_end() - stamp the end of the crash shutdown
 *
 * Called last thing in native_machine_crash_shutdown(), after the CPU state
 * was saved and before machine_kexec() starts the capture kernel. Stores the
 * TSC in crash_dma_quiesce_info.shutdown_end. One store, no lock.
 */
void crash_dma_quiesce_shutdown_end(void)
{
	crash_dma_quiesce_info.shutdown_end = rdtsc_ordered();
}

static int __init cdq_vmcoreinfo_init(void)
{
	/*
	 * Appended before any kexec -p load takes its safe copy of the
	 * vmcoreinfo data. The kernel's own lines leave less than 1 KiB of
	 * the VMCOREINFO_BYTES note, and vmcoreinfo_append_str() truncates
	 * silently: export the address, the layout version and the sizes
	 * (a reader checks them against include/linux/crash_dma_quiesce.h)
	 * and the offsets a reader needs to reach the per-IOMMU data.
	 */
	mutex_lock(&cdq_mutex);
	cdq_info_init();
	mutex_unlock(&cdq_mutex);
	VMCOREINFO_SYMBOL(crash_dma_quiesce_info);
	VMCOREINFO_NUMBER(CRASH_DMA_QUIESCE_VERSION);
	VMCOREINFO_STRUCT_SIZE(crash_dma_quiesce_info);
	VMCOREINFO_STRUCT_SIZE(crash_dma_quiesce_record);
	VMCOREINFO_OFFSET(crash_dma_quiesce_info, records);
	VMCOREINFO_OFFSET(crash_dma_quiesce_record, root_phys);
	VMCOREINFO_OFFSET(crash_dma_quiesce_record, changed_phys);
	return 0;
}

/* Runs before the vendors' late initcalls (kernel/ links before drivers/). */
late_initcall(cdq_vmcoreinfo_init);

#ifdef CONFIG_DEBUG_FS
static void cdq_show_sids(struct seq_file *m, const u64 *map)
{
	unsigned int sid, n = 0;

	for (sid = 0; sid < CRASH_DMA_QUIESCE_NR_SIDS; sid++) {
		if (!(map[sid / 64] & BIT_ULL(sid % 64)))
			continue;
		seq_printf(m, "%s%02x:%02x.%x", n++ % 8 ? " " : "\n    ",
			   sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	}
	seq_puts(m, n ? "\n" : " none\n");
}

/*
 * A crash-path pass in dry-run mode: the vendor routines walk the live
 * tables read-only and count what a crash would change.
 */
static int cdq_dry_run_show(struct seq_file *m, void *unused)
{
	enum crash_dma_quiesce_mode walk = cdq_mode == CRASH_DMA_QUIESCE_ALL ?
		CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE;
	struct crash_dma_quiesce_record *recs;
	u64 **maps;
	unsigned int i, nr;
	int ret = -ENOMEM;

	mutex_lock(&cdq_mutex);
	/* Not while a crash owns the vendors' state. */
	if (atomic_cmpxchg(&cdq_owner, CDQ_IDLE, CDQ_DRY_RUN) != CDQ_IDLE) {
		mutex_unlock(&cdq_mutex);
		return -EBUSY;
	}
	nr = cdq_nr_units;
	recs = kvcalloc(nr ? nr : 1, sizeof(*recs), GFP_KERNEL);
	maps = kvcalloc(nr ? nr : 1, sizeof(*maps), GFP_KERNEL);
	if (!recs || !maps)
		goto out;
	for (i = 0; i < nr; i++) {
		maps[i] = kvzalloc(CDQ_MAP_BYTES, GFP_KERNEL);
		if (!maps[i])
			goto out;
	}
	cdq_run(walk, true, recs, maps, nr, NULL);

	seq_printf(m, "mode: %s\nbudget_us: %u\nearly: %s\niommus: %u\n",
		   cdq_mode_names[cdq_mode], cdq_budget_us,
		   cdq_early_on ? "on" : "off", nr);
	if (crash_dma_quiesce_info.nr_unregistered)
		seq_printf(m, "not registered (left unchanged on a crash): %u\n",
			   crash_dma_quiesce_info.nr_unregistered);
	if (cdq_mode == CRASH_DMA_QUIESCE_OFF)
		seq_puts(m, "note: mode off, a crash changes nothing; showing what mode write would change\n");
	if (cdq_mode == CRASH_DMA_QUIESCE_DISABLE)
		seq_puts(m, "note: mode disable, a crash turns translation off; showing what mode write would change\n");
	for (i = 0; i < nr; i++) {
		const struct crash_dma_quiesce_record *rec = &recs[i];

		seq_printf(m, "iommu %u: %s mmio %#llx table %#llx size %u\n",
			   i, cdq_units[i].ops->name, rec->mmio_phys,
			   rec->root_phys, rec->root_size);
		seq_printf(m, "  state: %s\n",
			   cdq_name(cdq_state_names, ARRAY_SIZE(cdq_state_names), rec->state));
		seq_printf(m, "  entries scanned: %u\n  would change: %u\n  would block (reads too): %u\n  would reject: %u\n  tables: %u\n  domains: %u\n  walk us: %llu\n",
			   rec->entries_scanned, rec->entries_changed,
			   rec->entries_blocked,
			   rec->entries_rejected, rec->tables_changed,
			   rec->domains_invalidated, cdq_cycles_to_us(rec->cycles));
		seq_puts(m, "  would lose write:");
		cdq_show_sids(m, maps[i]);
	}
	ret = 0;
out:
	atomic_cmpxchg(&cdq_owner, CDQ_DRY_RUN, CDQ_IDLE);
	mutex_unlock(&cdq_mutex);
	for (i = 0; maps && i < nr; i++)
		kvfree(maps[i]);
	kvfree(maps);
	kvfree(recs);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(cdq_dry_run);

static int __init cdq_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("crash_dma_quiesce", NULL);

	debugfs_create_file("dry_run", 0400, dir, NULL, &cdq_dry_run_fops);
	return 0;
}
late_initcall(cdq_debugfs_init);
#endif
