// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VT-d capture-kernel takeover helpers
 * (drivers/iommu/intel/kdump_hw.h): validation of root and legacy context
 * entries copied from the crashed kernel, CAP.ND, and the retargeting of a
 * context entry to a copied top-level table.
 *
 * Expected values use literal bit positions from the Intel VT-d
 * Architecture Specification (section 9.1 root entry, section 9.3 context
 * entry, section 10.4.2 CAP_REG, section 10.4.3 ECAP_REG), never the
 * header's macros.
 *
 * Prints a row per check and a PASS or FAIL line per test function
 * (see check.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../drivers/iommu/intel/kdump_hw.h"

/* Context entry, section 9.3. */
#define T_P		(1ULL << 0)
#define T_FPD		(1ULL << 1)
#define T_TT(t)		((uint64_t)(t) << 2)	/* bits 3:2 */
#define T_AW(a)		((uint64_t)(a))		/* hi bits 2:0 */
#define T_DID(d)	((uint64_t)(d) << 8)	/* hi bits 23:8 */
/* CAP_REG: ND bits 2:0, SAGAW bits 12:8; ECAP_REG: DT bit 2, PT bit 6. */
#define T_ND(n)		((uint64_t)(n))
#define T_SAGAW(a)	(1ULL << (8 + (a)))
#define T_ECAP_DT	(1ULL << 2)
#define T_ECAP_PT	(1ULL << 6)

#define RAM_START	0x100000ULL
#define RAM_END		0x40000000ULL

static bool fake_old_ram(uint64_t phys, uint64_t size)
{
	return phys >= RAM_START && phys + size <= RAM_END &&
	       phys + size >= phys;
}

static void test_ndoms(void)
{
	CHECK_EQ("cap/nd0_16", vtd_kd_ndoms(T_ND(0)), 16);
	CHECK_EQ("cap/nd1_64", vtd_kd_ndoms(T_ND(1)), 64);
	CHECK_EQ("cap/nd2_256", vtd_kd_ndoms(T_ND(2)), 256);
	CHECK_EQ("cap/nd6_65536", vtd_kd_ndoms(T_ND(6)), 65536);
	CHECK_EQ("cap/nd7_reserved_65536", vtd_kd_ndoms(T_ND(7)), 65536);
	CHECK_EQ("cap/nd_ignores_bit3", vtd_kd_ndoms(T_ND(2) | (1ULL << 3)), 256);
}

static void test_root(void)
{
	uint64_t ctp = 0x2345000ULL;
	unsigned int b;
	char name[64];

	CHECK("root/valid", !vtd_kd_root_check(ctp | T_P, 0, 39, fake_old_ram));
	for (b = 1; b <= 11; b++) {
		snprintf(name, sizeof(name), "root/reserved_bit%u", b);
		CHECK(name, vtd_kd_root_check(ctp | T_P | (1ULL << b), 0, 39,
					      fake_old_ram) != NULL);
	}
	CHECK("root/hi_reserved",
	      vtd_kd_root_check(ctp | T_P, 1ULL << 40, 39, fake_old_ram) != NULL);
	CHECK("root/ctp_beyond_haw",
	      vtd_kd_root_check((1ULL << 39) | ctp | T_P, 0, 39, fake_old_ram) != NULL);
	CHECK("root/ctp_outside_ram",
	      vtd_kd_root_check(0x40000000ULL | T_P, 0, 39, fake_old_ram) != NULL);
	CHECK("root/ctp_zero_outside_ram",
	      vtd_kd_root_check(T_P, 0, 39, fake_old_ram) != NULL);
}

static void test_ctx(void)
{
	uint64_t cap = T_ND(2) | T_SAGAW(1) | T_SAGAW(2);
	uint64_t ecap = T_ECAP_PT;
	uint64_t slpt = 0x3456000ULL;
	uint64_t lo = slpt | T_TT(0) | T_P, hi = T_AW(2) | T_DID(5);
	unsigned int b;
	char name[64];

	CHECK("ctx/translated_valid",
	      !vtd_kd_ctx_check(lo, hi, cap, ecap, 39, fake_old_ram));
	CHECK("ctx/fpd_allowed",
	      !vtd_kd_ctx_check(lo | T_FPD, hi, cap, ecap, 39, fake_old_ram));
	for (b = 4; b <= 11; b++) {
		snprintf(name, sizeof(name), "ctx/reserved_lo_bit%u", b);
		CHECK(name, vtd_kd_ctx_check(lo | (1ULL << b), hi, cap, ecap, 39,
					     fake_old_ram) != NULL);
	}
	CHECK("ctx/reserved_hi_bit7",
	      vtd_kd_ctx_check(lo, hi | (1ULL << 7), cap, ecap, 39, fake_old_ram) != NULL);
	CHECK("ctx/reserved_hi_bit24",
	      vtd_kd_ctx_check(lo, hi | (1ULL << 24), cap, ecap, 39, fake_old_ram) != NULL);
	CHECK("ctx/avail_hi_bits_6_3_allowed",
	      !vtd_kd_ctx_check(lo, hi | (0xfULL << 3), cap, ecap, 39, fake_old_ram));
	CHECK("ctx/tt3_reserved",
	      vtd_kd_ctx_check(lo | T_TT(3), hi, cap, ecap, 39, fake_old_ram) != NULL);
	CHECK("ctx/tt1_needs_ecap_dt",
	      vtd_kd_ctx_check(lo | T_TT(1), hi, cap, ecap, 39, fake_old_ram) != NULL);
	CHECK("ctx/tt1_with_ecap_dt",
	      !vtd_kd_ctx_check(lo | T_TT(1), hi, cap, ecap | T_ECAP_DT, 39,
				fake_old_ram));
	CHECK("ctx/aw_not_in_sagaw",
	      vtd_kd_ctx_check(lo, T_AW(3) | T_DID(5), cap, ecap, 39,
			       fake_old_ram) != NULL);
	CHECK("ctx/aw0_rejected",
	      vtd_kd_ctx_check(lo, T_AW(0) | T_DID(5), cap, ecap, 39,
			       fake_old_ram) != NULL);
	/* ND=2: 256 domain ids. */
	CHECK("ctx/did255_ok",
	      !vtd_kd_ctx_check(lo, T_AW(2) | T_DID(255), cap, ecap, 39,
				fake_old_ram));
	CHECK("ctx/did256_beyond_nd",
	      vtd_kd_ctx_check(lo, T_AW(2) | T_DID(256), cap, ecap, 39,
			       fake_old_ram) != NULL);
	CHECK("ctx/slpt_outside_ram",
	      vtd_kd_ctx_check(0x50000000ULL | T_P, hi, cap, ecap, 39,
			       fake_old_ram) != NULL);
	CHECK("ctx/slpt_beyond_haw",
	      vtd_kd_ctx_check((1ULL << 40) | slpt | T_P, hi, cap, ecap, 39,
			       fake_old_ram) != NULL);
	/* Pass-through: SLPTPTR is ignored by the hardware. */
	CHECK("ctx/pt_ignores_slpt",
	      !vtd_kd_ctx_check(0x50000000ULL | T_TT(2) | T_P, hi, cap, ecap, 39,
				fake_old_ram));
	CHECK("ctx/pt_needs_ecap_pt",
	      vtd_kd_ctx_check(T_TT(2) | T_P, hi, cap, 0, 39, fake_old_ram) != NULL);
}

/* Pass-through (TT 10b) loses identity write without the quiesce too. */
static void test_needs_quiesce(void)
{
	CHECK("pt/tt2_needs", vtd_kd_ctx_needs_quiesce(T_TT(2) | T_P));
	CHECK("pt/tt0_not", !vtd_kd_ctx_needs_quiesce(0x5000ULL | T_TT(0) | T_P));
	CHECK("pt/tt1_not", !vtd_kd_ctx_needs_quiesce(0x5000ULL | T_TT(1) | T_P));
}

static void test_retarget(void)
{
	uint64_t lo = 0x3456000ULL | T_TT(1) | T_FPD | T_P;

	CHECK_EQ("retarget/keeps_low_bits",
		 vtd_kd_ctx_retarget(lo, 0x789a000ULL),
		 0x789a000ULL | T_TT(1) | T_FPD | T_P);
	CHECK_EQ("retarget/ignores_table_low_bits",
		 vtd_kd_ctx_retarget(lo, 0x789afffULL),
		 0x789a000ULL | T_TT(1) | T_FPD | T_P);
}

/* Second-level entries, section 9.8: R bit 0, W bit 1, PS bit 7. */
#define T_R		(1ULL << 0)
#define T_W		(1ULL << 1)
#define T_PS		(1ULL << 7)

/*
 * IRTE for posted interrupts (VT-d section 9.11): P bit 0, IM bit 15,
 * PDA[31:6] in bits 63:38, PDA[63:32] in bits 127:96 (issue 19, minor
 * item: the unit writes the interrupt into that descriptor).
 */
static void test_irte(void)
{
	uint64_t pda = 0x2345640ULL;	/* 64-byte aligned, in old RAM */
	uint64_t lo = 1 | (1ULL << 15) | ((pda >> 6) << 38);

	CHECK("irte/posted_in_old_ram_kept", !vtd_kd_irte_check(lo, 0, fake_old_ram));
	CHECK("irte/posted_high_half_outside",
	      vtd_kd_irte_check(lo, 0x1ULL << 32, fake_old_ram) != NULL);
	lo = 1 | (1ULL << 15) | ((0x80000000ULL >> 6) << 38);
	CHECK("irte/posted_outside_rejected",
	      vtd_kd_irte_check(lo, 0, fake_old_ram) != NULL);
	CHECK("irte/remapped_ignored",
	      !vtd_kd_irte_check(lo & ~(1ULL << 15), 0, fake_old_ram));
	CHECK("irte/not_present_ignored",
	      !vtd_kd_irte_check(lo & ~1ULL, 0, fake_old_ram));
	lo = 1 | (1ULL << 15) | ((0xffffffc0ULL >> 6) << 38);
	CHECK("irte/pda_bits_31_6", vtd_kd_irte_check(lo, 0, fake_old_ram) != NULL);
}

static void test_sl_top(void)
{
	static uint64_t t[512];
	uint64_t cap = T_SAGAW(1) | T_SAGAW(2) | (1ULL << 35);	/* SLLPS 1G */

	memset(t, 0, sizeof(t));
	t[0] = 0x4000000ULL | T_R | T_W;
	t[7] = 0x4001000ULL | T_R;
	CHECK("sltop/valid_4level",
	      !vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram));
	t[9] = 0x50000000ULL | T_R;	/* next-level table outside RAM */
	CHECK("sltop/next_level_outside_ram",
	      vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) != NULL);
	t[9] = 0;
	t[3] = 0x4002000ULL | T_R | (1ULL << 11);	/* SNP in a non-leaf */
	CHECK("sltop/snp_in_nonleaf_reserved",
	      vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) != NULL);
	t[3] = 0;
	/* 3 levels: a 1 GiB leaf may map any address (a data page). */
	t[5] = (5ULL << 30) | T_PS | T_R | T_W;
	CHECK("sltop/1g_leaf_any_address",
	      !vtd_kd_sl_top_check(t, 3, cap, 0, 39, fake_old_ram));
	CHECK("sltop/1g_leaf_needs_sllps",
	      vtd_kd_sl_top_check(t, 3, T_SAGAW(1), 0, 39, fake_old_ram) != NULL);
	/* PS in an SL-PML4E is reserved. */
	CHECK("sltop/ps_in_pml4e_reserved",
	      vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) != NULL);
	t[5] = 0;
	/* Non-present entries are not looked at. */
	t[6] = 0x50000000ULL | (1ULL << 11);
	CHECK("sltop/nonpresent_ignored",
	      !vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram));
}

/*
 * Every index of the top-level table is looked at: for each i of 0..511,
 * a table whose only present entry is i (R, bits 0, and a next-level
 * address in bits 51:12, section 9.8) is refused when that address lies
 * outside old RAM or the entry has PS (bit 7, reserved in an SL-PML4E)
 * set, and accepted when it is a well-formed pointer into old RAM.
 */
static void test_sl_top_every_index(void)
{
	static uint64_t t[512];
	uint64_t cap = T_SAGAW(2);	/* 4-level tables */
	int bad_out = -1, bad_ps = -1, bad_in = -1;
	unsigned int i;

	for (i = 0; i < 512; i++) {
		memset(t, 0, sizeof(t));
		t[i] = 0x50000000ULL | T_R;		/* outside RAM */
		if (!vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) && bad_out < 0)
			bad_out = i;
		t[i] = 0x4000000ULL | T_R | T_PS;	/* PS reserved */
		if (!vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) && bad_ps < 0)
			bad_ps = i;
		t[i] = 0x4000000ULL | T_R | T_W;	/* in old RAM */
		if (vtd_kd_sl_top_check(t, 4, cap, 0, 39, fake_old_ram) && bad_in < 0)
			bad_in = i;
	}
	CHECK_EQ("sltop/every_index_outside_ram_refused", bad_out, -1);
	CHECK_EQ("sltop/every_index_ps_refused", bad_ps, -1);
	CHECK_EQ("sltop/every_index_in_ram_accepted", bad_in, -1);
}

int main(void)
{
	RUN_CASE("unit/kdump-vtd/ndoms", test_ndoms());
	RUN_CASE("unit/kdump-vtd/root", test_root());
	RUN_CASE("unit/kdump-vtd/ctx", test_ctx());
	RUN_CASE("unit/kdump-vtd/retarget", test_retarget());
	RUN_CASE("unit/kdump-vtd/pass_through", test_needs_quiesce());
	RUN_CASE("unit/kdump-vtd/sl_top", test_sl_top());
	RUN_CASE("unit/kdump-vtd/sl_top_every_index", test_sl_top_every_index());
	RUN_CASE("unit/kdump-vtd/irte", test_irte());
	return check_failed ? 1 : 0;
}
