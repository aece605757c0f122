/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture-kernel takeover, generic part: what kdump_core.c shares with
 * kdump_reset.c, kdump_debugfs.c and kdump_test.c.
 */
#ifndef _IOMMU_KDUMP_CORE_H
#define _IOMMU_KDUMP_CORE_H

#include <linux/spinlock.h>

#include "kdump_ledger.h"

/* Protects every published unit's ledger; a leaf lock. */
extern spinlock_t ik_lock;

struct iommu_kdump_unit *ik_first_unit(void);
bool ik_is_active(void);
void ik_queue_release(void);
void ik_flush_release(void);
void ik_flush_retire(void);
void ik_guard_unit(struct iommu_kdump_unit *u);

#endif /* _IOMMU_KDUMP_CORE_H */
