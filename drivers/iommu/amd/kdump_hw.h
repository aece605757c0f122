/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi capture-kernel takeover: the parts that touch no MMIO.
 *
 * Validation of a device table entry (DTE) copied from the crashed kernel,
 * the blocking entry that replaces a rejected one, and the bring-up quiesce
 * transform. Self-contained like crash_quiesce_hw.h, whose DTE layout and
 * transform are reused here, so that the userspace unit tests (tests/unit/)
 * compile the same source.
 *
 * Reference: AMD I/O Virtualization Technology (IOMMU) Specification,
 * publication 48882, revision 3.x, section 2.2.2 (Device Table Entry
 * Format) and section 2.2.5 (Interrupt Remapping Tables); the Device Table
 * Base Address Register is in section 3.4 (MMIO Offset 0000h).
 */
#ifndef _AMD_IOMMU_KDUMP_HW_H
#define _AMD_IOMMU_KDUMP_HW_H

#include "crash_quiesce_hw.h"

/*
 * DTE word 0 (DTE bits 63:0), beyond crash_quiesce_hw.h, 48882 section
 * 2.2.2: bits 6:2 reserved; Mode 7h (bits 11:9 all ones) reserved; GV
 * (guest translation valid) bit 55.
 */
#define AMD_KD_DTE_RSVD_LO	GENMASK_ULL(6, 2)
#define AMD_KD_DTE_MODE_SHIFT	9
#define AMD_KD_DTE_MODE_RSVD	7
#define AMD_KD_DTE_GV		BIT_ULL(55)

/*
 * DTE word 2 (DTE bits 191:128), 48882 section 2.2.2: IV (interrupt map
 * valid) bit 0, IntTabLen bits 4:1 (the table holds 2^IntTabLen entries),
 * IntTableRootPtr bits 51:6 (the table is 128-byte aligned, section
 * 2.2.5), IntCtl bits 61:60 (10b: remap through the table).
 */
#define AMD_KD_DTE2_IV		BIT_ULL(0)
#define AMD_KD_DTE2_LEN_SHIFT	1
#define AMD_KD_DTE2_LEN_MASK	GENMASK_ULL(4, 1)
#define AMD_KD_DTE2_IRTP_MASK	GENMASK_ULL(51, 6)
#define AMD_KD_DTE2_INTCTL_MASK	GENMASK_ULL(61, 60)
#define AMD_KD_DTE2_INTCTL_REMAP	(2ULL << 60)
#define AMD_KD_IRT_ALIGN	128
/*
 * Largest interrupt remapping table entry: the 128-bit IRTE of guest
 * virtual APIC mode (section 2.2.5.2; the 32-bit format is section
 * 2.2.5.1). The old table's format is not known for sure, so its extent is
 * checked for the larger one: a table of 2^IntTabLen 16-byte entries must
 * lie in old RAM.
 */
#define AMD_KD_IRTE_MAX_SIZE	16

/*
 * 128-bit IRTE (48882 section 2.2.5.2): RemapEn bit 0 and GuestMode bit 7
 * of the low quadword; in guest virtual APIC mode the high quadword's GA
 * Root Pointer (bits 51:12) is the guest's virtual APIC backing page, into
 * which the IOMMU posts the interrupt (a memory write).
 */
#define AMD_KD_IRTE_REMAP_EN	BIT_ULL(0)
#define AMD_KD_IRTE_GUEST_MODE	BIT_ULL(7)
#define AMD_KD_IRTE_GA_ROOT	GENMASK_ULL(51, 12)
/*
 * Control Register (MMIO Offset 0018h, 48882 section 3.4): GAEn bit 17,
 * interrupt remapping tables of 128-bit entries.
 */
#define AMD_KD_CTRL_GA_EN	BIT_ULL(17)

/* Device Table Base Address Register: at most 512 4-KiB pages (Size 1FFh). */
#define AMD_KD_DEVTAB_MAX	(512U * 4096U)

/**
 * typedef amd_kd_ram_fn - is [@phys, @phys + @size) usable old RAM?
 * @phys: physical address
 * @size: bytes
 */
typedef bool (*amd_kd_ram_fn)(u64 phys, u64 size);

/**
 * amd_kd_devtab_size() - bytes of a device table from its base register
 * @reg: Device Table Base Address Register (MMIO Offset 0000h)
 *
 * Return: (Size + 1) * 4 KiB, Size being bits 8:0 (48882 section 3.4).
 */
static inline u32 amd_kd_devtab_size(u64 reg)
{
	return ((u32)(reg & AMD_CQ_DEVTAB_SIZE_MASK) + 1) * 4096U;
}

/* The largest device table: 64K DTEs of 32 bytes (Size 1FFh, 48882 3.4). */
#define AMD_KD_DEVTAB_MAX	(512U * 4096U)

/**
 * amd_kd_devtab_size_ok() - a device table size a kernel of this machine
 *	programs
 * @size: bytes, from the Size field of the crashed kernel's Device Table
 *	Base Address Register (amd_kd_devtab_size())
 * @last_bdf: the last DeviceID of the segment (IVRS table)
 *
 * Linux sizes the table by @last_bdf (power-of-two pages of 32-byte DTEs;
 * 6.1, and 6.12 on most CPUs); Linux 6.12.118 uses the largest one, 2 MiB,
 * on CPU families 17h-1Ah (amd_iommu_force_max_dev_table()). A crashed
 * kernel of either kind may hand over to a capture kernel of the other:
 * both sizes are the machine's, any other is not.
 *
 * Return: true for the size by @last_bdf and for 2 MiB.
 */
static inline bool amd_kd_devtab_size_ok(u32 size, u32 last_bdf)
{
	u32 need = (last_bdf + 1) * 32U, by_bdf = 4096U;

	while (by_bdf < need && by_bdf < AMD_KD_DEVTAB_MAX)
		by_bdf <<= 1;
	return size == by_bdf || size == AMD_KD_DEVTAB_MAX;
}

/**
 * amd_kd_dte_check() - may a DTE of the crashed kernel be copied as it is?
 * @dte: the four 64-bit words of the entry, as read from the old table
 * @phys_bits: physical address width: address bits at or above it are
 *	reserved
 * @old_ram: accepts a range that lies in the crashed kernel's RAM
 *
 * Translation fields, when V=1 and TV=1: reserved bits 6:2 clear, Mode not
 * 7h, and for Modes 1h-6h a host page table root below @phys_bits inside
 * old RAM (the root is 4 KiB aligned by construction: bits 51:12).
 * (With V=0 or TV=0 the translation fields are not used:
 * amd_kd_dte_take() never installs them.)
 * Interrupt fields, whatever V says (IV alone makes bits 191:128 valid,
 * 48882 section 2.2.2), when interrupt remapping is set up (IV=1 and IntCtl
 * or IntTabLen non-zero): IntCtl 10b, IntTabLen at most 11 (2048 entries)
 * and an interrupt remapping table root inside old RAM.
 *
 * Return: NULL when the entry may be copied, else the reason it may not.
 */
static inline const char *amd_kd_dte_check(const u64 *dte,
					   unsigned int phys_bits,
					   amd_kd_ram_fn old_ram)
{
	u64 w0 = dte[0], w2 = dte[2];
	u64 rsvd = phys_bits < 52 ? GENMASK_ULL(51, phys_bits) : 0;
	unsigned int mode, len;
	u64 root, irt;

	if ((w0 & AMD_CQ_DTE_V) && (w0 & AMD_CQ_DTE_TV)) {
		if (w0 & AMD_KD_DTE_RSVD_LO)
			return "reserved DTE bits 6:2 set";
		mode = (w0 & AMD_CQ_DTE_MODE_MASK) >> AMD_KD_DTE_MODE_SHIFT;
		if (mode == AMD_KD_DTE_MODE_RSVD)
			return "reserved paging mode 7";
		root = w0 & AMD_CQ_DTE_ROOT_MASK;
		if (mode && (root & rsvd))
			return "page-table root beyond the physical address width";
		if (mode && !old_ram(root, 4096))
			return "page-table root outside the crashed kernel's RAM";
	}
	if ((w2 & AMD_KD_DTE2_IV) &&
	    (w2 & (AMD_KD_DTE2_INTCTL_MASK | AMD_KD_DTE2_LEN_MASK))) {
		if ((w2 & AMD_KD_DTE2_INTCTL_MASK) != AMD_KD_DTE2_INTCTL_REMAP)
			return "interrupt control field not 10b";
		len = (w2 & AMD_KD_DTE2_LEN_MASK) >> AMD_KD_DTE2_LEN_SHIFT;
		if (len > 11)
			return "reserved interrupt table length";
		irt = w2 & AMD_KD_DTE2_IRTP_MASK;
		if ((irt & (AMD_KD_IRT_ALIGN - 1)) || (irt & rsvd))
			return "interrupt remapping table misaligned";
		if (!old_ram(irt, (u64)AMD_KD_IRTE_MAX_SIZE << len))
			return "interrupt remapping table outside the crashed kernel's RAM";
	}
	return NULL;
}

/**
 * amd_kd_irt_ga_check() - may the capture kernel keep an interrupt
 *	remapping table of 128-bit entries?
 * @irt: the table, @entries pairs of 64-bit words, as read from old RAM
 * @entries: 2^IntTabLen of the DTE that points to it
 * @old_ram: accepts a range that lies in the crashed kernel's RAM
 *
 * An entry with RemapEn and GuestMode set makes the IOMMU write the
 * interrupt into the page its GA Root Pointer names (48882 section
 * 2.2.5.2): that page must lie in the crashed kernel's RAM, never in the
 * capture kernel's. Only for tables of 128-bit entries (the crashed
 * kernel's Control Register had GAEn set): a 32-bit entry has no guest
 * mode.
 *
 * Return: NULL when every entry may stay, else the reason.
 */
static inline const char *amd_kd_irt_ga_check(const u64 *irt,
					      unsigned int entries,
					      amd_kd_ram_fn old_ram)
{
	unsigned int i;

	for (i = 0; i < entries; i++)
		if ((irt[2 * i] & AMD_KD_IRTE_REMAP_EN) &&
		    (irt[2 * i] & AMD_KD_IRTE_GUEST_MODE) &&
		    !old_ram(irt[2 * i + 1] & AMD_KD_IRTE_GA_ROOT, 4096))
			return "guest-mode interrupt posted outside old RAM";
	return NULL;
}

/**
 * amd_kd_dte_block() - turn @dte into an entry that blocks its device
 * @dte: the four words of the new entry
 *
 * V=1, TV=1, Mode 0 (no translation, permission from IR/IW), IR=0, IW=0:
 * every DMA access of the device is refused (48882 section 2.2.2). Word 1
 * (DomainID 0, no IOTLB) and word 3 are cleared; word 2 keeps only IV, so
 * that interrupts of the device are not passed through unremapped (IV=1,
 * IntCtl 00b: fixed and arbitrated interrupts are target-aborted).
 */
static inline void amd_kd_dte_block(u64 *dte)
{
	dte[0] = AMD_CQ_DTE_V | AMD_CQ_DTE_TV;
	dte[1] = 0;
	dte[2] = AMD_KD_DTE2_IV;
	dte[3] = 0;
}

/**
 * amd_kd_dte_domid() - the DomainID of a DTE
 * @dte: the four words
 *
 * Return: DTE bits 79:64 (48882 section 2.2.2).
 */
static inline u16 amd_kd_dte_domid(const u64 *dte)
{
	return (u16)(dte[1] & AMD_CQ_DTE1_DOMID_MASK);
}

/**
 * amd_kd_dte_quiesce() - bring-up quiesce of a copied DTE
 * @w0: word 0 of the copy
 *
 * The crash path's transform (amd_cq_dte_transform(), mode write): IW
 * cleared for V=1, TV=1; V=1, TV=0 becomes V=1, TV=1, Mode 0, IR=1, IW=0.
 * Never adds a permission.
 *
 * Return: the new word 0.
 */
static inline u64 amd_kd_dte_quiesce(u64 w0)
{
	return amd_cq_dte_transform(w0, CRASH_DMA_QUIESCE_WRITE);
}

/**
 * enum amd_kd_verdict - what the takeover does with one old DTE
 * @AMD_KD_COPIED: the entry is taken over (its domain id stays reserved)
 * @AMD_KD_REJECTED: the entry failed validation; a blocking entry replaces
 *	it
 * @AMD_KD_EMPTY: V=0: the crashed kernel did not translate for the device;
 *	a blocking entry replaces it (only valid interrupt fields are kept)
 */
enum amd_kd_verdict {
	AMD_KD_COPIED,
	AMD_KD_REJECTED,
	AMD_KD_EMPTY,
};

/**
 * struct amd_kd_take - the outcome of amd_kd_dte_take()
 * @dte: the four words to install in the capture kernel's table
 * @reason: AMD_KD_REJECTED: why
 * @domid: AMD_KD_COPIED: the domain id the entry carries (0: none);
 *	AMD_KD_REJECTED: the domain id of a valid (V=1) rejected entry, which
 *	the IOMMU may have cached translations under: to be reserved for
 *	good (a flush of every cache without INVALIDATE_IOMMU_ALL, 48882
 *	section 2.4.8, reaches only the ids up to the last DeviceID)
 * @revoked: write permission was taken away
 * @live: AMD_KD_COPIED: the crashed kernel's entry let its device DMA
 *	(TV=0: untranslated; IR or IW; a page table; ATS translations, I) or
 *	carried a domain id: the device may still run that DMA, whatever the
 *	copy allows, and the entry is tracked until the device is quiesced.
 *	An entry that allowed nothing and carries no id need not be.
 */
struct amd_kd_take {
	u64 dte[4];
	const char *reason;
	u16 domid;
	bool revoked;
	bool live;
};

/**
 * amd_kd_take_reject() - the outcome of a rejected DTE
 * @old: the four words of the crashed kernel's entry
 * @reason: why it is rejected
 * @t: the outcome: a blocking entry; the domain id of a valid entry, which
 *	the IOMMU may have cached translations under, for reservation
 *
 * Return: AMD_KD_REJECTED.
 */
static inline enum amd_kd_verdict amd_kd_take_reject(const u64 *old,
						     const char *reason,
						     struct amd_kd_take *t)
{
	t->reason = reason;
	t->domid = (old[0] & AMD_CQ_DTE_V) ? amd_kd_dte_domid(old) : 0;
	t->revoked = false;
	t->live = false;
	amd_kd_dte_block(t->dte);
	return AMD_KD_REJECTED;
}

/**
 * amd_kd_dte_take() - decide what replaces one DTE of the crashed kernel
 * @old: the four words as read, once, from the old table
 * @phys_bits: physical address width (see amd_kd_dte_check())
 * @old_ram: accepts a range that lies in the crashed kernel's RAM
 * @quiesce: bring-up quiesce (iommu_kdump_quiesce=1): revoke write
 *	permission in every copied entry
 * @t: the outcome
 *
 * Every entry the capture kernel installs is fully decided here, because
 * Linux 6.1's init_device_table_dma() later sets V and TV in every entry of
 * the installed table: a field left as the crashed kernel wrote it in a
 * V=0 or TV=0 entry would then go live unchecked.
 *
 *   V=0            EMPTY: V=1, TV=1, Mode 0, IR=IW=0 (48882 section 2.2.2:
 *                  no access), word 1 and word 3 zero, word 2 kept only
 *                  when its interrupt fields passed the check
 *   fails the check  REJECTED: amd_kd_dte_block()
 *   V=1, TV=0      COPIED as V=1, TV=1, Mode 0, IR as it was, IW=0: DMA
 *                  was untranslated; the copy keeps at most reads and
 *                  gives no identity write access, and no stale
 *                  translation field becomes live
 *   Mode 0         COPIED with IW cleared: no identity write access to
 *                  physical memory, which includes the capture kernel's
 *                  own, before the device was reset
 *   Mode 1h-6h     COPIED as it was (root validated); IW cleared with
 *                  @quiesce
 *
 * Word 3 is never copied (as Linux 6.1); GCR3 fields in words 0-1 are
 * masked by the caller.
 *
 * Return: the verdict (also in @t).
 */
static inline enum amd_kd_verdict amd_kd_dte_take(const u64 *old,
						  unsigned int phys_bits,
						  amd_kd_ram_fn old_ram,
						  bool quiesce,
						  struct amd_kd_take *t)
{
	u64 w0 = old[0], w2 = old[2];

	t->reason = amd_kd_dte_check(old, phys_bits, old_ram);
	if (t->reason)
		return amd_kd_take_reject(old, t->reason, t);
	t->domid = 0;
	t->revoked = false;
	t->live = false;
	t->dte[1] = 0;
	t->dte[2] = (w2 & AMD_KD_DTE2_IV) ? w2 : 0;
	t->dte[3] = 0;
	if (!(w0 & AMD_CQ_DTE_V)) {
		t->dte[0] = AMD_CQ_DTE_V | AMD_CQ_DTE_TV;
		return AMD_KD_EMPTY;
	}
	t->dte[1] = old[1];
	t->domid = amd_kd_dte_domid(old);
	if (!(w0 & AMD_CQ_DTE_TV))
		t->dte[0] = AMD_CQ_DTE_V | AMD_CQ_DTE_TV | (w0 & AMD_CQ_DTE_IR);
	else if (!(w0 & AMD_CQ_DTE_MODE_MASK) || quiesce)
		t->dte[0] = amd_kd_dte_quiesce(w0);
	else
		t->dte[0] = w0;
	t->revoked = (w0 & AMD_CQ_DTE_IW) && !(t->dte[0] & AMD_CQ_DTE_IW);
	/* From the old entry: what the device may still be doing. */
	t->live = t->domid || !(w0 & AMD_CQ_DTE_TV) ||
		  (w0 & (AMD_CQ_DTE_IR | AMD_CQ_DTE_IW | AMD_CQ_DTE_MODE_MASK)) ||
		  (old[1] & AMD_CQ_DTE1_IOTLB);
	return AMD_KD_COPIED;
}

#endif /* _AMD_IOMMU_KDUMP_HW_H */
