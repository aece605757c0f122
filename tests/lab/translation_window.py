#!/usr/bin/env python3
"""translation_window.py RUNDIR VENDOR: the translation-enable events of a
lab run's QEMU trace, for the oracle "translation never goes off".

From the trigger (last write of first.status) to the end of the capture
(last write of capture.status), counts the writes that leave translation
on and those that turn it off: AMD amdvi_control_status (the Control
Register value of every write; IommuEn is bit 0), VT-d vtd_dmar_enable
(TE changes). Prints "before on off": events before the trigger (proof
that the event is traced at all), and in the window with translation on /
off.
"""
import os
import re
import sys

out, vendor = sys.argv[1:3]
t0 = os.stat(out + "/first.status").st_mtime
t1 = os.stat(out + "/capture.status").st_mtime
ev_re = re.compile(r"^\d+@(?P<t>[0-9.]+):(?P<ev>\w+) (?P<args>.*)$")
before = on = off = 0
with open(out + "/trace.log", errors="replace") as f:
    for line in f:
        m = ev_re.match(line)
        if not m:
            continue
        ev, args = m.group("ev"), m.group("args")
        if vendor == "amd" and ev == "amdvi_control_status":
            en = int(re.search(r"0x([0-9a-f]+)", args).group(1), 16) & 1
        elif vendor == "intel" and ev == "vtd_dmar_enable":
            en = int(args.split()[-1])
        else:
            continue
        t = float(m.group("t"))
        if t < t0:
            before += 1
        elif t <= t1:
            on += en == 1
            off += en == 0
print(before, on, off)
