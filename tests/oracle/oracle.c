// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-state oracles of the crash path: see oracle.h. Bit positions are
 * literal numbers next to their specification section; nothing here comes
 * from the product's headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oracle.h"

#define OA51_12		0x000ffffffffff000ULL	/* address bits 51:12 */
#define OA63_12		0xfffffffffffff000ULL	/* pointer field bits 63:12 */
#define OBIT(n)		(1ULL << (n))

static void note(struct oracle_result *r, bool excused, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct oracle_result *r, bool excused, const char *fmt, ...)
{
	char *buf = excused ? r->first_excused : r->first;
	va_list ap;

	if (excused)
		r->excused++;
	else
		r->bad++;
	if (buf[0])
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(r->first), fmt, ap);
	va_end(ap);
}

/* Address bits at or above the host address width are reserved. */
static uint64_t rsvd_haw(unsigned int haw)
{
	if (haw < 12 || haw > 52)
		haw = 52;
	return ~0ULL << haw;
}

static const uint64_t *pg(const struct oracle_mem *m, uint64_t phys)
{
	return m->page(m->priv, phys & ~0xfffULL);
}

static bool usable(const struct oracle_mem *m, uint64_t phys)
{
	return m->usable(m->priv, phys & ~0xfffULL);
}

/*
 * A small set of 64-bit keys (tables already visited), so that a table
 * shared by thousands of entries is looked at once. When full, nothing
 * more is remembered (the caller then repeats work, never skips it).
 */
#define SEEN_SLOTS	512
struct seen {
	uint64_t key[SEEN_SLOTS];
	unsigned int used;
};

/* Return: true when @key was there already; else remember it. */
static bool seen_test_set(struct seen *s, uint64_t key)
{
	unsigned int i = (unsigned int)((key * 0x9e3779b97f4a7c15ULL) >> 52) % SEEN_SLOTS;
	unsigned int n;

	key |= 1;	/* keys are page addresses: bit 0 marks a used slot */
	for (n = 0; n < SEEN_SLOTS; n++, i = (i + 1) % SEEN_SLOTS) {
		if (s->key[i] == key)
			return true;
		if (!s->key[i])
			break;
	}
	if (n == SEEN_SLOTS || s->used >= SEEN_SLOTS / 4 * 3)
		return false;
	s->key[i] = key;
	s->used++;
	return false;
}

/* ------------------------------------------------------------------ roles */

uint32_t oracle_role_writable(void)
{
	return OR_AMD_DEVTAB | OR_AMD_CMDBUF | OR_AMD_CWWB | OR_VTD_CTX |
	       OR_VTD_SM_CTX | OR_VTD_PTBL | OR_VTD_SL3 | OR_VTD_SL45 |
	       OR_VTD_IQ | OR_CQ_RECORD;
}

const char *oracle_role_names(uint32_t roles, char *buf, unsigned int size)
{
	static const char *const names[] = {
		"data", "CPU page table", "first-level/guest table",
		"AMD device table", "AMD command buffer",
		"AMD completion-wait range", "AMD host page table",
		"VT-d root table", "VT-d context table",
		"VT-d scalable root table", "VT-d scalable context table",
		"PASID directory", "PASID table",
		"second-level top table (3 levels)",
		"second-level top table (4/5 levels)",
		"invalidation queue", "crash path's own table",
		"crash path's record",
	};
	unsigned int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(roles & (1u << i)))
			continue;
		len += (unsigned int)snprintf(buf + len, len < size ? size - len : 0,
					      "%s%s", len ? ", " : "", names[i]);
	}
	if (!roles)
		snprintf(buf, size, "untagged data page");
	return buf;
}

/*
 * AMD-Vi, 48882 section 3.4 (registers) and 2.2.2 (DTE):
 *  - Device Table Base: base bits 51:12, Size bits 8:0 ((Size + 1) * 4 KiB);
 *  - Command Buffer Base: base bits 51:12, ComLen bits 59:56 (2^ComLen
 *    16-byte entries);
 *  - Exclusion Base: ExEn bit 0, address bits 51:12; Limit bits 51:12;
 *    EFR SNPSup bit 63 (with ExEn clear and an address set, the range is
 *    the completion-wait write-back range);
 *  - DTE word 0: V 0, TV 1, Mode 11:9, Host Page Table Root 51:12, GV 55,
 *    GLX 57:56, GCR3 Table Root Pointer[14:12] 60:58; word 1: GCR3[30:15]
 *    bits 31:16 (DTE 95:80), GCR3[51:31] bits 63:43 (DTE 127:107);
 *  - GCR3 table entries: bit 0 valid, address 51:12 (GLX 01b: two
 *    levels of tables).
 */
static uint64_t amd_gcr3(uint64_t w0, uint64_t w1)
{
	return ((w0 >> 58) & 7) << 12 | ((w1 >> 16) & 0xffff) << 15 |
	       ((w1 >> 43) & 0x1fffff) << 31;
}

static uint32_t amd_dtes(const struct oracle_amd *u)
{
	uint64_t size = ((u->devtab & 0x1ff) + 1) * 4096;

	if (u->dtes)
		return u->dtes < 65536 ? u->dtes : 65536;
	return size / 32 < 65536 ? (uint32_t)(size / 32) : 65536;
}

static void amd_gcr3_roles(const struct oracle_mem *m, uint64_t table,
			   unsigned int glx, oracle_role_fn add, void *priv)
{
	const uint64_t *t, *t2;
	unsigned int i, j;

	add(priv, table & OA51_12, OR_FL);
	t = pg(m, table);
	for (i = 0; t && i < 512; i++) {
		if (!(t[i] & 1))
			continue;
		add(priv, t[i] & OA51_12, OR_FL);
		if (glx != 1)
			continue;
		t2 = pg(m, t[i] & OA51_12);
		for (j = 0; t2 && j < 512; j++)
			if (t2[j] & 1)
				add(priv, t2[j] & OA51_12, OR_FL);
	}
}

void oracle_amd_roles(const struct oracle_mem *m, const struct oracle_amd *u,
		      oracle_role_fn add, void *priv)
{
	uint64_t base = u->devtab & OA51_12, p, limit;
	uint32_t i, n = amd_dtes(u), len;
	const uint64_t *t = NULL;
	struct seen gcr3;
	unsigned int mode;

	memset(&gcr3, 0, sizeof(gcr3));
	for (i = 0; i <= (u->devtab & 0x1ff); i++)
		add(priv, base + (uint64_t)i * 4096, OR_AMD_DEVTAB);
	len = (u->cmdbuf >> 56) & 0xf;
	for (i = 0; i < ((16u << len) + 4095) / 4096; i++)
		add(priv, (u->cmdbuf & OA51_12) + (uint64_t)i * 4096, OR_AMD_CMDBUF);
	if ((u->efr & OBIT(63)) && !(u->excl_base & 1) && (u->excl_base & OA51_12)) {
		limit = u->excl_limit & OA51_12;
		for (p = u->excl_base & OA51_12, i = 0; p <= limit && i < 512;
		     p += 4096, i++)
			add(priv, p, OR_AMD_CWWB);
	}
	for (i = 0; i < n; i++) {
		const uint64_t *d;

		if (!(i % 128))
			t = pg(m, base + (uint64_t)i * 32);
		if (!t)
			continue;
		d = &t[(i % 128) * 4];
		if (!(d[0] & 1))
			continue;
		mode = (d[0] >> 9) & 7;
		if ((d[0] & 2) && mode >= 1 && mode <= 6)
			add(priv, d[0] & OA51_12, OR_AMD_PT);
		if ((d[0] & 2) && (d[0] & OBIT(55)) &&
		    !seen_test_set(&gcr3, amd_gcr3(d[0], d[1])))
			amd_gcr3_roles(m, amd_gcr3(d[0], d[1]), (d[0] >> 56) & 3,
				       add, priv);
	}
}

/*
 * VT-d, section 10.4 (registers) and 9.1-9.6 (entries):
 *  - RTADDR_REG: RTA bits 63:12, TTM bits 11:10; IQA_REG: IQA bits 63:12,
 *    QS bits 2:0 (2^QS pages);
 *  - legacy root entry (9.1): P bit 0, CTP 63:12; context entry (9.3): P
 *    bit 0, TT 3:2, SLPTPTR 63:12, AW (high qword) 2:0;
 *  - scalable-mode root entry (9.2): lower half bit 0 LP, LCTP 63:12
 *    (devfn 0-127), upper half bit 0 UP, UCTP 63:12; context entry (9.4,
 *    4 qwords): P bit 0, PDTS 11:9, PASIDDIRPTR 63:12; directory entry
 *    (9.5): P bit 0, pointer 63:12; PASID entry (9.6, 8 qwords): P bit 0,
 *    AW 4:2, PGTT 8:6, SLPTPTR 63:12, qword 2 FLPTPTR 63:12.
 */
static uint32_t sl_role(unsigned int aw)
{
	return aw == 1 ? OR_VTD_SL3 : OR_VTD_SL45;
}

static void vtd_sm_roles(const struct oracle_mem *m, const uint64_t *rt,
			 oracle_role_fn add, void *priv)
{
	static struct seen dirs, tables;	/* large: not on the stack */
	unsigned int bus, half, i, k, j, d, n;
	const uint64_t *ct, *dp, *pt, *pe;
	uint64_t ce0;

	memset(&dirs, 0, sizeof(dirs));
	memset(&tables, 0, sizeof(tables));
	for (bus = 0; bus < 256; bus++) {
		for (half = 0; half < 2; half++) {
			if (!(rt[2 * bus + half] & 1))
				continue;
			add(priv, rt[2 * bus + half] & OA63_12, OR_VTD_SM_CTX);
			ct = pg(m, rt[2 * bus + half] & OA63_12);
			for (i = 0; ct && i < 128; i++) {
				ce0 = ct[4 * i];
				if (!(ce0 & 1))
					continue;
				n = 1u << (((ce0 >> 9) & 7) + 7);
				/* Key: directory address and PDTS. */
				if (seen_test_set(&dirs, (ce0 & OA63_12) | ((ce0 >> 8) & 0xe)))
					continue;
				for (k = 0; k < (n * 8 + 4095) / 4096; k++) {
					uint64_t dpa = (ce0 & OA63_12) + (uint64_t)k * 4096;

					add(priv, dpa, OR_VTD_PDIR);
					dp = pg(m, dpa);
					for (d = 0; dp && d < 512 && k * 512 + d < n; d++) {
						if (!(dp[d] & 1))
							continue;
						add(priv, dp[d] & OA63_12, OR_VTD_PTBL);
						if (seen_test_set(&tables, dp[d] & OA63_12))
							continue;
						pt = pg(m, dp[d] & OA63_12);
						for (j = 0; pt && j < 64; j++) {
							unsigned int pgtt;

							pe = &pt[8 * j];
							if (!(pe[0] & 1))
								continue;
							pgtt = (pe[0] >> 6) & 7;
							if (pgtt == 2 || pgtt == 3)
								add(priv, pe[0] & OA63_12,
								    sl_role((pe[0] >> 2) & 7));
							if (pgtt == 1 || pgtt == 3)
								add(priv, pe[2] & OA63_12, OR_FL);
						}
					}
				}
			}
		}
	}
}

void oracle_vtd_roles(const struct oracle_mem *m, const struct oracle_vtd *u,
		      oracle_role_fn add, void *priv)
{
	uint64_t root = u->rtaddr & OA63_12;
	unsigned int ttm = (u->rtaddr >> 10) & 3, bus, devfn, i;
	const uint64_t *rt, *ct;

	if (u->iqa)
		for (i = 0; i < (1u << (u->iqa & 7)); i++)
			add(priv, (u->iqa & OA63_12) + (uint64_t)i * 4096, OR_VTD_IQ);
	if (ttm == 1) {
		add(priv, root, OR_VTD_SM_ROOT);
		rt = pg(m, root);
		if (rt)
			vtd_sm_roles(m, rt, add, priv);
		return;
	}
	if (ttm)
		return;	/* abort-DMA mode: no tables */
	add(priv, root, OR_VTD_ROOT);
	rt = pg(m, root);
	for (bus = 0; rt && bus < 256; bus++) {
		if (!(rt[2 * bus] & 1))
			continue;
		add(priv, rt[2 * bus] & OA63_12, OR_VTD_CTX);
		ct = pg(m, rt[2 * bus] & OA63_12);
		for (devfn = 0; ct && devfn < 256; devfn++) {
			uint64_t lo = ct[2 * devfn], hi = ct[2 * devfn + 1];

			if ((lo & 1) && ((lo >> 2) & 3) <= 1)
				add(priv, lo & OA63_12, sl_role(hi & 7));
		}
	}
}

/* ----------------------------------------------------------- AMD checks */

void oracle_amd_complete(const struct oracle_mem *m, const struct oracle_amd *u,
			 enum oracle_mode mode,
			 bool (*raced)(void *priv, uint64_t phys), void *priv,
			 struct oracle_result *r)
{
	uint64_t base = u->devtab & OA51_12, phys;
	uint32_t i, n = amd_dtes(u);
	const uint64_t *t = NULL, *d;
	bool ok_page = false, exc;

	for (i = 0; i < n; i++) {
		phys = base + (uint64_t)i * 32;
		if (!(i % 128)) {
			t = pg(m, phys);
			ok_page = usable(m, phys);
		}
		r->checked++;
		if (!t) {
			note(r, true, "DeviceID %#x: device table page %#llx not readable",
			     i, (unsigned long long)(phys & ~0xfffULL));
			i |= 127;	/* the rest of the page */
			continue;
		}
		d = &t[(i % 128) * 4];
		exc = !ok_page || (raced && raced(priv, phys));
		/* V 0, TV 1 (either clear: DMA passes untranslated, all allowed). */
		if (!(d[0] & 1) || !(d[0] & 2))
			note(r, exc, "DeviceID %#x: DTE V=%u TV=%u passes DMA untranslated",
			     i, (unsigned int)(d[0] & 1), (unsigned int)(d[0] >> 1 & 1));
		else if (d[0] & OBIT(62))
			note(r, exc, "DeviceID %#x: DTE keeps IW", i);
		else if (d[1] & OBIT(32))
			note(r, exc, "DeviceID %#x: DTE keeps I (ATS translations honoured)", i);
		else if (((d[1] >> 40) & 3) == 1)
			note(r, exc, "DeviceID %#x: DTE has SysMgt 01b", i);
		else if (mode == ORACLE_ALL && (d[0] & OBIT(61)))
			note(r, exc, "DeviceID %#x: DTE keeps IR in mode all", i);
	}
}

unsigned int oracle_amd_blocked(const struct oracle_mem *before,
				const struct oracle_mem *after,
				const struct oracle_amd *u)
{
	uint64_t base = u->devtab & OA51_12;
	uint32_t i, n = amd_dtes(u), blocked = 0;
	const uint64_t *tb = NULL, *ta = NULL;

	for (i = 0; i < n; i++) {
		uint64_t b, a;

		if (!(i % 128)) {
			tb = pg(before, base + (uint64_t)i * 32);
			ta = pg(after, base + (uint64_t)i * 32);
		}
		if (!tb || !ta)
			continue;
		b = tb[(i % 128) * 4];
		a = ta[(i % 128) * 4];
		/*
		 * Reads were allowed: V=0, TV=0, or IR (bit 61). Now V, TV and
		 * !IR, or, with SNP enabled, V, TV and Mode (bits 11:9) 0,
		 * which SNP prohibits: the IOMMU refuses such an entry.
		 */
		if ((!(b & 1) || !(b & 2) ||
		     ((b & OBIT(61)) && !(u->snp_enabled && !((b >> 9) & 7)))) &&
		    (a & 1) && (a & 2) &&
		    (!(a & OBIT(61)) || (u->snp_enabled && !((a >> 9) & 7))))
			blocked++;
	}
	return blocked;
}

/* ---------------------------------------------------------- VT-d checks */

struct sl_memo {
	uint64_t key;		/* table address | levels */
	bool valid;
	bool readable;
	bool trusted;		/* usable, and no malformed present entry */
	unsigned int grant;	/* present entries still granting */
	unsigned int first;	/* index of the first */
};

struct vchk {
	const struct oracle_mem *m;
	const struct oracle_vtd *u;
	enum oracle_mode mode;
	struct oracle_result *r;
	uint64_t rsvd;		/* reserved address bits (HAW) */
	struct sl_memo sl[256];
	struct seen dirs;
};

/*
 * Second-level paging entry (9.8) at the top of a @levels-level
 * hierarchy: R bit 0, W bit 1, PS bit 7, SNP bit 11, address 51:12, TM
 * bit 62. PS is reserved in an SL-PML5E / SL-PML4E; in an SL-PDPE it
 * makes a 1 GiB leaf, which needs CAP.SLLPS bit 35 and has bits 29:12
 * reserved, SNP reserved without ECAP.SC (bit 7) and TM without ECAP.DT
 * (bit 2); SNP and TM are reserved in non-leaf entries; address bits at
 * or above HAW are reserved.
 */
static bool sl_top_entry_valid(const struct vchk *c, uint64_t e,
			       unsigned int levels)
{
	uint64_t rs = c->rsvd & OA51_12;

	if (levels == 3 && (e & OBIT(7))) {
		if (!(c->u->cap & OBIT(35)))
			return false;
		rs |= 0x3ffff000ULL;
		if (!(c->u->ecap & OBIT(7)))
			rs |= OBIT(11);
		if (!(c->u->ecap & OBIT(2)))
			rs |= OBIT(62);
	} else {
		rs |= OBIT(7) | OBIT(11) | OBIT(62);
	}
	return !(e & rs);
}

static bool grants(const struct vchk *c, uint64_t sl_entry)
{
	return sl_entry & (c->mode == ORACLE_ALL ? 3 : 2);
}

static const struct sl_memo *sl_eval(struct vchk *c, uint64_t phys,
				     unsigned int levels)
{
	uint64_t key = (phys & OA63_12) | levels;
	struct sl_memo *s = &c->sl[((key * 0x9e3779b97f4a7c15ULL) >> 56) % 256];
	const uint64_t *t;
	unsigned int i;

	if (s->valid && s->key == key)
		return s;
	memset(s, 0, sizeof(*s));
	s->valid = true;
	s->key = key;
	t = pg(c->m, phys);
	if (!t)
		return s;
	s->readable = true;
	s->trusted = usable(c->m, phys);
	for (i = 0; i < 512; i++) {
		if (!(t[i] & 3))
			continue;
		if (!sl_top_entry_valid(c, t[i], levels)) {
			s->trusted = false;
			continue;
		}
		if (grants(c, t[i]) && !s->grant++)
			s->first = i;
	}
	return s;
}

/* The top-level SL table of one valid entry described by @who. */
static void sl_check(struct vchk *c, uint64_t phys, unsigned int levels,
		     bool path_unusable, const char *who)
{
	const struct sl_memo *s = sl_eval(c, phys, levels);

	c->r->checked++;
	if (!s->readable) {
		note(c->r, true, "%s: top-level table %#llx not readable", who,
		     (unsigned long long)(phys & OA63_12));
		return;
	}
	if (s->grant)
		note(c->r, path_unusable || !s->trusted,
		     "%s: top-level SL table %#llx entry %u keeps %s (%u entries)",
		     who, (unsigned long long)(phys & OA63_12), s->first,
		     c->mode == ORACLE_ALL ? "R/W" : "W", s->grant);
}

/*
 * Legacy context entry (9.3): lo bits 11:4 reserved, TT 11b reserved, TT
 * 01b needs ECAP.DT (bit 2), TT 10b ECAP.PT (bit 6); hi bit 7 and bits
 * 63:24 reserved; AW (hi 2:0) 1-3 and supported (CAP.SAGAW: bit 8 + AW);
 * SLPTPTR (63:12) below HAW unless pass-through.
 */
static bool ctx_valid(const struct vchk *c, uint64_t lo, uint64_t hi)
{
	unsigned int tt = (lo >> 2) & 3, aw = hi & 7;

	if ((lo & 0xff0) || (hi & (0xffffffffff000000ULL | OBIT(7))))
		return false;
	if (tt == 3 || (tt == 1 && !(c->u->ecap & OBIT(2))) ||
	    (tt == 2 && !(c->u->ecap & OBIT(6))))
		return false;
	if (aw < 1 || aw > 3 || !(c->u->cap & OBIT(8 + aw)))
		return false;
	return tt == 2 || !(lo & OA63_12 & c->rsvd);
}

static void vtd_legacy_complete(struct vchk *c, const uint64_t *rt)
{
	unsigned int bus, devfn, tt;
	const uint64_t *ct;
	char who[64];
	bool bad_ct;

	for (bus = 0; bus < 256; bus++) {
		uint64_t lo = rt[2 * bus], hi = rt[2 * bus + 1];

		/* Root entry (9.1): P bit 0, bits 11:1 and the high qword reserved. */
		if (!(lo & 1) || (lo & 0xffe) || hi || (lo & OA63_12 & c->rsvd))
			continue;
		ct = pg(c->m, lo);
		bad_ct = !usable(c->m, lo);
		if (!ct) {
			note(c->r, true, "bus %#04x: context table %#llx not readable",
			     bus, (unsigned long long)(lo & OA63_12));
			continue;
		}
		for (devfn = 0; devfn < 256; devfn++) {
			uint64_t clo = ct[2 * devfn], chi = ct[2 * devfn + 1];

			if (!(clo & 1) || !ctx_valid(c, clo, chi))
				continue;
			c->r->checked++;
			snprintf(who, sizeof(who), "%02x:%02x.%u", bus, devfn >> 3,
				 devfn & 7);
			tt = (clo >> 2) & 3;
			if (tt == 2) {
				note(c->r, bad_ct || c->u->no_pt_table,
				     "%s: pass-through context entry (TT 10b) kept", who);
				continue;
			}
			if (tt == 1)
				note(c->r, bad_ct, "%s: context entry keeps TT 01b (device-TLB)", who);
			sl_check(c, clo, (chi & 7) + 2, bad_ct, who);
		}
	}
}

/*
 * Scalable-mode PASID entry (9.6): qword 0 bits 11:10 reserved; PGTT
 * (8:6) 001b first-level needs ECAP.FLTS (bit 47), FLPM (qword 2 bits
 * 3:2) 00b, or 01b with CAP.FL5LP (bit 60), FLPTPTR below HAW; 010b
 * second-level needs ECAP.SLTS (46), AW (4:2) 1-3 in CAP.SAGAW and
 * SLPTPTR below HAW; 011b nested needs ECAP.NEST (26), FLTS and the
 * second-level conditions (FLPTPTR is guest-physical); 100b pass-through
 * needs ECAP.PT (6); other values are reserved.
 */
static bool pe_valid(const struct vchk *c, const uint64_t *pe)
{
	unsigned int aw = (pe[0] >> 2) & 7, flpm = (pe[2] >> 2) & 3;
	uint64_t cap = c->u->cap, ecap = c->u->ecap;
	bool sl_ok = (ecap & OBIT(46)) && aw >= 1 && aw <= 3 &&
		     (cap & OBIT(8 + aw)) && !(pe[0] & OA63_12 & c->rsvd);

	if (pe[0] & 0xc00)
		return false;
	switch ((pe[0] >> 6) & 7) {
	case 1:
		return (ecap & OBIT(47)) && flpm <= 1 &&
		       (flpm == 0 || (cap & OBIT(60))) &&
		       !(pe[2] & OA63_12 & c->rsvd);
	case 2:
		return sl_ok;
	case 3:
		return (ecap & OBIT(26)) && (ecap & OBIT(47)) && sl_ok;
	case 4:
		return ecap & OBIT(6);
	default:
		return false;
	}
}

/* The PASID directory of a valid context entry (9.4, 9.5). */
static void vtd_sm_dir(struct vchk *c, uint64_t ce0, unsigned int sid,
		       bool bad_ct)
{
	unsigned int n = 1u << (((ce0 >> 9) & 7) + 7), d, j;
	uint64_t dir = ce0 & OA63_12;
	const uint64_t *dp = NULL, *pt, *pe;
	bool bad_dp = false, bad_pt;
	char who[80];

	for (d = 0; d < n; d++) {
		if (!(d % 512)) {
			dp = pg(c->m, dir + (uint64_t)(d / 512) * 4096);
			bad_dp = bad_ct || !usable(c->m, dir + (uint64_t)(d / 512) * 4096);
			if (!dp) {
				note(c->r, true, "%02x:%02x.%u: PASID directory page %#llx not readable",
				     sid >> 8, (sid >> 3) & 31, sid & 7,
				     (unsigned long long)(dir + (uint64_t)(d / 512) * 4096));
				d |= 511;
				continue;
			}
		}
		/* Directory entry (9.5): P bit 0, bits 11:2 reserved. */
		if (!(dp[d % 512] & 1) || (dp[d % 512] & 0xffc) ||
		    (dp[d % 512] & OA63_12 & c->rsvd))
			continue;
		pt = pg(c->m, dp[d % 512]);
		bad_pt = bad_dp || !usable(c->m, dp[d % 512]);
		if (!pt) {
			note(c->r, true, "%02x:%02x.%u: PASID table %#llx not readable",
			     sid >> 8, (sid >> 3) & 31, sid & 7,
			     (unsigned long long)(dp[d % 512] & OA63_12));
			continue;
		}
		for (j = 0; j < 64; j++) {
			pe = &pt[8 * j];
			if (!(pe[0] & 1) || !pe_valid(c, pe))
				continue;
			c->r->checked++;
			snprintf(who, sizeof(who), "%02x:%02x.%u PASID %#x",
				 sid >> 8, (sid >> 3) & 31, sid & 7, d << 6 | j);
			switch ((pe[0] >> 6) & 7) {
			case 1:
				note(c->r, bad_pt,
				     "%s: first-level PASID entry still present (FLPTPTR %#llx)",
				     who, (unsigned long long)(pe[2] & OA63_12));
				break;
			case 4:
				note(c->r, bad_pt, "%s: pass-through PASID entry kept", who);
				break;
			default:	/* second-level, nested */
				sl_check(c, pe[0], ((pe[0] >> 2) & 7) + 2, bad_pt, who);
				break;
			}
		}
	}
}

static void vtd_sm_complete(struct vchk *c, const uint64_t *rt)
{
	unsigned int bus, half, i, sid;
	const uint64_t *ct, *ce;
	bool bad_ct;

	for (bus = 0; bus < 256; bus++) {
		for (half = 0; half < 2; half++) {
			uint64_t e = rt[2 * bus + half];

			/* Root half (9.2): present bit 0, bits 11:1 reserved. */
			if (!(e & 1) || (e & 0xffe) || (e & OA63_12 & c->rsvd))
				continue;
			ct = pg(c->m, e);
			bad_ct = !usable(c->m, e);
			if (!ct) {
				note(c->r, true, "bus %#04x %s half: context table %#llx not readable",
				     bus, half ? "upper" : "lower",
				     (unsigned long long)(e & OA63_12));
				continue;
			}
			for (i = 0; i < 128; i++) {
				ce = &ct[4 * i];
				sid = bus << 8 | half << 7 | i;
				/*
				 * Context entry (9.4): P bit 0, bits 8:5 reserved,
				 * PASIDDIRPTR below HAW; qword 1 bits 63:21 and
				 * qwords 2-3 reserved.
				 */
				if (!(ce[0] & 1) || (ce[0] & 0x1e0) ||
				    (ce[0] & OA63_12 & c->rsvd) || (ce[1] >> 21) ||
				    ce[2] || ce[3])
					continue;
				c->r->checked++;
				if (ce[0] & (OBIT(2) | OBIT(4)))
					note(c->r, bad_ct,
					     "%02x:%02x.%u: context entry keeps %s%s",
					     bus, (sid >> 3) & 31, sid & 7,
					     ce[0] & OBIT(2) ? "DTE " : "",
					     ce[0] & OBIT(4) ? "PRE" : "");
				/* A directory shared by entries is looked at once. */
				if (seen_test_set(&c->dirs, (ce[0] & OA63_12) |
						  ((ce[0] >> 8) & 0xe) | (bad_ct ? 0x10 : 0)))
					continue;
				vtd_sm_dir(c, ce[0], sid, bad_ct);
			}
		}
	}
}

void oracle_vtd_complete(const struct oracle_mem *m, const struct oracle_vtd *u,
			 enum oracle_mode mode, struct oracle_result *r)
{
	static struct vchk c;	/* large: not on the stack */
	unsigned int ttm = (u->rtaddr >> 10) & 3;
	const uint64_t *rt;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.u = u;
	c.mode = mode;
	c.r = r;
	c.rsvd = rsvd_haw(u->haw);
	if (ttm > 1)
		return;	/* abort-DMA mode: no tables, everything blocked */
	rt = pg(m, u->rtaddr);
	if (!rt) {
		note(r, true, "root table %#llx not readable",
		     (unsigned long long)(u->rtaddr & OA63_12));
		return;
	}
	if (ttm)
		vtd_sm_complete(&c, rt);
	else
		vtd_legacy_complete(&c, rt);
}

unsigned int oracle_vtd_blocked(const struct oracle_mem *before,
				const struct oracle_mem *after,
				const struct oracle_vtd *u)
{
	static uint64_t sids[65536 / 64];
	static struct vchk c;
	unsigned int bus, half, i, n, d, j, blocked = 0;
	const uint64_t *rt, *ct, *ce, *dp = NULL, *pt, *pa;

	if (((u->rtaddr >> 10) & 3) != 1)
		return 0;
	memset(&c, 0, sizeof(c));
	memset(sids, 0, sizeof(sids));
	c.m = before;
	c.u = u;
	c.rsvd = rsvd_haw(u->haw);
	rt = pg(before, u->rtaddr);
	for (bus = 0; rt && bus < 256; bus++) {
		for (half = 0; half < 2; half++) {
			uint64_t e = rt[2 * bus + half];

			if (!(e & 1) || !(ct = pg(before, e)))
				continue;
			for (i = 0; i < 128; i++) {
				unsigned int sid = bus << 8 | half << 7 | i;

				ce = &ct[4 * i];
				if (!(ce[0] & 1))
					continue;
				n = 1u << (((ce[0] >> 9) & 7) + 7);
				for (d = 0; d < n; d++) {
					if (!(d % 512))
						dp = pg(before, (ce[0] & OA63_12) +
							(uint64_t)(d / 512) * 4096);
					if (!dp) {
						d |= 511;
						continue;
					}
					if (!(dp[d % 512] & 1) ||
					    !(pt = pg(before, dp[d % 512])) ||
					    !(pa = pg(after, dp[d % 512])))
						continue;
					for (j = 0; j < 64; j++)
						if ((pt[8 * j] & 1) && pe_valid(&c, &pt[8 * j]) &&
						    !(pa[8 * j] & 1))
							sids[sid / 64] |= OBIT(sid % 64);
				}
			}
		}
	}
	for (i = 0; i < 65536 / 64; i++)
		blocked += (unsigned int)__builtin_popcountll(sids[i]);
	return blocked;
}

/* ------------------------------------------------------------ write set */

/* AMD DTE (48882 2.2.2), @o / @n its four words before and after. */
bool oracle_amd_dte_ok(const uint64_t *o, const uint64_t *n, enum oracle_mode mode)
{
	uint64_t gained0 = n[0] & ~o[0];
	unsigned int w;

	if ((o[0] & 1) && (o[0] & 2)) {
		/* Word 0: IW (62), in mode all IR (61), cleared; nothing else. */
		if (gained0 || ((o[0] ^ n[0]) &
				~(OBIT(62) | (mode == ORACLE_ALL ? OBIT(61) : 0))))
			return false;
		/* Word 1: I (32) cleared, SysMgt (41:40) 01b -> 00b. */
		if ((n[1] & ~o[1]) || ((o[1] ^ n[1]) & ~(OBIT(32) | (3ULL << 40))))
			return false;
		if (((o[1] ^ n[1]) & (3ULL << 40)) && ((o[1] >> 40) & 3) != 1)
			return false;
		return n[2] == o[2] && n[3] == o[3];
	}
	if (!memcmp(o, n, 32))
		return true;
	/*
	 * V=0 or TV=0 (DMA untranslated): the documented rewrite. Word 0
	 * gains at most V, TV and (mode write) IR, ends with Mode (11:9) 0
	 * and IW 0; word 1 becomes 0; words 2-3 only lose bits, and are 0
	 * when V was 0.
	 */
	if (gained0 & ~(OBIT(0) | OBIT(1) | (mode == ORACLE_WRITE ? OBIT(61) : 0)))
		return false;
	if (!(n[0] & 1) || !(n[0] & 2) || (n[0] & (7ULL << 9)) || (n[0] & OBIT(62)))
		return false;
	if (n[1])
		return false;
	for (w = 2; w < 4; w++)
		if ((n[w] & ~o[w]) || (!(o[0] & 1) && n[w]))
			return false;
	return true;
}

/* Is word @i of a page with role @role (one bit) a documented change? */
static bool word_ok(const struct oracle_ws *ws, uint32_t role, unsigned int i,
		    const uint64_t *old, const uint64_t *new)
{
	uint64_t o = old[i], n = new[i];

	switch (role) {
	case OR_AMD_CMDBUF:
	case OR_VTD_IQ:
	case OR_CQ_RECORD:
		return true;
	case OR_AMD_CWWB:
		return i != 0;	/* not the driver's cmd_sem */
	case OR_AMD_DEVTAB:
		return oracle_amd_dte_ok(&old[i & ~3u], &new[i & ~3u], ws->mode);
	case OR_VTD_CTX:
		/* 9.3, lo qword only: TT 01b -> 00b, or the pass-through rewrite. */
		if (i & 1)
			return false;
		if (((o >> 2) & 3) == 1 && n == (o & ~OBIT(2)))
			return true;
		return ((o >> 2) & 3) == 2 && !(n & 0xffc) && !(n & 3 & ~o) &&
		       (ws->roles(ws->priv, n & OA63_12) & OR_CQ_TABLE);
	case OR_VTD_SM_CTX:
		/* 9.4, qword 0 only: DTE (2) and PRE (4) cleared. */
		return !(i % 4) && !(n & ~o) && !((o ^ n) & ~(OBIT(2) | OBIT(4)));
	case OR_VTD_PTBL:
		/* 9.6, qword 0 only: P cleared, or pass-through -> second-level. */
		if (i % 8)
			return false;
		if (n == (o & ~1ULL))
			return true;
		return ((o >> 6) & 7) == 4 && ((n >> 6) & 7) == 2 &&
		       ((n >> 2) & 7) >= 1 && ((n >> 2) & 7) <= 3 &&
		       !(n & 0xe20) && !(n & 3 & ~o) &&
		       (ws->roles(ws->priv, n & OA63_12) & OR_CQ_TABLE);
	case OR_VTD_SL3:
	case OR_VTD_SL45:
		/* 9.8: a present entry loses W (mode all: R and W). */
		if (!(o & 3) || (n & ~o))
			return false;
		return !((o ^ n) & ~(ws->mode == ORACLE_ALL ? 3ULL : 2ULL));
	default:
		return false;
	}
}

/*
 * The bits word @i of a page with role @role may lose by a clearing
 * transition of word_ok(). A word of a page with several roles (the fuzz
 * images alias pages freely) may lose the union: each role's walk
 * cleared its own bits in it.
 */
static uint64_t clearable(const struct oracle_ws *ws, uint32_t role,
			  unsigned int i, uint64_t o)
{
	switch (role) {
	case OR_VTD_CTX:
		return !(i & 1) && ((o >> 2) & 3) == 1 ? OBIT(2) : 0;
	case OR_VTD_SM_CTX:
		return i % 4 ? 0 : OBIT(2) | OBIT(4);
	case OR_VTD_PTBL:
		return i % 8 ? 0 : OBIT(0);
	case OR_VTD_SL3:
	case OR_VTD_SL45:
		if (!(o & 3))
			return 0;
		return ws->mode == ORACLE_ALL ? 3 : 2;
	default:
		return 0;
	}
}

void oracle_write_page(const struct oracle_ws *ws, uint64_t phys,
		       const uint64_t *old, const uint64_t *new,
		       struct oracle_result *r)
{
	uint32_t roles = ws->roles(ws->priv, phys), can, bit;
	unsigned int i, nbad = 0, first = 0;
	char names[200];
	bool ok;

	r->checked++;
	if (!memcmp(old, new, 4096))
		return;
	can = roles & oracle_role_writable();
	if (roles & OR_CPU_PT)
		can = 0;
	for (i = 0; i < 512; i++) {
		if (old[i] == new[i])
			continue;
		ok = false;
		for (bit = 1; bit && can && !ok; bit <<= 1)
			if (can & bit)
				ok = word_ok(ws, bit, i, old, new);
		if (!ok && can && !(new[i] & ~old[i])) {
			uint64_t mask = 0;

			for (bit = 1; bit; bit <<= 1)
				if (can & bit)
					mask |= clearable(ws, bit, i, old[i]);
			ok = !((old[i] ^ new[i]) & ~mask);
		}
		if (!ok && !nbad++)
			first = i;
	}
	if (!nbad)
		return;
	if (roles & OR_CPU_PT)
		note(r, false, "wrote CPU page table %#llx: word %u %#llx -> %#llx (%u words)",
		     (unsigned long long)phys, first, (unsigned long long)old[first],
		     (unsigned long long)new[first], nbad);
	else if (!can && (roles & OR_FL))
		note(r, false, "wrote first-level table %#llx: word %u %#llx -> %#llx (%u words)",
		     (unsigned long long)phys, first, (unsigned long long)old[first],
		     (unsigned long long)new[first], nbad);
	else
		note(r, false, "%s %s %#llx: word %u %#llx -> %#llx (%u words)",
		     can ? "undocumented change to" : "wrote",
		     oracle_role_names(roles, names, sizeof(names)),
		     (unsigned long long)phys, first, (unsigned long long)old[first],
		     (unsigned long long)new[first], nbad);
}
