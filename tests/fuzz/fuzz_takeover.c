// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the takeover model and its reference monitor
 * (tests/takeover/README.md) with the input as the crashed kernel's state
 * and the event sequence. The capture kernel's takeover code runs
 * unchanged inside the model of Linux 6.1 and the IOMMU hardware; any
 * invariant the monitor finds broken (translation on, old memory never
 * written, no taken-over entry reaching capture-kernel memory, no device
 * that may still run old DMA reaching it or an identity mapping before
 * its reset, no cached domain id handed out, liveness at the end) is a
 * __builtin_trap(). A store into old RAM is a SIGSEGV (read-only).
 *
 * Input: byte 0 the configuration (bits 1:0 vendor: AMD, VT-d legacy,
 * VT-d scalable; bit 2 iommu=pt; bit 3 iommu_kdump_quiesce=1; bit 4
 * first-level translation offered (scalable); bits 6:5 both set: the
 * IOMMU initialisation fails after the takeover), byte 1 the number of
 * events (at most 63), the rest the generator's and the events' bytes.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tk_run_opts o = { 0 };

	if (size < 2)
		return 0;
	o.cfg.vendor = (data[0] & 3) % 3;
	o.cfg.pt = (data[0] >> 2) & 1;
	o.cfg.quiesce = (data[0] >> 3) & 1;
	o.cfg.ecap_fl = (data[0] >> 4) & 1;
	o.cfg.init_fails = (data[0] & 0x60) == 0x60;
	o.events = data[1] & 63;
	o.in = data + 2;
	o.len = size - 2;
	if (tk_run(&o)) {
		fprintf(stderr, "takeover monitor: %d violations; first: %s\n",
			tk_mon_violations(), tk_mon_first());
		__builtin_trap();
	}
	return 0;
}
