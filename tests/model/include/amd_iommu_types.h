/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "amd_iommu_types.h" for the model: only what amd_cq_init() and the
 * early pass use, the IOMMU list, the register block of each IOMMU and
 * its command buffer lock and pointers (tests/model/model_amd.c
 * links one struct amd_iommu per modelled IOMMU).
 */
#ifndef _MODEL_AMD_IOMMU_TYPES_H
#define _MODEL_AMD_IOMMU_TYPES_H
#include "model_kernel.h"

/* Linux 6.1's limits (amd_iommu_types.h). */
#define MAX_IOMMUS	32
#define CMD_BUFFER_SIZE	8192

/* The early pass also uses the driver's command buffer lock and tail. */
struct amd_iommu {
	struct amd_iommu *next;
	u8 __iomem *mmio_base;
	u64 mmio_phys;
	u64 features;	/* the EFR Linux uses (IVHD copy) */
	raw_spinlock_t lock;
	u32 cmd_buf_head;
	u32 cmd_buf_tail;
};

extern struct amd_iommu *model_amd_iommu_list;
#define for_each_iommu(iommu) \
	for ((iommu) = model_amd_iommu_list; (iommu); (iommu) = (iommu)->next)
#endif
