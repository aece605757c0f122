"""Reading a lab run's QEMU trace (trace.log): the console lines and the
DMA each device did, on QEMU's clock.

The trace comes from QEMU 7.2's "log" backend with "-msg timestamp=on":
one line per event, "PID@SECONDS.MICROSECONDS:event args", the time being
the host's clock when QEMU emitted the event. Event formats are those of
QEMU 7.2's hw/i386/trace-events (amdvi_*, vtd_*) and hw/char/trace-events
(serial_write).

Used by analyze.py (the verdicts of one run) and userspace/compare/
labtrace.py (the figures of make compare / bench / soak).
"""
import re

LINE_RE = re.compile(r"^(?:\d+@(?P<t>[0-9.]+):)?(?P<ev>\w+) (?P<args>.*)$")
SERIAL_RE = re.compile(r"addr 0x(?P<addr>[0-9a-f]+) val 0x(?P<val>[0-9a-f]+)")
# amdvi_translation_result: "devid: BB:SS.F gpa 0x... hpa 0x..."
AMD_XLATE_RE = re.compile(
    r"devid: (?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>[0-9a-f]+) "
    r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
# amdvi_page_fault: "error: page fault accessing guest physical address 0x..."
AMD_FAULT_RE = re.compile(r"address 0x(?P<addr>[0-9a-f]+)")
# vtd_dmar_fault: "sid 0x... fault N addr 0x... write N"
VTD_FAULT_RE = re.compile(
    r"sid 0x(?P<sid>[0-9a-f]+) fault (?P<fault>\d+) addr 0x(?P<addr>[0-9a-f]+) "
    r"write (?P<write>\d)")
# vtd_iotlb_page_hit / vtd_iotlb_page_update: "sid 0x... iova 0x... slpte
# 0x... domain 0x..." (the leaf entry: second-level, or first-level with
# x-flts in QEMU 10.0; bit 1 is W resp. R/W in both formats, bits 51:12
# the address, bit 7 a large page)
VTD_IOTLB_RE = re.compile(r"sid 0x(?P<sid>[0-9a-f]+) iova 0x(?P<addr>[0-9a-f]+)"
                          r"(?: slpte 0x(?P<pte>[0-9a-f]+) domain 0x(?P<dom>[0-9a-f]+))?")
# amdvi_cache_update: " update iotlb domid 0x... devid: BB:SS.F gpa 0x... hpa 0x..."
AMD_CACHE_RE = re.compile(
    r"domid 0x(?P<dom>[0-9a-f]+) devid: (?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>[0-9a-f]+) "
    r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
# amdvi_iotlb_hit: "hit iotlb devid BB:SS.F gpa 0x... hpa 0x..."
AMD_HIT_RE = re.compile(
    r"devid (?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>[0-9a-f]+) "
    r"gpa 0x(?P<gpa>[0-9a-f]+) hpa 0x(?P<hpa>[0-9a-f]+)")
# amdvi_pages_inval: "AMD-Vi pages for domain 0x... invalidated"
AMD_DOM_RE = re.compile(r"domain 0x(?P<dom>[0-9a-f]+)")
# vtd_inv_desc_iotlb_pages: "iotlb invalidate domain 0x... addr 0x... mask 0x..."
VTD_INV_PAGES_RE = re.compile(
    r"domain 0x(?P<dom>[0-9a-f]+) addr 0x(?P<addr>[0-9a-f]+) mask 0x(?P<mask>[0-9a-f]+)")
VTD_INV_DOM_RE = re.compile(r"domain 0x(?P<dom>[0-9a-f]+)")
# QEMU's memory core refusing an access the IOMMU translated without the
# permission it needs (-d guest_errors, logged without a timestamp right
# after the translation): "Invalid write at addr 0x..., size N, region
# 'unassigned', reason: rejected"
REJECT_RE = re.compile(r"(?P<dir>read|write) at addr 0x(?P<addr>[0-9A-Fa-f]+), size \d+, "
                       r"region '[^']*', reason: rejected")
PTE_ADDR = 0x000FFFFFFFFFF000
PTE_W = 1 << 1
PTE_PS = 1 << 7
# vtd_pt_enable_fast_path: "sid 0x... ..." (the device's address space now
# bypasses the IOMMU: a pass-through context entry was used)
VTD_SID_RE = re.compile(r"sid 0x(?P<sid>[0-9a-f]+)")
# vtd_switch_address_space: "Device BB:SS.F switching address space (iommu
# enabled=N)"
VTD_SWITCH_RE = re.compile(
    r"Device (?P<bus>[0-9a-f]+):(?P<slot>[0-9a-f]+)\.(?P<func>[0-7]) .*enabled=(?P<on>\d)")
PAGE = ~0xFFF

# The events parse_dma() reads, per vendor (run.sh traces them).
DMA_EVENTS = {
    "amd": ("amdvi_page_fault", "amdvi_translation_result"),
    "intel": ("vtd_dmar_fault", "vtd_iotlb_page_hit", "vtd_iotlb_page_update",
              "vtd_pt_enable_fast_path", "vtd_switch_address_space", "vtd_dmar_enable"),
}


# The first kernel's crashkernel reservation in its boot log: Linux 6.1
# "Reserving 256MB of memory at 752MB for crashkernel (System RAM: 1023MB)",
# Linux 6.12 "crashkernel reserved: 0x000000002f000000 - 0x000000003f000000
# (256 MB)".
CK_61_RE = re.compile(r"Reserving (\d+)MB of memory at (\d+)MB for crashkernel")
CK_612_RE = re.compile(r"crashkernel reserved: 0x([0-9a-f]+) - 0x([0-9a-f]+) \(\d+ MB\)")


def crashkernel_range(text):
    """(start, end) byte addresses, end exclusive, of the crashkernel region
    the first boot log in `text` reserved (either kernel's wording), or None."""
    m61, m612 = CK_61_RE.search(text), CK_612_RE.search(text)
    if m61 and (not m612 or m61.start() < m612.start()):
        at = int(m61.group(2)) << 20
        return at, at + (int(m61.group(1)) << 20)
    if m612:
        return int(m612.group(1), 16), int(m612.group(2), 16)
    return None


def dev_name(bus, slot, func):
    return f"{bus:02x}:{slot:02x}.{func}"


def sid_name(sid):
    return dev_name(sid >> 8, (sid >> 3) & 0x1F, sid & 7)


def events(text, names=None):
    """[(t, event, args)] of the trace text, in order; t is None for a
    line without a timestamp."""
    out = []
    for line in text.splitlines():
        m = LINE_RE.match(line)
        if m and (names is None or m.group("ev") in names):
            t = m.group("t")
            out.append((float(t) if t else None, m.group("ev"), m.group("args")))
    return out


def serial_lines(evs):
    """Console lines from serial_write events [(t, args)]:
    [(t_first_char, text)]."""
    out, cur, t0 = [], [], None
    for t, args in evs:
        m = SERIAL_RE.search(args)
        if not m or m.group("addr") != "00":
            continue
        c = int(m.group("val"), 16)
        if t0 is None:
            t0 = t
        if c == 0x0A:
            out.append((t0, "".join(cur)))
            cur, t0 = [], None
        elif c != 0x0D:
            cur.append(chr(c) if 0x20 <= c < 0x7F else "?")
    if cur:
        out.append((t0, "".join(cur)))
    return out


def serial_text(evs):
    """The console as one string from serial_write events [(t, args)],
    with the QEMU time of each of its characters: (text, [t, ...]).
    Carriage returns are dropped; other control bytes become '?'."""
    chars, times = [], []
    for t, args in evs:
        m = SERIAL_RE.search(args)
        if not m or m.group("addr") != "00":
            continue
        c = int(m.group("val"), 16)
        if c == 0x0D:
            continue
        chars.append("\n" if c == 0x0A else chr(c) if 0x20 <= c < 0x7F else "?")
        times.append(t)
    return "".join(chars), times


def text_time(stream, needle, after=None, before=None, last=False, end=False):
    """QEMU time of the first character of @needle in the console
    @stream (serial_text()), of its first occurrence starting at or after
    @after (or of the last one starting before @before, with @last); of
    its last character with @end. None when there is none."""
    text, times = stream
    hits = []
    i = text.find(needle)
    while i >= 0:
        if (after is None or times[i] >= after) and (before is None or times[i] < before):
            hits.append(i)
            if not last:
                break
        i = text.find(needle, i + 1)
    if not hits:
        return None
    i = hits[-1] if last else hits[0]
    return times[i + len(needle) - 1] if end else times[i]


def console_lines(text):
    """The console lines of a trace text, with QEMU's timestamps."""
    return serial_lines([(t, a) for t, _, a in events(text, ("serial_write",))])


def find_line(lines, needle, after=None):
    """(t, text) of the first console line holding @needle (at or after
    @after), or (None, None)."""
    for t, text in lines:
        if needle in text and (after is None or t >= after):
            return t, text
    return None, None


def last_line(lines, needle, before=None):
    """(t, text) of the last console line holding @needle (before
    @before), or (None, None)."""
    found = (None, None)
    for t, text in lines:
        if before is not None and t >= before:
            break
        if needle in text:
            found = (t, text)
    return found


def parse_dma(text, vendor):
    """What each device did through the IOMMU, from the trace: a list of
    {dev, page, kind, write, t}, where dev is "BB:SS.F" named by the
    requester id the IOMMU saw (None when the event names none), page the
    IOVA's 4 KiB page, write True / False / None (unknown), and kind:
      fault      the IOMMU refused the access (AMD amdvi_page_fault, VT-d
                 vtd_dmar_fault);
      xlate      AMD: a translation the IOMMU returned (amdvi_translation_
                 result with a host address); "identity" when that address
                 is the IOVA itself (a Mode-0 DTE, or translation off).
                 QEMU traces no permission: a page-table walk that returns
                 an address granted the access, but an IOTLB hit or a
                 Mode-0 DTE returns one whatever the permission;
      fill       VT-d: a translation walked, permitted and cached
                 (vtd_iotlb_page_update: QEMU checks the access before it
                 caches); pte (the leaf entry), w (its write bit), target
                 (its address), large, domain;
      hit        VT-d: a translation served from the IOTLB (permission
                 checked later by the memory core against the cached
                 access flags, untraced); pte, w, target, large, domain
                 as for fill. The cached flags are the AND over all levels,
                 so a leaf without W proves the hit refuses a write, a
                 leaf with W proves nothing;
      fastpath   VT-d: the device's address space switched to the
                 pass-through fast path (page None: every later access
                 bypasses the IOMMU, untraced);
      bypass     VT-d: with translation enabled, QEMU switched the device's
                 address space to bypass the IOMMU (page None): its
                 context entry is pass-through, and its DMA goes untraced
                 and unchecked until a context-cache invalidation (or
                 SRTP / TE) switches it back;
      iommu      VT-d: QEMU switched the device's address space back to
                 the IOMMU (page None);
      rejected   QEMU's memory core refused the access the IOMMU had just
                 translated, for lack of permission ("Invalid write at
                 addr ..., reason: rejected", -d guest_errors, the line
                 right after that translation): the only trace of a write
                 an AMD Mode-0 DTE without IW, or an IOTLB entry without
                 it, refuses. write says its direction; t is the
                 translation's.
    An AMD fault names no device; the translation result QEMU traces right
    after it (host address 0, same IOVA) does, and is folded into it."""
    out = []
    dmar_on = False
    # Every line, in file order: a memory-core rejection ("-d
    # guest_errors") is attributed by adjacency to the translation the
    # IOMMU had just returned (both are logged under the big QEMU lock,
    # in the same DMA call).
    names = set(DMA_EVENTS.get(vendor, ())) | {"Invalid"}
    evs = events(text)
    prev = None       # the DMA event the previous line produced, if any
    for i, (t, ev, args) in enumerate(evs):
        if ev not in names:
            continue
        if ev == "Invalid":
            r = REJECT_RE.match(args)
            if r and prev is not None and prev.get("line") == i - 1 and prev["dev"]:
                out.append({"dev": prev["dev"], "page": prev["page"], "kind": "rejected",
                            "write": r.group("dir") == "write", "t": prev["t"], "line": i})
                prev = out[-1]
            continue
        n0 = len(out)
        if ev == "vtd_dmar_enable":
            dmar_on = args.split()[-1:] == ["1"]
            continue
        if ev == "vtd_switch_address_space":
            x = VTD_SWITCH_RE.search(args)
            if x and (dmar_on or x.group("on") == "1"):
                out.append({"dev": dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                            int(x.group("func"))), "page": None,
                            "kind": "iommu" if x.group("on") == "1" else "bypass",
                            "write": None, "t": t})
            continue
        if ev == "amdvi_page_fault":
            f = AMD_FAULT_RE.search(args)
            if not f:
                continue
            addr = int(f.group("addr"), 16)
            dev = None
            for _, ev2, args2 in evs[i + 1:i + 16]:
                x = AMD_XLATE_RE.search(args2) if ev2 == "amdvi_translation_result" else None
                if x and int(x.group("gpa"), 16) == addr and not int(x.group("hpa"), 16):
                    dev = dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                   int(x.group("func"), 16))
                    break
            out.append({"dev": dev, "page": addr & PAGE, "kind": "fault",
                        "write": None, "t": t})
        elif ev == "amdvi_translation_result":
            x = AMD_XLATE_RE.search(args)
            if x and int(x.group("hpa"), 16):
                gpa, hpa = int(x.group("gpa"), 16), int(x.group("hpa"), 16)
                out.append({"dev": dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                            int(x.group("func"), 16)),
                            "page": gpa & PAGE, "kind": "xlate", "hpa": hpa,
                            "identity": gpa & PAGE == hpa & PAGE,
                            "write": None, "t": t})
        elif ev == "vtd_dmar_fault":
            f = VTD_FAULT_RE.search(args)
            if f:
                out.append({"dev": sid_name(int(f.group("sid"), 16)),
                            "page": int(f.group("addr"), 16) & PAGE, "kind": "fault",
                            "write": f.group("write") == "1", "reason": int(f.group("fault")),
                            "t": t})
        elif ev in ("vtd_iotlb_page_hit", "vtd_iotlb_page_update"):
            x = VTD_IOTLB_RE.search(args)
            if x:
                e = {"dev": sid_name(int(x.group("sid"), 16)),
                     "page": int(x.group("addr"), 16) & PAGE,
                     "kind": "hit" if ev == "vtd_iotlb_page_hit" else "fill",
                     "write": None, "t": t}
                if x.group("pte"):
                    pte = int(x.group("pte"), 16)
                    e.update(pte=pte, w=bool(pte & PTE_W), target=pte & PTE_ADDR,
                             large=bool(pte & PTE_PS), domain=int(x.group("dom"), 16))
                out.append(e)
        elif ev == "vtd_pt_enable_fast_path":
            x = VTD_SID_RE.search(args)
            if x:
                out.append({"dev": sid_name(int(x.group("sid"), 16)), "page": None,
                            "kind": "fastpath", "write": None, "t": t})
        if len(out) > n0 and out[-1]["page"] is not None:
            out[-1]["line"] = i
            prev = out[-1]
        else:
            prev = None
    for e in out:
        e.pop("line", None)
    return out


def pte_points_at(e, iova, phys):
    """Whether the VT-d leaf of a hit / fill event @e maps @iova to the
    physical page of @phys (4 KiB leaf, or a 2 MiB / 1 GiB one whose
    offset matches)."""
    if "target" not in e:
        return False
    if not e["large"]:
        return e["target"] == phys & PAGE
    for size in (1 << 21, 1 << 30):
        if e["target"] & (size - 1) == 0 and \
                e["target"] + (iova & (size - 1) & PAGE) == phys & PAGE:
            return True
    return False


# Table-pointer reads: the crash path starts with one (AMD Device Table
# Base register, VT-d RTADDR_REG at 0x20); the running kernel never reads
# it after its boot. QEMU 7.2's amd-iommu traces register writes as
# amdvi_mmio_read too (the crash path writes no table pointer).
REG_EVENTS = {"amd": ("amdvi_mmio_read", "amdvi_mmio_write"),
              "intel": ("vtd_reg_read", "vtd_reg_write")}
VTD_RTADDR_RE = re.compile(r"addr 0x2[04] ")


def is_table_read(vendor, ev, args):
    """Whether trace event (@ev, @args) is a read of the IOMMU's table
    pointer register."""
    if vendor == "amd":
        return ev == "amdvi_mmio_read" and args.startswith("AMDVI_MMIO_DEVTAB_BASE read")
    return ev == "vtd_reg_read" and VTD_RTADDR_RE.search(args + " ") is not None


def crash_window(text, vendor, t_armed):
    """The window in which a crash-time DMA is judged, on QEMU's clock:
    {"start": first table-pointer read at or after @t_armed (the crash
    path's first act), "purgatory": time of purgatory's "I'm in purgatory"
    line after it, "end": the first IOMMU register access after that line
    (the capture kernel's IOMMU driver starting: until then only the
    crashed kernel's tables, as the crash path left them, translate, and
    the capture kernel does no DMA of its own)}. A value is None when the
    trace lacks it; without "end" the window is not closed."""
    res = {"start": None, "purgatory": None, "end": None}
    if t_armed is None:
        return res
    evs = [e for e in events(text, REG_EVENTS.get(vendor, ()) + ("serial_write",))
           if e[0] is not None and e[0] >= t_armed]
    for t, ev, args in evs:
        if ev != "serial_write" and is_table_read(vendor, ev, args):
            res["start"] = t
            break
    if res["start"] is None:
        return res
    text_evs = [(t, a) for t, ev, a in evs if ev == "serial_write"]
    res["purgatory"] = text_time(serial_text(text_evs), "I'm in purgatory", after=res["start"])
    if res["purgatory"] is None:
        return res
    for t, ev, args in evs:
        if ev != "serial_write" and t > res["purgatory"]:
            res["end"] = t
            break
    return res


# IOTLB events that drop cached translations, per vendor (the events the
# write-was-cached check reads; run.sh traces them).
CACHE_EVENTS = {
    "amd": ("amdvi_cache_update", "amdvi_iotlb_hit", "amdvi_iotlb_reset",
            "amdvi_all_inval", "amdvi_pages_inval"),
    "intel": ("vtd_iotlb_page_update", "vtd_iotlb_page_hit", "vtd_iotlb_reset",
              "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
              "vtd_inv_desc_iotlb_pages", "vtd_inv_desc_iotlb_pasid",
              "vtd_inv_desc_iotlb_pasid_pages"),
}


def cached_until(text, vendor, dev, page, t_from, t_to):
    """Whether the IOMMU's IOTLB held a translation of @dev's IOVA @page
    from before @t_from without interruption until @t_to, from the trace:
    the last fill or hit of that (device, page) before @t_from, and no
    IOTLB reset nor invalidation covering its domain between it and @t_to
    (AMD: amdvi_iotlb_reset -- QEMU 7.2 drops its whole IOTLB at 1024
    entries --, amdvi_all_inval, amdvi_pages_inval of the domain; VT-d:
    vtd_iotlb_reset, global, domain, page-selective and PASID-based IOTLB
    invalidations of the domain). Returns (bool, detail)."""
    last, dom = None, None
    drops = []
    for t, ev, args in events(text, CACHE_EVENTS.get(vendor, ())):
        if t is None:
            continue
        if t >= t_to:
            break
        if ev in ("amdvi_cache_update", "amdvi_iotlb_hit"):
            x = (AMD_CACHE_RE if ev == "amdvi_cache_update" else AMD_HIT_RE).search(args)
            if not x or dev_name(int(x.group("bus"), 16), int(x.group("slot"), 16),
                                 int(x.group("func"), 16)) != dev \
                    or int(x.group("gpa"), 16) & PAGE != page:
                continue
            if t < t_from:
                if ev == "amdvi_cache_update":
                    dom = int(x.group("dom"), 16)
                last, drops = t, []
            continue
        if ev in ("vtd_iotlb_page_update", "vtd_iotlb_page_hit"):
            x = VTD_IOTLB_RE.search(args)
            if not x or sid_name(int(x.group("sid"), 16)) != dev or \
                    int(x.group("addr"), 16) & PAGE != page:
                continue
            if t < t_from:
                dom = int(x.group("dom"), 16) if x.group("dom") else None
                last, drops = t, []
            continue
        if last is None:
            continue
        if ev in ("amdvi_iotlb_reset", "amdvi_all_inval", "vtd_iotlb_reset",
                  "vtd_inv_desc_iotlb_global"):
            drops.append((t, ev))
        elif ev in ("amdvi_pages_inval", "vtd_inv_desc_iotlb_domain",
                    "vtd_inv_desc_iotlb_pasid"):
            x = AMD_DOM_RE.search(args) or VTD_INV_DOM_RE.search(args)
            if x is None or dom is None or int(x.group("dom"), 16) == dom:
                drops.append((t, ev))
        elif ev in ("vtd_inv_desc_iotlb_pages", "vtd_inv_desc_iotlb_pasid_pages"):
            x = VTD_INV_PAGES_RE.search(args)
            if x is None or dom is None:
                drops.append((t, ev))
            elif int(x.group("dom"), 16) == dom:
                size = 4096 << int(x.group("mask"), 16)
                if int(x.group("addr"), 16) & ~(size - 1) == page & ~(size - 1):
                    drops.append((t, ev))
    if last is None:
        return False, f"no IOTLB fill or hit of {dev} page {page:#x} before the crash"
    if drops:
        return False, (f"cached at {last:.6f} (domain {dom if dom is None else hex(dom)}), "
                       f"then dropped by {drops[0][1]} at {drops[0][0]:.6f} before the crash "
                       "path's first table read: the write's refusal proves no invalidation")
    return True, (f"cached at {last:.6f} (domain {dom if dom is None else hex(dom)}), "
                  "no reset or invalidation of it before the crash path")
