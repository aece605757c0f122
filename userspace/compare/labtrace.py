#!/usr/bin/env python3
"""What one kdump lab run shows about DMA after the crash.

Reads a lab run directory (userspace/lab/run.sh: trace.log, serial.log,
result.json, first.status, capture.status, the two dmesg files) and returns
the figures the strategy comparison and the benchmark need. Independent of
the code under test: the QEMU trace, the guest's serial console as QEMU saw
it, the dump as analyze.py read it with crash(8).

The run must have been made with the extra QEMU trace events of
TRACE_EXTRA (run.sh LAB_TRACE_EXTRA):

  serial_write      every byte the guest writes to the UART, with QEMU's
                    host timestamp: console lines get the host time at which
                    they were printed, on the same clock as every other
                    trace event. Only lines printed while a console is
                    registered are timed this way (the early boot messages
                    of a kernel come out later, in one burst); the panic
                    line and the lab's own lines are.
  e1000e_rx_descr, e1000e_rx_desc_buff_write
                    each received frame: the descriptor the e1000e fetched
                    and the buffer (IOVA, length) it writes the frame to.
                    The IOMMU events that follow them in the trace, from the
                    same QEMU thread, tell what became of that write.
  amdvi_mmio_read, vtd_reg_read, vtd_reg_write, vtd_iotlb_page_hit
                    IOMMU register accesses (QEMU 7.2 traces AMD-Vi register
                    writes as amdvi_mmio_read too) and VT-d IOTLB hits.

The post-panic window: the panic starts at the trigger's own console
marker, "edu_dma: trigger: panic now", which the lab module prints (from
the trigger's write, synchronously) right before it calls panic(); the
time of its last character. (Without it, runs of an older module: the end
of init.sh's "LAB: trigger".) Times are per character, not per line: the
shell's line can be left without its newline when the kernel's panic
output takes over the console, so the panic's own text is timed by its
first character, "Kernel panic - not syncing". The window ends when the crash path's
first invalidation completes: the first COMPLETION_WAIT (AMD,
amdvi_completion_wait) or wait descriptor (VT-d, vtd_inv_desc_wait_sw)
after the trigger whose store value carries the crash path's tag (AMD:
upper half "DMAQ", 0x444d4151; VT-d: 0x5141 in the upper 16 bits of the
status data), which the driver's own waits never use. With the early
pass (crash_dma_quiesce_early=1) that is before the panic line; without
it, after the other CPUs were stopped.

e1000e frames after the crash (t >= the trigger; the panic line when the
run has no trigger line) are judged one by one:
  landed        a translation of the buffer succeeded (AMD: a
                translation result with a host address; VT-d: an IOTLB
                fill or hit): the data went to that host address
  blocked       every translation of the buffer faulted (VT-d: or hit a
                leaf without write permission, which QEMU refuses without
                a fault record: the pass-through replacement table)
  untranslated  no IOMMU event at all: translation was off, so the IOVA
                was used as a physical address
and the physical address reached is placed: the crashkernel region (from
the first kernel's /proc/iomem), the rest of the crashed kernel's RAM
(e820 "usable" ranges of the crashed kernel), or no RAM (dropped).
AMD pass-through entries (DTE Mode 0) are traced by QEMU 7.2 with a host
address whatever their permission (the crash path leaves them IR only),
so AMD frames of a MODE=pt run would read as landed: make compare, bench
and soak judge e1000e frames in translated mode only.
Descriptor write-backs (a write to the descriptor the device has just read)
are counted apart: on AMD, QEMU 7.2's IOTLB keeps the leaf permission of
the read translation, so they pass even after DTE.IW was cleared (an
emulator artifact, see shared/notes/qemu-iommu-emulation.md). VT-d denies
such a write silently (no trace), so they are not counted there.
"""
import gzip
import json
import os
import re
import sys

# The lab's own file helpers (userspace/lab/analyze.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from analyze import keyvals, read  # noqa: E402
import qtrace  # noqa: E402
from qtrace import LINE_RE, find_line, last_line, serial_lines, serial_text, text_time  # noqa: E402,F401

TRACE_EXTRA = ("serial_write e1000e_rx_descr e1000e_rx_desc_buff_write "
               "amdvi_mmio_read vtd_reg_read vtd_reg_write vtd_iotlb_page_hit")

# The crash path's own completion-wait values (see the module docstring).
CQ_WAIT = {"amdvi_completion_wait": re.compile(r"data 0x444d4151[0-9a-f]{8}\b"),
           "vtd_inv_desc_wait_sw": re.compile(r"data 0x5141[0-9a-f]{4}\b")}

# tests/kmod/edu_dma.c prints it right before its panic().
TRIGGER_MARK = "edu_dma: trigger: panic now"

E1000E = "00:06.0"
E1000E_SID = 6 << 3
PAGE = ~0xFFF
SLPTE_ADDR = 0x000FFFFFFFFFF000
SLPTE_W = 0x2   # VT-d second-level PTE bit 1: write

DESCR_RE = re.compile(r"PA: 0x(?P<pa>[0-9a-f]+), length: (?P<len>\d+)")
BUFW_RE = re.compile(r"addr: 0x(?P<addr>[0-9a-f]+), offset: (?P<off>\d+), .*length: (?P<len>\d+)")
AMD_XLATE_RE = re.compile(
    r"devid: (?P<dev>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) gpa 0x(?P<gpa>[0-9a-f]+) "
    r"hpa 0x(?P<hpa>[0-9a-f]+)")
AMD_MMIO_RE = re.compile(r"^(?P<reg>AMDVI_MMIO_\w+) read addr 0x(?P<addr>[0-9a-f]+)")
VTD_FAULT_RE = re.compile(
    r"sid 0x(?P<sid>[0-9a-f]+) fault (?P<fault>\d+) addr 0x(?P<addr>[0-9a-f]+) "
    r"write (?P<write>\d)")
VTD_IOTLB_RE = re.compile(
    r"sid 0x(?P<sid>[0-9a-f]+) iova 0x(?P<iova>[0-9a-f]+) slpte 0x(?P<slpte>[0-9a-f]+)")
VTD_REG_RE = re.compile(r"addr 0x(?P<addr>[0-9a-f]+) size")
E820_RE = re.compile(r"BIOS-e820: \[mem 0x(?P<s>[0-9a-f]+)-0x(?P<e>[0-9a-f]+)\] usable")
RAMDISK_RE = re.compile(r"RAMDISK: \[mem 0x(?P<s>[0-9a-f]+)-0x(?P<e>[0-9a-f]+)\]")
PROBE_RE = re.compile(
    r"edu_dma: probe phys=0x(?P<phys>[0-9a-f]+) pattern_words=(?P<n>\d+)")
RESET_RE = re.compile(r"iommu kdump: reset in (\d+) us")
TS_RE = re.compile(r"^\[\s*(?P<ts>[0-9]+\.[0-9]+)\]\s*(?P<msg>.*)$")

# AMD-Vi Device Table Base Address register, VT-d RTADDR_REG (+4: high half)
AMD_TABLE_REG = "AMDVI_MMIO_DEVTAB_BASE"
VTD_RTADDR = (0x20, 0x24)


def parse_range(text):
    """'2f000000-3effffff' -> (0x2f000000, 0x3effffff), else None"""
    m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+)\s*$", text or "")
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else None


class Places:
    """Where a physical address lies, from the crashed kernel's view."""

    def __init__(self, crashkernel, ram):
        self.crashkernel = crashkernel
        self.ram = ram

    def place(self, phys):
        ck = self.crashkernel
        if ck and ck[0] <= phys <= ck[1]:
            return "crashkernel"
        if any(s <= phys <= e for s, e in self.ram):
            return "ram"
        return "none"


class Frame:
    """One frame the e1000e received after the crash."""

    def __init__(self, t, desc):
        self.t = t
        self.desc = desc
        self.buf = None          # (iova, length)
        self.ok = []             # physical addresses written
        self.faults = 0
        self.wb_ok = 0
        self.wb_fault = 0
        self.read_fault = False

    def buf_pages(self):
        if not self.buf:
            return set()
        a, n = self.buf
        return set(range(a & PAGE, (a + max(n, 1) - 1 & PAGE) + 1, 0x1000))

    def in_desc(self, addr):
        return self.desc <= addr < self.desc + 16


def quiesce_line(lines, t_panic):
    """Time of the crash path's first result line ("crash_dma_quiesce:
    <IOMMU> at <addr>: mode ...") after the panic line, or None."""
    if t_panic is None:
        return None
    for t, text in lines:
        if t >= t_panic and "crash_dma_quiesce: " in text and ": mode " in text:
            return t
    return None


def analyze(d):
    """Figures of the run in directory @d (see the module docstring)."""
    run = keyvals(os.path.join(d, "run.env"))
    first = keyvals(os.path.join(d, "first.status"))
    capture = keyvals(os.path.join(d, "capture.status"))
    vendor = run.get("vendor", "amd")
    try:
        with open(os.path.join(d, "result.json")) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = {}
    crashed = read(os.path.join(d, "crashed-dmesg.txt"))
    capture_log = read(os.path.join(d, "capture-dmesg.txt"))
    serial = read(os.path.join(d, "serial.log"))

    ck = parse_range(first.get("crashkernel"))
    if not ck:
        # first.status lost (e.g. rewritten by a capture kernel whose
        # initramfs was corrupted): the first kernel's boot log has it.
        r = qtrace.crashkernel_range(serial)
        if r:
            ck = (r[0], r[1] - 1)
    ram = [(int(m.group("s"), 16), int(m.group("e"), 16))
           for m in E820_RE.finditer(crashed or serial)]
    # The capture kernel's e820 lines come after the panic in serial.log;
    # the first kernel's are the first ones.
    if not crashed:
        first_boot = serial.split("Kernel panic", 1)[0]
        ram = [(int(m.group("s"), 16), int(m.group("e"), 16))
               for m in E820_RE.finditer(first_boot)]
    places = Places(ck, ram)

    # --- one pass over the trace -----------------------------------------
    serial_ev, frames, table_regs = [], [], []
    cur = None
    phase = None
    # e1000e faults since the last descriptor fetch: the fetch (a read)
    # is translated before QEMU traces e1000e_rx_descr.
    pending = []
    trace_path = os.path.join(d, "trace.log")
    try:
        if not os.path.exists(trace_path) and os.path.exists(trace_path + ".gz"):
            f = gzip.open(trace_path + ".gz", "rt", errors="replace")
        else:
            f = open(trace_path, errors="replace")
    except OSError:
        f = None
    t_panic = None
    lines_cache = []
    if f:
        with f:
            for line in f:
                m = LINE_RE.match(line)
                if not m or m.group("t") is None:
                    continue
                ev = m.group("ev")
                t = float(m.group("t"))
                args = m.group("args")
                if ev == "serial_write":
                    serial_ev.append((t, args))
                    continue
                lines_cache.append((t, ev, args))
    lines = serial_lines(serial_ev)
    stream = serial_text(serial_ev)
    _, panic_text = find_line(lines, "Kernel panic - not syncing")
    t_panic = text_time(stream, "Kernel panic - not syncing")
    t_trigger = None
    if t_panic is not None:
        t_trigger = text_time(stream, TRIGGER_MARK, before=t_panic, last=True, end=True)
        if t_trigger is None:
            t_trigger = text_time(stream, "LAB: trigger", before=t_panic, last=True, end=True)
    t_start = t_trigger if t_trigger is not None else t_panic
    # The crash path's first completed invalidation after the trigger.
    t_quiesced = None
    if t_start is not None:
        for t, ev, args in lines_cache:
            if t >= t_start and ev in CQ_WAIT and CQ_WAIT[ev].search(args):
                t_quiesced = t
                break
    t_qline = quiesce_line(lines, t_panic)
    t_up, _ = find_line(lines, "LAB: capture kernel up", after=t_panic) if t_panic else (None, None)
    t_done, _ = find_line(lines, "LAB: capture done", after=t_panic) if t_panic else (None, None)
    # The capture kernel's first line ends the crashed kernel's register
    # accesses (the crash path's own reads of the table register come
    # before it); without it, the crash path's log line (on the console
    # before record version 3) or the panic line.
    t_banner, _ = find_line(lines, "Linux version", after=t_panic) if t_panic else (None, None)
    t_after_crash_path = t_banner if t_banner is not None else \
        max(x for x in (t_panic, t_qline) if x is not None) if t_panic else None

    for t, ev, args in lines_cache:
        if t_panic is None:
            break
        # IOMMU table-base register accesses by the capture kernel.
        if t_after_crash_path is not None and t > t_after_crash_path and (t_up is None or t < t_up):
            if ev == "amdvi_mmio_read":
                mm = AMD_MMIO_RE.match(args)
                if mm and mm.group("reg") == AMD_TABLE_REG:
                    table_regs.append((t, "access"))
            elif ev in ("vtd_reg_read", "vtd_reg_write"):
                mm = VTD_REG_RE.match(args)
                if mm and int(mm.group("addr"), 16) in VTD_RTADDR:
                    table_regs.append((t, "write" if ev == "vtd_reg_write" else "access"))
        if t < t_start or (t_done is not None and t > t_done):
            continue
        if ev == "e1000e_rx_descr":
            mm = DESCR_RE.search(args)
            if mm:
                cur = Frame(t, int(mm.group("pa"), 16))
                cur.read_fault = any(cur.in_desc(a) for a in pending)
                pending = []
                frames.append(cur)
                phase = "desc"
            continue
        if ev == "amdvi_translation_result":
            mm = AMD_XLATE_RE.search(args)
            if mm and mm.group("dev") == E1000E and int(mm.group("hpa"), 16) == 0:
                pending.append(int(mm.group("gpa"), 16))
        elif ev == "vtd_dmar_fault":
            mm = VTD_FAULT_RE.search(args)
            if mm and int(mm.group("sid"), 16) == E1000E_SID and mm.group("write") == "0":
                pending.append(int(mm.group("addr"), 16))
        if ev == "e1000e_rx_desc_buff_write" and cur is not None:
            mm = BUFW_RE.search(args)
            if mm:
                cur.buf = (int(mm.group("addr"), 16) + int(mm.group("off")), int(mm.group("len")))
                phase = "data"
        elif cur is None or phase != "data":
            continue
        elif ev == "amdvi_translation_result":
            mm = AMD_XLATE_RE.search(args)
            if not mm or mm.group("dev") != E1000E:
                continue
            gpa, hpa = int(mm.group("gpa"), 16), int(mm.group("hpa"), 16)
            if (gpa & PAGE) in cur.buf_pages() and not cur.in_desc(gpa):
                if hpa:
                    cur.ok.append((hpa & PAGE) | (gpa & 0xFFF))
                else:
                    cur.faults += 1
            elif cur.in_desc(gpa):
                if hpa:
                    cur.wb_ok += 1
                else:
                    cur.wb_fault += 1
        elif ev == "vtd_dmar_fault":
            mm = VTD_FAULT_RE.search(args)
            if not mm or int(mm.group("sid"), 16) != E1000E_SID:
                continue
            addr = int(mm.group("addr"), 16)
            if (addr & PAGE) in cur.buf_pages() and not cur.in_desc(addr):
                cur.faults += 1
            elif cur.in_desc(addr) and mm.group("write") == "1":
                cur.wb_fault += 1
        elif ev in ("vtd_iotlb_page_update", "vtd_iotlb_page_hit"):
            mm = VTD_IOTLB_RE.search(args)
            if not mm or int(mm.group("sid"), 16) != E1000E_SID:
                continue
            iova = int(mm.group("iova"), 16)
            slpte = int(mm.group("slpte"), 16)
            if (iova & PAGE) not in cur.buf_pages():
                continue
            if slpte & SLPTE_W:
                cur.ok.append((slpte & SLPTE_ADDR) | (iova & 0xFFF))
            else:
                # A read-only leaf (the crash path's identity table for
                # pass-through entries): QEMU refuses the write, silently.
                cur.faults += 1

    # --- e1000e ------------------------------------------------------------
    e = {"fetches": len(frames), "frames": 0, "landed_ram": 0, "landed_crashkernel": 0, "landed_nowhere": 0,
         "blocked": 0, "untranslated": 0, "faulted": 0, "wb_landed": None, "wb_blocked": None,
         "first_landed_ms": [], "last_landed_ms": None,
         # landed in RAM after the panic line / after the crash path's
         # first completed invalidation (t_quiesced)
         "landed_after_panic_line": 0, "landed_after_quiesce": 0}
    if vendor == "amd":
        e["wb_landed"] = e["wb_blocked"] = 0
    for fr in frames:
        if fr.faults or fr.wb_fault or fr.read_fault:
            e["faulted"] += 1
        if not fr.buf:
            continue
        e["frames"] += 1
        if fr.ok:
            where = {places.place(p) for p in fr.ok}
        elif fr.faults:
            e["blocked"] += 1
            where = set()
        else:
            e["untranslated"] += 1
            where = {places.place(fr.buf[0])}
        if "crashkernel" in where:
            e["landed_crashkernel"] += 1
        elif "ram" in where:
            e["landed_ram"] += 1
            if fr.t >= t_panic:
                e["landed_after_panic_line"] += 1
            if t_quiesced is not None and fr.t >= t_quiesced:
                e["landed_after_quiesce"] += 1
            ms = round((fr.t - t_start) * 1000, 2)
            if len(e["first_landed_ms"]) < 5:
                e["first_landed_ms"].append(ms)
            e["last_landed_ms"] = ms
        elif where:
            e["landed_nowhere"] += 1
        if vendor == "amd":
            if fr.wb_ok:
                e["wb_landed"] += 1
            elif fr.wb_fault:
                e["wb_blocked"] += 1

    # --- edu -----------------------------------------------------------------
    buffers = res.get("buffers") or []
    writes = [b for b in buffers if b.get("role") == "write"]
    probe = None
    pm = PROBE_RE.search(capture_log)
    if pm:
        probe = {"phys": int(pm.group("phys"), 16), "pattern_words": int(pm.group("n"))}
    target = first.get("edu_target_iova")
    edu = {"writes": len(writes), "landed_ram": 0, "landed_crashkernel": 0,
           "landed_nowhere": 0, "blocked": 0, "unknown": 0, "faulted": 0,
           "verdicts": [b.get("verdict") for b in writes]}
    for b in writes:
        v = b.get("verdict")
        iova = int(b["iova"], 16)
        if b.get("trace_faults"):
            edu["faulted"] += 1
        if v == "landed":
            edu["landed_" + places.place(int(b["phys"], 16)).replace("none", "nowhere")] += 1
        elif v in ("landed-at-iova", "untranslated"):
            # Translation was off: the write went to physical address = IOVA.
            place = places.place(iova)
            edu["landed_" + place.replace("none", "nowhere")] += 1
        elif v == "blocked":
            edu["blocked"] += 1
        else:
            edu["unknown"] += 1

    # --- capture kernel -----------------------------------------------------
    after = serial.split("Kernel panic - not syncing", 1)
    capture_serial = after[1] if len(after) > 1 else ""
    ramdisk = RAMDISK_RE.search(capture_log or capture_serial)
    notes = []
    for key in ("Initramfs unpacking failed", "Kernel panic - not syncing",
                "No working init found", "Unable to mount root"):
        i = capture_serial.find(key, 1 if key.startswith("Kernel panic") else 0)
        if i >= 0:
            notes.append(capture_serial[i:].splitlines()[0].strip()[:160])

    rec = res.get("record") or {}
    cycles = rec.get("total_cycles") if rec.get("ran") else None
    khz = rec.get("tsc_khz")
    crash_us = cycles * 1000.0 / khz if cycles and khz else None
    shutdown = shutdown_cycles(rec)

    faults_log = len(res.get("capture_fault_log") or [])
    e1000e_log = sum(1 for x in res.get("capture_fault_log") or [] if x.get("dev") == E1000E)

    takeover_ms = takeover_window(table_regs)

    return {
        "dir": d,
        "vendor": vendor,
        "qemu_rc": (res.get("qemu") or {}).get("rc"),
        "qemu_timeout": (res.get("qemu") or {}).get("timeout"),
        "first_error": (res.get("first_kernel") or {}).get("error"),
        "capture_ok": bool((res.get("capture") or {}).get("ok")),
        "capture_reached": bool(capture),
        "capture_dma": res.get("capture_device_dma"),
        "crashkernel": [hex(x) for x in ck] if ck else None,
        "t_panic": t_panic,
        "panic_line": panic_text,
        "t_trigger": t_trigger,
        "t_quiesced": t_quiesced,
        # the post-panic DMA window: trigger -> first completed crash-path
        # invalidation, and whether that came before the panic line
        "window_ms": ((t_quiesced - t_start) * 1000
                      if t_quiesced is not None and t_start is not None else None),
        "quiesced_before_panic_line": (t_quiesced < t_panic
                                       if t_quiesced is not None and t_panic is not None else None),
        "panic_to_quiesce_line_s": (t_qline - t_panic) if t_panic and t_qline else None,
        "panic_to_capture_up_s": (t_up - t_panic) if t_panic and t_up else None,
        "panic_to_capture_done_s": (t_done - t_panic) if t_panic and t_done else None,
        # from the trigger (or the panic line): includes the early pass
        "trigger_to_capture_done_s": (t_done - t_start) if t_start and t_done else None,
        # retirement's resets at driver bind in the capture kernel
        # ("iommu kdump: reset in N us" lines): count and total time
        "resets": len(RESET_RE.findall(capture_log or "")),
        "reset_us": sum(int(x) for x in RESET_RE.findall(capture_log or "")),
        "crash_path_us": crash_us,
        "crash_path_cycles": cycles,
        "shutdown_us": shutdown * 1000.0 / khz if shutdown and khz else None,
        "crash_path_share": cycles / shutdown if shutdown and cycles else None,
        "quiesce_with_log_share": ((rec["quiesce_end"] - rec["quiesce_begin"]) / shutdown
                                   if shutdown else None),
        "crash_path_record_ran": rec.get("ran"),
        "takeover_ms": takeover_ms,
        "e1000e": e,
        "edu": edu,
        "edu_target_iova": target,
        "edu_probe": probe,
        "capture_ramdisk": ([hex(int(ramdisk.group("s"), 16)), hex(int(ramdisk.group("e"), 16))]
                            if ramdisk else None),
        "capture_fault_log": faults_log,
        "capture_fault_log_e1000e": e1000e_log,
        "capture_notes": notes,
        "capture_ran_init": "Run /init as init process" in capture_serial,
        "capture_last_console": (capture_serial.strip().splitlines() or [""])[-1][:160],
        "quiesce_log": res.get("quiesce_log") or [],
    }


def shutdown_cycles(rec):
    """TSC cycles of native_machine_crash_shutdown() from the record's
    stamps (version 2), or None when a stamp is missing or they are out of
    order (the quiesce must lie inside the shutdown and its walk inside its
    own stamps)."""
    st = [rec.get(k) for k in ("shutdown_begin", "quiesce_begin", "quiesce_end", "shutdown_end")]
    if not all(st) or st != sorted(st):
        return None
    if rec.get("ran") and (rec.get("total_cycles") or 0) > st[2] - st[1]:
        return None
    return st[3] - st[0]


def takeover_window(regs):
    """The capture kernel's takeover, in ms of QEMU (host) time: from its
    first access to the IOMMU's table-base register (reading the crashed
    kernel's table pointer) to the write that installs its own table. VT-d
    register writes are traced as such: the end is the first RTADDR write.
    QEMU 7.2 traces AMD-Vi register writes as amdvi_mmio_read, so the AMD
    end is the last access of the first burst (accesses less than 20 ms
    apart); later single reads belong to other code."""
    if len(regs) < 2:
        return None
    t0 = regs[0][0]
    writes = [t for t, kind in regs[1:] if kind == "write"]
    if writes:
        return (writes[0] - t0) * 1000
    end = t0
    for t, _ in regs[1:]:
        if t - end > 0.020:
            break
        end = t
    return (end - t0) * 1000 if end > t0 else None


def printk_times(text, needles):
    """Printk timestamps (s) of the first line containing each needle."""
    out = {}
    for line in text.splitlines():
        m = TS_RE.match(line)
        if not m:
            continue
        for k, n in needles.items():
            if k not in out and n in m.group("msg"):
                out[k] = float(m.group("ts"))
    return out


if __name__ == "__main__":
    import sys
    for arg in sys.argv[1:]:
        print(json.dumps(analyze(arg), indent=2))
