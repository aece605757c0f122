/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API used by kernel/crash_dma_quiesce.c and the two vendor
 * crash-path files, as the model provides it (tests/model/README.md). The
 * shim headers under linux/ and asm/ all include this one file. MMIO,
 * memory, the TSC and the page allocator are answered by the model
 * (tests/model/model.c); everything else is a no-op or libc.
 */
#ifndef _MODEL_KERNEL_H
#define _MODEL_KERNEL_H
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/compiler.h>
/* cmpxchg64() with the tests' hook (tests/unit/include/linux/atomic.h). */
#include "../../unit/include/linux/atomic.h"

#define __init
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SZ_4K			0x1000
#define SZ_1G			0x40000000
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PHYS_PFN(x)		((unsigned long)((x) >> PAGE_SHIFT))
#define DIV_ROUND_UP_ULL(x, d)	(((unsigned long long)(x) + (d) - 1) / (d))
#define GFP_KERNEL		0
#define __GFP_ZERO		0
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define UINT_MAX		(~0U)

static inline u64 div_u64(u64 a, u32 b) { return a / b; }
static inline unsigned long __ffs64(u64 w) { return __builtin_ctzll(w); }

/* <asm/barrier.h>: the model runs on one thread; keep compiler order. */
#define mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_store_release(p, v) \
	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/*
 * <linux/init.h>: initcalls and early parameters register themselves at
 * program start; model_run_initcalls() / model_set_param() run them.
 */
void model_add_initcall(int (*fn)(void));
void model_add_param(const char *name, int (*fn)(char *));
#define late_initcall(fn) \
	static void __attribute__((constructor)) model_ic_##fn(void) \
	{ model_add_initcall(fn); }
#define early_param(str, fn) \
	static void __attribute__((constructor)) model_ep_##fn(void) \
	{ model_add_param(str, fn); }

/*
 * <linux/printk.h>: to stderr when MODEL_VERBOSE is set. printk_deferred()
 * only stores into the log buffer (model_log_lines); every other level
 * would also reach the consoles (model_console_lines).
 */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
extern unsigned int model_console_lines, model_log_lines;
void model_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void model_printk_deferred(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
#define pr_emerg(fmt, ...)	model_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	model_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	model_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define printk_deferred(fmt, ...) model_printk_deferred(fmt, ##__VA_ARGS__)

/* <linux/io.h>: every access goes to the model's register files. */
u32 readl(const volatile void __iomem *addr);
u64 readq(const volatile void __iomem *addr);
void writel(u32 val, volatile void __iomem *addr);
void writeq(u64 val, volatile void __iomem *addr);

/* <linux/mm.h>, <linux/gfp.h>: model physical memory. */
u64 virt_to_phys(const volatile void *addr);
void *phys_to_virt(u64 phys);
bool pfn_valid(unsigned long pfn);
extern unsigned long max_pfn;
extern unsigned long long max_possible_pfn;
unsigned long get_zeroed_page(int gfp);
void free_page(unsigned long addr);
unsigned long __get_free_pages(int gfp, unsigned int order);
static inline unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/*
 * <asm/pgtable_types.h>: the direct map. lookup_address() answers from the
 * model's per-page map state (model_unmap_page()).
 */
typedef struct {
	u64 flags;
} pte_t;
#define MODEL_PTE_PRESENT	1ULL
#define MODEL_PTE_RW		2ULL
pte_t *lookup_address(unsigned long address, unsigned int *level);
static inline bool pte_present(pte_t pte) { return pte.flags & MODEL_PTE_PRESENT; }
static inline bool pte_write(pte_t pte) { return pte.flags & MODEL_PTE_RW; }

/* <linux/cpumask.h> */
unsigned int num_online_cpus(void);

/* <linux/atomic.h>: one thread. */
typedef struct {
	int counter;
} atomic_t;
#define ATOMIC_INIT(i)		{ (i) }
#define atomic_inc(v)		((void)((v)->counter++))
#define atomic_read(v)		((v)->counter)
#define atomic_set(v, i)	((void)((v)->counter = (i)))
static inline int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	int cur = v->counter;

	if (cur == old)
		v->counter = new;
	return cur;
}
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* <linux/bitops.h> */
#define hweight64(w)	((unsigned int)__builtin_popcountll(w))

/*
 * <linux/spinlock.h>: one thread. A scenario sets @locked to model a
 * driver lock another CPU holds; the code under test only trylocks.
 */
typedef struct {
	int locked;
} raw_spinlock_t;
static inline int raw_spin_trylock(raw_spinlock_t *l)
{
	if (l->locked)
		return 0;
	l->locked = 1;
	return 1;
}
static inline void raw_spin_unlock(raw_spinlock_t *l)
{
	l->locked = 0;
}

/* <linux/irqflags.h>: one CPU, nothing interrupts. */
#define local_irq_save(f)	((void)((f) = 0))
#define local_irq_restore(f)	((void)(f))

/* <linux/kexec.h>, <linux/panic.h>: set by scenarios (model.c). */
extern bool crash_kexec_post_notifiers;
extern int model_kexec_crash_loaded;
static inline int kexec_crash_loaded(void)
{
	return model_kexec_crash_loaded;
}

/* <linux/mem_encrypt.h>: no SME in the model. */
#define __sme_clr(x)	(x)
#define __sme_set(x)	(x)

/* <asm/tsc.h>, <asm/processor.h>: the model clock. */
extern unsigned int tsc_khz;
u64 rdtsc_ordered(void);
void cpu_relax(void);
struct cpuinfo_x86 {
	u8 x86_phys_bits;
};
extern struct cpuinfo_x86 boot_cpu_data;

/* <asm/cacheflush.h> */
void clflush_cache_range(void *addr, unsigned int size);

/* <linux/kexec.h>, <asm/e820/api.h> */
struct resource {
	u64 start;
	u64 end;
};
extern struct resource crashk_res, crashk_low_res;
#define E820_TYPE_RAM 1
bool e820__mapped_any(u64 start, u64 end, int type);

/* <linux/crash_core.h>: nothing to export in the model. */
#define VMCOREINFO_SYMBOL(name)		((void)&(name))
#define VMCOREINFO_NUMBER(name)		((void)(name))
#define VMCOREINFO_STRUCT_SIZE(name)	((void)sizeof(struct name))
#define VMCOREINFO_OFFSET(name, field)	((void)offsetof(struct name, field))

/* <linux/mutex.h>, <linux/rwsem.h>: one thread, nothing to lock. */
struct mutex {
	int unused;
};
#define DEFINE_MUTEX(m)		struct mutex m
#define mutex_lock(m)		((void)(m))
#define mutex_unlock(m)		((void)(m))
struct rw_semaphore {
	int unused;
};
#define down_read(s)		((void)(s))
#define up_read(s)		((void)(s))

/* <linux/string.h>, <linux/kernel.h> */
static inline int match_string(const char * const *array, size_t n,
			       const char *string)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (array[i] && !strcmp(array[i], string))
			return (int)i;
	return -EINVAL;
}

static inline int kstrtobool(const char *s, bool *res)
{
	if (!strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "y")) {
		*res = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "n")) {
		*res = false;
		return 0;
	}
	return -EINVAL;
}

static inline int kstrtouint(const char *s, unsigned int base,
			     unsigned int *res)
{
	char *end;
	unsigned long v = strtoul(s, &end, (int)base);

	if (!*s || *end || v > 0xffffffffUL)
		return -EINVAL;
	*res = (unsigned int)v;
	return 0;
}
#endif
