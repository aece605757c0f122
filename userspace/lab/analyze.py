#!/usr/bin/env python3
"""Judge one kdump lab run with independent oracles.

Usage: analyze.py RESULTDIR [--vmlinux FILE] [--crash-timeout S] [-q]

Oracles (none of them is the crash path's own account of what it did):
  * the dump: each edu target page is read at its physical address with
    crash(8) ("rd -p"); the pattern means the edu write landed, the canary
    means it did not;
  * the QEMU trace: amdvi_page_fault / vtd_dmar_fault at an edu IOVA, from
    that edu device;
  * the capture kernel's fault log (VT-d "DMAR: [DMA Write ...]" lines;
    QEMU 7.2's AMD-Vi never writes its event log, so AMD prints none).
The crash path's own lines ("crash_dma_quiesce: ...") are only reported.

Writes RESULTDIR/result.json and RESULTDIR/report.txt, prints the report.
Exit status: 0 when the run produced a dump that crash opens, 1 otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys

LINE_RE = re.compile(
    r"edu_dma: dev=(?P<dev>\S+) index=(?P<index>\d+) role=(?P<role>\w+) "
    r"iova=(?P<iova>0x[0-9a-f]+) phys=(?P<phys>0x[0-9a-f]+) len=(?P<len>\d+) "
    r"canary=(?P<canary>0x[0-9a-f]+) pattern=(?P<pattern>0x[0-9a-f]+)")
TS_RE = re.compile(r"^\[\s*[0-9.]+\]\s*")
# QEMU 7.2 trace formats (hw/i386/trace-events), "log" backend with
# "-msg timestamp=on": "PID@SEC.USEC:event args".
TRACE_RE = re.compile(r"^(?:\d+@(?P<t>[0-9.]+):)?(?P<ev>\w+) (?P<args>.*)$")
AMD_FAULT_RE = re.compile(r"address 0x(?P<addr>[0-9a-f]+)")
AMD_XLATE_RE = re.compile(
    r"devid: (?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>[0-9a-f]+) "
    r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
VTD_FAULT_RE = re.compile(
    r"sid 0x(?P<sid>[0-9a-f]+) fault (?P<fault>\d+) addr 0x(?P<addr>[0-9a-f]+) "
    r"write (?P<write>\d)")
DMAR_LOG_RE = re.compile(
    r"DMAR: \[DMA (?P<dir>Read|Write)[^\]]*\] Request device "
    r"\[(?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>\d+)\]"
    r".*?fault addr 0x(?P<addr>[0-9a-f]+)(?: \[fault reason 0x(?P<reason>[0-9a-f]+)\])?")
READBACK_RE = re.compile(
    r"edu_dma: dev=(?P<dev>\S+) readback=(?P<kind>uniform|mixed) value=0x(?P<value>[0-9a-f]+)"
    r"(?: fill=0x(?P<fill>[0-9a-f]+))?")
VTD_UPDATE_RE = re.compile(r"sid 0x(?P<sid>[0-9a-f]+) iova 0x(?P<addr>[0-9a-f]+)")
RD_RE = re.compile(r"^\s*(?P<addr>[0-9a-f]+):\s+(?P<words>(?:[0-9a-f]{16}\s+)+)")
PAGE = ~0xFFF


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def keyvals(path):
    out = {}
    for line in read(path).splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def num(v, conv=float):
    try:
        return conv(v)
    except (TypeError, ValueError):
        return None


def bdf_of(dev):
    """'0000:01:00.0' -> (1, 0, 0)"""
    m = re.match(r"(?:[0-9a-f]{4}:)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$", dev)
    if not m:
        return None
    return int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))


def dev_name(bus, slot, func):
    return f"{bus:02x}:{slot:02x}.{func}"


def parse_trace(text, vendor):
    """IOMMU faults in the QEMU trace: list of {dev, addr, write, t}."""
    faults = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = TRACE_RE.match(line)
        if not m:
            continue
        ev, args = m.group("ev"), m.group("args")
        t = num(m.group("t"))
        if vendor == "intel" and ev == "vtd_dmar_fault":
            f = VTD_FAULT_RE.search(args)
            if f:
                sid = int(f.group("sid"), 16)
                faults.append({"dev": dev_name(sid >> 8, (sid >> 3) & 0x1F, sid & 7),
                               "addr": int(f.group("addr"), 16),
                               "write": f.group("write") == "1",
                               "reason": int(f.group("fault")), "t": t})
        elif vendor == "amd" and ev == "amdvi_page_fault":
            f = AMD_FAULT_RE.search(args)
            if not f:
                continue
            addr = int(f.group("addr"), 16)
            # amdvi_page_fault names no device and no direction; the
            # translation result that follows it (hpa 0) names the device.
            dev = None
            for nxt in lines[i + 1:i + 8]:
                x = AMD_XLATE_RE.search(nxt)
                if x and int(x.group("gpa"), 16) == addr:
                    dev = dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                   int(x.group("func"), 16))
                    break
            faults.append({"dev": dev, "addr": addr, "write": None, "t": t})
    return faults


def parse_accesses(text, vendor):
    """Translations that succeeded: set of (dev, page)."""
    seen = set()
    for line in text.splitlines():
        m = TRACE_RE.match(line)
        if not m:
            continue
        ev, args = m.group("ev"), m.group("args")
        if vendor == "amd" and ev == "amdvi_translation_result":
            x = AMD_XLATE_RE.search(args)
            if x and int(x.group("hpa"), 16):
                seen.add((dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                   int(x.group("func"), 16)), int(x.group("gpa"), 16) & PAGE))
        elif vendor == "intel" and ev in ("vtd_iotlb_page_update", "vtd_translate_pt"):
            x = VTD_UPDATE_RE.search(args)
            if x:
                sid = int(x.group("sid"), 16)
                seen.add((dev_name(sid >> 8, (sid >> 3) & 0x1F, sid & 7),
                          int(x.group("addr"), 16) & PAGE))
    return seen


def trace_invalidations(text, vendor):
    counts = {}
    names = (["amdvi_all_inval", "amdvi_devtab_inval", "amdvi_pages_inval",
              "amdvi_iotlb_inval", "amdvi_completion_wait"] if vendor == "amd" else
             ["vtd_inv_desc_cc_global", "vtd_inv_desc_cc_domain", "vtd_inv_desc_cc_device",
              "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
              "vtd_inv_desc_iotlb_pages", "vtd_context_cache_reset", "vtd_iotlb_reset",
              "vtd_inv_desc_wait_sw"])
    for line in text.splitlines():
        m = TRACE_RE.match(line)
        if m and m.group("ev") in names:
            counts[m.group("ev")] = counts.get(m.group("ev"), 0) + 1
    return counts


RECORD_SLOTS = 2  # records read back from the dump (one IOMMU per lab VM)
PRINT_RE = re.compile(r"^\$\d+ = (?P<val>\S+)\s*$", re.M)


def record_commands(sids):
    """crash(8) commands printing the crash path's result record: whether it
    ran, how many IOMMUs it knows, and where each record's `changed` bitmap
    is (record version 3: changed_phys, 8 KiB outside the record; its words
    are read with record_words_commands() in a second crash run)."""
    cmds = [("ran", None, "p crash_dma_quiesce_info.ran"),
            ("nr", None, "p crash_dma_quiesce_info.nr_records"),
            ("total_cycles", None, "p crash_dma_quiesce_info.total_cycles"),
            ("tsc_khz", None, "p crash_dma_quiesce_info.tsc_khz")]
    # TSC stamps of the crash shutdown (record version 2 and later)
    cmds += [(s, None, f"p crash_dma_quiesce_info.{s}")
             for s in ("shutdown_begin", "quiesce_begin", "quiesce_end", "shutdown_end")]
    if sids:
        cmds += [("phys", r, f"p/x crash_dma_quiesce_info.records[{r}].changed_phys")
                 for r in range(RECORD_SLOTS)]
    return cmds


def parse_record(out, rcmds, sids):
    """Decode the record_commands() output: {ran, nr, phys: {record: addr},
    changed: []} (changed is filled by record_changed())."""
    vals = [m.group("val") for m in PRINT_RE.finditer(out)]
    if len(vals) < len(rcmds):
        return {"read": False, "error": "crash printed no record (symbol missing?)"}
    rec = {"read": True, "ran": None, "nr": None, "changed": [], "phys": {}}
    for (kind, key, _), v in zip(rcmds, vals):
        try:
            n = int(v, 0)
        except ValueError:
            return {"read": False, "error": f"unexpected value {v!r}"}
        if kind == "phys":
            rec["phys"][key] = n
        else:
            rec[kind] = n
    return rec


def record_words_commands(rec, sids):
    """rd -p commands reading the words of the changed bitmaps that hold the
    source ids of interest: [((record, word), command)]."""
    out = []
    for r in range(min(rec.get("nr") or 0, RECORD_SLOTS)):
        phys = rec["phys"].get(r)
        if not phys:
            continue
        for w in sorted({sid // 64 for sid in sids}):
            out.append(((r, w), f"rd -p -64 {phys + 8 * w:#x} 1"))
    return out


def record_changed(rec, wcmds, words, sids):
    """Fill rec["changed"] from the rd -p words: the devices whose bit is set
    in some record's bitmap. A word that could not be read makes the record
    unreadable."""
    got = {}
    for (r, w), _ in wcmds:
        addr = rec["phys"][r] + 8 * w
        if addr not in words:
            rec["read"] = False
            rec["error"] = f"changed bitmap of record {r} not readable at {addr:#x}"
            return rec
        got[(r, w)] = words[addr]
    for sid in sorted(sids):
        if any(got.get((r, sid // 64), 0) >> (sid % 64) & 1
               for r in range(min(rec["nr"] or 0, RECORD_SLOTS))):
            rec["changed"].append(dev_name(sid >> 8, (sid >> 3) & 0x1F, sid & 7))
    return rec


def sid_of(dev):
    """'0000:01:00.0' or '01:00.0' -> 16-bit source id, None if unknown."""
    bdf = bdf_of(dev) if dev else None
    return None if bdf is None else bdf[0] << 8 | bdf[1] << 3 | bdf[2]


def record_vs_oracles(strategy, record, faults, buffers):
    """Does the crash path's own record agree with the independent oracles?
    write/all: it ran, and every device the QEMU trace saw faulting and every
    edu whose write the dump shows blocked is among the entries it says lost
    write permission; no edu whose write landed is. off: it did not run and
    claims no entry. Returns (bool or None when not judged, detail)."""
    if strategy not in ("off", "write", "all"):
        return None, f"not judged for strategy {strategy}"
    if not record.get("read"):
        return False, f"record not readable from the dump: {record.get('error')}"
    changed = set(record["changed"])
    name = lambda d: dev_name(*bdf_of(d)) if d and bdf_of(d) else None
    if strategy == "off":
        if record["ran"] or changed:
            return False, f"mode off, yet ran={record['ran']} changed={sorted(changed)}"
        return True, "record: crash path did not run, no entry changed"
    if record["ran"] != 1:
        return False, f"record says the crash path did not run (ran={record['ran']})"
    faulted = {name(f["dev"]) for f in faults if name(f["dev"])}
    blocked = {name(b["dev"]) for b in buffers if b["role"] == "write" and b.get("verdict") == "blocked"}
    landed = {name(b["dev"]) for b in buffers if b["role"] == "write" and b.get("verdict") == "landed"}
    missing = (faulted | blocked) - changed
    wrong = landed & changed
    if missing or wrong:
        return False, (f"record changed={sorted(changed)}; faulted in trace or blocked in dump "
                       f"but not in record: {sorted(missing)}; landed yet in record: {sorted(wrong)}")
    return True, (f"record changed {sorted(changed)} covers trace faults {sorted(faulted)} "
                  f"and dump-blocked writes {sorted(blocked)}")


def run_crash(vmlinux, dump, buffers, timeout, sids=()):
    """Open the dump with crash(8): sys, log, rd -p of every edu page, and
    the crash path's result record for the source ids `sids`."""
    rcmds = record_commands(sids)
    cmds = ["sys", "log"]
    for b in buffers:
        cmds.append(f"rd -p -64 {b['phys']:#x} {b['len'] // 8}")
        # Where an untranslated write (translation turned off) would land.
        if b["role"] == "write" and b["iova"] != b["phys"]:
            cmds.append(f"rd -p -64 {b['iova']:#x} {b['len'] // 8}")
    cmds.extend(c for _, _, c in rcmds)
    cmds.append("quit")
    res = {"ran": False, "rc": None, "sys_ok": False, "log_ok": False,
           "panic": None, "error": None, "words": {}, "record": None}
    try:
        p = subprocess.run(["crash", "-s", vmlinux, dump], input="\n".join(cmds) + "\n",
                           capture_output=True, text=True, timeout=timeout, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        res["error"] = str(e)
        return res, ""
    res["ran"] = True
    res["rc"] = p.returncode
    out = p.stdout + p.stderr
    for line in out.splitlines():
        m = re.match(r"\s*PANIC:\s*(.*)$", line)
        if m:
            res["panic"] = m.group(1).strip().strip('"')
        m = RD_RE.match(line)
        if m:
            addr = int(m.group("addr"), 16)
            for k, w in enumerate(m.group("words").split()):
                res["words"][addr + 8 * k] = int(w, 16)
    res["record"] = parse_record(out, rcmds, sids)
    rec = res["record"]
    if rec.get("read") and sids:
        # Second run: the bitmap words, at the addresses the first one gave.
        wcmds = record_words_commands(rec, sids)
        words = {}
        if wcmds:
            try:
                p2 = subprocess.run(["crash", "-s", vmlinux, dump],
                                    input="\n".join([c for _, c in wcmds] + ["quit"]) + "\n",
                                    capture_output=True, text=True, timeout=timeout,
                                    errors="replace")
                for line in (p2.stdout + p2.stderr).splitlines():
                    m = RD_RE.match(line)
                    if m:
                        addr = int(m.group("addr"), 16)
                        for k, w in enumerate(m.group("words").split()):
                            words[addr + 8 * k] = int(w, 16)
            except (OSError, subprocess.TimeoutExpired) as e:
                rec["read"], rec["error"] = False, f"second crash run: {e}"
        if rec.get("read"):
            record_changed(rec, wcmds, words, sids)
    res["sys_ok"] = bool(re.search(r"^\s*KERNEL:", out, re.M)) and res["panic"] is not None
    res["log_ok"] = "Kernel panic - not syncing" in out and "edu_dma:" in out
    if not res["sys_ok"]:
        res["error"] = (out.strip().splitlines() or ["no output"])[-1][:300]
    return res, out


def dump_state(words, b, addr=None):
    base = b["phys"] if addr is None else addr
    vals = [words.get(base + 8 * k) for k in range(b["len"] // 8)]
    if any(v is None for v in vals):
        return "unreadable", sum(v is None for v in vals)
    if all(v == b["pattern"] for v in vals):
        return "pattern", 0
    if all(v == b["canary"] for v in vals):
        return "canary", 0
    return "mixed", sum(v not in (b["pattern"], b["canary"]) for v in vals)


def readback_state(b, readbacks):
    """What the device buffer held in the capture kernel."""
    rb = readbacks.get(b["dev"])
    if rb is None:
        return None
    kind, value, fill = rb
    if kind != "uniform":
        return "mixed"
    if value == fill:
        return "not-written"
    if value == b["canary"]:
        return "canary"
    if value == b["pattern"]:
        return "pattern"
    if value == 0:
        return "zero"
    return f"{value:#x}"


def judge(run, b, faults, dmar_lines, accesses, readbacks):
    """Verdict of one edu transfer."""
    vendor, mode = run.get("vendor"), run.get("mode")
    bdf = bdf_of(b["dev"])
    short = dev_name(*bdf) if bdf else b["dev"]
    mine = [f for f in faults
            if (f["addr"] & PAGE) == (b["iova"] & PAGE) and f["dev"] in (short, None)
            and (f["write"] is None or f["write"] == (b["role"] == "write"))]
    b["trace_faults"] = len(mine)
    # A successful translation of that page by that device (AMD: any
    # translation result with a host address; VT-d: an IOTLB fill).
    b["trace_access"] = (short, b["iova"] & PAGE) in accesses
    b["capture_log_faults"] = sum(
        1 for d in dmar_lines
        if d["dev"] == short and (d["addr"] & PAGE) == (b["iova"] & PAGE))
    amd_pt = vendor == "amd" and mode == "pt"
    if amd_pt:
        # Mode-0 DTEs: QEMU 7.2 reports the untranslated address whatever
        # the permission, so a translation result proves no access.
        b["trace_access"] = None
    b["readback"] = readback_state(b, readbacks)
    notes = []
    if b["role"] == "write":
        state = b["dump"]
        # The write-role buffer is only ever read by the device: reading it
        # back must give the pattern. "not-written" means the capture
        # kernel's own DMA write through this device was blocked.
        if b["readback"] not in (None, "pattern"):
            notes.append(f"capture kernel read-back gave {b['readback']}, not the "
                         "pattern: its own DMA write through this device failed")
        if state == "pattern":
            verdict = "landed"
            if mine:
                notes.append("fault traced yet the pattern is in memory")
        elif state == "canary" and b.get("dump_at_iova") == "pattern":
            verdict = "landed-at-iova"
            notes.append("the write went untranslated: the IOVA was used as a physical "
                         "address and the pattern is there")
        elif state == "canary":
            if run.get("strategy") == "disable" and not mine:
                verdict = "untranslated"
                notes.append("translation off: the write went to physical address = IOVA "
                             f"({'not in the dump' if b.get('dump_at_iova') in (None, 'unreadable') else 'dump there: ' + b['dump_at_iova']})")
            elif mine:
                verdict = "blocked"
            elif amd_pt:
                verdict = "blocked"
                notes.append("oracle: dump only (AMD pass-through DTE, Mode 0: QEMU 7.2 "
                             "checks DTE.IW without tracing amdvi_page_fault)")
            else:
                verdict = "not-landed-no-fault"
                notes.append("canary intact but no fault traced: the DMA may not have run")
        else:
            verdict = "inconclusive"
            notes.append(f"dump shows {state}")
    else:
        # Two oracles: a fault at the read IOVA in the QEMU trace, and the
        # device buffer read back by the capture kernel (canary: the read
        # went through; zero: QEMU returned nothing, the read was blocked;
        # pattern: the buffer was not touched, the read did not run).
        rb = b["readback"]
        if rb == "canary":
            verdict = "inconsistent" if mine else "allowed"
            if mine:
                notes.append("fault traced yet the device buffer holds the read page")
        elif rb == "zero":
            verdict = "blocked"
            if not mine:
                notes.append("oracle: device buffer read back as zeros; no fault traced"
                             + (" (AMD pass-through DTE: QEMU 7.2 traces none)"
                                if amd_pt else ""))
        elif rb is not None:
            verdict = "inconclusive"
            notes.append(f"device buffer read back as {rb}"
                         + (" (translation off: read from physical address = IOVA)"
                            if run.get("strategy") == "disable" else ""))
        elif mine:
            verdict = "blocked"
            if b.get("readback_ignored"):
                notes.append("read-back unusable (capture kernel DMA write failed); "
                             "oracle: trace only")
        elif amd_pt:
            verdict = "unobservable"
            notes.append("no read-back, and QEMU 7.2 traces no fault for an AMD "
                         "pass-through DTE")
        else:
            verdict = "allowed"
            notes.append(("read-back unusable (capture kernel DMA write failed)"
                          if b.get("readback_ignored") else "no read-back")
                         + "; oracle: no fault traced"
                         + ("" if b["trace_access"] else ", and no traced access"))
    b["verdict"] = verdict
    b["notes"] = notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--vmlinux")
    ap.add_argument("--crash-timeout", type=int, default=180)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    d = args.dir
    run = keyvals(os.path.join(d, "run.env"))
    first = keyvals(os.path.join(d, "first.status"))
    capture = keyvals(os.path.join(d, "capture.status"))
    vendor = run.get("vendor", "amd")
    serial = read(os.path.join(d, "serial.log"))
    crashed = read(os.path.join(d, "crashed-dmesg.txt"))
    capture_log = read(os.path.join(d, "capture-dmesg.txt"))
    trace = read(os.path.join(d, "trace.log"))
    qemu_log = read(os.path.join(d, "qemu.log"))

    # Buffers: from the crashed kernel's log as extracted from the dump;
    # the serial console is the fallback when no dump was written.
    src = crashed if LINE_RE.search(crashed) else serial
    buffers, seen = [], set()
    for m in LINE_RE.finditer(src):
        if m.group("dev") in seen:
            continue
        seen.add(m.group("dev"))
        buffers.append({"dev": m.group("dev"), "index": int(m.group("index")),
                        "role": m.group("role"), "iova": int(m.group("iova"), 16),
                        "phys": int(m.group("phys"), 16), "len": int(m.group("len")),
                        "canary": int(m.group("canary"), 16),
                        "pattern": int(m.group("pattern"), 16)})

    quiesce = []
    for line in (crashed or serial).splitlines():
        i = line.find("crash_dma_quiesce:")
        if i >= 0:
            quiesce.append(TS_RE.sub("", line[i:]).strip())

    faults = parse_trace(trace, vendor)
    accesses = parse_accesses(trace, vendor)
    readbacks = {m.group("dev"): (m.group("kind"), int(m.group("value"), 16),
                                  int(m.group("fill") or "0", 16))
                 for m in READBACK_RE.finditer(capture_log)}
    # The read-back is an oracle only when the capture kernel's own DMA
    # write works: a write-role device must read back its pattern.
    rb_valid = None
    for b in buffers:
        if b["role"] == "write" and b["dev"] in readbacks:
            ok = readback_state(b, readbacks) == "pattern"
            rb_valid = ok if rb_valid is None else rb_valid and ok
    if rb_valid is False:
        for b in buffers:
            if b["role"] == "read":
                b["readback_ignored"] = readback_state(b, readbacks)
        readbacks_used = {}
    else:
        readbacks_used = readbacks
    dmar_lines = []
    for m in DMAR_LOG_RE.finditer(capture_log):
        dmar_lines.append({"dir": m.group("dir").lower(),
                           "dev": dev_name(int(m.group("bus"), 16), int(m.group("slot"), 16),
                                           int(m.group("func"))),
                           "addr": int(m.group("addr"), 16),
                           "reason": m.group("reason")})

    # iommu-dump's view of /proc/vmcore, taken in the capture kernel.
    iommu_dump_text = read(os.path.join(d, "iommu-dump.txt"))
    try:
        with open(os.path.join(d, "iommu-dump.json")) as f:
            iommu_dump_json = json.load(f)
    except (OSError, ValueError):
        iommu_dump_json = None

    dump = os.path.join(d, "vmcore.kdump")
    vmlinux = args.vmlinux or os.path.join(d, "vmlinux")
    crash = {"ran": False, "error": "no dump"}
    crash_out = ""
    if os.path.getsize(dump) if os.path.exists(dump) else 0:
        if os.path.exists(vmlinux):
            sids = {sid_of(b["dev"]) for b in buffers if sid_of(b["dev"]) is not None}
            sids |= {sid_of(f["dev"]) for f in faults if sid_of(f["dev"]) is not None}
            crash, crash_out = run_crash(vmlinux, dump, buffers, args.crash_timeout, sids)
        else:
            crash["error"] = f"no vmlinux at {vmlinux}"
    with open(os.path.join(d, "crash.out"), "w") as f:
        f.write(crash_out)
    words = crash.pop("words", {})
    record = crash.pop("record", None) or {"read": False, "error": crash.get("error")}

    for b in buffers:
        b["dump"], b["dump_odd_words"] = dump_state(words, b)
        b["dump_at_iova"] = (dump_state(words, b, b["iova"])[0]
                             if b["role"] == "write" and b["iova"] != b["phys"] else None)
        judge(run, b, faults, dmar_lines, accesses,
              readbacks if b["role"] == "write" else readbacks_used)

    record["matches_oracles"], record["detail"] = record_vs_oracles(
        run.get("strategy"), record, faults, buffers)

    edu_pages = {(b["iova"] & PAGE) for b in buffers}
    other = {}
    for f in faults:
        if (f["addr"] & PAGE) in edu_pages and f["dev"] in [
                dev_name(*bdf_of(b["dev"])) for b in buffers if bdf_of(b["dev"])]:
            continue
        other[f["dev"] or "unknown"] = other.get(f["dev"] or "unknown", 0) + 1

    capture_ok = (capture.get("dump_rc") == "0" and num(capture.get("dump_bytes"), int)
                  and crash.get("sys_ok") and crash.get("log_ok"))
    result = {
        "vendor": vendor, "mode": run.get("mode"), "strategy": run.get("strategy"),
        "reader": num(run.get("reader"), int),
        "qemu": {"rc": num(run.get("qemu_rc"), int), "timeout": run.get("qemu_timeout") == "1",
                 "wall_s": num(run.get("qemu_wall_s")),
                 "error": (qemu_log.strip().splitlines() or [None])[-1]
                 if run.get("qemu_rc") not in (None, "0") else None},
        "first_kernel": {
            "error": first.get("error"),
            "init_uptime_s": num(first.get("init_uptime")),
            "trigger_uptime_s": num(first.get("trigger_uptime")),
            "kexec_load_s": num(first.get("kexec_load_s")),
            "e1000e_rx_packets": num(first.get("e1000e_rx_packets"), int),
            "edu_ready": num(first.get("edu_ready"), int)},
        "capture": {
            "ok": bool(capture_ok), "error": capture.get("error"),
            "reached": bool(capture),
            "init_uptime_s": num(capture.get("init_uptime")),
            "dmesg_s": num(capture.get("dmesg_s")),
            "dump_s": num(capture.get("dump_s")),
            "dump_rc": num(capture.get("dump_rc"), int),
            "dump_bytes": num(capture.get("dump_bytes"), int),
            "vmcore_bytes": num(capture.get("vmcore_bytes"), int),
            "readback_s": num(capture.get("readback_s")),
            "done_uptime_s": num(capture.get("done_uptime"))},
        "crash": crash,
        "record": record,
        "iommu_dump": {"rc": num(capture.get("iommu_dump_rc"), int),
                       "result": iommu_dump_json},
        "quiesce_log": quiesce,
        "capture_device_dma": ("ok" if rb_valid else "failed" if rb_valid is False
                               else "unknown"),
        "buffers": [dict(b, iova=hex(b["iova"]), phys=hex(b["phys"]),
                         canary=hex(b["canary"]), pattern=hex(b["pattern"])) for b in buffers],
        "trace": {"iommu_faults": len(faults), "other_faults_by_dev": other,
                  "invalidations": trace_invalidations(trace, vendor)},
        "capture_fault_log": [dict(x, addr=hex(x["addr"])) for x in dmar_lines],
    }
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    r = []
    r.append(f"kdump lab: vendor={vendor} mode={run.get('mode')} "
             f"strategy={run.get('strategy')}  ({d})")
    if first.get("error"):
        r.append(f"first kernel ERROR: {first['error']}")
    if run.get("qemu_timeout") == "1":
        r.append(f"QEMU TIMED OUT after {run.get('timeout')} s")
    elif result["qemu"]["error"]:
        r.append(f"QEMU FAILED (exit {run.get('qemu_rc')}): {result['qemu']['error']}")
    r.append("crash path log:" if quiesce else
             "crash path log: no crash_dma_quiesce: line (quiesce absent or mode off)")
    r.extend("  " + q for q in quiesce)
    r.append("edu transfers:")
    if not buffers:
        r.append("  none logged")
    for b in buffers:
        extra = f"; {'; '.join(b['notes'])}" if b["notes"] else ""
        r.append(f"  {b['dev']} {b['role']:5} iova={b['iova']:#x} phys={b['phys']:#x}: "
                 f"{b['verdict'].upper()} (dump: {b['dump']}, trace faults: "
                 f"{b['trace_faults']}, traced access: "
                 f"{ {True: 'yes', False: 'no', None: 'n/a'}[b['trace_access']]}, "
                 f"read-back: {b['readback'] or 'none'}, "
                 f"capture-log faults: {b['capture_log_faults']}){extra}")
    if other:
        r.append("other IOMMU faults in the trace: " +
                 ", ".join(f"{k}: {v}" for k, v in sorted(other.items())))
    if record.get("matches_oracles") is not None:
        r.append(f"result record vs oracles: {'AGREE' if record['matches_oracles'] else 'DISAGREE'}"
                 f" ({record['detail']})")
    if iommu_dump_text.strip():
        r.append("iommu-dump in the capture kernel (/proc/vmcore):")
        lines = iommu_dump_text.rstrip().splitlines()
        r.extend("  " + x for x in lines[:24])
        if len(lines) > 24:
            r.append(f"  ... {len(lines) - 24} more lines in iommu-dump.txt")
    if dmar_lines:
        r.append(f"capture kernel fault log: {len(dmar_lines)} DMAR fault line(s)")
    if rb_valid is False:
        r.append("capture kernel DMA: FAILED - its read-back write through an edu device "
                 "that the crash path had quiesced did not land")
    elif rb_valid:
        r.append("capture kernel DMA: ok (edu read-back through the capture kernel's IOMMU)")
    c = result["capture"]
    if c["reached"]:
        r.append(f"capture: {'OK' if capture_ok else 'FAILED'}; dump "
                 f"{(c['dump_bytes'] or 0) / 2**20:.1f} MiB in {c['dump_s']} s "
                 f"(makedumpfile rc {c['dump_rc']}), capture kernel at init "
                 f"{c['init_uptime_s']} s after its boot; crash: "
                 f"sys {'ok' if crash.get('sys_ok') else 'FAILED'}, "
                 f"log {'ok' if crash.get('log_ok') else 'FAILED'}")
    else:
        r.append("capture: NOT REACHED")
    r.append(f"timing: QEMU wall {run.get('qemu_wall_s')} s, first kernel trigger at "
             f"{first.get('trigger_uptime')} s uptime")
    report = "\n".join(r) + "\n"
    with open(os.path.join(d, "report.txt"), "w") as f:
        f.write(report)
    if not args.quiet:
        sys.stdout.write(report)
    return 0 if capture_ok else 1


if __name__ == "__main__":
    sys.exit(main())
