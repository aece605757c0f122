// SPDX-License-Identifier: GPL-2.0
/* drivers/iommu/amd/kdump.c for the takeover model (see prod_core.c). */
#include "../../drivers/iommu/amd/kdump.c"

void tk_prod_reset_amd(void)
{
	amd_kd_installed = false;
}
