/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/compiler.h>: READ_ONCE()/WRITE_ONCE().
 * WRITE_ONCE() first calls test_store_hook (weak: NULL unless a test sets
 * it) with the address it is about to store to, so that a test can play
 * another CPU changing the word between the code's read and its plain
 * store (as <linux/atomic.h>'s test_cmpxchg_hook does for an exchange).
 */
#ifndef _TEST_LINUX_COMPILER_H
#define _TEST_LINUX_COMPILER_H
__attribute__((weak)) void (*test_store_hook)(void *p);
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do {						\
	if (test_store_hook)						\
		test_store_hook((void *)&(x));				\
	*(volatile __typeof__(x) *)&(x) = (v);				\
} while (0)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
