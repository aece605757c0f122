/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole-state oracles of the crash path (issue 18), shared by the model
 * (tests/model) and the walk fuzz targets (tests/fuzz):
 *
 *  - completeness: after a pass, no valid present entry reachable from an
 *    IOMMU's root (every DeviceID; every bus, devfn, root half, PASID
 *    directory entry, PASID entry and top-level index) still grants DMA
 *    write (mode all: any access). What "grants" means per vendor and
 *    mode is the lead's promise, /work/notes/PROMISE-18.md, copied into
 *    tests/model/README.md;
 *  - write set: every 64-bit word a pass changed lies in a page only the
 *    IOMMU uses, and its transition is one the promise documents (in
 *    practice: permission or present bits cleared, plus a short list of
 *    rewrites). Pages are given roles by the oracle's own walk of the
 *    tables as they were before the pass, and by the test (a CPU page
 *    table, a data page).
 *
 * Everything is decoded from the specifications with literal bit
 * positions written next to their section (AMD I/O Virtualization
 * Technology (IOMMU) Specification 48882 section 2.2.2; Intel
 * Virtualization Technology for Directed I/O Architecture Specification
 * sections 9.1-9.8), never with the product's headers, helpers or
 * macros: this file includes nothing of drivers/ or include/.
 */
#ifndef _TESTS_ORACLE_H
#define _TESTS_ORACLE_H
#include <stdbool.h>
#include <stdint.h>

/*
 * Page roles, a bit mask per 4 KiB page. Which of them the crash path may
 * write is oracle_role_writable(); a page with OR_CPU_PT is never written
 * whatever else it is; a page with OR_FL is written only where another of
 * its roles allows it (the fuzz images alias pages freely).
 */
enum oracle_role {
	OR_DATA		= 1u << 0,	/* declared by a test: data, never written */
	OR_CPU_PT	= 1u << 1,	/* declared: a CPU page table (mm->pgd, swapper_pg_dir) */
	OR_FL		= 1u << 2,	/* reached as a first-level table, a nested guest table,
					 * an AMD GCR3 table or what a GCR3 entry points at */
	OR_AMD_DEVTAB	= 1u << 3,	/* AMD device table */
	OR_AMD_CMDBUF	= 1u << 4,	/* AMD command buffer */
	OR_AMD_CWWB	= 1u << 5,	/* AMD completion-wait write-back range */
	OR_AMD_PT	= 1u << 6,	/* AMD host page table (top level) */
	OR_VTD_ROOT	= 1u << 7,	/* VT-d legacy root table */
	OR_VTD_CTX	= 1u << 8,	/* VT-d legacy context table */
	OR_VTD_SM_ROOT	= 1u << 9,	/* VT-d scalable-mode root table */
	OR_VTD_SM_CTX	= 1u << 10,	/* VT-d scalable-mode context table */
	OR_VTD_PDIR	= 1u << 11,	/* VT-d PASID directory */
	OR_VTD_PTBL	= 1u << 12,	/* VT-d PASID table */
	OR_VTD_SL3	= 1u << 13,	/* top-level second-level table, 3 levels */
	OR_VTD_SL45	= 1u << 14,	/* top-level second-level table, 4 or 5 levels */
	OR_VTD_IQ	= 1u << 15,	/* VT-d invalidation queue */
	OR_CQ_TABLE	= 1u << 16,	/* the crash path's own tables, built at boot
					 * (read-only identity table, empty table) */
	OR_CQ_RECORD	= 1u << 17,	/* the crash path's record memory (changed bitmaps) */
};

/* Roles that describe a table the hardware walks (for aliasing checks). */
#define OR_STRUCTURE	(OR_FL | OR_AMD_DEVTAB | OR_AMD_PT | OR_VTD_ROOT | \
			 OR_VTD_CTX | OR_VTD_SM_ROOT | OR_VTD_SM_CTX | \
			 OR_VTD_PDIR | OR_VTD_PTBL | OR_VTD_SL3 | OR_VTD_SL45 | \
			 OR_CQ_TABLE)

enum oracle_mode {
	ORACLE_WRITE = 1,	/* crash_dma_quiesce=write: revoke DMA write */
	ORACLE_ALL = 2,		/* crash_dma_quiesce=all: revoke every access */
};

/**
 * struct oracle_mem - a view of physical memory
 * @page: the 4 KiB page at @phys (page aligned) as 512 little-endian
 *	64-bit words, or NULL when @phys is not memory the view holds
 * @usable: may the crash path use the page at @phys as a table: RAM,
 *	mapped present and writable in the direct map, outside the
 *	crashkernel regions (the test's own knowledge of its memory)
 * @priv: passed to both
 */
struct oracle_mem {
	const uint64_t *(*page)(void *priv, uint64_t phys);
	bool (*usable)(void *priv, uint64_t phys);
	void *priv;
};

/**
 * struct oracle_result - what one check found
 * @bad: violations that nothing excuses
 * @excused: entries that still grant access below a table the crash path
 *	could not use (a violation all the same when the record says DONE)
 * @checked: entries or words examined
 * @first: description of the first violation (bad ones take precedence)
 * @first_excused: description of the first excused entry
 */
struct oracle_result {
	unsigned int bad;
	unsigned int excused;
	unsigned long checked;
	char first[240];
	char first_excused[240];
};

/**
 * struct oracle_amd - the registers of one AMD-Vi IOMMU (48882 section 3.4)
 * @devtab: Device Table Base Address Register (MMIO 0000h)
 * @cmdbuf: Command Buffer Base Address Register (MMIO 0008h)
 * @excl_base: Exclusion Base Register (MMIO 0020h)
 * @excl_limit: Exclusion Range Limit Register (MMIO 0028h)
 * @efr: Extended Feature Register (MMIO 0030h)
 * @dtes: 0: the device table holds min((Size + 1) * 4 KiB / 32, 65536)
 *	DTEs, from @devtab; else this many (a fuzz image of any length)
 * @snp_enabled: SNP is enabled: the IOMMU refuses a V=1, TV=1 DTE with
 *	Mode 0 (SNP prohibits host Mode 0), reads included
 */
struct oracle_amd {
	uint64_t devtab;
	uint64_t cmdbuf;
	uint64_t excl_base;
	uint64_t excl_limit;
	uint64_t efr;
	uint32_t dtes;
	bool snp_enabled;
};

/**
 * struct oracle_vtd - the registers of one VT-d unit (VT-d section 10.4)
 * @rtaddr: RTADDR_REG (TTM bits 11:10: 00b legacy, 01b scalable mode)
 * @cap: CAP_REG
 * @ecap: ECAP_REG
 * @iqa: IQA_REG (0: no invalidation queue)
 * @haw: the platform's host address width in bits (address bits at or
 *	above it are reserved in every table pointer); outside 12..52 taken
 *	as 52
 * @no_pt_table: the crash path has no table to rewrite pass-through
 *	entries to (building the identity table failed at boot:
 *	drivers/iommu/README.kdump.md, "Not covered"; logged as "no memory
 *	for the identity table"); a legacy pass-through entry it
 *	left then counts as excused
 */
struct oracle_vtd {
	uint64_t rtaddr;
	uint64_t cap;
	uint64_t ecap;
	uint64_t iqa;
	unsigned int haw;
	bool no_pt_table;
};

/* Called for every page a role is derived for. */
typedef void (*oracle_role_fn)(void *priv, uint64_t phys, uint32_t role);

/**
 * oracle_amd_roles() - roles of the pages an AMD-Vi IOMMU uses
 * @m: memory as it was before the pass
 * @u: the IOMMU's registers
 * @add: called once per (page, role)
 * @priv: passed to @add
 *
 * Device table (Size from the register), command buffer (ComLen), the
 * completion-wait write-back range of an SNP-capable IOMMU (Exclusion
 * Base with ExEn clear), the top-level host page table of every V=1,
 * TV=1 DTE with Mode 1-6, and, for every DTE with GV set, its GCR3 table
 * (GLX levels) and every page a valid GCR3 entry points at (OR_FL: the
 * guest's or, with SVA, the CPU's page tables).
 */
void oracle_amd_roles(const struct oracle_mem *m, const struct oracle_amd *u,
		      oracle_role_fn add, void *priv);

/**
 * oracle_vtd_roles() - roles of the pages a VT-d unit uses
 * @m: memory as it was before the pass
 * @u: the unit's registers
 * @add: called once per (page, role)
 * @priv: passed to @add
 *
 * Legacy mode: root table, every context table of a present root entry,
 * every top-level second-level table of a present TT 00b / 01b context
 * entry. Scalable mode: root table, the context table of every present
 * root half, the PASID directory pages of every present context entry
 * (2^(PDTS + 7) entries), every PASID table of a present directory entry,
 * the top-level second-level table of every present PGTT 010b / 011b
 * PASID entry and the page FLPTPTR names for PGTT 001b / 011b (OR_FL).
 * The invalidation queue (IQA_REG.QS) in both. Present entries are
 * followed whatever their reserved bits: the role map is permissive.
 */
void oracle_vtd_roles(const struct oracle_mem *m, const struct oracle_vtd *u,
		      oracle_role_fn add, void *priv);

/**
 * oracle_amd_complete() - does any DTE still grant access?
 * @m: memory after the pass
 * @u: the IOMMU's registers
 * @mode: what the pass had to revoke
 * @raced: NULL, or true for a DTE (its physical address) that a driver
 *	rewrote while the pass ran (an entry the crash path could not use)
 * @priv: passed to @raced
 * @r: out (added to)
 *
 * For every DTE index 0 .. min(table size / 32, 65536) - 1 (48882
 * section 2.2.2): V (bit 0) = 1, TV (bit 1) = 1, IW (bit 62) = 0, I (DTE
 * bit 96: word 1 bit 32) = 0, SysMgt (DTE bits 105:104: word 1 bits
 * 41:40) != 01b; mode all: IR (bit 61) = 0.
 */
void oracle_amd_complete(const struct oracle_mem *m, const struct oracle_amd *u,
			 enum oracle_mode mode,
			 bool (*raced)(void *priv, uint64_t phys), void *priv,
			 struct oracle_result *r);

/**
 * oracle_vtd_complete() - does any reachable entry of a unit still grant?
 * @m: memory after the pass
 * @u: the unit's registers (RTADDR_REG.TTM selects the format)
 * @mode: what the pass had to revoke
 * @r: out (added to)
 *
 * Legacy (9.1, 9.3, 9.8): every valid present context entry has TT 00b
 * and no present entry of its top-level second-level table has W (mode
 * all: R or W). Scalable mode (9.2, 9.4-9.6, 9.8): every valid present
 * context entry has DTE (bit 2) and PRE (bit 4) clear; every valid
 * present PASID entry below it is second-level or nested with no present
 * top-level entry keeping W (mode all: R or W), never first-level (the
 * crash path may not write the CPU's page table, so the entry itself
 * must be blocked) nor pass-through. An entry is "valid" when the
 * hardware would use it: no reserved bit set, a type and address width
 * the unit supports, pointers below HAW. A granting entry counts as
 * excused when a table on its path is not usable, or when its top-level
 * table has a malformed present entry (the crash path validates a page
 * before it writes any of it); one the oracle cannot read counts as
 * excused too (it may grant).
 */
void oracle_vtd_complete(const struct oracle_mem *m, const struct oracle_vtd *u,
			 enum oracle_mode mode, struct oracle_result *r);

/**
 * oracle_vtd_blocked() - devices the pass blocked although mode is write
 * @before: memory before the first pass
 * @after: memory now
 * @u: the unit's registers
 *
 * Scalable mode: source ids with a PASID entry that was valid and present
 * before and is not present now (a first-level entry blocked at the
 * PASID entry, a pass-through entry on a unit without second-level
 * translation). Legacy mode: 0.
 *
 * Return: the number of such source ids.
 */
unsigned int oracle_vtd_blocked(const struct oracle_mem *before,
				const struct oracle_mem *after,
				const struct oracle_vtd *u);

/**
 * oracle_amd_blocked() - DeviceIDs whose DTE now refuses reads although
 *	it allowed them before (V=0 or TV=0, or V=1, TV=1 with IR set, before;
 *	V=1, TV=1, IR=0 now)
 * @before: memory before the first pass
 * @after: memory now
 * @u: the IOMMU's registers
 *
 * Return: the number of such DeviceIDs.
 */
unsigned int oracle_amd_blocked(const struct oracle_mem *before,
				const struct oracle_mem *after,
				const struct oracle_amd *u);

/**
 * struct oracle_ws - context of the write-set check
 * @mode: what the pass had to revoke
 * @roles: the roles of the page at @phys
 * @priv: passed to @roles
 */
struct oracle_ws {
	enum oracle_mode mode;
	uint32_t (*roles)(void *priv, uint64_t phys);
	void *priv;
};

/**
 * oracle_write_page() - is every change to one page documented?
 * @ws: context
 * @phys: the page
 * @old: its 512 words before the pass
 * @new: its 512 words after
 * @r: out (added to): one violation per page, the first word described
 *
 * A page with OR_CPU_PT is never written, nor a page without a role the
 * crash path may write; otherwise each changed word must be a documented
 * transition under at least one of the page's writable roles:
 *  - AMD DTE (48882 2.2.2), judged as a whole 256-bit entry: V=1, TV=1
 *    entries only lose IW (mode all: and IR) in word 0, I and an SysMgt
 *    01b in word 1; an entry that had V=0 or TV=0 only gains V, TV and
 *    (mode write) IR in word 0, its other words only lose bits;
 *  - VT-d legacy context entry (9.3): TT 01b -> 00b (bit 2 cleared), or a
 *    pass-through entry (TT 10b) rewritten to TT 00b pointing at a page
 *    of the crash path's own (OR_CQ_TABLE), keeping at most P and FPD of
 *    its low 12 bits; the high qword never changes;
 *  - VT-d scalable-mode context entry (9.4): qword 0 loses DTE (bit 2)
 *    and PRE (bit 4) only; qwords 1-3 never change;
 *  - PASID entry (9.6): qword 0 loses P (bit 0) and nothing else, or a
 *    pass-through entry (PGTT 100b) becomes PGTT 010b with AW 1-3 and
 *    SLPTPTR at a page of OR_CQ_TABLE, keeping at most P and FPD;
 *    qwords 1-7 never change;
 *  - top-level second-level entry (9.8): a present entry loses W (mode
 *    all: R and W), nothing else;
 *  - command buffer, invalidation queue, the crash path's record memory:
 *    anything; completion-wait write-back range: anything but its first
 *    word (the driver's cmd_sem).
 */
void oracle_write_page(const struct oracle_ws *ws, uint64_t phys,
		       const uint64_t *old, const uint64_t *new,
		       struct oracle_result *r);

/**
 * oracle_amd_dte_ok() - is the change of one DTE documented?
 * @old: its four words before the pass
 * @new: its four words after
 * @mode: what the pass had to revoke
 *
 * The rule oracle_write_page() applies to a device table (see there).
 *
 * Return: true when @new is @old or a documented transition of it.
 */
bool oracle_amd_dte_ok(const uint64_t *old, const uint64_t *new,
		       enum oracle_mode mode);

/* Roles the crash path may write (a page needs one to be written at all). */
uint32_t oracle_role_writable(void);

/* Role names, comma-separated, into @buf (for messages). */
const char *oracle_role_names(uint32_t roles, char *buf, unsigned int size);

#endif
