/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VT-d crash-path DMA quiesce: the parts that touch no MMIO.
 *
 * Bit layouts, the context-entry and second-level transforms, the
 * invalidation descriptor encoders and the walk over a legacy-mode root
 * table. Everything here is static inline and self-contained (it does not
 * include drivers/iommu/intel/iommu.h), so that the same source is compiled
 * into the kernel (drivers/iommu/intel/crash_quiesce.c) and into the
 * userspace unit tests and benchmarks (tests/unit/, with the shim headers
 * of tests/unit/include).
 *
 * Reference: Intel Virtualization Technology for Directed I/O Architecture
 * Specification, revision 3.x/4.x ("VT-d" below):
 *  - section 9.1: Root Entry;
 *  - section 9.3: Context Entry (legacy mode);
 *  - section 9.8: Second-Level Paging Entries;
 *  - section 6.5.2: Queued Invalidation descriptors (6.5.2.1
 *    context-cache, 6.5.2.3 IOTLB, 6.5.2.5 device-TLB, 6.5.2.8
 *    invalidation wait);
 *  - section 10.4: Register Descriptions (10.4.2 CAP_REG, 10.4.3
 *    ECAP_REG, 10.4.4 GCMD_REG, 10.4.5 GSTS_REG, 10.4.6 RTADDR_REG,
 *    10.4.7 CCMD_REG, IOTLB_REG, 10.4.9 FSTS_REG, IQH_REG, IQT_REG,
 *    IQA_REG; the numbering of the later registers changed between
 *    revisions, they are named by their register mnemonic).
 */
#ifndef _INTEL_IOMMU_CRASH_QUIESCE_HW_H
#define _INTEL_IOMMU_CRASH_QUIESCE_HW_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/crash_dma_quiesce.h>

#define VTD_CQ_PAGE_SIZE	4096
#define VTD_CQ_PAGE_MASK	GENMASK_ULL(63, 12)

/*
 * Register offsets, VT-d section 10.4 (Table "Intel IOMMU Register
 * Address Offsets").
 */
#define VTD_CQ_REG_VER		0x00	/* 32-bit, version */
#define VTD_CQ_REG_CAP		0x08	/* 64-bit, capability */
#define VTD_CQ_REG_ECAP		0x10	/* 64-bit, extended capability */
#define VTD_CQ_REG_GCMD		0x18	/* 32-bit, global command */
#define VTD_CQ_REG_GSTS		0x1c	/* 32-bit, global status */
#define VTD_CQ_REG_RTADDR	0x20	/* 64-bit, root table address */
#define VTD_CQ_REG_CCMD		0x28	/* 64-bit, context command */
#define VTD_CQ_REG_FSTS		0x34	/* 32-bit, fault status */
#define VTD_CQ_REG_IQH		0x80	/* 64-bit, invalidation queue head */
#define VTD_CQ_REG_IQT		0x88	/* 64-bit, invalidation queue tail */
#define VTD_CQ_REG_IQA		0x90	/* 64-bit, invalidation queue address */

/*
 * VER_REG, VT-d section 10.4.1: major version bits 7:4, minor bits 3:0.
 * From major version 6 on there is no register-based invalidation (VT-d
 * section 6.5, revision 3.3): CCMD_REG and IOTLB_REG are not implemented.
 */
#define VTD_CQ_VER_MAJOR_SHIFT	4
#define VTD_CQ_VER_MAJOR_MASK	GENMASK(7, 4)
#define VTD_CQ_VER_NO_REG_INVAL	6

/*
 * CAP_REG, VT-d section 10.4.2: RWBF bit 4 (write-buffer flushing
 * required), SAGAW bits 12:8 (bit 8 + n set: AW = n supported; n = 1
 * 39-bit 3-level, n = 2 48-bit 4-level, n = 3 57-bit 5-level), SLLPS bits
 * 37:34 (bit 34 2 MiB, bit 35 1 GiB second-level pages).
 */
#define VTD_CQ_CAP_RWBF		BIT_ULL(4)
#define VTD_CQ_CAP_SAGAW_SHIFT	8
#define VTD_CQ_CAP_SAGAW_MASK	GENMASK_ULL(12, 8)
#define VTD_CQ_CAP_SLLPS_MASK	GENMASK_ULL(37, 34)
#define VTD_CQ_CAP_SLLPS_2M	BIT_ULL(34)
#define VTD_CQ_CAP_SLLPS_1G	BIT_ULL(35)

/*
 * ECAP_REG, VT-d section 10.4.3: C bit 0 (page-walk coherency), QI bit 1
 * (queued invalidation), DT bit 2 (device-TLB), PT bit 6 (pass-through),
 * SC bit 7 (snoop control), IRO bits 17:8 (IOTLB register offset in
 * 16-byte units; IVA_REG at IRO * 16, IOTLB_REG at IRO * 16 + 8).
 */
#define VTD_CQ_ECAP_C		BIT_ULL(0)
#define VTD_CQ_ECAP_QI		BIT_ULL(1)
#define VTD_CQ_ECAP_DT		BIT_ULL(2)
#define VTD_CQ_ECAP_PT		BIT_ULL(6)
#define VTD_CQ_ECAP_SC		BIT_ULL(7)
#define VTD_CQ_ECAP_IRO_SHIFT	8
#define VTD_CQ_ECAP_IRO_MASK	GENMASK_ULL(17, 8)

/*
 * GCMD_REG / GSTS_REG, VT-d sections 10.4.4 and 10.4.5: the command bit
 * and its status bit share a position. TE/TES 31, SRTP/RTPS 30, SFL/FLS
 * 29, EAFL/AFLS 28, WBF/WBFS 27, QIE/QIES 26, IRE/IRES 25, SIRTP/IRTPS 24,
 * CFI/CFIS 23. SRTP, SFL, WBF and SIRTP are one-shot commands; the others
 * are persistent enables, which a GCMD write must repeat from GSTS.
 */
#define VTD_CQ_GCMD_TE		BIT(31)
#define VTD_CQ_GCMD_SRTP	BIT(30)
#define VTD_CQ_GCMD_SFL		BIT(29)
#define VTD_CQ_GCMD_EAFL	BIT(28)
#define VTD_CQ_GCMD_WBF		BIT(27)
#define VTD_CQ_GCMD_QIE		BIT(26)
#define VTD_CQ_GCMD_IRE		BIT(25)
#define VTD_CQ_GCMD_SIRTP	BIT(24)
#define VTD_CQ_GCMD_CFI		BIT(23)
#define VTD_CQ_GCMD_PERSISTENT	(VTD_CQ_GCMD_TE | VTD_CQ_GCMD_EAFL | \
				 VTD_CQ_GCMD_QIE | VTD_CQ_GCMD_IRE | \
				 VTD_CQ_GCMD_CFI)
#define VTD_CQ_GSTS_TES		BIT(31)
#define VTD_CQ_GSTS_WBFS	BIT(27)
#define VTD_CQ_GSTS_QIES	BIT(26)

/*
 * RTADDR_REG, VT-d section 10.4.6: RTA bits 63:12, TTM bits 11:10
 * (00 legacy mode, 01 scalable mode (SMT, bit 10), 11 abort-DMA mode).
 */
#define VTD_CQ_RTADDR_RTA	GENMASK_ULL(63, 12)
#define VTD_CQ_RTADDR_TTM	GENMASK_ULL(11, 10)
#define VTD_CQ_RTADDR_SMT	BIT_ULL(10)

/*
 * CCMD_REG, VT-d section 10.4.7: ICC bit 63 (set by software, cleared by
 * hardware on completion), CIRG bits 62:61 (01 global invalidation).
 */
#define VTD_CQ_CCMD_ICC		BIT_ULL(63)
#define VTD_CQ_CCMD_CIRG_GLOBAL	BIT_ULL(61)	/* CIRG = 01b */

/*
 * IOTLB_REG at ECAP.IRO * 16 + 8, VT-d section 10.4 (IOTLB Invalidate
 * Register): IVT bit 63, IIRG bits 61:60 (01 global), DR bit 49, DW bit
 * 48 (drain reads/writes; ignored when CAP.DRD/DWD are clear).
 */
#define VTD_CQ_IOTLB_IVT		BIT_ULL(63)
#define VTD_CQ_IOTLB_IIRG_GLOBAL	BIT_ULL(60)	/* IIRG = 01b */
#define VTD_CQ_IOTLB_DR			BIT_ULL(49)
#define VTD_CQ_IOTLB_DW			BIT_ULL(48)

/*
 * FSTS_REG, VT-d section 10.4.9 (RW1C): IQE bit 4 (invalidation queue
 * error), ICE bit 5 (invalidation completion error), ITE bit 6
 * (invalidation time-out error).
 */
#define VTD_CQ_FSTS_IQE		BIT(4)
#define VTD_CQ_FSTS_ICE		BIT(5)
#define VTD_CQ_FSTS_ITE		BIT(6)

/*
 * IQA_REG, VT-d section 10.4 (Invalidation Queue Address Register): IQA
 * bits 63:12, DW bit 11 (0: 128-bit descriptors, 1: 256-bit), QS bits 2:0
 * (the queue is 2^QS 4 KiB pages). IQH_REG / IQT_REG: QH / QT bits 18:4,
 * the byte offset of the head / tail descriptor (bit 4 is zero with
 * 256-bit descriptors).
 */
#define VTD_CQ_IQA_ADDR		GENMASK_ULL(63, 12)
#define VTD_CQ_IQA_DW		BIT_ULL(11)
#define VTD_CQ_IQA_QS		GENMASK_ULL(2, 0)
#define VTD_CQ_IQ_OFFSET	GENMASK_ULL(18, 4)

/*
 * Root entry (128 bits, 256 per 4 KiB root table indexed by bus), VT-d
 * section 9.1: lo bit 0 P, bits 11:1 reserved, bits 63:12 CTP (context
 * table pointer); hi (bits 127:64) reserved in legacy mode.
 */
#define VTD_CQ_ROOT_P		BIT_ULL(0)
#define VTD_CQ_ROOT_RSVD_LO	GENMASK_ULL(11, 1)
#define VTD_CQ_ROOT_CTP		GENMASK_ULL(63, 12)
#define VTD_CQ_ROOT_ENTRIES	256

/*
 * Legacy context entry (128 bits, 256 per context table indexed by
 * devfn), VT-d section 9.3. lo: bit 0 P, bit 1 FPD, bits 3:2 TT (00
 * translated through the second-level table, 01 the same with device-TLB
 * (ATS) allowed, 10 pass-through, 11 reserved), bits 11:4 reserved, bits
 * 63:12 SLPTPTR. hi: bits 2:0 AW, bits 6:3 available to software, bit 7
 * reserved, bits 23:8 DID, bits 63:24 reserved.
 */
#define VTD_CQ_CTX_P		BIT_ULL(0)
#define VTD_CQ_CTX_FPD		BIT_ULL(1)
#define VTD_CQ_CTX_TT_SHIFT	2
#define VTD_CQ_CTX_TT_MASK	GENMASK_ULL(3, 2)
#define VTD_CQ_CTX_TT_TRANSLATED	0
#define VTD_CQ_CTX_TT_DEV_TLB		1
#define VTD_CQ_CTX_TT_PASS_THROUGH	2
#define VTD_CQ_CTX_RSVD_LO	GENMASK_ULL(11, 4)
#define VTD_CQ_CTX_SLPTPTR	GENMASK_ULL(63, 12)
#define VTD_CQ_CTX_AW_MASK	GENMASK_ULL(2, 0)
#define VTD_CQ_CTX_DID_SHIFT	8
#define VTD_CQ_CTX_DID_MASK	GENMASK_ULL(23, 8)
#define VTD_CQ_CTX_RSVD_HI	(GENMASK_ULL(63, 24) | BIT_ULL(7))
#define VTD_CQ_CTX_ENTRIES	256

/*
 * Second-level paging entries, VT-d section 9.8: bit 0 R, bit 1 W, bit 2
 * X, bit 7 PS (page size: a leaf in an SL-PDPE (1 GiB) or SL-PDE (2 MiB);
 * reserved in SL-PML5E/SL-PML4E), bit 11 SNP (leaf; reserved in non-leaf
 * entries), bits 51:12 address (bits 51:HAW reserved), bit 62 TM (leaf,
 * with device-TLB support; reserved in non-leaf entries). An entry is
 * present when R or W is set. A 1 GiB leaf has bits 29:12 reserved. The
 * effective permission is the AND over all levels.
 */
#define VTD_CQ_SL_R		BIT_ULL(0)
#define VTD_CQ_SL_W		BIT_ULL(1)
#define VTD_CQ_SL_PS		BIT_ULL(7)
#define VTD_CQ_SL_SNP		BIT_ULL(11)
#define VTD_CQ_SL_TM		BIT_ULL(62)
#define VTD_CQ_SL_ADDR		GENMASK_ULL(51, 12)
#define VTD_CQ_SL_1G_RSVD	GENMASK_ULL(29, 12)
#define VTD_CQ_SL_ENTRIES	512

/*
 * Invalidation descriptors (128-bit legacy format; with IQA.DW = 1 the
 * upper 128 bits of a 256-bit slot are zero), VT-d section 6.5.2. Type
 * in bits 3:0 of the low quadword.
 *  - 6.5.2.1 context-cache: type 1, G bits 5:4 (01 global), DID 31:16,
 *    SID 47:32, FM 49:48; high quadword reserved.
 *  - 6.5.2.3 IOTLB: type 2, G bits 5:4 (01 global, 10 domain), DW bit 6,
 *    DR bit 7,
 *    DID 31:16; high quadword: AM 5:0, IH 6, ADDR 63:12.
 *  (6.5.2.5 device-TLB invalidation is not used: the crash path turns
 *   device-TLB use off in the context entry instead, see
 *   vtd_cq_ctx_ats_off().)
 *  - 6.5.2.8 invalidation wait: type 5, IF bit 4, SW bit 5, FN bit 6,
 *    status data 63:32; high quadword: status address 63:2. Only SW is
 *    used here: QEMU aborts on a wait descriptor with both SW and IF.
 */
#define VTD_CQ_DESC_TYPE_CC		1
#define VTD_CQ_DESC_TYPE_IOTLB		2
#define VTD_CQ_DESC_TYPE_DEV_TLB	3
#define VTD_CQ_DESC_TYPE_WAIT		5
#define VTD_CQ_DESC_G_GLOBAL		BIT_ULL(4)	/* G = 01b */
#define VTD_CQ_DESC_G_DOMAIN		BIT_ULL(5)	/* G = 10b */
#define VTD_CQ_DESC_DID_SHIFT		16
#define VTD_CQ_DESC_IOTLB_DW		BIT_ULL(6)
#define VTD_CQ_DESC_IOTLB_DR		BIT_ULL(7)
#define VTD_CQ_DESC_WAIT_IF		BIT_ULL(4)
#define VTD_CQ_DESC_WAIT_SW		BIT_ULL(5)
#define VTD_CQ_DESC_WAIT_FN		BIT_ULL(6)
#define VTD_CQ_DESC_WAIT_DATA_SHIFT	32

/**
 * struct vtd_cq_desc - one 128-bit invalidation descriptor
 * @lo: bits 63:0
 * @hi: bits 127:64
 */
struct vtd_cq_desc {
	u64 lo;
	u64 hi;
};

/* Descriptor encoders, VT-d section 6.5.2. */

static inline struct vtd_cq_desc vtd_cq_desc_cc_global(void)
{
	struct vtd_cq_desc d = {
		.lo = VTD_CQ_DESC_TYPE_CC | VTD_CQ_DESC_G_GLOBAL,
		.hi = 0,
	};

	return d;
}

static inline struct vtd_cq_desc vtd_cq_desc_iotlb_global(void)
{
	struct vtd_cq_desc d = {
		.lo = VTD_CQ_DESC_TYPE_IOTLB | VTD_CQ_DESC_G_GLOBAL |
		      VTD_CQ_DESC_IOTLB_DW | VTD_CQ_DESC_IOTLB_DR,
		.hi = 0,
	};

	return d;
}

/* IOTLB invalidation of every address of domain id @did. */
static inline struct vtd_cq_desc vtd_cq_desc_iotlb_domain(u16 did)
{
	struct vtd_cq_desc d = {
		.lo = VTD_CQ_DESC_TYPE_IOTLB | VTD_CQ_DESC_G_DOMAIN |
		      VTD_CQ_DESC_IOTLB_DW | VTD_CQ_DESC_IOTLB_DR |
		      ((u64)did << VTD_CQ_DESC_DID_SHIFT),
		.hi = 0,
	};

	return d;
}

/*
 * Invalidation wait with a status write of @data to @status_phys (SW
 * only, never IF). Returns false, leaving @d untouched, when @status_phys
 * is not 4-byte aligned.
 */
static inline bool vtd_cq_desc_wait(struct vtd_cq_desc *d, u64 status_phys,
				    u32 data)
{
	if (status_phys & 3)
		return false;
	d->lo = VTD_CQ_DESC_TYPE_WAIT | VTD_CQ_DESC_WAIT_SW |
		((u64)data << VTD_CQ_DESC_WAIT_DATA_SHIFT);
	d->hi = status_phys;
	return true;
}

/* Register helpers, VT-d section 10.4. */

static inline u32 vtd_cq_iotlb_reg_offset(u64 ecap)
{
	return (u32)((ecap & VTD_CQ_ECAP_IRO_MASK) >> VTD_CQ_ECAP_IRO_SHIFT) *
	       16 + 8;
}

/* The GCMD value that issues one-shot command @cmd (0: none), from GSTS. */
static inline u32 vtd_cq_gcmd(u32 gsts, u32 cmd)
{
	return (gsts & VTD_CQ_GCMD_PERSISTENT) | cmd;
}

/* The GCMD value that turns translation off and keeps the other enables. */
static inline u32 vtd_cq_gcmd_te_off(u32 gsts)
{
	return vtd_cq_gcmd(gsts, 0) & ~VTD_CQ_GCMD_TE;
}

/**
 * struct vtd_cq_iq - geometry of the invalidation queue, from IQA_REG
 * @base: physical address of the queue
 * @size: bytes (2^QS pages)
 * @slot: bytes per descriptor slot (16, or 32 with IQA.DW)
 */
struct vtd_cq_iq {
	u64 base;
	u32 size;
	u32 slot;
};

static inline struct vtd_cq_iq vtd_cq_iq_decode(u64 iqa)
{
	struct vtd_cq_iq q = {
		.base = iqa & VTD_CQ_IQA_ADDR,
		.size = VTD_CQ_PAGE_SIZE << (iqa & VTD_CQ_IQA_QS),
		.slot = (iqa & VTD_CQ_IQA_DW) ? 32 : 16,
	};

	return q;
}

/* Is @off (from IQH_REG or IQT_REG, bits 18:4) a slot inside @q? */
static inline bool vtd_cq_iq_offset_ok(const struct vtd_cq_iq *q, u64 reg)
{
	u64 off = reg & VTD_CQ_IQ_OFFSET;

	return off < q->size && !(off & (q->slot - 1));
}

/*
 * Free slots between @tail (where software writes next) and @head (what
 * hardware fetches next). One slot always stays empty: the queue is full
 * when the tail is one slot behind the head.
 */
static inline u32 vtd_cq_iq_free(const struct vtd_cq_iq *q, u32 head, u32 tail)
{
	u32 used = (tail - head) & (q->size - 1);

	return (q->size - used) / q->slot - 1;
}

/* Context entry fields, VT-d section 9.3. */

static inline unsigned int vtd_cq_ctx_tt(u64 lo)
{
	return (lo & VTD_CQ_CTX_TT_MASK) >> VTD_CQ_CTX_TT_SHIFT;
}

static inline unsigned int vtd_cq_ctx_aw(u64 hi)
{
	return hi & VTD_CQ_CTX_AW_MASK;
}

static inline u16 vtd_cq_ctx_did(u64 hi)
{
	return (hi & VTD_CQ_CTX_DID_MASK) >> VTD_CQ_CTX_DID_SHIFT;
}

/*
 * Address bits at or above the host address width @haw (clamped to 52)
 * are reserved in every table pointer and second-level address field.
 */
static inline u64 vtd_cq_addr_rsvd(unsigned int haw)
{
	if (haw < 12 || haw > 52)
		haw = 52;
	return GENMASK_ULL(63, haw);
}

/*
 * The kinds of legacy context entry a unit accepts, as a mask with bit
 * TT * 8 + AW set for every translation type TT and address width AW it
 * supports: TT 00, 01 with ECAP.DT, 10 with ECAP.PT (11 is reserved); AW
 * 1, 2 or 3 (the 3, 4 and 5 levels this code handles) when CAP.SAGAW has
 * it. Computed once per walk (vtd_cq_ctx_check()).
 */
static inline u32 vtd_cq_ctx_kinds(u64 cap, u64 ecap)
{
	u32 aws = 0, kinds;
	unsigned int aw;

	for (aw = 1; aw <= 3; aw++)
		if (cap & BIT_ULL(VTD_CQ_CAP_SAGAW_SHIFT + aw))
			aws |= BIT(aw);
	kinds = aws << (VTD_CQ_CTX_TT_TRANSLATED * 8);
	if (ecap & VTD_CQ_ECAP_DT)
		kinds |= aws << (VTD_CQ_CTX_TT_DEV_TLB * 8);
	if (ecap & VTD_CQ_ECAP_PT)
		kinds |= aws << (VTD_CQ_CTX_TT_PASS_THROUGH * 8);
	return kinds;
}

/*
 * vtd_cq_ctx_valid() with the unit's part computed beforehand: @kinds
 * from vtd_cq_ctx_kinds(), @rsvd from vtd_cq_addr_rsvd().
 */
static inline bool vtd_cq_ctx_check(u64 lo, u64 hi, u32 kinds, u64 rsvd)
{
	unsigned int tt = vtd_cq_ctx_tt(lo);

	if ((lo & VTD_CQ_CTX_RSVD_LO) | (hi & VTD_CQ_CTX_RSVD_HI))
		return false;
	if (!(kinds & BIT(tt * 8 + vtd_cq_ctx_aw(hi))))
		return false;
	/* SLPTPTR is ignored (and may hold anything) for pass-through. */
	return tt == VTD_CQ_CTX_TT_PASS_THROUGH ||
	       !(lo & VTD_CQ_CTX_SLPTPTR & rsvd);
}

/*
 * Is a present legacy context entry well formed: no reserved bit set, a
 * translation type the unit supports (01 needs ECAP.DT, 10 needs ECAP.PT,
 * 11 is reserved), an address width the unit supports (CAP.SAGAW) and
 * that this code handles (3, 4 or 5 levels)? The hardware blocks DMA
 * through an entry with an unsupported type, so such an entry is left
 * alone.
 */
static inline bool vtd_cq_ctx_valid(u64 lo, u64 hi, u64 cap, u64 ecap,
				    unsigned int haw)
{
	return vtd_cq_ctx_check(lo, hi, vtd_cq_ctx_kinds(cap, ecap),
				vtd_cq_addr_rsvd(haw));
}

/*
 * The new low quadword of a pass-through context entry: translated (TT
 * 00) through the second-level table at @root_phys. P and FPD are kept;
 * AW and DID live in the high quadword, which does not change. A single
 * aligned 64-bit store of this value switches the entry, so the hardware
 * never sees a torn 128-bit entry.
 */
static inline u64 vtd_cq_ctx_pt_rewrite(u64 lo, u64 root_phys)
{
	return (lo & (VTD_CQ_CTX_P | VTD_CQ_CTX_FPD)) |
	       (root_phys & VTD_CQ_CTX_SLPTPTR);
}

/*
 * The new low quadword of a TT 01b context entry (translation with
 * device-TLB): TT 00b, everything else kept. With TT 00b the unit blocks
 * translated requests and translation requests of the device (VT-d
 * section 9.3, TT field), so that writes from an ATS device are checked
 * against the (revoked) second-level tables again, whatever its
 * device-TLB still holds: blocking no longer depends on the device
 * answering a device-TLB invalidation.
 */
static inline u64 vtd_cq_ctx_ats_off(u64 lo)
{
	return lo & ~VTD_CQ_CTX_TT_MASK;
}

/*
 * One 64-bit compare-and-exchange of a table word: a CPU that did not
 * stop at the crash may be changing the same entry. The crash path never
 * overwrites a value it did not read. Return: true when @p held @old and
 * now holds @new.
 */
static inline bool vtd_cq_replace(u64 *p, u64 old, u64 new)
{
	return cmpxchg64(p, old, new) == old;
}

/* Second-level paging entries, VT-d section 9.8. */

static inline bool vtd_cq_sl_present(u64 e)
{
	return e & (VTD_CQ_SL_R | VTD_CQ_SL_W);
}

/*
 * Is the present entry @e of a top-level second-level table of a
 * @levels-level hierarchy (3, 4 or 5) well formed? Bits the entry may not
 * have: address bits at or above HAW; in non-leaf entries SNP (11) and TM
 * (62); PS in SL-PML4E and SL-PML5E; in an SL-PDPE, PS without 1 GiB page
 * support (CAP.SLLPS); in a 1 GiB leaf, address bits 29:12, SNP without
 * ECAP.SC and TM without ECAP.DT.
 */
static inline bool vtd_cq_sl_top_entry_valid(u64 e, unsigned int levels,
					     u64 cap, u64 ecap,
					     unsigned int haw)
{
	u64 rsvd = vtd_cq_addr_rsvd(haw) & VTD_CQ_SL_ADDR;

	if (levels == 3 && (e & VTD_CQ_SL_PS)) {
		if (!(cap & VTD_CQ_CAP_SLLPS_1G))
			return false;
		rsvd |= VTD_CQ_SL_1G_RSVD;
		if (!(ecap & VTD_CQ_ECAP_SC))
			rsvd |= VTD_CQ_SL_SNP;
		if (!(ecap & VTD_CQ_ECAP_DT))
			rsvd |= VTD_CQ_SL_TM;
	} else {
		rsvd |= VTD_CQ_SL_SNP | VTD_CQ_SL_TM | VTD_CQ_SL_PS;
	}
	return !(e & rsvd);
}

/* Validate every present entry of a top-level table before writing any. */
static inline bool vtd_cq_sl_top_valid(const u64 *table, unsigned int levels,
				       u64 cap, u64 ecap, unsigned int haw)
{
	unsigned int i;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if (vtd_cq_sl_present(e) &&
		    !vtd_cq_sl_top_entry_valid(e, levels, cap, ecap, haw))
			return false;
	}
	return true;
}

/*
 * The entry with permission revoked: W cleared (mode write) or R and W
 * cleared (mode all). Only ever clears bits; a non-present entry is
 * returned unchanged.
 */
static inline u64 vtd_cq_sl_revoke(u64 e, enum crash_dma_quiesce_mode mode)
{
	if (!vtd_cq_sl_present(e))
		return e;
	if (mode == CRASH_DMA_QUIESCE_ALL)
		return e & ~(VTD_CQ_SL_R | VTD_CQ_SL_W);
	return e & ~VTD_CQ_SL_W;
}

/*
 * Revoke permission in every present entry of a (validated) top-level
 * table. Returns the number of entries that change; writes them unless
 * @dry_run. Idempotent.
 */
static inline unsigned int vtd_cq_sl_top_revoke(u64 *table,
						enum crash_dma_quiesce_mode mode,
						bool dry_run)
{
	unsigned int i, n = 0;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);
		u64 r = vtd_cq_sl_revoke(e, mode);

		if (r == e)
			continue;
		n++;
		if (!dry_run)
			WRITE_ONCE(table[i], r);
	}
	return n;
}

/*
 * Bitmap of the entries of one top-level table that lose permission: bit
 * i of word i / 64 for entry i.
 */
#define VTD_CQ_SL_MASK_WORDS	(VTD_CQ_SL_ENTRIES / 64)

/*
 * The crash path's read of a top-level table: one pass over its 512
 * entries that validates every present one (as vtd_cq_sl_top_valid()) and
 * notes in @todo those that vtd_cq_sl_revoke() changes, so that the table
 * is read once and written only where it must be. Returns false, with
 * @todo incomplete, at the first malformed entry: nothing may then be
 * written.
 */
static inline bool vtd_cq_sl_top_scan(const u64 *table, unsigned int levels,
				      u64 cap, u64 ecap, unsigned int haw,
				      enum crash_dma_quiesce_mode mode,
				      u64 *todo)
{
	unsigned int i;

	for (i = 0; i < VTD_CQ_SL_MASK_WORDS; i++)
		todo[i] = 0;
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!vtd_cq_sl_present(e))
			continue;
		if (!vtd_cq_sl_top_entry_valid(e, levels, cap, ecap, haw))
			return false;
		if (vtd_cq_sl_revoke(e, mode) != e)
			todo[i / 64] |= BIT_ULL(i % 64);
	}
	return true;
}

/*
 * Revoke permission in the entries of a top-level table that
 * vtd_cq_sl_top_scan() noted in @todo, each with a compare-and-exchange
 * against a fresh read, retried (a few times) when another CPU changed
 * it. An entry another CPU made present after the scan is not touched:
 * it is as if it had been written after the pass (the pass after the
 * stop, with no CPU left to race, sees it). Returns the number of entries
 * changed (written unless @dry_run).
 */
static inline unsigned int vtd_cq_sl_top_revoke_live(u64 *table,
						     const u64 *todo,
						     enum crash_dma_quiesce_mode mode,
						     bool dry_run)
{
	unsigned int i, k, tries, n = 0;
	u64 bits;

	for (k = 0; k < VTD_CQ_SL_MASK_WORDS; k++) {
		for (bits = todo[k]; bits; bits &= bits - 1) {
			i = k * 64 + (unsigned int)__builtin_ctzll(bits);
			for (tries = 0; tries < 4; tries++) {
				u64 e = READ_ONCE(table[i]);
				u64 r = vtd_cq_sl_revoke(e, mode);

				if (r == e)
					break;
				if (dry_run || vtd_cq_replace(&table[i], e, r)) {
					n++;
					break;
				}
			}
		}
	}
	return n;
}

/*
 * Read-only identity second-level tables (built at boot for the
 * pass-through rewrite): leaves with R and PS, non-leaf entries with R
 * only (the AND over the levels then grants read, never write).
 */
static inline u64 vtd_cq_sl_ro_leaf(u64 addr)
{
	return (addr & VTD_CQ_SL_ADDR) | VTD_CQ_SL_PS | VTD_CQ_SL_R;
}

static inline u64 vtd_cq_sl_ro_table(u64 phys)
{
	return (phys & VTD_CQ_SL_ADDR) | VTD_CQ_SL_R;
}

/* Fill an SL-PDPT with 1 GiB read-only leaves for [0, @end). */
static inline unsigned int vtd_cq_identity_fill_1g(u64 *l3, u64 end)
{
	unsigned int i;

	for (i = 0; i < VTD_CQ_SL_ENTRIES && ((u64)i << 30) < end; i++)
		l3[i] = vtd_cq_sl_ro_leaf((u64)i << 30);
	return i;
}

/* Fill an SL-PD with 2 MiB read-only leaves for [@base, @base + 1 GiB). */
static inline void vtd_cq_identity_fill_2m(u64 *l2, u64 base)
{
	unsigned int i;

	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++)
		l2[i] = vtd_cq_sl_ro_leaf(base + ((u64)i << 21));
}

/* Source-id and domain-id bitmaps: bit n is bit (n % 64) of word n / 64. */
static inline void vtd_cq_bit_set(u64 *map, unsigned int n)
{
	map[n / 64] |= 1ULL << (n % 64);
}

static inline bool vtd_cq_bit_test(const u64 *map, unsigned int n)
{
	return map[n / 64] & (1ULL << (n % 64));
}

/**
 * struct vtd_cq_walk_ops - how the walk reaches memory and time
 * @map: return a pointer through which [@phys, @phys + @size) can be read
 *	and written, or NULL when the range is not usable (not RAM, in the
 *	crashkernel region, ...). Called for the root table, every context
 *	table and every top-level second-level table before they are read.
 * @expired: true once the time budget has run out
 * @flush: write back CPU caches over a range the walk wrote (called only
 *	when ECAP.C is clear, i.e. the IOMMU does not snoop); may be NULL
 * @priv: passed to the callbacks
 */
struct vtd_cq_walk_ops {
	void *(*map)(void *priv, u64 phys, u64 size);
	bool (*expired)(void *priv);
	void (*flush)(void *priv, void *addr, u64 size);
	void *priv;
};

/*
 * The memo's size, a power of two: 8192 slots of 8 bytes (64 KiB, static
 * in drivers/iommu/intel/crash_quiesce.c: nothing is allocated on the
 * crash path). Kept at most 3/4 full (vtd_cq_memo_room()), it remembers
 * VTD_CQ_MEMO_TABLES = 6144 top-level tables per pass: 4096 domains (each
 * with one top-level table that Linux shares between the units) with half
 * as many again to spare. Beyond that bound nothing is lost, only time:
 * a table not remembered is mapped, validated and revoked again by every
 * context or PASID entry that uses it (revoking is idempotent), and such
 * an entry counts as changed through its domain id (see
 * vtd_cq_walk_ctx()).
 */
#define VTD_CQ_MEMO_SLOTS	8192
#define VTD_CQ_MEMO_TABLES	(VTD_CQ_MEMO_SLOTS / 4 * 3)

/*
 * The context-entry cache's size, a power of two: 4096 slots of one
 * 128-bit context entry (64 KiB, static in
 * drivers/iommu/intel/crash_quiesce.c), indexed by the entry's domain id
 * modulo the size. Linux numbers a unit's domains from 1 up, so the
 * entries of up to 4095 domains each keep a slot of their own, and the
 * slots of a walk over many domains are read in domain order, not at the
 * random places of the memo's hash.
 */
#define VTD_CQ_CTX_CACHE_SLOTS	4096

/*
 * The walks check the deadline (an ordered TSC read, which waits for
 * every load in flight) before every present root entry, and then only
 * once VTD_CQ_DEADLINE_WORK units of work were done since the last check
 * (vtd_cq_walk_expired()): a context or PASID entry is one unit, reading a
 * 4 KiB table (a top-level table, a PASID directory page or PASID table,
 * mapped and validated) VTD_CQ_PAGE_WORK. Between two checks a walk thus
 * reads at most 64 entries, or 4 tables and the entries that use them: a
 * few microseconds.
 */
#define VTD_CQ_DEADLINE_WORK	64
#define VTD_CQ_PAGE_WORK	16

/*
 * A memo slot: the unit that last handled the table in this pass (bits
 * 62:52, its index in the pass; table addresses are below 2^52, as
 * vtd_cq_ctx_valid() checks), the table's address (bits 51:12), whether
 * any unit changed it in this pass (bit 2), and that unit's outcome (bits
 * 1:0).
 */
#define VTD_CQ_MEMO_CHANGED	1
#define VTD_CQ_MEMO_UNCHANGED	2
#define VTD_CQ_MEMO_REJECTED	3
#define VTD_CQ_MEMO_OUTCOME	GENMASK_ULL(1, 0)
#define VTD_CQ_MEMO_REVOKED	BIT_ULL(2)
#define VTD_CQ_MEMO_ADDR	GENMASK_ULL(51, 12)
#define VTD_CQ_MEMO_UNIT_SHIFT	52
#define VTD_CQ_MEMO_UNIT	GENMASK_ULL(62, 52)

/**
 * struct vtd_cq_walk - one pass over a legacy root table
 * @root_phys: root table address (RTADDR_REG.RTA)
 * @cap: CAP_REG of the unit
 * @ecap: ECAP_REG of the unit
 * @haw: host address width: address bits at or above it are reserved
 * @mode: CRASH_DMA_QUIESCE_WRITE or CRASH_DMA_QUIESCE_ALL
 * @dry_run: count only, write nothing
 * @unit: index of the unit in the pass (tells the memo's units apart;
 *	below 2048)
 * @pt_root: by context-entry AW (1..3), the top-level table that a
 *	pass-through entry is rewritten to translate through (the read-only
 *	identity table, or an empty table for mode all); 0: leave such
 *	entries unchanged (counted as rejected)
 * @changed: out, NR_SIDS bits: source ids of the entries that lost write
 *	permission in this pass
 * @ats: out, NR_SIDS bits: source ids of valid TT=01 (device-TLB) entries
 * @dids: out, 65536 bits: domain ids of the entries that changed
 * @memo: optional open-addressing set of the top-level tables seen in this
 *	pass by any unit (see VTD_CQ_MEMO_*), so that a table shared by many
 *	context entries is validated and written once per unit, and a unit
 *	whose entries use a table another unit revoked earlier in the pass
 *	(one domain on several units) counts those entries as changed. The
 *	caller zeroes it and @memo_used at the start of a pass, not per unit.
 * @memo_size: slots in @memo, a power of two (0: no memo)
 * @memo_used: in/out: slots in use
 * @nr_ats: bits set in @ats
 * @nr_ats_off: TT=01 entries switched to TT=00
 * @nr_dids: bits set in @dids
 * @nr_identity: pass-through entries rewritten
 * @ctx_kinds: set by the walk: vtd_cq_ctx_kinds() of @cap and @ecap
 * @addr_rsvd: set by the walk: vtd_cq_addr_rsvd() of @haw
 * @work: work done since the deadline was last checked, in units of one
 *	entry (a 4 KiB table read counts VTD_CQ_PAGE_WORK)
 * @timed_out: the walk stopped at the deadline
 * @ctx_cache: optional, @ctx_cache_mask + 1 slots of a context entry
 *	(low and high quadword): by domain id modulo the size, the last entry
 *	of this walk that lost write through its table; a context entry equal
 *	to its slot in both quadwords uses the same table with the same
 *	outcome (see vtd_cq_walk_ctx()). The walk clears it at its start:
 *	outcomes hold for one unit. NULL: one slot, @ctx_last.
 * @ctx_cache_mask: slots in @ctx_cache less one, the size a power of two
 * @ctx_last: the last entry found in or put into a slot (the slot itself
 *	without @ctx_cache)
 */
struct vtd_cq_walk {
	u64 root_phys;
	u64 cap;
	u64 ecap;
	unsigned int haw;
	enum crash_dma_quiesce_mode mode;
	bool dry_run;
	unsigned int unit;
	u64 pt_root[4];
	u64 *changed;
	u64 *ats;
	u64 *dids;
	u64 *memo;
	u32 memo_size;
	u32 memo_used;
	u32 nr_ats;
	u32 nr_ats_off;
	u32 nr_dids;
	u32 nr_identity;
	u32 ctx_kinds;
	u64 addr_rsvd;
	u32 work;
	bool timed_out;
	u64 (*ctx_cache)[2];
	u32 ctx_cache_mask;
	u64 ctx_last[2];
};

static inline u32 vtd_cq_memo_hash(const struct vtd_cq_walk *w, u64 key)
{
	return (u32)((((key & VTD_CQ_MEMO_ADDR) >> 12) *
		      0x9e3779b97f4a7c15ULL) >> 32) & (w->memo_size - 1);
}

/* The slot of the table at @key (its address), or NULL if none yet. */
static inline u64 *vtd_cq_memo_find(const struct vtd_cq_walk *w, u64 key)
{
	u32 i, n;

	if (!w->memo_size)
		return NULL;
	for (i = vtd_cq_memo_hash(w, key), n = 0; n < w->memo_size;
	     i = (i + 1) & (w->memo_size - 1), n++) {
		/* Used slots always hold a non-zero outcome. */
		if (!w->memo[i])
			return NULL;
		if ((w->memo[i] & VTD_CQ_MEMO_ADDR) == key)
			return &w->memo[i];
	}
	return NULL;
}

/*
 * Can the memo take another table? It is kept at most 3/4 full, so that
 * a lookup (linear probing) finds a free slot after a few probes.
 */
static inline bool vtd_cq_memo_room(const struct vtd_cq_walk *w)
{
	return w->memo_size && w->memo_used < w->memo_size / 4 * 3;
}

/* The slot value of table @phys for this unit. */
static inline u64 vtd_cq_memo_slot(const struct vtd_cq_walk *w, u64 phys,
				   bool revoked, unsigned int outcome)
{
	return phys |
	       (((u64)w->unit << VTD_CQ_MEMO_UNIT_SHIFT) & VTD_CQ_MEMO_UNIT) |
	       (revoked ? VTD_CQ_MEMO_REVOKED : 0) | outcome;
}

/* Record an outcome in @slot, or in a new slot (skipped once 3/4 full). */
static inline void vtd_cq_memo_put(struct vtd_cq_walk *w, u64 *slot,
				   u64 value)
{
	u32 i;

	if (slot) {
		*slot = value;
		return;
	}
	if (!vtd_cq_memo_room(w))
		return;
	for (i = vtd_cq_memo_hash(w, value & VTD_CQ_MEMO_ADDR); w->memo[i];
	     i = (i + 1) & (w->memo_size - 1))
		;
	w->memo[i] = value;
	w->memo_used++;
}

/*
 * Look table @key up in the memo: its outcome when this unit handled it
 * already in the pass, else 0 with *@slot (NULL: none yet) and *@revoked
 * (another unit changed it in this pass) set for vtd_cq_memo_put().
 */
static inline unsigned int vtd_cq_memo_lookup(const struct vtd_cq_walk *w,
					      u64 key, u64 **slot,
					      bool *revoked)
{
	*slot = vtd_cq_memo_find(w, key);
	*revoked = false;
	if (!*slot)
		return 0;
	if (((**slot & VTD_CQ_MEMO_UNIT) >> VTD_CQ_MEMO_UNIT_SHIFT) ==
	    (w->unit & (VTD_CQ_MEMO_UNIT >> VTD_CQ_MEMO_UNIT_SHIFT)))
		return **slot & VTD_CQ_MEMO_OUTCOME;
	*revoked = **slot & VTD_CQ_MEMO_REVOKED;
	return 0;
}

/*
 * Handle the top-level table of one translated context entry: validate
 * it, then revoke. Done once per unit and table: a table another unit
 * handled earlier in the pass is validated again with this unit's
 * capabilities (and revoked again, which changes nothing when that unit
 * wrote it), and counts as changed when any unit changed it in this pass.
 * Returns a VTD_CQ_MEMO_* outcome.
 */
static inline unsigned int vtd_cq_walk_table(struct vtd_cq_walk *w,
					     const struct vtd_cq_walk_ops *ops,
					     struct crash_dma_quiesce_record *rec,
					     u64 phys, unsigned int levels)
{
	bool revoked = false;
	unsigned int outcome, n;
	u64 todo[VTD_CQ_SL_MASK_WORDS];
	u64 *slot, *table;

	outcome = vtd_cq_memo_lookup(w, phys, &slot, &revoked);
	if (outcome)
		return outcome;
	w->work += VTD_CQ_PAGE_WORK;
	table = ops->map(ops->priv, phys, VTD_CQ_PAGE_SIZE);
	if (!table ||
	    !vtd_cq_sl_top_scan(table, levels, w->cap, w->ecap, w->haw,
				w->mode, todo)) {
		outcome = VTD_CQ_MEMO_REJECTED;
	} else {
		n = vtd_cq_sl_top_revoke_live(table, todo, w->mode, w->dry_run);
		if (n) {
			revoked = true;
			rec->tables_changed++;
			if (!w->dry_run && ops->flush &&
			    !(w->ecap & VTD_CQ_ECAP_C))
				ops->flush(ops->priv, table, VTD_CQ_PAGE_SIZE);
		}
		outcome = revoked ? VTD_CQ_MEMO_CHANGED : VTD_CQ_MEMO_UNCHANGED;
	}
	vtd_cq_memo_put(w, slot, vtd_cq_memo_slot(w, phys, revoked, outcome));
	return outcome;
}

/*
 * Before the next entry: has the deadline passed? Asked of @ops->expired
 * only once VTD_CQ_DEADLINE_WORK units of work were done since the last
 * check; counts the entry's unit.
 */
static inline bool vtd_cq_walk_expired(struct vtd_cq_walk *w,
				       const struct vtd_cq_walk_ops *ops)
{
	if (w->work++ < VTD_CQ_DEADLINE_WORK)
		return false;
	w->work = 1;
	return ops->expired(ops->priv);
}

/* A context entry of domain id @did lost write: note the domain id. */
static inline void vtd_cq_walk_did(struct vtd_cq_walk *w, u16 did)
{
	if (w->dids && !vtd_cq_bit_test(w->dids, did)) {
		vtd_cq_bit_set(w->dids, did);
		w->nr_dids++;
	}
}

/*
 * Store the new low quadword of a context entry (one compare-and-exchange
 * against the value the walk read; the high quadword, AW and DID, does
 * not change) and write it back for a non-snooping unit. Returns false
 * when another CPU changed the entry meanwhile: it is then left alone.
 */
static inline bool vtd_cq_ctx_store(struct vtd_cq_walk *w,
				    const struct vtd_cq_walk_ops *ops,
				    u64 *ce, u64 lo, u64 new)
{
	if (w->dry_run)
		return true;
	if (!vtd_cq_replace(&ce[0], lo, new))
		return false;
	if (ops->flush && !(w->ecap & VTD_CQ_ECAP_C))
		ops->flush(ops->priv, ce, 16);
	return true;
}

/*
 * One present context entry @ce of source id @sid. Returns true when it
 * lost write permission (the caller counts it and sets @sid in
 * @w->changed).
 */
static inline bool vtd_cq_walk_ctx(struct vtd_cq_walk *w,
				   const struct vtd_cq_walk_ops *ops,
				   struct crash_dma_quiesce_record *rec,
				   u64 *ce, u16 sid)
{
	u64 lo = READ_ONCE(ce[0]), hi = READ_ONCE(ce[1]);
	unsigned int aw = vtd_cq_ctx_aw(hi), outcome;
	u16 did = vtd_cq_ctx_did(hi);
	bool ats_off = false;
	u64 root, *seen;

	/*
	 * The devices of one domain (an IOMMU group: the functions of a
	 * device, the devices behind one bridge; a domain's devices behind
	 * several bridges) have equal context entries. An entry equal in
	 * both quadwords to one that lost write through its table
	 * (translated, TT 00) earlier in this walk would pass the same
	 * checks and find the same table, already revoked by this unit: it
	 * has lost write too, nothing to write. A slot holds only such an
	 * entry, or zeroes, which no present entry equals; @w->ctx_last, the
	 * last entry found or put there, is looked at first (the entries of
	 * a domain are usually adjacent).
	 */
	if (lo == w->ctx_last[0] && hi == w->ctx_last[1])
		return true;
	seen = w->ctx_cache ? w->ctx_cache[did & w->ctx_cache_mask] :
			      w->ctx_last;
	if (lo == seen[0] && hi == seen[1]) {
		w->ctx_last[0] = lo;
		w->ctx_last[1] = hi;
		return true;
	}
	if (!vtd_cq_ctx_check(lo, hi, w->ctx_kinds, w->addr_rsvd)) {
		rec->entries_rejected++;
		return false;
	}
	if (vtd_cq_ctx_tt(lo) == VTD_CQ_CTX_TT_PASS_THROUGH) {
		root = w->pt_root[aw];
		if (!root ||
		    !vtd_cq_ctx_store(w, ops, ce, lo, vtd_cq_ctx_pt_rewrite(lo, root))) {
			rec->entries_rejected++;
			return false;
		}
		w->nr_identity++;
		vtd_cq_walk_did(w, did);
		return true;
	}
	if (vtd_cq_ctx_tt(lo) == VTD_CQ_CTX_TT_DEV_TLB) {
		if (w->ats && !vtd_cq_bit_test(w->ats, sid)) {
			vtd_cq_bit_set(w->ats, sid);
			w->nr_ats++;
		}
		/* Translated requests off first: they bypass the tables. */
		if (!vtd_cq_ctx_store(w, ops, ce, lo, vtd_cq_ctx_ats_off(lo))) {
			rec->entries_rejected++;
			return false;
		}
		w->nr_ats_off++;
		ats_off = true;
	}
	outcome = vtd_cq_walk_table(w, ops, rec, lo & VTD_CQ_CTX_SLPTPTR,
				    aw + 2);
	if (outcome == VTD_CQ_MEMO_REJECTED) {
		rec->entries_rejected++;
		return false;
	}
	/*
	 * A table this pass already revoked reads as unchanged. The memo
	 * remembers it; without room in the memo, fall back to the domain
	 * id: Linux gives a domain one top-level table per unit, so an entry
	 * of a domain whose table this pass changed has lost write too.
	 */
	if (outcome == VTD_CQ_MEMO_UNCHANGED && !vtd_cq_memo_room(w) &&
	    w->dids && vtd_cq_bit_test(w->dids, did))
		outcome = VTD_CQ_MEMO_CHANGED;
	if (outcome != VTD_CQ_MEMO_CHANGED && !ats_off)
		return false;
	vtd_cq_walk_did(w, did);
	if (!ats_off) {
		seen[0] = lo;
		seen[1] = hi;
		w->ctx_last[0] = lo;
		w->ctx_last[1] = hi;
	}
	return true;
}

/* vtd_cq_walk() on copies of the walk and the record: see there. */
static inline void __vtd_cq_walk(struct vtd_cq_walk *w,
				 const struct vtd_cq_walk_ops *ops,
				 struct crash_dma_quiesce_record *rec)
{
	u64 rsvd = vtd_cq_addr_rsvd(w->haw);
	unsigned int bus, devfn, end;
	u32 i, scanned = 0, changed = 0;
	u64 *root, *ctx, bits;

	w->nr_ats = 0;
	w->nr_ats_off = 0;
	w->nr_dids = 0;
	w->nr_identity = 0;
	w->timed_out = false;
	w->ctx_last[0] = 0;
	w->ctx_last[1] = 0;
	for (i = 0; w->ctx_cache && i <= w->ctx_cache_mask; i++) {
		w->ctx_cache[i][0] = 0;
		w->ctx_cache[i][1] = 0;
	}
	w->ctx_kinds = vtd_cq_ctx_kinds(w->cap, w->ecap);
	w->addr_rsvd = rsvd;

	rec->root_phys = w->root_phys;
	rec->root_size = VTD_CQ_PAGE_SIZE;
	root = NULL;
	if (!(w->root_phys & ~VTD_CQ_PAGE_MASK) && !(w->root_phys & rsvd))
		root = ops->map(ops->priv, w->root_phys, VTD_CQ_PAGE_SIZE);
	if (!root) {
		rec->state = CRASH_DMA_QUIESCE_BAD_ROOT;
		return;
	}

	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++) {
		u64 rlo = READ_ONCE(root[2 * bus]);
		u64 rhi = READ_ONCE(root[2 * bus + 1]);

		if (!(rlo & VTD_CQ_ROOT_P))
			continue;
		if (ops->expired(ops->priv)) {
			w->timed_out = true;
			break;
		}
		w->work = 0;
		ctx = NULL;
		if (!(rlo & VTD_CQ_ROOT_RSVD_LO) && !(rlo & rsvd) && !rhi)
			ctx = ops->map(ops->priv, rlo & VTD_CQ_ROOT_CTP,
				       VTD_CQ_PAGE_SIZE);
		if (!ctx) {
			/* The root entry itself is the rejected entry. */
			rec->entries_rejected++;
			continue;
		}
		/*
		 * 64 entries at a time (one word of @w->changed): their bits
		 * and the counters stay in registers, stored once per word and
		 * once per walk, as in amd_cq_walk().
		 */
		for (devfn = 0; devfn < VTD_CQ_CTX_ENTRIES && !w->timed_out;
		     devfn = end) {
			end = devfn + 64;
			bits = 0;
			for (; devfn < end; devfn++) {
				if (!(READ_ONCE(ctx[2 * devfn]) & VTD_CQ_CTX_P))
					continue;
				if (vtd_cq_walk_expired(w, ops)) {
					w->timed_out = true;
					break;
				}
				scanned++;
				if (vtd_cq_walk_ctx(w, ops, rec, &ctx[2 * devfn],
						    (u16)(bus << 8 | devfn))) {
					bits |= BIT_ULL(devfn % 64);
					changed++;
				}
			}
			if (bits)
				w->changed[(bus << 8 | (end - 64)) / 64] |= bits;
		}
		if (w->timed_out)
			break;
	}
	rec->entries_scanned += scanned;
	rec->entries_changed += changed;

	if (w->nr_identity)
		rec->flags |= CRASH_DMA_QUIESCE_F_IDENTITY;
	if (w->nr_ats_off)
		rec->flags |= CRASH_DMA_QUIESCE_F_ATS_OFF;
	rec->domains_invalidated = w->nr_dids;
	if (w->timed_out)
		rec->state = CRASH_DMA_QUIESCE_TIMEOUT;
	else if (rec->entries_rejected)
		rec->state = CRASH_DMA_QUIESCE_PARTIAL;
	else
		rec->state = CRASH_DMA_QUIESCE_DONE;
}

/*
 * vtd_cq_walk() - one pass over a legacy-mode root table
 *
 * For every present root entry and every present context entry: a
 * translated entry (TT 00 or 01) loses W (or R and W) in every present
 * entry of its top-level second-level table, which is validated first and
 * handled once per unit and pass when @w->memo is given; a TT 01 entry
 * also becomes TT 00 (translated requests blocked); a pass-through entry
 * (TT 10) is rewritten to translate through @w->pt_root[AW]. Entries that
 * fail validation, or point to memory @ops->map refuses, are left alone
 * and counted as rejected. Stops when @ops->expired says so, asked before
 * every present root entry and then after every VTD_CQ_DEADLINE_WORK units
 * of work (vtd_cq_walk_expired()).
 *
 * The caller clears @rec (the walk only adds to its counters),
 * @w->changed, @w->ats and @w->dids, and the memo at the start of a pass;
 * the walk sets @rec->root_phys, @rec->root_size and @rec->state
 * (BAD_ROOT, TIMEOUT, PARTIAL or DONE), and clears @w->ctx_cache.
 *
 * The walk works on copies of @w and @rec on the stack, written back when
 * it returns: every compare-and-exchange is a full compiler barrier, after
 * which fields reached through a pointer would be loaded again, entry
 * after entry.
 */
static inline void vtd_cq_walk(struct vtd_cq_walk *w,
			       const struct vtd_cq_walk_ops *ops,
			       struct crash_dma_quiesce_record *rec)
{
	struct crash_dma_quiesce_record r = *rec;
	struct vtd_cq_walk copy = *w;

	__vtd_cq_walk(&copy, ops, &r);
	*w = copy;
	*rec = r;
}

#endif /* _INTEL_IOMMU_CRASH_QUIESCE_HW_H */
