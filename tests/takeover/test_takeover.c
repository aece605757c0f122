// SPDX-License-Identifier: GPL-2.0
/*
 * The takeover model's test cases (README.md): named scenarios, one per
 * hole of issue 19 and per promise the reference monitor checks, then
 * random and hostile runs per vendor and mode. Every case runs in a child
 * process (a store into old RAM is a SIGSEGV there, reported as such) and
 * prints one PASS / FAIL line (tests/unit/check.h).
 *
 * A scenario starts from the generator's zero input -- every endpoint
 * with a working FLR, no old entry anywhere -- writes the old entries it
 * needs with the specifications' bit positions (48882 section 2.2.2 DTE;
 * VT-d 9.3 legacy context entry, 9.4-9.6 scalable mode), and plays a
 * script of events (run.c). It passes when the monitor saw no violation
 * and its own positive checks (the device was reset, its entry is the
 * capture kernel's, ...) hold; the monitor's self-checks pass when it
 * does see the violation a configuration is known to cause.
 */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "run.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:allow_user_segv_handler=1";
}

static const char *cur_case;
static int cur_seed = -1;

static void segv(int sig, siginfo_t *si, void *uc)
{
	char buf[300];
	int n;

	const char *what = "crash";

	/* A store into read-only old RAM: the monitor's rule O. */
	if (tk_host_in_old(si->si_addr))
		what = "O: old memory written";
#ifdef TK_612
	/* A plain store into a device table: 6.12's DTE protocol broken. */
	else if (tk_host_in_dte_guard(si->si_addr))
		what = "DTE written outside 6.12's protocol (a plain store, not one 128-bit store under its dte_lock)";
#endif
	n = snprintf(buf, sizeof(buf), "FAIL %s: %s (SIGSEGV at %p; seed %d, step %d)\n",
		     cur_case, what, si->si_addr, cur_seed, tk.step);
	if (write(1, buf, n) < 0)
		_exit(3);
	_exit(1);
}

/* Run @fn as one case in a child process. */
static void run_case(const char *name, void (*fn)(void))
{
	struct sigaction sa;
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		cur_case = name;
		{
			struct check_case c = case_begin();

			int rc;

			fn();
			rc = case_end(name, c);
			fflush(stdout);
			_exit(rc ? 1 : 0);
		}
	}
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		printf("FAIL %s: killed by signal %d\n", name, WTERMSIG(st));
	else if (WEXITSTATUS(st) > 1)
		printf("FAIL %s: exited with status %d\n", name, WEXITSTATUS(st));
	fflush(stdout);
}

/* ---- old entries, literal bit positions ---------------------------- */

/* AMD DTE word 0 (48882 2.2.2) */
#define V		(1ULL << 0)
#define TV		(1ULL << 1)
#define MODE(m)		((u64)(m) << 9)
#define IR		(1ULL << 61)
#define IW		(1ULL << 62)

static void set_dte(int seg, u16 sid, u64 w0, u64 w1)
{
	u64 base = tk.old_table[seg] + sid * 32ULL;

	tk_old_write(base, w0);
	tk_old_write(base + 8, w1);
	tk_old_write(base + 16, 0);
	tk_old_write(base + 24, 0);
}

static u64 amd_table(u16 did)
{
	return tk_gen_table(did, 0, 3, false);
}

/* A translated 6.1 DTE: Mode 3, IR, IW, DomainID @did */
static void dte_dma(int seg, u16 sid, u16 did)
{
	set_dte(seg, sid, amd_table(did) | V | TV | MODE(3) | IR | IW, did);
}

static u64 ctx_table(u16 sid, int half)
{
	u64 root = tk.old_table[0], e = *tk_phys64(root + (sid >> 8) * 16ULL + half * 8);
	u64 ctp;

	if (e & 1)
		return e & ~0xfffULL;
	ctp = tk_old_alloc(1);
	tk_old_write(root + (sid >> 8) * 16ULL + half * 8, ctp | 1);
	return ctp;
}

/* VT-d legacy context entry (9.3): P, TT, SLPTPTR; AW, DID */
static void ctx_legacy(u16 sid, unsigned int tt, u16 did)
{
	u64 ctp = ctx_table(sid, 0);
	u64 lo = 1 | (u64)tt << 2;

	if (tt != 2)
		lo |= tk_gen_table(did, 1, 4, false);
	tk_old_write(ctp + (sid & 0xff) * 16ULL, lo);
	tk_old_write(ctp + (sid & 0xff) * 16ULL + 8, 2 | (u64)did << 8);
}

/* VT-d scalable mode: context entry -> directory -> table -> PASID @pasid */
static void pasid_entry(u16 sid, u32 pasid, unsigned int pgtt, u16 did)
{
	unsigned int devfn = sid & 0xff;
	u64 ctp = ctx_table(sid, devfn >= 128), ce = ctp + (devfn & 127) * 32ULL;
	u64 dir = *tk_phys64(ce) & ~0xfffULL, tbl, pe;

	if (!(*tk_phys64(ce) & 1)) {
		dir = tk_old_alloc(1);
		tk_old_write(ce, dir | 1);	/* PDTS 0: 128 entries */
	}
	tbl = *tk_phys64(dir + (pasid >> 6) * 8);
	if (!(tbl & 1)) {
		tbl = tk_old_alloc(1);
		tk_old_write(dir + (pasid >> 6) * 8, tbl | 1);
	}
	pe = (tbl & ~0xfffULL) + (pasid & 63) * 64ULL;
	switch (pgtt) {
	case 1:	/* first level, 4 levels */
		tk_old_write(pe + 16, tk_gen_table(did, 2, 4, false));
		tk_old_write(pe, 1 | 2ULL << 2 | 1ULL << 6);
		break;
	case 2:	/* second level, AW 2 */
		tk_old_write(pe, tk_gen_table(did, 1, 4, false) | 1 | 2ULL << 2 |
				 2ULL << 6);
		break;
	case 4:	/* pass-through */
		tk_old_write(pe, 1 | 2ULL << 2 | 4ULL << 6);
		break;
	}
	tk_old_write(pe + 8, did);
}

static bool logged(int d, int ev)
{
	int i;

	for (i = 0; i < tk.nlog; i++)
		if (tk.log[i].dev == d && tk.log[i].ev == ev)
			return true;
	return false;
}

/* The capture kernel's own entry is in force for @d's requester id. */
static bool own(int d)
{
	int u = tk.cfg.vendor == TK_AMD ? tk.dev[d].seg : 0;

	return tk.unit[u].own[tk.dev[d].bus << 8 | tk.dev[d].devfn];
}

static int verbose;

static void play(int vendor, int pt, void (*preset)(void), const char *script)
{
	struct tk_run_opts o = { 0 };

	o.cfg.vendor = vendor;
	o.cfg.pt = pt;
	o.preset = preset;
	o.script = script;
	o.verbose = verbose;
	o.keep = 1;
	tk_run(&o);
}

static void clean(const char *name)
{
	char row[120];

	snprintf(row, sizeof(row), "%s/monitor", name);
	CHECK(row, tk_mon_violations() == 0);
	if (tk_mon_violations())
		printf("# %d violations; first: %s\n", tk_mon_violations(),
		       tk_mon_first());
}

/* ---- item 2: AMD DomainID 0 entries that allowed DMA -------------- */

static void p_amd_tv0(void)
{
	set_dte(0, 0x10, V, 0);	/* 00:02.0: V=1 TV=0: untranslated */
}

static void t_amd_tv0(void)
{
	play(TK_AMD, 0, p_amd_tv0, "b0");
	clean("amd-dom0-tv0");
	CHECK("amd-dom0-tv0/reset-before-own-entry", logged(TK_EP_A, TK_EV_RESET_OK));
	CHECK("amd-dom0-tv0/own-entry", own(TK_EP_A));
}

static void p_amd_mode0_iw(void)
{
	set_dte(0, 0x10, V | TV | IW, 0);	/* Mode 0, IW only */
}

static void t_amd_mode0_iw_pt(void)
{
	play(TK_AMD, 1, p_amd_mode0_iw, "b0");
	clean("amd-dom0-mode0-iw-pt");
	CHECK("amd-dom0-mode0-iw-pt/reset", logged(TK_EP_A, TK_EV_RESET_OK));
	CHECK("amd-dom0-mode0-iw-pt/own-entry", own(TK_EP_A));
}

/* ---- item 3: an FLR-capable alias sharer first only stopped -------- */

static void p_alias_sharer(void)
{
	tk.dev[TK_C2].reset = TK_RESET_NONE;	/* 03:01.0 */
	dte_dma(0, 0x0300, 3);			/* the bridge alias 03:00.0 */
	dte_dma(0, 0x0308, 3);
	dte_dma(0, 0x0310, 3);
}

static void p_alias_sharer_vtd(void)
{
	tk.dev[TK_C2].reset = TK_RESET_NONE;
	ctx_legacy(0x0300, 0, 3);
	ctx_legacy(0x0308, 0, 3);
	ctx_legacy(0x0310, 0, 3);
}

static void t_alias_sharer(void)
{
	/* 03:01.0 binds (no reset: the others stopped), then 03:02.0. */
	play(TK_AMD, 0, p_alias_sharer, "b10 b11");
	clean("alias-sharer-flr-amd");
	CHECK("alias-sharer-flr-amd/03:02.0-reset", logged(TK_C3, TK_EV_RESET_OK));
	play(TK_VTD, 0, p_alias_sharer_vtd, "b10 b11");
	clean("alias-sharer-flr-vtd");
	CHECK("alias-sharer-flr-vtd/03:02.0-reset", logged(TK_C3, TK_EV_RESET_OK));
}

/*
 * Found by the monitor: the bridge alias 03:00.0 had no old entry (its own
 * slot unused), but the two devices behind the bridge that did DMA carry
 * it. Binding 03:00.0 must not give them its domain while they still run.
 */
static void p_alias_untaken(void)
{
	if (tk.cfg.vendor == TK_AMD) {
		dte_dma(0, 0x0308, 3);
		dte_dma(0, 0x0310, 3);
	} else {
		ctx_legacy(0x0308, 0, 3);
		ctx_legacy(0x0310, 0, 3);
	}
}

/* ... and under iommu=pt, 03:01.0 without a reset, 03:00.0 identity. */
static void p_alias_untaken_pt(void)
{
	p_alias_untaken();
	tk.dev[TK_C2].reset = TK_RESET_NONE;
	tk.dev[TK_C1].needs_identity = 1;
}

static void t_alias_untaken(void)
{
	play(TK_AMD, 0, p_alias_untaken, "b9");
	clean("alias-not-taken-over-amd");
	CHECK("alias-not-taken-over-amd/sharers-stopped",
	      logged(TK_C2, TK_EV_BME_CLEAR) && logged(TK_C3, TK_EV_BME_CLEAR));
	CHECK("alias-not-taken-over-amd/own-entry", own(TK_C1));
	play(TK_VTD, 0, p_alias_untaken, "b9");
	clean("alias-not-taken-over-vtd");
	CHECK("alias-not-taken-over-vtd/own-entry", own(TK_C1));
	/* 03:01.0 bound first (stopped, never reset), then 03:00.0. */
	play(TK_AMD, 1, p_alias_untaken_pt, "b10 b9");
	clean("alias-not-taken-over-amd-pt");
	play(TK_VTD, 1, p_alias_untaken_pt, "b10 b9");
	clean("alias-not-taken-over-vtd-pt");
}

#ifdef TK_612
/*
 * Found by the 6.12 model (event o): VFIO claims the group of 00:03.0 and
 * 00:03.1 while 00:03.1, which did DMA for the crashed kernel, is neither
 * bound nor reset. The core clears its attach_deferred for the blocking
 * domain, the gate keeps the takeover's entry, and the default domain on
 * release is refused. Once 00:03.1 is reset, its domain must still come:
 * at the retirement after the reset, or at its bind.
 */
static void p_vfio_claim(void)
{
	if (tk.cfg.vendor == TK_AMD)
		dte_dma(0, 0x0019, 3);		/* 00:03.1 */
	else
		ctx_legacy(0x0019, 0, 3);
}

static void t_vfio_claim(void)
{
	play(TK_AMD, 0, p_vfio_claim, "b1 o1 r2 w b2");
	clean("vfio-claim-then-reset-amd");
	CHECK("vfio-claim-then-reset-amd/own-entry", own(TK_MF_1));
	play(TK_VTD, 0, p_vfio_claim, "b1 o1 r2 w b2");
	clean("vfio-claim-then-reset-vtd");
	CHECK("vfio-claim-then-reset-vtd/own-entry", own(TK_MF_1));
}
#endif

/* ---- item 1: a device hot-added into the capture kernel ----------- */

static void p_hot_old(void)
{
	tk.dev[TK_HOT].at_crash = 1;		/* an old VF enumerated late */
	if (tk.cfg.vendor == TK_AMD)
		dte_dma(0, 0x0200, 4);
	else
		ctx_legacy(0x0200, 0, 4);
}

static void t_hot_add(void)
{
	play(TK_AMD, 0, p_hot_old, "h7 b7");
	clean("hot-add-amd");
	CHECK("hot-add-amd/grouped", tk.dev[TK_HOT].group != NULL);
	CHECK("hot-add-amd/reset", logged(TK_HOT, TK_EV_RESET_OK));
	CHECK("hot-add-amd/own-entry", own(TK_HOT));
	play(TK_VTD, 0, p_hot_old, "h7 b7");
	clean("hot-add-vtd");
	CHECK("hot-add-vtd/reset", logged(TK_HOT, TK_EV_RESET_OK));
	CHECK("hot-add-vtd/own-entry", own(TK_HOT));
	/* A new device in a free slot: works without a reset. */
	play(TK_VTD, 1, NULL, "h7 b7");
	clean("hot-add-new-vtd-pt");
	CHECK("hot-add-new-vtd-pt/own-entry", own(TK_HOT));
}

/* ---- item 4: scalable-mode pass-through PASID entries -------------- */

static void p_sm_pt(void)
{
	pasid_entry(0x10, 0, 4, 1);
}

static void t_sm_pt(void)
{
	play(TK_VTD_SM, 0, p_sm_pt, "b0");
	clean("sm-pass-through");
	CHECK("sm-pass-through/own-entry", own(TK_EP_A));
}

/* ---- item 5: scalable-mode first-level domain ids ------------------ */

static void p_sm_fl(void)
{
	pasid_entry(0x10, 0, 1, 2);	/* first level, DID 2 */
	pasid_entry(0x18, 0, 2, 3);
}

static void t_sm_fl(void)
{
	struct tk_run_opts o = { 0 };

	/* 00:02.0 retired, then 00:03.0 and 01:00.0 get domains. */
	o.cfg.vendor = TK_VTD_SM;
	o.cfg.ecap_fl = 1;
	o.preset = p_sm_fl;
	o.script = "b0 w b1 w b5 h7 b7";
	o.verbose = verbose;
	o.keep = 1;
	tk_run(&o);
	clean("sm-first-level-did");
	CHECK("sm-first-level-did/own-entry", own(TK_EP_A));
}

/* ---- item 6: a refused identity attach ------------------------------ */

static void p_identity_refused(void)
{
	/* 00:03.0 wants identity, 00:03.1 (same group) has no reset */
	tk.dev[TK_MF_0].needs_identity = 1;
	tk.dev[TK_MF_1].reset = TK_RESET_NONE;
	if (tk.cfg.vendor == TK_AMD) {
		dte_dma(0, 0x18, 5);
		dte_dma(0, 0x19, 5);
	} else if (tk.cfg.vendor == TK_VTD_SM) {
		pasid_entry(0x18, 0, 2, 5);
		pasid_entry(0x19, 0, 2, 5);
	} else {
		ctx_legacy(0x18, 0, 5);
		ctx_legacy(0x19, 0, 5);
	}
}

static void t_identity_refused(void)
{
	play(TK_AMD, 1, p_identity_refused, "b2 m2 b1");
	clean("identity-refused-amd-pt");
	play(TK_VTD, 1, p_identity_refused, "b2 m2 b1");
	clean("identity-refused-vtd-pt");
}

/* ---- item 7: no reset at all: a translated domain once stopped ------ */

static void p_no_reset(void)
{
	tk.dev[TK_EP_A].reset = TK_RESET_NONE;
	if (tk.cfg.vendor == TK_AMD)
		dte_dma(0, 0x10, 6);
	else
		ctx_legacy(0x10, 0, 6);
}

static void t_no_reset(void)
{
	play(TK_AMD, 1, p_no_reset, "b0");
	clean("no-reset-translated-amd-pt");
	CHECK("no-reset-translated-amd-pt/stopped", logged(TK_EP_A, TK_EV_BME_CLEAR));
	CHECK("no-reset-translated-amd-pt/own-translated", own(TK_EP_A) &&
	      tk.dev[TK_EP_A].group->domain->dom.type == IOMMU_DOMAIN_DMA);
	play(TK_VTD, 1, p_no_reset, "b0");
	clean("no-reset-translated-vtd-pt");
	CHECK("no-reset-translated-vtd-pt/own-translated", own(TK_EP_A) &&
	      tk.dev[TK_EP_A].group->domain->dom.type == IOMMU_DOMAIN_DMA);
}

/* ---- minor items ---------------------------------------------------- */

/* IVRS alias on another bus, shared by 01:00.0 and 02:00.0 */
static void p_ivrs(void)
{
	tk.dev[TK_EP_E].ivrs_alias = 0x00a4;
	tk.dev[TK_HOT].ivrs_alias = 0x00a4;
	tk.dev[TK_HOT].at_boot = 1;
	tk.dev[TK_HOT].at_crash = 1;
	dte_dma(0, 0x00a4, 7);
	dte_dma(0, 0x0100, 7);
	dte_dma(0, 0x0200, 7);
}

static void t_ivrs(void)
{
	play(TK_AMD, 0, p_ivrs, "b5");
	clean("amd-ivrs-alias-other-bus");
}

/* The probe-time clone of a quirk alias releases the alias's old id. */
static void p_clone(void)
{
	dte_dma(0, 0x20, 2);	/* 00:04.0 */
	dte_dma(0, 0x21, 1);	/* its quirk alias 00:04.1: id 1 alone */
}

static void t_clone(void)
{
	play(TK_AMD, 0, p_clone, "w h7");
	clean("amd-probe-clone-flushed");
}

/*
 * One domain id allocator for every AMD-Vi segment: an old id used in both
 * is released only once neither uses it (the lowest id, 1: the next one
 * handed out).
 */
static void p_did_two_segments(void)
{
	dte_dma(0, 0x10, 1);	/* 00:02.0 */
	dte_dma(1, 0x28, 1);	/* 1:00:05.0 */
}

static void t_did_two_segments(void)
{
	play(TK_AMD, 0, p_did_two_segments, "b0 w h7 w i4");
	clean("amd-did-shared-by-segments");
	CHECK("amd-did-shared-by-segments/own-entry", own(TK_EP_A));
}

/* A device that is not PCI: AMD ACPI HID, VT-d ANDD */
static void p_acpi(void)
{
	if (tk.cfg.vendor == TK_AMD)
		dte_dma(0, 0xa5, 8);
	else
		ctx_legacy(0xa5, 0, 8);
}

static void t_acpi(void)
{
	play(TK_AMD, 0, p_acpi, "b12 m12");
	clean("non-pci-amd");
	play(TK_VTD, 0, p_acpi, "b12 m12");
	clean("non-pci-vtd");
}

/* sysfs group type to identity after a bus-master-off mark */
static void t_type_identity(void)
{
	play(TK_AMD, 0, p_no_reset, "b0 u0 i0 b0");
	clean("type-identity-after-stop-amd");
	play(TK_VTD, 0, p_no_reset, "b0 u0 i0 b0");
	clean("type-identity-after-stop-vtd");
}

/* CONFIG_INTEL_IOMMU_DEFAULT_OFF in the capture kernel */
static void t_default_off(void)
{
	struct tk_run_opts o = { 0 };

	o.cfg.vendor = TK_VTD;
	o.cfg.default_off = 1;
	o.preset = p_no_reset;
	o.script = "b0";
	o.verbose = verbose;
	o.keep = 1;
	tk_run(&o);
	clean("vtd-default-off");
	CHECK("vtd-default-off/taken-over", tk.unit[0].installed);
}

/*
 * The model of Linux 6.1 (sim.c) mirrors the hook patches: each hook it
 * assumes must be in the series of 6.1 (patches/6.1), on an added line. A
 * patch that drops or moves one makes this case fail, and the model must
 * follow. The 6.12 series (patches/6.12) must carry the same hooks, but
 * for the one 6.12's IOMMU core makes unneeded (only 1: the deferred
 * attach of iommu_probe_device(), patches/README.md), and 6.12's own
 * (only 2: the blocking domains), which the 6.12 flavour of sim.c
 * mirrors.
 */
static void __attribute__((unused)) t_series(void)
{
	static const struct {
		const char *patch, *line;
		int only;	/* 1: 6.1 only, 2: 6.12 only */
	} hooks[] = {
		{ "0005", "iommu_kdump_pci_reset_done(dev,", 0 },
		{ "0005", "iommu_kdump_pci_bus_reset_done(dev);", 0 },
		{ "0006", "amd_iommu_kdump_copy(iommu)", 0 },
		{ "0006", "amd_iommu_kdump_dte_cloned(iommu, devid, alias);", 0 },
		{ "0006", "amd_iommu_kdump_dte_written(iommu, devid);", 0 },
		{ "0006", "void amd_iommu_kdump_free_domid(", 0 },
		{ "0006", "void amd_iommu_kdump_flush_dte(", 0 },
		{ "0007", "intel_iommu_kdump_copy(iommu,", 0 },
		{ "0007", "intel_iommu_kdump_ctx_written(iommu, bus, devfn);", 0 },
		{ "0008", "!amd_iommu_kdump_any_pre_enabled()", 0 },
		{ "0008", "amd_iommu_kdump_installed(iommu);", 0 },
		{ "0008", "amd_iommu_kdump_keep_translation()", 0 },
		{ "0009", "intel_iommu_kdump_keep(iommu)", 0 },
		{ "0009", "intel_iommu_kdump_block_all(iommu)", 0 },
		{ "0009", "intel_iommu_kdump_force_on()", 0 },
		{ "0009", "intel_iommu_kdump_check_irt(", 0 },
		{ "0010", "ret = iommu_kdump_attach_gate(dev, dom);", 0 },
		{ "0010", "ret = iommu_kdump_attach_gate(dev, domain);", 0 },
		{ "0010", "!iommu_is_attach_deferred(dev)) {", 1 },
		{ "0010", "type = iommu_kdump_def_domain_type(dev);", 0 },
		/* 6.12's blocking domains (sim.c amd/vtd_block_attach()) */
		{ "0010", "if (iommu_kdump_attach_gate(dev, domain))", 2 },
		{ "0010", "kdump: device_block_translation() leaves a taken-over context", 2 },
		/* 6.12 scalable mode (sim.c vtd_probe(), vtd_attach()) */
		{ "0010", "!intel_iommu_kdump_sm_at_attach(iommu)) {", 2 },
		{ "0010", "    (intel_iommu_kdump_sm_attach(iommu, dev) ||", 2 },
		{ "0010", "if (intel_iommu_kdump_sm_attach(iommu, dev) ||", 2 },
	};
	static const char *const kvers[] = { "6.1", "6.12" };
	char cmd[512], row[160];
	unsigned int i, k;

	for (k = 0; k < ARRAY_SIZE(kvers); k++) {
		for (i = 0; i < ARRAY_SIZE(hooks); i++) {
			if (hooks[i].only && hooks[i].only != (int)k + 1)
				continue;
			snprintf(cmd, sizeof(cmd),
				 "grep -qF -- '%s' $(ls %s/patches/%s/%s-*.patch) && grep -F -- '%s' %s/patches/%s/%s-*.patch | grep -q '^+'",
				 hooks[i].line, TK_TOP, kvers[k], hooks[i].patch,
				 hooks[i].line, TK_TOP, kvers[k], hooks[i].patch);
			snprintf(row, sizeof(row), "series/%s/%s/%s", kvers[k],
				 hooks[i].patch, hooks[i].line);
			CHECK(row, system(cmd) == 0);
		}
	}
}

/* ---- AMD device table sizes of 6.1 and 6.12 ------------------------ */

/*
 * The crashed kernel was a 6.12 on a CPU of family 17h-1Ah: its device
 * table has 2 MiB (Size 1FFh); the capture kernel sizes its own by the
 * last DeviceID. The same DTEs, in the larger table.
 */
static void p_devtab_old_2m(void)
{
	u64 big = tk_old_alloc(512), off;

	for (off = 0; off < TK_AMD_SIDS * 32ULL; off += 8)
		tk_old_write(big + off, *tk_phys64(tk.old_table[0] + off));
	tk.unit[0].regs[0] = big | 0x1ff;
	tk.unit[0].table = big;
	tk.old_table[0] = big;
	tk.old_reg[0] = tk.unit[0].regs[0];
	dte_dma(0, 0x10, 6);
}

/*
 * The crashed kernel sized its table by the last DeviceID, the capture
 * kernel (6.12 on family 17h-1Ah) programs 2 MiB.
 */
static void p_devtab_new_2m(void)
{
	tk.cfg.amd_devtab_2m = 1;
	dte_dma(0, 0x10, 6);
}

/* Is 00:02.0's DTE in force the crashed kernel's, copied? */
static bool dte_copied(void)
{
	u64 *now = tk_phys64(tk.unit[0].table + 0x10 * 32);
	u64 *old = tk_phys64(tk.old_table[0] + 0x10 * 32);

	return now && old && now[0] == old[0] && (now[1] & 0xffff) == 6;
}

/*
 * A table size of the other kernel is no corruption: the DTEs are copied
 * (translation goes on through the old domain until the device is reset),
 * not all blocked as for an unusable table; the monitor's rules hold.
 */
static void t_devtab_sizes(void)
{
	play(TK_AMD, 0, p_devtab_old_2m, "");
	clean("devtab-old-2m");
	CHECK("devtab-old-2m/copied", dte_copied());
	play(TK_AMD, 0, p_devtab_old_2m, "b0");
	clean("devtab-old-2m-bind");
	CHECK("devtab-old-2m-bind/own-entry", own(TK_EP_A));
	play(TK_AMD, 0, p_devtab_new_2m, "");
	clean("devtab-new-2m");
	CHECK("devtab-new-2m/copied", dte_copied());
	play(TK_AMD, 0, p_devtab_new_2m, "b0");
	clean("devtab-new-2m-bind");
	CHECK("devtab-new-2m-bind/own-entry", own(TK_EP_A));
}

/* ---- Linux 6.12: blocking domains --------------------------------- */

/* 00:03.0 and 00:03.1 (one group) both translated by the crashed kernel */
static void p_vfio_group(void)
{
	if (tk.cfg.vendor == TK_AMD) {
		dte_dma(0, 0x18, 5);
		dte_dma(0, 0x19, 5);
	} else {
		ctx_legacy(0x18, 0, 5);
		ctx_legacy(0x19, 0, 5);
	}
}

/*
 * 00:03.1 bound to vfio-pci (reset at its bind), then VFIO opens and
 * closes the group: 6.12 attaches the group's blocking domain to every
 * device, 00:03.0 (no driver, never reset, Bus Master Enable still on)
 * included, then the default domain again. The blocking attach must not
 * retire 00:03.0's taken-over entry: the default domain that follows
 * would reach it as a translated domain without any quiesce (rule D).
 */
static void __attribute__((unused)) t_vfio_blocking(void)
{
	play(TK_AMD, 0, p_vfio_group, "b2 o2");
	clean("vfio-blocking-amd");
	CHECK("vfio-blocking-amd/not-reset", !logged(TK_MF_0, TK_EV_RESET_OK));
	play(TK_VTD, 0, p_vfio_group, "b2 o2");
	clean("vfio-blocking-vtd");
}

/*
 * 6.12's core lets IDENTITY win a group's type conflict, also without
 * iommu=pt (6.1: the global default, translated): 00:03.0 wants
 * identity, 00:03.1 (no reset) a translated domain for the takeover. The
 * group gets identity; the attach of 00:03.1 must be refused and its
 * copied entry blocked, never replaced by identity (rule D), whatever
 * order the two bind in.
 */
static void __attribute__((unused)) t_identity_conflict(void)
{
	static const char *const scripts[] = { "b2 m2 b1 m1", "b1 m1 b2 m2" };
	static const int vendors[] = { TK_AMD, TK_VTD, TK_VTD_SM };
	unsigned int v, k;
	char row[80];

	for (v = 0; v < ARRAY_SIZE(vendors); v++) {
		for (k = 0; k < ARRAY_SIZE(scripts); k++) {
			play(vendors[v], 0, p_identity_refused, scripts[k]);
			snprintf(row, sizeof(row), "identity-conflict-%d-%u", v, k);
			clean(row);
			snprintf(row, sizeof(row), "identity-conflict-%d-%u/identity-won", v, k);
			CHECK(row, tk.dev[TK_MF_1].group->domain->dom.type ==
			      IOMMU_DOMAIN_IDENTITY);
			snprintf(row, sizeof(row), "identity-conflict-%d-%u/no-reset-blocked", v, k);
			CHECK(row, !own(TK_MF_1));
		}
	}
}

/*
 * 6.12's DTE protocol: the takeover's blocking DTE (a refused attach:
 * 00:03.1, no reset, under iommu=pt) is one 128-bit store under the
 * DeviceID's dte_lock, which clone_alias() holds while it copies a DTE
 * there (update_dte256()). The model write-protects the installed device
 * tables (sim.c): a plain store is a SIGSEGV named in the FAIL line.
 */
static void __attribute__((unused)) t_amd_dte_protocol(void)
{
	play(TK_AMD, 1, p_identity_refused, "b2 m2 b1");
	clean("amd-dte-protocol");
#ifdef TK_612
	CHECK("amd-dte-protocol/blocking-dte-stored", tk_dte_stores > 0);
	CHECK("amd-dte-protocol/under-dte-lock", tk_dte_unlocked == 0);
#endif
	CHECK("amd-dte-protocol/no-reset-blocked", !own(TK_MF_1));
}

/*
 * VT-d scalable mode on 6.12: the context entries a device's DMA carries.
 * (1) 00:02.0's own entry copied (second level), iommu=pt: its identity
 * attach (after its reset) must replace the copied context entry, or the
 * device stays on the crashed kernel's PASID table (rule L, and its
 * dma-direct addresses through the old tables). (2) 00:04.0's quirk alias
 * 00:04.1 copied, its own entry not: its probe must not replace the
 * alias's entry (no gate there), its attach after its reset does. (3)
 * 03:01.0 behind the PCIe-to-PCI bridge: 6.12 never sets up the bridge
 * alias 03:00.0; its copied entry must not translate the capture
 * kernel's DMA of the device (rule O).
 */
static void p_sm_own(void)
{
	pasid_entry(0x10, 0, 2, 6);
}

static void p_sm_quirk(void)
{
	pasid_entry(0x21, 0, 2, 7);
}

static void p_sm_bridge(void)
{
	pasid_entry(0x0300, 0, 2, 3);
	pasid_entry(0x0308, 0, 2, 3);
}

static void __attribute__((unused)) t_sm_ctx(void)
{
	play(TK_VTD_SM, 1, p_sm_own, "b0 m0");
	clean("sm-identity-copied-ctx");
	CHECK("sm-identity-copied-ctx/identity",
	      tk.dev[TK_EP_A].group->domain->dom.type == IOMMU_DOMAIN_IDENTITY);
	CHECK("sm-identity-copied-ctx/own-entry", own(TK_EP_A));
	play(TK_VTD_SM, 0, p_sm_quirk, "");
	clean("sm-quirk-alias-probe");
	CHECK("sm-quirk-alias-probe/alias-kept", !tk.unit[0].own[0x21]);
	play(TK_VTD_SM, 0, p_sm_quirk, "b3 m3");
	clean("sm-quirk-alias-attach");
	CHECK("sm-quirk-alias-attach/reset", logged(TK_QUIRK, TK_EV_RESET_OK));
	CHECK("sm-quirk-alias-attach/alias-own", tk.unit[0].own[0x21]);
	play(TK_VTD_SM, 0, p_sm_bridge, "b10 m10");
	clean("sm-bridge-alias");
}

/* ---- the monitor's own power ---------------------------------------- */

static void t_self_attach(void)
{
	struct tk_run_opts o = { 0 };

	/* iommu_kdump_retire=attach is Linux 6.1: no reset before attach. */
	o.cfg.vendor = TK_AMD;
	o.cfg.retire_attach = 1;
	o.preset = p_alias_sharer;
	o.script = "m9 b9";
	tk_run(&o);
	CHECK("monitor-sees-6.1-attach/violation", tk_mon_violations() > 0 &&
	      !strncmp(strstr(tk_mon_first(), ": ") + 2, "D:", 2));
}

static void t_self_off(void)
{
	struct tk_run_opts o = { 0 };

	/* intel_iommu=off: the user's choice turns translation off. */
	o.cfg.vendor = TK_VTD;
	o.cfg.intel_off = 1;
	o.preset = p_no_reset;
	tk_run(&o);
	CHECK("monitor-sees-translation-off/violation", tk_mon_violations() > 0 &&
	      strstr(tk_mon_first(), "T: "));
}

/* ---- random and hostile runs ---------------------------------------- */

static const char *only;
static struct tk_cfg batch_cfg;
static int batch_runs;
static int batch_from;		/* the first run's number (replay()) */

static void t_batch(void)
{
	static u8 buf[4096];
	struct tk_run_opts o = { 0 };
	int r, bad = 0;
	unsigned int x, i;

	for (r = getenv("TK_ONE_RUN") ? atoi(getenv("TK_ONE_RUN")) : batch_from;
	     r < batch_runs; r++) {
		x = 0x9e3779b9u * (r + 1) ^ (batch_cfg.vendor << 16 |
					     batch_cfg.pt << 8 | batch_cfg.quiesce);
		for (i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x;
		}
		cur_seed = r;
		o.cfg = batch_cfg;
		o.in = buf;
		o.len = sizeof(buf);
		o.events = 40;
		o.verbose = verbose;
		if (tk_run(&o) && bad++ < 3)
			printf("# run %d: %d violations; first: %s\n", r,
			       tk_mon_violations(), tk_mon_first());
		if (getenv("TK_ONE_RUN"))
			break;
	}
	CHECK("runs-without-violation", bad == 0);
	if (bad)
		printf("# %d of %d runs broke an invariant\n", bad, batch_runs);
}

/*
 * The name of a case in this flavour: the 6.12 model's cases are
 * "takeover-6.12-..." (both flavours report into one group).
 */
static const char *kv(const char *name)
{
#ifdef TK_612
	static char buf[64][96];
	static int k;
	char *b = buf[k++ % 64];

	snprintf(b, sizeof(buf[0]), "takeover-6.12-%s",
		 name + strlen("takeover-"));
	return b;
#else
	return name;
#endif
}

static void batch(const char *name, int vendor, int pt, int quiesce,
		  int extra, int runs)
{
	name = kv(name);
	if (only && strcmp(name, only))
		return;
	memset(&batch_cfg, 0, sizeof(batch_cfg));
	batch_cfg.vendor = vendor;
	batch_cfg.pt = pt;
	batch_cfg.quiesce = quiesce;
	if (extra == 1)
		batch_cfg.init_fails = 1;
	if (extra == 2)
		batch_cfg.ecap_fl = 1;
	batch_runs = runs;
	run_case(name, t_batch);
}

#ifdef TK_612
/*
 * One run of a random batch, kept as a case of its own: a finding of the
 * random runs, replayed (the same input bytes as run @seed of the batch
 * of that vendor, pt and quiesce).
 */
static void replay(const char *name, int vendor, int pt, int quiesce, int seed)
{
	batch_from = seed;
	batch(name, vendor, pt, quiesce, 0, seed + 1);
	batch_from = 0;
}
#endif

int main(int argc, char **argv)
{
	int runs = getenv("TK_RUNS") ? atoi(getenv("TK_RUNS")) : 60;
	only = argc > 1 ? argv[1] : NULL;

	verbose = getenv("TK_VERBOSE") != NULL;
#define CASE(n, f) do {						\
		const char *kn = kv(n);					\
		if (!only || strstr(kn, only))				\
			run_case(kn, f);				\
	} while (0)
#ifndef TK_612	/* it checks the series of both bases */
	CASE("takeover-model-hooks-in-series", t_series);
#endif
	CASE("takeover-amd-dom0-entries", t_amd_tv0);
	CASE("takeover-amd-dom0-mode0-iw-pt", t_amd_mode0_iw_pt);
	CASE("takeover-alias-sharer-reset-at-bind", t_alias_sharer);
	CASE("takeover-shared-alias-not-taken-over", t_alias_untaken);
	CASE("takeover-hot-add", t_hot_add);
#ifdef TK_612
	CASE("takeover-vfio-claim-then-reset", t_vfio_claim);
	/*
	 * Run 266 of takeover-6.12-random-amd-quiesce: VFIO closes the group
	 * of the PCIe-to-PCI bridge while 03:00.0 behind it (its reset
	 * failed) may still run old DMA; its alias 03:00.0 was retired, to
	 * a blocking entry, and the default domain must not replace that.
	 */
	replay("takeover-vfio-close-retired-alias", TK_AMD, 0, 1, 266);
	/*
	 * Run 132 of takeover-6.12-random-vtd: VFIO claims and releases the
	 * group of the PCIe-to-PCI bridge while a device behind it still
	 * runs old DMA through the shared alias 03:00.0. The gate refuses
	 * the default domain of 03:02.0 at the release (the core counts
	 * the blocking domain it falls back to as attached); once the alias
	 * is clear, 03:02.0's bind must still attach its domain.
	 */
	replay("takeover-vfio-refused-release-then-bind", TK_VTD, 0, 0, 132);
#endif
	CASE("takeover-sm-pass-through", t_sm_pt);
	CASE("takeover-sm-first-level-did", t_sm_fl);
	CASE("takeover-identity-refused-blocks", t_identity_refused);
	CASE("takeover-no-reset-translated", t_no_reset);
	CASE("takeover-amd-ivrs-alias", t_ivrs);
	CASE("takeover-amd-probe-clone", t_clone);
	CASE("takeover-amd-did-shared-by-segments", t_did_two_segments);
	CASE("takeover-non-pci-device", t_acpi);
	CASE("takeover-type-identity-after-stop", t_type_identity);
	CASE("takeover-vtd-default-off", t_default_off);
	CASE("takeover-amd-devtab-size-of-other-kernel", t_devtab_sizes);
#ifdef TK_612
	CASE("takeover-vfio-blocking-domain", t_vfio_blocking);
	CASE("takeover-identity-wins-group-conflict", t_identity_conflict);
	CASE("takeover-amd-dte-protocol", t_amd_dte_protocol);
	CASE("takeover-sm-context-entries", t_sm_ctx);
#endif
	CASE("takeover-monitor-sees-6.1-attach", t_self_attach);
	CASE("takeover-monitor-sees-translation-off", t_self_off);
	batch("takeover-random-amd", TK_AMD, 0, 0, 0, runs);
	batch("takeover-random-amd-pt", TK_AMD, 1, 0, 0, runs);
	batch("takeover-random-amd-quiesce", TK_AMD, 0, 1, 0, runs);
	batch("takeover-random-vtd", TK_VTD, 0, 0, 0, runs);
	batch("takeover-random-vtd-pt", TK_VTD, 1, 0, 0, runs);
	batch("takeover-random-vtd-quiesce", TK_VTD, 0, 1, 0, runs);
	batch("takeover-random-vtd-sm", TK_VTD_SM, 0, 0, 0, runs);
	batch("takeover-random-vtd-sm-pt", TK_VTD_SM, 1, 0, 0, runs);
	batch("takeover-random-vtd-sm-fl", TK_VTD_SM, 0, 0, 2, runs);
	batch("takeover-random-vtd-sm-quiesce", TK_VTD_SM, 0, 1, 0, runs);
	batch("takeover-random-init-fails-amd", TK_AMD, 0, 0, 1, runs / 4);
	batch("takeover-random-init-fails-vtd", TK_VTD, 0, 0, 1, runs / 4);
	return 0;
}
