// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the AMD-Vi crash-path walk (amd_cq_walk(),
 * amd_cq_collect() and amd_cq_mark_last() of
 * drivers/iommu/amd/crash_quiesce_hw.h) over an arbitrary device table
 * image.
 *
 * Input: byte 0 = flags (bit 0: mode all instead of write; bit 1: also
 * run a dry run first; bit 2: SNP enabled), bytes 1..2 = after how many calls of the deadline
 * check the budget is exhausted (0xffff: never), the rest = the device
 * table, 32 bytes per DTE (a partial last DTE is dropped).
 *
 * Invariants (a violation calls __builtin_trap(), which libFuzzer reports
 * as a crash and keeps the input), with the bit positions of the AMD
 * IOMMU Specification 48882 section 2.2.2 written out as literals, not
 * the header's macros:
 *  - no permission is granted: a changed DTE has V=1 (bit 0), TV=1
 *    (bit 1) and IW=0 (bit 62), IR=0 (bit 61) for mode all, I=0 (word 1
 *    bit 32); IR is set only where it was set before or where the old
 *    entry had V=0 or TV=0 (DMA untranslated, everything allowed); such
 *    an entry becomes Mode 0 (bits 11:9) with no root pointer and word 1
 *    zero (words 2-3 zero too when V was 0); a V=1, TV=1 entry keeps
 *    every other bit except SysMgt 01b (word 1 bits 41:40), which
 *    becomes 00b; never SysMgt 01b with IW=0 (erratum 63);
 *  - a dry run writes nothing and reports the same counts as the real
 *    walk;
 *  - counts are consistent: entries_changed equals the DTEs that differ
 *    and the bits of the changed bitmap; entries_blocked, with SNP, the
 *    changed DTEs that had V=0 or TV=0 (0 without); nr_domains / nr_ats equal the
 *    bits of their bitmaps and the DomainIDs / ATS DeviceIDs recomputed
 *    here; entries_scanned matches the deadline schedule;
 *  - a walk stopped at the deadline and continued ends where a walk
 *    without deadline ends; the walk is idempotent;
 *  - amd_cq_collect() over the changed bitmap finds the DomainIDs the
 *    table now holds for those DTEs; amd_cq_mark_last() marks exactly
 *    the highest changed DeviceID of every domain;
 *  - the whole-state oracles of tests/oracle (issue 18): once a walk has
 *    covered the whole table, no DTE grants write any more (mode all:
 *    any access): V=1, TV=1, IW=0, I=0, SysMgt != 01b (and IR=0); every
 *    changed DTE makes a transition the promise documents.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/amd/crash_quiesce_hw.h"
#include "../oracle/oracle.c"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

#define T_V	(1ULL << 0)
#define T_TV	(1ULL << 1)
#define T_MODE	(7ULL << 9)
#define T_IR	(1ULL << 61)
#define T_IW	(1ULL << 62)
#define T_I	(1ULL << 32)	/* word 1 bit 32: DTE bit 96 */
#define T_SYSMGT (3ULL << 40)	/* word 1 bits 41:40: DTE bits 105:104 */

struct budget {
	u32 calls;
	u32 limit;
};

static struct budget cur;

static bool fz_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	(void)ctx;
	return cur.calls++ >= cur.limit;
}

static u32 popcount_map(const u64 *map, u32 words)
{
	u32 i, n = 0;

	for (i = 0; i < words; i++)
		n += (u32)__builtin_popcountll(map[i]);
	return n;
}

static bool bit(const u64 *map, u32 n)
{
	return map[n / 64] >> (n % 64) & 1;
}

struct run {
	u64 changed[AMD_CQ_BITMAP_WORDS];
	u64 domains[AMD_CQ_BITMAP_WORDS];
	u64 ats[AMD_CQ_BITMAP_WORDS];
	struct crash_dma_quiesce_record rec;
	struct amd_cq_walk w;
};

static bool fz_snp;

static void walk(struct run *r, u64 *table, u32 count,
		 enum crash_dma_quiesce_mode mode, bool dry, u32 limit)
{
	memset(r, 0xa5, sizeof(*r));	/* the walk must zero what it uses */
	r->w.snp = fz_snp;
	r->w.table = table;
	r->w.count = count;
	r->w.mode = mode;
	r->w.dry_run = dry;
	r->w.expired = fz_expired;
	r->w.expired_arg = NULL;
	r->w.flush = NULL;
	r->w.changed = r->changed;
	r->w.domains = r->domains;
	r->w.ats = r->ats;
	cur.calls = 0;
	cur.limit = limit;
	amd_cq_walk_begin(&r->w, &r->rec);
	amd_cq_walk(&r->w, &r->rec);
}

static struct run ra, rb, rc;

/* The table as the oracles' memory: DTE i at "physical" address 32 * i. */
struct tview {
	const u64 *table;
	u32 count;
};

static const uint64_t *tv_page(void *priv, uint64_t phys)
{
	const struct tview *v = priv;

	return phys < (u64)v->count * 32 ? v->table + phys / 8 : NULL;
}

static bool tv_usable(void *priv, uint64_t phys)
{
	(void)priv;
	(void)phys;
	return true;
}

/* The whole table after a walk that covered all of it (oracle.h). */
static void oracle_checks(const u64 *orig, const u64 *table, u32 count,
			  enum crash_dma_quiesce_mode mode)
{
	enum oracle_mode om = mode == CRASH_DMA_QUIESCE_ALL ? ORACLE_ALL : ORACLE_WRITE;
	struct tview v = { table, count };
	struct oracle_mem m = { tv_page, tv_usable, &v };
	struct oracle_amd u = { .devtab = 0, .dtes = count };
	struct oracle_result r;
	u32 i;

	if (!count)
		return;		/* no table (.dtes = 0 would mean "from the register") */
	memset(&r, 0, sizeof(r));
	oracle_amd_complete(&m, &u, om, NULL, NULL, &r);
	CHECK(!r.bad && !r.excused);
	for (i = 0; i < count; i++)
		CHECK(oracle_amd_dte_ok(&orig[(size_t)i * 4], &table[(size_t)i * 4], om));
}
static u64 dom_ref[AMD_CQ_BITMAP_WORDS], ats_ref[AMD_CQ_BITMAP_WORDS];
static u64 seen[AMD_CQ_BITMAP_WORDS], last[AMD_CQ_BITMAP_WORDS];
static u32 maxdev[65536];

/* The revoke of one changed DTE, checked against the specification. */
static void check_changed(const u64 *o, const u64 *n,
			  enum crash_dma_quiesce_mode mode)
{
	CHECK((n[0] & T_V) && (n[0] & T_TV) && !(n[0] & T_IW) && !(n[1] & T_I));
	if (mode == CRASH_DMA_QUIESCE_ALL)
		CHECK(!(n[0] & T_IR));
	CHECK(!((n[1] & T_SYSMGT) == (1ULL << 40) && !(n[0] & T_IW)));
	if ((o[0] & T_V) && (o[0] & T_TV)) {
		/* Word 0: only IW / IR cleared, nothing else touched. */
		CHECK(!(n[0] & ~o[0]));
		CHECK(!((n[0] ^ o[0]) & ~(T_IW | T_IR)));
		/* Word 1: only I, and SysMgt 01b, cleared. */
		CHECK(!(n[1] & ~o[1]));
		CHECK(!((n[1] ^ o[1]) & ~(T_I | T_SYSMGT)));
		if ((n[1] ^ o[1]) & T_SYSMGT)
			CHECK((o[1] & T_SYSMGT) == (1ULL << 40));
		CHECK(n[2] == o[2] && n[3] == o[3]);
	} else {
		CHECK(!(n[0] & T_MODE));
		CHECK(!(n[0] & ~(T_V | T_TV | T_IR)));
		CHECK(!n[1]);
		if (o[0] & T_V)
			CHECK(n[2] == o[2] && n[3] == o[3]);
		else
			CHECK(!n[2] && !n[3]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum crash_dma_quiesce_mode mode;
	u32 count, limit, i, scanned, changed = 0, blocked = 0;
	u64 *orig, *table, *full;
	size_t bytes;
	bool dry_first;

	if (size < 3)
		return 0;
	mode = data[0] & 1 ? CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE;
	dry_first = data[0] & 2;
	fz_snp = data[0] & 4;
	limit = data[1] | (u32)data[2] << 8;
	if (limit == 0xffff)
		limit = UINT32_MAX;
	count = (u32)((size - 3) / AMD_CQ_DTE_SIZE);
	if (count > AMD_CQ_NR_IDS)
		count = AMD_CQ_NR_IDS;
	bytes = (size_t)count * AMD_CQ_DTE_SIZE;
	/* Exact-size buffers: ASan catches any access past the table. */
	orig = malloc(bytes + 1);
	table = malloc(bytes + 1);
	full = malloc(bytes + 1);
	CHECK(orig && table && full);
	memcpy(orig, data + 3, bytes);
	memcpy(table, orig, bytes);
	memcpy(full, orig, bytes);

	if (dry_first) {
		walk(&rb, table, count, mode, true, limit);
		CHECK(!memcmp(table, orig, bytes));
	}
	walk(&ra, table, count, mode, false, limit);

	/* Deadline schedule: checked before DTE 0, 64, 128, ... */
	scanned = limit >= (count + 63) / 64 ? count : limit * 64;
	CHECK(ra.rec.entries_scanned == scanned);
	CHECK(ra.w.timed_out == (scanned < count));
	CHECK(ra.w.next == scanned);
	CHECK(ra.rec.entries_rejected == 0);	/* no other CPU here */

	memset(dom_ref, 0, sizeof(dom_ref));
	memset(ats_ref, 0, sizeof(ats_ref));
	for (i = 0; i < count; i++) {
		const u64 *o = &orig[(size_t)i * 4];
		const u64 *n = &table[(size_t)i * 4];
		bool tv = (o[0] & T_V) && (o[0] & T_TV);
		u32 dom;

		if (i >= scanned) {
			CHECK(!memcmp(n, o, 32));
			CHECK(!bit(ra.changed, i));
			continue;
		}
		if (!memcmp(n, o, 32)) {
			CHECK(!bit(ra.changed, i));
			/* An unchanged entry already gave no write, no ATS. */
			CHECK(tv && !(o[0] & T_IW) && !(o[1] & T_I) &&
			      (mode != CRASH_DMA_QUIESCE_ALL || !(o[0] & T_IR)));
			continue;
		}
		changed++;
		blocked += fz_snp && !tv;
		CHECK(bit(ra.changed, i));
		check_changed(o, n, mode);
		dom = tv ? (u32)(o[1] & 0xffff) : 0;
		dom_ref[dom / 64] |= 1ULL << (dom % 64);
		if (tv && (o[1] & T_I))
			ats_ref[i / 64] |= 1ULL << (i % 64);
	}
	CHECK(ra.rec.entries_changed == changed);
	CHECK(ra.rec.entries_blocked == blocked);
	CHECK(popcount_map(ra.changed, AMD_CQ_BITMAP_WORDS) == changed);
	CHECK(!memcmp(ra.domains, dom_ref, sizeof(dom_ref)));
	CHECK(!memcmp(ra.ats, ats_ref, sizeof(ats_ref)));
	CHECK(ra.w.nr_domains == popcount_map(dom_ref, AMD_CQ_BITMAP_WORDS));
	CHECK(ra.w.nr_ats == popcount_map(ats_ref, AMD_CQ_BITMAP_WORDS));
	CHECK(ra.w.nr_domains <= changed && ra.w.nr_ats <= changed);

	if (dry_first) {
		CHECK(rb.rec.entries_scanned == ra.rec.entries_scanned);
		CHECK(rb.rec.entries_changed == ra.rec.entries_changed);
		CHECK(rb.w.nr_domains == ra.w.nr_domains);
		CHECK(rb.w.nr_ats == ra.w.nr_ats);
		CHECK(rb.w.timed_out == ra.w.timed_out);
		CHECK(!memcmp(rb.changed, ra.changed, sizeof(ra.changed)));
	}

	/* Shared table quiesced earlier in the pass: domains as they are now. */
	rc.w = ra.w;
	rc.w.domains = rc.domains;
	amd_cq_collect(&rc.w, ra.changed);
	memset(dom_ref, 0, sizeof(dom_ref));
	for (i = 0; i < count; i++)
		if (bit(ra.changed, i))
			dom_ref[(table[(size_t)i * 4 + 1] & 0xffff) / 64] |=
				1ULL << ((table[(size_t)i * 4 + 1] & 0xffff) % 64);
	CHECK(!memcmp(rc.domains, dom_ref, sizeof(dom_ref)));
	CHECK(rc.w.nr_domains == popcount_map(dom_ref, AMD_CQ_BITMAP_WORDS));

	/* The last changed DeviceID of every domain. */
	amd_cq_mark_last(table, count, ra.changed, seen, last);
	for (i = 0; i < count; i++)
		if (bit(ra.changed, i))
			maxdev[table[(size_t)i * 4 + 1] & 0xffff] = i;
	for (i = 0; i < count; i++)
		CHECK(bit(last, i) == (bit(ra.changed, i) &&
				       maxdev[table[(size_t)i * 4 + 1] & 0xffff] == i));
	CHECK(amd_cq_bitmap_next(last, count) == AMD_CQ_NR_IDS);

	/*
	 * Continued after the deadline (another IOMMU of the same table):
	 * ends as a walk without deadline over the original ends.
	 */
	if (ra.w.timed_out) {
		cur.calls = 0;
		cur.limit = UINT32_MAX;
		amd_cq_walk(&ra.w, &ra.rec);
		CHECK(!ra.w.timed_out && ra.w.next == count);
		CHECK(ra.rec.entries_scanned == count);
	}
	walk(&rc, full, count, mode, false, UINT32_MAX);
	CHECK(!memcmp(full, table, bytes));
	oracle_checks(orig, table, count, mode);
	CHECK(!memcmp(rc.changed, ra.changed, sizeof(ra.changed)));
	CHECK(rc.rec.entries_changed == ra.rec.entries_changed);

	/* Idempotent: a second full walk changes nothing. */
	memcpy(orig, table, bytes);
	walk(&rb, table, count, mode, false, UINT32_MAX);
	CHECK(rb.rec.entries_changed == 0);
	CHECK(rb.rec.entries_scanned == count);
	CHECK(!memcmp(orig, table, bytes));

	free(orig);
	free(table);
	free(full);
	return 0;
}
