/* SPDX-License-Identifier: GPL-2.0 */
/* One run of the takeover model: run.c. */
#ifndef _TK_RUN_H
#define _TK_RUN_H
#include "sim.h"

/**
 * struct tk_run_opts - one run
 * @cfg: vendor, parameters
 * @in: bytes for the generator (and the events, without @script); past
 *	the end every byte reads 0
 * @len: their number
 * @script: events (run.c), or NULL for @events events drawn from @in
 * @events: see @script
 * @verbose: the log and every violation on stderr
 * @preset: called after the generator, before the boot: a scenario
 *	changes devices or old entries (old RAM is still writable)
 * @keep: leave the model's state for the caller to inspect (the next run
 *	starts afresh; without @keep everything is freed: the fuzzer)
 */
struct tk_run_opts {
	struct tk_cfg cfg;
	const u8 *in;
	size_t len;
	const char *script;
	int events;
	int verbose;
	void (*preset)(void);
	int keep;
};

int tk_run(const struct tk_run_opts *o);
#endif
