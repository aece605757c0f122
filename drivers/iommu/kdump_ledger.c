// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover: the ledger of what was taken over from the
 * crashed kernel and the retirement decisions (see kdump_ledger.h).
 *
 * Pure code: it allocates nothing, takes no lock and touches no hardware.
 * Its callers hold the takeover lock (kdump_core.c) and do the allocation,
 * the logging, the PCI work and the vendor calls. tests/takeover/ runs it
 * against a model of the hardware.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "kdump_ledger.h"

/* Quiesce methods: the reset names drivers/pci/pci.c uses, then ours. */
const char * const ik_methods[IK_Q_NR] = {
	[IK_Q_NONE] = "",
	[IK_Q_FLR] = "flr",
	[IK_Q_AF_FLR] = "af_flr",
	[IK_Q_PM] = "pm",
	[IK_Q_BUS] = "bus",
	[IK_Q_ACPI] = "acpi",
	[IK_Q_DEVICE_SPECIFIC] = "device_specific",
	[IK_Q_CXL_BUS] = "cxl_bus",
	[IK_Q_OTHER] = "other",
	[IK_Q_MASTER] = "bus-master-off",
};

/**
 * ik_ledger_init() - start the ledger of a unit
 * @u: the unit, zeroed except for what the caller set (name, ops, ...)
 * @sids: @nr_sids zeroed entries
 * @nr_sids: source ids the unit covers
 */
void ik_ledger_init(struct iommu_kdump_unit *u, struct ik_sid *sids,
		    u32 nr_sids)
{
	u->sids = sids;
	u->nr_sids = nr_sids;
	INIT_LIST_HEAD(&u->rejected);
}

/**
 * ik_ledger_copied() - an entry was copied as it was
 * @u: the unit
 * @sid: source id
 * @did: its old domain id, 0 when it carries none that the vendor reserved
 */
void ik_ledger_copied(struct iommu_kdump_unit *u, u16 sid, u16 did)
{
	struct ik_sid *s;

	if (sid >= u->nr_sids)
		return;
	s = &u->sids[sid];
	s->state = IK_COPIED;
	s->orig = 1;
	s->did = did;
	s->has_did = did != 0;
	u->nr_copied++;
}

/**
 * ik_ledger_blocked() - entries that a blocking entry replaced
 * @u: the unit
 * @sid: first source id
 * @count: consecutive source ids
 *
 * Return: how many source ids of the unit that covers (0: none).
 */
u32 ik_ledger_blocked(struct iommu_kdump_unit *u, u16 sid, u32 count)
{
	u32 i;

	if (sid >= u->nr_sids)
		return 0;
	count = min_t(u32, count, u->nr_sids - sid);
	for (i = 0; i < count; i++) {
		if (u->sids[sid + i].state == IK_COPIED)
			u->nr_copied--;
		u->sids[sid + i].state = IK_BLOCKED;
		u->sids[sid + i].orig = 1;
		u->sids[sid + i].has_did = 0;
		u->sids[sid + i].pin = 0;
	}
	return count;
}

/**
 * ik_ledger_pin() - a rejected entry's domain id is never released
 * @u: the unit
 * @sid: source id of the rejected (blocked) entry
 * @did: the domain id it carried, under which translations may be cached
 */
void ik_ledger_pin(struct iommu_kdump_unit *u, u16 sid, u16 did)
{
	if (sid >= u->nr_sids || !did)
		return;
	u->sids[sid].did = did;
	u->sids[sid].pin = 1;
}

/**
 * ik_ledger_blocked_all() - every source id of the unit is blocked
 * @u: the unit
 */
void ik_ledger_blocked_all(struct iommu_kdump_unit *u)
{
	ik_ledger_blocked(u, 0, u->nr_sids);
	u->nr_copied = 0;
	u->blocked_all = true;
}

/**
 * ik_ledger_count_dids() - the old domain ids in use
 * @u: the unit
 * @seen: 8192 zeroed bytes: a bitmap of the 65536 ids, filled here
 *
 * Return: the number of distinct ids that copied entries carry or that
 * rejected entries pin.
 */
u32 ik_ledger_count_dids(const struct iommu_kdump_unit *u, u8 *seen)
{
	u32 sid, n = 0;

	for (sid = 0; sid < u->nr_sids; sid++) {
		const struct ik_sid *s = &u->sids[sid];

		if (!(s->state == IK_COPIED && s->has_did) && !s->pin)
			continue;
		if (seen[s->did / 8] & (1U << (s->did % 8)))
			continue;
		seen[s->did / 8] |= 1U << (s->did % 8);
		n++;
	}
	return n;
}

/**
 * ik_ledger_fill_dids() - set up the per domain id user counts
 * @u: the unit
 * @dids: @n zeroed entries, for the ids ik_ledger_count_dids() found
 * @n: its return value
 * @seen: its bitmap
 */
void ik_ledger_fill_dids(struct iommu_kdump_unit *u, struct ik_did *dids,
			 u32 n, const u8 *seen)
{
	struct ik_did *d;
	u32 id, i = 0, sid;

	for (id = 0; id < 65536 && i < n; id++)
		if (seen[id / 8] & (1U << (id % 8)))
			dids[i++].did = id;
	u->dids = dids;
	u->nr_dids = i;
	for (sid = 0; sid < u->nr_sids; sid++) {
		const struct ik_sid *s = &u->sids[sid];

		d = (s->state == IK_COPIED && s->has_did) || s->pin ?
		    ik_ledger_find_did(u, s->did) : NULL;
		if (!d)
			continue;
		if (s->pin)
			d->state = IK_DID_PINNED;
		else
			d->users++;
	}
}

/**
 * ik_ledger_live() - is a taken-over entry in force for a source id?
 * @u: the unit
 * @sid: source id
 *
 * Return: true when the crashed kernel's entry or a blocking entry the
 * takeover installed is in force.
 */
bool ik_ledger_live(const struct iommu_kdump_unit *u, u16 sid)
{
	return sid < u->nr_sids && (u->sids[sid].state == IK_COPIED ||
				    u->sids[sid].state == IK_BLOCKED);
}

/**
 * ik_ledger_taken() - was an entry taken over for a source id?
 * @u: the unit
 * @sid: source id
 *
 * Return: true while a taken-over entry is in force and after the capture
 * kernel replaced it (retired): a device of it may still run the crashed
 * kernel's DMA until it is reset.
 */
bool ik_ledger_taken(const struct iommu_kdump_unit *u, u16 sid)
{
	return sid < u->nr_sids && u->sids[sid].state != IK_NONE;
}

/**
 * ik_ledger_orig() - was an entry taken over for a source id at the
 *	takeover?
 * @u: the unit
 * @sid: source id
 *
 * Return: true when the crashed kernel's entry was copied or replaced by
 * a blocking one at the takeover: a device whose DMA carries @sid may
 * still run the crashed kernel's DMA. (An entry another one was cloned
 * over later does not count.)
 */
bool ik_ledger_orig(const struct iommu_kdump_unit *u, u16 sid)
{
	return sid < u->nr_sids && u->sids[sid].orig;
}

/**
 * ik_ledger_guard() - a device that may run old DMA carries a source id
 * @u: the unit
 * @sid: a source id its DMA may carry (its requester id or a DMA alias)
 *
 * From now on an entry of @sid, whether or not one was taken over for it,
 * is replaced only once ik_ledger_clear() found it clear: the capture
 * kernel's own entry would otherwise translate that device's old DMA.
 */
void ik_ledger_guard(struct iommu_kdump_unit *u, u16 sid)
{
	if (sid < u->nr_sids)
		u->sids[sid].guard = 1;
}

/**
 * ik_ledger_find_did() - an old domain id of the unit
 * @u: the unit
 * @did: the id
 *
 * Return: its entry, or NULL when no copied entry of the unit carried it.
 */
struct ik_did *ik_ledger_find_did(const struct iommu_kdump_unit *u, u16 did)
{
	u32 lo = 0, hi = u->nr_dids, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->dids[mid].did == did)
			return &u->dids[mid];
		if (u->dids[mid].did < did)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/**
 * ik_ledger_sid_name() - "SSSS:BB:DD.F" of a source id
 * @u: the unit
 * @sid: source id
 * @buf: output
 * @len: its size
 */
void ik_ledger_sid_name(const struct iommu_kdump_unit *u, u16 sid, char *buf,
			size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", u->segment, sid >> 8,
		 (sid >> 3) & 0x1f, sid & 7);
}

/**
 * ik_ledger_quiesced() - a device was quiesced since the takeover
 * @u: the unit
 * @rid: the device's own requester id
 * @how: enum ik_quiesce: the reset method, or IK_Q_MASTER
 *
 * Only the device is marked: a source id it shares as a DMA alias is clear
 * once every device sharing it is (ik_ledger_clear()).
 */
void ik_ledger_quiesced(struct iommu_kdump_unit *u, u16 rid, u8 how)
{
	if (rid < u->nr_sids && how > IK_Q_NONE && how < IK_Q_NR)
		u->sids[rid].quiesced = how;
}

/**
 * ik_ledger_clear() - may the entry of a source id be replaced now?
 * @u: the unit
 * @sid: source id
 * @rids: the requester ids of every device whose DMA may carry @sid (the
 *	device whose own id it is, every device whose DMA alias it is;
 *	bridges, which originate no DMA of their own, excluded)
 * @n: entries of @rids
 *
 * Records the answer for ik_ledger_may_replace(): a translated domain may
 * replace the entry once every device of @rids was quiesced since the
 * takeover (reset, or Bus Master Enable cleared), an identity mapping
 * only once every one was reset (Bus Master Enable cleared does not
 * count: a driver sets it again without knowing what the device still
 * does).
 *
 * Also for a retired entry: an identity mapping replaces the capture
 * kernel's own entry of a source id taken over only under the same rule;
 * and for a source id that was not taken over but that a device which
 * may still run the crashed kernel's DMA carries (ik_ledger_guard()):
 * @rids are then that device and the others of its kind.
 *
 * Return: IK_CLEAR_DMA | IK_CLEAR_ID when nothing was taken over for
 * @sid and no such device carries it, else the replacements allowed (0:
 * none).
 */
u8 ik_ledger_clear(struct iommu_kdump_unit *u, u16 sid, const u16 *rids,
		   unsigned int n)
{
	u8 clear = IK_CLEAR_DMA | IK_CLEAR_ID, q;
	unsigned int i;

	if (sid >= u->nr_sids || (!ik_ledger_taken(u, sid) && !u->sids[sid].guard))
		return clear;
	for (i = 0; i < n; i++) {
		q = rids[i] < u->nr_sids ? u->sids[rids[i]].quiesced : IK_Q_NONE;
		if (q == IK_Q_NONE)
			clear = 0;
		else if (q == IK_Q_MASTER)
			clear &= ~IK_CLEAR_ID;
	}
	u->sids[sid].clear = clear;
	return clear;
}

/**
 * ik_ledger_may_replace() - may the vendor write its own entry for @sid?
 * @u: the unit (NULL: not taken over)
 * @sid: source id
 * @identity: the new entry is an identity mapping
 *
 * Return: true unless a taken-over entry is in force for @sid, or an
 * identity mapping would replace the capture kernel's own entry of a
 * source id taken over, or @sid is guarded (ik_ledger_guard()), and
 * ik_ledger_clear() did not find it clear for such a replacement. A
 * retired entry of a guarded source id is no proof either: it may be a
 * blocking one (Linux 6.12's blocking domain, a VFIO claim), and a
 * translated domain in its place would take the old DMA of the devices
 * that carry @sid.
 */
bool ik_ledger_may_replace(const struct iommu_kdump_unit *u, u16 sid,
			   bool identity)
{
	if (!u || !u->published || sid >= u->nr_sids)
		return true;
	if (!ik_ledger_taken(u, sid) && !u->sids[sid].guard)
		return true;
	if (u->sids[sid].state == IK_RETIRED && !identity && !u->sids[sid].guard)
		return true;
	return u->sids[sid].clear & (identity ? IK_CLEAR_ID : IK_CLEAR_DMA);
}

/**
 * ik_ledger_how() - how a retired entry was retired, in words
 * @u: the unit
 * @sid: source id of a retired entry
 *
 * Return: "after reset" or "after bus-master-off" when the entry was clear
 * (by the quiesce of the device whose own id @sid is, if any), else
 * "without reset".
 */
const char *ik_ledger_how(const struct iommu_kdump_unit *u, u16 sid)
{
	const struct ik_sid *s = &u->sids[sid];

	if (s->how != 1)
		return "without reset";
	if (s->quiesced == IK_Q_MASTER)
		return "after bus-master-off";
	return "after reset";
}

/* One copied entry less uses @did: its entry when that was the last. */
static struct ik_did *ik_ledger_put_did(struct iommu_kdump_unit *u, u16 did,
					const char *by)
{
	struct ik_did *d = ik_ledger_find_did(u, did);

	if (!d || !d->users || --d->users || d->state == IK_DID_PINNED)
		return NULL;
	d->state = IK_DID_RELEASING;
	snprintf(d->by, sizeof(d->by), "%s", by);
	return d;
}

/**
 * ik_ledger_block() - a blocking entry replaces a taken-over one
 * @u: the unit
 * @sid: source id whose attach the vendor refused
 * @release: set to the old domain id whose last user the copied entry
 *	was (now IK_DID_RELEASING), else NULL
 *
 * The taken-over entry stays in force as a blocking one: the device still
 * needs its quiesce before the capture kernel's own entry replaces it.
 *
 * Return: true when the crashed kernel's entry was in force (the vendor
 * writes the blocking entry), false when a blocking one already is, or
 * nothing was taken over.
 */
bool ik_ledger_block(struct iommu_kdump_unit *u, u16 sid,
		     struct ik_did **release)
{
	char name[IK_NAME_LEN], by[IK_BY_LEN];
	struct ik_sid *s;

	*release = NULL;
	if (!u->published || sid >= u->nr_sids || u->sids[sid].state != IK_COPIED)
		return false;
	s = &u->sids[sid];
	s->state = IK_BLOCKED;
	u->nr_copied--;
	if (s->has_did) {
		ik_ledger_sid_name(u, sid, name, sizeof(name));
		snprintf(by, sizeof(by), "%s blocked", name);
		*release = ik_ledger_put_did(u, s->did, by);
	}
	s->has_did = 0;
	s->clear = 0;
	return true;
}

/**
 * ik_ledger_written() - the capture kernel wrote its own entry
 * @u: the unit
 * @sid: source id
 *
 * Return: the old domain id whose last user this entry was (now
 * IK_DID_RELEASING), or NULL.
 */
struct ik_did *ik_ledger_written(struct iommu_kdump_unit *u, u16 sid)
{
	char name[IK_NAME_LEN], by[IK_BY_LEN];
	struct ik_sid *s;
	bool copied;

	if (!u->published || !ik_ledger_live(u, sid))
		return NULL;
	s = &u->sids[sid];
	copied = s->state == IK_COPIED;
	s->state = IK_RETIRED;
	s->how = s->clear ? 1 : 2;
	u->nr_retired++;
	if (!copied || !s->has_did)
		return NULL;
	ik_ledger_sid_name(u, sid, name, sizeof(name));
	snprintf(by, sizeof(by), "%s %s", name, ik_ledger_how(u, sid));
	return ik_ledger_put_did(u, s->did, by);
}

/**
 * ik_ledger_cloned() - the capture kernel copied one entry over another
 * @u: the unit
 * @from: source id whose entry was copied
 * @to: source id whose entry was overwritten (a DMA alias of @from)
 *
 * @to then holds @from's taken-over entry (and old domain id) while
 * @from's is the taken-over one; else it holds the capture kernel's own.
 *
 * Return: as ik_ledger_written().
 */
struct ik_did *ik_ledger_cloned(struct iommu_kdump_unit *u, u16 from, u16 to)
{
	char name[IK_NAME_LEN], by[IK_BY_LEN];
	struct ik_did *od, *rel = NULL;
	struct ik_sid *s, *d;

	if (!u->published || from >= u->nr_sids || to >= u->nr_sids ||
	    from == to)
		return NULL;
	s = &u->sids[from];
	d = &u->sids[to];
	if (!ik_ledger_live(u, from))
		return ik_ledger_written(u, to);
	od = s->has_did ? ik_ledger_find_did(u, s->did) : NULL;
	if (od)
		od->users++;
	if (d->state == IK_COPIED && d->has_did) {
		ik_ledger_sid_name(u, to, name, sizeof(name));
		snprintf(by, sizeof(by), "%s overwritten", name);
		rel = ik_ledger_put_did(u, d->did, by);
	}
	d->state = s->state;
	d->did = s->did;
	d->has_did = s->has_did;
	d->clear = 0;
	return rel;
}

/**
 * ik_ledger_space_in_use() - does a unit of a domain id space still use it?
 * @units: the first published unit (linked by ->next)
 * @space: the domain id space (iommu_kdump_unit.did_space)
 * @did: the old domain id
 *
 * Return: true while a copied entry of any unit of @space carries @did, or
 * a rejected one pinned it: the id may still be cached and must not be
 * handed out.
 */
bool ik_ledger_space_in_use(const struct iommu_kdump_unit *units,
			    const void *space, u16 did)
{
	const struct iommu_kdump_unit *u;
	const struct ik_did *d;

	for (u = units; u; u = u->next) {
		if (u->did_space != space)
			continue;
		d = ik_ledger_find_did(u, did);
		if (d && (d->state == IK_DID_IN_USE ||
			  d->state == IK_DID_PINNED))
			return true;
	}
	return false;
}
