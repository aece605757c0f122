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

void *model_mem(u64 phys, u64 len)
{
	u64 i;

	if (phys >= MODEL_RAM_BASE && len <= MODEL_RAM_SIZE &&
	    phys - MODEL_RAM_BASE <= MODEL_RAM_SIZE - len)
		return ram + (phys - MODEL_RAM_BASE);
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

unsigned long get_zeroed_page(int gfp)
{
	(void)gfp;
	return (unsigned long)(uintptr_t)phys_to_virt(model_alloc_page());
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

/* -------------------------------------------------------------- running */

struct model_pass model_crash(void)
{
	struct model_pass p;

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
	return p;
}

static const char *scenario;

const char *model_name(const char *check)
{
	static char buf[160];

	snprintf(buf, sizeof(buf), "%s-%s", scenario, check);
	return buf;
}

void model_scenario(const char *name, void (*fn)(void))
{
	struct check_case c;
	int status;
	pid_t pid;

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
