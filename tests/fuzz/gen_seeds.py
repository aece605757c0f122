#!/usr/bin/env python3
"""Write the seed corpora of the tests/fuzz targets (tests/fuzz/corpus/).

Each seed is a small, well-formed input in the layout the target's header
comment describes, so that the fuzzer starts from tables that reach the
deep paths (present root and context entries, shared second-level tables,
pass-through entries, ATS devices, the deadline) and mutates from there.
Run it after changing an input layout; the output is committed.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

# AMD DTE word 0 / 1 bits, 48882 section 2.2.2.
V, TV, IR, IW = 1 << 0, 1 << 1, 1 << 61, 1 << 62
I_BIT = 1 << 32  # word 1 bit 32 = DTE bit 96
SYSMGT_FWD = 1 << 40  # word 1 bits 41:40 = DTE bits 105:104, 01b


def mode(m):
    return m << 9


def dte(w0=0, w1=0, w2=0, w3=0):
    return struct.pack("<4Q", w0, w1, w2, w3)


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def amd_seeds():
    root = 0x2345000
    table = [
        dte(),
        dte(V),
        dte(V | TV | mode(3) | root | IR | IW, 1),
        dte(V | TV | mode(3) | root | IR | IW, 1 | I_BIT),
        dte(V | IR | IW, 2),
        dte(V | TV | mode(0) | IR, 3),
        dte(V | TV | mode(4) | root | IR | IW, 0xffff | I_BIT),
        dte(0xffffffffffffffff, 0xffffffffffffffff),
        # Erratum 63 (Linux sets IW for SysMgt 01b), V=0 with leftovers.
        dte(V | TV | IR | IW, 9 | SYSMGT_FWD),
        dte(0, 0x1234 | I_BIT | SYSMGT_FWD, 0x4567, 0x89),
    ]
    body = b"".join(table)
    write("amd_walk", "write", bytes([0, 0xff, 0xff]) + body)
    write("amd_walk", "all_dry", bytes([3, 0xff, 0xff]) + body)
    # 70 DTEs and a budget of one deadline check: stops at DTE 64.
    many = b"".join(dte(V | TV | mode(3) | root | IR | IW, i)
                    for i in range(70))
    write("amd_walk", "deadline", bytes([2, 1, 0]) + many)


# VT-d, specification sections 9.1 (root), 9.3 (context), 9.8 (second level).
CAP = (1 << 9) | (1 << 10) | (1 << 11) | (1 << 35) | 2  # SAGAW 39/48/57, 1G, ND
ECAP = (1 << 1) | (1 << 2) | (1 << 6)  # QI, DT, PT; C=0: flushes
BASE = 0x100000


def page(n):
    return BASE + n * 4096


def rec(pg, q, v):
    return struct.pack("<BHQ", pg, q, v & 0xffffffffffffffff)


def ctx(tt, aw, did, slptptr):
    return (slptptr | tt << 2 | 1), (aw | did << 8)


def vtd_header(flags, deadline=0xffff, root_page=0, pt=(0, 4, 4, 4)):
    return (struct.pack("<QQBBHB", CAP, ECAP, 39, flags, deadline, root_page)
            + struct.pack("<Q", 0) + bytes(pt[1:4]))


def vtd_seeds():
    recs = []
    # Root table at page 0: buses 0 and 1 -> context tables at pages 1, 5.
    recs.append(rec(0, 0, page(1) | 1))
    recs.append(rec(0, 2, page(5) | 1))
    # Bus 0: translated 4-level, device TLB sharing its table, pass-through,
    # reserved bits, a table outside the image.
    for devfn, (lo, hi) in enumerate([
            ctx(0, 2, 1, page(2)), ctx(1, 2, 1, page(2)),
            ctx(2, 2, 7, 0), ctx(0, 2, 2, page(3)),
            ctx(0, 2, 3, 0x7000000)]):
        recs.append(rec(1, 2 * devfn, lo))
        recs.append(rec(1, 2 * devfn + 1, hi))
    recs.append(rec(1, 6, ctx(0, 2, 2, page(3))[0] | 1 << 5))  # reserved
    # Bus 1: 3-level entry on a table with a 1 GiB leaf.
    lo, hi = ctx(0, 1, 9, page(6))
    recs += [rec(5, 0, lo), rec(5, 1, hi)]
    # Second-level tables: page 2 (R|W, R only), page 6 (1 GiB leaf).
    recs += [rec(2, 0, page(7) | 3), rec(2, 1, page(8) | 1),
             rec(2, 511, page(9) | 2)]
    recs += [rec(3, 0, page(7) | 3)]
    recs += [rec(6, 0, (1 << 30) | (1 << 7) | 3), rec(6, 1, page(7) | 3)]
    body = b"".join(recs)
    write("vtd_walk", "write_memo", vtd_header(0x20) + body)
    write("vtd_walk", "all_nomemo", vtd_header(0x01) + body)
    write("vtd_walk", "dry_small_memo", vtd_header(0x12) + body)
    write("vtd_walk", "deadline", vtd_header(0x20, deadline=3) + body)
    write("vtd_walk", "bad_root", vtd_header(0, root_page=0xff) + body)


def vtd_edge_seeds():
    """Entries where the walk's bounds are (issue 18): root entries of
    buses 0x00, 0x7f, 0x80 and 0xff (root qwords 0, 254, 256, 510),
    context entries of devfns 0x00, 0x80 and 0xff, top-level entries at
    index 0 and 511 of 3-, 4- and 5-level tables."""
    recs = []
    for bus, ctp in ((0x00, 1), (0x7f, 2), (0x80, 3), (0xff, 4)):
        recs.append(rec(0, 2 * bus, page(ctp) | 1))
    entries = [
        (1, 0x00, ctx(0, 2, 1, page(5))),     # 00:00.0 -> shared 4-level table
        (2, 0xff, ctx(0, 2, 2, page(8))),     # 7f:1f.7, W-only entry at 511
        (3, 0x80, ctx(0, 3, 3, page(7))),     # 80:10.0, 5 levels
        (3, 0xff, ctx(2, 2, 4, 0)),           # 80:1f.7, pass-through
        (4, 0x00, ctx(1, 1, 5, page(6))),     # ff:00.0, device-TLB, 3 levels
        (4, 0xff, ctx(0, 2, 6, page(5))),     # ff:1f.7
    ]
    for pg, devfn, (lo, hi) in entries:
        recs += [rec(pg, 2 * devfn, lo), rec(pg, 2 * devfn + 1, hi)]
    recs += [rec(5, 0, page(9) | 3), rec(5, 511, page(10) | 3),
             rec(6, 511, page(9) | 3), rec(7, 511, page(11) | 3),
             rec(8, 511, page(9) | 2)]
    body = b"".join(recs)
    write("vtd_walk", "edges_write", vtd_header(0x20) + body)
    write("vtd_walk", "edges_all", vtd_header(0x01) + body)
    write("vtd_walk", "edges_no_pt_table", vtd_header(0x20, pt=(0, 0, 0, 0)) + body)


def kdump_seeds():
    ram = struct.pack("<II", 0x100, 0x40000)  # [1 MiB, 1 GiB)
    root = 0x2345000
    dtes = b"".join([
        dte(),
        dte(V | TV | mode(3) | root | IR | IW, 5),
        dte(V | IR | IW, 6, 1 | (2 << 60) | (8 << 1) | 0x3000000),
        dte(V | TV | mode(7) | root, 7),
        dte(V | TV | mode(4) | 0x80000000, 8),
    ])
    write("kdump", "amd", bytes([0]) + ram + bytes([46])
          + struct.pack("<Q", 0x1000001ff) + dtes)
    rlo = 0x2000000 | 1
    clo, chi = ctx(0, 2, 1, 0x3000000)
    table = [0x4000000 | 3, 0x5000000 | 1, 0, (1 << 30) | (1 << 7) | 3]
    body = (bytes([1]) + ram + struct.pack("<QQBB", CAP, ECAP, 39, 1)
            + struct.pack("<4Q", rlo, 0, clo, chi)
            + struct.pack("<%dQ" % len(table), *table))
    write("kdump", "vtd_4level", body)
    body3 = bytearray(body)
    body3[26] = 0  # 3 levels: the 1 GiB leaf applies
    write("kdump", "vtd_3level", bytes(body3))
    clo, chi = ctx(2, 1, 3, 0)
    write("kdump", "vtd_pt", bytes([1]) + ram
          + struct.pack("<QQBB", CAP, ECAP, 39, 0)
          + struct.pack("<4Q", rlo, 0, clo, chi))


def takeover_seeds():
    """fuzz_takeover: a configuration byte (vendor, iommu=pt, bring-up
    quiesce, first-level, init failure: tests/fuzz/fuzz_takeover.c), an
    event count, then the model's bytes (tests/takeover/gen.c and run.c),
    from a fixed xorshift so that the seeds are reproducible."""
    x = 0x9E3779B97F4A7C15
    for name, cfg, events in (("amd", 0x00, 40), ("vtd", 0x01, 40),
                              ("vtd_sm", 0x02, 40), ("amd_pt", 0x04, 40),
                              ("vtd_pt", 0x05, 40),
                              ("vtd_sm_quiesce", 0x0A, 40),
                              ("vtd_sm_fl", 0x12, 40),
                              ("amd_init_fails", 0x60, 20)):
        out = bytearray([cfg, events])
        for _ in range(2048):
            x ^= (x << 13) & (2**64 - 1)
            x ^= x >> 7
            x ^= (x << 17) & (2**64 - 1)
            out.append(x & 0xFF)
        write("takeover", name, bytes(out))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        OUT = sys.argv[1]
    amd_seeds()
    vtd_seeds()
    vtd_edge_seeds()
    kdump_seeds()
    takeover_seeds()
