// SPDX-License-Identifier: GPL-2.0
/* drivers/iommu/kdump_reset.c for the takeover model (see prod_core.c). */
#include "../../drivers/iommu/kdump_reset.c"

void tk_prod_reset_reset(void);

void tk_prod_reset_reset(void)
{
	struct ik_queued *q, *n;

	list_for_each_entry_safe(q, n, &ik_retire_list, node)
		kfree(q);
	INIT_LIST_HEAD(&ik_retire_list);
	ik_attach_mutex.held = 0;
	ik_retire_work.pending = 0;
}
