// SPDX-License-Identifier: GPL-2.0
/*
 * Crash-path IOMMU DMA quiesce: the generic part.
 *
 * IOMMU drivers register each IOMMU at boot. When the kernel crashes into
 * a kdump capture kernel, native_machine_crash_shutdown() calls
 * crash_dma_quiesce() once the other CPUs are stopped; each vendor routine
 * then revokes DMA permission in the live tables, invalidates the IOMMU
 * caches and leaves translation enabled. This file parses the command line,
 * keeps the time budget, owns the result records (static memory, exported
 * through vmcoreinfo), logs one line per IOMMU into the kernel log buffer
 * (not to the consoles) and offers a read-only dry run in debugfs.
 */

#define pr_fmt(fmt) "crash_dma_quiesce: " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/crash_core.h>
#include <linux/crash_dma_quiesce.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
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
 *
 * Called by IOMMU drivers at boot, once per IOMMU. Registering the same
 * register block twice is harmless. Allocates the IOMMU's changed bitmap
 * (8 KiB); the crash path itself allocates nothing.
 *
 * Return: 0 on success; -ENOMEM when the bitmap cannot be allocated (the
 * IOMMU is then left unchanged on a crash; its record says so, with state
 * CRASH_DMA_QUIESCE_NO_MEMORY); -ENOSPC when CRASH_DMA_QUIESCE_MAX_IOMMUS
 * are already registered (no record at all); both are counted in
 * crash_dma_quiesce_info.nr_unregistered; -EINVAL on missing arguments.
 */
int crash_dma_quiesce_register(u8 vendor, const struct crash_dma_quiesce_ops *ops,
			       void __iomem *mmio, u64 mmio_phys, u64 caps)
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
	for (i = 0; i < cdq_nr_units; i++)
		if (cdq_units[i].mmio_phys == mmio_phys)
			goto out;
	if (cdq_nr_units == CRASH_DMA_QUIESCE_MAX_IOMMUS) {
		ret = -ENOSPC;
		goto fail;
	}
	map = (u64 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
				      get_order(CDQ_MAP_BYTES));
	if (!map)
		ret = -ENOMEM;
	unit = &cdq_units[cdq_nr_units];
	unit->ops = ops;
	unit->mmio = mmio;
	unit->mmio_phys = mmio_phys;
	unit->vendor = vendor;
	unit->caps = caps;
	unit->changed = map;

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
 * Safe on the crash path: reads the TSC only.
 *
 * Return: true once the TSC has reached @ctx->deadline.
 */
bool crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	return rdtsc_ordered() >= ctx->deadline;
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
 * Run one pass over every registered IOMMU, filling @recs[] and the
 * changed bitmaps @maps[] (one per IOMMU). Each IOMMU gets an equal share
 * of what is left of the budget when its turn comes, so that one whose
 * invalidation never completes cannot starve the IOMMUs after it; what an
 * IOMMU leaves unused goes to the later ones.
 */
static void cdq_run(enum crash_dma_quiesce_mode mode, bool dry_run,
		    struct crash_dma_quiesce_record *recs, u64 *const *maps,
		    unsigned int nr)
{
	static u32 pass;
	struct crash_dma_quiesce_ctx ctx = {
		.mode = mode,
		.dry_run = dry_run,
		.pass = ++pass,
	};
	unsigned int i;
	u64 t0, end;

	end = rdtsc_ordered() + cdq_budget_cycles();
	for (i = 0; i < nr; i++) {
		struct crash_dma_quiesce_unit *unit = &cdq_units[i];
		struct crash_dma_quiesce_record *rec = &recs[i];

		cdq_reset_record(rec, unit, mode);
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
		/* Out of time: the record keeps saying "not run". */
		t0 = rdtsc_ordered();
		if (t0 >= end)
			continue;
		ctx.deadline = t0 + div_u64(end - t0, nr - i);
		ctx.index = i;
		ctx.changed = maps[i];
		unit->ops->quiesce(unit, &ctx, rec);
		rec->cycles = rdtsc_ordered() - t0;
	}
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

		printk_deferred("crash_dma_quiesce: %s at %#llx: mode %s: %s; %u/%u entries changed, %u rejected, %u tables, %u domains, %u commands, invalidation %s, %llu cycles (%llu us)\n",
				cdq_units[i].ops->name, rec->mmio_phys,
				cdq_mode_names[cdq_mode],
				cdq_name(cdq_state_names, ARRAY_SIZE(cdq_state_names), rec->state),
				rec->entries_changed, rec->entries_scanned,
				rec->entries_rejected, rec->tables_changed,
				rec->domains_invalidated, rec->commands,
				cdq_name(cdq_inval_names, ARRAY_SIZE(cdq_inval_names), rec->inval),
				rec->cycles, cdq_cycles_to_us(rec->cycles));
	}
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

	for (i = 0; i < nr; i++)
		cdq_maps[i] = cdq_units[i].changed;
	cdq_run(cdq_mode, false, info->records, cdq_maps, nr);
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
	cdq_run(walk, true, recs, maps, nr);

	seq_printf(m, "mode: %s\nbudget_us: %u\niommus: %u\n",
		   cdq_mode_names[cdq_mode], cdq_budget_us, nr);
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
		seq_printf(m, "  entries scanned: %u\n  would change: %u\n  would reject: %u\n  tables: %u\n  domains: %u\n  walk us: %llu\n",
			   rec->entries_scanned, rec->entries_changed,
			   rec->entries_rejected, rec->tables_changed,
			   rec->domains_invalidated, cdq_cycles_to_us(rec->cycles));
		seq_puts(m, "  would lose write:");
		cdq_show_sids(m, maps[i]);
	}
	ret = 0;
out:
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
