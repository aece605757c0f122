// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the Intel VT-d crash-path quiesce, compiled from the
 * kernel's own drivers/iommu/intel/crash_quiesce_hw.h.
 *
 * Expected values are written from the bit positions of the Intel VT-d
 * Architecture Specification (literal numbers, never the header's macros):
 * root entry section 9.1, context entry 9.3, second-level paging entries
 * 9.8, invalidation descriptors 6.5.2, registers 10.4.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
/* By path: the AMD part has a header of the same name. */
#include "../../drivers/iommu/intel/crash_quiesce_hw.h"

/* ---------------------------------------------------------------------
 * Synthetic physical memory: NPAGES 4 KiB pages at ARENA_BASE.
 */
#define NPAGES		32
#define ARENA_BASE	0x100000ULL
#define PG(i)		(ARENA_BASE + (u64)(i) * 4096)

static u64 arena[NPAGES][512] __attribute__((aligned(4096)));
static u64 snapshot[NPAGES][512];

struct fake {
	unsigned int maps;		/* map() calls */
	unsigned int flushes;		/* flush() calls */
	long expire_after;		/* expired() true after this many calls; <0 never */
	long expired_calls;
	u64 refuse;			/* a page map() refuses (0: none) */
};

static void *fake_map(void *priv, u64 phys, u64 size)
{
	struct fake *f = priv;

	f->maps++;
	if (phys & 0xfff || phys < ARENA_BASE ||
	    phys + size > ARENA_BASE + NPAGES * 4096ULL)
		return NULL;
	if (f->refuse && phys == f->refuse)
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
static u64 changed[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 ats[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 dids[65536 / 64];
static u64 memo[64];
/* A small context-entry cache: domain ids collide modulo 8. */
static u64 ctx_cache[8][2];

/* CAP: SAGAW 39-bit and 48-bit (bits 9, 10), SLLPS 2 MiB + 1 GiB (34, 35). */
#define TEST_CAP	((1ULL << 9) | (1ULL << 10) | (1ULL << 34) | (1ULL << 35))
/* ECAP: C (bit 0, coherent), QI (bit 1), DT (bit 2), PT (bit 6). */
#define TEST_ECAP	(1ULL | (1ULL << 1) | (1ULL << 2) | (1ULL << 6))

static void walk_init(struct vtd_cq_walk *w, int mode, bool dry_run)
{
	memset(w, 0, sizeof(*w));
	memset(&rec, 0, sizeof(rec));
	memset(changed, 0, sizeof(changed));
	memset(ats, 0, sizeof(ats));
	memset(dids, 0, sizeof(dids));
	memset(memo, 0, sizeof(memo));	/* a new pass */
	w->root_phys = PG(0);
	w->cap = TEST_CAP;
	w->ecap = TEST_ECAP;
	w->haw = 39;
	w->mode = mode;
	w->dry_run = dry_run;
	w->changed = changed;
	w->ats = ats;
	w->dids = dids;
	w->memo = memo;
	w->memo_size = 64;
	w->ctx_cache = ctx_cache;
	w->ctx_cache_mask = sizeof(ctx_cache) / sizeof(ctx_cache[0]) - 1;
}

static void run_walk(struct vtd_cq_walk *w, struct fake *f)
{
	struct vtd_cq_walk_ops ops = {
		.map = fake_map, .expired = fake_expired, .flush = fake_flush,
		.priv = f,
	};

	vtd_cq_walk(w, &ops, &rec);
}

static bool sid_set(unsigned int sid)
{
	return changed[sid / 64] >> (sid % 64) & 1;
}

static unsigned int popcount_map(const u64 *map, unsigned int words)
{
	unsigned int i, n = 0;

	for (i = 0; i < words; i++)
		n += __builtin_popcountll(map[i]);
	return n;
}

/* ---------------------------------------------------------------------
 * Descriptors, VT-d section 6.5.2.
 */
static void test_descriptors(void)
{
	struct vtd_cq_desc d;

	/* 6.5.2.1: type 1 in bits 3:0, granularity 01 (global) in bits 5:4. */
	d = vtd_cq_desc_cc_global();
	CHECK_EQ("desc cc global lo", d.lo, 0x11);
	CHECK_EQ("desc cc global hi", d.hi, 0);

	/* 6.5.2.3: type 2, G 01 at 5:4, DW bit 6, DR bit 7. */
	d = vtd_cq_desc_iotlb_global();
	CHECK_EQ("desc iotlb global lo", d.lo, 0x2 | 0x10 | 0x40 | 0x80);
	CHECK_EQ("desc iotlb global hi", d.hi, 0);

	/* 6.5.2.3: G 10 (domain-selective), DID 31:16. */
	d = vtd_cq_desc_iotlb_domain(0xfffe);
	CHECK_EQ("desc iotlb domain lo", d.lo, 0xfffe0000ULL | 0x2 | 0x20 | 0x40 | 0x80);
	CHECK_EQ("desc iotlb domain hi", d.hi, 0);

	/*
	 * 6.5.2.8: type 5, IF bit 4 (must stay clear), SW bit 5, status data
	 * 63:32; hi: status address 63:2.
	 */
	CHECK("desc wait encodes", vtd_cq_desc_wait(&d, 0x12345678ULL, 0xabcd0001));
	CHECK_EQ("desc wait lo", d.lo, 0xabcd000100000025ULL);
	CHECK_EQ("desc wait hi", d.hi, 0x12345678ULL);
	CHECK_EQ("desc wait IF clear", d.lo >> 4 & 1, 0);
	CHECK_EQ("desc wait SW set", d.lo >> 5 & 1, 1);
	d.lo = d.hi = 0x5a5a;
	CHECK("desc wait rejects unaligned",
	      !vtd_cq_desc_wait(&d, 0x12345676ULL, 1));
	CHECK_EQ("desc wait unaligned untouched", d.lo, 0x5a5a);
}

/* ---------------------------------------------------------------------
 * Registers, VT-d section 10.4.
 */
static void test_registers(void)
{
	struct vtd_cq_iq q;
	u32 gsts;

	/* ECAP.IRO bits 17:8, in 16-byte units; IOTLB_REG at IRO * 16 + 8. */
	CHECK_EQ("iotlb reg iro 0x10", vtd_cq_iotlb_reg_offset(0x10ULL << 8), 0x108);
	CHECK_EQ("iotlb reg iro 0xf (qemu)", vtd_cq_iotlb_reg_offset(0xf00), 0xf8);
	CHECK_EQ("iotlb reg iro max", vtd_cq_iotlb_reg_offset(0x3ffULL << 8 | 0xff),
		 0x3ff * 16 + 8);

	/*
	 * GSTS: TES 31, RTPS 30, WBFS 27, QIES 26, IRES 25, IRTPS 24, CFIS
	 * 23. Turning TE off keeps QIE and IRE (and CFI), drops the one-shot
	 * status bits and TE.
	 */
	gsts = (1U << 31) | (1U << 30) | (1U << 27) | (1U << 26) | (1U << 25) |
	       (1U << 24) | (1U << 23);
	CHECK_EQ("gcmd te off", vtd_cq_gcmd_te_off(gsts),
		 (1U << 26) | (1U << 25) | (1U << 23));
	CHECK_EQ("gcmd wbf keeps te", vtd_cq_gcmd((1U << 31) | (1U << 30) | (1U << 26),
						  1U << 27),
		 (1U << 31) | (1U << 27) | (1U << 26));
	CHECK_EQ("gsts tes bit", VTD_CQ_GSTS_TES, 1U << 31);
	CHECK_EQ("gsts qies bit", VTD_CQ_GSTS_QIES, 1U << 26);
	CHECK_EQ("fsts iqe bit", VTD_CQ_FSTS_IQE, 1U << 4);
	CHECK_EQ("rtaddr smt bit", VTD_CQ_RTADDR_SMT, 1ULL << 10);
	CHECK_EQ("ccmd global", VTD_CQ_CCMD_ICC | VTD_CQ_CCMD_CIRG_GLOBAL,
		 (1ULL << 63) | (1ULL << 61));
	CHECK_EQ("iotlb global", VTD_CQ_IOTLB_IVT | VTD_CQ_IOTLB_IIRG_GLOBAL |
		 VTD_CQ_IOTLB_DR | VTD_CQ_IOTLB_DW,
		 (1ULL << 63) | (1ULL << 60) | (1ULL << 49) | (1ULL << 48));
	CHECK_EQ("reg cap offset", VTD_CQ_REG_CAP, 0x08);
	CHECK_EQ("reg ecap offset", VTD_CQ_REG_ECAP, 0x10);
	CHECK_EQ("reg gcmd offset", VTD_CQ_REG_GCMD, 0x18);
	CHECK_EQ("reg gsts offset", VTD_CQ_REG_GSTS, 0x1c);
	CHECK_EQ("reg rtaddr offset", VTD_CQ_REG_RTADDR, 0x20);
	CHECK_EQ("reg ccmd offset", VTD_CQ_REG_CCMD, 0x28);
	CHECK_EQ("reg fsts offset", VTD_CQ_REG_FSTS, 0x34);
	CHECK_EQ("reg iqh offset", VTD_CQ_REG_IQH, 0x80);
	CHECK_EQ("reg iqt offset", VTD_CQ_REG_IQT, 0x88);
	CHECK_EQ("reg iqa offset", VTD_CQ_REG_IQA, 0x90);
	/* CAP: SAGAW 12:8, SLLPS 37:34; ECAP: QI 1, DT 2. */
	CHECK_EQ("cap sagaw mask", VTD_CQ_CAP_SAGAW_MASK, 0x1fULL << 8);
	CHECK_EQ("cap sllps mask", VTD_CQ_CAP_SLLPS_MASK, 0xfULL << 34);
	CHECK_EQ("ecap qi dt", VTD_CQ_ECAP_QI | VTD_CQ_ECAP_DT, 0x6);
	CHECK_EQ("ecap iro mask", VTD_CQ_ECAP_IRO_MASK, 0x3ffULL << 8);

	/* IQA: address 63:12, DW bit 11, QS 2:0 (2^QS pages). */
	q = vtd_cq_iq_decode(0x12345000ULL | (1ULL << 11) | 1);
	CHECK_EQ("iqa base", q.base, 0x12345000ULL);
	CHECK_EQ("iqa size qs=1", q.size, 8192);
	CHECK_EQ("iqa dw=1 slot", q.slot, 32);
	q = vtd_cq_iq_decode(0xabc000ULL);
	CHECK_EQ("iqa size qs=0", q.size, 4096);
	CHECK_EQ("iqa dw=0 slot", q.slot, 16);

	/* IQH / IQT: offset in bits 18:4. */
	CHECK("iq offset ok", vtd_cq_iq_offset_ok(&q, 0xff0));
	CHECK("iq offset masks low bits", vtd_cq_iq_offset_ok(&q, 0xff0 | 0xf));
	CHECK("iq offset beyond queue", !vtd_cq_iq_offset_ok(&q, 0x1000));
	CHECK_EQ("iq free empty", vtd_cq_iq_free(&q, 0, 0), 255);
	CHECK_EQ("iq free full", vtd_cq_iq_free(&q, 0x10, 0), 0);
	CHECK_EQ("iq free full wrap", vtd_cq_iq_free(&q, 0, 0xff0), 0);
	CHECK_EQ("iq free some", vtd_cq_iq_free(&q, 0x100, 0x80), 7);
	q = vtd_cq_iq_decode(0xabc000ULL | (1ULL << 11));
	CHECK("iq 256-bit offset misaligned", !vtd_cq_iq_offset_ok(&q, 0x10));
	CHECK_EQ("iq 256-bit free empty", vtd_cq_iq_free(&q, 0x20, 0x20), 127);
}

/* ---------------------------------------------------------------------
 * Context entries, VT-d section 9.3.
 */
static void test_context(void)
{
	/* hi: AW 2:0, DID 23:8. */
	u64 hi = 2 | (0x1234ULL << 8);
	u64 lo = 1 | (1ULL << 2) | 0x7000;	/* P, TT=01, SLPTPTR 0x7000 */
	u64 cap = 1ULL << 10;			/* SAGAW: 48-bit only */
	u64 ecap = (1ULL << 2) | (1ULL << 6);	/* DT, PT */

	CHECK_EQ("ctx tt", vtd_cq_ctx_tt(lo), 1);
	CHECK_EQ("ctx tt pass-through", vtd_cq_ctx_tt(1 | (2ULL << 2)), 2);
	CHECK_EQ("ctx aw", vtd_cq_ctx_aw(hi), 2);
	CHECK_EQ("ctx did", vtd_cq_ctx_did(hi), 0x1234);
	CHECK("ctx valid", vtd_cq_ctx_valid(lo, hi, cap, ecap, 39));
	CHECK("ctx avail bits 6:3 ignored", vtd_cq_ctx_valid(lo, hi | 0x78, cap, ecap, 39));
	CHECK("ctx lo bit 4 reserved", !vtd_cq_ctx_valid(lo | (1ULL << 4), hi, cap, ecap, 39));
	CHECK("ctx lo bit 11 reserved", !vtd_cq_ctx_valid(lo | (1ULL << 11), hi, cap, ecap, 39));
	CHECK("ctx hi bit 7 reserved", !vtd_cq_ctx_valid(lo, hi | (1ULL << 7), cap, ecap, 39));
	CHECK("ctx hi bit 24 reserved", !vtd_cq_ctx_valid(lo, hi | (1ULL << 24), cap, ecap, 39));
	CHECK("ctx hi bit 63 reserved", !vtd_cq_ctx_valid(lo, hi | (1ULL << 63), cap, ecap, 39));
	CHECK("ctx tt 01 needs ECAP.DT (bit 2)",
	      !vtd_cq_ctx_valid(lo, hi, cap, 1ULL << 6, 39));
	CHECK("ctx tt 10 needs ECAP.PT (bit 6)",
	      !vtd_cq_ctx_valid(1 | (2ULL << 2), hi, cap, 1ULL << 2, 39));
	CHECK("ctx tt 00 needs neither",
	      vtd_cq_ctx_valid(1 | 0x7000, hi, cap, 0, 39));
	CHECK("ctx tt 11 reserved", !vtd_cq_ctx_valid(lo | (3ULL << 2), hi, cap, ecap, 39));
	CHECK("ctx aw 0 refused", !vtd_cq_ctx_valid(lo, hi & ~7ULL, cap, ecap, 39));
	CHECK("ctx aw 4 refused", !vtd_cq_ctx_valid(lo, (hi & ~7ULL) | 4, cap, ecap, 39));
	CHECK("ctx aw not in sagaw", !vtd_cq_ctx_valid(lo, (hi & ~7ULL) | 1, cap, ecap, 39));
	CHECK("ctx slptptr above haw",
	      !vtd_cq_ctx_valid(lo | (1ULL << 39), hi, cap, ecap, 39));
	CHECK("ctx pass-through ignores slptptr",
	      vtd_cq_ctx_valid(1 | (2ULL << 2) | (1ULL << 45), hi, cap, ecap, 39));

	/*
	 * Pass-through rewrite: TT 10 -> 00, SLPTPTR = root, P and FPD kept.
	 */
	CHECK_EQ("ctx pt rewrite", vtd_cq_ctx_pt_rewrite(1 | (2ULL << 2), 0xabc000),
		 0xabc001);
	CHECK_EQ("ctx pt rewrite keeps fpd",
		 vtd_cq_ctx_pt_rewrite(1 | 2 | (2ULL << 2), 0xabc000), 0xabc003);
}

/* ---------------------------------------------------------------------
 * Second-level entries, VT-d section 9.8.
 */
/* A table check ignores junk in not-present entries, not in present ones. */
static bool table_check_not_present(void)
{
	u64 cap = 1ULL << 35, *t = calloc(512, 8);
	bool ok;

	t[3] = 0xffffffffffffff00ULL;	/* R = W = 0 */
	ok = vtd_cq_sl_top_valid(t, 4, cap, 0, 39);
	t[4] = 0x8000123003ULL;		/* present, bit 39 above HAW 39 */
	ok = ok && !vtd_cq_sl_top_valid(t, 4, cap, 0, 39);
	free(t);
	return ok;
}

static void test_second_level(void)
{
	u64 cap = 1ULL << 35, ecap = 0;

	/* R bit 0, W bit 1. */
	CHECK_EQ("sl revoke write", vtd_cq_sl_revoke(0x123003, CRASH_DMA_QUIESCE_WRITE),
		 0x123001);
	CHECK_EQ("sl revoke all", vtd_cq_sl_revoke(0x123003, CRASH_DMA_QUIESCE_ALL),
		 0x123000);
	CHECK_EQ("sl revoke write-only entry",
		 vtd_cq_sl_revoke(0x123002, CRASH_DMA_QUIESCE_WRITE), 0x123000);
	CHECK_EQ("sl revoke read-only unchanged",
		 vtd_cq_sl_revoke(0x123001, CRASH_DMA_QUIESCE_WRITE), 0x123001);
	CHECK_EQ("sl revoke keeps PS (bit 7) and ignored bits",
		 vtd_cq_sl_revoke(0x0ff0000040000083ULL, CRASH_DMA_QUIESCE_WRITE),
		 0x0ff0000040000081ULL);
	CHECK_EQ("sl revoke not present unchanged",
		 vtd_cq_sl_revoke(0xfff0000000123004ULL, CRASH_DMA_QUIESCE_ALL),
		 0xfff0000000123004ULL);

	CHECK("sl non-leaf valid", vtd_cq_sl_top_entry_valid(0x123003, 4, cap, ecap, 39));
	CHECK("sl ignored 61:52 63", vtd_cq_sl_top_entry_valid(0xbff0000000123003ULL, 4,
							       cap, ecap, 39));
	CHECK("sl PS reserved in PML4E",
	      !vtd_cq_sl_top_entry_valid(0x123083, 4, cap, ecap, 39));
	CHECK("sl PS reserved in PML5E",
	      !vtd_cq_sl_top_entry_valid(0x123083, 5, cap, ecap, 39));
	CHECK("sl 1G leaf in PDPE", vtd_cq_sl_top_entry_valid(0x40000083, 3, cap, ecap, 39));
	CHECK("sl 1G leaf needs SLLPS 1G",
	      !vtd_cq_sl_top_entry_valid(0x40000083, 3, 1ULL << 34, ecap, 39));
	CHECK("sl 1G leaf bits 29:12 reserved",
	      !vtd_cq_sl_top_entry_valid(0x40001083, 3, cap, ecap, 39));
	CHECK("sl 1G leaf SNP needs SC",
	      !vtd_cq_sl_top_entry_valid(0x40000883, 3, cap, ecap, 39));
	CHECK("sl 1G leaf SNP with SC",
	      vtd_cq_sl_top_entry_valid(0x40000883, 3, cap, 1ULL << 7, 39));
	CHECK("sl non-leaf SNP reserved",
	      !vtd_cq_sl_top_entry_valid(0x123803, 3, cap, 1ULL << 7, 39));
	CHECK("sl non-leaf TM reserved",
	      !vtd_cq_sl_top_entry_valid(0x4000000000123003ULL, 3, cap, 1ULL << 2, 39));
	CHECK("sl address above haw",
	      !vtd_cq_sl_top_entry_valid(0x8000123003ULL, 4, cap, ecap, 39));
	CHECK("sl address below haw 46",
	      vtd_cq_sl_top_entry_valid(0x8000123003ULL, 4, cap, ecap, 46));
	CHECK("sl table check skips not-present entries", table_check_not_present());

	/* Identity tables: leaf = address | PS (bit 7) | R (bit 0). */
	memset(arena[0], 0, 4096);
	CHECK_EQ("identity 1g count", vtd_cq_identity_fill_1g(arena[0], (3ULL << 30) + 1), 4);
	CHECK_EQ("identity 1g entry 1", arena[0][1], 0x40000081ULL);
	CHECK_EQ("identity 1g entry 3", arena[0][3], 0xc0000081ULL);
	CHECK_EQ("identity 1g entry 4 empty", arena[0][4], 0);
	CHECK_EQ("identity 1g max", vtd_cq_identity_fill_1g(arena[0], ~0ULL), 512);
	CHECK_EQ("identity 1g entry 511", arena[0][511], (511ULL << 30) | 0x81);
	vtd_cq_identity_fill_2m(arena[1], 1ULL << 30);
	CHECK_EQ("identity 2m entry 3", arena[1][3], 0x40600081ULL);
	CHECK_EQ("identity 2m entry 511", arena[1][511], 0x7fe00081ULL);
	CHECK_EQ("identity table entry", vtd_cq_sl_ro_table(0x5000), 0x5001);
}

/* ---------------------------------------------------------------------
 * The walk over synthetic tables.
 *
 * page 0: root table. bus 0 -> page 1, bus 1 -> page 2, bus 5 -> outside
 * the arena, bus 6 -> reserved bit 5 set in the root entry.
 * page 3: table A (3-level top, shared by 00:01.0, 00:02.0 and 01:00.0)
 * page 4: table B (4-level top, ATS entry 00:03.0)
 * page 5: garbage table (one entry with an address above HAW)
 * page 6: read-only table (nothing to change)
 * page 7: identity root for AW 1, page 8: for AW 2 (entry 0 -> page 7)
 * page 9: empty table (mode all pass-through target)
 */
#define CTX(p, tt, ptr)	((u64)(p) | ((u64)(tt) << 2) | (ptr))
#define CTXHI(aw, did)	((u64)(aw) | ((u64)(did) << 8))

static void build_tables(void)
{
	u64 *root = arena[0], *c0 = arena[1], *c1 = arena[2];
	u64 *a = arena[3], *b = arena[4], *g = arena[5], *ro = arena[6];

	memset(arena, 0, sizeof(arena));
	root[2 * 0] = PG(1) | 1;
	root[2 * 1] = PG(2) | 1;
	root[2 * 5] = 0x7f000000ULL | 1;		/* not in the arena */
	root[2 * 6] = PG(2) | (1ULL << 5) | 1;	/* reserved bit */
	root[2 * 7] = PG(2);			/* not present */

	c0[2 * 0x08] = CTX(1, 0, PG(3));	c0[2 * 0x08 + 1] = CTXHI(1, 1);
	c0[2 * 0x10] = CTX(1, 0, PG(3));	c0[2 * 0x10 + 1] = CTXHI(1, 1);
	c0[2 * 0x18] = CTX(1, 1, PG(4));	c0[2 * 0x18 + 1] = CTXHI(2, 2);
	c0[2 * 0x20] = CTX(1 | 2, 2, 0);	c0[2 * 0x20 + 1] = CTXHI(1, 3) | 0x8;
	c0[2 * 0x28] = CTX(1, 0, PG(5));	c0[2 * 0x28 + 1] = CTXHI(1, 4);
	c0[2 * 0x30] = CTX(1, 0, 0x7f000000ULL); c0[2 * 0x30 + 1] = CTXHI(1, 5);
	c0[2 * 0x38] = CTX(1, 3, PG(3));	c0[2 * 0x38 + 1] = CTXHI(1, 6);
	c0[2 * 0x40] = CTX(0, 0, PG(3)) | 0xff0; c0[2 * 0x40 + 1] = ~0ULL;
	c0[2 * 0x48] = CTX(1, 0, PG(6));	c0[2 * 0x48 + 1] = CTXHI(1, 7);
	c1[2 * 0x00] = CTX(1, 0, PG(3));	c1[2 * 0x00 + 1] = CTXHI(1, 1);

	a[0] = 0x200003;			/* R W */
	a[1] = 0x201003;
	a[5] = (5ULL << 30) | 0x83;		/* 1 GiB leaf, R W PS */
	a[7] = 0x202002;			/* W only */
	a[9] = 0xfff0000000dea000ULL;		/* not present, junk */
	b[0] = 0x300003;
	g[0] = (1ULL << 45) | 0x400003;		/* above HAW 39 */
	g[1] = 0x401003;
	ro[0] = 0x500001;
	vtd_cq_identity_fill_1g(arena[7], 4ULL << 30);
	arena[8][0] = vtd_cq_sl_ro_table(PG(7));
}

static void set_pt_roots(struct vtd_cq_walk *w, bool all)
{
	w->pt_root[1] = all ? PG(9) : PG(7);
	w->pt_root[2] = all ? PG(9) : PG(8);
}

static void check_counts(const char *tag, unsigned int scanned,
			 unsigned int changed, unsigned int rejected,
			 unsigned int tables)
{
	char name[128];

	snprintf(name, sizeof(name), "%s: entries scanned", tag);
	CHECK_EQ(name, rec.entries_scanned, scanned);
	snprintf(name, sizeof(name), "%s: entries changed", tag);
	CHECK_EQ(name, rec.entries_changed, changed);
	snprintf(name, sizeof(name), "%s: entries rejected", tag);
	CHECK_EQ(name, rec.entries_rejected, rejected);
	snprintf(name, sizeof(name), "%s: tables changed", tag);
	CHECK_EQ(name, rec.tables_changed, tables);
}

static void test_walk_write(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	u64 g0, g1;

	build_tables();
	g0 = arena[5][0];
	g1 = arena[5][1];
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);

	/* 9 present context entries; rejected: 3 entries + 2 root entries. */
	check_counts("walk write", 9, 5, 5, 2);
	CHECK_EQ("walk write: state partial", rec.state, CRASH_DMA_QUIESCE_PARTIAL);
	CHECK_EQ("walk write: root phys", rec.root_phys, PG(0));
	CHECK_EQ("walk write: root size", rec.root_size, 4096);
	CHECK("walk write: identity flag", rec.flags & CRASH_DMA_QUIESCE_F_IDENTITY);
	CHECK_EQ("walk write: domains", rec.domains_invalidated, 3);
	CHECK_EQ("walk write: changed bitmap count",
		 popcount_map(changed, CRASH_DMA_QUIESCE_NR_SIDS / 64), 5);
	CHECK("walk write: changed 00:01.0", sid_set(0x0008));
	CHECK("walk write: changed 00:02.0 (shared table)", sid_set(0x0010));
	CHECK("walk write: changed 00:03.0 (ATS)", sid_set(0x0018));
	CHECK("walk write: changed 00:04.0 (pass-through)", sid_set(0x0020));
	CHECK("walk write: changed 01:00.0 (shared table)", sid_set(0x0100));
	CHECK("walk write: read-only 00:09.0 not changed", !sid_set(0x0048));
	CHECK("walk write: bitmap word 0 bit 8", changed[0] & (1ULL << 8));
	CHECK("walk write: bitmap word 4 bit 0", changed[4] & 1);
	CHECK_EQ("walk write: ats count", w.nr_ats, 1);
	CHECK_EQ("walk write: ats turned off", w.nr_ats_off, 1);
	CHECK("walk write: ats-off flag", rec.flags & CRASH_DMA_QUIESCE_F_ATS_OFF);
	CHECK("walk write: ats 00:03.0", ats[0] == 1ULL << 0x18);
	CHECK_EQ("walk write: identity count", w.nr_identity, 1);

	/* Table A: W (bit 1) cleared, R kept, everything else untouched. */
	CHECK_EQ("walk write: A[0]", arena[3][0], 0x200001);
	CHECK_EQ("walk write: A[1]", arena[3][1], 0x201001);
	CHECK_EQ("walk write: A[5] 1G leaf", arena[3][5], (5ULL << 30) | 0x81);
	CHECK_EQ("walk write: A[7] W only", arena[3][7], 0x202000);
	CHECK_EQ("walk write: A[9] not present untouched", arena[3][9],
		 0xfff0000000dea000ULL);
	CHECK_EQ("walk write: B[0]", arena[4][0], 0x300001);
	CHECK_EQ("walk write: garbage table untouched [0]", arena[5][0], g0);
	CHECK_EQ("walk write: garbage table untouched [1]", arena[5][1], g1);

	/* Pass-through: lo = P | FPD | TT 00 | identity root; hi unchanged. */
	CHECK_EQ("walk write: pt lo", arena[1][2 * 0x20], PG(7) | 3);
	CHECK_EQ("walk write: pt hi (AW, DID, avail)", arena[1][2 * 0x20 + 1],
		 1 | (3ULL << 8) | 0x8);
	/* TT 01 (device-TLB) becomes TT 00: translated requests blocked. */
	CHECK_EQ("walk write: ats ctx lo TT 00", arena[1][2 * 0x18], CTX(1, 0, PG(4)));
	CHECK_EQ("walk write: ats ctx hi unchanged", arena[1][2 * 0x18 + 1], CTXHI(2, 2));
	/* Other context entries never change. */
	CHECK_EQ("walk write: tt11 ctx unchanged", arena[1][2 * 0x38], CTX(1, 3, PG(3)));
	CHECK_EQ("walk write: identity table untouched", arena[7][1], 0x40000081ULL);
	/*
	 * Table A mapped once thanks to the memo: root, context tables of
	 * buses 0, 1 and 5 (refused), tables A, B, G, ro and the refused one
	 * of 00:06.0.
	 */
	CHECK_EQ("walk write: maps", f.maps, 1 + 3 + 5);
	CHECK_EQ("walk write: coherent, no flush", f.flushes, 0);

	/* Second pass: idempotent. */
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("walk again", 9, 0, 5, 0);
	CHECK("walk again: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));
	CHECK_EQ("walk again: no ats left", w.nr_ats, 0);
}

static void test_walk_dry_run(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;

	build_tables();
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, true);
	w.ecap &= ~1ULL;	/* non-coherent: would flush, but dry run */
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("dry run", 9, 5, 5, 2);
	CHECK("dry run: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));
	CHECK_EQ("dry run: no flush", f.flushes, 0);
	CHECK("dry run: changed bitmap", sid_set(0x0008) && sid_set(0x0100));

	/*
	 * The same walk for real on a non-coherent unit flushes A, B, the
	 * pass-through and the ATS context entries.
	 */
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.ecap &= ~1ULL;
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	CHECK_EQ("non-coherent: flushes", f.flushes, 4);
}

static void test_walk_all(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;

	build_tables();
	walk_init(&w, CRASH_DMA_QUIESCE_ALL, false);
	set_pt_roots(&w, true);
	run_walk(&w, &f);
	check_counts("walk all", 9, 6, 5, 3);
	CHECK_EQ("walk all: A[0]", arena[3][0], 0x200000);
	CHECK_EQ("walk all: A[5]", arena[3][5], (5ULL << 30) | 0x80);
	CHECK_EQ("walk all: A[7]", arena[3][7], 0x202000);
	CHECK_EQ("walk all: read-only table loses R", arena[6][0], 0x500000);
	CHECK_EQ("walk all: pt lo -> empty table", arena[1][2 * 0x20], PG(9) | 3);
	CHECK_EQ("walk all: empty table stays empty", arena[9][0], 0);
}

static void test_walk_edges(void)
{
	struct fake f = { .expire_after = -1 };
	unsigned int i, first;
	struct vtd_cq_walk w;

	/* No pass-through target: the entry is left alone, rejected. */
	build_tables();
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	run_walk(&w, &f);
	check_counts("no identity", 9, 4, 6, 2);
	CHECK_EQ("no identity: pt entry untouched", arena[1][2 * 0x20], CTX(1 | 2, 2, 0));
	CHECK("no identity: no flag", !(rec.flags & CRASH_DMA_QUIESCE_F_IDENTITY));

	/* TT 01 on a unit without device-TLB support (ECAP.DT): left alone. */
	build_tables();
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.ecap &= ~(1ULL << 2);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("no DT", 9, 4, 6, 1);
	CHECK_EQ("no DT: no ATS recorded", w.nr_ats, 0);
	CHECK_EQ("no DT: B untouched", arena[4][0], 0x300003);

	/*
	 * No memo: shared table handled again, found done, same memory; the
	 * entries sharing it still count as changed (same domain id).
	 */
	build_tables();
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	memcpy(snapshot, arena, sizeof(arena));
	build_tables();
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.memo_size = 0;
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("no memo", 9, 5, 5, 2);
	CHECK("no memo: shared-table entry 00:02.0 changed", sid_set(0x0010));
	CHECK("no memo: shared-table entry 01:00.0 changed", sid_set(0x0100));
	CHECK("no memo: same result in memory", !memcmp(snapshot, arena, sizeof(arena)));

	/* A context table map() refuses: the root entry is rejected. */
	build_tables();
	f.refuse = PG(2);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("refused ctx table", 8, 4, 6, 2);
	f.refuse = 0;

	/* Bad root pointers. */
	build_tables();
	memcpy(snapshot, arena, sizeof(arena));
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.root_phys = 0x7f000000ULL;
	run_walk(&w, &f);
	CHECK_EQ("bad root: state", rec.state, CRASH_DMA_QUIESCE_BAD_ROOT);
	CHECK_EQ("bad root: nothing scanned", rec.entries_scanned, 0);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.root_phys = PG(0) + 0x800;
	run_walk(&w, &f);
	CHECK_EQ("misaligned root: state", rec.state, CRASH_DMA_QUIESCE_BAD_ROOT);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	w.root_phys = PG(0) | (1ULL << 40);
	run_walk(&w, &f);
	CHECK_EQ("root above haw: state", rec.state, CRASH_DMA_QUIESCE_BAD_ROOT);
	CHECK("bad root: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));

	/* Clean tables: state done. */
	build_tables();
	arena[0][2 * 5] = arena[0][2 * 6] = 0;
	arena[1][2 * 0x28] = arena[1][2 * 0x30] = arena[1][2 * 0x38] = 0;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	check_counts("clean", 6, 5, 0, 2);
	CHECK_EQ("clean: state done", rec.state, CRASH_DMA_QUIESCE_DONE);

	/* Deadline already passed: nothing scanned, nothing written. */
	build_tables();
	memcpy(snapshot, arena, sizeof(arena));
	f.expire_after = 0;
	f.expired_calls = 0;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	CHECK_EQ("deadline 0: state", rec.state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK_EQ("deadline 0: scanned", rec.entries_scanned, 0);
	CHECK("deadline 0: memory unchanged", !memcmp(snapshot, arena, sizeof(arena)));

	/*
	 * Deadline at the second check. The walk asks before every present
	 * root entry, then once 64 units of work are done (an entry is one
	 * unit, reading a 4 KiB table 16): bus 0's check passes, 00:01.0 to
	 * 00:06.0 and their four tables (A, B, the garbage one, the refused
	 * one) make 70 units, and the check before 00:07.0 stops the walk.
	 */
	build_tables();
	f.expire_after = 1;
	f.expired_calls = 0;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	CHECK_EQ("deadline 1: state", rec.state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK_EQ("deadline 1: scanned", rec.entries_scanned, 6);
	CHECK_EQ("deadline 1: changed", rec.entries_changed, 4);
	CHECK_EQ("deadline 1: rejected", rec.entries_rejected, 2);
	CHECK_EQ("deadline 1: checks", f.expired_calls, 2);
	CHECK("deadline 1: timed_out", w.timed_out);

	/*
	 * 256 entries of bus 0 through table A: the first check after the
	 * root entry's comes within 64 entries, and the next one exactly 64
	 * entries later (the stride is a count of work, not a time).
	 */
	build_tables();
	for (i = 0; i < 256; i++) {
		arena[1][2 * i] = CTX(1, 0, PG(3));
		arena[1][2 * i + 1] = CTXHI(1, 1);
	}
	f.expire_after = 1;
	f.expired_calls = 0;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	first = rec.entries_scanned;
	CHECK_EQ("deadline stride: state", rec.state, CRASH_DMA_QUIESCE_TIMEOUT);
	CHECK("deadline stride: first check within 64 entries", first >= 2 && first <= 64);
	f.expire_after = 2;
	f.expired_calls = 0;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	CHECK_EQ("deadline stride: the next 64 entries later", rec.entries_scanned - first, 64);
	CHECK_EQ("deadline stride: checks", f.expired_calls, 3);
	f.expire_after = -1;
}


/*
 * Neighbouring context entries: every ordered pair of 18 entries, each
 * also after itself. An entry is one of three lower quadwords (VT-d 9.3:
 * P bit 0, TT bits 3:2, SLPTPTR bits 63:12) -- translated through table
 * T, whose entry has R and W (9.8: bits 0, 1); translated through table
 * RO, read-only; device-TLB (TT 01b) through T -- with one of six upper
 * quadwords (AW bits 2:0, bit 7 and bits 63:24 reserved, DID bits 23:8;
 * AW valid when CAP.SAGAW has its bit: here AW 1 and 2): domain id 20
 * with AW 1 and with AW 2, 21 with AW 1, and three invalid ones that
 * share those domain ids (and so the context-entry cache's slots): a
 * reserved bit 7, AW 3, a reserved bit 40. Each entry also follows the
 * others at a distance, through the cache. Whatever its neighbour, an
 * entry with an invalid upper quadword is
 * rejected; a valid one loses write when it had it (through T, or its
 * TT 01b turned to 00b) and keeps nothing to lose through RO; the domain
 * ids collected (their IOTLB entries invalidated) are those of the
 * entries that lost write. With the memo, and without: then a valid
 * translated entry is counted through its domain id (see
 * VTD_CQ_MEMO_SLOTS: one that finds T revoked by another domain id counts
 * as unchanged, one through RO of a domain id whose other entries lost
 * write as changed), so only the rejected and device-TLB entries are
 * checked one by one.
 */
static void test_walk_neighbours(void)
{
	static const u64 his[] = {
		CTXHI(1, 20), CTXHI(1, 21), CTXHI(2, 20),
		CTXHI(1, 20) | (1ULL << 7),	/* reserved bit 7 */
		CTXHI(3, 21),			/* AW 3: no SAGAW bit 3 */
		CTXHI(1, 20) | (1ULL << 40),	/* reserved bits 63:24 */
	};
	const u64 los[] = { CTX(1, 0, PG(4)), CTX(1, 0, PG(5)), CTX(1, 1, PG(4)) };
	enum { NE = 3 * 6, N = 2 * NE * NE };
	static u64 seq_lo[N], seq_hi[N];
	struct fake f = { .expire_after = -1 };
	unsigned int n = 0, a, b, i, bad, rejected, pass, kept;
	static const char * const tags[] = {
		"memo", "memo, no context-entry cache", "no memo",
	};
	u64 want_dids[65536 / 64];
	struct vtd_cq_walk w;

	for (a = 0; a < NE; a++)
		for (b = 0; b < NE; b++) {
			seq_lo[n] = los[a / 6];
			seq_hi[n++] = his[a % 6];
			seq_lo[n] = los[b / 6];
			seq_hi[n++] = his[b % 6];
		}
	for (pass = 0; pass < sizeof(tags) / sizeof(tags[0]); pass++) {
		const char *tag = tags[pass];
		char name[128];

		memset(arena, 0, sizeof(arena));
		for (i = 0; i < (N + 255) / 256; i++)
			arena[0][2 * i] = PG(1 + i) | 1;
		for (i = 0; i < n; i++) {
			u64 *ctx = arena[1 + i / 256];

			ctx[2 * (i % 256)] = seq_lo[i];
			ctx[2 * (i % 256) + 1] = seq_hi[i];
		}
		arena[4][0] = 0x200003;		/* table T: R W */
		arena[5][0] = 0x300001;		/* table RO: R */
		walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
		if (pass == 1)
			w.ctx_cache = NULL;
		if (pass == 2)
			w.memo_size = 0;
		run_walk(&w, &f);

		memset(want_dids, 0, sizeof(want_dids));
		bad = 0;
		rejected = 0;
		kept = 0;
		for (i = 0; i < n; i++) {
			u64 hi = seq_hi[i], lo = seq_lo[i];
			u64 now = arena[1 + i / 256][2 * (i % 256)];
			unsigned int did = hi >> 8 & 0xffff;
			bool ok = !(hi & (1ULL << 7)) && !(hi >> 24) &&
				  ((hi & 7) == 1 || (hi & 7) == 2);
			bool ats = (lo >> 2 & 3) == 1;
			bool loses = ok && (ats || (lo & ~0xfffULL) == PG(4));

			rejected += !ok;
			/* TT 01b becomes 00b (9.3), nothing else changes. */
			kept += now != (ok && ats ? lo & ~(3ULL << 2) : lo);
			if (loses)
				want_dids[did / 64] |= 1ULL << (did % 64);
			if (pass == 2 && ok && !ats)
				continue;
			bad += sid_set(i) != loses;
		}
		snprintf(name, sizeof(name), "%s: valid TT 01b entries now 00b, the rest unchanged", tag);
		CHECK_EQ(name, kept, 0);
		snprintf(name, sizeof(name), "%s: entries rejected", tag);
		CHECK_EQ(name, rec.entries_rejected, rejected);
		snprintf(name, sizeof(name), "%s: each entry changed iff it lost write", tag);
		CHECK_EQ(name, bad, 0);
		snprintf(name, sizeof(name), "%s: domain ids: those of the entries that lost write", tag);
		if (pass != 2)
			CHECK(name, !memcmp(dids, want_dids, sizeof(dids)));
		snprintf(name, sizeof(name), "%s: table T lost W, RO unchanged", tag);
		CHECK(name, arena[4][0] == 0x200001 && arena[5][0] == 0x300001);
	}
}

/*
 * Two units in one pass (the memo is not cleared between them), unit 1's
 * only entry using table A, which unit 0 revoked: unit 1 must count its
 * entry as changed. Same with a unit 0 that rejects the table for its own
 * capabilities: unit 1 must still revoke it for itself.
 */
static void test_walk_two_units(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;
	u64 *root1 = arena[10], *ctx1 = arena[11];

	build_tables();
	memset(root1, 0, 4096);
	memset(ctx1, 0, 4096);
	root1[0] = PG(11) | 1;
	ctx1[2 * 0x50] = CTX(1, 0, PG(3));
	ctx1[2 * 0x50 + 1] = CTXHI(1, 9);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	w.unit = 0;
	run_walk(&w, &f);
	CHECK_EQ("two units: A revoked by unit 0", arena[3][0], 0x200001);
	/* Unit 1: same pass, memo kept. */
	memset(&rec, 0, sizeof(rec));
	memset(changed, 0, sizeof(changed));
	memset(dids, 0, sizeof(dids));
	w.root_phys = PG(10);
	w.unit = 1;
	run_walk(&w, &f);
	check_counts("two units: unit 1", 1, 1, 0, 0);
	CHECK("two units: unit 1 names its device", sid_set(0x0050));
	CHECK_EQ("two units: unit 1 domains", rec.domains_invalidated, 1);

	/*
	 * Unit 0 without 1 GiB pages rejects table A (1 GiB leaf in a
	 * 3-level top level); unit 1 has them and must revoke A itself.
	 */
	build_tables();
	memset(root1, 0, 4096);
	memset(ctx1, 0, 4096);
	root1[0] = PG(11) | 1;
	ctx1[2 * 0x50] = CTX(1, 0, PG(3));
	ctx1[2 * 0x50 + 1] = CTXHI(1, 9);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	w.cap &= ~(1ULL << 35);
	w.unit = 0;
	run_walk(&w, &f);
	CHECK_EQ("caps differ: unit 0 leaves A", arena[3][0], 0x200003);
	memset(&rec, 0, sizeof(rec));
	memset(changed, 0, sizeof(changed));
	w.cap |= 1ULL << 35;
	w.root_phys = PG(10);
	w.unit = 1;
	run_walk(&w, &f);
	check_counts("caps differ: unit 1", 1, 1, 0, 1);
	CHECK_EQ("caps differ: unit 1 revokes A", arena[3][0], 0x200001);

	/*
	 * The context-entry cache holds for one unit: unit 0 revokes A
	 * through a 4-level entry; unit 1, without 4-level tables (SAGAW
	 * bit 10 clear), must reject the same entry, not find it cached.
	 */
	build_tables();
	memset(root1, 0, 4096);
	memset(ctx1, 0, 4096);
	root1[0] = PG(11) | 1;
	arena[1][2 * 0x60] = CTX(1, 0, PG(3));
	arena[1][2 * 0x60 + 1] = CTXHI(2, 9);
	ctx1[2 * 0x60] = CTX(1, 0, PG(3));
	ctx1[2 * 0x60 + 1] = CTXHI(2, 9);
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	w.unit = 0;
	run_walk(&w, &f);
	CHECK("cache per unit: unit 0 changes the 4-level entry", sid_set(0x0060));
	memset(&rec, 0, sizeof(rec));
	memset(changed, 0, sizeof(changed));
	w.cap &= ~(1ULL << 10);
	w.root_phys = PG(10);
	w.unit = 1;
	run_walk(&w, &f);
	CHECK_EQ("cache per unit: unit 1 rejects it", rec.entries_rejected, 1);
	CHECK("cache per unit: unit 1 does not count it changed", !sid_set(0x0060));
}

/*
 * Another CPU changes a context entry, or a second-level entry, between
 * the walk's read and its store: the walk must not store a value derived
 * from the old one over it.
 */
static u64 *race_target, race_value;

static void race_hook(u64 *p)
{
	if (p == race_target) {
		*p = race_value;
		race_target = NULL;
	}
}

/* The same before a plain store (WRITE_ONCE()), which the code must not use. */
static void race_store_hook(void *p)
{
	race_hook(p);
}

static void test_walk_concurrent(void)
{
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;

	/* The pass-through entry becomes a translated one meanwhile. */
	build_tables();
	race_target = &arena[1][2 * 0x20];
	race_value = CTX(1, 0, PG(6));
	test_cmpxchg_hook = race_hook;
	test_store_hook = race_store_hook;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	test_cmpxchg_hook = NULL;
	test_store_hook = NULL;
	CHECK("concurrent ctx: hook ran", !race_target);
	{
		u64 word = 5;

		CHECK("replace: stale refused", !vtd_cq_replace(&word, 4, 7) && word == 5);
		CHECK("replace: current stored", vtd_cq_replace(&word, 5, 7) && word == 7);
	}
	CHECK_EQ("concurrent ctx: other CPU's entry kept", arena[1][2 * 0x20],
		 CTX(1, 0, PG(6)));
	CHECK("concurrent ctx: counted rejected, not changed",
	      !sid_set(0x20) && rec.entries_rejected == 6);

	/* A second-level entry gains W back once: revoked on the retry. */
	build_tables();
	race_target = &arena[3][1];
	race_value = 0x209003;
	test_cmpxchg_hook = race_hook;
	test_store_hook = race_store_hook;
	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	set_pt_roots(&w, false);
	run_walk(&w, &f);
	test_cmpxchg_hook = NULL;
	test_store_hook = NULL;
	CHECK_EQ("concurrent sl: new value revoked", arena[3][1], 0x209001);
}

/* ---------------------------------------------------------------------
 * Property: whatever the tables hold, no permission is ever granted.
 */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random context entry: mostly plausible, sometimes junk. */
static void random_ctx(u64 *ce)
{
	u64 r = rnd();

	switch (r % 4) {
	case 0:		/* junk */
		ce[0] = rnd();
		ce[1] = rnd();
		break;
	default:
		ce[0] = 1 | ((rnd() % 4) << 2) | PG(10 + rnd() % 22) |
			(rnd() % 8 == 0 ? 1ULL << (4 + rnd() % 8) : 0) |
			(rnd() % 2 ? 2 : 0);
		ce[1] = (1 + rnd() % 3) | ((rnd() & 0xffff) << 8) |
			(rnd() % 8 == 0 ? 1ULL << (24 + rnd() % 40) : 0);
		break;
	}
}

/* A random second-level entry: mostly plausible, sometimes junk. */
static u64 random_sl(void)
{
	u64 r = rnd();

	if (r % 16 == 0)
		return rnd();
	return (rnd() & 0x7ffffff000ULL) | (rnd() & 0x3) |
	       (rnd() % 8 == 0 ? 0x80 : 0) | (rnd() % 32 == 0 ? 0x800 : 0);
}

static void test_property_no_grant(void)
{
	static u64 before[NPAGES][512];
	unsigned int iter, p, i, bad_sl = 0, bad_ctx = 0, bad_reject = 0;
	unsigned int changed_total = 0;
	struct fake f = { .expire_after = -1 };
	struct vtd_cq_walk w;

	for (iter = 0; iter < 400; iter++) {
		bool all = iter & 1;

		memset(arena, 0, sizeof(arena));
		/* root: a few buses, pointing at context tables 1..4 or junk */
		for (i = 0; i < 256; i++) {
			u64 r = rnd();

			if (r % 8)
				continue;
			arena[0][2 * i] = r % 32 ? PG(1 + rnd() % 4) | 1 : rnd();
			arena[0][2 * i + 1] = r % 64 ? 0 : rnd();
		}
		for (p = 1; p <= 4; p++)
			for (i = 0; i < 256; i++)
				if (rnd() % 4 == 0)
					random_ctx(&arena[p][2 * i]);
		/* second-level tables at pages 10..31 (5..9 are targets) */
		for (p = 10; p < NPAGES; p++)
			for (i = 0; i < 512; i++)
				arena[p][i] = rnd() % 3 ? 0 : random_sl();
		/* page 5 identity (AW 1), 6 -> 5 (AW 2), 7 -> 6 (AW 3), 9 empty */
		vtd_cq_identity_fill_1g(arena[5], 8ULL << 30);
		arena[6][0] = vtd_cq_sl_ro_table(PG(5));
		arena[7][0] = vtd_cq_sl_ro_table(PG(6));
		memcpy(before, arena, sizeof(arena));

		walk_init(&w, all ? CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE,
			  false);
		w.cap |= 1ULL << 11;	/* 5-level too */
		w.pt_root[1] = all ? PG(9) : PG(5);
		w.pt_root[2] = all ? PG(9) : PG(6);
		w.pt_root[3] = all ? PG(9) : PG(7);
		run_walk(&w, &f);
		changed_total += rec.entries_changed;

		/* Second-level entries: bits only ever cleared, only R/W. */
		for (p = 5; p < NPAGES; p++) {
			bool table_changed = false;

			for (i = 0; i < 512; i++) {
				u64 o = before[p][i], n = arena[p][i];

				if (n & ~o)
					bad_sl++;
				if ((o ^ n) & ~3ULL)
					bad_sl++;
				if (!all && (o ^ n) & 1)
					bad_sl++;
				if (o != n)
					table_changed = true;
			}
			/* A changed table had only valid present entries. */
			if (table_changed &&
			    !vtd_cq_sl_top_valid(before[p], 3, w.cap, w.ecap, 39) &&
			    !vtd_cq_sl_top_valid(before[p], 4, w.cap, w.ecap, 39))
				bad_reject++;
		}
		/* Context entries: only pass-through lo words change, to TT 00. */
		for (p = 0; p <= 4; p++) {
			for (i = 0; i < 256; i++) {
				u64 ol = before[p][2 * i], nl = arena[p][2 * i];
				u64 oh = before[p][2 * i + 1], nh = arena[p][2 * i + 1];

				if (oh != nh)
					bad_ctx++;
				if (ol == nl)
					continue;
				/* TT 01 -> 00, nothing else. */
				if (p && ((ol >> 2) & 3) == 1 && nl == (ol & ~0xcULL))
					continue;
				if (p == 0 || ((ol >> 2) & 3) != 2 || ((nl >> 2) & 3) != 0 ||
				    (nl & 3) != (ol & 3) ||
				    (nl & ~0xfffULL) != w.pt_root[oh & 7])
					bad_ctx++;
			}
		}
		/* The empty table stays empty, identity stays read-only. */
		for (i = 0; i < 512; i++)
			if (arena[9][i] || (arena[5][i] & 2))
				bad_sl++;
	}
	CHECK_EQ("property: no second-level permission granted", bad_sl, 0);
	CHECK_EQ("property: context entries only lose permission", bad_ctx, 0);
	CHECK_EQ("property: only valid tables written", bad_reject, 0);
	CHECK("property: the random tables did get changed", changed_total > 100);
}

/*
 * The memo at scale: 256 buses x 256 functions, every context entry
 * translated, domain d = source id % @domains with DID d + 1 and its own
 * top-level table (4 present R/W entries), as a machine with @domains
 * DMA domains has. Each root, context and top-level table must be
 * mapped once while the memo has room: 1 + 256 + @domains map() calls.
 * The oracle is the memory itself: every present top-level entry has
 * lost W (VT-d 9.8: bit 1), nothing else changed.
 */
struct big {
	u64 *mem;
	unsigned long pages;
	unsigned long maps;
};

#define BIG_BASE	0x100000000ULL
#define BIG_CTX(b)	(1 + (b))
#define BIG_TOP(d)	(257 + (d))

static void *big_map(void *priv, u64 phys, u64 size)
{
	struct big *b = priv;

	b->maps++;
	if (phys < BIG_BASE || phys + size > BIG_BASE + b->pages * 4096)
		return NULL;
	return (u8 *)b->mem + (phys - BIG_BASE);
}

static bool big_never(void *priv)
{
	(void)priv;
	return false;
}

static u64 big_memo[VTD_CQ_MEMO_SLOTS];

static void memo_scale(unsigned int domains, const char *tag, bool room)
{
	struct big b = { .pages = BIG_TOP(domains) };
	struct vtd_cq_walk_ops ops = {
		.map = big_map, .expired = big_never, .priv = &b,
	};
	unsigned int bus, devfn, d, i, bad = 0;
	struct vtd_cq_walk w;
	char name[128];
	u64 *root;

	b.mem = calloc(b.pages, 4096);
	if (!b.mem) {
		CHECK(tag, false);
		return;
	}
	root = b.mem;
	for (bus = 0; bus < 256; bus++) {
		u64 *ctx = b.mem + (size_t)BIG_CTX(bus) * 512;

		root[2 * bus] = (BIG_BASE + BIG_CTX(bus) * 4096ULL) | 1;
		for (devfn = 0; devfn < 256; devfn++) {
			d = (bus * 256 + devfn) % domains;
			ctx[2 * devfn] = CTX(1, 0, BIG_BASE + BIG_TOP(d) * 4096ULL);
			ctx[2 * devfn + 1] = CTXHI(2, d + 1);
		}
	}
	for (d = 0; d < domains; d++)
		for (i = 0; i < 4; i++)
			b.mem[(size_t)BIG_TOP(d) * 512 + i] =
				(0x40000000ULL + (d * 4ULL + i) * 4096) | 3;

	walk_init(&w, CRASH_DMA_QUIESCE_WRITE, false);
	memset(big_memo, 0, sizeof(big_memo));
	w.root_phys = BIG_BASE;
	w.memo = big_memo;
	w.memo_size = VTD_CQ_MEMO_SLOTS;
	vtd_cq_walk(&w, &ops, &rec);

	for (d = 0; d < domains; d++)
		for (i = 0; i < 512; i++) {
			u64 e = b.mem[(size_t)BIG_TOP(d) * 512 + i];
			u64 want = i < 4 ? (0x40000000ULL + (d * 4ULL + i) * 4096) | 1 : 0;

			bad += e != want;
		}
	snprintf(name, sizeof(name), "%s: every top-level entry lost W, nothing else", tag);
	CHECK_EQ(name, bad, 0);
	snprintf(name, sizeof(name), "%s: state", tag);
	CHECK_EQ(name, rec.state, CRASH_DMA_QUIESCE_DONE);
	snprintf(name, sizeof(name), "%s: entries changed", tag);
	CHECK_EQ(name, rec.entries_changed, 65536);
	snprintf(name, sizeof(name), "%s: tables changed", tag);
	CHECK_EQ(name, rec.tables_changed, domains);
	snprintf(name, sizeof(name), "%s: domain ids", tag);
	CHECK_EQ(name, w.nr_dids, domains);
	snprintf(name, sizeof(name), "%s: table maps (root + 256 context + one per domain)", tag);
	if (room)
		CHECK_EQ(name, b.maps, 1 + 256 + domains);
	else
		CHECK(name, b.maps > 1 + 256 + domains);
	free(b.mem);
}

static void test_memo_scale(void)
{
	/* 4096 domains: every table in the memo, none mapped twice. */
	memo_scale(4096, "4096 domains", true);
	/*
	 * Past the memo's stated bound: still correct, only slower (tables
	 * mapped again).
	 */
	memo_scale(VTD_CQ_MEMO_TABLES + 256, "past the memo bound", false);
}

int main(void)
{
	RUN_CASE("unit/vtd/descriptors", test_descriptors());
	RUN_CASE("unit/vtd/registers", test_registers());
	RUN_CASE("unit/vtd/context", test_context());
	RUN_CASE("unit/vtd/second_level", test_second_level());
	RUN_CASE("unit/vtd/walk_write", test_walk_write());
	RUN_CASE("unit/vtd/walk_dry_run", test_walk_dry_run());
	RUN_CASE("unit/vtd/walk_all", test_walk_all());
	RUN_CASE("unit/vtd/walk_edges", test_walk_edges());
	RUN_CASE("unit/vtd/walk_neighbours", test_walk_neighbours());
	RUN_CASE("unit/vtd/walk_two_units", test_walk_two_units());
	RUN_CASE("unit/vtd/walk_concurrent", test_walk_concurrent());
	RUN_CASE("unit/vtd/property_no_grant", test_property_no_grant());
	RUN_CASE("unit/vtd/memo_4096_domains", test_memo_scale());
	return check_failed ? 1 : 0;
}
