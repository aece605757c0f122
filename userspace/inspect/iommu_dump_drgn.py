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
  VT-d second-level entry (section 9.8): R bit 0, W bit 1;
  VT-d scalable mode (records with flag bit 7): root entry (section 9.2)
    LP bit 0, LCTP 63:12, UP bit 64, UCTP 127:76; context entry (9.4,
    32 bytes) P bit 0, DTE 2, PDTS 11:9, PASIDDIRPTR 63:12, RID_PASID
    83:64; PASID directory entry (9.5) P bit 0, table 63:12; PASID entry
    (9.6, 64 bytes) P bit 0, AW 4:2, PGTT 8:6, SLPTPTR 63:12, DID 79:64,
    SRE 128, FLPM 131:130, WPE 132, FLPTPTR 191:140; first-level entry
    (9.7) P bit 0, R/W bit 1. One row per present PASID entry, and per
    first-level entry the crash path blocked (P clear, PGTT 001b).
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
          "translation disabled", "not handled (no memory at boot)",
          "hot-removed, not handled"]


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


SCALABLE = 1 << 7     # crash_dma_quiesce_record.flags: VT-d scalable mode
PGTT = {1: "first-level", 2: "second-level", 3: "nested", 4: "pass-through"}


def sm_top(prog, addr, first_level):
    """(readable, writable) of a top-level table, None when not in the dump."""
    top = read_phys(prog, addr, 4096)
    if top is None:
        return None
    ents = struct.unpack("<512Q", top)
    if first_level:
        return any(e & 1 for e in ents), any((e & 3) == 3 for e in ents), \
            any(e & 1 for e in ents)
    return any(e & 1 for e in ents), any(e & 2 for e in ents), None


def sm_pasid(q0, q1, q2, prog):
    """(translation, read, write, domain) of a present PASID entry."""
    pgtt, aw, did = (q0 >> 6) & 7, (q0 >> 2) & 7, q1 & 0xffff
    if q0 & 0xc00 or pgtt not in PGTT:
        return "invalid", False, False, did
    if pgtt == 4:
        return "pass-through", True, True, did
    if pgtt in (2, 3):
        if not 1 <= aw <= 3:
            return "invalid", False, False, did
        top = sm_top(prog, q0 & 0x000ffffffffff000, False)
    else:
        if (q2 >> 2) & 3 > 1:
            return "invalid", False, False, did
        top = sm_top(prog, q2 & 0x000ffffffffff000, True)
    if top is None:
        return PGTT[pgtt], None, None, did
    r, w, present = top
    if pgtt == 1 and q2 & 1 and not q2 & 0x10 and present:
        w = True            # supervisor requests without WPE ignore R/W
    return PGTT[pgtt], r, w, did


def has_member(obj, name):
    """Does the drgn object's struct type have member @name?"""
    try:
        obj.member_(name)
        return True
    except LookupError:
        return False


def vtd_sm_devices(prog, root_phys, changed):
    root = read_phys(prog, root_phys, 4096)
    if root is None:
        return None, 256 * 256
    devs, missing = [], 0
    for bus in range(256):
        for half in range(2):
            e = struct.unpack_from("<Q", root, 16 * bus + 8 * half)[0]
            if not e & 1 or e & 0xffe:
                continue
            ctx = read_phys(prog, e & ~0xfff, 4096)
            if ctx is None:
                missing += 128
                continue
            for i in range(128):
                q = struct.unpack_from("<4Q", ctx, 32 * i)
                if not q[0] & 1:
                    continue
                sid = bus << 8 | half << 7 | i
                row = {"bdf": bdf(sid), "changed": sid in changed, "dte": bool(q[0] & 4)}
                rid = q[1] & 0xfffff
                if q[0] & 0x1e0 or q[1] >> 21 or q[2] or q[3]:
                    devs.append(dict(row, pasid=rid, translation="invalid", domain=0,
                                     read=False, write=False))
                    continue
                n, found = 1 << (((q[0] >> 9) & 7) + 7), 0
                dirp = q[0] & 0x000ffffffffff000
                for off in range(0, n * 8, 4096):
                    d = read_phys(prog, dirp + off, min(4096, n * 8 - off))
                    if d is None:
                        devs.append(dict(row, pasid=off // 8 * 64, translation="unknown",
                                         domain=0, read=None, write=None))
                        found += 1
                        continue
                    for di, pde in enumerate(struct.unpack("<%dQ" % (len(d) // 8), d)):
                        if not pde & 1 or pde & 0xffc:
                            continue
                        base = (off // 8 + di) * 64
                        tbl = read_phys(prog, pde & 0x000ffffffffff000, 4096)
                        if tbl is None:
                            devs.append(dict(row, pasid=base, translation="unknown",
                                             domain=0, read=None, write=None))
                            found += 1
                            continue
                        for j in range(64):
                            q0, q1, q2 = struct.unpack_from("<3Q", tbl, 64 * j)
                            if not q0 & 1 and (q0 >> 6) & 7 == 1:
                                # First-level entry the crash path blocked.
                                devs.append(dict(row, pasid=base + j,
                                                 rid_pasid=base + j == rid,
                                                 translation="first-level blocked",
                                                 domain=q1 & 0xffff, read=False,
                                                 write=False))
                                found += 1
                                continue
                            if not q0 & 1:
                                continue
                            x, r, w, did = sm_pasid(q0, q1, q2, prog)
                            devs.append(dict(row, pasid=base + j, rid_pasid=base + j == rid,
                                             translation=x, domain=did, read=r, write=w))
                            found += 1
                if not found:
                    devs.append(dict(row, pasid=rid, translation="not present", domain=0,
                                     read=False, write=False))
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
                  # Record version 4 on.
                  "entries_blocked": (rec.entries_blocked.value_()
                                      if has_member(rec, "entries_blocked") else 0),
                  "us": rec.cycles.value_() * 1000 // khz if khz else None,
                  "devices": None, "missing": 0}
            io["scalable"] = bool(rec.flags.value_() & SCALABLE)
            if table:
                if vendor == AMD:
                    io["devices"], io["missing"] = amd_devices(prog, table, size, changed)
                elif io["scalable"]:
                    io["devices"], io["missing"] = vtd_sm_devices(prog, table, changed)
                else:
                    io["devices"], io["missing"] = vtd_devices(prog, table, changed)
            out["iommus"].append(io)
    except drgn.FaultError as e:
        print("iommu_dump_drgn: record not readable: %s" % e, file=sys.stderr)
        return 2

    kept = [(io["index"], d["bdf"] + (" PASID %d" % d["pasid"] if "pasid" in d else ""))
            for io in out["iommus"] for d in io["devices"] or [] if d["write"]]
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
            print("IOMMU %d: %s%s, table %s, state %s, %d entries changed (%d blocked), %s us" %
                  (io["index"], io["vendor"], " (scalable mode)" if io["scalable"] else "",
                   io["table"], io["state"], io["entries_changed"], io["entries_blocked"],
                   io["us"]))
            for d in io["devices"] or []:
                perm = lambda p, c: c if p else "-" if p is False else "?"
                quiesce = "KEPT WRITE" if d["write"] else "revoked" if d["changed"] else "-"
                if "pasid" in d:
                    print("  %s  PASID %-6s domain %-5d %-13s %s%s  %s" %
                          (d["bdf"], "%d%s" % (d["pasid"], "*" if d.get("rid_pasid") else ""),
                           d["domain"], d["translation"], perm(d["read"], "R"),
                           perm(d["write"], "W"), quiesce))
                else:
                    print("  %s  domain %-5d %s%s  %s" %
                          (d["bdf"], d["domain"], perm(d["read"], "R"), perm(d["write"], "W"),
                           quiesce))
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
