// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the AMD-Vi crash-path walk (amd_cq_walk() and
 * amd_cq_collect() of drivers/iommu/amd/crash_quiesce_hw.h) over an
 * arbitrary device table image.
 *
 * Input: byte 0 = flags (bit 0: mode all instead of write; bit 1: also
 * run a dry run first), bytes 1..2 = after how many calls of the deadline
 * check the budget is exhausted (0xffff: never), the rest = the device
 * table, 32 bytes per DTE (a partial last DTE is dropped).
 *
 * Invariants (a violation calls __builtin_trap(), which libFuzzer reports
 * as a crash and keeps the input), with the bit positions of the AMD
 * IOMMU Specification 48882 section 2.2.2 written out as literals, not
 * the header's macros:
 *  - no permission is granted: a changed DTE has V=1 (bit 0), TV=1
 *    (bit 1) and IW=0 (bit 62), IR=0 (bit 61) for mode all; IR is set
 *    only where it was set before or where the old entry had TV=0 (DMA
 *    untranslated, everything allowed); a TV=0 entry becomes Mode 0
 *    (bits 11:9) with no root pointer; words 1 to 3 never change;
 *  - a dry run writes nothing and reports the same counts as the real
 *    walk over a copy;
 *  - counts are consistent: entries_changed equals the DTEs that differ
 *    and the bits of rec->changed; nr_domains / nr_ats equal the bits of
 *    their bitmaps and the DomainIDs / ATS DeviceIDs recomputed here;
 *    entries_scanned matches the deadline schedule;
 *  - the walk is idempotent: a second walk changes nothing;
 *  - amd_cq_collect() over the changed bitmap finds the same domains and
 *    at least the same ATS devices.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/amd/crash_quiesce_hw.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

#define T_V	(1ULL << 0)
#define T_TV	(1ULL << 1)
#define T_MODE	(7ULL << 9)
#define T_IR	(1ULL << 61)
#define T_IW	(1ULL << 62)
#define T_I	(1ULL << 32)	/* word 1 bit 32: DTE bit 96 */

struct budget {
	struct crash_dma_quiesce_ctx *ctx;
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
	u64 domains[AMD_CQ_BITMAP_WORDS];
	u64 ats[AMD_CQ_BITMAP_WORDS];
	struct crash_dma_quiesce_record rec;
	struct amd_cq_walk w;
};

static void walk(struct run *r, u64 *table, u32 count,
		 enum crash_dma_quiesce_mode mode, bool dry, u32 limit)
{
	memset(r, 0xa5, sizeof(*r));	/* the walk must zero what it uses */
	r->w.table = table;
	r->w.count = count;
	r->w.mode = mode;
	r->w.dry_run = dry;
	r->w.expired = fz_expired;
	r->w.expired_arg = NULL;
	r->w.domains = r->domains;
	r->w.ats = r->ats;
	cur.calls = 0;
	cur.limit = limit;
	amd_cq_walk(&r->w, &r->rec);
}

static struct run ra, rb, rc;
static u64 dom_ref[AMD_CQ_BITMAP_WORDS], ats_ref[AMD_CQ_BITMAP_WORDS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum crash_dma_quiesce_mode mode;
	u32 count, limit, i, scanned, changed = 0;
	u64 *orig, *table;
	bool dry_first;

	if (size < 3)
		return 0;
	mode = data[0] & 1 ? CRASH_DMA_QUIESCE_ALL : CRASH_DMA_QUIESCE_WRITE;
	dry_first = data[0] & 2;
	limit = data[1] | (u32)data[2] << 8;
	if (limit == 0xffff)
		limit = UINT32_MAX;
	count = (u32)((size - 3) / AMD_CQ_DTE_SIZE);
	if (count > AMD_CQ_NR_IDS)
		count = AMD_CQ_NR_IDS;
	/* Exact-size buffers: ASan catches any access past the table. */
	orig = malloc((size_t)count * AMD_CQ_DTE_SIZE + 1);
	table = malloc((size_t)count * AMD_CQ_DTE_SIZE + 1);
	CHECK(orig && table);
	memcpy(orig, data + 3, (size_t)count * AMD_CQ_DTE_SIZE);
	memcpy(table, orig, (size_t)count * AMD_CQ_DTE_SIZE);

	if (dry_first) {
		walk(&rb, table, count, mode, true, limit);
		CHECK(!memcmp(table, orig, (size_t)count * AMD_CQ_DTE_SIZE));
	}
	walk(&ra, table, count, mode, false, limit);

	/* Deadline schedule: checked before DTE 0, 64, 128, ... */
	scanned = limit >= (count + 63) / 64 ? count : limit * 64;
	CHECK(ra.rec.entries_scanned == scanned);
	CHECK(ra.w.timed_out == (scanned < count));

	memset(dom_ref, 0, sizeof(dom_ref));
	memset(ats_ref, 0, sizeof(ats_ref));
	for (i = 0; i < count; i++) {
		const u64 *o = &orig[(size_t)i * 4];
		const u64 *n = &table[(size_t)i * 4];

		CHECK(n[1] == o[1] && n[2] == o[2] && n[3] == o[3]);
		if (i >= scanned) {
			CHECK(n[0] == o[0]);
			CHECK(!bit(ra.rec.changed, i));
			continue;
		}
		if (n[0] == o[0]) {
			CHECK(!bit(ra.rec.changed, i));
			/* An unchanged valid entry already had no write. */
			CHECK(!(o[0] & T_V) ||
			      ((o[0] & T_TV) && !(o[0] & T_IW) &&
			       (mode != CRASH_DMA_QUIESCE_ALL || !(o[0] & T_IR))));
			continue;
		}
		changed++;
		CHECK(bit(ra.rec.changed, i));
		CHECK((o[0] & T_V) && (n[0] & T_V) && (n[0] & T_TV));
		CHECK(!(n[0] & T_IW));
		if (mode == CRASH_DMA_QUIESCE_ALL)
			CHECK(!(n[0] & T_IR));
		if (o[0] & T_TV) {
			/* Only IW / IR cleared, nothing else touched. */
			CHECK(!(n[0] & ~o[0]));
			CHECK(!((n[0] ^ o[0]) & ~(T_IW | T_IR)));
		} else {
			CHECK(!(n[0] & T_MODE));
			CHECK(!(n[0] & ~(T_V | T_TV | T_IR)));
		}
		if (!(dom_ref[(o[1] & 0xffff) / 64] >> (o[1] & 63) & 1))
			dom_ref[(o[1] & 0xffff) / 64] |= 1ULL << (o[1] & 63);
		if ((o[0] & T_TV) && (o[1] & T_I))
			ats_ref[i / 64] |= 1ULL << (i % 64);
	}
	CHECK(ra.rec.entries_changed == changed);
	CHECK(popcount_map(ra.rec.changed, AMD_CQ_BITMAP_WORDS) == changed);
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
		CHECK(!memcmp(rb.rec.changed, ra.rec.changed,
			      sizeof(ra.rec.changed)));
	}

	/* Shared table quiesced earlier in the pass: rebuild from changed. */
	rc.w = ra.w;
	rc.w.domains = rc.domains;
	rc.w.ats = rc.ats;
	amd_cq_collect(&rc.w, ra.rec.changed);
	CHECK(!memcmp(rc.domains, ra.domains, sizeof(rc.domains)));
	CHECK(rc.w.nr_domains == ra.w.nr_domains);
	CHECK(rc.w.nr_ats >= ra.w.nr_ats);
	for (i = 0; i < AMD_CQ_BITMAP_WORDS; i++)
		CHECK((ra.ats[i] & ~rc.ats[i]) == 0);

	/* Idempotent: a second full walk changes nothing. */
	memcpy(orig, table, (size_t)count * AMD_CQ_DTE_SIZE);
	walk(&rb, table, count, mode, false, UINT32_MAX);
	if (!ra.w.timed_out)
		CHECK(rb.rec.entries_changed == 0);
	CHECK(rb.rec.entries_scanned == count);
	walk(&rb, table, count, mode, false, UINT32_MAX);
	CHECK(rb.rec.entries_changed == 0);
	CHECK(!memcmp(orig, table, (size_t)count * AMD_CQ_DTE_SIZE) ||
	      ra.w.timed_out);

	free(orig);
	free(table);
	return 0;
}
