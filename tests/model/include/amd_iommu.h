/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "amd_iommu.h" for the model: the one driver global the crash path reads
 * at registration, SNP enabled at boot (model_amd.c defines it; a
 * scenario sets it before the initcalls run).
 */
#ifndef _MODEL_AMD_IOMMU_H
#define _MODEL_AMD_IOMMU_H
#include "model_kernel.h"

extern bool amd_iommu_snp_en;
#endif
