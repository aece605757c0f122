// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the VT-d scalable-mode crash-path walk
 * (vtd_cq_sm_walk() of drivers/iommu/intel/crash_quiesce_sm_hw.h) over an
 * arbitrary "physical memory" image holding the root table, context
 * tables, PASID directories, PASID tables and top-level first- and
 * second-level tables.
 *
 * Input (little endian), as fuzz_vtd_walk.c:
 *   0  u64 CAP_REG        8  u64 ECAP_REG
 *  16  u8  HAW           17  u8 flags: bit 0 mode all, bit 1 dry run,
 *                            bit 2 no dids bitmap, bit 3 no ats bitmap,
 *                            bits 5:4 memo size (0, 4, 64, 1024 slots),
 *                            bit 6 a pairs set of 4 slots (else 64)
 *  18  u16 deadline: the budget runs out after this many checks (ffff:
 *          never)
 *  20  u8  root page (ff: the u64 at 21 is the raw root address)
 *  21  u64 raw root address
 *  29  3 x u8 pt_root by AW 1..3: 0 none, else the replacement table for
 *      that AW, one of three pages after the image that the records
 *      cannot write: read-only (every entry R only) in mode write, empty
 *      in mode all, as the kernel's identity and empty tables are
 *  32  records of 11 bytes: u8 page, u16 qword index (mod 512), u64 value,
 *      written into FZ_PAGES zeroed 4-KiB pages at physical FZ_BASE (48
 *      pages: room for a 16384-entry PASID directory, PASID 0xfffff).
 *
 * The map callback refuses anything outside the image and traps on a
 * request that is not one aligned page. Invariants (__builtin_trap()),
 * bit positions written out from the VT-d specification (9.4 context
 * entry: DTE bit 2, PRE bit 4; 9.6 PASID entry: P bit 0, AW bits 4:2, PGTT
 * bits 8:6, SLPTPTR 63:12, qword 2 SRE bit 0 and WPE bit 4):
 *  - a dry run writes nothing and never flushes;
 *  - no permission is granted: every 64-bit word that changed only lost
 *    bits, except a pass-through PASID entry (PGTT 100b) turned into a
 *    second-level one (PGTT 010b) whose pointer is one of the pt_root
 *    tables with the matching AW, keeping at most P and FPD of its other
 *    bits;
 *  - in mode write, R / P (bit 0) is lost only by a pass-through PASID
 *    entry (blocked when it cannot be redirected) or a first-level one
 *    (PGTT 001b: blocked, its table never written);
 *  - the counts agree with the bitmaps and the state, BAD_ROOT scans
 *    nothing, and a walk stopped by the deadline made exactly one check
 *    past its budget;
 *  - the whole-state oracles of tests/oracle (issue 18), with the pages'
 *    roles from the oracle's own walk of the image before the pass: every
 *    changed word is a documented transition in a page only the IOMMU
 *    uses, and a page reached only as a first-level table (possibly the
 *    CPU's) is never written (write set); after a walk that neither timed
 *    out nor rejected anything, no valid present context entry keeps DTE
 *    or PRE, no valid present PASID entry is first-level or pass-through,
 *    and no present entry of a second-level or nested entry's top-level
 *    table keeps W (mode all: R or W); after a PARTIAL one, every entry
 *    that still grants lies below a table the walk could not use
 *    (completeness, judged on images whose pages have one role at most,
 *    as in fuzz_vtd_walk.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/intel/crash_quiesce_sm_hw.h"
#include "../oracle/oracle.c"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

#define FZ_PAGES	48
#define FZ_BASE		0x100000ULL
/* The image, then the three replacement tables (pt_root). */
#define FZ_SIZE		((u64)(FZ_PAGES + 3) * 4096)
#define FZ_HDR		32
#define FZ_REC		11

struct fz {
	u8 *mem;
	bool dry;
	u32 checks;
	u32 limit;
};

static void *fz_map(void *priv, u64 phys, u64 size)
{
	struct fz *f = priv;

	CHECK(size == 4096 && !(phys & 4095));
	if (phys < FZ_BASE || phys - FZ_BASE >= FZ_SIZE)
		return NULL;
	return f->mem + (phys - FZ_BASE);
}

static bool fz_expired(void *priv)
{
	struct fz *f = priv;

	return f->checks++ >= f->limit;
}

static void fz_flush(void *priv, void *addr, u64 size)
{
	struct fz *f = priv;
	u8 *p = addr;

	CHECK(!f->dry);
	CHECK(p >= f->mem && p + size <= f->mem + FZ_SIZE && size);
}

static u64 get64(const uint8_t *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static u32 popcount_map(const u64 *map, u32 words)
{
	u32 i, n = 0;

	for (i = 0; i < words; i++)
		n += (u32)__builtin_popcountll(map[i]);
	return n;
}

/* ------------------------------------------- whole-state oracles (issue 18) */

static u32 roles[FZ_PAGES + 3];
static u8 image[FZ_SIZE] __attribute__((aligned(4096)));
static u8 image_orig[FZ_SIZE] __attribute__((aligned(4096)));

static const uint64_t *fz_page(void *priv, uint64_t phys)
{
	u8 *mem = priv;

	if (phys < FZ_BASE || phys - FZ_BASE >= FZ_SIZE)
		return NULL;
	return (const uint64_t *)(mem + (phys - FZ_BASE));
}

/* What fz_map() accepts is what the walk may use. */
static bool fz_usable(void *priv, uint64_t phys)
{
	(void)priv;
	return phys >= FZ_BASE && phys - FZ_BASE < FZ_SIZE;
}

static void fz_role(void *priv, uint64_t phys, uint32_t role)
{
	(void)priv;
	if (phys >= FZ_BASE && phys - FZ_BASE < FZ_SIZE)
		roles[(phys - FZ_BASE) / 4096] |= role;
}

static uint32_t fz_roles(void *priv, uint64_t phys)
{
	(void)priv;
	if (phys < FZ_BASE || phys - FZ_BASE >= FZ_SIZE)
		return 0;
	return roles[(phys - FZ_BASE) / 4096];
}

/* Does every page have one table role at most? */
static bool fz_alias_free(void)
{
	unsigned int i;

	for (i = 0; i < FZ_PAGES + 3; i++)
		if (__builtin_popcount(roles[i] & OR_STRUCTURE) > 1)
			return false;
	return true;
}

static u64 dids[65536 / 64], ats[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 memo[1024], pairs[64], changed[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static struct crash_dma_quiesce_record rec;

/* A pass-through PASID qword 0 @o redirected to a replacement table as @n. */
static bool pt_redirect(u64 o, u64 n, const struct vtd_cq_walk *w)
{
	unsigned int aw = (n >> 2) & 7;

	if (((o >> 6) & 7) != 4 || ((n >> 6) & 7) != 2)
		return false;
	if (aw < 1 || aw > 3 || !w->pt_root[aw] ||
	    (n & 0xfffffffffffff000ULL) != w->pt_root[aw])
		return false;
	/* Of the other bits only P (0) and FPD (1), if they were set. */
	return !(n & 0xe20ULL) && !(n & 3 & ~o);
}

/* Write set and completeness (tests/oracle) of the walk just done. */
static void whole_state(const struct vtd_cq_walk *w, u8 *orig, u8 *mem)
{
	enum oracle_mode mode = w->mode == CRASH_DMA_QUIESCE_ALL ? ORACLE_ALL : ORACLE_WRITE;
	struct oracle_mem before = { fz_page, fz_usable, orig };
	struct oracle_mem after = { fz_page, fz_usable, mem };
	/* RTADDR_REG.TTM 01b: scalable mode. */
	struct oracle_vtd u = {
		.rtaddr = (w->root_phys & ~0xfffULL) | 1ULL << 10,
		.cap = w->cap, .ecap = w->ecap, .haw = w->haw,
	};
	struct oracle_ws ws = { mode, fz_roles, NULL };
	struct oracle_result r;
	unsigned int i;

	memset(roles, 0, sizeof(roles));
	for (i = 0; i < 3; i++)
		roles[FZ_PAGES + i] = OR_CQ_TABLE;
	if (w->root_phys & 0xfff)
		return;		/* BAD_ROOT: the walk touched nothing (checked below) */
	oracle_vtd_roles(&before, &u, fz_role, NULL);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < FZ_PAGES + 3; i++)
		oracle_write_page(&ws, FZ_BASE + i * 4096ULL,
				  (const uint64_t *)(orig + i * 4096),
				  (const uint64_t *)(mem + i * 4096), &r);
	if (r.bad)
		fprintf(stderr, "fuzz_vtd_sm_walk: write set: %s\n", r.first);
	CHECK(!r.bad);
	if (w->dry_run || w->timed_out || !fz_alias_free())
		return;
	if (rec.state != CRASH_DMA_QUIESCE_DONE && rec.state != CRASH_DMA_QUIESCE_PARTIAL)
		return;
	memset(&r, 0, sizeof(r));
	oracle_vtd_complete(&after, &u, mode, &r);
	if (r.bad || (rec.state == CRASH_DMA_QUIESCE_DONE && r.excused))
		fprintf(stderr, "fuzz_vtd_sm_walk: completeness (state %u): %s%s\n",
			rec.state, r.first, r.bad ? "" : r.first_excused);
	CHECK(!r.bad);
	if (rec.state == CRASH_DMA_QUIESCE_DONE)
		CHECK(!r.excused);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u32 memo_sizes[4] = { 0, 4, 64, 1024 };
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;
	struct vtd_cq_walk_ops ops;
	struct fz f;
	u8 *orig;
	u64 *o, *n;
	size_t i;
	u8 flags;
	u32 used;
	int aw;

	if (size < FZ_HDR)
		return 0;
	/*
	 * Static images (a global's redzone lets ASan see an overrun as a
	 * heap buffer's would): 200 KiB allocated per input cost more than
	 * the walk.
	 */
	f.mem = image;
	orig = image_orig;
	memset(f.mem, 0, FZ_SIZE);
	for (i = FZ_HDR; i + FZ_REC <= size; i += FZ_REC) {
		u32 page = data[i] % FZ_PAGES;
		u32 q = (data[i + 1] | (u32)data[i + 2] << 8) % 512;
		u64 v = get64(data + i + 3);

		memcpy(f.mem + page * 4096 + q * 8, &v, 8);
	}
	flags = data[17];
	/* The replacement tables: read-only (mode write) or empty (mode all). */
	for (i = 0; i < 3 * 512; i++)
		((u64 *)(f.mem + FZ_PAGES * 4096))[i] = flags & 1 ? 0 : 1;
	memcpy(orig, f.mem, FZ_SIZE);

	memset(&w, 0, sizeof(w));
	memset(&sm, 0, sizeof(sm));
	w.cap = get64(data);
	w.ecap = get64(data + 8);
	w.haw = data[16];
	w.mode = flags & 1 ? CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE;
	w.dry_run = flags & 2;
	w.dids = flags & 4 ? NULL : dids;
	w.ats = flags & 8 ? NULL : ats;
	memset(memo, 0, sizeof(memo));		/* a new pass */
	memset(changed, 0, sizeof(changed));
	w.changed = changed;
	w.memo = memo;
	w.memo_size = memo_sizes[(flags >> 4) & 3];
	if (data[20] == 0xff)
		w.root_phys = get64(data + 21);
	else
		w.root_phys = FZ_BASE + (u64)(data[20] % FZ_PAGES) * 4096;
	for (aw = 1; aw <= 3; aw++)
		w.pt_root[aw] = data[28 + aw] ?
			FZ_BASE + (u64)(FZ_PAGES + aw - 1) * 4096 : 0;
	sm.pairs = pairs;
	sm.pairs_size = flags & 0x40 ? 4 : 64;

	f.dry = w.dry_run;
	f.checks = 0;
	f.limit = data[18] | (u32)data[19] << 8;
	if (f.limit == 0xffff)
		f.limit = UINT32_MAX;
	ops.map = fz_map;
	ops.expired = fz_expired;
	ops.flush = fz_flush;
	ops.priv = &f;

	memset(&rec, 0, sizeof(rec));
	memset(dids, 0, sizeof(dids));
	memset(ats, 0, sizeof(ats));
	vtd_cq_sm_walk(&w, &sm, &ops, &rec);

	/* Writes. */
	if (w.dry_run)
		CHECK(!memcmp(orig, f.mem, FZ_SIZE));
	o = (u64 *)orig;
	n = (u64 *)f.mem;
	for (i = 0; i < FZ_SIZE / 8; i++) {
		u64 diff = o[i] ^ n[i], gained = n[i] & ~o[i];

		if (!diff)
			continue;
		if (pt_redirect(o[i], n[i], &w))
			continue;
		CHECK(!gained);
		/*
		 * Issue 18: P (bit 0) of a pass-through PASID entry, or of a
		 * first-level one, blocked at the PASID entry (its table may
		 * be the CPU's).
		 */
		if (w.mode == CRASH_DMA_QUIESCE_WRITE && (diff & 1))
			CHECK(((o[i] >> 6) & 7) == 4 || ((o[i] >> 6) & 7) == 1);
	}

	whole_state(&w, orig, f.mem);

	/* Counts and state. */
	CHECK(rec.flags & CRASH_DMA_QUIESCE_F_SCALABLE);
	CHECK(rec.entries_changed ==
	      popcount_map(changed, CRASH_DMA_QUIESCE_NR_SIDS / 64));
	CHECK(rec.entries_changed <= rec.entries_scanned);
	CHECK(rec.entries_scanned <= 256 * 256);
	if (w.dids)
		CHECK(w.nr_dids == popcount_map(dids, 65536 / 64));
	else
		CHECK(w.nr_dids == 0);
	CHECK(rec.domains_invalidated == w.nr_dids);
	CHECK(w.nr_dids <= sm.nr_pasid_changed);
	CHECK(sm.nr_pasid_changed <= sm.nr_pasid);
	CHECK(sm.nr_ctx_written <= rec.entries_scanned);
	CHECK(!!rec.entries_changed == !!sm.nr_pasid_changed);
	CHECK(rec.entries_blocked <= rec.entries_changed);
	for (i = 0, used = 0; i < sm.pairs_size; i++)
		used += !!pairs[i];
	CHECK(used == sm.nr_pairs && sm.nr_pairs <= sm.pairs_size / 4 * 3);
	if (w.ats)
		CHECK(w.nr_ats == popcount_map(ats, CRASH_DMA_QUIESCE_NR_SIDS / 64));
	else
		CHECK(w.nr_ats == 0);
	CHECK(w.nr_ats <= sm.nr_ctx_written);
	CHECK(w.nr_identity <= sm.nr_pasid_written);
	CHECK(!!(rec.flags & CRASH_DMA_QUIESCE_F_IDENTITY) == !!w.nr_identity);
	CHECK(w.memo_used <= w.memo_size);
	CHECK(rec.root_phys == w.root_phys && rec.root_size == 4096);
	switch (rec.state) {
	case CRASH_DMA_QUIESCE_BAD_ROOT:
		CHECK(!rec.entries_scanned && !rec.entries_rejected &&
		      !f.checks && !memcmp(orig, f.mem, FZ_SIZE));
		CHECK(w.root_phys < FZ_BASE || w.root_phys - FZ_BASE >= FZ_SIZE ||
		      (w.root_phys & 4095) ||
		      (w.root_phys & vtd_cq_addr_rsvd(w.haw)));
		break;
	case CRASH_DMA_QUIESCE_TIMEOUT:
		CHECK(w.timed_out && f.checks == f.limit + 1);
		break;
	case CRASH_DMA_QUIESCE_PARTIAL:
		CHECK(!w.timed_out && (rec.entries_rejected || sm.nr_deferred));
		break;
	case CRASH_DMA_QUIESCE_DONE:
		CHECK(!w.timed_out && !rec.entries_rejected);
		break;
	default:
		CHECK(0);
	}

	return 0;
}
