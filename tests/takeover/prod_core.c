// SPDX-License-Identifier: GPL-2.0
/*
 * drivers/iommu/kdump_core.c, compiled unchanged for the takeover model,
 * and the reset of its file-scope state between runs (the fuzzer runs
 * many in one process). tk_prod_check_statics() in the Makefile checks
 * that every static variable of the product files is reset here.
 */
#include "../../drivers/iommu/kdump_core.c"

void tk_prod_reset_core(void);

void tk_prod_reset_core(void)
{
	struct iommu_kdump_unit *u = ik_units, *next;

	for (; u; u = next) {
		next = u->next;
		iommu_kdump_unit_discard(u);
	}
	ik_units = NULL;
	ik_tail = &ik_units;
	ik_active = false;
	ik_retire = IOMMU_KDUMP_RETIRE_RESET;
	ik_quiesce = false;
	ik_lock.held = 0;
	ik_release_work.pending = 0;
}
