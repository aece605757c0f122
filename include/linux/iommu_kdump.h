/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture-kernel takeover of the crashed kernel's IOMMU state.
 *
 * A kdump capture kernel finds the IOMMUs translating with the crashed
 * kernel's tables. The vendor drivers copy the device table entries (AMD-Vi)
 * or context entries (VT-d) into capture-kernel memory, validating every
 * pointer first, and keep translation enabled. This interface is the
 * vendor-neutral ledger of what was taken over (drivers/iommu/kdump_*.c):
 * per IOMMU unit, the copied or blocking entries still in force and the old
 * domain ids they use.
 *
 * The retirement invariant (iommu_kdump_retire=reset, the default): no
 * device that may still run the crashed kernel's DMA gets an identity
 * mapping or write access to capture-kernel memory before it was reset.
 * An entry taken over is replaced only once every device whose DMA may
 * carry its source id (the device and every device sharing it as a DMA
 * alias) was reset -- or, for a translated domain, had Bus Master Enable
 * cleared when it has no working reset; the vendors pass every attach
 * through iommu_kdump_attach_gate(), which blocks the entries it refuses.
 * An old domain id whose last copied entry is gone, in every unit sharing
 * its allocator, is flushed and given back.
 *
 * Files: kdump_core.c (parameters, units, the vendors' side), kdump_ledger.c
 * (the decisions, pure code), kdump_reset.c (PCI reset and bind policy),
 * kdump_old_ram.c (where old tables may be), kdump_debugfs.c; lab only:
 * kdump_test.c. Vendor parts: drivers/iommu/amd/kdump.c and
 * drivers/iommu/intel/kdump.c. Hooks: drivers/pci/pci.c calls
 * iommu_kdump_pci_reset_done() and iommu_kdump_pci_bus_reset_done() when a
 * reset completes.
 */
#ifndef _LINUX_IOMMU_KDUMP_H
#define _LINUX_IOMMU_KDUMP_H

#include <linux/types.h>

struct device;
struct iommu_domain;
struct pci_dev;
struct iommu_kdump_unit;

/**
 * enum iommu_kdump_retire_mode - when copied entries are replaced
 * @IOMMU_KDUMP_RETIRE_RESET: after the device was reset; a driver attaching
 *	to a device that was not reset first resets it (when it has a reset
 *	method), then the entry is replaced (default)
 * @IOMMU_KDUMP_RETIRE_ATTACH: when the IOMMU core attaches the device to a
 *	domain (first DMA mapping), whether or not it was reset (Linux 6.1)
 */
enum iommu_kdump_retire_mode {
	IOMMU_KDUMP_RETIRE_RESET,
	IOMMU_KDUMP_RETIRE_ATTACH,
};

/**
 * struct iommu_kdump_ops - what a vendor provides for one unit
 * @covers: optional: does the unit translate for @pdev? (Without it, every
 *	unit of the device's PCI segment does.) Any context.
 * @dev_sid: the source id of @dev, a device that is not PCI (AMD-Vi ACPI
 *	HID device, VT-d ACPI namespace device), in @unit; -ENODEV when
 *	@unit does not translate for it. Any context.
 * @extra_alias: optional: a source id the DMA of @pdev carries that
 *	pci_for_each_dma_alias() does not report (an AMD-Vi IVRS alias on
 *	another bus), or -1. Any context.
 * @block: replace the taken-over entry of @sid by one that blocks all DMA
 *	and invalidate what the hardware may cache of the old one, before
 *	returning. Any context, never with the vendor's table lock held.
 * @release_did: invalidate every cached translation and context of the old
 *	domain id @did on the hardware of @unit and, when @free, give @did
 *	back to the vendor's domain id allocator (unless the capture kernel
 *	reserved it for itself). Called in process context when no copied
 *	entry of any unit sharing the allocator uses @did any more: once per
 *	unit that used it, @free on the last call only.
 */
struct iommu_kdump_ops {
	bool (*covers)(struct iommu_kdump_unit *unit, struct pci_dev *pdev);
	int (*dev_sid)(struct iommu_kdump_unit *unit, struct device *dev);
	int (*extra_alias)(struct iommu_kdump_unit *unit, struct pci_dev *pdev);
	void (*block)(struct iommu_kdump_unit *unit, u16 sid);
	void (*release_did)(struct iommu_kdump_unit *unit, u16 did, bool free);
};

#ifdef CONFIG_IOMMU_KDUMP_TAKEOVER

/* Vendor side: building the ledger while copying (boot, may sleep). */
struct iommu_kdump_unit *iommu_kdump_unit_create(const char *name, int segment,
						 u32 nr_sids,
						 const void *did_space,
						 const struct iommu_kdump_ops *ops,
						 void *priv);
void *iommu_kdump_unit_priv(struct iommu_kdump_unit *unit);
void iommu_kdump_note_copied(struct iommu_kdump_unit *unit, u16 sid, u16 did);
void iommu_kdump_note_blocked(struct iommu_kdump_unit *unit, u16 sid);
void iommu_kdump_note_pinned(struct iommu_kdump_unit *unit, u16 sid, u16 did);
void iommu_kdump_note_rejected(struct iommu_kdump_unit *unit, u16 sid,
			       const char *reason);
void iommu_kdump_note_rejected_range(struct iommu_kdump_unit *unit, u16 sid,
				     u32 count, const char *reason);
void iommu_kdump_note_blocked_all(struct iommu_kdump_unit *unit,
				  const char *reason);
void iommu_kdump_unit_publish(struct iommu_kdump_unit *unit);
void iommu_kdump_unit_block_all(struct iommu_kdump_unit *unit,
				const char *name, const char *reason);
struct iommu_kdump_unit *iommu_kdump_unit_find(const void *priv);
void iommu_kdump_unit_discard(struct iommu_kdump_unit *unit);

/* Vendor side: the capture kernel wrote entries (any context). */
bool iommu_kdump_entry_taken_over(struct iommu_kdump_unit *unit, u16 sid,
				  u16 *did);
void iommu_kdump_entry_written(struct iommu_kdump_unit *unit, u16 sid);
void iommu_kdump_entry_cloned(struct iommu_kdump_unit *unit, u16 from, u16 to);
void iommu_kdump_entry_block(struct iommu_kdump_unit *unit, u16 sid,
			     const char *who);

/* Parameters and validation. */
enum iommu_kdump_retire_mode iommu_kdump_retire_mode(void);
bool iommu_kdump_quiesce_enabled(void);
bool iommu_kdump_old_ram(u64 phys, u64 size);
u64 iommu_kdump_old_ram_end(void);

/* Vendor side: may the entries of @dev be replaced by @domain's now? */
int iommu_kdump_attach_gate(struct device *dev, struct iommu_domain *domain);
int iommu_kdump_def_domain_type(struct device *dev);

/* PCI side: a reset completed successfully. */
void iommu_kdump_pci_reset_done(struct pci_dev *pdev, const char *method);
void iommu_kdump_pci_bus_reset_done(struct pci_dev *bridge);

#ifdef CONFIG_IOMMU_KDUMP_TEST
/* Lab only: drivers/iommu/kdump_test.c and the vendors' kdump_test.c. */

/*
 * A vendor handler for debugfs iommu_kdump/test_corrupt in the
 * first kernel. It gets the command ("dte-root 0000:00:09.0", ...) and
 * returns -ENOENT when the command is not its own.
 */
typedef int (*iommu_kdump_test_fn)(const char *cmd, const char *arg);
void iommu_kdump_test_register(iommu_kdump_test_fn fn);

/**
 * struct iommu_kdump_test_hold - a submission a lab lock holder left open
 * @what: the lock and queue held, for the log
 * @slot: byte offset in the queue of the command written, not published
 * @hw_tail: byte offset the tail register still holds
 */
struct iommu_kdump_test_hold {
	const char *what;
	u32 slot;
	u32 hw_tail;
};

/*
 * Lab only: a vendor handler that takes the driver's command submission
 * lock and writes one command without publishing it, as a CPU stopped
 * half-way through a submission would leave it. Returns 0 with the lock
 * held for good, or an error without it.
 */
typedef int (*iommu_kdump_test_hold_fn)(struct iommu_kdump_test_hold *hold);
/* Domain id of the unpublished command: used by no domain of the lab. */
#define IOMMU_KDUMP_TEST_DID	0xfffe
void iommu_kdump_test_register_hold(iommu_kdump_test_hold_fn fn);
int iommu_kdump_test_hold_lock(void);
#endif

#else

static inline bool iommu_kdump_old_ram(u64 phys, u64 size)
{
	return true;
}

static inline int iommu_kdump_attach_gate(struct device *dev,
					  struct iommu_domain *domain)
{
	return 0;
}

static inline int iommu_kdump_def_domain_type(struct device *dev)
{
	return 0;
}

static inline void iommu_kdump_pci_reset_done(struct pci_dev *pdev,
					      const char *method) { }
static inline void iommu_kdump_pci_bus_reset_done(struct pci_dev *bridge) { }

#endif /* CONFIG_IOMMU_KDUMP_TAKEOVER */

#endif /* _LINUX_IOMMU_KDUMP_H */
