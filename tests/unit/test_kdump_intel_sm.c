// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VT-d capture-kernel takeover in scalable mode
 * (drivers/iommu/intel/kdump_sm_hw.h): validation of the root entry
 * halves, context entries, PASID directory entries and PASID entries
 * copied from the crashed kernel, the first-level top table check and the
 * bring-up quiesce transforms.
 *
 * Expected values use literal bit positions of the Intel VT-d Architecture
 * Specification: 9.2 root entry (P bit 0, bits 11:1 reserved, pointer
 * 63:12 in each half), 9.4 context entry (P 0, DTE 2, PASIDE 3, PRE 4,
 * bits 8:5 reserved, PDTS 11:9, directory 63:12; RID_PASID 83:64, bits
 * 127:85 reserved), 9.5 directory entry (P 0, FPD 1, bits 11:2 reserved),
 * 9.6 PASID entry (P 0, AW 4:2, PGTT 8:6, SLPTPTR 63:12; DID 79:64; SRE
 * 128, FLPM 131:130, WPE 132, FLPTPTR 191:140), 9.7 first-level entries
 * (P 0, R/W 1, PS 7), 10.4.2 CAP (ND 2:0, SAGAW 12:8, FL5LP 60), 10.4.3
 * ECAP (DT 2, PT 6, NEST 26, PRS 29, PASID 40, SLTS 46, FLTS 47).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../drivers/iommu/intel/kdump_sm_hw.h"

#define RAM_START	0x100000ULL
#define RAM_END		0x40000000ULL
#define CRASHK		0x30000000ULL	/* [CRASHK, RAM_END): not old RAM */

#define CAP	(2ULL | (1ULL << 9) | (1ULL << 10) | (1ULL << 35) | (1ULL << 60))
#define ECAP	((1ULL << 2) | (1ULL << 6) | (1ULL << 26) | (1ULL << 29) | \
		 (1ULL << 40) | (1ULL << 46) | (1ULL << 47))

static bool fake_old_ram(uint64_t phys, uint64_t size)
{
	return phys >= RAM_START && phys + size >= phys && phys + size <= CRASHK;
}

static void test_root_ctx(void)
{
	u64 ce[4] = { 0x200000 | 1, 0, 0, 0 };

	CHECK("sm root valid", !vtd_kd_sm_root_check(0x123001, 39, fake_old_ram));
	CHECK("sm root bit 1", vtd_kd_sm_root_check(0x123003, 39, fake_old_ram));
	CHECK("sm root above haw", vtd_kd_sm_root_check(0x8000123001ULL, 39, fake_old_ram));
	CHECK("sm root in crashkernel", vtd_kd_sm_root_check(CRASHK | 1, 39, fake_old_ram));

	CHECK("sm ctx valid", !vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] |= 1 << 5;
	CHECK("sm ctx bit 5 reserved", vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] &= ~(1ULL << 5);
	ce[1] = 1ULL << 21;
	CHECK("sm ctx bit 85 reserved", vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[1] = 0xfffff;	/* RID_PASID 19:0, RID_PRIV 20 clear */
	CHECK("sm ctx rid_pasid ok", !vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] |= 1 << 2;
	CHECK("sm ctx DTE needs DT", vtd_kd_sm_ctx_check(ce, ECAP & ~(1ULL << 2), 39,
							 fake_old_ram));
	CHECK("sm ctx DTE with DT", !vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] |= 1 << 3;
	CHECK("sm ctx PASIDE needs PASID", vtd_kd_sm_ctx_check(ce, ECAP & ~(1ULL << 40), 39,
							       fake_old_ram));
	ce[0] |= 1 << 4;
	CHECK("sm ctx PRE needs PRS", vtd_kd_sm_ctx_check(ce, ECAP & ~(1ULL << 29), 39,
							  fake_old_ram));
	/* PDTS 7: a 128 KiB directory, which must fit in old RAM. */
	ce[0] = (CRASHK - 0x20000) | 1 | (7 << 9);
	CHECK("sm ctx 128K directory fits", !vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] = (CRASHK - 0x10000) | 1 | (7 << 9);
	CHECK("sm ctx directory runs into crashkernel",
	      vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	ce[0] = CRASHK | 1;
	CHECK("sm ctx directory in crashkernel", vtd_kd_sm_ctx_check(ce, ECAP, 39, fake_old_ram));
	CHECK_EQ("sm dir bytes pdts 0 (one page)", vtd_kd_sm_dir_bytes(1), 4096);
	CHECK_EQ("sm dir bytes pdts 5", vtd_kd_sm_dir_bytes(1 | (5 << 9)), 32768);

	CHECK("sm pde valid", !vtd_kd_sm_pde_check(0x300001 | 2, 39, fake_old_ram));
	CHECK("sm pde bit 2 reserved", vtd_kd_sm_pde_check(0x300005, 39, fake_old_ram));
	CHECK("sm pde table in crashkernel", vtd_kd_sm_pde_check(CRASHK | 1, 39, fake_old_ram));
}

static void test_pe(void)
{
	u64 sl[3] = { 0x400000 | 1 | (2 << 2) | (2 << 6), 5, 0 };
	u64 fl[3] = { 1 | (1 << 6), 6, 0x500000 | 1 };
	u64 pt[3] = { 1 | (1 << 2) | (4 << 6), 1, 0 };
	u64 ne[3] = { 0x400000 | 1 | (1 << 2) | (3 << 6), 7, 0xfff0000012345000ULL };
	u64 e[3];

	CHECK("pe sl valid", !vtd_kd_sm_pe_check(sl, CAP, ECAP, 39, fake_old_ram));
	CHECK("pe fl valid", !vtd_kd_sm_pe_check(fl, CAP, ECAP, 39, fake_old_ram));
	CHECK("pe pt valid", !vtd_kd_sm_pe_check(pt, CAP, ECAP, 39, fake_old_ram));
	CHECK("pe nested valid, GPA first level not checked",
	      !vtd_kd_sm_pe_check(ne, CAP, ECAP, 39, fake_old_ram));
	memcpy(e, sl, sizeof(e));
	e[0] = (e[0] & 0xfff) | CRASHK;
	CHECK("pe sl table in crashkernel", vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	memcpy(e, fl, sizeof(e));
	e[2] = CRASHK | 1;
	CHECK("pe fl table in crashkernel", vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	memcpy(e, ne, sizeof(e));
	e[0] = (e[0] & 0xfff) | CRASHK;
	CHECK("pe nested sl table in crashkernel",
	      vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	/* CAP.ND 2: 256 domain ids. */
	memcpy(e, sl, sizeof(e));
	e[1] = 255;
	CHECK("pe did 255 of 256", !vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	e[1] = 256;
	CHECK("pe did 256 beyond ND", vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	CHECK("pe sl needs SLTS", vtd_kd_sm_pe_check(sl, CAP, ECAP & ~(1ULL << 46), 39,
						     fake_old_ram));
	CHECK("pe fl needs FLTS", vtd_kd_sm_pe_check(fl, CAP, ECAP & ~(1ULL << 47), 39,
						     fake_old_ram));
	CHECK("pe pt needs PT", vtd_kd_sm_pe_check(pt, CAP, ECAP & ~(1ULL << 6), 39,
						   fake_old_ram));
	CHECK("pe nested needs NEST", vtd_kd_sm_pe_check(ne, CAP, ECAP & ~(1ULL << 26), 39,
							 fake_old_ram));
	memcpy(e, sl, sizeof(e));
	e[0] = (e[0] & ~0x1cULL) | (3 << 2);
	CHECK("pe sl AW 3 needs SAGAW bit 11", vtd_kd_sm_pe_check(e, CAP, ECAP, 39,
								   fake_old_ram));
	memcpy(e, fl, sizeof(e));
	e[2] |= 1 << 2;
	CHECK("pe fl 5-level with FL5LP", !vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
	CHECK("pe fl 5-level needs FL5LP", vtd_kd_sm_pe_check(e, CAP & ~(1ULL << 60), ECAP, 39,
							      fake_old_ram));
	memcpy(e, sl, sizeof(e));
	e[0] = (e[0] & ~(7ULL << 6)) | (6 << 6);
	CHECK("pe pgtt 110b reserved", vtd_kd_sm_pe_check(e, CAP, ECAP, 39, fake_old_ram));
}

static void test_fl_top(void)
{
	static u64 t[512];

	memset(t, 0, sizeof(t));
	t[0] = 0x600000 | 7;
	t[1] = 0x601000;		/* not present: ignored */
	CHECK("fl top ok", !vtd_kd_fl_top_check(t, 39, fake_old_ram));
	t[2] = CRASHK | 3;
	CHECK("fl top points into crashkernel", vtd_kd_fl_top_check(t, 39, fake_old_ram));
	t[2] = 0x602000 | 0x83;
	CHECK("fl top PS reserved", vtd_kd_fl_top_check(t, 39, fake_old_ram));
}

/*
 * Every index of the top-level first-level table is looked at: for each i
 * of 0..511, a table whose only present entry is i (P bit 0, R/W bit 1,
 * address bits 51:12, section 9.7) is refused when that address is not
 * old RAM or PS (bit 7, reserved in a PML4E) is set, and accepted when it
 * is a well-formed pointer into old RAM.
 */
static void test_fl_top_every_index(void)
{
	static u64 t[512];
	int bad_out = -1, bad_ps = -1, bad_in = -1;
	unsigned int i;

	for (i = 0; i < 512; i++) {
		memset(t, 0, sizeof(t));
		t[i] = CRASHK | 3;			/* capture kernel's */
		if (!vtd_kd_fl_top_check(t, 39, fake_old_ram) && bad_out < 0)
			bad_out = i;
		t[i] = 0x602000 | 0x83;			/* PS reserved */
		if (!vtd_kd_fl_top_check(t, 39, fake_old_ram) && bad_ps < 0)
			bad_ps = i;
		t[i] = 0x602000 | 3;			/* in old RAM */
		if (vtd_kd_fl_top_check(t, 39, fake_old_ram) && bad_in < 0)
			bad_in = i;
	}
	CHECK_EQ("fl top every index: outside old RAM refused", bad_out, -1);
	CHECK_EQ("fl top every index: PS refused", bad_ps, -1);
	CHECK_EQ("fl top every index: in old RAM accepted", bad_in, -1);
}

static void test_quiesce(void)
{
	u64 id[4] = { 0, 0x700000, 0x701000, 0 };
	u64 e[3];

	/* SL / nested: SLPTPTR replaced, nothing else. */
	e[0] = 0x400000 | 1 | (2 << 2) | (2 << 6) | (1 << 9);
	e[1] = 5;
	e[2] = 0;
	vtd_kd_sm_pe_quiesce(e, 0x800000, id, CAP, ECAP);
	CHECK_EQ("q sl", e[0], 0x800000 | 1 | (2 << 2) | (2 << 6) | (1 << 9));
	CHECK_EQ("q sl did kept", e[1], 5);
	e[0] = 0x400000 | 1 | (1 << 2) | (3 << 6);
	e[2] = 0x12345000;
	vtd_kd_sm_pe_quiesce(e, 0x800000, id, CAP, ECAP);
	CHECK_EQ("q nested sl pointer", e[0], 0x800000 | 1 | (1 << 2) | (3 << 6));
	CHECK_EQ("q nested fl pointer kept", e[2], 0x12345000);
	/* FL: FLPTPTR replaced, WPE (bit 4) set with SRE (bit 0). */
	e[0] = 1 | (1 << 6);
	e[2] = 0x500000 | 1 | (1 << 2);
	vtd_kd_sm_pe_quiesce(e, 0x900000, id, CAP, ECAP);
	CHECK_EQ("q fl supervisor", e[2], 0x900000 | 1 | (1 << 2) | (1 << 4));
	e[2] = 0x500000;
	vtd_kd_sm_pe_quiesce(e, 0x900000, id, CAP, ECAP);
	CHECK_EQ("q fl user", e[2], 0x900000);
	/* PT: SL through the identity table of the entry's AW (1). */
	e[0] = 1 | (1 << 2) | (4 << 6) | (1 << 5);
	vtd_kd_sm_pe_quiesce(e, 0, id, CAP, ECAP);
	CHECK_EQ("q pt identity aw1", e[0], 0x700000 | 1 | (1 << 2) | (2 << 6));
	/* AW 3 unsupported here: the first AW with a table (1). */
	e[0] = 1 | (3 << 2) | (4 << 6);
	vtd_kd_sm_pe_quiesce(e, 0, id, CAP, ECAP);
	CHECK_EQ("q pt aw fallback", e[0], 0x700000 | 1 | (1 << 2) | (2 << 6));
	/* No identity table, or no SLTS: not present. */
	e[0] = 1 | (1 << 2) | (4 << 6);
	id[1] = id[2] = 0;
	vtd_kd_sm_pe_quiesce(e, 0, id, CAP, ECAP);
	CHECK_EQ("q pt blocked without identity", e[0], (1 << 2) | (4 << 6));
	id[1] = 0x700000;
	e[0] = 1 | (1 << 2) | (4 << 6);
	vtd_kd_sm_pe_quiesce(e, 0, id, CAP, ECAP & ~(1ULL << 46));
	CHECK_EQ("q pt blocked without SLTS", e[0], (1 << 2) | (4 << 6));

	/* Context: directory pointer replaced, DTE (2) and PRE (4) cleared. */
	CHECK_EQ("q ctx", vtd_kd_sm_ctx_quiesce(0x200000 | 0x1f | (3 << 9), 0xa00000),
		 0xa00000 | 0xb | (3 << 9));
}

/*
 * Issue 19, items 4 and 5: without the bring-up quiesce a pass-through
 * PASID entry (PGTT 100b, bits 8:6) is still rewritten, the copied context
 * entry only moves to the copied directory (bits 63:12), and first-level
 * (001b), nested (011b) and pass-through entries have PASID-tagged IOTLB
 * entries (their domain ids stay reserved).
 */
static void test_takeover_rules(void)
{
	CHECK("pt needs quiesce", vtd_kd_sm_pe_needs_quiesce(1 | (4 << 6)));
	CHECK("sl no quiesce", !vtd_kd_sm_pe_needs_quiesce(1 | (2 << 6)));
	CHECK("fl no quiesce", !vtd_kd_sm_pe_needs_quiesce(1 | (1 << 6)));
	CHECK("nested no quiesce", !vtd_kd_sm_pe_needs_quiesce(1 | (3 << 6)));
	CHECK("fl pasid tagged", vtd_kd_sm_pe_pasid_tagged(1 | (1 << 6)));
	CHECK("nested pasid tagged", vtd_kd_sm_pe_pasid_tagged(1 | (3 << 6)));
	CHECK("pt pasid tagged", vtd_kd_sm_pe_pasid_tagged(1 | (4 << 6)));
	CHECK("sl not pasid tagged", !vtd_kd_sm_pe_pasid_tagged(1 | (2 << 6)));
	/* DTE (2), PASIDE (3), PRE (4), PDTS (11:9) kept; the pointer moves. */
	CHECK_EQ("ctx retarget", vtd_kd_sm_ctx_retarget(0x200000 | 0x1f | (3 << 9), 0xa00000),
		 0xa00000 | 0x1f | (3 << 9));
}

int main(void)
{
	RUN_CASE("unit/kdump-vtd-sm/root_ctx", test_root_ctx());
	RUN_CASE("unit/kdump-vtd-sm/takeover_rules", test_takeover_rules());
	RUN_CASE("unit/kdump-vtd-sm/pasid_entry", test_pe());
	RUN_CASE("unit/kdump-vtd-sm/fl_top", test_fl_top());
	RUN_CASE("unit/kdump-vtd-sm/fl_top_every_index", test_fl_top_every_index());
	RUN_CASE("unit/kdump-vtd-sm/quiesce", test_quiesce());
	return 0;
}
