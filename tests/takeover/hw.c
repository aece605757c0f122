// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU hardware of the takeover model: which table each IOMMU walks,
 * and what its caches may hold. A cache may hold any value an entry had
 * since the last invalidation that covers it (the hardware may fetch an
 * entry whenever a device sends a request), so the model records every
 * value it observes in memory -- at every step, after every entry the
 * model of Linux 6.1 writes and around every invalidation -- and drops
 * only what an invalidation command covers:
 *
 *   AMD-Vi (48882 sections 2.4.2-2.4.4): a DTE cache per DeviceID
 *   (INVALIDATE_DEVTAB_ENTRY), an IOTLB per DomainID filled from every
 *   cached translating DTE (INVALIDATE_IOMMU_PAGES), INVALIDATE_IOMMU_ALL.
 *   VT-d (sections 6.5.2.1-6.5.2.4): a context cache per source id
 *   (global, domain- or device-selective; a domain-selective invalidation
 *   in scalable mode is taken to drop nothing, as scalable-mode context
 *   entries carry no domain id), a PASID cache per (source id, PASID)
 *   (global, domain, or domain and PASID), an IOTLB of second-level and
 *   pass-through translations per domain id (global, domain-selective),
 *   and first-level / nested translations per (domain id, PASID), which
 *   only a PASID-based-IOTLB invalidation removes (section 6.5.2.4: the
 *   IOTLB invalidation descriptor does not cover them; the model applies
 *   that to the global one too).
 *
 * Bit positions are written out here from the specifications, as in the
 * monitor, not taken from the code under test.
 */
#include "sim.h"

#define ADDR(x)		((x) & 0x000ffffffffff000ULL)	/* bits 51:12 */

static struct tk_unit *U(int u)
{
	return &tk.unit[u];
}

static int same(const struct tk_ce *a, const struct tk_ce *b)
{
	return a->kind == b->kind && a->sid == b->sid && a->pasid == b->pasid &&
	       a->did == b->did && a->root == b->root &&
	       !memcmp(a->val, b->val, sizeof(a->val)) && a->own == b->own;
}

static u64 mix(u64 h, u64 v)
{
	return (h ^ v) * 1099511628211ULL;
}

static u64 hash(const struct tk_ce *e)
{
	u64 h = 1469598103934665603ULL;
	int i;

	h = mix(h, (u64)e->kind << 48 | (u64)e->sid << 32 | e->pasid);
	h = mix(h, (u64)e->did << 1 | (u64)e->own);
	h = mix(h, e->root);
	for (i = 0; i < 8; i++)
		h = mix(h, e->val[i]);
	/* splitmix64's finalizer: every input bit reaches the low bits */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* The unit's cache entries are deduplicated through an open hash. */
static void rehash(struct tk_unit *x)
{
	int i;
	u64 j;

	free(x->hidx);
	x->hcap = 1024;
	while (x->hcap < 4 * x->nce + 16)
		x->hcap *= 2;
	x->hidx = calloc(x->hcap, sizeof(*x->hidx));
	for (i = 0; i < x->nce; i++) {
		for (j = hash(&x->ce[i]); x->hidx[j & (x->hcap - 1)]; j++)
			;
		x->hidx[j & (x->hcap - 1)] = i + 1;
	}
}

static void add(int u, const struct tk_ce *in)
{
	struct tk_unit *x = U(u);
	struct tk_ce e = *in;
	u64 j;

	e.unit = u;
	if (!x->hidx || 2 * (x->nce + 1) > x->hcap)
		rehash(x);
	for (j = hash(&e); x->hidx[j & (x->hcap - 1)]; j++)
		if (same(&x->ce[x->hidx[j & (x->hcap - 1)] - 1], &e))
			return;
	if (x->nce == x->cap_ce) {
		x->cap_ce = x->cap_ce ? 2 * x->cap_ce : 256;
		x->ce = realloc(x->ce, x->cap_ce * sizeof(*x->ce));
	}
	x->ce[x->nce] = e;
	x->hidx[j & (x->hcap - 1)] = ++x->nce;
	/* A value the hardware may use from now on: judged at once. */
	tk_mon_new_entry(&x->ce[x->nce - 1]);
}

/*
 * Before the capture kernel installs its table, the caches hold what the
 * crashed kernel's hardware read: its tables, in its RAM (a pointer out of
 * old RAM there is corruption the takeover does not vouch for:
 * drivers/iommu/README.kdump.md, "Not guaranteed").
 */
static int reading_old;

static bool rd(u64 pa, u64 *v)
{
	u64 *p = tk_phys64(pa);

	if (!p || (reading_old && !tk_in_old(pa)))
		return false;
	*v = *p;
	return true;
}

/* AMD: DTE words of DeviceID @sid in the table the IOMMU walks. */
static bool amd_dte(int u, u16 sid, u64 *w)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!rd(U(u)->table + (u64)sid * 32 + i * 8, &w[i]))
			return false;
	return true;
}

static void amd_observe(int u)
{
	struct tk_ce e;
	int i, n;

	for (i = 0; i < TK_AMD_SIDS; i++) {
		memset(&e, 0, sizeof(e));
		if (!amd_dte(u, i, e.val))
			continue;
		e.kind = TK_CE_DTE;
		e.sid = i;
		e.own = U(u)->installed && U(u)->own[i];
		add(u, &e);
	}
	/* The IOTLB fills from every cached translating DTE. */
	n = U(u)->nce;
	for (i = 0; i < n; i++) {
		struct tk_ce *c = &U(u)->ce[i];
		u64 w0 = c->val[0];
		unsigned int mode = (w0 >> 9) & 7;

		if (c->kind != TK_CE_DTE || !(w0 & 1) || !(w0 & 2) ||
		    !mode || mode == 7)
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = TK_CE_TLB;
		e.did = c->val[1] & 0xffff;
		e.root = ADDR(w0);
		e.own = c->own;
		add(u, &e);
	}
}

/*
 * Entries the unit cannot use are never cached: it reports a fault instead
 * (VT-d 9.3 / 9.6: a translation type or address width CAP/ECAP do not
 * offer, a domain id at or above 2^(4 + 2 * CAP.ND)).
 */
static bool vtd_aw_ok(u64 cap, unsigned int aw)
{
	return aw >= 1 && aw <= 3 && (cap >> (8 + aw)) & 1;	/* SAGAW */
}

static bool vtd_did_ok(u64 cap, u16 did)
{
	return did < (1U << (4 + 2 * (cap & 7)));
}

static bool vtd_ctx_usable(const u64 *c)
{
	u64 cap = U(0)->regs[1], ecap = U(0)->regs[2];
	unsigned int tt = (c[0] >> 2) & 3;

	if (tt == 3 || (tt == 1 && !(ecap & 4)) || (tt == 2 && !(ecap & 64)))
		return false;
	return vtd_aw_ok(cap, c[1] & 7) && vtd_did_ok(cap, (c[1] >> 8) & 0xffff);
}

static bool vtd_pe_usable(const u64 *q)
{
	u64 cap = U(0)->regs[1], ecap = U(0)->regs[2];
	bool sl = (ecap >> 46) & 1, fl = (ecap >> 47) & 1, nest = (ecap >> 26) & 1;

	if (!vtd_did_ok(cap, q[1] & 0xffff))
		return false;
	switch ((q[0] >> 6) & 7) {	/* PGTT */
	case 1:
		return fl;
	case 2:
		return sl && vtd_aw_ok(cap, (q[0] >> 2) & 7);
	case 3:
		return nest && vtd_aw_ok(cap, (q[0] >> 2) & 7);
	case 4:
		return ecap & 64;	/* PT */
	default:
		return false;
	}
}

/* VT-d scalable mode: the PASID entries below context entry @c. */
static void sm_pasids(int u, const struct tk_ce *c)
{
	u64 dir = ADDR(c->val[0]), pde, tbl;
	unsigned int nd = 1U << (((c->val[0] >> 9) & 7) + 7), d, j, k;
	struct tk_ce e;

	for (d = 0; d < nd; d++) {
		if (!rd(dir + d * 8, &pde) || !(pde & 1))
			continue;
		tbl = ADDR(pde);
		for (j = 0; j < 64; j++) {
			memset(&e, 0, sizeof(e));
			for (k = 0; k < 8; k++)
				if (!rd(tbl + j * 64 + k * 8, &e.val[k]))
					break;
			if (k < 8 || !(e.val[0] & 1) || !vtd_pe_usable(e.val))
				continue;
			e.kind = TK_CE_PASID;
			e.sid = c->sid;
			e.pasid = d << 6 | j;
			e.did = e.val[1] & 0xffff;
			e.own = c->own;
			add(u, &e);
		}
	}
}

static void vtd_observe(int u)
{
	struct tk_unit *x = U(u);
	u64 root = ADDR(x->table), rlo, ctp, v;
	unsigned int bus, devfn, half, k, n, i;
	struct tk_ce e;

	for (bus = 0; bus < 256; bus++) {
		for (half = 0; half < (x->sm ? 2U : 1U); half++) {
			if (!rd(root + bus * 16 + half * 8, &rlo) || !(rlo & 1))
				continue;
			ctp = ADDR(rlo);
			n = x->sm ? 128 : 256;
			for (i = 0; i < n; i++) {
				memset(&e, 0, sizeof(e));
				devfn = x->sm ? half * 128 + i : i;
				for (k = 0; k < (x->sm ? 4U : 2U); k++)
					if (!rd(ctp + i * (x->sm ? 32 : 16) + k * 8,
						&e.val[k]))
						break;
				if (k < (x->sm ? 4U : 2U) || !(e.val[0] & 1) ||
				    (!x->sm && !vtd_ctx_usable(e.val)))
					continue;
				e.kind = TK_CE_CTX;
				e.sid = bus << 8 | devfn;
				e.own = x->installed && x->own[e.sid];
				if (!x->sm)
					e.did = (e.val[1] >> 8) & 0xffff;
				add(u, &e);
			}
		}
	}
	n = x->nce;
	for (i = 0; i < n; i++) {
		struct tk_ce c = x->ce[i];

		if (c.kind == TK_CE_CTX && x->sm)
			sm_pasids(u, &c);
	}
	n = x->nce;
	for (i = 0; i < n; i++) {
		struct tk_ce *c = &x->ce[i];

		memset(&e, 0, sizeof(e));
		e.own = c->own;
		if (c->kind == TK_CE_CTX && !x->sm) {
			/* TT 00b / 01b translate (section 9.3). */
			if (((c->val[0] >> 2) & 3) > 1)
				continue;
			e.kind = TK_CE_TLB;
			e.did = c->did;
			e.root = ADDR(c->val[0]);
		} else if (c->kind == TK_CE_PASID) {
			v = (c->val[0] >> 6) & 7;	/* PGTT, section 9.6 */
			e.did = c->did;
			e.pasid = c->pasid;
			if (v == 2) {		/* second level */
				e.kind = TK_CE_TLB;
				e.root = ADDR(c->val[0]);
				e.pasid = 0;
			} else if (v == 3) {	/* nested */
				e.kind = TK_CE_TLB_NEST;
				e.root = ADDR(c->val[0]);
			} else if (v == 1 || v == 4) {	/* first level, pass-through */
				e.kind = TK_CE_TLB_FL;
				e.root = v == 1 ? ADDR(c->val[2]) : 0;
			} else {
				continue;
			}
		} else {
			continue;
		}
		add(u, &e);
	}
}

/** tk_hw_observe() - what unit @u walks now may be cached from now on */
void tk_hw_observe(int u)
{
	if (!U(u)->table)
		return;
	reading_old = !U(u)->installed;
	if (tk.cfg.vendor == TK_AMD)
		amd_observe(u);
	else
		vtd_observe(u);
	reading_old = 0;
}

void tk_hw_observe_all(void)
{
	int u;

	for (u = 0; u < tk.nunits; u++)
		tk_hw_observe(u);
}

/* Drop the cache entries of @u that @match covers, then refill. */
static void drop(int u, bool (*match)(const struct tk_ce *, const void *),
		 const void *arg)
{
	struct tk_unit *x = U(u);
	int i, n = 0;

	tk_hw_observe(u);
	for (i = 0; i < x->nce; i++)
		if (!match(&x->ce[i], arg))
			x->ce[n++] = x->ce[i];
	x->nce = n;
	rehash(x);
	tk_hw_observe(u);
}

struct key {
	int kind;
	int sid;	/* -1: any */
	int did;	/* -1: any */
	long pasid;	/* -1: any */
	int ctx_did;	/* VT-d legacy domain-selective context invalidation */
};

static bool match_key(const struct tk_ce *c, const void *arg)
{
	const struct key *k = arg;

	if (c->kind != k->kind)
		return false;
	if (k->sid >= 0 && c->sid != k->sid)
		return false;
	if (k->did >= 0 && c->did != k->did)
		return false;
	if (k->pasid >= 0 && c->pasid != k->pasid)
		return false;
	return true;
}

static bool match_all(const struct tk_ce *c, const void *arg)
{
	return true;
}

/* AMD commands (48882 section 2.4). */
void tk_hw_amd_inv_dte(int u, u16 devid)
{
	struct key k = { TK_CE_DTE, devid, -1, -1, 0 };

	drop(u, match_key, &k);
}

void tk_hw_amd_inv_pages(int u, u16 domid)
{
	struct key k = { TK_CE_TLB, -1, domid, -1, 0 };

	drop(u, match_key, &k);
}

void tk_hw_amd_inv_all(int u)
{
	drop(u, match_all, NULL);
}

/* VT-d invalidations (section 6.5). */
void tk_hw_vtd_inv_ctx(int u, int global, int did, int sid)
{
	struct key k = { TK_CE_CTX, -1, -1, -1, 0 };

	if (global) {
		drop(u, match_key, &k);
		return;
	}
	if (sid >= 0) {
		k.sid = sid;
		drop(u, match_key, &k);
		return;
	}
	if (U(u)->sm)
		return;	/* scalable-mode context entries carry no DID */
	k.did = did;
	drop(u, match_key, &k);
}

void tk_hw_vtd_inv_pasid(int u, int did, long pasid)
{
	struct key k = { TK_CE_PASID, -1, did, pasid, 0 };

	drop(u, match_key, &k);
}

/* IOTLB invalidation: second-level and nested entries. */
void tk_hw_vtd_inv_iotlb(int u, int did)
{
	struct key k = { TK_CE_TLB, -1, did, -1, 0 };

	drop(u, match_key, &k);
	k.kind = TK_CE_TLB_NEST;
	drop(u, match_key, &k);
}

/* PASID-based IOTLB: first-level, nested and pass-through entries. */
void tk_hw_vtd_inv_piotlb(int u, int did, long pasid)
{
	struct key k = { TK_CE_TLB_FL, -1, did, pasid, 0 };

	drop(u, match_key, &k);
	k.kind = TK_CE_TLB_NEST;
	drop(u, match_key, &k);
}
