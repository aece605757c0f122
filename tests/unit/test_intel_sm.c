// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the VT-d crash-path quiesce in scalable mode, compiled
 * from the kernel's own drivers/iommu/intel/crash_quiesce_sm_hw.h.
 *
 * Expected values are written from the bit positions of the Intel VT-d
 * Architecture Specification (literal numbers, never the header's macros):
 * scalable-mode root entry section 9.2 (lo: LP bit 0, LCTP 63:12; hi: UP
 * bit 64, UCTP 127:76), context entry 9.4 (P 0, FPD 1, DTE 2, PASIDE 3,
 * PRE 4, bits 8:5 reserved, PDTS 11:9, PASIDDIRPTR 63:12; RID_PASID 83:64,
 * bits 127:85 and 255:128 reserved), PASID directory entry 9.5 (P 0,
 * bits 11:2 reserved, table pointer 63:12), PASID entry 9.6 (P 0, FPD 1,
 * AW 4:2, SSADE 5, PGTT 8:6, SLEE 9, bits 11:10 reserved, SLPTPTR 63:12;
 * DID 79:64; SRE 128, FLPM 131:130, WPE 132, FLPTPTR 191:140), first-level
 * entries 9.7 (P 0, R/W 1, PS 7), descriptors 6.5.2.2 (PASID-cache, type
 * 7) and 6.5.2.4 (PASID-based IOTLB, type 6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../drivers/iommu/intel/crash_quiesce_sm_hw.h"

#define NPAGES		32
#define ARENA_BASE	0x100000ULL
#define PG(i)		(ARENA_BASE + (u64)(i) * 4096)

static u64 arena[NPAGES][512] __attribute__((aligned(4096)));
static u64 snapshot[NPAGES][512];

struct fake {
	unsigned int maps;
	unsigned int flushes;
	long expire_after;	/* expired() true after this many calls; <0 never */
	long expired_calls;
};

static void *fake_map(void *priv, u64 phys, u64 size)
{
	struct fake *f = priv;

	f->maps++;
	if (phys & 0xfff || size != 4096 || phys < ARENA_BASE ||
	    phys + size > ARENA_BASE + NPAGES * 4096ULL)
		return NULL;
	return arena[(phys - ARENA_BASE) / 4096];
}

static bool fake_expired(void *priv)
{
	struct fake *f = priv;

	if (f->expire_after < 0)
		return false;
	return f->expired_calls++ >= f->expire_after;
}

static void fake_flush(void *priv, void *addr, u64 size)
{
	struct fake *f = priv;

	(void)addr;
	(void)size;
	f->flushes++;
}

static struct crash_dma_quiesce_record rec;
static u64 ats[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 dids[65536 / 64];
static u64 memo[64];
static u64 changed[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 pairs[16];

/* CAP: SAGAW 39/48-bit (bits 9, 10), SLLPS 2M/1G (34, 35), FL5LP (60). */
#define CAP	((1ULL << 9) | (1ULL << 10) | (1ULL << 34) | (1ULL << 35) | (1ULL << 60))
/*
 * ECAP: C 0, QI 1, DT 2, PT 6, NEST 26, PASID 40, SMTS 43, SLTS 46,
 * FLTS 47.
 */
#define ECAP	(1ULL | (1ULL << 1) | (1ULL << 2) | (1ULL << 6) | (1ULL << 26) | \
		 (1ULL << 40) | (1ULL << 43) | (1ULL << 46) | (1ULL << 47))

static void walk_init(struct vtd_cq_walk *w, struct vtd_cq_sm *sm, int mode,
		      bool dry_run)
{
	memset(w, 0, sizeof(*w));
	memset(sm, 0, sizeof(*sm));
	memset(&rec, 0, sizeof(rec));
	memset(ats, 0, sizeof(ats));
	memset(dids, 0, sizeof(dids));
	memset(memo, 0, sizeof(memo));		/* a new pass */
	memset(changed, 0, sizeof(changed));
	w->root_phys = PG(0);
	w->cap = CAP;
	w->ecap = ECAP;
	w->haw = 39;
	w->mode = mode;
	w->dry_run = dry_run;
	w->changed = changed;
	w->ats = ats;
	w->dids = dids;
	w->memo = memo;
	w->memo_size = 64;
	/* Identity roots: AW 1 page 20, AW 2 page 21; mode all: empty page 22. */
	w->pt_root[1] = mode == CRASH_DMA_QUIESCE_ALL ? PG(22) : PG(20);
	w->pt_root[2] = mode == CRASH_DMA_QUIESCE_ALL ? PG(22) : PG(21);
	sm->pairs = pairs;
	sm->pairs_size = 16;
}

static void run_walk(struct vtd_cq_walk *w, struct vtd_cq_sm *sm, struct fake *f)
{
	struct vtd_cq_walk_ops ops = {
		.map = fake_map, .expired = fake_expired, .flush = fake_flush,
		.priv = f,
	};

	vtd_cq_sm_walk(w, sm, &ops, &rec);
}

static bool sid_set(unsigned int sid)
{
	return changed[sid / 64] >> (sid % 64) & 1;
}

static bool pair_in(const struct vtd_cq_sm *sm, u16 did, u32 pasid)
{
	u32 i, p;
	u16 d;

	for (i = 0; i < sm->pairs_size; i++)
		if (vtd_cq_sm_pair_get(sm, i, &d, &p) && d == did && p == pasid)
			return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Encoders and field checks.
 */
static void test_descriptors(void)
{
	struct vtd_cq_desc d;

	/* 6.5.2.2: type 7 bits 3:0, G 11b (global) bits 5:4, no DID. */
	d = vtd_cq_desc_pc_global();
	CHECK_EQ("pc global lo", d.lo, 0x37ULL);
	CHECK_EQ("pc global hi", d.hi, 0);
	/* 6.5.2.4: type 6, G 10b (PASID-selective), DID 31:16, PASID 51:32. */
	d = vtd_cq_desc_piotlb_pasid(0x1234, 0xabcde);
	CHECK_EQ("piotlb lo", d.lo, 0x000abcde12340026ULL);
	CHECK_EQ("piotlb hi", d.hi, 0);
	d = vtd_cq_desc_piotlb_pasid(1, 0x1fffff);
	CHECK_EQ("piotlb pasid masked to 20 bits", d.lo, 0x000fffff00010026ULL);
	/* Bits 11:9 (type[6:4]) stay zero. */
	CHECK_EQ("pc type high bits", vtd_cq_desc_pc_global().lo & 0xe00, 0);
}

static void test_fields(void)
{
	u64 ce[4] = { 0 };

	/* PDTS 11:9: 2^(PDTS + 7) directory entries. */
	CHECK_EQ("dir entries pdts 0", vtd_cq_sm_dir_entries(0x1), 128);
	CHECK_EQ("dir entries pdts 2", vtd_cq_sm_dir_entries(0x401), 512);
	CHECK_EQ("dir entries pdts 7", vtd_cq_sm_dir_entries(0xe01), 16384);
	CHECK_EQ("pgtt", vtd_cq_sm_pe_pgtt(0x101), 4);
	CHECK_EQ("aw", vtd_cq_sm_pe_aw(0x8d), 3);
	CHECK_EQ("did", vtd_cq_sm_pe_did(0xffff0000abcdULL), 0xabcd);
	CHECK_EQ("fl levels 4", vtd_cq_sm_fl_levels(0x1000), 4);
	CHECK_EQ("fl levels 5 (FLPM 01b, bits 3:2)", vtd_cq_sm_fl_levels(0x1004), 5);

	/* Root entry half: bits 11:1 reserved, pointer below HAW. */
	CHECK("root valid", vtd_cq_sm_root_valid(0x123001, 39));
	CHECK("root reserved bit 11", !vtd_cq_sm_root_valid(0x123801, 39));
	CHECK("root reserved bit 1", !vtd_cq_sm_root_valid(0x123003, 39));
	CHECK("root above haw", !vtd_cq_sm_root_valid(0x8000123001ULL, 39));

	/* Context entry: qword 0 bits 8:5, qword 1 63:21, qwords 2-3. */
	ce[0] = 0x123000 | 0x1f | (7 << 9);
	ce[1] = 0x1fffff;	/* RID_PASID and RID_PRIV */
	CHECK("ctx valid", vtd_cq_sm_ctx_valid(ce, 39));
	ce[0] |= 1 << 5;
	CHECK("ctx bit 5 reserved", !vtd_cq_sm_ctx_valid(ce, 39));
	ce[0] &= ~(1ULL << 5);
	ce[0] |= 1 << 8;
	CHECK("ctx bit 8 reserved", !vtd_cq_sm_ctx_valid(ce, 39));
	ce[0] &= ~(1ULL << 8);
	ce[1] |= 1ULL << 21;
	CHECK("ctx bit 85 reserved", !vtd_cq_sm_ctx_valid(ce, 39));
	ce[1] = 0;
	ce[3] = 1ULL << 63;
	CHECK("ctx bit 255 reserved", !vtd_cq_sm_ctx_valid(ce, 39));
	ce[3] = 0;
	ce[0] |= 1ULL << 45;
	CHECK("ctx dir pointer above haw", !vtd_cq_sm_ctx_valid(ce, 39));
	CHECK("ctx dir pointer below haw 46", vtd_cq_sm_ctx_valid(ce, 46));

	/* Directory entry: bits 11:2 reserved. */
	CHECK("pde valid", vtd_cq_sm_pde_valid(0x123003, 39));
	CHECK("pde bit 2 reserved", !vtd_cq_sm_pde_valid(0x123005, 39));
	CHECK("pde above haw", !vtd_cq_sm_pde_valid(0x8000123001ULL, 39));
}

static void test_pasid_entry(void)
{
	/* PGTT 8:6, AW 4:2; SLPTPTR 63:12. */
	u64 sl4 = 0x123001 | (2 << 2) | (2 << 6), fl = 0x1 | (1 << 6);
	u64 nest = 0x123001 | (1 << 2) | (3 << 6), pt = 0x1 | (1 << 2) | (4 << 6);

	CHECK("pe sl valid", vtd_cq_sm_pe_valid(sl4, 0, CAP, ECAP, 39));
	CHECK("pe sl needs SLTS (ecap 46)",
	      !vtd_cq_sm_pe_valid(sl4, 0, CAP, ECAP & ~(1ULL << 46), 39));
	CHECK("pe sl AW 3 needs SAGAW bit 11",
	      !vtd_cq_sm_pe_valid((sl4 & ~0x1cULL) | (3 << 2), 0, CAP, ECAP, 39));
	CHECK("pe sl AW 0 invalid", !vtd_cq_sm_pe_valid(sl4 & ~0x1cULL, 0, CAP, ECAP, 39));
	CHECK("pe sl pointer above haw",
	      !vtd_cq_sm_pe_valid(sl4 | (1ULL << 40), 0, CAP, ECAP, 39));
	CHECK("pe bit 10 reserved", !vtd_cq_sm_pe_valid(sl4 | (1 << 10), 0, CAP, ECAP, 39));
	CHECK("pe bit 11 reserved", !vtd_cq_sm_pe_valid(sl4 | (1 << 11), 0, CAP, ECAP, 39));
	CHECK("pe fl valid", vtd_cq_sm_pe_valid(fl, 0x456000, CAP, ECAP, 39));
	CHECK("pe fl needs FLTS (ecap 47)",
	      !vtd_cq_sm_pe_valid(fl, 0x456000, CAP, ECAP & ~(1ULL << 47), 39));
	CHECK("pe fl 5-level with FL5LP",
	      vtd_cq_sm_pe_valid(fl, 0x456004, CAP, ECAP, 39));
	CHECK("pe fl 5-level needs FL5LP (cap 60)",
	      !vtd_cq_sm_pe_valid(fl, 0x456004, CAP & ~(1ULL << 60), ECAP, 39));
	CHECK("pe fl FLPM 10b reserved", !vtd_cq_sm_pe_valid(fl, 0x456008, CAP, ECAP, 39));
	CHECK("pe fl pointer above haw",
	      !vtd_cq_sm_pe_valid(fl, 0x8000456000ULL, CAP, ECAP, 39));
	CHECK("pe nested valid", vtd_cq_sm_pe_valid(nest, 0, CAP, ECAP, 39));
	CHECK("pe nested FL pointer is a GPA, not checked",
	      vtd_cq_sm_pe_valid(nest, 0xfff0000000000000ULL, CAP, ECAP, 39));
	CHECK("pe nested needs NEST (ecap 26)",
	      !vtd_cq_sm_pe_valid(nest, 0, CAP, ECAP & ~(1ULL << 26), 39));
	CHECK("pe pt valid", vtd_cq_sm_pe_valid(pt, 0, CAP, ECAP, 39));
	CHECK("pe pt needs PT (ecap 6)",
	      !vtd_cq_sm_pe_valid(pt, 0, CAP, ECAP & ~(1ULL << 6), 39));
	CHECK("pe pgtt 0 reserved", !vtd_cq_sm_pe_valid(0x1, 0, CAP, ECAP, 39));
	CHECK("pe pgtt 5 reserved", !vtd_cq_sm_pe_valid(0x1 | (5 << 6), 0, CAP, ECAP, 39));
	CHECK("pe pgtt 7 reserved", !vtd_cq_sm_pe_valid(0x1 | (7 << 6), 0, CAP, ECAP, 39));

	/*
	 * Pass-through rewrite: P, FPD kept; AW, PGTT 010b and SLPTPTR set;
	 * SSADE (5) and SLEE (9) cleared.
	 */
	CHECK_EQ("pt rewrite", vtd_cq_sm_pe_pt_rewrite(0xdead000 | 0x3 | (2 << 2) |
						       (1 << 5) | (4 << 6) | (1 << 9),
						       0x55000, 1),
		 0x55000 | 0x3 | (1 << 2) | (2 << 6));
	CHECK_EQ("pt rewrite aw 2, no FPD",
		 vtd_cq_sm_pe_pt_rewrite(0x1 | (4 << 6), 0x66000, 2),
		 0x66000 | 0x1 | (2 << 2) | (2 << 6));
}

static void test_first_level(void)
{
	u64 t[512];
	unsigned int n;

	/* R/W bit 1 cleared; P (0), U/S (2), A (5), XD (63) kept. */
	CHECK_EQ("fl revoke write", vtd_cq_fl_revoke(0x8000000000123027ULL,
						     CRASH_DMA_QUIESCE_WRITE),
		 0x8000000000123025ULL);
	CHECK_EQ("fl revoke all: not present", vtd_cq_fl_revoke(0x123007,
							       CRASH_DMA_QUIESCE_ALL),
		 0x123004);
	CHECK_EQ("fl revoke read-only unchanged",
		 vtd_cq_fl_revoke(0x123005, CRASH_DMA_QUIESCE_WRITE), 0x123005);
	CHECK_EQ("fl revoke not present unchanged",
		 vtd_cq_fl_revoke(0x123002, CRASH_DMA_QUIESCE_ALL), 0x123002);
	CHECK("fl top entry valid", vtd_cq_fl_top_entry_valid(0x8000000000123067ULL, 39));
	CHECK("fl PS reserved at the top", !vtd_cq_fl_top_entry_valid(0x123087, 39));
	CHECK("fl address above haw", !vtd_cq_fl_top_entry_valid(0x8000123007ULL, 39));

	memset(t, 0, sizeof(t));
	t[0] = 0x123007;
	t[1] = 0x124005;
	t[2] = 0x125002;			/* not present: untouched */
	t[3] = 0x8000000000126003ULL;
	CHECK("fl table valid", vtd_cq_fl_top_valid(t, 39));
	n = vtd_cq_fl_top_revoke(t, CRASH_DMA_QUIESCE_WRITE, true);
	CHECK_EQ("fl table dry run count", n, 2);
	CHECK_EQ("fl table dry run untouched", t[0], 0x123007);
	n = vtd_cq_fl_top_revoke(t, CRASH_DMA_QUIESCE_WRITE, false);
	CHECK_EQ("fl table count", n, 2);
	CHECK_EQ("fl table [0]", t[0], 0x123005);
	CHECK_EQ("fl table [2] not present", t[2], 0x125002);
	CHECK_EQ("fl table [3]", t[3], 0x8000000000126001ULL);
	CHECK_EQ("fl table again", vtd_cq_fl_top_revoke(t, CRASH_DMA_QUIESCE_WRITE, false), 0);
	t[4] = 0x127087;
	CHECK("fl table with PS invalid", !vtd_cq_fl_top_valid(t, 39));
}

static void test_pairs(void)
{
	struct vtd_cq_sm sm;
	u64 slots[8];
	unsigned int i;

	unsigned int refused = 0;

	memset(&sm, 0, sizeof(sm));
	memset(slots, 0, sizeof(slots));
	sm.pairs = slots;
	sm.pairs_size = 8;
	CHECK("pair added", vtd_cq_sm_pair_add(&sm, 1, 0));
	CHECK("pair again: in the set", vtd_cq_sm_pair_add(&sm, 1, 0));
	vtd_cq_sm_pair_add(&sm, 0, 0);
	vtd_cq_sm_pair_add(&sm, 0xffff, 0xfffff);
	CHECK_EQ("pairs deduplicated", sm.nr_pairs, 3);
	CHECK("pair (1, 0)", pair_in(&sm, 1, 0));
	CHECK("pair (0, 0) distinct from empty", pair_in(&sm, 0, 0));
	CHECK("pair max", pair_in(&sm, 0xffff, 0xfffff));
	for (i = 0; i < 10; i++)
		refused += !vtd_cq_sm_pair_add(&sm, 2, i);
	CHECK_EQ("pairs capped at 3/4", sm.nr_pairs, 6);
	CHECK_EQ("pairs refused beyond", refused, 7);
	CHECK("pair present still in when full", vtd_cq_sm_pair_add(&sm, 1, 0));

	/* A cap below 3/4 (the early pass's share of the queue). */
	memset(&sm, 0, sizeof(sm));
	memset(slots, 0, sizeof(slots));
	sm.pairs = slots;
	sm.pairs_size = 8;
	sm.pairs_cap = 2;
	refused = 0;
	for (i = 0; i < 4; i++)
		refused += !vtd_cq_sm_pair_add(&sm, 3, i);
	CHECK_EQ("pairs cap 2", sm.nr_pairs, 2);
	CHECK_EQ("pairs cap 2: refused", refused, 2);
}

/* ---------------------------------------------------------------------
 * The walk over synthetic scalable-mode tables.
 *
 * page 0: root. bus 0: lo -> page 1, hi -> page 2; bus 1: lo -> page 3;
 *	bus 2: lo outside the arena; bus 3: lo with reserved bit 5.
 * pages 1-3: context tables (128 entries of 4 qwords).
 * pages 4-8, 14, 16, 17: PASID directories (PDTS 0: 128 entries);
 *	page 9: the PASID table of directory 8 entry 1.
 *	PASID tables are allocated at pages 23-31.
 * page 10: SL 4-level top (shared), 11: FL 4-level top, 12: SL 3-level
 *	top (nested), 13: FL 5-level top, 15: SL read-only, 18: SL garbage.
 * pages 20, 21: identity roots (AW 1, AW 2); 22: empty (mode all).
 */
#define SL(aw, ptr)	(1ULL | ((u64)(aw) << 2) | (2ULL << 6) | (ptr))
#define FL		(1ULL | (1ULL << 6))
#define NESTED(aw, ptr)	(1ULL | ((u64)(aw) << 2) | (3ULL << 6) | (ptr))
#define PT(aw)		(1ULL | ((u64)(aw) << 2) | (4ULL << 6))

static unsigned int next_table = 23;

/* PASID entry @pasid of directory page @dir: qwords 0, 1, 2. */
static void pe(unsigned int dir, u32 pasid, u64 q0, u64 q1, u64 q2)
{
	u64 *d = arena[dir], *t;
	unsigned int di = pasid >> 6;

	if (!(d[di] & 1))
		d[di] = PG(next_table++) | 1;
	t = arena[(d[di] - 1 - ARENA_BASE) / 4096];
	t[(pasid & 63) * 8] = q0;
	t[(pasid & 63) * 8 + 1] = q1;
	t[(pasid & 63) * 8 + 2] = q2;
}

/* Context entry of @devfn in context table page @pg (lower or upper half). */
static u64 *ctx(unsigned int pg, unsigned int devfn)
{
	return &arena[pg][(devfn & 127) * 4];
}

static void build_tables(void)
{
	u64 *root = arena[0];

	memset(arena, 0, sizeof(arena));
	next_table = 23;
	root[0] = PG(1) | 1;			/* bus 0 lower */
	root[1] = PG(2) | 1;			/* bus 0 upper */
	root[2] = PG(3) | 1;			/* bus 1 lower */
	root[4] = 0x7f000000ULL | 1;		/* bus 2: outside */
	root[6] = PG(3) | (1 << 5) | 1;		/* bus 3: reserved bit */
	root[9] = PG(3);			/* bus 4 upper not present */

	/* 00:01.0: SL 4-level, DID 5. */
	ctx(1, 0x08)[0] = PG(4) | 1;
	pe(4, 0, SL(2, PG(10)), 5, 0);
	/* 00:02.0: PT at RID_PASID (DID 1), FL PASID 7 with SRE, no WPE. */
	ctx(1, 0x10)[0] = PG(5) | 1 | (1 << 3);
	pe(5, 0, PT(1), 1, 0);
	pe(5, 7, FL, 1, PG(11) | 1);
	/* 00:03.0: DTE and PRE; SL on the shared table 10. */
	ctx(1, 0x18)[0] = PG(6) | 1 | (1 << 2) | (1 << 4);
	pe(6, 0, SL(2, PG(10)), 5, 0);
	/* 00:04.0: a DMA alias sharing 00:01.0's PASID directory. */
	ctx(1, 0x20)[0] = PG(4) | 1;
	/* 00:05.0: nested, SL 3-level table 12, FL pointer a GPA. */
	ctx(1, 0x28)[0] = PG(7) | 1;
	pe(7, 0, NESTED(1, PG(12)), 6, 0x12345000);
	/* 00:06.0: reserved bit 85 (qword 1 bit 21). */
	ctx(1, 0x30)[0] = PG(4) | 1;
	ctx(1, 0x30)[1] = 1ULL << 21;
	/* 00:07.0: PASID directory outside the arena. */
	ctx(1, 0x38)[0] = 0x7f000000ULL | 1;
	/* 00:08.0: PDE 0 reserved bit; PASID 67 PGTT 101b; PASID 68 FL 5-level. */
	ctx(1, 0x40)[0] = PG(8) | 1;
	arena[8][0] = PG(9) | 1 | (1 << 4);
	arena[8][1] = PG(9) | 1;
	arena[9][3 * 8] = 1 | (5 << 6);
	arena[9][4 * 8] = FL;
	arena[9][4 * 8 + 1] = 7;
	arena[9][4 * 8 + 2] = PG(13) | 4;	/* FLPM 01b */
	/* 00:09.0: SL on a read-only table. */
	ctx(1, 0x48)[0] = PG(14) | 1;
	pe(14, 0, SL(2, PG(15)), 8, 0);
	/* 00:10.0 (devfn 0x80, upper half): the shared table 10. */
	ctx(2, 0x80)[0] = PG(16) | 1;
	pe(16, 0, SL(2, PG(10)), 5, 0);
	/* 01:00.0: SL on a garbage table. */
	ctx(3, 0x00)[0] = PG(17) | 1;
	pe(17, 0, SL(1, PG(18)), 9, 0);

	arena[10][0] = 0x200003;
	arena[10][3] = 0x201002;
	arena[11][0] = 0x8000000000300067ULL;	/* P R/W U/S A XD */
	arena[11][1] = 0x301005;		/* read-only */
	arena[12][0] = 0x400003;
	arena[13][0] = 0x500003;
	arena[15][0] = 0x600001;
	arena[18][0] = (1ULL << 45) | 0x700003;	/* above HAW 39 */
	vtd_cq_identity_fill_1g(arena[20], 4ULL << 30);
	arena[21][0] = vtd_cq_sl_ro_table(PG(20));
}

static void check_counts(const char *tag, unsigned int scanned, unsigned int changed,
			 unsigned int rejected, unsigned int tables)
{
	char name[128];

	snprintf(name, sizeof(name), "%s: entries scanned", tag);
	CHECK_EQ(name, rec.entries_scanned, scanned);
	snprintf(name, sizeof(name), "%s: devices changed", tag);
	CHECK_EQ(name, rec.entries_changed, changed);
	snprintf(name, sizeof(name), "%s: rejected", tag);
	CHECK_EQ(name, rec.entries_rejected, rejected);
	snprintf(name, sizeof(name), "%s: tables changed", tag);
	CHECK_EQ(name, rec.tables_changed, tables);
}

/* The PASID entry qword @q of (@dir page, @pasid). */
static u64 peq(unsigned int dir, u32 pasid, unsigned int q)
{
	u64 pde = arena[dir][pasid >> 6];

	return arena[(pde - 1 - ARENA_BASE) / 4096][(pasid & 63) * 8 + q];
}

static void test_walk_write(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;
	u64 garbage;

	build_tables();
	garbage = arena[18][0];
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);

	/*
	 * 11 present context entries; rejected: 00:06.0, 00:07.0, 00:08.0's
	 * PDE 0 and PASID 67, 01:00.0's PASID 0, the roots of buses 2 and 3.
	 */
	check_counts("sm walk write", 11, 7, 7, 2);
	/* 00:02.0 (PASID 7) and 00:08.0 (PASID 68): first-level, blocked. */
	CHECK_EQ("sm walk write: devices blocked", rec.entries_blocked, 2);
	CHECK_EQ("sm walk write: state partial", rec.state, CRASH_DMA_QUIESCE_PARTIAL);
	CHECK("sm walk write: scalable flag", rec.flags & CRASH_DMA_QUIESCE_F_SCALABLE);
	CHECK("sm walk write: identity flag", rec.flags & CRASH_DMA_QUIESCE_F_IDENTITY);
	CHECK_EQ("sm walk write: root", rec.root_phys, PG(0));
	CHECK("sm walk write: 00:01.0", sid_set(0x08));
	CHECK("sm walk write: 00:02.0 (pt + fl)", sid_set(0x10));
	CHECK("sm walk write: 00:03.0 (ats)", sid_set(0x18));
	CHECK("sm walk write: 00:04.0 (alias, shared directory)", sid_set(0x20));
	CHECK("sm walk write: 00:05.0 (nested)", sid_set(0x28));
	CHECK("sm walk write: 00:08.0 (fl 5-level)", sid_set(0x40));
	CHECK("sm walk write: 00:10.0 (upper half)", sid_set(0x80));
	CHECK("sm walk write: 00:09.0 read-only not changed", !sid_set(0x48));
	CHECK("sm walk write: 01:00.0 garbage not changed", !sid_set(0x100));
	CHECK_EQ("sm walk write: domains", rec.domains_invalidated, 4);
	CHECK("sm walk write: domains 1 5 6 7",
	      dids[0] == ((1ULL << 1) | (1ULL << 5) | (1ULL << 6) | (1ULL << 7)));
	CHECK_EQ("sm walk write: pasid entries", sm.nr_pasid, 11);
	CHECK_EQ("sm walk write: pasid entries changed", sm.nr_pasid_changed, 8);
	CHECK_EQ("sm walk write: pasid entries written (pt, fl, fl5)",
		 sm.nr_pasid_written, 3);
	CHECK_EQ("sm walk write: context entries written", sm.nr_ctx_written, 1);
	CHECK_EQ("sm walk write: piotlb pairs", sm.nr_pairs, 3);
	CHECK("sm walk write: pair pt (1, 0)", pair_in(&sm, 1, 0));
	CHECK("sm walk write: pair fl (1, 7)", pair_in(&sm, 1, 7));
	CHECK("sm walk write: pair fl5 (7, 68)", pair_in(&sm, 7, 68));
	/* Nested and second-level: the IOTLB invalidation drops them. */
	CHECK("sm walk write: no nested pair", !pair_in(&sm, 6, 0));
	CHECK("sm walk write: no sl pair", !pair_in(&sm, 5, 0));
	CHECK_EQ("sm walk write: ats", w.nr_ats, 1);
	CHECK_EQ("sm walk write: ats 00:03.0", ats[0], 1ULL << 0x18);
	CHECK_EQ("sm walk write: identity", w.nr_identity, 1);

	/*
	 * Tables: SL W (bit 1) cleared. First-level tables are never written
	 * (they may be CPU page tables): their PASID entries lose P instead.
	 */
	CHECK_EQ("sm walk write: sl table", arena[10][0], 0x200001);
	CHECK_EQ("sm walk write: sl table W-only", arena[10][3], 0x201000);
	CHECK_EQ("sm walk write: fl table untouched", arena[11][0], 0x8000000000300067ULL);
	CHECK_EQ("sm walk write: fl table read-only", arena[11][1], 0x301005);
	CHECK_EQ("sm walk write: nested sl table", arena[12][0], 0x400001);
	CHECK_EQ("sm walk write: fl5 table untouched", arena[13][0], 0x500003);
	CHECK_EQ("sm walk write: read-only table", arena[15][0], 0x600001);
	CHECK_EQ("sm walk write: garbage untouched", arena[18][0], garbage);
	/* PT -> SL through identity AW 1: P | AW 001b | PGTT 010b | page 20. */
	CHECK_EQ("sm walk write: pt rewritten", peq(5, 0, 0),
		 PG(20) | 1 | (1 << 2) | (2 << 6));
	CHECK_EQ("sm walk write: pt did kept", peq(5, 0, 1), 1);
	/* FL: P (bit 0) cleared, PGTT kept; qword 2 (SRE, pointer) kept. */
	CHECK_EQ("sm walk write: fl blocked", peq(5, 7, 0), FL & ~1ULL);
	CHECK_EQ("sm walk write: fl qword 2 kept", peq(5, 7, 2), PG(11) | 1);
	CHECK_EQ("sm walk write: fl5 blocked", peq(8, 68, 0), FL & ~1ULL);
	/* Context: DTE (2) and PRE (4) cleared, P, PASIDE kept. */
	CHECK_EQ("sm walk write: ctx dte cleared", ctx(1, 0x18)[0], PG(6) | 1);
	CHECK_EQ("sm walk write: other ctx unchanged", ctx(1, 0x10)[0], PG(5) | 1 | (1 << 3));
	CHECK_EQ("sm walk write: nested pe unchanged", peq(7, 0, 2), 0x12345000);
	CHECK_EQ("sm walk write: coherent, no flush", f.flushes, 0);

	/*
	 * Again (the pass after the stop after an early pass): memory
	 * idempotent; rewritten and blocked entries still count, and their
	 * PASID-based IOTLB invalidations are queued again.
	 */
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK("sm walk again: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));
	CHECK("sm walk again: pt device still counted", sid_set(0x10));
	CHECK("sm walk again: fl5 device still counted", sid_set(0x40));
	CHECK_EQ("sm walk again: devices blocked", rec.entries_blocked, 2);
	CHECK_EQ("sm walk again: nothing written", sm.nr_pasid_written + sm.nr_ctx_written, 0);
	CHECK_EQ("sm walk again: no table written", rec.tables_changed, 0);
	CHECK("sm walk again: pairs queued again",
	      sm.nr_pairs == 3 && pair_in(&sm, 1, 0) && pair_in(&sm, 1, 7) &&
	      pair_in(&sm, 7, 68));
}

/*
 * The early pass's limit (@sm->pairs_cap with @sm->defer): entries whose
 * PASID-based IOTLB invalidation does not fit are left unchanged for the
 * pass after the stop; without defer they change and the pair is lost.
 */
static void test_walk_pairs_cap(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;

	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	sm.pairs_cap = 1;
	sm.defer = true;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm cap defer: one pair", sm.nr_pairs, 1);
	CHECK_EQ("sm cap defer: deferred", sm.nr_deferred, 2);
	CHECK_EQ("sm cap defer: none lost", sm.pairs_lost, 0);
	CHECK_EQ("sm cap defer: state partial", rec.state, CRASH_DMA_QUIESCE_PARTIAL);
	/* The first in walk order, 00:02.0 PASID 0 (pass-through), changed. */
	CHECK_EQ("sm cap defer: pt rewritten", peq(5, 0, 0),
		 PG(20) | 1 | (1 << 2) | (2 << 6));
	CHECK_EQ("sm cap defer: fl left present", peq(5, 7, 0), FL);
	CHECK_EQ("sm cap defer: fl5 left present", peq(8, 68, 0), FL);
	/* The pass after the stop: no cap, the deferred entries change. */
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm after cap: fl blocked", peq(5, 7, 0), FL & ~1ULL);
	CHECK_EQ("sm after cap: fl5 blocked", peq(8, 68, 0), FL & ~1ULL);
	CHECK_EQ("sm after cap: all pairs", sm.nr_pairs, 3);

	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	sm.pairs_cap = 1;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm cap no defer: fl blocked", peq(5, 7, 0), FL & ~1ULL);
	CHECK_EQ("sm cap no defer: lost", sm.pairs_lost, 2);
	CHECK_EQ("sm cap no defer: none deferred", sm.nr_deferred, 0);
}

/*
 * Another CPU rewrites @race_target to @race_value just before the crash
 * path's first exchange of it (the early pass runs with the driver still
 * running; intel_pasid_tear_down_entry(), domain_context_clear_one()).
 */
static u64 *race_target;
static u64 race_value;

static void race_hook(u64 *p)
{
	if (p != race_target)
		return;
	*p = race_value;
	race_target = NULL;
}

/* The same before a plain store (WRITE_ONCE()): the code must not use one. */
static void race_store_hook(void *p)
{
	race_hook(p);
}

static void race_on(void)
{
	test_cmpxchg_hook = race_hook;
	test_store_hook = race_store_hook;
}

static void race_off(void)
{
	test_cmpxchg_hook = NULL;
	test_store_hook = NULL;
}

static void test_walk_concurrent(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;
	u64 *pe0;

	/*
	 * The pass-through PASID entry of 00:02.0 is torn down (cleared)
	 * meanwhile: a plain store of the rewrite would bring it back
	 * present, translating through the identity table.
	 */
	build_tables();
	pe0 = &arena[(arena[5][0] - 1 - ARENA_BASE) / 4096][0];
	race_target = pe0;
	race_value = 0;
	race_on();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	race_off();
	CHECK("sm concurrent pe: hook ran", !race_target);
	CHECK_EQ("sm concurrent pe: teardown kept", *pe0, 0);
	CHECK_EQ("sm concurrent pe: no identity", w.nr_identity, 0);

	/* 00:03.0's context entry is cleared meanwhile: stays cleared. */
	build_tables();
	race_target = &ctx(1, 0x18)[0];
	race_value = 0;
	race_on();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	race_off();
	CHECK("sm concurrent ctx: hook ran", !race_target);
	CHECK_EQ("sm concurrent ctx: clear kept", ctx(1, 0x18)[0], 0);
	CHECK_EQ("sm concurrent ctx: nothing written", sm.nr_ctx_written, 0);

	/* A first-level entry gains a new pointer meanwhile: blocked on retry. */
	build_tables();
	pe0 = &arena[(arena[5][0] - 1 - ARENA_BASE) / 4096][7 * 8];
	race_target = pe0;
	race_value = FL | 2;	/* still present, FPD (bit 1) set */
	race_on();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	race_off();
	CHECK_EQ("sm concurrent fl: new value blocked", *pe0, (FL | 2) & ~1ULL);
}

static void test_walk_dry_run(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;

	build_tables();
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, true);
	w.ecap &= ~1ULL;	/* not coherent: would flush */
	run_walk(&w, &sm, &f);
	check_counts("sm dry run", 11, 7, 7, 2);
	CHECK("sm dry run: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));
	CHECK_EQ("sm dry run: no flush", f.flushes, 0);
	CHECK_EQ("sm dry run: would write", sm.nr_pasid_written + sm.nr_ctx_written, 4);
	CHECK("sm dry run: dirty", vtd_cq_sm_dirty(&rec, &sm));

	/* Not coherent, real pass: every written table and entry flushed. */
	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.ecap &= ~1ULL;
	f.flushes = 0;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm walk not coherent: flushes (2 tables, 3 pe, 1 ctx)", f.flushes, 6);
}

static void test_walk_all(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;

	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_ALL, false);
	run_walk(&w, &sm, &f);
	check_counts("sm walk all", 11, 8, 7, 3);
	CHECK("sm walk all: read-only device changed too", sid_set(0x48));
	CHECK_EQ("sm walk all: sl R and W cleared", arena[10][0], 0x200000);
	CHECK_EQ("sm walk all: fl table untouched", arena[11][0], 0x8000000000300067ULL);
	CHECK_EQ("sm walk all: fl blocked", peq(5, 7, 0), FL & ~1ULL);
	CHECK_EQ("sm walk all: blocked not counted (mode all)", rec.entries_blocked, 0);
	CHECK_EQ("sm walk all: pt to the empty table", peq(5, 0, 0),
		 PG(22) | 1 | (1 << 2) | (2 << 6));
}

/* Without second-level support, a pass-through entry is made not present. */
static void test_walk_no_slts(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;

	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.ecap &= ~(1ULL << 46);
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm no slts: pt blocked (P cleared)", peq(5, 0, 0), PT(1) & ~1ULL);
	CHECK("sm no slts: pt device changed", sid_set(0x10));
	CHECK_EQ("sm no slts: no identity", w.nr_identity, 0);
	CHECK("sm no slts: sl entries rejected", !sid_set(0x08));
	CHECK("sm no slts: pair (1, 0)", pair_in(&sm, 1, 0));
	/* Again (the pass after the stop): the blocked entry's pair again. */
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.ecap &= ~(1ULL << 46);
	run_walk(&w, &sm, &f);
	CHECK("sm no slts again: pair (1, 0) queued again", pair_in(&sm, 1, 0));
	CHECK("sm no slts again: still counted", sid_set(0x10));
	CHECK_EQ("sm no slts again: nothing written", sm.nr_pasid_written, 0);

	/* No identity root for any AW (allocation failed): blocked too. */
	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.pt_root[1] = w.pt_root[2] = 0;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm no identity: pt blocked", peq(5, 0, 0), PT(1) & ~1ULL);
	/* Entry AW 1 has no root, AW 2 does: the AW changes with the pointer. */
	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.pt_root[1] = 0;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm pt aw fallback", peq(5, 0, 0), PG(21) | 1 | (2 << 2) | (2 << 6));
}

static void test_walk_edges(void)
{
	struct fake f = { .expire_after = 0 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;

	/* Deadline at the first check: nothing scanned, nothing written. */
	build_tables();
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm deadline: timeout", rec.state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK_EQ("sm deadline: nothing scanned", rec.entries_scanned, 0);
	CHECK("sm deadline: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));

	/*
	 * Deadline inside the directory walk of the second device. The walk
	 * asks before every present root entry half, then once 64 units of
	 * work are done (an entry is one unit, reading a 4 KiB table 16):
	 * after the root half's check, 00:01.0 (directory page, PASID table,
	 * table 10) and 00:02.0's context entry and directory page make 70,
	 * and the check before its PASID directory entry 0 stops the walk:
	 * its pass-through PASID entry is not rewritten.
	 */
	build_tables();
	f.expire_after = 1;
	f.expired_calls = 0;
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm deadline 1: timeout", rec.state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK_EQ("sm deadline 1: two devices", rec.entries_scanned, 2);
	CHECK_EQ("sm deadline 1: 00:01.0 revoked", arena[10][0], 0x200001);
	CHECK_EQ("sm deadline 1: 00:02.0 pass-through untouched", peq(5, 0, 0), PT(1));
	CHECK_EQ("sm deadline 1: checks stop", f.expired_calls, 2);

	/* Root pointer checks. */
	f.expire_after = -1;
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.root_phys = PG(0) | 0x800;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm root unaligned: bad root", rec.state, CRASH_DMA_QUIESCE_BAD_ROOT);
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.root_phys = 0x7f000000ULL;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm root outside: bad root", rec.state, CRASH_DMA_QUIESCE_BAD_ROOT);
	CHECK_EQ("sm root outside: nothing scanned", rec.entries_scanned, 0);

	/*
	 * PDTS bounds the directory: an entry at index 200 (PASID 12800) is
	 * beyond PDTS 0 (128 entries), inside PDTS 1 (256).
	 */
	build_tables();
	pe(14, 12800, SL(2, PG(10)), 8, 0);
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK("sm pdts 0: index 200 not walked", !sid_set(0x48));
	build_tables();
	pe(14, 12800, SL(2, PG(10)), 8, 0);
	ctx(1, 0x48)[0] |= 1 << 9;
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK("sm pdts 1: index 200 walked", sid_set(0x48));
	CHECK_EQ("sm pdts 1: pasid entries", sm.nr_pasid, 12);
	/* PDTS 3: two directory pages, the second outside the arena. */
	build_tables();
	ctx(1, 0x48)[0] = PG(31) | 1 | (3 << 9);
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm pdts 3: second directory page refused", rec.entries_rejected, 8);
	CHECK_EQ("sm pdts 3: state partial", rec.state, CRASH_DMA_QUIESCE_PARTIAL);

	/* No memo: shared tables still end revoked, counted per entry. */
	build_tables();
	walk_init(&w, &sm, CRASH_DMA_QUIESCE_WRITE, false);
	w.memo_size = 0;
	run_walk(&w, &sm, &f);
	CHECK_EQ("sm no memo: devices changed", rec.entries_changed, 7);
}

int main(void)
{
	RUN_CASE("unit/vtd-sm/descriptors", test_descriptors());
	RUN_CASE("unit/vtd-sm/fields", test_fields());
	RUN_CASE("unit/vtd-sm/pasid_entry", test_pasid_entry());
	RUN_CASE("unit/vtd-sm/first_level", test_first_level());
	RUN_CASE("unit/vtd-sm/pairs", test_pairs());
	RUN_CASE("unit/vtd-sm/walk_write", test_walk_write());
	RUN_CASE("unit/vtd-sm/walk_pairs_cap", test_walk_pairs_cap());
	RUN_CASE("unit/vtd-sm/walk_concurrent", test_walk_concurrent());
	RUN_CASE("unit/vtd-sm/walk_dry_run", test_walk_dry_run());
	RUN_CASE("unit/vtd-sm/walk_all", test_walk_all());
	RUN_CASE("unit/vtd-sm/walk_no_slts", test_walk_no_slts());
	RUN_CASE("unit/vtd-sm/walk_edges", test_walk_edges());
	return 0;
}
