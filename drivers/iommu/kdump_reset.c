// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover: when an entry taken over from the crashed
 * kernel may be replaced, and what the capture kernel does to get there.
 *
 * The invariant (iommu_kdump_retire=reset, the default): no device that
 * may still run the crashed kernel's DMA gets an identity mapping or write
 * access to capture-kernel memory before it was reset. An entry taken
 * over (copied, or the blocking entry of a rejected one) is replaced only
 * once every device whose DMA may carry its source id -- the device itself
 * and every device sharing that id as a DMA alias (behind a PCIe-to-PCI
 * bridge, a quirk alias, an AMD-Vi IVRS alias) -- was reset (PCI function
 * or secondary bus reset: hooks in drivers/pci/pci.c) or, for a
 * translated domain, had Bus Master Enable cleared by the capture kernel
 * since the takeover. The vendors pass every attach through
 * iommu_kdump_attach_gate(), so the rule also holds for the DMA API's
 * deferred attach on a first mapping, a hot-added device's and a sysfs
 * change of the group type; an attach it refuses turns the copied entries
 * in force into blocking ones (a driver on dma-direct would otherwise
 * send its own addresses through the crashed kernel's mappings).
 *
 * A driver binding to such a device (BUS_NOTIFY_BIND_DRIVER, device lock
 * held) first resets it when it has a reset method, also when it was only
 * stopped before (Bus Master Enable cleared as a device sharing a source
 * id of one bound earlier: the driver sets it again); when it has none, or
 * the reset fails, its Bus Master Enable is cleared instead (its driver
 * sets it again once it has set the device up). The other devices sharing
 * one of its source ids that have no driver get Bus Master Enable cleared
 * too. Then the device is attached to its IOMMU domain (also when nothing
 * of it was taken over: an identity domain has no deferred attach), which
 * makes the vendor write its own entries, or refuse and block them.
 * Bridges are never reset nor stopped: they originate no DMA of their
 * own, so a PCIe port's entry is replaced at once and a conventional
 * bridge's (the alias of the devices below) once those devices are
 * quiesced. A reset the capture kernel did not ask for (sysfs, a driver)
 * retires the entries from a work item when it made them clear, and
 * attaches the bound devices sharing them.
 *
 * An identity mapping (iommu=pt) needs more than Bus Master Enable
 * cleared, which a driver sets again without knowing what the device
 * still does: it replaces an entry of a source id taken over (also the
 * capture kernel's own translated entry after it) only once every device
 * sharing the source id was reset. A device without a reset method, and
 * one that is not PCI, is therefore given a translated default domain
 * instead of the identity domain (iommu_kdump_def_domain_type()), and one
 * whose reset fails under an identity domain is blocked (and works no
 * DMA). A device that is not PCI cannot be quiesced at all: its copied
 * entry is blocked on its first attach.
 *
 * Residual risk of a device without a working reset: its Bus Master
 * Enable is cleared, then its driver sets it again; if its engine then
 * resumes descriptors of the crashed kernel, their IOVAs go through the
 * new translated domain, where the capture kernel may have mapped its own
 * buffers at the same addresses (README.kdump.md: the takeover's promises).
 *
 * With iommu_kdump_retire=attach nothing here acts: entries are replaced
 * on the first attach, as Linux 6.1 does.
 */

#define pr_fmt(fmt) "iommu kdump: " fmt

#include <linux/crash_dump.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/iommu_kdump.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "kdump_compat.h"
#include "kdump_core.h"

/* Most devices sharing one source id that are considered (64 per bus). */
#define IK_MAX_SHARERS	256

static DEFINE_MUTEX(ik_attach_mutex);

/* Devices to retire after a reset the capture kernel did not ask for. */
struct ik_queued {
	struct list_head node;
	struct pci_dev *pdev;
};

static LIST_HEAD(ik_retire_list);
static void ik_retire_fn(struct work_struct *work);
static DECLARE_WORK(ik_retire_work, ik_retire_fn);

static bool ik_covers(struct iommu_kdump_unit *u, struct pci_dev *pdev)
{
	return u->segment == pci_domain_nr(pdev->bus) &&
	       (!u->ops->covers || u->ops->covers(u, pdev));
}

static u16 ik_rid(struct pci_dev *pdev)
{
	return PCI_DEVID(pdev->bus->number, pdev->devfn);
}

/*
 * Every source id the DMA of @pdev may carry in @u: its requester id and
 * DMA aliases (pci_for_each_dma_alias()), and the vendor's own aliases
 * that walk does not know (an AMD-Vi IVRS alias on another bus).
 */
static void ik_walk_aliases(struct iommu_kdump_unit *u, struct pci_dev *pdev,
			    int (*fn)(struct pci_dev *pdev, u16 alias, void *data),
			    void *data)
{
	int extra = u->ops->extra_alias ? u->ops->extra_alias(u, pdev) : -1;

	pci_for_each_dma_alias(pdev, fn, data);
	if (extra >= 0)
		fn(pdev, extra, data);
}

/* Does a DMA alias walk meet @sid? */
struct ik_find {
	u16 sid;
	bool found;
};

static int ik_find_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct ik_find *f = data;

	if (alias == f->sid)
		f->found = true;
	return 0;
}

/*
 * The devices (not bridges) of @u whose DMA may carry @sid, referenced.
 * Returns their number, or -E2BIG when there are more than @max.
 */
static int ik_sharers(struct iommu_kdump_unit *u, u16 sid,
		      struct pci_dev **devs, int max)
{
	struct pci_dev *d = NULL;
	struct ik_find f;
	int n = 0;

	for_each_pci_dev(d) {
		if (d->subordinate || !ik_covers(u, d))
			continue;
		f.sid = sid;
		f.found = false;
		ik_walk_aliases(u, d, ik_find_alias, &f);
		if (!f.found)
			continue;
		if (n == max) {
			pci_dev_put(d);
			while (n)
				pci_dev_put(devs[--n]);
			return -E2BIG;
		}
		devs[n++] = pci_dev_get(d);
	}
	return n;
}

/* The source ids the DMA of one device carries, in one unit. */
struct ik_aliases {
	struct iommu_kdump_unit *unit;
	bool identity;	/* the replacement is an identity mapping */
	u16 sid[8];
	unsigned int n;
	unsigned int live;	/* of them, still the takeover's entries */
	bool tainted;	/* one was taken over: may run old DMA */
	bool more;	/* (too many to list: never clear) */
	bool blocked;	/* one may not be replaced by such a mapping */
};

static int ik_collect_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct ik_aliases *a = data;
	unsigned long flags;
	bool taken, live, clear;
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->sid[i] == alias)
			return 0;
	spin_lock_irqsave(&ik_lock, flags);
	taken = ik_ledger_orig(a->unit, alias);
	live = ik_ledger_live(a->unit, alias);
	clear = ik_ledger_may_replace(a->unit, alias, a->identity);
	spin_unlock_irqrestore(&ik_lock, flags);
	a->tainted |= taken;
	a->live += live;
	if (!clear)
		a->blocked = true;
	if (a->n < ARRAY_SIZE(a->sid))
		a->sid[a->n++] = alias;
	else
		a->more = true;
	return 0;
}

static void ik_collect(struct iommu_kdump_unit *u, struct pci_dev *pdev,
		       bool identity, struct ik_aliases *a)
{
	memset(a, 0, sizeof(*a));
	a->unit = u;
	a->identity = identity;
	ik_walk_aliases(u, pdev, ik_collect_alias, a);
}

/* May @pdev still run the crashed kernel's DMA, as far as @u knows? */
static bool ik_tainted(struct iommu_kdump_unit *u, struct pci_dev *pdev)
{
	struct ik_aliases a;

	ik_collect(u, pdev, false, &a);
	return a.tainted || a.more;
}

/*
 * A device whose source id was taken over in @u may still run the crashed
 * kernel's DMA: guard every source id its DMA carries (ik_ledger_guard()).
 */
static void ik_guard_dev(struct iommu_kdump_unit *u, struct pci_dev *pdev)
{
	struct ik_aliases a;
	unsigned long flags;
	unsigned int i;

	if (pdev->subordinate || !ik_covers(u, pdev))
		return;
	ik_collect(u, pdev, false, &a);
	if (!a.tainted)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	for (i = 0; i < a.n; i++)
		ik_ledger_guard(u, a.sid[i]);
	spin_unlock_irqrestore(&ik_lock, flags);
}

/**
 * ik_guard_unit() - guard the source ids of the devices present
 * @u: a unit just published
 *
 * Devices added later are guarded when they are (ik_bus_notify()).
 */
void ik_guard_unit(struct iommu_kdump_unit *u)
{
	struct pci_dev *d = NULL;

	for_each_pci_dev(d)
		ik_guard_dev(u, d);
}

static void ik_mark(struct pci_dev *pdev, u8 how)
{
	struct iommu_kdump_unit *u;
	unsigned long flags;

	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, pdev))
			continue;
		spin_lock_irqsave(&ik_lock, flags);
		ik_ledger_quiesced(u, ik_rid(pdev), how);
		spin_unlock_irqrestore(&ik_lock, flags);
	}
}

/*
 * Record whether the gate refused the last attach of @dev (ik_sid.held):
 * Linux 6.12's core counts a refused attach whose fallback, the blocking
 * domain, the gate held without writing, as done.
 */
static void ik_hold(struct device *dev, bool held)
{
	struct iommu_kdump_unit *u;
	unsigned long flags;

	if (!dev_is_pci(dev))
		return;
	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, to_pci_dev(dev)))
			continue;
		spin_lock_irqsave(&ik_lock, flags);
		u->sids[ik_rid(to_pci_dev(dev))].held = held;
		spin_unlock_irqrestore(&ik_lock, flags);
	}
}

/* Was the last attach of @pdev refused by the gate? */
static bool ik_held(struct pci_dev *pdev)
{
	struct iommu_kdump_unit *u;
	unsigned long flags;
	bool held = false;

	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, pdev))
			continue;
		spin_lock_irqsave(&ik_lock, flags);
		held |= u->sids[ik_rid(pdev)].held;
		spin_unlock_irqrestore(&ik_lock, flags);
	}
	return held;
}

/* Would @pdev's entries be replaced by an identity mapping? */
static bool ik_identity(struct pci_dev *pdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);

	return domain && domain->type == IOMMU_DOMAIN_IDENTITY;
}

/*
 * Make the entries of @pdev clear: with @stop, devices that may still run
 * old DMA (ik_tainted()), share one of its source ids, were not quiesced
 * and have no driver (or are @pdev) get Bus Master Enable cleared, unless
 * the replacement is an identity mapping (then only resets count).
 * Records for each source id which replacement those devices allow
 * (ik_ledger_clear()). Returns true when every entry of @pdev and its
 * aliases may be replaced by its domain's; @live counts those still the
 * takeover's.
 */
static bool ik_clear_dev(struct pci_dev *pdev, bool stop, unsigned int *live)
{
	bool reset_only = ik_identity(pdev);
	u8 want = reset_only ? IK_CLEAR_ID : IK_CLEAR_DMA;
	struct pci_dev **devs;
	struct iommu_kdump_unit *u;
	struct ik_aliases a;
	unsigned long flags;
	bool ok = true;
	u16 rids[32];
	unsigned int i, k;
	int n, j, t;

	*live = 0;
	if (reset_only)
		stop = false;
	devs = kcalloc(IK_MAX_SHARERS, sizeof(*devs), GFP_KERNEL);
	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, pdev))
			continue;
		ik_collect(u, pdev, reset_only, &a);
		*live += a.live;
		if (a.more || !devs) {
			ok = false;
			continue;
		}
		for (i = 0; i < a.n; i++) {
			n = ik_sharers(u, a.sid[i], devs, IK_MAX_SHARERS);
			if (n < 0 || n > (int)ARRAY_SIZE(rids)) {
				pci_warn(pdev, "iommu kdump: too many devices share source id %#06x\n",
					 a.sid[i]);
				ok = false;
				n = n < 0 ? 0 : n;
				goto put;
			}
			for (j = 0, t = 0; j < n; j++) {
				if (!ik_tainted(u, devs[j]))
					continue;
				rids[t++] = ik_rid(devs[j]);
				if (!stop || (devs[j] != pdev && devs[j]->dev.driver))
					continue;
				spin_lock_irqsave(&ik_lock, flags);
				k = u->sids[ik_rid(devs[j])].quiesced;
				spin_unlock_irqrestore(&ik_lock, flags);
				if (k)
					continue;
				pci_clear_master(devs[j]);
				if (devs[j] == pdev)
					pci_info(pdev, "iommu kdump: bus mastering off until its driver sets it up\n");
				else
					pci_info(devs[j], "iommu kdump: bus mastering off until its driver sets it up (shares source id %#06x with %s)\n",
						 a.sid[i], pci_name(pdev));
				ik_mark(devs[j], IK_Q_MASTER);
			}
			spin_lock_irqsave(&ik_lock, flags);
			if (t)
				ik_ledger_guard(u, a.sid[i]);
			if (!(ik_ledger_clear(u, a.sid[i], rids, t) & want))
				ok = false;
			spin_unlock_irqrestore(&ik_lock, flags);
put:
			while (n)
				pci_dev_put(devs[--n]);
		}
	}
	kfree(devs);
	return ok;
}

/* Is an entry of @dev or of its aliases not clear for @identity? */
static bool ik_unclear(struct device *dev, bool identity)
{
	struct iommu_kdump_unit *u;
	struct ik_aliases a;
	unsigned long flags;
	bool unclear;
	int sid;

	for (u = ik_first_unit(); u; u = u->next) {
		if (dev_is_pci(dev)) {
			if (!ik_covers(u, to_pci_dev(dev)))
				continue;
			ik_collect(u, to_pci_dev(dev), identity, &a);
			if (a.blocked || a.more)
				return true;
			continue;
		}
		/* Not PCI: nothing can quiesce it; its entry is never clear. */
		sid = u->ops->dev_sid ? u->ops->dev_sid(u, dev) : -ENODEV;
		if (sid < 0)
			continue;
		spin_lock_irqsave(&ik_lock, flags);
		unclear = !ik_ledger_may_replace(u, sid, identity);
		spin_unlock_irqrestore(&ik_lock, flags);
		if (unclear)
			return true;
	}
	return false;
}

/*
 * The attach of @who was refused: its copied entry of @sid, if one is in
 * force, is replaced by a blocking one (also when this source id alone
 * would have been clear: the driver, left on the addresses it maps
 * without the domain, must not reach the crashed kernel's mappings).
 */
static void ik_block_sid(struct iommu_kdump_unit *u, u16 sid, bool identity,
			 const char *who)
{
	char name[IK_NAME_LEN];
	struct ik_did *rel = NULL;
	unsigned long flags;
	bool write;

	spin_lock_irqsave(&ik_lock, flags);
	write = ik_ledger_block(u, sid, &rel);
	spin_unlock_irqrestore(&ik_lock, flags);
	if (!write)
		return;
	/* The hardware drops the copied entry before its id may be reused. */
	u->ops->block(u, sid);
	ik_ledger_sid_name(u, sid, name, sizeof(name));
	pr_info("%s: copied entry of %s blocked: attach of %s refused until its devices are %s\n",
		u->name, name, who, identity ? "reset" : "quiesced");
	if (rel)
		ik_queue_release();
}

/**
 * iommu_kdump_entry_block() - block a taken-over entry no attach replaces
 * @unit: the unit (NULL: nothing to do)
 * @sid: source id
 * @who: the device whose attach found it, for the log line
 *
 * Linux 6.12 in VT-d scalable mode points a device's own context entries
 * at its PASID table at its attach, never the entry of the PCIe-to-PCI
 * bridge alias its DMA carries: a copied one would translate the device's
 * DMA with the crashed kernel's tables for good. The vendor's ->block
 * replaces it by a blocking one; its old domain id is released. Process
 * context, without the vendor's table lock.
 */
void iommu_kdump_entry_block(struct iommu_kdump_unit *unit, u16 sid,
			     const char *who)
{
	char name[IK_NAME_LEN];
	struct ik_did *rel = NULL;
	unsigned long flags;
	bool write;

	if (!unit || sid >= unit->nr_sids)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	write = ik_ledger_block(unit, sid, &rel);
	spin_unlock_irqrestore(&ik_lock, flags);
	if (!write)
		return;
	unit->ops->block(unit, sid);
	ik_ledger_sid_name(unit, sid, name, sizeof(name));
	pr_info("%s: copied entry of %s blocked: no attach of %s replaces it\n",
		unit->name, name, who);
	if (rel)
		ik_queue_release();
}

struct ik_block_walk {
	struct iommu_kdump_unit *unit;
	bool identity;
	const char *who;
};

static int ik_block_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct ik_block_walk *b = data;

	ik_block_sid(b->unit, alias, b->identity, b->who);
	return 0;
}

/* The attach of @dev was refused: block its copied entries in force. */
static void ik_block(struct device *dev, bool identity)
{
	struct ik_block_walk b = { .identity = identity, .who = dev_name(dev) };
	struct iommu_kdump_unit *u;
	int sid;

	for (u = ik_first_unit(); u; u = u->next) {
		if (dev_is_pci(dev)) {
			if (!ik_covers(u, to_pci_dev(dev)))
				continue;
			b.unit = u;
			ik_walk_aliases(u, to_pci_dev(dev), ik_block_alias, &b);
			continue;
		}
		sid = u->ops->dev_sid ? u->ops->dev_sid(u, dev) : -ENODEV;
		if (sid >= 0)
			ik_block_sid(u, sid, identity, dev_name(dev));
	}
}

/**
 * iommu_kdump_attach_gate() - may the vendor replace the entries of @dev?
 * @dev: a device about to be attached to an IOMMU domain
 * @domain: the domain
 *
 * With iommu_kdump_retire=reset, an entry taken over from the crashed
 * kernel is replaced only once it is clear: every device whose DMA may
 * carry its source id was quiesced (reset, or Bus Master Enable cleared),
 * and, for an identity mapping, reset -- also when the capture kernel's
 * own entry of a source id taken over would be replaced by one. A device
 * that is not PCI is never clear: nothing can quiesce it. On refusal the
 * copied entries in force are replaced by blocking ones (the driver whose
 * DMA the attach is for must not reach the crashed kernel's mappings with
 * its own addresses, nor its device run on through them). A blocking
 * domain (Linux 6.12's) is gated as a translated one: on refusal the
 * takeover's blocking entries stay in place, still taken over, and the
 * vendor reports success without writing its own (a blocking entry it
 * wrote would retire them, and the next attach would pass). Any context.
 *
 * Return: 0 when the vendor may attach, -EBUSY when it must refuse.
 */
int iommu_kdump_attach_gate(struct device *dev, struct iommu_domain *domain)
{
	bool identity = domain && domain->type == IOMMU_DOMAIN_IDENTITY;

	if (!ik_is_active() ||
	    iommu_kdump_retire_mode() != IOMMU_KDUMP_RETIRE_RESET)
		return 0;
	if (!ik_unclear(dev, identity)) {
		ik_hold(dev, false);
		return 0;
	}
	ik_block(dev, identity);
	ik_hold(dev, true);
	return -EBUSY;
}

/**
 * iommu_kdump_def_domain_type() - default domain of a device taken over
 * @dev: the device
 *
 * A device that may still run the crashed kernel's DMA (an entry of it
 * was taken over and not every device of it reset) and that has no reset
 * method -- or is not PCI -- gets a translated default domain, also under
 * iommu=pt: Bus Master Enable cleared is all the capture kernel can do to
 * it, not enough for an identity mapping of the crashed kernel's IOVAs
 * onto physical memory. The cost: such a device is translated for the
 * life of the capture kernel (a device that is not PCI gets no DMA at
 * all while its entry is the takeover's).
 *
 * Return: IOMMU_DOMAIN_DMA for such a device, else 0 (no preference).
 */
int iommu_kdump_def_domain_type(struct device *dev)
{
	struct pci_dev *pdev;

	if (!ik_is_active() ||
	    iommu_kdump_retire_mode() != IOMMU_KDUMP_RETIRE_RESET ||
	    !ik_unclear(dev, true))
		return 0;
	if (dev_is_pci(dev)) {
		pdev = to_pci_dev(dev);
		if (pdev->subordinate || pdev->reset_methods[0])
			return 0;
	}
	return IOMMU_DOMAIN_DMA;
}

/*
 * Attach @pdev to its IOMMU domain: the vendor replaces the taken-over
 * entries of the device and its aliases (and reports each through
 * iommu_kdump_entry_written()), or refuses and blocks them
 * (iommu_kdump_attach_gate()). Called with the device lock held. Linux
 * 6.1 calls iommu_deferred_attach() from every DMA mapping without
 * further locking; the capture kernel's own calls are serialised here. A
 * device whose attach is not deferred is attached already, unless @live
 * (entries of it still the takeover's) or the gate refused its last
 * attach (ik_held()): the core may have recorded an attach that the gate
 * refused or kept blocking (kdump_redefer_attach()).
 */
static void ik_attach(struct pci_dev *pdev, unsigned int live)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);
	int ret;

	if (!domain) {
		pci_info(pdev, "iommu kdump: no IOMMU domain, copied entry kept\n");
		return;
	}
	mutex_lock(&ik_attach_mutex);
	if (live || ik_held(pdev))
		kdump_redefer_attach(&pdev->dev);
	ret = iommu_deferred_attach(&pdev->dev, domain);
	mutex_unlock(&ik_attach_mutex);
	if (ret == -EBUSY)
		pci_info(pdev, "iommu kdump: attach refused, taken-over entries blocked\n");
	else if (ret)
		pci_warn(pdev, "iommu kdump: attach failed (%d)\n", ret);
}

static u8 ik_method_index(const char *method)
{
	u8 i;

	for (i = IK_Q_FLR; i < IK_Q_OTHER; i++)
		if (!strcmp(method, ik_methods[i]))
			return i;
	return IK_Q_OTHER;
}

static void ik_queue_retire(struct pci_dev *pdev)
{
	struct ik_queued *q = kzalloc(sizeof(*q), GFP_ATOMIC);
	unsigned long flags;

	if (!q)
		return;
	q->pdev = pci_dev_get(pdev);
	spin_lock_irqsave(&ik_lock, flags);
	list_add_tail(&q->node, &ik_retire_list);
	spin_unlock_irqrestore(&ik_lock, flags);
	schedule_work(&ik_retire_work);
}

/*
 * The bound devices (other than @pdev) sharing a source id taken over of
 * @pdev, referenced: their attach may have been refused because of it.
 */
static int ik_bound_sharers(struct pci_dev *pdev, struct pci_dev **out, int max)
{
	struct pci_dev *devs[32];
	struct iommu_kdump_unit *u;
	struct ik_aliases a;
	int n = 0, m, j, k;
	unsigned int i;

	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, pdev))
			continue;
		ik_collect(u, pdev, false, &a);
		for (i = 0; i < a.n; i++) {
			m = ik_sharers(u, a.sid[i], devs, ARRAY_SIZE(devs));
			for (j = 0; j < m; j++) {
				for (k = 0; k < n && out[k] != devs[j]; k++)
					;
				if (devs[j] != pdev && devs[j]->dev.driver &&
				    k == n && n < max)
					out[n++] = pci_dev_get(devs[j]);
				pci_dev_put(devs[j]);
			}
		}
	}
	return n;
}

static void ik_retire_fn(struct work_struct *work)
{
	struct pci_dev *bound[8];
	unsigned int live;
	struct ik_queued *q;
	unsigned long flags;
	int n;

	for (;;) {
		spin_lock_irqsave(&ik_lock, flags);
		q = list_first_entry_or_null(&ik_retire_list, struct ik_queued,
					     node);
		if (q)
			list_del(&q->node);
		spin_unlock_irqrestore(&ik_lock, flags);
		if (!q)
			return;
		device_lock(&q->pdev->dev);
		n = ik_bound_sharers(q->pdev, bound, ARRAY_SIZE(bound));
		if (ik_clear_dev(q->pdev, false, &live) && live)
			ik_attach(q->pdev, live);
		else if (live)
			pci_info(q->pdev, "iommu kdump: reset, but a device sharing its source id was not: copied entry kept\n");
		device_unlock(&q->pdev->dev);
		/* Bound devices whose attach this reset may now let through. */
		while (n--) {
			device_lock(&bound[n]->dev);
			if (bound[n]->dev.driver && ik_clear_dev(bound[n], false, &live))
				ik_attach(bound[n], live);
			device_unlock(&bound[n]->dev);
			pci_dev_put(bound[n]);
		}
		pci_dev_put(q->pdev);
		kfree(q);
	}
}

/**
 * ik_flush_retire() - wait for queued retirements
 */
void ik_flush_retire(void)
{
	flush_work(&ik_retire_work);
}

/**
 * iommu_kdump_pci_reset_done() - a reset of @pdev completed successfully
 * @pdev: the device
 * @method: the reset method ("flr", "pm", "bus", ... as in
 *	/sys/bus/pci/devices/.../reset_method)
 *
 * Marks @pdev as quiesced (it no longer does the crashed kernel's DMA).
 * With iommu_kdump_retire=reset its taken-over entries are then replaced,
 * from a work item, if that made them clear.
 */
void iommu_kdump_pci_reset_done(struct pci_dev *pdev, const char *method)
{
	if (!ik_is_active())
		return;
	ik_mark(pdev, ik_method_index(method));
	if (iommu_kdump_retire_mode() == IOMMU_KDUMP_RETIRE_RESET)
		ik_queue_retire(pdev);
}

static int ik_bus_reset_one(struct pci_dev *dev, void *data)
{
	iommu_kdump_pci_reset_done(dev, "bus");
	return 0;
}

/**
 * iommu_kdump_pci_bus_reset_done() - a secondary bus reset completed
 * @bridge: the bridge whose secondary bus was reset
 *
 * Every device below @bridge was reset.
 */
void iommu_kdump_pci_bus_reset_done(struct pci_dev *bridge)
{
	if (!ik_is_active() || !bridge->subordinate)
		return;
	/* pci_walk_bus() holds pci_bus_sem while it walks. */
	pci_walk_bus(bridge->subordinate, ik_bus_reset_one, NULL);
}

/*
 * A driver is about to probe @pdev (device lock held): quiesce it, and the
 * devices sharing its source ids, then let the vendor replace its entries
 * (or refuse, and block them).
 */
static void ik_bind(struct pci_dev *pdev)
{
	unsigned int live, taken = 0;
	bool was_reset = false;
	struct iommu_kdump_unit *u;
	struct ik_aliases a;
	unsigned long flags;
	ktime_t t0;
	u8 q;
	int ret;

	for (u = ik_first_unit(); u; u = u->next) {
		if (!ik_covers(u, pdev))
			continue;
		ik_collect(u, pdev, false, &a);
		taken += a.tainted || a.more;
		/*
		 * Bus Master Enable cleared (as a device sharing a source id
		 * of another one that was bound first) is no reset: the
		 * driver about to probe sets it again, and the device would
		 * resume what it did for the crashed kernel.
		 */
		spin_lock_irqsave(&ik_lock, flags);
		q = u->sids[ik_rid(pdev)].quiesced;
		spin_unlock_irqrestore(&ik_lock, flags);
		was_reset |= q != IK_Q_NONE && q != IK_Q_MASTER;
	}
	if (taken && !pdev->subordinate) {
		if (!was_reset && pdev->reset_methods[0]) {
			/* What retirement costs at bind: one line per reset. */
			t0 = ktime_get();
			ret = pci_reset_function_locked(pdev);
			if (ret)
				pci_warn(pdev, "iommu kdump: reset failed (%d)\n",
					 ret);
			else
				pci_info(pdev, "iommu kdump: reset in %lld us\n",
					 ktime_us_delta(ktime_get(), t0));
		} else if (!was_reset) {
			pci_info(pdev, "iommu kdump: no reset method\n");
		}
	}
	if (!ik_clear_dev(pdev, !pdev->subordinate, &live) && live)
		pci_info(pdev, "iommu kdump: it or a device sharing its source id was not %s: %u taken-over entries stay blocking\n",
			 ik_identity(pdev) ? "reset (identity domain)" : "quiesced",
			 live);
	/*
	 * Also when nothing was taken over: the deferred attach of an
	 * identity domain never comes otherwise (dma-direct maps nothing).
	 */
	ik_attach(pdev, live);
}

static int ik_bus_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct iommu_kdump_unit *u;
	struct device *dev = data;

	if (!ik_is_active() ||
	    iommu_kdump_retire_mode() != IOMMU_KDUMP_RETIRE_RESET)
		return NOTIFY_DONE;
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/* A device added after the takeover (hot-plug, a VF). */
		for (u = ik_first_unit(); u; u = u->next)
			ik_guard_dev(u, to_pci_dev(dev));
		return NOTIFY_OK;
	case BUS_NOTIFY_BIND_DRIVER:
		ik_bind(to_pci_dev(dev));
		return NOTIFY_OK;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ik_bus_nb = {
	.notifier_call = ik_bus_notify,
};

static int __init ik_reset_init(void)
{
	if (!is_kdump_kernel())
		return 0;
	return bus_register_notifier(&pci_bus_type, &ik_bus_nb);
}
arch_initcall(ik_reset_init);
