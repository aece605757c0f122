// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capture-kernel takeover of the crashed kernel's IOMMU state: the
 * vendor-neutral part (see include/linux/iommu_kdump.h).
 *
 * The ledger: per IOMMU unit (an AMD-Vi PCI segment, a VT-d DMAR unit), the
 * state of every source id (PCI requester id, AMD DeviceID) whose entry the
 * capture kernel took over: copied (the crashed kernel's entry is in force),
 * blocked (the entry failed validation and a blocking entry is in force),
 * or retired (the capture kernel wrote its own entry); and per old domain
 * id, the number of copied entries still using it.
 *
 * Retirement: a completed PCI function reset or secondary bus reset (hooks
 * in drivers/pci/pci.c) marks the entries of the device and of its DMA
 * aliases; with iommu_kdump_retire=reset (default) the device is then
 * attached to its IOMMU domain, which makes the vendor driver replace the
 * entry. A driver binding to a device whose entry is still copied or
 * blocked first resets it (pci_reset_function_locked()) when the device has
 * a reset method, then attaches it. With iommu_kdump_retire=attach nothing
 * happens here: the entry is replaced when the IOMMU core attaches the
 * device on its first DMA mapping, as Linux 6.1 does. Devices that no
 * driver claims and that are never reset keep their copied entries.
 *
 * When the last copied entry of an old domain id is gone, the vendor
 * flushes that id from the IOMMU caches and returns it to its allocator.
 *
 * Validation: iommu_kdump_old_ram() accepts a table only if it lies in the
 * crashed kernel's RAM as the ELF core header (elfcorehdr=) describes it
 * and outside the capture kernel's own RAM (the crashkernel region).
 *
 * debugfs: iommu_kdump/state lists units, entries and old domain ids.
 */

#define pr_fmt(fmt) "iommu kdump: " fmt

#include <linux/bsearch.h>
#include <linux/crash_dump.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/elf.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/iommu_kdump.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/e820/api.h>

#define IK_NAME_LEN	24
#define IK_REASON_LEN	80
#define IK_BY_LEN	48
/* Rejected entries logged and listed one by one; the rest are counted. */
#define IK_MAX_REJECT_LOG	64
/* Largest ELF core header accepted: program headers beyond are ignored. */
#define IK_MAX_PHDRS	4096

/* State of one source id in a unit. */
enum ik_state {
	IK_NONE,	/* not taken over: nothing copied for this id */
	IK_COPIED,	/* the crashed kernel's entry is in force */
	IK_BLOCKED,	/* rejected or not copied: a blocking entry is in force */
	IK_RETIRED,	/* the capture kernel wrote its own entry */
};

/* How a retired entry was retired. */
enum ik_how {
	IK_HOW_NONE,
	IK_HOW_RESET,	/* the device was reset first */
	IK_HOW_ATTACH,	/* attached without a reset */
};

/* Reset methods, by the names drivers/pci/pci.c gives them. */
static const char * const ik_methods[] = {
	"", "flr", "af_flr", "pm", "bus", "acpi", "device_specific",
	"cxl_bus", "other",
};

#define IK_METHOD_OTHER	(ARRAY_SIZE(ik_methods) - 1)

/**
 * struct ik_sid - ledger state of one source id
 * @did: old domain id of the copied entry (when @has_did)
 * @state: enum ik_state
 * @has_did: the copied entry carries a domain id that is tracked
 * @reset: index in ik_methods[] of the last reset seen since the takeover
 *	(0: none)
 * @how: enum ik_how, once retired
 */
struct ik_sid {
	u16 did;
	u8 state:2;
	u8 has_did:1;
	u8 reset:5;
	u8 how;
};

enum ik_did_state {
	IK_DID_IN_USE,
	IK_DID_RELEASING,
	IK_DID_RELEASED,
};

/**
 * struct ik_did - one old domain id
 * @did: the id
 * @users: copied entries still using it
 * @state: enum ik_did_state
 * @by: the device whose retirement dropped the last user, and how
 */
struct ik_did {
	u16 did;
	u16 users;
	u8 state;
	char by[IK_BY_LEN];
};

/**
 * struct ik_reject - rejected entries
 * @node: in iommu_kdump_unit.rejected
 * @sid: first source id (ignored when @all)
 * @count: number of consecutive source ids
 * @all: the whole unit is blocked (its table could not be used at all)
 * @reason: why
 */
struct ik_reject {
	struct list_head node;
	u16 sid;
	u32 count;
	bool all;
	char reason[IK_REASON_LEN];
};

/**
 * struct iommu_kdump_unit - the ledger of one IOMMU unit
 * @name: short name without spaces ("amd-vi.0", "dmar0")
 * @segment: PCI segment
 * @nr_sids: number of source ids covered (@sids entries)
 * @ops: vendor operations
 * @priv: vendor data
 * @sids: per source id state
 * @dids: old domain ids, sorted by id
 * @nr_dids: entries of @dids
 * @rejected: struct ik_reject list
 * @published: the unit is live (the capture kernel uses the copy)
 * @nr_copied: entries copied
 * @nr_rejected: entries rejected
 * @nr_retired: entries retired since
 * @nr_released: old domain ids released since
 */
struct iommu_kdump_unit {
	char name[IK_NAME_LEN];
	u16 segment;
	u32 nr_sids;
	const struct iommu_kdump_ops *ops;
	void *priv;
	struct ik_sid *sids;
	struct ik_did *dids;
	u32 nr_dids;
	struct list_head rejected;
	bool published;
	u32 nr_copied;
	u32 nr_rejected;
	u32 nr_retired;
	u32 nr_released;
};

static enum iommu_kdump_retire_mode ik_retire = IOMMU_KDUMP_RETIRE_RESET;
static bool ik_quiesce;

/* Published units: appended at boot, never removed. */
#define IK_MAX_UNITS	64
static struct iommu_kdump_unit *ik_units[IK_MAX_UNITS];
static unsigned int ik_nr_units;
/* Protects the unit state (sids, dids, counters); a leaf lock. */
static DEFINE_SPINLOCK(ik_lock);
/* Set once a unit is published: the hooks have work to do. */
static bool ik_active;

/* The published units, for lock-free iteration (the array only grows). */
static unsigned int ik_units_published(void)
{
	/* Pairs with the release in iommu_kdump_unit_publish(). */
	return smp_load_acquire(&ik_nr_units);
}

/* Devices to retire after a reset the capture kernel did not ask for. */
struct ik_queued {
	struct list_head node;
	struct pci_dev *pdev;
};

static LIST_HEAD(ik_retire_list);
static void ik_retire_fn(struct work_struct *work);
static DECLARE_WORK(ik_retire_work, ik_retire_fn);
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

/* --- the crashed kernel's RAM, from the ELF core header ------------------ */

struct ik_range {
	u64 start;
	u64 end;	/* exclusive */
};

static DEFINE_MUTEX(ik_ram_mutex);
static struct ik_range *ik_ram;
static unsigned int ik_nr_ram;
static bool ik_ram_parsed;

static int ik_range_cmp(const void *a, const void *b)
{
	const struct ik_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges in place. */
static unsigned int ik_merge_ranges(struct ik_range *r, unsigned int n)
{
	unsigned int i, out = 0;

	if (!n)
		return 0;
	sort(r, n, sizeof(*r), ik_range_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (r[i].start <= r[out].end) {
			r[out].end = max(r[out].end, r[i].end);
			continue;
		}
		r[++out] = r[i];
	}
	return out + 1;
}

/*
 * Read the PT_LOAD program headers of the ELF core header that kexec left
 * for the capture kernel (the memory /proc/vmcore exposes).
 */
static void ik_parse_elfcorehdr(void)
{
	const struct elf64_phdr *phdr;
	const struct elf64_hdr *ehdr;
	unsigned int i, n = 0;
	u16 phnum;
	u64 phoff;

	ik_ram_parsed = true;
	if (!is_kdump_kernel())
		return;
	ehdr = memremap(elfcorehdr_addr, sizeof(*ehdr), MEMREMAP_WB);
	if (!ehdr) {
		pr_err("cannot map the ELF core header at %#llx\n", elfcorehdr_addr);
		return;
	}
	if (memcmp(ehdr->e_ident, ELFMAG, SELFMAG) ||
	    ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr->e_phentsize != sizeof(*phdr) ||
	    !ehdr->e_phnum || ehdr->e_phnum > IK_MAX_PHDRS) {
		pr_err("ELF core header at %#llx not usable\n", elfcorehdr_addr);
		memunmap((void *)ehdr);
		return;
	}
	phnum = ehdr->e_phnum;
	phoff = ehdr->e_phoff;
	memunmap((void *)ehdr);

	phdr = memremap(elfcorehdr_addr + phoff, phnum * sizeof(*phdr),
			MEMREMAP_WB);
	ik_ram = kcalloc(phnum, sizeof(*ik_ram), GFP_KERNEL);
	if (!phdr || !ik_ram) {
		pr_err("cannot read the ELF program headers\n");
		if (phdr)
			memunmap((void *)phdr);
		kfree(ik_ram);
		ik_ram = NULL;
		return;
	}
	for (i = 0; i < phnum; i++) {
		if (phdr[i].p_type != PT_LOAD || !phdr[i].p_memsz ||
		    phdr[i].p_paddr + phdr[i].p_memsz < phdr[i].p_paddr)
			continue;
		ik_ram[n].start = phdr[i].p_paddr;
		ik_ram[n].end = phdr[i].p_paddr + phdr[i].p_memsz;
		n++;
	}
	memunmap((void *)phdr);
	ik_nr_ram = ik_merge_ranges(ik_ram, n);
	pr_info("crashed kernel RAM: %u ranges from the ELF core header\n",
		ik_nr_ram);
}

/**
 * iommu_kdump_old_ram() - may the capture kernel read a table found in the
 *	crashed kernel's state?
 * @phys: physical address read from an IOMMU register or a table entry
 * @size: bytes the capture kernel will read
 *
 * Return: true when [@phys, @phys + @size) lies inside the crashed kernel's
 * RAM as the ELF core header describes it (a PT_LOAD segment, or adjacent
 * ones) and does not touch the capture kernel's own RAM (the crashkernel
 * region and whatever else the firmware map handed it).
 */
bool iommu_kdump_old_ram(u64 phys, u64 size)
{
	u64 end = phys + size;
	unsigned int i;
	bool ok = false;

	if (!size || end < phys)
		return false;
	if (e820__mapped_any(phys, end, E820_TYPE_RAM) ||
	    e820__mapped_any(phys, end, E820_TYPE_RESERVED_KERN))
		return false;
	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	for (i = 0; i < ik_nr_ram; i++) {
		if (phys >= ik_ram[i].start && end <= ik_ram[i].end) {
			ok = true;
			break;
		}
	}
	mutex_unlock(&ik_ram_mutex);
	return ok;
}

/**
 * iommu_kdump_old_ram_end() - end of the crashed kernel's highest RAM range
 *
 * Return: the first address above every range of the ELF core header, 0
 * when it could not be read.
 */
u64 iommu_kdump_old_ram_end(void)
{
	u64 end;

	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	end = ik_nr_ram ? ik_ram[ik_nr_ram - 1].end : 0;
	mutex_unlock(&ik_ram_mutex);
	return end;
}

/* --- building the ledger -------------------------------------------------- */

/**
 * iommu_kdump_unit_create() - start the ledger of one IOMMU unit
 * @name: short name without spaces, for logs and debugfs
 * @segment: PCI segment of the unit's source ids
 * @nr_sids: source ids the unit covers (at most 65536)
 * @ops: vendor operations
 * @priv: vendor data, returned by iommu_kdump_unit_priv()
 *
 * Called while the vendor copies the crashed kernel's table (boot time, may
 * sleep). The unit is not live until iommu_kdump_unit_publish().
 *
 * Return: the unit, or NULL without memory.
 */
struct iommu_kdump_unit *iommu_kdump_unit_create(const char *name, u16 segment,
						 u32 nr_sids,
						 const struct iommu_kdump_ops *ops,
						 void *priv)
{
	struct iommu_kdump_unit *u;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return NULL;
	u->nr_sids = min_t(u32, nr_sids, 65536);
	u->sids = kvcalloc(u->nr_sids, sizeof(*u->sids), GFP_KERNEL);
	if (!u->sids) {
		kfree(u);
		return NULL;
	}
	strscpy(u->name, name, sizeof(u->name));
	u->segment = segment;
	u->ops = ops;
	u->priv = priv;
	INIT_LIST_HEAD(&u->rejected);
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

static void ik_sid_name(const struct iommu_kdump_unit *u, u16 sid, char *buf,
			size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", u->segment, sid >> 8,
		 PCI_SLOT(sid & 0xff), PCI_FUNC(sid & 0xff));
}

/**
 * iommu_kdump_note_copied() - record an entry copied as it was
 * @unit: the unit
 * @sid: source id
 * @did: the old domain id in the entry; 0 when the entry carries none
 *	that the vendor reserved (it is then not tracked)
 */
void iommu_kdump_note_copied(struct iommu_kdump_unit *unit, u16 sid, u16 did)
{
	struct ik_sid *s;

	if (sid >= unit->nr_sids)
		return;
	s = &unit->sids[sid];
	s->state = IK_COPIED;
	s->did = did;
	s->has_did = did != 0;
	unit->nr_copied++;
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
 * capture-kernel entry like a device with a copied one (after a reset, or
 * when attached).
 */
void iommu_kdump_note_rejected_range(struct iommu_kdump_unit *unit, u16 sid,
				     u32 count, const char *reason)
{
	char first[IK_NAME_LEN], last[IK_NAME_LEN];
	u32 i;

	count = min_t(u32, count, unit->nr_sids > sid ? unit->nr_sids - sid : 0);
	if (!count)
		return;
	for (i = 0; i < count; i++) {
		unit->sids[sid + i].state = IK_BLOCKED;
		unit->sids[sid + i].has_did = 0;
	}
	if (++unit->nr_rejected > IK_MAX_REJECT_LOG)
		return;
	ik_sid_name(unit, sid, first, sizeof(first));
	if (count == 1) {
		pr_warn("%s: entry of %s not copied: %s; DMA from it is blocked\n",
			unit->name, first, reason);
	} else {
		ik_sid_name(unit, sid + count - 1, last, sizeof(last));
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
 *
 * As iommu_kdump_note_rejected_range() for one source id.
 */
void iommu_kdump_note_rejected(struct iommu_kdump_unit *unit, u16 sid,
			       const char *reason)
{
	iommu_kdump_note_rejected_range(unit, sid, 1, reason);
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
	u32 sid;

	for (sid = 0; sid < unit->nr_sids; sid++) {
		unit->sids[sid].state = IK_BLOCKED;
		unit->sids[sid].has_did = 0;
	}
	unit->nr_copied = 0;
	pr_err("%s: crashed kernel's table not usable (%s): all DMA blocked, translation stays enabled\n",
	       unit->name, reason);
	ik_add_reject(unit, 0, unit->nr_sids, true, reason);
}

static int ik_did_cmp(const void *a, const void *b)
{
	const struct ik_did *x = a, *y = b;

	return (int)x->did - (int)y->did;
}

/**
 * iommu_kdump_unit_publish() - the unit's copy is now in use
 * @unit: the unit
 *
 * Counts the users of every old domain id and makes the unit live for the
 * reset and driver-attach hooks.
 */
void iommu_kdump_unit_publish(struct iommu_kdump_unit *unit)
{
	unsigned long *seen;
	unsigned long flags;
	struct ik_did *d;
	u32 sid, n = 0;

	seen = bitmap_zalloc(65536, GFP_KERNEL);
	if (seen) {
		for (sid = 0; sid < unit->nr_sids; sid++) {
			struct ik_sid *s = &unit->sids[sid];

			if (s->state == IK_COPIED && s->has_did &&
			    !__test_and_set_bit(s->did, seen))
				n++;
		}
		unit->dids = n ? kcalloc(n, sizeof(*unit->dids), GFP_KERNEL) : NULL;
	}
	if (unit->dids) {
		n = 0;
		for_each_set_bit(sid, seen, 65536)
			unit->dids[n++].did = sid;
		unit->nr_dids = n;
		sort(unit->dids, n, sizeof(*unit->dids), ik_did_cmp, NULL);
		for (sid = 0; sid < unit->nr_sids; sid++) {
			struct ik_sid *s = &unit->sids[sid];

			if (s->state != IK_COPIED || !s->has_did)
				continue;
			d = bsearch(&(struct ik_did){ .did = s->did }, unit->dids,
				    n, sizeof(*d), ik_did_cmp);
			if (d)
				d->users++;
		}
	} else if (n) {
		pr_warn("%s: no memory to track old domain ids: they stay reserved\n",
			unit->name);
	}
	bitmap_free(seen);

	spin_lock_irqsave(&ik_lock, flags);
	if (ik_nr_units < IK_MAX_UNITS) {
		unit->published = true;
		ik_units[ik_nr_units] = unit;
		/* The slot is filled before readers can see the count. */
		smp_store_release(&ik_nr_units, ik_nr_units + 1);
		WRITE_ONCE(ik_active, true);
	}
	spin_unlock_irqrestore(&ik_lock, flags);
	if (!unit->published)
		pr_err("%s: too many units, not tracked\n", unit->name);
	if (unit->nr_rejected > IK_MAX_REJECT_LOG)
		pr_warn("%s: %u more rejected entries not listed\n", unit->name,
			unit->nr_rejected - IK_MAX_REJECT_LOG);
	pr_info("%s: %u entries copied, %u rejected, %u old domain ids in use; retire=%s\n",
		unit->name, unit->nr_copied, unit->nr_rejected, unit->nr_dids,
		ik_retire == IOMMU_KDUMP_RETIRE_RESET ? "reset" : "attach");
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

/* --- retirement ----------------------------------------------------------- */

static struct ik_did *ik_find_did(struct iommu_kdump_unit *u, u16 did)
{
	struct ik_did key = { .did = did };

	if (!u->dids)
		return NULL;
	return bsearch(&key, u->dids, u->nr_dids, sizeof(key), ik_did_cmp);
}

static const char *ik_how_name(const struct ik_sid *s)
{
	if (s->how == IK_HOW_RESET)
		return "after reset";
	return "without reset";
}

/*
 * One copied entry less uses @did; the last one queues the id for release,
 * naming @by. Called under ik_lock.
 */
static void ik_put_did_locked(struct iommu_kdump_unit *u, u16 did,
			      const char *by)
{
	struct ik_did *d = ik_find_did(u, did);

	if (!d || !d->users || --d->users)
		return;
	d->state = IK_DID_RELEASING;
	strscpy(d->by, by, sizeof(d->by));
	schedule_work(&ik_release_work);
}

/* The capture kernel replaced the entry of @sid. Called under ik_lock. */
static void ik_retire_locked(struct iommu_kdump_unit *u, u16 sid)
{
	struct ik_sid *s = &u->sids[sid];
	bool copied = s->state == IK_COPIED;
	char name[IK_NAME_LEN], by[IK_BY_LEN];

	s->state = IK_RETIRED;
	s->how = s->reset ? IK_HOW_RESET : IK_HOW_ATTACH;
	u->nr_retired++;
	ik_sid_name(u, sid, name, sizeof(name));
	if (s->how == IK_HOW_RESET)
		pr_info("%s: %s entry of %s replaced after reset (%s)\n",
			u->name, copied ? "copied" : "blocking", name,
			ik_methods[s->reset]);
	else
		pr_info("%s: %s entry of %s replaced without reset\n",
			u->name, copied ? "copied" : "blocking", name);
	if (!copied || !s->has_did)
		return;
	if (s->how == IK_HOW_RESET)
		snprintf(by, sizeof(by), "%s after reset %s", name,
			 ik_methods[s->reset]);
	else
		snprintf(by, sizeof(by), "%s without reset", name);
	ik_put_did_locked(u, s->did, by);
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
	u8 state;

	if (!unit || sid >= unit->nr_sids)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	state = unit->sids[sid].state;
	if (unit->published && (state == IK_COPIED || state == IK_BLOCKED))
		ik_retire_locked(unit, sid);
	spin_unlock_irqrestore(&ik_lock, flags);
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
	char name[IK_NAME_LEN], by[IK_BY_LEN];
	struct ik_sid *s, *d;
	unsigned long flags;
	struct ik_did *od;

	if (!unit || from >= unit->nr_sids || to >= unit->nr_sids || from == to)
		return;
	spin_lock_irqsave(&ik_lock, flags);
	s = &unit->sids[from];
	d = &unit->sids[to];
	if (!unit->published) {
		spin_unlock_irqrestore(&ik_lock, flags);
		return;
	}
	if (s->state != IK_COPIED && s->state != IK_BLOCKED) {
		if (d->state == IK_COPIED || d->state == IK_BLOCKED)
			ik_retire_locked(unit, to);
		spin_unlock_irqrestore(&ik_lock, flags);
		return;
	}
	/* @to now carries @from's taken-over entry: move the domain use. */
	od = s->has_did ? ik_find_did(unit, s->did) : NULL;
	if (od)
		od->users++;
	if (d->state == IK_COPIED && d->has_did) {
		ik_sid_name(unit, to, name, sizeof(name));
		snprintf(by, sizeof(by), "%s overwritten", name);
		ik_put_did_locked(unit, d->did, by);
	}
	d->state = s->state;
	d->did = s->did;
	d->has_did = s->has_did;
	spin_unlock_irqrestore(&ik_lock, flags);
}

static void ik_release_fn(struct work_struct *work)
{
	unsigned int n = ik_units_published(), k;
	struct iommu_kdump_unit *u;
	unsigned long flags;
	struct ik_did *d;
	u32 i;

again:
	spin_lock_irqsave(&ik_lock, flags);
	for (k = 0; k < n; k++) {
		u = ik_units[k];
		for (i = 0; i < u->nr_dids; i++) {
			d = &u->dids[i];
			if (d->state != IK_DID_RELEASING)
				continue;
			spin_unlock_irqrestore(&ik_lock, flags);
			u->ops->release_did(u, d->did);
			spin_lock_irqsave(&ik_lock, flags);
			d->state = IK_DID_RELEASED;
			u->nr_released++;
			pr_info("%s: old domain id %#x flushed and released (last user %s)\n",
				u->name, d->did, d->by);
			spin_unlock_irqrestore(&ik_lock, flags);
			goto again;
		}
	}
	spin_unlock_irqrestore(&ik_lock, flags);
}

/* What pci_for_each_dma_alias() walks for one device and unit. */
struct ik_scan {
	struct iommu_kdump_unit *unit;
	u8 mark;	/* index in ik_methods[] to record, 0: only count */
	unsigned int live;	/* copied or blocking entries */
	unsigned int unreset;	/* of those, not reset since the takeover */
};

static int ik_scan_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct ik_scan *sc = data;
	struct ik_sid *s;

	if (alias >= sc->unit->nr_sids)
		return 0;
	s = &sc->unit->sids[alias];
	if (s->state != IK_COPIED && s->state != IK_BLOCKED)
		return 0;
	if (sc->mark)
		s->reset = sc->mark;
	sc->live++;
	if (!s->reset)
		sc->unreset++;
	return 0;
}

/*
 * Count (and with @mark, mark as reset) the live entries of @pdev and of
 * its DMA aliases in the units that translate for it.
 */
static void ik_scan_dev(struct pci_dev *pdev, u8 mark, struct ik_scan *sc)
{
	unsigned int n = ik_units_published(), k;
	u16 segment = pci_domain_nr(pdev->bus);
	struct iommu_kdump_unit *u;
	unsigned long flags;

	memset(sc, 0, sizeof(*sc));
	sc->mark = mark;
	for (k = 0; k < n; k++) {
		u = ik_units[k];
		if (u->segment != segment ||
		    (u->ops->covers && !u->ops->covers(u, pdev)))
			continue;
		sc->unit = u;
		spin_lock_irqsave(&ik_lock, flags);
		pci_for_each_dma_alias(pdev, ik_scan_alias, sc);
		spin_unlock_irqrestore(&ik_lock, flags);
	}
}

/*
 * Attach @pdev to its IOMMU domain: the vendor replaces the copied or
 * blocking entries of the device and its aliases (and reports each through
 * iommu_kdump_entry_written()). Called with the device lock held.
 */
static void ik_attach(struct pci_dev *pdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);
	struct ik_scan sc;
	int ret;

	if (!domain) {
		pci_info(pdev, "iommu kdump: no IOMMU domain, copied entry kept\n");
		return;
	}
	ret = iommu_deferred_attach(&pdev->dev, domain);
	if (ret)
		pci_warn(pdev, "iommu kdump: attach failed (%d), copied entry kept\n",
			 ret);
	ik_scan_dev(pdev, 0, &sc);
	if (!ret && sc.live)
		pci_info(pdev, "iommu kdump: %u taken-over entries still in force after attach\n",
			 sc.live);
}

static u8 ik_method_index(const char *method)
{
	u8 i;

	for (i = 1; i < IK_METHOD_OTHER; i++)
		if (!strcmp(method, ik_methods[i]))
			return i;
	return IK_METHOD_OTHER;
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

static void ik_retire_fn(struct work_struct *work)
{
	struct ik_queued *q;
	unsigned long flags;
	struct ik_scan sc;

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
		ik_scan_dev(q->pdev, 0, &sc);
		if (sc.live)
			ik_attach(q->pdev);
		device_unlock(&q->pdev->dev);
		pci_dev_put(q->pdev);
		kfree(q);
	}
}

/**
 * iommu_kdump_pci_reset_done() - a reset of @pdev completed successfully
 * @pdev: the device
 * @method: the reset method ("flr", "pm", "bus", ... as in
 *	/sys/bus/pci/devices/.../reset_method)
 *
 * Marks the taken-over entries of @pdev and of its DMA aliases as reset
 * (the device no longer does the crashed kernel's DMA). With
 * iommu_kdump_retire=reset they are then replaced, from a work item that
 * attaches the device to its IOMMU domain.
 */
void iommu_kdump_pci_reset_done(struct pci_dev *pdev, const char *method)
{
	struct ik_scan sc;

	if (!READ_ONCE(ik_active))
		return;
	ik_scan_dev(pdev, ik_method_index(method), &sc);
	if (sc.live && ik_retire == IOMMU_KDUMP_RETIRE_RESET)
		ik_queue_retire(pdev);
}

static void ik_bus_reset_done(struct pci_bus *bus)
{
	struct pci_dev *dev;

	list_for_each_entry(dev, &bus->devices, bus_list) {
		iommu_kdump_pci_reset_done(dev, "bus");
		if (dev->subordinate)
			ik_bus_reset_done(dev->subordinate);
	}
}

/**
 * iommu_kdump_pci_bus_reset_done() - a secondary bus reset completed
 * @bridge: the bridge whose secondary bus was reset
 *
 * Every device below @bridge was reset.
 */
void iommu_kdump_pci_bus_reset_done(struct pci_dev *bridge)
{
	if (!READ_ONCE(ik_active) || !bridge->subordinate)
		return;
	ik_bus_reset_done(bridge->subordinate);
}

/* Is @bridge's requester id the DMA alias of the devices below it? */
static bool ik_alias_bridge(struct pci_dev *bridge)
{
	return !pci_is_pcie(bridge) ||
	       pci_pcie_type(bridge) == PCI_EXP_TYPE_PCI_BRIDGE ||
	       (bridge->dev_flags & PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS);
}

/*
 * A driver is about to probe @pdev (device lock held). With
 * iommu_kdump_retire=reset, a device whose entries are still taken over is
 * reset first, if it has a reset method, then attached so that the driver
 * starts with the capture kernel's own entry. Bridges are not reset (that
 * would reset everything below them). A bridge whose requester id carries
 * the DMA of the devices below it (conventional PCI) keeps its copied
 * entry until those devices are attached; a PCIe port's entry only
 * carries its own requests and is replaced.
 */
static void ik_bind(struct pci_dev *pdev)
{
	struct ik_scan sc;
	int ret;

	ik_scan_dev(pdev, 0, &sc);
	if (!sc.live)
		return;
	if (pdev->subordinate && ik_alias_bridge(pdev)) {
		pci_info(pdev, "iommu kdump: bridge carrying DMA of the devices below, its copied entry is kept\n");
		return;
	}
	if (pdev->subordinate) {
		pci_info(pdev, "iommu kdump: PCIe port, its copied entry is replaced without a reset\n");
	} else if (sc.unreset) {
		if (!pdev->reset_methods[0]) {
			pci_info(pdev, "iommu kdump: no reset method, its copied entry is replaced without a reset\n");
		} else {
			ret = pci_reset_function_locked(pdev);
			if (ret)
				pci_warn(pdev, "iommu kdump: reset failed (%d), its copied entry is replaced anyway\n",
					 ret);
		}
	}
	ik_attach(pdev);
}

static int ik_bus_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct device *dev = data;

	if (action != BUS_NOTIFY_BIND_DRIVER || !READ_ONCE(ik_active) ||
	    ik_retire != IOMMU_KDUMP_RETIRE_RESET)
		return NOTIFY_DONE;
	ik_bind(to_pci_dev(dev));
	return NOTIFY_OK;
}

static struct notifier_block ik_bus_nb = {
	.notifier_call = ik_bus_notify,
};

static int __init ik_init(void)
{
	if (!is_kdump_kernel())
		return 0;
	/*
	 * Read the ELF core header now: vmcore_init() (fs_initcall) consumes
	 * it and VT-d copies its tables later (rootfs_initcall).
	 */
	mutex_lock(&ik_ram_mutex);
	if (!ik_ram_parsed)
		ik_parse_elfcorehdr();
	mutex_unlock(&ik_ram_mutex);
	return bus_register_notifier(&pci_bus_type, &ik_bus_nb);
}
arch_initcall(ik_init);

/* --- lab-only test knob --------------------------------------------------- */

#ifdef CONFIG_IOMMU_KDUMP_TEST
#define IK_MAX_TEST_FNS	4
static iommu_kdump_test_fn ik_test_fns[IK_MAX_TEST_FNS];
static DEFINE_MUTEX(ik_test_mutex);

/**
 * iommu_kdump_test_register() - add a vendor handler to test_corrupt
 * @fn: the handler
 */
void iommu_kdump_test_register(iommu_kdump_test_fn fn)
{
	unsigned int i;

	mutex_lock(&ik_test_mutex);
	for (i = 0; i < IK_MAX_TEST_FNS; i++) {
		if (!ik_test_fns[i]) {
			ik_test_fns[i] = fn;
			break;
		}
	}
	mutex_unlock(&ik_test_mutex);
}

/*
 * "CMD [ARG]": corrupt the live IOMMU state of this (first) kernel, so that
 * the capture kernel of the next crash finds a bad pointer. The commands
 * belong to the vendors (amd/kdump.c, intel/kdump.c).
 */
static ssize_t ik_test_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[64], *cmd, *arg;
	int ret = -ENOENT;
	unsigned int i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	arg = strim(buf);
	cmd = strsep(&arg, " ");
	arg = arg ? strim(arg) : "";
	mutex_lock(&ik_test_mutex);
	for (i = 0; i < IK_MAX_TEST_FNS && ik_test_fns[i] && ret == -ENOENT; i++)
		ret = ik_test_fns[i](cmd, arg);
	mutex_unlock(&ik_test_mutex);
	if (ret)
		return ret;
	pr_warn("test: corrupted the IOMMU state: %s %s\n", cmd, arg);
	return len;
}

static const struct file_operations ik_test_fops = {
	.write = ik_test_write,
	.llseek = noop_llseek,
};

static iommu_kdump_test_hold_fn ik_test_hold_fn;

/**
 * iommu_kdump_test_register_hold() - set the vendor's lab lock holder
 * @fn: the handler (one IOMMU driver is active in a lab machine)
 */
void iommu_kdump_test_register_hold(iommu_kdump_test_hold_fn fn)
{
	WRITE_ONCE(ik_test_hold_fn, fn);
}

struct ik_test_hold_state {
	struct iommu_kdump_test_hold hold;
	int ret;
	int done;
};

/* IPI handler: take the lock, then keep it until the crash stops us. */
static void ik_test_holder(void *arg)
{
	struct ik_test_hold_state *s = arg;

	s->ret = ik_test_hold_fn(&s->hold);
	/* Pairs with the acquire in iommu_kdump_test_hold_lock(). */
	smp_store_release(&s->done, 1);
	if (s->ret)
		return;
	for (;;)
		cpu_relax();
}

/**
 * iommu_kdump_test_hold_lock() - lab: crash with a submission half done
 *
 * Makes another online CPU take the IOMMU driver's command submission lock
 * (in an IPI, interrupts off) and write one command that it never
 * publishes, then keep spinning with the lock held: the state a CPU stopped
 * by the crash NMI half-way through a submission leaves. Waits at most one
 * second for it. Returns with interrupts disabled on this CPU, so that it
 * can take no IOMMU lock itself before the panic its caller must raise
 * next.
 *
 * Return: 0 when the lock is held, -ENODEV without a vendor handler or a
 * second CPU, -ETIMEDOUT when the holder did not answer, or the handler's
 * error.
 */
int iommu_kdump_test_hold_lock(void)
{
	static struct ik_test_hold_state s;
	unsigned int cpu, us;

	if (!READ_ONCE(ik_test_hold_fn))
		return -ENODEV;
	cpu = cpumask_any_but(cpu_online_mask, get_cpu());
	if (cpu >= nr_cpu_ids) {
		put_cpu();
		return -ENODEV;
	}
	smp_call_function_single(cpu, ik_test_holder, &s, 0);
	local_irq_disable();
	put_cpu();
	/* Pairs with the release in ik_test_holder(): s.ret and s.hold. */
	for (us = 0; us < USEC_PER_SEC && !smp_load_acquire(&s.done); us++)
		udelay(1);
	if (!s.done)
		return -ETIMEDOUT;
	if (s.ret)
		return s.ret;
	pr_emerg("test: CPU%u holds the %s lock: command written at %#x, tail register %#x\n",
		 cpu, s.hold.what, s.hold.slot, s.hold.hw_tail);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_kdump_test_hold_lock);
#endif

/* --- debugfs -------------------------------------------------------------- */

static const char * const ik_state_names[] = {
	[IK_NONE] = "none",
	[IK_COPIED] = "copied",
	[IK_BLOCKED] = "blocked",
	[IK_RETIRED] = "retired",
};

static const char * const ik_did_state_names[] = {
	[IK_DID_IN_USE] = "in-use",
	[IK_DID_RELEASING] = "releasing",
	[IK_DID_RELEASED] = "released",
};

static void ik_show_unit(struct seq_file *m, struct iommu_kdump_unit *u)
{
	char name[IK_NAME_LEN];
	struct ik_reject *r;
	unsigned long flags;
	u32 sid, i, live = 0;

	spin_lock_irqsave(&ik_lock, flags);
	for (sid = 0; sid < u->nr_sids; sid++)
		if (u->sids[sid].state == IK_COPIED ||
		    u->sids[sid].state == IK_BLOCKED)
			live++;
	seq_printf(m, "unit %s segment %04x copied %u rejected %u retired %u live %u dids %u released %u\n",
		   u->name, u->segment, u->nr_copied, u->nr_rejected,
		   u->nr_retired, live, u->nr_dids, u->nr_released);
	list_for_each_entry(r, &u->rejected, node) {
		if (r->all) {
			seq_printf(m, "rejected %s all \"%s\"\n", u->name,
				   r->reason);
			continue;
		}
		ik_sid_name(u, r->sid, name, sizeof(name));
		seq_printf(m, "rejected %s %s", u->name, name);
		if (r->count > 1)
			seq_printf(m, "+%u", r->count - 1);
		seq_printf(m, " \"%s\"\n", r->reason);
	}
	for (sid = 0; sid < u->nr_sids; sid++) {
		const struct ik_sid *s = &u->sids[sid];

		if (s->state == IK_NONE)
			continue;
		/* A blocked-all unit: list only what changed. */
		if (s->state == IK_BLOCKED && !s->reset &&
		    list_is_singular(&u->rejected) &&
		    list_first_entry(&u->rejected, struct ik_reject, node)->all)
			continue;
		ik_sid_name(u, sid, name, sizeof(name));
		seq_printf(m, "entry %s %s %s", u->name, name,
			   ik_state_names[s->state]);
		if (s->has_did)
			seq_printf(m, " did %#x", s->did);
		if (s->reset)
			seq_printf(m, " reset %s", ik_methods[s->reset]);
		if (s->state == IK_RETIRED)
			seq_printf(m, " %s", ik_how_name(s));
		seq_putc(m, '\n');
	}
	for (i = 0; i < u->nr_dids; i++) {
		const struct ik_did *d = &u->dids[i];

		seq_printf(m, "did %s %#x %s users %u", u->name, d->did,
			   ik_did_state_names[d->state], d->users);
		if (d->state != IK_DID_IN_USE)
			seq_printf(m, " by %s", d->by);
		seq_putc(m, '\n');
	}
	spin_unlock_irqrestore(&ik_lock, flags);
}

static int ik_state_show(struct seq_file *m, void *v)
{
	unsigned int n, k;

	/* Let queued retirements and releases finish first. */
	flush_work(&ik_retire_work);
	flush_work(&ik_release_work);
	seq_printf(m, "retire %s quiesce %d\n",
		   ik_retire == IOMMU_KDUMP_RETIRE_RESET ? "reset" : "attach",
		   ik_quiesce);
	n = ik_units_published();
	for (k = 0; k < n; k++)
		ik_show_unit(m, ik_units[k]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ik_state);

static int __init ik_debugfs_init(void)
{
	struct dentry *dir;

	if (!is_kdump_kernel() && !IS_ENABLED(CONFIG_IOMMU_KDUMP_TEST))
		return 0;
	dir = debugfs_create_dir("iommu_kdump", NULL);
	if (is_kdump_kernel())
		debugfs_create_file("state", 0444, dir, NULL, &ik_state_fops);
#ifdef CONFIG_IOMMU_KDUMP_TEST
	else
		debugfs_create_file("test_corrupt", 0200, dir, NULL,
				    &ik_test_fops);
#endif
	return 0;
}
late_initcall(ik_debugfs_init);
