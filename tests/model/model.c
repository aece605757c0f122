// SPDX-License-Identifier: GPL-2.0
/*
 * The machine around the modelled IOMMUs: physical memory, the clock, the
 * MMIO dispatch and the kernel functions the crash-path sources call
 * (declared in include/model_kernel.h). See model.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "model.h"
#include "model_kernel.h"
#include "../oracle/oracle.h"

u64 model_now = 1000000;	/* any non-zero start */
unsigned int model_dma_errors, model_mmio_errors, model_clflushes;
unsigned int model_console_lines, model_log_lines;
unsigned int model_cpus = 1;
/* A capture kernel is loaded; crash_kexec_post_notifiers is not set. */
int model_kexec_crash_loaded = 1;
bool crash_kexec_post_notifiers;
int model_alloc_fail_after = -1;
int model_verbose;

/* ---------------------------------------------------------------- memory */

static u8 ram[MODEL_RAM_SIZE] __attribute__((aligned(4096)));
static u64 ram_next = MODEL_RAM_BASE;

/* Kernel objects given an address by virt_to_phys(), 8 bytes each. */
#define KIMG_SLOTS 64
static const volatile void *kimg[KIMG_SLOTS];

unsigned long max_pfn = (MODEL_RAM_BASE + MODEL_RAM_SIZE) >> 12;
unsigned long long max_possible_pfn = (MODEL_RAM_BASE + MODEL_RAM_SIZE) >> 12;
struct resource crashk_res = {
	.start = MODEL_CRASHK_BASE,
	.end = MODEL_CRASHK_BASE + MODEL_CRASHK_SIZE - 1,
};
struct resource crashk_low_res;
/* Direct-map state of each RAM page: MODEL_PTE_* (0: unmapped). */
static pte_t ram_pte[MODEL_RAM_SIZE / 4096];
static bool ram_pte_init;
unsigned int tsc_khz = MODEL_TSC_KHZ;
struct cpuinfo_x86 boot_cpu_data = { .x86_phys_bits = 46 };
struct rw_semaphore dmar_global_lock;

u64 model_alloc_page(void)
{
	u64 p = ram_next;

	if (p + 4096 > MODEL_CRASHK_BASE) {
		fprintf(stderr, "model: out of RAM\n");
		abort();
	}
	ram_next += 4096;
	memset(ram + (p - MODEL_RAM_BASE), 0, 4096);
	return p;
}

/* Pages of the crashkernel region a scenario or the model accessed. */
static bool crashk_used[MODEL_CRASHK_SIZE / 4096];

void *model_mem(u64 phys, u64 len)
{
	u64 i;

	if (phys >= MODEL_RAM_BASE && len <= MODEL_RAM_SIZE &&
	    phys - MODEL_RAM_BASE <= MODEL_RAM_SIZE - len) {
		for (i = phys & ~0xfffULL; i < phys + len; i += 4096)
			if (i >= MODEL_CRASHK_BASE)
				crashk_used[(i - MODEL_CRASHK_BASE) / 4096] = true;
		return ram + (phys - MODEL_RAM_BASE);
	}
	if (phys < MODEL_KIMG_BASE || len > 8)
		return NULL;
	i = (phys - MODEL_KIMG_BASE) / 8;
	if (i >= KIMG_SLOTS || !kimg[i] || (phys % 8) + len > 8)
		return NULL;
	return (u8 *)kimg[i] + phys % 8;
}

u64 model_rd64(u64 phys)
{
	u64 v, *p = model_mem(phys, 8);

	if (!p)
		abort();
	memcpy(&v, p, 8);
	return v;
}

void model_wr64(u64 phys, u64 val)
{
	u64 *p = model_mem(phys, 8);

	if (!p)
		abort();
	memcpy(p, &val, 8);
}

bool model_dma_store(u64 phys, u64 val, unsigned int len)
{
	void *p = model_mem(phys, len);

	if (!p) {
		model_dma_errors++;
		return false;
	}
	memcpy(p, &val, len);
	return true;
}

u64 virt_to_phys(const volatile void *addr)
{
	const volatile u8 *a = addr;
	unsigned int i;

	if (a >= ram && a < ram + MODEL_RAM_SIZE)
		return MODEL_RAM_BASE + (u64)(a - ram);
	/* Kernel static data (unit->wait_slot): one 8-byte slot per object. */
	for (i = 0; i < KIMG_SLOTS; i++) {
		if (kimg[i] == addr)
			break;
		if (!kimg[i]) {
			kimg[i] = addr;
			break;
		}
	}
	if (i == KIMG_SLOTS)
		abort();
	return MODEL_KIMG_BASE + 8ULL * i;
}

void *phys_to_virt(u64 phys)
{
	void *p = model_mem(phys, 1);

	if (!p)
		abort();	/* the code must check phys_ok() first */
	return p;
}

bool pfn_valid(unsigned long pfn)
{
	return pfn >= (MODEL_RAM_BASE >> 12) && pfn < max_pfn;
}

bool e820__mapped_any(u64 start, u64 end, int type)
{
	return type == E820_TYPE_RAM && start < MODEL_RAM_BASE + MODEL_RAM_SIZE &&
	       end > MODEL_RAM_BASE;
}

/*
 * The crash path's only callers: the VT-d identity and empty tables
 * (get_zeroed_page()) and the core's changed bitmaps (__get_free_pages()),
 * all at boot. The oracles know them by these roles.
 */
unsigned long get_zeroed_page(int gfp)
{
	u64 p = model_alloc_page();

	(void)gfp;
	model_page_role(p, OR_CQ_TABLE);
	return (unsigned long)(uintptr_t)phys_to_virt(p);
}

unsigned long __get_free_pages(int gfp, unsigned int order)
{
	u64 p, i;

	(void)gfp;
	if (model_alloc_fail_after >= 0 && !model_alloc_fail_after--)
		return 0;
	p = model_alloc_page();
	/* model_alloc_page() hands out consecutive pages. */
	for (i = 1; i < (1ULL << order); i++)
		model_alloc_page();
	for (i = 0; i < (1ULL << order); i++)
		model_page_role(p + 4096 * i, OR_CQ_RECORD);
	return (unsigned long)(uintptr_t)phys_to_virt(p);
}

static void ram_pte_setup(void)
{
	unsigned int i;

	if (ram_pte_init)
		return;
	for (i = 0; i < MODEL_RAM_SIZE / 4096; i++)
		ram_pte[i].flags = MODEL_PTE_PRESENT | MODEL_PTE_RW;
	ram_pte_init = true;
}

void model_unmap_page(u64 phys, bool readonly)
{
	u64 i = (phys - MODEL_RAM_BASE) / 4096;

	ram_pte_setup();
	if (phys < MODEL_RAM_BASE || i >= MODEL_RAM_SIZE / 4096)
		abort();
	ram_pte[i].flags = readonly ? MODEL_PTE_PRESENT : 0;
	/* An access through the hole faults, as it would in the kernel. */
	if (mprotect(ram + i * 4096, 4096, readonly ? PROT_READ : PROT_NONE))
		abort();
}

pte_t *lookup_address(unsigned long address, unsigned int *level)
{
	const u8 *a = (const u8 *)(uintptr_t)address;

	ram_pte_setup();
	*level = 1;
	if (a < ram || a >= ram + MODEL_RAM_SIZE)
		return NULL;
	return &ram_pte[(a - ram) / 4096];
}

unsigned int num_online_cpus(void)
{
	return model_cpus;
}

void free_page(unsigned long addr)
{
	(void)addr;
}

void clflush_cache_range(void *addr, unsigned int size)
{
	(void)addr;
	(void)size;
	model_clflushes++;
}

/* ----------------------------------------------------------------- clock */

#define MAX_WINDOWS 24
static struct {
	const struct model_mmio_ops *ops;
	void *hw;
	u8 *base;
	u32 size;
} win[MAX_WINDOWS];
static unsigned int nr_win;

void model_advance(u64 cycles)
{
	unsigned int i;

	model_now += cycles;
	for (i = 0; i < nr_win; i++)
		if (win[i].ops->tick)
			win[i].ops->tick(win[i].hw);
}

u64 rdtsc_ordered(void)
{
	model_advance(MODEL_TSC_CYCLES);
	return model_now;
}

void cpu_relax(void)
{
	model_advance(MODEL_RELAX_CYCLES);
}

/* ------------------------------------------------------------------ MMIO */

void __iomem *model_mmio_map(const struct model_mmio_ops *ops, void *hw,
			     u32 size, u64 *phys)
{
	if (nr_win == MAX_WINDOWS)
		abort();
	win[nr_win].ops = ops;
	win[nr_win].hw = hw;
	/* Never dereferenced: an address range for the dispatch only. */
	win[nr_win].base = calloc(1, size);
	win[nr_win].size = size;
	if (!win[nr_win].base)
		abort();
	*phys = 0xfed00000ULL + 0x10000ULL * nr_win;
	return win[nr_win++].base;
}

/* Find the window of @addr; the access must be naturally aligned. */
static int mmio_find(const volatile void *addr, unsigned int size, u32 *off)
{
	const volatile u8 *a = addr;
	unsigned int i;

	for (i = 0; i < nr_win; i++) {
		if (a < win[i].base || a >= win[i].base + win[i].size)
			continue;
		*off = (u32)(a - win[i].base);
		if (*off % size || *off + size > win[i].size)
			break;
		return (int)i;
	}
	model_mmio_errors++;
	return -1;
}

static u64 mmio_read(const volatile void *addr, unsigned int size)
{
	u32 off;
	int i;

	model_advance(MODEL_MMIO_CYCLES);
	i = mmio_find(addr, size, &off);
	return i < 0 ? ~0ULL : win[i].ops->read(win[i].hw, off, size);
}

static void mmio_write(volatile void *addr, u64 val, unsigned int size)
{
	u32 off;
	int i;

	model_advance(MODEL_MMIO_CYCLES);
	i = mmio_find(addr, size, &off);
	if (i >= 0)
		win[i].ops->write(win[i].hw, off, val, size);
}

u32 readl(const volatile void __iomem *addr) { return (u32)mmio_read(addr, 4); }
u64 readq(const volatile void __iomem *addr) { return mmio_read(addr, 8); }
void writel(u32 val, volatile void __iomem *addr) { mmio_write(addr, val, 4); }
void writeq(u64 val, volatile void __iomem *addr) { mmio_write(addr, val, 8); }

/* ------------------------------------------------------ initcalls, params */

static int (*initcalls[8])(void);
static unsigned int nr_initcalls;
static struct {
	const char *name;
	int (*fn)(char *);
} params[8];
static unsigned int nr_params;

void model_add_initcall(int (*fn)(void))
{
	if (nr_initcalls == ARRAY_SIZE(initcalls))
		abort();
	initcalls[nr_initcalls++] = fn;
}

void model_add_param(const char *name, int (*fn)(char *))
{
	if (nr_params == ARRAY_SIZE(params))
		abort();
	params[nr_params].name = name;
	params[nr_params++].fn = fn;
}

void model_run_initcalls(void)
{
	unsigned int i;

	for (i = 0; i < nr_initcalls; i++)
		initcalls[i]();
}

int model_set_param(const char *name, const char *value)
{
	char buf[64];
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", value);
	for (i = 0; i < nr_params; i++)
		if (!strcmp(params[i].name, name))
			return params[i].fn(buf);
	return -ENOENT;
}

void model_printk_deferred(const char *fmt, ...)
{
	va_list ap;

	model_log_lines++;
	if (!model_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "  [%llu] (log buffer) ", model_now);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void model_printk(const char *fmt, ...)
{
	va_list ap;

	model_console_lines++;
	if (!model_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "  [%llu] ", model_now);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ oracles */

#define NPAGES		(MODEL_RAM_SIZE / 4096)
#define MAX_IOMMUS	24

static const char *scenario;

/* Model RAM before the pass, after it, and before the scenario's first pass. */
static u8 snap_before[MODEL_RAM_SIZE] __attribute__((aligned(4096)));
static u8 snap_after[MODEL_RAM_SIZE] __attribute__((aligned(4096)));
static u8 snap_first[MODEL_RAM_SIZE] __attribute__((aligned(4096)));
static bool have_first;
/* Roles: declared by the scenario / the allocators, derived before a pass. */
static u32 role_decl[NPAGES], role_derived[NPAGES];
/* Bit i: the page is one of IOMMU i's (derived). */
static u32 page_owner[NPAGES];

static struct {
	const struct model_iommu_ops *ops;
	void *hw;
	u64 mmio_phys;
	const u32 *table_reads;
	u32 reads_before;
	u64 read_at;	/* model time of its last table-pointer read */
} iommus[MAX_IOMMUS];
static unsigned int nr_iommus;

/* The pass in progress (model_crash(), model_early()). */
static bool pass_active;
static u64 expired_at;		/* first deadline expiry in the pass (0: none) */
bool model_early_queue_short;
#define MAX_DRIVER_WRITES 16
static u64 driver_writes[MAX_DRIVER_WRITES];
static unsigned int nr_driver_writes;

void model_iommu_add(const struct model_iommu_ops *ops, void *hw,
		     u64 mmio_phys, const u32 *table_reads)
{
	if (nr_iommus == MAX_IOMMUS)
		abort();
	iommus[nr_iommus].ops = ops;
	iommus[nr_iommus].hw = hw;
	iommus[nr_iommus].mmio_phys = mmio_phys;
	iommus[nr_iommus].table_reads = table_reads;
	nr_iommus++;
}

static bool in_ram(u64 phys)
{
	return phys >= MODEL_RAM_BASE && phys - MODEL_RAM_BASE < MODEL_RAM_SIZE;
}

void model_page_role(u64 phys, u32 roles)
{
	if (!in_ram(phys))
		abort();
	role_decl[(phys - MODEL_RAM_BASE) / 4096] |= roles;
}

/*
 * The crash path's deadline checks (the vendors' calls, linked with
 * --wrap=crash_dma_quiesce_expired): when a deadline first expired in
 * the pass, the early pass's completeness claims end there.
 */
bool __real_crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx);
bool __wrap_crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx);
bool __wrap_crash_dma_quiesce_expired(const struct crash_dma_quiesce_ctx *ctx)
{
	bool r = __real_crash_dma_quiesce_expired(ctx);

	if (r && pass_active && !expired_at)
		expired_at = model_now;
	return r;
}

void model_driver_store(u64 *p, u64 val)
{
	u64 phys = virt_to_phys(p);

	*p = val;
	if (!pass_active)
		return;
	if (!in_ram(phys) || nr_driver_writes == MAX_DRIVER_WRITES)
		abort();
	/* The crash path's changes are judged against what the driver wrote. */
	memcpy(snap_before + (phys - MODEL_RAM_BASE), &val, 8);
	driver_writes[nr_driver_writes++] = phys;
	printf("# %s: the scenario's driver stored %#llx at %#llx during the pass "
	       "(exempt from the write-set check)\n", scenario, val, phys);
}

static bool raced(void *priv, uint64_t phys)
{
	unsigned int i;

	(void)priv;
	for (i = 0; i < nr_driver_writes; i++)
		if (driver_writes[i] / 32 == phys / 32)
			return true;
	return false;
}

/*
 * Pages the oracles copy and compare: those handed out so far and those
 * of the crashkernel region a scenario put something in. The others are
 * zero, and the write-set check reads them in place: they must stay so.
 */
static bool page_in_use(unsigned int i)
{
	u64 phys = MODEL_RAM_BASE + i * 4096ULL;

	return phys < ram_next || (phys >= MODEL_CRASHK_BASE &&
				   crashk_used[(phys - MODEL_CRASHK_BASE) / 4096]);
}

/* Copy model RAM, pages taken out of the direct map included. */
static void ram_copy(u8 *dst)
{
	unsigned int i;

	ram_pte_setup();
	for (i = 0; i < NPAGES; i++) {
		if (!page_in_use(i))
			continue;
		bool hole = !(ram_pte[i].flags & MODEL_PTE_PRESENT);

		if (hole && mprotect(ram + i * 4096ULL, 4096, PROT_READ))
			abort();
		memcpy(dst + i * 4096ULL, ram + i * 4096ULL, 4096);
		if (hole && mprotect(ram + i * 4096ULL, 4096, PROT_NONE))
			abort();
	}
}

static const uint64_t *view_page(u8 *snap, uint64_t phys)
{
	return in_ram(phys) ? (const uint64_t *)(snap + (phys - MODEL_RAM_BASE)) : NULL;
}

static const uint64_t *page_before(void *priv, uint64_t phys)
{
	(void)priv;
	return view_page(snap_before, phys);
}

static const uint64_t *page_after(void *priv, uint64_t phys)
{
	(void)priv;
	return view_page(snap_after, phys);
}

static const uint64_t *page_first(void *priv, uint64_t phys)
{
	(void)priv;
	return view_page(snap_first, phys);
}

static bool in_res(const struct resource *res, u64 phys)
{
	return res->end > res->start && phys + 4095 >= res->start && phys <= res->end;
}

/*
 * What the crash path may use, from the model's own memory map: RAM,
 * mapped present and writable in the direct map, outside both crashkernel
 * regions.
 */
static bool page_usable(void *priv, uint64_t phys)
{
	(void)priv;
	ram_pte_setup();
	if (!in_ram(phys) || phys >= (u64)max_pfn << 12)
		return false;
	if (in_res(&crashk_res, phys) || in_res(&crashk_low_res, phys))
		return false;
	return (ram_pte[(phys - MODEL_RAM_BASE) / 4096].flags &
		(MODEL_PTE_PRESENT | MODEL_PTE_RW)) == (MODEL_PTE_PRESENT | MODEL_PTE_RW);
}

static const struct oracle_mem mem_before = { page_before, page_usable, NULL };
static const struct oracle_mem mem_after = { page_after, page_usable, NULL };
static const struct oracle_mem mem_first = { page_first, page_usable, NULL };

static void add_role(void *priv, uint64_t phys, uint32_t role)
{
	unsigned int k = (unsigned int)(uintptr_t)priv;

	if (!in_ram(phys))
		return;
	role_derived[(phys - MODEL_RAM_BASE) / 4096] |= role;
	page_owner[(phys - MODEL_RAM_BASE) / 4096] |= 1u << k;
}

static uint32_t roles_of(void *priv, uint64_t phys)
{
	(void)priv;
	if (!in_ram(phys))
		return 0;
	return role_decl[(phys - MODEL_RAM_BASE) / 4096] |
	       role_derived[(phys - MODEL_RAM_BASE) / 4096];
}

static void pass_begin(void)
{
	unsigned int k;

	ram_copy(snap_before);
	if (!have_first) {
		/* Pages handed out later are zero in both. */
		for (k = 0; k < NPAGES; k++)
			if (page_in_use(k))
				memcpy(snap_first + k * 4096ULL, snap_before + k * 4096ULL, 4096);
		have_first = true;
	}
	memset(role_derived, 0, sizeof(role_derived));
	memset(page_owner, 0, sizeof(page_owner));
	for (k = 0; k < nr_iommus; k++) {
		iommus[k].ops->roles(iommus[k].hw, &mem_before, add_role,
				     (void *)(uintptr_t)k);
		iommus[k].reads_before = *iommus[k].table_reads;
	}
	expired_at = 0;
	nr_driver_writes = 0;
	pass_active = true;
}

/*
 * One check row: "<scenario>-<check>", with @detail appended when it
 * fails, so that the case's FAIL line names the violation.
 */
static void oracle_check(const char *check, bool ok, const char *detail)
{
	/* check.h keeps 200 characters of the first failed check's line. */
	char name[150];

	if (ok || !detail || !detail[0]) {
		snprintf(name, sizeof(name), "%s-%s", scenario, check);
	} else {
		printf("# %s-%s: %s\n", scenario, check, detail);
		snprintf(name, sizeof(name), "%s-%s (%s)", scenario, check, detail);
	}
	CHECK(name, ok);
}

static const struct crash_dma_quiesce_record *record_of(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < crash_dma_quiesce_info.nr_records; i++)
		if (crash_dma_quiesce_info.records[i].mmio_phys == iommus[k].mmio_phys)
			return &crash_dma_quiesce_info.records[i];
	return NULL;
}

/*
 * Did the pass change a page of IOMMU @k's (its tables, command buffer or
 * queue) that no other IOMMU in @handled also owns?
 */
static bool touched(unsigned int k, u32 handled, u64 *where)
{
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		if (!(page_owner[i] & (1u << k)) || (page_owner[i] & handled & ~(1u << k)))
			continue;
		/* Its tables, its command buffer or queue, its completion range. */
		if (!(role_derived[i] & (OR_STRUCTURE | OR_AMD_CWWB | OR_AMD_CMDBUF |
					 OR_VTD_IQ)))
			continue;
		if (memcmp(snap_before + i * 4096ULL, snap_after + i * 4096ULL, 4096)) {
			*where = MODEL_RAM_BASE + i * 4096ULL;
			return true;
		}
	}
	return false;
}

static void write_set(const char *kind, enum oracle_mode mode)
{
	static const u8 zero[4096];
	struct oracle_ws ws = { mode, roles_of, NULL };
	struct oracle_result r = { 0 };
	char check[64];
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		if (page_in_use(i))
			oracle_write_page(&ws, MODEL_RAM_BASE + i * 4096ULL,
					  (const uint64_t *)(snap_before + i * 4096ULL),
					  (const uint64_t *)(snap_after + i * 4096ULL), &r);
		/* Not handed out: zero before, and must stay so. */
		else
			oracle_write_page(&ws, MODEL_RAM_BASE + i * 4096ULL,
					  (const uint64_t *)zero,
					  (const uint64_t *)(ram + i * 4096ULL), &r);
	}
	snprintf(check, sizeof(check), "%s-write-set", kind);
	oracle_check(check, !r.bad, r.first);
}

static enum oracle_mode oracle_mode_of(int mode)
{
	return mode == CRASH_DMA_QUIESCE_ALL ? ORACLE_ALL : ORACLE_WRITE;
}

/* Completeness of IOMMU @k; @strict: the record says DONE. */
static void complete(const char *kind, unsigned int k, enum oracle_mode mode,
		     bool strict)
{
	struct oracle_result r = { 0 };
	char check[64], detail[300];

	iommus[k].ops->complete(iommus[k].hw, &mem_after, mode, raced, &r);
	snprintf(check, sizeof(check), "%s-complete-%u", kind, k);
	if (strict && !r.bad && r.excused)
		snprintf(detail, sizeof(detail), "record says done, yet %s",
			 r.first_excused);
	else
		snprintf(detail, sizeof(detail), "%s", r.first);
	oracle_check(check, strict ? !r.bad && !r.excused : !r.bad, detail);
}

static void untouched(const char *kind, unsigned int k, u32 handled,
		      const char *why)
{
	char check[64], detail[160];
	u64 where = 0;
	bool t = touched(k, handled, &where);

	snprintf(check, sizeof(check), "%s-untouched-%u", kind, k);
	snprintf(detail, sizeof(detail), "%s, yet its table page %#llx changed",
		 why, where);
	oracle_check(check, !t, detail);
}

/* entries_blocked (record version 4) of IOMMU @k after the stop. */
static void blocked(unsigned int k, const struct crash_dma_quiesce_record *rec)
{
	unsigned int n = iommus[k].ops->blocked(iommus[k].hw, &mem_first, &mem_after);
	char check[64], detail[160];

	snprintf(check, sizeof(check), "late-entries-blocked-%u", k);
#if CRASH_DMA_QUIESCE_VERSION >= 4
	snprintf(detail, sizeof(detail), "record %u, %u devices now refuse reads",
		 rec->entries_blocked, n);
	if (iommus[k].ops->snp(iommus[k].hw))
		oracle_check(check, rec->entries_blocked >= n, detail);
	else
		oracle_check(check, rec->entries_blocked == n, detail);
#else
	(void)rec;
	if (!n)
		return;
	snprintf(detail, sizeof(detail),
		 "%u devices now refuse reads: record version %u has no entries_blocked",
		 n, CRASH_DMA_QUIESCE_VERSION);
	oracle_check(check, false, detail);
#endif
}

static void pass_end_late(void)
{
	enum oracle_mode mode = oracle_mode_of(crash_dma_quiesce_info.mode);
	const struct crash_dma_quiesce_record *rec;
	u32 handled = 0;
	unsigned int k;

	pass_active = false;
	ram_copy(snap_after);
	write_set("late", mode);
	for (k = 0; k < nr_iommus; k++) {
		rec = record_of(k);
		if (rec && (rec->state == CRASH_DMA_QUIESCE_DONE ||
			    rec->state == CRASH_DMA_QUIESCE_PARTIAL ||
			    rec->state == CRASH_DMA_QUIESCE_TIMEOUT))
			handled |= 1u << k;
	}
	if (crash_dma_quiesce_info.mode != CRASH_DMA_QUIESCE_WRITE &&
	    crash_dma_quiesce_info.mode != CRASH_DMA_QUIESCE_ALL)
		return;
	for (k = 0; k < nr_iommus; k++) {
		rec = record_of(k);
		if (!rec) {
			untouched("late", k, handled, "no record");
			continue;
		}
		switch (rec->state) {
		case CRASH_DMA_QUIESCE_DONE:
			complete("late", k, mode, true);
			break;
		case CRASH_DMA_QUIESCE_PARTIAL:
			complete("late", k, mode, false);
			break;
		case CRASH_DMA_QUIESCE_TIMEOUT:
			printf("# %s: IOMMU %u timed out after the stop: no completeness claim\n",
			       scenario, k);
			break;
		default:
			untouched("late", k, handled, "the record says it was not handled");
			break;
		}
		if (mode == ORACLE_WRITE)
			blocked(k, rec);
	}
}

static void pass_end_early(void)
{
	enum oracle_mode mode = oracle_mode_of(crash_dma_quiesce_mode());
	u32 handled = 0;
	unsigned int k;

	pass_active = false;
	ram_copy(snap_after);
	write_set("early", mode);
	/*
	 * The early pass exports no record: an IOMMU whose table pointer
	 * register it read is one it ran the vendor routine on (read_root()
	 * comes first), one it did not read is one it left alone.
	 */
	for (k = 0; k < nr_iommus; k++)
		if (*iommus[k].table_reads != iommus[k].reads_before)
			handled |= 1u << k;
	for (k = 0; k < nr_iommus; k++) {
		if (!(handled & (1u << k))) {
			untouched("early", k, handled, "the early pass left it alone");
			continue;
		}
		/* A deadline that expired may have cut a walk short. */
		if (expired_at) {
			printf("# %s: a deadline expired in the early pass: no completeness claim for IOMMU %u\n",
			       scenario, k);
			continue;
		}
		/*
		 * The scenario gave the early pass fewer queue slots than the
		 * invalidations its entries need: it may leave entries to the
		 * pass after the stop, whose completeness is checked.
		 */
		if (model_early_queue_short) {
			printf("# %s: the early pass's queue is short by design: no completeness claim for IOMMU %u\n",
			       scenario, k);
			continue;
		}
		complete("early", k, mode, false);
	}
}

struct model_pass model_crash(void)
{
	struct model_pass p;

	pass_begin();
	p.t0 = model_now;
	p.console_lines = model_console_lines;
	p.log_lines = model_log_lines;
	crash_dma_quiesce();
	p.elapsed = model_now - p.t0;
	p.console_lines = model_console_lines - p.console_lines;
	p.log_lines = model_log_lines - p.log_lines;
	p.budget = (u64)crash_dma_quiesce_info.budget_us * MODEL_TSC_KHZ / 1000;
	if (model_verbose)
		fprintf(stderr, "  pass: %llu cycles, budget %llu, overshoot %lld\n",
			p.elapsed, p.budget, (long long)(p.elapsed - p.budget));
	pass_end_late();
	return p;
}

u64 model_early(void)
{
	u64 t0;

	pass_begin();
	t0 = model_now;
	crash_dma_quiesce_early();
	t0 = model_now - t0;
	pass_end_early();
	return t0;
}

/* -------------------------------------------------------------- running */

const char *model_name(const char *check)
{
	static char buf[160];

	snprintf(buf, sizeof(buf), "%s-%s", scenario, check);
	return buf;
}

/*
 * MODEL_ONLY="name ..." runs only the scenarios named (a trailing '*'
 * matches a prefix); unset: every scenario.
 */
static bool model_selected(const char *name)
{
	const char *only = getenv("MODEL_ONLY"), *p, *e;
	size_t n;

	if (!only)
		return true;
	for (p = only; *p; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e && *e != ' '; e++)
			;
		n = (size_t)(e - p);
		if (!n)
			break;
		if (p[n - 1] == '*' ? !strncmp(name, p, n - 1) :
		    strlen(name) == n && !strncmp(name, p, n))
			return true;
	}
	return false;
}

void model_scenario(const char *name, void (*fn)(void))
{
	struct check_case c;
	int status;
	pid_t pid;

	if (!model_selected(name))
		return;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork failed\n", name);
		return;
	}
	if (!pid) {
		model_verbose = getenv("MODEL_VERBOSE") != NULL;
		scenario = name;
		if (model_verbose)
			fprintf(stderr, "== %s\n", name);
		c = case_begin();
		fn();
		case_end(name, c);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		printf("FAIL %s: scenario died (status %#x)\n", name, status);
}
