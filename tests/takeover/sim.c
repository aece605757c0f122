// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's machine: PCI devices and buses, and a model of the
 * Linux 6.1 code around the takeover, with this project's hook patches
 * (patches/6.1/0005-0010) applied -- each place that mirrors a hunk says which
 * (the patch group checks that the series still has it, test_takeover.c
 * tk_series_check()):
 *
 *   drivers/pci/pci.c        __pci_reset_function_locked(), pcie_flr(),
 *                            pci_parent_bus_reset(),
 *                            pci_bridge_secondary_bus_reset()
 *   drivers/pci/search.c     pci_for_each_dma_alias()
 *   drivers/iommu/iommu.c    bus_iommu_probe(), iommu_probe_device(),
 *                            probe_get_default_domain_type(),
 *                            iommu_deferred_attach(),
 *                            iommu_group_store_type() /
 *                            iommu_change_dev_def_domain()
 *   drivers/iommu/amd/       early_enable_iommus(), init_device_table_dma(),
 *                            state_next() error path, iommu_init_device()
 *                            with setup_aliases() / clone_aliases(),
 *                            amd_iommu_attach_device(), set_dte_entry(),
 *                            device_flush_dte(), domain_id_alloc()
 *   drivers/iommu/intel/     intel_iommu_init(), init_dmars(),
 *                            intel_iommu_attach_device(),
 *                            domain_attach_iommu(), domain_context_mapping_one(),
 *                            intel_pasid_setup_*(), dmar_remove_one_dev_info()
 *   driver core              really_probe(): BUS_NOTIFY_BIND_DRIVER, then
 *                            the driver sets Bus Master Enable and maps DMA
 *
 * The code under test is compiled unchanged (prod_*.c): kdump_core.c,
 * kdump_ledger.c, kdump_reset.c, kdump_old_ram.c, amd/kdump.c,
 * intel/kdump.c, intel/kdump_sm.c.
 */
#include <sys/mman.h>
#include "sim.h"
#include "amd_iommu.h"
/* (Both vendors here: AMD's loop is spelt out below.) */
#undef for_each_iommu
#include "iommu.h"
#include "irq_remapping.h"
#include "../../drivers/iommu/amd/kdump.h"
#include "../../drivers/iommu/intel/kdump.h"

struct tk_sim tk;

void tk_hw_observe(int u);
void tk_hw_amd_inv_dte(int u, u16 devid);
void tk_hw_amd_inv_pages(int u, u16 domid);
void tk_hw_amd_inv_all(int u);
void tk_hw_vtd_inv_ctx(int u, int global, int did, int sid);
void tk_hw_vtd_inv_pasid(int u, int did, long pasid);
void tk_hw_vtd_inv_iotlb(int u, int did);
void tk_hw_vtd_inv_piotlb(int u, int did, long pasid);
void tk_work_reset(void);

#define ADDR(x)		((x) & 0x000ffffffffff000ULL)
#define MAX_DOMAIN_ID	65536

/* Reset method indices of 6.1's pci_reset_fn_methods[]. */
#define M_FLR	3
#define M_BUS	6
static const char *const method_name[8] = {
	[M_FLR] = "flr", [M_BUS] = "bus",
};

static struct pci_bus buses[2][8];
static struct device_driver drv = { .name = "model-driver" };
static struct notifier_block *pci_nb;

/* AMD-Vi */
LIST_HEAD(amd_iommu_list);
LIST_HEAD(amd_iommu_pci_seg_list);
unsigned long *amd_iommu_pd_alloc_bitmap;
int irq_remapping_enabled;
static struct amd_iommu amd[TK_MAX_UNITS];
static struct amd_iommu_pci_seg amd_seg[TK_MAX_UNITS];
static struct iommu_dev_data amd_dev_data[TK_MAX_DEVS];
static bool amd_pre_enabled;

/* VT-d */
static struct intel_iommu vtd;
struct dmar_drhd_unit tk_drhd = { .iommu = &vtd };
static struct tk_domain *si_domain;
static int vtd_si_users;

static int dev_of(const struct device *d)
{
	return (int)(d->tk - tk.dev);
}

const char *dev_name(const struct device *dev)
{
	return dev->tk->name;
}

int tk_dev_index(const struct pci_dev *p)
{
	return dev_of(&p->dev);
}

static struct tk_dev *D(int i)
{
	return &tk.dev[i];
}

static u16 rid(int i)
{
	return PCI_DEVID(D(i)->bus, D(i)->devfn);
}

void tk_log_pci(int d, int ev)
{
	static const char *const what[] = { "reset", "reset FAILED",
					    "bus master off", "bus master on" };

	tk_printk("pci log: %s: %s", D(d)->name, what[ev]);
	if (tk.nlog == TK_MAX_LOG)
		return;
	tk.log[tk.nlog].step = tk.step;
	tk.log[tk.nlog].dev = d;
	tk.log[tk.nlog++].ev = ev;
}

/* ------------------------------------------------------------------ */
/* PCI                                                                  */

int tk_add_dev(const struct tk_dev *in)
{
	int i = tk.ndev++;
	struct tk_dev *d = D(i);
	struct pci_dev *p = &d->pdev;

	*d = *in;
	memset(p, 0, sizeof(*p));
	p->dev.tk = d;
	p->dev.is_pci = d->kind != TK_ACPI;
	p->dev.iommu = &d->dev_iommu;
	p->bus = &buses[d->seg][d->bus];
	p->devfn = d->devfn;
	snprintf(p->name, sizeof(p->name), "%04x:%02x:%02x.%d", d->seg, d->bus,
		 PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
	/* Endpoints below a PCIe-to-PCI bridge are conventional PCI. */
	p->is_pcie = d->parent < 0 || D(d->parent)->kind != TK_PCIE_PCI_BRIDGE;
	p->pcie_type = d->kind == TK_ROOT_PORT ? PCI_EXP_TYPE_ROOT_PORT :
		       d->kind == TK_PCIE_PCI_BRIDGE ? PCI_EXP_TYPE_PCI_BRIDGE :
		       PCI_EXP_TYPE_ENDPOINT;
	if (d->kind == TK_ROOT_PORT || d->kind == TK_PCIE_PCI_BRIDGE) {
		d->sub = &buses[d->seg][d->secondary];
		d->sub->number = d->secondary;
		d->sub->domain_nr = d->seg;
		d->sub->parent = p->bus;
		d->sub->self = p;
		p->subordinate = d->sub;
	}
	d->bme = d->at_crash;
	d->bound = 0;
	d->present = 0;
	return i;
}

static bool alone_on_bus(int i)
{
	int j;

	for (j = 0; j < tk.ndev; j++)
		if (j != i && D(j)->present && D(j)->kind != TK_ACPI &&
		    D(j)->seg == D(i)->seg && D(j)->bus == D(i)->bus)
			return false;
	return true;
}

/* pci_init_reset_methods(): what 6.1 probes at enumeration. */
static void init_reset_methods(int i)
{
	struct tk_dev *d = D(i);
	int n = 0;

	memset(d->pdev.reset_methods, 0, sizeof(d->pdev.reset_methods));
	if (d->kind != TK_ENDPOINT)
		return;
	if (d->reset != TK_RESET_NONE)
		d->pdev.reset_methods[n++] = M_FLR;
	if (d->parent >= 0 && alone_on_bus(i))
		d->pdev.reset_methods[n++] = M_BUS;
}

struct pci_dev *pci_get_device(unsigned int vendor, unsigned int device,
			       struct pci_dev *from)
{
	int i = from ? dev_of(&from->dev) + 1 : 0;

	if (from)
		pci_dev_put(from);
	for (; i < tk.ndev; i++)
		if (D(i)->present && D(i)->kind != TK_ACPI)
			return pci_dev_get(&D(i)->pdev);
	return NULL;
}

struct pci_dev *pci_dev_get(struct pci_dev *p)
{
	if (p)
		p->refcnt++;
	return p;
}

void pci_dev_put(struct pci_dev *p)
{
	if (p && --p->refcnt < 0) {
		tk.oops = 1;
		snprintf(tk.oops_what, sizeof(tk.oops_what),
			 "pci_dev_put() of %s below zero", p->name);
	}
}

/* drivers/pci/search.c, Linux 6.1 */
int pci_for_each_dma_alias(struct pci_dev *pdev,
			   int (*fn)(struct pci_dev *pdev, u16 alias, void *data),
			   void *data)
{
	struct pci_bus *bus;
	unsigned int devfn;
	int ret;

	ret = fn(pdev, pci_dev_id(pdev), data);
	if (ret)
		return ret;
	for (devfn = 0; devfn < 256; devfn++) {
		if (!test_bit(devfn, pdev->dma_alias_mask))
			continue;
		ret = fn(pdev, PCI_DEVID(pdev->bus->number, devfn), data);
		if (ret)
			return ret;
	}
	for (bus = pdev->bus; bus->parent; bus = bus->parent) {
		struct pci_dev *tmp = bus->self;

		if (!tmp)
			continue;
		if (tmp->is_pcie) {
			if (tmp->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE) {
				ret = fn(tmp, PCI_DEVID(tmp->subordinate->number, 0),
					 data);
				if (ret)
					return ret;
			}
			continue;
		}
		ret = fn(tmp, pci_dev_id(tmp), data);
		if (ret)
			return ret;
	}
	return ret;
}

void pci_clear_master(struct pci_dev *p)
{
	int i = dev_of(&p->dev);

	D(i)->bme = 0;
	tk_log_pci(i, TK_EV_BME_CLEAR);
}

void pci_set_master(struct pci_dev *p)
{
	int i = dev_of(&p->dev);

	D(i)->bme = 1;
	tk_log_pci(i, TK_EV_BME_SET);
}

static void walk(struct pci_bus *b, int (*cb)(struct pci_dev *, void *),
		 void *data)
{
	int i;

	for (i = 0; i < tk.ndev; i++) {
		if (!D(i)->present || D(i)->kind == TK_ACPI ||
		    D(i)->pdev.bus != b)
			continue;
		cb(&D(i)->pdev, data);
		if (D(i)->sub)
			walk(D(i)->sub, cb, data);
	}
}

void pci_walk_bus(struct pci_bus *top, int (*cb)(struct pci_dev *, void *),
		  void *data)
{
	walk(top, cb, data);
}

static int log_reset(struct pci_dev *p, void *data)
{
	tk_log_pci(dev_of(&p->dev), *(int *)data);
	return 0;
}

/*
 * pci_bridge_secondary_bus_reset() with patch 0005's hook: every device
 * below @bridge is reset (unless the model says the bus does not come
 * back).
 */
static int secondary_bus_reset(int bridge)
{
	int ev;

	if (D(bridge)->bus_reset_fails) {
		ev = TK_EV_RESET_FAILED;
		walk(D(bridge)->sub, log_reset, &ev);
		return -ENOTTY;
	}
	ev = TK_EV_RESET_OK;
	walk(D(bridge)->sub, log_reset, &ev);
	iommu_kdump_pci_bus_reset_done(&D(bridge)->pdev);	/* patch 0005 */
	return 0;
}

/*
 * __pci_reset_function_locked() with patch 0005's hook, inside the
 * save-and-disable / restore of pci_reset_function_locked(): Bus Master
 * Enable is restored to what it was.
 */
int pci_reset_function_locked(struct pci_dev *p)
{
	int i = dev_of(&p->dev), m, rc;
	struct tk_dev *d = D(i);

	if (!p->reset_methods[0])
		return -ENOTTY;
	for (m = 0; m < PCI_NUM_RESET_METHODS && p->reset_methods[m]; m++) {
		if (p->reset_methods[m] == M_FLR) {
			if (d->reset == TK_RESET_FLR_FAILS) {
				/* pcie_flr(): not ready after FLR, -ENOTTY */
				tk_log_pci(i, TK_EV_RESET_FAILED);
				rc = -ENOTTY;
			} else {
				tk_log_pci(i, TK_EV_RESET_OK);
				rc = 0;
			}
		} else {
			/* pci_parent_bus_reset(): alone on its bus */
			if (d->parent < 0 || !alone_on_bus(i))
				rc = -ENOTTY;
			else
				rc = secondary_bus_reset(d->parent);
		}
		if (!rc) {
			iommu_kdump_pci_reset_done(p, method_name[p->reset_methods[m]]);
			return 0;
		}
		if (rc != -ENOTTY)
			return rc;
	}
	return -ENOTTY;
}

/* ------------------------------------------------------------------ */
/* Domains of the capture kernel                                       */

static struct tk_domain *doms[256];
static int ndoms;
#ifdef TK_612
/* The vendors' static blocking domain (6.12 ops->blocked_domain) */
static struct tk_domain blocked_domain = { .dom.type = IOMMU_DOMAIN_BLOCKED };
#endif

/* A DMA domain's page table: IOVA 0x1000 -> a buffer in capture RAM. */
static void build_table(struct tk_domain *dom, int fmt)
{
	u64 *t[6], buf;
	int l;

	buf = virt_to_phys((void *)__get_free_pages(__GFP_ZERO, 0));
	dom->buf = buf;
	dom->iova = 0x1000;
	for (l = dom->levels; l >= 1; l--)
		t[l] = (u64 *)__get_free_pages(__GFP_ZERO, 0);
	dom->root = virt_to_phys(t[dom->levels]);
	for (l = dom->levels; l > 1; l--) {
		u64 next = virt_to_phys(t[l - 1]);

		if (fmt == TK_AMD)	/* PR, NextLevel, IR, IW (48882 2.2.3) */
			t[l][0] = next | 1 | (u64)(l - 1) << 9 | 3ULL << 61;
		else if (dom->first_level)	/* P, R/W, U/S (VT-d 9.7) */
			t[l][0] = next | 7;
		else			/* R, W (VT-d 9.8) */
			t[l][0] = next | 3;
	}
	if (fmt == TK_AMD)
		t[1][1] = buf | 1 | 3ULL << 61;
	else if (dom->first_level)
		t[1][1] = buf | 7;
	else
		t[1][1] = buf | 3;
}

static struct tk_domain *domain_alloc(unsigned int type)
{
	struct tk_domain *dom = calloc(1, sizeof(*dom));

	dom->dom.type = type;
	if (ndoms < (int)ARRAY_SIZE(doms))
		doms[ndoms++] = dom;
	if (tk.cfg.vendor == TK_AMD) {
		/* protection_domain_alloc() -> domain_id_alloc() */
		int id = find_first_zero_bit(amd_iommu_pd_alloc_bitmap,
					     MAX_DOMAIN_ID);

		tk_mon_did_alloc(-1, id, 1);
		set_bit(id, amd_iommu_pd_alloc_bitmap);
		dom->id = id;
		if (type != IOMMU_DOMAIN_IDENTITY) {
			dom->levels = 3;
			build_table(dom, TK_AMD);
		}
		return dom;
	}
	if (type == IOMMU_DOMAIN_IDENTITY) {
		free(dom);
		ndoms--;
		if (!si_domain) {
			si_domain = calloc(1, sizeof(*si_domain));
			si_domain->dom.type = IOMMU_DOMAIN_IDENTITY;
		}
		return si_domain;
	}
	/* 6.1 first_level_by_default(): both levels offered: first level */
	dom->first_level = tk.cfg.vendor == TK_VTD_SM && tk.cfg.ecap_fl;
	dom->levels = 4;
	build_table(dom, TK_VTD);
	return dom;
}

static void domain_free(struct tk_domain *dom)
{
	if (!dom || dom == si_domain)
		return;
	if (tk.cfg.vendor == TK_AMD && dom->id)
		clear_bit(dom->id, amd_iommu_pd_alloc_bitmap);	/* domain_id_free */
	dom->freed = 1;
}

/* ------------------------------------------------------------------ */
/* AMD-Vi, Linux 6.1 drivers/iommu/amd                                  */

bool translation_pre_enabled(struct amd_iommu *iommu)
{
	return iommu->flags & AMD_IOMMU_FLAG_TRANS_PRE_ENABLED;
}

u64 iommu_virt_to_phys(void *va)
{
	return virt_to_phys(va);
}

void amd_iommu_flush_all_caches(struct amd_iommu *iommu)
{
	iommu_flush_all_caches(iommu);
}

void iommu_flush_all_caches(struct amd_iommu *iommu)
{
	tk_hw_amd_inv_all(iommu->index);
}

static void amd_flush_tlb_domid(struct amd_iommu *iommu, u16 domid)
{
	tk_hw_amd_inv_pages(iommu->index, domid);
}

/* patch 0006: one DTE invalidated on every IOMMU of a segment, in iommu.c */
void amd_iommu_kdump_flush_dte(struct amd_iommu_pci_seg *pci_seg, u16 devid)
{
	struct amd_iommu *iommu;

	list_for_each_entry(iommu, &amd_iommu_list, list)
		if (iommu->pci_seg == pci_seg)
			tk_hw_amd_inv_dte(iommu->index, devid);
}

/* patch 0006: the release of an old domain id, in iommu.c */
void amd_iommu_kdump_free_domid(struct amd_iommu_pci_seg *pci_seg, u16 domid,
				bool free)
{
	struct amd_iommu *iommu;

	list_for_each_entry(iommu, &amd_iommu_list, list)
		if (iommu->pci_seg == pci_seg)
			amd_flush_tlb_domid(iommu, domid);
	if (free && domid)
		clear_bit(domid, amd_iommu_pd_alloc_bitmap);
}

static struct amd_iommu *amd_of(int i)
{
	return &amd[D(i)->seg];
}

static u16 amd_devid(int i)
{
	return rid(i);
}

static struct dev_table_entry *amd_table(int seg)
{
	return amd_seg[seg].dev_table;
}

#ifdef TK_612
/*
 * Linux 6.12's DTE protocol (update_dte256()): DTE words 0-1 of a DeviceID
 * are written in one 128-bit store, under the DeviceID's dte_lock when it
 * has device data. Once amd_init() is done the installed device tables are
 * read-only (mprotect) to all but the driver's own writes (amd_write_dte():
 * set_dte_entry(), clear_dte_entry(), clone_alias(), each under the
 * driver's locks) and tk_amd_dte_store128(), the CMPXCHG16B of the
 * takeover: a plain store of the takeover is a SIGSEGV, a 128-bit store
 * without the lock is counted (tk_dte_unlocked).
 */
static int dte_guard_on;
int tk_dte_stores, tk_dte_unlocked;

static size_t dte_guard_len(int seg)
{
	return (amd_seg[seg].dev_table_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void dte_guard(int on)
{
	int seg;

	if (dte_guard_on == on)
		return;
	for (seg = 0; seg < TK_MAX_UNITS; seg++)
		if (amd_seg[seg].dev_table)
			mprotect(amd_seg[seg].dev_table, dte_guard_len(seg),
				 on ? PROT_READ : PROT_READ | PROT_WRITE);
	dte_guard_on = on;
}

/** tk_host_in_dte_guard() - is @p in a device table the guard protects? */
bool tk_host_in_dte_guard(const void *p)
{
	const u8 *q = p, *t;
	int seg;

	for (seg = 0; dte_guard_on && seg < TK_MAX_UNITS; seg++) {
		t = (const u8 *)amd_seg[seg].dev_table;
		if (t && q >= t && q < t + dte_guard_len(seg))
			return true;
	}
	return false;
}

void tk_amd_dte_store128(u128 *ptr, u128 val)
{
	struct iommu_dev_data *d, *dd = NULL;
	int seg, was = dte_guard_on;
	u8 *t, *q = (u8 *)ptr;
	u16 devid;

	for (seg = 0; seg < TK_MAX_UNITS; seg++) {
		t = (u8 *)amd_seg[seg].dev_table;
		if (t && q >= t && q < t + amd_seg[seg].dev_table_size)
			break;
	}
	if (seg == TK_MAX_UNITS || ((q - t) & 15)) {
		tk_dte_unlocked++;
		tk_printk("128-bit store outside a device table or unaligned");
		return;
	}
	devid = (q - t) / 32;
	llist_for_each_entry(d, amd_seg[seg].dev_data_list.first, dev_data_list)
		if (d->devid == devid)
			dd = d;
	if (dd && !dd->dte_lock.held) {
		tk_dte_unlocked++;
		tk_printk("DTE %#06x written without its dte_lock", devid);
	}
	dte_guard(0);
	*ptr = val;
	tk_dte_stores++;
	dte_guard(was);
	tk_hw_observe(seg);
}
#endif

static void amd_write_dte(int seg, u16 devid, const u64 *w, int own)
{
	struct dev_table_entry *t = amd_table(seg);
	int k;
#ifdef TK_612
	int was = dte_guard_on;

	dte_guard(0);
#endif
	for (k = 0; k < 4; k++)
		t[devid].data[k] = w[k];
#ifdef TK_612
	dte_guard(was);
#endif
	tk.unit[seg].own[devid] = own;
	tk_hw_observe(seg);
}

/* clone_alias() with patch 0006's hook */
static int clone_alias(struct pci_dev *origin, u16 alias, void *data)
{
	struct pci_dev *pdev = data;
	int i = dev_of(&pdev->dev), seg = D(i)->seg;
	u16 devid = amd_devid(i);

	if (devid == alias)
		return 0;
	amd_write_dte(seg, alias, amd_table(seg)[devid].data,
		      tk.unit[seg].own[devid]);
	amd_iommu_kdump_dte_cloned(amd_of(i), devid, alias);
	return 0;
}

static void clone_aliases(int i)
{
	struct amd_iommu_pci_seg *s = &amd_seg[D(i)->seg];

	if (D(i)->kind == TK_ACPI)
		return;
	clone_alias(&D(i)->pdev, s->alias_table[amd_devid(i)], &D(i)->pdev);
	pci_for_each_dma_alias(&D(i)->pdev, clone_alias, &D(i)->pdev);
}

static int flush_dte_alias(struct pci_dev *p, u16 alias, void *data)
{
	tk_hw_amd_inv_dte(*(int *)data, alias);
	return 0;
}

static void device_flush_dte(int i)
{
	int seg = D(i)->seg;
	u16 devid = amd_devid(i), alias = amd_seg[seg].alias_table[devid];

	if (D(i)->kind == TK_ACPI)
		tk_hw_amd_inv_dte(seg, devid);
	else
		pci_for_each_dma_alias(&D(i)->pdev, flush_dte_alias, &seg);
	if (alias != devid)
		tk_hw_amd_inv_dte(seg, alias);
}

/* set_dte_entry() with patch 0006's hook */
static void set_dte_entry(int i, struct tk_domain *dom)
{
	int seg = D(i)->seg;
	u16 devid = amd_devid(i);
	u64 *cur = amd_table(seg)[devid].data, w[4];
	u64 mode = dom->dom.type == IOMMU_DOMAIN_IDENTITY ? 0 : dom->levels;
	u16 old_domid = cur[1] & DEV_DOMID_MASK;

	w[0] = (mode ? dom->root : 0) | mode << 9 | DTE_FLAG_IR | DTE_FLAG_IW |
	       DTE_FLAG_V | DTE_FLAG_TV;
	w[1] = (cur[1] & ~DEV_DOMID_MASK) | dom->id;
	w[2] = cur[2];
	w[3] = cur[3];
	amd_write_dte(seg, devid, w, 1);
	if (old_domid)
		amd_flush_tlb_domid(amd_of(i), old_domid);
	amd_iommu_kdump_dte_written(amd_of(i), devid);
}

static void clear_dte_entry(int i)
{
	int seg = D(i)->seg;
	u16 devid = amd_devid(i);
	u64 *cur = amd_table(seg)[devid].data, w[4];

	w[0] = DTE_FLAG_V | DTE_FLAG_TV;
	w[1] = cur[1] & (0x3ffULL << 32);
	w[2] = cur[2];
	w[3] = cur[3];
	amd_write_dte(seg, devid, w, 1);
#ifdef TK_612
	/* patches/6.12/0006: the written hook in clear_dte_entry() too */
	amd_iommu_kdump_dte_written(amd_of(i), devid);
#endif
}

static void amd_detach(int i)
{
	struct tk_domain *dom = D(i)->domain;

	D(i)->domain = NULL;
	clear_dte_entry(i);
	clone_aliases(i);
	device_flush_dte(i);
	amd_flush_tlb_domid(amd_of(i), dom->id);
}

/* amd_iommu_attach_device() with patch 0010's gate */
static int amd_attach(struct tk_domain *dom, int i)
{
	int ret = iommu_kdump_attach_gate(&D(i)->pdev.dev, &dom->dom);

	if (ret)
		return ret;
	D(i)->defer_attach = 0;
	if (D(i)->domain)
		amd_detach(i);
	D(i)->domain = dom;
	set_dte_entry(i, dom);
	clone_aliases(i);
	device_flush_dte(i);
	return 0;
}

#ifdef TK_612
/* 6.12 blocked_domain_attach_device() with patches/6.12/0010's gate */
static int amd_block_attach(int i)
{
	if (D(i)->domain)
		amd_detach(i);
	if (iommu_kdump_attach_gate(&D(i)->pdev.dev, &blocked_domain.dom))
		return 0;
	clear_dte_entry(i);	/* dev_update_dte(dev_data, false) */
	clone_aliases(i);
	device_flush_dte(i);
	return 0;
}
#endif

/* iommu_init_device(): find_dev_data(), setup_aliases(), clone_aliases() */
static int amd_probe(int i)
{
	struct amd_iommu_pci_seg *s = &amd_seg[D(i)->seg];
	u16 devid = amd_devid(i), ivrs = s->alias_table[devid];
	struct iommu_dev_data *dd = &amd_dev_data[i];

	if (!D(i)->pdev.dev.iommu_priv) {
		dd->devid = devid;
		dd->dev_data_list.next = s->dev_data_list.first;
		s->dev_data_list.first = &dd->dev_data_list;
		D(i)->pdev.dev.iommu_priv = dd;
	}

	D(i)->defer_attach = translation_pre_enabled(amd_of(i));
	if (D(i)->kind != TK_ACPI && ivrs != devid &&
	    PCI_BUS_NUM(ivrs) == D(i)->bus)
		set_bit(ivrs & 0xff, D(i)->pdev.dma_alias_mask);
	clone_aliases(i);
	return 0;
}

/* amd_iommu_def_domain_type() with patch 0010's hook */
static int amd_def_domain_type(int i)
{
	int type = iommu_kdump_def_domain_type(&D(i)->pdev.dev);

	if (type)
		return type;
	return D(i)->needs_identity ? IOMMU_DOMAIN_IDENTITY : 0;
}

static void amd_init(void)
{
	int s, n = tk.nunits;
	bool copied = true;
	u32 devid;

	bitmap_free(amd_iommu_pd_alloc_bitmap);
	amd_iommu_pd_alloc_bitmap = bitmap_zalloc(MAX_DOMAIN_ID, 0);
	set_bit(0, amd_iommu_pd_alloc_bitmap);
	INIT_LIST_HEAD(&amd_iommu_list);
	INIT_LIST_HEAD(&amd_iommu_pci_seg_list);
	amd_pre_enabled = true;
	memset(amd_dev_data, 0, sizeof(amd_dev_data));
	for (s = 0; s < n; s++) {
		struct amd_iommu_pci_seg *seg = &amd_seg[s];
		struct amd_iommu *iommu = &amd[s];

		memset(seg, 0, sizeof(*seg));
		memset(iommu, 0, sizeof(*iommu));
		seg->id = s;
		seg->last_bdf = TK_AMD_SIDS - 1;
		seg->dev_table_size = tk.cfg.amd_devtab_2m ? 0x200000 :
							    TK_AMD_SIDS * 32;
		seg->dev_table = (void *)__get_free_pages(__GFP_ZERO,
						get_order(seg->dev_table_size));
		free(seg->alias_table);
		seg->alias_table = calloc(TK_AMD_SIDS, sizeof(u16));
		for (devid = 0; devid < TK_AMD_SIDS; devid++)
			seg->alias_table[devid] = devid;
		list_add_tail(&seg->list, &amd_iommu_pci_seg_list);
		iommu->index = s;
		iommu->pci_seg = seg;
		iommu->mmio_base = (u8 *)tk.unit[s].regs;
		if (tk.unit[s].enabled)
			iommu->flags |= AMD_IOMMU_FLAG_TRANS_PRE_ENABLED;
		else
			amd_pre_enabled = false;
		list_add_tail(&iommu->list, &amd_iommu_list);
	}
	for (s = 0; s < tk.ndev; s++)
		if (D(s)->ivrs_alias >= 0)
			amd_seg[D(s)->seg].alias_table[rid(s)] = D(s)->ivrs_alias;

	/* copy_device_table() with patches 0006 and 0008 */
	if (!amd_pre_enabled && !amd_iommu_kdump_any_pre_enabled())
		copied = false;
	for (s = 0; copied && s < n; s++)
		if (!amd_iommu_kdump_copy(&amd[s]))
			copied = false;
	/* early_enable_iommus() */
	for (s = 0; s < n; s++) {
		struct amd_iommu_pci_seg *seg = &amd_seg[s];
		struct tk_unit *u = &tk.unit[s];

		if (!copied) {
			/* early_enable_iommu(): iommu_disable() first */
			if (u->enabled)
				u->turned_off = 1;
			u->enabled = 1;
		} else {
			free_pages((unsigned long)seg->dev_table,
				   get_order(seg->dev_table_size));
			seg->dev_table = seg->old_dev_tbl_cpy;
		}
		/* iommu_set_device_table() */
		u->regs[0] = virt_to_phys(seg->dev_table) |
			     (seg->dev_table_size / 4096 - 1);
		u->table = virt_to_phys(seg->dev_table);
		u->installed = 1;
		amd_iommu_kdump_installed(&amd[s]);
		/* patch 0008: a disabled IOMMU translates through the copy */
		if (!translation_pre_enabled(&amd[s])) {
			amd[s].flags |= AMD_IOMMU_FLAG_TRANS_PRE_ENABLED;
			u->enabled = 1;
		}
		u->regs[MMIO_CONTROL_OFFSET / 8] |= 1;
		iommu_flush_all_caches(&amd[s]);
	}
	if (tk.cfg.init_fails) {
		/* state_next() error path with patch 0008 */
		if (!amd_iommu_kdump_keep_translation()) {
			for (s = 0; s < n; s++) {
				tk.unit[s].turned_off |= tk.unit[s].enabled;
				tk.unit[s].enabled = 0;
			}
		}
#ifdef TK_612
		dte_guard(1);
#endif
		return;
	}
	/* amd_iommu_init_pci(): init_device_table_dma(), flush */
	for (s = 0; s < n; s++) {
		struct dev_table_entry *t = amd_seg[s].dev_table;

		for (devid = 0; devid < TK_AMD_SIDS; devid++)
			t[devid].data[0] |= DTE_FLAG_V | DTE_FLAG_TV;
		tk_hw_observe(s);
		iommu_flush_all_caches(&amd[s]);
	}
#ifdef TK_612
	dte_guard(1);
#endif
}

/* ------------------------------------------------------------------ */
/* VT-d, Linux 6.1 drivers/iommu/intel                                  */

static void vtd_flush_context(struct intel_iommu *iommu, u16 did, u16 sid,
			      u8 fm, u64 type)
{
	if (type == DMA_CCMD_GLOBAL_INVL)
		tk_hw_vtd_inv_ctx(0, 1, -1, -1);
	else if (type == DMA_CCMD_DOMAIN_INVL)
		tk_hw_vtd_inv_ctx(0, 0, did, -1);
	else
		tk_hw_vtd_inv_ctx(0, 0, -1, sid);
}

static void vtd_flush_iotlb(struct intel_iommu *iommu, u16 did, u64 addr,
			    unsigned int order, u64 type)
{
	tk_hw_vtd_inv_iotlb(0, type == DMA_TLB_GLOBAL_FLUSH ? -1 : did);
}

void qi_flush_pasid_cache(struct intel_iommu *iommu, u16 did, u64 granu,
			  u32 pasid)
{
	if (granu == QI_PC_GLOBAL)
		tk_hw_vtd_inv_pasid(0, -1, -1);
	else if (granu == QI_PC_ALL_PASIDS)
		tk_hw_vtd_inv_pasid(0, did, -1);
	else
		tk_hw_vtd_inv_pasid(0, did, pasid);
}

void qi_flush_piotlb(struct intel_iommu *iommu, u16 did, u32 pasid, u64 addr,
		     unsigned long npages, bool ih)
{
	tk_hw_vtd_inv_piotlb(0, did, pasid);
}

/* Linux 6.12: the DRHD unit of a PCI device (one unit here) */
struct dmar_drhd_unit *dmar_find_matched_drhd_unit(struct pci_dev *dev)
{
	return &tk_drhd;
}

struct intel_iommu *device_to_iommu(struct device *dev, u8 *bus, u8 *devfn)
{
	int i = dev_of(dev);

	if (bus)
		*bus = D(i)->bus;
	if (devfn)
		*devfn = D(i)->devfn;
	return &vtd;
}

static u32 vtd_ndoms(void)
{
	return 1U << (4 + 2 * (vtd.cap & 7));
}

/* domain_attach_iommu(): the domain's id on the unit */
static void vtd_attach_did(struct tk_domain *dom)
{
	u32 n = vtd_ndoms(), did;

	if (dom->did)
		return;
	did = find_first_zero_bit(vtd.domain_ids, n);
	if (did >= n)
		return;
	tk_mon_did_alloc(0, did, 0);
	set_bit(did, vtd.domain_ids);
	dom->did = did;
}

static u64 *ctx_slot(u8 bus, u8 devfn, bool alloc)
{
	struct root_entry *re = &vtd.root_entry[bus];
	u64 *half = tk.cfg.vendor == TK_VTD_SM && devfn >= 128 ? &re->hi : &re->lo;
	u64 *t;

	if (!(*half & 1)) {
		if (!alloc)
			return NULL;
		t = alloc_pgtable_page(0);
		*half = virt_to_phys(t) | 1;
	}
	t = phys_to_virt(ADDR(*half));
	if (tk.cfg.vendor == TK_VTD_SM)
		return t + (devfn & 127) * 4;
	return t + devfn * 2;
}

struct context_entry *iommu_context_addr(struct intel_iommu *iommu, u8 bus,
					 u8 devfn, int alloc)
{
	return (struct context_entry *)ctx_slot(bus, devfn, alloc);
}

/* intel_pasid_setup_{second_level,first_level,pass_through}(), RID_PASID */
static void vtd_pasid_setup(int i, struct tk_domain *dom)
{
	u64 *dir = phys_to_virt(D(i)->pasid_dir), *tbl, *pe;

	if (!(dir[0] & 1))
		dir[0] = virt_to_phys(alloc_pgtable_page(0)) | 1;
	tbl = phys_to_virt(ADDR(dir[0]));
	pe = tbl;	/* PASID 0 */
	memset(pe, 0, 64);
	if (dom->dom.type == IOMMU_DOMAIN_IDENTITY) {
		pe[1] = FLPT_DEFAULT_DID;
		pe[0] = 1 | 4ULL << 6 | 2ULL << 2;	/* P, PGTT 100b, AW */
	} else if (dom->first_level) {
		pe[1] = dom->did;
		pe[2] = dom->root;			/* FLPM 00b: 4 levels */
		pe[0] = 1 | 1ULL << 6 | 2ULL << 2;	/* P, PGTT 001b */
	} else {
		pe[1] = dom->did;
		pe[0] = dom->root | 1 | 2ULL << 6 | 2ULL << 2;	/* PGTT 010b */
	}
	tk_hw_observe(0);
}

/* domain_context_mapping_one() with patch 0007's hook */
static int ctx_map_one(int i, struct tk_domain *dom, u8 bus, u8 devfn)
{
	u16 sid = PCI_DEVID(bus, devfn), did_old;
	u64 *c = ctx_slot(bus, devfn, true);

	/* 6.1 context_copied(): false without the bitmap */
	bool copied = vtd.copied_tables && test_bit(sid, vtd.copied_tables);

	if ((c[0] & 1) && !copied)
		return 0;
	if (copied) {
		did_old = (c[1] >> 8) & 0xffff;
		if (did_old < vtd_ndoms()) {
			vtd_flush_context(&vtd, did_old, sid, 0,
					  DMA_CCMD_DEVICE_INVL);
			vtd_flush_iotlb(&vtd, did_old, 0, 0, DMA_TLB_DSI_FLUSH);
		}
		clear_bit(sid, vtd.copied_tables);
	}
	if (tk.cfg.vendor == TK_VTD_SM) {
		c[0] = c[1] = c[2] = c[3] = 0;
		c[1] = 0;	/* RID_PASID 0 */
		c[0] = D(i)->pasid_dir | 2ULL << 9 | 1;	/* PDTS: 512 */
	} else if (dom->dom.type == IOMMU_DOMAIN_IDENTITY) {
		c[1] = 2 | (u64)dom->did << 8;		/* AW, DID */
		c[0] = 2ULL << 2 | 1;			/* TT 10b, P */
	} else {
		c[1] = 2 | (u64)dom->did << 8;
		c[0] = dom->root | 1;			/* TT 00b, P */
	}
	tk.unit[0].own[sid] = 1;
	tk_hw_observe(0);
	intel_iommu_kdump_ctx_written(&vtd, bus, devfn);
	return 0;
}

struct ctx_map {
	int dev;
	struct tk_domain *dom;
};

/* domain_context_mapping_one() runs with iommu->lock held, the hook too. */
static int ctx_map_locked(int i, struct tk_domain *dom, u8 bus, u8 devfn)
{
	int ret;

	spin_lock(&vtd.lock);
	ret = ctx_map_one(i, dom, bus, devfn);
	spin_unlock(&vtd.lock);
	return ret;
}

static int ctx_map_cb(struct pci_dev *p, u16 alias, void *data)
{
	struct ctx_map *m = data;

	return ctx_map_locked(m->dev, m->dom, PCI_BUS_NUM(alias), alias & 0xff);
}

/* domain_context_clear_one() for each alias, then the 6.1 NULL domain */
static int ctx_clear_cb(struct pci_dev *p, u16 alias, void *data)
{
	u64 *c = ctx_slot(PCI_BUS_NUM(alias), alias & 0xff, false);
	u16 did_old;

	if (!c)
		return 0;
	did_old = (c[1] >> 8) & 0xffff;
	c[0] &= ~1ULL;
	tk.unit[0].own[alias] = 1;
	tk_hw_observe(0);
	vtd_flush_context(&vtd, did_old, alias, 0, DMA_CCMD_DEVICE_INVL);
	if (tk.cfg.vendor == TK_VTD_SM)
		qi_flush_pasid_cache(&vtd, did_old, QI_PC_ALL_PASIDS, 0);
	vtd_flush_iotlb(&vtd, did_old, 0, 0, DMA_TLB_DSI_FLUSH);
	return 0;
}

/* dmar_remove_one_dev_info() */
static void vtd_remove_dev_info(int i)
{
	if (D(i)->kind != TK_ACPI)
		pci_for_each_dma_alias(&D(i)->pdev, ctx_clear_cb, NULL);
	if (!D(i)->domain) {
		/* spin_lock_irqsave(&domain->lock, ...) with domain NULL */
		tk.oops = 1;
		snprintf(tk.oops_what, sizeof(tk.oops_what),
			 "dmar_remove_one_dev_info(%s): info->domain is NULL",
			 D(i)->pdev.name);
		return;
	}
	D(i)->domain = NULL;
}

#ifdef TK_612
static void vtd_block_translation(int i);

/* 6.12 device_pasid_table_setup() with patches/6.12/0007's hook */
static void pasid_table_setup(int i, u8 bus, u8 devfn)
{
	u16 sid = PCI_DEVID(bus, devfn);
	u64 *c = ctx_slot(bus, devfn, true);
	bool copied = vtd.copied_tables && test_bit(sid, vtd.copied_tables);

	if ((c[0] & 1) && !copied)
		return;
	if (copied) {
		c[0] &= ~1ULL;
		tk_hw_observe(0);
		vtd_flush_context(&vtd, 0, sid, 0, DMA_CCMD_DEVICE_INVL);
		qi_flush_pasid_cache(&vtd, 0, QI_PC_GLOBAL, 0);
		vtd_flush_iotlb(&vtd, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
		c[0] = c[1] = c[2] = c[3] = 0;
		clear_bit(sid, vtd.copied_tables);
	}
	c[1] = 0;	/* RID_PASID 0 */
	c[0] = D(i)->pasid_dir | 2ULL << 9 | 1;	/* PDTS: 512 */
	tk.unit[0].own[sid] = 1;
	tk_hw_observe(0);
	intel_iommu_kdump_ctx_written(&vtd, bus, devfn);
}

static int sm_ctx_cb(struct pci_dev *p, u16 alias, void *data)
{
	int i = *(int *)data;

	/* pci_pasid_table_setup(): the device's own aliases, no bridge's */
	if (p != &D(i)->pdev)
		return 0;
	spin_lock(&vtd.lock);
	pasid_table_setup(i, PCI_BUS_NUM(alias), alias & 0xff);
	spin_unlock(&vtd.lock);
	return 0;
}

/* 6.12 intel_pasid_setup_sm_context() */
static void setup_sm_context(int i)
{
	if (D(i)->kind == TK_ACPI) {
		spin_lock(&vtd.lock);
		pasid_table_setup(i, D(i)->bus, D(i)->devfn);
		spin_unlock(&vtd.lock);
		return;
	}
	pci_for_each_dma_alias(&D(i)->pdev, sm_ctx_cb, &i);
}

/* context_copied() of the device's own source id */
static bool own_ctx_copied(int i)
{
	return vtd.copied_tables && test_bit(PCI_DEVID(D(i)->bus, D(i)->devfn),
					     vtd.copied_tables);
}
#endif

/* intel_iommu_attach_device() with patch 0010's gate */
static int vtd_attach(struct tk_domain *dom, int i)
{
	struct ctx_map m = { i, dom };
	int ret = iommu_kdump_attach_gate(&D(i)->pdev.dev, &dom->dom);

	if (ret)
		return ret;
#ifdef TK_612
	vtd_block_translation(i);
#else
	if (D(i)->domain)
		vtd_remove_dev_info(i);	/* device_block_translation() */
#endif
	vtd_attach_did(dom);
	D(i)->domain = dom;
	if (dom == si_domain)
		vtd_si_users++;
#ifdef TK_612
	/*
	 * Scalable mode: prepare_domain_attach_device() (paging) and
	 * identity_domain_attach_dev() with patches/6.12/0010: the context
	 * entries of a copied or taken-over unit here, after the gate; then
	 * the RID_PASID entry. No context entry of a bridge alias.
	 */
	if (tk.cfg.vendor == TK_VTD_SM) {
		if (intel_iommu_kdump_sm_attach(&vtd, &D(i)->pdev.dev) ||
		    own_ctx_copied(i))
			setup_sm_context(i);
		vtd_pasid_setup(i, dom);
		return 0;
	}
#endif
	if (tk.cfg.vendor == TK_VTD_SM)
		vtd_pasid_setup(i, dom);
	if (D(i)->kind == TK_ACPI)
		ctx_map_locked(i, dom, D(i)->bus, D(i)->devfn);
	else
		pci_for_each_dma_alias(&D(i)->pdev, ctx_map_cb, &m);
	return 0;
}

#ifdef TK_612
/* intel_iommu_probe_device(): the device's device_domain_info */
static struct device_domain_info vtd_info[TK_MAX_DEVS];
#endif

static int vtd_probe(int i)
{
#ifdef TK_612
	vtd_info[i].bus = D(i)->bus;
	vtd_info[i].devfn = D(i)->devfn;
	vtd_info[i].iommu = &vtd;
	D(i)->pdev.dev.iommu_priv = &vtd_info[i];
#endif
	if (tk.cfg.vendor == TK_VTD_SM)
		D(i)->pasid_dir = virt_to_phys(alloc_pgtable_page(0));
#ifdef TK_612
	/* intel_iommu_probe_device() with patches/6.12/0010 */
	if (tk.cfg.vendor == TK_VTD_SM && !own_ctx_copied(i) &&
	    !intel_iommu_kdump_sm_at_attach(&vtd))
		setup_sm_context(i);
#endif
	return 0;
}

#ifdef TK_612
/* 6.12 device_block_translation(): only an attached device's entries */
static void vtd_block_translation(int i)
{
	struct tk_domain *dom = D(i)->domain;
	u64 *dir, *pe;

	if (!dom)
		return;
	if (tk.cfg.vendor == TK_VTD_SM) {
		/* intel_pasid_tear_down_entry(RID_PASID) */
		dir = phys_to_virt(D(i)->pasid_dir);
		if (dir[0] & 1) {
			pe = phys_to_virt(ADDR(dir[0]));
			pe[0] &= ~1ULL;
			tk_hw_observe(0);
			qi_flush_pasid_cache(&vtd, dom->did, QI_PC_PASID_SEL, 0);
			vtd_flush_iotlb(&vtd, dom->did, 0, 0, DMA_TLB_DSI_FLUSH);
			memset(pe, 0, 64);
		}
	} else if (D(i)->kind != TK_ACPI) {
		pci_for_each_dma_alias(&D(i)->pdev, ctx_clear_cb, NULL);
	}
	if (dom == si_domain)
		vtd_si_users--;
	D(i)->domain = NULL;
}

/* 6.12 blocking_domain_attach_dev() with patches/6.12/0010's gate */
static int vtd_block_attach(int i)
{
	iommu_kdump_attach_gate(&D(i)->pdev.dev, &blocked_domain.dom);
	vtd_block_translation(i);
	return 0;
}
#endif

/* device_def_domain_type() with patch 0010's hook */
static int vtd_def_domain_type(int i)
{
	int type = iommu_kdump_def_domain_type(&D(i)->pdev.dev);

	if (type)
		return type;
	return D(i)->needs_identity ? IOMMU_DOMAIN_IDENTITY : 0;
}

/* iommu_set_root_entry(): RTADDR, SRTP, then global flushes */
static void vtd_set_root_entry(void)
{
	struct tk_unit *u = &tk.unit[0];

	*(u64 *)((u8 *)u->regs + DMAR_RTADDR_REG) =
		virt_to_phys(vtd.root_entry) | (vtd.sm ? 1ULL << 10 : 0);
	u->table = virt_to_phys(vtd.root_entry);
	u->sm = vtd.sm;
	u->installed = 1;
	tk_hw_observe(0);
	vtd_flush_context(&vtd, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
	if (vtd.sm)
		qi_flush_pasid_cache(&vtd, 0, QI_PC_GLOBAL, 0);
	vtd_flush_iotlb(&vtd, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
}

static void vtd_init(void)
{
	struct tk_unit *u = &tk.unit[0];
	/* CONFIG_INTEL_IOMMU_DEFAULT_OFF, or intel_iommu=off */
	int dmar_disabled = tk.cfg.default_off || tk.cfg.intel_off;
	int no_platform_optin = tk.cfg.intel_off;

	bitmap_free(vtd.domain_ids);
	bitmap_free(vtd.copied_tables);
	memset(&vtd, 0, sizeof(vtd));
	snprintf(vtd.name, sizeof(vtd.name), "dmar0");
	vtd.reg = u->regs;
	vtd.cap = u->regs[1];
	vtd.ecap = u->regs[2];
	vtd.sm = tk.cfg.vendor == TK_VTD_SM;
	vtd.flush.flush_context = vtd_flush_context;
	vtd.flush.flush_iotlb = vtd_flush_iotlb;
	vtd.qi = &vtd;
	si_domain = NULL;
	vtd_si_users = 0;

	/* intel_iommu_init(), with patch 0009's hook */
	if (dmar_disabled && !no_platform_optin && intel_iommu_kdump_force_on())
		dmar_disabled = 0;
	if (dmar_disabled) {
		/* intel_disable_iommus() */
		u->turned_off |= u->enabled;
		u->enabled = 0;
		return;
	}
	/* init_dmars(): iommu_init_domains(), iommu_alloc_root_entry() */
	vtd.domain_ids = bitmap_zalloc(vtd_ndoms(), 0);
	set_bit(0, vtd.domain_ids);
	if (vtd.sm)
		set_bit(FLPT_DEFAULT_DID, vtd.domain_ids);
	vtd.root_entry = alloc_pgtable_page(0);
	if (u->enabled)
		intel_iommu_kdump_copy(&vtd, NULL);	/* patch 0007 */
	vtd_set_root_entry();
	if (tk.cfg.init_fails) {
		/* si_domain_init() fails: free_iommu: with patch 0009's hook */
		if (intel_iommu_kdump_keep(&vtd)) {
			if (intel_iommu_kdump_block_all(&vtd))
				vtd_set_root_entry();
		} else {
			u->turned_off |= u->enabled;
			u->enabled = 0;
		}
		return;
	}
	/* iommu_enable_translation() when not pre-enabled */
	u->enabled = 1;
	*(u32 *)((u8 *)u->regs + DMAR_GSTS_REG) |= DMA_GSTS_TES;
}

/* ------------------------------------------------------------------ */
/* IOMMU core, Linux 6.1 drivers/iommu/iommu.c                          */

static int is_deferred(int i)
{
#ifdef TK_612
	/* dev->iommu->attach_deferred: the vendor's answer at probe */
	if (D(i)->probed)
		return D(i)->dev_iommu.attach_deferred;
#endif
	if (tk.cfg.vendor == TK_AMD)
		return D(i)->defer_attach;
	return tk.unit[0].was_enabled && !D(i)->domain;	/* 6.1 intel */
}

static int vendor_attach(struct tk_domain *dom, int i)
{
#ifdef TK_612
	int ret;

	if (dom == &blocked_domain)
		return tk.cfg.vendor == TK_AMD ? amd_block_attach(i) :
						 vtd_block_attach(i);
	ret = tk.cfg.vendor == TK_AMD ? amd_attach(dom, i) : vtd_attach(dom, i);
	/* __iommu_attach_device(): attach_deferred = 0 on success */
	if (!ret)
		D(i)->dev_iommu.attach_deferred = 0;
	return ret;
#else
	return tk.cfg.vendor == TK_AMD ? amd_attach(dom, i) : vtd_attach(dom, i);
#endif
}

int iommu_deferred_attach(struct device *dev, struct iommu_domain *domain)
{
	int i = dev_of(dev);

	if (is_deferred(i))
		return vendor_attach(container_of(domain, struct tk_domain, dom), i);
	return 0;
}

#ifdef TK_612
/*
 * 6.12 __iommu_device_set_domain(): a deferred device is left alone for
 * its group's default domain; an attach that fails under
 * IOMMU_SET_DOMAIN_MUST_SUCCEED falls back to the blocking domain.
 */
static int core_set_domain(int i, struct tk_domain *dom, bool must)
{
	struct tk_group *g = D(i)->group;
	int ret;

	if (D(i)->dev_iommu.attach_deferred) {
		if (dom == g->default_domain)
			return 0;
		D(i)->dev_iommu.attach_deferred = 0;
	}
	ret = vendor_attach(dom, i);
	if (ret && must && dom != &blocked_domain)
		vendor_attach(&blocked_domain, i);
	return ret;
}
#endif

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	struct tk_group *g = D(dev_of(dev))->group;

	return g && g->domain ? &g->domain->dom : NULL;
}

static int def_domain_type(int i)
{
	return tk.cfg.vendor == TK_AMD ? amd_def_domain_type(i) :
					 vtd_def_domain_type(i);
}

/* pci_device_group(): a group per DMA alias, bridge, multi-function slot */
struct grp_find {
	int dev;
	struct tk_group *g;
};

static int alias_group(struct pci_dev *p, u16 alias, void *data)
{
	struct grp_find *f = data;
	int j;

	for (j = 0; j < tk.ndev; j++) {
		if (j == f->dev || !D(j)->group || D(j)->kind == TK_ACPI ||
		    D(j)->seg != D(f->dev)->seg)
			continue;
		if (rid(j) == alias || dev_of(&p->dev) == j)
			f->g = D(j)->group;
	}
	return 0;
}

static struct tk_group *device_group(int i)
{
	struct grp_find f = { i, NULL };
	struct tk_group *g;
	int j;

	if (D(i)->kind != TK_ACPI) {
		pci_for_each_dma_alias(&D(i)->pdev, alias_group, &f);
		if (!f.g && D(i)->parent >= 0 &&
		    D(D(i)->parent)->kind == TK_PCIE_PCI_BRIDGE)
			f.g = D(D(i)->parent)->group;
		for (j = 0; !f.g && j < tk.ndev; j++)
			if (j != i && D(j)->group && D(j)->kind == TK_ENDPOINT &&
			    D(j)->seg == D(i)->seg && D(j)->bus == D(i)->bus &&
			    PCI_SLOT(D(j)->devfn) == PCI_SLOT(D(i)->devfn))
				f.g = D(j)->group;
	}
	if (f.g)
		return f.g;
	g = calloc(1, sizeof(*g));
	g->id = tk.ngroups;
	tk.groups[tk.ngroups++] = g;
	return g;
}

static void group_add(struct tk_group *g, int i)
{
	g->devs[g->ndevs++] = i;
	D(i)->group = g;
}

static void group_remove(int i)
{
	struct tk_group *g = D(i)->group;
	int k, n = 0;

	for (k = 0; k < g->ndevs; k++)
		if (g->devs[k] != i)
			g->devs[n++] = g->devs[k];
	g->ndevs = n;
	D(i)->group = NULL;
}

/* __iommu_probe_device(): the vendor's probe_device, then the group */
static int probe_device(int i)
{
	int ret = tk.cfg.vendor == TK_AMD ? amd_probe(i) : vtd_probe(i);

	if (ret)
		return ret;
	group_add(device_group(i), i);
#ifdef TK_612
	D(i)->dev_iommu.attach_deferred = is_deferred(i);	/* iommu_init_device() */
#endif
	D(i)->probed = 1;
	return 0;
}

/*
 * probe_get_default_domain_type(): a conflict falls back to the default;
 * 6.12 iommu_get_default_domain_type(): in a conflict IDENTITY wins.
 */
static unsigned int group_type(struct tk_group *g)
{
	unsigned int type = 0, t;
	int k;
#ifdef TK_612
	for (k = 0; k < g->ndevs; k++) {
		t = def_domain_type(g->devs[k]);
		if (!t || t == type)
			continue;
		if (!type || t == IOMMU_DOMAIN_IDENTITY)
			type = t;
	}
#else
	int first = -1;

	for (k = 0; k < g->ndevs; k++) {
		t = def_domain_type(g->devs[k]);
		if (!t)
			continue;
		if (type && type != t)
			type = 0;
		if (first < 0) {
			first = g->devs[k];
			type = t;
		}
	}
#endif
	if (!type)
		type = tk.cfg.pt ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
	return type;
}

static void group_alloc_default_domain(struct tk_group *g, unsigned int type)
{
	g->default_domain = domain_alloc(type);
	if (!g->domain)
		g->domain = g->default_domain;
}

/* bus_iommu_probe(): every attach is deferred in a kdump kernel */
static void bus_iommu_probe(void)
{
	int i, k;

	for (i = 0; i < tk.ndev; i++)
		if (D(i)->present)
			probe_device(i);
	for (k = 0; k < tk.ngroups; k++) {
		struct tk_group *g = tk.groups[k];
		int j;

		if (g->default_domain)
			continue;
		group_alloc_default_domain(g, group_type(g));
		for (j = 0; j < g->ndevs; j++)
			if (!is_deferred(g->devs[j]))
				vendor_attach(g->domain, g->devs[j]);
	}
}

/* iommu_release_device() */
static void release_device(int i)
{
	if (tk.cfg.vendor == TK_AMD) {
		/* amd_iommu_uninit_device() */
		if (D(i)->domain)
			amd_detach(i);
	} else {
		vtd_remove_dev_info(i);
	}
	group_remove(i);
	D(i)->probed = 0;
}

/* iommu_probe_device(): a device added after boot */
static void iommu_probe_device(int i)
{
	struct tk_group *g;

	if (probe_device(i))
		return;
	g = D(i)->group;
	if (!g->default_domain)
		group_alloc_default_domain(g, group_type(g));
	/* patch 0010: a deferred attach is left to the device's first use */
	if (g->default_domain && !is_deferred(i)) {
		if (vendor_attach(g->default_domain, i))
			release_device(i);
	}
}

/* ------------------------------------------------------------------ */
/* Machine                                                             */

/**
 * tk_sim_init() - a fresh machine for one run
 * @cfg: the run's configuration
 *
 * The devices are added by the caller (tk_add_dev()), then the generator
 * writes the crashed kernel's tables, then tk_boot().
 */
void tk_sim_init(const struct tk_cfg *cfg)
{
	int k;

#ifdef TK_612
	dte_guard(0);
	tk_dte_stores = tk_dte_unlocked = 0;
#endif
	memset(&tk, 0, sizeof(tk));
	memset(buses, 0, sizeof(buses));
	for (k = 0; k < 8; k++) {
		buses[0][k].number = k;
		buses[1][k].number = k;
		buses[1][k].domain_nr = 1;
	}
	tk.cfg = *cfg;
	tk.nunits = cfg->vendor == TK_AMD ? 2 : 1;
	for (k = 0; k < tk.nunits; k++) {
		tk.unit[k].seg = k;
		tk.unit[k].own = calloc(65536, 1);
	}
	pci_nb = NULL;
	ndoms = 0;
	tk_work_reset();
	tk_mem_init();
	tk_mon_reset();
}

int bus_register_notifier(struct bus_type *bus, struct notifier_block *nb)
{
	pci_nb = nb;
	return 0;
}

/* The vendor's IOMMU driver is up (else no device has IOMMU ops). */
static bool iommu_ready(void)
{
	if (tk.cfg.init_fails)
		return false;
	if (tk.cfg.vendor != TK_AMD && !tk.unit[0].installed)
		return false;
	return true;
}

static void notify_add(int i)
{
	if (pci_nb && D(i)->kind != TK_ACPI)
		pci_nb->notifier_call(pci_nb, BUS_NOTIFY_ADD_DEVICE, &D(i)->pdev.dev);
}

static void notify_add_all(void)
{
	int i;

	for (i = 0; i < tk.ndev; i++)
		if (D(i)->present)
			notify_add(i);
}

/**
 * tk_boot() - the capture kernel boots: its IOMMU takes over, devices
 *	present at boot are probed into groups with deferred attach
 */
void tk_boot(void)
{
	int i;

	tk_mem_protect_old();
	for (i = 0; i < tk.ndev; i++) {
		/* pci_add_dma_alias() of a quirk, at enumeration */
		if (D(i)->quirk_alias >= 0)
			set_bit(D(i)->quirk_alias, D(i)->pdev.dma_alias_mask);
		D(i)->present = D(i)->at_boot;
		D(i)->bme = D(i)->at_crash && D(i)->present;
	}
	for (i = 0; i < tk.ndev; i++)
		if (D(i)->present)
			init_reset_methods(i);
	/* What the crashed kernel's IOMMUs cached: anything in its tables. */
	tk_hw_observe_all();
	tk_mon_crash_state();
	tk_set_param("iommu_kdump_retire", tk.cfg.retire_attach ? "attach" : "reset");
	tk_set_param("iommu_kdump_quiesce", tk.cfg.quiesce ? "1" : "0");
	tk_run_initcalls();
	/*
	 * PCI enumeration (BUS_NOTIFY_ADD_DEVICE) comes before VT-d's table
	 * copy (intel_iommu_init(), rootfs_initcall) and after AMD-Vi's when
	 * interrupt remapping enables the IOMMUs early (amd_iommu_enable()).
	 */
	if (tk.cfg.vendor == TK_AMD) {
		amd_init();
		notify_add_all();
	} else {
		notify_add_all();
		vtd_init();
	}
	tk.booted = 1;
	tk_mon_boot_done();
	if (!iommu_ready())
		return;
	bus_iommu_probe();
}


/* The bound driver maps a buffer and the device writes it. */
void tk_dma_map(int i)
{
	struct tk_group *g = D(i)->group;
	struct tk_domain *dom = g ? g->domain : NULL;

	if (!D(i)->bound || !D(i)->present)
		return;
	if (dom && dom->dom.type != IOMMU_DOMAIN_IDENTITY && iommu_ready()) {
		/* iommu_dma_map_*(): the deferred attach, then the IOVA */
		if (iommu_deferred_attach(&D(i)->pdev.dev, &dom->dom))
			return;	/* DMA_MAPPING_ERROR */
		tk_hw_observe_all();
		tk_mon_dma(i, dom->iova, 1);
		return;
	}
	/* dma-direct: the physical address of a buffer in capture RAM */
	if (!D(i)->direct_buf)
		D(i)->direct_buf =
			virt_to_phys((void *)__get_free_pages(__GFP_ZERO, 0));
	tk_mon_dma(i, D(i)->direct_buf, 0);
}

/* really_probe(): BUS_NOTIFY_BIND_DRIVER, then the driver's probe. */
void tk_bind(int i)
{
	struct tk_dev *d = D(i);

	if (!d->present || d->bound)
		return;
	d->bound = 1;
	d->pdev.dev.driver = &drv;
	if (d->kind != TK_ACPI && pci_nb)
		pci_nb->notifier_call(pci_nb, BUS_NOTIFY_BIND_DRIVER, &d->pdev.dev);
	/* Bridges (pcieport) map no DMA: they originate none. */
	if (d->kind != TK_ENDPOINT && d->kind != TK_ACPI)
		return;
	if (d->kind != TK_ACPI)
		pci_set_master(&d->pdev);
	tk_dma_map(i);
}

/* device_release_driver(): the driver's remove disables the device */
void tk_unbind(int i)
{
	struct tk_dev *d = D(i);

	if (!d->present || !d->bound)
		return;
	if (d->kind != TK_ACPI)
		pci_clear_master(&d->pdev);	/* pci_disable_device() */
	d->bound = 0;
	d->pdev.dev.driver = NULL;
}

/* sysfs reset: pci_reset_function() */
void tk_sysfs_reset(int i)
{
	if (!D(i)->present || D(i)->kind != TK_ENDPOINT)
		return;
	pci_reset_function_locked(&D(i)->pdev);
}

/* sysfs reset of a bridge's secondary bus: pci_reset_bus() */
void tk_bus_reset(int b)
{
	if (!D(b)->present || !D(b)->sub)
		return;
	secondary_bus_reset(b);
}

void tk_hot_add(int i)
{
	if (D(i)->present)
		return;
	D(i)->present = 1;
	D(i)->bme = 0;
	init_reset_methods(i);
	/* device_add(): the bus notifiers, the IOMMU core's probe among them */
	notify_add(i);
	if (iommu_ready())
		iommu_probe_device(i);
}

/* iommu_group_store_type() / iommu_change_dev_def_domain() */
void tk_set_type(int i, const char *type)
{
	struct tk_group *g = D(i)->group;
	struct tk_domain *prev, *dom;
	unsigned int req, ddt;

	if (!g || !g->default_domain || g->ndevs != 1 || D(i)->bound)
		return;
	if (!strcmp(type, "identity"))
		req = IOMMU_DOMAIN_IDENTITY;
	else if (!strcmp(type, "DMA"))
		req = IOMMU_DOMAIN_DMA;
	else
		req = 0;
	if (g->default_domain != g->domain)
		return;
	prev = g->default_domain;
	ddt = def_domain_type(i);
	if (!req)
		req = ddt ? ddt : (tk.cfg.pt ? IOMMU_DOMAIN_IDENTITY :
				   IOMMU_DOMAIN_DMA);
	else if (ddt && req != ddt)
		return;
	if (prev->dom.type == req)
		return;
	dom = domain_alloc(req);
	g->default_domain = dom;
#ifdef TK_612
	/*
	 * 6.12 iommu_setup_default_domain(): __iommu_group_set_domain(), a
	 * deferred device left alone; on failure the old domain again,
	 * IOMMU_SET_DOMAIN_MUST_SUCCEED (err_revert), then the old default.
	 */
	if (core_set_domain(i, dom, false)) {
		core_set_domain(i, prev, true);
		domain_free(dom);
		g->default_domain = prev;
		return;
	}
	g->domain = dom;
	domain_free(prev);
	return;
#endif
	if (vendor_attach(dom, i)) {
		domain_free(dom);
		g->default_domain = prev;
		g->domain = prev;
		return;
	}
	g->domain = dom;
	domain_free(prev);
}

/*
 * VFIO opens the group of @i, bound to vfio-pci, then closes it: 6.12
 * iommu_group_claim_dma_owner() attaches the group's blocking domain,
 * iommu_group_release_dma_owner() its default domain again
 * (__iommu_group_set_domain_nofail()). A group is viable when no other
 * device of it has a driver.
 */
void tk_vfio_open_close(int i)
{
#ifdef TK_612
	struct tk_group *g = D(i)->group;
	int k;

	if (!D(i)->present || !D(i)->bound || !g || !g->default_domain ||
	    g->domain != g->default_domain)
		return;
	for (k = 0; k < g->ndevs; k++)
		if (g->devs[k] != i && D(g->devs[k])->bound)
			return;
	for (k = 0; k < g->ndevs; k++)
		core_set_domain(g->devs[k], &blocked_domain, false);
	g->domain = &blocked_domain;
	tk_hw_observe_all();
	tk_mon_check("vfio-open");
	for (k = 0; k < g->ndevs; k++)
		core_set_domain(g->devs[k], g->default_domain, true);
	g->domain = g->default_domain;
#endif
}

/** tk_sim_fini() - end of a run: everything the model allocated goes */
void tk_sim_fini(void)
{
	int k;

#ifdef TK_612
	dte_guard(0);
#endif
	for (k = 0; k < ndoms; k++)
		free(doms[k]);
	ndoms = 0;
	free(si_domain);
	si_domain = NULL;
	for (k = 0; k < tk.ngroups; k++)
		free(tk.groups[k]);
	tk.ngroups = 0;
	for (k = 0; k < TK_MAX_UNITS; k++) {
		free(tk.unit[k].own);
		free(tk.unit[k].ce);
		free(tk.unit[k].hidx);
		tk.unit[k].own = NULL;
		tk.unit[k].ce = NULL;
		tk.unit[k].hidx = NULL;
		free(amd_seg[k].alias_table);
		amd_seg[k].alias_table = NULL;
	}
	bitmap_free(amd_iommu_pd_alloc_bitmap);
	amd_iommu_pd_alloc_bitmap = NULL;
	bitmap_free(vtd.domain_ids);
	bitmap_free(vtd.copied_tables);
	vtd.domain_ids = vtd.copied_tables = NULL;
	tk_mem_fini();
}
