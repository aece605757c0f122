// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d crash-path DMA quiesce, scalable mode.
 *
 * When the root table address register selects scalable mode
 * (RTADDR_REG.TTM = 01b), vtd_cq_quiesce() (crash_quiesce.c) walks the
 * scalable-mode root, context, PASID-directory and PASID tables through
 * vtd_cq_sm_run() instead of the legacy walk, and adds to its queued
 * invalidation, between the context-cache and the IOTLB invalidation, the
 * PASID-cache invalidation of every domain id whose PASID entries were
 * touched and the PASID-based IOTLB invalidation of every first-level,
 * nested or pass-through PASID entry that changed (VT-d section 6.5.3.3).
 * Nothing else differs: the same invalidation queue handling, wait
 * descriptor, register fallback, budget and record.
 *
 * Same rules as the legacy path: no allocation, no lock, no sleep; the
 * state lives in static memory used by one pass at a time (the crash path
 * runs with the other CPUs stopped, the debugfs dry run under the core's
 * mutex).
 *
 * Bit layouts and section references (Intel Virtualization Technology for
 * Directed I/O Architecture Specification): crash_quiesce_sm_hw.h.
 */

#include <linux/crash_dma_quiesce.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "crash_quiesce_sm.h"
#include "crash_quiesce_sm_hw.h"

/* (DID, PASID) pairs of one pass: 3072 usable slots. */
#define VTD_CQ_SM_PAIRS		4096

static u64 vtd_cq_sm_pc_dids[65536 / 64];
static u64 vtd_cq_sm_pairs[VTD_CQ_SM_PAIRS];
static struct vtd_cq_sm vtd_cq_sm_state;

/**
 * vtd_cq_sm_run() - walk a unit's scalable-mode tables
 * @w: the walk, set up by vtd_cq_quiesce() as for a legacy root table
 * @ops: memory, deadline and cache-flush callbacks
 * @rec: the unit's record
 *
 * Runs vtd_cq_sm_walk() with this file's static PASID-level state, which
 * vtd_cq_sm_next_desc() and vtd_cq_sm_inval_check() then read.
 */
void vtd_cq_sm_run(struct vtd_cq_walk *w, const struct vtd_cq_walk_ops *ops,
		   struct crash_dma_quiesce_record *rec)
{
	struct vtd_cq_sm *sm = &vtd_cq_sm_state;

	memset(sm, 0, sizeof(*sm));
	memset(vtd_cq_sm_pc_dids, 0, sizeof(vtd_cq_sm_pc_dids));
	sm->pc_dids = vtd_cq_sm_pc_dids;
	sm->pairs = vtd_cq_sm_pairs;
	sm->pairs_size = VTD_CQ_SM_PAIRS;
	vtd_cq_sm_walk(w, sm, ops, rec);
}

/**
 * vtd_cq_sm_written() - does a scalable-mode pass need invalidating?
 * @rec: the record of the pass
 *
 * Return: true when @rec is of a scalable-mode pass that wrote a table, a
 * PASID entry or a context entry.
 */
bool vtd_cq_sm_written(const struct crash_dma_quiesce_record *rec)
{
	return (rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE) &&
	       vtd_cq_sm_dirty(rec, &vtd_cq_sm_state);
}

/**
 * vtd_cq_sm_next_desc() - the next scalable-mode invalidation descriptor
 * @rec: the record of the pass
 * @pos: iterator, 0 at the start
 * @d: out: the descriptor
 *
 * First a domain-selective PASID-cache invalidation (VT-d 6.5.2.2) per
 * domain id of the pass's PASID-cache set, then a PASID-based IOTLB
 * invalidation (VT-d 6.5.2.4) per (domain id, PASID) pair. Nothing for a
 * legacy-mode record.
 *
 * Return: true with *@d set, false when there is no more.
 */
bool vtd_cq_sm_next_desc(const struct crash_dma_quiesce_record *rec,
			 u32 *pos, struct vtd_cq_desc *d)
{
	const struct vtd_cq_sm *sm = &vtd_cq_sm_state;
	u32 pasid;
	u16 did;

	if (!(rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE))
		return false;
	for (; *pos < 65536; (*pos)++) {
		if (!vtd_cq_bit_test(vtd_cq_sm_pc_dids, *pos))
			continue;
		*d = vtd_cq_desc_pc_domain((u16)*pos);
		(*pos)++;
		return true;
	}
	for (; *pos - 65536 < VTD_CQ_SM_PAIRS; (*pos)++) {
		if (!vtd_cq_sm_pair_get(sm, *pos - 65536, &did, &pasid))
			continue;
		*d = vtd_cq_desc_piotlb_pasid(did, pasid);
		(*pos)++;
		return true;
	}
	return false;
}

/**
 * vtd_cq_sm_inval_check() - could the invalidation cover everything?
 * @rec: the record of the pass
 * @queued: the invalidation went through the invalidation queue
 *
 * PASID-cache and PASID-based IOTLB invalidations exist only as queued
 * descriptors: without queued invalidation, a pass that wrote PASID or
 * context entries, or changed first-level tables, cannot be invalidated
 * completely (VT-d 6.5.3.3). Neither can one whose (domain id, PASID)
 * pairs did not all fit in the static set.
 *
 * Return: 0; -ENODEV without queued invalidation where one was needed;
 * -ENOSPC when pairs were lost.
 */
int vtd_cq_sm_inval_check(const struct crash_dma_quiesce_record *rec,
			  bool queued)
{
	const struct vtd_cq_sm *sm = &vtd_cq_sm_state;

	if (!(rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE))
		return 0;
	if (!queued && (sm->nr_pasid_written || sm->nr_ctx_written ||
			sm->nr_pairs || sm->pairs_lost))
		return -ENODEV;
	return sm->pairs_lost ? -ENOSPC : 0;
}
