/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The takeover model (README.md): a machine with AMD-Vi or VT-d IOMMUs
 * whose crashed kernel left tables behind, PCI devices that may still run
 * its DMA, the capture kernel's own takeover code compiled unchanged
 * (prod_*.c), and a model of the Linux 6.1 code around it (sim.c: the
 * vendors' init, probe, attach and flush paths, the IOMMU core's group and
 * default-domain logic, driver binding and PCI resets). The reference
 * monitor (monitor.c) watches it from the specifications alone.
 */
#ifndef _TK_SIM_H
#define _TK_SIM_H
#include <stddef.h>
#include <stdint.h>

#include "tk_kernel.h"

/* Physical memory of the model. */
#define TK_OLD1_START	0x01000000ULL	/* crashed kernel's RAM, 16 MiB */
#define TK_OLD1_SIZE	0x01000000ULL
#define TK_CK_START	0x20000000ULL	/* crashkernel: the capture kernel */
#define TK_CK_SIZE	0x01000000ULL
#define TK_OLD2_START	0x30000000ULL	/* crashed kernel's RAM, 4 MiB */
#define TK_OLD2_SIZE	0x00400000ULL
#define TK_PHYS_BITS	40
/* What unallocated capture-kernel memory holds: see sim.c tk_poison(). */

enum tk_vendor { TK_AMD, TK_VTD, TK_VTD_SM };

/* Modelled devices: an index into tk_sim.dev[]. */
#define TK_MAX_DEVS	24
#define TK_MAX_UNITS	2
#define TK_AMD_SIDS	0x400	/* DeviceIDs per AMD segment: buses 0-3 */

/* How a device answers a reset (model ground truth). */
enum tk_reset {
	TK_RESET_NONE,		/* no function reset method */
	TK_RESET_FLR,		/* FLR works */
	TK_RESET_FLR_FAILS,	/* has FLR, which fails */
};

enum tk_kind {
	TK_ENDPOINT,
	TK_ROOT_PORT,		/* PCIe root port: no DMA alias */
	TK_PCIE_PCI_BRIDGE,	/* aliases to (secondary bus, devfn 0) */
	TK_ACPI,		/* not PCI: AMD ACPI HID / VT-d ANDD device */
};

/**
 * struct tk_dev - one modelled device (ground truth, set by the scenario)
 * @name: for messages
 * @kind: enum tk_kind
 * @seg: PCI segment
 * @bus: bus number
 * @devfn: device and function
 * @parent: index of the bridge above it, -1 on the root bus
 * @secondary: bridges: the bus number below
 * @quirk_alias: devfn of a quirk DMA alias on its bus, -1 none
 * @ivrs_alias: AMD IVRS alias table entry (another source id), -1 none
 * @reset: enum tk_reset
 * @bus_reset_fails: a secondary bus reset of the bridge above fails
 * @needs_identity: the vendor driver wants an identity domain for it
 *	(AMD IOMMUv2 device, VT-d graphics)
 * @at_boot: enumerated when the capture kernel boots (else hot-added)
 * @at_crash: existed, and may have run DMA, when the first kernel crashed
 */
struct tk_dev {
	const char *name;
	int kind;
	int seg;
	int bus;
	int devfn;
	int parent;
	int secondary;
	int quirk_alias;
	int ivrs_alias;
	int reset;
	int bus_reset_fails;
	int needs_identity;
	int at_boot;
	int at_crash;
	/* Model state (sim.c). */
	int present;
	int bme;
	int bound;
	struct tk_group *group;
	struct pci_dev pdev;
	struct pci_bus *sub;	/* bridges: their secondary bus */
	/* Vendor driver's per-device data (dev_data / device_domain_info). */
	struct tk_domain *domain;	/* attached to, by the vendor */
	int defer_attach;		/* AMD dev_data->defer_attach */
	int probed;			/* iommu_probe_device() succeeded */
	u64 pasid_dir;			/* VT-d SM: its new PASID directory */
	u64 direct_buf;			/* dma-direct: its buffer */
	struct dev_iommu dev_iommu;	/* 6.12 dev->iommu (pdev.dev.iommu) */
};

/* A domain of the capture kernel (IOMMU core + vendor). */
struct tk_domain {
	struct iommu_domain dom;
	int id;			/* AMD domain id (0: none) */
	u16 did;		/* VT-d domain id on the unit (0: none yet) */
	u64 root;		/* page-table root (0 for identity) */
	int levels;
	int first_level;	/* VT-d SM: a first-level table */
	u64 buf;		/* the driver's DMA buffer (capture kernel RAM) */
	u64 iova;		/* where the domain maps it */
	int freed;
};

struct tk_group {
	int id;
	struct tk_domain *default_domain;
	struct tk_domain *domain;
	int devs[TK_MAX_DEVS];
	int ndevs;
};

/* One PCI event, for the monitor (the model's PCI log). */
enum tk_pci_ev {
	TK_EV_RESET_OK,		/* a function or bus reset completed */
	TK_EV_RESET_FAILED,	/* a reset was tried and failed */
	TK_EV_BME_CLEAR,
	TK_EV_BME_SET,
};

/* Cache entries the hardware may hold (sim.c hw_*): see README. */
enum tk_ce_kind {
	TK_CE_DTE,	/* AMD DTE cache: val[0..3] */
	TK_CE_CTX,	/* VT-d context cache: val[0..1] (legacy), [0..3] (SM) */
	TK_CE_PASID,	/* VT-d PASID cache: val[0..7], pasid */
	TK_CE_TLB,	/* IOTLB, second-level / AMD: did, root */
	TK_CE_TLB_FL,	/* IOTLB, first-level or pass-through: did, pasid */
	TK_CE_TLB_NEST,	/* IOTLB, nested: did, pasid, root */
};

struct tk_ce {
	int kind;
	int unit;
	u16 sid;
	u32 pasid;
	u16 did;
	u64 root;
	u64 val[8];
	int own;	/* from an entry the capture kernel's 6.1 code wrote */
};

/**
 * struct tk_cfg - one run
 * @vendor: enum tk_vendor
 * @retire_attach: iommu_kdump_retire=attach
 * @quiesce: iommu_kdump_quiesce=1
 * @pt: iommu=pt in the capture kernel (identity default domains)
 * @default_off: VT-d: the capture kernel was built with
 *	CONFIG_INTEL_IOMMU_DEFAULT_OFF
 * @ecap_fl: VT-d SM: the unit offers first-level translation
 * @intel_off: VT-d: intel_iommu=off on the capture kernel's command line
 * @init_fails: the vendor's initialisation fails after the takeover
 *	installed its table (AMD state_next() error, VT-d init_dmars() error)
 * @amd_devtab_2m: AMD: the capture kernel programs a 2 MiB device table
 *	(Linux 6.12.118 on CPU families 17h-1Ah), not one sized by the last
 *	DeviceID
 */
struct tk_cfg {
	int vendor;
	int retire_attach;
	int quiesce;
	int pt;
	int default_off;
	int ecap_fl;
	int init_fails;
	int intel_off;
	int amd_devtab_2m;
};

struct tk_unit {
	int seg;
	int enabled;		/* translation enable (AMD IommuEn, VT-d TES) */
	int was_enabled;	/* at the crash */
	int turned_off;		/* the capture kernel turned it off */
	u64 regs[64];		/* MMIO, by offset / 8 */
	u64 table;		/* table the hardware walks (AMD devtab, VT-d root) */
	int sm;			/* VT-d table format: scalable */
	u8 *own;		/* per source id: entry written by 6.1 code */
	struct tk_ce *ce;
	int nce, cap_ce;
	int *hidx, hcap;	/* hash of ce[] (hw.c) */
	int installed;		/* the capture kernel's table is live */
};

#define TK_MAX_LOG	512

/**
 * struct tk_sim - the whole machine
 */
struct tk_sim {
	struct tk_cfg cfg;
	struct tk_dev dev[TK_MAX_DEVS];
	int ndev;
	struct tk_unit unit[TK_MAX_UNITS];
	int nunits;
	struct tk_group *groups[TK_MAX_DEVS];
	int ngroups;
	int step;
	int booted;		/* the capture kernel's IOMMU init is done */
	int oops;		/* a NULL dereference etc. the real kernel hits */
	char oops_what[160];
	/* PCI log */
	struct {
		int step, dev, ev;
	} log[TK_MAX_LOG];
	int nlog;
	/* old state facts for messages */
	u64 old_table[TK_MAX_UNITS];
	u64 old_reg[TK_MAX_UNITS];	/* AMD devtab base register at the crash */
	const u8 *in;		/* generator input */
	size_t inlen, inpos;
	int verbose;
};

extern struct tk_sim tk;

/* sim.c: memory */
void tk_mem_init(void);
void tk_mem_protect_old(void);
void tk_mem_fini(void);
bool tk_phys_ok(u64 pa, u64 len);
bool tk_host_in_old(const void *p);
u64 *tk_phys64(u64 pa);			/* NULL when not backed */
bool tk_in_ck(u64 pa);
bool tk_in_old(u64 pa);
bool tk_ck_allocated(u64 pa);
u64 tk_old_alloc(unsigned int pages);	/* generator: old RAM pages */
void tk_old_write(u64 pa, u64 v);	/* generator only (before protect) */

/* sim.c: the machine */
void tk_sim_init(const struct tk_cfg *cfg);
int tk_add_dev(const struct tk_dev *d);
void tk_boot(void);
void tk_bind(int d);
void tk_unbind(int d);
void tk_sysfs_reset(int d);
void tk_bus_reset(int bridge);
void tk_hot_add(int d);
void tk_set_type(int d, const char *type);
void tk_dma_map(int d);
void tk_vfio_open_close(int d);
#ifdef TK_612
/* 6.12's DTE protocol (sim.c): 128-bit stores, those without the lock */
extern int tk_dte_stores, tk_dte_unlocked;
bool tk_host_in_dte_guard(const void *p);
#endif
void tk_run_work(void);
void tk_sim_fini(void);
void tk_log_pci(int d, int ev);
int tk_dev_index(const struct pci_dev *p);
u64 tk_amd_devtab_old(int seg);
/* Hardware model: observe / invalidate (sim.c). */
void tk_hw_observe_all(void);

/* gen.c: the crashed kernel's state */
u8 tk_in8(void);
void tk_gen_machine(void);
void tk_gen_old_state(void);
/* An old page table for @did: format 0 AMD, 1 VT-d second, 2 first level. */
u64 tk_gen_table(u16 did, int f, int levels, bool ro);
enum { TK_EP_A, TK_MF_0, TK_MF_1, TK_QUIRK, TK_RP1, TK_EP_E, TK_RP2, TK_HOT,
       TK_BR, TK_C1, TK_C2, TK_C3, TK_ACPI_DEV, TK_EP_F };

/* monitor.c */
void tk_mon_reset(void);
void tk_mon_boot_done(void);
void tk_mon_check(const char *when);
void tk_mon_crash_state(void);
void tk_mon_new_entry(const struct tk_ce *c);
void tk_mon_did_alloc(int unit, u16 did, int amd_global);
void tk_mon_dma(int d, u64 iova, int what);
void tk_mon_end(void);
int tk_mon_violations(void);
const char *tk_mon_first(void);
void tk_mon_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* prod_*.c: the product's file-scope state, back to boot values */
void tk_prod_reset(void);
void tk_prod_reset_amd(void);
void tk_prod_reset_intel(void);
void tk_run_initcalls(void);
int tk_set_param(const char *name, const char *val);

/* The product's vendor entry points (amd/kdump.h, intel/kdump.h). */
struct amd_iommu;
struct intel_iommu;
#endif
