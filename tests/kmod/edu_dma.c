// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma - DMA in flight at a crash, made by QEMU's "edu" PCI device.
 *
 * The kdump lab (userspace/lab/) loads this module in the first kernel and
 * then writes to its "trigger" parameter. For every edu device the module
 * arms one DMA that fires about 100 ms later (QEMU's edu DMA timer) and
 * panics straight away, so the DMA happens while the kernel crashes into
 * the capture kernel:
 *
 *  - role "write": device buffer -> RAM, a known pattern onto a DMA-mapped
 *    page that holds a canary. The dump shows the pattern if the write
 *    landed and the canary if the IOMMU blocked it.
 *  - role "read" (module parameter reader=<probe index>): RAM -> device
 *    buffer from a second DMA-mapped page; only the IOMMU fault (QEMU
 *    trace) tells whether it was blocked.
 *
 * edu does one DMA at a time, hence one role per device.
 *
 * Invalidation oracle (preread=1, the default): before arming, each write
 * device first reads a few bytes of the last word of its own target page
 * (RAM -> the device buffer's last word, which the write does not carry:
 * EDU_PREREAD_LEN bytes, as a transfer must end before the buffer does),
 * through the IOMMU, and the trigger waits for those reads. The IOMMU then holds a
 * cached translation of the target page with write permission (the page
 * is mapped bidirectional), so the crash-time write is blocked only if
 * the crash path also invalidated the IOMMU's caches: revoking the table
 * entry alone leaves the cached translation writable. The module logs
 *   edu_dma: dev=0000:00:04.0 preread iova=0x... done
 * for each such read, before the buffer lines.
 *
 * Loaded with readback=1 (in the capture kernel), the module does no
 * self-test and arms nothing: it copies each device buffer into RAM and
 * logs what it holds. After a crash-time read the buffer holds the read
 * page's canary if the read went through, anything else if the IOMMU
 * blocked it; a write-role device still holds its pattern, which checks the
 * read-back itself:
 *   edu_dma: dev=0000:00:09.0 readback=uniform value=0x... fill=0x...
 * (value equal to fill: the read-back write itself did not land).
 *
 * Before arming, the module logs one line per buffer, parsed by the lab:
 *   edu_dma: dev=0000:00:04.0 index=0 role=write iova=0x... phys=0x...
 *            len=4088 canary=0x... pattern=0x...
 *
 * Strategy comparisons (userspace/compare/) use three more parameters:
 *  - arm=0: the trigger panics with no DMA armed (a crash whose only
 *    in-flight DMA is another device's, e.g. the e1000e's receive DMA);
 *    no buffer line is logged.
 *  - nmi=1 (tests/lab/faults.sh): the trigger's panic comes from NMI
 *    context (a self-IPI NMI whose handler calls nmi_panic()).
 *  - park=1 (the lab tests, LAB_PARK=1): right before the panic, every
 *    other online CPU is parked in an IPI handler, interrupts off, where
 *    it holds no IOMMU driver lock (the drivers take theirs with
 *    interrupts off), until the crash NMI stops it. Otherwise a CPU that
 *    the host preempted inside a driver flush (the flush queue's timer
 *    flushes every 10 ms while the e1000e receives) can hold the lock
 *    longer than the early pass waits for it. The devices' DMA goes on.
 *  - lock_held=1 (tests/lab/faults.sh): right before the panic, another
 *    CPU takes the IOMMU driver's command submission lock and leaves a
 *    command written but unpublished (iommu_kdump_test_hold_lock(), lab
 *    kernels with CONFIG_IOMMU_KDUMP_TEST only).
 *  - target_iova=<address>: a write-role device's target page is also
 *    mapped with iommu_map() at this IOVA (plus PAGE_SIZE * probe index)
 *    in the device's translating IOMMU domain, and the crash write goes
 *    there. With an IOVA equal to a physical address inside the
 *    crashkernel region, the write lands on the target page while the
 *    IOMMU translates, and inside the capture kernel's memory once
 *    translation is off. The mapping is checked at probe by one DMA write
 *    through it, then the canary is put back.
 *  - probe_phys=<address> (with readback=1, in the capture kernel): log
 *    how many words of that page of RAM hold an edu pattern:
 *      edu_dma: probe phys=0x... pattern_words=N first=0x...
 *
 * At probe, each device first proves that its DMA works through the IOMMU:
 * the pattern is copied into the device buffer (RAM -> device) and back
 * into a scratch page (device -> RAM), which is checked. A device that
 * fails this is not used, so a later "blocked" result cannot come from a
 * device that never did DMA at all (e.g. bus mastering off).
 *
 * Device model (QEMU hw/misc/edu.c): BAR0 registers 0x80 DMA source, 0x88
 * DMA destination, 0x90 count, 0x98 command (bit 0 start, bit 1 direction
 * 1 = device buffer to RAM, bit 2 raise interrupt); the device buffer is
 * at address 0x40000, 4096 bytes; a count must stay below 4096. Registers
 * ignore writes while a DMA is running. Bit 0 of the command register
 * clears when the DMA is done.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/iommu_kdump.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/panic.h>
#include <linux/pci.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/version.h>	/* kver */
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_CMD_START		BIT(0)
#define EDU_CMD_TO_RAM		BIT(1)	/* device buffer -> RAM */

#define EDU_BUF_ADDR		0x40000
/* Whole 64-bit words, below the 4096-byte limit of one edu transfer. */
#define EDU_XFER_LEN		4088
#define EDU_XFER_WORDS		(EDU_XFER_LEN / sizeof(u64))
#define EDU_DMA_TIMEOUT_MS	3000
/* The pre-read: into the buffer's last word, ending before 0x41000. */
#define EDU_PREREAD_LEN		4

#define EDU_CANARY_BASE		0xcafef00d00000000ULL
#define EDU_PATTERN_BASE	0xd1a5d1a500000000ULL
/* Read-back page fill: still there if the read-back write did not land. */
#define EDU_READBACK_FILL	0x5c5c0f1110f1115cULL

static int reader = -1;
module_param(reader, int, 0444);
MODULE_PARM_DESC(reader,
		 "probe index of the device that arms a RAM->device read (-1: none)");

static bool readback;
module_param(readback, bool, 0444);
MODULE_PARM_DESC(readback,
		 "copy every device buffer to RAM and log it; no self-test, no trigger");

static bool arm = true;
module_param(arm, bool, 0444);
MODULE_PARM_DESC(arm, "arm the devices' DMA at the trigger (0: panic only)");

static bool nmi;
module_param(nmi, bool, 0444);
MODULE_PARM_DESC(nmi,
		 "the trigger panics from NMI context: a self-IPI NMI whose handler calls nmi_panic()");

static bool lock_held;
module_param(lock_held, bool, 0444);
MODULE_PARM_DESC(lock_held,
		 "another CPU holds the IOMMU submission lock, mid-submission, at the panic");

static bool park;
module_param(park, bool, 0444);
MODULE_PARM_DESC(park,
		 "park every other CPU outside the IOMMU driver, interrupts off, right before the panic");

static unsigned long target_iova;
module_param(target_iova, ulong, 0444);
MODULE_PARM_DESC(target_iova,
		 "IOVA (+ PAGE_SIZE * index) at which write targets are mapped with iommu_map() (0: DMA API IOVA)");

static bool preread = true;
module_param(preread, bool, 0444);
MODULE_PARM_DESC(preread,
		 "write devices read their target page before the crash, so that the IOMMU caches a writable translation of it");

static unsigned long probe_phys;
module_param(probe_phys, ulong, 0444);
MODULE_PARM_DESC(probe_phys,
		 "with readback=1: count the edu pattern words in this page of RAM");

/**
 * struct edu_buf - one DMA-mapped page
 * @page: the page
 * @iova: its DMA address as seen by the device
 * @dir: mapping direction
 */
struct edu_buf {
	struct page *page;
	dma_addr_t iova;
	enum dma_data_direction dir;
};

/**
 * struct edu_dev - one edu device
 * @node: entry in edu_devices
 * @pdev: the PCI device
 * @regs: BAR0
 * @index: probe order
 * @canary: fill of @target before the crash
 * @pattern: what the device buffer holds
 * @src: page holding the pattern, read into the device buffer at probe
 * @scratch: page the device buffer is written back to at probe
 * @target: page the crash DMA writes (role write) or reads (role read)
 * @xfer_iova: address the crash DMA targets: @target's DMA API IOVA, or
 *	its target_iova mapping
 * @fixed_domain: domain holding the target_iova mapping (NULL: none)
 */
struct edu_dev {
	struct list_head node;
	struct pci_dev *pdev;
	void __iomem *regs;
	unsigned int index;
	u64 canary;
	u64 pattern;
	struct edu_buf src;
	struct edu_buf scratch;
	struct edu_buf target;
	dma_addr_t xfer_iova;
	struct iommu_domain *fixed_domain;
};

static LIST_HEAD(edu_devices);
static DEFINE_MUTEX(edu_lock);
static unsigned int edu_count;

static void edu_fill(struct edu_buf *buf, u64 value)
{
	u64 *words = page_address(buf->page);
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
		words[i] = value;
}

static void edu_unmap(struct device *dev, struct edu_buf *buf)
{
	if (!buf->page)
		return;
	dma_unmap_page(dev, buf->iova, PAGE_SIZE, buf->dir);
	__free_page(buf->page);
	buf->page = NULL;
}

static int edu_map(struct device *dev, struct edu_buf *buf, u64 fill,
		   enum dma_data_direction dir)
{
	buf->page = alloc_page(GFP_KERNEL);
	if (!buf->page)
		return -ENOMEM;
	edu_fill(buf, fill);
	buf->dir = dir;
	buf->iova = dma_map_page(dev, buf->page, 0, PAGE_SIZE, dir);
	if (dma_mapping_error(dev, buf->iova)) {
		__free_page(buf->page);
		buf->page = NULL;
		return -EIO;
	}
	return 0;
}

/* Program one transfer of @len bytes; the device starts it 100 ms later. */
static void edu_start_len(struct edu_dev *edu, u64 src, u64 dst, u64 len,
			  u64 cmd)
{
	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writeq(len, edu->regs + EDU_REG_DMA_CNT);
	writeq(cmd | EDU_CMD_START, edu->regs + EDU_REG_DMA_CMD);
}

static void edu_start(struct edu_dev *edu, u64 src, u64 dst, u64 cmd)
{
	edu_start_len(edu, src, dst, EDU_XFER_LEN, cmd);
}

static int edu_wait(struct edu_dev *edu)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	while (readq(edu->regs + EDU_REG_DMA_CMD) & EDU_CMD_START) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(2000, 5000);
	}
	return 0;
}

static bool edu_is_reader(const struct edu_dev *edu)
{
	return reader >= 0 && edu->index == (unsigned int)reader;
}

/*
 * Load the pattern into the device buffer and check it by writing it back
 * into the scratch page.
 */
static int edu_selftest(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;
	const u64 *words;
	size_t i;
	int ret;

	edu_start(edu, edu->src.iova, EDU_BUF_ADDR, 0);
	ret = edu_wait(edu);
	if (ret)
		return ret;
	edu_start(edu, EDU_BUF_ADDR, edu->scratch.iova, EDU_CMD_TO_RAM);
	ret = edu_wait(edu);
	if (ret)
		return ret;

	dma_sync_single_for_cpu(dev, edu->scratch.iova, PAGE_SIZE,
				edu->scratch.dir);
	words = page_address(edu->scratch.page);
	for (i = 0; i < EDU_XFER_WORDS; i++) {
		if (words[i] != edu->pattern) {
			dev_err(dev, "self-test: word %zu is 0x%016llx, expected 0x%016llx\n",
				i, words[i], edu->pattern);
			return -EIO;
		}
	}
	return 0;
}

/* Copy the device buffer into the scratch page and log what it holds. */
static int edu_readback(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;
	const u64 *words;
	bool uniform = true;
	size_t i;
	int ret;

	ret = edu_map(dev, &edu->scratch, EDU_READBACK_FILL, DMA_FROM_DEVICE);
	if (ret)
		return ret;
	edu_start(edu, EDU_BUF_ADDR, edu->scratch.iova, EDU_CMD_TO_RAM);
	ret = edu_wait(edu);
	if (ret)
		return ret;
	dma_sync_single_for_cpu(dev, edu->scratch.iova, PAGE_SIZE,
				edu->scratch.dir);
	words = page_address(edu->scratch.page);
	for (i = 1; i < EDU_XFER_WORDS; i++)
		uniform &= words[i] == words[0];
	pr_info("dev=%s readback=%s value=0x%016llx fill=0x%016llx\n",
		pci_name(edu->pdev), uniform ? "uniform" : "mixed", words[0],
		EDU_READBACK_FILL);
	return 0;
}

static void edu_release(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;

	if (edu->fixed_domain) {
		iommu_unmap(edu->fixed_domain, edu->xfer_iova, PAGE_SIZE);
		edu->fixed_domain = NULL;
	}
	edu_unmap(dev, &edu->target);
	edu_unmap(dev, &edu->scratch);
	edu_unmap(dev, &edu->src);
}

/*
 * Map the target page at target_iova + PAGE_SIZE * index in the device's
 * translating domain, prove the mapping with one DMA write of the pattern
 * through it, then restore the canary.
 */
static int edu_map_fixed(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	unsigned long iova = target_iova + edu->index * PAGE_SIZE;
	const u64 *words;
	int ret;

	if (target_iova & ~PAGE_MASK)
		return -EINVAL;
	if (!domain || !(domain->type & __IOMMU_DOMAIN_PAGING)) {
		dev_err(dev, "target_iova needs a translating IOMMU domain\n");
		return -EOPNOTSUPP;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)	/* kver 6.12 */
	ret = iommu_map(domain, iova, page_to_phys(edu->target.page),
			PAGE_SIZE, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
#else	/* kver 6.1 */
	ret = iommu_map(domain, iova, page_to_phys(edu->target.page),
			PAGE_SIZE, IOMMU_READ | IOMMU_WRITE);
#endif	/* kver */
	if (ret)
		return ret;
	edu->fixed_domain = domain;
	edu->xfer_iova = iova;

	edu_start(edu, EDU_BUF_ADDR, iova, EDU_CMD_TO_RAM);
	ret = edu_wait(edu);
	if (ret)
		return ret;
	dma_sync_single_for_cpu(dev, edu->target.iova, PAGE_SIZE,
				edu->target.dir);
	words = page_address(edu->target.page);
	if (words[0] != edu->pattern ||
	    words[EDU_XFER_WORDS - 1] != edu->pattern) {
		dev_err(dev, "DMA through target_iova 0x%lx did not land\n",
			iova);
		return -EIO;
	}
	edu_fill(&edu->target, edu->canary);
	dma_sync_single_for_device(dev, edu->target.iova, PAGE_SIZE,
				   edu->target.dir);
	return 0;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct edu_dev *edu;
	u16 sid;
	int ret;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->regs = pcim_iomap_table(pdev)[0];
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	if (readback) {
		ret = edu_readback(edu);
		if (ret)
			dev_err(dev, "read-back failed (%d)\n", ret);
		edu_release(edu);
		/* Not kept: nothing to arm in this mode. */
		return ret ? ret : -ENODEV;
	}

	mutex_lock(&edu_lock);
	edu->index = edu_count++;
	mutex_unlock(&edu_lock);

	/* Distinct per device: source id in bits 8..23, index in bits 0..7. */
	sid = pci_dev_id(pdev);
	edu->canary = EDU_CANARY_BASE | (u64)sid << 8 | edu->index;
	edu->pattern = EDU_PATTERN_BASE | (u64)sid << 8 | edu->index;

	ret = edu_map(dev, &edu->src, edu->pattern, DMA_TO_DEVICE);
	if (ret)
		goto err;
	ret = edu_map(dev, &edu->scratch, 0, DMA_FROM_DEVICE);
	if (ret)
		goto err;
	ret = edu_map(dev, &edu->target, edu->canary,
		      edu_is_reader(edu) ? DMA_TO_DEVICE :
		      preread ? DMA_BIDIRECTIONAL : DMA_FROM_DEVICE);
	if (ret)
		goto err;

	ret = edu_selftest(edu);
	if (ret) {
		dev_err(dev, "DMA self-test failed (%d)\n", ret);
		goto err;
	}
	edu->xfer_iova = edu->target.iova;
	if (target_iova && !edu_is_reader(edu)) {
		ret = edu_map_fixed(edu);
		if (ret) {
			dev_err(dev, "target_iova mapping failed (%d)\n", ret);
			goto err;
		}
	}

	pci_set_drvdata(pdev, edu);
	mutex_lock(&edu_lock);
	list_add_tail(&edu->node, &edu_devices);
	mutex_unlock(&edu_lock);
	pr_info("dev=%s index=%u ready role=%s selftest=ok\n", pci_name(pdev),
		edu->index, edu_is_reader(edu) ? "read" : "write");
	return 0;

err:
	edu_release(edu);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_dev *edu = pci_get_drvdata(pdev);

	mutex_lock(&edu_lock);
	list_del(&edu->node);
	mutex_unlock(&edu_lock);
	/* Let a transfer still running finish before its pages go away. */
	if (edu_wait(edu))
		dev_warn(&pdev->dev, "DMA still running at remove\n");
	edu_release(edu);
}

/*
 * nmi=1: the crash comes from NMI context, as from a hard-lockup detector
 * or an unknown NMI with kernel.unknown_nmi_panic set. The handler logs
 * in_nmi() (the lab test's evidence of the context) and calls nmi_panic(),
 * the kernel's panic entry for NMI handlers.
 */
static int edu_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	pr_emerg("panic from NMI context: in_nmi=%d\n", in_nmi() ? 1 : 0);
	nmi_panic(regs, "edu_dma: panic from an NMI handler");
	return NMI_HANDLED;
}

/*
 * lock_held=1: leave another CPU inside the IOMMU driver, lock held and a
 * command unpublished. Returns with interrupts off; the panic follows.
 */
static void edu_hold_iommu_lock(void)
{
	int ret = -ENOENT;
#ifdef CONFIG_IOMMU_KDUMP_TEST
	int (*hold)(void) = symbol_get(iommu_kdump_test_hold_lock);

	if (hold)
		ret = hold();
#endif
	if (ret)
		panic("edu_dma: no CPU holds the IOMMU lock (%d)", ret);
}

static atomic_t edu_parked = ATOMIC_INIT(0);

/* Runs in an IPI, interrupts off: never returns; the crash NMI stops it. */
static void edu_park_cpu(void *unused)
{
	atomic_inc(&edu_parked);
	for (;;)
		cpu_relax();
}

/*
 * park=1: every other online CPU spins in an IPI handler. An IPI is taken
 * only with interrupts on, and every IOMMU driver lock the early pass
 * takes is held with interrupts off: once all have arrived, none of them
 * is held on another CPU. Waits at most one second and returns with
 * preemption and bottom halves disabled: this CPU must not sleep, or wait
 * for an IPI the parked CPUs would never answer, before the panic.
 */
static void edu_park_others(void)
{
	unsigned int others, us;

	local_bh_disable();
	preempt_disable();
	others = num_online_cpus() - 1;
	smp_call_function(edu_park_cpu, NULL, 0);
	for (us = 0; us < USEC_PER_SEC && atomic_read(&edu_parked) < others; us++)
		udelay(1);
	pr_emerg("park: %d of %u other CPUs parked\n",
		 atomic_read(&edu_parked), others);
}

static void edu_panic(unsigned int armed)
{
	if (lock_held)
		edu_hold_iommu_lock();
	else if (park)
		edu_park_others();
	/*
	 * The lab's time reference for the start of the panic (the QEMU
	 * trace times every console byte): printed synchronously, right
	 * before the panic or the NMI that raises it.
	 */
	pr_emerg("trigger: panic now\n");
	if (nmi) {
		if (register_nmi_handler(NMI_LOCAL, edu_nmi_handler, 0, "edu_dma"))
			panic("edu_dma: cannot register the NMI handler");
		apic->send_IPI_self(NMI_VECTOR);
		mdelay(1000);
		panic("edu_dma: the self NMI was not delivered within 1 s");
	}
	if (!armed)
		panic("edu_dma: no DMA armed (arm=0)");
	panic("edu_dma: %u DMA transfer(s) armed", armed);
}

/*
 * preread=1: every write device reads the start of the last word of its
 * target page into the last word of its buffer (outside the EDU_XFER_LEN
 * bytes the crash write carries), all at once, and the reads are waited
 * for. The
 * IOMMU then caches a translation of each target page with the write
 * permission of its mapping.
 */
static void edu_preread(void)
{
	struct edu_dev *edu;

	list_for_each_entry(edu, &edu_devices, node)
		if (!edu_is_reader(edu))
			edu_start_len(edu, edu->xfer_iova + EDU_XFER_LEN,
				      EDU_BUF_ADDR + EDU_XFER_LEN,
				      EDU_PREREAD_LEN, 0);
	list_for_each_entry(edu, &edu_devices, node) {
		if (edu_is_reader(edu))
			continue;
		if (edu_wait(edu))
			pr_err("dev=%s preread iova=0x%llx timed out\n",
			       pci_name(edu->pdev), (u64)edu->xfer_iova);
		else
			pr_info("dev=%s preread iova=0x%llx done\n",
				pci_name(edu->pdev), (u64)edu->xfer_iova);
	}
}

/*
 * Log every buffer, then arm all devices back to back and panic: the
 * transfers fire about 100 ms later, inside the crash-to-capture window.
 */
static int edu_trigger(void)
{
	struct edu_dev *edu;
	unsigned int armed = 0;

	if (!arm)
		edu_panic(0);

	mutex_lock(&edu_lock);
	if (preread)
		edu_preread();
	list_for_each_entry(edu, &edu_devices, node) {
		pr_info("dev=%s index=%u role=%s iova=0x%llx phys=0x%llx len=%u canary=0x%016llx pattern=0x%016llx\n",
			pci_name(edu->pdev), edu->index,
			edu_is_reader(edu) ? "read" : "write",
			(u64)edu->xfer_iova,
			(u64)page_to_phys(edu->target.page), EDU_XFER_LEN,
			edu->canary, edu->pattern);
	}
	list_for_each_entry(edu, &edu_devices, node) {
		if (edu_is_reader(edu))
			edu_start(edu, edu->target.iova, EDU_BUF_ADDR, 0);
		else
			edu_start(edu, EDU_BUF_ADDR, edu->xfer_iova,
				  EDU_CMD_TO_RAM);
		armed++;
	}
	mutex_unlock(&edu_lock);

	if (!armed) {
		pr_err("no device to arm\n");
		return -ENODEV;
	}
	edu_panic(armed);
	return 0;
}

static int edu_trigger_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	return on ? edu_trigger() : 0;
}

static const struct kernel_param_ops edu_trigger_ops = {
	.set = edu_trigger_set,
};

module_param_cb(trigger, &edu_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger, "write 1: log the buffers, arm every device, panic");

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR_ID, EDU_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

/* Count the words of the probe_phys page that hold an edu pattern. */
static void edu_probe_phys(void)
{
	const u64 *words;
	unsigned int i, n = 0;
	u64 first = 0;

	if ((probe_phys & ~PAGE_MASK) || !pfn_valid(PHYS_PFN(probe_phys))) {
		pr_info("probe phys=0x%lx: not a page of this kernel's RAM\n",
			probe_phys);
		return;
	}
	words = memremap(probe_phys, PAGE_SIZE, MEMREMAP_WB);
	if (!words) {
		pr_info("probe phys=0x%lx: cannot map\n", probe_phys);
		return;
	}
	for (i = 0; i < PAGE_SIZE / sizeof(u64); i++) {
		if (upper_32_bits(words[i]) != upper_32_bits(EDU_PATTERN_BASE))
			continue;
		if (!n++)
			first = words[i];
	}
	memunmap((void *)words);
	pr_info("probe phys=0x%lx pattern_words=%u first=0x%016llx\n",
		probe_phys, n, first);
}

static int __init edu_init(void)
{
	if (readback && probe_phys)
		edu_probe_phys();
	return pci_register_driver(&edu_driver);
}
module_init(edu_init);

static void __exit edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
}
module_exit(edu_exit);

MODULE_DESCRIPTION("In-flight DMA at a crash with QEMU's edu device (kdump lab)");
MODULE_LICENSE("GPL");
