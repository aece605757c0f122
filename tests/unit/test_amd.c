// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the AMD-Vi crash-path quiesce: the DTE transform, the
 * command encoders, the register layouts and the device table walk, all
 * compiled from the kernel's drivers/iommu/amd/crash_quiesce_hw.h.
 *
 * Expected values are written with literal bit positions taken from the
 * AMD I/O Virtualization Technology (IOMMU) Specification 48882 (section
 * 2.2.2 DTE, section 2.4 commands, section 3.4 MMIO registers), never with
 * the header's own macros, so a wrong macro makes a test fail.
 *
 * Prints a row per check and a PASS or FAIL line per test function (see
 * check.h); exits non-zero if any check failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crash_quiesce_hw.h"

/* DTE word 0, 48882 section 2.2.2: literal positions. */
#define T_V	(1ULL << 0)
#define T_TV	(1ULL << 1)
#define T_IR	(1ULL << 61)
#define T_IW	(1ULL << 62)
#define T_MODE(m) ((uint64_t)(m) << 9)			/* bits 11:9 */
#define T_ROOT	0x000ffffffffff000ULL			/* bits 51:12 */
/* DTE word 1 (DTE bits 127:64). */
#define T_I	(1ULL << 32)				/* DTE bit 96 */

#define NR_DTE	65536

static const char *mode_name(enum crash_dma_quiesce_mode m)
{
	return m == CRASH_DMA_QUIESCE_ALL ? "all" : "write";
}

/*
 * Expected transform, from the specification's semantics: V=0 untouched;
 * V=1 TV=0 -> V=1 TV=1 Mode=0 IR=(mode write) IW=0, nothing else; V=1
 * TV=1 -> IW (and IR for mode all) cleared, everything else kept.
 */
static uint64_t expect_transform(uint64_t w, enum crash_dma_quiesce_mode m)
{
	if (!(w & T_V))
		return w;
	if (!(w & T_TV))
		return T_V | T_TV | (m == CRASH_DMA_QUIESCE_ALL ? 0 : T_IR);
	w &= ~T_IW;
	if (m == CRASH_DMA_QUIESCE_ALL)
		w &= ~T_IR;
	return w;
}

/*
 * Effective DMA permission granted by a DTE (bit 0 read, bit 1 write),
 * 48882 section 2.2.2: V=0 or TV=0 pass DMA untranslated with full
 * access; V=1 TV=1 grants at most IR / IW (page tables may reduce it).
 */
static unsigned int effective(uint64_t w)
{
	if (!(w & T_V) || !(w & T_TV))
		return 3;
	return (w & T_IR ? 1 : 0) | (w & T_IW ? 2 : 0);
}

/* ---------------------------------------------------------------------- */

static void test_layout(void)
{
	/* MMIO offsets, section 3.4. */
	CHECK_EQ("mmio/dev_table_offset", AMD_CQ_MMIO_DEV_TABLE, 0x0000);
	CHECK_EQ("mmio/cmd_buf_offset", AMD_CQ_MMIO_CMD_BUF, 0x0008);
	CHECK_EQ("mmio/control_offset", AMD_CQ_MMIO_CONTROL, 0x0018);
	CHECK_EQ("mmio/efr_offset", AMD_CQ_MMIO_EFR, 0x0030);
	CHECK_EQ("mmio/cmd_head_offset", AMD_CQ_MMIO_CMD_HEAD, 0x2000);
	CHECK_EQ("mmio/cmd_tail_offset", AMD_CQ_MMIO_CMD_TAIL, 0x2008);
	CHECK_EQ("mmio/status_offset", AMD_CQ_MMIO_STATUS, 0x2020);
	/* Device Table Base Address: base 51:12, size 8:0. */
	CHECK_EQ("mmio/devtab_base_mask", AMD_CQ_DEVTAB_BASE_MASK,
		 0x000ffffffffff000ULL);
	CHECK_EQ("mmio/devtab_size_mask", AMD_CQ_DEVTAB_SIZE_MASK, 0x1ff);
	/* Size 1FFh: 512 * 4 KiB = 2 MiB = 65536 DTEs of 32 bytes. */
	CHECK_EQ("mmio/devtab_max_entries",
		 ((0x1ffULL & AMD_CQ_DEVTAB_SIZE_MASK) + 1) * 4096 / AMD_CQ_DTE_SIZE,
		 65536);
	/* Command Buffer Base Address: base 51:12, ComLen 59:56. */
	CHECK_EQ("mmio/cmdbuf_base_mask", AMD_CQ_CMDBUF_BASE_MASK,
		 0x000ffffffffff000ULL);
	CHECK_EQ("mmio/cmdbuf_len_field",
		 AMD_CQ_CMDBUF_LEN_MASK << AMD_CQ_CMDBUF_LEN_SHIFT,
		 0x0f00000000000000ULL);
	CHECK_EQ("mmio/cmdbuf_len_min_256_entries",
		 1U << AMD_CQ_CMDBUF_LEN_MIN, 256);
	/* Linux 6.1: ComLen 9 = 512 entries = 8 KiB. */
	CHECK_EQ("mmio/cmdbuf_len9_bytes",
		 (uint64_t)AMD_CQ_CMD_SIZE << ((0x0900000000000000ULL >>
						AMD_CQ_CMDBUF_LEN_SHIFT) &
					       AMD_CQ_CMDBUF_LEN_MASK), 8192);
	CHECK_EQ("mmio/control_iommu_en", AMD_CQ_CTRL_IOMMU_EN, 1ULL << 0);
	CHECK_EQ("mmio/control_cmdbuf_en", AMD_CQ_CTRL_CMDBUF_EN, 1ULL << 12);
	CHECK_EQ("mmio/efr_iasup", AMD_CQ_EFR_IA, 1ULL << 6);
	CHECK_EQ("mmio/cmd_ptr_mask_18_4", AMD_CQ_CMD_PTR_MASK, 0x7fff0);
	CHECK_EQ("mmio/status_comwait_int", AMD_CQ_STATUS_COMWAIT_INT, 1ULL << 2);
	CHECK_EQ("mmio/status_cmdbuf_run", AMD_CQ_STATUS_CMDBUF_RUN, 1ULL << 4);
	/* DTE, section 2.2.2. */
	CHECK_EQ("dte/size_32_bytes", AMD_CQ_DTE_SIZE, 32);
	CHECK_EQ("dte/words", AMD_CQ_DTE_WORDS, 4);
	CHECK_EQ("dte/v_bit0", AMD_CQ_DTE_V, 1ULL << 0);
	CHECK_EQ("dte/tv_bit1", AMD_CQ_DTE_TV, 1ULL << 1);
	CHECK_EQ("dte/mode_bits_11_9", AMD_CQ_DTE_MODE_MASK, 0xe00);
	CHECK_EQ("dte/root_bits_51_12", AMD_CQ_DTE_ROOT_MASK,
		 0x000ffffffffff000ULL);
	CHECK_EQ("dte/ir_bit61", AMD_CQ_DTE_IR, 0x2000000000000000ULL);
	CHECK_EQ("dte/iw_bit62", AMD_CQ_DTE_IW, 0x4000000000000000ULL);
	CHECK_EQ("dte/domainid_bits_79_64", AMD_CQ_DTE1_DOMID_MASK, 0xffff);
	CHECK_EQ("dte/i_bit96", AMD_CQ_DTE1_IOTLB, 0x100000000ULL);
}

/* ---------------------------------------------------------------------- */

/* Every V/TV/IR/IW/Mode combination, with other bits set around them. */
static void test_transform_combinations(void)
{
	static const enum crash_dma_quiesce_mode modes[] = {
		CRASH_DMA_QUIESCE_WRITE, CRASH_DMA_QUIESCE_ALL,
	};
	/* Root pointer, HAD (8:7), PPR (52), GV (55), GLX (57:56). */
	const uint64_t other = 0x00000abcdef12000ULL | (3ULL << 7) |
			       (1ULL << 52) | (1ULL << 55) | (2ULL << 56);
	unsigned int mi, v, tv, ir, iw, mode;
	char name[96];

	for (mi = 0; mi < 2; mi++)
	for (v = 0; v < 2; v++)
	for (tv = 0; tv < 2; tv++)
	for (ir = 0; ir < 2; ir++)
	for (iw = 0; iw < 2; iw++)
	for (mode = 0; mode < 8; mode++) {
		uint64_t w = other | T_MODE(mode) | (v ? T_V : 0) |
			     (tv ? T_TV : 0) | (ir ? T_IR : 0) |
			     (iw ? T_IW : 0);

		snprintf(name, sizeof(name),
			 "dte_transform/%s/V%u_TV%u_IR%u_IW%u_Mode%u",
			 mode_name(modes[mi]), v, tv, ir, iw, mode);
		CHECK_EQ(name, amd_cq_dte_transform(w, modes[mi]),
			 expect_transform(w, modes[mi]));
	}

	/* A few fully literal cases. */
	CHECK_EQ("dte_transform/literal/paged_rw_write",
		 amd_cq_dte_transform(0x6000000123456603ULL,
				      CRASH_DMA_QUIESCE_WRITE),
		 0x2000000123456603ULL);
	CHECK_EQ("dte_transform/literal/paged_rw_all",
		 amd_cq_dte_transform(0x6000000123456603ULL,
				      CRASH_DMA_QUIESCE_ALL),
		 0x0000000123456603ULL);
	CHECK_EQ("dte_transform/literal/identity_rw_write",
		 amd_cq_dte_transform(0x6000000000000003ULL,
				      CRASH_DMA_QUIESCE_WRITE),
		 0x2000000000000003ULL);
	CHECK_EQ("dte_transform/literal/untranslated_tv0_write",
		 amd_cq_dte_transform(0x6000000000000001ULL,
				      CRASH_DMA_QUIESCE_WRITE),
		 0x2000000000000003ULL);
	CHECK_EQ("dte_transform/literal/untranslated_tv0_all",
		 amd_cq_dte_transform(0x6000000000000001ULL,
				      CRASH_DMA_QUIESCE_ALL),
		 0x0000000000000003ULL);
	CHECK_EQ("dte_transform/literal/tv0_stale_fields_dropped",
		 amd_cq_dte_transform(0x00800abcdef12601ULL,
				      CRASH_DMA_QUIESCE_WRITE),
		 0x2000000000000003ULL);
	CHECK_EQ("dte_transform/literal/v0_untouched",
		 amd_cq_dte_transform(0x6000000123456602ULL,
				      CRASH_DMA_QUIESCE_ALL),
		 0x6000000123456602ULL);
	CHECK_EQ("dte_transform/literal/blocked_unchanged",
		 amd_cq_dte_transform(0x0000000000000003ULL,
				      CRASH_DMA_QUIESCE_ALL),
		 0x0000000000000003ULL);
	/* Bit 63 is reserved: kept as found on a TV=1 entry. */
	CHECK_EQ("dte_transform/literal/bit63_kept",
		 amd_cq_dte_transform(0xe000000000000003ULL,
				      CRASH_DMA_QUIESCE_WRITE),
		 0xa000000000000003ULL);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Random words: permission never granted, other bits kept, idempotent. */
static void test_transform_properties(void)
{
	static const enum crash_dma_quiesce_mode modes[] = {
		CRASH_DMA_QUIESCE_WRITE, CRASH_DMA_QUIESCE_ALL,
	};
	unsigned int mi;

	for (mi = 0; mi < 2; mi++) {
		enum crash_dma_quiesce_mode m = modes[mi];
		unsigned long grant = 0, write = 0, read = 0, other = 0;
		unsigned long idem = 0, v0 = 0, n = 0;
		uint64_t bad_grant = 0, bad_other = 0, bad_idem = 0;
		char name[96];
		int i;

		for (i = 0; i < 1000000; i++) {
			uint64_t w = rng(), t;

			/* Bias a quarter of the words to the common shapes. */
			if (i % 4 == 1)
				w &= T_V | T_TV | T_IR | T_IW | T_MODE(7) | T_ROOT;
			t = amd_cq_dte_transform(w, m);
			n++;
			if (effective(t) & ~effective(w)) {
				grant++;
				bad_grant = w;
			}
			if ((w & T_V) && (effective(t) & 2))
				write++;
			if ((w & T_V) && m == CRASH_DMA_QUIESCE_ALL &&
			    (effective(t) & 1))
				read++;
			if ((w & T_V) && (w & T_TV) &&
			    ((w ^ t) & ~(T_IR | T_IW))) {
				other++;
				bad_other = w;
			}
			if ((w & T_V) && !(w & T_TV) &&
			    (t & ~(T_V | T_TV | T_IR))) {
				other++;
				bad_other = w;
			}
			if (!(w & T_V) && t != w)
				v0++;
			if (amd_cq_dte_transform(t, m) != t) {
				idem++;
				bad_idem = w;
			}
		}
		snprintf(name, sizeof(name), "dte_property/%s/never_grants",
			 mode_name(m));
		if (grant)
			printf("  first offending word 0x%016llx\n",
			       (unsigned long long)bad_grant);
		CHECK_EQ(name, grant, 0);
		snprintf(name, sizeof(name), "dte_property/%s/no_write_left",
			 mode_name(m));
		CHECK_EQ(name, write, 0);
		snprintf(name, sizeof(name), "dte_property/%s/no_read_left_in_all",
			 mode_name(m));
		CHECK_EQ(name, read, 0);
		snprintf(name, sizeof(name), "dte_property/%s/other_bits_kept",
			 mode_name(m));
		if (other)
			printf("  first offending word 0x%016llx\n",
			       (unsigned long long)bad_other);
		CHECK_EQ(name, other, 0);
		snprintf(name, sizeof(name), "dte_property/%s/v0_untouched",
			 mode_name(m));
		CHECK_EQ(name, v0, 0);
		snprintf(name, sizeof(name), "dte_property/%s/idempotent",
			 mode_name(m));
		if (idem)
			printf("  first offending word 0x%016llx\n",
			       (unsigned long long)bad_idem);
		CHECK_EQ(name, idem, 0);
		snprintf(name, sizeof(name), "dte_property/%s/words_tested",
			 mode_name(m));
		CHECK_EQ(name, n, 1000000);
	}
}

/* ---------------------------------------------------------------------- */

static void check_cmd(const char *what, const struct amd_cq_cmd *c,
		      uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3,
		      unsigned int opcode)
{
	char name[96];
	uint64_t q[2];

	snprintf(name, sizeof(name), "cmd/%s/word0", what);
	CHECK_EQ(name, c->data[0], w0);
	snprintf(name, sizeof(name), "cmd/%s/word1", what);
	CHECK_EQ(name, c->data[1], w1);
	snprintf(name, sizeof(name), "cmd/%s/word2", what);
	CHECK_EQ(name, c->data[2], w2);
	snprintf(name, sizeof(name), "cmd/%s/word3", what);
	CHECK_EQ(name, c->data[3], w3);
	/* Section 2.4: opcode in bits 63:60 of the 128-bit entry. */
	memcpy(q, c, sizeof(q));
	snprintf(name, sizeof(name), "cmd/%s/opcode_bits_63_60", what);
	CHECK_EQ(name, q[0] >> 60, opcode);
}

static void test_commands(void)
{
	struct amd_cq_cmd c;

	CHECK_EQ("cmd/size_16_bytes", sizeof(struct amd_cq_cmd), 16);

	/*
	 * COMPLETION_WAIT (01h, section 2.4.1): S bit 0, store address
	 * 51:3 in bits 51:3, store data in bits 127:64.
	 */
	memset(&c, 0xa5, sizeof(c));
	amd_cq_build_completion_wait(&c, 0x000f123456789ab8ULL,
				     0x1122334455667788ULL);
	check_cmd("completion_wait", &c, 0x56789ab9, 0x100f1234, 0x55667788,
		  0x11223344, 0x01);
	/* Reserved bits 59:52 stay zero, bits 2:1 (I, F) stay zero. */
	amd_cq_build_completion_wait(&c, 0x0ff0000000000008ULL, 0);
	check_cmd("completion_wait_reserved_zero", &c, 0x00000009, 0x10000000,
		  0, 0, 0x01);

	/* INVALIDATE_DEVTAB_ENTRY (02h, section 2.4.2): DeviceID 15:0. */
	memset(&c, 0xa5, sizeof(c));
	amd_cq_build_inv_devtab_entry(&c, 0xbeef);
	check_cmd("inv_devtab_entry", &c, 0x0000beef, 0x20000000, 0, 0, 0x02);

	/*
	 * INVALIDATE_IOMMU_PAGES (03h, section 2.4.3): PASID 19:0 = 0,
	 * DomainID 47:32, S bit 64, PDE bit 65, GN bit 66 = 0, address
	 * 63:12 = 7FFF_FFFF_FFFF_Fh (all pages).
	 */
	memset(&c, 0xa5, sizeof(c));
	amd_cq_build_inv_iommu_pages(&c, 0x1234);
	check_cmd("inv_iommu_pages", &c, 0x00000000, 0x30001234, 0xfffff003,
		  0x7fffffff, 0x03);

	/*
	 * INVALIDATE_IOTLB_PAGES (04h, section 2.4.4): DeviceID 15:0,
	 * Maxpend 31:24 = 1, QueueID 47:32 = DeviceID, S bit 64, bit 65
	 * reserved, GN 66 = 0, Type 69:68 = 0, address all pages.
	 */
	memset(&c, 0xa5, sizeof(c));
	amd_cq_build_inv_iotlb_pages(&c, 0x0108);
	check_cmd("inv_iotlb_pages", &c, 0x01000108, 0x40000108, 0xfffff001,
		  0x7fffffff, 0x04);

	/* INVALIDATE_IOMMU_ALL (08h, section 2.4.8): opcode only. */
	memset(&c, 0xa5, sizeof(c));
	amd_cq_build_inv_all(&c);
	check_cmd("inv_iommu_all", &c, 0, 0x80000000, 0, 0, 0x08);
}

/* ---------------------------------------------------------------------- */

static unsigned int expired_calls;
static unsigned int expire_at;	/* expire on this call (1-based); 0: never */

static bool t_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	(void)ctx;
	expired_calls++;
	return expire_at && expired_calls >= expire_at;
}

/*
 * Synthetic device table, eight classes of DTE by devid % 8:
 *  0: V=0 with garbage, I=1, DomainID 0x9999           -> untouched
 *  1: V=1 TV=1 Mode=0 IR=IW=0 (blocked), DomainID 0x3333 -> unchanged
 *  2: paged Mode=3 IR|IW, DomainID 1 + (devid / 8) % 1000  -> changed
 *  3: identity Mode=0 IR|IW, DomainID 0, I=1 (ATS)          -> changed, ATS
 *  4: V=1 TV=0, stale I=1, DomainID 7                       -> changed
 *  5: paged Mode=4 IR only, DomainID 0x5555  -> changed in mode all only
 *  6: paged Mode=3 IR|IW, I=1, DomainID 0x8000 + (devid / 8) % 16
 *                                                           -> changed, ATS
 *  7: paged Mode=3 IW only, DomainID 0x4242                 -> changed
 */
static void fill_table(uint64_t *t)
{
	uint32_t d;

	for (d = 0; d < NR_DTE; d++) {
		uint64_t *e = &t[(size_t)d * 4];
		uint64_t root = ((uint64_t)d << 12) | 0x100000000ULL;

		e[2] = 0x1111000000000000ULL | d;	/* interrupt fields */
		e[3] = 0x2222000000000000ULL | d;
		switch (d % 8) {
		case 0:
			e[0] = T_IR | T_IW | T_MODE(3) | root | T_TV;
			e[1] = T_I | 0x9999;
			break;
		case 1:
			e[0] = T_V | T_TV;
			e[1] = 0x3333;
			break;
		case 2:
			e[0] = T_V | T_TV | T_MODE(3) | root | T_IR | T_IW;
			e[1] = 1 + (d / 8) % 1000;
			break;
		case 3:
			e[0] = T_V | T_TV | T_IR | T_IW;
			e[1] = T_I | 0;
			break;
		case 4:
			e[0] = T_V | T_IR | T_IW;
			e[1] = T_I | 7;
			break;
		case 5:
			e[0] = T_V | T_TV | T_MODE(4) | root | T_IR;
			e[1] = 0x5555;
			break;
		case 6:
			e[0] = T_V | T_TV | T_MODE(3) | root | T_IR | T_IW;
			e[1] = T_I | (0x8000 + (d / 8) % 16);
			break;
		default:
			e[0] = T_V | T_TV | T_MODE(3) | root | T_IW;
			e[1] = 0x4242;
			break;
		}
	}
}

static bool class_changes(uint32_t d, enum crash_dma_quiesce_mode m)
{
	switch (d % 8) {
	case 1:
		return false;
	case 5:
		return m == CRASH_DMA_QUIESCE_ALL;
	default:
		return true;
	}
}

/*
 * Expected revoke of a whole DTE, from the specification's semantics
 * (48882 section 2.2.2), literal bits: V=0 or TV=0 (untranslated, full
 * access) -> word 0 V=1 TV=1 Mode=0 IR=(mode write) IW=0, word 1 zero,
 * words 2-3 kept when V was 1, zero when it was 0; V=1 TV=1 -> IW (and IR
 * for mode all) cleared, I (word 1 bit 32) cleared, SysMgt (word 1 bits
 * 41:40) 01b -> 00b, everything else kept.
 */
static void expect_revoke(const uint64_t *o, uint64_t *n,
			  enum crash_dma_quiesce_mode m)
{
	if (!(o[0] & T_V) || !(o[0] & T_TV)) {
		n[0] = T_V | T_TV | (m == CRASH_DMA_QUIESCE_ALL ? 0 : T_IR);
		n[1] = 0;
		n[2] = o[0] & T_V ? o[2] : 0;
		n[3] = o[0] & T_V ? o[3] : 0;
		return;
	}
	n[0] = o[0] & ~T_IW;
	if (m == CRASH_DMA_QUIESCE_ALL)
		n[0] &= ~T_IR;
	n[1] = o[1] & ~T_I;
	if (((o[1] >> 40) & 3) == 1)
		n[1] &= ~(3ULL << 40);
	n[2] = o[2];
	n[3] = o[3];
}

/* Domain whose translations may be cached for a changed DTE. */
static uint32_t expect_domain(const uint64_t *o)
{
	return (o[0] & T_V) && (o[0] & T_TV) ? (uint32_t)(o[1] & 0xffff) : 0;
}

static bool bit(const uint64_t *bm, uint32_t n)
{
	return (bm[n / 64] >> (n % 64)) & 1;
}

struct walk_env {
	uint64_t *table;
	uint64_t *pristine;
	uint64_t changed[AMD_CQ_BITMAP_WORDS];
	uint64_t domains[AMD_CQ_BITMAP_WORDS];
	uint64_t ats[AMD_CQ_BITMAP_WORDS];
	struct crash_dma_quiesce_record rec;
	struct amd_cq_walk w;
};

static unsigned int flushes;

static void t_flush(void *addr, u64 size)
{
	(void)addr;
	(void)size;
	flushes++;
}

static void run_walk(struct walk_env *env, enum crash_dma_quiesce_mode m,
		     bool dry_run, uint32_t count, unsigned int expire)
{
	memset(&env->rec, 0xee, sizeof(env->rec));	/* walk must reset */
	memset(env->changed, 0xff, sizeof(env->changed));
	memset(env->domains, 0xff, sizeof(env->domains));
	memset(env->ats, 0xff, sizeof(env->ats));
	env->w.table = env->table;
	env->w.count = count;
	env->w.mode = m;
	env->w.dry_run = dry_run;
	env->w.expired = t_expired;
	env->w.expired_arg = NULL;
	env->w.flush = NULL;
	env->w.changed = env->changed;
	env->w.domains = env->domains;
	env->w.ats = env->ats;
	expired_calls = 0;
	expire_at = expire;
	amd_cq_walk_begin(&env->w, &env->rec);
	amd_cq_walk(&env->w, &env->rec);
}

static unsigned long count_bits(const uint64_t *bm)
{
	unsigned long n = 0;
	uint32_t i;

	for (i = 0; i < NR_DTE; i++)
		n += bit(bm, i);
	return n;
}

static void test_walk_mode(struct walk_env *env, enum crash_dma_quiesce_mode m)
{
	unsigned long bad_bitmap = 0, bad_dte = 0, bad_ats = 0;
	unsigned long want_changed = 0;
	uint64_t want_domains[AMD_CQ_BITMAP_WORDS] = { 0 };
	unsigned long bad_dom = 0;
	unsigned long want = m == CRASH_DMA_QUIESCE_ALL ? 57344 : 49152;
	char name[96];
	uint32_t d;

	fill_table(env->pristine);
	memcpy(env->table, env->pristine, (size_t)NR_DTE * 32);

	/* Dry run first: counts everything, writes nothing. */
	run_walk(env, m, true, NR_DTE, 0);
	snprintf(name, sizeof(name), "walk/%s/dry_run_table_unchanged",
		 mode_name(m));
	CHECK(name, !memcmp(env->table, env->pristine, (size_t)NR_DTE * 32));
	snprintf(name, sizeof(name), "walk/%s/dry_run_changed_count",
		 mode_name(m));
	CHECK_EQ(name, env->rec.entries_changed, want);
	snprintf(name, sizeof(name), "walk/%s/dry_run_not_timed_out",
		 mode_name(m));
	CHECK(name, !env->w.timed_out);

	/* The real walk. */
	run_walk(env, m, false, NR_DTE, 0);
	for (d = 0; d < NR_DTE; d++) {
		const uint64_t *e = &env->table[(size_t)d * 4];
		const uint64_t *p = &env->pristine[(size_t)d * 4];
		uint64_t x[4];
		bool ch = class_changes(d, m);

		want_changed += ch;
		if (bit(env->changed, d) != ch)
			bad_bitmap++;
		if (ch)
			expect_revoke(p, x, m);
		else
			memcpy(x, p, sizeof(x));
		if (memcmp(e, x, sizeof(x)))
			bad_dte++;
		if (bit(env->ats, d) != (d % 8 == 3 || d % 8 == 6))
			bad_ats++;
		if (ch)
			want_domains[expect_domain(p) / 64] |=
				1ULL << (expect_domain(p) % 64);
	}
	for (d = 0; d < AMD_CQ_BITMAP_WORDS; d++)
		bad_dom += want_domains[d] != env->domains[d];

	snprintf(name, sizeof(name), "walk/%s/entries_scanned", mode_name(m));
	CHECK_EQ(name, env->rec.entries_scanned, 65536);
	snprintf(name, sizeof(name), "walk/%s/entries_changed", mode_name(m));
	CHECK_EQ(name, env->rec.entries_changed, want);
	snprintf(name, sizeof(name), "walk/%s/entries_changed_matches_classes",
		 mode_name(m));
	CHECK_EQ(name, env->rec.entries_changed, want_changed);
	snprintf(name, sizeof(name), "walk/%s/none_rejected", mode_name(m));
	CHECK_EQ(name, env->rec.entries_rejected, 0);
	snprintf(name, sizeof(name), "walk/%s/changed_bitmap", mode_name(m));
	CHECK_EQ(name, bad_bitmap, 0);
	snprintf(name, sizeof(name), "walk/%s/changed_bitmap_popcount",
		 mode_name(m));
	CHECK_EQ(name, count_bits(env->changed), want_changed);
	snprintf(name, sizeof(name), "walk/%s/dte_revoked_as_specified",
		 mode_name(m));
	CHECK_EQ(name, bad_dte, 0);
	/* 1..1000 (class 2), 0 (classes 0, 3, 4), 0x8000..0x800f, 0x4242 (+0x5555). */
	snprintf(name, sizeof(name), "walk/%s/nr_domains", mode_name(m));
	CHECK_EQ(name, env->w.nr_domains,
		 m == CRASH_DMA_QUIESCE_ALL ? 1019 : 1018);
	snprintf(name, sizeof(name), "walk/%s/domain_bitmap", mode_name(m));
	CHECK_EQ(name, bad_dom, 0);
	snprintf(name, sizeof(name), "walk/%s/domain_not_from_v0_or_tv0",
		 mode_name(m));
	CHECK(name, !bit(env->domains, 0x9999) && !bit(env->domains, 0x3333) &&
		    (m == CRASH_DMA_QUIESCE_ALL) == bit(env->domains, 0x5555));
	snprintf(name, sizeof(name), "walk/%s/nr_ats", mode_name(m));
	CHECK_EQ(name, env->w.nr_ats, 16384);
	snprintf(name, sizeof(name), "walk/%s/ats_bitmap_v1_tv1_only",
		 mode_name(m));
	CHECK_EQ(name, bad_ats, 0);
	snprintf(name, sizeof(name), "walk/%s/not_timed_out", mode_name(m));
	CHECK(name, !env->w.timed_out && env->w.next == NR_DTE);
	snprintf(name, sizeof(name), "walk/%s/deadline_checked_every_64",
		 mode_name(m));
	CHECK_EQ(name, expired_calls, 65536 / 64);

	/* Collect from the changed bitmap (IOMMU sharing the table). */
	{
		uint64_t dom[AMD_CQ_BITMAP_WORDS];
		uint32_t nr_dom = env->w.nr_domains;
		unsigned long bad = 0;

		memcpy(dom, env->domains, sizeof(dom));
		memset(env->domains, 0xff, sizeof(env->domains));
		amd_cq_collect(&env->w, env->changed);
		for (d = 0; d < AMD_CQ_BITMAP_WORDS; d++)
			bad += dom[d] != env->domains[d];
		snprintf(name, sizeof(name), "collect/%s/domains_same",
			 mode_name(m));
		CHECK_EQ(name, bad, 0);
		snprintf(name, sizeof(name), "collect/%s/nr_domains_same",
			 mode_name(m));
		CHECK_EQ(name, env->w.nr_domains, nr_dom);
	}

	/* Idempotent: a second walk finds nothing to change. */
	memcpy(env->pristine, env->table, (size_t)NR_DTE * 32);
	run_walk(env, m, false, NR_DTE, 0);
	snprintf(name, sizeof(name), "walk/%s/second_walk_changes_nothing",
		 mode_name(m));
	CHECK_EQ(name, env->rec.entries_changed, 0);
	snprintf(name, sizeof(name), "walk/%s/second_walk_table_same",
		 mode_name(m));
	CHECK(name, !memcmp(env->table, env->pristine, (size_t)NR_DTE * 32));
	snprintf(name, sizeof(name), "walk/%s/second_walk_no_domains",
		 mode_name(m));
	CHECK_EQ(name, env->w.nr_domains + env->w.nr_ats +
		 count_bits(env->changed), 0);
}

static void test_walk_deadline(struct walk_env *env)
{
	unsigned long bad_before = 0, bad_after = 0;
	uint32_t d;

	fill_table(env->pristine);
	memcpy(env->table, env->pristine, (size_t)NR_DTE * 32);

	/* Expires on the 11th check: 10 blocks of 64 DTEs done. */
	run_walk(env, CRASH_DMA_QUIESCE_WRITE, false, NR_DTE, 11);
	CHECK("walk/deadline/timed_out", env->w.timed_out);
	CHECK_EQ("walk/deadline/next", env->w.next, 640);
	CHECK_EQ("walk/deadline/entries_scanned", env->rec.entries_scanned, 640);
	CHECK_EQ("walk/deadline/entries_changed", env->rec.entries_changed,
		 640 / 8 * 6);
	for (d = 0; d < NR_DTE; d++) {
		const uint64_t *e = &env->table[(size_t)d * 4];
		const uint64_t *p = &env->pristine[(size_t)d * 4];
		uint64_t x[4];

		if (class_changes(d, CRASH_DMA_QUIESCE_WRITE))
			expect_revoke(p, x, CRASH_DMA_QUIESCE_WRITE);
		else
			memcpy(x, p, sizeof(x));
		if (d < 640 && memcmp(e, x, 32))
			bad_before++;
		if (d >= 640 && memcmp(e, p, 32))
			bad_after++;
	}
	CHECK_EQ("walk/deadline/done_part_revoked", bad_before, 0);
	CHECK_EQ("walk/deadline/rest_untouched", bad_after, 0);
	CHECK_EQ("walk/deadline/bitmap_stops", count_bits(env->changed),
		 640 / 8 * 6);

	/*
	 * Continued later in the same pass (an IOMMU sharing the table): the
	 * rest is done, the outputs add up.
	 */
	expire_at = 0;
	amd_cq_walk(&env->w, &env->rec);
	CHECK("walk/continued/finished", !env->w.timed_out && env->w.next == NR_DTE);
	CHECK_EQ("walk/continued/entries_scanned", env->rec.entries_scanned, NR_DTE);
	CHECK_EQ("walk/continued/entries_changed", env->rec.entries_changed,
		 NR_DTE / 8 * 6);
	CHECK_EQ("walk/continued/bitmap_whole", count_bits(env->changed),
		 NR_DTE / 8 * 6);
	for (d = 0, bad_after = 0; d < NR_DTE; d++)
		bad_after += !!(env->table[(size_t)d * 4] & T_IW);
	CHECK_EQ("walk/continued/no_iw_left", bad_after, 0);

	/* Already expired: nothing scanned, nothing written. */
	memcpy(env->table, env->pristine, (size_t)NR_DTE * 32);
	run_walk(env, CRASH_DMA_QUIESCE_ALL, false, NR_DTE, 1);
	CHECK("walk/deadline_at_start/timed_out", env->w.timed_out);
	CHECK_EQ("walk/deadline_at_start/entries_scanned",
		 env->rec.entries_scanned, 0);
	CHECK_EQ("walk/deadline_at_start/entries_changed",
		 env->rec.entries_changed, 0);
	CHECK("walk/deadline_at_start/table_untouched",
	      !memcmp(env->table, env->pristine, (size_t)NR_DTE * 32));
	CHECK_EQ("walk/deadline_at_start/no_domains", env->w.nr_domains, 0);

	/* Short table (device table size field < 1FFh). */
	run_walk(env, CRASH_DMA_QUIESCE_WRITE, true, 1000, 0);
	CHECK_EQ("walk/count_1000/entries_scanned", env->rec.entries_scanned,
		 1000);
	CHECK_EQ("walk/count_1000/entries_changed", env->rec.entries_changed,
		 125 * 6);
	CHECK_EQ("walk/count_1000/no_bit_past_count",
		 amd_cq_bitmap_next(env->changed, 1000), 65536);

	/* A count beyond 65536 is clamped (ASan catches an overrun). */
	run_walk(env, CRASH_DMA_QUIESCE_WRITE, true, 70000, 0);
	CHECK_EQ("walk/count_clamped/entries_scanned", env->rec.entries_scanned,
		 65536);
}

/* Every V/TV/IR/IW/I/SysMgt combination of amd_cq_dte_revoke(). */
static void test_revoke_combinations(void)
{
	static const enum crash_dma_quiesce_mode modes[] = {
		CRASH_DMA_QUIESCE_WRITE, CRASH_DMA_QUIESCE_ALL,
	};
	const uint64_t other0 = 0x00000abcdef12000ULL | T_MODE(3) | (1ULL << 55);
	const uint64_t other1 = 0x1234 | (1ULL << 39) | (5ULL << 48);
	unsigned int mi, v, tv, ir, iw, i, sm, bad = 0, bits = 0, erratum = 0;

	for (mi = 0; mi < 2; mi++)
	for (v = 0; v < 2; v++)
	for (tv = 0; tv < 2; tv++)
	for (ir = 0; ir < 2; ir++)
	for (iw = 0; iw < 2; iw++)
	for (i = 0; i < 2; i++)
	for (sm = 0; sm < 4; sm++) {
		uint64_t o[4] = {
			other0 | (v ? T_V : 0) | (tv ? T_TV : 0) |
			(ir ? T_IR : 0) | (iw ? T_IW : 0),
			other1 | (i ? T_I : 0) | ((uint64_t)sm << 40),
			0x1111000000000001ULL, 0x2222000000000000ULL,
		};
		uint64_t n[4], x[4];
		unsigned int diff, want = 0, k;

		diff = amd_cq_dte_revoke(o, n, modes[mi]);
		expect_revoke(o, x, modes[mi]);
		for (k = 0; k < 4; k++)
			want |= (x[k] != o[k]) << k;
		bad += !!memcmp(n, x, sizeof(n));
		bits += diff != want;
		erratum += (n[0] & T_V) && (n[0] & T_TV) &&
			   ((n[1] >> 40) & 3) == 1 && !(n[0] & T_IW);
	}
	CHECK_EQ("revoke/combinations_as_specified", bad, 0);
	CHECK_EQ("revoke/diff_mask", bits, 0);
	CHECK_EQ("revoke/never_erratum_63_state", erratum, 0);
	/* Literal cases. */
	{
		uint64_t o[4] = { 0x6000000123456603ULL, 0x10100000042ULL, 5, 6 }, n[4];

		/* IW and I cleared, SysMgt 01b (bit 40) kept off, rest kept. */
		CHECK_EQ("revoke/literal/paged_ats_sysmgt_mask",
			 amd_cq_dte_revoke(o, n, CRASH_DMA_QUIESCE_WRITE), 3);
		CHECK_EQ("revoke/literal/paged_ats_sysmgt_w0", n[0], 0x2000000123456603ULL);
		CHECK_EQ("revoke/literal/paged_ats_sysmgt_w1", n[1], 0x42ULL);
	}
	{
		uint64_t o[4] = { 0, 0x123, 0x4567, 0x89 }, n[4];

		CHECK_EQ("revoke/literal/v0_mask",
			 amd_cq_dte_revoke(o, n, CRASH_DMA_QUIESCE_WRITE), 0xf);
		CHECK_EQ("revoke/literal/v0_w0", n[0], 0x2000000000000003ULL);
		CHECK("revoke/literal/v0_rest_zero", !n[1] && !n[2] && !n[3]);
	}
	{
		uint64_t o[4] = { 0x6000000000000001ULL, 0x100001234ULL, 7, 8 }, n[4];

		CHECK_EQ("revoke/literal/tv0_mask",
			 amd_cq_dte_revoke(o, n, CRASH_DMA_QUIESCE_ALL), 3);
		CHECK_EQ("revoke/literal/tv0_w0", n[0], 0x0000000000000003ULL);
		CHECK("revoke/literal/tv0_w1_zero_irq_kept", !n[1] && n[2] == 7 && n[3] == 8);
	}
}

/*
 * Random DTEs: nothing granted (DMA read / write, with the untranslated
 * full access of V=0 or TV=0, and translated requests, which need V, TV
 * and I), idempotent.
 */
static void test_revoke_properties(void)
{
	unsigned long grant = 0, idem = 0, n = 0;
	int i;

	for (i = 0; i < 400000; i++) {
		uint64_t o[4] = { rng(), rng(), rng(), rng() }, a[4], b[4];
		enum crash_dma_quiesce_mode m = i & 1 ? CRASH_DMA_QUIESCE_ALL :
						       CRASH_DMA_QUIESCE_WRITE;
		unsigned int before, after;

		if (i % 4 == 1)
			o[0] &= T_V | T_TV | T_IR | T_IW | T_MODE(7) | T_ROOT;
		amd_cq_dte_revoke(o, a, m);
		before = effective(o[0]) |
			 ((o[0] & T_V) && (o[0] & T_TV) && (o[1] & T_I) ? 4 : 0);
		after = effective(a[0]) |
			((a[0] & T_V) && (a[0] & T_TV) && (a[1] & T_I) ? 4 : 0);
		grant += (after & ~before) || (after & 2) ||
			 (m == CRASH_DMA_QUIESCE_ALL && (after & 1));
		idem += amd_cq_dte_revoke(a, b, m) != 0;
		n++;
	}
	CHECK_EQ("revoke/property/never_grants_no_write_no_ats", grant, 0);
	CHECK_EQ("revoke/property/idempotent", idem, 0);
	CHECK_EQ("revoke/property/dtes_tested", n, 400000);
}

/*
 * Another CPU rewrites a DTE between the walk's read and its store (a CPU
 * that did not stop): the walk must not store a value derived from the
 * old one over it, and must still revoke what is there now.
 */
static uint64_t *race_target;
static uint64_t race_value;

static void race_hook(u64 *p)
{
	if (p == race_target) {
		*p = race_value;
		race_target = NULL;	/* once */
	}
}
/* The same before a plain store (WRITE_ONCE()), which the code must not use. */
static void race_store_hook(void *p)
{
	race_hook(p);
}


static void test_walk_concurrent(struct walk_env *env)
{
	const uint64_t root2 = 0x0000000777777000ULL;
	uint64_t *dte;

	memset(env->table, 0, (size_t)NR_DTE * 32);
	env->table[0] = env->table[4] = env->table[12] = T_V | T_TV;
	dte = &env->table[2 * 4];
	dte[0] = T_V | T_TV | T_MODE(3) | 0x12345000ULL | T_IR | T_IW;
	dte[1] = 5;
	race_target = &dte[0];
	race_value = T_V | T_TV | T_MODE(3) | root2 | T_IR | T_IW;
	test_cmpxchg_hook = race_hook;
	test_store_hook = race_store_hook;
	run_walk(env, CRASH_DMA_QUIESCE_WRITE, false, 4, 0);
	test_cmpxchg_hook = NULL;
	test_store_hook = NULL;
	CHECK("walk/concurrent/hook_ran", race_target == NULL);
	/* The primitive: a word that no longer holds @old is left alone. */
	{
		u64 word = 5;

		CHECK("replace/stale_refused", !amd_cq_replace(&word, 4, 7) && word == 5);
		CHECK("replace/current_stored", amd_cq_replace(&word, 5, 7) && word == 7);
	}
	CHECK_EQ("walk/concurrent/new_root_kept_iw_revoked", dte[0],
		 T_V | T_TV | T_MODE(3) | root2 | T_IR);
	CHECK_EQ("walk/concurrent/counted_once", env->rec.entries_changed, 1);
}

/* A non-snooping IOMMU: every changed DTE written back, none otherwise. */
static void test_walk_flush(struct walk_env *env)
{
	fill_table(env->table);
	flushes = 0;
	memset(env->changed, 0, sizeof(env->changed));
	env->w.table = env->table;
	env->w.count = 1024;
	env->w.mode = CRASH_DMA_QUIESCE_WRITE;
	env->w.dry_run = false;
	env->w.expired = t_expired;
	env->w.flush = t_flush;
	env->w.changed = env->changed;
	env->w.domains = env->domains;
	env->w.ats = env->ats;
	expire_at = 0;
	amd_cq_walk_begin(&env->w, &env->rec);
	amd_cq_walk(&env->w, &env->rec);
	CHECK_EQ("walk/noncoherent/one_flush_per_changed", flushes,
		 env->rec.entries_changed);
	fill_table(env->table);
	run_walk(env, CRASH_DMA_QUIESCE_WRITE, false, 1024, 0);
	CHECK_EQ("walk/coherent/no_flush", flushes, 1024 / 8 * 6);
}

/*
 * amd_cq_mark_last(): the highest changed DeviceID of every domain, read
 * from word 1 of the table (re-derived here from DomainID bits 15:0).
 */
static void test_mark_last(struct walk_env *env)
{
	static uint64_t seen[AMD_CQ_BITMAP_WORDS], last[AMD_CQ_BITMAP_WORDS];
	static uint32_t maxdev[65536];
	unsigned long bad = 0, nlast = 0;
	uint32_t d;

	fill_table(env->table);
	memset(env->changed, 0, sizeof(env->changed));
	memset(maxdev, 0xff, sizeof(maxdev));
	for (d = 0; d < NR_DTE; d += 3) {
		uint32_t dom = (uint32_t)(env->table[(size_t)d * 4 + 1] & 0xffff);

		env->changed[d / 64] |= 1ULL << (d % 64);
		maxdev[dom] = d;
	}
	amd_cq_mark_last(env->table, NR_DTE, env->changed, seen, last);
	for (d = 0; d < NR_DTE; d++) {
		uint32_t dom = (uint32_t)(env->table[(size_t)d * 4 + 1] & 0xffff);
		bool want = d % 3 == 0 && maxdev[dom] == d;

		bad += bit(last, d) != want;
		nlast += want;
	}
	CHECK_EQ("mark_last/last_device_of_each_domain", bad, 0);
	CHECK("mark_last/some_marked", nlast > 1000);
}

static void test_bitmap_next(void)
{
	uint64_t bm[AMD_CQ_BITMAP_WORDS] = { 0 };

	CHECK_EQ("bitmap_next/empty", amd_cq_bitmap_next(bm, 0), 65536);
	bm[0] = 1;
	bm[1] = 1ULL << 63;
	bm[AMD_CQ_BITMAP_WORDS - 1] = 1ULL << 63;
	CHECK_EQ("bitmap_next/bit0", amd_cq_bitmap_next(bm, 0), 0);
	CHECK_EQ("bitmap_next/bit127", amd_cq_bitmap_next(bm, 1), 127);
	CHECK_EQ("bitmap_next/bit127_from_127", amd_cq_bitmap_next(bm, 127), 127);
	CHECK_EQ("bitmap_next/bit65535", amd_cq_bitmap_next(bm, 128), 65535);
	CHECK_EQ("bitmap_next/past_end", amd_cq_bitmap_next(bm, 65536), 65536);
	CHECK_EQ("bitmap_next/far_past_end", amd_cq_bitmap_next(bm, 0xffffffffU),
		 65536);
}

int main(void)
{
	struct walk_env *env = calloc(1, sizeof(*env));

	if (!env)
		return 2;
	env->table = malloc((size_t)NR_DTE * 32);
	env->pristine = malloc((size_t)NR_DTE * 32);
	if (!env->table || !env->pristine)
		return 2;

	RUN_CASE("unit/amd/layout", test_layout());
	RUN_CASE("unit/amd/transform_combinations", test_transform_combinations());
	RUN_CASE("unit/amd/transform_properties", test_transform_properties());
	RUN_CASE("unit/amd/commands", test_commands());
	RUN_CASE("unit/amd/bitmap_next", test_bitmap_next());
	RUN_CASE("unit/amd/walk_mode-write", test_walk_mode(env, CRASH_DMA_QUIESCE_WRITE));
	RUN_CASE("unit/amd/walk_mode-all", test_walk_mode(env, CRASH_DMA_QUIESCE_ALL));
	RUN_CASE("unit/amd/walk_deadline", test_walk_deadline(env));
	RUN_CASE("unit/amd/revoke_combinations", test_revoke_combinations());
	RUN_CASE("unit/amd/revoke_properties", test_revoke_properties());
	RUN_CASE("unit/amd/walk_concurrent", test_walk_concurrent(env));
	RUN_CASE("unit/amd/walk_flush", test_walk_flush(env));
	RUN_CASE("unit/amd/mark_last", test_mark_last(env));

	free(env->table);
	free(env->pristine);
	free(env);
	return check_failed ? 1 : 0;
}
