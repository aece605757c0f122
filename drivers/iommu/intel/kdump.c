// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d capture-kernel takeover: the validated copy of the crashed kernel's
 * root and context tables, the blocking fallback, the bring-up quiesce and
 * the release of old domain ids (see include/linux/iommu_kdump.h).
 *
 * Called from iommu.c: init_dmars() copies each unit's tables through
 * intel_iommu_kdump_copy() before it installs the capture kernel's root
 * table with translation left enabled; domain_context_mapping_one() reports
 * every context entry it writes.
 *
 * Legacy mode: the root table address, every present root entry (its
 * context-table pointer) and every present context entry (reserved bits,
 * translation type, address width, domain id, second-level page-table
 * root) are validated (kdump_hw.h) before use. A bad root entry blocks its
 * bus, a bad context entry its device: the capture kernel's copy simply
 * does not contain them (not present: DMA faults). If the root table itself
 * is unusable, the capture kernel's root table stays empty: every DMA is
 * blocked while translation stays enabled. Scalable mode: kdump_sm.c, with
 * the same rules.
 *
 * A unit the crashed kernel left translating is never turned off by the
 * capture kernel, also when it ignores the unit or its initialisation
 * fails (intel_iommu_kdump_keep()).
 *
 * With iommu_kdump_quiesce=1 (bring-up quiesce, for crashed kernels that
 * did not quiesce), the copies lose DMA write permission while the crashed
 * kernel's memory is only read: the top-level second-level table of every
 * translated entry is validated and copied into capture-kernel memory with
 * W cleared in every present entry (the permission is the AND over the
 * levels), and the copied context entry points to the copy; a pass-through
 * entry is rewritten to translate through a read-only identity table built
 * in capture-kernel memory. The crash path's transforms and identity-table
 * fill (crash_quiesce_hw.h) are reused.
 *
 * Bit layouts: kdump_hw.h and crash_quiesce_hw.h (VT-d Architecture
 * Specification, sections 9.1, 9.3, 9.8 and 10.4).
 */

#define pr_fmt(fmt)	"DMAR: kdump: " fmt

#include <linux/bitmap.h>
#include <linux/crash_dump.h>
#include <linux/dmar.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu_kdump.h>
#include <linux/kexec.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <asm/processor.h>

#include "iommu.h"
#include "kdump.h"
#include "../kdump_compat.h"
#include "pasid.h"
#include "kdump_hw.h"

static void vtd_kd_release_did(struct iommu_kdump_unit *unit, u16 did,
			       bool free)
{
	struct intel_iommu *iommu = iommu_kdump_unit_priv(unit);

	iommu->flush.flush_context(iommu, did, 0, 0, DMA_CCMD_DOMAIN_INVL);
	/* Scalable mode: the old PASID entries of @did too (VT-d 6.5.3.3). */
	if (sm_supported(iommu) && iommu->qi)
		qi_flush_pasid_cache(iommu, did, QI_PC_ALL_PASIDS, 0);
	iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	/*
	 * Domain ids 0 and FLPT_DEFAULT_DID (the identity domain's) are
	 * reserved by the capture kernel itself (iommu_init_domains()).
	 */
	if (!free || !did || did == FLPT_DEFAULT_DID)
		return;
	spin_lock(&iommu->lock);
	clear_bit(did, iommu->domain_ids);
	spin_unlock(&iommu->lock);
}

static bool vtd_kd_covers(struct iommu_kdump_unit *unit, struct pci_dev *pdev)
{
	return kdump_vtd_pci_iommu(pdev) == iommu_kdump_unit_priv(unit);
}

/* A device that is not PCI (ACPI namespace device): its source id. */
static int vtd_kd_dev_sid(struct iommu_kdump_unit *unit, struct device *dev)
{
	u8 bus, devfn;

	if (kdump_vtd_dev_iommu(dev, &bus, &devfn) != iommu_kdump_unit_priv(unit))
		return -ENODEV;
	return PCI_DEVID(bus, devfn);
}

/*
 * A refused attach: the copied context entry of @sid is made not present
 * (VT-d section 9.3 / 9.4: DMA from the device faults), then the context
 * cache entry of @sid, in scalable mode every PASID-cache entry (those of
 * the old PASID entries carry their own domain ids), and the old domain's
 * IOTLB entries are invalidated (section 6.5.3.3).
 */
static void vtd_kd_block(struct iommu_kdump_unit *unit, u16 sid)
{
	struct intel_iommu *iommu = iommu_kdump_unit_priv(unit);
	struct context_entry *ce;
	u16 did = 0;

	spin_lock(&iommu->lock);
	ce = iommu_context_addr(iommu, sid >> 8, sid & 0xff, 0);
	if (ce && (ce->lo & VTD_CQ_CTX_P)) {
		if (!sm_supported(iommu))
			did = vtd_cq_ctx_did(ce->hi);
		WRITE_ONCE(ce->lo, ce->lo & ~VTD_CQ_CTX_P);
		__iommu_flush_cache(iommu, ce, sizeof(*ce));
	}
	spin_unlock(&iommu->lock);
	iommu->flush.flush_context(iommu, did, sid, DMA_CCMD_MASK_NOBIT,
				   DMA_CCMD_DEVICE_INVL);
	if (sm_supported(iommu) && iommu->qi)
		qi_flush_pasid_cache(iommu, 0, QI_PC_GLOBAL, 0);
	if (did)
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
}

static const struct iommu_kdump_ops vtd_kd_ops = {
	.covers = vtd_kd_covers,
	.dev_sid = vtd_kd_dev_sid,
	.block = vtd_kd_block,
	.release_did = vtd_kd_release_did,
};

/**
 * struct vtd_kd_copy - state of one legacy-mode copy
 * @iommu: the unit
 * @unit: its ledger (may be NULL without memory)
 * @cap: CAP_REG
 * @ecap: ECAP_REG
 * @haw: host address width
 * @tbls: the new context table of every bus (NULL: none)
 * @quiesce: bring-up quiesce (iommu_kdump_quiesce=1)
 * @tops: bring-up: write-revoked copies of top-level tables, by old
 *	address >> 12
 * @identity: bring-up: read-only identity table root by context AW (1: 3
 *	levels, 2: 4, 3: 5); 0 until built
 * @identity_failed: the identity table could not be built
 * @nr_copied: context entries copied
 * @nr_rejected: context entries (or whole buses) rejected
 * @nr_revoked: bring-up: copied entries whose write permission was revoked
 */
struct vtd_kd_copy {
	struct intel_iommu *iommu;
	struct iommu_kdump_unit *unit;
	u64 cap;
	u64 ecap;
	unsigned int haw;
	u64 *tbls[VTD_CQ_ROOT_ENTRIES];
	bool quiesce;
	struct xarray tops;
	u64 identity[4];
	bool identity_failed;
	u32 nr_copied;
	u32 nr_rejected;
	u32 nr_revoked;
};

static bool vtd_kd_old_ram(u64 phys, u64 size)
{
	return iommu_kdump_old_ram(phys, size);
}

static u64 *vtd_kd_alloc_table(struct vtd_kd_copy *c)
{
	return kdump_alloc_pgtable_page(c->iommu->node);
}

static void vtd_kd_done_table(struct vtd_kd_copy *c, u64 *table)
{
	__iommu_flush_cache(c->iommu, table, VTD_CQ_PAGE_SIZE);
}

/*
 * Bring-up: the write-revoked copy of the top-level table at @old of a
 * @levels-level hierarchy, made once per table. Returns its physical
 * address, or 0 with *@reason set.
 */
static u64 vtd_kd_ro_top(struct vtd_kd_copy *c, u64 old, unsigned int levels,
			 const char **reason)
{
	u64 *copy = xa_load(&c->tops, old >> 12), *src;

	if (copy)
		return virt_to_phys(copy);
	copy = vtd_kd_alloc_table(c);
	if (!copy) {
		*reason = "no memory for the bring-up copy";
		return 0;
	}
	src = memremap(old, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	if (!src) {
		kdump_free_pgtable_page(copy);
		*reason = "cannot map the top-level page table";
		return 0;
	}
	/* Read the old table once; validate what was read. */
	memcpy(copy, src, VTD_CQ_PAGE_SIZE);
	memunmap(src);
	*reason = vtd_kd_sl_top_check(copy, levels, c->cap, c->ecap, c->haw,
				      vtd_kd_old_ram);
	if (*reason) {
		kdump_free_pgtable_page(copy);
		return 0;
	}
	if (xa_err(xa_store(&c->tops, old >> 12, copy, GFP_KERNEL))) {
		*reason = "no memory for the bring-up copy";
		kdump_free_pgtable_page(copy);
		return 0;
	}
	vtd_cq_sl_top_revoke(copy, CRASH_DMA_QUIESCE_WRITE, false);
	vtd_kd_done_table(c, copy);
	return virt_to_phys(copy);
}

/*
 * Bring-up: build the read-only identity tables over the crashed kernel's
 * RAM (at most 512 GiB): one SL-PDPT of 1 GiB leaves, or of SL-PDs of
 * 2 MiB leaves, below an SL-PML4 and an SL-PML5 (crash_quiesce_hw.h fill
 * helpers). Every entry has R set and W clear.
 */
static bool vtd_kd_build_identity(struct vtd_kd_copy *c)
{
	u64 end = min_t(u64, iommu_kdump_old_ram_end(), 512ULL << 30);
	bool use_1g = c->cap & VTD_CQ_CAP_SLLPS_1G;
	u64 *l3, *l4, *l5, *l2;
	unsigned int i, n;

	if (c->identity[1] || c->identity_failed)
		return !c->identity_failed;
	c->identity_failed = true;
	if (!end || (!use_1g && !(c->cap & VTD_CQ_CAP_SLLPS_2M)))
		return false;
	l3 = vtd_kd_alloc_table(c);
	l4 = vtd_kd_alloc_table(c);
	l5 = vtd_kd_alloc_table(c);
	if (!l3 || !l4 || !l5)
		goto fail;
	if (use_1g) {
		vtd_cq_identity_fill_1g(l3, end);
	} else {
		n = DIV_ROUND_UP_ULL(end, SZ_1G);
		for (i = 0; i < n; i++) {
			l2 = vtd_kd_alloc_table(c);
			if (!l2)
				goto fail;
			vtd_cq_identity_fill_2m(l2, (u64)i << 30);
			vtd_kd_done_table(c, l2);
			l3[i] = vtd_cq_sl_ro_table(virt_to_phys(l2));
		}
	}
	l4[0] = vtd_cq_sl_ro_table(virt_to_phys(l3));
	l5[0] = vtd_cq_sl_ro_table(virt_to_phys(l4));
	vtd_kd_done_table(c, l3);
	vtd_kd_done_table(c, l4);
	vtd_kd_done_table(c, l5);
	c->identity[1] = virt_to_phys(l3);
	c->identity[2] = virt_to_phys(l4);
	c->identity[3] = virt_to_phys(l5);
	c->identity_failed = false;
	pr_info("%s: read-only identity table over [0, %#llx) for the bring-up quiesce\n",
		c->iommu->name, end);
	return true;

fail:
	if (l3 && !use_1g)
		for (i = 0; i < VTD_CQ_SL_ENTRIES; i++)
			if (l3[i])
				kdump_free_pgtable_page(phys_to_virt(l3[i] & VTD_CQ_SL_ADDR));
	if (l5)
		kdump_free_pgtable_page(l5);
	if (l4)
		kdump_free_pgtable_page(l4);
	if (l3)
		kdump_free_pgtable_page(l3);
	return false;
}

/*
 * Bring-up quiesce of one validated context entry: the low quadword that
 * takes write permission away, or 0 with *@reason set.
 */
static u64 vtd_kd_quiesce_ctx(struct vtd_kd_copy *c, u64 lo, u64 hi,
			      const char **reason)
{
	unsigned int aw = vtd_cq_ctx_aw(hi);
	u64 table;

	if (vtd_cq_ctx_tt(lo) == VTD_CQ_CTX_TT_PASS_THROUGH) {
		if (!vtd_kd_build_identity(c)) {
			*reason = "no read-only identity table for the bring-up quiesce";
			return 0;
		}
		return vtd_cq_ctx_pt_rewrite(lo, c->identity[aw]);
	}
	table = vtd_kd_ro_top(c, lo & VTD_CQ_CTX_SLPTPTR, aw + 2, reason);
	return table ? vtd_kd_ctx_retarget(lo, table) : 0;
}

static void vtd_kd_reject(struct vtd_kd_copy *c, u16 sid, u32 count,
			  const char *reason)
{
	c->nr_rejected++;
	if (c->unit)
		iommu_kdump_note_rejected_range(c->unit, sid, count, reason);
	else
		pr_warn("%s: source id %#06x (+%u) not copied: %s\n",
			c->iommu->name, sid, count - 1, reason);
}

/* Copy the context table of @bus, whose root entry is @rlo, @rhi. */
static void vtd_kd_copy_bus(struct vtd_kd_copy *c, unsigned int bus, u64 rlo,
			    u64 rhi)
{
	struct intel_iommu *iommu = c->iommu;
	const char *reason;
	unsigned int devfn;
	u64 *old, *new, lo, hi;
	u16 sid, did;

	reason = vtd_kd_root_check(rlo, rhi, c->haw, vtd_kd_old_ram);
	if (reason) {
		vtd_kd_reject(c, bus << 8, 256, reason);
		return;
	}
	old = memremap(rlo & VTD_CQ_ROOT_CTP, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	new = old ? kdump_alloc_pgtable_page(iommu->node) : NULL;
	if (!new) {
		vtd_kd_reject(c, bus << 8, 256,
			      old ? "no memory for the copy" :
				    "cannot map the context table");
		if (old)
			memunmap(old);
		return;
	}
	for (devfn = 0; devfn < VTD_CQ_CTX_ENTRIES; devfn++) {
		lo = READ_ONCE(old[2 * devfn]);
		hi = READ_ONCE(old[2 * devfn + 1]);
		if (!(lo & VTD_CQ_CTX_P))
			continue;
		sid = bus << 8 | devfn;
		reason = vtd_kd_ctx_check(lo, hi, c->cap, c->ecap, c->haw,
					  vtd_kd_old_ram);
		/*
		 * A pass-through entry would give the device identity write
		 * access to all memory, the capture kernel's included: it
		 * translates through a read-only identity table instead,
		 * with or without the bring-up quiesce.
		 */
		if (!reason && (c->quiesce || vtd_kd_ctx_needs_quiesce(lo))) {
			lo = vtd_kd_quiesce_ctx(c, lo, hi, &reason);
			c->nr_revoked++;
		}
		if (reason) {
			vtd_kd_reject(c, sid, 1, reason);
			continue;
		}
		new[2 * devfn] = lo;
		new[2 * devfn + 1] = hi;
		did = vtd_cq_ctx_did(hi);
		set_bit(did, iommu->domain_ids);
		set_bit(sid, iommu->copied_tables);
		c->nr_copied++;
		if (c->unit)
			iommu_kdump_note_copied(c->unit, sid, did);
	}
	memunmap(old);
	__iommu_flush_cache(iommu, new, VTD_PAGE_SIZE);
	c->tbls[bus] = new;
}

/*
 * Legacy mode: validate and copy every present root and context entry,
 * then hook the copies into the capture kernel's (still empty) root table.
 * Fails, leaving the root table empty, only when the old root table itself
 * cannot be used.
 */
static int vtd_kd_copy_legacy(struct vtd_kd_copy *c, u64 rtaddr,
			      char *reason, size_t len)
{
	struct intel_iommu *iommu = c->iommu;
	u64 root = rtaddr & VTD_CQ_RTADDR_RTA, *old_rt, rlo, rhi;
	unsigned int bus;

	if (root & vtd_cq_addr_rsvd(c->haw)) {
		snprintf(reason, len,
			 "root table address %#llx beyond the host address width",
			 root);
		return -EINVAL;
	}
	if (!iommu_kdump_old_ram(root, VTD_CQ_PAGE_SIZE)) {
		snprintf(reason, len,
			 "root table at %#llx outside the crashed kernel's RAM",
			 root);
		return -EINVAL;
	}
	old_rt = memremap(root, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	if (!old_rt) {
		snprintf(reason, len, "cannot map the root table at %#llx",
			 root);
		return -ENOMEM;
	}
	if (!iommu->copied_tables)
		iommu->copied_tables = bitmap_zalloc(BIT_ULL(16), GFP_KERNEL);
	if (!iommu->copied_tables) {
		memunmap(old_rt);
		snprintf(reason, len, "no memory for the copy");
		return -ENOMEM;
	}
	pr_info("%s: root table at %#llx\n", iommu->name, root);
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++) {
		rlo = READ_ONCE(old_rt[2 * bus]);
		rhi = READ_ONCE(old_rt[2 * bus + 1]);
		if (rlo & VTD_CQ_ROOT_P)
			vtd_kd_copy_bus(c, bus, rlo, rhi);
	}
	memunmap(old_rt);

	spin_lock(&iommu->lock);
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++)
		if (c->tbls[bus])
			iommu->root_entry[bus].lo = virt_to_phys(c->tbls[bus]) |
						    VTD_CQ_ROOT_P;
	spin_unlock(&iommu->lock);
	__iommu_flush_cache(iommu, iommu->root_entry, VTD_CQ_PAGE_SIZE);
	if (c->quiesce)
		pr_info("%s: %u context entries copied, %u rejected, write permission revoked in %u (bring-up quiesce)\n",
			iommu->name, c->nr_copied, c->nr_rejected, c->nr_revoked);
	else
		pr_info("%s: %u context entries copied, %u rejected, %u pass-through entries made read-only\n",
			iommu->name, c->nr_copied, c->nr_rejected, c->nr_revoked);
	return 0;
}

/**
 * intel_iommu_kdump_copy() - take over the tables of a unit
 * @iommu: the unit, translating with the crashed kernel's tables; its own
 *	(empty) root table is allocated but not installed yet
 * @copy_sm: Linux 6.1's copy (no longer used: scalable mode is copied by
 *	intel_iommu_kdump_copy_sm())
 *
 * Replaces copy_translation_tables() in init_dmars(). On return the root
 * table holds the validated copies, or nothing at all when the crashed
 * kernel's tables were unusable: init_dmars() then installs it with
 * translation left enabled, which blocks every DMA of the unit until the
 * devices are attached. Devices stay deferred either way.
 *
 * Return: 0 (the Linux 6.1 fallback that turns translation off is never
 * taken).
 */
int intel_iommu_kdump_copy(struct intel_iommu *iommu,
			   int (*copy_sm)(struct intel_iommu *iommu))
{
	struct iommu_kdump_unit *unit;
	struct vtd_kd_copy *c;
	char reason[96];
	u64 rtaddr;
	int ret;

	rtaddr = dmar_readq(iommu->reg + DMAR_RTADDR_REG);
	/* Each unit allocates its domain ids itself: its own id space. */
	unit = iommu_kdump_unit_create(iommu->name, iommu->segment,
				       BIT(16), iommu, &vtd_kd_ops, iommu);
	if (!unit)
		pr_err("%s: no memory for the takeover ledger\n", iommu->name);

	if (rtaddr & VTD_CQ_RTADDR_TTM) {
		/*
		 * Scalable mode: not Linux 6.1's copy, which neither validates
		 * the PASID directories and tables nor reserves the domain ids
		 * of the PASID entries (kdump_sm.c does both).
		 */
		if ((rtaddr & VTD_CQ_RTADDR_TTM) == VTD_CQ_RTADDR_SMT &&
		    sm_supported(iommu)) {
			if (!intel_iommu_kdump_copy_sm(iommu, unit, rtaddr,
						       reason, sizeof(reason)))
				goto publish;
		} else {
			snprintf(reason, sizeof(reason),
				 "root table mode %llu does not match the capture kernel's",
				 (rtaddr & VTD_CQ_RTADDR_TTM) >> 10);
		}
		goto block;
	}
	if (sm_supported(iommu)) {
		snprintf(reason, sizeof(reason),
			 "legacy-mode tables, the capture kernel uses scalable mode");
		goto block;
	}

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		snprintf(reason, sizeof(reason), "no memory for the copy");
		goto block;
	}
	c->iommu = iommu;
	c->unit = unit;
	c->cap = iommu->cap;
	c->ecap = iommu->ecap;
	c->haw = boot_cpu_data.x86_phys_bits;
	c->quiesce = iommu_kdump_quiesce_enabled();
	xa_init(&c->tops);
	ret = vtd_kd_copy_legacy(c, rtaddr, reason, sizeof(reason));
	/* The copies stay in use; only the index goes. */
	xa_destroy(&c->tops);
	kfree(c);
	if (ret)
		goto block;
publish:
	if (unit)
		iommu_kdump_unit_publish(unit);
	return 0;

block:
	/* The capture kernel's root table is still empty: it blocks all. */
	iommu_kdump_unit_block_all(unit, iommu->name, reason);
	return 0;
}

/**
 * intel_iommu_kdump_ctx_written() - the capture kernel wrote a context entry
 * @iommu: the unit
 * @bus: bus number
 * @devfn: device and function
 *
 * Called from domain_context_mapping_one() with iommu->lock held, after
 * the write. Linux 6.1 invalidates the copied entry before it overwrites
 * it, in place; the hardware may have fetched it again in between. When
 * the entry replaced was taken over, its context-cache entry, in scalable
 * mode the PASID cache, and the old domain's IOTLB entries are invalidated
 * once more, after the write (VT-d section 6.5.3.3: a present entry
 * changed).
 */
void intel_iommu_kdump_ctx_written(struct intel_iommu *iommu, u8 bus,
				   u8 devfn)
{
	struct iommu_kdump_unit *unit = iommu_kdump_unit_find(iommu);
	u16 sid = PCI_DEVID(bus, devfn), did;

	if (!iommu_kdump_entry_taken_over(unit, sid, &did))
		return;
	iommu->flush.flush_context(iommu, did, sid, DMA_CCMD_MASK_NOBIT,
				   DMA_CCMD_DEVICE_INVL);
	/*
	 * Scalable mode: the old PASID entries of the device may stay in the
	 * PASID cache, tagged with domain ids of their own, and would still
	 * translate the device's requests (section 6.5.3.3).
	 */
	if (sm_supported(iommu) && iommu->qi)
		qi_flush_pasid_cache(iommu, 0, QI_PC_GLOBAL, 0);
	if (did)
		iommu->flush.flush_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH);
	iommu_kdump_entry_written(unit, sid);
}

/**
 * intel_iommu_kdump_sm_at_attach() - set a device's scalable-mode context
 *	entries up at its attach, not at its probe
 * @iommu: the unit of the device
 *
 * Linux 6.12 points a device's context entries (its own, and a DMA alias
 * of the device itself, such as a quirk's) at the device's new PASID
 * table when it probes the device (intel_pasid_setup_sm_context()): it
 * tears a copied entry of the alias down there, before any attach, and
 * the gate never sees it; and an identity attach never replaces a copied
 * context entry at all, leaving the device on the crashed kernel's PASID
 * table. In a capture kernel that took @iommu over, the probe leaves them
 * alone and every attach (paging and identity), after
 * iommu_kdump_attach_gate(), sets them up (intel_iommu_kdump_sm_attach()).
 * Any context.
 *
 * Return: true when @iommu was taken over.
 */
bool intel_iommu_kdump_sm_at_attach(struct intel_iommu *iommu)
{
	return iommu_kdump_unit_find(iommu);
}

struct intel_kd_bridge {
	struct iommu_kdump_unit *unit;
	struct pci_dev *pdev;
};

static int intel_kd_block_bridge_alias(struct pci_dev *pdev, u16 alias,
				       void *data)
{
	struct intel_kd_bridge *b = data;

	/* A PCIe-to-PCI bridge's alias: 6.12 sets up no context entry. */
	if (pdev != b->pdev)
		iommu_kdump_entry_block(b->unit, alias, pci_name(b->pdev));
	return 0;
}

/**
 * intel_iommu_kdump_sm_attach() - a device's attach in scalable mode
 * @iommu: the unit of the device
 * @dev: the device, its attach past iommu_kdump_attach_gate()
 *
 * On a unit taken over, the caller is to set up the device's context
 * entries (intel_iommu_kdump_sm_at_attach()). Linux 6.12 never sets up
 * the entry of a PCIe-to-PCI bridge alias the device's DMA carries: a
 * copied one is blocked here (iommu_kdump_entry_block()), or the capture
 * kernel's DMA from the device would go through the crashed kernel's
 * tables. Process context.
 *
 * Return: true when @iommu was taken over.
 */
bool intel_iommu_kdump_sm_attach(struct intel_iommu *iommu, struct device *dev)
{
	struct intel_kd_bridge b = { iommu_kdump_unit_find(iommu) };

	if (!b.unit)
		return false;
	if (dev_is_pci(dev)) {
		b.pdev = to_pci_dev(dev);
		pci_for_each_dma_alias(b.pdev, intel_kd_block_bridge_alias, &b);
	}
	return true;
}

/**
 * intel_iommu_kdump_block_all() - the initialisation failed after the takeover
 * @iommu: a unit intel_iommu_kdump_keep() keeps translating
 *
 * No device gets the IOMMU's DMA API then: drivers use dma-direct, whose
 * physical addresses would be translated by the copied entries, the
 * crashed kernel's mappings (its memory written by the capture kernel's
 * own DMA). The capture kernel's root table is emptied instead: once
 * installed, every DMA of the unit is blocked (section 9.1: root entries
 * not present), as AMD-Vi's amd_iommu_kdump_keep_translation() does. The
 * copies stay allocated.
 *
 * Return: true when the caller is to install the (now empty) root table
 * with iommu_set_root_entry(); false when there is none (the unit keeps
 * translating with the crashed kernel's tables).
 */
bool intel_iommu_kdump_block_all(struct intel_iommu *iommu)
{
	if (!iommu->root_entry)
		return false;
	memset(iommu->root_entry, 0, VTD_PAGE_SIZE);
	__iommu_flush_cache(iommu, iommu->root_entry, VTD_PAGE_SIZE);
	pr_err("%s: initialisation failed: all DMA blocked, translation stays enabled\n",
	       iommu->name);
	return true;
}

/**
 * intel_iommu_kdump_force_on() - was a unit left translating by the
 *	crashed kernel?
 *
 * A capture kernel built with CONFIG_INTEL_IOMMU_DEFAULT_OFF would turn
 * every unit off (intel_disable_iommus()) and let the crashed kernel's
 * in-flight DMA reach raw physical addresses: it takes the units over as
 * with intel_iommu=on instead, unless intel_iommu=off was given.
 *
 * Return: true in a kdump kernel when a unit's GSTS.TES (section 10.4.5)
 * is set.
 */
bool intel_iommu_kdump_force_on(void)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	bool on = false;

	if (!is_kdump_kernel())
		return false;
	rcu_read_lock();
	for_each_iommu(iommu, drhd)
		if (readl(iommu->reg + DMAR_GSTS_REG) & DMA_GSTS_TES)
			on = true;
	rcu_read_unlock();
	if (on)
		pr_info("a unit was left translating: taken over although the IOMMU is off by default\n");
	return on;
}

/**
 * intel_iommu_kdump_check_irt() - posted interrupts of a copied interrupt
 *	remapping table
 * @iommu: the unit
 * @table: the copy (capture-kernel memory) of the crashed kernel's table
 * @entries: its 128-bit entries
 *
 * A posted-interrupt entry makes the unit write the interrupt into its
 * posted-interrupt descriptor (section 9.11): one outside the crashed
 * kernel's RAM (vtd_kd_irte_check()) is cleared, so that the interrupt is
 * blocked instead of written into the capture kernel's memory.
 */
void intel_iommu_kdump_check_irt(struct intel_iommu *iommu, void *table,
				 unsigned int entries)
{
	u64 *e = table;
	unsigned int i, n = 0;

	for (i = 0; i < entries; i++) {
		if (!vtd_kd_irte_check(e[2 * i], e[2 * i + 1], vtd_kd_old_ram))
			continue;
		e[2 * i] = 0;
		e[2 * i + 1] = 0;
		n++;
	}
	if (n)
		pr_warn("%s: %u posted-interrupt entries with a descriptor outside the crashed kernel's RAM cleared\n",
			iommu->name, n);
}

/**
 * intel_iommu_kdump_keep() - must a unit stay translating as it is?
 * @iommu: a unit the capture kernel is about to turn off (an ignored unit,
 *	or the error path of init_dmars())
 *
 * In a kdump kernel a unit whose GSTS.TES (VT-d section 10.4.5) is set
 * stays translating, with whatever root table it uses, and its tables stay
 * allocated: turning translation off would let in-flight DMA reach raw
 * physical addresses, the capture kernel's memory included.
 *
 * Return: true when the caller must neither turn @iommu off nor free its
 * tables.
 */
bool intel_iommu_kdump_keep(struct intel_iommu *iommu)
{
	if (!is_kdump_kernel() ||
	    !(readl(iommu->reg + DMAR_GSTS_REG) & DMA_GSTS_TES))
		return false;
	pr_warn("%s: left translating with its current tables (not turned off in a kdump kernel)\n",
		iommu->name);
	return true;
}
