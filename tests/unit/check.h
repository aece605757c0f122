/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test reporting shared by the C tests (unit, model, inspect).
 *
 * Two levels, as tests/run.sh counts them:
 *  - a check (one assertion) prints a row, "ok <name>" or
 *    "not ok <name>: <detail>"; rows stay in the logs;
 *  - a test case (one test function, or one model scenario) prints one
 *    counted line, "PASS <case>" or "FAIL <case>: <detail>", from
 *    RUN_CASE() or case_end(). A case that ran no check fails: a test
 *    that asserts nothing cannot fail.
 */
#ifndef _TEST_CHECK_H
#define _TEST_CHECK_H
#include <inttypes.h>
#include <stdio.h>

/*
 * Shared by every object of a test program (weak: each file that includes
 * this header defines them, the linker keeps one).
 */
__attribute__((weak)) int check_failed;	/* failed checks since start */
__attribute__((weak)) int check_count;	/* checks since start */
__attribute__((weak)) char check_first[200]; /* first failed check of the case */

/* CHECK_EQ(name, got, want): compare two integers (as uint64_t). */
#define CHECK_EQ(name, got, want) do {					\
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);		\
	check_count++;							\
	if (g_ == w_) {							\
		printf("ok %s\n", (name));				\
	} else {							\
		printf("not ok %s: got 0x%" PRIx64 ", want 0x%" PRIx64	\
		       " (%s:%d)\n", (name), g_, w_, __FILE__, __LINE__); \
		if (!check_first[0])					\
			snprintf(check_first, sizeof(check_first),	\
				 "%s: got 0x%" PRIx64 ", want 0x%" PRIx64, \
				 (name), g_, w_);			\
		check_failed++;						\
	}								\
} while (0)

#define CHECK(name, cond) CHECK_EQ(name, !!(cond), 1)

/**
 * struct check_case - counters at the start of a test case
 * @failed: check_failed then
 * @count: check_count then
 */
struct check_case {
	int failed;
	int count;
};

static inline __attribute__((unused)) struct check_case case_begin(void)
{
	struct check_case c = { check_failed, check_count };

	check_first[0] = '\0';
	return c;
}

/*
 * case_end() - print the case line of @name: PASS when it ran at least one
 * check and none failed. Returns 1 when the case failed, else 0.
 */
static inline __attribute__((unused)) int case_end(const char *name,
						   struct check_case c)
{
	int failed = check_failed - c.failed, count = check_count - c.count;

	fflush(stderr);
	if (!count) {
		printf("FAIL %s: no check ran\n", name);
		return 1;
	}
	if (failed) {
		printf("FAIL %s: %d of %d checks failed; first: %s\n", name,
		       failed, count, check_first);
		return 1;
	}
	printf("PASS %s (%d checks)\n", name, count);
	return 0;
}

/* RUN_CASE(name, stmt): run @stmt (a call) as one test case named @name. */
#define RUN_CASE(name, stmt) do {					\
	struct check_case c_ = case_begin();				\
	stmt;								\
	case_end((name), c_);						\
} while (0)

#endif
