#!/usr/bin/env python3
"""Checks of the charts of make compare (userspace/compare/compare.py).

Each case feeds write_chart() the cells of one vendor as report() would
(summarized hand-made runs) and asks gnuplot for the chart: the edu and
e1000e workloads together, and each alone (make compare
COMPARE_WORKLOADS=edu), where a panel of the missing workload has no
defined point and gnuplot would refuse the whole chart. The oracle is
the file gnuplot writes: a PNG (its 8-byte signature) whose IHDR width
and height are those of a non-empty image. Prints "ok" / "not ok" rows
and one "PASS case" / "FAIL case: ..." line per test function.
"""
import os
import struct
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "userspace", "compare"))
import compare  # noqa: E402

failed = 0
checks = 0
first = None


def check(name, got, want):
    global failed, checks, first
    checks += 1
    if got == want:
        print(f"ok chart/{name}")
    else:
        failed += 1
        first = first or f"{name}: got {got!r}, want {want!r}"
        print(f"not ok chart/{name}: got {got!r}, want {want!r}")


def run_case(fn):
    global first
    f0, c0, first = failed, checks, None
    fn()
    name = "compare/chart-" + fn.__name__.removeprefix("test_").replace("_", "-")
    if checks == c0:
        print(f"FAIL {name}: no check ran")
    elif failed > f0:
        print(f"FAIL {name}: {failed - f0} of {checks - c0} checks failed; first: {first}")
    else:
        print(f"PASS {name} ({checks - c0} checks)")


def run(workload, i):
    """One analysed lab run of @workload, as compare.one_run() returns it."""
    r = {"capture_ok": True, "capture_fault_log": 1, "capture_fault_log_e1000e": 0,
         "crash_path_us": 400 + i, "panic_to_capture_done_s": 20.0 + i, "takeover_ms": 3}
    if workload == "edu":
        r["edu"] = {"writes": 2, "landed_ram": i % 2, "landed_crashkernel": 0, "landed_nowhere": 0,
                    "blocked": 2 - i % 2, "unknown": 0, "faulted": 0}
    else:
        r["e1000e"] = {k: 10 * i for k in ("fetches", "frames", "landed_ram", "landed_crashkernel",
                                            "landed_nowhere", "blocked", "untranslated", "faulted",
                                            "wb_landed")}
    return r


def cells(workloads):
    out = []
    for name, *_ in compare.STRATEGIES:
        for w in workloads:
            c = {"vendor": "amd", "strategy": name, "workload": w, "unsupported": None,
                 "runs": [run(w, i) for i in range(3)]}
            c["summary"] = compare.summarize(c)
            out.append(c)
    return out


def png_size(path):
    """(width, height) from a PNG's IHDR chunk, or None if @path is no PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def chart_of(workloads):
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "compare-amd")
        got = compare.write_chart(base, "amd", cells(workloads))
        size = png_size(base + ".png")
    check(f"{'+'.join(workloads)}/returned", got, base + ".png")
    check(f"{'+'.join(workloads)}/png", size is not None and size[0] > 0 and size[1] > 0, True)


def test_both_workloads():
    chart_of(["edu", "e1000e"])


def test_edu_only():
    chart_of(["edu"])


def test_e1000e_only():
    chart_of(["e1000e"])


if __name__ == "__main__":
    subprocess.run([os.path.join(TOP, "userspace/build/deps.sh"), "plot"], check=True)
    for t in (test_both_workloads, test_edu_only, test_e1000e_only):
        run_case(t)
    sys.exit(1 if failed else 0)
