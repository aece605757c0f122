#!/usr/bin/env python3
"""hostile_trace.py RUNDIR VENDOR BDF [IOVA]: what the QEMU trace of a lab
run says about one device's DMA after the crash, for tests/lab/hostile.sh
and tests/lab/takeover.sh. It never reads a kernel's own account.

Windows on QEMU's clock, from console lines the trace times
(serial_write): "early" from the first kernel's "LAB: trigger" to the end
of the capture-side old-domain test ("LAB: takeover done": no driver of the
capture kernel has touched the device yet, so every DMA of it there is the
crashed kernel's or goes through what the takeover installed), "late"
from then to "LAB: capture done"; inside early, "poke1" and "poke2", each
between the capture-side test's "LAB: takeover pokeN start" and "... done"
lines (edu_poke waits for its DMA to complete). Crashkernel region: the
first kernel's crashkernel reservation line (qtrace.crashkernel_range)
(serial.log); without that line the script fails (exit 2): "nothing in
the crashkernel region" could not fail.

AMD (amdvi_translation_result "devid: BB:SS.F gpa G hpa H"; hpa 0 is a
fault): BDF's early translations (of the page of IOVA only, when given),
split into identity (hpa page == gpa page: Mode 0 or untranslated), moved
(translated elsewhere) and faulted, and those whose hpa lies in the
crashkernel region; BDF's late translations that moved (a translated
domain of the capture kernel).
VT-d (vtd_dmar_fault "sid S fault R addr A write W"): BDF's early write
faults (of the page of IOVA, when given).
Both: pokeN_dma (BDF's translations and faults of IOVA's page inside pokeN:
the poke fired) and pokeN_fault (of them, refused: a fault).

Prints one line of key=value pairs.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import qtrace  # noqa: E402

out, vendor, bdf = sys.argv[1:4]
iova = int(sys.argv[4], 16) if len(sys.argv) > 4 and sys.argv[4] else None
bus, slot, func = (int(x, 16) for x in re.split(r"[:.]", bdf.split(":", 1)[1]))
sid = bus << 8 | slot << 3 | func
short = qtrace.dev_name(bus, slot, func)
with open(out + "/trace.log", errors="replace") as f:
    text = f.read()
lines = qtrace.console_lines(text)


def at(needle, after=None):
    return qtrace.find_line(lines, needle, after=after)[0]


t0 = at("LAB: trigger")
tk = at("LAB: takeover done", after=t0)
t1 = at("LAB: capture done", after=t0)
pokes = {}
for n in (1, 2):
    s = at(f"LAB: takeover poke{n} start", after=t0)
    e = at(f"LAB: takeover poke{n} done", after=s) if s is not None else None
    pokes[n] = (s, e)
ck_start = ck_end = 0
with open(out + "/serial.log", errors="replace") as f:
    ck = qtrace.crashkernel_range(f.read())
if ck:
    ck_start, ck_end = ck
c = dict(xlate=0, ident=0, moved=0, fault=0, ck=0, late_moved=0, write_faults=0,
         poke1_dma=0, poke1_fault=0, poke2_dma=0, poke2_fault=0)
if t0 is not None and t1 is not None:
    early_end = tk if tk is not None else t1
    for e in qtrace.parse_dma(text, vendor):
        t = e["t"]
        if e["dev"] != short or t is None or not t0 <= t <= t1:
            continue
        on_page = iova is None or e["page"] == iova & qtrace.PAGE
        for n, (s, d) in pokes.items():
            if s is not None and d is not None and s <= t <= d and on_page and \
                    e["kind"] in ("fault", "xlate", "fill", "hit"):
                c[f"poke{n}_dma"] += 1
                c[f"poke{n}_fault"] += e["kind"] == "fault"
        if vendor == "intel":
            if t <= early_end and e["kind"] == "fault" and e["write"] and on_page:
                c["write_faults"] += 1
            continue
        if e["kind"] not in ("xlate", "fault"):
            continue
        hpa = e.get("hpa", 0) if e["kind"] == "xlate" else 0
        moved = e["kind"] == "xlate" and not e["identity"]
        if t > early_end:
            c["late_moved"] += moved
            continue
        if not on_page:
            continue
        c["xlate"] += 1
        c["ck"] += bool(hpa) and ck_start <= hpa < ck_end
        if e["kind"] == "fault":
            c["fault"] += 1
        elif moved:
            c["moved"] += 1
        else:
            c["ident"] += 1
print(" ".join("%s=%d" % kv for kv in c.items()),
      "ck_start=%#x ck_end=%#x" % (ck_start, ck_end),
      "windows=%s" % ("ok" if None not in (t0, tk, t1) else "missing"))
if not ck:
    print("hostile_trace: no crashkernel reservation line in serial.log: the "
          "crashkernel region is unknown", file=sys.stderr)
    sys.exit(2)
if None in (t0, t1):
    print("hostile_trace: no 'LAB: trigger' or 'LAB: capture done' console line in the "
          "trace", file=sys.stderr)
    sys.exit(2)
