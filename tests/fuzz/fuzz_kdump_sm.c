// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the capture kernel's validation of the crashed
 * kernel's scalable-mode VT-d tables and the bring-up quiesce transforms
 * (drivers/iommu/intel/kdump_sm_hw.h), fed arbitrary entries.
 *
 * Input (little endian): 0 u64 CAP_REG, 8 u64 ECAP_REG, 16 u8 HAW,
 * 17 u32 first and 21 u32 end page of the crashed kernel's RAM (old_ram
 * accepts [first, end) x 4 KiB), 25 u8 identity table page numbers for
 * AW 1..3 (3 bytes, 0: none), 28 root entry half (u64), 36 context entry
 * (4 u64), 68 PASID directory entry (u64), 76 PASID entry (8 u64), 140 up
 * to 512 u64 of a top-level first-level table (the rest zero).
 *
 * Invariants (__builtin_trap()), re-derived with literal bit positions
 * from the VT-d specification (9.2 root, 9.4 context, 9.5 directory, 9.6
 * PASID entry, 9.7 first level): whatever a check accepts has its
 * reserved bits clear and points inside old RAM (a directory of
 * 2^(PDTS + 7) x 8 bytes, whole pages); an accepted PASID entry has a
 * PGTT the unit's ECAP allows, a domain id below 2^(4 + 2 CAP.ND), and is
 * one the crash path accepts too; the bring-up quiesce of an accepted
 * entry grants nothing: second-level and nested entries change only their
 * second-level pointer, first-level entries only their first-level
 * pointer and at most gain WPE (SRE set), pass-through entries become
 * second-level entries through an identity table of a supported AW or
 * lose P; the context quiesce only clears DTE and PRE and moves the
 * directory pointer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/intel/kdump_sm_hw.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define HDR	140

static u64 ram_lo, ram_hi;

static bool fz_old_ram(u64 phys, u64 size)
{
	return size && phys >= ram_lo && phys + size >= phys &&
	       phys + size <= ram_hi;
}

static u64 get64(const uint8_t *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static u32 get32(const uint8_t *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 above(unsigned int haw)
{
	if (haw < 12 || haw > 52)
		haw = 52;
	return ~0ULL << haw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u64 top[512];
	u64 cap, ecap, root, ce[4], pde, pe[8], q[8], id[4] = { 0 }, dir, bytes;
	unsigned int haw, pgtt, aw, i, nd;
	size_t n;

	if (size < HDR)
		return 0;
	cap = get64(data);
	ecap = get64(data + 8);
	haw = data[16];
	ram_lo = (u64)get32(data + 17) << 12;
	ram_hi = (u64)get32(data + 21) << 12;
	for (i = 1; i <= 3; i++)
		id[i] = (u64)data[24 + i] << 12;
	root = get64(data + 28);
	for (i = 0; i < 4; i++)
		ce[i] = get64(data + 36 + 8 * i);
	pde = get64(data + 68);
	for (i = 0; i < 8; i++)
		pe[i] = get64(data + 76 + 8 * i);
	memset(top, 0, sizeof(top));
	n = (size - HDR) / 8;
	for (i = 0; i < n && i < 512; i++)
		top[i] = get64(data + HDR + 8 * i);

	/* 9.2: bits 11:1 reserved; the context table in old RAM. */
	if (!vtd_kd_sm_root_check(root, haw, fz_old_ram))
		CHECK(!(root & 0xffe) && !((root & ~0xfffULL) & above(haw)) &&
		      fz_old_ram(root & ~0xfffULL, 4096));

	/* 9.4: bits 8:5, 127:85, 255:128 reserved; directory in old RAM. */
	if (!vtd_kd_sm_ctx_check(ce, ecap, haw, fz_old_ram)) {
		dir = ce[0] & ~0xfffULL;
		bytes = (1ULL << (((ce[0] >> 9) & 7) + 7)) * 8;
		if (bytes < 4096)
			bytes = 4096;
		CHECK(!(ce[0] & 0x1e0) && !(ce[1] >> 21) && !ce[2] && !ce[3]);
		CHECK(!(dir & above(haw)) && fz_old_ram(dir, bytes));
		CHECK(!(ce[0] & 4) || (ecap & 4));
		CHECK(!(ce[0] & 8) || (ecap >> 40 & 1));
		CHECK(!(ce[0] & 16) || (ecap >> 29 & 1));
		q[0] = vtd_kd_sm_ctx_quiesce(ce[0], 0x5000);
		CHECK((q[0] & 0xfff) == (ce[0] & 0xfff & ~0x14ULL));
		CHECK((q[0] & ~0xfffULL) == 0x5000);
	}

	/* 9.5: bits 11:2 reserved; the PASID table in old RAM. */
	if (!vtd_kd_sm_pde_check(pde, haw, fz_old_ram))
		CHECK(!(pde & 0xffc) && !((pde & ~0xfffULL) & above(haw)) &&
		      fz_old_ram(pde & ~0xfffULL, 4096));

	/* 9.6 */
	if ((pe[0] & 1) && !vtd_kd_sm_pe_check(pe, cap, ecap, haw, fz_old_ram)) {
		pgtt = (pe[0] >> 6) & 7;
		aw = (pe[0] >> 2) & 7;
		nd = cap & 7;
		CHECK(pgtt >= 1 && pgtt <= 4 && !(pe[0] & 0xc00));
		CHECK((pe[1] & 0xffff) < (1U << (4 + 2 * (nd > 6 ? 6 : nd))));
		CHECK(pgtt != 1 || (ecap >> 47 & 1));
		CHECK(pgtt != 2 || (ecap >> 46 & 1));
		CHECK(pgtt != 3 || ((ecap >> 26 & 1) && (ecap >> 46 & 1)));
		CHECK(pgtt != 4 || (ecap >> 6 & 1));
		if (pgtt == 2 || pgtt == 3)
			CHECK(aw >= 1 && aw <= 3 && (cap >> (8 + aw) & 1) &&
			      fz_old_ram(pe[0] & ~0xfffULL, 4096));
		if (pgtt == 1)
			CHECK(((pe[2] >> 2) & 3) <= 1 && fz_old_ram(pe[2] & ~0xfffULL, 4096));
		/* What the takeover accepts the crash path accepts. */
		CHECK(vtd_cq_sm_pe_valid(pe[0], pe[2], cap, ecap, haw));

		memcpy(q, pe, sizeof(q));
		vtd_kd_sm_pe_quiesce(q, 0x6000, id, cap, ecap);
		CHECK(q[1] == pe[1] && !memcmp(q + 3, pe + 3, 5 * 8));
		if (pgtt == 2 || pgtt == 3) {
			CHECK((q[0] & 0xfff) == (pe[0] & 0xfff) && q[2] == pe[2]);
			CHECK((q[0] & ~0xfffULL) == 0x6000);
		} else if (pgtt == 1) {
			CHECK(q[0] == pe[0] && (q[2] & ~0xfffULL) == 0x6000);
			CHECK(((q[2] ^ pe[2]) & 0xfff) == 0 ||
			      (((q[2] ^ pe[2]) & 0xfff) == 0x10 && (pe[2] & 1)));
		} else if (q[0] & 1) {
			aw = (q[0] >> 2) & 7;
			CHECK(((q[0] >> 6) & 7) == 2 && aw >= 1 && aw <= 3);
			CHECK((cap >> (8 + aw) & 1) && id[aw] &&
			      (q[0] & ~0xfffULL) == id[aw] && (ecap >> 46 & 1));
			CHECK(!(q[0] & 0xe20) && !(q[0] & 3 & ~pe[0]));
			CHECK(q[2] == pe[2]);
		} else {
			CHECK(q[0] == (pe[0] & ~1ULL) && q[2] == pe[2]);
		}
	}

	/* 9.7: present top-level entries: PS clear, table in old RAM. */
	if (!vtd_kd_fl_top_check(top, haw, fz_old_ram))
		for (i = 0; i < 512; i++)
			if (top[i] & 1)
				CHECK(!(top[i] & 0x80) &&
				      fz_old_ram(top[i] & 0x000ffffffffff000ULL, 4096));
	return 0;
}
