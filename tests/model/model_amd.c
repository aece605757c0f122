// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-Vi IOMMU model: register file, command processor, device table
 * cache, IOTLB, device ATCs and the DMA permission check. Bit positions
 * are written from AMD I/O Virtualization Technology (IOMMU) Specification
 * 48882 ("48882"), independently of drivers/iommu/amd/crash_quiesce_hw.h.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "amd_iommu_types.h"
#include "../oracle/oracle.h"

struct amd_iommu *model_amd_iommu_list;
bool amd_iommu_snp_en;

#define ADDR_51_12	0x000ffffffffff000ULL

/* 48882 section 3.4: MMIO offsets. */
#define R_DEVTAB	0x0000
#define R_CMDBUF	0x0008
#define R_CONTROL	0x0018
#define R_EXCL_BASE	0x0020
#define R_EXCL_LIMIT	0x0028
#define R_EFR		0x0030
#define R_HEAD		0x2000
#define R_TAIL		0x2008
#define R_STATUS	0x2020
#define CTRL_IOMMU_EN	(1ULL << 0)
#define CTRL_CMDBUF_EN	(1ULL << 12)
#define STATUS_CMDBUF_RUN (1ULL << 4)

/* Command buffer: base bits 51:12, ComLen bits 59:56 (2^ComLen entries). */
static u32 cmdbuf_size(const struct amd_model *m)
{
	return 16U << ((m->cmdbuf >> 56) & 0xf);
}

static void tlb_put(struct amd_m_tlb *t, u16 tag, u64 page, u8 perm)
{
	unsigned int i, free = AMD_M_CACHE;

	for (i = 0; i < AMD_M_CACHE; i++) {
		if (t[i].valid && t[i].tag == tag && t[i].page == page)
			free = i;
		else if (!t[i].valid && free == AMD_M_CACHE)
			free = i;
	}
	if (free == AMD_M_CACHE)
		free = (unsigned int)(page % AMD_M_CACHE);
	t[free] = (struct amd_m_tlb){ true, tag, page, perm };
}

static struct amd_m_tlb *tlb_get(struct amd_m_tlb *t, u16 tag, u64 page)
{
	unsigned int i;

	for (i = 0; i < AMD_M_CACHE; i++)
		if (t[i].valid && t[i].tag == tag && t[i].page == page)
			return &t[i];
	return NULL;
}

/* Drop the entries of @tag (all tags when @any) in pages [first, last]. */
static void tlb_drop(struct amd_m_tlb *t, u16 tag, bool any, u64 first, u64 last)
{
	unsigned int i;

	for (i = 0; i < AMD_M_CACHE; i++)
		if ((any || t[i].tag == tag) && t[i].page >= first &&
		    t[i].page <= last)
			t[i].valid = false;
}

/*
 * Address and S of INVALIDATE_IOMMU_PAGES / INVALIDATE_IOTLB_PAGES (48882
 * sections 2.4.3, 2.4.4): Address[63:12] in word 3 and word 2 bits 31:12,
 * S in word 2 bit 0. S=1: the range size is set by the lowest zero bit of
 * Address[63:12]: n trailing ones select 2^(n+1) pages.
 */
static void inv_range(const u32 *w, u64 *first, u64 *last)
{
	u64 pg = (((u64)w[3] << 32) | (w[2] & 0xfffff000U)) >> 12;
	unsigned int n;

	*first = *last = pg;
	if (!(w[2] & 1))
		return;
	n = (unsigned int)__builtin_ctzll(~pg);
	if (n + 1 >= 52) {
		*first = 0;
		*last = ~0ULL;
		return;
	}
	*first = pg & ~((1ULL << (n + 1)) - 1);
	*last = *first + (1ULL << (n + 1)) - 1;
}

/* Execute one 16-byte command (48882 section 2.4); false: illegal. */
static bool amd_exec(struct amd_model *m, const u32 *w)
{
	u32 op = w[1] >> 28;	/* opcode: command bits 63:60 */
	u64 first, last, addr;
	unsigned int i;

	if (m->drop_op && op == m->drop_op) {
		m->ops[op]++;
		return true;
	}
	switch (op) {
	case AMD_M_OP_COMPLETION_WAIT:	/* 2.4.1 */
		/* S bit 0; Store Address[51:3] in word 0 bits 31:3, word 1 bits 19:0. */
		if (w[1] & 0x0ff00000U)
			return false;
		addr = ((u64)(w[1] & 0xfffffU) << 32) | (w[0] & 0xfffffff8U);
		/*
		 * SNP: the store must fall in the completion-wait write-back
		 * range, Exclusion Base / Limit bits 51:12 (section 3.4);
		 * elsewhere the command is refused (it halts processing).
		 */
		if ((w[0] & 1) && m->cwwb_enforced &&
		    (addr < (m->excl_base & ADDR_51_12) ||
		     addr >= (m->excl_limit & ADDR_51_12) + 4096))
			return false;
		if (w[0] & 1)
			model_dma_store(addr, ((u64)w[3] << 32) | w[2], 8);
		break;
	case AMD_M_OP_INV_DEVTAB_ENTRY:	/* 2.4.2: DeviceID word 0 bits 15:0 */
		if ((w[0] >> 16) || (w[1] & 0x0fffffffU) || w[2] || w[3])
			return false;
		for (i = 0; i < AMD_M_CACHE; i++)
			if (m->dtc[i].devid == (u16)w[0])
				m->dtc[i].valid = false;
		break;
	case AMD_M_OP_INV_IOMMU_PAGES:	/* 2.4.3: DomainID word 1 bits 15:0 */
		inv_range(w, &first, &last);
		tlb_drop(m->iotlb, (u16)w[1], false, first, last);
		break;
	case AMD_M_OP_INV_IOTLB_PAGES:	/* 2.4.4: DeviceID word 0 bits 15:0 */
		inv_range(w, &first, &last);
		/* A device that ignores ATS invalidations keeps its ATC. */
		if (!m->atc_ignore)
			tlb_drop(m->atc, (u16)w[0], false, first, last);
		break;
	case AMD_M_OP_INV_IOMMU_ALL:	/* 2.4.8: DTEs and translations */
		if (w[0] || (w[1] & 0x0fffffffU) || w[2] || w[3] ||
		    !(m->efr & (1ULL << 6)))	/* EFR IASup, bit 6 */
			return false;
		memset(m->dtc, 0, sizeof(m->dtc));
		memset(m->iotlb, 0, sizeof(m->iotlb));
		break;
	default:
		return false;
	}
	m->ops[op]++;
	return true;
}

/* Fetch and execute from head to tail as far as model time allows. */
static void amd_run(struct amd_model *m)
{
	u64 base = m->cmdbuf & ADDR_51_12;
	u32 w[4];
	void *p;

	while (m->head != m->tail) {
		if (!(m->control & CTRL_CMDBUF_EN) || m->halted || m->stopped ||
		    model_now < m->resume_at)
			return;
		if (!m->busy_until)
			m->busy_until = model_now + m->cmd_cycles;
		if (model_now < m->busy_until)
			return;
		p = model_mem(base + m->head, 16);
		if (!p || (memcpy(w, p, 16), !amd_exec(m, w))) {
			m->illegal++;
			m->halted = true;	/* ILLEGAL_COMMAND_ERROR */
			return;
		}
		m->head = (m->head + 16) & (cmdbuf_size(m) - 1);
		m->busy_until = m->head != m->tail ? m->busy_until + m->cmd_cycles : 0;
	}
	m->busy_until = 0;
}

static u64 amd_reg(struct amd_model *m, u32 off)
{
	switch (off) {
	case R_DEVTAB:
		return m->devtab;
	case R_CMDBUF:
		return m->cmdbuf;
	case R_CONTROL:
		return m->control;
	case R_EXCL_BASE:
		return m->excl_base;
	case R_EXCL_LIMIT:
		return m->excl_limit;
	case R_EFR:
		return m->efr;
	case R_HEAD:
		return m->head;
	case R_TAIL:
		return m->tail;
	case R_STATUS:
		return (m->control & CTRL_CMDBUF_EN) && !m->halted ?
		       STATUS_CMDBUF_RUN : 0;
	}
	return 0;
}

static u64 amd_read(void *hw, u32 off, unsigned int size)
{
	struct amd_model *m = hw;
	u64 v = amd_reg(m, off & ~7U);

	if ((off & ~7U) == R_DEVTAB)
		m->table_reads++;

	return size == 8 ? v : (u32)(v >> (8 * (off & 4)));
}

static void amd_write(void *hw, u32 off, u64 val, unsigned int size)
{
	struct amd_model *m = hw;
	u32 reg = off & ~7U;
	u64 v = amd_reg(m, reg);

	if (size == 4) {
		unsigned int sh = 8 * (off & 4);

		v = (v & ~(0xffffffffULL << sh)) | (val << sh);
	} else {
		v = val;
	}
	switch (reg) {
	case R_DEVTAB:
		m->devtab = v;
		break;
	case R_CMDBUF:
		m->cmdbuf = v;
		break;
	case R_CONTROL:
		m->control = v;
		break;
	case R_EXCL_BASE:
		m->excl_base = v;
		break;
	case R_EXCL_LIMIT:
		m->excl_limit = v;
		break;
	case R_TAIL:	/* bits 18:4 */
		m->tail = (u32)(v & 0x7fff0) & (cmdbuf_size(m) - 1);
		amd_run(m);
		break;
	default:	/* head is written only with the buffer disabled */
		model_mmio_errors++;
	}
}

static void amd_tick(void *hw)
{
	amd_run(hw);
}

static const struct model_mmio_ops amd_ops = {
	.read = amd_read, .write = amd_write, .tick = amd_tick,
};

/* The oracles' view of this IOMMU: its registers (tests/oracle). */
static struct oracle_amd amd_oracle_regs(const struct amd_model *m)
{
	struct oracle_amd u = {
		.devtab = m->devtab, .cmdbuf = m->cmdbuf,
		.excl_base = m->excl_base, .excl_limit = m->excl_limit,
		.efr = m->efr, .snp_enabled = m->snp_en,
	};

	return u;
}

static void amd_oracle_roles(void *hw, const struct oracle_mem *mem,
			     model_role_fn add, void *priv)
{
	struct oracle_amd u = amd_oracle_regs(hw);

	oracle_amd_roles(mem, &u, add, priv);
}

static void amd_oracle_complete(void *hw, const struct oracle_mem *mem, int mode,
				bool (*raced)(void *priv, uint64_t phys),
				struct oracle_result *r)
{
	struct oracle_amd u = amd_oracle_regs(hw);

	oracle_amd_complete(mem, &u, mode, raced, NULL, r);
}

static unsigned int amd_oracle_blocked(void *hw, const struct oracle_mem *before,
				       const struct oracle_mem *after)
{
	struct oracle_amd u = amd_oracle_regs(hw);

	return oracle_amd_blocked(before, after, &u);
}

/* SNPSup in the EFR (bit 63) without SNP known to be enabled or not. */
static bool amd_oracle_snp(void *hw)
{
	const struct amd_model *m = hw;

	return (m->efr & (1ULL << 63)) && !m->snp_known;
}

static const struct model_iommu_ops amd_oracle_ops = {
	.roles = amd_oracle_roles,
	.complete = amd_oracle_complete,
	.blocked = amd_oracle_blocked,
	.snp = amd_oracle_snp,
};

struct amd_model *amd_model_new(void)
{
	struct amd_model *m = calloc(1, sizeof(*m));
	struct amd_iommu *i = calloc(1, sizeof(*i)), **pp;

	if (!m || !i)
		abort();
	m->mmio = model_mmio_map(&amd_ops, m, 0x4000, &m->mmio_phys);
	i->mmio_base = m->mmio;
	i->mmio_phys = m->mmio_phys;
	for (pp = &model_amd_iommu_list; *pp; pp = &(*pp)->next)
		;
	*pp = i;
	m->iommu_link = i;
	model_iommu_add(&amd_oracle_ops, m, m->mmio_phys, &m->table_reads);
	return m;
}

/*
 * Host page tables, 48882 section 2.2.3: PR bit 0, NextLevel bits 11:9
 * (0 or 7: this entry maps a page), address bits 51:12, IR bit 61, IW bit
 * 62; the permission is the AND over every level. Return: bit 0 read,
 * bit 1 write; 0 for a fault.
 */
static u8 amd_walk(u64 table, unsigned int level, u64 iova)
{
	u8 perm = 3;
	unsigned int nl;
	u64 *t, e;

	while (level >= 1 && level <= 6) {
		t = model_mem(table, 4096);
		if (!t)
			return 0;
		e = t[(iova >> (12 + 9 * (level - 1))) & 511];
		if (!(e & 1))
			return 0;
		perm &= (u8)(((e >> 61) & 1) | (((e >> 62) & 1) << 1));
		nl = (e >> 9) & 7;
		if (nl == 0 || nl == 7)
			return perm;
		if (nl >= level)
			return 0;
		table = e & ADDR_51_12;
		level = nl;
	}
	return 0;
}

/* The DTE the IOMMU uses for @devid: cached, else from the table. */
static bool amd_dte(struct amd_model *m, u16 devid, bool cached, u64 *w0,
		    u64 *w1)
{
	unsigned int i;
	u64 *dte;

	for (i = 0; cached && i < AMD_M_CACHE; i++) {
		if (m->dtc[i].valid && m->dtc[i].devid == devid) {
			*w0 = m->dtc[i].w0;
			*w1 = m->dtc[i].w1;
			return true;
		}
	}
	/* Device table: base bits 51:12, (Size bits 8:0 + 1) * 4 KiB. */
	dte = model_mem((m->devtab & ADDR_51_12) + devid * 32ULL, 32);
	if ((u64)devid * 32 >= ((m->devtab & 0x1ff) + 1) * 4096 || !dte)
		return false;
	*w0 = dte[0];
	*w1 = dte[1];
	if (cached && (*w0 & 1)) {
		i = devid % AMD_M_CACHE;
		m->dtc[i] = (struct amd_m_dte_cache){ true, devid, *w0, *w1 };
	}
	return true;
}

bool amd_model_dma(struct amd_model *m, u16 devid, u64 iova, bool write,
		   bool cached)
{
	u8 need = write ? 2 : 1, perm;
	u64 page = iova >> 12, w0 = 0, w1 = 0;
	struct amd_m_tlb *t;
	unsigned int mode;

	if (!(m->control & CTRL_IOMMU_EN))
		return true;	/* translation off: untranslated */
	if (!amd_dte(m, devid, cached, &w0, &w1))
		return false;
	/*
	 * A translated request from the device's ATC: the IOMMU honours it
	 * only while the DTE has V=1, TV=1 and I=1 (DTE bit 96, word 1 bit
	 * 32: IOTLB enable); otherwise it is not accepted.
	 */
	t = cached ? tlb_get(m->atc, devid, page) : NULL;
	if (t)
		return (w0 & 1) && (w0 & 2) && (w1 & (1ULL << 32)) &&
		       (t->perm & need);
	/* DTE, 48882 section 2.2.2: V bit 0, TV bit 1 (either 0: untranslated). */
	if (!(w0 & 1) || !(w0 & 2))
		return true;
	perm = (u8)(((w0 >> 61) & 1) | (((w0 >> 62) & 1) << 1));	/* IR, IW */
	mode = (w0 >> 9) & 7;
	/* SNP enabled: Mode 0 with TV=1 is prohibited, the DTE is refused. */
	if (m->snp_en && !mode)
		return false;
	if (mode) {
		/* IOTLB by DomainID (DTE bits 79:64 = word 1 bits 15:0). */
		t = cached ? tlb_get(m->iotlb, (u16)w1, page) : NULL;
		if (t) {
			perm = t->perm;
		} else {
			perm &= amd_walk(w0 & ADDR_51_12, mode, iova);
			if (cached && perm)
				tlb_put(m->iotlb, (u16)w1, page, perm);
		}
	}
	/* I (DTE bit 96 = word 1 bit 32): an ATS device caches the result. */
	if (cached && (w1 & (1ULL << 32)) && perm)
		tlb_put(m->atc, devid, page, perm);
	return perm & need;
}
