/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/types.h>, so that the pure (kernel-free)
 * parts of the quiesce can be compiled into the unit tests and benchmarks.
 */
#ifndef _TEST_LINUX_TYPES_H
#define _TEST_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint64_t phys_addr_t;
#define __iomem
#define __aligned(x) __attribute__((aligned(x)))
#endif
