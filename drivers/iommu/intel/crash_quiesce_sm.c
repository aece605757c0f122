// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d crash-path DMA quiesce, scalable mode.
 *
 * When the root table address register selects scalable mode
 * (RTADDR_REG.TTM = 01b), vtd_cq_quiesce() (crash_quiesce.c) walks the
 * scalable-mode root, context, PASID-directory and PASID tables through
 * vtd_cq_sm_run() instead of the legacy walk. Its queued invalidation
 * adds, after the global context-cache invalidation, one global
 * PASID-cache invalidation, and after the global IOTLB invalidation the
 * PASID-based IOTLB invalidation of every first-level or pass-through
 * PASID entry the crash path changed (VT-d section 6.5.3.3). Nothing else
 * differs: the same invalidation queue handling, wait descriptor,
 * register fallback, budget and record.
 *
 * Same rules as the legacy path: no allocation, no lock, no sleep; the
 * state lives in static memory used by one pass at a time (the crash path
 * runs with the other CPUs stopped, the early pass and the debugfs dry
 * run one at a time under the core's ownership).
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

static u64 vtd_cq_sm_pairs[VTD_CQ_SM_PAIRS];
static struct vtd_cq_sm vtd_cq_sm_state;

/**
 * vtd_cq_sm_run() - walk a unit's scalable-mode tables
 * @w: the walk, set up by vtd_cq_quiesce() as for a legacy root table
 * @ops: memory, deadline and cache-flush callbacks
 * @rec: the unit's record
 * @max_pairs: PASID-based IOTLB invalidations the pass may queue (0: as
 *	many as the static set holds, 3072)
 * @defer: leave an entry whose invalidation would exceed @max_pairs
 *	unchanged, for a later pass (the early pass), rather than change it
 *	without its invalidation
 *
 * Runs vtd_cq_sm_walk() with this file's static PASID-level state, which
 * vtd_cq_sm_next_desc() and vtd_cq_sm_inval_check() then read.
 */
void vtd_cq_sm_run(struct vtd_cq_walk *w, const struct vtd_cq_walk_ops *ops,
		   struct crash_dma_quiesce_record *rec, u32 max_pairs,
		   bool defer)
{
	struct vtd_cq_sm *sm = &vtd_cq_sm_state;

	memset(sm, 0, sizeof(*sm));
	sm->pairs = vtd_cq_sm_pairs;
	sm->pairs_size = VTD_CQ_SM_PAIRS;
	sm->pairs_cap = max_pairs;
	sm->defer = defer;
	vtd_cq_sm_walk(w, sm, ops, rec);
}

/**
 * vtd_cq_sm_written() - does a scalable-mode pass need invalidating?
 * @rec: the record of the pass
 *
 * Return: true when @rec is of a scalable-mode pass that wrote a table, a
 * PASID entry or a context entry, or found entries an earlier pass of the
 * crash blocked.
 */
bool vtd_cq_sm_written(const struct crash_dma_quiesce_record *rec)
{
	return (rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE) &&
	       vtd_cq_sm_dirty(rec, &vtd_cq_sm_state);
}

/**
 * vtd_cq_sm_pc_desc() - the PASID-cache invalidation of a scalable pass
 * @rec: the record of the pass
 * @d: out: the descriptor
 *
 * One global PASID-cache invalidation (VT-d 6.5.2.2, G = 11b), queued
 * after the context-cache invalidation and before the IOTLB
 * invalidation: a PASID-cache entry may hold any PASID entry below a
 * context entry the walk changed, and the crash path does not know which
 * domain ids the cache holds.
 *
 * Return: true with *@d set for a scalable-mode record, else false.
 */
bool vtd_cq_sm_pc_desc(const struct crash_dma_quiesce_record *rec,
		       struct vtd_cq_desc *d)
{
	if (!(rec->flags & CRASH_DMA_QUIESCE_F_SCALABLE))
		return false;
	*d = vtd_cq_desc_pc_global();
	return true;
}

/**
 * vtd_cq_sm_next_desc() - the next PASID-based IOTLB invalidation
 * @rec: the record of the pass
 * @pos: iterator, 0 at the start
 * @d: out: the descriptor
 *
 * A PASID-based IOTLB invalidation (VT-d 6.5.2.4, every mapping of the
 * PASID within the domain) per (domain id, PASID) pair of the pass: the
 * first-level and pass-through entries whose cached translations the
 * IOTLB invalidation does not drop. Nothing for a legacy-mode record.
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
	for (; *pos < VTD_CQ_SM_PAIRS; (*pos)++) {
		if (!vtd_cq_sm_pair_get(sm, *pos, &did, &pasid))
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
 * context entries cannot be invalidated completely (VT-d 6.5.3.3).
 * Neither can one whose (domain id, PASID) pairs did not all fit, nor
 * one that left entries for a later pass.
 *
 * Return: 0; -ENODEV without queued invalidation where one was needed;
 * -ENOSPC when pairs were lost or entries deferred.
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
	return sm->pairs_lost || sm->nr_deferred ? -ENOSPC : 0;
}
