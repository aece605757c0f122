// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover of the crashed kernel's IOMMU state: parameters,
 * the registry of units and the vendors' side of the ledger (see
 * include/linux/iommu_kdump.h).
 *
 * The vendors (amd/kdump.c, intel/kdump.c) create one unit per IOMMU unit
 * while they copy the crashed kernel's table, note what they copied,
 * rejected or blocked, then publish the unit: from then on the PCI hooks
 * (kdump_reset.c) decide when an entry may be replaced, and every entry the
 * vendor writes is reported here. The decisions themselves are in
 * kdump_ledger.c; this file adds the lock, the allocation, the log lines
 * and the release of old domain ids: when no copied entry of any unit of
 * a domain id space uses an old id any more, the vendor flushes it from
 * the IOMMU caches and gives it back to its allocator.
 */

#define pr_fmt(fmt) "iommu kdump: " fmt

#include <linux/iommu_kdump.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "kdump_core.h"

DEFINE_SPINLOCK(ik_lock);

static enum iommu_kdump_retire_mode ik_retire = IOMMU_KDUMP_RETIRE_RESET;
static bool ik_quiesce;

/* Published units, appended at boot and never removed. */
static struct iommu_kdump_unit *ik_units;
static struct iommu_kdump_unit **ik_tail = &ik_units;
/* Set once a unit is published: the hooks have work to do. */
static bool ik_active;

static void ik_release_fn(struct work_struct *work);
static DECLARE_WORK(ik_release_work, ik_release_fn);

static int __init ik_parse_retire(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "reset"))
		ik_retire = IOMMU_KDUMP_RETIRE_RESET;
	else if (!strcmp(arg, "attach"))
		ik_retire = IOMMU_KDUMP_RETIRE_ATTACH;
	else
		return -EINVAL;
	return 0;
}
early_param("iommu_kdump_retire", ik_parse_retire);

static int __init ik_parse_quiesce(char *arg)
{
	return kstrtobool(arg, &ik_quiesce);
}
early_param("iommu_kdump_quiesce", ik_parse_quiesce);

/**
 * iommu_kdump_retire_mode() - the iommu_kdump_retire= setting
 *
 * Return: when copied entries are replaced.
 */
enum iommu_kdump_retire_mode iommu_kdump_retire_mode(void)
{
	return ik_retire;
}

/**
 * iommu_kdump_quiesce_enabled() - the iommu_kdump_quiesce= setting
 *
 * Return: true when the capture kernel is to revoke DMA write permission in
 * the entries it copies (for crashed kernels that did not quiesce).
 */
bool iommu_kdump_quiesce_enabled(void)
{
	return ik_quiesce;
}

/**
 * ik_first_unit() - the first published unit
 *
 * The list only grows; it may be walked without ik_lock.
 *
 * Return: the unit (followed by ->next), or NULL.
 */
struct iommu_kdump_unit *ik_first_unit(void)
{
	/* Pairs with the release in iommu_kdump_unit_publish(). */
	return smp_load_acquire(&ik_units);
}

/**
 * ik_is_active() - has any unit been published?
 *
 * Return: true when the hooks have work to do.
 */
bool ik_is_active(void)
{
	return READ_ONCE(ik_active);
}

/**
 * iommu_kdump_unit_create() - start the ledger of one IOMMU unit
 * @name: short name without spaces, for logs and debugfs
 * @segment: PCI segment (domain number) of the unit's source ids
 * @nr_sids: source ids the unit covers (at most 65536)
 * @did_space: key of the domain id allocator the unit's ids come from
 *	(units sharing one allocator pass the same key)
 * @ops: vendor operations
 * @priv: vendor data, returned by iommu_kdump_unit_priv()
 *
 * Called while the vendor copies the crashed kernel's table (boot time, may
 * sleep). The unit is not live until iommu_kdump_unit_publish().
 *
 * Return: the unit, or NULL without memory.
 */
struct iommu_kdump_unit *iommu_kdump_unit_create(const char *name, int segment,
						 u32 nr_sids,
						 const void *did_space,
						 const struct iommu_kdump_ops *ops,
						 void *priv)
{
	struct iommu_kdump_unit *u;
	struct ik_sid *sids;

	nr_sids = min_t(u32, nr_sids, 65536);
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	sids = kvcalloc(nr_sids, sizeof(*sids), GFP_KERNEL);
	if (!u || !sids) {
		kfree(u);
		kvfree(sids);
		return NULL;
	}
	ik_ledger_init(u, sids, nr_sids);
	strscpy(u->name, name, sizeof(u->name));
	u->segment = segment;
	u->did_space = did_space;
	u->ops = ops;
	u->priv = priv;
	return u;
}

/**
 * iommu_kdump_unit_priv() - the vendor data of a unit
 * @unit: the unit
 *
 * Return: @priv as given to iommu_kdump_unit_create().
 */
void *iommu_kdump_unit_priv(struct iommu_kdump_unit *unit)
{
	return unit->priv;
}

/**
 * iommu_kdump_note_copied() - record an entry taken over from the crashed
 *	kernel
 * @unit: the unit
 * @sid: source id
 * @did: the old domain id in the entry; 0 when it carries none that the
 *	vendor reserved (it is then not tracked)
 */
void iommu_kdump_note_copied(struct iommu_kdump_unit *unit, u16 sid, u16 did)
{
	ik_ledger_copied(unit, sid, did);
}

/**
 * iommu_kdump_note_blocked() - record a source id given a blocking entry
 *	without a complaint
 * @unit: the unit
 * @sid: source id
 *
 * For an entry through which the crashed kernel did not translate (AMD-Vi
 * V=0): the device is treated like one with a rejected entry, without a
 * log line.
 */
void iommu_kdump_note_blocked(struct iommu_kdump_unit *unit, u16 sid)
{
	ik_ledger_blocked(unit, sid, 1);
}

static void ik_add_reject(struct iommu_kdump_unit *u, u16 sid, u32 count,
			  bool all, const char *reason)
{
	struct ik_reject *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return;
	r->sid = sid;
	r->count = count;
	r->all = all;
	strscpy(r->reason, reason, sizeof(r->reason));
	list_add_tail(&r->node, &u->rejected);
}

/**
 * iommu_kdump_note_rejected_range() - record entries that were not copied
 * @unit: the unit
 * @sid: first source id
 * @count: number of consecutive source ids (e.g. 256 for a whole bus)
 * @reason: why, for the log line and debugfs
 *
 * The vendor has put blocking entries in their place. Each device gets its
 * capture-kernel entry like a device with a copied one.
 */
void iommu_kdump_note_rejected_range(struct iommu_kdump_unit *unit, u16 sid,
				     u32 count, const char *reason)
{
	char first[IK_NAME_LEN], last[IK_NAME_LEN];

	count = ik_ledger_blocked(unit, sid, count);
	if (!count || ++unit->nr_rejected > IK_MAX_REJECT_LOG)
		return;
	ik_ledger_sid_name(unit, sid, first, sizeof(first));
	if (count == 1) {
		pr_warn("%s: entry of %s not copied: %s; DMA from it is blocked\n",
			unit->name, first, reason);
	} else {
		ik_ledger_sid_name(unit, sid + count - 1, last, sizeof(last));
		pr_warn("%s: entries of %s..%s not copied: %s; DMA from them is blocked\n",
			unit->name, first, last, reason);
	}
	ik_add_reject(unit, sid, count, false, reason);
}

/**
 * iommu_kdump_note_rejected() - record an entry that was not copied
 * @unit: the unit
 * @sid: source id
 * @reason: why, for the log line and debugfs
 */
void iommu_kdump_note_rejected(struct iommu_kdump_unit *unit, u16 sid,
			       const char *reason)
{
	iommu_kdump_note_rejected_range(unit, sid, 1, reason);
}

/**
 * iommu_kdump_note_pinned() - a rejected entry carried a domain id
 * @unit: the unit
 * @sid: source id of the rejected entry
 * @did: its domain id, which the vendor reserved: the IOMMU may have
 *	cached translations under it, so it is never released
 */
void iommu_kdump_note_pinned(struct iommu_kdump_unit *unit, u16 sid, u16 did)
{
	ik_ledger_pin(unit, sid, did);
}

/**
 * iommu_kdump_note_blocked_all() - the whole table could not be taken over
 * @unit: the unit
 * @reason: why
 *
 * The vendor blocks every source id of the unit while translation stays
 * enabled. Every device is handled like one with a rejected entry.
 */
void iommu_kdump_note_blocked_all(struct iommu_kdump_unit *unit,
				  const char *reason)
{
	ik_ledger_blocked_all(unit);
	pr_err("%s: crashed kernel's table not usable (%s): all DMA blocked, translation stays enabled\n",
	       unit->name, reason);
	ik_add_reject(unit, 0, unit->nr_sids, true, reason);
}

/**
 * iommu_kdump_unit_publish() - the unit's copy is now in use
 * @unit: the unit
 *
 * Counts the users of every old domain id, makes the unit live for the
 * reset and driver-bind hooks and guards the source ids of the PCI devices
 * present that may still run the crashed kernel's DMA (kdump_reset.c).
 */
void iommu_kdump_unit_publish(struct iommu_kdump_unit *unit)
{
	struct ik_did *dids = NULL;
	unsigned long flags;
	u8 *seen;
	u32 n = 0;

	seen = kzalloc(65536 / 8, GFP_KERNEL);
	if (seen) {
		n = ik_ledger_count_dids(unit, seen);
		dids = n ? kcalloc(n, sizeof(*dids), GFP_KERNEL) : NULL;
		if (dids)
			ik_ledger_fill_dids(unit, dids, n, seen);
	}
	if (n && !dids)
		pr_warn("%s: no memory to track old domain ids: they stay reserved\n",
			unit->name);
	kfree(seen);

	spin_lock_irqsave(&ik_lock, flags);
	unit->published = true;
	/* The unit is complete before readers can reach it. */
	smp_store_release(ik_tail, unit);
	ik_tail = &unit->next;
	WRITE_ONCE(ik_active, true);
	spin_unlock_irqrestore(&ik_lock, flags);
	if (ik_retire == IOMMU_KDUMP_RETIRE_RESET)
		ik_guard_unit(unit);
	if (unit->nr_rejected > IK_MAX_REJECT_LOG)
		pr_warn("%s: %u more rejected entries not listed\n", unit->name,
			unit->nr_rejected - IK_MAX_REJECT_LOG);
	pr_info("%s: %u entries copied, %u rejected, %u old domain ids in use; retire=%s\n",
		unit->name, unit->nr_copied, unit->nr_rejected, unit->nr_dids,
		ik_retire == IOMMU_KDUMP_RETIRE_RESET ? "reset" : "attach");
}

/**
 * iommu_kdump_unit_block_all() - publish a unit whose table was unusable
 * @unit: the unit (NULL without memory for it)
 * @name: the unit's name, for the log line when @unit is NULL
 * @reason: why the crashed kernel's table could not be used
 *
 * The vendor blocks every source id of the unit while translation stays
 * enabled; every device is then handled like one with a rejected entry.
 */
void iommu_kdump_unit_block_all(struct iommu_kdump_unit *unit,
				const char *name, const char *reason)
{
	if (!unit) {
		pr_err("%s: crashed kernel's table not usable (%s): all DMA blocked, translation stays enabled\n",
		       name, reason);
		return;
	}
	iommu_kdump_note_blocked_all(unit, reason);
	iommu_kdump_unit_publish(unit);
}

/**
 * iommu_kdump_unit_find() - the published unit of a vendor's IOMMU unit
 * @priv: the vendor data given to iommu_kdump_unit_create()
 *
 * Any context (the list of units only grows).
 *
 * Return: the unit, or NULL when none was published for @priv.
 */
struct iommu_kdump_unit *iommu_kdump_unit_find(const void *priv)
{
	struct iommu_kdump_unit *u;

	for (u = ik_first_unit(); u; u = u->next)
		if (u->priv == priv)
			return u;
	return NULL;
}

/**
 * iommu_kdump_unit_discard() - drop a unit that was not published
 * @unit: the unit (may be NULL)
 */
void iommu_kdump_unit_discard(struct iommu_kdump_unit *unit)
{
	struct ik_reject *r, *tmp;

	if (!unit)
		return;
	list_for_each_entry_safe(r, tmp, &unit->rejected, node)
		kfree(r);
	kfree(unit->dids);
	kvfree(unit->sids);
	kfree(unit);
}

static void ik_log_retired(struct iommu_kdump_unit *u, u16 sid, bool copied)
{
	char name[IK_NAME_LEN];

	ik_ledger_sid_name(u, sid, name, sizeof(name));
	pr_info("%s: %s entry of %s replaced %s\n", u->name,
		copied ? "copied" : "blocking", name, ik_ledger_how(u, sid));
}

/**
 * iommu_kdump_entry_taken_over() - is a taken-over entry in force?
 * @unit: the unit (NULL: no)
 * @sid: source id
 * @did: the old domain id of a copied entry, 0 when none; set when true
 *
 * For a vendor about to replace the entry, to flush what the hardware may
 * still cache of it. Any context.
 *
 * Return: true while the crashed kernel's entry, or a blocking one the
 * takeover installed, is in force for @sid.
 */
bool iommu_kdump_entry_taken_over(struct iommu_kdump_unit *unit, u16 sid,
				  u16 *did)
{
	unsigned long flags;
	bool live;

	if (!unit || sid >= unit->nr_sids)
		return false;
	spin_lock_irqsave(&ik_lock, flags);
	live = unit->published && ik_ledger_live(unit, sid);
	*did = unit->sids[sid].has_did ? unit->sids[sid].did : 0;
	spin_unlock_irqrestore(&ik_lock, flags);
	return live;
}

/**
 * iommu_kdump_entry_written() - the capture kernel wrote its own entry
 * @unit: the unit (NULL: nothing to do)
 * @sid: source id whose entry was written
 *
 * Called by the vendor wherever it writes a device table entry or context
 * entry, in any context. A copied or blocking entry becomes retired; when
 * it was the last user of its old domain id, the id is queued for release.
 */
void iommu_kdump_entry_written(struct iommu_kdump_unit *unit, u16 sid)
{
	unsigned long flags;
	struct ik_did *d;
	bool live, copied;

	if (!unit || sid >= unit->nr_sids)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	live = unit->published && ik_ledger_live(unit, sid);
	copied = unit->sids[sid].state == IK_COPIED;
	d = ik_ledger_written(unit, sid);
	spin_unlock_irqrestore(&ik_lock, flags);
	if (live)
		ik_log_retired(unit, sid, copied);
	if (d)
		ik_queue_release();
}

/**
 * iommu_kdump_entry_cloned() - the capture kernel copied one entry over
 *	another
 * @unit: the unit (NULL: nothing to do)
 * @from: source id whose entry was copied
 * @to: source id whose entry was overwritten (a DMA alias of @from)
 *
 * The AMD-Vi driver gives the DMA aliases of a device the device's DTE,
 * also while that DTE is still the copied one. @to then holds @from's
 * copied entry (and old domain id) until @from is retired; otherwise it
 * holds the capture kernel's own entry and is retired. Any context.
 */
void iommu_kdump_entry_cloned(struct iommu_kdump_unit *unit, u16 from, u16 to)
{
	unsigned long flags;
	struct ik_did *d;

	if (!unit)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	d = ik_ledger_cloned(unit, from, to);
	spin_unlock_irqrestore(&ik_lock, flags);
	if (d)
		ik_queue_release();
}

/**
 * ik_queue_release() - release the old domain ids that lost their last user
 */
void ik_queue_release(void)
{
	schedule_work(&ik_release_work);
}

/**
 * ik_flush_release() - wait for queued releases
 */
void ik_flush_release(void)
{
	flush_work(&ik_release_work);
}

/*
 * An id whose last user in one unit is gone is released only when no unit
 * of its domain id space uses it either: the allocator is shared. Then
 * every unit of the space that used it flushes it, and the last one gives
 * it back to the allocator, once.
 */
static void ik_release_fn(struct work_struct *work)
{
	struct iommu_kdump_unit *first = ik_first_unit(), *u, *v, *last;
	unsigned long flags;
	struct ik_did *d, *e;
	u16 did;
	u32 i;

again:
	spin_lock_irqsave(&ik_lock, flags);
	for (u = first; u; u = u->next) {
		for (i = 0; i < u->nr_dids; i++) {
			d = &u->dids[i];
			if (d->state != IK_DID_RELEASING ||
			    ik_ledger_space_in_use(first, u->did_space, d->did))
				continue;
			did = d->did;
			last = NULL;
			for (v = first; v; v = v->next) {
				e = v->did_space == u->did_space ?
				    ik_ledger_find_did(v, did) : NULL;
				if (e && e->state == IK_DID_RELEASING) {
					e->state = IK_DID_FLUSHING;
					last = v;
				}
			}
			spin_unlock_irqrestore(&ik_lock, flags);
			for (v = first; v; v = v->next) {
				e = v->did_space == u->did_space ?
				    ik_ledger_find_did(v, did) : NULL;
				if (!e || READ_ONCE(e->state) != IK_DID_FLUSHING)
					continue;
				v->ops->release_did(v, did, v == last);
				spin_lock_irqsave(&ik_lock, flags);
				e->state = IK_DID_RELEASED;
				v->nr_released++;
				spin_unlock_irqrestore(&ik_lock, flags);
				pr_info("%s: old domain id %#x flushed%s (last user %s)\n",
					v->name, did,
					v == last ? " and released" : "", e->by);
			}
			goto again;
		}
	}
	spin_unlock_irqrestore(&ik_lock, flags);
}
