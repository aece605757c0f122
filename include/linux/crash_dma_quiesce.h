/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crash-path IOMMU DMA quiesce.
 *
 * When the kernel crashes into a kdump capture kernel, devices may still be
 * doing DMA through the IOMMU with every old mapping writable. The crash path
 * revokes DMA write permission in every device table entry (AMD-Vi) or
 * context entry (VT-d), invalidates the IOMMU caches and leaves translation
 * enabled, so that in-flight DMA faults instead of landing in memory.
 *
 * Generic part: kernel/crash_dma_quiesce.c. Vendor parts:
 * drivers/iommu/amd/crash_quiesce.c and drivers/iommu/intel/crash_quiesce.c.
 */
#ifndef _LINUX_CRASH_DMA_QUIESCE_H
#define _LINUX_CRASH_DMA_QUIESCE_H

#include <linux/bits.h>
#include <linux/types.h>

/*
 * IOMMUs the crash path can handle and record: Linux 6.1's own limits are
 * 1024 VT-d units (DMAR_UNITS_SUPPORTED) and 32 AMD-Vi IOMMUs (MAX_IOMMUS),
 * which the vendor files check at build time, so that no IOMMU a driver
 * knows is left out.
 */
#define CRASH_DMA_QUIESCE_MAX_IOMMUS	1024
/* Source ids (PCI requester id, AMD DeviceID): 16 bits. */
#define CRASH_DMA_QUIESCE_NR_SIDS	65536
/* 64-bit words of one changed bitmap (8 KiB). */
#define CRASH_DMA_QUIESCE_MAP_WORDS	(CRASH_DMA_QUIESCE_NR_SIDS / 64)

#define CRASH_DMA_QUIESCE_MAGIC		0x51414d44	/* "DMAQ" */
#define CRASH_DMA_QUIESCE_VERSION	4

/**
 * enum crash_dma_quiesce_mode - what the crash path does to the IOMMUs
 * @CRASH_DMA_QUIESCE_OFF: nothing (Linux 6.1 behaviour)
 * @CRASH_DMA_QUIESCE_WRITE: revoke DMA write permission, keep reads
 * @CRASH_DMA_QUIESCE_ALL: revoke DMA read and write permission
 * @CRASH_DMA_QUIESCE_DISABLE: turn translation off (kept for comparisons:
 *	in-flight DMA then reaches raw physical addresses)
 */
enum crash_dma_quiesce_mode {
	CRASH_DMA_QUIESCE_OFF,
	CRASH_DMA_QUIESCE_WRITE,
	CRASH_DMA_QUIESCE_ALL,
	CRASH_DMA_QUIESCE_DISABLE,
};

/**
 * enum crash_dma_quiesce_vendor - IOMMU architecture of a record
 * @CRASH_DMA_QUIESCE_AMD: AMD-Vi
 * @CRASH_DMA_QUIESCE_INTEL: Intel VT-d
 */
enum crash_dma_quiesce_vendor {
	CRASH_DMA_QUIESCE_AMD = 1,
	CRASH_DMA_QUIESCE_INTEL = 2,
};

/**
 * enum crash_dma_quiesce_state - outcome of the table walk on one IOMMU
 * @CRASH_DMA_QUIESCE_NOT_RUN: the crash path did not reach this IOMMU
 * @CRASH_DMA_QUIESCE_DONE: every entry handled
 * @CRASH_DMA_QUIESCE_TRANSLATION_OFF: translation was off, nothing to do
 * @CRASH_DMA_QUIESCE_UNSUPPORTED: table format not handled (VT-d abort-DMA
 *	translation table mode); left unchanged
 * @CRASH_DMA_QUIESCE_BAD_ROOT: device table or root table pointer unusable;
 *	left unchanged
 * @CRASH_DMA_QUIESCE_PARTIAL: some entries were rejected (bad table
 *	pointers or reserved bits); the rest were handled
 * @CRASH_DMA_QUIESCE_TIMEOUT: the time budget ran out during the walk
 * @CRASH_DMA_QUIESCE_DISABLED: translation turned off (mode disable)
 * @CRASH_DMA_QUIESCE_NO_MEMORY: registration found no memory for the
 *	IOMMU's changed bitmap at boot: not handled, left unchanged
 * @CRASH_DMA_QUIESCE_REMOVED: the IOMMU was hot-removed (DMAR unit
 *	hot-unplug): no longer handled
 */
enum crash_dma_quiesce_state {
	CRASH_DMA_QUIESCE_NOT_RUN,
	CRASH_DMA_QUIESCE_DONE,
	CRASH_DMA_QUIESCE_TRANSLATION_OFF,
	CRASH_DMA_QUIESCE_UNSUPPORTED,
	CRASH_DMA_QUIESCE_BAD_ROOT,
	CRASH_DMA_QUIESCE_PARTIAL,
	CRASH_DMA_QUIESCE_TIMEOUT,
	CRASH_DMA_QUIESCE_DISABLED,
	CRASH_DMA_QUIESCE_NO_MEMORY,
	CRASH_DMA_QUIESCE_REMOVED,
};

/**
 * enum crash_dma_quiesce_inval - outcome of the cache invalidation
 * @CRASH_DMA_QUIESCE_INV_NONE: not attempted (nothing changed, or dry run)
 * @CRASH_DMA_QUIESCE_INV_OK: completion observed
 * @CRASH_DMA_QUIESCE_INV_TIMEOUT: no completion within the budget
 * @CRASH_DMA_QUIESCE_INV_ERROR: the hardware reported an error
 *	(e.g. VT-d invalidation queue error)
 * @CRASH_DMA_QUIESCE_INV_UNAVAILABLE: no usable invalidation interface
 *	(command buffer disabled, queue full for the whole budget, ...)
 */
enum crash_dma_quiesce_inval {
	CRASH_DMA_QUIESCE_INV_NONE,
	CRASH_DMA_QUIESCE_INV_OK,
	CRASH_DMA_QUIESCE_INV_TIMEOUT,
	CRASH_DMA_QUIESCE_INV_ERROR,
	CRASH_DMA_QUIESCE_INV_UNAVAILABLE,
};

/* crash_dma_quiesce_record.flags */
#define CRASH_DMA_QUIESCE_F_QI		BIT(0) /* VT-d queued invalidation */
#define CRASH_DMA_QUIESCE_F_INV_ALL	BIT(1) /* AMD INVALIDATE_ALL used */
#define CRASH_DMA_QUIESCE_F_DRY_RUN	BIT(2) /* nothing was written */
#define CRASH_DMA_QUIESCE_F_IDENTITY	BIT(3) /* VT-d pass-through rewritten */
/* Translated (ATS) requests turned off: VT-d TT 01b -> 00b, AMD DTE I cleared */
#define CRASH_DMA_QUIESCE_F_ATS_OFF	BIT(4)
/* AMD: the completion store went to the completion-wait write-back range */
#define CRASH_DMA_QUIESCE_F_CWWB	BIT(5)
/* The IOMMU does not snoop: CPU caches written back over every change */
#define CRASH_DMA_QUIESCE_F_FLUSHED	BIT(6)
/* VT-d scalable mode: root entries point to scalable-mode context tables */
#define CRASH_DMA_QUIESCE_F_SCALABLE	BIT(7)
/*
 * The early pass (crash_dma_quiesce_early(), at panic entry, before the
 * other CPUs were stopped) revoked permission on this IOMMU and ran its
 * invalidation; the counts of this record include what it changed
 */
#define CRASH_DMA_QUIESCE_F_EARLY	BIT(8)
/*
 * The early pass left this IOMMU alone: its driver's lock stayed held, or
 * the driver's queue was in no state to share (VT-d: an invalidation queue,
 * time-out or completion error pending, or too few free slots)
 */
#define CRASH_DMA_QUIESCE_F_EARLY_BUSY	BIT(9)

/**
 * struct crash_dma_quiesce_record - what the crash path did to one IOMMU
 * @magic: CRASH_DMA_QUIESCE_MAGIC once the IOMMU was registered at boot
 * @vendor: enum crash_dma_quiesce_vendor
 * @state: enum crash_dma_quiesce_state
 * @inval: enum crash_dma_quiesce_inval
 * @mode: enum crash_dma_quiesce_mode in force
 * @mmio_phys: physical address of the IOMMU register block
 * @root_phys: device table (AMD) or root table (VT-d) address read from the
 *	IOMMU registers at the crash
 * @root_size: device table size in bytes (AMD) or 4096 (VT-d root table)
 * @entries_scanned: DTEs (AMD) or present context entries (VT-d) examined
 * @entries_changed: entries whose permission the crash path reduced (VT-d
 *	scalable mode: devices of which at least one PASID entry lost write
 *	permission)
 * @entries_rejected: entries left alone because what they point to failed
 *	validation
 * @tables_changed: VT-d top-level second-level (and, in scalable mode,
 *	first-level) tables written
 * @domains_invalidated: domain ids whose IOTLB entries were invalidated
 * @commands: invalidation commands or descriptors submitted
 * @flags: CRASH_DMA_QUIESCE_F_*
 * @cycles: TSC cycles spent on this IOMMU
 * @changed_phys: physical address of the changed bitmap of this IOMMU,
 *	CRASH_DMA_QUIESCE_NR_SIDS bits (8 KiB, physically contiguous,
 *	allocated at registration): by source id (bus << 8 | devfn), the
 *	entries that lost write permission in the last pass; bit n is bit
 *	(n % 64) of little-endian 64-bit word n / 64
 * @entries_blocked: devices (source ids) of which at least one entry
 *	now blocks reads too although the mode is write: VT-d scalable-mode
 *	first-level PASID entries, made not present because the crash path
 *	never writes a first-level table (it may be a CPU page table); AMD
 *	V=1, TV=0 DTEs rewritten on an IOMMU with SNP enabled, which
 *	prohibits DTE Mode 0 with TV=1. Counted in @entries_changed too.
 *	(Version 4.)
 * @reserved: zero
 *
 * Lives in static memory; a dump reader finds it through vmcoreinfo
 * (SYMBOL(crash_dma_quiesce_info), SIZE() and OFFSET() lines).
 */
struct crash_dma_quiesce_record {
	u32 magic;
	u8 vendor;
	u8 state;
	u8 inval;
	u8 mode;
	u64 mmio_phys;
	u64 root_phys;
	u32 root_size;
	u32 entries_scanned;
	u32 entries_changed;
	u32 entries_rejected;
	u32 tables_changed;
	u32 domains_invalidated;
	u32 commands;
	u32 flags;
	u64 cycles;
	u64 changed_phys;
	u32 entries_blocked;
	u32 reserved;
};

/**
 * struct crash_dma_quiesce_info - the exported result of the crash path
 * @magic: CRASH_DMA_QUIESCE_MAGIC
 * @version: CRASH_DMA_QUIESCE_VERSION
 * @mode: enum crash_dma_quiesce_mode in force
 * @nr_records: IOMMUs registered (records[0 .. nr_records - 1] are valid)
 * @budget_us: time budget of the whole crash path, microseconds
 * @tsc_khz: TSC frequency, to turn cycles into time
 * @ran: non-zero once the crash path ran
 * @nr_unregistered: IOMMUs whose registration failed at boot: the crash
 *	path does not handle them. Each has a record with state
 *	CRASH_DMA_QUIESCE_NO_MEMORY (no memory for its bitmap), unless no
 *	record was left; each was logged at boot with its register address
 * @cpus_running: other CPUs that had not reported stopped (kdump NMI
 *	callback) when the crash path began; non-zero means another CPU may
 *	still run, e.g. re-grant a permission or queue commands of its own
 * @early_units: IOMMUs the early pass (crash_dma_quiesce_early())
 *	handled before the other CPUs were stopped (records with
 *	CRASH_DMA_QUIESCE_F_EARLY); 0 when it did not run
 * @total_cycles: TSC cycles of the whole crash path
 * @shutdown_begin: TSC at the entry of native_machine_crash_shutdown()
 *	(0: the architecture does not stamp it)
 * @quiesce_begin: TSC at the entry of crash_dma_quiesce()
 * @quiesce_end: TSC when crash_dma_quiesce() returns, after its log lines
 *	(stored in the log buffer, not printed to the consoles)
 * @shutdown_end: TSC at the end of native_machine_crash_shutdown(), just
 *	before the jump to the capture kernel is prepared
 * @records: one per IOMMU
 *
 * The four stamps place the crash path inside the crash shutdown:
 * @total_cycles / (@shutdown_end - @shutdown_begin) is its share of it.
 */
struct crash_dma_quiesce_info {
	u32 magic;
	u32 version;
	u32 mode;
	u32 nr_records;
	u32 budget_us;
	u32 tsc_khz;
	u32 ran;
	u32 nr_unregistered;
	u32 cpus_running;
	u32 early_units;
	u64 total_cycles;
	u64 shutdown_begin;
	u64 quiesce_begin;
	u64 quiesce_end;
	u64 shutdown_end;
	struct crash_dma_quiesce_record records[CRASH_DMA_QUIESCE_MAX_IOMMUS];
};

struct crash_dma_quiesce_unit;

/**
 * struct crash_dma_quiesce_ctx - parameters of one quiesce pass
 * @mode: what to revoke (never CRASH_DMA_QUIESCE_OFF here)
 * @dry_run: walk and count only; write no table, register or command
 * @deadline: TSC value after which the pass must give up on the IOMMU at
 *	hand (its share of what is left of the budget)
 * @pass: number of the pass, different for every pass since boot (vendors
 *	use it to tell state of the current pass from that of an earlier one)
 * @index: position of the IOMMU at hand in this pass (0, 1, ...)
 * @changed: the changed bitmap of the IOMMU at hand
 *	(CRASH_DMA_QUIESCE_MAP_WORDS words, zeroed by the core before the
 *	vendor routine runs): the vendor sets the bit of every source id
 *	whose entry lost write permission in this pass
 * @carried: NULL, or (the pass after the stop) the source ids whose
 *	entries in the tables of the IOMMU at hand already lost write
 *	permission in the early pass (CRASH_DMA_QUIESCE_MAP_WORDS words).
 *	This pass finds those entries unchanged, yet the IOMMU may still
 *	cache them writable: the vendor invalidates them as if this pass
 *	had changed them (VT-d invalidates globally in any case). The core
 *	adds them to @changed afterwards and counts the union in the
 *	record's entries_changed
 * @max_commands: when non-zero, queue at most this many invalidation
 *	commands or descriptors (the early pass shares the queue with a
 *	running driver, see crash_dma_quiesce_ops.early_begin); a vendor
 *	changes no more entries than it can then invalidate and leaves the
 *	rest to the pass after the stop
 * @early: the early pass (crash_dma_quiesce_early()): it gives way, as
 *	if its deadline had passed, as soon as the pass after the stop
 *	begins (crash_dma_quiesce_expired())
 */
struct crash_dma_quiesce_ctx {
	enum crash_dma_quiesce_mode mode;
	bool dry_run;
	bool early;
	u64 deadline;
	u32 pass;
	unsigned int index;
	u64 *changed;
	const u64 *carried;
	u32 max_commands;
};

/**
 * struct crash_dma_quiesce_ops - what a vendor implements
 * @name: short name for log lines ("AMD-Vi", "DMAR")
 * @quiesce: run one pass on @unit and fill @rec. Called on the crash path
 *	with the other CPUs stopped and interrupts off, from the early pass
 *	at panic entry (interrupts off, @early_begin succeeded) and from the
 *	debugfs dry run with @ctx->dry_run set. Must not allocate, sleep or take
 *	locks; must read the live state from the IOMMU registers; must stop
 *	at @ctx->deadline; must survive garbage in the tables.
 * @read_root: fill @rec->root_phys and @rec->root_size from the IOMMU
 *	registers, nothing else. Called at registration, so that the record
 *	locates the tables even when the crash path does nothing (mode off),
 *	and at the start of every pass, before @quiesce, which may rely on
 *	these two fields. Same rules as @quiesce.
 * @early_begin: optional. For the early pass, run while the other CPUs
 *	still run the IOMMU driver: take the driver's lock that serialises
 *	its invalidation submissions to this IOMMU, trying until the TSC
 *	reaches @deadline (never waiting beyond it), and set @max_commands
 *	(0: no limit) to what the driver's queue bookkeeping can absorb.
 *	While it is held nothing else writes to the queue, and a table the
 *	walk reaches stays allocated: the drivers free root, context, PASID
 *	and top-level page tables only after the invalidation that drops
 *	them from the IOMMU's caches, which needs this lock, and the AMD
 *	device table is never freed. (One 6.1 path frees without an
 *	invalidation: prepare_domain_attach_device() drops the top levels
 *	of a domain being attached to a VT-d unit with a narrower address
 *	width; a unit the domain is already attached to still points at the
 *	freed page, and the walk may clear W bits in it if it still
 *	validates as a second-level table.) Return true when the lock is
 *	held.
 * @early_end: undo @early_begin after the early pass over @unit: bring
 *	the driver's view of its queue in line with the registers (the
 *	pass queued commands behind its back) and release the lock.
 */
struct crash_dma_quiesce_ops {
	const char *name;
	void (*quiesce)(struct crash_dma_quiesce_unit *unit,
			const struct crash_dma_quiesce_ctx *ctx,
			struct crash_dma_quiesce_record *rec);
	void (*read_root)(struct crash_dma_quiesce_unit *unit,
			  struct crash_dma_quiesce_record *rec);
	bool (*early_begin)(struct crash_dma_quiesce_unit *unit, u64 deadline,
			    u32 *max_commands);
	void (*early_end)(struct crash_dma_quiesce_unit *unit);
};

/**
 * struct crash_dma_quiesce_unit - one IOMMU as found at boot
 * @ops: vendor operations
 * @mmio: mapped register block (mapped by the IOMMU driver at boot)
 * @mmio_phys: physical address of the register block
 * @vendor: enum crash_dma_quiesce_vendor
 * @caps: capabilities the driver established at boot that the registers
 *	alone do not tell (AMD: the Extended Feature Register value Linux
 *	uses, which is the IVHD copy when it and the register differ)
 * @changed: the IOMMU's changed bitmap (CRASH_DMA_QUIESCE_MAP_WORDS words,
 *	allocated at registration; its physical address is in the record)
 * @early_changed: the early pass's changed bitmap of this IOMMU (same
 *	size, allocated with @changed)
 * @wait_slot: memory the IOMMU writes to signal invalidation completion
 *	(AMD COMPLETION_WAIT store, VT-d invalidation wait status write);
 *	naturally 8-byte aligned, as both require
 * @drv: the driver's own structure for this IOMMU (struct amd_iommu,
 *	struct intel_iommu), used only by @ops->early_begin and
 *	@ops->early_end; the crash path after the stop never reads it
 * @gone: the IOMMU was unregistered (hot-removed): @mmio and @drv may be
 *	freed; no pass touches it (crash_dma_quiesce_unregister())
 */
struct crash_dma_quiesce_unit {
	const struct crash_dma_quiesce_ops *ops;
	void __iomem *mmio;
	u64 mmio_phys;
	u8 vendor;
	bool gone;
	u64 caps;
	u64 *changed;
	u64 *early_changed;
	u64 wait_slot;
	void *drv;
};

#ifdef CONFIG_CRASH_DMA_QUIESCE
void crash_dma_quiesce_early(void);
void crash_dma_quiesce(void);
void crash_dma_quiesce_shutdown_begin(void);
void crash_dma_quiesce_shutdown_end(void);
void crash_dma_quiesce_cpu_stopped(void);
int crash_dma_quiesce_register(u8 vendor, const struct crash_dma_quiesce_ops *ops,
			       void __iomem *mmio, u64 mmio_phys, u64 caps,
			       void *drv);
void crash_dma_quiesce_unregister(u64 mmio_phys);
enum crash_dma_quiesce_mode crash_dma_quiesce_mode(void);
bool crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx);
bool crash_dma_quiesce_yielded(const struct crash_dma_quiesce_ctx *ctx);
u64 crash_dma_quiesce_split(const struct crash_dma_quiesce_ctx *ctx,
			    unsigned int parts);
bool crash_dma_quiesce_phys_ok(u64 phys, u64 size);
#else
static inline void crash_dma_quiesce_early(void) { }
static inline void crash_dma_quiesce(void) { }
static inline void crash_dma_quiesce_shutdown_begin(void) { }
static inline void crash_dma_quiesce_shutdown_end(void) { }
static inline void crash_dma_quiesce_cpu_stopped(void) { }
#endif

#endif /* _LINUX_CRASH_DMA_QUIESCE_H */
