#!/usr/bin/env python3
"""retire_trace.py RUNDIR VENDOR PORT DEV: what the QEMU trace of a hot-add
run of tests/lab/retire.sh says about the device DEV (BB:DD.F or
SEG:BB:DD.F) that QMP plugged into the root port PORT while the capture
kernel ran. It never reads a kernel's own account.

On the host clock of the trace (as translation_window.py), from the
device_add (RUN/hotadd.host t_add, written by qmp_hotadd.py) to the end of
the capture (capture.status):
  sbr       secondary bus resets of PORT (pci_cfg_write to its Bridge
            Control register, offset 3Eh, with Secondary Bus Reset, bit 6,
            set: PCI-to-PCI Bridge Architecture Specification 3.2.5.18);
            the first one's time splits the window in "before" and
            "after" the device's reset;
  before_ck DEV's translations into the crashkernel region (capture-kernel
            memory) before that reset: must be 0;
  after_ck  DEV's translations into the crashkernel region after it: the
            capture kernel's own DMA through a domain of its own;
  faults    DEV's faults after the reset (AMD: a translation result with
            hpa 0; VT-d: vtd_dmar_fault);
  xlate     every DEV translation after t_add.
AMD: amdvi_translation_result "devid: BB:SS.F gpa G hpa H"; VT-d:
vtd_iotlb_page_update / vtd_iotlb_page_hit "sid S iova I slpte P" (the
address is bits 51:12 of the leaf) and vtd_translate_pt (pass-through: the
IOVA itself). Crashkernel region: the first kernel's reservation line
(serial.log, qtrace.crashkernel_range: 6.1's or 6.12's wording).

Prints one line of key=value pairs.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import qtrace  # noqa: E402

out, vendor, port, dev = sys.argv[1:5]


def bdf(s):
    parts = re.split(r"[:.]", s)[-3:]
    return tuple(int(x, 16) for x in parts)


pb, ps, pf = bdf(port)
db, ds, df = bdf(dev)
sid = db << 8 | ds << 3 | df
host = {}
try:
    with open(out + "/hotadd.host") as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            host[k] = v
except OSError:
    pass
t_add = float(host.get("t_add") or 0)
t_end = os.stat(out + "/capture.status").st_mtime
ck_start = ck_end = 0
with open(out + "/serial.log", errors="replace") as f:
    ck = qtrace.crashkernel_range(f.read())
if ck:
    ck_start, ck_end = ck

ev_re = re.compile(r"^\d+@(?P<t>[0-9.]+):(?P<ev>\w+) (?P<args>.*)$")
cfg_re = re.compile(r"\S+ (?P<b>[0-9a-f]+):(?P<s>[0-9a-f]+)\.(?P<f>[0-9a-f]+) "
                    r"@0x(?P<o>[0-9a-f]+) <- 0x(?P<v>[0-9a-f]+)")
amd_re = re.compile(r"devid: (?P<b>[0-9a-f]+):(?P<s>[0-9a-f]+)\.(?P<f>[0-9a-f]+) "
                    r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
vtd_re = re.compile(r"sid 0x(?P<sid>[0-9a-f]+) iova 0x(?P<iova>[0-9a-f]+) "
                    r"slpte 0x(?P<pte>[0-9a-f]+)")
pt_re = re.compile(r"source id 0x(?P<sid>[0-9a-f]+), iova 0x(?P<iova>[0-9a-f]+)")
vf_re = re.compile(r"sid 0x(?P<sid>[0-9a-f]+) fault")

resets = []
xl = []       # (t, hpa or None for a fault)
if t_add:
    with open(out + "/trace.log", errors="replace") as f:
        for line in f:
            m = ev_re.match(line)
            if not m:
                continue
            t = float(m.group("t"))
            if not t_add <= t <= t_end:
                continue
            ev, args = m.group("ev"), m.group("args")
            if ev == "pci_cfg_write":
                c = cfg_re.match(args)
                if not c or (int(c.group("b"), 16), int(c.group("s"), 16),
                             int(c.group("f"), 16)) != (pb, ps, pf):
                    continue
                o, v = int(c.group("o"), 16), int(c.group("v"), 16)
                if (o == 0x3e and v & 0x40) or (o == 0x3c and v & 0x400000):
                    resets.append(t)
            elif vendor == "amd" and ev == "amdvi_translation_result":
                x = amd_re.search(args)
                if x and (int(x.group("b"), 16), int(x.group("s"), 16),
                          int(x.group("f"), 16)) == (db, ds, df):
                    xl.append((t, int(x.group("hpa"), 16) or None))
            elif vendor == "intel" and ev in ("vtd_iotlb_page_update", "vtd_iotlb_page_hit"):
                x = vtd_re.search(args)
                if x and int(x.group("sid"), 16) == sid:
                    xl.append((t, int(x.group("pte"), 16) & 0x000FFFFFFFFFF000))
            elif vendor == "intel" and ev == "vtd_translate_pt":
                x = pt_re.search(args)
                if x and int(x.group("sid"), 16) == sid:
                    xl.append((t, int(x.group("iova"), 16)))
            elif vendor == "intel" and ev == "vtd_dmar_fault":
                x = vf_re.search(args)
                if x and int(x.group("sid"), 16) == sid:
                    xl.append((t, None))

t_sbr = resets[0] if resets else None


def in_ck(hpa):
    return hpa is not None and ck_start <= hpa < ck_end


before = [e for e in xl if t_sbr is None or e[0] < t_sbr]
after = [e for e in xl if t_sbr is not None and e[0] >= t_sbr]
c = dict(sbr=len(resets), xlate=len(xl),
         before_ck=sum(in_ck(h) for _, h in before),
         before=len(before),
         after_ck=sum(in_ck(h) for _, h in after),
         faults=sum(h is None for _, h in after))
print(" ".join("%s=%d" % kv for kv in c.items()),
      "t_add=%.3f t_sbr=%s ck_start=%#x ck_end=%#x result=%s" % (
          t_add, "%.3f" % t_sbr if t_sbr else "none", ck_start, ck_end,
          host.get("result", "none").replace(" ", "_")))
