// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's generator: the machine (a fixed set of devices,
 * their reset behaviour and presence drawn from the input) and the state
 * the crashed kernel left behind: AMD-Vi device tables, VT-d legacy root
 * and context tables, VT-d scalable-mode root, context, PASID directory
 * and PASID tables, with the page tables below them, in old RAM. Every
 * choice comes from the input bytes (a PRNG's or a fuzzer's): a mix of
 * what Linux 6.1 writes (translated domains, pass-through, after the
 * crash path's quiesce or not), what the issue named (AMD DomainID 0
 * entries that allow DMA), and hostile entries (pointers into the
 * crashkernel region, outside RAM, beyond the address width, reserved
 * bits and types, random words).
 *
 * Bit positions are the specifications' (AMD 48882 section 2.2.2 DTE,
 * 2.2.3 page tables; VT-d 9.1 root, 9.3 context, 9.2 / 9.4 / 9.5 / 9.6
 * scalable-mode entries, 9.7 first-level and 9.8 second-level entries),
 * written out here.
 *
 * Page tables below a root are always well formed and map only old RAM:
 * what the crashed kernel's own mappings are (drivers/iommu/README.kdump.md,
 * "Not guaranteed").
 * They map IOVA 0x1000 and the crashkernel region's addresses (which the
 * capture kernel's drivers use as IOVAs or, with dma-direct, as
 * addresses), writable, onto old RAM.
 */
#include "sim.h"

u8 tk_in8(void)
{
	return tk.inpos < tk.inlen ? tk.in[tk.inpos++] : 0;
}

static unsigned int pick(unsigned int n)
{
	return n ? tk_in8() % n : 0;
}

static u64 in64(void)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | tk_in8();
	return v;
}

/* Devices (indices are fixed, sim.h; tk_dev.name in messages). */
#define EP_A	TK_EP_A
#define QUIRK	TK_QUIRK
#define RP1	TK_RP1
#define EP_E	TK_EP_E
#define RP2	TK_RP2
#define HOT	TK_HOT
#define BR	TK_BR

static int reset_kind(void)
{
	static const int k[] = { TK_RESET_FLR, TK_RESET_NONE, TK_RESET_FLR,
				 TK_RESET_FLR_FAILS };

	return k[pick(4)];
}

static void dev(const char *name, int kind, int seg, int bus, int slot,
		int fn, int parent, int secondary)
{
	struct tk_dev d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.kind = kind;
	d.seg = seg;
	d.bus = bus;
	d.devfn = PCI_DEVFN(slot, fn);
	d.parent = parent;
	d.secondary = secondary;
	d.quirk_alias = -1;
	d.ivrs_alias = -1;
	d.at_boot = 1;
	d.at_crash = 1;
	d.reset = kind == TK_ENDPOINT ? reset_kind() : TK_RESET_NONE;
	tk_add_dev(&d);
}

/**
 * tk_gen_machine() - the devices of one run
 *
 * Segment 0: 00:02.0; a two-function device 00:03.0/.1; 00:04.0 with a
 * quirk DMA alias 00:04.1; root port 00:1c.0 with 01:00.0 below (alone:
 * a bus reset works for it; an AMD IVRS alias 00:14.4 sometimes); root
 * port 00:1d.0 with a hot-plug slot 02:00.0; a PCIe-to-PCI bridge 00:1e.0
 * with 03:00.0, 03:01.0, 03:02.0 below (all alias to 03:00.0); a non-PCI
 * device (AMD ACPI HID, VT-d ANDD) with source id 00:14.5. AMD: segment
 * 1 with 00:05.0.
 */
void tk_gen_machine(void)
{
	bool amd = tk.cfg.vendor == TK_AMD;
	struct tk_dev *d;

	dev("00:02.0", TK_ENDPOINT, 0, 0, 2, 0, -1, 0);
	dev("00:03.0", TK_ENDPOINT, 0, 0, 3, 0, -1, 0);
	dev("00:03.1", TK_ENDPOINT, 0, 0, 3, 1, -1, 0);
	dev("00:04.0", TK_ENDPOINT, 0, 0, 4, 0, -1, 0);
	tk.dev[QUIRK].quirk_alias = PCI_DEVFN(4, 1);
	dev("00:1c.0", TK_ROOT_PORT, 0, 0, 0x1c, 0, -1, 1);
	dev("01:00.0", TK_ENDPOINT, 0, 1, 0, 0, RP1, 0);
	if (amd && pick(2))
		tk.dev[EP_E].ivrs_alias = PCI_DEVID(0, PCI_DEVFN(0x14, 4));
	dev("00:1d.0", TK_ROOT_PORT, 0, 0, 0x1d, 0, -1, 2);
	dev("02:00.0", TK_ENDPOINT, 0, 2, 0, 0, RP2, 0);
	d = &tk.dev[HOT];
	d->at_boot = 0;
	d->at_crash = pick(2);	/* an old VF enumerated late, or new */
	dev("00:1e.0", TK_PCIE_PCI_BRIDGE, 0, 0, 0x1e, 0, -1, 3);
	dev("03:00.0", TK_ENDPOINT, 0, 3, 0, 0, BR, 0);
	dev("03:01.0", TK_ENDPOINT, 0, 3, 1, 0, BR, 0);
	dev("03:02.0", TK_ENDPOINT, 0, 3, 2, 0, BR, 0);
	dev("acpi 00:14.5", TK_ACPI, 0, 0, 0x14, 5, -1, 0);
	if (amd)
		dev("1:00:05.0", TK_ENDPOINT, 1, 0, 5, 0, -1, 0);
	tk.dev[RP1].bus_reset_fails = pick(4) == 3;
	tk.dev[BR].bus_reset_fails = pick(4) == 3;
	tk.dev[pick(4)].needs_identity = pick(3) == 2;
}

/* Old domain ids: a few, some shared by the two AMD segments. */
static u16 old_did(void)
{
	static const u16 ids[] = { 1, 2, 3, 4, 5, 7, 9, 0x2a, 0x80, 0xfe };

	return ids[pick(ARRAY_SIZE(ids))];
}

/* ---- page tables in old RAM --------------------------------------- */

enum tfmt { T_AMD, T_SL, T_FL };

/*
 * A @levels-level table (AMD v1 when @f == T_AMD, else VT-d second- or
 * first-level): IOVA 0x1000 -> an old page; IOVAs [TK_CK_START, +16 MiB)
 * -> old RAM in 2 MiB pages. With @ro the top level denies writes (the
 * crash path's VT-d revocation; AMD keeps per-level IR/IW too).
 */
static u64 old_table(int f, int levels, bool ro)
{
	u64 t[6], page, e;
	int l, k;

	for (l = 1; l <= levels; l++)
		t[l] = tk_old_alloc(1);
	page = tk_old_alloc(1);
	if (!t[1] || !page)
		return 0;
	for (l = levels; l > 1; l--) {
		bool w = !(ro && l == levels);

		if (f == T_AMD)
			e = t[l - 1] | 1 | (u64)(l - 1) << 9 | 1ULL << 61 |
			    (u64)w << 62;
		else if (f == T_FL)
			e = t[l - 1] | 1 | (u64)w << 1 | 4;
		else
			e = t[l - 1] | 1 | (u64)w << 1;
		tk_old_write(t[l], e);
		/* Second branch at the top level: IOVAs of the CK region. */
	}
	/* IOVA 0x1000: level-1 entry 1. */
	if (f == T_AMD)
		tk_old_write(t[1] + 8, page | 1 | 3ULL << 61);
	else if (f == T_FL)
		tk_old_write(t[1] + 8, page | 7);
	else
		tk_old_write(t[1] + 8, page | 3);
	/*
	 * IOVAs TK_CK_START.. (0x20000000: level-2 index 256.. in the same
	 * level-2 table, top-level and level-3 index 0): 2 MiB leaves onto old
	 * RAM. AMD: a level-2 PDE with NextLevel 0 is a 2 MiB page; VT-d: PS.
	 */
	for (k = 0; k < 8; k++) {
		u64 target = TK_OLD1_START + (u64)k * 0x200000;

		if (f == T_AMD)
			e = target | 1 | 3ULL << 61;
		else if (f == T_FL)
			e = target | 7 | 1ULL << 7;
		else
			e = target | 3 | 1ULL << 7;
		tk_old_write(t[2] + (256 + k) * 8, e);
	}
	return t[levels];
}

/* A table per old domain id and flavour, shared by its users. */
struct tcache {
	u16 did;
	int f, levels, ro;
	u64 root;
};
static struct tcache tc[32];
static int ntc;

u64 tk_gen_table(u16 did, int f, int levels, bool ro)
{
	int i;

	for (i = 0; i < ntc; i++)
		if (tc[i].did == did && tc[i].f == (int)f &&
		    tc[i].levels == levels && tc[i].ro == ro)
			return tc[i].root;
	if (ntc == (int)ARRAY_SIZE(tc))
		return tc[0].root;
	tc[ntc].did = did;
	tc[ntc].f = f;
	tc[ntc].levels = levels;
	tc[ntc].ro = ro;
	tc[ntc].root = old_table(f, levels, ro);
	return tc[ntc++].root;
}

/* A pointer the takeover must refuse, or not. */
static u64 hostile_ptr(void)
{
	switch (pick(4)) {
	case 0:
		return TK_CK_START + 0x10000;		/* crashkernel region */
	case 1:
		return 0x10000000;			/* no RAM */
	case 2:
		return 1ULL << TK_PHYS_BITS;		/* beyond the width */
	default:
		return TK_OLD2_START + 0x3ff000;	/* old RAM, garbage */
	}
}

/* ---- AMD-Vi ------------------------------------------------------- */

#define V	(1ULL << 0)
#define TV	(1ULL << 1)
#define MODE(m)	((u64)(m) << 9)
#define IR	(1ULL << 61)
#define IW	(1ULL << 62)
#define I	(1ULL << 32)	/* word 1: IOTLB enable */

static void amd_dte(int seg, u64 devtab, u16 sid, unsigned int c, u16 other)
{
	u64 w[4] = { V | TV, 0, 0, 0 };
	u16 did = c == 15 ? other : old_did();
	int k;

	switch (c) {
	case 1:		/* 6.1 DMA domain */
	case 15:	/* its id also used on the other segment */
		w[0] = tk_gen_table(did, T_AMD, 3, false) | V | TV | MODE(3) | IR | IW;
		w[1] = did;
		break;
	case 2:		/* after the crash path: IW cleared */
		w[0] = tk_gen_table(did, T_AMD, 3, false) | V | TV | MODE(3) | IR;
		w[1] = did;
		break;
	case 3:		/* 6.1 identity domain */
		w[0] = V | TV | IR | IW;
		w[1] = did;
		break;
	case 4:		/* identity after the crash path */
		w[0] = V | TV | IR;
		w[1] = did;
		break;
	case 5:		/* V=1 TV=0, DomainID 0: untranslated DMA */
		w[0] = V | (pick(2) ? IR : 0) | (pick(2) ? IW : 0) |
		       tk_gen_table(1, T_AMD, 3, false) | MODE(pick(8));
		break;
	case 6:		/* Mode 0 with IW only, DomainID 0 */
		w[0] = V | TV | IW;
		break;
	case 7:		/* V=0 garbage, a root into the crashkernel region */
		w[0] = (in64() & ~V) | TV;
		w[0] = (w[0] & ~0x000ffffffffff000ULL) | TK_CK_START | IR | IW;
		w[1] = in64();
		w[2] = in64();
		break;
	case 8:		/* a translated entry with a hostile root */
		w[0] = (hostile_ptr() & 0x000ffffffffff000ULL) | V | TV |
		       MODE(1 + pick(6)) | IR | IW;
		w[1] = did;
		break;
	case 9:		/* reserved mode or reserved bits 6:2 */
		w[0] = tk_gen_table(did, T_AMD, 3, false) | V | TV | IR | IW |
		       (pick(2) ? MODE(7) : MODE(3) | 1ULL << (2 + pick(5)));
		w[1] = did;
		break;
	case 10:	/* interrupt remapping: hostile table or length */
		w[0] = tk_gen_table(did, T_AMD, 3, false) | V | TV | MODE(3) | IR | IW;
		w[1] = did;
		w[2] = 1 | 2ULL << 60 | (u64)pick(16) << 1 |
		       (pick(2) ? hostile_ptr() : tk_old_alloc(8) | 0x40) ;
		w[2] &= ~0xc000000000000000ULL;
		break;
	case 11:	/* random 256 bits */
		for (k = 0; k < 4; k++)
			w[k] = in64();
		break;
	case 12:	/* ATS and valid interrupt remapping */
		w[0] = tk_gen_table(did, T_AMD, 3, false) | V | TV | MODE(3) | IR | IW;
		w[1] = did | I;
		w[2] = 1 | 2ULL << 60 | 8ULL << 1 | tk_old_alloc(8);
		break;
	case 13:	/* V=0, otherwise clean */
		w[0] = 0;
		break;
	default:	/* 0, 14: Linux 6.1's empty entry */
		break;
	}
	for (k = 0; k < 4; k++)
		tk_old_write(devtab + (u64)sid * 32 + k * 8, w[k]);
}

static void gen_amd(void)
{
	u16 seen[TK_MAX_DEVS * 4];
	int s, i, n = 0;
	u64 devtab[2];
	u16 shared = old_did();

	for (s = 0; s < tk.nunits; s++) {
		struct tk_unit *u = &tk.unit[s];
		u64 size = TK_AMD_SIDS * 32;
		u16 sid;

		devtab[s] = tk_old_alloc(size / 4096);
		for (sid = 0; sid < TK_AMD_SIDS; sid++)
			amd_dte(s, devtab[s], sid, 0, shared);
		/* Device Table Base Address Register (48882 3.4) */
		u->regs[0] = devtab[s] | (size / 4096 - 1);
		if (pick(16) == 15)
			u->regs[0] = devtab[s] | (size / 4096 - 2);
		if (pick(16) == 15)
			u->regs[0] = (hostile_ptr() & ~0xfffULL) | (size / 4096 - 1);
		u->enabled = s == 0 || pick(4) != 3;
		u->was_enabled = u->enabled;
		u->regs[3] = u->enabled;	/* Control: IommuEn */
		/* What the hardware walked at the crash: the register's. */
		u->table = u->regs[0] & ~0xfffULL;
		tk.old_table[s] = u->table;
		tk.old_reg[s] = u->regs[0];
	}
	/* The entries the devices and their aliases use. */
	for (i = 0; i < tk.ndev; i++) {
		struct tk_dev *d = &tk.dev[i];
		u16 ids[4];
		int k, m = 0;

		ids[m++] = PCI_DEVID(d->bus, d->devfn);
		if (d->quirk_alias >= 0)
			ids[m++] = PCI_DEVID(d->bus, d->quirk_alias);
		if (d->ivrs_alias >= 0)
			ids[m++] = d->ivrs_alias;
		for (k = 0; k < m && n < (int)ARRAY_SIZE(seen); k++) {
			seen[n++] = ids[k];
			amd_dte(d->seg, devtab[d->seg], ids[k], pick(16), shared);
		}
	}
	/* A few more entries anywhere. */
	for (i = 0; i < 4; i++)
		amd_dte(0, devtab[0], in64() % TK_AMD_SIDS, pick(16), shared);
}

/* ---- VT-d --------------------------------------------------------- */

/* CAP: ND 010b (256 ids), SAGAW 3- and 4-level, SLLPS 2 MiB. */
#define VTD_CAP		(2ULL | 1ULL << 9 | 1ULL << 10 | 1ULL << 34)
/* ECAP: C, QI, DT, PT */
#define VTD_ECAP	(1ULL | 1ULL << 1 | 1ULL << 2 | 1ULL << 6)
/* ECAP scalable: NEST, PASID, SMTS, SLTS (FLTS with cfg.ecap_fl) */
#define VTD_ECAP_SM	(1ULL << 26 | 1ULL << 40 | 1ULL << 43 | 1ULL << 46)

static u64 ctx_table(u64 root, unsigned int bus, unsigned int half)
{
	u64 *e = tk_phys64(root + bus * 16 + half * 8), ctp;

	if (e && (*e & 1))
		return *e & 0x000ffffffffff000ULL;
	ctp = tk_old_alloc(1);
	tk_old_write(root + bus * 16 + half * 8, ctp | 1);
	return ctp;
}

static void vtd_legacy_ctx(u64 root, u16 sid)
{
	u64 ctp = ctx_table(root, sid >> 8, 0), lo = 0, hi = 0;
	u16 did = old_did();

	switch (pick(12)) {
	case 1:	/* translated, 4-level */
	case 2:
		lo = tk_gen_table(did, T_SL, 4, false) | 1;
		hi = 2 | (u64)did << 8;
		break;
	case 3:	/* after the crash path: top level read-only */
		lo = tk_gen_table(did, T_SL, 4, true) | 1;
		hi = 2 | (u64)did << 8;
		break;
	case 4:	/* device-TLB */
		lo = tk_gen_table(did, T_SL, 3, false) | 1 | 1ULL << 2;
		hi = 1 | (u64)did << 8;
		break;
	case 5:	/* pass-through */
	case 6:
		lo = 1 | 2ULL << 2;
		hi = 2 | (u64)did << 8;
		break;
	case 7:	/* hostile second-level root */
		lo = (hostile_ptr() & ~0xfffULL) | 1;
		hi = 2 | (u64)did << 8;
		break;
	case 8:	/* reserved type, AW or bits */
		lo = tk_gen_table(did, T_SL, 4, false) | 1 | (u64)pick(4) << 2 |
		     (pick(2) ? 1ULL << (4 + pick(8)) : 0);
		hi = pick(8) | (u64)did << 8 | (pick(2) ? 1ULL << 7 : 0);
		break;
	case 9:	/* domain id beyond CAP.ND */
		lo = tk_gen_table(did, T_SL, 4, false) | 1;
		hi = 2 | (u64)(0x100 + pick(255)) << 8;
		break;
	case 10:	/* random 128 bits, present */
		lo = in64() | 1;
		hi = in64();
		break;
	default:
		return;
	}
	tk_old_write(ctp + (sid & 0xff) * 16, lo);
	tk_old_write(ctp + (sid & 0xff) * 16 + 8, hi);
}

/* A scalable-mode PASID entry (8 qwords at @pe). */
static void vtd_sm_pe(u64 pe, bool fl_ok)
{
	u64 q[8] = { 0 };
	u16 did = old_did();
	int k;

	switch (pick(11)) {
	case 0:
	case 1:	/* second level, 4-level */
		q[0] = tk_gen_table(did, T_SL, 4, false) | 1 | 2ULL << 2 | 2ULL << 6;
		q[1] = did;
		break;
	case 2:	/* second level after the crash path */
		q[0] = tk_gen_table(did, T_SL, 4, true) | 1 | 2ULL << 2 | 2ULL << 6;
		q[1] = did;
		break;
	case 3:	/* pass-through: 6.1 uses FLPT_DEFAULT_DID (1) */
	case 4:
		q[0] = 1 | 2ULL << 2 | 4ULL << 6;
		q[1] = pick(2) ? 1 : did;
		break;
	case 5:	/* first level, 4-level, maybe supervisor requests */
		q[0] = 1 | 1ULL << 6;
		q[1] = did;
		q[2] = tk_gen_table(did, T_FL, 4, false) | (pick(2) ? 1 : 0);
		if (!fl_ok)
			q[0] |= 2ULL << 2;
		break;
	case 6:	/* nested */
		q[0] = tk_gen_table(did, T_SL, 4, false) | 1 | 2ULL << 2 | 3ULL << 6;
		q[1] = did;
		q[2] = 0x7f000000;	/* a guest-physical first-level root */
		break;
	case 7:	/* hostile second-level root */
		q[0] = (hostile_ptr() & ~0xfffULL) | 1 | 2ULL << 2 | 2ULL << 6;
		q[1] = did;
		break;
	case 8:	/* domain id beyond CAP.ND, or reserved PGTT */
		q[0] = tk_gen_table(did, T_SL, 4, false) | 1 | 2ULL << 2 |
		       (u64)(pick(2) ? 2 : 5 + pick(3)) << 6;
		q[1] = pick(2) ? 0x100 + pick(200) : did;
		break;
	case 9:	/* random, present */
		for (k = 0; k < 8; k++)
			q[k] = in64();
		q[0] |= 1;
		break;
	default:
		return;
	}
	for (k = 0; k < 8; k++)
		tk_old_write(pe + k * 8, q[k]);
}

static void vtd_sm_ctx(u64 root, u16 sid, bool fl_ok)
{
	unsigned int devfn = sid & 0xff, half = devfn >= 128;
	u64 ctp = ctx_table(root, sid >> 8, half), ce = ctp + (devfn & 127) * 32;
	u64 dir, tbl;

	switch (pick(8)) {
	case 0:
		return;	/* not present */
	case 1:	/* PASID directory in a hostile place */
		tk_old_write(ce, (hostile_ptr() & ~0xfffULL) | 1);
		return;
	case 2:	/* a PASID table in a hostile place */
		dir = tk_old_alloc(1);
		tk_old_write(dir, (hostile_ptr() & ~0xfffULL) | 1);
		tk_old_write(ce, dir | 1);
		return;
	default:
		break;
	}
	dir = tk_old_alloc(1);
	tbl = tk_old_alloc(1);
	tk_old_write(dir, tbl | 1);
	tk_old_write(ce, dir | 1);	/* PDTS 0: 128 entries */
	vtd_sm_pe(tbl, fl_ok);				/* PASID 0 (RID_PASID) */
	if (pick(3) == 0)
		vtd_sm_pe(tbl + 5 * 64, fl_ok);		/* PASID 5 */
}

static void gen_vtd(void)
{
	struct tk_unit *u = &tk.unit[0];
	bool sm = tk.cfg.vendor == TK_VTD_SM;
	u64 root = tk_old_alloc(1), ecap = VTD_ECAP;
	int i;

	if (sm)
		ecap |= VTD_ECAP_SM | (tk.cfg.ecap_fl ? 1ULL << 47 : 0);
	u->regs[1] = VTD_CAP;
	u->regs[2] = ecap;
	for (i = 0; i < tk.ndev; i++) {
		struct tk_dev *d = &tk.dev[i];
		u16 sid = PCI_DEVID(d->bus, d->devfn);

		if (sm)
			vtd_sm_ctx(root, sid, tk.cfg.ecap_fl);
		else
			vtd_legacy_ctx(root, sid);
		if (d->quirk_alias >= 0) {
			sid = PCI_DEVID(d->bus, d->quirk_alias);
			if (sm)
				vtd_sm_ctx(root, sid, tk.cfg.ecap_fl);
			else
				vtd_legacy_ctx(root, sid);
		}
	}
	/* A hostile root entry now and then: bus 3 (behind the bridge). */
	if (pick(8) == 7)
		tk_old_write(root + 3 * 16, (hostile_ptr() & ~0xfffULL) | 1);
	/* RTADDR_REG (10.4.6): TTM 00b legacy, 01b scalable */
	*(u64 *)((u8 *)u->regs + 0x20) = root | (sm ? 1ULL << 10 : 0);
	if (pick(16) == 15)
		*(u64 *)((u8 *)u->regs + 0x20) = (hostile_ptr() & ~0xfffULL) |
						 (sm ? 1ULL << 10 : 0);
	u->enabled = 1;
	u->was_enabled = 1;
	*(u32 *)((u8 *)u->regs + 0x1c) = 1U << 31;	/* GSTS.TES */
	u->table = *(u64 *)((u8 *)u->regs + 0x20) & ~0xfffULL;
	u->sm = sm;
	tk.old_table[0] = u->table;
}

/** tk_gen_old_state() - the crashed kernel's tables and registers */
void tk_gen_old_state(void)
{
	ntc = 0;
	if (tk.cfg.vendor == TK_AMD)
		gen_amd();
	else
		gen_vtd();
}
