// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the AMD-Vi capture-kernel takeover helpers
 * (drivers/iommu/amd/kdump_hw.h): validation of a DTE copied from the
 * crashed kernel, the blocking entry, the bring-up quiesce transform and
 * the device table size.
 *
 * Expected values use literal bit positions from the AMD I/O
 * Virtualization Technology (IOMMU) Specification 48882 (section 2.2.2
 * Device Table Entry, section 2.2.5 interrupt remapping tables, section
 * 3.4 Device Table Base Address Register), never the header's macros.
 *
 * Prints a row per check and a PASS or FAIL line per test function
 * (see check.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../drivers/iommu/amd/kdump_hw.h"

/* DTE word 0, 48882 section 2.2.2. */
#define T_V		(1ULL << 0)
#define T_TV		(1ULL << 1)
#define T_MODE(m)	((uint64_t)(m) << 9)	/* bits 11:9 */
#define T_IR		(1ULL << 61)
#define T_IW		(1ULL << 62)
/* DTE word 2 (DTE bits 191:128). */
#define T_IV		(1ULL << 0)		/* DTE bit 128 */
#define T_LEN(n)	((uint64_t)(n) << 1)	/* bits 132:129 */
#define T_INTCTL(c)	((uint64_t)(c) << 60)	/* bits 189:188 */

/* The fake crashed kernel's RAM: [1 MiB, 1 GiB). */
#define RAM_START	0x100000ULL
#define RAM_END		0x40000000ULL

static bool fake_old_ram(uint64_t phys, uint64_t size)
{
	return phys >= RAM_START && phys + size <= RAM_END &&
	       phys + size >= phys;
}

static const char *check(uint64_t w0, uint64_t w2, unsigned int bits)
{
	uint64_t dte[4] = { w0, 0x1234, w2, 0 };

	return amd_kd_dte_check(dte, bits, fake_old_ram);
}

static void test_check_translation(void)
{
	uint64_t root = 0x2345000ULL;
	unsigned int b;
	char name[64];

	CHECK("check/v0_accepted", !check(0, 0, 46));
	CHECK("check/v0_garbage_accepted", !check(0xfffffffffffffffeULL, 0, 46));
	/* IV alone validates the interrupt fields (48882 section 2.2.2). */
	CHECK("check/v0_iv1_bad_irt_rejected",
	      check(0, T_IV | T_LEN(9) | T_INTCTL(2) | 0x80000000ULL, 46) != NULL);
	CHECK("check/v1_tv0_accepted", !check(T_V | T_IR | T_IW, 0, 46));
	CHECK("check/mode0_any_root_accepted",
	      !check(T_V | T_TV | 0xfff0000000000ULL | T_IR, 0, 46));
	CHECK("check/mode3_root_in_ram",
	      !check(T_V | T_TV | T_MODE(3) | root | T_IR | T_IW, 0, 46));
	CHECK("check/mode6_root_in_ram",
	      !check(T_V | T_TV | T_MODE(6) | root | T_IR, 0, 46));
	CHECK("check/mode7_reserved",
	      check(T_V | T_TV | T_MODE(7) | root, 0, 46) != NULL);
	CHECK("check/root_outside_ram",
	      check(T_V | T_TV | T_MODE(4) | 0x40000000ULL, 0, 46) != NULL);
	CHECK("check/root_below_ram",
	      check(T_V | T_TV | T_MODE(4) | 0x1000ULL, 0, 46) != NULL);
	/* Root bit 40 set with a 39-bit physical address width. */
	CHECK("check/root_beyond_phys_bits",
	      check(T_V | T_TV | T_MODE(3) | (1ULL << 40) | root, 0, 39) != NULL);
	CHECK("check/root_at_phys_bits_limit_in_ram",
	      !check(T_V | T_TV | T_MODE(3) | root, 0, 30));
	for (b = 2; b <= 6; b++) {
		snprintf(name, sizeof(name), "check/reserved_bit%u", b);
		CHECK(name, check(T_V | T_TV | (1ULL << b), 0, 46) != NULL);
	}
	/* Bits 8:7 (HAD) and 52-57 are not reserved. */
	CHECK("check/bit7_not_reserved", !check(T_V | T_TV | (1ULL << 7), 0, 46));
	CHECK("check/bit52_not_reserved",
	      !check(T_V | T_TV | (1ULL << 52), 0, 46));
	/*
	 * With TV=0 the translation fields are not looked at by the check:
	 * amd_kd_dte_take() never installs them (test_take()).
	 */
	CHECK("check/tv0_mode7_not_checked", !check(T_V | T_MODE(7), 0, 46));
}

static enum amd_kd_verdict take(uint64_t w0, uint64_t w1, uint64_t w2,
				bool quiesce, struct amd_kd_take *t)
{
	uint64_t dte[4] = { w0, w1, w2, 0xdead };

	return amd_kd_dte_take(dte, 46, fake_old_ram, quiesce, t);
}

static void test_take(void)
{
	uint64_t irt = 0x3456780ULL, root = 0x2345000ULL;
	uint64_t good2 = T_IV | T_LEN(9) | T_INTCTL(2) | irt;
	struct amd_kd_take t;

	/* V=0: blocked, whatever Mode/root/IR/IW say (init sets V, TV later). */
	CHECK_EQ("take/v0_empty",
		 take(T_TV | T_MODE(4) | 0x80000000ULL | T_IR | T_IW, 5, 0,
		      false, &t), AMD_KD_EMPTY);
	CHECK_EQ("take/v0_w0_blocks", t.dte[0], T_V | T_TV);
	CHECK_EQ("take/v0_w1_zero", t.dte[1], 0);
	CHECK_EQ("take/v0_no_domain", t.domid, 0);
	take(T_TV | T_MODE(4), 5, good2, false, &t);
	CHECK_EQ("take/v0_valid_irq_kept", t.dte[2], good2);
	/* V=1, TV=0: Mode 0, IR kept, IW gone, garbage dropped. */
	CHECK_EQ("take/tv0_copied",
		 take(T_V | T_MODE(7) | 0x80000000ULL | T_IR | T_IW, 6, 0,
		      false, &t), AMD_KD_COPIED);
	CHECK_EQ("take/tv0_w0", t.dte[0], T_V | T_TV | T_IR);
	CHECK_EQ("take/tv0_domid", t.domid, 6);
	CHECK("take/tv0_revoked", t.revoked);
	take(T_V, 0, 0, false, &t);
	CHECK_EQ("take/tv0_no_ir_stays_closed", t.dte[0], T_V | T_TV);
	/* Pass-through: identity write access goes. */
	take(T_V | T_TV | T_IR | T_IW, 7, 0, false, &t);
	CHECK_EQ("take/mode0_iw_cleared", t.dte[0], T_V | T_TV | T_IR);
	CHECK("take/mode0_live", t.live);
	/* Translated: kept as it was, IW gone only with the quiesce. */
	take(T_V | T_TV | T_MODE(4) | root | T_IR | T_IW, 8, 0, false, &t);
	CHECK_EQ("take/translated_kept", t.dte[0],
		 T_V | T_TV | T_MODE(4) | root | T_IR | T_IW);
	CHECK_EQ("take/translated_w1_kept", t.dte[1], 8);
	CHECK_EQ("take/w3_never_copied", t.dte[3], 0);
	take(T_V | T_TV | T_MODE(4) | root | T_IR | T_IW, 8, 0, true, &t);
	CHECK_EQ("take/translated_quiesced", t.dte[0],
		 T_V | T_TV | T_MODE(4) | root | T_IR);
	/* A blocked, id-less entry need not be tracked. */
	take(T_V | T_TV, 0, 0, false, &t);
	CHECK("take/closed_not_live", !t.live);
	/*
	 * DomainID 0 entries that let the device DMA (issue 19, item 2): the
	 * device may still run the crashed kernel's DMA however closed the
	 * copy is, so the entry is tracked until the device is quiesced.
	 */
	take(T_V, 0, 0, false, &t);
	CHECK("take/tv0_dom0_live", t.live);
	take(T_V | T_IW, 0, 0, false, &t);
	CHECK("take/tv0_dom0_iw_live", t.live);
	take(T_V | T_TV | T_IW, 0, 0, false, &t);
	CHECK("take/mode0_dom0_iw_live", t.live);
	take(T_V | T_TV | T_IW, 0, 0, true, &t);
	CHECK("take/mode0_dom0_iw_quiesced_live", t.live);
	take(T_V | T_TV | T_MODE(4) | root | T_IW, 0, 0, true, &t);
	CHECK("take/translated_dom0_quiesced_live", t.live);
	/* ATS translations (IOTLB enable, DTE bit 96) are DMA too. */
	take(T_V | T_TV, 1ULL << 32, 0, false, &t);
	CHECK("take/dom0_ats_live", t.live);
	/* Rejected: the blocking entry. */
	CHECK_EQ("take/root_in_crashkernel_rejected",
		 take(T_V | T_TV | T_MODE(4) | 0x80000000ULL, 9, 0, false, &t),
		 AMD_KD_REJECTED);
	CHECK_EQ("take/rejected_blocks", t.dte[0], T_V | T_TV);
	/* Its domain id is given for reservation (IOTLB entries under it). */
	CHECK_EQ("take/rejected_domid_reserved", t.domid, 9);
	take(T_TV | T_MODE(4) | 0x80000000ULL, 9, T_IV | T_LEN(12) | T_INTCTL(2),
	     false, &t);
	CHECK_EQ("take/rejected_v0_no_domid", t.domid, 0);
	CHECK("take/rejected_reason", t.reason != NULL);
}

/*
 * 128-bit IRTE (48882 section 2.2.5.2): RemapEn bit 0, GuestMode bit 7;
 * GA Root Pointer bits 51:12 of the high quadword (issue 19, minor item:
 * guest-mode interrupts post into that page).
 */
static void test_irt_ga(void)
{
	uint64_t irt[8] = { 0 };

	CHECK("ga/empty_table_kept", !amd_kd_irt_ga_check(irt, 4, fake_old_ram));
	irt[2] = 1 | (1ULL << 7);
	irt[3] = 0x2345000ULL | 0x42;		/* vector bits 7:0 */
	CHECK("ga/root_in_old_ram_kept", !amd_kd_irt_ga_check(irt, 4, fake_old_ram));
	irt[3] = 0x80000000ULL | 0x42;		/* outside the fake old RAM */
	CHECK("ga/root_outside_rejected",
	      amd_kd_irt_ga_check(irt, 4, fake_old_ram) != NULL);
	CHECK("ga/entry_past_the_table_ignored",
	      !amd_kd_irt_ga_check(irt, 1, fake_old_ram));
	irt[2] = 1;				/* not guest mode */
	CHECK("ga/remapped_entry_ignored", !amd_kd_irt_ga_check(irt, 4, fake_old_ram));
	irt[2] = 1ULL << 7;			/* not RemapEn */
	CHECK("ga/disabled_entry_ignored", !amd_kd_irt_ga_check(irt, 4, fake_old_ram));
	irt[6] = 1 | (1ULL << 7);
	irt[7] = 0xfff0000000000000ULL | 0x2345000ULL;	/* bits above 51 */
	CHECK("ga/high_bits_not_address", !amd_kd_irt_ga_check(irt, 4, fake_old_ram));
}

static void test_check_irq(void)
{
	uint64_t irt = 0x3456780ULL;	/* 128-byte aligned */
	uint64_t good = T_IV | T_LEN(9) | T_INTCTL(2) | irt;

	CHECK("irq/linux_layout_accepted", !check(T_V | T_TV, good, 46));
	CHECK("irq/iv0_ignored", !check(T_V | T_TV, good & ~T_IV & ~irt, 46));
	CHECK("irq/iv_only_accepted", !check(T_V | T_TV, T_IV, 46));
	CHECK("irq/intctl01_rejected",
	      check(T_V, T_IV | T_LEN(9) | T_INTCTL(1) | irt, 46) != NULL);
	CHECK("irq/intctl11_rejected",
	      check(T_V, T_IV | T_LEN(9) | T_INTCTL(3) | irt, 46) != NULL);
	CHECK("irq/len11_accepted",
	      !check(T_V, T_IV | T_LEN(11) | T_INTCTL(2) | irt, 46));
	CHECK("irq/len12_rejected",
	      check(T_V, T_IV | T_LEN(12) | T_INTCTL(2) | irt, 46) != NULL);
	CHECK("irq/misaligned_rejected",
	      check(T_V, T_IV | T_LEN(9) | T_INTCTL(2) | (irt | 0x40), 46) != NULL);
	CHECK("irq/outside_ram_rejected",
	      check(T_V, T_IV | T_LEN(9) | T_INTCTL(2) | 0x80000000ULL, 46) != NULL);
	/* A table that starts in RAM but runs past its end: 4 << 11 bytes. */
	CHECK("irq/runs_past_ram_rejected",
	      check(T_V, T_IV | T_LEN(11) | T_INTCTL(2) | (RAM_END - 0x1000), 46) != NULL);
	/*
	 * 128-bit IRTEs (48882 section 2.2.5.2): 2048 entries are 32 KiB;
	 * a table 16 KiB below the end of RAM runs past it.
	 */
	CHECK("irq/128bit_entries_past_ram_rejected",
	      check(T_V, T_IV | T_LEN(11) | T_INTCTL(2) | (RAM_END - 0x4000), 46) != NULL);
	/* Interrupt fields are checked even when V=1, TV=0. */
	CHECK("irq/checked_with_tv0",
	      check(T_V, T_IV | T_LEN(9) | T_INTCTL(1) | irt, 46) != NULL);
}

static void test_block_and_quiesce(void)
{
	uint64_t dte[4] = { ~0ULL, ~0ULL, ~0ULL, ~0ULL };

	amd_kd_dte_block(dte);
	CHECK_EQ("block/w0_v_tv_only", dte[0], 0x3);
	CHECK_EQ("block/w1_domain0_no_iotlb", dte[1], 0);
	CHECK_EQ("block/w2_iv_only", dte[2], 1);
	CHECK_EQ("block/w3_zero", dte[3], 0);
	CHECK("block/itself_valid", !amd_kd_dte_check(dte, 46, fake_old_ram));

	CHECK_EQ("quiesce/iw_cleared",
		 amd_kd_dte_quiesce(T_V | T_TV | T_MODE(3) | 0x5000 | T_IR | T_IW),
		 T_V | T_TV | T_MODE(3) | 0x5000 | T_IR);
	CHECK_EQ("quiesce/pass_through_mode0",
		 amd_kd_dte_quiesce(T_V | T_TV | T_IR | T_IW), T_V | T_TV | T_IR);
	CHECK_EQ("quiesce/tv0_becomes_read_only",
		 amd_kd_dte_quiesce(T_V | T_MODE(3) | 0x5000 | T_IW),
		 T_V | T_TV | T_IR);
	CHECK_EQ("quiesce/v0_unchanged", amd_kd_dte_quiesce(T_IW | 0x5000),
		 T_IW | 0x5000);
	CHECK_EQ("quiesce/read_only_unchanged",
		 amd_kd_dte_quiesce(T_V | T_TV | T_MODE(2) | T_IR),
		 T_V | T_TV | T_MODE(2) | T_IR);
}

static void test_fields(void)
{
	uint64_t dte[4] = { 0, 0xfedc0000abcdULL, 0, 0 };

	/* Size field bits 8:0: (Size + 1) * 4 KiB. */
	CHECK_EQ("devtab/size0_4k", amd_kd_devtab_size(0x12345000ULL), 4096);
	CHECK_EQ("devtab/size1_8k", amd_kd_devtab_size(0x12345001ULL), 8192);
	CHECK_EQ("devtab/size1ff_2m", amd_kd_devtab_size(0x123451ffULL),
		 2 * 1024 * 1024);
	CHECK_EQ("devtab/bit9_not_size", amd_kd_devtab_size(0x12345200ULL), 4096);
	/*
	 * The sizes a kernel of the machine programs: by the last DeviceID
	 * (power-of-two pages of 32-byte DTEs) or 2 MiB (6.12 on 17h-1Ah).
	 */
	CHECK("devtab/by_last_bdf", amd_kd_devtab_size_ok(32768, 0x3ff));
	CHECK("devtab/2m_beside_by_last_bdf",
	      amd_kd_devtab_size_ok(2 * 1024 * 1024, 0x3ff));
	CHECK("devtab/one_page_short", !amd_kd_devtab_size_ok(28672, 0x3ff));
	CHECK("devtab/twice_by_last_bdf", !amd_kd_devtab_size_ok(65536, 0x3ff));
	CHECK("devtab/rounded_up", amd_kd_devtab_size_ok(65536, 0x400));
	CHECK("devtab/smallest", amd_kd_devtab_size_ok(4096, 0));
	CHECK("devtab/all_device_ids_2m_only",
	      amd_kd_devtab_size_ok(2 * 1024 * 1024, 0xffff) &&
	      !amd_kd_devtab_size_ok(1024 * 1024, 0xffff));
	/* DomainID: DTE bits 79:64. */
	CHECK_EQ("dte/domid_bits_79_64", amd_kd_dte_domid(dte), 0xabcd);
}

int main(void)
{
	RUN_CASE("unit/kdump-amd/check_translation", test_check_translation());
	RUN_CASE("unit/kdump-amd/check_irq", test_check_irq());
	RUN_CASE("unit/kdump-amd/block_and_quiesce", test_block_and_quiesce());
	RUN_CASE("unit/kdump-amd/take", test_take());
	RUN_CASE("unit/kdump-amd/irt_ga", test_irt_ga());
	RUN_CASE("unit/kdump-amd/fields", test_fields());
	return check_failed ? 1 : 0;
}
