/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drivers/iommu/intel/iommu.h for the takeover model: the fields,
 * constants and helpers of Linux 6.1 that intel/kdump.c and kdump_sm.c
 * use (values as in 6.1). sim.c fills one unit.
 */
#ifndef _TK_INTEL_IOMMU_H
#define _TK_INTEL_IOMMU_H
#include "tk_kernel.h"

#define DMAR_GSTS_REG		0x1c
#define DMAR_RTADDR_REG		0x20
#define DMA_GSTS_TES		(((u32)1) << 31)
#define DMA_CCMD_GLOBAL_INVL	(((u64)1) << 61)
#define DMA_CCMD_DOMAIN_INVL	(((u64)2) << 61)
#define DMA_CCMD_DEVICE_INVL	(((u64)3) << 61)
#define DMA_CCMD_MASK_NOBIT	0
#define DMA_TLB_GLOBAL_FLUSH	(((u64)1) << 60)
#define DMA_TLB_DSI_FLUSH	(((u64)2) << 60)
#define DMA_TLB_PSI_FLUSH	(((u64)3) << 60)
#define QI_PC_ALL_PASIDS	0
#define QI_PC_PASID_SEL		1
#define QI_PC_GLOBAL		3
#define FLPT_DEFAULT_DID	1
#define VTD_PAGE_SIZE		4096

struct root_entry {
	u64 lo;
	u64 hi;
};

struct intel_iommu;
struct iommu_flush {
	void (*flush_context)(struct intel_iommu *iommu, u16 did, u16 sid,
			      u8 fm, u64 type);
	void (*flush_iotlb)(struct intel_iommu *iommu, u16 did, u64 addr,
			    unsigned int size_order, u64 type);
};

struct intel_iommu {
	void __iomem *reg;
	u64 cap;
	u64 ecap;
	char name[16];
	int segment;
	int node;
	spinlock_t lock;
	struct root_entry *root_entry;
	unsigned long *domain_ids;
	unsigned long *copied_tables;
	struct iommu_flush flush;
	void *qi;
	bool sm;
};

#define sm_supported(i)		((i)->sm)

struct context_entry {
	u64 lo;
	u64 hi;
};

struct context_entry *iommu_context_addr(struct intel_iommu *iommu, u8 bus,
					 u8 devfn, int alloc);

/* One unit: drivers/iommu/intel/dmar.c's list of DMAR units. */
struct dmar_drhd_unit {
	struct intel_iommu *iommu;
	bool ignored;
};

/*
 * Linux 6.12 (kdump_compat.h): device_to_iommu() is static; the takeover
 * finds a PCI device's unit through its DRHD unit and a probed device's
 * source id in its device_domain_info (sim.c).
 */
struct device_domain_info {
	u8 bus;
	u8 devfn;
	struct intel_iommu *iommu;
};

struct dmar_drhd_unit *dmar_find_matched_drhd_unit(struct pci_dev *dev);

extern struct dmar_drhd_unit tk_drhd;
#define for_each_iommu(i, drhd) \
	for (drhd = &tk_drhd, i = drhd->iommu; drhd; drhd = NULL)
void qi_flush_pasid_cache(struct intel_iommu *iommu, u16 did, u64 granu,
			  u32 pasid);
void qi_flush_piotlb(struct intel_iommu *iommu, u16 did, u32 pasid, u64 addr,
		     unsigned long npages, bool ih);
struct intel_iommu *device_to_iommu(struct device *dev, u8 *bus, u8 *devfn);
void *alloc_pgtable_page(int node);
void free_pgtable_page(void *p);
static inline void __iommu_flush_cache(struct intel_iommu *iommu, void *a,
				       int size)
{
}
#endif
