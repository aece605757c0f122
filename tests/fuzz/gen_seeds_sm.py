#!/usr/bin/env python3
"""Write the seed corpora of fuzz_vtd_sm_walk and fuzz_kdump_sm
(tests/fuzz/corpus/vtd_sm_walk/, tests/fuzz/corpus/kdump_sm/).

Well-formed scalable-mode tables in the layout of fuzz_vtd_sm_walk.c's header
comment, so that the fuzzer starts from inputs that reach every PASID
translation type: second-level (shared table), first-level 4- and 5-level
with supervisor requests, nested, pass-through, a device with DTE/PRE, an
upper-half context table, a PASID other than RID_PASID, a bad directory
pointer and reserved bits. Bit positions: VT-d specification 9.2 (root),
9.4 (context), 9.5 (PASID directory), 9.6 (PASID entry), 9.7 / 9.8 (first /
second level). Run it after changing the input layout; the output is
committed.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "vtd_sm_walk")
BASE = 0x100000
# CAP: SAGAW 39/48 (9, 10), SLLPS 1G (35), FL5LP (60), ND (2:0) 2.
CAP = (1 << 9) | (1 << 10) | (1 << 35) | (1 << 60) | 2
# ECAP: QI 1, DT 2, PT 6, NEST 26, PASID 40, SMTS 43, SLTS 46, FLTS 47; C=0.
ECAP = (1 << 1) | (1 << 2) | (1 << 6) | (1 << 26) | (1 << 40) | (1 << 43) | \
    (1 << 46) | (1 << 47)


def page(n):
    return BASE + n * 4096


def rec(pg, q, v):
    return struct.pack("<BHQ", pg, q, v & 0xffffffffffffffff)


def header(flags, deadline=0xffff, root_page=0, pt=(13, 14, 14), ecap=ECAP,
           cap=CAP):
    return (struct.pack("<QQBBHB", cap, ecap, 39, flags, deadline, root_page)
            + struct.pack("<Q", 0) + bytes(pt))


def ctx(pg, devfn, dirp, lo_bits=0, pdts=0, rid_pasid=0):
    """Context entry devfn (0-127 of its half) of the table at page pg."""
    return [rec(pg, 4 * devfn, dirp | 1 | lo_bits | pdts << 9),
            rec(pg, 4 * devfn + 1, rid_pasid)]


def pe(pg, idx, q0, did, q2=0):
    """PASID entry idx (0-63) of the PASID table at page pg."""
    return [rec(pg, 8 * idx, q0), rec(pg, 8 * idx + 1, did),
            rec(pg, 8 * idx + 2, q2)]


def sl(aw, ptr):
    return 1 | aw << 2 | 2 << 6 | ptr


def main():
    r = []
    # Root (page 0): bus 0 lower -> page 1, upper -> page 2; bus 1 lower
    # outside the image.
    r += [rec(0, 0, page(1) | 1), rec(0, 1, page(2) | 1),
          rec(0, 2, 0x7000000 | 1)]
    # Bus 0 lower: 00:01.0 SL + FL PASID 5; 00:02.0 PT with DTE and PRE;
    # 00:03.0 nested; 00:04.0 FL 5-level supervisor; 00:05.0 reserved bit;
    # 00:06.0 directory outside the image.
    r += ctx(1, 0x08, page(3), 1 << 3)
    r += ctx(1, 0x10, page(4), (1 << 2) | (1 << 4))
    r += ctx(1, 0x18, page(5))
    r += ctx(1, 0x20, page(6), 0, 1, 65)
    r += ctx(1, 0x28, page(3), 1 << 5)
    r += ctx(1, 0x30, 0x7000000)
    # Bus 0 upper: devfn 0x80 shares 00:01.0's directory (a DMA alias).
    r += ctx(2, 0, page(3))
    # Directories (pages 3-6) -> PASID tables (pages 7-10).
    r += [rec(3, 0, page(7) | 1), rec(4, 0, page(8) | 1),
          rec(5, 0, page(9) | 1), rec(6, 1, page(10) | 1),
          rec(6, 2, page(10) | 1 | 1 << 4)]
    r += pe(7, 0, sl(2, page(11)), 3)
    r += pe(7, 5, 1 | 1 << 6, 4, page(12) | 1)
    r += pe(8, 0, 1 | 1 << 2 | 4 << 6, 1)
    r += pe(9, 0, 1 | 1 << 2 | 3 << 6 | page(11), 5, 0xfff0000012345000)
    r += pe(10, 1, 1 | 1 << 6, 6, page(15) | 1 | 1 << 2)
    r += pe(10, 2, 1 | 5 << 6, 7)
    # Tables: SL 4-level (page 11), FL 4-level (12), FL 5-level (15).
    r += [rec(11, 0, page(13) | 3), rec(11, 1, page(13) | 1),
          rec(11, 2, (1 << 45) | 3)]
    r += [rec(12, 0, page(13) | 7), rec(12, 3, page(13) | 0x87)]
    r += [rec(15, 0, (1 << 63) | page(13) | 0x67)]
    # Identity roots for the pass-through rewrite: pages 13 (AW 1), 14.
    r += [rec(13, 0, (1 << 7) | 1), rec(14, 0, page(13) | 1)]
    body = b"".join(r)
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "write_memo": header(0x20) + body,
        "all_nomemo": header(0x01) + body,
        "dry_small_memo_pairs": header(0x52) + body,
        "deadline": header(0x20, deadline=5) + body,
        "no_slts": header(0x20, ecap=ECAP & ~(1 << 46)) + body,
        "no_pt_root": header(0x20, pt=(0, 0, 0)) + body,
        "bad_root": header(0, root_page=0xff) + body,
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    edge_seeds()
    kdump_seeds()


def edge_seeds():
    """Entries where the walk's bounds are (issue 18): buses 0x00, 0x7f,
    0x80, 0xff (root qwords 0-1, 254-255, 256-257, 510-511), both halves,
    devfns 0x7f and 0xff (the last entry of a half), a 16384-entry PASID
    directory (PDTS 7: 32 pages) with PASIDs 0x3f, 0x40, 0xfffc0 and
    0xfffff (directory entries 0, 1 and 0x3fff, PASID table entries 0 and
    63), top-level entries at index 511. No first-level entry: these pass
    on the crash path before issue 18's fix too."""
    r = []
    # Root (page 0) -> context tables: bus 0 lower page 1, bus 0x7f upper
    # page 2, bus 0x80 lower page 3, bus 0xff upper page 4.
    r += [rec(0, 0, page(1) | 1), rec(0, 2 * 0x7f + 1, page(2) | 1),
          rec(0, 2 * 0x80, page(3) | 1), rec(0, 2 * 0xff + 1, page(4) | 1)]
    # 00:0f.7 (lower, i = 127): directory page 5 (PDTS 0).
    r += ctx(1, 127, page(5), 1 << 3)
    # 7f:10.0 (upper, i = 0): directory page 6, DTE set.
    r += ctx(2, 0, page(6), (1 << 3) | (1 << 2))
    # 80:0f.7 (lower, i = 127): directory page 7.
    r += ctx(3, 127, page(7), 1 << 3)
    # ff:1f.7 (upper, i = 127): PDTS 7, directory pages 8-39, RID_PASID
    # 0xfffff.
    r += ctx(4, 127, page(8), 1 << 3, 7, 0xfffff)
    # 7f:10.0 and 80:0f.7 share a PASID table (page 41): PASID 0 second
    # level, PASID 1 pass-through.
    r += [rec(5, 0, page(40) | 1), rec(6, 0, page(41) | 1),
          rec(7, 0, page(41) | 1),
          rec(8, 0, page(43) | 1), rec(8, 1, page(44) | 1),
          rec(39, 511, page(45) | 1)]
    r += pe(40, 63, sl(2, page(46)), 1)             # PASID 0x3f, 4 levels
    r += pe(41, 0, sl(2, page(46)), 2)
    r += pe(41, 1, 1 | 2 << 2 | 4 << 6, 3)          # pass-through
    r += pe(43, 63, sl(2, page(46)), 4)             # PASID 0x3f
    r += pe(44, 0, 1 | 2 << 2 | 3 << 6 | page(46), 5, 0x1234000)  # 0x40 nested
    r += pe(45, 0, sl(1, page(42)), 6)              # PASID 0xfffc0, 3 levels
    r += pe(45, 63, sl(3, page(47)), 7)             # PASID 0xfffff, 5 levels
    # Top-level tables: 4 levels (page 46), 5 levels (47), 3 levels (42,
    # a 1 GiB leaf at index 511); what they point to need not exist.
    r += [rec(46, 0, page(11) | 3), rec(46, 511, page(12) | 3),
          rec(47, 511, page(12) | 3), rec(42, 511, (1 << 30) | (1 << 7) | 3)]
    body = b"".join(r)
    cap5 = CAP | 1 << 11     # SAGAW: 5-level second-level tables too
    seeds = {
        "edges_write": header(0x20, cap=cap5) + body,
        "edges_all": header(0x01, cap=cap5) + body,
        "edges_no_pt_root": header(0x20, pt=(0, 0, 0), cap=cap5) + body,
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


def kdump_seeds():
    """fuzz_kdump_sm: CAP, ECAP, HAW, old RAM pages, identity pages, root
    half, context entry, directory entry, PASID entry, first-level top."""
    out = os.path.join(HERE, "corpus", "kdump_sm")
    os.makedirs(out, exist_ok=True)
    head = struct.pack("<QQBII", CAP, ECAP, 39, 0x100, 0x30000) + bytes([0x40, 0x41, 0])
    root = struct.pack("<Q", 0x200000 | 1)
    ctx = struct.pack("<4Q", 0x201000 | 1 | 1 << 2 | 2 << 9, 0, 0, 0)
    pde = struct.pack("<Q", 0x202000 | 1)
    top = struct.pack("<3Q", 0x203000 | 7, 0, 0x204000 | 5)
    pes = {
        "sl": (1 | 2 << 2 | 2 << 6 | 0x205000, 3, 0),
        "fl_sre": (1 | 1 << 6, 4, 0x206000 | 1),
        "fl5": (1 | 1 << 6, 5, 0x206000 | 1 << 2),
        "pt": (1 | 1 << 2 | 4 << 6 | 1 << 5, 1, 0),
        "nested": (1 | 1 << 2 | 3 << 6 | 0x205000, 6, 0xfff0000012345000),
    }
    for name, (q0, q1, q2) in pes.items():
        pe = struct.pack("<8Q", q0, q1, q2, 0, 0, 0, 0, 0)
        with open(os.path.join(out, name), "wb") as f:
            f.write(head + root + ctx + pde + pe + top)


if __name__ == "__main__":
    main()
