#!/usr/bin/env python3
"""hostile_trace.py RUNDIR VENDOR BDF [IOVA]: what the QEMU trace of a lab
run says about one device's DMA after the crash, for tests/lab/hostile.sh.
It never reads a kernel's own account.

Two windows, on the host clock of the trace (as translation_window.py):
"early" from the crash trigger (last write of first.status) to the end of
the capture-side old-domain test (last write of takeover.log: no driver of
the capture kernel has touched the device yet, so every DMA of it there is
the crashed kernel's or goes through what the takeover installed), "late"
from then to the end of the capture (capture.status). Crashkernel region:
the first kernel's "Reserving NMB of memory at NMB for crashkernel"
(serial.log).

AMD (amdvi_translation_result "devid: BB:SS.F gpa G hpa H"; hpa 0 is a
fault): BDF's early translations (of the page of IOVA only, when given),
split into identity (hpa page == gpa page: Mode 0 or untranslated), moved
(translated elsewhere) and faulted, and those whose hpa lies in the
crashkernel region; BDF's late translations that moved (a translated
domain of the capture kernel).
VT-d (vtd_dmar_fault "sid S fault R addr A write W"): BDF's early write
faults.

Prints one line of key=value pairs.
"""
import os
import re
import sys

out, vendor, bdf = sys.argv[1:4]
iova = int(sys.argv[4], 16) if len(sys.argv) > 4 else None
bus, slot, func = (int(x, 16) for x in re.split(r"[:.]", bdf.split(":", 1)[1]))
sid = bus << 8 | slot << 3 | func
t0 = os.stat(out + "/first.status").st_mtime
tk = os.stat(out + "/takeover.log").st_mtime
t1 = os.stat(out + "/capture.status").st_mtime
ev_re = re.compile(r"^\d+@(?P<t>[0-9.]+):(?P<ev>\w+) (?P<args>.*)$")
xl_re = re.compile(r"devid: (?P<b>[0-9a-f]+):(?P<s>[0-9a-f]+)\.(?P<f>[0-9a-f]+) "
                   r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
vf_re = re.compile(r"sid 0x(?P<sid>[0-9a-f]+) fault (?P<r>\d+) addr 0x(?P<a>[0-9a-f]+) "
                   r"write (?P<w>\d)")
ck_start = ck_end = 0
with open(out + "/serial.log", errors="replace") as f:
    m = re.search(r"Reserving (\d+)MB of memory at (\d+)MB for crashkernel", f.read())
    if m:
        ck_start = int(m.group(2)) << 20
        ck_end = ck_start + (int(m.group(1)) << 20)
c = dict(xlate=0, ident=0, moved=0, fault=0, ck=0, late_moved=0, write_faults=0)
with open(out + "/trace.log", errors="replace") as f:
    for line in f:
        m = ev_re.match(line)
        if not m:
            continue
        t = float(m.group("t"))
        if not t0 <= t <= t1:
            continue
        early = t <= tk
        ev, args = m.group("ev"), m.group("args")
        if vendor == "amd" and ev == "amdvi_translation_result":
            x = xl_re.search(args)
            if not x or (int(x.group("b"), 16), int(x.group("s"), 16),
                         int(x.group("f"), 16)) != (bus, slot, func):
                continue
            gpa, hpa = int(x.group("gpa"), 16), int(x.group("hpa"), 16)
            moved = hpa and hpa >> 12 != gpa >> 12
            if not early:
                c["late_moved"] += bool(moved)
                continue
            if iova is not None and gpa >> 12 != iova >> 12:
                continue
            c["xlate"] += 1
            c["ck"] += ck_start <= hpa < ck_end
            if not hpa:
                c["fault"] += 1
            elif moved:
                c["moved"] += 1
            else:
                c["ident"] += 1
        elif vendor == "intel" and ev == "vtd_dmar_fault" and early:
            x = vf_re.search(args)
            if x and int(x.group("sid"), 16) == sid and x.group("w") == "1":
                c["write_faults"] += 1
print(" ".join("%s=%d" % kv for kv in c.items()),
      "ck_start=%#x ck_end=%#x" % (ck_start, ck_end))
