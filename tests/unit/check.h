/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test reporting shared by the unit tests: every check prints
 * "PASS <name>" or "FAIL <name>: <detail>"; tests/run.sh counts the lines.
 */
#ifndef _TEST_CHECK_H
#define _TEST_CHECK_H
#include <inttypes.h>
#include <stdio.h>

static int check_failed;

/* CHECK_EQ(name, got, want): compare two integers (as uint64_t). */
#define CHECK_EQ(name, got, want) do {					\
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);		\
	if (g_ == w_) {							\
		printf("PASS %s\n", (name));				\
	} else {							\
		printf("FAIL %s: got 0x%" PRIx64 ", want 0x%" PRIx64	\
		       " (%s:%d)\n", (name), g_, w_, __FILE__, __LINE__); \
		check_failed++;						\
	}								\
} while (0)

#define CHECK(name, cond) CHECK_EQ(name, !!(cond), 1)

#endif
