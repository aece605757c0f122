/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API that the capture kernel's takeover code uses
 * (drivers/iommu/kdump_{core,ledger,reset,old_ram}.c, amd/kdump.c,
 * intel/kdump.c, intel/kdump_sm.c), as the takeover model provides it
 * (tests/takeover/README.md). Every shim header under linux/ and asm/
 * includes this one file. Memory, MMIO, PCI, the IOMMU core and the
 * IOMMU hardware are answered by the model (sim.c); locks, work items
 * and initcalls run on one thread, in the order the model chooses.
 */
#ifndef _TK_KERNEL_H
#define _TK_KERNEL_H
#include <errno.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/atomic.h>

#define __init
#define __initdata
#define __force
#define __maybe_unused		__attribute__((unused))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP_ULL(x, d)	(((unsigned long long)(x) + (d) - 1) / (d))
#define SZ_4K			0x1000
#define SZ_1G			0x40000000ULL
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define U64_MAX			(~0ULL)

/* <linux/bitops.h>, <linux/bitmap.h> */
#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
static inline void set_bit(unsigned long nr, unsigned long *a)
{
	a[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void clear_bit(unsigned long nr, unsigned long *a)
{
	a[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline bool test_bit(unsigned long nr, const unsigned long *a)
{
	return a[nr / BITS_PER_LONG] & (1UL << (nr % BITS_PER_LONG));
}

#define __set_bit(n, a)		set_bit((n), (a))
#define __clear_bit(n, a)	clear_bit((n), (a))
unsigned long find_next_bit(const unsigned long *a, unsigned long size,
			    unsigned long from);
unsigned long find_first_zero_bit(const unsigned long *a, unsigned long size);
#define for_each_set_bit(b, a, size) \
	for ((b) = find_next_bit((a), (size), 0); (b) < (size); \
	     (b) = find_next_bit((a), (size), (b) + 1))
unsigned long *bitmap_zalloc(unsigned int nbits, int gfp);
void bitmap_free(const unsigned long *bitmap);

/* <linux/slab.h>, <linux/gfp.h>, <linux/mm.h>: model memory */
#define GFP_KERNEL		0
#define GFP_ATOMIC		0
#define GFP_DMA32		0
#define __GFP_ZERO		1
void *tk_kmalloc(size_t n, int zero);
#define kmalloc(n, g)		tk_kmalloc((n), 0)
#define kzalloc(n, g)		tk_kmalloc((n), 1)
#define kcalloc(n, s, g)	tk_kmalloc((size_t)(n) * (s), 1)
#define kvcalloc(n, s, g)	tk_kmalloc((size_t)(n) * (s), 1)
void kfree(const void *p);
#define kvfree(p)		kfree(p)
static inline unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Pages of the capture kernel's RAM (the crashkernel region of the model). */
unsigned long __get_free_pages(int gfp, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
u64 virt_to_phys(const volatile void *p);
void *phys_to_virt(u64 phys);
#define MEMREMAP_WB		1
void *memremap(u64 phys, size_t size, unsigned long flags);
void memunmap(void *p);
void *ioremap_encrypted(u64 phys, size_t size);

/* <linux/printk.h>: into the model's log (printed with TK_VERBOSE). */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
void tk_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_err(fmt, ...)	tk_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	tk_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	tk_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	((void)0)

/* <linux/string.h>, <linux/kernel.h> */
static inline ssize_t strscpy(char *d, const char *s, size_t n)
{
	size_t l = strlen(s);

	if (!n)
		return -E2BIG;
	if (l >= n) {
		memcpy(d, s, n - 1);
		d[n - 1] = 0;
		return -E2BIG;
	}
	memcpy(d, s, l + 1);
	return (ssize_t)l;
}

static inline int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "1") || !strcmp(s, "y") || !strcmp(s, "on")) {
		*res = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "n") || !strcmp(s, "off")) {
		*res = false;
		return 0;
	}
	return -EINVAL;
}

/* <linux/sort.h> */
void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *, const void *), void *swap);

/*
 * <linux/spinlock.h>, <linux/mutex.h>: one thread. Taking a lock that is
 * held is a deadlock on a real machine: the model stops there.
 */
typedef struct {
	int held;
	const char *name;
} spinlock_t;
void tk_lock(int *held, const char *what);
void tk_unlock(int *held, const char *what);
#define DEFINE_SPINLOCK(x)	spinlock_t x = { 0, #x }
#define spin_lock_init(l)	((l)->held = 0)
#define spin_lock(l)		tk_lock(&(l)->held, "spinlock")
#define spin_unlock(l)		tk_unlock(&(l)->held, "spinlock")
#define spin_lock_irqsave(l, f)	((void)((f) = 0), tk_lock(&(l)->held, "spinlock"))
#define spin_unlock_irqrestore(l, f) ((void)(f), tk_unlock(&(l)->held, "spinlock"))
struct mutex {
	int held;
};
#define DEFINE_MUTEX(m)		struct mutex m = { 0 }
#define mutex_lock(m)		tk_lock(&(m)->held, "mutex")
#define mutex_unlock(m)		tk_unlock(&(m)->held, "mutex")
#define smp_load_acquire(p)	(*(p))
#define smp_store_release(p, v)	((void)(*(p) = (v)))

/* <linux/list.h> */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(n)	{ &(n), &(n) }
#define LIST_HEAD(n)		struct list_head n = LIST_HEAD_INIT(n)
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

#define list_entry(p, t, m)	container_of(p, t, m)
#define list_first_entry_or_null(h, t, m) \
	(list_empty(h) ? NULL : list_entry((h)->next, t, m))
#define list_for_each_entry(pos, h, m) \
	for (pos = list_entry((h)->next, __typeof__(*pos), m); \
	     &pos->m != (h); pos = list_entry(pos->m.next, __typeof__(*pos), m))
#define list_for_each_entry_safe(pos, n, h, m) \
	for (pos = list_entry((h)->next, __typeof__(*pos), m), \
	     n = list_entry(pos->m.next, __typeof__(*pos), m); \
	     &pos->m != (h); \
	     pos = n, n = list_entry(n->m.next, __typeof__(*n), m))

/* <linux/workqueue.h>: run by the model between its steps. */
struct work_struct {
	void (*func)(struct work_struct *w);
	int pending;
};

#define DECLARE_WORK(n, f)	struct work_struct n = { .func = (f) }
bool schedule_work(struct work_struct *w);
bool flush_work(struct work_struct *w);

/* <linux/init.h>: registered at program start, run by the model's boot. */
void tk_add_initcall(int (*fn)(void));
void tk_add_param(const char *name, int (*fn)(char *));
#define arch_initcall(fn) \
	static void __attribute__((constructor)) tk_ic_##fn(void) \
	{ tk_add_initcall(fn); }
#define early_param(str, fn) \
	static void __attribute__((constructor)) tk_ep_##fn(void) \
	{ tk_add_param(str, fn); }

/* <linux/ktime.h>: the model clock, in ns. */
typedef s64 ktime_t;
ktime_t ktime_get(void);
#define ktime_us_delta(a, b)	(((a) - (b)) / 1000)

/* <linux/crash_dump.h>, <linux/kexec.h> */
extern u64 elfcorehdr_addr;
bool is_kdump_kernel(void);

/* <asm/e820/api.h>: the capture kernel's own RAM map. */
#define E820_TYPE_RAM		1
#define E820_TYPE_RESERVED_KERN	128
bool e820__mapped_any(u64 start, u64 end, int type);

/* <linux/elf.h>: what kdump_old_ram.c reads. */
#define ELFMAG			"\177ELF"
#define SELFMAG			4
#define EI_CLASS		4
#define ELFCLASS64		2
#define PT_LOAD			1
struct elf64_hdr {
	unsigned char e_ident[16];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
};

struct elf64_phdr {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
};

/* <asm/processor.h>, <linux/mem_encrypt.h>, <linux/cc_platform.h> */
struct cpuinfo_x86 {
	u8 x86_phys_bits;
};

extern struct cpuinfo_x86 boot_cpu_data;
#define sme_me_mask		0ULL
#define __sme_clr(x)		(x)
#define __sme_set(x)		(x)
#define CC_ATTR_HOST_MEM_ENCRYPT 1
#define cc_platform_has(a)	false

/* <linux/io.h>: model registers are plain memory. */
static inline u64 readq(const volatile void __iomem *a)
{
	return *(const volatile u64 *)a;
}

#define dmar_readq(a)		readq(a)

static inline u32 readl(const volatile void __iomem *a)
{
	return *(const volatile u32 *)a;
}

/* <linux/xarray.h>: a small index -> pointer map. */
struct xarray {
	unsigned long *idx;
	void **ptr;
	unsigned int n, cap;
};

void xa_init(struct xarray *xa);
void *xa_load(struct xarray *xa, unsigned long index);
void *xa_store(struct xarray *xa, unsigned long index, void *p, int gfp);
void xa_destroy(struct xarray *xa);
#define xa_err(p)		((p) == (void *)-1L ? -ENOMEM : 0)

/* <linux/device.h>, <linux/pci.h>, <linux/iommu.h>: see sim.c. */
struct device_driver {
	const char *name;
};

struct tk_dev;
/* Linux 6.12 <linux/iommu.h>: the core's per-device state. */
struct dev_iommu {
	u32 attach_deferred:1;	/* the default domain's attach is deferred */
};

struct device {
	struct device_driver *driver;
	bool is_pci;
	void *iommu_priv;
	struct dev_iommu *iommu;
	struct tk_dev *tk;
};

#define PCI_ANY_ID		(~0U)
#define PCI_DEVID(b, df)	((u16)((((u16)(b)) << 8) | (df)))
#define PCI_SLOT(df)		(((df) >> 3) & 0x1f)
#define PCI_FUNC(df)		((df) & 7)
#define PCI_DEVFN(s, f)		((((s) & 0x1f) << 3) | ((f) & 7))
#define PCI_BUS_NUM(x)		(((x) >> 8) & 0xff)
#define PCI_NUM_RESET_METHODS	8
#define PCI_EXP_TYPE_ENDPOINT	0x0
#define PCI_EXP_TYPE_ROOT_PORT	0x4
#define PCI_EXP_TYPE_PCI_BRIDGE	0x7

struct pci_dev;
struct pci_bus {
	unsigned char number;
	int domain_nr;
	struct pci_bus *parent;
	struct pci_dev *self;
};

struct pci_dev {
	struct device dev;
	struct pci_bus *bus;
	unsigned int devfn;
	struct pci_bus *subordinate;
	u8 reset_methods[PCI_NUM_RESET_METHODS];
	unsigned long dma_alias_mask[4];
	bool is_pcie;
	int pcie_type;
	int refcnt;
	char name[16];
};

#define dev_is_pci(d)		((d)->is_pci)
#define to_pci_dev(d)		container_of(d, struct pci_dev, dev)
#define pci_domain_nr(b)	((b)->domain_nr)
#define pci_dev_id(p)		PCI_DEVID((p)->bus->number, (p)->devfn)
#define pci_name(p)		((const char *)(p)->name)
struct pci_dev *pci_get_device(unsigned int vendor, unsigned int device,
			       struct pci_dev *from);
#define for_each_pci_dev(d) \
	while ((d = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, d)) != NULL)
struct pci_dev *pci_dev_get(struct pci_dev *p);
void pci_dev_put(struct pci_dev *p);
int pci_for_each_dma_alias(struct pci_dev *p,
			   int (*fn)(struct pci_dev *p, u16 alias, void *data),
			   void *data);
void pci_clear_master(struct pci_dev *p);
void pci_set_master(struct pci_dev *p);
int pci_reset_function_locked(struct pci_dev *p);
void pci_walk_bus(struct pci_bus *top, int (*cb)(struct pci_dev *, void *),
		  void *data);
#define pci_info(p, fmt, ...)	tk_printk("pci %s: " fmt, pci_name(p), ##__VA_ARGS__)
#define pci_warn(p, fmt, ...)	tk_printk("pci %s: " fmt, pci_name(p), ##__VA_ARGS__)
#define pci_err(p, fmt, ...)	tk_printk("pci %s: " fmt, pci_name(p), ##__VA_ARGS__)
#define dev_info(d, fmt, ...)	tk_printk("dev: " fmt, ##__VA_ARGS__)
#define dev_warn(d, fmt, ...)	tk_printk("dev: " fmt, ##__VA_ARGS__)

struct bus_type {
	const char *name;
};

extern struct bus_type pci_bus_type;
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action,
			     void *data);
};

#define BUS_NOTIFY_ADD_DEVICE	0x00000001
#define BUS_NOTIFY_BIND_DRIVER	0x00000004
#define NOTIFY_DONE		0x0000
#define NOTIFY_OK		0x0001
int bus_register_notifier(struct bus_type *bus, struct notifier_block *nb);
#define device_lock(d)		((void)(d))
const char *dev_name(const struct device *dev);
#define dev_iommu_priv_get(d)	((d)->iommu_priv)
#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)

/* <linux/llist.h> */
struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

#define llist_entry(p, t, m)	container_of(p, t, m)
#define llist_for_each_entry(pos, node, member) \
	for (pos = (node) ? llist_entry((node), __typeof__(*pos), member) : NULL; \
	     pos; pos = pos->member.next ? \
	     llist_entry(pos->member.next, __typeof__(*pos), member) : NULL)
#define device_unlock(d)	((void)(d))

#define IOMMU_DOMAIN_BLOCKED	0U
#define IOMMU_DOMAIN_UNMANAGED	1U
#define IOMMU_DOMAIN_IDENTITY	4U
#define IOMMU_DOMAIN_DMA	3U
#define IOMMU_DOMAIN_DMA_FQ	11U
struct iommu_domain {
	unsigned int type;
};

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
int iommu_deferred_attach(struct device *dev, struct iommu_domain *domain);

#endif
