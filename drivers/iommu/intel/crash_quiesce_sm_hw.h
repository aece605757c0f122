/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VT-d crash-path DMA quiesce, scalable mode: the parts that touch
 * no MMIO.
 *
 * Bit layouts of the scalable-mode root, context, PASID-directory,
 * PASID-table and first-level paging entries, the PASID-cache and
 * PASID-based IOTLB invalidation descriptors, the entry transforms and the
 * walk over a scalable-mode root table. Static inline and self-contained
 * like crash_quiesce_hw.h (whose second-level checks, transforms, memo and
 * walk operations are reused), so that the same source is compiled into
 * the kernel (drivers/iommu/intel/crash_quiesce_sm.c), the userspace unit
 * tests, the model, the fuzzer and iommu-dump.
 *
 * Reference: Intel Virtualization Technology for Directed I/O Architecture
 * Specification, revision 3.x/4.x ("VT-d" below):
 *  - section 9.2: Scalable-Mode Root Entry;
 *  - section 9.4: Scalable-Mode Context Entry;
 *  - section 9.5: Scalable-Mode PASID Directory Entry;
 *  - section 9.6: Scalable-Mode PASID Table Entry;
 *  - section 9.7: First-Level Paging Entries;
 *  - section 9.8: Second-Level Paging Entries (crash_quiesce_hw.h);
 *  - section 6.5.2.2: PASID-cache Invalidate Descriptor;
 *  - section 6.5.2.4: PASID-based-IOTLB Invalidate Descriptor;
 *  - section 6.5.3.3: Guidance to Software for Invalidations;
 *  - section 10.4.2 / 10.4.3: CAP_REG / ECAP_REG.
 */
#ifndef _INTEL_IOMMU_CRASH_QUIESCE_SM_HW_H
#define _INTEL_IOMMU_CRASH_QUIESCE_SM_HW_H

#include "crash_quiesce_hw.h"

/*
 * ECAP_REG, VT-d section 10.4.3: NEST bit 26 (nested translation), PASID
 * bit 40, SMTS bit 43 (scalable mode), SLTS bit 46 (second-level
 * translation), FLTS bit 47 (first-level translation). CAP_REG, section
 * 10.4.2: FL5LP bit 60 (5-level first-level paging).
 */
#define VTD_CQ_ECAP_NEST	BIT_ULL(26)
#define VTD_CQ_ECAP_PASID	BIT_ULL(40)
#define VTD_CQ_ECAP_SMTS	BIT_ULL(43)
#define VTD_CQ_ECAP_SLTS	BIT_ULL(46)
#define VTD_CQ_ECAP_FLTS	BIT_ULL(47)
#define VTD_CQ_CAP_FL5LP	BIT_ULL(60)

/*
 * Scalable-mode root entry (128 bits, one per bus), VT-d section 9.2.
 * lo: bit 0 LP (lower present), bits 11:1 reserved, bits 63:12 LCTP (the
 * context table of devfn 0-127). hi (bits 127:64): bit 0 UP, bits 11:1
 * reserved, bits 63:12 UCTP (devfn 128-255). Each context table holds 128
 * entries of 256 bits.
 */
#define VTD_CQ_SM_ROOT_P	BIT_ULL(0)
#define VTD_CQ_SM_ROOT_RSVD	GENMASK_ULL(11, 1)
#define VTD_CQ_SM_ROOT_CTP	GENMASK_ULL(63, 12)
#define VTD_CQ_SM_CTX_ENTRIES	128

/*
 * Scalable-mode context entry (256 bits), VT-d section 9.4. qword 0: bit 0
 * P, bit 1 FPD, bit 2 DTE (device-TLB enable: translation and translated
 * requests allowed), bit 3 PASIDE (requests with PASID allowed), bit 4
 * PRE (page requests allowed), bits 8:5 reserved, bits 11:9 PDTS (the
 * PASID directory has 2^(PDTS + 7) entries), bits 63:12 PASIDDIRPTR.
 * qword 1: bits 19:0 RID_PASID (the PASID of requests without PASID),
 * bit 20 RID_PRIV, bits 63:21 reserved. qwords 2 and 3 reserved.
 */
#define VTD_CQ_SM_CTX_P		BIT_ULL(0)
#define VTD_CQ_SM_CTX_FPD	BIT_ULL(1)
#define VTD_CQ_SM_CTX_DTE	BIT_ULL(2)
#define VTD_CQ_SM_CTX_PASIDE	BIT_ULL(3)
#define VTD_CQ_SM_CTX_PRE	BIT_ULL(4)
#define VTD_CQ_SM_CTX_RSVD0	GENMASK_ULL(8, 5)
#define VTD_CQ_SM_CTX_PDTS_SHIFT	9
#define VTD_CQ_SM_CTX_PDTS	GENMASK_ULL(11, 9)
#define VTD_CQ_SM_CTX_DIRPTR	GENMASK_ULL(63, 12)
#define VTD_CQ_SM_CTX_RID_PASID	GENMASK_ULL(19, 0)
#define VTD_CQ_SM_CTX_RSVD1	GENMASK_ULL(63, 21)
#define VTD_CQ_SM_CTX_QWORDS	4

/*
 * Scalable-mode PASID directory entry (64 bits), VT-d section 9.5: bit 0
 * P, bit 1 FPD, bits 11:2 reserved, bits 63:12 SMPTBLPTR (a 4 KiB table of
 * 64 PASID entries: PASID bits 19:6 index the directory, bits 5:0 the
 * table).
 */
#define VTD_CQ_SM_PDE_P		BIT_ULL(0)
#define VTD_CQ_SM_PDE_RSVD	GENMASK_ULL(11, 2)
#define VTD_CQ_SM_PDE_PTR	GENMASK_ULL(63, 12)
#define VTD_CQ_SM_PDE_PER_PAGE	512
#define VTD_CQ_SM_PE_PER_TABLE	64
#define VTD_CQ_SM_PASID_SHIFT	6

/*
 * Scalable-mode PASID table entry (512 bits), VT-d section 9.6.
 * qword 0: bit 0 P, bit 1 FPD, bits 4:2 AW (second-level: 001b 3 levels,
 * 010b 4, 011b 5), bit 5 SSADE, bits 8:6 PGTT (001b first-level only,
 * 010b second-level only, 011b nested, 100b pass-through), bit 9 SLEE,
 * bits 11:10 reserved, bits 63:12 SLPTPTR.
 * qword 1: bits 15:0 DID.
 * qword 2: bit 0 SRE (supervisor requests enable), bits 3:2 FLPM (00b
 * 4-level, 01b 5-level first-level paging), bit 4 WPE (write protect
 * enable: supervisor requests honour R/W), bits 63:12 FLPTPTR (in nested
 * mode a guest-physical address, translated through the second level).
 */
#define VTD_CQ_SM_PE_QWORDS	8
#define VTD_CQ_SM_PE_P		BIT_ULL(0)
#define VTD_CQ_SM_PE_FPD	BIT_ULL(1)
#define VTD_CQ_SM_PE_AW_SHIFT	2
#define VTD_CQ_SM_PE_AW		GENMASK_ULL(4, 2)
#define VTD_CQ_SM_PE_SSADE	BIT_ULL(5)
#define VTD_CQ_SM_PE_PGTT_SHIFT	6
#define VTD_CQ_SM_PE_PGTT	GENMASK_ULL(8, 6)
#define VTD_CQ_SM_PE_RSVD0	GENMASK_ULL(11, 10)
#define VTD_CQ_SM_PE_SLPTPTR	GENMASK_ULL(63, 12)
#define VTD_CQ_SM_PE_DID	GENMASK_ULL(15, 0)
#define VTD_CQ_SM_PE_SRE	BIT_ULL(0)
#define VTD_CQ_SM_PE_FLPM_SHIFT	2
#define VTD_CQ_SM_PE_FLPM	GENMASK_ULL(3, 2)
#define VTD_CQ_SM_PE_WPE	BIT_ULL(4)
#define VTD_CQ_SM_PE_FLPTPTR	GENMASK_ULL(63, 12)

#define VTD_CQ_SM_PGTT_FL	1
#define VTD_CQ_SM_PGTT_SL	2
#define VTD_CQ_SM_PGTT_NESTED	3
#define VTD_CQ_SM_PGTT_PT	4

/*
 * First-level paging entries (IA-32e format), VT-d section 9.7: bit 0 P,
 * bit 1 R/W, bit 2 U/S, bit 7 PS (reserved in PML5E and PML4E), bits
 * 51:12 address (bits 51:HAW reserved), bit 63 XD. A write needs R/W = 1
 * at every level (for supervisor requests only when WPE is set).
 */
#define VTD_CQ_FL_P		BIT_ULL(0)
#define VTD_CQ_FL_RW		BIT_ULL(1)
#define VTD_CQ_FL_PS		BIT_ULL(7)
#define VTD_CQ_FL_ADDR		GENMASK_ULL(51, 12)

/*
 * PASID-cache invalidate descriptor, VT-d section 6.5.2.2: type 7 in bits
 * 3:0 (bits 11:9, type[6:4], zero), G bits 5:4 (00b domain-selective: all
 * PASIDs of DID; 01b PASID-selective within DID; 11b global: every entry
 * of every domain), DID bits 31:16, PASID bits 51:32; the high quadword
 * is reserved.
 * PASID-based-IOTLB invalidate descriptor, VT-d section 6.5.2.4: type 6, G
 * bits 5:4 (10b: every non-global mapping of PASID within DID), DID bits
 * 31:16, PASID bits 51:32; high quadword AM 5:0, IH 6, ADDR 63:12 (unused
 * with G = 10b).
 */
#define VTD_CQ_DESC_TYPE_PIOTLB		6
#define VTD_CQ_DESC_TYPE_PC		7
#define VTD_CQ_DESC_PC_G_GLOBAL		(3ULL << 4)
#define VTD_CQ_DESC_PIOTLB_G_PASID	(2ULL << 4)
#define VTD_CQ_DESC_PASID_SHIFT		32
#define VTD_CQ_SM_PASID_MASK		GENMASK_ULL(19, 0)

/*
 * PASID-cache invalidation of every PASID of every domain: the crash path
 * does not know which domain ids the PASID cache holds for the context
 * and PASID entries it changed (nor, for a context entry, which PASID
 * entries below it were cached), and one descriptor takes one queue slot.
 */
static inline struct vtd_cq_desc vtd_cq_desc_pc_global(void)
{
	struct vtd_cq_desc d = {
		.lo = VTD_CQ_DESC_TYPE_PC | VTD_CQ_DESC_PC_G_GLOBAL,
		.hi = 0,
	};

	return d;
}

/* PASID-based IOTLB invalidation of every mapping of @pasid within @did. */
static inline struct vtd_cq_desc vtd_cq_desc_piotlb_pasid(u16 did, u32 pasid)
{
	struct vtd_cq_desc d = {
		.lo = VTD_CQ_DESC_TYPE_PIOTLB | VTD_CQ_DESC_PIOTLB_G_PASID |
		      ((u64)did << VTD_CQ_DESC_DID_SHIFT) |
		      (((u64)pasid & VTD_CQ_SM_PASID_MASK) <<
		       VTD_CQ_DESC_PASID_SHIFT),
		.hi = 0,
	};

	return d;
}

/* Context, directory and PASID entry fields. */

/* Entries of the PASID directory of context qword 0 @c0: 2^(PDTS + 7). */
static inline u32 vtd_cq_sm_dir_entries(u64 c0)
{
	return 1U << (((c0 & VTD_CQ_SM_CTX_PDTS) >> VTD_CQ_SM_CTX_PDTS_SHIFT) + 7);
}

static inline unsigned int vtd_cq_sm_pe_pgtt(u64 p0)
{
	return (p0 & VTD_CQ_SM_PE_PGTT) >> VTD_CQ_SM_PE_PGTT_SHIFT;
}

static inline unsigned int vtd_cq_sm_pe_aw(u64 p0)
{
	return (p0 & VTD_CQ_SM_PE_AW) >> VTD_CQ_SM_PE_AW_SHIFT;
}

static inline u16 vtd_cq_sm_pe_did(u64 p1)
{
	return p1 & VTD_CQ_SM_PE_DID;
}

/* First-level paging levels of PASID qword 2 @p2: 4, or 5 with FLPM 01b. */
static inline unsigned int vtd_cq_sm_fl_levels(u64 p2)
{
	return (p2 & VTD_CQ_SM_PE_FLPM) >> VTD_CQ_SM_PE_FLPM_SHIFT ? 5 : 4;
}

/*
 * Is a present scalable-mode root entry half (@e: lo or hi) usable: no
 * reserved bit, a context-table pointer below the host address width?
 */
static inline bool vtd_cq_sm_root_valid(u64 e, unsigned int haw)
{
	return !(e & VTD_CQ_SM_ROOT_RSVD) &&
	       !((e & VTD_CQ_SM_ROOT_CTP) & vtd_cq_addr_rsvd(haw));
}

/*
 * Is a present scalable-mode context entry @ce (four qwords) well formed:
 * no reserved bit set (qword 0 bits 8:5, qword 1 bits 63:21, qwords 2 and
 * 3), a PASID directory pointer below the host address width?
 */
static inline bool vtd_cq_sm_ctx_valid(const u64 *ce, unsigned int haw)
{
	if (ce[0] & VTD_CQ_SM_CTX_RSVD0)
		return false;
	if ((ce[0] & VTD_CQ_SM_CTX_DIRPTR) & vtd_cq_addr_rsvd(haw))
		return false;
	if (ce[1] & VTD_CQ_SM_CTX_RSVD1)
		return false;
	return !ce[2] && !ce[3];
}

/* Is a present PASID directory entry usable? */
static inline bool vtd_cq_sm_pde_valid(u64 pde, unsigned int haw)
{
	return !(pde & VTD_CQ_SM_PDE_RSVD) &&
	       !((pde & VTD_CQ_SM_PDE_PTR) & vtd_cq_addr_rsvd(haw));
}

/* Is second-level address width @aw (1..3) one the unit supports (SAGAW)? */
static inline bool vtd_cq_sm_aw_ok(unsigned int aw, u64 cap)
{
	return aw >= 1 && aw <= 3 &&
	       (cap & BIT_ULL(VTD_CQ_CAP_SAGAW_SHIFT + aw));
}

/* The second-level part of a PASID entry: ECAP.SLTS, AW, SLPTPTR. */
static inline bool vtd_cq_sm_pe_sl_ok(u64 p0, u64 cap, u64 ecap,
				      unsigned int haw)
{
	return (ecap & VTD_CQ_ECAP_SLTS) &&
	       vtd_cq_sm_aw_ok(vtd_cq_sm_pe_aw(p0), cap) &&
	       !((p0 & VTD_CQ_SM_PE_SLPTPTR) & vtd_cq_addr_rsvd(haw));
}

/*
 * Is a present PASID table entry (qwords @p0 and @p2) well formed for this
 * unit: qword 0 bits 11:10 clear; a PGTT the unit supports (first-level:
 * ECAP.FLTS; second-level: ECAP.SLTS; nested: ECAP.NEST with both;
 * pass-through: ECAP.PT); for the types that use a second-level table an
 * AW the unit supports (CAP.SAGAW) and SLPTPTR below HAW; for
 * first-level, FLPM 4-level or 5-level (CAP.FL5LP) and FLPTPTR below HAW.
 * The first-level pointer of a nested entry is a guest-physical address
 * and is not checked here: the crash path never follows it.
 */
static inline bool vtd_cq_sm_pe_valid(u64 p0, u64 p2, u64 cap, u64 ecap,
				      unsigned int haw)
{
	unsigned int flpm = (p2 & VTD_CQ_SM_PE_FLPM) >> VTD_CQ_SM_PE_FLPM_SHIFT;

	if (p0 & VTD_CQ_SM_PE_RSVD0)
		return false;
	switch (vtd_cq_sm_pe_pgtt(p0)) {
	case VTD_CQ_SM_PGTT_FL:
		if (!(ecap & VTD_CQ_ECAP_FLTS))
			return false;
		if (flpm > 1 || (flpm == 1 && !(cap & VTD_CQ_CAP_FL5LP)))
			return false;
		return !((p2 & VTD_CQ_SM_PE_FLPTPTR) & vtd_cq_addr_rsvd(haw));
	case VTD_CQ_SM_PGTT_NESTED:
		if (!(ecap & VTD_CQ_ECAP_NEST) || !(ecap & VTD_CQ_ECAP_FLTS))
			return false;
		return vtd_cq_sm_pe_sl_ok(p0, cap, ecap, haw);
	case VTD_CQ_SM_PGTT_SL:
		return vtd_cq_sm_pe_sl_ok(p0, cap, ecap, haw);
	case VTD_CQ_SM_PGTT_PT:
		return ecap & VTD_CQ_ECAP_PT;
	default:
		return false;
	}
}

/*
 * The new qword 0 of a pass-through PASID entry: second-level only (PGTT
 * 010b) through the top-level table at @root_phys of an @aw hierarchy.
 * P and FPD are kept; SSADE and SLEE are cleared (no accessed/dirty
 * updates to the read-only identity table, no execute). DID (qword 1) and
 * every other qword stay, so one aligned 64-bit store switches the entry:
 * the hardware, which may fetch the 512-bit entry in pieces, sees either
 * the old or the new qword 0, each a complete valid entry (VT-d 9.6).
 */
static inline u64 vtd_cq_sm_pe_pt_rewrite(u64 p0, u64 root_phys,
					  unsigned int aw)
{
	return (p0 & (VTD_CQ_SM_PE_P | VTD_CQ_SM_PE_FPD)) |
	       ((u64)aw << VTD_CQ_SM_PE_AW_SHIFT) |
	       ((u64)VTD_CQ_SM_PGTT_SL << VTD_CQ_SM_PE_PGTT_SHIFT) |
	       (root_phys & VTD_CQ_SM_PE_SLPTPTR);
}

/* First-level paging entries, VT-d section 9.7. */

/*
 * Is the present entry @e of a top-level first-level table (PML4 or PML5)
 * well formed: PS clear (reserved at these levels), no address bit at or
 * above HAW?
 */
static inline bool vtd_cq_fl_top_entry_valid(u64 e, unsigned int haw)
{
	return !(e & VTD_CQ_FL_PS) &&
	       !((e & VTD_CQ_FL_ADDR) & vtd_cq_addr_rsvd(haw));
}

/* Validate every present entry of a first-level top-level table. */
static inline bool vtd_cq_fl_top_valid(const u64 *table, unsigned int haw)
{
	unsigned int i;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if ((e & VTD_CQ_FL_P) && !vtd_cq_fl_top_entry_valid(e, haw))
			return false;
	}
	return true;
}

/*
 * The first-level entry with permission revoked: R/W cleared (mode
 * write), or P and R/W cleared (mode all: not present, no access at all).
 * Only ever clears bits; a non-present entry is returned unchanged.
 */
static inline u64 vtd_cq_fl_revoke(u64 e, enum crash_dma_quiesce_mode mode)
{
	if (!(e & VTD_CQ_FL_P))
		return e;
	if (mode == CRASH_DMA_QUIESCE_ALL)
		return e & ~(VTD_CQ_FL_P | VTD_CQ_FL_RW);
	return e & ~VTD_CQ_FL_RW;
}

/* Revoke every present entry of a (validated) first-level top table. */
static inline unsigned int vtd_cq_fl_top_revoke(u64 *table,
						enum crash_dma_quiesce_mode mode,
						bool dry_run)
{
	unsigned int i, n = 0;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);
		u64 r = vtd_cq_fl_revoke(e, mode);

		if (r == e)
			continue;
		n++;
		if (!dry_run)
			WRITE_ONCE(table[i], r);
	}
	return n;
}

/**
 * struct vtd_cq_sm - scalable-mode state of one pass, besides the walk's
 * @pairs: open-addressing set of (DID << 20 | PASID) + 1 of the PASID
 *	entries whose IOTLB entries only a PASID-based IOTLB invalidation
 *	drops (VT-d 6.5.3.3): first-level entries the crash path blocked and
 *	pass-through entries it rewrote or blocked, in this pass or in an
 *	earlier pass of the same crash (their state tells); zeroed by the
 *	walk
 * @pairs_size: slots in @pairs, a power of two
 * @pairs_cap: at most this many pairs (0: 3/4 of @pairs_size); the early
 *	pass sets what the driver's queue can take beside the other
 *	descriptors of the invalidation
 * @defer: an entry whose pair does not fit is left unchanged, for the
 *	pass after the stop (the early pass); else it is changed and its
 *	pair counted in @pairs_lost (its invalidation cannot be sent)
 * @nr_pairs: pairs in @pairs
 * @pairs_lost: entries changed whose pair did not fit
 * @nr_deferred: entries left unchanged because their pair did not fit
 * @nr_pasid: PASID entries examined: present ones, and first-level or
 *	pass-through ones an earlier pass of the crash blocked
 * @nr_pasid_changed: PASID entries that lost write permission
 * @nr_pasid_written: PASID entries written (first-level blocked,
 *	pass-through rewritten or blocked)
 * @nr_ctx_written: context entries written (DTE and PRE cleared)
 */
struct vtd_cq_sm {
	u64 *pairs;
	u32 pairs_size;
	u32 pairs_cap;
	bool defer;
	u32 nr_pairs;
	u32 pairs_lost;
	u32 nr_deferred;
	u32 nr_pasid;
	u32 nr_pasid_changed;
	u32 nr_pasid_written;
	u32 nr_ctx_written;
};

/* Attempts at one entry that another CPU keeps changing (cmpxchg). */
#define VTD_CQ_SM_TRIES		4

/*
 * Make room for the PASID-based IOTLB invalidation of (@did, @pasid):
 * true when the pair is in the set (already, or added now). The set holds
 * at most @sm->pairs_cap pairs, and is kept at most 3/4 full.
 */
static inline bool vtd_cq_sm_pair_add(struct vtd_cq_sm *sm, u16 did, u32 pasid)
{
	u64 key = (((u64)did << 20) | (pasid & VTD_CQ_SM_PASID_MASK)) + 1;
	u32 cap = sm->pairs_size / 4 * 3, i, n;

	if (!sm->pairs_size)
		return false;
	if (sm->pairs_cap && sm->pairs_cap < cap)
		cap = sm->pairs_cap;
	i = (u32)((key * 0x9e3779b97f4a7c15ULL) >> 40) & (sm->pairs_size - 1);
	for (n = 0; n < sm->pairs_size; n++, i = (i + 1) & (sm->pairs_size - 1)) {
		if (sm->pairs[i] == key)
			return true;
		if (!sm->pairs[i])
			break;
	}
	if (n == sm->pairs_size || sm->nr_pairs >= cap)
		return false;
	sm->pairs[i] = key;
	sm->nr_pairs++;
	return true;
}

/* Decode a slot of @sm->pairs; false when the slot is empty. */
static inline bool vtd_cq_sm_pair_get(const struct vtd_cq_sm *sm, u32 slot,
				      u16 *did, u32 *pasid)
{
	u64 key = sm->pairs[slot];

	if (!key)
		return false;
	key--;
	*did = (u16)(key >> 20);
	*pasid = key & VTD_CQ_SM_PASID_MASK;
	return true;
}

/* Is @phys one of the pass-through replacement tables of this pass? */
static inline bool vtd_cq_sm_is_pt_root(const struct vtd_cq_walk *w, u64 phys)
{
	unsigned int aw;

	for (aw = 1; aw < 4; aw++)
		if (w->pt_root[aw] && w->pt_root[aw] == phys)
			return true;
	return false;
}

/* A second-level AW (1..3) with a replacement table, preferring @aw. */
static inline unsigned int vtd_cq_sm_pt_aw(const struct vtd_cq_walk *w,
					   unsigned int aw)
{
	if (vtd_cq_sm_aw_ok(aw, w->cap) && w->pt_root[aw])
		return aw;
	for (aw = 1; aw < 4; aw++)
		if (vtd_cq_sm_aw_ok(aw, w->cap) && w->pt_root[aw])
			return aw;
	return 0;
}

/*
 * Replace one qword of a context or PASID entry: a compare-and-exchange
 * against the value the walk read, so that a driver update racing with
 * the early pass (domain_context_clear_one(), intel_pasid_tear_down_entry()
 * on another CPU) is neither undone nor torn; written back for a
 * non-snooping unit. Return: false when the qword changed meanwhile.
 */
static inline bool vtd_cq_sm_replace(const struct vtd_cq_walk *w,
				     const struct vtd_cq_walk_ops *ops,
				     u64 *p, u64 old, u64 new)
{
	if (w->dry_run)
		return true;
	if (!vtd_cq_replace(p, old, new))
		return false;
	if (ops->flush && !(w->ecap & VTD_CQ_ECAP_C))
		ops->flush(ops->priv, p, sizeof(*p));
	return true;
}

/*
 * The new qword 0 of a present PASID entry that is to be changed in the
 * entry itself (@p0 of type first-level or pass-through), and whether its
 * PASID-based IOTLB invalidation is needed (always, for these types):
 *  - first-level: P cleared. The first-level table is never written: it
 *    may be a CPU page table (SVA: the bound mm's pgd, init_mm's for a
 *    supervisor bind), so the PASID is blocked, reads included;
 *  - pass-through: second-level translation through the read-only
 *    identity table (@w->pt_root) when the unit has second-level
 *    translation, else P cleared.
 * Sets *@blocked when the entry now refuses reads too although the mode
 * keeps them (mode write).
 */
static inline u64 vtd_cq_sm_pe_new(struct vtd_cq_walk *w, u64 p0,
				   bool *blocked)
{
	unsigned int aw;

	if (vtd_cq_sm_pe_pgtt(p0) == VTD_CQ_SM_PGTT_PT) {
		aw = w->ecap & VTD_CQ_ECAP_SLTS ?
		     vtd_cq_sm_pt_aw(w, vtd_cq_sm_pe_aw(p0)) : 0;
		if (aw)
			return vtd_cq_sm_pe_pt_rewrite(p0, w->pt_root[aw], aw);
	}
	*blocked = w->mode != CRASH_DMA_QUIESCE_ALL;
	return p0 & ~VTD_CQ_SM_PE_P;
}

/*
 * One PASID table entry @pe (8 qwords) for @pasid, present or not. Returns
 * a VTD_CQ_MEMO_* outcome: CHANGED when the entry lost write permission
 * (now, or earlier in this pass or crash), UNCHANGED when it had none to
 * lose (or is not present and was never made so by the crash path),
 * REJECTED when it is malformed, points to memory the walk may not use, or
 * kept changing under the walk (left alone). *@blocked is set when the
 * entry blocks reads too.
 *
 *  - second-level: W cleared in its top-level second-level table (only
 *    ever a table of the IOMMU's own format, never a CPU page table);
 *  - nested: the same in its second-level table, which translates every
 *    output of the first level; the first-level pointer is a
 *    guest-physical address the crash path never follows;
 *  - first-level, pass-through: the entry itself changes
 *    (vtd_cq_sm_pe_new()), one compare-and-exchange of qword 0; the
 *    other qwords do not change, so the hardware, which may fetch the
 *    512-bit entry in pieces, sees the old or the new entry. Not when its
 *    PASID-based IOTLB invalidation does not fit and @sm->defer is set.
 *
 * A not-present first-level or pass-through entry (P clear, PGTT 001b or
 * 100b) was blocked by an earlier pass of this crash (Linux clears a whole
 * entry, or all but FPD, when it tears one down): its invalidation is
 * queued again, so that the pass after the stop repeats what an
 * interrupted early pass may not have finished; likewise a second-level
 * entry through a replacement table.
 */
static inline unsigned int vtd_cq_sm_walk_pe(struct vtd_cq_walk *w,
					     struct vtd_cq_sm *sm,
					     const struct vtd_cq_walk_ops *ops,
					     struct crash_dma_quiesce_record *rec,
					     u64 *pe, u32 pasid, bool *blocked)
{
	unsigned int outcome = VTD_CQ_MEMO_REJECTED, tries, pgtt;
	u64 p0, p1, p2, new;
	bool blk;
	u16 did;

	for (tries = 0; tries < VTD_CQ_SM_TRIES; tries++) {
		p0 = READ_ONCE(pe[0]);
		p1 = READ_ONCE(pe[1]);
		p2 = READ_ONCE(pe[2]);
		did = vtd_cq_sm_pe_did(p1);
		pgtt = vtd_cq_sm_pe_pgtt(p0);
		if (!(p0 & VTD_CQ_SM_PE_P)) {
			if (pgtt != VTD_CQ_SM_PGTT_FL && pgtt != VTD_CQ_SM_PGTT_PT)
				return VTD_CQ_MEMO_UNCHANGED;
			sm->nr_pasid++;
			if (!vtd_cq_sm_pair_add(sm, did, pasid))
				sm->pairs_lost++;
			*blocked = w->mode != CRASH_DMA_QUIESCE_ALL;
			outcome = VTD_CQ_MEMO_CHANGED;
			break;
		}
		sm->nr_pasid++;
		if (!vtd_cq_sm_pe_valid(p0, p2, w->cap, w->ecap, w->haw))
			return VTD_CQ_MEMO_REJECTED;
		if (pgtt == VTD_CQ_SM_PGTT_SL || pgtt == VTD_CQ_SM_PGTT_NESTED) {
			if (vtd_cq_sm_is_pt_root(w, p0 & VTD_CQ_SM_PE_SLPTPTR)) {
				/* A pass-through entry rewritten earlier. */
				if (!vtd_cq_sm_pair_add(sm, did, pasid))
					sm->pairs_lost++;
				outcome = VTD_CQ_MEMO_CHANGED;
			} else {
				outcome = vtd_cq_walk_table(w, ops, rec,
							    p0 & VTD_CQ_SM_PE_SLPTPTR,
							    vtd_cq_sm_pe_aw(p0) + 2);
			}
			break;
		}
		blk = false;
		new = vtd_cq_sm_pe_new(w, p0, &blk);
		if (!vtd_cq_sm_pair_add(sm, did, pasid)) {
			if (sm->defer) {
				sm->nr_deferred++;
				return VTD_CQ_MEMO_UNCHANGED;
			}
			sm->pairs_lost++;
		}
		if (!vtd_cq_sm_replace(w, ops, &pe[0], p0, new)) {
			/* Changed meanwhile: look again. */
			sm->nr_pasid--;
			continue;
		}
		if (vtd_cq_sm_pe_pgtt(new) == VTD_CQ_SM_PGTT_SL)
			w->nr_identity++;
		sm->nr_pasid_written++;
		*blocked = blk;
		outcome = VTD_CQ_MEMO_CHANGED;
		break;
	}
	/*
	 * A table this pass already revoked reads as unchanged; without room
	 * in the memo, fall back to the domain id as the legacy walk does.
	 */
	if (outcome == VTD_CQ_MEMO_UNCHANGED && !vtd_cq_memo_room(w) &&
	    w->dids && vtd_cq_bit_test(w->dids, did))
		outcome = VTD_CQ_MEMO_CHANGED;
	if (outcome == VTD_CQ_MEMO_CHANGED) {
		sm->nr_pasid_changed++;
		if (w->dids && !vtd_cq_bit_test(w->dids, did)) {
			vtd_cq_bit_set(w->dids, did);
			w->nr_dids++;
		}
	}
	return outcome;
}

/* vtd_cq_sm_walk_dir() results (bits). */
#define VTD_CQ_SM_DIR_CHANGED	BIT(0)
#define VTD_CQ_SM_DIR_BLOCKED	BIT(1)

/*
 * Every PASID entry below the PASID directory of context qword 0 @c0.
 * Returns VTD_CQ_SM_DIR_CHANGED when at least one lost write permission,
 * VTD_CQ_SM_DIR_BLOCKED when at least one blocks reads too; sets
 * @w->timed_out when the deadline passed.
 */
static inline unsigned int vtd_cq_sm_walk_dir(struct vtd_cq_walk *w,
					      struct vtd_cq_sm *sm,
					      const struct vtd_cq_walk_ops *ops,
					      struct crash_dma_quiesce_record *rec,
					      u64 c0)
{
	u64 dir = c0 & VTD_CQ_SM_CTX_DIRPTR, *dp, *pt, pde;
	u32 n = vtd_cq_sm_dir_entries(c0), base, d, j, lim;
	unsigned int outcome, ret = 0;
	bool blocked;

	/* A directory page at a time, so that absent entries cost little. */
	for (base = 0; base < n; base += VTD_CQ_SM_PDE_PER_PAGE) {
		if (vtd_cq_walk_expired(w, ops)) {
			w->timed_out = true;
			return ret;
		}
		w->work += VTD_CQ_PAGE_WORK;
		dp = ops->map(ops->priv,
			      dir + (u64)(base / VTD_CQ_SM_PDE_PER_PAGE) *
			      VTD_CQ_PAGE_SIZE, VTD_CQ_PAGE_SIZE);
		if (!dp) {
			/* The context entry is what is rejected. */
			rec->entries_rejected++;
			return ret;
		}
		lim = n - base < VTD_CQ_SM_PDE_PER_PAGE ? n - base :
		      VTD_CQ_SM_PDE_PER_PAGE;
		for (d = base; d < base + lim; d++) {
			pde = READ_ONCE(dp[d - base]);
			if (!(pde & VTD_CQ_SM_PDE_P))
				continue;
			if (vtd_cq_walk_expired(w, ops)) {
				w->timed_out = true;
				return ret;
			}
			pt = NULL;
			w->work += VTD_CQ_PAGE_WORK;
			if (vtd_cq_sm_pde_valid(pde, w->haw))
				pt = ops->map(ops->priv, pde & VTD_CQ_SM_PDE_PTR,
					      VTD_CQ_PAGE_SIZE);
			if (!pt) {
				rec->entries_rejected++;
				continue;
			}
			for (j = 0; j < VTD_CQ_SM_PE_PER_TABLE; j++) {
				u64 *pe = &pt[j * VTD_CQ_SM_PE_QWORDS];

				if (!(READ_ONCE(pe[0]) &
				      (VTD_CQ_SM_PE_P | VTD_CQ_SM_PE_PGTT)))
					continue;
				if (vtd_cq_walk_expired(w, ops)) {
					w->timed_out = true;
					return ret;
				}
				blocked = false;
				outcome = vtd_cq_sm_walk_pe(w, sm, ops, rec, pe,
							    d << VTD_CQ_SM_PASID_SHIFT | j,
							    &blocked);
				if (outcome == VTD_CQ_MEMO_REJECTED)
					rec->entries_rejected++;
				else if (outcome == VTD_CQ_MEMO_CHANGED)
					ret |= VTD_CQ_SM_DIR_CHANGED;
				if (blocked)
					ret |= VTD_CQ_SM_DIR_BLOCKED;
			}
		}
	}
	return ret;
}

/*
 * One present scalable-mode context entry @ce (four qwords) of source id
 * @sid. A device with device-TLB (DTE) or page requests (PRE) enabled
 * loses both in one compare-and-exchange of qword 0: translated requests
 * from its ATC are then blocked by the IOMMU (VT-d 9.4), whatever the
 * device does with the device-TLB invalidation; its source id goes to
 * @w->ats.
 */
static inline void vtd_cq_sm_walk_ctx(struct vtd_cq_walk *w,
				      struct vtd_cq_sm *sm,
				      const struct vtd_cq_walk_ops *ops,
				      struct crash_dma_quiesce_record *rec,
				      u64 *ce, u16 sid)
{
	u64 c[VTD_CQ_SM_CTX_QWORDS];
	unsigned int i, tries, dir;

	for (tries = 0;; tries++) {
		if (tries == VTD_CQ_SM_TRIES) {
			rec->entries_rejected++;
			return;
		}
		for (i = 0; i < VTD_CQ_SM_CTX_QWORDS; i++)
			c[i] = READ_ONCE(ce[i]);
		if (!(c[0] & VTD_CQ_SM_CTX_P))
			return;
		if (!vtd_cq_sm_ctx_valid(c, w->haw)) {
			rec->entries_rejected++;
			return;
		}
		if (!(c[0] & (VTD_CQ_SM_CTX_DTE | VTD_CQ_SM_CTX_PRE)))
			break;
		if (!vtd_cq_sm_replace(w, ops, &ce[0], c[0],
				       c[0] & ~(VTD_CQ_SM_CTX_DTE |
						VTD_CQ_SM_CTX_PRE)))
			continue;
		sm->nr_ctx_written++;
		if (c[0] & VTD_CQ_SM_CTX_DTE)
			w->nr_ats_off++;
		if ((c[0] & VTD_CQ_SM_CTX_DTE) && w->ats &&
		    !vtd_cq_bit_test(w->ats, sid)) {
			vtd_cq_bit_set(w->ats, sid);
			w->nr_ats++;
		}
		break;
	}
	dir = vtd_cq_sm_walk_dir(w, sm, ops, rec, c[0]);
	if (dir & VTD_CQ_SM_DIR_CHANGED) {
		rec->entries_changed++;
		vtd_cq_bit_set(w->changed, sid);
	}
	if (dir & VTD_CQ_SM_DIR_BLOCKED)
		rec->entries_blocked++;
}

/*
 * vtd_cq_sm_walk() - one pass over a scalable-mode root table
 *
 * For every present half of every root entry (lower: devfn 0-127, upper:
 * devfn 128-255), every present context entry, every present entry of its
 * PASID directory (2^(PDTS + 7) entries) and every present PASID entry:
 * see vtd_cq_sm_walk_pe() and vtd_cq_sm_walk_ctx(). Every pointer is
 * validated (reserved bits, host address width, @ops->map) before use;
 * what fails is left alone and counted in @rec->entries_rejected. Tables
 * shared by several PASID entries or devices are validated and written
 * once when @w->memo is given. Stops when @ops->expired says so, asked
 * before every present root entry half and then as vtd_cq_walk_expired()
 * decides.
 *
 * In the record, entries_scanned counts present context entries,
 * entries_changed (and the changed bitmap) the devices of which at least
 * one PASID entry lost write permission, entries_blocked those of which
 * one now blocks reads too; @sm has the PASID-level counts. The caller
 * clears @rec, @w->changed, @w->ats, @w->dids and the memo at the start
 * of a pass (as for vtd_cq_walk()) and sets @sm->pairs_cap and
 * @sm->defer; the walk sets @rec->root_phys, @rec->root_size,
 * CRASH_DMA_QUIESCE_F_SCALABLE and @rec->state as vtd_cq_walk() does
 * (PARTIAL also when entries were deferred).
 */
static inline void vtd_cq_sm_walk(struct vtd_cq_walk *w, struct vtd_cq_sm *sm,
				  const struct vtd_cq_walk_ops *ops,
				  struct crash_dma_quiesce_record *rec)
{
	u64 *root, *ctx, e;
	unsigned int bus, half, i;
	u32 k;

	w->nr_ats = 0;
	w->nr_dids = 0;
	w->nr_identity = 0;
	w->nr_ats_off = 0;
	w->timed_out = false;
	w->work = 0;
	for (k = 0; k < sm->pairs_size; k++)
		sm->pairs[k] = 0;
	sm->nr_pairs = 0;
	sm->pairs_lost = 0;
	sm->nr_deferred = 0;
	sm->nr_pasid = 0;
	sm->nr_pasid_changed = 0;
	sm->nr_pasid_written = 0;
	sm->nr_ctx_written = 0;

	rec->root_phys = w->root_phys;
	rec->root_size = VTD_CQ_PAGE_SIZE;
	rec->flags |= CRASH_DMA_QUIESCE_F_SCALABLE;
	root = NULL;
	if (!(w->root_phys & ~VTD_CQ_PAGE_MASK) &&
	    !(w->root_phys & vtd_cq_addr_rsvd(w->haw)))
		root = ops->map(ops->priv, w->root_phys, VTD_CQ_PAGE_SIZE);
	if (!root) {
		rec->state = CRASH_DMA_QUIESCE_BAD_ROOT;
		return;
	}

	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES && !w->timed_out; bus++) {
		for (half = 0; half < 2 && !w->timed_out; half++) {
			e = READ_ONCE(root[2 * bus + half]);
			if (!(e & VTD_CQ_SM_ROOT_P))
				continue;
			if (ops->expired(ops->priv)) {
				w->timed_out = true;
				break;
			}
			w->work = 0;
			ctx = NULL;
			if (vtd_cq_sm_root_valid(e, w->haw))
				ctx = ops->map(ops->priv, e & VTD_CQ_SM_ROOT_CTP,
					       VTD_CQ_PAGE_SIZE);
			if (!ctx) {
				rec->entries_rejected++;
				continue;
			}
			for (i = 0; i < VTD_CQ_SM_CTX_ENTRIES; i++) {
				u64 *ce = &ctx[i * VTD_CQ_SM_CTX_QWORDS];

				if (!(READ_ONCE(ce[0]) & VTD_CQ_SM_CTX_P))
					continue;
				if (vtd_cq_walk_expired(w, ops)) {
					w->timed_out = true;
					break;
				}
				rec->entries_scanned++;
				vtd_cq_sm_walk_ctx(w, sm, ops, rec, ce,
						   (u16)(bus << 8 | half << 7 | i));
				if (w->timed_out)
					break;
			}
		}
	}

	if (w->nr_identity)
		rec->flags |= CRASH_DMA_QUIESCE_F_IDENTITY;
	if (w->nr_ats_off)
		rec->flags |= CRASH_DMA_QUIESCE_F_ATS_OFF;
	rec->domains_invalidated = w->nr_dids;
	if (w->timed_out)
		rec->state = CRASH_DMA_QUIESCE_TIMEOUT;
	else if (rec->entries_rejected || sm->nr_deferred)
		rec->state = CRASH_DMA_QUIESCE_PARTIAL;
	else
		rec->state = CRASH_DMA_QUIESCE_DONE;
}

/*
 * Did the pass write anything that needs invalidating: a table, a PASID
 * entry or a context entry (or find entries an earlier pass blocked)?
 */
static inline bool vtd_cq_sm_dirty(const struct crash_dma_quiesce_record *rec,
				   const struct vtd_cq_sm *sm)
{
	return rec->entries_changed || sm->nr_pasid_written ||
	       sm->nr_ctx_written;
}

#endif /* _INTEL_IOMMU_CRASH_QUIESCE_SM_HW_H */
