#!/usr/bin/env python3
"""make soak: consecutive crash-to-capture cycles per vendor under the
sustained e1000e flood, with the crash-path quiesce on.

Every cycle is a full lab run (userspace/lab/run.sh, STRATEGY=write,
translated, frames from the host up to and across the crash) from one
frozen kernel build. Per vendor it reports how many cycles were captured
(makedumpfile succeeded and crash(8) opened the dump), the post-panic
window on QEMU's clock (trigger -> the crash path's first completed
invalidation, labtrace.py) and whether that came before the panic line,
the e1000e frames whose data DMA landed in RAM after the trigger, after
the panic line and after that invalidation (from the QEMU trace), the AMD
descriptor write-backs that landed through QEMU's
read-then-write IOTLB artifact (counted apart: the IOTLB keeps the leaf
permission of a page the NIC read before the crash), and the crash path's
time from its record in the dump.

Knobs: SOAK_CYCLES (20), SOAK_VENDORS (amd,intel), LAB_TIMEOUT (60 s per
run), RESULTS (results/), SOAK_APPEND (more first-kernel command-line
words, e.g. crash_dma_quiesce_early=0 for the quiesce after the stop
only). Output: a progress line per cycle, a summary per
vendor, results/soak-<time>/soak.json and soak.md.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (same directory)
import labtrace  # noqa: E402

TOP = compare.TOP


def one_cycle(args, frozen, vendor):
    ns = argparse.Namespace(timeout=args.timeout, runs_dir=args.runs_dir,
                            keep_dumps=False)
    return compare.one_run(ns, frozen, vendor, "write", "e1000e",
                           "iommu_kdump_retire=reset", first_append=args.append)


def fmt_us(v):
    return "-" if v is None else f"{v:.0f}"


def fmt_ms(v):
    return "-" if v is None else f"{v:.2f}"


def summarize(vendor, runs):
    ok = [r for r in runs if r.get("capture_ok")]
    e = [r.get("e1000e") or {} for r in runs]
    us = [r["crash_path_us"] for r in runs if r.get("crash_path_us") is not None]
    win = [r["window_ms"] for r in runs if r.get("window_ms") is not None]
    return {
        "vendor": vendor,
        "cycles": len(runs),
        "captured": len(ok),
        "frames_after_panic": sum(x.get("frames", 0) for x in e),
        "landed_ram": sum(x.get("landed_ram", 0) for x in e),
        "landed_after_panic_line": sum(x.get("landed_after_panic_line", 0) for x in e),
        "landed_after_quiesce": sum(x.get("landed_after_quiesce", 0) for x in e),
        "window_ms_median": round(statistics.median(win), 2) if win else None,
        "window_ms_max": round(max(win), 2) if win else None,
        "quiesced_before_panic_line": sum(1 for r in runs if r.get("quiesced_before_panic_line")),
        "landed_crashkernel": sum(x.get("landed_crashkernel", 0) for x in e),
        "blocked": sum(x.get("blocked", 0) for x in e),
        "amd_writeback_artifact": (sum(x.get("wb_landed") or 0 for x in e)
                                   if vendor == "amd" else None),
        "crash_path_us_median": round(statistics.median(us)) if us else None,
        "crash_path_us_max": round(max(us)) if us else None,
        "failures": [compare.failure_reason(r) for r in runs if not r.get("capture_ok")],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=int(os.environ.get("SOAK_CYCLES", 20)))
    ap.add_argument("--vendors", default=os.environ.get("SOAK_VENDORS", "amd,intel"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("LAB_TIMEOUT", 60)))
    ap.add_argument("--results", default=os.environ.get("RESULTS", os.path.join(TOP, "results")))
    ap.add_argument("--append", default=os.environ.get("SOAK_APPEND", ""))
    args = ap.parse_args()
    if args.cycles < 1:
        ap.error("--cycles must be >= 1")
    subprocess.run([os.path.join(TOP, "userspace/build/deps.sh"), "lab"], check=True)

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = os.path.abspath(os.path.join(args.results, f"soak-{stamp}"))
    frozen = os.path.join(outdir, "build")
    args.runs_dir = os.path.join(outdir, "runs")
    os.makedirs(args.runs_dir, exist_ok=True)
    kernel = compare.freeze_kernel(frozen)
    print(f"soak: {args.cycles} cycles per vendor, kernel {kernel['version'][:60]}", flush=True)

    summary = []
    for vendor in [v for v in args.vendors.split(",") if v]:
        runs = []
        for i in range(args.cycles):
            t0 = time.time()
            r = one_cycle(args, frozen, vendor)
            runs.append(r)
            e = r.get("e1000e") or {}
            print(f"soak {vendor} {i + 1}/{args.cycles}: "
                  f"{'captured' if r.get('capture_ok') else 'NOT captured: ' + compare.failure_reason(r)}"
                  f", window {fmt_ms(r.get('window_ms'))} ms"
                  f" ({'before' if r.get('quiesced_before_panic_line') else 'after'} the panic line)"
                  f", frames landed after trigger/panic line/quiesce {e.get('landed_ram', '?')}/"
                  f"{e.get('landed_after_panic_line', '?')}/{e.get('landed_after_quiesce', '?')}"
                  f" (blocked {e.get('blocked', '?')})"
                  f"{', AMD write-back artifact ' + str(e.get('wb_landed')) if vendor == 'amd' else ''}"
                  f", crash path {fmt_us(r.get('crash_path_us'))} us, {time.time() - t0:.0f} s",
                  flush=True)
        summary.append(summarize(vendor, runs))

    lines = ["| vendor | cycles | captured | window median / max (ms) | quiesced before "
             "panic line | frames landed in RAM after trigger / panic line / quiesce | "
             "landed in crashkernel | blocked | AMD write-back artifact | "
             "crash path median / max (us) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in summary:
        lines.append(f"| {s['vendor']} | {s['cycles']} | {s['captured']} | "
                     f"{s['window_ms_median']} / {s['window_ms_max']} | "
                     f"{s['quiesced_before_panic_line']} | {s['landed_ram']} / "
                     f"{s['landed_after_panic_line']} / {s['landed_after_quiesce']} | "
                     f"{s['landed_crashkernel']} | {s['blocked']} | "
                     f"{'n/a' if s['amd_writeback_artifact'] is None else s['amd_writeback_artifact']} | "
                     f"{s['crash_path_us_median']} / {s['crash_path_us_max']} |")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "soak.md"), "w") as f:
        f.write(md)
    with open(os.path.join(outdir, "soak.json"), "w") as f:
        json.dump({"kernel": kernel, "summary": summary}, f, indent=2)
        f.write("\n")
    print(md, end="")
    print(outdir)
    return 0 if all(s["captured"] == s["cycles"] for s in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
