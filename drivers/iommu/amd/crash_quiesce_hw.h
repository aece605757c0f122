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
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/crash_dma_quiesce.h>

/*
 * MMIO register offsets, 48882 section 3.4.
 */
#define AMD_CQ_MMIO_DEV_TABLE	0x0000	/* Device Table Base Address */
#define AMD_CQ_MMIO_CMD_BUF	0x0008	/* Command Buffer Base Address */
#define AMD_CQ_MMIO_CONTROL	0x0018	/* IOMMU Control */
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
 * IommuEn bit 0, CmdBufEn bit 12.
 */
#define AMD_CQ_CTRL_IOMMU_EN	BIT_ULL(0)
#define AMD_CQ_CTRL_CMDBUF_EN	BIT_ULL(12)

/*
 * Extended Feature Register (MMIO Offset 0030h), 48882 section 3.4:
 * IASup (INVALIDATE_IOMMU_ALL supported) bit 6.
 */
#define AMD_CQ_EFR_IA		BIT_ULL(6)

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
 *   V     bit 0      entry valid (V=0: DMA passes untranslated)
 *   TV    bit 1      translation information valid
 *   Mode  bits 11:9  host paging mode (0: no translation, IR/IW apply)
 *   Host Page Table Root Pointer bits 51:12
 *   IR    bit 61     DMA read permitted
 *   IW    bit 62     DMA write permitted
 * Word 1 (DTE bits 127:64):
 *   DomainID  DTE bits 79:64 = word 1 bits 15:0
 *   I         DTE bit 96     = word 1 bit 32 (IOTLB enable: the device
 *                              uses ATS and caches translations)
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

/* DeviceIDs and domain ids are 16 bits: bitmaps of 65536 bits. */
#define AMD_CQ_NR_IDS		65536
#define AMD_CQ_BITMAP_WORDS	(AMD_CQ_NR_IDS / 64)

/* The walk checks the deadline before every block of this many DTEs. */
#define AMD_CQ_DEADLINE_STRIDE	64

/**
 * amd_cq_dte_transform() - reduce the DMA permission of one DTE
 * @w0: word 0 (DTE bits 63:0) as read from the device table
 * @mode: CRASH_DMA_QUIESCE_WRITE (revoke write) or CRASH_DMA_QUIESCE_ALL
 *	(revoke read and write)
 *
 * V=0: returned unchanged (the entry is not used for translation).
 * V=1, TV=1: IW cleared (and IR for mode all); every other bit kept.
 * V=1, TV=0: the translation fields are not valid and DMA passes
 * untranslated (48882 section 2.2.2); the word becomes V=1, TV=1, Mode=0
 * (no translation, access checked against IR/IW), IR=1 for mode write
 * (reads were already allowed) or IR=0 for mode all, IW=0, every other
 * bit of word 0 zero, so that no stale translation field (root pointer,
 * GV, GCR3, ...) becomes live. No permission is ever added. Only word 0
 * changes, so the caller applies the result with one 64-bit store.
 *
 * Return: the new word 0.
 */
static inline u64 amd_cq_dte_transform(u64 w0, enum crash_dma_quiesce_mode mode)
{
	if (!(w0 & AMD_CQ_DTE_V))
		return w0;
	if (!(w0 & AMD_CQ_DTE_TV)) {
		w0 = AMD_CQ_DTE_V | AMD_CQ_DTE_TV;
		if (mode != CRASH_DMA_QUIESCE_ALL)
			w0 |= AMD_CQ_DTE_IR;
		return w0;
	}
	w0 &= ~AMD_CQ_DTE_IW;
	if (mode == CRASH_DMA_QUIESCE_ALL)
		w0 &= ~AMD_CQ_DTE_IR;
	return w0;
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

static inline bool amd_cq_test_and_set(u64 *bitmap, u32 n)
{
	u64 mask = 1ULL << (n % 64);
	bool was = bitmap[n / 64] & mask;

	bitmap[n / 64] |= mask;
	return was;
}

static inline void amd_cq_bitmap_zero(u64 *bitmap)
{
	u32 i;

	for (i = 0; i < AMD_CQ_BITMAP_WORDS; i++)
		bitmap[i] = 0;
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
 * struct amd_cq_walk - one walk over a device table
 * @table: the device table, AMD_CQ_DTE_WORDS words per DTE
 * @count: number of DTEs (at most AMD_CQ_NR_IDS)
 * @mode: CRASH_DMA_QUIESCE_WRITE or CRASH_DMA_QUIESCE_ALL
 * @dry_run: count only, write nothing to @table
 * @expired: returns true once the time budget is used up; called with
 *	@expired_arg before every AMD_CQ_DEADLINE_STRIDE DTEs (and before the
 *	first one)
 * @expired_arg: argument of @expired
 * @domains: out: bitmap of the DomainIDs of the changed DTEs
 *	(AMD_CQ_BITMAP_WORDS words, zeroed by the walk)
 * @ats: out: bitmap of the DeviceIDs of changed DTEs with TV=1 and I=1
 *	(ATS devices; AMD_CQ_BITMAP_WORDS words, zeroed by the walk)
 * @nr_domains: out: number of bits set in @domains
 * @nr_ats: out: number of bits set in @ats
 * @timed_out: out: the walk stopped at the deadline
 *
 * The walk also fills entries_scanned, entries_changed and changed of the
 * record passed to amd_cq_walk().
 */
struct amd_cq_walk {
	u64 *table;
	u32 count;
	enum crash_dma_quiesce_mode mode;
	bool dry_run;
	bool (*expired)(const struct crash_dma_quiesce_ctx *ctx);
	const struct crash_dma_quiesce_ctx *expired_arg;
	u64 *domains;
	u64 *ats;
	u32 nr_domains;
	u32 nr_ats;
	bool timed_out;
};

/*
 * Note a changed DTE: its DomainID, and its DeviceID if it is an ATS
 * device. The I bit is only meaningful with TV=1 (48882 section 2.2.2):
 * an ATS invalidation sent to a device without ATS could stall the
 * command buffer until the invalidation timeout.
 */
static inline void amd_cq_note_changed(struct amd_cq_walk *w, u32 devid,
				       u64 old_w0, u64 w1)
{
	if (!amd_cq_test_and_set(w->domains, (u32)(w1 & AMD_CQ_DTE1_DOMID_MASK)))
		w->nr_domains++;
	if ((old_w0 & AMD_CQ_DTE_TV) && (w1 & AMD_CQ_DTE1_IOTLB) &&
	    !amd_cq_test_and_set(w->ats, devid))
		w->nr_ats++;
}

/**
 * amd_cq_walk() - apply amd_cq_dte_transform() to a device table
 * @w: the walk
 * @rec: record whose entries_scanned, entries_changed and changed bitmap
 *	are (re)written
 *
 * Each DTE's word 0 is read once; when the transform changes it, the new
 * value is written with one 64-bit store (not in a dry run), the DeviceID
 * is set in @rec->changed and the DomainID / ATS state noted. Stops
 * early, with @w->timed_out set, when @w->expired reports the deadline.
 */
static inline void amd_cq_walk(struct amd_cq_walk *w,
			       struct crash_dma_quiesce_record *rec)
{
	u32 count = w->count < AMD_CQ_NR_IDS ? w->count : AMD_CQ_NR_IDS;
	u32 devid;

	amd_cq_bitmap_zero(w->domains);
	amd_cq_bitmap_zero(w->ats);
	amd_cq_bitmap_zero(rec->changed);
	w->nr_domains = 0;
	w->nr_ats = 0;
	w->timed_out = false;
	rec->entries_scanned = 0;
	rec->entries_changed = 0;

	for (devid = 0; devid < count; devid++) {
		u64 *dte = &w->table[(size_t)devid * AMD_CQ_DTE_WORDS];
		u64 old, new;

		if (devid % AMD_CQ_DEADLINE_STRIDE == 0 &&
		    w->expired(w->expired_arg)) {
			w->timed_out = true;
			break;
		}
		old = READ_ONCE(dte[0]);
		new = amd_cq_dte_transform(old, w->mode);
		rec->entries_scanned++;
		if (new == old)
			continue;
		if (!w->dry_run)
			WRITE_ONCE(dte[0], new);
		amd_cq_test_and_set(rec->changed, devid);
		rec->entries_changed++;
		amd_cq_note_changed(w, devid, old, READ_ONCE(dte[1]));
	}
}

/**
 * amd_cq_collect() - rebuild the DomainID and ATS bitmaps from a changed
 *	bitmap
 * @w: walk whose @table, @count, @domains and @ats are used; @nr_domains
 *	and @nr_ats are set
 * @changed: DeviceIDs changed by an earlier walk over the same table
 *
 * For an IOMMU that shares its device table with an IOMMU quiesced
 * earlier in the same pass (Linux 6.1 uses one device table per PCI
 * segment): the table is already quiesced, but this IOMMU's caches still
 * need the invalidations. Word 1 is never modified by the walk, so the
 * DomainID and I bit read now are those the earlier walk saw. Whether TV
 * was set before the earlier walk can no longer be told (the transform
 * sets it), so every changed DTE with I=1 counts as an ATS device: an
 * extra ATS invalidation costs time, a missing one would leave a
 * writable translation cached in the device.
 */
static inline void amd_cq_collect(struct amd_cq_walk *w, const u64 *changed)
{
	u32 count = w->count < AMD_CQ_NR_IDS ? w->count : AMD_CQ_NR_IDS;
	u32 devid;

	amd_cq_bitmap_zero(w->domains);
	amd_cq_bitmap_zero(w->ats);
	w->nr_domains = 0;
	w->nr_ats = 0;

	for (devid = amd_cq_bitmap_next(changed, 0); devid < count;
	     devid = amd_cq_bitmap_next(changed, devid + 1))
		amd_cq_note_changed(w, devid, AMD_CQ_DTE_TV,
				    READ_ONCE(w->table[(size_t)devid *
						       AMD_CQ_DTE_WORDS + 1]));
}

#endif /* _AMD_IOMMU_CRASH_QUIESCE_HW_H */
