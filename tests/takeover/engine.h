/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The takeover model (tests/takeover/README.md): a machine with two AMD-Vi
 * PCI segments whose crashed kernel left hostile device tables, PCI devices
 * with DMA aliases, and a capture kernel made of the kernel's own decision
 * code (drivers/iommu/amd/kdump_hw.h amd_kd_dte_take(),
 * drivers/iommu/kdump_ledger.c) plus a model of Linux 6.1's glue; and an
 * oracle that re-derives from the AMD IOMMU specification what each
 * installed entry lets a device do.
 */
#ifndef _TAKEOVER_ENGINE_H
#define _TAKEOVER_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* The model's physical memory map (independent of the code under test). */
#define TK_PHYS_BITS	40
#define TK_OLD1_START	0x00100000ULL	/* crashed kernel's RAM */
#define TK_OLD1_END	0x20000000ULL
#define TK_CK_START	0x20000000ULL	/* crashkernel: capture kernel's RAM */
#define TK_CK_END	0x30000000ULL
#define TK_OLD2_START	0x30000000ULL
#define TK_OLD2_END	0x40000000ULL

#define TK_SEGS		2
#define TK_SIDS		512	/* DeviceIDs per segment (buses 0-1) */
#define TK_MAX_DEVS	32

/**
 * struct tk_opts - one run
 * @data: bytes that decide the old tables and the events (a fuzzer's
 *	input or a PRNG's output); past the end every byte reads 0
 * @len: their number
 * @quiesce: iommu_kdump_quiesce=1
 * @events: how many reset / bind / DMA-map events to play
 * @verbose: print every violation (else only the first)
 * @pt: iommu=pt in the capture kernel: identity default domains, except
 *	for groups with a device without a reset method still in the
 *	crashed kernel's hands
 */
struct tk_opts {
	const uint8_t *data;
	size_t len;
	int quiesce;
	int events;
	int verbose;
	int pt;
};

/**
 * struct tk_result - what the oracle saw
 * @violations: broken promises (0: none)
 * @first: the first one, in words
 * @copied: entries taken over as copied
 * @rejected: entries rejected
 * @empty: V=0 entries blocked
 * @replaced: taken-over entries replaced by the capture kernel
 * @kept: attaches refused because an entry was not clear
 * @released: old domain ids given back to the allocator
 * @allocated: new domain ids allocated
 */
struct tk_result {
	int violations;
	char first[200];
	int copied;
	int rejected;
	int empty;
	int replaced;
	int kept;
	int released;
	int allocated;
};

void tk_run(const struct tk_opts *o, struct tk_result *r);

/* Hand-made old state, for the named scenarios (write before tk_run). */
struct tk_preset {
	int used;
	uint64_t dte[TK_SEGS][TK_SIDS][4];
	int set[TK_SEGS][TK_SIDS];
	/* events: 'r' reset, 'b' bind, 'm' DMA map, then a device index */
	const char *script;
	/* where the domain id allocator starts looking */
	unsigned int alloc_from;
};

extern struct tk_preset tk_preset;

#endif /* _TAKEOVER_ENGINE_H */
