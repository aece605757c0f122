/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drivers/iommu/iommu-pages.h of Linux 6.12 for the takeover model (the
 * 6.12 branch of kdump_compat.h): the IOMMU's own page allocator, here
 * the model's pages (kapi.c).
 */
#ifndef _TK_IOMMU_PAGES_H
#define _TK_IOMMU_PAGES_H
#include "tk_kernel.h"

void *alloc_pgtable_page(int node);
void free_pgtable_page(void *p);

static inline void *iommu_alloc_page_node(int nid, int gfp)
{
	return alloc_pgtable_page(nid);
}

static inline void iommu_free_page(void *virt)
{
	free_pgtable_page(virt);
}

static inline void *iommu_alloc_pages(int gfp, int order)
{
	return (void *)__get_free_pages(gfp | __GFP_ZERO, order);
}

static inline void iommu_free_pages(void *virt, int order)
{
	free_pages((unsigned long)virt, order);
}
#endif
