// SPDX-License-Identifier: GPL-2.0
/* drivers/iommu/intel/kdump_sm.c for the takeover model. */
#include "../../drivers/iommu/intel/kdump_sm.c"
