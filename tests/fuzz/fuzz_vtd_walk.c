// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the VT-d crash-path walk (vtd_cq_walk() of
 * drivers/iommu/intel/crash_quiesce_hw.h) over an arbitrary "physical
 * memory" image holding the root table, context tables and top-level
 * second-level tables.
 *
 * Input (little endian):
 *   0  u64 CAP_REG        8  u64 ECAP_REG
 *  16  u8  HAW           17  u8 flags: bit 0 mode all, bit 1 dry run,
 *                            bit 2 no dids bitmap, bit 3 no ats bitmap,
 *                            bits 5:4 memo size (0, 4, 64, 1024 slots),
 *                            bits 7:6 context-entry cache (none, 1, 4,
 *                            4096 slots)
 *  18  u16 deadline: the budget runs out after this many checks (ffff:
 *          never)
 *  20  u8  root page (root table at page N of the image; ff: the u64 at
 *          21 is used as the raw RTADDR)
 *  21  u64 raw root address
 *  29  3 x u8: all 0, no replacement tables for pass-through entries (as
 *      when the kernel failed to build them at boot); else one per AW 1..3,
 *      three pages after the image that the records cannot write:
 *      read-only (every entry R only) in mode write, empty in mode all,
 *      as the kernel's identity and empty tables are
 *  32  records of 11 bytes: u8 page, u16 qword index (mod 512), u64 value,
 *      written into an image of FZ_PAGES zeroed 4-KiB pages at physical
 *      FZ_BASE. Sparse writes let short inputs build deep structures.
 *
 * The map callback refuses anything outside the image and traps on a
 * request that is not one aligned page. Invariants (violations call
 * __builtin_trap()), bit positions from the VT-d specification written
 * out as literals (section 9.3 context entry: P bit 0, TT bits 3:2,
 * SLPTPTR bits 63:12; section 9.8 second-level entries: R bit 0, W bit 1):
 *  - a dry run writes nothing and never flushes;
 *  - no permission is granted: every 64-bit word that changed only lost
 *    bits 0-1 (R / W, or P / FPD), or bit 2 of a present TT 01b context
 *    entry that becomes TT 00b (translated requests blocked), except the
 *    pointer field of a pass-through context entry rewritten to one of
 *    the pt_root tables (TT 10b -> 00b);
 *  - the counts agree: entries_changed equals the bits of rec->changed,
 *    nr_dids / nr_ats the bits of their bitmaps, the state matches
 *    timed_out / entries_rejected, BAD_ROOT scans nothing, the identity
 *    flag matches nr_identity, and the deadline check stops the walk;
 *  - the whole-state oracles of tests/oracle (issue 18), with the pages'
 *    roles from the oracle's own walk of the image before the pass: every
 *    changed word is a documented transition in a page only the IOMMU
 *    uses (write set); after a walk that neither timed out nor rejected
 *    anything, no valid present context entry keeps TT 01b or 10b and no
 *    present entry of its top-level table keeps W (mode all: R or W);
 *    after a PARTIAL one, every entry that still grants lies below a
 *    table the walk could not use (completeness). Completeness is judged
 *    on images whose pages each have one role at most: where a context
 *    table is also a second-level table, say, the walk's own write in one
 *    role may re-grant in the other, which no real kernel can produce.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/intel/crash_quiesce_hw.h"
#include "../oracle/oracle.c"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

#define FZ_PAGES	12
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
	u32 maps;
};

static void *fz_map(void *priv, u64 phys, u64 size)
{
	struct fz *f = priv;

	CHECK(size == 4096 && !(phys & 4095));
	f->maps++;
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
static u64 changed[CRASH_DMA_QUIESCE_NR_SIDS / 64];
static u64 memo[1024];
static u64 ctx_cache[VTD_CQ_CTX_CACHE_SLOTS][2];
static struct crash_dma_quiesce_record rec;

/* Write set and completeness (tests/oracle) of the walk just done. */
static void whole_state(const struct vtd_cq_walk *w, u8 *orig, u8 *mem)
{
	enum oracle_mode mode = w->mode == CRASH_DMA_QUIESCE_ALL ? ORACLE_ALL : ORACLE_WRITE;
	struct oracle_mem before = { fz_page, fz_usable, orig };
	struct oracle_mem after = { fz_page, fz_usable, mem };
	struct oracle_vtd u = {
		.rtaddr = w->root_phys, .cap = w->cap, .ecap = w->ecap,
		.haw = w->haw, .no_pt_table = !w->pt_root[1],
	};
	struct oracle_ws ws = { mode, fz_roles, NULL };
	struct oracle_result r;
	unsigned int i;

	memset(roles, 0, sizeof(roles));
	for (i = 0; i < 3; i++)
		roles[FZ_PAGES + i] = OR_CQ_TABLE;
	/* The register's TTM is 00b: a legacy root table, whatever the address. */
	u.rtaddr &= ~0xfffULL;
	if (w->root_phys & 0xfff)
		return;		/* BAD_ROOT: the walk touched nothing (checked below) */
	oracle_vtd_roles(&before, &u, fz_role, NULL);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < FZ_PAGES + 3; i++)
		oracle_write_page(&ws, FZ_BASE + i * 4096ULL,
				  (const uint64_t *)(orig + i * 4096),
				  (const uint64_t *)(mem + i * 4096), &r);
	if (r.bad)
		fprintf(stderr, "fuzz_vtd_walk: write set: %s\n", r.first);
	CHECK(!r.bad);
	if (w->dry_run || w->timed_out || !fz_alias_free())
		return;
	if (rec.state != CRASH_DMA_QUIESCE_DONE && rec.state != CRASH_DMA_QUIESCE_PARTIAL)
		return;
	memset(&r, 0, sizeof(r));
	oracle_vtd_complete(&after, &u, mode, &r);
	if (r.bad || (rec.state == CRASH_DMA_QUIESCE_DONE && r.excused))
		fprintf(stderr, "fuzz_vtd_walk: completeness (state %u): %s%s\n",
			rec.state, r.first, r.bad ? "" : r.first_excused);
	CHECK(!r.bad);
	if (rec.state == CRASH_DMA_QUIESCE_DONE)
		CHECK(!r.excused);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u32 memo_sizes[4] = { 0, 4, 64, 1024 };
	static const u32 cache_sizes[4] = { 0, 1, 4, VTD_CQ_CTX_CACHE_SLOTS };
	struct vtd_cq_walk w;
	struct vtd_cq_walk_ops ops;
	struct fz f;
	u8 *orig;
	u64 *o, *n;
	size_t i;
	u8 flags;
	int aw;

	if (size < FZ_HDR)
		return 0;
	/* Static images: a global's redzone lets ASan see an overrun. */
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
	w.cap = get64(data);
	w.ecap = get64(data + 8);
	w.haw = data[16];
	w.mode = flags & 1 ? CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE;
	w.dry_run = flags & 2;
	w.dids = flags & 4 ? NULL : dids;
	w.ats = flags & 8 ? NULL : ats;
	w.changed = changed;
	w.memo = memo;
	w.memo_size = memo_sizes[(flags >> 4) & 3];
	memset(memo, 0, sizeof(memo));	/* a new pass */
	/* Left as the last input's: the walk must clear it. */
	if (cache_sizes[flags >> 6]) {
		w.ctx_cache = ctx_cache;
		w.ctx_cache_mask = cache_sizes[flags >> 6] - 1;
	}
	if (data[20] == 0xff)
		w.root_phys = get64(data + 21);
	else
		w.root_phys = FZ_BASE + (u64)(data[20] % FZ_PAGES) * 4096;
	for (aw = 1; aw <= 3; aw++)
		w.pt_root[aw] = data[29] | data[30] | data[31] ?
			FZ_BASE + (u64)(FZ_PAGES + aw - 1) * 4096 : 0;

	f.dry = w.dry_run;
	f.checks = 0;
	f.limit = data[18] | (u32)data[19] << 8;
	if (f.limit == 0xffff)
		f.limit = UINT32_MAX;
	f.maps = 0;
	ops.map = fz_map;
	ops.expired = fz_expired;
	ops.flush = fz_flush;
	ops.priv = &f;

	memset(&rec, 0, sizeof(rec));
	memset(changed, 0, sizeof(changed));
	memset(dids, 0, sizeof(dids));
	memset(ats, 0, sizeof(ats));
	vtd_cq_walk(&w, &ops, &rec);

	/* Writes. */
	if (w.dry_run)
		CHECK(!memcmp(orig, f.mem, FZ_SIZE));
	o = (u64 *)orig;
	n = (u64 *)f.mem;
	for (i = 0; i < FZ_SIZE / 8; i++) {
		u64 diff = o[i] ^ n[i], gained = n[i] & ~o[i];

		if (!diff)
			continue;
		if (!(gained & ~0xfffffffffffff000ULL) &&
		    ((o[i] >> 2) & 3) == 2 && !(n[i] & 0xc)) {
			/*
			 * A pass-through entry (TT 10b) retargeted: TT 00b and
			 * SLPTPTR one of the pt_root tables (possibly the one
			 * it already held, ignored for pass-through).
			 */
			u64 ptr = n[i] & 0xfffffffffffff000ULL;

			CHECK(ptr && (ptr == w.pt_root[1] || ptr == w.pt_root[2] ||
				      ptr == w.pt_root[3]));
			continue;
		}
		/*
		 * Otherwise only bits cleared: R / W (P / FPD) and, for a
		 * present TT 01b context entry becoming TT 00b, bit 2 (a page
		 * may be both a context table and a second-level table).
		 */
		CHECK(!gained && !(diff & ~7ULL));
		if (diff & 4)
			CHECK(((o[i] >> 2) & 3) == 1 && (o[i] & 1) && !w.dry_run);
		if (w.mode == CRASH_DMA_QUIESCE_WRITE)
			CHECK(!(diff & 1));
	}

	whole_state(&w, orig, f.mem);

	/* Counts and state. */
	CHECK(rec.entries_changed ==
	      popcount_map(changed, CRASH_DMA_QUIESCE_NR_SIDS / 64));
	CHECK(w.nr_ats_off <= w.nr_ats || !w.ats);
	CHECK(!!(rec.flags & CRASH_DMA_QUIESCE_F_ATS_OFF) == !!w.nr_ats_off);
	CHECK(rec.entries_changed <= rec.entries_scanned);
	CHECK(rec.entries_rejected <= rec.entries_scanned + 256);
	CHECK(rec.entries_scanned <= 256 * 256);
	if (w.dids)
		CHECK(w.nr_dids == popcount_map(dids, 65536 / 64));
	else
		CHECK(w.nr_dids == 0);
	CHECK(rec.domains_invalidated == w.nr_dids);
	CHECK(w.nr_dids <= rec.entries_changed);
	if (w.ats)
		CHECK(w.nr_ats ==
		      popcount_map(ats, CRASH_DMA_QUIESCE_NR_SIDS / 64));
	else
		CHECK(w.nr_ats == 0);
	CHECK(w.nr_identity <= rec.entries_changed);
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
		CHECK(!w.timed_out && rec.entries_rejected);
		break;
	case CRASH_DMA_QUIESCE_DONE:
		CHECK(!w.timed_out && !rec.entries_rejected);
		break;
	default:
		CHECK(0);
	}
	/* One deadline check per present root and context entry at most. */
	CHECK(f.checks <= rec.entries_scanned + rec.entries_rejected + 256 + 1);
	CHECK(f.maps <= 1 + 256 + rec.entries_scanned);

	return 0;
}
