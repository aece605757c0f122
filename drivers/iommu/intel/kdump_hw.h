/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VT-d capture-kernel takeover: the parts that touch no MMIO.
 *
 * Validation of the root and legacy-mode context entries copied from the
 * crashed kernel, and the bring-up quiesce transforms. Self-contained like
 * crash_quiesce_hw.h, whose bit layouts, entry checks and second-level
 * transforms are reused here, so that the userspace unit tests
 * (tests/unit/) compile the same source.
 *
 * Reference: Intel Virtualization Technology for Directed I/O Architecture
 * Specification, revision 3.x/4.x: section 9.1 (root entry), section 9.3
 * (context entry), section 9.8 (second-level paging entries), section
 * 10.4.2 (CAP_REG) and section 10.4.6 (RTADDR_REG).
 */
#ifndef _INTEL_IOMMU_KDUMP_HW_H
#define _INTEL_IOMMU_KDUMP_HW_H

#include "crash_quiesce_hw.h"

/*
 * CAP_REG, VT-d section 10.4.2: ND bits 2:0, the number of domain ids
 * supported is 2^(4 + 2 * ND) (000b: 16 ... 110b: 65536; 111b reserved).
 */
#define VTD_KD_CAP_ND_MASK	GENMASK_ULL(2, 0)

/**
 * typedef vtd_kd_ram_fn - is [@phys, @phys + @size) usable old RAM?
 * @phys: physical address
 * @size: bytes
 */
typedef bool (*vtd_kd_ram_fn)(u64 phys, u64 size);

/**
 * vtd_kd_ndoms() - domain ids a unit supports
 * @cap: CAP_REG
 *
 * Return: 2^(4 + 2 * CAP.ND), at most 65536 (ND 111b is reserved and
 * treated as 110b).
 */
static inline u32 vtd_kd_ndoms(u64 cap)
{
	u32 nd = cap & VTD_KD_CAP_ND_MASK;

	if (nd > 6)
		nd = 6;
	return 1U << (4 + 2 * nd);
}

/**
 * vtd_kd_root_check() - may the context table of a root entry be copied?
 * @lo: bits 63:0 of a present legacy-mode root entry
 * @hi: bits 127:64
 * @haw: host address width: address bits at or above it are reserved
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.1: bits 11:1 and 127:64 reserved; CTP (bits 63:12) below
 * @haw, the 4 KiB context table inside old RAM.
 *
 * Return: NULL when usable, else the reason.
 */
static inline const char *vtd_kd_root_check(u64 lo, u64 hi, unsigned int haw,
					    vtd_kd_ram_fn old_ram)
{
	u64 ctp = lo & VTD_CQ_ROOT_CTP;

	if ((lo & VTD_CQ_ROOT_RSVD_LO) || hi)
		return "reserved root entry bits set";
	if (ctp & vtd_cq_addr_rsvd(haw))
		return "context-table pointer beyond the host address width";
	if (!old_ram(ctp, VTD_CQ_PAGE_SIZE))
		return "context-table pointer outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_ctx_check() - may a present legacy context entry be copied?
 * @lo: bits 63:0
 * @hi: bits 127:64
 * @cap: CAP_REG of the unit
 * @ecap: ECAP_REG of the unit
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * VT-d section 9.3: reserved bits clear, a translation type and address
 * width the unit supports (vtd_cq_ctx_valid()), a domain id below
 * 2^(4 + 2 * CAP.ND); for translated types (TT 00b and 01b) the
 * second-level page-table root inside old RAM. SLPTPTR is ignored by the
 * hardware for pass-through (TT 10b).
 *
 * Return: NULL when the entry may be copied, else the reason.
 */
static inline const char *vtd_kd_ctx_check(u64 lo, u64 hi, u64 cap, u64 ecap,
					   unsigned int haw,
					   vtd_kd_ram_fn old_ram)
{
	if ((lo & VTD_CQ_CTX_RSVD_LO) || (hi & VTD_CQ_CTX_RSVD_HI))
		return "reserved context entry bits set";
	if (!vtd_cq_ctx_valid(lo, hi, cap, ecap, haw))
		return "translation type or address width not supported";
	if (vtd_cq_ctx_did(hi) >= vtd_kd_ndoms(cap))
		return "domain id beyond the supported number";
	if (vtd_cq_ctx_tt(lo) != VTD_CQ_CTX_TT_PASS_THROUGH &&
	    !old_ram(lo & VTD_CQ_CTX_SLPTPTR, VTD_CQ_PAGE_SIZE))
		return "page-table root outside the crashed kernel's RAM";
	return NULL;
}

/**
 * vtd_kd_ctx_needs_quiesce() - must a valid context entry lose write
 *	permission even without the bring-up quiesce?
 * @lo: bits 63:0 of a context entry that passed vtd_kd_ctx_check()
 *
 * A pass-through entry (TT 10b, VT-d section 9.3) gives its device
 * untranslated access to all of memory, the capture kernel's included:
 * the takeover makes it translate through a read-only identity table
 * (vtd_cq_ctx_pt_rewrite()) before the device was reset.
 *
 * Return: true for a pass-through entry.
 */
static inline bool vtd_kd_ctx_needs_quiesce(u64 lo)
{
	return vtd_cq_ctx_tt(lo) == VTD_CQ_CTX_TT_PASS_THROUGH;
}

/**
 * vtd_kd_ctx_retarget() - point a translated context entry at another
 *	top-level second-level table
 * @lo: bits 63:0 of a valid translated (TT 00b or 01b) context entry
 * @table_phys: 4 KiB aligned physical address of the new top-level table
 *
 * Only SLPTPTR (bits 63:12) changes; P, FPD, TT and the high quadword (AW,
 * DID) are kept (VT-d section 9.3).
 *
 * Return: the new low quadword.
 */
static inline u64 vtd_kd_ctx_retarget(u64 lo, u64 table_phys)
{
	return (lo & ~VTD_CQ_CTX_SLPTPTR) | (table_phys & VTD_CQ_CTX_SLPTPTR);
}

/**
 * vtd_kd_sl_top_check() - may a top-level second-level table be copied for
 *	the bring-up quiesce?
 * @table: the 512 entries, as read from the crashed kernel's memory
 * @levels: paging levels of the hierarchy (3, 4 or 5: context AW + 2)
 * @cap: CAP_REG of the unit
 * @ecap: ECAP_REG of the unit
 * @haw: host address width
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * Every present entry must be well formed (vtd_cq_sl_top_valid(), VT-d
 * section 9.8), and every present non-leaf entry (all of them, but a
 * 1 GiB page in a 3-level hierarchy) must point to a 4 KiB table inside
 * old RAM: the copy keeps those pointers, and the hardware walks them.
 *
 * Return: NULL when the table may be copied, else the reason.
 */
static inline const char *vtd_kd_sl_top_check(const u64 *table,
					      unsigned int levels, u64 cap,
					      u64 ecap, unsigned int haw,
					      vtd_kd_ram_fn old_ram)
{
	unsigned int i;
	u64 e;

	if (!vtd_cq_sl_top_valid(table, levels, cap, ecap, haw))
		return "reserved bits set in the top-level page table";
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		e = table[i];
		if (!vtd_cq_sl_present(e) || (levels == 3 && (e & VTD_CQ_SL_PS)))
			continue;
		if (!old_ram(e & VTD_CQ_SL_ADDR, VTD_CQ_PAGE_SIZE))
			return "top-level page table points outside the crashed kernel's RAM";
	}
	return NULL;
}

/*
 * Interrupt remapping table entry for posted interrupts, VT-d section
 * 9.11: P bit 0, IM (posted) bit 15, the posted-interrupt descriptor's
 * address bits 31:6 in bits 63:38 and bits 63:32 in bits 127:96.
 */
#define VTD_KD_IRTE_P		BIT_ULL(0)
#define VTD_KD_IRTE_IM		BIT_ULL(15)
#define VTD_KD_IRTE_PDA_LO	GENMASK_ULL(63, 38)
#define VTD_KD_IRTE_PDA_HI	GENMASK_ULL(63, 32)
/* The descriptor is 64 bytes (section 9.12). */
#define VTD_KD_PID_SIZE		64

/**
 * vtd_kd_irte_check() - may a copied interrupt remapping entry stay?
 * @lo: bits 63:0 of the entry
 * @hi: bits 127:64
 * @old_ram: accepts a range in the crashed kernel's RAM
 *
 * A present posted-interrupt entry makes the unit write into its
 * descriptor: that must lie in the crashed kernel's RAM, never in the
 * capture kernel's. Remapped (IM=0) entries write nothing.
 *
 * Return: NULL when the entry may stay, else the reason.
 */
static inline const char *vtd_kd_irte_check(u64 lo, u64 hi,
					    vtd_kd_ram_fn old_ram)
{
	u64 pda;

	if (!(lo & VTD_KD_IRTE_P) || !(lo & VTD_KD_IRTE_IM))
		return NULL;
	pda = ((lo & VTD_KD_IRTE_PDA_LO) >> 32) | (hi & VTD_KD_IRTE_PDA_HI);
	if (!old_ram(pda, VTD_KD_PID_SIZE))
		return "posted-interrupt descriptor outside the crashed kernel's RAM";
	return NULL;
}

#endif /* _INTEL_IOMMU_KDUMP_HW_H */
