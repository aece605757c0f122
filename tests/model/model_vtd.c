// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d DMAR unit model (legacy translation mode): register file, queued
 * and register-based invalidation, write-buffer flush, context cache,
 * IOTLB, device ATCs and the DMA permission check. Bit positions are
 * written from the Intel Virtualization Technology for Directed I/O
 * Architecture Specification ("VT-d"), independently of
 * drivers/iommu/intel/crash_quiesce_hw.h.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "iommu.h"
#include <linux/dmar.h>
#include "../oracle/oracle.h"

struct dmar_drhd_unit *model_drhd_units;

#define ADDR_51_12	0x000ffffffffff000ULL
#define REG_CYCLES	1000	/* register-based invalidation, WBF */

/* VT-d section 10.4: register offsets. */
#define R_VER		0x00
#define R_CAP		0x08
#define R_ECAP		0x10
#define R_GCMD		0x18
#define R_GSTS		0x1c
#define R_RTADDR	0x20
#define R_CCMD		0x28
#define R_FSTS		0x34
#define R_IQH		0x80
#define R_IQT		0x88
#define R_IQA		0x90
#define R_IOTLB		(VTD_M_IRO * 16 + 8)	/* ECAP.IRO * 16 + 8 */

/* GCMD / GSTS (10.4.4, 10.4.5): TE 31, SRTP 30, EAFL 28, WBF 27, QIE 26, IRE 25, CFI 23. */
#define G_TE		(1U << 31)
#define G_SRTP		(1U << 30)
#define G_WBF		(1U << 27)
#define G_QIE		(1U << 26)
#define G_PERSIST	(G_TE | (1U << 28) | G_QIE | (1U << 25) | (1U << 23))
/* FSTS (10.4.9), RW1C: PFO 0, IQE 4, ICE 5, ITE 6. */
#define F_IQE		(1U << 4)
#define F_ITE		(1U << 6)
#define BIT63		(1ULL << 63)

static void tlb_drop(struct amd_m_tlb *t, u16 tag, bool any, u64 first, u64 last)
{
	unsigned int i;

	for (i = 0; i < VTD_M_CACHE; i++)
		if ((any || t[i].tag == tag) && t[i].page >= first &&
		    t[i].page <= last)
			t[i].valid = false;
}

static void tlb_put(struct amd_m_tlb *t, u16 tag, u64 page, u8 perm)
{
	unsigned int i = (unsigned int)((page + tag) % VTD_M_CACHE);

	t[i] = (struct amd_m_tlb){ true, tag, page, perm };
}

static struct amd_m_tlb *tlb_get(struct amd_m_tlb *t, u16 tag, u64 page)
{
	unsigned int i = (unsigned int)((page + tag) % VTD_M_CACHE);

	return t[i].valid && t[i].tag == tag && t[i].page == page ? &t[i] : NULL;
}

/* Context-cache invalidation: G 1 global, 2 domain (@did), 3 device (@sid, @fm). */
static void cc_inval(struct vtd_model *m, unsigned int g, u16 did, u16 sid,
		     unsigned int fm)
{
	/* FM (VT-d 6.5.2.1): 0 none, 1 bit 2, 2 bits 2:1, 3 bits 2:0 of the SID masked. */
	static const u16 fm_bits[4] = { 0, 4, 6, 7 };
	u16 mask = (u16)~fm_bits[fm & 3];
	unsigned int i;

	for (i = 0; i < VTD_M_CACHE; i++) {
		struct vtd_m_ctx_cache *c = &m->cc[i];

		if (g == 1 || (g == 2 && ((c->hi >> 8) & 0xffff) == did) ||
		    (g == 3 && (c->sid & mask) == (sid & mask)))
			c->valid = false;
	}
}

/* IOTLB invalidation: G 1 global, 2 domain, 3 pages [first, last] of @did. */
static void iotlb_inval(struct vtd_model *m, unsigned int g, u16 did,
			u64 first, u64 last)
{
	if (g == 1)
		tlb_drop(m->iotlb, 0, true, 0, ~0ULL);
	else if (g == 2)
		tlb_drop(m->iotlb, did, false, 0, ~0ULL);
	else if (g == 3)
		tlb_drop(m->iotlb, did, false, first, last);
	if (m->sm)
		vtd_sm_iotlb_inval(m, g, did, first, last);
}

/* Execute one descriptor (VT-d 6.5.2). Return: 1 done, 0 blocked, -1 invalid. */
static int vtd_exec(struct vtd_model *m, u64 lo, u64 hi)
{
	/* Type: bits 3:0, type[6:4] in bits 11:9 (zero for these types). */
	u32 type = (u32)((lo & 0xf) | ((lo >> 5) & 0x70));
	unsigned int g = (lo >> 4) & 3;
	u64 pg, first, last;
	unsigned int n;

	if (m->bad_type && type == m->bad_type)
		return -1;
	if (m->drop_type && type == m->drop_type) {
		m->desc[type]++;
		return 1;
	}
	switch (type) {
	case VTD_M_DESC_CC:	/* 6.5.2.1: G 5:4, DID 31:16, SID 47:32, FM 49:48 */
		if (!g || (lo & 0xffc0ULL) || (lo >> 50) || hi)
			return -1;
		cc_inval(m, g, (u16)(lo >> 16), (u16)(lo >> 32), (lo >> 48) & 3);
		break;
	case VTD_M_DESC_IOTLB:	/* 6.5.2.3: G 5:4, DW 6, DR 7, DID 31:16; hi AM 5:0, ADDR 63:12 */
		if (!g || (lo & 0xff00ULL) || (lo >> 32))
			return -1;
		first = hi >> 12;
		last = first + (1ULL << (hi & 0x3f)) - 1;
		iotlb_inval(m, g, (u16)(lo >> 16), first, last);
		break;
	case VTD_M_DESC_DEV_TLB:	/* 6.5.2.5: SID 47:32; hi S bit 0, ADDR 63:12 */
		if (m->dtlb_ignore) {
			/* The device completes it and keeps its ATC. */
			break;
		}
		if (m->dtlb_timeout && (u16)(lo >> 32) == m->dtlb_timeout_sid) {
			/* Sent; the device never answers. */
			m->dtlb_pending = true;
			m->dtlb_since = model_now;
			break;
		}
		pg = hi >> 12;
		first = last = pg;
		if (hi & 1) {	/* S: n trailing ones of ADDR select 2^(n+1) pages */
			n = (unsigned int)__builtin_ctzll(~pg);
			first = n + 1 >= 52 ? 0 : pg & ~((1ULL << (n + 1)) - 1);
			last = n + 1 >= 52 ? ~0ULL : first + (1ULL << (n + 1)) - 1;
		}
		tlb_drop(m->atc, (u16)(lo >> 32), false, first, last);
		break;
	case 4:			/* 6.5.2.7 interrupt entry cache: nothing cached here */
		break;
	case VTD_M_DESC_PIOTLB:	/* 6.5.2.4, 6.5.2.2: scalable mode only */
	case VTD_M_DESC_PC:
		if (!m->sm || vtd_sm_exec(m, type, lo, hi) < 0)
			return -1;
		break;
	case VTD_M_DESC_WAIT:	/* 6.5.2.8: IF 4, SW 5, FN 6, data 63:32; hi address 63:2 */
		if (hi & 3)
			return -1;
		if (m->dtlb_pending) {
			if (model_now < m->dtlb_since + m->dtlb_timeout)
				return 0;
			/* Invalidation time-out: the wait is aborted (no status write). */
			m->dtlb_pending = false;
			m->fsts |= F_ITE;
			m->ite++;
			m->desc[type]++;
			return 1;
		}
		if (lo & (1ULL << 5))
			model_dma_store(hi, lo >> 32, 4);
		break;
	default:
		return -1;
	}
	m->desc[type]++;
	return 1;
}

static void qi_run(struct vtd_model *m)
{
	u32 slot = (m->iqa & (1ULL << 11)) ? 32 : 16;	/* IQA.DW bit 11 */
	u64 size = 4096ULL << (m->iqa & 7);		/* IQA.QS bits 2:0 */
	u64 *d;
	int r;

	while ((m->gsts & G_QIE) && !(m->fsts & (F_IQE | F_ITE)) &&
	       m->iqh != m->iqt) {
		if (m->qi_stopped || model_now < m->resume_at)
			return;
		if (!m->busy_until)
			m->busy_until = model_now + m->desc_cycles;
		if (model_now < m->busy_until)
			return;
		d = model_mem((m->iqa & ADDR_51_12) + m->iqh, slot);
		r = d ? vtd_exec(m, d[0], d[1]) : -1;
		if (r > 0 && slot == 32 && (d[2] || d[3]))
			r = -1;
		if (r < 0) {	/* IQE; IQH stays at the descriptor */
			m->fsts |= F_IQE;
			m->iqe++;
		}
		if (r <= 0)
			return;
		m->iqh = (m->iqh + slot) & (size - 1);
		m->busy_until = m->iqh != m->iqt ? m->busy_until + m->desc_cycles : 0;
	}
	m->busy_until = 0;
}

/* Complete what is due: WBF, CCMD_REG, IOTLB_REG, then the queue. */
static void vtd_tick(void *hw)
{
	struct vtd_model *m = hw;

	if ((m->ccmd & BIT63) && !m->reg_stuck && !m->ccmd_stuck &&
	    model_now >= m->ccmd_due) {
		u64 c = m->ccmd;	/* 10.4.7: CIRG 62:61, DID 15:0, SID 31:16, FM 33:32 */
		unsigned int g = (c >> 61) & 3;

		cc_inval(m, g, (u16)c, (u16)(c >> 16), (c >> 32) & 3);
		m->ccmd = (c & ~(BIT63 | (3ULL << 59))) | ((u64)g << 59);	/* CAIG */
		m->ccmd_inv++;
	}
	if ((m->iotlb_reg & BIT63) && !m->reg_stuck && !m->iotlb_stuck &&
	    model_now >= m->iotlb_due) {
		u64 c = m->iotlb_reg;	/* IIRG 61:60, DID 47:32 */
		unsigned int g = (c >> 60) & 3;

		/* Page-selective (3) needs IVA_REG: not modelled, flushes nothing. */
		if (g == 3)
			model_mmio_errors++;
		else
			iotlb_inval(m, g, (u16)(c >> 32), 0, ~0ULL);
		m->iotlb_reg = (c & ~(BIT63 | (3ULL << 57))) | ((u64)g << 57);	/* IAIG */
		m->iotlb_inv++;
	}
	qi_run(m);
}

static u64 vtd_reg(struct vtd_model *m, u32 off)
{
	bool wbfs = m->wbf && (m->wbf_stuck || model_now < m->wbf_until);

	switch (off) {
	case R_VER:
		return m->ver;
	case R_CAP:
		return m->cap;
	case R_ECAP:
		return m->ecap;
	case R_GSTS & ~7U:	/* GCMD reads as 0; GSTS in the upper half */
		return (u64)(m->gsts | (wbfs ? G_WBF : 0)) << 32;
	case R_RTADDR:
		return m->rtaddr;
	case R_CCMD:
		return m->no_reg_inval ? 0 : m->ccmd;
	case R_FSTS & ~7U:
		return (u64)m->fsts << 32;
	case R_IQH:
		return m->iqh;
	case R_IQT:
		return m->iqt;
	case R_IQA:	/* QEMU 7.2: DW (bit 11) not read back */
		return m->qemu_iqa ? m->iqa & ~(1ULL << 11) : m->iqa;
	case R_IOTLB:
		return m->no_reg_inval ? 0 : m->iotlb_reg;
	}
	return 0;
}

static u64 vtd_read(void *hw, u32 off, unsigned int size)
{
	struct vtd_model *m = hw;
	u64 v = vtd_reg(m, off & ~7U);

	if ((off & ~7U) == R_RTADDR)
		m->table_reads++;

	return size == 8 ? v : (u32)(v >> (8 * (off & 4)));
}

static void vtd_gcmd(struct vtd_model *m, u32 cmd)
{
	m->gsts = (m->gsts & ~G_PERSIST) | (cmd & G_PERSIST);
	if (cmd & G_SRTP)
		m->gsts |= G_SRTP;	/* RTPS */
	if ((cmd & G_WBF) && (m->cap & (1ULL << 4))) {	/* CAP.RWBF */
		m->wbf++;
		m->wbf_until = model_now + REG_CYCLES;
	}
	if ((cmd & G_QIE) && !(m->gsts & G_QIE))
		m->iqh = 0;
}

static void vtd_write(void *hw, u32 off, u64 val, unsigned int size)
{
	struct vtd_model *m = hw;

	if (size == 4 && off == R_GCMD) {
		vtd_gcmd(m, (u32)val);
	} else if (size == 4 && off == R_FSTS) {
		m->fsts &= ~((u32)val & 0x71);	/* RW1C: PFO, IQE, ICE, ITE */
	} else if (size == 8 && off == R_RTADDR) {
		m->rtaddr = val;
	} else if (size == 8 && off == R_CCMD) {
		if (m->no_reg_inval)
			return;
		m->ccmd = val;
		m->ccmd_due = model_now + REG_CYCLES;
	} else if (size == 8 && off == R_IOTLB) {
		if (m->no_reg_inval)
			return;
		m->iotlb_reg = val;
		m->iotlb_due = model_now + REG_CYCLES;
	} else if (size == 8 && off == R_IQT) {
		if (m->qemu_iqa && (m->iqa & (1ULL << 11)) && (val & 0x10))
			return;	/* QEMU 7.2: "RSV bit is set", write ignored */
		m->iqt = val & 0x7fff0;		/* QT bits 18:4 */
		if ((m->iqa & (1ULL << 11)) && (val & 0x10)) {
			m->fsts |= F_IQE;	/* tail not 256-bit aligned */
			m->iqe++;
		}
	} else if (size == 8 && off == R_IQA) {
		m->iqa = val;
	} else {
		model_mmio_errors++;
		return;
	}
	vtd_tick(m);
}

static const struct model_mmio_ops vtd_ops = {
	.read = vtd_read, .write = vtd_write, .tick = vtd_tick,
};

/* The oracles' view of this unit: its registers (tests/oracle). */
static struct oracle_vtd vtd_oracle_regs(const struct vtd_model *m)
{
	struct oracle_vtd u = {
		.rtaddr = m->rtaddr, .cap = m->cap, .ecap = m->ecap,
		.iqa = m->iqa, .haw = boot_cpu_data.x86_phys_bits,
	};

	return u;
}

static void vtd_oracle_roles(void *hw, const struct oracle_mem *mem,
			     model_role_fn add, void *priv)
{
	struct oracle_vtd u = vtd_oracle_regs(hw);

	oracle_vtd_roles(mem, &u, add, priv);
}

static void vtd_oracle_complete(void *hw, const struct oracle_mem *mem, int mode,
				bool (*raced)(void *priv, uint64_t phys),
				struct oracle_result *r)
{
	struct oracle_vtd u = vtd_oracle_regs(hw);

	(void)raced;
	oracle_vtd_complete(mem, &u, mode, r);
}

static unsigned int vtd_oracle_blocked(void *hw, const struct oracle_mem *before,
				       const struct oracle_mem *after)
{
	struct oracle_vtd u = vtd_oracle_regs(hw);

	return oracle_vtd_blocked(before, after, &u);
}

static bool vtd_oracle_snp(void *hw)
{
	(void)hw;
	return false;
}

static const struct model_iommu_ops vtd_oracle_ops = {
	.roles = vtd_oracle_roles,
	.complete = vtd_oracle_complete,
	.blocked = vtd_oracle_blocked,
	.snp = vtd_oracle_snp,
};

struct vtd_model *vtd_model_new(u64 cap, u64 ecap)
{
	struct vtd_model *m = calloc(1, sizeof(*m));
	struct dmar_drhd_unit **pp;

	if (!m)
		abort();
	m->iommu = calloc(1, sizeof(*m->iommu));
	m->drhd = calloc(1, sizeof(*m->drhd));
	if (!m->iommu || !m->drhd)
		abort();
	m->ver = 0x10;
	m->cap = cap;
	m->ecap = (ecap & ~(0x3ffULL << 8)) | ((u64)VTD_M_IRO << 8);
	m->mmio = model_mmio_map(&vtd_ops, m, 0x1000, &m->mmio_phys);
	m->iommu->reg = m->mmio;
	m->iommu->reg_phys = m->mmio_phys;
	m->iommu->cap = m->cap;
	m->iommu->ecap = m->ecap;
	m->drhd->iommu = m->iommu;
	for (pp = &model_drhd_units; *pp; pp = &(*pp)->next)
		;
	*pp = m->drhd;
	model_iommu_add(&vtd_oracle_ops, m, m->mmio_phys, &m->table_reads);
	return m;
}

/*
 * Second-level walk, VT-d 9.8: R bit 0, W bit 1 (present when either is
 * set), PS bit 7 (leaf in an SL-PDPE or SL-PDE), address bits 51:12; the
 * permission is the AND over every level. Return: bit 0 R, bit 1 W.
 */
static u8 vtd_walk(u64 table, unsigned int level, u64 iova)
{
	u8 perm = 3;
	u64 *t, e;

	for (; level >= 1; level--) {
		t = model_mem(table, 4096);
		if (!t)
			return 0;
		e = t[(iova >> (12 + 9 * (level - 1))) & 511];
		if (!(e & 3))
			return 0;
		perm &= (u8)(e & 3);
		if (level == 1 || (level <= 3 && (e & (1ULL << 7))))
			return perm;
		table = e & ADDR_51_12;
	}
	return 0;
}

/* The context entry the unit uses for @sid: cached, else from memory. */
static bool vtd_ctx(struct vtd_model *m, u16 sid, bool cached, u64 *lo,
		    u64 *hi)
{
	struct vtd_m_ctx_cache *c = &m->cc[sid % VTD_M_CACHE];
	u64 *re, *ce;

	if (cached && c->valid && c->sid == sid) {
		*lo = c->lo;
		*hi = c->hi;
		return true;
	}
	/* Root entry 9.1: P bit 0, CTP 63:12; context entry 9.3: P bit 0. */
	if (m->rtaddr & (3ULL << 10))
		return false;	/* not legacy mode: not modelled */
	re = model_mem((m->rtaddr & ADDR_51_12) + (sid >> 8) * 16ULL, 16);
	if (!re || !(re[0] & 1))
		return false;
	ce = model_mem((re[0] & ADDR_51_12) + (sid & 0xff) * 16ULL, 16);
	if (!ce || !(ce[0] & 1))
		return false;
	*lo = ce[0];
	*hi = ce[1];
	if (cached)
		*c = (struct vtd_m_ctx_cache){ true, sid, *lo, *hi };
	return true;
}

bool vtd_model_dma(struct vtd_model *m, u16 sid, u64 iova, bool write,
		   bool cached)
{
	u8 need = write ? 2 : 1, perm;
	u64 page = iova >> 12, lo = 0, hi = 0;
	struct amd_m_tlb *t;
	unsigned int tt;
	u16 did;

	if (!(m->gsts & G_TE))
		return true;	/* translation off */
	if ((m->rtaddr & (3ULL << 10)) == (1ULL << 10))	/* RTADDR.TTM 01b */
		return vtd_sm_model_dma(m, sid, VTD_SM_NO_PASID, iova, write,
					cached, false);
	if (!vtd_ctx(m, sid, cached, &lo, &hi))
		return false;
	/* Context entry 9.3: TT bits 3:2, SLPTPTR 63:12; AW hi 2:0, DID hi 23:8. */
	tt = (lo >> 2) & 3;
	/*
	 * A translated request from the device's ATC: allowed only with TT
	 * 01b; with TT 00b or 10b the unit blocks translated requests (9.3).
	 */
	t = cached ? tlb_get(m->atc, sid, page) : NULL;
	if (t)
		return tt == 1 && (t->perm & need);
	if (tt == 2)
		return (m->ecap & (1ULL << 6)) != 0;	/* pass-through (ECAP.PT) */
	if (tt == 3)
		return false;
	did = (u16)(hi >> 8);
	t = cached ? tlb_get(m->iotlb, did, page) : NULL;
	if (t) {
		perm = t->perm;
	} else {
		perm = vtd_walk(lo & ADDR_51_12, (hi & 7) + 2, iova);
		if (cached && perm)
			tlb_put(m->iotlb, did, page, perm);
	}
	if (cached && tt == 1 && perm)	/* TT 01: the device caches it (ATS) */
		tlb_put(m->atc, sid, page, perm);
	return perm & need;
}

/*
 * dmar.c's qi_account_crash_descs() as the series adds it to Linux
 * 6.1.192 (patch 0004): the @n slots from free_head on become a finished
 * submission (QI_FREE, as qi_submit_sync() leaves its own), then the
 * driver's own reclaim, reclaim_free_desc() of 6.1.192.
 */
void qi_account_crash_descs(struct intel_iommu *iommu, int n)
{
	struct q_inval *qi = iommu->qi;
	int i;

	for (i = 0; i < n; i++)
		qi->desc_status[(qi->free_head + i) % QI_LENGTH] = QI_FREE;
	qi->free_head = (qi->free_head + n) % QI_LENGTH;
	qi->free_cnt -= n;
	while (qi->desc_status[qi->free_tail] == QI_FREE &&
	       qi->free_tail != qi->free_head) {
		qi->free_tail = (qi->free_tail + 1) % QI_LENGTH;
		qi->free_cnt++;
	}
}
