/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/types.h> for the takeover model: the x86-64 kernel's own u64
 * (unsigned long long), so that the kernel's printk formats compile.
 */
#ifndef _TEST_LINUX_TYPES_H
#define _TEST_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int32_t s32;
typedef long long s64;
typedef u64 phys_addr_t;
#define __iomem
#define __aligned(x) __attribute__((aligned(x)))
#endif
