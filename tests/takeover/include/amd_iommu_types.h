/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drivers/iommu/amd/amd_iommu_types.h for the takeover model: the fields
 * and constants of Linux 6.1 that amd/kdump.c uses (values as in 6.1).
 * sim.c fills one PCI segment per modelled segment, one IOMMU each.
 */
#ifndef _TK_AMD_IOMMU_TYPES_H
#define _TK_AMD_IOMMU_TYPES_H
#include "tk_kernel.h"

#define MMIO_DEV_TABLE_OFFSET	0x0000
#define MMIO_CONTROL_OFFSET	0x0018
#define AMD_IOMMU_FLAG_TRANS_PRE_ENABLED	(1 << 0)
#define DTE_FLAG_V		(1ULL << 0)
#define DTE_FLAG_TV		(1ULL << 1)
#define DTE_FLAG_IR		(1ULL << 61)
#define DTE_FLAG_IW		(1ULL << 62)
#define DTE_FLAG_GV		(1ULL << 55)
#define DEV_DOMID_MASK		0xffffULL
#define DTE_GCR3_VAL_A(x)	(((x) >> 12) & 0x00007ULL)
#define DTE_GCR3_VAL_B(x)	(((x) >> 15) & 0x0ffffULL)
#define DTE_GCR3_VAL_C(x)	(((x) >> 31) & 0x1fffffULL)
#define DTE_GCR3_SHIFT_A	58
#define DTE_GCR3_SHIFT_B	16
#define DTE_GCR3_SHIFT_C	43

#ifdef TK_612
/* 6.12: 128-bit halves, the dte_lock of update_dte256() / get_dte256() */
typedef unsigned __int128 u128;
struct dev_table_entry {
	union {
		u64 data[4];
		u128 data128[2];
	};
};

struct iommu_dev_data {
	struct llist_node dev_data_list;
	u16 devid;
	spinlock_t dte_lock;
};

/* x86 CMPXCHG16B without LOCK: sim.c checks 6.12's DTE protocol. */
void tk_amd_dte_store128(u128 *ptr, u128 val);
#define arch_cmpxchg128_local(ptr, old, new)	tk_amd_dte_store128(ptr, new)
#else
struct dev_table_entry {
	u64 data[4];
};

struct iommu_dev_data {
	struct llist_node dev_data_list;
	u16 devid;
};
#endif

struct amd_iommu_pci_seg {
	struct list_head list;
	struct llist_head dev_data_list;
	u16 id;
	u16 last_bdf;
	u32 dev_table_size;
	struct dev_table_entry *dev_table;
	struct dev_table_entry *old_dev_tbl_cpy;
	u16 *alias_table;
};

struct amd_iommu {
	struct list_head list;
	int index;
	struct amd_iommu_pci_seg *pci_seg;
	u8 __iomem *mmio_base;
	u64 flags;
};

extern struct list_head amd_iommu_list, amd_iommu_pci_seg_list;
extern unsigned long *amd_iommu_pd_alloc_bitmap;
#define for_each_iommu(i)	list_for_each_entry(i, &amd_iommu_list, list)
#define for_each_pci_segment(s)	list_for_each_entry(s, &amd_iommu_pci_seg_list, list)
#endif
