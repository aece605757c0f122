#!/usr/bin/env python3
"""make bench: the crash path's cost, on synthetic tables and in the guest.

1. walk_bench (userspace/bench/walk_bench.c, -O2): the kernel's AMD-Vi and
   VT-d table walks over full-size synthetic tables against a plain
   read-and-write scan of the same memory; ns per entry, the ratio, and the
   invalidation commands each variant issues.
2. In the lab guest, per vendor, from single runs (userspace/lab/run.sh,
   kernel frozen once as in make compare):
   - crash_dma_quiesce=write with the e1000e receiving: the crash path's
     total_cycles against the whole native_machine_crash_shutdown(), both
     from the result record read from the dump (record version 2: TSC
     stamps at the entry and the end of the shutdown and of the quiesce;
     TCG's TSC follows the host clock). Also the share with the quiesce's
     log lines, and the span on QEMU's clock from the panic line to the
     quiesce's log line on the serial console as an outside cross-check
     (it also holds the end of panic() before the shutdown). The stock run
     of the next item gives the shutdown without the quiesce;
   - capture-kernel takeover against stock Linux 6.1 copying: in each run
     the QEMU-timed window from the capture kernel's first to its last
     access to the IOMMU's table-base register (AMD Device Table Base,
     VT-d RTADDR) during its boot, i.e. from reading the old table pointer
     to installing its own. Stock: crash_dma_quiesce=off, 6.1 copy. The
     new takeovers (iommu_kdump_retire=reset, iommu_kdump_quiesce=1) when
     the kernel has them; otherwise reported unsupported. VT-d also gives
     the stock copy from the capture kernel's printk timestamps.
Figures go to stdout and to RESULTS/bench-<time>/bench.json. No pass/fail.

Usage: bench.py [--vendors amd,intel] [--iters N] [--no-guest] [--results DIR]
"""
import argparse
import datetime
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

TAKEOVERS = [("retire-reset", "iommu_kdump_retire", "iommu_kdump_retire=reset"),
             ("bringup-quiesce", "iommu_kdump_quiesce", "iommu_kdump_quiesce=1")]


def log(msg):
    print(msg, flush=True)


def walk_part(outdir, iters):
    subprocess.run(["make", "-s", "-C", HERE], check=True)
    path = os.path.join(outdir, "walk.json")
    subprocess.run([os.path.join(TOP, "build", "bench", "walk_bench"), "-n", str(iters),
                    "-j", path], check=True)
    with open(path) as f:
        return json.load(f)


def guest_part(outdir, vendors, timeout):
    frozen = os.path.join(outdir, "build")
    kernel = compare.freeze_kernel(frozen)
    args = types.SimpleNamespace(timeout=timeout, runs_dir=os.path.join(outdir, "runs"),
                                 keep_dumps=False)
    os.makedirs(args.runs_dir, exist_ok=True)
    res = {"kernel": kernel, "vendors": {}}
    for v in vendors:
        g = {}
        # (a) the quiesce's share of native_machine_crash_shutdown()
        r = compare.one_run(args, frozen, v, "write", "e1000e", "")
        serial_s = r.get("panic_to_quiesce_line_s")
        q, share = r.get("crash_path_us"), r.get("crash_path_share")
        g["quiesce"] = {"dir": r.get("dir"), "crash_path_us": q,
                        "crash_path_cycles": r.get("crash_path_cycles"),
                        "shutdown_us": r.get("shutdown_us"),
                        "ratio": share,
                        "ratio_with_log": r.get("quiesce_with_log_share"),
                        "panic_to_quiesce_line_us": serial_s * 1e6 if serial_s else None,
                        "error": r.get("error")}
        if q and share:
            log(f"guest {v}: crash path (quiesce) {q:.0f} us = {share:.4f} of "
                f"native_machine_crash_shutdown() ({r['shutdown_us']:.0f} us; with the "
                f"quiesce's log lines {fmt(r.get('quiesce_with_log_share'), '{:.4f}')}), "
                f"TSC stamps from one run's dump; console span panic line -> quiesce line "
                f"{fmt(g['quiesce']['panic_to_quiesce_line_us'], '{:.0f}')} us (QEMU clock)")
        else:
            log(f"guest {v}: quiesce share not measured "
                f"({r.get('error') or 'record without consistent shutdown stamps'})")

        # (b) capture-kernel takeover against stock 6.1 copying
        r = compare.one_run(args, frozen, v, "off", "e1000e", "")
        cap = labtrace.read(os.path.join(r.get("dir", ""), "capture-dmesg.txt"))
        stock = {"dir": r.get("dir"), "takeover_ms": r.get("takeover_ms"),
                 "shutdown_us": r.get("shutdown_us"),
                 "capture_ok": r.get("capture_ok"), "error": r.get("error")}
        log(f"guest {v}: stock crash shutdown (crash_dma_quiesce=off) "
            f"{fmt(stock['shutdown_us'], '{:.0f}')} us, from the same record stamps")
        if v == "intel":
            pt = labtrace.printk_times(cap, {"start": "trying to copy translation structures",
                                             "end": "Copied translation tables"})
            if "start" in pt and "end" in pt:
                stock["printk_copy_ms"] = (pt["end"] - pt["start"]) * 1000
        g["stock"] = stock
        log(f"guest {v}: stock 6.1 takeover (copy) {fmt(stock['takeover_ms'])} ms in QEMU time"
            + (f", {stock['printk_copy_ms']:.2f} ms by printk" if "printk_copy_ms" in stock else ""))
        g["takeover"] = {}
        for name, param, opt in TAKEOVERS:
            if param not in kernel["params"]:
                g["takeover"][name] = {"unsupported": f"unsupported by this kernel: {param} "
                                                      "not found in vmlinux"}
                log(f"guest {v}: takeover {name}: unsupported by this kernel ({param} not in vmlinux)")
                continue
            r = compare.one_run(args, frozen, v, "off", "e1000e", opt)
            t = r.get("takeover_ms")
            s = stock["takeover_ms"]
            g["takeover"][name] = {"dir": r.get("dir"), "capture_append": opt, "takeover_ms": t,
                                   "capture_ok": r.get("capture_ok"),
                                   "ratio_to_stock": t / s if t and s else None,
                                   "error": r.get("error")}
            log(f"guest {v}: takeover {name} ({opt}) {fmt(t)} ms, "
                f"{fmt(t / s if t and s else None, '{:.2f}')} x stock")
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
    args = ap.parse_args()
    vendors = [v for v in args.vendors.split(",") if v]
    outdir = os.path.abspath(os.path.join(
        args.results, "bench-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    os.makedirs(outdir, exist_ok=True)
    out = {"walk": walk_part(outdir, args.iters)}
    if not args.no_guest:
        subprocess.run([os.path.join(TOP, "userspace/build/deps.sh"), "lab"], check=True)
        out["guest"] = guest_part(outdir, vendors, args.timeout)
    path = os.path.join(outdir, "bench.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    log(f"bench: figures in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
