/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cdq_decode: helpers shared by the table walks of cdq_decode.c and
 * cdq_decode_sm.c. Not part of the interface (cdq_decode.h).
 */
#ifndef CDQ_DECODE_INT_H
#define CDQ_DECODE_INT_H

#include "cdq_decode.h"

/* Read @len bytes at @phys, in pieces that do not cross 4 KiB. */
int cdq_mem_read(const struct cdq_mem *mem, uint64_t phys, uint8_t *buf,
		 size_t len);
/* Append @d to @out->devs (capacity *@cap) and count its write permission. */
int cdq_push_dev(struct cdq_iommu *out, size_t *cap, const struct cdq_dev *d);
/* Record source ids [@first, @last] as not decodable (@err). */
int cdq_push_absent(struct cdq_iommu *out, size_t *cap, uint16_t first,
		    uint16_t last, int err);
/* Source ids in [@first, @last] set in the changed bitmap @map. */
uint32_t cdq_count_changed(const uint64_t *map, uint32_t first, uint32_t last);

#endif /* CDQ_DECODE_INT_H */
