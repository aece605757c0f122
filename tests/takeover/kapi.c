// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's physical memory and the kernel API of tk_kernel.h
 * that is not about PCI or IOMMUs: page allocation in the crashkernel
 * region, memremap() of old RAM, the log, locks, work items, initcalls
 * and early parameters, bitmaps, the ELF core header.
 *
 * Memory: the crashed kernel's RAM is two ranges (TK_OLD1, TK_OLD2), the
 * capture kernel's the crashkernel region (TK_CK). Once the generator has
 * written the old tables, old RAM is made read-only: any store into it,
 * by the code under test or by the model of Linux 6.1, is a SIGSEGV that
 * the run reports as "old memory written". Capture-kernel pages that are
 * not allocated hold a poison pattern that every table format reads as a
 * present, writable entry pointing into the crashkernel region: a walk
 * that strays into them is seen to reach capture-kernel memory.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim.h"

/*
 * Poison of unallocated capture-kernel memory: bits 1:0 set (AMD PR and
 * a V=1, TV=1 DTE; VT-d R/W, P), next level 0 (an AMD leaf), address
 * TK_CK_START, bits 62:61 (AMD IW, IR).
 */
#define TK_POISON	(0x6000000000000003ULL | TK_CK_START)
/* Old RAM that holds no table: not present in every format. */
#define TK_OLD_FILL	0x5a5a5a5a5a5a5a58ULL

static u8 *old1, *old2, *ck;
static u8 ck_used[TK_CK_SIZE / PAGE_SIZE];
static u64 old_next;
static int old_protected;

struct cpuinfo_x86 boot_cpu_data = { .x86_phys_bits = TK_PHYS_BITS };
u64 elfcorehdr_addr;
struct bus_type pci_bus_type = { .name = "pci" };

static u8 *map(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void fill(u8 *p, u64 size, u64 v)
{
	u64 *q = (u64 *)p, i;

	for (i = 0; i < size / 8; i++)
		q[i] = v;
}

/**
 * tk_mem_init() - fresh memory for one run
 *
 * Old RAM gets the filler, capture-kernel RAM the poison; the ELF core
 * header (in capture-kernel memory, as kexec puts it) lists both old
 * ranges.
 */
void tk_mem_init(void)
{
	struct elf64_hdr *eh;
	struct elf64_phdr *ph;

	if (!old1) {
		old1 = map(TK_OLD1_SIZE);
		old2 = map(TK_OLD2_SIZE);
		ck = map(TK_CK_SIZE);
	}
	if (old_protected) {
		mprotect(old1, TK_OLD1_SIZE, PROT_READ | PROT_WRITE);
		mprotect(old2, TK_OLD2_SIZE, PROT_READ | PROT_WRITE);
		old_protected = 0;
	}
	fill(old1, TK_OLD1_SIZE, TK_OLD_FILL);
	fill(old2, TK_OLD2_SIZE, TK_OLD_FILL);
	fill(ck, TK_CK_SIZE, TK_POISON);
	memset(ck_used, 0, sizeof(ck_used));
	old_next = TK_OLD1_START;
	eh = (void *)__get_free_pages(__GFP_ZERO, 0);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph = (void *)(eh + 1);
	ph[0].p_type = PT_LOAD;
	ph[0].p_paddr = TK_OLD1_START;
	ph[0].p_memsz = TK_OLD1_SIZE;
	ph[1].p_type = PT_LOAD;
	ph[1].p_paddr = TK_OLD2_START;
	ph[1].p_memsz = TK_OLD2_SIZE;
	elfcorehdr_addr = virt_to_phys(eh);
}

/** tk_mem_protect_old() - from now on old RAM is read-only */
void tk_mem_protect_old(void)
{
	mprotect(old1, TK_OLD1_SIZE, PROT_READ);
	mprotect(old2, TK_OLD2_SIZE, PROT_READ);
	old_protected = 1;
}

/** tk_mem_fini() - end of a run: old RAM writable again for the next */
void tk_mem_fini(void)
{
	if (old_protected) {
		mprotect(old1, TK_OLD1_SIZE, PROT_READ | PROT_WRITE);
		mprotect(old2, TK_OLD2_SIZE, PROT_READ | PROT_WRITE);
		old_protected = 0;
	}
}

/* The host pointer of model physical memory [pa, pa + len), or NULL. */
static u8 *host(u64 pa, u64 len)
{
	if (pa + len < pa)
		return NULL;
	if (pa >= TK_OLD1_START && pa + len <= TK_OLD1_START + TK_OLD1_SIZE)
		return old1 + (pa - TK_OLD1_START);
	if (pa >= TK_OLD2_START && pa + len <= TK_OLD2_START + TK_OLD2_SIZE)
		return old2 + (pa - TK_OLD2_START);
	if (pa >= TK_CK_START && pa + len <= TK_CK_START + TK_CK_SIZE)
		return ck + (pa - TK_CK_START);
	return NULL;
}

/** tk_host_in_old() - does a host address lie in the model's old RAM? */
bool tk_host_in_old(const void *p)
{
	const u8 *q = p;

	return (q >= old1 && q < old1 + TK_OLD1_SIZE) ||
	       (q >= old2 && q < old2 + TK_OLD2_SIZE);
}

bool tk_phys_ok(u64 pa, u64 len)
{
	return host(pa, len) != NULL;
}

u64 *tk_phys64(u64 pa)
{
	return (pa & 7) ? NULL : (u64 *)host(pa, 8);
}

bool tk_in_ck(u64 pa)
{
	return pa >= TK_CK_START && pa < TK_CK_START + TK_CK_SIZE;
}

bool tk_in_old(u64 pa)
{
	return (pa >= TK_OLD1_START && pa < TK_OLD1_START + TK_OLD1_SIZE) ||
	       (pa >= TK_OLD2_START && pa < TK_OLD2_START + TK_OLD2_SIZE);
}

bool tk_ck_allocated(u64 pa)
{
	return tk_in_ck(pa) && ck_used[(pa - TK_CK_START) / PAGE_SIZE];
}

/** tk_old_alloc() - the generator's pages of old RAM (zeroed) */
u64 tk_old_alloc(unsigned int pages)
{
	u64 pa = old_next;

	if (old_next + (u64)pages * PAGE_SIZE > TK_OLD1_START + TK_OLD1_SIZE)
		return 0;
	old_next += (u64)pages * PAGE_SIZE;
	memset(host(pa, (u64)pages * PAGE_SIZE), 0, (u64)pages * PAGE_SIZE);
	return pa;
}

void tk_old_write(u64 pa, u64 v)
{
	u64 *p = tk_phys64(pa);

	if (p && tk_in_old(pa) && !old_protected)
		*p = v;
}

unsigned long __get_free_pages(int gfp, unsigned int order)
{
	unsigned int n = 1U << order, i, j;

	for (i = 0; i + n <= ARRAY_SIZE(ck_used); i += n) {
		for (j = 0; j < n && !ck_used[i + j]; j++)
			;
		if (j < n)
			continue;
		memset(ck_used + i, 1, n);
		if (gfp & __GFP_ZERO)
			memset(ck + (u64)i * PAGE_SIZE, 0, (u64)n * PAGE_SIZE);
		return (unsigned long)(ck + (u64)i * PAGE_SIZE);
	}
	return 0;
}

void free_pages(unsigned long addr, unsigned int order)
{
	u64 pa;

	if (!addr)
		return;
	pa = virt_to_phys((void *)addr);
	memset(ck_used + (pa - TK_CK_START) / PAGE_SIZE, 0, 1U << order);
	fill((u8 *)addr, PAGE_SIZE << order, TK_POISON);
}

void *alloc_pgtable_page(int node)
{
	return (void *)__get_free_pages(__GFP_ZERO, 0);
}

void free_pgtable_page(void *p)
{
	free_pages((unsigned long)p, 0);
}

u64 virt_to_phys(const volatile void *p)
{
	const u8 *q = (const u8 *)p;

	if (q >= ck && q < ck + TK_CK_SIZE)
		return TK_CK_START + (u64)(q - ck);
	if (q >= old1 && q < old1 + TK_OLD1_SIZE)
		return TK_OLD1_START + (u64)(q - old1);
	if (q >= old2 && q < old2 + TK_OLD2_SIZE)
		return TK_OLD2_START + (u64)(q - old2);
	fprintf(stderr, "model: virt_to_phys() of memory that is not a page\n");
	abort();
}

void *phys_to_virt(u64 phys)
{
	return host(phys, 1);
}

void *memremap(u64 phys, size_t size, unsigned long flags)
{
	return host(phys, size);
}

void memunmap(void *p)
{
}

void *ioremap_encrypted(u64 phys, size_t size)
{
	return host(phys, size);
}

void *tk_kmalloc(size_t n, int zero)
{
	void *p = malloc(n ? n : 1);

	if (p && zero)
		memset(p, 0, n);
	return p;
}

void kfree(const void *p)
{
	free((void *)p);
}

/* Log */
void tk_printk(const char *fmt, ...)
{
	va_list ap;

	if (!tk.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "  [%3d] ", tk.step);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

/* Locks: one thread; a lock taken twice is a deadlock. */
void tk_lock(int *held, const char *what)
{
	if (*held) {
		snprintf(tk.oops_what, sizeof(tk.oops_what),
			 "deadlock: a %s taken while held", what);
		tk.oops = 1;
		return;
	}
	*held = 1;
}

void tk_unlock(int *held, const char *what)
{
	*held = 0;
}

/* Work items: queued, run by tk_run_work() between the model's steps. */
#define TK_MAX_WORK 16
static struct work_struct *workq[TK_MAX_WORK];
static int nwork;

bool schedule_work(struct work_struct *w)
{
	if (w->pending)
		return false;
	if (nwork == TK_MAX_WORK) {
		tk.oops = 1;
		snprintf(tk.oops_what, sizeof(tk.oops_what), "work queue full");
		return false;
	}
	w->pending = 1;
	workq[nwork++] = w;
	return true;
}

static void run_one(int i)
{
	struct work_struct *w = workq[i];

	memmove(workq + i, workq + i + 1, sizeof(*workq) * (nwork - i - 1));
	nwork--;
	w->pending = 0;
	w->func(w);
}

bool flush_work(struct work_struct *w)
{
	int i;

	for (i = 0; i < nwork; i++) {
		if (workq[i] == w) {
			run_one(i);
			return true;
		}
	}
	return false;
}

/** tk_run_work() - run every queued work item (and what they queue) */
void tk_run_work(void)
{
	int guard = 0;

	while (nwork && guard++ < 1000 && !tk.oops)
		run_one(0);
}

void tk_work_reset(void)
{
	nwork = 0;
}

/* Initcalls and early parameters of the code under test. */
static int (*initcalls[8])(void);
static int ninitcalls;
static struct {
	const char *name;
	int (*fn)(char *);
} params[8];
static int nparams;

void tk_add_initcall(int (*fn)(void))
{
	if (ninitcalls < (int)ARRAY_SIZE(initcalls))
		initcalls[ninitcalls++] = fn;
}

void tk_add_param(const char *name, int (*fn)(char *))
{
	if (nparams < (int)ARRAY_SIZE(params)) {
		params[nparams].name = name;
		params[nparams++].fn = fn;
	}
}

void tk_run_initcalls(void)
{
	int i;

	for (i = 0; i < ninitcalls; i++)
		initcalls[i]();
}

int tk_set_param(const char *name, const char *val)
{
	char buf[32];
	int i;

	snprintf(buf, sizeof(buf), "%s", val);
	for (i = 0; i < nparams; i++)
		if (!strcmp(params[i].name, name))
			return params[i].fn(buf);
	return -ENOENT;
}

ktime_t ktime_get(void)
{
	return (ktime_t)tk.step * 1000000;
}

bool is_kdump_kernel(void)
{
	return true;
}

/* The capture kernel's own RAM: the crashkernel region. */
bool e820__mapped_any(u64 start, u64 end, int type)
{
	if (type != E820_TYPE_RAM)
		return false;
	return start < TK_CK_START + TK_CK_SIZE && end > TK_CK_START;
}



void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *, const void *), void *swap)
{

	qsort(base, num, size, cmp);
}

/* Bitmaps */
unsigned long find_next_bit(const unsigned long *a, unsigned long size,
			    unsigned long from)
{
	for (; from < size; from++)
		if (test_bit(from, a))
			return from;
	return size;
}

unsigned long find_first_zero_bit(const unsigned long *a, unsigned long size)
{
	unsigned long i;

	for (i = 0; i < size; i++)
		if (!test_bit(i, a))
			return i;
	return size;
}

unsigned long *bitmap_zalloc(unsigned int nbits, int gfp)
{
	return calloc(BITS_TO_LONGS(nbits), sizeof(unsigned long));
}

void bitmap_free(const unsigned long *b)
{
	free((void *)b);
}

/* xarray */
void xa_init(struct xarray *xa)
{
	memset(xa, 0, sizeof(*xa));
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	unsigned int i;

	for (i = 0; i < xa->n; i++)
		if (xa->idx[i] == index)
			return xa->ptr[i];
	return NULL;
}

void *xa_store(struct xarray *xa, unsigned long index, void *p, int gfp)
{
	unsigned int i;

	for (i = 0; i < xa->n; i++) {
		if (xa->idx[i] == index) {
			xa->ptr[i] = p;
			return NULL;
		}
	}
	if (xa->n == xa->cap) {
		xa->cap = xa->cap ? 2 * xa->cap : 16;
		xa->idx = realloc(xa->idx, xa->cap * sizeof(*xa->idx));
		xa->ptr = realloc(xa->ptr, xa->cap * sizeof(*xa->ptr));
	}
	xa->idx[xa->n] = index;
	xa->ptr[xa->n++] = p;
	return NULL;
}

void xa_destroy(struct xarray *xa)
{
	free(xa->idx);
	free(xa->ptr);
	memset(xa, 0, sizeof(*xa));
}
