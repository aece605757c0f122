// SPDX-License-Identifier: GPL-2.0
/*
 * cdq_decode_sm: decoding of VT-d scalable-mode tables in a dump (records
 * with CRASH_DMA_QUIESCE_F_SCALABLE). Interface: cdq_decode.h. Bit
 * layouts: drivers/iommu/intel/crash_quiesce_sm_hw.h (VT-d Architecture
 * Specification sections 9.2, 9.4, 9.5, 9.6, 9.7; second-level entries
 * 9.8 through crash_quiesce_hw.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cdq_decode.h"
#include "cdq_decode_int.h"
#include "drivers/iommu/intel/crash_quiesce_sm_hw.h"

#define CDQ_PAGE	4096u

void cdq_vtd_fl_top_decode(const uint8_t raw[4096], struct cdq_vtd_sl_top *top)
{
	unsigned int i;

	memset(top, 0, sizeof(*top));
	for (i = 0; i < VTD_CQ_SL_ENTRIES; i++) {
		uint64_t e = cdq_le64(raw + 8 * i);

		if (!(e & VTD_CQ_FL_P))
			continue;
		top->present++;
		top->readable++;
		top->writable += !!(e & VTD_CQ_FL_RW);
	}
}

void cdq_vtd_sm_root_decode(const uint8_t raw[16], struct cdq_vtd_root *re)
{
	uint64_t lo = cdq_le64(raw), hi = cdq_le64(raw + 8);

	re->present = lo & VTD_CQ_SM_ROOT_P;
	re->ctp = lo & VTD_CQ_SM_ROOT_CTP;
	re->upresent = hi & VTD_CQ_SM_ROOT_P;
	re->uctp = hi & VTD_CQ_SM_ROOT_CTP;
	re->reserved = (re->present && (lo & VTD_CQ_SM_ROOT_RSVD)) ||
		       (re->upresent && (hi & VTD_CQ_SM_ROOT_RSVD));
}

void cdq_vtd_sm_ctx_decode(const uint8_t raw[32], struct cdq_vtd_sm_ctx *ce)
{
	uint64_t q[VTD_CQ_SM_CTX_QWORDS];
	unsigned int i;

	for (i = 0; i < VTD_CQ_SM_CTX_QWORDS; i++)
		q[i] = cdq_le64(raw + 8 * i);
	ce->present = q[0] & VTD_CQ_SM_CTX_P;
	ce->dte = q[0] & VTD_CQ_SM_CTX_DTE;
	ce->pre = q[0] & VTD_CQ_SM_CTX_PRE;
	ce->paside = q[0] & VTD_CQ_SM_CTX_PASIDE;
	ce->dir_entries = vtd_cq_sm_dir_entries(q[0]);
	ce->dir = q[0] & VTD_CQ_SM_CTX_DIRPTR;
	ce->rid_pasid = (uint32_t)(q[1] & VTD_CQ_SM_CTX_RID_PASID);
	ce->reserved = (q[0] & VTD_CQ_SM_CTX_RSVD0) ||
		       (q[1] & VTD_CQ_SM_CTX_RSVD1) || q[2] || q[3];
}

void cdq_vtd_pe_decode(const uint8_t raw[64], struct cdq_vtd_pe *pe)
{
	uint64_t q0 = cdq_le64(raw), q1 = cdq_le64(raw + 8);
	uint64_t q2 = cdq_le64(raw + 16);
	unsigned int flpm = (unsigned int)((q2 & VTD_CQ_SM_PE_FLPM) >>
					   VTD_CQ_SM_PE_FLPM_SHIFT);

	pe->present = q0 & VTD_CQ_SM_PE_P;
	pe->fpd = q0 & VTD_CQ_SM_PE_FPD;
	pe->reserved = q0 & VTD_CQ_SM_PE_RSVD0;
	pe->pgtt = vtd_cq_sm_pe_pgtt(q0);
	pe->aw = vtd_cq_sm_pe_aw(q0);
	pe->did = vtd_cq_sm_pe_did(q1);
	pe->slptptr = q0 & VTD_CQ_SM_PE_SLPTPTR;
	pe->sre = q2 & VTD_CQ_SM_PE_SRE;
	pe->wpe = q2 & VTD_CQ_SM_PE_WPE;
	pe->fl_levels = flpm == 0 ? 4 : flpm == 1 ? 5 : 0;
	pe->flptptr = q2 & VTD_CQ_SM_PE_FLPTPTR;
}

enum cdq_xlat cdq_vtd_pe_access(const struct cdq_vtd_pe *pe,
				const struct cdq_vtd_sl_top *top,
				enum cdq_perm *read, enum cdq_perm *write)
{
	enum cdq_xlat x;

	*read = *write = CDQ_PERM_NO;
	if (!pe->present)
		return pe->pgtt == VTD_CQ_SM_PGTT_FL ? CDQ_XLAT_FL_BLOCKED :
						       CDQ_XLAT_NOT_PRESENT;
	if (pe->reserved)
		return CDQ_XLAT_INVALID;
	switch (pe->pgtt) {
	case VTD_CQ_SM_PGTT_PT:
		*read = *write = CDQ_PERM_YES;
		return CDQ_XLAT_PASS_THROUGH;
	case VTD_CQ_SM_PGTT_SL:
	case VTD_CQ_SM_PGTT_NESTED:
		if (pe->aw < 1 || pe->aw > 3)
			return CDQ_XLAT_INVALID;
		x = pe->pgtt == VTD_CQ_SM_PGTT_SL ? CDQ_XLAT_SECOND_LEVEL :
						     CDQ_XLAT_NESTED;
		break;
	case VTD_CQ_SM_PGTT_FL:
		if (!pe->fl_levels)
			return CDQ_XLAT_INVALID;
		x = CDQ_XLAT_FIRST_LEVEL;
		break;
	default:
		return CDQ_XLAT_INVALID;
	}
	if (!top) {
		*read = *write = CDQ_PERM_UNKNOWN;
		return x;
	}
	*read = top->readable ? CDQ_PERM_YES : CDQ_PERM_NO;
	*write = top->writable ? CDQ_PERM_YES : CDQ_PERM_NO;
	if (x == CDQ_XLAT_FIRST_LEVEL && pe->sre && !pe->wpe && top->present)
		*write = CDQ_PERM_YES;	/* supervisor writes ignore R/W */
	return x;
}

/* Top-level tables already read in this walk, by address and kind. */
struct cdq_sm_memo {
	uint64_t key[64];
	struct cdq_vtd_sl_top top[64];
	bool ok[64];
	unsigned int n, next;
};

static const struct cdq_vtd_sl_top *cdq_sm_top(const struct cdq_mem *mem,
					       struct cdq_sm_memo *m,
					       uint64_t phys, bool fl)
{
	uint64_t key = phys | (fl ? 1 : 0);
	uint8_t page[CDQ_PAGE];
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->key[i] == key)
			return m->ok[i] ? &m->top[i] : NULL;
	i = m->next;
	m->next = (m->next + 1) % 64;
	if (m->n < 64)
		m->n++;
	m->key[i] = key;
	m->ok[i] = !cdq_mem_read(mem, phys, page, CDQ_PAGE);
	if (m->ok[i] && fl)
		cdq_vtd_fl_top_decode(page, &m->top[i]);
	else if (m->ok[i])
		cdq_vtd_sl_top_decode(page, &m->top[i]);
	return m->ok[i] ? &m->top[i] : NULL;
}

/* State of the walk over one unit. */
struct cdq_sm_walk {
	const struct cdq_mem *mem;
	struct cdq_iommu *out;
	struct cdq_sm_memo memo;
	size_t dcap, acap;
};

/* The row of one present PASID entry @raw of device @base. */
static int cdq_sm_pe(struct cdq_sm_walk *w, const struct cdq_dev *base,
		     const struct cdq_vtd_sm_ctx *ce, const uint8_t *raw,
		     uint32_t pasid)
{
	const struct cdq_vtd_sl_top *top = NULL;
	struct cdq_dev d = *base;
	struct cdq_vtd_pe pe;
	enum cdq_perm r, wr;

	cdq_vtd_pe_decode(raw, &pe);
	w->out->nr_pasid++;
	d.pasid = pasid;
	d.rid_pasid = pasid == ce->rid_pasid;
	d.pgtt = (uint8_t)pe.pgtt;
	d.domain = pe.did;
	d.fpd = pe.fpd;
	d.pe[0] = cdq_le64(raw);
	d.pe[1] = cdq_le64(raw + 8);
	d.pe[2] = cdq_le64(raw + 16);
	if (!pe.reserved && (pe.pgtt == VTD_CQ_SM_PGTT_SL ||
			     pe.pgtt == VTD_CQ_SM_PGTT_NESTED) &&
	    pe.aw >= 1 && pe.aw <= 3) {
		d.table = pe.slptptr;
		d.levels = (uint8_t)(pe.aw + 2);
		top = cdq_sm_top(w->mem, &w->memo, pe.slptptr, false);
	} else if (pe.present && !pe.reserved && pe.pgtt == VTD_CQ_SM_PGTT_FL &&
		   pe.fl_levels) {
		d.table = pe.flptptr;
		d.levels = (uint8_t)pe.fl_levels;
		top = cdq_sm_top(w->mem, &w->memo, pe.flptptr, true);
	}
	d.top_ok = top != NULL;
	if (top)
		d.top = *top;
	d.xlat = (uint8_t)cdq_vtd_pe_access(&pe, top, &r, &wr);
	d.read = (uint8_t)r;
	d.write = (uint8_t)wr;
	return cdq_push_dev(w->out, &w->dcap, &d);
}

/* A device-level row: no PASID entry, or its PASID tables not in the dump. */
static int cdq_sm_dev_row(struct cdq_sm_walk *w, const struct cdq_dev *base,
			  uint32_t pasid, enum cdq_xlat x)
{
	struct cdq_dev d = *base;

	d.pasid = pasid;
	d.xlat = (uint8_t)x;
	d.read = d.write = x == CDQ_XLAT_UNKNOWN ? CDQ_PERM_UNKNOWN : CDQ_PERM_NO;
	return cdq_push_dev(w->out, &w->dcap, &d);
}

/* Every present PASID entry of the context entry @raw of @sid. */
static int cdq_sm_ctx(struct cdq_sm_walk *w, const uint8_t *raw, uint16_t sid)
{
	uint8_t dir[CDQ_PAGE], tbl[CDQ_PAGE];
	uint32_t bytes, off, i, j, rows;
	struct cdq_vtd_sm_ctx ce;
	struct cdq_dev base;
	uint64_t pde;
	int err;

	cdq_vtd_sm_ctx_decode(raw, &ce);
	memset(&base, 0, sizeof(base));
	base.sid = sid;
	base.changed = cdq_changed(w->out->changed, sid);
	base.valid = true;
	base.sm = true;
	base.iotlb = ce.dte;
	base.raw[0] = cdq_le64(raw);
	base.raw[1] = cdq_le64(raw + 8);
	if (ce.reserved)
		return cdq_sm_dev_row(w, &base, ce.rid_pasid, CDQ_XLAT_INVALID);
	rows = (uint32_t)w->out->nr_devs;
	bytes = ce.dir_entries * 8;
	for (off = 0; off < bytes; off += CDQ_PAGE) {
		uint32_t n = bytes - off < CDQ_PAGE ? bytes - off : CDQ_PAGE;

		if (cdq_mem_read(w->mem, ce.dir + off, dir, n)) {
			err = cdq_sm_dev_row(w, &base, off / 8 << VTD_CQ_SM_PASID_SHIFT,
					     CDQ_XLAT_UNKNOWN);
			if (err)
				return err;
			continue;
		}
		for (i = 0; i < n / 8; i++) {
			uint32_t di = off / 8 + i;

			pde = cdq_le64(dir + 8 * i);
			if (!(pde & VTD_CQ_SM_PDE_P))
				continue;
			if (pde & VTD_CQ_SM_PDE_RSVD)
				continue;	/* the hardware faults these PASIDs */
			if (cdq_mem_read(w->mem, pde & VTD_CQ_SM_PDE_PTR, tbl, CDQ_PAGE)) {
				err = cdq_sm_dev_row(w, &base,
						     di << VTD_CQ_SM_PASID_SHIFT,
						     CDQ_XLAT_UNKNOWN);
				if (err)
					return err;
				continue;
			}
			for (j = 0; j < VTD_CQ_SM_PE_PER_TABLE; j++) {
				const uint8_t *pe = tbl + 64 * j;

				/* First-level entries the crash path blocked too. */
				if (!(cdq_le64(pe) & VTD_CQ_SM_PE_P) &&
				    vtd_cq_sm_pe_pgtt(cdq_le64(pe)) != VTD_CQ_SM_PGTT_FL)
					continue;
				err = cdq_sm_pe(w, &base, &ce, pe,
						di << VTD_CQ_SM_PASID_SHIFT | j);
				if (err)
					return err;
			}
		}
	}
	if (w->out->nr_devs == rows)
		return cdq_sm_dev_row(w, &base, ce.rid_pasid, CDQ_XLAT_NOT_PRESENT);
	return 0;
}

int cdq_walk_vtd_sm(const struct cdq_mem *mem, struct cdq_iommu *out)
{
	uint8_t root[CDQ_PAGE], ctx[CDQ_PAGE];
	struct cdq_sm_walk *w;
	unsigned int bus, half, i;
	int err = 0;

	out->scalable = true;
	err = cdq_mem_read(mem, out->table, root, CDQ_PAGE);
	if (err) {
		out->error = err;
		return 0;
	}
	w = calloc(1, sizeof(*w));
	out->roots = calloc(VTD_CQ_ROOT_ENTRIES, sizeof(*out->roots));
	if (!w || !out->roots) {
		free(w);
		return -CDQ_E_NOMEM;
	}
	w->mem = mem;
	w->out = out;
	for (bus = 0; bus < VTD_CQ_ROOT_ENTRIES && !err; bus++) {
		struct cdq_vtd_root *re = &out->roots[bus];

		cdq_vtd_sm_root_decode(root + 16 * bus, re);
		if (re->present || re->upresent)
			out->nr_root_present++;
		if (re->reserved)
			out->nr_bad_root++;
		for (half = 0; half < 2 && !err; half++) {
			uint16_t first = (uint16_t)(bus << 8 | half << 7);
			bool present = half ? re->upresent : re->present;
			uint64_t ctp = half ? re->uctp : re->ctp;
			uint64_t e = cdq_le64(root + 16 * bus + 8 * half);

			if (!present || (e & VTD_CQ_SM_ROOT_RSVD)) {
				/* Not present, or faulted by the hardware. */
				out->nr_changed_missing +=
					cdq_count_changed(out->changed, first, first + 127u);
				continue;
			}
			err = cdq_mem_read(mem, ctp, ctx, CDQ_PAGE);
			if (err) {
				err = cdq_push_absent(out, &w->acap, first,
						      (uint16_t)(first + 127), err);
				continue;
			}
			for (i = 0; i < VTD_CQ_SM_CTX_ENTRIES && !err; i++) {
				const uint8_t *raw = ctx + 32 * i;
				uint16_t sid = (uint16_t)(first | i);

				if (!(cdq_le64(raw) & VTD_CQ_SM_CTX_P)) {
					out->nr_changed_missing += cdq_changed(out->changed, sid);
					continue;
				}
				out->nr_entries++;
				err = cdq_sm_ctx(w, raw, sid);
			}
		}
	}
	free(w);
	return err;
}
