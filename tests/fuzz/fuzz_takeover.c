// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the takeover model (tests/takeover/) with the input
 * as its source of old device tables and events. The model's oracle
 * (engine.c: translation on, nothing reaches the crashkernel region, old
 * memory never written, no domain id allocated while it may be cached,
 * no entry replaced before every device sharing its source id was reset
 * or stopped) must see no violation; __builtin_trap() otherwise.
 *
 * Input: byte 0 bit 0 is iommu_kdump_quiesce, byte 1 the number of
 * events; the rest feeds the model (engine.c get8()).
 */
#include <stdint.h>
#include <stddef.h>

#include "../takeover/engine.c"
#include "../../drivers/iommu/kdump_ledger.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tk_opts o = { 0 };
	struct tk_result r;

	if (size < 2)
		return 0;
	o.quiesce = data[0] & 1;
	o.events = data[1];
	o.data = data + 2;
	o.len = size - 2;
	tk_run(&o, &r);
	if (r.violations)
		__builtin_trap();
	return 0;
}
