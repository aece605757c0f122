/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace model of the AMD-Vi and VT-d IOMMUs that drives the real
 * crash-path sources (kernel/crash_dma_quiesce.c and
 * drivers/iommu/{amd,intel}/crash_quiesce.c) through the shims of
 * tests/model/include. See tests/model/README.md.
 *
 * The model decodes what the code writes from the specifications' bit
 * positions (literal numbers next to their section), never through the
 * kernel's crash_quiesce_hw.h macros or encoders, so that it stays an
 * independent oracle.
 */
#ifndef _MODEL_H
#define _MODEL_H
#include <linux/types.h>
#include <linux/crash_dma_quiesce.h>

/* ------------------------------------------------------------------
 * Clock. One model cycle is one TSC cycle; tsc_khz is MODEL_TSC_KHZ
 * (1 GHz: one cycle is one nanosecond). The costs make the crash path's
 * time deterministic.
 */
#define MODEL_TSC_KHZ		1000000U
#define MODEL_MMIO_CYCLES	500	/* each readl/readq/writel/writeq */
#define MODEL_RELAX_CYCLES	40	/* each cpu_relax() */
#define MODEL_TSC_CYCLES	30	/* each rdtsc_ordered() */
/* One iteration of a polling loop: a register read, a TSC read, a pause. */
#define MODEL_POLL_STEP	(MODEL_MMIO_CYCLES + MODEL_TSC_CYCLES + MODEL_RELAX_CYCLES)

extern u64 model_now;

/**
 * model_advance() - let model time pass
 * @cycles: TSC cycles
 *
 * Runs every IOMMU's clock-driven work (command processing, delayed
 * completions) up to the new time.
 */
void model_advance(u64 cycles);

/* ------------------------------------------------------------------
 * Physical memory: MODEL_RAM_SIZE bytes of RAM at MODEL_RAM_BASE, the top
 * MODEL_CRASHK_SIZE of it the crashkernel region. Kernel static data that
 * the code hands to a device (unit->wait_slot) gets an address in a
 * separate window at MODEL_KIMG_BASE when virt_to_phys() sees it.
 */
#define MODEL_RAM_BASE		0x100000ULL
#define MODEL_RAM_SIZE		(16ULL << 20)
#define MODEL_CRASHK_SIZE	(4ULL << 20)
#define MODEL_CRASHK_BASE	(MODEL_RAM_BASE + MODEL_RAM_SIZE - MODEL_CRASHK_SIZE)
#define MODEL_KIMG_BASE		(64ULL << 30)

/**
 * model_alloc_page() - a zeroed 4 KiB page of model RAM
 *
 * Below the crashkernel region. Aborts the program when RAM is exhausted.
 *
 * Return: its physical address.
 */
u64 model_alloc_page(void);

/**
 * model_mem() - host pointer to a range of model physical memory
 * @phys: physical address
 * @len: bytes
 *
 * Return: the pointer, or NULL when [@phys, @phys + @len) is neither model
 * RAM nor one registered kernel object.
 */
void *model_mem(u64 phys, u64 len);

/**
 * model_unmap_page() - take a RAM page out of the kernel's direct map
 * @phys: the page
 * @readonly: keep it mapped read-only instead
 *
 * pfn_valid() and the e820 map still call it RAM (as with DEBUG_PAGEALLOC
 * or secretmem); lookup_address() reports it not present (or not
 * writable), and any access through phys_to_virt() faults (the page is
 * mprotect()ed), killing the scenario.
 */
void model_unmap_page(u64 phys, bool readonly);

/* 64-bit load / store at a physical address of model RAM (aborts outside). */
u64 model_rd64(u64 phys);
void model_wr64(u64 phys, u64 val);

/**
 * model_dma_store() - a store initiated by an IOMMU (completion write)
 * @phys: target physical address
 * @val: value (little-endian)
 * @len: 4 or 8 bytes
 *
 * Return: false, and model_dma_errors counted, when @phys is not memory.
 */
bool model_dma_store(u64 phys, u64 val, unsigned int len);
extern unsigned int model_dma_errors;

/* ------------------------------------------------------------------
 * Register files. Each modelled IOMMU owns a register window; readl() etc.
 * on an address inside it call the IOMMU's handlers at offset @off.
 */
struct model_mmio_ops {
	u64 (*read)(void *hw, u32 off, unsigned int size);
	void (*write)(void *hw, u32 off, u64 val, unsigned int size);
	void (*tick)(void *hw);		/* model time moved on */
};

/**
 * model_mmio_map() - create the register window of one IOMMU
 * @ops: handlers
 * @hw: passed to the handlers
 * @size: window size in bytes
 * @phys: out: a physical address for the window (for the records)
 *
 * At most 24 windows.
 *
 * Return: the mapped address the code will use as its mmio pointer.
 */
void __iomem *model_mmio_map(const struct model_mmio_ops *ops, void *hw,
			     u32 size, u64 *phys);
/* Accesses outside every window, or with a bad size / alignment. */
extern unsigned int model_mmio_errors;

/* ------------------------------------------------------------------
 * Kernel glue and test running.
 */
extern struct crash_dma_quiesce_info crash_dma_quiesce_info;
extern unsigned int model_clflushes;
/* Lines printed to the consoles / stored only in the log buffer. */
extern unsigned int model_console_lines, model_log_lines;
/* CPUs online (num_online_cpus()); 1 unless a scenario says otherwise. */
extern unsigned int model_cpus;
/*
 * __get_free_pages() fails once this many calls have succeeded (-1:
 * never): the crash path's bitmaps are its only callers.
 */
extern int model_alloc_fail_after;
extern int model_verbose;
/*
 * Set by a scenario that gives the early pass fewer invalidation queue
 * slots than the entries it changes need: the early pass may then leave
 * entries to the pass after the stop, and its completeness is not
 * claimed (the pass after the stop's is).
 */
extern bool model_early_queue_short;
extern unsigned long long max_possible_pfn;
extern struct resource crashk_low_res;

/* Run the late_initcall()s (the core's, then the vendor's registration). */
void model_run_initcalls(void);
/* Run an early_param() handler by its command-line name. Return: its result. */
int model_set_param(const char *name, const char *value);

/**
 * struct model_pass - what one crash-path pass took
 * @t0: model time before crash_dma_quiesce()
 * @elapsed: model cycles crash_dma_quiesce() took
 * @budget: the budget in cycles (crash_dma_quiesce_info.budget_us at 1 GHz)
 * @console_lines: lines crash_dma_quiesce() printed to the consoles
 * @log_lines: lines it stored in the log buffer only (printk_deferred())
 */
struct model_pass {
	u64 t0;
	u64 elapsed;
	u64 budget;
	unsigned int console_lines;
	unsigned int log_lines;
};

/*
 * Run crash_dma_quiesce() once, timed by the model clock, inside the
 * whole-state oracles (see model_early()).
 */
struct model_pass model_crash(void);

/**
 * model_early() - run crash_dma_quiesce_early() inside the oracles
 *
 * Like model_crash(), every crash-path pass goes through the whole-state
 * oracles of tests/oracle (README.md, "Whole-state oracles"): model
 * memory is copied before the pass and compared after it (write set:
 * every changed word lies in a page only the IOMMU uses and makes a
 * documented transition), and every modelled IOMMU's tables are checked
 * for completeness (no valid present entry still grants write, or any
 * access in mode all) as far as the pass claims it: the record's state
 * after the stop; for the early pass, which exports no record, every
 * IOMMU whose table pointer register the pass read, unless a deadline
 * expired before its turn ended. An IOMMU the pass left alone must have
 * its tables untouched. Each adds check rows to the scenario.
 *
 * Return: model cycles the early pass took.
 */
u64 model_early(void);

/**
 * model_page_role() - declare what a page of model RAM is
 * @phys: any address in the page
 * @roles: enum oracle_role bits (tests/oracle/oracle.h), added to what the
 *	page had: OR_CPU_PT for a CPU page table (an SVA-bound mm's pgd,
 *	swapper_pg_dir: never written by the crash path), OR_DATA for a data
 *	page (the same, and the default for an untagged page)
 *
 * The oracles also derive roles themselves, before each pass, by walking
 * each modelled IOMMU's tables from its registers.
 */
void model_page_role(u64 phys, u32 roles);

/**
 * model_driver_store() - a store by the scenario's "driver" during a pass
 * @p: the word (a pointer into model RAM)
 * @val: the value
 *
 * For hooks that play another CPU (test_cmpxchg_hook): the write-set
 * oracle compares the crash path's changes with the value the driver
 * stored, not with the memory before the pass, and the completeness
 * oracle counts an AMD DTE the driver rewrote as one the crash path could
 * not use; each such store is printed as exempt.
 */
void model_driver_store(u64 *p, u64 val);

/*
 * The modelled IOMMUs, for the oracles (model_amd.c and model_vtd.c add
 * theirs when created). @blocked: devices whose entries refused reads
 * after the pass although they allowed them before the first pass (mode
 * write); @snp: the IOMMU reports SNPSup (its count may be larger).
 */
struct oracle_mem;
struct oracle_result;
typedef void (*model_role_fn)(void *priv, uint64_t phys, uint32_t role);
struct model_iommu_ops {
	void (*roles)(void *hw, const struct oracle_mem *m, model_role_fn add,
		      void *priv);
	void (*complete)(void *hw, const struct oracle_mem *m, int mode,
			 bool (*raced)(void *priv, uint64_t phys),
			 struct oracle_result *r);
	unsigned int (*blocked)(void *hw, const struct oracle_mem *before,
				const struct oracle_mem *after);
	bool (*snp)(void *hw);
};

/**
 * model_iommu_add() - make a modelled IOMMU known to the oracles
 * @ops: its callbacks
 * @hw: its model
 * @mmio_phys: its register window (records are matched by it)
 * @table_reads: counter its register file increments when the table
 *	pointer register (AMD Device Table Base, VT-d RTADDR_REG) is read
 */
void model_iommu_add(const struct model_iommu_ops *ops, void *hw,
		     u64 mmio_phys, const u32 *table_reads);

/*
 * Slack allowed past the budget: the deadline can pass during the last
 * iteration of a polling loop (at most three register accesses, in the
 * VT-d full-queue loop) and the core reads one register (read_root) per
 * IOMMU it then skips. Four poll steps, 2.3 us at 1 GHz.
 */
#define MODEL_SLACK		(4 * MODEL_POLL_STEP)

/**
 * model_scenario() - run one scenario in a child process
 * @name: prefix of its check names
 * @fn: the scenario; its checks print rows "ok <name>-<check>" or
 *	"not ok ..." (check.h)
 *
 * The child starts from the state at program start (no IOMMU registered,
 * every static variable of the kernel code as at boot). The scenario is
 * one test case: "PASS <name>" when it ran checks and none failed, else
 * "FAIL <name>: ..."; so is a child that dies.
 */
void model_scenario(const char *name, void (*fn)(void));

/* "<scenario>-<check>" in a static buffer (for CHECK / CHECK_EQ). */
const char *model_name(const char *check);

/* ------------------------------------------------------------------
 * AMD-Vi model (model_amd.c), AMD IOMMU Specification 48882.
 */
#define AMD_M_CACHE	64	/* entries per cache */

struct amd_m_dte_cache {
	bool valid;
	u16 devid;
	u64 w0, w1;
};

struct amd_m_tlb {
	bool valid;
	u16 tag;	/* DomainID (IOTLB) or DeviceID (device ATC) */
	u64 page;	/* IOVA >> 12 */
	u8 perm;	/* bit 0 read, bit 1 write */
};

/**
 * struct amd_model - one AMD-Vi IOMMU
 * @iommu: what amd_cq_init() finds in the IOMMU list
 * @mmio: register window
 * @devtab, @cmdbuf, @control, @efr: MMIO 0000h, 0008h, 0018h, 0030h
 * @excl_base, @excl_limit: MMIO 0020h, 0028h (the completion-wait
 *	write-back range on SNP parts)
 * @cwwb_enforced: knob: a COMPLETION_WAIT store outside [excl_base,
 *	excl_limit + 4 KiB) is refused (processing halts)
 * @snp_en: knob: SNP is enabled: a V=1, TV=1 DTE with Mode 0 is refused
 *	(Linux 6.1: "DTE[Mode]=0 is prohibited on SNP-enabled system")
 * @snp_known: the scenario says whether SNP is enabled (@snp_en); else
 *	the oracles only know SNPSup from the EFR
 * @atc_ignore: knob: the devices ignore INVALIDATE_IOTLB_PAGES (their
 *	ATCs keep every translation)
 * @head, @tail: MMIO 2000h, 2008h (byte offsets into the command buffer)
 * @stopped: knob: the command processor never fetches (head frozen)
 * @resume_at: knob: no fetch before this model time
 * @cmd_cycles: knob: cycles per command (0: executed at the tail write,
 *	as QEMU 7.2 does)
 * @drop_op: knob: opcode executed as a no-op (oracle self-check); 0: none
 * @halted: the processor stopped on an illegal command (48882 section
 *	2.4: ILLEGAL_COMMAND_ERROR halts command processing)
 * @busy_until: completion time of the command at the head
 * @ops: commands executed, by opcode
 * @illegal: illegal commands seen
 * @table_reads: reads of the Device Table Base register (the oracles tell
 *	from it which IOMMUs a pass looked at)
 * @dtc: device table cache (by DeviceID)
 * @iotlb: translations (by DomainID, page), permission ANDed over the DTE
 *	and every page-table level
 * @atc: device-side ATS caches (by DeviceID, page)
 */
struct amd_model {
	struct amd_iommu *iommu_link;
	void __iomem *mmio;
	u64 mmio_phys;
	u64 devtab, cmdbuf, control, efr;
	u64 excl_base, excl_limit;
	bool cwwb_enforced;
	bool snp_en;
	bool snp_known;
	bool atc_ignore;
	u32 head, tail;
	bool stopped;
	u64 resume_at;
	u64 cmd_cycles;
	u32 drop_op;
	bool halted;
	u64 busy_until;
	u32 ops[16];
	u32 illegal;
	u32 table_reads;	/* reads of Device Table Base (for the oracles) */
	struct amd_m_dte_cache dtc[AMD_M_CACHE];
	struct amd_m_tlb iotlb[AMD_M_CACHE];
	struct amd_m_tlb atc[AMD_M_CACHE];
};

/* Opcodes, 48882 section 2.4 (command bits 63:60). */
#define AMD_M_OP_COMPLETION_WAIT	1
#define AMD_M_OP_INV_DEVTAB_ENTRY	2
#define AMD_M_OP_INV_IOMMU_PAGES	3
#define AMD_M_OP_INV_IOTLB_PAGES	4
#define AMD_M_OP_INV_IOMMU_ALL		8

/**
 * amd_model_new() - an AMD-Vi IOMMU, added to the list amd_cq_init() walks
 *
 * Registers start at zero; the test programs them as the crashed kernel
 * left them. At most 24 IOMMUs of both kinds per process (register
 * windows).
 */
struct amd_model *amd_model_new(void);

/**
 * amd_model_dma() - may device @devid write (or read) @iova now?
 * @m: the IOMMU
 * @devid: DeviceID (bus << 8 | devfn)
 * @iova: address the device uses
 * @write: a write (else a read)
 * @cached: answer from the caches first and fill them, as the IOMMU does;
 *	false: from the tables in memory only, caches untouched
 *
 * Device table entry 48882 section 2.2.2; page tables section 2.2.3.
 *
 * Return: true when the access would reach memory.
 */
bool amd_model_dma(struct amd_model *m, u16 devid, u64 iova, bool write,
		   bool cached);

/* ------------------------------------------------------------------
 * VT-d model (model_vtd.c), Intel VT-d Architecture Specification.
 */
#define VTD_M_CACHE	64

struct vtd_m_ctx_cache {
	bool valid;
	u16 sid;
	u64 lo, hi;
};

/**
 * struct vtd_model - one DMAR unit
 * @iommu, @drhd: what vtd_cq_init() finds in the DRHD list
 * @mmio: register window
 * @ver, @cap, @ecap: VER_REG, CAP_REG, ECAP_REG (10.4.1-10.4.3)
 * @gsts, @rtaddr, @ccmd, @iotlb_reg, @fsts, @iqa, @iqh, @iqt: the
 *	registers of the same names (10.4)
 * @qi_stopped: knob: the queue is never fetched (head frozen)
 * @resume_at: knob: no fetch before this model time
 * @desc_cycles: knob: cycles per descriptor (0: at the tail write)
 * @reg_stuck: knob: register-based invalidations never complete
 * @ccmd_stuck: knob: register-based context-cache invalidations never
 *	complete (ICC stays set)
 * @iotlb_stuck: knob: register-based IOTLB invalidations never complete
 *	(IVT stays set)
 * @dtlb_ignore: knob: the devices complete device-TLB invalidations
 *	without dropping anything from their ATCs
 * @no_reg_inval: knob: VER_REG major 6 or later; register-based
 *	invalidation is not implemented (CCMD_REG / IOTLB_REG read as zero,
 *	writes ignored; VT-d 3.3 section 6.5)
 * @wbf_stuck: knob: a write-buffer flush never completes
 * @bad_type: knob: descriptors of this type raise IQE (0: none)
 * @dtlb_timeout_sid: knob: the device of this source id never answers a
 *	device-TLB invalidation: ITE after @dtlb_timeout cycles (0: none)
 * @drop_type: knob: descriptors of this type executed as no-ops (oracle
 *	self-check)
 * @busy_until: completion time of the descriptor at the head
 * @wbf_until, @ccmd_due, @iotlb_due: completion times of a write-buffer
 *	flush and of the register-based invalidations in progress
 * @dtlb_pending, @dtlb_since: a device-TLB invalidation sent to the
 *	unresponsive device, and when
 * @desc: descriptors executed, by type
 * @ccmd_inv, @iotlb_inv: register-based invalidations executed
 * @wbf: write-buffer flushes requested
 * @iqe, @ite: times IQE / ITE were raised
 * @cc, @iotlb, @atc: context cache (by source id), IOTLB (by domain id,
 *	page; permission ANDed over the levels), device ATCs (by source id)
 */
struct vtd_model {
	struct intel_iommu *iommu;
	struct dmar_drhd_unit *drhd;
	void __iomem *mmio;
	u64 mmio_phys;
	u32 ver;
	u64 cap, ecap;
	u32 gsts;
	u64 rtaddr, ccmd, iotlb_reg;
	u32 fsts;
	u64 iqa, iqh, iqt;
	bool qi_stopped;
	u64 resume_at;
	u64 desc_cycles;
	bool reg_stuck;
	bool ccmd_stuck;
	bool iotlb_stuck;
	bool dtlb_ignore;
	bool no_reg_inval;
	bool wbf_stuck;
	u32 bad_type;
	u32 dtlb_timeout_sid;
	u64 dtlb_timeout;
	u32 drop_type;
	u64 busy_until;
	u64 wbf_until;
	u64 ccmd_due, iotlb_due;
	bool dtlb_pending;
	u64 dtlb_since;
	u32 desc[16];
	u32 ccmd_inv, iotlb_inv, wbf;
	u32 iqe, ite;
	struct vtd_m_ctx_cache cc[VTD_M_CACHE];
	struct amd_m_tlb iotlb[VTD_M_CACHE];
	struct amd_m_tlb atc[VTD_M_CACHE];
	struct vtd_sm_model *sm;	/* scalable mode (model_vtd_sm.c) */
	bool qemu_iqa;	/* knob: IQA.DW not read back, a misaligned tail ignored (QEMU 7.2) */
	u32 table_reads;	/* reads of RTADDR_REG (for the oracles) */
};

/* Descriptor types, VT-d section 6.5.2 (bits 3:0). */
#define VTD_M_DESC_CC		1
#define VTD_M_DESC_IOTLB	2
#define VTD_M_DESC_DEV_TLB	3
#define VTD_M_DESC_WAIT		5
#define VTD_M_DESC_PIOTLB	6
#define VTD_M_DESC_PC		7

/* Register offsets used by the tests, VT-d section 10.4. */
#define VTD_M_IRO		0x10	/* IOTLB_REG at 0x108 */

/**
 * vtd_model_new() - a DMAR unit, added to the list vtd_cq_init() walks
 * @cap: CAP_REG
 * @ecap: ECAP_REG (its IRO field is forced to VTD_M_IRO)
 *
 * Translation, root table and queue are set up by the test through the
 * fields. At most 24 IOMMUs of both kinds per process.
 */
struct vtd_model *vtd_model_new(u64 cap, u64 ecap);

/**
 * vtd_model_dma() - may source id @sid write (or read) @iova now?
 * @m: the unit
 * @sid: source id (bus << 8 | devfn)
 * @iova: address the device uses
 * @write: a write (else a read)
 * @cached: answer from the caches first and fill them (device ATC for
 *	TT=01 entries, then context cache, then IOTLB), as the hardware does;
 *	false: from the tables in memory only
 *
 * Root entry section 9.1, context entry 9.3, second-level entries 9.8.
 *
 * Return: true when the access would reach memory.
 */
bool vtd_model_dma(struct vtd_model *m, u16 sid, u64 iova, bool write,
		   bool cached);

/*
 * Scalable mode (model_vtd_sm.c, see model_sm.h): hooks of model_vtd.c.
 * vtd_sm_exec() runs a PASID-cache or PASID-based IOTLB descriptor
 * (1 done, -1 invalid); vtd_sm_iotlb_inval() applies an IOTLB
 * invalidation (type 2 or IOTLB_REG) to the scalable-mode IOTLB.
 */
int vtd_sm_exec(struct vtd_model *m, u32 type, u64 lo, u64 hi);
void vtd_sm_iotlb_inval(struct vtd_model *m, unsigned int g, u16 did,
			u64 first, u64 last);
bool vtd_sm_model_dma(struct vtd_model *m, u16 sid, u32 pasid, u64 iova,
		      bool write, bool cached, bool supervisor);
#define VTD_SM_NO_PASID		0xffffffffU

#endif
