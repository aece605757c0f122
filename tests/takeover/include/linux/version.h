/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/version.h> for the takeover model: the kernel the model is of,
 * which selects the branch of drivers/iommu/kdump_compat.h the code under
 * test is compiled with. TK_612 (the 6.12 flavour, build/takeover/6.12):
 * Linux 6.12.118; else Linux 6.1.192.
 */
#ifndef _TK_LINUX_VERSION_H
#define _TK_LINUX_VERSION_H
#define KERNEL_VERSION(a, b, c)	(((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#ifdef TK_612
#define LINUX_VERSION_CODE	KERNEL_VERSION(6, 12, 118)
#else
#define LINUX_VERSION_CODE	KERNEL_VERSION(6, 1, 192)
#endif
#endif
