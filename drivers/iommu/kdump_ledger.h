/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture-kernel takeover: the ledger and the retirement decisions
 * (drivers/iommu/kdump_ledger.c). Pure code: no locks, no PCI, no MMIO;
 * the callers (kdump_core.c, kdump_reset.c, kdump_debugfs.c) serialise
 * every call with one lock. tests/takeover/ compiles the same source.
 *
 * Per IOMMU unit (an AMD-Vi PCI segment, a VT-d DMAR unit) and source id
 * (PCI requester id, AMD DeviceID): is the entry in force the crashed
 * kernel's (copied), a blocking one the capture kernel put in its place
 * (blocked), or the capture kernel's own (retired)? Per device (by its own
 * requester id): how it was quiesced (reset, or Bus Master Enable
 * cleared). Per old domain id: the copied entries still using it.
 *
 * The retirement invariant: an entry taken over from the crashed kernel
 * (copied or blocked) is replaced only once every device whose DMA may
 * carry its source id (the device itself and every device sharing it as
 * a DMA alias) was reset or had Bus Master Enable cleared since the
 * takeover; by an identity mapping only once every one of them was reset.
 * ik_ledger_clear() records, per source id, which replacement that allows
 * (IK_CLEAR_DMA, IK_CLEAR_ID); ik_ledger_may_replace() is what the vendors
 * ask before they write; an attach they refuse replaces a copied entry by
 * a blocking one (ik_ledger_block()).
 */
#ifndef _IOMMU_KDUMP_LEDGER_H
#define _IOMMU_KDUMP_LEDGER_H

#include <linux/list.h>
#include <linux/types.h>

struct iommu_kdump_ops;

#define IK_NAME_LEN	24
#define IK_REASON_LEN	80
#define IK_BY_LEN	48
/* Rejected entries logged and listed one by one; the rest are counted. */
#define IK_MAX_REJECT_LOG	64

/* ik_sid.clear: which replacement the quiesced devices allow. */
#define IK_CLEAR_DMA	1	/* a translated domain: each reset or stopped */
#define IK_CLEAR_ID	2	/* an identity mapping: each reset */

/* State of one source id in a unit. */
enum ik_state {
	IK_NONE,	/* not taken over: nothing copied for this id */
	IK_COPIED,	/* the crashed kernel's entry is in force */
	IK_BLOCKED,	/* rejected or empty: a blocking entry is in force */
	IK_RETIRED,	/* the capture kernel wrote its own entry */
};

/* How a device was quiesced (index in ik_methods[]; 0: not). */
enum ik_quiesce {
	IK_Q_NONE,
	IK_Q_FLR, IK_Q_AF_FLR, IK_Q_PM, IK_Q_BUS, IK_Q_ACPI,
	IK_Q_DEVICE_SPECIFIC, IK_Q_CXL_BUS, IK_Q_OTHER,
	IK_Q_MASTER,	/* Bus Master Enable cleared, no reset */
	IK_Q_NR,
};

extern const char * const ik_methods[IK_Q_NR];

/**
 * struct ik_sid - ledger state of one source id
 * @did: old domain id of the copied entry (when @has_did)
 * @state: enum ik_state
 * @has_did: the copied entry carries a domain id that is tracked
 * @clear: IK_CLEAR_DMA when every device whose DMA may carry this
 *	source id was quiesced, IK_CLEAR_ID too when every one was reset
 *	(ik_ledger_clear()): the replacements the entry allows
 * @quiesced: enum ik_quiesce of the device whose own requester id this
 *	is (IK_Q_NONE: not quiesced since the takeover)
 * @how: once retired: the entry was clear (1) or not (2) when replaced
 * @pin: @did is the domain id of a rejected entry the IOMMU may have
 *	cached translations under: never released
 * @orig: an entry was taken over for this source id at the takeover (not
 *	merely cloned over it later): a device whose DMA carries it may
 *	still run the crashed kernel's DMA
 * @guard: the DMA of a device that may still run the crashed kernel's
 *	(one of whose source ids was taken over) carries this source id: an
 *	entry of it, taken over or not, is replaced only when clear
 * @held: the last attach of the device whose own requester id this is
 *	was refused (iommu_kdump_attach_gate()): its entries are not its
 *	domain's, whatever the IOMMU core recorded; the takeover attaches
 *	it again when it binds or is cleared
 */
struct ik_sid {
	u16 did;
	u8 state:2;
	u8 has_did:1;
	u8 clear:2;
	u8 quiesced:4;
	u8 how:2;
	u8 pin:1;
	u8 orig:1;
	u8 guard:1;
	u8 held:1;
};

enum ik_did_state {
	IK_DID_IN_USE,
	IK_DID_RELEASING,	/* no user left in this unit */
	IK_DID_FLUSHING,	/* being flushed and released */
	IK_DID_RELEASED,
	IK_DID_PINNED,		/* a rejected entry's: never released */
};

/**
 * struct ik_did - one old domain id
 * @did: the id
 * @users: copied entries of this unit still using it
 * @state: enum ik_did_state
 * @by: the device whose retirement dropped the last user
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
 * @all: the whole unit is blocked
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
 * @segment: PCI segment (PCI domain number, may exceed 16 bits)
 * @nr_sids: number of source ids covered (@sids entries)
 * @ops: vendor operations
 * @priv: vendor data
 * @did_space: units with the same key share one domain id allocator (AMD:
 *	one for the whole system; VT-d: one per unit): an old id is given
 *	back only when no unit of its space still uses it
 * @sids: per source id state
 * @dids: old domain ids, sorted by id
 * @nr_dids: entries of @dids
 * @rejected: struct ik_reject list
 * @published: the unit is live (the capture kernel uses the copy)
 * @blocked_all: the crashed kernel's table was not usable at all
 * @next: the next published unit
 * @nr_copied: entries copied
 * @nr_rejected: entries rejected
 * @nr_retired: entries retired since
 * @nr_released: old domain ids released since
 */
struct iommu_kdump_unit {
	char name[IK_NAME_LEN];
	int segment;
	u32 nr_sids;
	const struct iommu_kdump_ops *ops;
	void *priv;
	const void *did_space;
	struct ik_sid *sids;
	struct ik_did *dids;
	u32 nr_dids;
	struct list_head rejected;
	bool published;
	bool blocked_all;
	struct iommu_kdump_unit *next;
	u32 nr_copied;
	u32 nr_rejected;
	u32 nr_retired;
	u32 nr_released;
};

/* Building (boot, before the unit is published). */
void ik_ledger_init(struct iommu_kdump_unit *u, struct ik_sid *sids,
		    u32 nr_sids);
void ik_ledger_copied(struct iommu_kdump_unit *u, u16 sid, u16 did);
u32 ik_ledger_blocked(struct iommu_kdump_unit *u, u16 sid, u32 count);
void ik_ledger_pin(struct iommu_kdump_unit *u, u16 sid, u16 did);
void ik_ledger_blocked_all(struct iommu_kdump_unit *u);
u32 ik_ledger_count_dids(const struct iommu_kdump_unit *u, u8 *seen);
void ik_ledger_fill_dids(struct iommu_kdump_unit *u, struct ik_did *dids,
			 u32 n, const u8 *seen);

/* Queries. */
bool ik_ledger_live(const struct iommu_kdump_unit *u, u16 sid);
bool ik_ledger_taken(const struct iommu_kdump_unit *u, u16 sid);
bool ik_ledger_orig(const struct iommu_kdump_unit *u, u16 sid);
void ik_ledger_guard(struct iommu_kdump_unit *u, u16 sid);
struct ik_did *ik_ledger_find_did(const struct iommu_kdump_unit *u, u16 did);
void ik_ledger_sid_name(const struct iommu_kdump_unit *u, u16 sid,
			char *buf, size_t len);

/* Retirement. */
void ik_ledger_quiesced(struct iommu_kdump_unit *u, u16 rid, u8 how);
u8 ik_ledger_clear(struct iommu_kdump_unit *u, u16 sid, const u16 *rids,
		   unsigned int n);
bool ik_ledger_may_replace(const struct iommu_kdump_unit *u, u16 sid,
			   bool identity);
bool ik_ledger_block(struct iommu_kdump_unit *u, u16 sid,
		     struct ik_did **release);
const char *ik_ledger_how(const struct iommu_kdump_unit *u, u16 sid);
struct ik_did *ik_ledger_written(struct iommu_kdump_unit *u, u16 sid);
struct ik_did *ik_ledger_cloned(struct iommu_kdump_unit *u, u16 from, u16 to);
bool ik_ledger_space_in_use(const struct iommu_kdump_unit *units,
			    const void *space, u16 did);

#endif /* _IOMMU_KDUMP_LEDGER_H */
