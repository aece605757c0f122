#!/usr/bin/env python3
"""translation_window.py RUNDIR VENDOR: the translation-enable events of a
lab run's QEMU trace, for the oracle "translation never goes off".

From the first kernel's "LAB: trigger" console line to the capture
kernel's "LAB: capture done" (both timed by the trace's serial_write
events, on QEMU's clock), counts the writes that leave translation on and
those that turn it off: AMD amdvi_control_status (the Control Register
value of every write; IommuEn is bit 0), VT-d vtd_dmar_enable (TE
changes). Prints "before on off": events before the trigger (proof that
the event is traced at all), and in the window with translation on / off.
Without either console line it prints nothing and exits 2.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import qtrace  # noqa: E402

out, vendor = sys.argv[1:3]
with open(out + "/trace.log", errors="replace") as f:
    text = f.read()
lines = qtrace.console_lines(text)
t0, _ = qtrace.find_line(lines, "LAB: trigger")
t1, _ = qtrace.find_line(lines, "LAB: capture done", after=t0)
if t0 is None or t1 is None:
    print("translation_window: no 'LAB: trigger' or 'LAB: capture done' line in the trace",
          file=sys.stderr)
    sys.exit(2)
before = on = off = 0
for t, ev, args in qtrace.events(text, ("amdvi_control_status", "vtd_dmar_enable")):
    if vendor == "amd" and ev == "amdvi_control_status":
        en = int(re.search(r"0x([0-9a-f]+)", args).group(1), 16) & 1
    elif vendor == "intel" and ev == "vtd_dmar_enable":
        en = int(args.split()[-1])
    else:
        continue
    if t < t0:
        before += 1
    elif t <= t1:
        on += en == 1
        off += en == 0
print(before, on, off)
