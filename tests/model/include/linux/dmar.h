/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/dmar.h> for the model: the DRHD list walked by vtd_cq_init(). */
#ifndef _MODEL_LINUX_DMAR_H
#define _MODEL_LINUX_DMAR_H
#include "model_kernel.h"

/* Linux 6.1's limit (include/linux/dmar.h). */
#define DMAR_UNITS_SUPPORTED	1024

struct intel_iommu;
struct dmar_drhd_unit {
	struct dmar_drhd_unit *next;
	struct intel_iommu *iommu;
};

extern struct dmar_drhd_unit *model_drhd_units;
extern struct rw_semaphore dmar_global_lock;
#define for_each_iommu(i, drhd) \
	for ((drhd) = model_drhd_units; (drhd) && (((i) = (drhd)->iommu), 1); \
	     (drhd) = (drhd)->next)
#endif
