#!/usr/bin/env python3
"""Judge one kdump lab run with independent oracles.

Usage: analyze.py RESULTDIR [--vmlinux FILE] [--crash FILE] [--crash-timeout S] [-q]

Oracles (none of them is the crash path's own account of what it did):
  * the dump: each edu target page is read at its physical address with
    crash(8) ("rd -p"); the pattern means the edu write landed, the canary
    means it did not;
  * the QEMU trace (qtrace.py), on QEMU's clock: what the IOMMU did with
    each edu's DMA, named by requester id -- faults (amdvi_page_fault,
    vtd_dmar_fault), translations (amdvi_translation_result, VT-d IOTLB
    fills and hits, the pass-through fast path); the console lines
    (serial_write) split the run into before and after the arming of the
    crash-time DMA;
  * the capture kernel's edu read-back and its fault log (VT-d "DMAR:
    [DMA Write ...]" lines; QEMU 7.2's AMD-Vi never writes its event log).
The crash path's own lines ("crash_dma_quiesce: ...") are only reported.

Verdicts need positive evidence. A write LANDED when the dump shows its
pattern; it was BLOCKED only when the dump shows the canary and the trace
shows the device's DMA to that page after the arming (a fault, or a
translation without write permission): a canary alone is NOT-FIRED. A read
was ALLOWED only when the trace shows it translated or the read-back holds
the read page; BLOCKED on a traced fault or a zero read-back; otherwise
UNOBSERVED. With edu_dma preread=1 each write device read its own target
page before the arming: "preread" says whether the trace shows that read
translated (so that the IOMMU held a cached writable translation which
only an invalidation could drop).

Writes RESULTDIR/result.json and RESULTDIR/report.txt, prints the report.
Exit status: 0 when the run produced a dump that crash opens, 1 otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import qtrace

LINE_RE = re.compile(
    r"edu_dma: dev=(?P<dev>\S+) index=(?P<index>\d+) role=(?P<role>\w+) "
    r"iova=(?P<iova>0x[0-9a-f]+) phys=(?P<phys>0x[0-9a-f]+) len=(?P<len>\d+) "
    r"canary=(?P<canary>0x[0-9a-f]+) pattern=(?P<pattern>0x[0-9a-f]+)")
TS_RE = re.compile(r"^\[\s*[0-9.]+\]\s*")
DMAR_LOG_RE = re.compile(
    r"DMAR: \[DMA (?P<dir>Read|Write)[^\]]*\] Request device "
    r"\[(?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>\d+)\]"
    r".*?fault addr 0x(?P<addr>[0-9a-f]+)(?: \[fault reason 0x(?P<reason>[0-9a-f]+)\])?")
READBACK_RE = re.compile(
    r"edu_dma: dev=(?P<dev>\S+) readback=(?P<kind>uniform|mixed) value=0x(?P<value>[0-9a-f]+)"
    r"(?: fill=0x(?P<fill>[0-9a-f]+))?")
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


def trace_invalidations(text, vendor):
    names = (["amdvi_all_inval", "amdvi_devtab_inval", "amdvi_pages_inval",
              "amdvi_iotlb_inval", "amdvi_completion_wait"] if vendor == "amd" else
             ["vtd_inv_desc_cc_global", "vtd_inv_desc_cc_domain", "vtd_inv_desc_cc_device",
              "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
              "vtd_inv_desc_iotlb_pages", "vtd_context_cache_reset", "vtd_iotlb_reset",
              "vtd_inv_desc_wait_sw"])
    counts = {}
    for _, ev, _ in qtrace.events(text, names):
        counts[ev] = counts.get(ev, 0) + 1
    return counts


RECORD_SLOTS = 2  # records read back from the dump (one IOMMU per lab VM)
PRINT_RE = re.compile(r"^\$\d+ = (?P<val>\S+)\s*$", re.M)


def record_commands(sids):
    """crash(8) commands printing the crash path's result record: whether it
    ran, how many IOMMUs it knows, and where each record's `changed` bitmap
    is (record version 3: changed_phys, 8 KiB outside the record; its words
    are read in the same session by record_word_prints(), else with
    record_words_commands() in a second crash run)."""
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


# x86-64's direct map without KASLR of the memory layout (4-level paging):
# __PAGE_OFFSET_BASE_L4, arch/x86/include/asm/page_64_types.h.
PAGE_OFFSET_L4 = 0xffff888000000000
WORD_RE = re.compile(r"^W (?P<how>[PL]) (?P<r>\d+) (?P<w>\d+) (?P<val>[0-9a-f]+)\s*$", re.M)


def record_word_prints(sids):
    """gdb printf commands (through crash's "gdb") reading, in the same crash
    session as record_commands(), the words of each record slot's changed
    bitmap that hold the source ids `sids`: through the direct map, with
    page_offset_base where the kernel has it (P), else at PAGE_OFFSET_L4
    (L). A slot whose changed_phys is 0, or a read that fails, prints no
    value."""
    out = []
    for r in range(RECORD_SLOTS):
        for w in sorted({sid // 64 for sid in sids}):
            for how, base in (("P", "page_offset_base"), ("L", f"{PAGE_OFFSET_L4:#x}")):
                out.append(f'gdb printf "W {how} {r} {w} %lx\\n", ((unsigned long *)'
                           f"({base} + crash_dma_quiesce_info.records[{r}].changed_phys))[{w}]")
    return out


def record_words_printed(out, rec):
    """The bitmap words record_word_prints() printed, by physical address:
    the P values when any was printed (the kernel has page_offset_base),
    else the L ones; only of records below rec["nr"] with a changed_phys."""
    got = {"P": {}, "L": {}}
    for m in WORD_RE.finditer(out):
        got[m.group("how")][(int(m.group("r")), int(m.group("w")))] = int(m.group("val"), 16)
    vals = got["P"] or got["L"]
    words = {}
    for (r, w), v in vals.items():
        phys = rec["phys"].get(r)
        if phys and r < (rec.get("nr") or 0):
            words[phys + 8 * w] = v
    return words


def run_crash(vmlinux, dump, buffers, timeout, sids=(), crash_bin="crash"):
    """Open the dump with crash(8) (`crash_bin`): sys, log, rd -p of every
    edu page, and the crash path's result record for the source ids `sids`
    (its changed bitmap's words read in the same session through the direct
    map; a second session reads them with rd -p at the physical addresses
    the first one printed, if that failed)."""
    rcmds = record_commands(sids)
    cmds = ["sys", "log"]
    for b in buffers:
        cmds.append(f"rd -p -64 {b['phys']:#x} {b['len'] // 8}")
        # Where an untranslated write (translation turned off) would land.
        if b["role"] == "write" and b["iova"] != b["phys"]:
            cmds.append(f"rd -p -64 {b['iova']:#x} {b['len'] // 8}")
    cmds.extend(c for _, _, c in rcmds)
    if sids:
        cmds.extend(record_word_prints(sids))
    cmds.append("quit")
    res = {"ran": False, "rc": None, "sys_ok": False, "log_ok": False,
           "panic": None, "error": None, "words": {}, "record": None}
    try:
        p = subprocess.run([crash_bin, "-s", vmlinux, dump], input="\n".join(cmds) + "\n",
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
        wcmds = record_words_commands(rec, sids)
        words = record_words_printed(out, rec)
        if any(rec["phys"][r] + 8 * w not in words for (r, w), _ in wcmds):
            # Second run: the bitmap words, at the addresses the first one
            # gave, with rd -p.
            words = {}
        if wcmds and not words:
            try:
                p2 = subprocess.run([crash_bin, "-s", vmlinux, dump],
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


def refused(e, b):
    """Whether trace event @e (qtrace.parse_dma) is the IOMMU refusing edu
    transfer @b: a fault of its direction (AMD faults carry none: the walk
    refused the access it was asked for), QEMU's memory core rejecting the
    access of that direction right after the IOMMU translated it without
    the permission (an AMD Mode-0 DTE without IW), or for a write a VT-d
    IOTLB hit
    / fill whose leaf has W clear and maps the IOVA to the target page
    (QEMU caches the AND over all levels: such an entry refuses every
    write). A translation that returned an address is never a refusal."""
    write = b["role"] == "write"
    if e["kind"] == "fault":
        return e["write"] in (None, write)
    if e["kind"] == "rejected":
        return e["write"] == write
    if e["kind"] in ("hit", "fill") and write and "w" in e:
        return not e["w"] and qtrace.pte_points_at(e, b["iova"], b["phys"])
    return False


def judge(run, b, dma, win, dmar_lines, readbacks, cached=None):
    """Verdict of one edu transfer from the dump, the trace (@dma from
    qtrace.parse_dma) and the read-back.

    @win: {"armed", "start", "purgatory", "end"} on QEMU's clock
    (qtrace.crash_window): the crash-time DMA is judged on the device's
    accesses to its IOVA page from the arming to the capture kernel's
    first IOMMU access after purgatory's line, when only the crashed
    kernel's tables as the crash path left them translate and the capture
    kernel has done no DMA of its own. Without that end (no purgatory line,
    no capture-kernel IOMMU access) the window is open and nothing is
    judged blocked or allowed from the trace.
    @cached: (bool, detail) of qtrace.cached_until() for a write device
    with a pre-read: whether the IOTLB held its writable translation from
    the pre-read until the crash path's first table read."""
    bdf = bdf_of(b["dev"])
    short = dev_name(*bdf) if bdf else b["dev"]
    page = b["iova"] & PAGE
    t_armed, t_end = win.get("armed"), win.get("end")
    mine = [e for e in dma if e["dev"] == short and e["page"] in (page, None)
            and e["t"] is not None]
    before = [e for e in mine if t_armed is not None and e["t"] < t_armed]
    inside = [e for e in mine if t_armed is not None and t_end is not None
              and t_armed <= e["t"] < t_end and e["page"] == page]
    refusals = [e for e in inside if refused(e, b)]
    faults = [e for e in inside if e["kind"] == "fault"]
    b["window"] = {"armed": t_armed, "end": t_end, "purgatory": win.get("purgatory")}
    b["trace_faults"] = len(faults)
    b["trace_refusals"] = len(refusals)
    b["trace_after"] = sorted({e["kind"] for e in inside})
    b["capture_log_faults"] = sum(
        1 for d in dmar_lines
        if d["dev"] == short and (d["addr"] & PAGE) == page)
    b["readback"] = readback_state(b, readbacks)
    notes = []
    if t_armed is None:
        notes.append("no console lines in the trace (serial_write): the trace cannot "
                     "tell the crash-time DMA from earlier DMA")
    elif t_end is None:
        notes.append("window not closed: no purgatory line or no capture-kernel IOMMU "
                     "access after it in the trace; nothing judged from the trace")
    if b["role"] == "write":
        if b.get("preread"):
            # Cached before the crash: a translation of the pre-read that
            # no reset or invalidation dropped before the crash path's
            # first table read, or (VT-d pass-through) the device's
            # address space left on QEMU's bypass, which only a
            # context-cache invalidation ends.
            switches = [e for e in before if e["kind"] in ("bypass", "iommu")]
            bypass = bool(switches) and switches[-1]["kind"] == "bypass"
            ok, detail = cached if cached is not None else (False, "not checked")
            b["preread_traced"] = ok or bypass
            b["cached_detail"] = detail
            if bypass and not ok:
                notes.append("pre-read untraced: the device bypassed the IOMMU (VT-d "
                             "pass-through context) until the crash")
            elif not ok:
                notes.append(f"pre-read not shown cached until the crash: {detail}")
        state = b["dump"]
        if b["readback"] not in (None, "pattern"):
            notes.append(f"capture kernel read-back gave {b['readback']}, not the "
                         "pattern: its own DMA write through this device failed")
        if state == "pattern":
            verdict = "landed"
            if refusals:
                notes.append("refusal traced yet the pattern is in memory")
        elif state == "canary" and b.get("dump_at_iova") == "pattern":
            verdict = "landed-at-iova"
            notes.append("the write went untranslated: the IOVA was used as a physical "
                         "address and the pattern is there")
        elif state == "canary" and refusals:
            verdict = "blocked"
            if not faults and any(e["kind"] == "rejected" for e in refusals):
                notes.append("refused without a fault: QEMU's memory core rejected the write "
                             "the IOMMU had just translated without write permission (an AMD "
                             "Mode-0 DTE without IW)")
            elif not faults:
                notes.append("refused by a cached read-only entry (IOTLB hit / fill with "
                             "W clear mapping the target page; QEMU traces no fault)")
        elif state == "canary" and run.get("strategy") == "disable":
            verdict = "untranslated"
            notes.append("translation off: the write went to physical address = IOVA "
                         f"({'not in the dump' if b.get('dump_at_iova') in (None, 'unreadable') else 'dump there: ' + b['dump_at_iova']})")
        elif state == "canary" and inside:
            verdict = "unproven"
            notes.append(f"canary intact and the device's DMA to this page traced "
                         f"({','.join(b['trace_after'])}) but no refusal: no evidence "
                         "the IOMMU refused it")
        elif state == "canary":
            verdict = "not-fired"
            notes.append("canary intact but the trace shows no DMA of this device to "
                         "this page in the crash window: no evidence the write was tried")
        else:
            verdict = "inconclusive"
            notes.append(f"dump shows {state}")
    else:
        # The trace (a fault, or a translation of the page in the window)
        # and the device buffer read back by the capture kernel (the read
        # page's canary: the read went through; zeros: QEMU returned
        # nothing, the read was blocked). The first traced access of the
        # page in the window is the read itself (the device never touched
        # that page before): a VT-d fill, or an AMD page-table walk that
        # returned another address, means the IOMMU granted it.
        rb = b["readback"]
        first = inside[0] if inside else None
        walked = first is not None and (
            first["kind"] == "fill" or (first["kind"] == "xlate" and not first["identity"]))
        seen_ok = walked or rb == "canary"
        seen_blocked = bool(refusals) or rb == "zero"
        if seen_ok and seen_blocked:
            verdict = "inconsistent"
            notes.append(f"trace: {b['trace_after']}, read-back {rb}")
        elif seen_ok:
            verdict = "allowed"
        elif seen_blocked:
            verdict = "blocked"
        else:
            verdict = "unobserved"
            notes.append("no translation or fault of the read traced in the crash window, "
                         f"read-back {rb or 'none'}"
                         + (" (unusable: the capture kernel's DMA write failed)"
                            if b.get("readback_ignored") else ""))
        if rb not in (None, "canary", "zero"):
            notes.append(f"device buffer read back as {rb}")
    b["verdict"] = verdict
    b["notes"] = notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--vmlinux")
    ap.add_argument("--crash-timeout", type=int, default=180)
    ap.add_argument("--crash", help="crash(8) binary (default: the run's, run.env "
                    "crash=, else crash on PATH)")
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

    dma = qtrace.parse_dma(trace, vendor)
    faults = [e for e in dma if e["kind"] == "fault"]
    lines = qtrace.console_lines(trace)
    # The crash-time DMA is armed right after the buffer lines.
    t_armed = None
    for t, text in lines:
        if "edu_dma: dev=" in text and " role=" in text and " iova=" in text:
            t_armed = t
    win = dict(qtrace.crash_window(trace, vendor, t_armed), armed=t_armed)
    prereads = set(re.findall(r"edu_dma: dev=(\S+) preread iova=0x[0-9a-f]+ done", src))
    for b in buffers:
        b["preread"] = b["dev"] in prereads
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
            crash, crash_out = run_crash(vmlinux, dump, buffers, args.crash_timeout, sids,
                                         args.crash or run.get("crash") or "crash")
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
        cached = None
        if b["role"] == "write" and b.get("preread") and bdf_of(b["dev"]):
            cached = (qtrace.cached_until(trace, vendor, dev_name(*bdf_of(b["dev"])),
                                          b["iova"] & PAGE, t_armed, win["start"])
                      if t_armed is not None and win["start"] is not None else
                      (False, "no crash-path table read after the arming in the trace"))
        judge(run, b, dma, win, dmar_lines,
              readbacks if b["role"] == "write" else readbacks_used, cached)

    # Faults in the crash window only: later ones may be the capture
    # kernel's own doing.
    win_faults = [f for f in faults if f["t"] is not None and t_armed is not None
                  and win["end"] is not None and t_armed <= f["t"] < win["end"]]
    record["matches_oracles"], record["detail"] = record_vs_oracles(
        run.get("strategy"), record, win_faults, buffers)

    edu_pages = {(b["iova"] & PAGE) for b in buffers}
    other = {}
    for f in faults:
        if f["page"] in edu_pages and f["dev"] in [
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
                  "t_armed": t_armed, "window": win,
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
        pre = ("" if not b.get("preread") else
               f"pre-read {'traced' if b.get('preread_traced') else 'NOT traced'}, ")
        r.append(f"  {b['dev']} {b['role']:5} iova={b['iova']:#x} phys={b['phys']:#x}: "
                 f"{b['verdict'].upper()} (dump: {b['dump']}, {pre}trace after arming: "
                 f"{','.join(b['trace_after']) or 'nothing'}, "
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
