/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drivers/iommu/intel/"iommu.h" for the model: the fields vtd_cq_init()
 * reads (tests/model/model_vtd.c fills one per modelled DMAR unit).
 */
#ifndef _MODEL_INTEL_IOMMU_H
#define _MODEL_INTEL_IOMMU_H
#include "model_kernel.h"

struct intel_iommu {
	void __iomem *reg;
	u64 reg_phys;
	u64 cap;
	u64 ecap;
};
#endif
