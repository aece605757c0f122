/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/atomic.h>: cmpxchg64() only, with a hook
 * that lets a test play another CPU changing the word just before the
 * exchange (test_cmpxchg_hook, weak: NULL unless a test sets it).
 */
#ifndef _TEST_LINUX_ATOMIC_H
#define _TEST_LINUX_ATOMIC_H
#include <linux/types.h>

__attribute__((weak)) void (*test_cmpxchg_hook)(u64 *p);

static inline u64 test_cmpxchg64(u64 *p, u64 old, u64 new)
{
	if (test_cmpxchg_hook)
		test_cmpxchg_hook(p);
	return __sync_val_compare_and_swap(p, old, new);
}

#define cmpxchg64(p, o, n) test_cmpxchg64((p), (o), (n))
#endif
