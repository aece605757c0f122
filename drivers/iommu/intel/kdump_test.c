// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d, lab only (CONFIG_IOMMU_KDUMP_TEST): the vendor part of
 * drivers/iommu/kdump_test.c. Never built into a product kernel.
 */

#define pr_fmt(fmt)	"DMAR: kdump test: " fmt

#include <linux/crash_dump.h>
#include <linux/dmar.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu_kdump.h>
#include <linux/kexec.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "iommu.h"
#include "kdump_hw.h"

/*
 * Lab only (CONFIG_IOMMU_KDUMP_TEST): corrupt the live state of the first
 * kernel just before a crash, so that the capture kernel meets a bad
 * pointer: "ctx-ptr BB" points the context-table pointer of the root entry
 * of bus BB (hex) into the crashkernel region, "slpt-root SEG:BB:DD.F" does
 * the same with the second-level page-table root of a translated context
 * entry. The caches are invalidated globally. "clone-slot" below.
 */
static int vtd_kd_test_ctx_ptr(const char *arg)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	struct root_entry *re;
	unsigned int bus;
	int ret = -ENODEV;

	if (kstrtouint(arg, 16, &bus) || bus > 0xff)
		return -EINVAL;
	down_read(&dmar_global_lock);
	for_each_active_iommu(iommu, drhd) {
		re = &iommu->root_entry[bus];
		if (!(re->lo & VTD_CQ_ROOT_P))
			continue;
		spin_lock(&iommu->lock);
		WRITE_ONCE(re->lo, (crashk_res.start & VTD_CQ_ROOT_CTP) |
				   VTD_CQ_ROOT_P);
		__iommu_flush_cache(iommu, re, sizeof(*re));
		spin_unlock(&iommu->lock);
		iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
		iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
		ret = 0;
		break;
	}
	up_read(&dmar_global_lock);
	return ret;
}

static int vtd_kd_test_slpt_root(const char *arg)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	struct context_entry *ce;
	unsigned int s, b, d, f;
	int ret = -ENODEV;

	if (sscanf(arg, "%x:%x:%x.%x", &s, &b, &d, &f) != 4 || b > 0xff ||
	    d > 0x1f || f > 7)
		return -EINVAL;
	down_read(&dmar_global_lock);
	for_each_active_iommu(iommu, drhd) {
		if (iommu->segment != s)
			continue;
		spin_lock(&iommu->lock);
		ce = iommu_context_addr(iommu, b, PCI_DEVFN(d, f), 0);
		if (ce && (ce->lo & VTD_CQ_CTX_P) &&
		    vtd_cq_ctx_tt(ce->lo) != VTD_CQ_CTX_TT_PASS_THROUGH) {
			WRITE_ONCE(ce->lo, vtd_kd_ctx_retarget(ce->lo,
							       crashk_res.start));
			__iommu_flush_cache(iommu, ce, sizeof(*ce));
			ret = 0;
		}
		spin_unlock(&iommu->lock);
		if (ret)
			continue;
		iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
		iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
		break;
	}
	up_read(&dmar_global_lock);
	return ret;
}

/*
 * "clone-slot SEG:BB:DD.F SEG:BB:DD.F": the context entry of the first
 * device (both halves in scalable mode) is copied to devfn 00.0 of the
 * second's secondary bus (a free hot-plug slot), as if a device there had
 * been using it; the context table of that bus is allocated when missing.
 */
static int vtd_kd_test_clone_slot(const char *arg)
{
	unsigned int s, b, d, f, s2, b2, d2, f2, n = 1, i;
	struct context_entry *from, *to;
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	struct pci_dev *pdev;
	int ret = -ENODEV;
	u8 bus;

	if (sscanf(arg, "%x:%x:%x.%x %x:%x:%x.%x", &s, &b, &d, &f, &s2, &b2,
		   &d2, &f2) != 8 || b > 0xff || d > 0x1f || f > 7 ||
	    b2 > 0xff || d2 > 0x1f || f2 > 7 || s2 != s)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(s2, b2, PCI_DEVFN(d2, f2));
	if (!pdev)
		return -ENODEV;
	if (!pdev->subordinate) {
		pci_dev_put(pdev);
		return -EINVAL;
	}
	bus = pdev->subordinate->number;
	pci_dev_put(pdev);
	down_read(&dmar_global_lock);
	for_each_active_iommu(iommu, drhd) {
		if (iommu->segment != s)
			continue;
		spin_lock(&iommu->lock);
		from = iommu_context_addr(iommu, b, PCI_DEVFN(d, f), 0);
		to = iommu_context_addr(iommu, bus, 0, 1);
		if (from && to && from != to && (from->lo & VTD_CQ_CTX_P)) {
			if (sm_supported(iommu))
				n = 2;
			for (i = n; i-- > 0;) {
				WRITE_ONCE(to[i].hi, from[i].hi);
				WRITE_ONCE(to[i].lo, from[i].lo);
			}
			__iommu_flush_cache(iommu, to, n * sizeof(*to));
			ret = 0;
		}
		spin_unlock(&iommu->lock);
		if (ret)
			continue;
		iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
		iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
		break;
	}
	up_read(&dmar_global_lock);
	return ret;
}

static int vtd_kd_test_corrupt(const char *cmd, const char *arg)
{
	if (!crashk_res.end)
		return -ENODEV;
	if (!strcmp(cmd, "ctx-ptr"))
		return vtd_kd_test_ctx_ptr(arg);
	if (!strcmp(cmd, "slpt-root"))
		return vtd_kd_test_slpt_root(arg);
	if (!strcmp(cmd, "clone-slot"))
		return vtd_kd_test_clone_slot(arg);
	return -ENOENT;
}

/*
 * Lab only: take the invalidation queue lock of the first unit using
 * queued invalidation and do the first half of qi_submit_sync(): an IOTLB
 * invalidation of domain id IOMMU_KDUMP_TEST_DID and its invalidation
 * wait (VT-d section 6.5.2) are in the queue and the driver's free_head
 * has moved, the Invalidation Queue Tail Register (section 10.4.22) has
 * not. The QEMU trace shows whether that descriptor ever ran.
 */
static int vtd_kd_test_hold(struct iommu_kdump_test_hold *hold)
{
	struct vtd_cq_desc d[2] = {
		vtd_cq_desc_iotlb_domain(IOMMU_KDUMP_TEST_DID),
	};
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	struct q_inval *qi;
	int i, shift, index;
	void *slot;

	for_each_active_iommu(iommu, drhd) {
		qi = iommu->qi;
		if (!qi)
			continue;
		raw_spin_lock(&qi->q_lock);
		if (qi->free_cnt < 3) {
			raw_spin_unlock(&qi->q_lock);
			return -EBUSY;
		}
		shift = qi_shift(iommu);
		index = (qi->free_head + 1) % QI_LENGTH;
		vtd_cq_desc_wait(&d[1], virt_to_phys(&qi->desc_status[index]),
				 QI_DONE);
		hold->what = "DMAR invalidation queue";
		hold->slot = qi->free_head << shift;
		for (i = 0; i < 2; i++) {
			index = (qi->free_head + i) % QI_LENGTH;
			slot = qi->desc + (index << shift);
			memset(slot, 0, 1 << shift);
			memcpy(slot, &d[i], sizeof(d[i]));
			qi->desc_status[index] = QI_IN_USE;
		}
		qi->free_head = (qi->free_head + 2) % QI_LENGTH;
		qi->free_cnt -= 2;
		hold->hw_tail = readl(iommu->reg + DMAR_IQT_REG);
		return 0;
	}
	return -ENODEV;
}

static int __init vtd_kd_test_init(void)
{
	if (!is_kdump_kernel() && intel_iommu_enabled) {
		iommu_kdump_test_register(vtd_kd_test_corrupt);
		iommu_kdump_test_register_hold(vtd_kd_test_hold);
	}
	return 0;
}
late_initcall(vtd_kd_test_init);
