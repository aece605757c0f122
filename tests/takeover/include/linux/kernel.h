/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/kernel.h> for the takeover model: what kdump_ledger.c uses. */
#ifndef _TEST_LINUX_KERNEL_H
#define _TEST_LINUX_KERNEL_H
#include <stdio.h>
#include <linux/types.h>
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#endif
