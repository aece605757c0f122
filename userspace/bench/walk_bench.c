// SPDX-License-Identifier: GPL-2.0
/*
 * walk_bench - the crash-path table walks over full-size synthetic tables,
 * against an atomic scan and a plain scan of the same memory.
 *
 * The walks are the kernel's own code: amd_cq_walk() from
 * drivers/iommu/amd/crash_quiesce_hw.h, vtd_cq_walk() from
 * drivers/iommu/intel/crash_quiesce_hw.h and vtd_cq_sm_walk() from
 * drivers/iommu/intel/crash_quiesce_sm_hw.h, compiled for userspace with
 * the shim headers of tests/unit/include and -O2.
 *
 *  - AMD-Vi: a 2 MiB device table, 65536 DTEs (the size Linux 6.12.118
 *    allocates on family 17h-1Ah whatever the last DeviceID), every one
 *    valid and translated (V=1 TV=1 Mode=3 IR IW), DomainIDs spread over
 *    1024 or 4096 domains.
 *  - VT-d legacy: a root table with 256 present buses x 256 present
 *    context entries (65536), 4-level (AW=2), translated, one top-level
 *    second-level table per domain (1024 or 4096 tables, 4 present
 *    entries each), domain ids = table index + 1, in two layouts:
 *    "grouped", each domain's devices adjacent (65536 / domains of them
 *    in a row), as an IOMMU group's are (the functions of a device, the
 *    devices behind a bridge without ACS, a PF's VFs), and "interleaved",
 *    device n in domain n % domains, no two neighbours in one domain:
 *    the worst case for the walk's last-entry shortcut.
 *  - VT-d scalable: 16 buses x 256 functions (4096 devices), each with
 *    its own PASID directory page (PDTS 2, entry 0 present) and PASID
 *    table (PASID 0 present: second-level, AW 2), as Linux lays them out
 *    for devices without PASID use (512 MiB for 65536 devices: hence 16
 *    buses); the same top-level tables. Figures per device.
 *
 * The deadline check is the kernel's: an ordered TSC read compared with a
 * deadline (never reached here), at the walks' own call sites. VT-d map()
 * does what crash_dma_quiesce_phys_ok() does in spirit: a page-by-page
 * check against a table of RAM ranges, then an offset into the arena (the
 * kernel's e820 and pfn_valid() lookups cost more). map() calls are
 * counted: a table mapped twice shows there.
 *
 * Baseline ("atomic scan"): the least a revoke that is safe against
 * another CPU changing the same entries can do: read every entry the walk
 * reads (AMD: the DTE's four words; VT-d legacy: root and context entries
 * and the top-level tables' entries; scalable: root entries, the four
 * qwords of each context entry, every PASID directory entry, qword 0 of
 * every PASID entry and qwords 1 and 2 of present ones, the top-level
 * tables' entries), in memory order, and clear the write permission of
 * each entry that has it with one compare-and-exchange (lock cmpxchg), as
 * the walks do; no validation, bookkeeping or deadline. Both the walk's
 * and the scan's compare-and-exchange counts are printed (the walk's
 * counted through the shim's test_cmpxchg_hook in one untimed pass after
 * the timed ones): they must be equal.
 *
 * Second baseline ("plain scan", AMD and VT-d legacy): one pass that reads
 * each entry and writes it back with the write permission cleared (a plain
 * store, no atomicity): AMD word 0 of every DTE; VT-d every root entry,
 * every context entry and every entry of every top-level table.
 *
 * Each figure is the median of ITERS timed passes, the tables restored
 * (untimed) before each; a pass runs the walk and the scans back to back,
 * and a ratio is the median of the passes' ratios, so that a change in the
 * host's speed between passes cancels out. Tables live on 2 MiB pages
 * where the host allows (as in the kernel's direct map). The number of
 * invalidation commands a crash would issue after each walk is computed
 * from the walk's outputs the way drivers/iommu/{amd,intel}/crash_quiesce.c
 * issue them (those files touch MMIO and are not compiled here):
 *  - AMD with IASup: INVALIDATE_IOMMU_ALL, INVALIDATE_IOTLB_PAGES per ATS
 *    device, COMPLETION_WAIT; without: INVALIDATE_DEVTAB_ENTRY per changed
 *    DTE, INVALIDATE_IOMMU_PAGES per DomainID, IOTLB per ATS device,
 *    COMPLETION_WAIT;
 *  - VT-d queued invalidation: global context-cache, global IOTLB,
 *    wait; register-based: CCMD, IOTLB_REG.
 *
 * Usage: walk_bench [-n ITERS] [-j FILE.json]
 * Prints the figures and writes them to FILE.json. No pass/fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "amd/crash_quiesce_hw.h"
#include "intel/crash_quiesce_hw.h"
#include "intel/crash_quiesce_sm_hw.h"

#define NR_IDS		65536
#define MAX_ITERS	1000

static int iters = 30;

/* ---------------------------------------------------------------------- */

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* The kernel's crash_dma_quiesce_expired(): rdtsc_ordered() >= deadline. */
static u64 deadline = ~0ULL;

static inline u64 rdtsc_ordered(void)
{
	_mm_lfence();
	return __rdtsc();
}

static bool amd_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	(void)ctx;
	return rdtsc_ordered() >= deadline;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The median over the passes of @a[i] / @b[i]: each pass runs the walk and
 * the scans back to back, so a change in the host's speed between passes
 * (other work on the machine) cancels out of each pass's ratio.
 */
static double median_ratio(const u64 *a, const u64 *b, int n)
{
	double r[MAX_ITERS];
	int i;

	for (i = 0; i < n; i++)
		r[i] = b[i] ? (double)a[i] / (double)b[i] : 0;
	qsort(r, n, sizeof(*r), cmp_double);
	return r[n / 2];
}

/*
 * Table memory on 2 MiB pages where the host allows it (transparent huge
 * pages, madvise): the kernel reaches the tables through its direct map,
 * which uses 2 MiB and 1 GiB pages, so that a walk hopping between
 * context, directory and top-level tables costs no TLB miss per table
 * there; on 4 KiB pages the bench would charge the walk for them.
 */
static void *xalloc(size_t size)
{
	size_t len = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	void *p = aligned_alloc(2u << 20, len);

	if (!p) {
		perror("aligned_alloc");
		exit(2);
	}
	madvise(p, len, MADV_HUGEPAGE);
	memset(p, 0, len);
	return p;
}

/* Keeps the compiler from dropping a loop whose result is otherwise unused. */
static volatile u64 sink;

/*
 * Compare-and-exchange attempts of a walk, counted through the shim's
 * test_cmpxchg_hook in one untimed pass after the timed ones.
 */
static u64 rmw_count;

static void count_rmw(u64 *p)
{
	(void)p;
	rmw_count++;
}

/* ---------------------------------------------------------------------- */
/* AMD-Vi */

struct amd_result {
	unsigned int domains;
	double walk_ns, plain_ns, atomic_ns, ratio_atomic, ratio_plain;
	u32 scanned, changed, nr_domains, nr_ats;
	u32 cmds_ia, cmds_no_ia;
	u64 walk_rmw, atomic_rmw;
};

static void amd_fill(u64 *t, unsigned int domains)
{
	u32 d;

	for (d = 0; d < NR_IDS; d++) {
		u64 *e = &t[(size_t)d * AMD_CQ_DTE_WORDS];

		/* 48882 2.2.2: V bit 0, TV bit 1, Mode 11:9, root 51:12, IR 61, IW 62 */
		e[0] = 1ULL | 2ULL | (3ULL << 9) |
		       ((0x100000ULL + (u64)(d % domains) * 4096) & 0x000ffffffffff000ULL) |
		       (1ULL << 61) | (1ULL << 62);
		e[1] = (d % domains) + 1;	/* DomainID, DTE bits 79:64 */
		e[2] = 0;
		e[3] = 0;
	}
}

static void amd_plain(u64 *t)
{
	u32 d;

	for (d = 0; d < NR_IDS; d++) {
		u64 *w0 = &t[(size_t)d * AMD_CQ_DTE_WORDS];

		WRITE_ONCE(*w0, READ_ONCE(*w0) & ~(1ULL << 62));
	}
}

static u64 amd_atomic(u64 *t)
{
	u64 acc = 0, old, rmw = 0;
	u32 d;

	for (d = 0; d < NR_IDS; d++) {
		u64 *e = &t[(size_t)d * AMD_CQ_DTE_WORDS];

		old = READ_ONCE(e[0]);
		acc += READ_ONCE(e[1]) + READ_ONCE(e[2]) + READ_ONCE(e[3]);
		if (old & (1ULL << 62)) {
			__sync_val_compare_and_swap(&e[0], old, old & ~(1ULL << 62));
			rmw++;
		}
	}
	sink += acc;
	return rmw;
}

static struct amd_result amd_bench(unsigned int domains)
{
	static u64 domains_map[AMD_CQ_BITMAP_WORDS], ats_map[AMD_CQ_BITMAP_WORDS];
	static u64 changed_map[AMD_CQ_BITMAP_WORDS];
	static struct crash_dma_quiesce_record rec;
	size_t bytes = (size_t)NR_IDS * AMD_CQ_DTE_SIZE;
	u64 *pristine = xalloc(bytes), *t = xalloc(bytes);
	u64 walk[MAX_ITERS], plain[MAX_ITERS], atomic[MAX_ITERS], t0;
	struct amd_result r = { .domains = domains };
	struct amd_cq_walk w;
	int i;

	amd_fill(pristine, domains);
	/* iters timed passes, then one untimed that counts the exchanges */
	for (i = 0; i <= iters; i++) {
		memcpy(t, pristine, bytes);
		memset(&w, 0, sizeof(w));
		w.table = t;
		w.count = NR_IDS;
		w.mode = CRASH_DMA_QUIESCE_WRITE;
		w.expired = amd_expired;
		w.changed = changed_map;
		w.domains = domains_map;
		w.ats = ats_map;
		rmw_count = 0;
		if (i == iters)
			test_cmpxchg_hook = count_rmw;
		t0 = now_ns();
		amd_cq_walk_begin(&w, &rec);
		amd_cq_walk(&w, &rec);
		if (i < iters)
			walk[i] = now_ns() - t0;
		test_cmpxchg_hook = NULL;

		memcpy(t, pristine, bytes);
		t0 = now_ns();
		amd_plain(t);
		if (i < iters)
			plain[i] = now_ns() - t0;
		sink += t[4];

		memcpy(t, pristine, bytes);
		t0 = now_ns();
		r.atomic_rmw = amd_atomic(t);
		if (i < iters)
			atomic[i] = now_ns() - t0;
		sink += t[4];
	}
	r.walk_rmw = rmw_count;
	r.ratio_atomic = median_ratio(walk, atomic, iters);
	r.ratio_plain = median_ratio(walk, plain, iters);
	r.walk_ns = (double)median(walk, iters) / NR_IDS;
	r.plain_ns = (double)median(plain, iters) / NR_IDS;
	r.atomic_ns = (double)median(atomic, iters) / NR_IDS;
	r.scanned = rec.entries_scanned;
	r.changed = rec.entries_changed;
	r.nr_domains = w.nr_domains;
	r.nr_ats = w.nr_ats;
	/* INVALIDATE_ALL (or per DTE and domain), COMPLETION_WAIT, then ATS. */
	r.cmds_ia = 1 + 1 + w.nr_ats;
	r.cmds_no_ia = rec.entries_changed + w.nr_domains + 1 + w.nr_ats;
	free(pristine);
	free(t);
	return r;
}

/* ---------------------------------------------------------------------- */
/* VT-d */

#define VTD_BASE	0x100000000ULL		/* "physical" address of the arena */
#define VTD_ROOT_PG	0
#define VTD_CTX_PG(b)	(1 + (b))		/* 256 context tables */
#define VTD_TOP_PG(d)	(257 + (d))		/* one top-level table per domain */
#define VTD_TOP_PRESENT	4
/* CAP: SAGAW 48-bit (bit 10), SLLPS 2 MiB and 1 GiB (34, 35), VT-d 10.4.2 */
#define VTD_CAP		((1ULL << 10) | (1ULL << 34) | (1ULL << 35))
/* ECAP: C (bit 0), QI (bit 1), PT (bit 6), VT-d 10.4.3 */
#define VTD_ECAP	((1ULL << 0) | (1ULL << 1) | (1ULL << 6))

struct vtd_arena {
	u64 *mem;
	size_t pages;
	/* RAM ranges map() checks each page against (an e820-like table) */
	u64 ram[8][2];
	unsigned int nr_ram;
	unsigned long maps;
};

struct vtd_result {
	unsigned int domains;
	bool grouped;
	double walk_ns, plain_ns, atomic_ns, ratio_atomic, ratio_plain;
	u32 scanned, changed, rejected, tables, nr_dids, nr_ats;
	unsigned long maps;
	u32 memo_used;
	u32 cmds_qi, cmds_reg;
	u64 walk_rmw, atomic_rmw;
};

static void *vtd_map(void *priv, u64 phys, u64 size)
{
	struct vtd_arena *a = priv;
	u64 p, end = phys + size;
	unsigned int i;
	bool ok;

	a->maps++;
	if (phys < VTD_BASE || end > VTD_BASE + a->pages * 4096 || end < phys)
		return NULL;
	for (p = phys & ~0xfffULL; p < end; p += 4096) {
		ok = false;
		for (i = 0; i < a->nr_ram; i++)
			ok |= p >= a->ram[i][0] && p + 4096 <= a->ram[i][1];
		if (!ok)
			return NULL;
	}
	return (u8 *)a->mem + (phys - VTD_BASE);
}

static bool vtd_expired(void *priv)
{
	(void)priv;
	return rdtsc_ordered() >= deadline;
}

static u64 *vtd_page(struct vtd_arena *a, size_t pg)
{
	return a->mem + pg * 512;
}

static void vtd_fill(struct vtd_arena *a, unsigned int domains, bool grouped)
{
	unsigned int bus, devfn, d, i;

	for (bus = 0; bus < 256; bus++) {
		u64 *root = vtd_page(a, VTD_ROOT_PG);
		u64 *ctx = vtd_page(a, VTD_CTX_PG(bus));

		/* VT-d 9.1: P bit 0, CTP 63:12 */
		root[2 * bus] = (VTD_BASE + VTD_CTX_PG(bus) * 4096ULL) | 1;
		root[2 * bus + 1] = 0;
		for (devfn = 0; devfn < 256; devfn++) {
			d = grouped ? (bus * 256 + devfn) / (NR_IDS / domains) :
				      (bus * 256 + devfn) % domains;
			/* VT-d 9.3: lo P bit 0, TT 3:2 = 0, SLPTPTR 63:12 */
			ctx[2 * devfn] = (VTD_BASE + VTD_TOP_PG(d) * 4096ULL) | 1;
			/* hi: AW 2:0 = 2 (4-level), DID 23:8 */
			ctx[2 * devfn + 1] = 2 | ((u64)(d + 1) << 8);
		}
	}
	for (d = 0; d < domains; d++) {
		u64 *top = vtd_page(a, VTD_TOP_PG(d));

		/* VT-d 9.8: R bit 0, W bit 1, address 51:12 (below 2^39 here) */
		for (i = 0; i < VTD_TOP_PRESENT; i++)
			top[i] = (0x200000000ULL + ((u64)d * VTD_TOP_PRESENT + i) * 4096) | 3;
	}
}

static void vtd_plain(struct vtd_arena *a, unsigned int domains)
{
	u64 *root = vtd_page(a, VTD_ROOT_PG);
	unsigned int bus, devfn, d, i;
	u64 acc = 0;

	for (bus = 0; bus < 256; bus++) {
		u64 *ctx = vtd_page(a, VTD_CTX_PG(bus));

		acc += READ_ONCE(root[2 * bus]);
		for (devfn = 0; devfn < 256; devfn++) {
			acc += READ_ONCE(ctx[2 * devfn + 1]);
			WRITE_ONCE(ctx[2 * devfn], READ_ONCE(ctx[2 * devfn]));
		}
	}
	for (d = 0; d < domains; d++) {
		u64 *top = vtd_page(a, VTD_TOP_PG(d));

		for (i = 0; i < 512; i++)
			WRITE_ONCE(top[i], READ_ONCE(top[i]) & ~2ULL);
	}
	sink += acc;
}

static u64 vtd_atomic(struct vtd_arena *a, unsigned int domains)
{
	u64 *root = vtd_page(a, VTD_ROOT_PG);
	unsigned int bus, devfn, d, i;
	u64 acc = 0, old, rmw = 0;

	for (bus = 0; bus < 256; bus++) {
		u64 *ctx = vtd_page(a, VTD_CTX_PG(bus));

		acc += READ_ONCE(root[2 * bus]) + READ_ONCE(root[2 * bus + 1]);
		for (devfn = 0; devfn < 256; devfn++)
			acc += READ_ONCE(ctx[2 * devfn]) + READ_ONCE(ctx[2 * devfn + 1]);
	}
	for (d = 0; d < domains; d++) {
		u64 *top = vtd_page(a, VTD_TOP_PG(d));

		for (i = 0; i < 512; i++) {
			old = READ_ONCE(top[i]);
			if (old & 2ULL) {
				__sync_val_compare_and_swap(&top[i], old, old & ~2ULL);
				rmw++;
			}
		}
	}
	sink += acc;
	return rmw;
}

static struct vtd_result vtd_bench(unsigned int domains, bool grouped)
{
	static u64 ats[NR_IDS / 64], dids[NR_IDS / 64], memo[VTD_CQ_MEMO_SLOTS];
	static u64 changed[NR_IDS / 64], ctx_cache[VTD_CQ_CTX_CACHE_SLOTS][2];
	static struct crash_dma_quiesce_record rec;
	struct vtd_arena a = { 0 };
	struct vtd_result r = { .domains = domains, .grouped = grouped };
	u64 walk[MAX_ITERS], plain[MAX_ITERS], atomic[MAX_ITERS], t0;
	struct vtd_cq_walk_ops ops = {
		.map = vtd_map, .expired = vtd_expired, .flush = NULL, .priv = &a,
	};
	struct vtd_cq_walk w;
	size_t bytes;
	u64 *pristine;
	int i;

	a.pages = VTD_TOP_PG(domains);
	bytes = a.pages * 4096;
	a.mem = xalloc(bytes);
	pristine = xalloc(bytes);
	/* A few RAM ranges, the arena inside the last one. */
	a.ram[0][0] = 0x1000;      a.ram[0][1] = 0x9f000;
	a.ram[1][0] = 0x100000;    a.ram[1][1] = 0x7fee0000;
	a.ram[2][0] = VTD_BASE;    a.ram[2][1] = VTD_BASE + bytes;
	a.nr_ram = 3;
	{
		struct vtd_arena tmp = a;

		tmp.mem = pristine;
		vtd_fill(&tmp, domains, grouped);
	}
	/* iters timed passes, then one untimed that counts the exchanges */
	for (i = 0; i <= iters; i++) {
		memcpy(a.mem, pristine, bytes);
		memset(&w, 0, sizeof(w));
		memset(&rec, 0, sizeof(rec));
		memset(ats, 0, sizeof(ats));
		memset(dids, 0, sizeof(dids));
		memset(changed, 0, sizeof(changed));
		memset(memo, 0, sizeof(memo));
		w.root_phys = VTD_BASE + VTD_ROOT_PG * 4096;
		w.cap = VTD_CAP;
		w.ecap = VTD_ECAP;
		w.haw = 39;
		w.mode = CRASH_DMA_QUIESCE_WRITE;
		w.changed = changed;
		w.ats = ats;
		w.dids = dids;
		w.memo = memo;
		w.memo_size = VTD_CQ_MEMO_SLOTS;
		w.ctx_cache = ctx_cache;
		w.ctx_cache_mask = VTD_CQ_CTX_CACHE_SLOTS - 1;
		a.maps = 0;
		rmw_count = 0;
		if (i == iters)
			test_cmpxchg_hook = count_rmw;
		t0 = now_ns();
		vtd_cq_walk(&w, &ops, &rec);
		if (i < iters)
			walk[i] = now_ns() - t0;
		test_cmpxchg_hook = NULL;

		memcpy(a.mem, pristine, bytes);
		t0 = now_ns();
		vtd_plain(&a, domains);
		if (i < iters)
			plain[i] = now_ns() - t0;

		memcpy(a.mem, pristine, bytes);
		t0 = now_ns();
		r.atomic_rmw = vtd_atomic(&a, domains);
		if (i < iters)
			atomic[i] = now_ns() - t0;
	}
	r.walk_rmw = rmw_count;
	r.ratio_atomic = median_ratio(walk, atomic, iters);
	r.ratio_plain = median_ratio(walk, plain, iters);
	r.walk_ns = (double)median(walk, iters) / NR_IDS;
	r.plain_ns = (double)median(plain, iters) / NR_IDS;
	r.atomic_ns = (double)median(atomic, iters) / NR_IDS;
	r.scanned = rec.entries_scanned;
	r.changed = rec.entries_changed;
	r.rejected = rec.entries_rejected;
	r.tables = rec.tables_changed;
	r.nr_dids = w.nr_dids;
	r.nr_ats = w.nr_ats;
	r.maps = a.maps;
	r.memo_used = w.memo_used;
	/* Context-cache, IOTLB, wait: no device-TLB descriptor any more. */
	r.cmds_qi = 2 + 1;
	r.cmds_reg = 2;
	free(a.mem);
	free(pristine);
	return r;
}

/* ---------------------------------------------------------------------- */
/*
 * VT-d scalable mode: SM_BUSES buses x 256 functions, as Linux 6.1/6.12
 * lay them out for devices without PASID use: per device a PASID
 * directory page (PDTS 2: 512 entries, entry 0 present) and a PASID table
 * page (64 entries, PASID 0, the RID_PASID, present: second-level, AW 2,
 * the domain's top-level table, DID = domain + 1); one top-level
 * second-level table per domain (4 present entries R/W).
 */
#define SM_BUSES	16
#define SM_DEVS		(SM_BUSES * 256)
#define SM_ROOT_PG	0
#define SM_CTX_PG(b, h)	(1 + 2 * (b) + (h))
#define SM_DIR_PG(dv)	(1 + 2 * SM_BUSES + 2 * (dv))
#define SM_PT_PG(dv)	(SM_DIR_PG(dv) + 1)
#define SM_TOP_PG(d)	(1 + 2 * SM_BUSES + 2 * SM_DEVS + (d))
/* ECAP: C, QI, PT, PASID (40), SMTS (43), SLTS (46), VT-d 10.4.3 */
#define SM_ECAP		((1ULL << 0) | (1ULL << 1) | (1ULL << 6) | (1ULL << 40) | \
			 (1ULL << 43) | (1ULL << 46))

static void sm_fill(struct vtd_arena *a, unsigned int domains)
{
	u64 *root = vtd_page(a, SM_ROOT_PG);
	unsigned int bus, half, i, dv, d;

	for (bus = 0; bus < SM_BUSES; bus++) {
		for (half = 0; half < 2; half++) {
			u64 *ctx = vtd_page(a, SM_CTX_PG(bus, half));

			/* VT-d 9.2: LP/UP bit 0, LCTP/UCTP 63:12 */
			root[2 * bus + half] = (VTD_BASE + SM_CTX_PG(bus, half) * 4096ULL) | 1;
			for (i = 0; i < 128; i++) {
				dv = bus * 256 + half * 128 + i;
				/* VT-d 9.4: P bit 0, PDTS 11:9 = 2, PASIDDIRPTR 63:12 */
				ctx[4 * i] = (VTD_BASE + SM_DIR_PG(dv) * 4096ULL) | (2ULL << 9) | 1;
			}
		}
	}
	for (dv = 0; dv < SM_DEVS; dv++) {
		u64 *pt = vtd_page(a, SM_PT_PG(dv));

		d = dv % domains;
		/* VT-d 9.5: P bit 0, SMPTBLPTR 63:12 */
		vtd_page(a, SM_DIR_PG(dv))[0] = (VTD_BASE + SM_PT_PG(dv) * 4096ULL) | 1;
		/* VT-d 9.6: P, AW 4:2 = 2, PGTT 8:6 = 010b, SLPTPTR; DID */
		pt[0] = (VTD_BASE + SM_TOP_PG(d) * 4096ULL) | (2ULL << 6) | (2ULL << 2) | 1;
		pt[1] = d + 1;
	}
	for (d = 0; d < domains; d++) {
		u64 *top = vtd_page(a, SM_TOP_PG(d));

		for (i = 0; i < VTD_TOP_PRESENT; i++)
			top[i] = (0x200000000ULL + ((u64)d * VTD_TOP_PRESENT + i) * 4096) | 3;
	}
}

/*
 * The atomic scan of the same memory: every root entry half, context
 * entry (4 qwords), PASID directory entry and PASID entry (qword 0, and
 * qwords 1 and 2 of a present one), as the walk reads them; every entry of
 * every top-level table, with a compare-and-exchange per entry that has W.
 */
static u64 sm_atomic(struct vtd_arena *a, unsigned int domains)
{
	u64 *root = vtd_page(a, SM_ROOT_PG);
	unsigned int bus, i, dv, d;
	u64 acc = 0, old, rmw = 0;

	for (bus = 0; bus < SM_BUSES; bus++) {
		acc += READ_ONCE(root[2 * bus]) + READ_ONCE(root[2 * bus + 1]);
		for (i = 0; i < 2 * 128; i++) {
			u64 *ce = vtd_page(a, SM_CTX_PG(bus, i / 128)) + 4 * (i % 128);

			acc += READ_ONCE(ce[0]) + READ_ONCE(ce[1]) + READ_ONCE(ce[2]) +
			       READ_ONCE(ce[3]);
		}
	}
	for (dv = 0; dv < SM_DEVS; dv++) {
		u64 *dir = vtd_page(a, SM_DIR_PG(dv)), *pt = vtd_page(a, SM_PT_PG(dv));

		for (i = 0; i < 512; i++)
			acc += READ_ONCE(dir[i]);
		for (i = 0; i < 64; i++) {
			old = READ_ONCE(pt[8 * i]);
			acc += old;
			if (old & 1)
				acc += READ_ONCE(pt[8 * i + 1]) + READ_ONCE(pt[8 * i + 2]);
		}
	}
	for (d = 0; d < domains; d++) {
		u64 *top = vtd_page(a, SM_TOP_PG(d));

		for (i = 0; i < 512; i++) {
			old = READ_ONCE(top[i]);
			if (old & 2ULL) {
				__sync_val_compare_and_swap(&top[i], old, old & ~2ULL);
				rmw++;
			}
		}
	}
	sink += acc;
	return rmw;
}

struct sm_result {
	unsigned int domains;
	double walk_ns, atomic_ns, ratio_atomic;
	u32 scanned, changed, rejected, tables, nr_dids;
	u32 pasid, pasid_changed;
	unsigned long maps;
	u64 walk_rmw, atomic_rmw;
	u32 memo_used;
};

static struct sm_result sm_bench(unsigned int domains)
{
	static u64 dids[NR_IDS / 64], memo[VTD_CQ_MEMO_SLOTS], changed[NR_IDS / 64];
	static u64 ats[NR_IDS / 64], pairs[4096];
	static struct crash_dma_quiesce_record rec;
	struct sm_result r = { .domains = domains };
	struct vtd_arena a = { 0 };
	u64 walk[MAX_ITERS], atomic[MAX_ITERS], t0;
	struct vtd_cq_walk_ops ops = {
		.map = vtd_map, .expired = vtd_expired, .flush = NULL, .priv = &a,
	};
	struct vtd_cq_walk w;
	struct vtd_cq_sm sm;
	size_t bytes;
	u64 *pristine;
	int i;

	a.pages = SM_TOP_PG(domains);
	bytes = a.pages * 4096;
	a.mem = xalloc(bytes);
	pristine = xalloc(bytes);
	a.ram[0][0] = 0x1000;      a.ram[0][1] = 0x9f000;
	a.ram[1][0] = 0x100000;    a.ram[1][1] = 0x7fee0000;
	a.ram[2][0] = VTD_BASE;    a.ram[2][1] = VTD_BASE + bytes;
	a.nr_ram = 3;
	{
		struct vtd_arena tmp = a;

		tmp.mem = pristine;
		sm_fill(&tmp, domains);
	}
	/* iters timed passes, then one untimed that counts the exchanges */
	for (i = 0; i <= iters; i++) {
		memcpy(a.mem, pristine, bytes);
		memset(&w, 0, sizeof(w));
		memset(&sm, 0, sizeof(sm));
		memset(&rec, 0, sizeof(rec));
		memset(ats, 0, sizeof(ats));
		memset(dids, 0, sizeof(dids));
		memset(changed, 0, sizeof(changed));
		memset(memo, 0, sizeof(memo));
		w.root_phys = VTD_BASE + SM_ROOT_PG * 4096;
		w.cap = VTD_CAP;
		w.ecap = SM_ECAP;
		w.haw = 39;
		w.mode = CRASH_DMA_QUIESCE_WRITE;
		w.changed = changed;
		w.ats = ats;
		w.dids = dids;
		w.memo = memo;
		w.memo_size = VTD_CQ_MEMO_SLOTS;
		sm.pairs = pairs;
		sm.pairs_size = 4096;
		a.maps = 0;
		rmw_count = 0;
		if (i == iters)
			test_cmpxchg_hook = count_rmw;
		t0 = now_ns();
		vtd_cq_sm_walk(&w, &sm, &ops, &rec);
		if (i < iters)
			walk[i] = now_ns() - t0;
		test_cmpxchg_hook = NULL;

		memcpy(a.mem, pristine, bytes);
		t0 = now_ns();
		r.atomic_rmw = sm_atomic(&a, domains);
		if (i < iters)
			atomic[i] = now_ns() - t0;
	}
	r.ratio_atomic = median_ratio(walk, atomic, iters);
	r.walk_ns = (double)median(walk, iters) / SM_DEVS;
	r.atomic_ns = (double)median(atomic, iters) / SM_DEVS;
	r.scanned = rec.entries_scanned;
	r.changed = rec.entries_changed;
	r.rejected = rec.entries_rejected;
	r.tables = rec.tables_changed;
	r.nr_dids = w.nr_dids;
	r.pasid = sm.nr_pasid;
	r.pasid_changed = sm.nr_pasid_changed;
	r.maps = a.maps;
	r.walk_rmw = rmw_count;
	r.memo_used = w.memo_used;
	free(a.mem);
	free(pristine);
	return r;
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const unsigned int doms[] = { 1024, 4096 };
	struct amd_result ar[2];
	struct vtd_result vr[4];
	struct sm_result sr[2];
	const char *json = NULL;
	FILE *f;
	int c, i;

	while ((c = getopt(argc, argv, "n:j:")) != -1) {
		switch (c) {
		case 'n':
			iters = atoi(optarg);
			if (iters < 1 || iters > MAX_ITERS) {
				fprintf(stderr, "walk_bench: -n 1..%d\n", MAX_ITERS);
				return 2;
			}
			break;
		case 'j':
			json = optarg;
			break;
		default:
			fprintf(stderr, "usage: walk_bench [-n ITERS] [-j FILE.json]\n");
			return 2;
		}
	}

	printf("walk_bench: the kernel's crash-path walks (-O2) against an atomic scan of the "
	       "same memory (every entry read, a compare-and-exchange per entry the walk must "
	       "change) and a plain scan (read and write back); median of %d passes, "
	       "ratio: the median of the passes' ratios (walk and scans back to back)\n", iters);
	for (i = 0; i < 2; i++) {
		ar[i] = amd_bench(doms[i]);
		printf("AMD-Vi 2 MiB device table (%d DTEs), %4u domains: walk %5.2f ns/DTE, "
		       "atomic scan %5.2f ns/DTE, ratio %4.2f (plain scan %4.2f ns/DTE, ratio %5.2f); "
		       "compare-and-exchange walk %llu, scan %llu; changed %u/%u, domains %u, "
		       "ATS %u; commands: %u with IASup (INVALIDATE_ALL), %u without (per-DTE + "
		       "per-domain)\n",
		       NR_IDS, ar[i].domains, ar[i].walk_ns, ar[i].atomic_ns,
		       ar[i].ratio_atomic, ar[i].plain_ns,
		       ar[i].ratio_plain,
		       (unsigned long long)ar[i].walk_rmw, (unsigned long long)ar[i].atomic_rmw,
		       ar[i].changed, ar[i].scanned, ar[i].nr_domains, ar[i].nr_ats,
		       ar[i].cmds_ia, ar[i].cmds_no_ia);
	}
	for (i = 0; i < 4; i++) {
		vr[i] = vtd_bench(doms[i % 2], i < 2);
		printf("VT-d legacy, 256 buses x 256 functions, %4u domains %-11s: walk %5.2f ns/entry, "
		       "atomic scan %5.2f ns/entry, ratio %4.2f (plain scan %5.2f ns/entry, ratio "
		       "%5.2f); compare-and-exchange walk %llu, scan %llu; changed %u/%u, tables %u, "
		       "domains %u, table maps %lu (root + context + top-level: %u), memo %u/%d "
		       "slots; commands: %u queued, %u register-based\n",
		       vr[i].domains, vr[i].grouped ? "grouped" : "interleaved",
		       vr[i].walk_ns, vr[i].atomic_ns,
		       vr[i].ratio_atomic, vr[i].plain_ns,
		       vr[i].ratio_plain,
		       (unsigned long long)vr[i].walk_rmw, (unsigned long long)vr[i].atomic_rmw,
		       vr[i].changed, vr[i].scanned, vr[i].tables, vr[i].nr_dids, vr[i].maps,
		       1 + 256 + vr[i].domains, vr[i].memo_used, VTD_CQ_MEMO_SLOTS,
		       vr[i].cmds_qi, vr[i].cmds_reg);
	}
	for (i = 0; i < 2; i++) {
		sr[i] = sm_bench(doms[i]);
		printf("VT-d scalable, %d buses x 256 functions (PASID directory and table each), "
		       "%4u domains: walk %6.2f ns/device, atomic scan %6.2f ns/device, ratio %4.2f; "
		       "compare-and-exchange walk %llu, scan %llu; changed %u/%u, PASID entries %u "
		       "(changed %u), tables %u, domains %u, table maps %lu (root + context + "
		       "directory + PASID table + top-level: %u), memo %u/%d slots\n",
		       SM_BUSES, sr[i].domains, sr[i].walk_ns, sr[i].atomic_ns,
		       sr[i].ratio_atomic,
		       (unsigned long long)sr[i].walk_rmw, (unsigned long long)sr[i].atomic_rmw,
		       sr[i].changed, sr[i].scanned, sr[i].pasid, sr[i].pasid_changed,
		       sr[i].tables, sr[i].nr_dids, sr[i].maps,
		       1 + 2 * SM_BUSES + 2 * SM_DEVS + sr[i].domains, sr[i].memo_used,
		       VTD_CQ_MEMO_SLOTS);
	}
	if (!json)
		return 0;
	f = fopen(json, "w");
	if (!f) {
		fprintf(stderr, "walk_bench: %s: %s\n", json, strerror(errno));
		return 2;
	}
	fprintf(f, "{\n  \"iters\": %d,\n  \"entries\": %d,\n  \"amd\": [\n", iters, NR_IDS);
	for (i = 0; i < 2; i++)
		fprintf(f, "    {\"dtes\": %d, \"domains\": %u, \"walk_ns_per_entry\": %.3f, "
			"\"atomic_ns_per_entry\": %.3f, \"ratio_atomic\": %.3f, "
			"\"plain_ns_per_entry\": %.3f, \"ratio\": %.3f, "
			"\"walk_cmpxchg\": %llu, \"atomic_cmpxchg\": %llu, \"entries_changed\": %u, "
			"\"domain_ids\": %u, \"ats\": %u, \"commands_with_iasup\": %u, "
			"\"commands_without_iasup\": %u}%s\n",
			NR_IDS, ar[i].domains, ar[i].walk_ns, ar[i].atomic_ns,
			ar[i].ratio_atomic, ar[i].plain_ns,
			ar[i].ratio_plain,
			(unsigned long long)ar[i].walk_rmw, (unsigned long long)ar[i].atomic_rmw,
			ar[i].changed, ar[i].nr_domains, ar[i].nr_ats, ar[i].cmds_ia,
			ar[i].cmds_no_ia, i ? "" : ",");
	fprintf(f, "  ],\n  \"intel\": [\n");
	for (i = 0; i < 4; i++)
		fprintf(f, "    {\"domains\": %u, \"layout\": \"%s\", \"walk_ns_per_entry\": %.3f, "
			"\"atomic_ns_per_entry\": %.3f, \"ratio_atomic\": %.3f, "
			"\"plain_ns_per_entry\": %.3f, \"ratio\": %.3f, "
			"\"walk_cmpxchg\": %llu, \"atomic_cmpxchg\": %llu, \"entries_changed\": %u, "
			"\"tables_changed\": %u, \"domain_ids\": %u, \"map_calls\": %lu, "
			"\"map_calls_minimum\": %u, \"memo_used\": %u, \"memo_slots\": %d, "
			"\"commands_queued\": %u, \"commands_register\": %u}%s\n",
			vr[i].domains, vr[i].grouped ? "grouped" : "interleaved",
			vr[i].walk_ns, vr[i].atomic_ns,
			vr[i].ratio_atomic, vr[i].plain_ns,
			vr[i].ratio_plain,
			(unsigned long long)vr[i].walk_rmw, (unsigned long long)vr[i].atomic_rmw,
			vr[i].changed, vr[i].tables, vr[i].nr_dids, vr[i].maps,
			1 + 256 + vr[i].domains, vr[i].memo_used, VTD_CQ_MEMO_SLOTS,
			vr[i].cmds_qi, vr[i].cmds_reg, i == 3 ? "" : ",");
	fprintf(f, "  ],\n  \"intel_scalable\": [\n");
	for (i = 0; i < 2; i++)
		fprintf(f, "    {\"devices\": %d, \"domains\": %u, \"walk_ns_per_device\": %.3f, "
			"\"atomic_ns_per_device\": %.3f, \"ratio_atomic\": %.3f, "
			"\"walk_cmpxchg\": %llu, \"atomic_cmpxchg\": %llu, \"entries_changed\": %u, "
			"\"pasid_entries\": %u, \"tables_changed\": %u, \"domain_ids\": %u, "
			"\"map_calls\": %lu, \"map_calls_minimum\": %u, \"memo_used\": %u}%s\n",
			SM_DEVS, sr[i].domains, sr[i].walk_ns, sr[i].atomic_ns,
			sr[i].ratio_atomic,
			(unsigned long long)sr[i].walk_rmw, (unsigned long long)sr[i].atomic_rmw,
			sr[i].changed, sr[i].pasid, sr[i].tables, sr[i].nr_dids, sr[i].maps,
			1 + 2 * SM_BUSES + 2 * SM_DEVS + sr[i].domains, sr[i].memo_used,
			i ? "" : ",");
	fprintf(f, "  ]\n}\n");
	fclose(f);
	return 0;
}
