// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d model, scalable mode: scalable-mode root and context entries,
 * PASID directory and PASID table, first-level, second-level, nested and
 * pass-through translation, a PASID cache and a PASID-tagged IOTLB, and
 * the invalidations that apply to them. The register file, the queue, the
 * context cache and the device ATCs are those of model_vtd.c.
 *
 * Bit positions are written from the Intel Virtualization Technology for
 * Directed I/O Architecture Specification ("VT-d"), independently of
 * drivers/iommu/intel/crash_quiesce_sm_hw.h:
 *  - 9.2 root entry: lo bit 0 LP, 63:12 LCTP (devfn 0-127); hi bit 0 UP,
 *    63:12 UCTP (devfn 128-255);
 *  - 9.4 context entry (32 bytes): qword 0 bit 0 P, bit 2 DTE, bit 3
 *    PASIDE, bits 11:9 PDTS, 63:12 PASIDDIRPTR; qword 1 bits 19:0
 *    RID_PASID;
 *  - 9.5 directory entry: bit 0 P, 63:12 PASID table pointer; PASID 19:6
 *    indexes the directory, 5:0 the table;
 *  - 9.6 PASID entry (64 bytes): qword 0 bit 0 P, AW 4:2, PGTT 8:6,
 *    SLPTPTR 63:12; qword 1 DID 15:0; qword 2 SRE bit 0, FLPM 3:2, WPE
 *    bit 4, FLPTPTR 63:12;
 *  - 9.7 first-level entries: P 0, R/W 1, PS 7, address 51:12;
 *  - 9.8 second-level entries: R 0, W 1, PS 7 (model_vtd.c's walk).
 *
 * What is cached and what drops it. The model takes the strict reading
 * of the invalidation guidance (VT-d 6.5.3.3): software that changes a
 * PASID entry must invalidate the PASID cache, and the IOTLB entries of
 * first-level, nested and pass-through PASID entries are dropped by the
 * PASID-based IOTLB invalidation; the IOTLB invalidation (descriptor
 * type 2 or IOTLB_REG) drops second-level and nested ones only.
 *  - context cache (model_vtd.c, by source id): context-cache
 *    invalidation only;
 *  - PASID cache, by (source id, PASID), tagged with the entry's DID:
 *    PASID-cache invalidation only (G 00b domain, 01b PASID within
 *    domain, 11b global; 10b is reserved);
 *  - IOTLB, by (DID, PASID, page) with the translation type: PASID-based
 *    IOTLB invalidation (G 10b PASID within domain, 11b pages) drops
 *    first-level, nested and pass-through entries; IOTLB invalidation
 *    (global, domain, pages) drops second-level and nested entries;
 *  - device ATC (model_vtd.c's, by source id): device-TLB invalidation.
 *    A translated request from the ATC is allowed only while the
 *    (cached) context entry has DTE set (VT-d 9.4).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define ADDR_51_12	0x000ffffffffff000ULL
#define SM_CACHE	64

enum { K_FL = 1, K_SL = 2, K_NESTED = 3, K_PT = 4 };

struct vtd_sm_pc {
	bool valid;
	u16 sid;
	u32 pasid;
	u64 q0, q1, q2;
};

struct vtd_sm_tlb {
	bool valid;
	u8 kind;
	u16 did;
	u32 pasid;
	u64 page;
	u8 perm;
};

struct vtd_sm_model {
	struct vtd_sm_pc pc[SM_CACHE];
	struct vtd_sm_tlb tlb[SM_CACHE];
};

static struct vtd_sm_model *sm_of(struct vtd_model *m)
{
	if (!m->sm) {
		m->sm = calloc(1, sizeof(*m->sm));
		if (!m->sm)
			abort();
	}
	return m->sm;
}

/* ---------------------------------------------------------- invalidation */

static bool kind_is(u8 kind, bool piotlb)
{
	/* PASID-based: FL, nested, PT. Type 2 / IOTLB_REG: SL, nested. */
	return piotlb ? kind != K_SL : kind == K_SL || kind == K_NESTED;
}

void vtd_sm_iotlb_inval(struct vtd_model *m, unsigned int g, u16 did,
			u64 first, u64 last)
{
	struct vtd_sm_tlb *t = sm_of(m)->tlb;
	unsigned int i;

	for (i = 0; i < SM_CACHE; i++) {
		if (!t[i].valid || !kind_is(t[i].kind, false))
			continue;
		if (g == 1 || (g == 2 && t[i].did == did) ||
		    (g == 3 && t[i].did == did && t[i].page >= first &&
		     t[i].page <= last))
			t[i].valid = false;
	}
}

/* Descriptor types 6 and 7 (VT-d 6.5.2.4, 6.5.2.2). Return: 1 or -1. */
int vtd_sm_exec(struct vtd_model *m, u32 type, u64 lo, u64 hi)
{
	struct vtd_sm_model *s = sm_of(m);
	unsigned int g = (lo >> 4) & 3, i;
	u16 did = (u16)(lo >> 16);
	u32 pasid = (u32)(lo >> 32) & 0xfffff;
	u64 first, last;

	/* Reserved: bits 15:6 (but type[6:4] = 0 in 11:9), 63:52. */
	if ((lo & 0xffc0ULL) || (lo >> 52))
		return -1;
	if (type == VTD_M_DESC_PC) {
		if (hi || g == 2)
			return -1;
		for (i = 0; i < SM_CACHE; i++) {
			struct vtd_sm_pc *c = &s->pc[i];
			u16 cdid = (u16)c->q1;

			if (g == 3 || (g == 0 && cdid == did) ||
			    (g == 1 && cdid == did && c->pasid == pasid))
				c->valid = false;
		}
		return 1;
	}
	/* PASID-based IOTLB: G 10b all of PASID, 11b pages (AM hi 5:0). */
	if (g < 2)
		return -1;
	first = 0;
	last = ~0ULL;
	if (g == 3) {
		first = hi >> 12;
		last = first + (1ULL << (hi & 0x3f)) - 1;
	}
	for (i = 0; i < SM_CACHE; i++) {
		struct vtd_sm_tlb *t = &s->tlb[i];

		if (t->valid && kind_is(t->kind, true) && t->did == did &&
		    t->pasid == pasid && t->page >= first && t->page <= last)
			t->valid = false;
	}
	return 1;
}

/* ---------------------------------------------------------------- walks */

/*
 * Second-level walk (VT-d 9.8) of @iova from @table, @levels levels:
 * permission (bit 0 R, bit 1 W) ANDed over the levels and the output
 * address in *@out.
 */
static u8 sl_walk(u64 table, unsigned int levels, u64 iova, u64 *out)
{
	u8 perm = 3;
	unsigned int l, shift;
	u64 *t, e;

	for (l = levels; l >= 1; l--) {
		shift = 12 + 9 * (l - 1);
		t = model_mem(table, 4096);
		if (!t)
			return 0;
		e = t[(iova >> shift) & 511];
		if (!(e & 3))
			return 0;
		perm &= (u8)(e & 3);
		if (l == 1 || (l <= 3 && (e & (1ULL << 7)))) {
			*out = (e & ADDR_51_12 & ~((1ULL << shift) - 1)) |
			       (iova & ((1ULL << shift) - 1));
			return perm;
		}
		table = e & ADDR_51_12;
	}
	return 0;
}

/*
 * First-level walk (VT-d 9.7): present (P) at every level; writable when
 * R/W is set at every level, or for a supervisor request without WPE.
 * @nest_sl: nested translation: every table address and the output are
 * guest-physical, translated through this second-level table (@nest_lv
 * levels); reading a table needs second-level read permission and the
 * result is ANDed with the second-level permission of the output.
 */
static u8 fl_walk(u64 table, unsigned int levels, u64 iova, bool ignore_rw,
		  u64 nest_sl, unsigned int nest_lv)
{
	u8 perm = 3, p;
	unsigned int l, shift;
	u64 *t, e, hpa, out;

	for (l = levels; l >= 1; l--) {
		shift = 12 + 9 * (l - 1);
		hpa = table;
		if (nest_sl) {
			p = sl_walk(nest_sl, nest_lv, table, &hpa);
			if (!(p & 1))
				return 0;
		}
		t = model_mem(hpa, 4096);
		if (!t)
			return 0;
		e = t[(iova >> shift) & 511];
		if (!(e & 1))
			return 0;
		if (!(e & 2) && !ignore_rw)
			perm &= 1;
		if (l == 1 || (l <= 3 && (e & (1ULL << 7)))) {
			if (!nest_sl)
				return perm;
			out = (e & ADDR_51_12 & ~((1ULL << shift) - 1)) |
			      (iova & ((1ULL << shift) - 1));
			return perm & sl_walk(nest_sl, nest_lv, out, &hpa);
		}
		table = e & ADDR_51_12;
	}
	return 0;
}

/* --------------------------------------------------------- translation */

static struct amd_m_tlb *atc_get(struct vtd_model *m, u16 sid, u64 page)
{
	struct amd_m_tlb *t = &m->atc[(page + sid) % VTD_M_CACHE];

	return t->valid && t->tag == sid && t->page == page ? t : NULL;
}

static void atc_put(struct vtd_model *m, u16 sid, u64 page, u8 perm)
{
	m->atc[(page + sid) % VTD_M_CACHE] = (struct amd_m_tlb){ true, sid, page, perm };
}

/* The context entry of @sid: qwords 0 and 1, from the cache or memory. */
static bool sm_ctx(struct vtd_model *m, u16 sid, bool cached, u64 *lo, u64 *hi)
{
	struct vtd_m_ctx_cache *c = &m->cc[sid % VTD_M_CACHE];
	unsigned int devfn = sid & 0xff;
	u64 *re, *ce, ctp;

	if (cached && c->valid && c->sid == sid) {
		*lo = c->lo;
		*hi = c->hi;
		return true;
	}
	re = model_mem((m->rtaddr & ADDR_51_12) + (sid >> 8) * 16ULL, 16);
	if (!re || !(re[devfn >> 7] & 1))
		return false;
	ctp = re[devfn >> 7] & ADDR_51_12;
	ce = model_mem(ctp + (devfn & 127) * 32ULL, 32);
	if (!ce || !(ce[0] & 1))
		return false;
	*lo = ce[0];
	*hi = ce[1];
	if (cached)
		*c = (struct vtd_m_ctx_cache){ true, sid, *lo, *hi };
	return true;
}

/* The PASID entry (qwords 0-2) of @pasid under context @lo. */
static bool sm_pe(struct vtd_model *m, u16 sid, u32 pasid, u64 lo, bool cached,
		  u64 q[3])
{
	struct vtd_sm_pc *c = &sm_of(m)->pc[(sid * 7 + pasid) % SM_CACHE];
	u64 *pde, *pe;
	u32 di = pasid >> 6;

	if (cached && c->valid && c->sid == sid && c->pasid == pasid) {
		q[0] = c->q0;
		q[1] = c->q1;
		q[2] = c->q2;
		return true;
	}
	if (di >= 1U << (((lo >> 9) & 7) + 7))
		return false;
	pde = model_mem((lo & ADDR_51_12) + 8ULL * di, 8);
	if (!pde || !(*pde & 1))
		return false;
	pe = model_mem((*pde & ADDR_51_12) + 64ULL * (pasid & 63), 64);
	if (!pe || !(pe[0] & 1))
		return false;
	q[0] = pe[0];
	q[1] = pe[1];
	q[2] = pe[2];
	if (cached)
		*c = (struct vtd_sm_pc){ true, sid, pasid, q[0], q[1], q[2] };
	return true;
}

bool vtd_sm_model_dma(struct vtd_model *m, u16 sid, u32 pasid, u64 iova,
		      bool write, bool cached, bool supervisor)
{
	struct vtd_sm_model *s = sm_of(m);
	u8 need = write ? 2 : 1, perm = 0;
	u64 page = iova >> 12, lo, hi, q[3], out;
	struct vtd_sm_tlb *t;
	struct amd_m_tlb *a;
	unsigned int pgtt, aw, i;
	u16 did;

	if (!(m->gsts & (1U << 31)))
		return true;	/* translation off */
	if (!sm_ctx(m, sid, cached, &lo, &hi))
		return false;
	/* A translated request from the ATC: allowed only with DTE (bit 2). */
	a = cached && pasid == VTD_SM_NO_PASID ? atc_get(m, sid, page) : NULL;
	if (a)
		return (lo & (1ULL << 2)) && (a->perm & need);
	if (pasid == VTD_SM_NO_PASID)
		pasid = hi & 0xfffff;			/* RID_PASID */
	else if (!(lo & (1ULL << 3)))
		return false;				/* PASIDE clear */
	if (!sm_pe(m, sid, pasid, lo, cached, q))
		return false;
	pgtt = (q[0] >> 6) & 7;
	aw = (q[0] >> 2) & 7;
	did = (u16)q[1];
	t = NULL;
	for (i = 0; cached && i < SM_CACHE; i++)
		if (s->tlb[i].valid && s->tlb[i].did == did &&
		    s->tlb[i].pasid == pasid && s->tlb[i].page == page)
			t = &s->tlb[i];
	if (t) {
		perm = t->perm;
	} else {
		switch (pgtt) {
		case K_PT:
			perm = (m->ecap & (1ULL << 6)) ? 3 : 0;
			break;
		case K_SL:
			perm = sl_walk(q[0] & ADDR_51_12, aw + 2, iova, &out);
			break;
		case K_FL:
			perm = fl_walk(q[2] & ADDR_51_12, (q[2] >> 2) & 3 ? 5 : 4, iova,
				       supervisor && (q[2] & 1) && !(q[2] & (1 << 4)),
				       0, 0);
			break;
		case K_NESTED:
			perm = fl_walk(q[2] & ADDR_51_12, (q[2] >> 2) & 3 ? 5 : 4, iova,
				       supervisor && (q[2] & 1) && !(q[2] & (1 << 4)),
				       q[0] & ADDR_51_12, aw + 2);
			break;
		default:
			return false;
		}
		if (cached && perm)
			s->tlb[(page + did + pasid) % SM_CACHE] =
				(struct vtd_sm_tlb){ true, (u8)pgtt, did, pasid, page, perm };
	}
	if (cached && perm && (lo & (1ULL << 2)) && pasid == (hi & 0xfffff))
		atc_put(m, sid, page, perm);	/* DTE: the device caches it */
	return perm & need;
}
