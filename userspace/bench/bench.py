#!/usr/bin/env python3
"""make bench: the crash path's cost, on synthetic tables and in the guest.

1. walk_bench (userspace/bench/walk_bench.c, -O2): the kernel's AMD-Vi
   (a 2 MiB device table, 65536 DTEs), VT-d legacy and VT-d scalable-mode
   table walks over full-size synthetic tables against an atomic scan of
   the same memory (every entry read, one compare-and-exchange per entry
   the walk changes) and a plain read-and-write scan; ns per entry, the
   ratios measured in the same run, the compare-and-exchange counts, the
   table maps (VT-d) and the invalidation commands each variant issues.
2. In the lab guest, per vendor, from lab runs (userspace/lab/run.sh, kernel
   frozen once as in make compare, the e1000e receiving across the crash),
   interleaved: BENCH_RUNS rounds, each one run of every configuration in
   turn, so that a change in host speed hits them alike:
     stock       crash_dma_quiesce=off (the kernel of KVER, 6.1 or 6.12)
     late        crash_dma_quiesce=write crash_dma_quiesce_early=0 (the
                 quiesce after the other CPUs are stopped only)
     quiesce     crash_dma_quiesce=write (early pass at panic entry too)
     both        quiesce, and the capture kernel's takeover with
                 iommu_kdump_retire=reset
   Per run (labtrace.analyze):
   - the post-panic window on QEMU's clock: from the trigger's last console
     line to the crash path's first completed invalidation (its tagged
     COMPLETION_WAIT / wait descriptor in the QEMU trace), and the e1000e
     frames that landed in RAM after the trigger, after the panic line and
     after that invalidation;
   - trigger -> "LAB: capture done" on QEMU's clock, whose ratios to the
     same round's stock run give the capture's cost (mean and min-max over
     the rounds);
   - the resets retirement performs at driver bind (capture kernel lines
     "iommu kdump: reset in N us"): count and total time. Every run has
     an NVMe controller (LAB_NVME=1; BENCH_NVME=0 leaves it out), QEMU's
     device with Function Level Reset, which the capture kernel's
     retirement resets by FLR when the nvme driver binds;
   - the crash path's time after the stop from its record in the dump.
   Then one run per vendor with the first kernel in pass-through mode
   (MODE=pt) beside one translated, both with the edu DMA armed: the
   crash path's time after the stop from the record, and on QEMU's clock
   the IOMMU traffic of each pass (tests/lab/crash_bracket.py: the early
   pass and the pass after the stop, counted by event; VT-d
   vtd_switch_address_space is QEMU rebuilding a device's address space),
   to tell guest work from the emulator's.
   Stock 6.1 copying against the capture-kernel takeover: the QEMU-timed
   window from the capture kernel's first to its last access to the
   IOMMU's table-base register, from the stock and both runs.
Figures go to stdout and to RESULTS/bench-<time>/bench.json. No pass/fail.

Usage: bench.py [--vendors amd,intel] [--iters N] [--rounds N] [--no-guest] [--results DIR]
"""
import argparse
import datetime
import gzip
import json
import os
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "userspace", "compare"))
import compare  # noqa: E402
import labtrace  # noqa: E402

def log(msg):
    print(msg, flush=True)


def walk_part(outdir, iters):
    subprocess.run(["make", "-s", "-C", HERE], check=True)
    path = os.path.join(outdir, "walk.json")
    subprocess.run([os.path.join(TOP, "build", "bench", "walk_bench"), "-n", str(iters),
                    "-j", path], check=True)
    with open(path) as f:
        return json.load(f)


CONFIGS = [
    # name, STRATEGY, first-kernel append, capture-kernel append
    ("stock", "off", "", ""),
    ("late", "write", "crash_dma_quiesce_early=0", ""),
    ("quiesce", "write", "", ""),
    ("both", "write", "", "iommu_kdump_retire=reset"),
]


def spread(vals, f="{:.3f}"):
    """'mean (min-max, n=N)' of the numbers in @vals."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    m = sum(vals) / len(vals)
    if len(vals) == 1:
        return f.format(m) + " (n=1)"
    return f"{f.format(m)} ({f.format(min(vals))}-{f.format(max(vals))}, n={len(vals)})"


def run_figures(r):
    e = r.get("e1000e") or {}
    return {"dir": r.get("dir"), "error": r.get("error"), "capture_ok": r.get("capture_ok"),
            "window_ms": r.get("window_ms"),
            "quiesced_before_panic_line": r.get("quiesced_before_panic_line"),
            "landed_after_trigger": e.get("landed_ram"),
            "landed_after_panic_line": e.get("landed_after_panic_line"),
            "landed_after_quiesce": e.get("landed_after_quiesce"),
            "trigger_to_done_s": r.get("trigger_to_capture_done_s"),
            "resets": r.get("resets"), "reset_us": r.get("reset_us"),
            "crash_path_us": r.get("crash_path_us"), "takeover_ms": r.get("takeover_ms")}


def pt_part(args, frozen, v, outdir):
    """The crash path with the first kernel in pass-through mode."""
    sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
    import crash_bracket  # noqa: E402
    out = {}
    for mode in ("translated", "pt"):
        # edu DMA armed at the trigger: crash_bracket.py starts from it
        r = compare.one_run(args, frozen, v, "write", "edu", "", first_mode=mode)
        f = run_figures(r)
        try:
            with gzip.open(os.path.join(r["dir"], "trace.log.gz"), "rt", errors="replace") as fh:
                text = fh.read()
        except (OSError, KeyError, TypeError):
            text = ""
        b = crash_bracket.bracket(text, v) if text else {}
        f["late_bracket_us"] = b.get("span_us")
        f["late_events"] = b.get("events")
        f["early_bracket_us"] = b.get("early_span_us")
        f["early_events"] = b.get("early_events")
        out[mode] = f
        log(f"guest {v} {mode}: crash path after the stop {fmt(f['crash_path_us'], '{:.0f}')} us "
            f"(record); its IOMMU traffic {fmt(f['late_bracket_us'], '{:.0f}')} us on QEMU's clock "
            f"{f['late_events']}; early pass {fmt(f['early_bracket_us'], '{:.0f}')} us "
            f"{f['early_events']}")
    return out


def guest_part(outdir, vendors, timeout, rounds):
    # An NVMe controller in every run: QEMU's device with Function Level
    # Reset, so that retirement's resets include an FLR (BENCH_NVME=0: not).
    if os.environ.get("BENCH_NVME", "1") != "0":
        os.environ["LAB_NVME"] = "1"
    frozen = os.path.join(outdir, "build")
    kernel = compare.freeze_kernel(frozen)
    args = types.SimpleNamespace(timeout=timeout, runs_dir=os.path.join(outdir, "runs"),
                                 keep_dumps=False)
    os.makedirs(args.runs_dir, exist_ok=True)
    res = {"kernel": kernel, "rounds": rounds, "vendors": {}}
    for v in vendors:
        runs = {name: [] for name, *_ in CONFIGS}
        for i in range(rounds):
            for name, strategy, first, cap in CONFIGS:
                f = run_figures(compare.one_run(args, frozen, v, strategy, "e1000e", cap,
                                                first_append=first))
                runs[name].append(f)
                log(f"guest {v} round {i + 1}/{rounds} {name}: window {fmt(f['window_ms'])} ms"
                    f" (before the panic line: {f['quiesced_before_panic_line']}), frames landed"
                    f" after trigger/panic line/quiesce {f['landed_after_trigger']}/"
                    f"{f['landed_after_panic_line']}/{f['landed_after_quiesce']},"
                    f" trigger->capture done {fmt(f['trigger_to_done_s'], '{:.3f}')} s,"
                    f" resets {f['resets']} ({fmt(f['reset_us'], '{:.0f}')} us)")
        g = {"runs": runs, "ratio": {}, "window": {}}
        for name in ("late", "quiesce", "both"):
            rs = [q["trigger_to_done_s"] / s["trigger_to_done_s"]
                  for q, s in zip(runs[name], runs["stock"])
                  if q["trigger_to_done_s"] and s["trigger_to_done_s"]]
            g["ratio"][name] = rs
            log(f"guest {v}: capture cost {name}/stock (trigger -> capture done, same round) "
                f"{spread(rs)}")
        for name in ("late", "quiesce"):
            w = [f["window_ms"] for f in runs[name]]
            g["window"][name] = {
                "window_ms": w,
                "landed_after_panic_line": sum(f["landed_after_panic_line"] or 0 for f in runs[name]),
                "landed_after_quiesce": sum(f["landed_after_quiesce"] or 0 for f in runs[name]),
                "landed_after_trigger": sum(f["landed_after_trigger"] or 0 for f in runs[name])}
            log(f"guest {v}: window ({name}) {spread(w, '{:.2f}')} ms; frames landed in RAM after "
                f"the trigger {g['window'][name]['landed_after_trigger']}, after the panic line "
                f"{g['window'][name]['landed_after_panic_line']}, after the quiesce "
                f"{g['window'][name]['landed_after_quiesce']} (all rounds)")
        resets = [f["resets"] for f in runs["both"]]
        reset_us = [f["reset_us"] for f in runs["both"]]
        log(f"guest {v}: retirement resets at bind {spread(resets, '{:.0f}')}, their time "
            f"{spread(reset_us, '{:.0f}')} us per capture")
        tk = [f["takeover_ms"] for f in runs["both"]]
        st = [f["takeover_ms"] for f in runs["stock"]]
        log(f"guest {v}: takeover window {spread(tk, '{:.2f}')} ms, stock {compare.KVER} copy "
            f"{spread(st, '{:.2f}')} ms (QEMU clock)")
        g["pt"] = pt_part(args, frozen, v, outdir)
        res["vendors"][v] = g
    return res


def fmt(x, f="{:.2f}"):
    return "—" if x is None else f.format(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vendors", default=os.environ.get("BENCH_VENDORS", "amd,intel"))
    ap.add_argument("--iters", type=int, default=int(os.environ.get("BENCH_ITERS", 30)))
    ap.add_argument("--no-guest", action="store_true",
                    default=os.environ.get("BENCH_GUEST", "1") == "0")
    ap.add_argument("--results", default=os.environ.get("RESULTS", os.path.join(TOP, "results")))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("LAB_TIMEOUT", 60)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    args = ap.parse_args()
    vendors = [v for v in args.vendors.split(",") if v]
    outdir = os.path.abspath(os.path.join(
        args.results, "bench-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    os.makedirs(outdir, exist_ok=True)
    out = {"walk": walk_part(outdir, args.iters)}
    if not args.no_guest:
        subprocess.run([os.path.join(TOP, "userspace/build/deps.sh"), "lab"], check=True)
        out["guest"] = guest_part(outdir, vendors, args.timeout, args.rounds)
    path = os.path.join(outdir, "bench.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    log(f"bench: figures in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
