/* SPDX-License-Identifier: GPL-2.0-only */
/* Model shim: Linux 6.12 declares amd_iommu_snp_en here (6.1 in amd_iommu.h). */
#ifndef _MODEL_ASM_IOMMU_H
#define _MODEL_ASM_IOMMU_H

#include <stdbool.h>

extern bool amd_iommu_snp_en;

#endif
