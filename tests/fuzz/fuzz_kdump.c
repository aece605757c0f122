// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the capture kernel's validation of the crashed
 * kernel's tables (the pure helpers of drivers/iommu/amd/kdump_hw.h and
 * drivers/iommu/intel/kdump_hw.h), fed arbitrary old-memory images.
 *
 * Input (little endian): byte 0 bit 0 selects the vendor; bytes 1..4 and
 * 5..8 are the first and the end page number of the crashed kernel's
 * RAM (the old_ram callback accepts [first, end) x 4 KiB only).
 *  AMD:   byte 9 physical address bits, bytes 10..17 Device Table Base
 *         Address Register, then DTEs of 32 bytes. Each DTE goes through
 *         the copy loop of drivers/iommu/amd/kdump.c: check, then block
 *         (rejected) or copy with the bring-up quiesce (accepted).
 *  VT-d:  bytes 9..16 CAP_REG, 17..24 ECAP_REG, 25 HAW, 26 levels byte,
 *         27..42 root entry, 43..58 context entry, then up to 512 qwords
 *         of the top-level second-level table (the rest zero).
 *
 * Invariants (violations call __builtin_trap()), re-derived here from
 * the specifications with literal bit positions, never the headers'
 * macros: whatever a check accepts is well formed and points into the
 * crashed kernel's RAM (AMD 48882 section 2.2.2 DTE, section 2.2.5
 * interrupt remapping table; VT-d sections 9.1 root entry, 9.3 context
 * entry, 9.8 second-level entries); the blocking DTE passes the check
 * and allows no DMA; the bring-up quiesce never grants a permission;
 * what the takeover accepts the crash path accepts too; sizes and domain
 * counts stay in their architectural ranges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/iommu/amd/kdump_hw.h"
/* The two crash_quiesce_hw.h headers have distinct guards and names. */
#include "../../drivers/iommu/intel/kdump_hw.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static u64 ram_lo, ram_hi;

static bool fz_old_ram(u64 phys, u64 size)
{
	return size && phys >= ram_lo && phys + size >= phys &&
	       phys + size <= ram_hi;
}

static bool in_ram(u64 phys, u64 size)
{
	return phys >= ram_lo && phys <= ram_hi && size <= ram_hi - phys;
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

static u64 mask(unsigned int hi, unsigned int lo)
{
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

static void fuzz_amd(const uint8_t *data, size_t size)
{
	unsigned int bits = data[9], mode, len;
	u64 reg = get64(data + 10), dte[4], orig[4], w0, rsvd;
	u32 devtab = amd_kd_devtab_size(reg);
	size_t off;

	/* 48882 section 3.4: Size bits 8:0, (Size + 1) x 4 KiB, <= 2 MiB. */
	CHECK(devtab == ((reg & 0x1ff) + 1) * 4096 && devtab <= 2097152);

	/* The blocking entry: V=1 TV=1, Mode 0, IR=IW=0, IV=1 without table. */
	amd_kd_dte_block(dte);
	CHECK(dte[0] == 3 && dte[1] == 0 && dte[2] == 1 && dte[3] == 0);
	CHECK(!amd_kd_dte_check(dte, bits, fz_old_ram));

	rsvd = bits < 52 ? mask(51, bits) : 0;
	for (off = 18; off + 32 <= size; off += 32) {
		struct amd_kd_take t;
		const char *why;

		memcpy(orig, data + off, 32);
		/*
		 * What the takeover installs, once Linux 6.1's
		 * init_device_table_dma() has set V and TV in it: translation
		 * on, no reserved mode, no identity write, every pointer in
		 * old RAM (interrupt table of 16-byte entries).
		 */
		memcpy(dte, orig, 32);
		amd_kd_dte_take(dte, bits, fz_old_ram, data[0] & 2, &t);
		CHECK(!memcmp(dte, orig, 32));	/* the old entry is only read */
		for (int pass = 0; pass < 2; pass++) {
			u64 n0 = t.dte[0] | (pass ? 3 : 0), n2 = t.dte[2];

			CHECK((n0 & 1) && (n0 & 2));
			mode = (n0 >> 9) & 7;
			CHECK(mode != 7);
			CHECK(mode || !(n0 & (1ULL << 62)));
			if (mode)
				CHECK(in_ram(n0 & mask(51, 12), 4096) &&
				      !(n0 & mask(51, 12) & rsvd));
			if ((n2 & 1) && (n2 & (mask(61, 60) | mask(4, 1)))) {
				len = (n2 >> 1) & 15;
				CHECK(((n2 >> 60) & 3) == 2 && len <= 11);
				CHECK(in_ram(n2 & mask(51, 6), 16ULL << len));
			}
		}
		CHECK(t.dte[3] == 0);
		memcpy(dte, orig, 32);
		why = amd_kd_dte_check(dte, bits, fz_old_ram);
		CHECK(!memcmp(dte, orig, 32));	/* the check only reads */
		if (why) {
			/*
			 * Rejected: only an entry with valid translation (V)
			 * or interrupt (IV) fields can be rejected.
			 */
			CHECK((orig[0] & 1) || (orig[2] & 1));
			amd_kd_dte_block(dte);
			continue;
		}
		w0 = orig[0];
		if ((w0 & 1) && (w0 & 2)) {
			mode = (w0 >> 9) & 7;
			CHECK(!(w0 & mask(6, 2)) && mode != 7);
			if (mode) {
				CHECK(!(w0 & mask(51, 12) & rsvd));
				CHECK(in_ram(w0 & mask(51, 12), 4096));
			}
		}
		/*
		 * Interrupt remapping: IV bit 128, IntCtl 189:188, IntTabLen
		 * 132:129. IV alone validates them, whatever V says.
		 */
		if ((orig[2] & 1) && (orig[2] & (mask(61, 60) | mask(4, 1)))) {
			CHECK(((orig[2] >> 60) & 3) == 2);
			len = (orig[2] >> 1) & 15;
			CHECK(len <= 11);
			CHECK(!(orig[2] & mask(51, 6) & 127));
			CHECK(in_ram(orig[2] & mask(51, 6), 16ULL << len));
		}
		/* Bring-up quiesce of an accepted entry: never a new permission. */
		w0 = amd_kd_dte_quiesce(orig[0]);
		CHECK(!(w0 & (1ULL << 62)) || !(orig[0] & 1));
		if (orig[0] & 1) {
			CHECK((w0 & 3) == 3);
			if (orig[0] & 2)
				CHECK(!(w0 & ~orig[0]));
			else
				CHECK(!(w0 & ~(3ULL | 1ULL << 61)));
			CHECK(amd_kd_dte_quiesce(w0) == w0);
		} else {
			CHECK(w0 == orig[0]);
		}
		CHECK(amd_kd_dte_domid(orig) == (orig[1] & 0xffff));
	}
}

static void fuzz_vtd(const uint8_t *data, size_t size)
{
	u64 cap = get64(data + 9), ecap = get64(data + 17);
	unsigned int haw = data[25], levels = 3 + data[26] % 3;
	u64 rlo = get64(data + 27), rhi = get64(data + 35);
	u64 clo = get64(data + 43), chi = get64(data + 51);
	u64 hawmask = (haw < 12 || haw > 52) ? mask(63, 52) : mask(63, haw);
	static u64 table[512];
	unsigned int nd, tt, aw, i;
	const char *why;
	size_t off;
	u64 e, r;

	/* Section 10.4.2 CAP_REG.ND bits 2:0: 2^(4 + 2 ND) domain ids. */
	nd = vtd_kd_ndoms(cap);
	CHECK(nd >= 16 && nd <= 65536 && !(nd & (nd - 1)));
	if ((cap & 7) <= 6)
		CHECK(nd == 1U << (4 + 2 * (cap & 7)));

	/* Root entry, section 9.1: P bit 0, 11:1 reserved, CTP 63:12. */
	if (!vtd_kd_root_check(rlo, rhi, haw, fz_old_ram)) {
		CHECK(!rhi && !(rlo & mask(11, 1)));
		CHECK(!(rlo & mask(63, 12) & hawmask));
		CHECK(in_ram(rlo & mask(63, 12), 4096));
	}

	/*
	 * Context entry, section 9.3: TT bits 3:2, 11:4 reserved, SLPTPTR
	 * 63:12; AW bits 66:64, bit 71 and 127:88 reserved, DID 87:72.
	 */
	why = vtd_kd_ctx_check(clo, chi, cap, ecap, haw, fz_old_ram);
	if (!why) {
		tt = (clo >> 2) & 3;
		aw = chi & 7;
		CHECK(!(clo & mask(11, 4)) && !(chi & (mask(63, 24) | 1ULL << 7)));
		CHECK(tt != 3);
		CHECK(tt != 1 || (ecap & (1ULL << 2)));
		CHECK(tt != 2 || (ecap & (1ULL << 6)));
		CHECK(aw >= 1 && aw <= 3 && (cap & (1ULL << (8 + aw))));
		CHECK(((chi >> 8) & 0xffff) < nd);
		if (tt != 2) {
			CHECK(!(clo & mask(63, 12) & hawmask));
			CHECK(in_ram(clo & mask(63, 12), 4096));
		}
		/* The crash path accepts what the takeover accepts. */
		CHECK(vtd_cq_ctx_valid(clo, chi, cap, ecap, haw));
	}
	r = vtd_kd_ctx_retarget(clo, rlo);
	CHECK((r & 0xfff) == (clo & 0xfff) &&
	      (r & mask(63, 12)) == (rlo & mask(63, 12)));

	/* Top-level second-level table, section 9.8. */
	memset(table, 0, sizeof(table));
	for (off = 59, i = 0; off + 8 <= size && i < 512; off += 8, i++)
		table[i] = get64(data + off);
	why = vtd_kd_sl_top_check(table, levels, cap, ecap, haw, fz_old_ram);
	if (why)
		return;
	CHECK(vtd_cq_sl_top_valid(table, levels, cap, ecap, haw));
	for (i = 0; i < 512; i++) {
		e = table[i];
		if (!(e & 3))
			continue;
		CHECK(!(e & mask(51, 12) & hawmask));
		if (levels == 3 && (e & (1ULL << 7))) {
			/* 1 GiB leaf: CAP.SLLPS bit 35, address bits 29:12 zero. */
			CHECK(cap & (1ULL << 35));
			CHECK(!(e & mask(29, 12)));
			continue;
		}
		CHECK(!(e & (1ULL << 7 | 1ULL << 11 | 1ULL << 62)));
		CHECK(in_ram(e & mask(51, 12), 4096));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 59)
		return 0;
	ram_lo = (u64)get32(data + 1) << 12;
	ram_hi = (u64)get32(data + 5) << 12;
	if (data[0] & 1)
		fuzz_vtd(data, size);
	else
		fuzz_amd(data, size);
	return 0;
}
