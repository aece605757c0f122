/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VT-d capture-kernel takeover (drivers/iommu/intel/kdump.c): the hooks
 * called from iommu.c.
 */
#ifndef _INTEL_IOMMU_KDUMP_H
#define _INTEL_IOMMU_KDUMP_H

#include <linux/iommu_kdump.h>

#include "iommu.h"

#ifdef CONFIG_IOMMU_KDUMP_TAKEOVER
int intel_iommu_kdump_copy(struct intel_iommu *iommu,
			   int (*copy_sm)(struct intel_iommu *iommu));
void intel_iommu_kdump_ctx_written(struct intel_iommu *iommu, u8 bus,
				   u8 devfn);
bool intel_iommu_kdump_keep(struct intel_iommu *iommu);
bool intel_iommu_kdump_block_all(struct intel_iommu *iommu);
bool intel_iommu_kdump_force_on(void);
bool intel_iommu_kdump_sm_at_attach(struct intel_iommu *iommu);
bool intel_iommu_kdump_sm_attach(struct intel_iommu *iommu, struct device *dev);
void intel_iommu_kdump_check_irt(struct intel_iommu *iommu, void *table,
				 unsigned int entries);
struct iommu_kdump_unit;
int intel_iommu_kdump_copy_sm(struct intel_iommu *iommu,
			      struct iommu_kdump_unit *unit, u64 rtaddr,
			      char *reason, size_t len);
#else
static inline bool intel_iommu_kdump_keep(struct intel_iommu *iommu)
{
	return false;
}

static inline bool intel_iommu_kdump_block_all(struct intel_iommu *iommu)
{
	return false;
}

static inline bool intel_iommu_kdump_force_on(void)
{
	return false;
}

static inline bool intel_iommu_kdump_sm_at_attach(struct intel_iommu *iommu)
{
	return false;
}

static inline bool intel_iommu_kdump_sm_attach(struct intel_iommu *iommu,
					       struct device *dev)
{
	return false;
}

static inline void intel_iommu_kdump_check_irt(struct intel_iommu *iommu,
					       void *table,
					       unsigned int entries)
{
}

static inline int intel_iommu_kdump_copy(struct intel_iommu *iommu,
					 int (*copy_sm)(struct intel_iommu *iommu))
{
	return copy_sm(iommu);
}

static inline void intel_iommu_kdump_ctx_written(struct intel_iommu *iommu,
						 u8 bus, u8 devfn)
{
}
#endif

#endif /* _INTEL_IOMMU_KDUMP_H */
