/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VT-d capture-kernel takeover, scalable mode: the parts that touch no
 * MMIO.
 *
 * Validation of the scalable-mode root entry halves, context entries,
 * PASID directory entries and PASID entries copied from the crashed
 * kernel, and the bring-up quiesce transforms of PASID and context
 * entries. Self-contained like kdump_hw.h (whose helpers it reuses, as it
 * reuses the bit layouts and transforms of crash_quiesce_sm_hw.h), so
 * that the userspace unit tests and the fuzzer compile the same source.
 *
 * Reference: Intel Virtualization Technology for Directed I/O Architecture
 * Specification, revision 3.x/4.x: section 9.2 (scalable-mode root entry),
 * 9.4 (scalable-mode context entry), 9.5 (PASID directory entry), 9.6
 * (PASID table entry), 9.7 (first-level paging entries), 10.4.2 / 10.4.3
 * (CAP_REG, ECAP_REG).
 */
#ifndef _INTEL_IOMMU_KDUMP_SM_HW_H
#define _INTEL_IOMMU_KDUMP_SM_HW_H

#include "kdump_hw.h"
#include "crash_quiesce_sm_hw.h"

/* ECAP_REG, VT-d section 10.4.3: PRS bit 29 (page requests). */
#define VTD_KD_ECAP_PRS		BIT_ULL(29)
/* PASID directory entry, VT-d section 9.5: FPD bit 1. */
#define VTD_KD_SM_PDE_FPD	BIT_ULL(1)

/**
 * vtd_kd_sm_root_check() - may the context table of a root entry half be
 *	copied?
 * @e: a present half (lo: devfn 0-127, hi: devfn 128-255) of a
 *	scalable-mode root entry
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.2: bits 11:1 reserved, the 4 KiB context table (LCTP or
 * UCTP, bits 63:12) below @haw and in old RAM.
 *
 * Return: NULL when usable, else the reason.
 */
static inline const char *vtd_kd_sm_root_check(u64 e, unsigned int haw,
					       vtd_kd_ram_fn old_ram)
{
	u64 ctp = e & VTD_CQ_SM_ROOT_CTP;

	if (e & VTD_CQ_SM_ROOT_RSVD)
		return "reserved root entry bits set";
	if (ctp & vtd_cq_addr_rsvd(haw))
		return "context-table pointer beyond the host address width";
	if (!old_ram(ctp, VTD_CQ_PAGE_SIZE))
		return "context-table pointer outside the crashed kernel's RAM";
	return NULL;
}

/* Bytes of the PASID directory of context qword 0 @c0, in whole pages. */
static inline u64 vtd_kd_sm_dir_bytes(u64 c0)
{
	u64 n = (u64)vtd_cq_sm_dir_entries(c0) * 8;

	return n < VTD_CQ_PAGE_SIZE ? VTD_CQ_PAGE_SIZE : n;
}

/**
 * vtd_kd_sm_ctx_check() - may a present scalable-mode context entry be
 *	copied (before its PASID entries are looked at)?
 * @ce: the four qwords
 * @ecap: ECAP_REG of the unit
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.4: reserved bits clear (vtd_cq_sm_ctx_valid()); DTE only
 * with ECAP.DT, PASIDE only with ECAP.PASID, PRE only with ECAP.PRS; the
 * PASID directory (2^(PDTS + 7) entries of 8 bytes, at least the page it
 * starts) below HAW and inside old RAM.
 *
 * Return: NULL when the entry may be copied, else the reason.
 */
static inline const char *vtd_kd_sm_ctx_check(const u64 *ce, u64 ecap,
					      unsigned int haw,
					      vtd_kd_ram_fn old_ram)
{
	if (!vtd_cq_sm_ctx_valid(ce, haw))
		return "reserved context entry bits set";
	if ((ce[0] & VTD_CQ_SM_CTX_DTE) && !(ecap & VTD_CQ_ECAP_DT))
		return "device-TLB enabled without ECAP.DT";
	if ((ce[0] & VTD_CQ_SM_CTX_PASIDE) && !(ecap & VTD_CQ_ECAP_PASID))
		return "PASID enabled without ECAP.PASID";
	if ((ce[0] & VTD_CQ_SM_CTX_PRE) && !(ecap & VTD_KD_ECAP_PRS))
		return "page requests enabled without ECAP.PRS";
	if (!old_ram(ce[0] & VTD_CQ_SM_CTX_DIRPTR, vtd_kd_sm_dir_bytes(ce[0])))
		return "PASID directory outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_sm_pde_check() - may a present PASID directory entry be used?
 * @pde: the entry
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.5: bits 11:2 reserved, the 4 KiB PASID table below HAW
 * and inside old RAM.
 *
 * Return: NULL when usable, else the reason.
 */
static inline const char *vtd_kd_sm_pde_check(u64 pde, unsigned int haw,
					      vtd_kd_ram_fn old_ram)
{
	if (!vtd_cq_sm_pde_valid(pde, haw))
		return "reserved PASID directory entry bits set";
	if (!old_ram(pde & VTD_CQ_SM_PDE_PTR, VTD_CQ_PAGE_SIZE))
		return "PASID table outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_sm_pe_check() - may a present PASID entry be copied?
 * @pe: its qwords 0-2
 * @cap: CAP_REG of the unit
 * @ecap: ECAP_REG of the unit
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.6: well formed for the unit (vtd_cq_sm_pe_valid(): PGTT
 * allowed by ECAP, AW by CAP.SAGAW, FLPM by CAP.FL5LP, reserved bits), a
 * domain id below 2^(4 + 2 * CAP.ND), the second-level table of a
 * second-level or nested entry and the first-level table of a first-level
 * entry inside old RAM. A nested entry's first-level pointer is a
 * guest-physical address: not an address in old RAM to check.
 *
 * Return: NULL when the entry may be copied, else the reason.
 */
static inline const char *vtd_kd_sm_pe_check(const u64 *pe, u64 cap, u64 ecap,
					     unsigned int haw,
					     vtd_kd_ram_fn old_ram)
{
	unsigned int pgtt = vtd_cq_sm_pe_pgtt(pe[0]);

	if (!vtd_cq_sm_pe_valid(pe[0], pe[2], cap, ecap, haw))
		return "PASID entry malformed or of a type the unit does not support";
	if (vtd_cq_sm_pe_did(pe[1]) >= vtd_kd_ndoms(cap))
		return "domain id beyond the supported number";
	if ((pgtt == VTD_CQ_SM_PGTT_SL || pgtt == VTD_CQ_SM_PGTT_NESTED) &&
	    !old_ram(pe[0] & VTD_CQ_SM_PE_SLPTPTR, VTD_CQ_PAGE_SIZE))
		return "second-level table outside the crashed kernel's RAM";
	if (pgtt == VTD_CQ_SM_PGTT_FL &&
	    !old_ram(pe[2] & VTD_CQ_SM_PE_FLPTPTR, VTD_CQ_PAGE_SIZE))
		return "first-level table outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_fl_top_check() - may a top-level first-level table be copied for
 *	the bring-up quiesce?
 * @table: the 512 entries, as read from the crashed kernel's memory
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * Every present entry well formed (vtd_cq_fl_top_valid(), VT-d section
 * 9.7: no PS at this level) and pointing to a 4 KiB table inside old RAM:
 * the copy keeps those pointers and the hardware walks them.
 *
 * Return: NULL when the table may be copied, else the reason.
 */
static inline const char *vtd_kd_fl_top_check(const u64 *table,
					      unsigned int haw,
					      vtd_kd_ram_fn old_ram)
{
	unsigned int i;

	if (!vtd_cq_fl_top_valid(table, haw))
		return "reserved bits set in the top-level first-level table";
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++)
		if ((table[i] & VTD_CQ_FL_P) &&
		    !old_ram(table[i] & VTD_CQ_FL_ADDR, VTD_CQ_PAGE_SIZE))
			return "first-level table points outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_sm_pe_needs_quiesce() - must a valid PASID entry lose write
 *	permission even without the bring-up quiesce?
 * @p0: qword 0 of a PASID entry that passed vtd_kd_sm_pe_check()
 *
 * A pass-through entry (PGTT 100b, VT-d section 9.6) gives its device
 * untranslated access to all of memory, the capture kernel's included: as
 * in legacy mode, the takeover makes it translate through a read-only
 * identity table (vtd_kd_sm_pe_quiesce()) before the device was reset.
 *
 * Return: true for a pass-through entry.
 */
static inline bool vtd_kd_sm_pe_needs_quiesce(u64 p0)
{
	return vtd_cq_sm_pe_pgtt(p0) == VTD_CQ_SM_PGTT_PT;
}

/**
 * vtd_kd_sm_pe_pasid_tagged() - are the IOTLB entries of a PASID entry
 *	tagged with its PASID?
 * @p0: qword 0 of a valid PASID entry
 *
 * First-level, nested and pass-through translations (PGTT 001b, 011b,
 * 100b) are removed from the IOTLB by a PASID-based IOTLB invalidation
 * only (VT-d section 6.5.2.4; 6.5.3.3 for nested and pass-through): a
 * domain-selective IOTLB invalidation of the domain id, which is what
 * releasing an old id sends, leaves them.
 *
 * Return: true for those types.
 */
static inline bool vtd_kd_sm_pe_pasid_tagged(u64 p0)
{
	unsigned int pgtt = vtd_cq_sm_pe_pgtt(p0);

	return pgtt == VTD_CQ_SM_PGTT_FL || pgtt == VTD_CQ_SM_PGTT_NESTED ||
	       pgtt == VTD_CQ_SM_PGTT_PT;
}

/**
 * vtd_kd_sm_pe_quiesce() - the bring-up quiesce of a validated PASID entry
 * @pe: its qwords 0-2, changed in place
 * @top: physical address of the write-revoked copy of its top-level table
 *	(second-level for PGTT 2 and 3, first-level for PGTT 1); unused for
 *	pass-through
 * @identity: read-only identity tables by AW (1..3), 0 where none
 * @cap: CAP_REG of the unit
 * @ecap: ECAP_REG of the unit
 *
 * Second-level and nested: SLPTPTR points to @top. First-level: FLPTPTR
 * points to @top, and WPE is set where supervisor requests are enabled.
 * Pass-through: second-level translation through the identity table
 * (vtd_cq_sm_pe_pt_rewrite()) when the unit has second-level translation
 * and a table of a supported AW exists, else not present. Nothing else
 * changes: DID, AW (but for pass-through), the other fields.
 */
static inline void vtd_kd_sm_pe_quiesce(u64 *pe, u64 top, const u64 *identity,
					u64 cap, u64 ecap)
{
	unsigned int aw;

	switch (vtd_cq_sm_pe_pgtt(pe[0])) {
	case VTD_CQ_SM_PGTT_SL:
	case VTD_CQ_SM_PGTT_NESTED:
		pe[0] = (pe[0] & ~VTD_CQ_SM_PE_SLPTPTR) |
			(top & VTD_CQ_SM_PE_SLPTPTR);
		break;
	case VTD_CQ_SM_PGTT_FL:
		pe[2] = (pe[2] & ~VTD_CQ_SM_PE_FLPTPTR) |
			(top & VTD_CQ_SM_PE_FLPTPTR);
		if (pe[2] & VTD_CQ_SM_PE_SRE)
			pe[2] |= VTD_CQ_SM_PE_WPE;
		break;
	default:	/* pass-through */
		aw = vtd_cq_sm_pe_aw(pe[0]);
		if (!vtd_cq_sm_aw_ok(aw, cap) || !identity[aw])
			for (aw = 1; aw < 4; aw++)
				if (vtd_cq_sm_aw_ok(aw, cap) && identity[aw])
					break;
		if ((ecap & VTD_CQ_ECAP_SLTS) && aw < 4)
			pe[0] = vtd_cq_sm_pe_pt_rewrite(pe[0], identity[aw], aw);
		else
			pe[0] &= ~VTD_CQ_SM_PE_P;
		break;
	}
}

/**
 * vtd_kd_sm_ctx_retarget() - point a context entry at a copied PASID
 *	directory
 * @c0: its qword 0
 * @dir: physical address of the copy (in capture-kernel memory)
 *
 * Only PASIDDIRPTR (bits 63:12) changes; PDTS, DTE, PASIDE, PRE and the
 * other bits are kept (VT-d section 9.4).
 *
 * Return: the new qword 0.
 */
static inline u64 vtd_kd_sm_ctx_retarget(u64 c0, u64 dir)
{
	return (c0 & ~VTD_CQ_SM_CTX_DIRPTR) | (dir & VTD_CQ_SM_CTX_DIRPTR);
}

/**
 * vtd_kd_sm_ctx_quiesce() - the bring-up quiesce of a context entry
 * @c0: its qword 0
 * @dir: physical address of the copied PASID directory
 *
 * The copy points to @dir and has DTE and PRE cleared: translated
 * requests from the device's ATC are blocked (VT-d section 9.4). PDTS and
 * the other bits are kept.
 *
 * Return: the new qword 0.
 */
static inline u64 vtd_kd_sm_ctx_quiesce(u64 c0, u64 dir)
{
	return (c0 & ~(VTD_CQ_SM_CTX_DIRPTR | VTD_CQ_SM_CTX_DTE |
		       VTD_CQ_SM_CTX_PRE)) | (dir & VTD_CQ_SM_CTX_DIRPTR);
}

#endif /* _INTEL_IOMMU_KDUMP_SM_HW_H */
