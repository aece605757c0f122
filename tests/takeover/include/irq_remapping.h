/* SPDX-License-Identifier: GPL-2.0 */
/* drivers/iommu/irq_remapping.h for the takeover model (sim.c). */
#ifndef _TK_IRQ_REMAPPING_H
#define _TK_IRQ_REMAPPING_H
#include "tk_kernel.h"

extern int irq_remapping_enabled;
#endif
