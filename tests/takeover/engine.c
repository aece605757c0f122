// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's machine, capture kernel and oracle (engine.h).
 *
 * The capture kernel: for every DTE of the crashed kernel's table the
 * kernel's amd_kd_dte_take() decides what is installed, and the ledger
 * (kdump_ledger.c) is fed as drivers/iommu/amd/kdump.c feeds it; then, as
 * Linux 6.1's init_device_table_dma() does, V and TV are set in every
 * entry. Events follow: a device reset, a driver bind (the policy of
 * drivers/iommu/kdump_reset.c: reset when there is a reset method, else
 * Bus Master Enable off, and Bus Master Enable off for unbound devices
 * sharing a source id), a first DMA mapping (the IOMMU core's deferred
 * attach). An attach is gated as the vendors gate it
 * (ik_ledger_may_replace() for the device and each DMA alias), writes the
 * device's DTE with a newly allocated domain id, and clones it to the
 * aliases (amd/iommu.c clone_alias()). Old domain ids the ledger releases
 * are flushed per segment and freed once in the shared allocator.
 *
 * The oracle reads only the model's own state (installed DTE words with
 * literal bit positions from AMD IOMMU Specification 48882 section 2.2.2,
 * the memory map, which devices the model reset or stopped, which ids
 * are in installed entries or not flushed since) -- never the ledger:
 *   A  every installed DTE keeps translation on (V=1), uses no reserved
 *      mode, gives no identity write (Mode 0 or TV=0 with IW), and every
 *      table it points to (page-table root, interrupt remapping table of
 *      2^IntTabLen 16-byte entries, 128-byte aligned) lies in the crashed
 *      kernel's RAM: nothing reaches the crashkernel region;
 *   B  the crashed kernel's table is never written;
 *   C  no domain id is allocated while an installed entry carries it or
 *      an entry that carried it was replaced without a flush since;
 *   D  an entry through which the crashed kernel let its device do DMA is
 *      replaced only after every device whose DMA may carry its source id
 *      (its own or as a DMA alias) was reset or had Bus Master Enable
 *      cleared.
 * Not modelled: page tables below the root (their leaves are the crashed
 * kernel's mappings of its own memory; see README "takeover").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "../../drivers/iommu/kdump_ledger.h"
#include "../../drivers/iommu/amd/kdump_hw.h"

struct tk_preset tk_preset;

/* DTE fields, 48882 section 2.2.2, literal positions. */
#define O_V		(1ULL << 0)
#define O_TV		(1ULL << 1)
#define O_MODE(w)	(((w) >> 9) & 7)
#define O_ROOT(w)	((w) & 0x000ffffffffff000ULL)	/* bits 51:12 */
#define O_IR		(1ULL << 61)
#define O_IW		(1ULL << 62)
#define O_DID(w1)	((unsigned int)((w1) & 0xffff))	/* DTE bits 79:64 */
#define O_IV		(1ULL << 0)			/* DTE bit 128 */
#define O_LEN(w2)	((unsigned int)(((w2) >> 1) & 0xf))
#define O_IRT(w2)	((w2) & 0x000fffffffffffc0ULL)	/* bits 51:6 */
#define O_INTCTL(w2)	((unsigned int)(((w2) >> 60) & 3))

/* A device of each segment (the same topology in both). */
struct tk_dev {
	uint16_t rid;
	uint16_t alias[2];
	int nalias;
	int bridge;
	int has_reset;
};

static const struct tk_dev tk_devs[] = {
	{ 0x0008, { 0x0008 }, 1, 0, 1 },		/* 00:01.0 */
	{ 0x0010, { 0x0010 }, 1, 0, 0 },		/* 00:02.0, no reset */
	{ 0x0018, { 0x0018, 0x0019 }, 2, 0, 1 },	/* quirk alias 00:03.1 */
	{ 0x0020, { 0x0020 }, 1, 1, 0 },		/* PCIe-to-PCI bridge */
	{ 0x0100, { 0x0100 }, 1, 0, 1 },		/* 01:00.0 below it */
	{ 0x0108, { 0x0108, 0x0100 }, 2, 0, 0 },	/* 01:01.0, no reset */
	{ 0x0028, { 0x0028 }, 1, 1, 0 },		/* PCIe root port */
	{ 0x0110, { 0x0110, 0x0100 }, 2, 0, 1 },	/* 01:02.0 */
};

#define TK_NDEV ((int)(sizeof(tk_devs) / sizeof(tk_devs[0])))

struct tk_seg {
	uint64_t old[TK_SIDS][4];	/* the crashed kernel's table */
	uint64_t snap[TK_SIDS][4];
	uint64_t hw[TK_SIDS][4];	/* the table the IOMMU uses */
	int permitted[TK_SIDS];	/* the old entry let its device do DMA */
	int replaced[TK_SIDS];
	uint8_t stale[65536 / 8];	/* replaced, not flushed since */
	int quiesced[TK_MAX_DEVS];	/* reset or bus master off (hw) */
	int was_reset[TK_MAX_DEVS];	/* reset (hw) */
	int identity[TK_MAX_DEVS];	/* default domain: identity */
	int bound[TK_MAX_DEVS];
	struct iommu_kdump_unit unit;
	struct ik_sid sids[TK_SIDS];
	struct ik_did dids[TK_SIDS];
	uint8_t seen[65536 / 8];
};

static struct tk_seg segs[TK_SEGS];
static uint8_t alloc_map[65536 / 8];	/* the shared domain id allocator */
static const char space_key;
static const uint8_t *in;
static size_t in_len, in_pos;
static struct tk_result *res;
static int verbose;
static int pt;

static unsigned int get8(void)
{
	return in_pos < in_len ? in[in_pos++] : 0;
}

static uint64_t get64(void)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | get8();
	return v;
}

static int bit(const uint8_t *m, unsigned int i)
{
	return (m[i / 8] >> (i % 8)) & 1;
}

static void set(uint8_t *m, unsigned int i, int v)
{
	if (v)
		m[i / 8] |= 1U << (i % 8);
	else
		m[i / 8] &= ~(1U << (i % 8));
}

static void violation(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!res->violations)
		snprintf(res->first, sizeof(res->first), "%s", buf);
	if (verbose)
		printf("# violation: %s\n", buf);
	res->violations++;
}

/* The model's memory map: the crashed kernel's RAM, nothing else. */
static int in_old(uint64_t p, uint64_t size)
{
	uint64_t e = p + size;

	if (!size || e < p)
		return 0;
	return (p >= TK_OLD1_START && e <= TK_OLD1_END) ||
	       (p >= TK_OLD2_START && e <= TK_OLD2_END);
}

/* What the capture kernel is given as iommu_kdump_old_ram(). */
static bool env_old_ram(u64 phys, u64 size)
{
	return in_old(phys, size);
}

/* A: what an installed DTE lets its device do (48882 section 2.2.2). */
static void oracle_entry(int s, unsigned int sid, const char *when,
			 int own_identity)
{
	const uint64_t *e = segs[s].hw[sid];
	uint64_t w0 = e[0], w2 = e[2];
	unsigned int mode = O_MODE(w0), len;

	if (!(w0 & O_V)) {
		violation("%s: seg %d sid %#x: V=0, DMA untranslated", when, s, sid);
		return;
	}
	if (!(w0 & O_TV) || mode == 0) {
		if ((w0 & O_IW) && !own_identity)
			violation("%s: seg %d sid %#x: identity write access (w0 %#llx)",
				  when, s, sid, (unsigned long long)w0);
	} else if (mode == 7) {
		violation("%s: seg %d sid %#x: reserved mode 7", when, s, sid);
	} else if (!in_old(O_ROOT(w0), 4096) ||
		   O_ROOT(w0) >= (1ULL << TK_PHYS_BITS)) {
		violation("%s: seg %d sid %#x: page-table root %#llx not in the crashed kernel's RAM",
			  when, s, sid, (unsigned long long)O_ROOT(w0));
	}
	if ((w2 & O_IV) && (O_INTCTL(w2) || O_LEN(w2))) {
		len = O_LEN(w2);
		if (O_INTCTL(w2) != 2 || len > 11 || (O_IRT(w2) & 127) ||
		    !in_old(O_IRT(w2), 16ULL << len))
			violation("%s: seg %d sid %#x: interrupt table %#llx (len %u, ctl %u) not a table in the crashed kernel's RAM",
				  when, s, sid, (unsigned long long)O_IRT(w2),
				  len, O_INTCTL(w2));
	}
}

/* Could the crashed kernel's entry let its device do DMA? */
static int old_permits(const uint64_t *e)
{
	uint64_t w0 = e[0];

	if (!(w0 & O_V) || !(w0 & O_TV))
		return 1;
	return O_MODE(w0) != 0 || (w0 & (O_IR | O_IW)) || O_DID(e[1]);
}

/* Hostile old DTEs. */
static void gen_dte(uint64_t *e)
{
	unsigned int kind = get8() % 12, did = 1 + get8() % 24;
	uint64_t root = TK_OLD1_START + ((uint64_t)get8() << 12);
	uint64_t perm = (get8() & 3ULL) << 61;
	uint64_t irt = TK_OLD2_START + ((uint64_t)get8() << 12);

	e[0] = O_V | O_TV | (3ULL << 9) | root | perm;
	e[1] = did;
	e[2] = 0;
	e[3] = 0;
	switch (kind) {
	case 0:		/* translated, normal */
		break;
	case 1:		/* pass-through */
		e[0] = O_V | O_TV | perm;
		break;
	case 2:		/* blocked, no domain */
		e[0] = O_V | O_TV;
		e[1] = 0;
		break;
	case 3:		/* V=0 with a root in the crashkernel region */
		e[0] = (O_TV | (4ULL << 9) | TK_CK_START | perm | get64()) & ~O_V;
		break;
	case 4:		/* V=1, TV=0 with garbage */
		e[0] = (get64() | O_V) & ~O_TV;
		break;
	case 5:		/* root in the crashkernel region */
		e[0] = O_V | O_TV | (4ULL << 9) | (TK_CK_START + (root & 0xfffff000)) | perm;
		break;
	case 6:		/* root outside RAM or beyond the address width */
		e[0] = O_V | O_TV | (2ULL << 9) | (get8() & 1 ? 0x40000000ULL : (1ULL << 45)) | perm;
		break;
	case 7:		/* reserved mode, reserved bits */
		e[0] = O_V | O_TV | (7ULL << 9) | root | (get8() & 1 ? 4ULL : 0) | perm;
		break;
	case 8:		/* interrupt remapping, good or hostile */
		e[2] = O_IV | ((uint64_t)(get8() % 13) << 1) | (2ULL << 60) |
		       (get8() & 1 ? irt : TK_CK_START + 0x80);
		break;
	case 9:		/* anything */
		e[0] = get64();
		e[1] = get64();
		e[2] = get64();
		e[3] = get64();
		break;
	case 10:	/* shared domain ids across segments */
		e[1] = 1 + get8() % 4;
		break;
	default:	/* the preset, or nothing special */
		break;
	}
}

static void release_worker(void)
{
	struct iommu_kdump_unit *first = &segs[0].unit;
	int s, v, last;
	struct ik_did *d, *e;
	unsigned int i;
	u16 did;

again:
	for (s = 0; s < TK_SEGS; s++) {
		for (i = 0; i < segs[s].unit.nr_dids; i++) {
			d = &segs[s].unit.dids[i];
			if (d->state != IK_DID_RELEASING ||
			    ik_ledger_space_in_use(first, &space_key, d->did))
				continue;
			did = d->did;
			last = -1;
			for (v = 0; v < TK_SEGS; v++) {
				e = ik_ledger_find_did(&segs[v].unit, did);
				if (e && e->state == IK_DID_RELEASING) {
					e->state = IK_DID_RELEASED;
					set(segs[v].stale, did, 0);	/* flushed */
					last = v;
				}
			}
			if (last >= 0) {
				set(alloc_map, did, 0);
				res->released++;
			}

			goto again;
		}
	}
}

/* C: a new domain id, checked against what may still be cached. */
static unsigned int alloc_did(void)
{
	unsigned int id, s, sid;

	/* First free id from a point the input picks (0: the lowest). */
	id = get8() << 8;
	id |= get8();
	if (tk_preset.used)
		id = tk_preset.alloc_from;
	for (sid = 0; sid < 65536 && bit(alloc_map, id); sid++)
		id = (id + 1) & 0xffff;
	set(alloc_map, id, 1);
	res->allocated++;
	for (s = 0; s < TK_SEGS; s++) {
		if (bit(segs[s].stale, id))
			violation("domain id %#x allocated, not flushed in segment %u since an entry with it was replaced",
				  id, s);
		for (sid = 0; sid < TK_SIDS; sid++)
			if ((segs[s].hw[sid][0] & O_V) &&
			    O_DID(segs[s].hw[sid][1]) == id)
				violation("domain id %#x allocated while seg %u sid %#x still uses it",
					  id, s, sid);
	}
	return id;
}

static int covers(const struct tk_dev *d, unsigned int sid)
{
	int i;

	for (i = 0; i < d->nalias; i++)
		if (d->alias[i] == sid)
			return 1;
	return 0;
}

/*
 * D: replacing the entry of @sid, by an identity mapping when @ident: every
 * device whose DMA may carry @sid must have been reset, or (not identity)
 * at least stopped.
 */
static void replace(int s, unsigned int sid, const uint64_t *e, int ident)
{
	struct tk_seg *g = &segs[s];
	int k;

	if (g->permitted[sid] && !g->replaced[sid]) {
		for (k = 0; k < TK_NDEV; k++) {
			if (tk_devs[k].bridge || !covers(&tk_devs[k], sid))
				continue;
			if (!g->quiesced[k])
				violation("seg %d sid %#x replaced while device %#x, whose DMA may carry it, was neither reset nor stopped",
					  s, sid, tk_devs[k].rid);
			else if (ident && !g->was_reset[k])
				violation("seg %d sid %#x replaced by an identity mapping while device %#x, whose DMA may carry it, was not reset",
					  s, sid, tk_devs[k].rid);
		}
		res->replaced++;
	}
	g->replaced[sid] = 1;
	if (O_DID(g->hw[sid][1]))
		set(g->stale, O_DID(g->hw[sid][1]), 1);
	memcpy(g->hw[sid], e, 4 * sizeof(uint64_t));
	oracle_entry(s, sid, "after attach", ident);
}

/* The vendor attach: gated, own DTE then the aliases (clone_alias()). */
static void attach(int s, int k)
{
	const struct tk_dev *d = &tk_devs[k];
	struct iommu_kdump_unit *u = &segs[s].unit;
	int i, ident = segs[s].identity[k];
	uint64_t e[4];

	for (i = 0; i < d->nalias; i++)
		if (!ik_ledger_may_replace(u, d->alias[i])) {
			res->kept++;
			return;
		}
	/*
	 * The capture kernel's own domain: identity (Mode 0, IR, IW), or
	 * translated with its tables in its own memory.
	 */
	if (ident)
		e[0] = O_V | O_TV | O_IR | O_IW;
	else
		e[0] = O_V | O_TV | (3ULL << 9) | (TK_OLD1_START + 0x5000) | O_IR | O_IW;
	e[1] = alloc_did();
	e[2] = 0;
	e[3] = 0;
	replace(s, d->rid, e, ident);
	ik_ledger_written(u, d->rid);
	for (i = 0; i < d->nalias; i++) {
		if (d->alias[i] == d->rid)
			continue;
		replace(s, d->alias[i], e, ident);
		ik_ledger_cloned(u, d->rid, d->alias[i]);
	}
	release_worker();
}

/* kdump_reset.c's ik_clear_dev(): sharers of every live alias. */
static int clear_dev(int s, int k, int stop)
{
	struct tk_seg *g = &segs[s];
	const struct tk_dev *d = &tk_devs[k];
	int i, j, n, ok = 1, identity = g->identity[k];
	u16 rids[TK_MAX_DEVS];

	if (identity)
		stop = 0;

	for (i = 0; i < d->nalias; i++) {
		if (!ik_ledger_live(&g->unit, d->alias[i]))
			continue;
		n = 0;
		for (j = 0; j < TK_NDEV; j++) {
			if (tk_devs[j].bridge || !covers(&tk_devs[j], d->alias[i]))
				continue;
			rids[n++] = tk_devs[j].rid;
			if (stop && (j == k || !g->bound[j]) && !g->quiesced[j]) {
				g->quiesced[j] = 1;	/* Bus Master Enable off */
				ik_ledger_quiesced(&g->unit, tk_devs[j].rid,
						   IK_Q_MASTER);
			}
		}
		if (!ik_ledger_clear(&g->unit, d->alias[i], rids, n, identity))
			ok = 0;
	}
	return ok;
}

static void reset(int s, int k)
{
	segs[s].quiesced[k] = 1;
	segs[s].was_reset[k] = 1;
	ik_ledger_quiesced(&segs[s].unit, tk_devs[k].rid, IK_Q_FLR);
}

static void event(char what, int s, int k)
{
	struct tk_seg *g = &segs[s];
	const struct tk_dev *d = &tk_devs[k];

	switch (what) {
	case 'r':	/* a reset the capture kernel did not ask for */
		if (!d->has_reset || d->bridge)
			return;
		reset(s, k);
		if (clear_dev(s, k, 0))
			attach(s, k);
		break;
	case 'b':	/* a driver binds: kdump_reset.c ik_bind() */
		if (g->bound[k])
			return;
		g->bound[k] = 1;
		if (!d->bridge && !g->quiesced[k] && d->has_reset)
			reset(s, k);
		if (clear_dev(s, k, !d->bridge))
			attach(s, k);
		else
			res->kept++;
		break;
	default:	/* a first DMA mapping: deferred attach */
		attach(s, k);
		break;
	}
}

static int needs_dma(int s, int k)
{
	const struct tk_dev *d = &tk_devs[k];
	int i;

	if (d->bridge || d->has_reset)
		return 0;
	for (i = 0; i < d->nalias; i++)
		if (!ik_ledger_may_replace(&segs[s].unit, d->alias[i]))
			return 1;
	return 0;
}

/* Do devices @a and @b share a source id (one IOMMU group)? */
static int share(int a, int b)
{
	int i;

	for (i = 0; i < tk_devs[a].nalias; i++)
		if (covers(&tk_devs[b], tk_devs[a].alias[i]))
			return 1;
	return 0;
}

static int group_identity(int s, int k)
{
	int j;

	for (j = 0; j < TK_NDEV; j++)
		if (share(k, j) && needs_dma(s, j))
			return 0;
	return 1;
}

static void takeover(int s, int quiesce)
{
	struct tk_seg *g = &segs[s];
	struct amd_kd_take t;
	unsigned int sid, n;
	u64 e[4];
	int i;

	memset(&g->unit, 0, sizeof(g->unit));
	memset(g->sids, 0, sizeof(g->sids));
	ik_ledger_init(&g->unit, g->sids, TK_SIDS);
	g->unit.did_space = &space_key;
	g->unit.segment = s;
	for (sid = 0; sid < TK_SIDS; sid++) {
		/* drivers/iommu/amd/kdump.c amd_kd_copy_entries() */
		for (i = 0; i < 4; i++)
			e[i] = g->old[sid][i];
		switch (amd_kd_dte_take(e, TK_PHYS_BITS, env_old_ram, quiesce, &t)) {
		case AMD_KD_REJECTED:
			if (t.domid)
				set(alloc_map, t.domid, 1);
			ik_ledger_blocked(&g->unit, sid, 1);
			ik_ledger_pin(&g->unit, sid, t.domid);
			res->rejected++;
			break;
		case AMD_KD_EMPTY:
			ik_ledger_blocked(&g->unit, sid, 1);
			res->empty++;
			break;
		case AMD_KD_COPIED:
			if (t.domid)
				set(alloc_map, t.domid, 1);
			if (t.live)
				ik_ledger_copied(&g->unit, sid, t.domid);
			res->copied++;
			break;
		}
		memcpy(g->hw[sid], t.dte, sizeof(t.dte));
		oracle_entry(s, sid, "installed", 0);
		/*
		 * The model's IOMMU lacks INVALIDATE_IOMMU_ALL: Linux 6.1's
		 * flush of every cache after the install reaches domain ids
		 * up to the last DeviceID only; an old valid entry's id above
		 * may stay cached.
		 */
		if ((g->old[sid][0] & O_V) && O_DID(g->old[sid][1]) >= TK_SIDS)
			set(g->stale, O_DID(g->old[sid][1]), 1);
	}
	/* iommu_kdump_unit_publish() */
	memset(g->seen, 0, sizeof(g->seen));
	memset(g->dids, 0, sizeof(g->dids));
	n = ik_ledger_count_dids(&g->unit, g->seen);
	if (n > TK_SIDS)
		n = TK_SIDS;
	ik_ledger_fill_dids(&g->unit, g->dids, n, g->seen);
	g->unit.published = true;
	if (s > 0)
		segs[s - 1].unit.next = &g->unit;
}

/**
 * tk_run() - one takeover and its events, judged by the oracle
 * @o: the run
 * @r: the outcome
 */
void tk_run(const struct tk_opts *o, struct tk_result *r)
{
	int s, k, ev;
	unsigned int sid;
	const char *p;

	memset(r, 0, sizeof(*r));
	memset(segs, 0, sizeof(segs));
	memset(alloc_map, 0, sizeof(alloc_map));
	set(alloc_map, 0, 1);
	res = r;
	verbose = o->verbose;
	pt = o->pt;
	in = o->data;
	in_len = o->len;
	in_pos = 0;
	for (s = 0; s < TK_SEGS; s++) {
		for (sid = 0; sid < TK_SIDS; sid++) {
			if (tk_preset.used && tk_preset.set[s][sid])
				memcpy(segs[s].old[sid], tk_preset.dte[s][sid],
				       sizeof(segs[s].old[sid]));
			else if (tk_preset.used || (sid & 7) > 2)
				segs[s].old[sid][0] = O_V | O_TV;	/* unused */
			else
				gen_dte(segs[s].old[sid]);
			segs[s].permitted[sid] = old_permits(segs[s].old[sid]);
		}
		memcpy(segs[s].snap, segs[s].old, sizeof(segs[s].old));
	}
	for (s = 0; s < TK_SEGS; s++)
		takeover(s, o->quiesce);
	/* Linux 6.1 init_device_table_dma(): V and TV in every entry. */
	for (s = 0; s < TK_SEGS; s++)
		for (sid = 0; sid < TK_SIDS; sid++) {
			segs[s].hw[sid][0] |= O_V | O_TV;
			oracle_entry(s, sid, "after init_device_table_dma", 0);
		}
	/*
	 * Default domains at probe (kdump_reset.c
	 * iommu_kdump_def_domain_type()): with iommu=pt, identity unless a
	 * device of the group (devices sharing a source id) has no reset
	 * method and an entry in force that is not clear.
	 */
	for (s = 0; s < TK_SEGS; s++)
		for (k = 0; k < TK_NDEV; k++)
			segs[s].identity[k] = pt && group_identity(s, k);
	if (tk_preset.used && tk_preset.script) {
		for (p = tk_preset.script; p[0] && p[1] && p[2]; p += 3)
			event(p[0], p[1] - '0', p[2] - '0');
	} else {
		for (ev = 0; ev < o->events; ev++) {
			k = get8();
			event("rbmm"[k & 3], (k >> 2) & 1,
			      (int)((k >> 3) % TK_NDEV));
		}
	}
	for (s = 0; s < TK_SEGS; s++)
		if (memcmp(segs[s].old, segs[s].snap, sizeof(segs[s].old)))
			violation("segment %d: the crashed kernel's table was written",
				  s);
}
