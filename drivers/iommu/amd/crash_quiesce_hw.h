/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi crash-path DMA quiesce: the parts that touch no MMIO.
 *
 * Bit layouts, the device table entry (DTE) transform, the command
 * encoders and the walk over a device table. Everything here is static
 * inline and self-contained (it does not include amd_iommu_types.h), so
 * that the same source is compiled into the kernel
 * (drivers/iommu/amd/crash_quiesce.c) and into the userspace unit tests
 * and benchmarks (tests/unit/, with the shim headers of
 * tests/unit/include).
 *
 * Reference: AMD I/O Virtualization Technology (IOMMU) Specification,
 * publication 48882, revision 3.x ("48882" below):
 *  - section 2.2.2: Device Table, Device Table Entry Format;
 *  - section 2.4: Commands (2.4.1 COMPLETION_WAIT, 2.4.2
 *    INVALIDATE_DEVTAB_ENTRY, 2.4.3 INVALIDATE_IOMMU_PAGES, 2.4.4
 *    INVALIDATE_IOTLB_PAGES, 2.4.8 INVALIDATE_IOMMU_ALL);
 *  - section 3.4: IOMMU MMIO Registers (named below by their MMIO offset,
 *    as the specification does).
 */
#ifndef _AMD_IOMMU_CRASH_QUIESCE_HW_H
#define _AMD_IOMMU_CRASH_QUIESCE_HW_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/crash_dma_quiesce.h>

/*
 * MMIO register offsets, 48882 section 3.4.
 */
#define AMD_CQ_MMIO_DEV_TABLE	0x0000	/* Device Table Base Address */
#define AMD_CQ_MMIO_CMD_BUF	0x0008	/* Command Buffer Base Address */
#define AMD_CQ_MMIO_CONTROL	0x0018	/* IOMMU Control */
#define AMD_CQ_MMIO_EXCL_BASE	0x0020	/* IOMMU Exclusion Base */
#define AMD_CQ_MMIO_EXCL_LIMIT	0x0028	/* IOMMU Exclusion Range Limit */
#define AMD_CQ_MMIO_EFR		0x0030	/* Extended Feature Register */
#define AMD_CQ_MMIO_CMD_HEAD	0x2000	/* Command Buffer Head Pointer */
#define AMD_CQ_MMIO_CMD_TAIL	0x2008	/* Command Buffer Tail Pointer */
#define AMD_CQ_MMIO_STATUS	0x2020	/* IOMMU Status */

/*
 * Device Table Base Address Register (MMIO Offset 0000h), 48882 section
 * 3.4: DevTabBase in bits 51:12, Size in bits 8:0; the table is
 * (Size + 1) * 4 KiB long, i.e. (Size + 1) * 128 DTEs.
 */
#define AMD_CQ_DEVTAB_BASE_MASK	GENMASK_ULL(51, 12)
#define AMD_CQ_DEVTAB_SIZE_MASK	GENMASK_ULL(8, 0)

/*
 * Command Buffer Base Address Register (MMIO Offset 0008h), 48882 section
 * 3.4: ComBase in bits 51:12, ComLen in bits 59:56; the buffer holds
 * 2^ComLen 16-byte entries. ComLen values below 1000b (256 entries) are
 * reserved; the largest, 1111b, gives 32768 entries (512 KiB).
 */
#define AMD_CQ_CMDBUF_BASE_MASK	GENMASK_ULL(51, 12)
#define AMD_CQ_CMDBUF_LEN_SHIFT	56
#define AMD_CQ_CMDBUF_LEN_MASK	0xfULL
#define AMD_CQ_CMDBUF_LEN_MIN	8

/*
 * IOMMU Control Register (MMIO Offset 0018h), 48882 section 3.4:
 * IommuEn bit 0, Coherent bit 10 (the IOMMU snoops the processor caches
 * when it reads the device table, the command buffer and other tables,
 * and when it writes completion stores), CmdBufEn bit 12.
 */
#define AMD_CQ_CTRL_IOMMU_EN	BIT_ULL(0)
#define AMD_CQ_CTRL_COHERENT	BIT_ULL(10)
#define AMD_CQ_CTRL_CMDBUF_EN	BIT_ULL(12)

/*
 * IOMMU Exclusion Base and Range Limit Registers (MMIO Offsets 0020h and
 * 0028h), 48882 section 3.4: ExEn bit 0 and Allow bit 1 of the base
 * register, the address in bits 51:12 of both; the range is [base,
 * limit + 4 KiB). On IOMMUs with SNPSup the pair is the Completion Wait
 * Write-Back (CWWB) base and limit instead (48882 rev 3.05+, section 2.4.1
 * COMPLETION_WAIT and section 3.4): COMPLETION_WAIT stores must target
 * that range. Linux 6.1 programs it (iommu_set_cwwb_range()) with ExEn
 * clear, base equal to limit: the 4 KiB page of the driver's cmd_sem.
 */
#define AMD_CQ_EXCL_EN		BIT_ULL(0)
#define AMD_CQ_EXCL_ADDR_MASK	GENMASK_ULL(51, 12)
/* The crash path's store slot: the last 8 bytes of the range's last page. */
#define AMD_CQ_CWWB_SLOT	0xff8

/*
 * Extended Feature Register (MMIO Offset 0030h), 48882 section 3.4:
 * IASup (INVALIDATE_IOMMU_ALL supported) bit 6, SNPSup bit 63.
 */
#define AMD_CQ_EFR_IA		BIT_ULL(6)
#define AMD_CQ_EFR_SNP		BIT_ULL(63)

/*
 * Command Buffer Head / Tail Pointer Registers (MMIO Offsets 2000h and
 * 2008h), 48882 section 3.4: byte offset into the command buffer in bits
 * 18:4 (16-byte aligned).
 */
#define AMD_CQ_CMD_PTR_MASK	GENMASK_ULL(18, 4)

/*
 * IOMMU Status Register (MMIO Offset 2020h), 48882 section 3.4:
 * ComWaitInt bit 2, CmdBufRun bit 4.
 */
#define AMD_CQ_STATUS_COMWAIT_INT	BIT_ULL(2)
#define AMD_CQ_STATUS_CMDBUF_RUN	BIT_ULL(4)

/*
 * Device table entry, 48882 section 2.2.2 (Device Table Entry Format).
 * A DTE is 256 bits, four 64-bit words; word n holds DTE bits
 * 64n + 63 .. 64n.
 *
 * Word 0 (DTE bits 63:0):
 *   V     bit 0      entry valid (V=0: DMA passes untranslated, with
 *                    full access, and the other fields are ignored)
 *   TV    bit 1      translation information valid (V=1, TV=0: DMA
 *                    passes untranslated)
 *   Mode  bits 11:9  host paging mode (0: no translation, IR/IW apply)
 *   Host Page Table Root Pointer bits 51:12
 *   IR    bit 61     DMA read permitted
 *   IW    bit 62     DMA write permitted
 * Word 1 (DTE bits 127:64):
 *   DomainID  DTE bits 79:64   = word 1 bits 15:0
 *   I         DTE bit 96       = word 1 bit 32 (IOTLB enable: the IOMMU
 *                                answers the device's ATS translation
 *                                requests and accepts its translated
 *                                requests)
 *   SysMgt    DTE bits 105:104 = word 1 bits 41:40 (system management
 *                                messages: 00b blocked, 01b forwarded
 *                                untranslated, 10b INTx forwarded,
 *                                11b translated)
 * Words 2 and 3 (DTE bits 255:128): interrupt remapping (IV is DTE bit
 * 128; IV=0: interrupts pass unremapped) and guest fields.
 */
#define AMD_CQ_DTE_WORDS	4
#define AMD_CQ_DTE_SIZE		32
#define AMD_CQ_DTE_V		BIT_ULL(0)
#define AMD_CQ_DTE_TV		BIT_ULL(1)
#define AMD_CQ_DTE_MODE_MASK	GENMASK_ULL(11, 9)
#define AMD_CQ_DTE_ROOT_MASK	GENMASK_ULL(51, 12)
#define AMD_CQ_DTE_IR		BIT_ULL(61)
#define AMD_CQ_DTE_IW		BIT_ULL(62)
#define AMD_CQ_DTE1_DOMID_MASK	GENMASK_ULL(15, 0)
#define AMD_CQ_DTE1_IOTLB	BIT_ULL(32)
#define AMD_CQ_DTE1_SYSMGT_MASK	GENMASK_ULL(41, 40)
/* SysMgt = 01b: the value of erratum 63 (see amd_cq_dte_revoke()). */
#define AMD_CQ_DTE1_SYSMGT_FWD	BIT_ULL(40)

/* DeviceIDs and domain ids are 16 bits: bitmaps of 65536 bits. */
#define AMD_CQ_NR_IDS		65536
#define AMD_CQ_BITMAP_WORDS	(AMD_CQ_NR_IDS / 64)

/*
 * The walk checks the deadline before every block of this many DTEs (one
 * word of the changed bitmap: amd_cq_walk() relies on it).
 */
#define AMD_CQ_DEADLINE_STRIDE	64

/* Attempts at one DTE that another CPU keeps changing (cmpxchg). */
#define AMD_CQ_DTE_TRIES	4

/**
 * amd_cq_dte_revoke() - reduce the DMA permission of one DTE
 * @old: the four words as read from the device table
 * @new: out: the four words to store
 * @mode: CRASH_DMA_QUIESCE_WRITE (revoke write) or CRASH_DMA_QUIESCE_ALL
 *	(revoke read and write)
 *
 * V=1, TV=1: IW cleared (and IR for mode all); I cleared, so that the
 * IOMMU no longer honours the device's ATS translations (a device that
 * ignores an ATS invalidation keeps its cached translations, but its
 * translated requests are no longer accepted); SysMgt 01b becomes 00b:
 * Linux sets IW on such entries for erratum 63 (undefined behaviour when
 * the IOMMU forwards system management requests with SysMgt = 01b and
 * IW = 0), so rather than create that combination the device's system
 * management messages are blocked. Every other bit is kept.
 *
 * V=1, TV=0: DMA passes untranslated (48882 section 2.2.2). Word 0
 * becomes V=1, TV=1, Mode=0 (no translation, access checked against
 * IR/IW), IR=1 for mode write (reads were already allowed) or IR=0 for
 * mode all, IW=0, every other bit zero, so that no stale translation
 * field (root pointer, GV, GCR3, ...) becomes live; word 1, whose
 * DomainID, I, IoCtl, EX and SysMgt become live with TV=1, is zeroed
 * (DomainID 0, which Linux never gives a domain; everything else off).
 * The interrupt words are kept: V was already 1.
 *
 * V=0: the whole entry is ignored and DMA passes untranslated with full
 * access (48882 section 2.2.2). It becomes the TV=0 result above with
 * words 1 to 3 zero (IV=0: interrupts still pass unremapped).
 *
 * No permission is ever added. The caller stores the changed words with
 * word 0 last (words 1 to 3 are ignored by the hardware until word 0 makes
 * them live; with TV=1 each word only loses permission, so every
 * intermediate entry is safe).
 *
 * Return: a bit mask of the words that change (bit n: word n).
 */
static inline unsigned int amd_cq_dte_revoke(const u64 *old, u64 *new,
					     enum crash_dma_quiesce_mode mode)
{
	u64 w0 = AMD_CQ_DTE_V | AMD_CQ_DTE_TV;

	if (!(old[0] & AMD_CQ_DTE_V) || !(old[0] & AMD_CQ_DTE_TV)) {
		if (mode != CRASH_DMA_QUIESCE_ALL)
			w0 |= AMD_CQ_DTE_IR;
		new[0] = w0;
		new[1] = 0;
		new[2] = old[0] & AMD_CQ_DTE_V ? old[2] : 0;
		new[3] = old[0] & AMD_CQ_DTE_V ? old[3] : 0;
	} else {
		new[0] = old[0] & ~AMD_CQ_DTE_IW;
		if (mode == CRASH_DMA_QUIESCE_ALL)
			new[0] &= ~AMD_CQ_DTE_IR;
		new[1] = old[1] & ~AMD_CQ_DTE1_IOTLB;
		if ((old[1] & AMD_CQ_DTE1_SYSMGT_MASK) == AMD_CQ_DTE1_SYSMGT_FWD)
			new[1] &= ~AMD_CQ_DTE1_SYSMGT_MASK;
		new[2] = old[2];
		new[3] = old[3];
	}
	/* Unrolled, so that a walk keeps @old and @new in registers. */
	return (new[0] != old[0]) | (new[1] != old[1]) << 1 |
	       (new[2] != old[2]) << 2 | (new[3] != old[3]) << 3;
}

/**
 * amd_cq_dte_transform() - word 0 of a DTE with its DMA permission reduced
 * @w0: word 0 (DTE bits 63:0)
 * @mode: CRASH_DMA_QUIESCE_WRITE or CRASH_DMA_QUIESCE_ALL
 *
 * The word-0 part of amd_cq_dte_revoke() for an entry with V=1, for
 * callers that change word 0 only (the capture kernel's bring-up quiesce
 * of a copied table, drivers/iommu/amd/kdump_hw.h): V=0 is returned
 * unchanged; V=1, TV=0 becomes V=1, TV=1, Mode=0, IR=1 (mode write) or
 * IR=0, IW=0, nothing else; V=1, TV=1 loses IW (and IR for mode all).
 *
 * Return: the new word 0.
 */
static inline u64 amd_cq_dte_transform(u64 w0, enum crash_dma_quiesce_mode mode)
{
	u64 old[AMD_CQ_DTE_WORDS] = { w0 }, new[AMD_CQ_DTE_WORDS];

	if (!(w0 & AMD_CQ_DTE_V))
		return w0;
	amd_cq_dte_revoke(old, new, mode);
	return new[0];
}

/*
 * Commands, 48882 section 2.4: 128 bits each, written as four 32-bit
 * words; the opcode is in bits 63:60 (word 1 bits 31:28).
 */
#define AMD_CQ_CMD_SIZE		16
#define AMD_CQ_CMD_OP_SHIFT	28	/* in word 1 */
#define AMD_CQ_OP_COMPLETION_WAIT	0x1	/* section 2.4.1 */
#define AMD_CQ_OP_INV_DEVTAB_ENTRY	0x2	/* section 2.4.2 */
#define AMD_CQ_OP_INV_IOMMU_PAGES	0x3	/* section 2.4.3 */
#define AMD_CQ_OP_INV_IOTLB_PAGES	0x4	/* section 2.4.4 */
#define AMD_CQ_OP_INV_IOMMU_ALL		0x8	/* section 2.4.8 */

/* COMPLETION_WAIT word 0: S (store) bit 0, Store Address[31:3] bits 31:3. */
#define AMD_CQ_CW_S		BIT(0)
/* COMPLETION_WAIT word 1: Store Address[51:32] bits 19:0. */
#define AMD_CQ_CW_ADDR_HI_MASK	GENMASK(19, 0)

/*
 * INVALIDATE_IOMMU_PAGES and INVALIDATE_IOTLB_PAGES word 2: S (size) bit
 * 0, PDE bit 1 (IOMMU_PAGES only), Address[31:12] bits 31:12; word 3:
 * Address[63:32]. With S=1 the address 7FFF_FFFF_FFFF_F000h selects every
 * page.
 */
#define AMD_CQ_INV_S		BIT(0)
#define AMD_CQ_INV_PDE		BIT(1)
#define AMD_CQ_INV_ALL_PAGES	0x7ffffffffffff000ULL

/*
 * INVALIDATE_IOTLB_PAGES word 0: DeviceID bits 15:0, Maxpend bits 31:24;
 * word 1: QueueID bits 15:0. Linux uses the DeviceID as QueueID. Maxpend
 * bounds the invalidations outstanding at the device; the crash path
 * sends one per device, so 1 is enough and never exceeds the device's
 * ATS Invalidate Queue Depth.
 */
#define AMD_CQ_IOTLB_MAXPEND_SHIFT	24
#define AMD_CQ_IOTLB_MAXPEND		1

/**
 * struct amd_cq_cmd - one command buffer entry
 * @data: the four 32-bit words, in memory order
 */
struct amd_cq_cmd {
	u32 data[4];
};

static inline void amd_cq_cmd_clear(struct amd_cq_cmd *cmd, u32 op)
{
	cmd->data[0] = 0;
	cmd->data[1] = op << AMD_CQ_CMD_OP_SHIFT;
	cmd->data[2] = 0;
	cmd->data[3] = 0;
}

/**
 * amd_cq_build_completion_wait() - COMPLETION_WAIT with a memory store
 * @cmd: command to fill
 * @store_phys: 8-byte aligned physical address below 2^52
 * @data: 64-bit value the IOMMU stores once every earlier command is done
 *
 * 48882 section 2.4.1: S=1, I=0, F=0; Store Address[51:3]; Store Data in
 * words 2 and 3.
 */
static inline void amd_cq_build_completion_wait(struct amd_cq_cmd *cmd,
						u64 store_phys, u64 data)
{
	amd_cq_cmd_clear(cmd, AMD_CQ_OP_COMPLETION_WAIT);
	cmd->data[0] = ((u32)store_phys & ~7U) | AMD_CQ_CW_S;
	cmd->data[1] |= (u32)(store_phys >> 32) & AMD_CQ_CW_ADDR_HI_MASK;
	cmd->data[2] = (u32)data;
	cmd->data[3] = (u32)(data >> 32);
}

/**
 * amd_cq_build_inv_devtab_entry() - INVALIDATE_DEVTAB_ENTRY
 * @cmd: command to fill
 * @devid: DeviceID whose cached DTE is dropped
 *
 * 48882 section 2.4.2: DeviceID in bits 15:0.
 */
static inline void amd_cq_build_inv_devtab_entry(struct amd_cq_cmd *cmd,
						 u16 devid)
{
	amd_cq_cmd_clear(cmd, AMD_CQ_OP_INV_DEVTAB_ENTRY);
	cmd->data[0] = devid;
}

/**
 * amd_cq_build_inv_iommu_pages() - INVALIDATE_IOMMU_PAGES, every page
 * @cmd: command to fill
 * @domid: domain id whose cached translations are dropped
 *
 * 48882 section 2.4.3: PASID 0, DomainID in bits 47:32, S=1, PDE=1,
 * GN=0, address 7FFF_FFFF_FFFF_F000h (all pages, page directory entries
 * included).
 */
static inline void amd_cq_build_inv_iommu_pages(struct amd_cq_cmd *cmd,
						u16 domid)
{
	amd_cq_cmd_clear(cmd, AMD_CQ_OP_INV_IOMMU_PAGES);
	cmd->data[1] |= domid;
	cmd->data[2] = (u32)AMD_CQ_INV_ALL_PAGES | AMD_CQ_INV_PDE |
		       AMD_CQ_INV_S;
	cmd->data[3] = (u32)(AMD_CQ_INV_ALL_PAGES >> 32);
}

/**
 * amd_cq_build_inv_iotlb_pages() - INVALIDATE_IOTLB_PAGES, every page
 * @cmd: command to fill
 * @devid: DeviceID of the ATS device whose translation cache is dropped
 *
 * 48882 section 2.4.4: DeviceID bits 15:0, Maxpend bits 31:24, QueueID
 * bits 47:32 (the DeviceID), PASID 0, S=1, GN=0, Type 0, address
 * 7FFF_FFFF_FFFF_F000h (all pages).
 */
static inline void amd_cq_build_inv_iotlb_pages(struct amd_cq_cmd *cmd,
						u16 devid)
{
	amd_cq_cmd_clear(cmd, AMD_CQ_OP_INV_IOTLB_PAGES);
	cmd->data[0] = devid |
		       ((u32)AMD_CQ_IOTLB_MAXPEND << AMD_CQ_IOTLB_MAXPEND_SHIFT);
	cmd->data[1] |= devid;
	cmd->data[2] = (u32)AMD_CQ_INV_ALL_PAGES | AMD_CQ_INV_S;
	cmd->data[3] = (u32)(AMD_CQ_INV_ALL_PAGES >> 32);
}

/**
 * amd_cq_build_inv_all() - INVALIDATE_IOMMU_ALL
 * @cmd: command to fill
 *
 * 48882 section 2.4.8: opcode only. Drops every DTE, translation and
 * interrupt remapping entry cached by the IOMMU (not the ATS caches of
 * devices). Only valid when the EFR advertises IASup.
 */
static inline void amd_cq_build_inv_all(struct amd_cq_cmd *cmd)
{
	amd_cq_cmd_clear(cmd, AMD_CQ_OP_INV_IOMMU_ALL);
}

/* Set bit @n; return whether it was set. Stores only when it was not. */
static inline bool amd_cq_test_and_set(u64 *bitmap, u32 n)
{
	u64 mask = 1ULL << (n % 64);

	if (bitmap[n / 64] & mask)
		return true;
	bitmap[n / 64] |= mask;
	return false;
}

static inline bool amd_cq_test(const u64 *bitmap, u32 n)
{
	return bitmap[n / 64] & (1ULL << (n % 64));
}

static inline void amd_cq_bitmap_zero(u64 *bitmap)
{
	u32 i;

	for (i = 0; i < AMD_CQ_BITMAP_WORDS; i++)
		bitmap[i] = 0;
}

/* @dst |= @src, both AMD_CQ_BITMAP_WORDS words. */
static inline void amd_cq_bitmap_or(u64 *dst, const u64 *src)
{
	u32 i;

	for (i = 0; i < AMD_CQ_BITMAP_WORDS; i++)
		dst[i] |= src[i];
}

/**
 * amd_cq_bitmap_next() - next set bit of a 65536-bit bitmap
 * @bitmap: AMD_CQ_BITMAP_WORDS words; bit n is bit (n % 64) of word n / 64
 * @from: first bit to look at
 *
 * Return: the lowest set bit >= @from, or AMD_CQ_NR_IDS if there is none.
 */
static inline u32 amd_cq_bitmap_next(const u64 *bitmap, u32 from)
{
	u32 i = from / 64;
	u64 bits;

	if (from >= AMD_CQ_NR_IDS)
		return AMD_CQ_NR_IDS;
	bits = bitmap[i] & (~0ULL << (from % 64));
	while (!bits) {
		if (++i == AMD_CQ_BITMAP_WORDS)
			return AMD_CQ_NR_IDS;
		bits = bitmap[i];
	}
	return i * 64 + (u32)__builtin_ctzll(bits);
}

/**
 * amd_cq_replace() - one 64-bit compare-and-exchange of a table word
 * @p: the word
 * @old: the value the new one was derived from
 * @new: the value to store
 *
 * A CPU that did not stop at the crash may be rewriting the same entry:
 * the crash path never overwrites a value it did not read, so such a
 * change is either seen and reduced too (on the next attempt) or, if it
 * comes later, kept.
 *
 * Return: true when @p held @old and now holds @new.
 */
static inline bool amd_cq_replace(u64 *p, u64 old, u64 new)
{
	return cmpxchg64(p, old, new) == old;
}

/**
 * struct amd_cq_walk - one walk over a device table
 * @table: the device table, AMD_CQ_DTE_WORDS words per DTE
 * @count: number of DTEs (at most AMD_CQ_NR_IDS)
 * @mode: CRASH_DMA_QUIESCE_WRITE or CRASH_DMA_QUIESCE_ALL
 * @dry_run: count only, write nothing to @table
 * @expired: returns true once the time budget is used up; called with
 *	@expired_arg before every AMD_CQ_DEADLINE_STRIDE DTEs (and before the
 *	first one)
 * @expired_arg: argument of @expired
 * @flush: when the IOMMU does not snoop (Control Coherent clear): write
 *	back the CPU caches over a changed DTE (not called in a dry run);
 *	NULL otherwise
 * @snp: SNP is enabled: the IOMMU prohibits DTE Mode 0 with TV=1, so a
 *	V=0 or V=1, TV=0 entry the walk rewrites (TV=1, Mode 0) blocks the
 *	device's reads too; such entries are counted in the record's
 *	entries_blocked
 * @changed: out: bitmap of the DeviceIDs whose DTE changed
 *	(AMD_CQ_BITMAP_WORDS words)
 * @domains: out: bitmap of the DomainIDs of the changed DTEs, as they were
 *	before the change (AMD_CQ_BITMAP_WORDS words)
 * @ats: out: bitmap of the DeviceIDs of changed DTEs that had TV=1 and
 *	I=1 (ATS devices; AMD_CQ_BITMAP_WORDS words)
 * @next: in/out: the first DTE the walk looks at; where it stopped
 *	(@count when it finished)
 * @nr_domains: out: number of bits set in @domains
 * @nr_ats: out: number of bits set in @ats
 * @timed_out: out: the walk stopped at the deadline
 *
 * amd_cq_walk_begin() clears the outputs; amd_cq_walk() then walks from
 * @next on and adds to them, so that a walk stopped at the deadline can
 * be continued later in the same pass. The record passed to amd_cq_walk()
 * gets entries_scanned, entries_changed, entries_blocked and
 * entries_rejected added.
 */
struct amd_cq_walk {
	u64 *table;
	u32 count;
	enum crash_dma_quiesce_mode mode;
	bool dry_run;
	bool (*expired)(const struct crash_dma_quiesce_ctx *ctx);
	const struct crash_dma_quiesce_ctx *expired_arg;
	void (*flush)(void *addr, u64 size);
	bool snp;
	u64 *changed;
	u64 *domains;
	u64 *ats;
	u32 next;
	u32 nr_domains;
	u32 nr_ats;
	bool timed_out;
};

/* Start a walk over the whole table: outputs and counters cleared. */
static inline void amd_cq_walk_begin(struct amd_cq_walk *w,
				     struct crash_dma_quiesce_record *rec)
{
	amd_cq_bitmap_zero(w->changed);
	amd_cq_bitmap_zero(w->domains);
	amd_cq_bitmap_zero(w->ats);
	w->next = 0;
	w->nr_domains = 0;
	w->nr_ats = 0;
	w->timed_out = false;
	rec->entries_scanned = 0;
	rec->entries_changed = 0;
	rec->entries_rejected = 0;
	rec->entries_blocked = 0;
}

/*
 * Note a changed DTE: its DomainID (that of a V=1, TV=1 entry, whose
 * translations may be cached under it; DomainID 0, which it now has, for
 * an entry that had none), and its DeviceID if it was an ATS device. The
 * I bit is only meaningful with V=1, TV=1 (48882 section 2.2.2). The
 * caller sets the DeviceID in @w->changed.
 */
static inline void amd_cq_note_changed(struct amd_cq_walk *w, u32 devid,
				       const u64 *old)
{
	bool tv = (old[0] & AMD_CQ_DTE_V) && (old[0] & AMD_CQ_DTE_TV);
	u32 dom = tv ? (u32)(old[1] & AMD_CQ_DTE1_DOMID_MASK) : 0;

	if (!amd_cq_test_and_set(w->domains, dom))
		w->nr_domains++;
	if (tv && (old[1] & AMD_CQ_DTE1_IOTLB) &&
	    !amd_cq_test_and_set(w->ats, devid))
		w->nr_ats++;
}

/*
 * Revoke one DTE: words 3 to 1 (those that change) first, word 0 last,
 * each with a compare-and-exchange against the value read. When another
 * CPU changed the entry meanwhile, start over from what is in memory.
 * Return: 1 changed, 2 changed and now blocking reads too (a V=0 or TV=0
 * entry rewritten with @w->snp), 0 nothing to change, -1 the entry kept
 * changing.
 */
static inline int amd_cq_walk_dte(struct amd_cq_walk *w, u64 *dte, u32 devid)
{
	u64 old[AMD_CQ_DTE_WORDS], new[AMD_CQ_DTE_WORDS];
	unsigned int diff, tries;

	/* Unrolled by hand, so that @old and @new stay in registers. */
	for (tries = 0; tries < AMD_CQ_DTE_TRIES; tries++) {
		old[0] = READ_ONCE(dte[0]);
		old[1] = READ_ONCE(dte[1]);
		old[2] = READ_ONCE(dte[2]);
		old[3] = READ_ONCE(dte[3]);
		diff = amd_cq_dte_revoke(old, new, w->mode);
		if (!diff)
			return 0;
		if (w->dry_run)
			goto changed;
		if ((diff & BIT(3)) && !amd_cq_replace(&dte[3], old[3], new[3]))
			continue;
		if ((diff & BIT(2)) && !amd_cq_replace(&dte[2], old[2], new[2]))
			continue;
		if ((diff & BIT(1)) && !amd_cq_replace(&dte[1], old[1], new[1]))
			continue;
		if ((diff & BIT(0)) && !amd_cq_replace(&dte[0], old[0], new[0]))
			continue;
		if (w->flush)
			w->flush(dte, AMD_CQ_DTE_SIZE);
changed:
		amd_cq_note_changed(w, devid, old);
		if (w->snp && (!(old[0] & AMD_CQ_DTE_V) ||
			       !(old[0] & AMD_CQ_DTE_TV)))
			return 2;
		return 1;
	}
	return -1;
}

/* amd_cq_walk() on a copy of the walk: see there. */
static inline void __amd_cq_walk(struct amd_cq_walk *w,
				 struct crash_dma_quiesce_record *rec)
{
	u32 count = w->count < AMD_CQ_NR_IDS ? w->count : AMD_CQ_NR_IDS;
	u32 scanned = 0, changed = 0, blocked = 0, rejected = 0;
	u32 devid = w->next, start, end;
	u64 bits;
	int r;

	/*
	 * A block of DeviceIDs at a time, up to the next multiple of 64 (one
	 * word of @w->changed, and the deadline stride): the block's bits of
	 * @w->changed and the record's counters are kept in registers and
	 * stored once per block and once per walk, so that the walk's only
	 * stores per DTE are the DTE's own (a locked compare-and-exchange
	 * waits for every earlier store to drain).
	 */
	w->timed_out = false;
	while (devid < count) {
		if (devid % AMD_CQ_DEADLINE_STRIDE == 0 &&
		    w->expired(w->expired_arg)) {
			w->timed_out = true;
			break;
		}
		start = devid;
		end = (devid / 64 + 1) * 64;
		if (end > count)
			end = count;
		bits = 0;
		for (; devid < end; devid++) {
			r = amd_cq_walk_dte(w, &w->table[(size_t)devid * AMD_CQ_DTE_WORDS],
					    devid);
			if (r > 0)
				bits |= 1ULL << (devid % 64);
			changed += r > 0;
			blocked += r > 1;
			rejected += r < 0;
		}
		scanned += end - start;
		w->changed[start / 64] |= bits;
	}
	rec->entries_scanned += scanned;
	rec->entries_changed += changed;
	rec->entries_blocked += blocked;
	rec->entries_rejected += rejected;
	w->next = devid < count ? devid : count;
}

/**
 * amd_cq_walk() - apply amd_cq_dte_revoke() to a device table
 * @w: the walk, started with amd_cq_walk_begin() (or continued)
 * @rec: record whose entries_scanned, entries_changed and
 *	entries_rejected are added to
 *
 * From DTE @w->next on, each DTE is read and, when amd_cq_dte_revoke()
 * changes it, stored (not in a dry run; word 0 last, each word with a
 * compare-and-exchange), its DeviceID set in @w->changed and its DomainID
 * / ATS state noted. An entry that another CPU keeps changing is counted
 * as rejected. Stops early, with @w->timed_out set and @w->next at the
 * first DTE not looked at, when @w->expired reports the deadline.
 *
 * The walk works on a copy of @w on the stack: every compare-and-exchange
 * is a full compiler barrier, after which the fields of a walk reached
 * through a pointer would be loaded again, DTE after DTE.
 */
static inline void amd_cq_walk(struct amd_cq_walk *w,
			       struct crash_dma_quiesce_record *rec)
{
	struct amd_cq_walk copy = *w;

	__amd_cq_walk(&copy, rec);
	*w = copy;
}

/**
 * amd_cq_collect() - rebuild the DomainID bitmap from a changed bitmap
 * @w: walk whose @table, @count and @domains are used; @nr_domains is set
 * @changed: DeviceIDs changed by an earlier walk over the same table
 *
 * For an IOMMU that shares its device table with an IOMMU quiesced
 * earlier in the same pass (Linux 6.1 uses one device table per PCI
 * segment): the table is already quiesced, but this IOMMU's caches still
 * need the invalidations. The walk keeps the DomainID of a TV=1 entry, so
 * the value read now is the one its cached translations carry; an entry
 * that had V=0 or TV=0 had no translation to cache and now reads
 * DomainID 0, which is invalidated too.
 */
static inline void amd_cq_collect(struct amd_cq_walk *w, const u64 *changed)
{
	u32 count = w->count < AMD_CQ_NR_IDS ? w->count : AMD_CQ_NR_IDS;
	u32 devid, dom;

	amd_cq_bitmap_zero(w->domains);
	w->nr_domains = 0;
	for (devid = amd_cq_bitmap_next(changed, 0); devid < count;
	     devid = amd_cq_bitmap_next(changed, devid + 1)) {
		dom = (u32)(READ_ONCE(w->table[(size_t)devid * AMD_CQ_DTE_WORDS + 1]) &
			    AMD_CQ_DTE1_DOMID_MASK);
		if (!amd_cq_test_and_set(w->domains, dom))
			w->nr_domains++;
	}
}

/**
 * amd_cq_mark_last() - the last changed DTE of every domain
 * @table: the device table
 * @count: DTEs in @table
 * @changed: DeviceIDs of the changed DTEs
 * @seen: scratch, AMD_CQ_BITMAP_WORDS words (DomainIDs)
 * @last: out: bitmap of the DeviceIDs that are the highest changed
 *	DeviceID of their DomainID (AMD_CQ_BITMAP_WORDS words)
 *
 * Without INVALIDATE_IOMMU_ALL, a domain's cached translations can only
 * be dropped for good once every one of its devices' cached DTEs is
 * gone: a device whose old DTE (IW=1) is still cached could walk the page
 * tables again and cache writable translations under the domain's id.
 * The invalidation therefore goes device by device in DeviceID order and
 * sends a domain's INVALIDATE_IOMMU_PAGES right after the
 * INVALIDATE_DEVTAB_ENTRY of its last device: when the budget runs out
 * half-way, the domains done so far are fully invalidated.
 */
static inline void amd_cq_mark_last(const u64 *table, u32 count,
				    const u64 *changed, u64 *seen, u64 *last)
{
	u32 devid, dom, i;

	if (count > AMD_CQ_NR_IDS)
		count = AMD_CQ_NR_IDS;
	amd_cq_bitmap_zero(seen);
	amd_cq_bitmap_zero(last);
	for (i = count; i-- > 0;) {
		devid = i;
		if (!amd_cq_test(changed, devid))
			continue;
		dom = (u32)(READ_ONCE(table[(size_t)devid * AMD_CQ_DTE_WORDS + 1]) &
			    AMD_CQ_DTE1_DOMID_MASK);
		if (!amd_cq_test_and_set(seen, dom))
			amd_cq_test_and_set(last, devid);
	}
}

#endif /* _AMD_IOMMU_CRASH_QUIESCE_HW_H */
