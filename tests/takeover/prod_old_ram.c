// SPDX-License-Identifier: GPL-2.0
/* drivers/iommu/kdump_old_ram.c for the takeover model (see prod_core.c). */
#include "../../drivers/iommu/kdump_old_ram.c"

void tk_prod_reset_old_ram(void);

void tk_prod_reset_old_ram(void)
{
	kfree(ik_ram);
	ik_ram = NULL;
	ik_nr_ram = 0;
	ik_ram_parsed = false;
	ik_ram_mutex.held = 0;
}
