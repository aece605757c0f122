/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drivers/iommu/intel/"iommu.h" for the model: the fields vtd_cq_init()
 * and the early pass use (tests/model/model_vtd.c fills one per modelled DMAR unit).
 */
#ifndef _MODEL_INTEL_IOMMU_H
#define _MODEL_INTEL_IOMMU_H
#include "model_kernel.h"

/* dmar.c's invalidation queue bookkeeping (drivers/iommu/intel/iommu.h). */
#define DMAR_IQ_SHIFT	4
#define QI_LENGTH	256
enum { QI_FREE, QI_IN_USE, QI_DONE, QI_ABORT };
struct q_inval {
	raw_spinlock_t q_lock;
	void *desc;
	int *desc_status;
	int free_head;
	int free_tail;
	int free_cnt;
};
#define qi_shift(iommu)	(DMAR_IQ_SHIFT + !!((iommu)->ecap & (1ULL << 43)))

struct intel_iommu {
	void __iomem *reg;
	u64 reg_phys;
	u64 cap;
	u64 ecap;
	raw_spinlock_t register_lock;
	struct q_inval *qi;
};

/*
 * What the series adds to dmar.c beside reclaim_free_desc() for the early
 * pass (patch 0004); model_vtd.c does what 6.1.192's dmar.c does.
 */
void qi_account_crash_descs(struct intel_iommu *iommu, int n);
int vtd_cq_register_unit(struct intel_iommu *iommu);
void vtd_cq_unregister_unit(struct intel_iommu *iommu);
#endif
