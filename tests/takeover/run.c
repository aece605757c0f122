// SPDX-License-Identifier: GPL-2.0
/*
 * One run of the takeover model (README.md), for the tests and the fuzzer:
 * the machine and the crashed kernel's state from the input bytes, the
 * capture kernel's boot, then events -- from a script or from the input --
 * each followed by the queued work items (or not yet) and a check of every
 * invariant by the monitor, and the liveness check at the end.
 *
 * Script: events separated by spaces, a letter and a device index
 * (sim.h TK_EP_A ...): b bind a driver, u unbind it, r sysfs reset, B secondary bus
 * reset of a bridge, h hot-add, i / d / a the group type through sysfs
 * (identity / DMA / auto), m one more DMA mapping of the bound driver,
 * w run the queued work items, o (6.12 model) VFIO opens and closes the
 * group of a device bound to vfio-pci (blocking domain, then default).
 */
#include "run.h"

void tk_prod_reset_core(void);
void tk_prod_reset_reset(void);
void tk_prod_reset_old_ram(void);

/** tk_prod_reset() - the code under test back to its boot state */
void tk_prod_reset(void)
{
	tk_prod_reset_core();
	tk_prod_reset_reset();
	tk_prod_reset_old_ram();
	tk_prod_reset_amd();
	tk_prod_reset_intel();
}

static void event(char op, int d)
{
	if (d < 0 || d >= tk.ndev)
		return;
	tk_printk("event %c %s", op, op == 'w' ? "" : tk.dev[d].name);
	switch (op) {
	case 'b':
		tk_bind(d);
		break;
	case 'u':
		tk_unbind(d);
		break;
	case 'r':
		tk_sysfs_reset(d);
		break;
	case 'B':
		tk_bus_reset(d);
		break;
	case 'h':
		tk_hot_add(d);
		break;
	case 'i':
		tk_set_type(d, "identity");
		break;
	case 'd':
		tk_set_type(d, "DMA");
		break;
	case 'a':
		tk_set_type(d, "auto");
		break;
	case 'm':
		tk_dma_map(d);
		break;
	case 'o':
		tk_vfio_open_close(d);
		break;
	case 'w':
		tk_run_work();
		break;
	}
}

static void settle(bool work)
{
	if (work)
		tk_run_work();
	tk_hw_observe_all();
	tk_mon_check("event");
}

/*
 * The random runs' events; on 6.12 also o (VFIO opens and closes a
 * group), which found that a claim clears attach_deferred even when the
 * gate keeps a device on the takeover's blocking entries, so that the
 * bind-time attach of a device reset later did nothing (rule L; fixed by
 * kdump_redefer_attach()).
 */
#ifdef TK_612
static const char ops[] = "bbbbrrBhidamwuo";
#else
static const char ops[] = "bbbbrrBhidamwu";
#endif

/**
 * tk_run() - one run
 * @o: its options
 *
 * Return: the number of violations the monitor saw (tk_mon_first()).
 */
int tk_run(const struct tk_run_opts *o)
{
	const char *p;
	int n;

	tk_prod_reset();
	tk_sim_init(&o->cfg);
	tk.in = o->in;
	tk.inlen = o->len;
	tk.verbose = o->verbose;
	tk_gen_machine();
	tk_gen_old_state();
	if (o->preset)
		o->preset();
	tk_boot();
	settle(true);
	if (o->script) {
		for (p = o->script; *p && !tk.oops;) {
			char op;
			int d = 0;

			while (*p == ' ')
				p++;
			if (!*p)
				break;
			op = *p++;
			while (*p >= '0' && *p <= '9')
				d = d * 10 + (*p++ - '0');
			tk.step++;
			event(op, op == 'w' ? 0 : d);
			settle(false);
		}
	} else {
		for (n = 0; n < o->events && !tk.oops; n++) {
			char op = ops[tk_in8() % (sizeof(ops) - 1)];
			int d = tk_in8() % tk.ndev;

			tk.step++;
			event(op, d);
			settle(tk_in8() % 4 != 0);
		}
	}
	tk.step++;
	settle(true);
	tk_mon_end();
	if (!o->keep) {
		tk_prod_reset();
		tk_sim_fini();
	} else {
		tk_mem_fini();
	}
	return tk_mon_violations();
}
