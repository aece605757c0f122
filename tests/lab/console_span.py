#!/usr/bin/env python3
"""console_span.py RUNDIR: an outside bound on the crash path's time.

From the lab run's QEMU trace (run with LAB_TRACE_EXTRA=serial_write),
the time on QEMU's clock from the first character of the crashed kernel's
"Kernel panic - not syncing" console line to the first character of the
crash path's result line ("crash_dma_quiesce: ... mode ..."), which
crash_dma_quiesce() prints right after its pass. The crash path runs
inside that span (with the rest of panic() before the crash shutdown and
the NMI stop of the other CPUs), so the span bounds its time without
trusting the record. Prints "<microseconds> panic".

A panic in NMI context prints nothing on the console before the kexec
(printk defers to the ringbuffer). The span is then taken from the last
console line of the crashed kernel to the first one of the capture
kernel ("Linux version"), which also holds the kexec, purgatory and the
capture kernel's early boot: "<microseconds> kexec". "none" when the
lines are missing.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "compare"))
import labtrace  # noqa: E402

lines = labtrace.console_lines(sys.argv[1])
t_panic, _ = labtrace.find_line(lines, "Kernel panic - not syncing")
t_q = labtrace.quiesce_line(lines, t_panic)
if t_q is not None:
    print(round((t_q - t_panic) * 1e6), "panic")
    sys.exit(0)
for i, (t, text) in enumerate(lines):
    if i and "Linux version" in text:
        print(round((t - lines[i - 1][0]) * 1e6), "kexec")
        break
else:
    print("none")
