// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d capture-kernel takeover, scalable mode: the validated copy of the
 * crashed kernel's scalable-mode root and context tables (called from
 * intel_iommu_kdump_copy() in kdump.c, which Linux 6.1 left to
 * copy_translation_tables() without any validation).
 *
 * Every present root entry half, context entry, PASID directory entry and
 * PASID entry is validated (kdump_sm_hw.h): reserved bits, pointers below
 * the host address width and inside the crashed kernel's RAM (so never in
 * the crashkernel region), a PGTT, AW and FLPM the unit supports, a
 * domain id below CAP.ND. A bad root entry half blocks its 128 devices, a
 * bad context entry or anything below it blocks the device: its entry is
 * not copied (not present: DMA faults). The PASID directory and tables of
 * a copied context entry are copied into capture-kernel memory (the old
 * ones are only read), and the copied context entry points to the copy: a
 * pass-through PASID entry is never installed as it is, it translates
 * through a read-only identity table (not present without second-level
 * support), as legacy-mode pass-through does.
 *
 * Every domain id found in a valid PASID entry (not only RID_PASID's, and
 * not the RID_PASID field that 6.1 took for one) is reserved in
 * iommu->domain_ids, also when another entry of the device is rejected.
 * The takeover ledger learns each copied device with its domain id when
 * the device uses one domain id that no device with several uses and that
 * is not one of a first-level, nested or pass-through entry; such domain
 * ids are released once their last copied entry was replaced after a
 * reset, as in legacy mode. The others stay reserved for the capture
 * kernel's lifetime: the IOTLB entries of first-level, nested and
 * pass-through translations carry their PASID, and only a PASID-based
 * IOTLB invalidation per PASID would drop them (VT-d section 6.5.2.4).
 * The cost: the crashed kernel's first-level domain ids (Linux 6.1 uses
 * first-level tables for DMA domains when the unit offers both levels)
 * are not handed out again.
 *
 * With iommu_kdump_quiesce=1 (bring-up quiesce) no copied PASID entry
 * keeps write permission: each second-level or nested entry points to a
 * write-revoked copy of its top-level second-level table, each first-level
 * entry to an R/W-revoked copy of its top-level first-level table (with
 * WPE where SRE is set), and the copied context entry has DTE and PRE
 * cleared.
 *
 * Bit layouts: kdump_sm_hw.h, crash_quiesce_sm_hw.h (VT-d Architecture
 * Specification, sections 9.2 and 9.4-9.8).
 */

#define pr_fmt(fmt)	"DMAR: kdump: " fmt

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/iommu_kdump.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <asm/processor.h>

#include "iommu.h"
#include "kdump.h"
#include "../kdump_compat.h"
#include "kdump_sm_hw.h"

/* Domain ids 0 and 1 are the capture kernel's own in scalable mode. */
#define VTD_KD_SM_FIRST_DID	2
/* vtd_kd_sm.dids: the device uses several domain ids. */
#define VTD_KD_SM_MULTI		BIT(31)

/**
 * struct vtd_kd_sm - state of one scalable-mode copy
 * @iommu: the unit
 * @unit: its ledger (may be NULL without memory)
 * @cap: CAP_REG
 * @ecap: ECAP_REG
 * @haw: host address width
 * @quiesce: bring-up quiesce (iommu_kdump_quiesce=1)
 * @tops: bring-up: revoked copies of top-level tables, by (old address >>
 *	12) << 1 | first-level
 * @identity: bring-up: read-only identity table by AW (1..3), 0 if none
 * @identity_tried: the identity table was built (or could not be)
 * @dids: per source id: 0 no domain id, did + 1, or VTD_KD_SM_MULTI
 * @pinned: domain ids used by a device with several (never released)
 * @nr_copied: context entries copied
 * @nr_rejected: context entries (or root entry halves) rejected
 * @nr_pasid: PASID entries copied
 * @tbls: the new context tables by bus and half (NULL: none)
 */
struct vtd_kd_sm {
	struct intel_iommu *iommu;
	struct iommu_kdump_unit *unit;
	u64 cap;
	u64 ecap;
	unsigned int haw;
	bool quiesce;
	struct xarray tops;
	u64 identity[4];
	bool identity_tried;
	u32 *dids;
	unsigned long *pinned;
	u32 nr_copied;
	u32 nr_rejected;
	u32 nr_pasid;
	u64 *tbls[VTD_CQ_ROOT_ENTRIES][2];
};

static bool vtd_kd_sm_old_ram(u64 phys, u64 size)
{
	return iommu_kdump_old_ram(phys, size);
}

static void vtd_kd_sm_reject(struct vtd_kd_sm *s, u16 sid, u32 count,
			     const char *reason)
{
	s->nr_rejected++;
	if (s->unit)
		iommu_kdump_note_rejected_range(s->unit, sid, count, reason);
	else
		pr_warn("%s: source id %#06x (+%u) not copied: %s\n",
			s->iommu->name, sid, count - 1, reason);
}

static void vtd_kd_sm_done(struct vtd_kd_sm *s, void *table, size_t size)
{
	__iommu_flush_cache(s->iommu, table, size);
}

/*
 * Bring-up: the revoked copy of the top-level table at @old (first-level
 * when @fl, else second-level of @levels levels), made once per table.
 * Returns its physical address, or 0 with *@reason set.
 */
static u64 vtd_kd_sm_ro_top(struct vtd_kd_sm *s, u64 old, unsigned int levels,
			    bool fl, const char **reason)
{
	unsigned long key = (unsigned long)(old >> 12) << 1 | fl;
	u64 *copy = xa_load(&s->tops, key), *src;

	if (copy)
		return virt_to_phys(copy);
	src = memremap(old, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	if (!src) {
		*reason = "cannot map the top-level page table";
		return 0;
	}
	*reason = fl ? vtd_kd_fl_top_check(src, s->haw, vtd_kd_sm_old_ram) :
		       vtd_kd_sl_top_check(src, levels, s->cap, s->ecap, s->haw,
					   vtd_kd_sm_old_ram);
	copy = *reason ? NULL : kdump_alloc_pgtable_page(s->iommu->node);
	if (copy)
		memcpy(copy, src, VTD_CQ_PAGE_SIZE);
	memunmap(src);
	if (*reason)
		return 0;
	if (!copy || xa_err(xa_store(&s->tops, key, copy, GFP_KERNEL))) {
		*reason = "no memory for the bring-up copy";
		if (copy)
			kdump_free_pgtable_page(copy);
		return 0;
	}
	if (fl)
		vtd_cq_fl_top_revoke(copy, CRASH_DMA_QUIESCE_WRITE, false);
	else
		vtd_cq_sl_top_revoke(copy, CRASH_DMA_QUIESCE_WRITE, false);
	vtd_kd_sm_done(s, copy, VTD_CQ_PAGE_SIZE);
	return virt_to_phys(copy);
}

/*
 * Bring-up: read-only identity tables over the crashed kernel's RAM (at
 * most 512 GiB) for pass-through entries, as kdump.c builds them for
 * legacy mode (crash_quiesce_hw.h fill helpers): an SL-PDPT of 1 GiB (or
 * SL-PDs of 2 MiB) leaves below an SL-PML4 and an SL-PML5, R only.
 */
static void vtd_kd_sm_build_identity(struct vtd_kd_sm *s)
{
	u64 end = min_t(u64, iommu_kdump_old_ram_end(), 512ULL << 30);
	bool use_1g = s->cap & VTD_CQ_CAP_SLLPS_1G;
	u64 *l3, *l4, *l5, *l2;
	unsigned int i;

	if (s->identity_tried)
		return;
	s->identity_tried = true;
	if (!end || (!use_1g && !(s->cap & VTD_CQ_CAP_SLLPS_2M)))
		return;
	l3 = kdump_alloc_pgtable_page(s->iommu->node);
	l4 = kdump_alloc_pgtable_page(s->iommu->node);
	l5 = kdump_alloc_pgtable_page(s->iommu->node);
	if (!l3 || !l4 || !l5)
		goto fail;
	if (use_1g) {
		vtd_cq_identity_fill_1g(l3, end);
	} else {
		for (i = 0; i < DIV_ROUND_UP_ULL(end, SZ_1G); i++) {
			l2 = kdump_alloc_pgtable_page(s->iommu->node);
			if (!l2)
				goto fail;
			vtd_cq_identity_fill_2m(l2, (u64)i << 30);
			vtd_kd_sm_done(s, l2, VTD_CQ_PAGE_SIZE);
			l3[i] = vtd_cq_sl_ro_table(virt_to_phys(l2));
		}
	}
	l4[0] = vtd_cq_sl_ro_table(virt_to_phys(l3));
	l5[0] = vtd_cq_sl_ro_table(virt_to_phys(l4));
	vtd_kd_sm_done(s, l3, VTD_CQ_PAGE_SIZE);
	vtd_kd_sm_done(s, l4, VTD_CQ_PAGE_SIZE);
	vtd_kd_sm_done(s, l5, VTD_CQ_PAGE_SIZE);
	s->identity[1] = virt_to_phys(l3);
	s->identity[2] = virt_to_phys(l4);
	s->identity[3] = virt_to_phys(l5);
	return;

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
}

/* Bring-up: the quiesced copy of validated PASID entry @pe (8 qwords). */
static const char *vtd_kd_sm_quiesce_pe(struct vtd_kd_sm *s, u64 *pe)
{
	const char *reason = NULL;
	u64 top = 0;

	switch (vtd_cq_sm_pe_pgtt(pe[0])) {
	case VTD_CQ_SM_PGTT_SL:
	case VTD_CQ_SM_PGTT_NESTED:
		top = vtd_kd_sm_ro_top(s, pe[0] & VTD_CQ_SM_PE_SLPTPTR,
				       vtd_cq_sm_pe_aw(pe[0]) + 2, false, &reason);
		break;
	case VTD_CQ_SM_PGTT_FL:
		top = vtd_kd_sm_ro_top(s, pe[2] & VTD_CQ_SM_PE_FLPTPTR, 0, true,
				       &reason);
		break;
	default:
		vtd_kd_sm_build_identity(s);
		break;
	}
	if (reason)
		return reason;
	vtd_kd_sm_pe_quiesce(pe, top, s->identity, s->cap, s->ecap);
	return NULL;
}

static void vtd_kd_sm_free_dir(u64 *dir, u32 entries)
{
	u32 i;

	for (i = 0; i < entries; i++)
		if (dir[i] & VTD_CQ_SM_PDE_P)
			kdump_free_pgtable_page(phys_to_virt(dir[i] & VTD_CQ_SM_PDE_PTR));
	free_pages((unsigned long)dir, get_order(entries * 8));
}

/*
 * Note the domain id of PASID entry @pe of @sid: reserve it. The domain
 * ids of a device with several are pinned, and so are those of first-level,
 * nested and pass-through entries (vtd_kd_sm_pe_pasid_tagged()): the
 * release of an old id does not send the PASID-based IOTLB invalidations
 * their translations need.
 */
static void vtd_kd_sm_note_did(struct vtd_kd_sm *s, u16 sid, const u64 *pe)
{
	u16 did = vtd_cq_sm_pe_did(pe[1]);
	u32 *d = &s->dids[sid];

	set_bit(did, s->iommu->domain_ids);
	if (vtd_kd_sm_pe_pasid_tagged(pe[0]))
		set_bit(did, s->pinned);
	if (!*d) {
		*d = did + 1;
	} else if (*d != did + 1U) {
		if (*d != VTD_KD_SM_MULTI)
			set_bit(*d - 1, s->pinned);
		set_bit(did, s->pinned);
		*d = VTD_KD_SM_MULTI;
	}
}

/*
 * Validate the PASID directory and tables of context entry @ce (4 qwords)
 * of @sid and copy them into capture-kernel memory: a pass-through PASID
 * entry is never installed as it is (vtd_kd_sm_pe_needs_quiesce()), with
 * the bring-up quiesce no entry keeps write permission, and the old tables
 * are only read. On success @out gets the context entry to install. The
 * domain ids of valid PASID entries are noted even when another entry of
 * the device is rejected: the unit may have cached translations under
 * them.
 */
static const char *vtd_kd_sm_copy_ctx(struct vtd_kd_sm *s, const u64 *ce,
				      u64 *out, u16 sid)
{
	u32 n = vtd_cq_sm_dir_entries(ce[0]), d, j, npe = 0;
	u64 *dir, *tbl, *newdir, *newtbl, pde, pe[VTD_CQ_SM_PE_QWORDS];
	const char *reason, *r;

	reason = vtd_kd_sm_ctx_check(ce, s->ecap, s->haw, vtd_kd_sm_old_ram);
	if (reason)
		return reason;
	dir = memremap(ce[0] & VTD_CQ_SM_CTX_DIRPTR, vtd_kd_sm_dir_bytes(ce[0]),
		       MEMREMAP_WB);
	if (!dir)
		return "cannot map the PASID directory";
	newdir = (u64 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					 get_order(n * 8));
	if (!newdir)
		reason = "no memory for the copy";
	for (d = 0; d < n; d++) {
		pde = READ_ONCE(dir[d]);
		if (!(pde & VTD_CQ_SM_PDE_P))
			continue;
		r = vtd_kd_sm_pde_check(pde, s->haw, vtd_kd_sm_old_ram);
		if (r) {
			reason = reason ?: r;
			continue;
		}
		tbl = memremap(pde & VTD_CQ_SM_PDE_PTR, VTD_CQ_PAGE_SIZE,
			       MEMREMAP_WB);
		if (!tbl) {
			reason = reason ?: "cannot map a PASID table";
			continue;
		}
		newtbl = NULL;
		if (!reason) {
			newtbl = kdump_alloc_pgtable_page(s->iommu->node);
			if (newtbl)
				newdir[d] = virt_to_phys(newtbl) |
					    (pde & (VTD_CQ_SM_PDE_P | VTD_KD_SM_PDE_FPD));
			else
				reason = "no memory for the copy";
		}
		for (j = 0; j < VTD_CQ_SM_PE_PER_TABLE; j++) {
			memcpy(pe, &tbl[j * VTD_CQ_SM_PE_QWORDS], sizeof(pe));
			if (!(pe[0] & VTD_CQ_SM_PE_P))
				continue;
			r = vtd_kd_sm_pe_check(pe, s->cap, s->ecap, s->haw,
					       vtd_kd_sm_old_ram);
			if (r) {
				reason = reason ?: r;
				continue;
			}
			vtd_kd_sm_note_did(s, sid, pe);
			if (reason || !newtbl)
				continue;
			npe++;
			if (s->quiesce || vtd_kd_sm_pe_needs_quiesce(pe[0]))
				reason = vtd_kd_sm_quiesce_pe(s, pe);
			memcpy(&newtbl[j * VTD_CQ_SM_PE_QWORDS], pe, sizeof(pe));
		}
		memunmap(tbl);
		if (newtbl)
			vtd_kd_sm_done(s, newtbl, VTD_CQ_PAGE_SIZE);
	}
	if (reason)
		goto out;
	memcpy(out, ce, VTD_CQ_SM_CTX_QWORDS * sizeof(u64));
	vtd_kd_sm_done(s, newdir, n * 8);
	out[0] = s->quiesce ? vtd_kd_sm_ctx_quiesce(ce[0], virt_to_phys(newdir)) :
		 vtd_kd_sm_ctx_retarget(ce[0], virt_to_phys(newdir));
	newdir = NULL;
	s->nr_pasid += npe;
out:
	if (newdir)
		vtd_kd_sm_free_dir(newdir, n);
	memunmap(dir);
	return reason;
}

/* Copy the context table of one half of a root entry. */
static u64 *vtd_kd_sm_copy_half(struct vtd_kd_sm *s, unsigned int bus,
				unsigned int half, u64 e)
{
	u16 first = bus << 8 | half << 7, sid;
	u64 *old, *new, ce[VTD_CQ_SM_CTX_QWORDS];
	const char *reason;
	unsigned int i, k;

	reason = vtd_kd_sm_root_check(e, s->haw, vtd_kd_sm_old_ram);
	if (reason) {
		vtd_kd_sm_reject(s, first, VTD_CQ_SM_CTX_ENTRIES, reason);
		return NULL;
	}
	old = memremap(e & VTD_CQ_SM_ROOT_CTP, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	new = old ? kdump_alloc_pgtable_page(s->iommu->node) : NULL;
	if (!new) {
		vtd_kd_sm_reject(s, first, VTD_CQ_SM_CTX_ENTRIES,
				 old ? "no memory for the copy" :
				       "cannot map the context table");
		if (old)
			memunmap(old);
		return NULL;
	}
	for (i = 0; i < VTD_CQ_SM_CTX_ENTRIES; i++) {
		for (k = 0; k < VTD_CQ_SM_CTX_QWORDS; k++)
			ce[k] = READ_ONCE(old[i * VTD_CQ_SM_CTX_QWORDS + k]);
		if (!(ce[0] & VTD_CQ_SM_CTX_P))
			continue;
		sid = first | i;
		reason = vtd_kd_sm_copy_ctx(s, ce, &new[i * VTD_CQ_SM_CTX_QWORDS],
					    sid);
		if (reason) {
			vtd_kd_sm_reject(s, sid, 1, reason);
			continue;
		}
		set_bit(sid, s->iommu->copied_tables);
		s->nr_copied++;
	}
	memunmap(old);
	vtd_kd_sm_done(s, new, VTD_CQ_PAGE_SIZE);
	return new;
}

/*
 * Tell the ledger about every copied device: with its domain id when it
 * uses one that no device with several uses (released after the device's
 * reset), else without (its domain ids stay reserved).
 */
static void vtd_kd_sm_note_ledger(struct vtd_kd_sm *s)
{
	unsigned long sid;
	u32 d;

	if (!s->unit)
		return;
	for_each_set_bit(sid, s->iommu->copied_tables, BIT_ULL(16)) {
		d = s->dids[sid];
		if (d && d != VTD_KD_SM_MULTI && d - 1 >= VTD_KD_SM_FIRST_DID &&
		    !test_bit(d - 1, s->pinned))
			iommu_kdump_note_copied(s->unit, sid, d - 1);
		else
			iommu_kdump_note_copied(s->unit, sid, 0);
	}
}

/**
 * intel_iommu_kdump_copy_sm() - take over the scalable-mode tables of a unit
 * @iommu: the unit, translating with the crashed kernel's scalable-mode
 *	tables; the capture kernel runs it in scalable mode too
 * @unit: its takeover ledger (may be NULL)
 * @rtaddr: RTADDR_REG as found
 * @reason: out: why the tables are unusable as a whole
 * @len: size of @reason
 *
 * On success the capture kernel's (still empty) root table holds the
 * validated copies: both halves of every bus with a usable context table.
 *
 * Return: 0, or a negative errno with @reason set when the root table
 * itself cannot be used (the caller then blocks all DMA of the unit).
 */
int intel_iommu_kdump_copy_sm(struct intel_iommu *iommu,
			      struct iommu_kdump_unit *unit, u64 rtaddr,
			      char *reason, size_t len)
{
	u64 root = rtaddr & VTD_CQ_RTADDR_RTA, *old_rt, e;
	struct vtd_kd_sm *s;
	unsigned int bus, half;
	int ret = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		s->dids = kvcalloc(BIT(16), sizeof(*s->dids), GFP_KERNEL);
		s->pinned = bitmap_zalloc(BIT(16), GFP_KERNEL);
	}
	if (!iommu->copied_tables)
		iommu->copied_tables = bitmap_zalloc(BIT_ULL(16), GFP_KERNEL);
	if (!s || !s->dids || !s->pinned || !iommu->copied_tables) {
		snprintf(reason, len, "no memory for the copy");
		ret = -ENOMEM;
		goto free;
	}
	s->iommu = iommu;
	s->unit = unit;
	s->cap = iommu->cap;
	s->ecap = iommu->ecap;
	s->haw = boot_cpu_data.x86_phys_bits;
	s->quiesce = iommu_kdump_quiesce_enabled();
	xa_init(&s->tops);

	if (root & vtd_cq_addr_rsvd(s->haw) ||
	    !iommu_kdump_old_ram(root, VTD_CQ_PAGE_SIZE)) {
		snprintf(reason, len,
			 "scalable-mode root table at %#llx outside the crashed kernel's RAM",
			 root);
		ret = -EINVAL;
		goto out;
	}
	old_rt = memremap(root, VTD_CQ_PAGE_SIZE, MEMREMAP_WB);
	if (!old_rt) {
		snprintf(reason, len, "cannot map the root table at %#llx", root);
		ret = -ENOMEM;
		goto out;
	}
	pr_info("%s: scalable-mode root table at %#llx\n", iommu->name, root);
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++) {
		for (half = 0; half < 2; half++) {
			e = READ_ONCE(old_rt[2 * bus + half]);
			if (e & VTD_CQ_SM_ROOT_P)
				s->tbls[bus][half] = vtd_kd_sm_copy_half(s, bus, half, e);
		}
	}
	memunmap(old_rt);

	spin_lock(&iommu->lock);
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES; bus++) {
		if (s->tbls[bus][0])
			iommu->root_entry[bus].lo =
				virt_to_phys(s->tbls[bus][0]) | VTD_CQ_SM_ROOT_P;
		if (s->tbls[bus][1])
			iommu->root_entry[bus].hi =
				virt_to_phys(s->tbls[bus][1]) | VTD_CQ_SM_ROOT_P;
	}
	spin_unlock(&iommu->lock);
	__iommu_flush_cache(iommu, iommu->root_entry, VTD_CQ_PAGE_SIZE);
	vtd_kd_sm_note_ledger(s);
	pr_info("%s: scalable mode: %u context entries copied (%u PASID entries), %u rejected%s\n",
		iommu->name, s->nr_copied, s->nr_pasid, s->nr_rejected,
		s->quiesce ? ", write permission revoked in every copy (bring-up quiesce)" : "");
out:
	/* The copies stay in use; only the index goes. */
	xa_destroy(&s->tops);
free:
	if (s) {
		kvfree(s->dids);
		bitmap_free(s->pinned);
	}
	kfree(s);
	return ret;
}
