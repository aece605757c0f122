// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's scenarios (README.md): hostile old device tables,
 * aliases, devices without a reset method, domain ids shared by two
 * segments, random old state and events; each judged by the oracle of
 * engine.c. One PASS or FAIL line per scenario (tests/unit/check.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine.h"

/* DTE words, 48882 section 2.2.2 (literal positions). */
#define V	(1ULL << 0)
#define TV	(1ULL << 1)
#define MODE(m)	((uint64_t)(m) << 9)
#define IR	(1ULL << 61)
#define IW	(1ULL << 62)
#define ROOT	(TK_OLD1_START + 0x40000)	/* a page table in old RAM */

static struct tk_result r;

static void preset(int s, unsigned int sid, uint64_t w0, uint64_t did)
{
	tk_preset.used = 1;
	tk_preset.set[s][sid] = 1;
	tk_preset.dte[s][sid][0] = w0;
	tk_preset.dte[s][sid][1] = did;
}

static void run_pt(const char *script, int quiesce, int pt)
{
	struct tk_opts o = { .quiesce = quiesce, .verbose = 1, .pt = pt };

	tk_preset.script = script;
	tk_run(&o, &r);
	memset(&tk_preset, 0, sizeof(tk_preset));
}

static void run(const char *script, int quiesce)
{
	run_pt(script, quiesce, 0);
}

static void check_clean(const char *name)
{
	char row[120];

	snprintf(row, sizeof(row), "%s/oracle", name);
	CHECK(row, r.violations == 0);
	if (r.violations)
		printf("# first violation: %s\n", r.first);
}

/* A V=0 DTE whose root points into the crashkernel region, IR/IW set. */
static void test_v0_root(void)
{
	preset(0, 0x08, (TV | MODE(4) | TK_CK_START | IR | IW), 5);
	run("m00", 0);
	check_clean("v0_root");
	CHECK_EQ("v0_root/empty", r.empty, 1);
	/* Not quiesced: the DMA-map attach is refused, nothing replaced. */
	CHECK_EQ("v0_root/kept", r.kept, 1);
	CHECK_EQ("v0_root/replaced", r.replaced, 0);
}

/* V=1, TV=0 with a crashkernel root and IW: TV set later must not arm it. */
static void test_tv0(void)
{
	preset(0, 0x08, (V | MODE(5) | TK_CK_START | IR | IW), 6);
	run("", 0);
	check_clean("tv0_root");
	CHECK_EQ("tv0_root/not_rejected", r.rejected, 0);
}

/* Pass-through entries lose identity write; translated ones keep it. */
static void test_pass_through(void)
{
	preset(0, 0x10, V | TV | IR | IW, 9);
	preset(0, 0x08, V | TV | MODE(3) | ROOT | IR | IW, 10);
	/* 00:02.0 has no reset method: the DMA map is refused, bind stops it. */
	run("m01b01", 0);
	check_clean("pass_through");
	CHECK_EQ("pass_through/kept_before_bind", r.kept, 1);
	CHECK_EQ("pass_through/replaced_after_bind", r.replaced, 1);
}

/*
 * Two devices behind a PCIe-to-PCI bridge share the alias 01:00.0 (also
 * the first one's own id); 01:01.0 has no reset method. Resetting
 * 01:00.0 alone must not replace the alias' entry; binding 01:01.0 stops
 * it (bus master off), then the alias goes.
 */
static void test_alias(void)
{
	preset(0, 0x100, V | TV | MODE(3) | ROOT | IR | IW, 7);
	preset(0, 0x108, V | TV | MODE(3) | ROOT | IR | IW, 7);
	run("r04", 0);
	check_clean("alias_one_reset");
	CHECK_EQ("alias_one_reset/replaced", r.replaced, 0);
	CHECK_EQ("alias_one_reset/kept", r.kept, 0);

	preset(0, 0x100, V | TV | MODE(3) | ROOT | IR | IW, 7);
	preset(0, 0x108, V | TV | MODE(3) | ROOT | IR | IW, 7);
	run("r04b05", 0);
	check_clean("alias_both");
	CHECK_EQ("alias_both/replaced", r.replaced, 2);
	CHECK_EQ("alias_both/released", r.released, 1);
}

/*
 * Domain id 3 is used in both segments (one allocator for all): releasing
 * it in segment 0 must wait for segment 1. Ids 1 and 2 are taken, so a
 * wrongly freed 3 would be the next id allocated.
 */
static void test_shared_did(void)
{
	preset(0, 0x08, V | TV | MODE(3) | ROOT | IR | IW, 3);
	preset(1, 0x08, V | TV | MODE(3) | ROOT | IR | IW, 3);
	preset(1, 0x18, V | TV | MODE(3) | ROOT | IR, 1);
	preset(1, 0x20, V | TV | MODE(3) | ROOT | IR, 2);
	run("r00b01", 0);
	check_clean("shared_did");
	CHECK_EQ("shared_did/released", r.released, 0);
	CHECK_EQ("shared_did/allocated", r.allocated, 2);
}

/*
 * iommu=pt in the capture kernel. 00:02.0 has no reset method: it gets a
 * translated domain and is stopped at bind. Behind the bridge, 01:01.0
 * shares the alias 01:00.0 and cannot be reset: its whole group gets a
 * translated domain, and binding 01:00.0 stops 01:01.0 (bus master off),
 * which is enough there. The oracle refuses an identity mapping of an
 * entry whose sharers were not all reset.
 */
static void test_pt(void)
{
	preset(0, 0x10, V | TV | MODE(3) | ROOT | IR | IW, 9);
	run_pt("b01", 0, 1);
	check_clean("pt_no_reset");
	CHECK_EQ("pt_no_reset/replaced", r.replaced, 1);

	preset(0, 0x100, V | TV | MODE(3) | ROOT | IR | IW, 7);
	preset(0, 0x110, V | TV | MODE(3) | ROOT | IR | IW, 7);
	run_pt("b04b07r07", 0, 1);
	check_clean("pt_alias");
	CHECK_EQ("pt_alias/replaced", r.replaced, 2);
	CHECK_EQ("pt_alias/kept", r.kept, 0);
}

/*
 * Domain id 0x300 (above the last DeviceID, so Linux 6.1's flush of every
 * cache misses it on an IOMMU without INVALIDATE_IOMMU_ALL) is copied in
 * segment 0 and in a rejected valid entry of segment 1: releasing it with
 * segment 0's last user must not free it for the allocator.
 */
static void test_rejected_did(void)
{
	preset(0, 0x08, V | TV | MODE(3) | ROOT | IR | IW, 0x300);
	preset(1, 0x08, V | TV | MODE(4) | TK_CK_START | IR | IW, 0x300);
	tk_preset.alloc_from = 0x300;
	run("r00b01", 0);
	check_clean("rejected_did");
	CHECK_EQ("rejected_did/rejected", r.rejected, 1);
	CHECK_EQ("rejected_did/not_freed", r.released, 0);
}

/* Hostile tables and events from a PRNG, judged by the oracle. */
static void test_random(int quiesce, int runs, int pt)
{
	static uint8_t buf[8192];
	struct tk_opts o = { .data = buf, .len = sizeof(buf),
			     .quiesce = quiesce, .events = 40, .pt = pt };
	unsigned long long x = 0x9e3779b97f4a7c15ULL + quiesce + 2 * pt;
	int i, bad = 0, replaced = 0, rejected = 0, empty = 0;
	size_t j;
	char row[80];

	for (i = 0; i < runs; i++) {
		for (j = 0; j < sizeof(buf); j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = (uint8_t)x;
		}
		tk_run(&o, &r);
		replaced += r.replaced;
		rejected += r.rejected;
		empty += r.empty;
		if (r.violations && !bad++)
			printf("# run %d: %s\n", i, r.first);
	}
	snprintf(row, sizeof(row), "random/quiesce%d-pt%d/%d_runs_clean",
		 quiesce, pt, runs);
	CHECK_EQ(row, bad, 0);
	/* The generator does reach every path. */
	snprintf(row, sizeof(row), "random/quiesce%d/some_rejected", quiesce);
	CHECK(row, rejected > 0);
	snprintf(row, sizeof(row), "random/quiesce%d/some_empty", quiesce);
	CHECK(row, empty > 0);
	snprintf(row, sizeof(row), "random/quiesce%d/some_replaced", quiesce);
	CHECK(row, replaced > 0);
	printf("# quiesce=%d pt=%d: %d runs, %d rejected, %d empty, %d replaced\n",
	       quiesce, pt, runs, rejected, empty, replaced);
}

int main(void)
{
	RUN_CASE("takeover/amd-v0-root-in-crashkernel", test_v0_root());
	RUN_CASE("takeover/amd-tv0-garbage", test_tv0());
	RUN_CASE("takeover/amd-pass-through-no-reset", test_pass_through());
	RUN_CASE("takeover/alias-shared-by-two-devices", test_alias());
	RUN_CASE("takeover/did-shared-by-two-segments", test_shared_did());
	RUN_CASE("takeover/iommu-pt-in-capture-kernel", test_pt());
	RUN_CASE("takeover/did-of-a-rejected-entry", test_rejected_did());
	RUN_CASE("takeover/random-hostile", test_random(0, 300, 0));
	RUN_CASE("takeover/random-hostile-quiesce", test_random(1, 100, 0));
	RUN_CASE("takeover/random-hostile-pt", test_random(0, 200, 1));
	return check_failed ? 1 : 0;
}
