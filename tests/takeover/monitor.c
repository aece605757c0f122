// SPDX-License-Identifier: GPL-2.0
/*
 * The reference monitor of the takeover model (README.md). It is written
 * from the IOMMU specifications and from the takeover's promise, not from
 * the code under test: it reads the crashed kernel's tables with the
 * specifications' bit positions to know which devices may still run old
 * DMA, the model's PCI log to know which were reset or stopped, and what
 * the IOMMU hardware may use (the table it walks and everything its caches
 * may hold, hw.c) to know what each device can reach. At every step:
 *
 *   T  translation stays on wherever the crashed kernel left it on;
 *   O  old memory is never written (enforced by the model: old RAM is
 *      read-only; a store is a SIGSEGV), nor by the capture kernel's own
 *      DMA: no translation a capture-kernel driver's DMA may take ends in
 *      old RAM;
 *   U  no entry the takeover installed (anything the capture kernel did
 *      not write for a domain of its own) gives write access to
 *      capture-kernel memory or identity write access, or holds a table
 *      pointer outside old RAM and the capture kernel's own allocations;
 *   D  a device that may still run the crashed kernel's DMA -- its old
 *      entry, or one of a source id its DMA carries (its requester id, a
 *      quirk or bridge DMA alias, an AMD IVRS alias), allowed DMA -- gets
 *      neither identity write access nor write access to capture-kernel
 *      memory through any source id its DMA carries before the PCI log
 *      shows its reset; while its Bus Master Enable is clear it cannot
 *      send DMA. The one exception drivers/iommu/README.kdump.md states
 *      (promise 5): a device with no working reset, whose Bus Master
 *      Enable the capture kernel cleared, may get a translated (never an
 *      identity) domain;
 *   C  no domain id is handed out while a cache of a unit sharing its
 *      allocator may hold an entry tagged with it;
 *   L  at the end, a bound device that was reset (or never ran old DMA),
 *      whose source ids no device still running old DMA shares, has the
 *      capture kernel's own entry: the takeover does not block for good
 *      what it may release.
 */
#include <stdarg.h>

#include "sim.h"

#define A(x)		((x) & 0x000ffffffffff000ULL)	/* bits 51:12 */

static struct {
	int nviol;
	char first[400];
	int logpos;
	int reset[TK_MAX_DEVS];		/* step of the first completed reset */
	int reset_failed[TK_MAX_DEVS];
	int bme_cleared[TK_MAX_DEVS];	/* the capture kernel cleared it */
	int crashed;	/* tk_mon_crash_state() ran */
	int may_dma[TK_MAX_DEVS];
	int strict_clean[TK_MAX_DEVS];	/* every old entry of it: unused */
	int booted;
	int checks;
} m;

int tk_mon_violations(void)
{
	return m.nviol;
}

const char *tk_mon_first(void)
{
	return m.first;
}

static void viol(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void viol(const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(buf, sizeof(buf), "step %d: ", tk.step);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (!m.nviol++)
		snprintf(m.first, sizeof(m.first), "%s", buf);
	if (tk.verbose)
		fprintf(stderr, "VIOLATION %s\n", buf);
}

void tk_mon_note(const char *fmt, ...)
{
	va_list ap;

	if (!tk.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "note: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tk_mon_reset(void)
{
	memset(&m, 0, sizeof(m));
}

/* ---- the topology: which source ids a device's DMA may carry ------- */

static int carry(int i, u16 *s)
{
	const struct tk_dev *d = &tk.dev[i];
	int n = 0, b;

	s[n++] = (u16)(d->bus << 8 | d->devfn);
	if (d->quirk_alias >= 0)
		s[n++] = (u16)(d->bus << 8 | d->quirk_alias);
	/*
	 * Bridges above: a PCIe-to-PCI bridge takes ownership of requests
	 * with (secondary bus, devfn 0) (PCI Express to PCI/PCI-X Bridge
	 * Specification 1.0, section 2.3); a root port forwards them as
	 * they are.
	 */
	for (b = d->parent; b >= 0; b = tk.dev[b].parent)
		if (tk.dev[b].kind == TK_PCIE_PCI_BRIDGE)
			s[n++] = (u16)(tk.dev[b].secondary << 8);
	if (tk.cfg.vendor == TK_AMD && d->ivrs_alias >= 0)
		s[n++] = d->ivrs_alias;	/* IVRS: requests arrive with it */
	return n;
}

static int unit_of(int i)
{
	return tk.cfg.vendor == TK_AMD ? tk.dev[i].seg : 0;
}

/* Can a reset method the kernel may use reset @i (model ground truth)? */
static bool working_reset(int i)
{
	const struct tk_dev *d = &tk.dev[i];
	int j;

	if (d->kind != TK_ENDPOINT)
		return false;
	if (d->reset == TK_RESET_FLR)
		return true;
	if (d->parent < 0 || tk.dev[d->parent].bus_reset_fails)
		return false;
	for (j = 0; j < tk.ndev; j++)
		if (j != i && tk.dev[j].present && tk.dev[j].kind != TK_ACPI &&
		    tk.dev[j].seg == d->seg && tk.dev[j].bus == d->bus)
			return false;
	return true;
}

/* ---- the crashed kernel's entries: may the device still DMA? ------- */

static bool rd(u64 pa, u64 *v)
{
	u64 *p = tk_phys64(pa);

	if (!p)
		return false;
	*v = *p;
	return true;
}

/*
 * AMD DTE (48882 2.2.2): V=0 passes DMA untranslated; V=1 TV=0 too; with
 * TV=1 the device can DMA when IR or IW is set, or when it may use ATS
 * translations (I, bit 96). A device whose entry has a page table or a
 * domain id was in use (its DMA may fault now, and go on): it may still
 * run old DMA too. Only Linux 6.1's empty entry (V=1, TV=1, nothing else
 * in words 0-1) means no DMA. @strict: the entry is exactly that.
 */
static bool old_amd_allows(int u, u16 sid, bool *strict)
{
	u64 w0, w1, base = tk.old_table[u];

	*strict = false;
	if (!rd(base + sid * 32ULL, &w0) || !rd(base + sid * 32ULL + 8, &w1))
		return true;
	if (!(w0 & 1) || !(w0 & 2))
		return true;
	*strict = w0 == 3 && !w1;
	return (w0 >> 61) & 3 || (w1 >> 32) & 1 || ((w0 >> 9) & 7) ||
	       (w1 & 0xffff);
}

/* VT-d: a present (legacy or scalable-mode) context entry. */
static bool old_vtd_allows(u16 sid, bool *strict)
{
	u64 root = tk.old_table[0], re, ce;
	bool sm = tk.cfg.vendor == TK_VTD_SM;
	unsigned int devfn = sid & 0xff, half = sm && devfn >= 128;

	u64 ce1 = 0;

	*strict = false;
	if (!rd(root + (sid >> 8) * 16ULL + half * 8, &re))
		return true;
	/* Linux 6.1's unused slot: a zero root entry, or a zero context entry. */
	*strict = !re;
	if (!(re & 1))
		return false;
	if (!rd(A(re) + (sm ? (devfn & 127) * 32ULL : devfn * 16ULL), &ce) ||
	    !rd(A(re) + (sm ? (devfn & 127) * 32ULL : devfn * 16ULL) + 8, &ce1))
		return true;
	*strict = !(re & 0xffe) && tk_in_old(A(re)) && !ce && !ce1;
	return ce & 1;
}

static bool old_allows(int u, u16 sid, bool *strict)
{
	return tk.cfg.vendor == TK_AMD ? old_amd_allows(u, sid, strict) :
					 old_vtd_allows(sid, strict);
}

/*
 * Could the crashed kernel's hardware have walked a table the monitor can
 * read whole? AMD: the Device Table Base Address Register's size (bits
 * 8:0, 48882 section 3.4) covers every DeviceID and the table lies in old
 * RAM; VT-d: RTADDR_REG's root table (10.4.6) lies in old RAM. Otherwise
 * nothing is known of any device: each may run old DMA, none is clean.
 */
static bool unit_readable(int u)
{
	u64 reg = tk.old_reg[u];

	if (tk.cfg.vendor != TK_AMD)
		return tk_in_old(tk.old_table[u]) &&
		       tk_in_old(tk.old_table[u] + 4095);
	return ((reg & 0x1ff) + 1) * 4096ULL >= TK_AMD_SIDS * 32ULL &&
	       tk_in_old(tk.old_table[u]) &&
	       tk_in_old(tk.old_table[u] + TK_AMD_SIDS * 32ULL - 1);
}

/** tk_mon_crash_state() - which devices may still run old DMA */
void tk_mon_crash_state(void)
{
	u16 s[8];
	int i, k, n;

	m.crashed = 1;
	for (i = 0; i < tk.ndev; i++) {
		m.reset[i] = -1;
		/* Bridges originate no DMA of their own (README.kdump.md). */
		if (tk.dev[i].kind != TK_ENDPOINT && tk.dev[i].kind != TK_ACPI)
			continue;
		n = carry(i, s);
		m.strict_clean[i] = 1;
		for (k = 0; k < n; k++) {
			bool strict, allows = old_allows(unit_of(i), s[k], &strict);

			if (!unit_readable(unit_of(i))) {
				allows = true;
				strict = false;
			}
			if (allows && tk.dev[i].at_crash)
				m.may_dma[i] = 1;
			if (!strict)
				m.strict_clean[i] = 0;
		}
	}
}

/** tk_mon_boot_done() - the capture kernel's IOMMU init is over */
void tk_mon_boot_done(void)
{
	m.booted = 1;
}

static void read_log(void)
{
	for (; m.logpos < tk.nlog; m.logpos++) {
		int d = tk.log[m.logpos].dev;

		switch (tk.log[m.logpos].ev) {
		case TK_EV_RESET_OK:
			if (m.reset[d] < 0)
				m.reset[d] = tk.log[m.logpos].step;
			break;
		case TK_EV_RESET_FAILED:
			m.reset_failed[d] = 1;
			break;
		case TK_EV_BME_CLEAR:
			m.bme_cleared[d] = 1;
			break;
		}
	}
}

/* ---- what an entry lets a request do -------------------------------- */

struct reach {
	bool id_w;	/* untranslated (identity) write */
	bool id_r;
	bool w_ck;	/* write to capture-kernel memory */
	bool bad_ptr;	/* a table pointer outside RAM / unowned CK */
	u64 bad;
};

static bool ptr_ok(u64 pa)
{
	return tk_in_old(pa) || tk_ck_allocated(pa);
}

static bool ck_range(u64 pa, u64 size)
{
	return pa < TK_CK_START + TK_CK_SIZE && pa + size > TK_CK_START;
}

static void walk_amd(u64 table, int level, bool w, struct reach *r, int depth)
{
	u64 e, size;
	int i, nl;

	if (!ptr_ok(table)) {
		r->bad_ptr = true;
		r->bad = table;
		return;
	}
	if (depth > 6)
		return;
	for (i = 0; i < 512; i++) {
		if (!rd(table + i * 8, &e) || !(e & 1))
			continue;
		nl = (e >> 9) & 7;
		if (nl == 0 || nl == 7) {	/* a PTE (48882 2.2.3) */
			size = 4096ULL << (9 * (level - 1));
			if (w && ((e >> 62) & 1) && ck_range(A(e), size))
				r->w_ck = true;
			continue;
		}
		if (nl >= level)
			continue;	/* illegal level: a fault */
		walk_amd(A(e), nl, w && ((e >> 62) & 1), r, depth + 1);
	}
}

/* VT-d second level (9.8) when !fl, first level (9.7) when fl. */
static void walk_vtd(u64 table, int level, bool w, bool fl, bool sup_w,
		     struct reach *r)
{
	u64 e, size;
	bool ew;
	int i;

	if (!ptr_ok(table)) {
		r->bad_ptr = true;
		r->bad = table;
		return;
	}
	for (i = 0; i < 512; i++) {
		if (!rd(table + i * 8, &e))
			continue;
		if (fl ? !(e & 1) : !(e & 3))
			continue;
		ew = w && (((e >> 1) & 1) || (fl && sup_w));
		if (level == 1 || (level <= 3 && (e >> 7) & 1)) {
			size = 4096ULL << (9 * (level - 1));
			if (ew && ck_range(A(e), size))
				r->w_ck = true;
			continue;
		}
		walk_vtd(A(e), level - 1, ew, fl, sup_w, r);
	}
}

static void judge_dte(const u64 *w, struct reach *r)
{
	u64 w0 = w[0];
	unsigned int mode = (w0 >> 9) & 7;
	bool ir = (w0 >> 61) & 1, iw = (w0 >> 62) & 1;

	if (!(w0 & 1) || !(w0 & 2)) {
		r->id_w = r->id_r = true;	/* untranslated */
		return;
	}
	if (mode == 7)
		return;
	if (!mode) {
		r->id_w |= iw;
		r->id_r |= ir;
	} else if (ir || iw) {
		walk_amd(A(w0), mode, iw, r, 0);
	}
	/* Interrupt remapping table (2.2.5): when remapping, in old RAM. */
	if ((w[2] & 1) && ((w[2] >> 60) & 3) == 2 && !ptr_ok(w[2] & 0x000fffffffffffc0ULL)) {
		r->bad_ptr = true;
		r->bad = w[2];
	}
}

static void judge_ctx(const u64 *c, struct reach *r)
{
	unsigned int tt = (c[0] >> 2) & 3, aw = c[1] & 7;

	if (!(c[0] & 1))
		return;
	if (tt == 2) {
		r->id_w = r->id_r = true;
		return;
	}
	if (tt == 3 || aw < 1 || aw > 3)
		return;
	walk_vtd(A(c[0]), aw + 2, true, false, false, r);
}

static void judge_pasid(const u64 *q, struct reach *r)
{
	unsigned int pgtt = (q[0] >> 6) & 7, aw = (q[0] >> 2) & 7;
	unsigned int flpm = (q[2] >> 2) & 3;
	bool sup_w = (q[2] & 1) && !((q[2] >> 4) & 1);	/* SRE, no WPE */

	switch (pgtt) {
	case 1:
		if (flpm <= 1)
			walk_vtd(A(q[2]), 4 + flpm, true, true, sup_w, r);
		break;
	case 2:
	case 3:
		if (aw >= 1 && aw <= 3)
			walk_vtd(A(q[0]), aw + 2, true, false, false, r);
		break;
	case 4:
		r->id_w = r->id_r = true;
		break;
	}
}

/* Scalable-mode context entry: its own pointers (9.4, 9.5). */
static void judge_sm_ptrs(const u64 *c, struct reach *r)
{
	unsigned int nd = 1U << (((c[0] >> 9) & 7) + 7), d;
	u64 pde;

	if (!(c[0] & 1))
		return;
	if (!ptr_ok(A(c[0]))) {
		r->bad_ptr = true;
		r->bad = c[0];
		return;
	}
	for (d = 0; d < nd; d++) {
		if (!rd(A(c[0]) + d * 8, &pde) || !(pde & 1))
			continue;
		if (!ptr_ok(A(pde))) {
			r->bad_ptr = true;
			r->bad = pde;
		}
	}
}

/* What every effective entry of (unit, sid) allows, own and taken over. */
struct eff {
	struct reach own, old;
};

static void judge(const struct tk_unit *x, const struct tk_ce *c,
		  struct reach *r);

static void effective(int u, u16 sid, struct eff *e)
{
	struct tk_unit *x = &tk.unit[u];
	int i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < x->nce; i++) {
		struct tk_ce *c = &x->ce[i];

		if (c->sid == sid && c->kind < TK_CE_TLB)
			judge(x, c, c->own ? &e->own : &e->old);
	}
}

static const char *uname(int u)
{
	static char b[16];

	snprintf(b, sizeof(b), "%s%d", tk.cfg.vendor == TK_AMD ? "amd" : "dmar", u);
	return b;
}

/* ---- the checks ------------------------------------------------------ */

static void judge(const struct tk_unit *x, const struct tk_ce *c,
		  struct reach *r)
{
	if (c->kind == TK_CE_DTE)
		judge_dte(c->val, r);
	else if (c->kind == TK_CE_CTX && !x->sm)
		judge_ctx(c->val, r);
	else if (c->kind == TK_CE_CTX)
		judge_sm_ptrs(c->val, r);
	else if (c->kind == TK_CE_PASID)
		judge_pasid(c->val, r);
}

static void check_entry(const struct tk_unit *x, const struct tk_ce *c)
{
	int u = c->unit;
	struct reach r;

	if (c->own || c->kind >= TK_CE_TLB)
		return;
	memset(&r, 0, sizeof(r));
	judge(x, c, &r);
	if (r.id_w)
		viol("U: %s: source id %04x: a taken-over entry allows identity writes",
		     uname(u), c->sid);
	if (r.w_ck)
		viol("U: %s: source id %04x: a taken-over entry allows writes to capture-kernel memory",
		     uname(u), c->sid);
	if (r.bad_ptr)
		viol("U: %s: source id %04x: a taken-over entry points outside old RAM (%#llx)",
		     uname(u), c->sid, r.bad);
}

static void check_devices_on(int u, int sid);

static void check_units(void)
{
	int u, i;

	for (u = 0; u < tk.nunits; u++) {
		struct tk_unit *x = &tk.unit[u];

		if (x->was_enabled && (x->turned_off || !x->enabled))
			viol("T: %s: translation turned off", uname(u));
		if (!x->installed)
			continue;
		for (i = 0; i < x->nce && m.nviol < 8; i++)
			check_entry(x, &x->ce[i]);
	}
}

/*
 * Every value an entry takes after the capture kernel installed its table
 * is judged when the hardware model first sees it, between two steps too:
 * a blocking entry that passes through an open state on the way (Linux
 * 6.1's init_device_table_dma() sets V and TV after the install) is
 * caught. Rule U for that entry, rule D for the devices carrying it.
 */
void tk_mon_new_entry(const struct tk_ce *c)
{
	const struct tk_unit *x = &tk.unit[c->unit];

	if (!m.crashed || !x->installed || c->kind >= TK_CE_TLB || m.nviol > 8)
		return;
	check_entry(x, c);
	if (c->own)
		check_devices_on(c->unit, c->sid);
}

static bool sid_used(int u, u16 sid)
{
	struct tk_unit *x = &tk.unit[u];
	int i;

	for (i = 0; i < x->nce; i++)
		if (x->ce[i].sid == sid && (x->ce[i].kind == TK_CE_DTE ||
					    x->ce[i].kind == TK_CE_CTX))
			return true;
	return false;
}

/* Rule D for the devices whose DMA may carry @only_sid (-1: any). */
static void check_devices_sid(int only_unit, int only_sid)
{
	struct eff e;
	u16 s[8];
	int i, k, n;

	for (i = 0; i < tk.ndev; i++) {
		const struct tk_dev *d = &tk.dev[i];
		bool acpi = d->kind == TK_ACPI, exempt;

		if (!m.may_dma[i] || m.reset[i] >= 0)
			continue;
		/* Bus Master Enable clear: the device sends no DMA (PCI 6.2.2). */
		if (!acpi && d->present && !d->bme)
			continue;
		exempt = !acpi && !working_reset(i) && m.bme_cleared[i];
		n = carry(i, s);
		for (k = 0; k < n; k++) {
			if (only_sid >= 0 && (s[k] != only_sid ||
					      unit_of(i) != only_unit))
				continue;
			if (!sid_used(unit_of(i), s[k]))
				continue;
			effective(unit_of(i), s[k], &e);
			if (e.own.id_w)
				viol("D: %s may still run old DMA (not reset): source id %04x has the capture kernel's identity mapping",
				     d->name, s[k]);
			else if (e.own.w_ck && !exempt)
				viol("D: %s may still run old DMA (not reset%s): source id %04x can write capture-kernel memory",
				     d->name, working_reset(i) ? ", has a working reset" :
				     m.bme_cleared[i] ? "" : ", Bus Master Enable never cleared",
				     s[k]);
		}
	}
}

static void check_devices(void)
{
	check_devices_sid(-1, -1);
}

static void check_devices_on(int u, int sid)
{
	read_log();
	check_devices_sid(u, sid);
}

/**
 * tk_mon_check() - every invariant, now
 * @when: the model's step, for messages
 */
void tk_mon_check(const char *when)
{
	if (tk.oops)
		viol("the kernel would oops: %s (%s)", tk.oops_what, when);
	if (!m.booted)
		return;
	m.checks++;
	read_log();
	check_units();
	check_devices();
}

/**
 * tk_mon_did_alloc() - the capture kernel hands out a domain id
 * @unit: VT-d: the unit; AMD: ignored (one allocator for all)
 * @did: the id
 * @amd_global: AMD: every unit shares the allocator
 */
void tk_mon_did_alloc(int unit, u16 did, int amd_global)
{
	int u, i;

	if (!m.booted)
		return;
	for (u = 0; u < tk.nunits; u++) {
		struct tk_unit *x = &tk.unit[u];

		if (!amd_global && u != unit)
			continue;
		for (i = 0; i < x->nce; i++) {
			const struct tk_ce *c = &x->ce[i];
			u16 cd = c->kind == TK_CE_DTE ? (u16)(c->val[1] & 0xffff) : c->did;

			if (c->kind == TK_CE_DTE && (!(c->val[0] & 1) || !(c->val[0] & 2)))
				continue;	/* DomainID not used: 2.2.2 */
			if (cd == did) {
				viol("C: domain id %#x handed out while %s may still cache it (source id %04x, %s entry)",
				     did, uname(u), c->sid, c->own ? "own" : "taken-over");
				return;
			}
		}
	}
}

/*
 * A capture-kernel driver's DMA write of @i to @addr: no translation it
 * may take (table or cache) may end in old RAM.
 */
static bool xlate_amd(const u64 *w, u64 a, u64 *out)
{
	u64 t = A(w[0]), e = 0;
	int level = (w[0] >> 9) & 7;
	bool iw = (w[0] >> 62) & 1;

	if (!(w[0] & 1) || !(w[0] & 2)) {
		*out = a;
		return true;
	}
	if (level == 7 || !iw)
		return false;
	if (!level) {
		*out = a;
		return true;
	}
	while (level > 0) {
		if (!rd(t + ((a >> (12 + 9 * (level - 1))) & 511) * 8, &e) ||
		    !(e & 1) || !((e >> 62) & 1))
			return false;
		if (((e >> 9) & 7) == 0 || ((e >> 9) & 7) == 7) {
			*out = A(e) + (a & ((4096ULL << (9 * (level - 1))) - 1));
			return true;
		}
		level = (e >> 9) & 7;
		t = A(e);
	}
	return false;
}

static bool xlate_vtd(u64 t, int level, bool fl, u64 a, u64 *out)
{
	u64 e = 0;

	while (level > 0) {
		if (!rd(t + ((a >> (12 + 9 * (level - 1))) & 511) * 8, &e))
			return false;
		if (fl ? (e & 3) != 3 : !(e & 2))
			return false;
		if (level == 1 || (e >> 7) & 1) {
			*out = A(e) + (a & ((4096ULL << (9 * (level - 1))) - 1));
			return true;
		}
		t = A(e);
		level--;
	}
	return false;
}

void tk_mon_dma(int i, u64 addr, int what)
{
	struct tk_unit *x = &tk.unit[unit_of(i)];
	u16 s[8];
	int n, k, c;
	u64 out;
	bool ok;

	if (!m.booted)
		return;
	n = carry(i, s);
	for (k = 0; k < n; k++) {
		for (c = 0; c < x->nce; c++) {
			const struct tk_ce *e = &x->ce[c];

			if (e->sid != s[k])
				continue;
			ok = false;
			if (e->kind == TK_CE_DTE)
				ok = xlate_amd(e->val, addr, &out);
			else if (e->kind == TK_CE_CTX && !x->sm && (e->val[0] & 1)) {
				unsigned int tt = (e->val[0] >> 2) & 3;

				if (tt == 2) {
					out = addr;
					ok = true;
				} else if (tt < 2 && (e->val[1] & 7) >= 1 &&
					   (e->val[1] & 7) <= 3) {
					ok = xlate_vtd(A(e->val[0]), (e->val[1] & 7) + 2,
						       false, addr, &out);
				}
			} else if (e->kind == TK_CE_PASID && e->pasid == 0) {
				unsigned int pgtt = (e->val[0] >> 6) & 7;

				if (pgtt == 4) {
					out = addr;
					ok = true;
				} else if (pgtt == 1) {
					ok = xlate_vtd(A(e->val[2]), 4, true, addr, &out);
				} else if (pgtt == 2 || pgtt == 3) {
					ok = xlate_vtd(A(e->val[0]),
						       ((e->val[0] >> 2) & 7) + 2,
						       false, addr, &out);
				}
			}
			if (ok && tk_in_old(out)) {
				viol("O: %s: the capture kernel's DMA to %s %#llx may be written to old RAM at %#llx (source id %04x, %s entry)",
				     tk.dev[i].name, what ? "IOVA" : "address", addr,
				     out, s[k], e->own ? "own" : "taken-over");
				return;
			}
		}
	}
}

/** tk_mon_end() - the liveness check at the end of a run */
void tk_mon_end(void)
{
	u16 s[8], t[8];
	int i, j, k, l, n, p;

	if (!m.booted || tk.cfg.init_fails || !tk.unit[0].installed ||
	    tk.cfg.retire_attach)
		return;
	read_log();
	for (i = 0; i < tk.ndev; i++) {
		const struct tk_dev *d = &tk.dev[i];
		bool blocked = false;
		struct tk_unit *x = &tk.unit[unit_of(i)];

		if (!d->present || !d->bound || d->kind != TK_ENDPOINT || !d->group)
			continue;
		/*
		 * Expected to be attached: reset, or stopped without a working
		 * reset in a translated domain, or never anything but Linux
		 * 6.1's unused entries (a garbage entry the takeover rejected
		 * keeps its device blocked until a reset, rightly).
		 */
		if (m.reset[i] < 0 &&
		    !(tk.dev[i].at_crash && !working_reset(i) && m.bme_cleared[i] &&
		      d->group->domain->dom.type != IOMMU_DOMAIN_IDENTITY) &&
		    !m.strict_clean[i])
			continue;
		n = carry(i, s);
		for (j = 0; j < tk.ndev && !blocked; j++) {
			/* a sharer that ran old DMA, or whose entries were
			 * garbage, and was not reset: blocking is right */
			if (j == i || (!m.may_dma[j] && m.strict_clean[j]) ||
			    m.reset[j] >= 0 || unit_of(j) != unit_of(i) ||
			    (tk.dev[j].kind != TK_ENDPOINT && tk.dev[j].kind != TK_ACPI))
				continue;
			p = carry(j, t);
			for (k = 0; k < n; k++)
				for (l = 0; l < p; l++)
					if (s[k] == t[l])
						blocked = true;
		}
		if (blocked)
			continue;
		if (!x->own[s[0]]) {
			viol("L: %s is bound, %s, and no device still running old DMA shares its source ids, but its entry is still the takeover's",
			     d->name, m.reset[i] >= 0 ? "was reset" :
			     m.may_dma[i] ? "cannot be reset and was stopped" :
			     "had only unused old entries");
		}
	}
}
