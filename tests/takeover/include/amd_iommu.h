/* SPDX-License-Identifier: GPL-2.0 */
/* drivers/iommu/amd/amd_iommu.h for the takeover model (sim.c). */
#ifndef _TK_AMD_IOMMU_H
#define _TK_AMD_IOMMU_H
#include "amd_iommu_types.h"

bool translation_pre_enabled(struct amd_iommu *iommu);
u64 iommu_virt_to_phys(void *va);
void iommu_flush_all_caches(struct amd_iommu *iommu);
/* Linux 6.12's name of it (kdump_compat.h) */
void amd_iommu_flush_all_caches(struct amd_iommu *iommu);
#endif
