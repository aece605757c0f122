/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel APIs the capture-kernel takeover uses that differ between the
 * two bases of this code, Linux 6.1 and Linux 6.12 (Debian's
 * linux-source-6.1 and linux-source-6.12). The only place that knows the
 * version: every other file of the takeover and of the crash path is the
 * same on both. The build and the generated patch series keep only the
 * branch of their base (userspace/build/kver-resolve.sh: the lines marked
 * "kver"), so that a kernel tree never sees a version test here.
 *
 *   6.1                          6.12
 *   alloc_pgtable_page(node)     iommu_alloc_page_node(node, gfp): the IOMMU's
 *   free_pgtable_page(virt)      iommu_free_page(virt)   own pages are counted
 *   __get_free_pages(), free_pages()  iommu_alloc_pages(), iommu_free_pages()
 *                                (a table the driver later frees, such as the
 *                                AMD device table copy, must come from the
 *                                same allocator, or its page count is wrong)
 *   iommu_flush_all_caches()     amd_iommu_flush_all_caches()
 *   DTE words 0-1: two ordered   one 128-bit store under the dte_lock of
 *   64-bit stores                the DeviceID's iommu_dev_data, when it has
 *                                one: update_dte256()'s protocol (it holds
 *                                that lock while it writes a DMA alias's DTE
 *                                in clone_alias(); 6.12.91 backport)
 *   device_to_iommu()            static (device_lookup_iommu()); for a PCI
 *                                device: its DRHD unit (VFs: their PF's);
 *                                for a probed device that is not PCI: the
 *                                unit and source id its probe recorded
 *                                (dev_iommu_priv_get(), device_domain_info)
 */
#ifndef _IOMMU_KDUMP_COMPAT_H
#define _IOMMU_KDUMP_COMPAT_H

#include <linux/gfp.h>
#include <linux/version.h>	/* kver */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)	/* kver 6.12 */
#include "iommu-pages.h"

#define kdump_alloc_pgtable_page(node)	iommu_alloc_page_node(node, GFP_ATOMIC)
#define kdump_free_pgtable_page(virt)	iommu_free_page(virt)
#define kdump_alloc_pages(gfp, order)	iommu_alloc_pages(gfp, order)
#define kdump_free_pages(virt, order)	iommu_free_pages(virt, order)
#define kdump_amd_flush_all_caches(iommu) amd_iommu_flush_all_caches(iommu)
#define kdump_amd_dte_lo_write(dev_data, dte, w0, w1)	do {		\
	struct iommu_dev_data *__dd = (dev_data);			\
	struct dev_table_entry *__e = (dte);				\
	unsigned long __flags = 0;					\
									\
	if (__dd)							\
		spin_lock_irqsave(&__dd->dte_lock, __flags);		\
	arch_cmpxchg128_local(&__e->data128[0], __e->data128[0],	\
			      (u128)(w1) << 64 | (w0));			\
	if (__dd)							\
		spin_unlock_irqrestore(&__dd->dte_lock, __flags);	\
} while (0)
#define kdump_vtd_pci_iommu(pdev)	({				\
	struct dmar_drhd_unit *__drhd = dmar_find_matched_drhd_unit(pdev); \
	__drhd && !__drhd->ignored ? __drhd->iommu : NULL;		\
})
#define kdump_vtd_dev_iommu(dev, busp, devfnp)	({			\
	struct device_domain_info *__info = dev_iommu_priv_get(dev);	\
	u8 *__bus = (busp), *__devfn = (devfnp);			\
	if (__info) {							\
		*__bus = __info->bus;					\
		*__devfn = __info->devfn;				\
	}								\
	__info ? __info->iommu : NULL;					\
})
/*
 * The core clears attach_deferred before it attaches a domain other than
 * the default one (a VFIO claim's blocking domain), whatever the attach
 * does; a device left on the takeover's entries then never gets its
 * domain from iommu_deferred_attach(). Defer it again.
 */
#define kdump_redefer_attach(dev)	do {				\
	struct device *__dev = (dev);					\
									\
	if (__dev->iommu)						\
		__dev->iommu->attach_deferred = 1;			\
} while (0)
#else	/* kver 6.1 */
#define kdump_alloc_pgtable_page(node)	alloc_pgtable_page(node)
#define kdump_free_pgtable_page(virt)	free_pgtable_page(virt)
#define kdump_alloc_pages(gfp, order)	\
	((void *)__get_free_pages((gfp) | __GFP_ZERO, order))
#define kdump_free_pages(virt, order)	free_pages((unsigned long)(virt), order)
#define kdump_amd_flush_all_caches(iommu) iommu_flush_all_caches(iommu)
#define kdump_amd_dte_lo_write(dev_data, dte, w0, w1)	do {		\
	struct dev_table_entry *__e = (dte);				\
									\
	(void)(dev_data);						\
	WRITE_ONCE(__e->data[0], (w0));					\
	WRITE_ONCE(__e->data[1], (w1));					\
} while (0)
#define kdump_vtd_pci_iommu(pdev)	({				\
	u8 __bus, __devfn;						\
	device_to_iommu(&(pdev)->dev, &__bus, &__devfn);		\
})
#define kdump_vtd_dev_iommu(dev, busp, devfnp)	device_to_iommu(dev, busp, devfnp)
/* 6.1: the vendors keep the deferral, and a refused attach keeps it. */
#define kdump_redefer_attach(dev)	((void)(dev))
#endif	/* kver */

#endif /* _IOMMU_KDUMP_COMPAT_H */
