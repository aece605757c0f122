// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi, lab only (CONFIG_IOMMU_KDUMP_TEST): the vendor part of
 * drivers/iommu/kdump_test.c. Never built into a product kernel.
 */

#define pr_fmt(fmt)	"AMD-Vi: kdump test: " fmt

#include <linux/crash_dump.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu_kdump.h>
#include <linux/kexec.h>
#include <linux/mem_encrypt.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "amd_iommu.h"
#include "kdump_hw.h"
#include "../kdump_compat.h"

/*
 * Lab only (CONFIG_IOMMU_KDUMP_TEST): corrupt the live state of the first
 * kernel just before a crash, so that the capture kernel meets a bad
 * pointer: "dte-root SEG:BB:DD.F" points the page-table root of a
 * translating DTE into the crashkernel region, "dte-v0-root SEG:BB:DD.F"
 * does the same and clears V (bit 0), so that the entry is not valid and
 * the crash path leaves it alone while its Mode, root and IR/IW stay
 * (48882 section 2.2.2), "devtab-size" changes the
 * size field of the Device Table Base Address Register, "cmdbuf-off"
 * clears CmdBufEn (bit 12) of the IOMMU Control Register (48882 section
 * 3.4, MMIO Offset 0018h), so that the crash path finds no usable command
 * buffer for its invalidations.
 *
 * Two more leave the crashed kernel entries the capture kernel must track:
 * "dte-dom0 SEG:BB:DD.F" turns the pass-through (Mode 0) DTE of a device
 * into one with IW only and DomainID 0 (the device's DMA still writes
 * memory untranslated), "clone-slot SEG:BB:DD.F SEG:BB:DD.F" copies the
 * DTE of the first device to DeviceID 00.0 of the second's secondary bus
 * (a free hot-plug slot), as if a device there had been using it.
 */
static struct amd_iommu_pci_seg *amd_kd_test_seg(unsigned int s)
{
	struct amd_iommu_pci_seg *pci_seg;

	for_each_pci_segment(pci_seg)
		if (pci_seg->id == s)
			return pci_seg;
	return NULL;
}

static void amd_kd_test_flush(struct amd_iommu_pci_seg *pci_seg)
{
	struct amd_iommu *iommu;

	for_each_iommu(iommu)
		if (iommu->pci_seg == pci_seg)
			kdump_amd_flush_all_caches(iommu);
}

/* "dte-dom0": Mode 0, IR=0, IW=1, DomainID 0 (48882 section 2.2.2). */
static int amd_kd_test_dom0(struct amd_iommu_pci_seg *pci_seg, u16 devid)
{
	u64 *w = pci_seg->dev_table[devid].data;

	if (!(w[0] & DTE_FLAG_V) || !(w[0] & DTE_FLAG_TV) ||
	    (w[0] & AMD_CQ_DTE_MODE_MASK) || !(w[0] & AMD_CQ_DTE_IW))
		return -EINVAL;
	WRITE_ONCE(w[1], w[1] & ~AMD_CQ_DTE1_DOMID_MASK);
	WRITE_ONCE(w[0], w[0] & ~AMD_CQ_DTE_IR);
	amd_kd_test_flush(pci_seg);
	return 0;
}

/* "clone-slot": the DTE of @devid copied to 00.0 of @port's secondary bus. */
static int amd_kd_test_clone_slot(struct amd_iommu_pci_seg *pci_seg,
				  u16 devid, const char *port)
{
	unsigned int s, b, d, f;
	struct pci_dev *pdev;
	u64 *src, *dst;
	u16 to;
	int i;

	if (sscanf(port, "%x:%x:%x.%x", &s, &b, &d, &f) != 4 || b > 0xff ||
	    d > 0x1f || f > 7 || s != pci_seg->id)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(s, b, PCI_DEVFN(d, f));
	if (!pdev)
		return -ENODEV;
	if (!pdev->subordinate) {
		pci_dev_put(pdev);
		return -EINVAL;
	}
	to = PCI_DEVID(pdev->subordinate->number, 0);
	pci_dev_put(pdev);
	if (to > pci_seg->last_bdf || to == devid)
		return -EINVAL;
	src = pci_seg->dev_table[devid].data;
	dst = pci_seg->dev_table[to].data;
	if (!(src[0] & DTE_FLAG_V))
		return -EINVAL;
	for (i = 3; i >= 0; i--)
		WRITE_ONCE(dst[i], src[i]);
	amd_kd_test_flush(pci_seg);
	return 0;
}

static int amd_kd_test_corrupt(const char *cmd, const char *arg)
{
	struct amd_iommu_pci_seg *found;
	unsigned int s, b, d, f;
	struct amd_iommu *iommu;
	u64 *w0, reg, size;
	int n;
	u16 devid;

	if (!strcmp(cmd, "cmdbuf-off")) {
		for_each_iommu(iommu) {
			reg = readq(iommu->mmio_base + MMIO_CONTROL_OFFSET);
			writeq(reg & ~AMD_CQ_CTRL_CMDBUF_EN,
			       iommu->mmio_base + MMIO_CONTROL_OFFSET);
		}
		return 0;
	}
	if (!strcmp(cmd, "devtab-size")) {
		for_each_iommu(iommu) {
			reg = readq(iommu->mmio_base + MMIO_DEV_TABLE_OFFSET);
			size = reg & AMD_CQ_DEVTAB_SIZE_MASK;
			reg &= ~AMD_CQ_DEVTAB_SIZE_MASK;
			writeq(reg | (size ? size - 1 : size + 1),
			       iommu->mmio_base + MMIO_DEV_TABLE_OFFSET);
		}
		return 0;
	}
	if (strcmp(cmd, "dte-root") && strcmp(cmd, "dte-v0-root") &&
	    strcmp(cmd, "dte-dom0") && strcmp(cmd, "clone-slot"))
		return -ENOENT;
	if (sscanf(arg, "%x:%x:%x.%x %n", &s, &b, &d, &f, &n) != 4 ||
	    b > 0xff || d > 0x1f || f > 7)
		return -EINVAL;
	devid = PCI_DEVID(b, PCI_DEVFN(d, f));
	found = amd_kd_test_seg(s);
	if (!found || devid > found->last_bdf || !crashk_res.end)
		return -ENODEV;
	if (!strcmp(cmd, "dte-dom0"))
		return amd_kd_test_dom0(found, devid);
	if (!strcmp(cmd, "clone-slot"))
		return amd_kd_test_clone_slot(found, devid, arg + n);
	w0 = &found->dev_table[devid].data[0];
	if (!(*w0 & DTE_FLAG_V) || !(*w0 & DTE_FLAG_TV) ||
	    !(*w0 & AMD_CQ_DTE_MODE_MASK))
		return -EINVAL;
	reg = (*w0 & ~AMD_CQ_DTE_ROOT_MASK) |
	      (__sme_set(crashk_res.start) & AMD_CQ_DTE_ROOT_MASK);
	if (!strcmp(cmd, "dte-v0-root"))
		reg &= ~AMD_CQ_DTE_V;
	WRITE_ONCE(*w0, reg);
	amd_kd_test_flush(found);
	return 0;
}

/*
 * Lab only: take the command buffer lock of the first IOMMU and do the
 * first half of copy_cmd_to_buffer(): the command (INVALIDATE_IOMMU_PAGES
 * of all pages of DomainID IOMMU_KDUMP_TEST_DID, 48882 section 2.4.3) is
 * in the buffer and the driver's tail has moved, the Command Buffer Tail
 * Pointer Register (MMIO Offset 2008h) has not. The QEMU trace shows
 * whether that command ever ran.
 */
static int amd_kd_test_hold(struct iommu_kdump_test_hold *hold)
{
	struct amd_iommu *iommu;
	struct amd_cq_cmd cmd;

	iommu = list_first_entry_or_null(&amd_iommu_list, struct amd_iommu,
					 list);
	if (!iommu)
		return -ENODEV;
	raw_spin_lock(&iommu->lock);
	amd_cq_build_inv_iommu_pages(&cmd, IOMMU_KDUMP_TEST_DID);
	hold->what = "AMD-Vi command buffer";
	hold->slot = iommu->cmd_buf_tail;
	memcpy(iommu->cmd_buf + iommu->cmd_buf_tail, &cmd, sizeof(cmd));
	iommu->cmd_buf_tail = (iommu->cmd_buf_tail + sizeof(cmd)) %
			      CMD_BUFFER_SIZE;
	hold->hw_tail = readl(iommu->mmio_base + MMIO_CMD_TAIL_OFFSET);
	return 0;
}

static int __init amd_kd_test_init(void)
{
	if (!is_kdump_kernel() && !list_empty(&amd_iommu_list)) {
		iommu_kdump_test_register(amd_kd_test_corrupt);
		iommu_kdump_test_register_hold(amd_kd_test_hold);
	}
	return 0;
}
late_initcall(amd_kd_test_init);
