/* SPDX-License-Identifier: GPL-2.0 */
/* drivers/iommu/intel/pasid.h for the takeover model: nothing used. */
#include "tk_kernel.h"
