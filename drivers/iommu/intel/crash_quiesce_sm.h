/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VT-d crash-path DMA quiesce, scalable mode: the hooks that
 * drivers/iommu/intel/crash_quiesce.c calls (crash_quiesce_sm.c).
 */
#ifndef _INTEL_IOMMU_CRASH_QUIESCE_SM_H
#define _INTEL_IOMMU_CRASH_QUIESCE_SM_H

#include "crash_quiesce_hw.h"

void vtd_cq_sm_run(struct vtd_cq_walk *w, const struct vtd_cq_walk_ops *ops,
		   struct crash_dma_quiesce_record *rec, u32 max_pairs,
		   bool defer);
bool vtd_cq_sm_written(const struct crash_dma_quiesce_record *rec);
bool vtd_cq_sm_pc_desc(const struct crash_dma_quiesce_record *rec,
		       struct vtd_cq_desc *d);
bool vtd_cq_sm_next_desc(const struct crash_dma_quiesce_record *rec,
			 u32 *pos, struct vtd_cq_desc *d);
int vtd_cq_sm_inval_check(const struct crash_dma_quiesce_record *rec,
			  bool queued);

#endif /* _INTEL_IOMMU_CRASH_QUIESCE_SM_H */
