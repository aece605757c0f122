// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi capture-kernel takeover: the validated copy of the crashed
 * kernel's device table, the blocking fallback, the bring-up quiesce and
 * the release of old domain ids (see include/linux/iommu_kdump.h).
 *
 * Called from init.c (copy_device_table(), once per PCI segment, before the
 * capture kernel switches the IOMMU to its own table with translation left
 * enabled) and from iommu.c (every DTE the capture kernel writes, and the
 * release of an old domain id).
 *
 * The copy accepts the device table only if its size is one a kernel of
 * this machine programs (the capture kernel's, or the other sizing: by the
 * last DeviceID, or 6.12's 2 MiB on CPU families 17h-1Ah: the smaller of
 * the two is copied, the DeviceIDs beyond it blocked) and it lies in the
 * crashed kernel's RAM; every valid DTE is checked (kdump_hw.h) before it
 * is copied, and a DTE that fails is replaced by one that blocks its
 * device. If the table as a whole
 * is unusable, every DTE of the segment blocks DMA: translation is never
 * turned off. With iommu_kdump_quiesce=1, DMA write permission is revoked
 * in the copies (the crash path's transform); the crashed kernel's memory
 * is only read.
 *
 * Bit layouts: kdump_hw.h and crash_quiesce_hw.h (AMD IOMMU Specification
 * 48882, sections 2.2.2 and 3.4).
 */

#define pr_fmt(fmt)	"AMD-Vi: kdump: " fmt

#include <linux/cc_platform.h>
#include <linux/crash_dump.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/iommu_kdump.h>
#include <linux/kexec.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/mem_encrypt.h>
#include <asm/processor.h>

#include "amd_iommu.h"
#include "kdump.h"
#include "../kdump_compat.h"
#include "kdump_hw.h"
#include "../irq_remapping.h"

static void amd_kd_release_did(struct iommu_kdump_unit *unit, u16 did,
			       bool free)
{
	amd_iommu_kdump_free_domid(iommu_kdump_unit_priv(unit), did, free);
}

/* A device that is not PCI (ACPI HID): its DeviceID, if in this segment. */
static int amd_kd_dev_sid(struct iommu_kdump_unit *unit, struct device *dev)
{
	struct amd_iommu_pci_seg *pci_seg = iommu_kdump_unit_priv(unit);
	struct iommu_dev_data *dev_data = dev_iommu_priv_get(dev), *d;

	if (!dev_data)
		return -ENODEV;
	llist_for_each_entry(d, pci_seg->dev_data_list.first, dev_data_list)
		if (d == dev_data)
			return dev_data->devid;
	return -ENODEV;
}

/*
 * The IVRS alias of @pdev: the device's requests arrive with it, but
 * pci_for_each_dma_alias() does not report one on another bus, nor one on
 * the same bus before iommu_init_device() added it.
 */
static int amd_kd_extra_alias(struct iommu_kdump_unit *unit,
			      struct pci_dev *pdev)
{
	struct amd_iommu_pci_seg *pci_seg = iommu_kdump_unit_priv(unit);
	u16 devid = pci_dev_id(pdev), alias;

	if (!pci_seg->alias_table || devid > pci_seg->last_bdf)
		return -1;
	alias = pci_seg->alias_table[devid];
	return alias == devid ? -1 : alias;
}

/*
 * A refused attach: the copied DTE of @devid becomes V=1, TV=1, Mode 0,
 * IR=IW=0 with DomainID 0 (48882 section 2.2.2: every DMA refused); the
 * interrupt words stay as they are. Words 0-1 are written as the kernel
 * writes them (kdump_compat.h: on 6.12 one 128-bit store under the
 * DeviceID's dte_lock, which clone_alias() holds while it copies a DTE
 * to this DeviceID as a DMA alias). Invalidated on every IOMMU of the
 * segment before this returns.
 */
static void amd_kd_block(struct iommu_kdump_unit *unit, u16 devid)
{
	struct amd_iommu_pci_seg *pci_seg = iommu_kdump_unit_priv(unit);
	struct iommu_dev_data *d, *dev_data = NULL;

	/* Device data of the DeviceID, a device's or a DMA alias's. */
	llist_for_each_entry(d, pci_seg->dev_data_list.first, dev_data_list)
		if (d->devid == devid)
			dev_data = d;
	kdump_amd_dte_lo_write(dev_data, &pci_seg->dev_table[devid],
			       DTE_FLAG_V | DTE_FLAG_TV, 0);
	amd_iommu_kdump_flush_dte(pci_seg, devid);
}

static const struct iommu_kdump_ops amd_kd_ops = {
	.dev_sid = amd_kd_dev_sid,
	.extra_alias = amd_kd_extra_alias,
	.block = amd_kd_block,
	.release_did = amd_kd_release_did,
};

/* Table pointers in DTEs carry the SME encryption bit when SME is active. */
static bool amd_kd_old_ram(u64 phys, u64 size)
{
	return iommu_kdump_old_ram(__sme_clr(phys), size);
}

static unsigned int amd_kd_phys_bits(void)
{
	/* With SME the encryption bit sits above x86_phys_bits. */
	return sme_me_mask ? 52 : boot_cpu_data.x86_phys_bits;
}

/* Guest CR3 table root fields of a DTE, as 6.1 masks them (not copied). */
static void amd_kd_mask_gcr3(u64 *dte)
{
	if (!(dte[0] & DTE_FLAG_GV))
		return;
	dte[1] &= ~((DTE_GCR3_VAL_B(~0ULL) << DTE_GCR3_SHIFT_B) |
		    (DTE_GCR3_VAL_C(~0ULL) << DTE_GCR3_SHIFT_C));
	dte[0] &= ~((DTE_GCR3_VAL_A(~0ULL) << DTE_GCR3_SHIFT_A) | DTE_FLAG_GV);
}

/*
 * The crashed kernel's table cannot be used: make the segment's own
 * (fresh) device table block every device, and hand it to init.c as "the
 * copy": it switches the IOMMUs to it with translation left enabled, then
 * flushes every cache. init.c frees pci_seg->dev_table and installs
 * pci_seg->old_dev_tbl_cpy, hence the swap.
 */
static void amd_kd_block_all(struct amd_iommu_pci_seg *pci_seg,
			     struct iommu_kdump_unit *unit, const char *name,
			     const char *reason)
{
	struct dev_table_entry *tbl = pci_seg->dev_table;
	u32 devid;

	for (devid = 0; devid <= pci_seg->last_bdf; devid++)
		tbl[devid].data[0] = DTE_FLAG_V | DTE_FLAG_TV;
	pci_seg->old_dev_tbl_cpy = tbl;
	pci_seg->dev_table = NULL;
	iommu_kdump_unit_block_all(unit, name, reason);
}

/*
 * With 128-bit interrupt remapping entries (@ga), the table a kept DTE
 * points to: may its guest-mode entries post interrupts where they say?
 */
static const char *amd_kd_check_irt(const u64 *dte, bool ga)
{
	u64 w2 = dte[2], irt = __sme_clr(w2 & AMD_KD_DTE2_IRTP_MASK);
	unsigned int len = (w2 & AMD_KD_DTE2_LEN_MASK) >> AMD_KD_DTE2_LEN_SHIFT;
	const char *reason;
	u64 *tbl;

	if (!ga || !(w2 & AMD_KD_DTE2_IV) ||
	    (w2 & AMD_KD_DTE2_INTCTL_MASK) != AMD_KD_DTE2_INTCTL_REMAP)
		return NULL;
	tbl = memremap(irt, (size_t)AMD_KD_IRTE_MAX_SIZE << len, MEMREMAP_WB);
	if (!tbl)
		return "cannot map the interrupt remapping table";
	reason = amd_kd_irt_ga_check(tbl, 1U << len, amd_kd_old_ram);
	memunmap(tbl);
	return reason;
}

/*
 * Copy the DTEs of @old, @nr_old of them, into @copy: each is read once
 * from the crashed kernel's table, then decided on that copy
 * (amd_kd_dte_take()). A DeviceID beyond the old table, which the
 * crashed kernel's IOMMU aborted (48882 section 3.4, Size), gets a
 * blocking DTE. @ga: the crashed kernel's interrupt remapping tables
 * hold 128-bit entries.
 */
static void amd_kd_copy_entries(struct amd_iommu_pci_seg *pci_seg,
				const struct dev_table_entry *old, u32 nr_old,
				struct dev_table_entry *copy,
				struct iommu_kdump_unit *unit, bool ga)
{
	bool quiesce = iommu_kdump_quiesce_enabled();
	unsigned int bits = amd_kd_phys_bits();
	u32 devid, nr_copied = 0, nr_rejected = 0, nr_revoked = 0;
	enum amd_kd_verdict v;
	struct amd_kd_take t;
	const char *reason;
	u64 e[4];
	int i;

	for (devid = 0; devid <= pci_seg->last_bdf; devid++) {
		if (devid >= nr_old) {
			copy[devid].data[0] = DTE_FLAG_V | DTE_FLAG_TV;
			if (unit)
				iommu_kdump_note_blocked(unit, devid);
			continue;
		}
		for (i = 0; i < 4; i++)
			e[i] = READ_ONCE(old[devid].data[i]);
		v = amd_kd_dte_take(e, bits, amd_kd_old_ram, quiesce, &t);
		if (v != AMD_KD_REJECTED) {
			reason = amd_kd_check_irt(t.dte, ga);
			if (reason)
				v = amd_kd_take_reject(e, reason, &t);
		}
		switch (v) {
		case AMD_KD_REJECTED:
			/* Possibly cached under it: never handed out. */
			if (t.domid)
				__set_bit(t.domid, amd_iommu_pd_alloc_bitmap);
			nr_rejected++;
			if (unit) {
				iommu_kdump_note_rejected(unit, devid, t.reason);
				iommu_kdump_note_pinned(unit, devid, t.domid);
			} else {
				pr_warn("DTE %#06x not copied: %s\n", devid,
					t.reason);
			}
			break;
		case AMD_KD_EMPTY:
			if (unit)
				iommu_kdump_note_blocked(unit, devid);
			break;
		case AMD_KD_COPIED:
			amd_kd_mask_gcr3(t.dte);
			if (t.domid) {
				/* The old id stays reserved until released. */
				__set_bit(t.domid, amd_iommu_pd_alloc_bitmap);
				nr_copied++;
			}
			if (unit && t.live)
				iommu_kdump_note_copied(unit, devid, t.domid);
			nr_revoked += t.revoked;
			break;
		}
		for (i = 0; i < 4; i++)
			copy[devid].data[i] = t.dte[i];
	}
	if (quiesce)
		pr_info("segment %u: %u entries copied, %u rejected, write permission revoked in %u (bring-up quiesce)\n",
			pci_seg->id, nr_copied, nr_rejected, nr_revoked);
	else
		pr_info("segment %u: %u entries copied, %u rejected, identity write permission revoked in %u\n",
			pci_seg->id, nr_copied, nr_rejected, nr_revoked);
}

/**
 * amd_iommu_kdump_copy() - take over the device table of a PCI segment
 * @iommu: the first IOMMU of the segment (the table is shared)
 *
 * Replaces __copy_device_table() in a capture kernel, also when only some
 * IOMMUs were left translating. On success
 * pci_seg->old_dev_tbl_cpy holds the validated copy; when the crashed
 * kernel's table cannot be used at all it holds a table that blocks every
 * device. Either way init.c installs it with translation left enabled.
 *
 * Return: true, except when nothing at all could be set up (then init.c
 * falls back to the Linux 6.1 behaviour).
 */
bool amd_iommu_kdump_copy(struct amd_iommu *iommu)
{
	struct amd_iommu_pci_seg *pci_seg = iommu->pci_seg;
	struct amd_iommu *i;
	u32 size = pci_seg->dev_table_size, old_size;
	struct iommu_kdump_unit *unit;
	struct dev_table_entry *old, *copy;
	char name[24], reason[96];
	u64 reg, base;

	if (!pci_seg->dev_table)
		return false;
	snprintf(name, sizeof(name), "amd-vi.%u", pci_seg->id);
	/* One domain id allocator for every segment: one id space. */
	unit = iommu_kdump_unit_create(name, pci_seg->id, pci_seg->last_bdf + 1,
				       &amd_iommu_pd_alloc_bitmap, &amd_kd_ops,
				       pci_seg);
	if (!unit)
		pr_err("segment %u: no memory for the takeover ledger\n",
		       pci_seg->id);

	/* Read the table pointer of an IOMMU of the segment that translates. */
	for_each_iommu(i) {
		if (i->pci_seg == pci_seg && translation_pre_enabled(i)) {
			iommu = i;
			break;
		}
	}
	/* Device Table Base Address Register, 48882 section 3.4. */
	reg = readq(iommu->mmio_base + MMIO_DEV_TABLE_OFFSET);
	base = __sme_clr(reg) & AMD_CQ_DEVTAB_BASE_MASK;
	old_size = amd_kd_devtab_size(reg);
	if (old_size != size &&
	    !amd_kd_devtab_size_ok(old_size, pci_seg->last_bdf)) {
		snprintf(reason, sizeof(reason),
			 "device table size %u bytes: not a size this machine uses (capture kernel: %u)",
			 old_size, size);
		goto block;
	}
	if (!iommu_kdump_old_ram(base, old_size)) {
		snprintf(reason, sizeof(reason),
			 "device table at %#llx outside the crashed kernel's RAM",
			 base);
		goto block;
	}
	old = (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT) && is_kdump_kernel()) ?
	      (__force void *)ioremap_encrypted(base, old_size) :
	      memremap(base, old_size, MEMREMAP_WB);
	if (!old) {
		snprintf(reason, sizeof(reason),
			 "cannot map the device table at %#llx", base);
		goto block;
	}
	copy = kdump_alloc_pages(GFP_KERNEL | GFP_DMA32, get_order(size));
	if (!copy) {
		memunmap(old);
		snprintf(reason, sizeof(reason), "no memory for the copy");
		goto block;
	}
	pr_info("segment %u: device table at %#llx (%u bytes)\n", pci_seg->id,
		base, old_size);
	if (old_size != size)
		pr_info("segment %u: the capture kernel's device table has %u bytes: %u DTEs copied, the DeviceIDs beyond them blocked\n",
			pci_seg->id, size, min(old_size, size) / 32);
	/* Still the crashed kernel's Control Register: its IRTE format. */
	amd_kd_copy_entries(pci_seg, old, min(old_size, size) / 32, copy, unit,
			    readq(iommu->mmio_base + MMIO_CONTROL_OFFSET) &
			    AMD_KD_CTRL_GA_EN);
	memunmap(old);
	pci_seg->old_dev_tbl_cpy = copy;
	if (unit)
		iommu_kdump_unit_publish(unit);
	return true;

block:
	amd_kd_block_all(pci_seg, unit, name, reason);
	return true;
}

/**
 * amd_iommu_kdump_dte_written() - the capture kernel wrote a DTE
 * @iommu: IOMMU of the device
 * @devid: DeviceID whose DTE was written
 *
 * Called from set_dte_entry(), under the driver's locks.
 */
void amd_iommu_kdump_dte_written(struct amd_iommu *iommu, u16 devid)
{
	iommu_kdump_entry_written(iommu_kdump_unit_find(iommu->pci_seg), devid);
}

/**
 * amd_iommu_kdump_dte_cloned() - the DTE of a device was copied to an alias
 * @iommu: IOMMU of the device
 * @devid: DeviceID of the device
 * @alias: DeviceID of its DMA alias, whose DTE now equals @devid's
 *
 * Called from clone_alias(): at probe time the device's DTE may still be
 * the one copied from the crashed kernel, and so is then the alias's. The
 * alias's own copied DTE, replaced, is invalidated here first.
 */
void amd_iommu_kdump_dte_cloned(struct amd_iommu *iommu, u16 devid, u16 alias)
{
	struct iommu_kdump_unit *unit = iommu_kdump_unit_find(iommu->pci_seg);
	u16 did;

	/*
	 * At probe time clone_alias() invalidates nothing: the IOMMU may
	 * still cache the alias's copied DTE, whose old domain id the ledger
	 * may now release. Drop it first.
	 */
	if (iommu_kdump_entry_taken_over(unit, alias, &did))
		amd_iommu_kdump_flush_dte(iommu->pci_seg, alias);
	iommu_kdump_entry_cloned(unit, devid, alias);
}

/**
 * amd_iommu_kdump_any_pre_enabled() - did the crashed kernel leave any
 *	IOMMU translating?
 *
 * Linux 6.1 copies the device tables only when every IOMMU was translating
 * and otherwise re-initialises them all, turning translation off on those
 * that were: the takeover handles both cases.
 *
 * Return: true in a kdump kernel when at least one IOMMU was translating.
 */
bool amd_iommu_kdump_any_pre_enabled(void)
{
	struct amd_iommu *iommu;

	if (!is_kdump_kernel())
		return false;
	for_each_iommu(iommu)
		if (translation_pre_enabled(iommu))
			return true;
	return false;
}

static bool amd_kd_installed;

/**
 * amd_iommu_kdump_installed() - the capture kernel's table was written to
 *	the Device Table Base Address Register
 * @iommu: the IOMMU
 *
 * Reads the register back (48882 section 3.4): with SEV-SNP the firmware
 * may have locked it (section 2.12.2.1), and the IOMMU then keeps using the
 * crashed kernel's table, which the takeover does not describe.
 */
void amd_iommu_kdump_installed(struct amd_iommu *iommu)
{
	struct amd_iommu_pci_seg *pci_seg = iommu->pci_seg;
	u64 reg, want;

	WRITE_ONCE(amd_kd_installed, true);
	reg = readq(iommu->mmio_base + MMIO_DEV_TABLE_OFFSET);
	want = iommu_virt_to_phys(pci_seg->dev_table);
	if ((__sme_clr(reg) & AMD_CQ_DEVTAB_BASE_MASK) != __sme_clr(want))
		pr_err("IOMMU %d: the Device Table Base Address Register kept %#llx (locked?): the IOMMU still uses the crashed kernel's table, not the validated copy\n",
		       iommu->index, reg);
}

/**
 * amd_iommu_kdump_keep_translation() - the IOMMU initialisation failed
 *
 * Linux 6.1 then turns every IOMMU off, or, with interrupt remapping
 * enabled, clears words 0-1 of every DTE (V=0: untranslated DMA). In a
 * kdump kernel whose IOMMUs were translating, neither happens: if the
 * capture kernel's tables were installed, every DTE now blocks DMA (V=1,
 * TV=1, IR=IW=0; word 2, the interrupt remapping, kept only while
 * interrupt remapping is enabled), else the IOMMUs keep translating with
 * the crashed kernel's tables. Nothing is freed: the hardware may still
 * use it. The cost: no DMA works behind these IOMMUs in the capture
 * kernel.
 *
 * Return: true when the caller must neither turn the IOMMUs off nor touch
 * or free their tables.
 */
bool amd_iommu_kdump_keep_translation(void)
{
	struct amd_iommu_pci_seg *pci_seg;
	struct amd_iommu *iommu;
	u32 devid;

	if (!amd_iommu_kdump_any_pre_enabled())
		return false;
	if (!READ_ONCE(amd_kd_installed)) {
		pr_err("initialisation failed before the takeover: the IOMMUs keep translating with the crashed kernel's tables\n");
		return true;
	}
	for_each_pci_segment(pci_seg) {
		if (!pci_seg->dev_table)
			continue;
		for (devid = 0; devid <= pci_seg->last_bdf; devid++) {
			struct dev_table_entry *e = &pci_seg->dev_table[devid];

			WRITE_ONCE(e->data[0], DTE_FLAG_V | DTE_FLAG_TV);
			e->data[1] = 0;
			if (!irq_remapping_enabled)
				e->data[2] = 0;
			e->data[3] = 0;
		}
	}
	for_each_iommu(iommu)
		kdump_amd_flush_all_caches(iommu);
	pr_err("initialisation failed: all DMA blocked, translation stays enabled\n");
	return true;
}
