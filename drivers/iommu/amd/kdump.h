/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi capture-kernel takeover (drivers/iommu/amd/kdump.c): the hooks
 * called from init.c and iommu.c.
 */
#ifndef _AMD_IOMMU_KDUMP_H
#define _AMD_IOMMU_KDUMP_H

#include <linux/iommu_kdump.h>

#include "amd_iommu_types.h"

#ifdef CONFIG_IOMMU_KDUMP_TAKEOVER
bool amd_iommu_kdump_copy(struct amd_iommu *iommu);
bool amd_iommu_kdump_any_pre_enabled(void);
void amd_iommu_kdump_installed(struct amd_iommu *iommu);
bool amd_iommu_kdump_keep_translation(void);
void amd_iommu_kdump_dte_written(struct amd_iommu *iommu, u16 devid);
void amd_iommu_kdump_dte_cloned(struct amd_iommu *iommu, u16 devid, u16 alias);
/* In iommu.c: flush an old domain id and give it back to the allocator. */
void amd_iommu_kdump_free_domid(struct amd_iommu_pci_seg *pci_seg, u16 domid,
				bool free);
/* In iommu.c: invalidate one DTE on every IOMMU of a segment, and wait. */
void amd_iommu_kdump_flush_dte(struct amd_iommu_pci_seg *pci_seg, u16 devid);
#else
static inline bool amd_iommu_kdump_copy(struct amd_iommu *iommu)
{
	return false;
}

static inline bool amd_iommu_kdump_any_pre_enabled(void)
{
	return false;
}

static inline void amd_iommu_kdump_installed(struct amd_iommu *iommu)
{
}

static inline bool amd_iommu_kdump_keep_translation(void)
{
	return false;
}

static inline void amd_iommu_kdump_dte_written(struct amd_iommu *iommu,
					       u16 devid)
{
}

static inline void amd_iommu_kdump_dte_cloned(struct amd_iommu *iommu,
					      u16 devid, u16 alias)
{
}
#endif

#endif /* _AMD_IOMMU_KDUMP_H */
