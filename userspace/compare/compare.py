#!/usr/bin/env python3
"""make compare: the quiesce strategies side by side in the kdump lab.

Runs vendor x strategy x workload cells, each REPS times, from one kernel
build (frozen at the start: bzImage, vmlinux and initramfs are hard-linked
into the results directory and every run boots those), then writes
compare.json, compare.md and one chart per vendor (compare-<vendor>.png)
into the results directory. One progress line per run and per cell.

Strategies (kernel command lines; "capture" options go to the capture
kernel only, through run.sh CAPTURE_APPEND):

  stock              crash_dma_quiesce=off; capture: iommu_kdump_retire=attach
  crash-quiesce      crash_dma_quiesce=write; capture: iommu_kdump_retire=reset
  bringup-quiesce    crash_dma_quiesce=off; capture: iommu_kdump_quiesce=1
  both               crash_dma_quiesce=write; capture: iommu_kdump_quiesce=1
                     iommu_kdump_retire=reset
  block-all          crash_dma_quiesce=all
  crash-disable      crash_dma_quiesce=disable (translation off at the crash)
  capture-iommu-off  crash_dma_quiesce=off; capture: amd_iommu=off or
                     intel_iommu=off

A capture option the kernel does not know is handled by whether the cell
needs it: iommu_kdump_quiesce is the bring-up quiesce itself, so without it
the cell is reported "unsupported by this kernel" and not run; without
iommu_kdump_retire the capture kernel takes over the Linux 6.1 way (it
copies the old tables and keeps them until drivers attach), which the
report says. Support is read from the frozen vmlinux (the parameter name
among its strings), never assumed.

Workloads:
  edu      two edu devices each write a pattern onto a canary page ~100 ms
           after the panic (lab.reader=-1); no frames for the e1000e
  e1000e   frames from the host at 100/s up to and across the crash; the
           edu devices arm nothing (lab.arm=0)

After the matrix, for the two "translation off" strategies (crash-disable,
capture-iommu-off) and stock as the control, one edu run per vendor whose
write IOVA equals a physical address inside the crashkernel region
(lab.crash_iova=): the middle of the capture kernel's initramfs image, as
the stock runs found it (RAMDISK line of the capture kernel).

Usage: compare.py [--reps N] [--vendors amd,intel] [--qemus 7.2,10.0] [--strategies a,b]
                  [--workloads edu,e1000e] [--no-crashkernel]
                  [--results DIR] [--timeout S] [--keep-dumps]
                  [--report-only DIR]
"""
import argparse
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import labtrace  # noqa: E402

VENDORS = ["amd", "intel"]
WORKLOADS = ["edu", "e1000e"]
# name: crash_dma_quiesce mode, capture options (required, optional)
STRATEGIES = [
    ("stock", "off", [], ["iommu_kdump_retire=attach"]),
    ("crash-quiesce", "write", [], ["iommu_kdump_retire=reset"]),
    ("bringup-quiesce", "off", ["iommu_kdump_quiesce=1"], []),
    ("both", "write", ["iommu_kdump_quiesce=1"], ["iommu_kdump_retire=reset"]),
    ("block-all", "all", [], []),
    ("crash-disable", "disable", [], []),
    ("capture-iommu-off", "off", ["{vendor}_iommu=off"], []),
]
# Parameters that Linux 6.1 already has (not looked up in vmlinux).
STOCK_PARAMS = {"amd_iommu", "intel_iommu"}
CRASHKERNEL_STRATEGIES = ["stock", "crash-disable", "capture-iommu-off"]


def log(msg):
    print(msg, flush=True)


# KVER=6.1|6.12 (as make kernel / run): the kernel every run boots. Its
# build directories carry a suffix on 6.12 (build/obj-6.12, build/lab-6.12;
# userspace/build/kver.sh), and run.sh reads the frozen copy from
# BUILD/lab<suffix>.
KVER = os.environ.get("KVER") or "6.1"
KVER_SFX = "" if KVER == "6.1" else "-" + KVER


def freeze_kernel(dest):
    """Stage the lab once and hard-link its kernel and initramfs under
    @dest/lab (lab-6.12 with KVER=6.12), so that a kernel rebuilt meanwhile
    changes no run."""
    if KVER not in ("6.1", "6.12"):
        raise SystemExit(f"KVER={KVER}: must be 6.1 or 6.12")
    obj = os.path.join(TOP, "build", "obj" + KVER_SFX)
    if not all(os.path.exists(os.path.join(obj, f)) for f in ("arch/x86/boot/bzImage", "vmlinux")):
        log("compare: no lab kernel yet: building it (userspace/build/kernel.sh)")
        subprocess.run([os.path.join(TOP, "userspace/build/kernel.sh")], check=True)
    subprocess.run([os.path.join(TOP, "userspace/lab/prepare.sh")], check=True)
    lab = os.path.join(TOP, "build", "lab" + KVER_SFX)
    os.makedirs(os.path.join(dest, "lab" + KVER_SFX, "kernel"), exist_ok=True)
    # Shared lock: a kernel build in progress (kernel.sh holds it
    # exclusively) finishes first, and the staged files are consistent.
    lock = open(os.path.join(TOP, "build", ".lock"), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_SH)
        for rel in ("kernel/bzImage", "kernel/vmlinux", "initramfs.cpio.gz"):
            dst = os.path.join(dest, "lab" + KVER_SFX, rel)
            if os.path.exists(dst):
                os.unlink(dst)
            try:
                os.link(os.path.join(lab, rel), dst)
            except OSError:
                shutil.copy2(os.path.join(lab, rel), dst)
    finally:
        lock.close()
    vmlinux = os.path.join(dest, "lab" + KVER_SFX, "kernel", "vmlinux")
    out = subprocess.run(["strings", "-n", "8", vmlinux],
                         capture_output=True, text=True, errors="replace").stdout
    version = next((line for line in out.splitlines() if line.startswith("Linux version ")), "?")
    return {"version": version.strip(), "bzImage_sha1": bzimage_sha1(dest),
            "params": kernel_params(vmlinux)}


def bzimage_sha1(dest):
    with open(os.path.join(dest, "lab" + KVER_SFX, "kernel", "bzImage"), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def kernel_params(vmlinux):
    """Names of the kdump-related boot parameters the kernel parses: the
    strings of its early_param()/__setup() table, which end up in
    .init.data in vmlinux (a function or variable of the same name does not
    count)."""
    tmp = vmlinux + ".init.data"
    p = subprocess.run(["objcopy", "-O", "binary", "--only-section=.init.data", vmlinux, tmp],
                       capture_output=True)
    names = set()
    if p.returncode == 0:
        with open(tmp, "rb") as f:
            data = f.read()
        os.unlink(tmp)
        for m in re.finditer(rb"(?<=\0)(iommu_kdump_[a-z_]+|crash_dma_quiesce(?:_budget)?)=?(?=\0)", data):
            names.add(m.group(1).decode())
    return sorted(names)


def param_name(opt):
    return opt.split("=", 1)[0]


# QEMU 10.0 (LAB_QEMU=10.0) runs are labelled "<vendor>-q10" in the
# cells and tables: the same strategies on the other emulator.
Q10 = "-q10"


def real_vendor(label):
    """'intel-q10' -> 'intel'"""
    return label[:-len(Q10)] if label.endswith(Q10) else label


def label_qemu(label):
    """The LAB_QEMU of a vendor label."""
    return "10.0" if label.endswith(Q10) else "7.2"


def plan_cells(args, kernel):
    cells = []
    for vendor in args.vendors:
        for name, mode, required, optional in STRATEGIES:
            if name not in args.strategies:
                continue
            req = [o.format(vendor=real_vendor(vendor)) for o in required]
            opt = [o.format(vendor=real_vendor(vendor)) for o in optional]
            known = set(kernel["params"]) | STOCK_PARAMS
            missing = [param_name(o) for o in req if param_name(o) not in known]
            absent = [param_name(o) for o in opt if param_name(o) not in known]
            capture = req + [o for o in opt if param_name(o) in known]
            notes = []
            if absent:
                notes.append(f"{', '.join(absent)} not in this kernel: the capture kernel "
                             "takes over the Linux 6.1 way (copies the old tables)")
            for wl in args.workloads:
                cells.append({
                    "vendor": vendor, "strategy": name, "workload": wl, "mode": mode,
                    "capture_append": " ".join(capture),
                    "unsupported": (f"unsupported by this kernel: {', '.join(missing)} "
                                    "not found in vmlinux") if missing else None,
                    "notes": notes, "runs": []})
    # stock first: its runs locate the capture kernel's initramfs
    order = {s[0]: i for i, s in enumerate(STRATEGIES)}
    cells.sort(key=lambda c: (order[c["strategy"]] != 0, c["vendor"], order[c["strategy"]],
                              c["workload"]))
    return cells


def lab_env(args, frozen, vendor, mode, workload, capture_append, crash_iova=None,
            first_append="", first_mode="translated"):
    env = dict(os.environ)
    append = [first_append] if first_append else []
    if workload == "e1000e":
        append.append("lab.arm=0")
        env["LAB_FRAMES"] = "1"
    else:
        append.append("lab.rxwait=0")
        env["LAB_FRAMES"] = "0"
    if crash_iova is not None:
        append.append(f"lab.crash_iova={crash_iova:#x}")
    env.update({
        "VENDOR": real_vendor(vendor), "LAB_QEMU": label_qemu(vendor), "MODE": first_mode, "STRATEGY": mode, "READER": "-1",
        "LAB_TIMEOUT": str(args.timeout), "RESULTS": args.runs_dir,
        "LAB_APPEND": " ".join(append), "CAPTURE_APPEND": capture_append,
        "LAB_TRACE_EXTRA": labtrace.TRACE_EXTRA, "KEEP_DUMP": "1" if args.keep_dumps else "0",
        "BUILD": frozen, "LAB_PREPARED": "1"})
    return env


def one_run(args, frozen, vendor, mode, workload, capture_append, crash_iova=None,
            first_append="", first_mode="translated"):
    """One lab run (userspace/lab/run.sh) analysed by labtrace.analyze().
    @first_append: more first-kernel command-line words; @first_mode: the
    first kernel's IOMMU mode (translated, pt)."""
    env = lab_env(args, frozen, vendor, mode, workload, capture_append, crash_iova,
                  first_append, first_mode)
    t0 = time.time()
    p = subprocess.run([os.path.join(TOP, "userspace/lab/run.sh")], env=env,
                       capture_output=True, text=True, errors="replace")
    wall = time.time() - t0
    lines = p.stdout.strip().splitlines()
    d = lines[-1] if lines and os.path.isdir(lines[-1]) else None
    if not d:
        return {"error": f"run.sh status {p.returncode}: {p.stderr.strip()[-300:]}",
                "wall_s": wall}
    with open(os.path.join(d, "run.sh.stderr"), "w") as f:
        f.write(p.stderr)
    r = labtrace.analyze(d)
    r["wall_s"] = wall
    trace = os.path.join(d, "trace.log")
    if os.path.exists(trace) and not args.keep_dumps:
        subprocess.run(["gzip", "-1", "-f", trace])
    return r


def fmt_range(vals, fmt="{:.0f}"):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    m = statistics.mean(vals)
    if len(vals) == 1 or min(vals) == max(vals):
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(vals))}–{fmt.format(max(vals))})"


def summarize(cell):
    runs = [r for r in cell["runs"] if "error" not in r]
    s = {"runs": len(cell["runs"]), "errors": len(cell["runs"]) - len(runs),
         "capture_ok": sum(1 for r in runs if r["capture_ok"])}
    wl = cell["workload"]
    if wl == "edu":
        s["writes"] = sum(r["edu"]["writes"] for r in runs)
        s["landed_ram"] = sum(r["edu"]["landed_ram"] for r in runs)
        s["landed_crashkernel"] = sum(r["edu"]["landed_crashkernel"] for r in runs)
        s["landed_nowhere"] = sum(r["edu"]["landed_nowhere"] for r in runs)
        s["blocked"] = sum(r["edu"]["blocked"] for r in runs)
        s["unknown"] = sum(r["edu"]["unknown"] for r in runs)
        s["faulted"] = sum(r["edu"]["faulted"] for r in runs)
        s["fault_log"] = sum(r["capture_fault_log"] - r["capture_fault_log_e1000e"] for r in runs)
    else:
        for k in ("fetches", "frames", "landed_ram", "landed_crashkernel", "landed_nowhere", "blocked",
                  "untranslated", "faulted", "wb_landed"):
            s[k] = [r["e1000e"][k] for r in runs]
        s["fault_log"] = [r["capture_fault_log_e1000e"] for r in runs]
    s["crash_path_us"] = [r["crash_path_us"] for r in runs]
    s["panic_to_done_s"] = [r["panic_to_capture_done_s"] for r in runs if r["capture_ok"]]
    s["takeover_ms"] = [r["takeover_ms"] for r in runs]
    return s


def cell_line(cell):
    s = cell["summary"]
    head = f"{cell['vendor']:5} {cell['strategy']:17} {cell['workload']:6}"
    if cell["unsupported"]:
        return f"{head} {cell['unsupported']}"
    if cell["workload"] == "edu":
        dma = (f"edu writes landed in crashed-kernel RAM {s['landed_ram']}/{s['writes']}, "
               f"in crashkernel {s['landed_crashkernel']}, faulted {s['faulted']}")
    else:
        dma = (f"e1000e frames landed {fmt_range(s['landed_ram'])} of "
               f"{fmt_range(s['frames'])} after the panic, faulted {fmt_range(s['faulted'])}")
    return (f"{head} capture {s['capture_ok']}/{s['runs']}; {dma}; crash path "
            f"{fmt_range(s['crash_path_us'])} us; panic->done {fmt_range(s['panic_to_done_s'], '{:.2f}')} s")


def run_line(i, n, cell, rep, r):
    head = f"[{i}/{n}] {cell['vendor']} {cell['strategy']} {cell['workload']} rep {rep}"
    if "error" in r:
        return f"{head}: ERROR {r['error']}"
    if cell["workload"].startswith("edu"):
        e = r["edu"]
        dma = (f"edu writes {e['writes']}: landed in crashed RAM {e['landed_ram']}, in crashkernel "
               f"{e['landed_crashkernel']}, untranslated to no RAM {e['landed_nowhere']}, blocked "
               f"{e['blocked']}, not judged {e['unknown']}")
    else:
        e = r["e1000e"]
        dma = (f"e1000e frames after the panic {e['frames']}: landed in crashed RAM "
               f"{e['landed_ram']}, in crashkernel {e['landed_crashkernel']}, to no RAM "
               f"{e['landed_nowhere']}, blocked {e['blocked']}")
    cp = f"{r['crash_path_us']:.0f} us" if r["crash_path_us"] else "-"
    pd = f"{r['panic_to_capture_done_s']:.2f} s" if r["panic_to_capture_done_s"] else "-"
    return (f"{head}: capture {'ok' if r['capture_ok'] else 'FAILED'}, {dma}, crash path {cp}, "
            f"panic->done {pd} ({r['wall_s']:.0f} s)")


def crashkernel_offset(cells, vendor):
    """Offset into the crashkernel region of the middle of the capture
    kernel's initramfs, from this vendor's stock runs."""
    for c in cells:
        if c["vendor"] != vendor or c["strategy"] != "stock":
            continue
        for r in c["runs"]:
            if r.get("capture_ramdisk") and r.get("crashkernel"):
                s, e = (int(x, 16) for x in r["capture_ramdisk"])
                ck = int(r["crashkernel"][0], 16)
                return ((s + e) // 2 & ~0xFFF) - ck, r["capture_ramdisk"]
    return None, None


# --- output -------------------------------------------------------------------

def failure_reason(r):
    """Why a run produced no usable dump, from its own logs."""
    if r.get("qemu_timeout"):
        last = re.sub(r"^\[\s*[0-9.]+\]\s*", "", r.get("capture_last_console") or "")
        return ("QEMU timed out" + (" after the capture kernel had started /init (last "
                                    f"console line: \"{last}\")"
                                    if r.get("capture_ran_init") else ""))
    if r.get("capture_notes"):
        return "capture kernel: " + "; ".join(r["capture_notes"])
    if not r.get("capture_reached"):
        return "capture kernel never reached its /init"
    if r.get("first_error"):
        return "first kernel: " + r["first_error"]
    return "dump missing or unreadable by crash(8)"


def md_cell_row(c):
    s = c["summary"]
    if c["unsupported"]:
        return (f"| {c['strategy']} | {c['workload']} | 0 | — | — | — | — | — | — | — | — | "
                f"{c['unsupported']} |")
    notes = list(c["notes"])
    if c["workload"] == "edu":
        landed = f"{s['landed_ram']}/{s['writes']}"
        ck = f"{s['landed_crashkernel']}/{s['writes']}"
        if s["landed_nowhere"]:
            notes.append(f"{s['landed_nowhere']} write(s) went untranslated to an address with no RAM")
        if s["unknown"]:
            notes.append(f"{s['unknown']} write(s) not judged (no dump)")
        faults = f"{s['faulted']} / {s['fault_log']}"
        wb = "—"
    else:
        landed = f"{fmt_range(s['landed_ram'])} of {fmt_range(s['frames'])}"
        if any(f != fr for f, fr in zip(s["fetches"], s["frames"])):
            notes.append(f"descriptor fetches after the panic {fmt_range(s['fetches'])}: a "
                         "descriptor read that is blocked, or that reads no RAM, gives the "
                         "device no buffer to write")
        ck = fmt_range(s["landed_crashkernel"])
        if any(s["landed_nowhere"]):
            notes.append(f"untranslated to no RAM: {fmt_range(s['landed_nowhere'])} frames")
        faults = f"{fmt_range(s['faulted'])} / {fmt_range(s['fault_log'])}"
        wb = fmt_range(s["wb_landed"]) if any(v is not None for v in s["wb_landed"]) else "n/a"
    if s["errors"]:
        notes.append(f"{s['errors']} run(s) failed to start")
    why = {}
    for r in c["runs"]:
        if "error" in r or r["capture_ok"]:
            continue
        w = failure_reason(r)
        why[w] = why.get(w, 0) + 1
    notes.extend(f"capture failed ({n}x): {w}" for w, n in why.items())
    return (f"| {c['strategy']} | {c['workload']} | {s['runs']} | {s['capture_ok']}/{s['runs']} | "
            f"{landed} | {ck} | {wb} | {faults} | {fmt_range(s['crash_path_us'])} | "
            f"{fmt_range(s['panic_to_done_s'], '{:.2f}')} | "
            f"{fmt_range(s['takeover_ms'], '{:.1f}')} | {'; '.join(notes)} |")


def write_markdown(path, meta, cells, ckruns):
    out = []
    out.append(f"# Strategy comparison ({meta['date']})\n")
    out.append(f"Kernel: `{meta['kernel']['version'][:90]}` (bzImage sha1 "
               f"{meta['kernel']['bzImage_sha1'][:12]}); kernel parameters found in vmlinux: "
               f"{', '.join(meta['kernel']['params']) or 'none'}. {meta['reps']} runs per cell, "
               f"MODE=translated, VT-d tables {meta.get('vtd_mode', 'legacy')} (VTD_MODE); "
               f"matrix wall time {meta['wall_s'] / 60:.1f} min.\n")
    out.append("Columns: *landed* = DMA writes after the panic that reached the crashed "
               "kernel's RAM (edu: the dump shows the pattern, or translation was off and the "
               "IOVA is RAM; e1000e: frames whose buffer write the QEMU trace shows translated, or "
               "untranslated to RAM), summed over runs for edu (2 writes per run), mean (min–max) "
               "per run for the e1000e; *crashkernel* = of those, writes whose physical address "
               "is inside the crashkernel region; *ring wb* = e1000e descriptor write-backs that "
               "passed (AMD: QEMU 7.2 IOTLB read-then-write artifact; VT-d: not traceable); "
               "*faults* = transfers with an IOMMU fault in the QEMU trace / DMAR fault lines "
               "logged by the capture kernel; *crash path* = total_cycles of the result record "
               "in µs; *panic→done* = host time from the panic line to the capture kernel's "
               "\"capture done\" on the serial console (successful captures only); *takeover* = QEMU "
               "time from the capture kernel's first access to the IOMMU's table-base register "
               "to its install of its own table (AMD: end of the first burst of accesses; VT-d: "
               "the RTADDR write).\n")
    for v in meta["vendors"]:
        out.append(f"\n## {v}\n")
        out.append("| strategy | workload | runs | capture ok | landed | crashkernel | ring wb | "
                   "faults traced / logged | crash path µs | panic→done s | takeover ms | notes |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in cells:
            if c["vendor"] == v:
                out.append(md_cell_row(c))
    if ckruns:
        out.append("\n## Write IOVA inside the crashkernel region\n")
        out.append("One edu run per row: both edu writes target an IOVA equal to a physical "
                   "address inside the crashkernel region (the middle of the capture kernel's "
                   "initramfs image, where kexec -p placed it); the mapping is made with "
                   "iommu_map() in the device's translating domain and proven at probe.\n")
        out.append("| vendor | strategy | target IOVA | capture initramfs | writes landed (crashed RAM / "
                   "crashkernel) | capture | what the capture kernel shows |")
        out.append("|---|---|---|---|---|---|---|")
        for k in ckruns:
            r = k["run"]
            if "error" in r:
                out.append(f"| {k['vendor']} | {k['strategy']} | — | — | — | — | {r['error']} |")
                continue
            e = r["edu"]
            shows = list(r["capture_notes"])
            if r.get("edu_probe"):
                shows.append(f"probe of {r['edu_probe']['phys']:#x}: "
                             f"{r['edu_probe']['pattern_words']} pattern words")
            if k.get("inferred"):
                shows.append(k["inferred"])
            if not r["capture_ok"] and not shows:
                shows.append(failure_reason(r))
            judged = (f"{e['landed_ram']} / {e['landed_crashkernel']} of {e['writes']}"
                      + (f" ({e['unknown']} not judged: no dump)" if e["unknown"] else ""))
            out.append(f"| {k['vendor']} | {k['strategy']} | {k['target']} | "
                       f"{'-'.join(r['capture_ramdisk'] or k['ramdisk'] or ['?'])} | "
                       f"{judged} | "
                       f"{'ok' if r['capture_ok'] else 'FAILED'}"
                       f"{'' if r['capture_reached'] else ' (not reached)'} | "
                       f"{'; '.join(shows) or '—'} |")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_chart(path_base, vendor, cells):
    """A 3-panel chart: e1000e frames landed, edu writes landed, panic->done."""
    rows = []
    for name, *_ in STRATEGIES:
        by = {c["workload"]: c for c in cells if c["vendor"] == vendor and c["strategy"] == name}
        if not by:
            continue
        e, u = by.get("e1000e"), by.get("edu")
        unsupported = any(c["unsupported"] for c in by.values())

        def stat(c, key):
            if not c or c["unsupported"]:
                return ("NaN", "NaN", "NaN")
            vals = [v for v in c["summary"][key] if v is not None]
            if not vals:
                return ("NaN", "NaN", "NaN")
            return (f"{statistics.mean(vals):.3f}", f"{min(vals):.3f}", f"{max(vals):.3f}")
        ef = stat(e, "landed_ram")
        ok = [c for c in by.values() if not c["unsupported"]]
        edu_l = (f"{u['summary']['landed_ram'] + u['summary']['landed_crashkernel']}"
                 if u and not u["unsupported"] else "NaN")
        edu_w = f"{u['summary']['writes']}" if u and not u["unsupported"] else "NaN"
        pd = stat(e, "panic_to_done_s")
        cap = (f"{sum(c['summary']['capture_ok'] for c in ok)}/"
               f"{sum(c['summary']['runs'] for c in ok)}" if ok else "n/a")
        label = "n/a" if unsupported else cap
        rows.append(f"\"{name}\" {ef[0]} {ef[1]} {ef[2]} {edu_l} {edu_w} {pd[0]} {pd[1]} "
                    f"{pd[2]} \"{label}\"")
    dat = path_base + ".dat"
    with open(dat, "w") as f:
        f.write("# strategy e1000e_landed_mean min max edu_landed edu_writes "
                "panic_to_done_mean min max label\n" + "\n".join(rows) + "\n")
    n = len(rows)
    # A panel whose workload was not run (--workloads) would have only
    # undefined points, which gnuplot refuses: draw only panels with data.
    have = {w: any(c["workload"] == w and c["vendor"] == vendor and not c["unsupported"]
                   for c in cells) for w in WORKLOADS}
    panels = []
    if have["e1000e"]:
        panels.append(f"""set boxwidth 0.6 absolute
set title "e1000e frames written into the crashed kernel's RAM\\nafter the panic (mean, min-max; at the foot: captures ok)"
plot "{dat}" using 0:2:xtic(1) with boxes lc rgb "#729fcf" notitle, \\
     "" using 0:2:3:4 with yerrorbars lc rgb "#204a87" pt 7 notitle, \\
     "" using 0:(0):10 with labels offset 0,1 font ",8" notitle
""")
    if have["edu"]:
        panels.append(f"""set boxwidth 0.3 absolute
set title "edu writes after the panic, all runs\\n(landed: in RAM or in the crashkernel region)"
plot "{dat}" using ($0-0.15):6:xtic(1) with boxes lc rgb "#babdb6" title "writes", \\
     "" using ($0+0.15):5 with boxes lc rgb "#cc0000" title "landed"
""")
    if have["e1000e"]:
        panels.append(f"""set boxwidth 0.6 absolute
set title "panic -> capture done, e1000e runs (s)\\n(mean, min-max; successful captures)"
plot "{dat}" using 0:7:xtic(1) with boxes lc rgb "#8ae234" notitle, \\
     "" using 0:7:8:9 with yerrorbars lc rgb "#4e9a06" pt 7 notitle
""")
    if not panels:
        log(f"compare: no chart for {vendor}: no cell with runs")
        return None
    script = f"""
set terminal pngcairo size {500 * len(panels)},560 font ",10"
set output "{path_base}.png"
set multiplot layout 1,{len(panels)} title "{vendor}: quiesce strategies in the kdump lab (QEMU {label_qemu(vendor)}, TCG), runs of make compare"
set style fill solid 0.8 border -1
set xrange [-0.6:{n - 0.4}]
set xtics rotate by -35 nomirror
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set key top right
""" + "".join(panels) + "unset multiplot\n"
    gp = path_base + ".gp"
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode:
        log(f"compare: gnuplot failed for {vendor}: {p.stderr.strip()[-300:]}")
        return None
    return path_base + ".png"


def report(outdir, meta, cells, ckruns):
    for c in cells:
        c["summary"] = summarize(c)
    with open(os.path.join(outdir, "compare.json"), "w") as f:
        json.dump({"meta": meta, "cells": cells, "crashkernel_runs": ckruns}, f, indent=1)
        f.write("\n")
    write_markdown(os.path.join(outdir, "compare.md"), meta, cells, ckruns)
    charts = [write_chart(os.path.join(outdir, f"compare-{v}"), v, cells) for v in meta["vendors"]]
    return [c for c in charts if c]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=int(os.environ.get("COMPARE_REPS", 3)))
    ap.add_argument("--vendors", default=os.environ.get("COMPARE_VENDORS", ",".join(VENDORS)))
    ap.add_argument("--qemus", default=os.environ.get("COMPARE_QEMUS", "7.2,10.0"),
                    help="QEMU versions (LAB_QEMU) to run every cell on; 10.0 cells are "
                         "labelled <vendor>-q10")
    ap.add_argument("--strategies", default=os.environ.get(
        "COMPARE_STRATEGIES", ",".join(s[0] for s in STRATEGIES)))
    ap.add_argument("--workloads", default=os.environ.get("COMPARE_WORKLOADS", ",".join(WORKLOADS)))
    ap.add_argument("--no-crashkernel", action="store_true")
    ap.add_argument("--results", default=os.environ.get("RESULTS", os.path.join(TOP, "results")))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("LAB_TIMEOUT", 60)))
    ap.add_argument("--keep-dumps", action="store_true")
    ap.add_argument("--report-only", metavar="DIR",
                    help="rewrite the outputs of an earlier comparison from its compare.json")
    ap.add_argument("--reanalyze", action="store_true",
                    help="with --report-only: analyze every run directory again")
    args = ap.parse_args()
    subprocess.run([os.path.join(TOP, "userspace/build/deps.sh"), "lab", "plot"], check=True)

    if args.report_only:
        with open(os.path.join(args.report_only, "compare.json")) as f:
            data = json.load(f)
        vml = os.path.join(args.report_only, "build", "lab" + KVER_SFX, "kernel", "vmlinux")
        if os.path.exists(vml):
            data["meta"]["kernel"]["params"] = kernel_params(vml)
        if args.reanalyze:
            runs = [r for c in data["cells"] for r in c["runs"]] + \
                [k["run"] for k in data["crashkernel_runs"]]
            for r in runs:
                if "dir" in r and os.path.isdir(r["dir"]):
                    wall, d = r.get("wall_s"), r["dir"]
                    r.clear()
                    r.update(labtrace.analyze(d), wall_s=wall)
        charts = report(args.report_only, data["meta"], data["cells"], data["crashkernel_runs"])
        log(f"compare: rewrote {args.report_only}/compare.md, compare.json, {', '.join(charts)}")
        return 0

    args.vendors = [v for v in args.vendors.split(",") if v]
    qemus = [q for q in args.qemus.split(",") if q]
    if set(qemus) - {"7.2", "10.0"}:
        ap.error(f"unknown QEMU in --qemus: {args.qemus}")
    args.vendors = [v + ("" if q == "7.2" else Q10) for q in qemus for v in args.vendors
                    if real_vendor(v) in VENDORS]
    args.strategies = [s for s in args.strategies.split(",") if s]
    args.workloads = [w for w in args.workloads.split(",") if w]
    bad = ({real_vendor(v) for v in args.vendors} - set(VENDORS)) | (set(args.strategies) - {s[0] for s in STRATEGIES}) \
        | (set(args.workloads) - set(WORKLOADS))
    if bad or args.reps < 1:
        ap.error(f"unknown: {', '.join(sorted(bad))}" if bad else "--reps must be >= 1")

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = os.path.abspath(os.path.join(args.results, f"compare{KVER_SFX}-{stamp}"))
    frozen = os.path.join(outdir, "build")
    args.runs_dir = os.path.join(outdir, "runs")
    os.makedirs(args.runs_dir, exist_ok=True)
    t_start = time.time()
    kernel = freeze_kernel(frozen)
    log(f"compare: kernel {kernel['version'][:70]}; parameters in vmlinux: "
        f"{', '.join(kernel['params']) or 'none'}; results in {outdir}")

    cells = plan_cells(args, kernel)
    todo = sum(args.reps for c in cells if not c["unsupported"])
    ck_todo = 0 if args.no_crashkernel else len(args.vendors) * len(
        [s for s in CRASHKERNEL_STRATEGIES if s in args.strategies])
    n, i = todo + ck_todo, 0
    log(f"compare: {len(cells)} cells, {todo} runs + {ck_todo} crashkernel-target runs")
    for c in cells:
        if c["unsupported"]:
            c["summary"] = summarize(c)
            log(f"cell  {cell_line(c)}")
            continue
        for rep in range(1, args.reps + 1):
            i += 1
            r = one_run(args, frozen, c["vendor"], c["mode"], c["workload"], c["capture_append"])
            c["runs"].append(r)
            log(run_line(i, n, c, rep, r))
        c["summary"] = summarize(c)
        log(f"cell  {cell_line(c)}")

    ckruns = []
    if not args.no_crashkernel:
        for v in args.vendors:
            off, ramdisk = crashkernel_offset(cells, v)
            if off is None:
                # No stock edu run to learn from: one calibration run.
                r = one_run(args, frozen, v, "off", "edu", "")
                cal = {"vendor": v, "strategy": "stock", "workload": "edu", "runs": [r]}
                off, ramdisk = crashkernel_offset([cal], v)
            for name, mode, required, optional in STRATEGIES:
                if name not in CRASHKERNEL_STRATEGIES or name not in args.strategies:
                    continue
                cell = next((c for c in cells if c["vendor"] == v and c["strategy"] == name), None)
                i += 1
                if off is None:
                    r = {"error": "capture kernel initramfs not located (no stock capture)"}
                else:
                    r = one_run(args, frozen, v, mode, "edu",
                                cell["capture_append"] if cell else "", crash_iova=off)
                k = {"vendor": v, "strategy": name, "offset": off, "ramdisk": ramdisk,
                     "target": (f"crashkernel start + {off:#x}" if off is not None else "—"),
                     "run": r}
                if "error" not in r:
                    ck = r.get("crashkernel")
                    if ck and off is not None:
                        k["target"] = f"{int(ck[0], 16) + off:#x}"
                    if mode == "disable" and r["edu"]["unknown"] and not r["capture_ok"]:
                        k["inferred"] = ("no dump: translation was off at the crash, so the "
                                         "writes went to physical address = IOVA, inside the "
                                         "capture kernel's initramfs")
                ckruns.append(k)
                fake = {"vendor": v, "strategy": name, "workload": "edu@crashkernel"}
                log(run_line(i, n, fake, 1, r))

    meta = {"date": stamp, "kernel": kernel, "reps": args.reps, "vendors": args.vendors,
            "strategies": args.strategies, "workloads": args.workloads,
            "wall_s": time.time() - t_start, "trace_extra": labtrace.TRACE_EXTRA,
            "vtd_mode": os.environ.get("VTD_MODE", "legacy")}
    charts = report(outdir, meta, cells, ckruns)
    log(f"compare: done in {meta['wall_s'] / 60:.1f} min: {outdir}/compare.md, compare.json, "
        f"{', '.join(os.path.basename(c) for c in charts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
