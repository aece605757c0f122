#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""iommu_dump_drgn.py: the iommu-dump summary, written with drgn.

Usage: iommu_dump_drgn.py [--json] [--check] [--table N=ADDR[:SIZE]] VMCORE VMLINUX

An independent second reader: the record's layout comes from vmlinux's
DWARF (not from vmcoreinfo), the table entries are decoded here again
from the specifications:
  AMD DTE (48882 section 2.2.2): V bit 0, TV 1, Mode 11:9, IR 61, IW 62,
    DomainID 79:64;
  VT-d root entry (section 9.1): P bit 0, CTP 63:12;
  VT-d context entry (section 9.3): P bit 0, TT 3:2, SLPTPTR 63:12,
    AW 66:64, DID 87:72;
  VT-d second-level entry (section 9.8): R bit 0, W bit 1.
Exit status as iommu-dump: 0, 1 (--check: a device kept write),
2 (unusable dump), 3 (no record), 4 (--check undecided).
Needs python3-drgn (Debian's drgn 0.0.22 runs under /usr/bin/python3).
"""
import json
import struct
import sys

import drgn

AMD, INTEL = 1, 2
MODES = ["off", "write", "all", "disable"]
STATES = ["not run", "done", "translation off", "unsupported table format",
          "bad table pointer", "partial", "out of time budget",
          "translation disabled", "not handled (no memory at boot)"]


def bdf(sid):
    return "%02x:%02x.%x" % (sid >> 8, (sid >> 3) & 0x1f, sid & 7)


def read_phys(prog, addr, size):
    try:
        return prog.read(addr, size, True)
    except drgn.FaultError:
        return None


def amd_devices(prog, table, size, changed):
    devs, missing = [], 0
    for page in range(0, min(size, 65536 * 32), 4096):
        raw = read_phys(prog, table + page, min(4096, size - page))
        if raw is None:
            missing += len(range(page, min(size, page + 4096), 32))
            continue
        for off in range(0, len(raw) - 31, 32):
            sid = (page + off) // 32
            w0, w1 = struct.unpack_from("<QQ", raw, off)
            v, tv, mode = w0 & 1, (w0 >> 1) & 1, (w0 >> 9) & 7
            ir, iw, dom = (w0 >> 61) & 1, (w0 >> 62) & 1, w1 & 0xffff
            if not v:
                continue            # not used by the quiesce
            if tv and not mode and not ir and not iw and not dom and sid not in changed:
                continue            # Linux's default: blocked
            if not tv:
                r = w = True
            elif mode == 7:
                r = w = False
            else:
                r, w = bool(ir), bool(iw)
            devs.append({"bdf": bdf(sid), "domain": dom, "read": r, "write": w,
                         "changed": sid in changed})
    return devs, missing


def vtd_devices(prog, root_phys, changed):
    root = read_phys(prog, root_phys, 4096)
    if root is None:
        return None, 256 * 256
    devs, missing = [], 0
    for bus in range(256):
        lo, hi = struct.unpack_from("<QQ", root, 16 * bus)
        if not lo & 1:
            continue
        ctx = read_phys(prog, lo & ~0xfff, 4096)
        if ctx is None:
            missing += 256
            continue
        for devfn in range(256):
            clo, chi = struct.unpack_from("<QQ", ctx, 16 * devfn)
            if not clo & 1:
                continue
            sid = bus << 8 | devfn
            tt, aw, did = (clo >> 2) & 3, chi & 7, (chi >> 8) & 0xffff
            r = w = False
            if tt == 2:
                r = w = True
            elif tt in (0, 1) and 1 <= aw <= 3:
                top = read_phys(prog, clo & 0x000ffffffffff000, 4096)
                if top is None:
                    r = w = None
                else:
                    ents = struct.unpack("<512Q", top)
                    r = any(e & 1 for e in ents)
                    w = any(e & 2 for e in ents)
            devs.append({"bdf": bdf(sid), "domain": did, "read": r, "write": w,
                         "changed": sid in changed})
    return devs, missing


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = [a for a in argv if a.startswith("--")]
    tables = {}
    for o in opts:
        if o.startswith("--table="):
            n, _, rest = o[8:].partition("=")
            addr, _, size = rest.partition(":")
            tables[int(n)] = (int(addr, 0), int(size or "0", 0))
    if len(args) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 64
    prog = drgn.Program()
    try:
        prog.set_core_dump(args[0])
        prog.load_debug_info([args[1]])
    except Exception as e:          # drgn raises several types here
        print("iommu_dump_drgn: %s: %s" % (args[0], e), file=sys.stderr)
        return 2
    try:
        info = prog["crash_dma_quiesce_info"]
    except KeyError:
        print("iommu_dump_drgn: the kernel has no crash_dma_quiesce record", file=sys.stderr)
        return 3
    try:
        nr = info.nr_records.value_()
        khz = info.tsc_khz.value_()
        out = {"mode": MODES[info.mode.value_()] if info.mode.value_() < 4 else "?",
               "ran": bool(info.ran.value_()), "iommus": []}
        for i in range(min(nr, len(info.records))):
            rec = info.records[i]
            # Record version 3: the bitmap is 8 KiB at changed_phys.
            phys = rec.changed_phys.value_()
            bits = prog.read(phys, 8192, True) if phys else bytes(8192)
            changed = {n for n in range(65536) if bits[n // 8] >> (n % 8) & 1}
            vendor, state = rec.vendor.value_(), rec.state.value_()
            table, size = rec.root_phys.value_(), rec.root_size.value_()
            if i in tables:
                table, size = tables[i][0], tables[i][1] or size or 65536 * 32
            io = {"index": i, "vendor": "amd" if vendor == AMD else "intel",
                  "state": STATES[state] if state < len(STATES) else "?",
                  "table": "0x%x" % table,
                  "entries_changed": rec.entries_changed.value_(),
                  "us": rec.cycles.value_() * 1000 // khz if khz else None,
                  "devices": None, "missing": 0}
            if table:
                if vendor == AMD:
                    io["devices"], io["missing"] = amd_devices(prog, table, size, changed)
                else:
                    io["devices"], io["missing"] = vtd_devices(prog, table, changed)
            out["iommus"].append(io)
    except drgn.FaultError as e:
        print("iommu_dump_drgn: record not readable: %s" % e, file=sys.stderr)
        return 2

    kept = [(io["index"], d["bdf"]) for io in out["iommus"] for d in io["devices"] or []
            if d["write"]]
    undecided = (not out["iommus"] or
                 any(io["devices"] is None or io["missing"] or
                     any(d["write"] is None for d in io["devices"])
                     for io in out["iommus"]))
    off = any(io["state"] in ("translation off", "translation disabled")
              for io in out["iommus"])
    verdict = "fail" if kept or off else "unknown" if undecided else "pass"
    out["check"] = {"verdict": verdict, "kept_write": ["%s" % b for _, b in kept]}
    if "--json" in opts:
        print(json.dumps(out))
    else:
        print("record: mode %s, crash path %s, %d IOMMU(s)" %
              (out["mode"], "ran" if out["ran"] else "did not run", len(out["iommus"])))
        for io in out["iommus"]:
            print("IOMMU %d: %s, table %s, state %s, %d entries changed, %s us" %
                  (io["index"], io["vendor"], io["table"], io["state"],
                   io["entries_changed"], io["us"]))
            for d in io["devices"] or []:
                perm = lambda p, c: c if p else "-" if p is False else "?"
                print("  %s  domain %-5d %s%s  %s" %
                      (d["bdf"], d["domain"], perm(d["read"], "R"), perm(d["write"], "W"),
                       "revoked" if d["changed"] else "KEPT WRITE" if d["write"] else "-"))
            if io["devices"] is None:
                print("  tables: no table address (give --table=N=ADDR[:SIZE])")
        if "--check" in opts:
            print("check: %s%s" % (verdict.upper(),
                                   (": kept write: " + " ".join(out["check"]["kept_write"]))
                                   if kept else ""))
    if "--check" in opts:
        return {"pass": 0, "fail": 1, "unknown": 4}[verdict]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
