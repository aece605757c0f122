#!/usr/bin/env python3
"""ats_check.py RUNDIR: the device-TLB (ATS) state of a VT-d lab run, from
QEMU's trace and the dump, for tests/lab/run.sh (LAB_ATS=1 runs).

Trace: every context entry QEMU cached (vtd_iotlb_cc_update "IOTLB context
update bus B devfn D high H low L gen ..."): the translation type of a
legacy context entry is bits 3:2 of its low word (VT-d 9.3: 00b
untranslated requests only, 01b device-TLB: translated and translation
requests too, 10b pass-through). Devices whose entry QEMU cached with TT=01b
before the crash path's first table-pointer read: Linux had enabled ATS on
them. Dump: iommu-dump's decoding of the same devices' context entries as
the crash left them (iommu-dump.json, taken by the capture kernel from
/proc/vmcore): their translation and whether the crash path changed them.

Prints one JSON object: {"tt01_before": [BDF...], "tt_after": {BDF: [TT
values QEMU cached from the crash path's first table read to the capture
kernel's first IOMMU access (the crash window of qtrace.crash_window)]}, "dump":
{BDF: {"translation": ..., "changed": ..., "write": ...}}}.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import qtrace  # noqa: E402

CC_RE = re.compile(r"bus 0x(?P<bus>[0-9a-f]+) devfn 0x(?P<devfn>[0-9a-f]+) "
                   r"high 0x(?P<hi>[0-9a-f]+) low 0x(?P<lo>[0-9a-f]+)")

d = sys.argv[1]
with open(os.path.join(d, "trace.log"), errors="replace") as f:
    text = f.read()
lines = qtrace.console_lines(text)
t_armed = None
for t, line in lines:
    if "edu_dma: dev=" in line and " role=" in line and " iova=" in line:
        t_armed = t
win = qtrace.crash_window(text, "intel", t_armed)
t_crash = win["start"]
before, after = set(), {}
for t, ev, args in qtrace.events(text, ("vtd_iotlb_cc_update",)):
    m = CC_RE.search(args)
    if not m or t is None:
        continue
    devfn = int(m.group("devfn"), 16)
    bdf = qtrace.dev_name(int(m.group("bus"), 16), devfn >> 3, devfn & 7)
    tt = int(m.group("lo"), 16) >> 2 & 3
    if t_crash is None or t < t_crash:
        if tt == 1:
            before.add(bdf)
    elif win["end"] is None or t < win["end"]:
        # From the crash path to the capture kernel's first IOMMU access:
        # only the crashed kernel's tables, as the crash path left them.
        after.setdefault(bdf, []).append(tt)
dump = {}
try:
    with open(os.path.join(d, "iommu-dump.json")) as f:
        rep = json.load(f)
    for io in rep["iommus"]:
        for dev in io["devices"]:
            if dev["bdf"] in before:
                dump[dev["bdf"]] = {k: dev.get(k) for k in ("translation", "changed", "write")}
except (OSError, ValueError, KeyError):
    pass
print(json.dumps({"tt01_before": sorted(before), "tt_after": after, "dump": dump,
                  "t_crash": t_crash, "t_end": win["end"]}))
