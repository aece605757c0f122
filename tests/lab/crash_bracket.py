#!/usr/bin/env python3
"""crash_bracket.py RUNDIR VENDOR: the crash path's own IOMMU traffic in a
lab run's QEMU trace, on QEMU's clock. Prints one JSON object.

The crash path starts by reading the table pointer from the IOMMU (AMD:
the Device Table Base Address register, amdvi_mmio_read
AMDVI_MMIO_DEVTAB_BASE; VT-d: RTADDR_REG at 0x20, vtd_reg_read), which
the running kernel never reads after its boot (QEMU 7.2's amd-iommu
traces register writes as amdvi_mmio_read too; the crash path writes
no table pointer). kexec's purgatory prints "I'm in purgatory" on the
serial console (kexec -p --console-serial, userspace/lab/init.sh) when the
crashed kernel has handed over, before the capture kernel runs. So the
crash path's traffic is bracketed without trusting anything it says
about itself:

  start  the first table-pointer read after the crash-time DMA was armed
         (the last edu_dma buffer line on the console);
  end    the last IOMMU register access or command / descriptor the
         IOMMU executed after start and before purgatory's line.

With the early pass at panic entry (crash_dma_quiesce_early) the trace
holds two passes: the early one ends with the crash path's own completion
wait (AMD store data 0x444d4151........, VT-d status data 0x5141....),
and the pass after the stop begins with the next table-pointer read (in
between, a CPU not yet stopped may still drive the IOMMU itself: that
traffic belongs to neither). The early pass then gets its own bracket,
from its first table-pointer read to its wait (early_found, early_start,
early_end, early_span_us, early_waits, early_events, and
early_before_panic_line: whether its wait ran before the first byte of
the "Kernel panic - not syncing" text; None when that never reached the
console, as with a panic in NMI context) and start/end/span_us are the
pass after the stop's.

t_purgatory: the time of purgatory's line; t_edu_dma: the first DMA of an
armed edu device to its armed page after the arming (edu fires 100 ms of
QEMU's virtual clock after its start command, so "the crash shutdown
ended before it" is a bound on the guest's clock, by event order).

Fields: found (a start was seen), start, end (QEMU clock, seconds),
span_us, closed (purgatory's line was seen after start), purgatory_us
(from start to purgatory's line: the crash path plus what is left of the
crash shutdown after it),
events (counts per event name inside the bracket), waits (the data of
the completion waits / wait descriptors the IOMMU executed inside it),
t_armed.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import qtrace  # noqa: E402

TRAFFIC = {
    "amd": ("amdvi_mmio_read", "amdvi_mmio_write", "amdvi_all_inval",
            "amdvi_devtab_inval", "amdvi_pages_inval", "amdvi_iotlb_inval",
            "amdvi_completion_wait", "amdvi_command_error"),
    "intel": ("vtd_reg_read", "vtd_reg_write", "vtd_inv_desc_cc_global",
              "vtd_inv_desc_cc_domain", "vtd_inv_desc_cc_device",
              "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
              "vtd_inv_desc_iotlb_pages", "vtd_inv_desc_wait_sw",
              "vtd_context_cache_reset", "vtd_iotlb_reset",
              # QEMU rebuilding a device's address space when a context
              # entry changes between pass-through and translated
              "vtd_switch_address_space"),
}
WAITS = {"amdvi_completion_wait": re.compile(r"data 0x([0-9a-f]+)"),
         "vtd_inv_desc_wait_sw": re.compile(r"data 0x([0-9a-f]+)")}
VTD_RTADDR = re.compile(r"addr 0x2[04] ")


def is_table_read(vendor, ev, args):
    if vendor == "amd":
        return ev == "amdvi_mmio_read" and args.startswith("AMDVI_MMIO_DEVTAB_BASE read")
    return ev == "vtd_reg_read" and VTD_RTADDR.search(args + " ") is not None


# The crash path's own completion-wait values: AMD store data with
# "DMAQ" (0x444d4151) in the upper half, VT-d status data 0x5141xxxx.
TAGGED = {"amd": "0x444d4151", "intel": "0x5141"}


def tagged(vendor, ev, args):
    m = WAITS.get(ev)
    return bool(m and m.search(args) and m.search(args).group(1).startswith(TAGGED[vendor][2:]))


def count(res, prefix, ev, args):
    res[prefix + "events"][ev] = res[prefix + "events"].get(ev, 0) + 1
    m = WAITS.get(ev)
    if m and m.search(args):
        res[prefix + "waits"].append("0x" + m.search(args).group(1))


BUF_RE = re.compile(r"edu_dma: dev=(?:[0-9a-f]{4}:)?(?P<dev>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) "
                    r"index=\d+ role=\w+ iova=0x(?P<iova>[0-9a-f]+)")


def first_edu_dma(text, vendor, lines, t_armed):
    """QEMU time of the first traced DMA (translation, fault, IOTLB fill or
    hit) of an armed edu device to its armed IOVA page after @t_armed, or
    None. edu starts a transfer 100 ms of QEMU's virtual clock after its
    command (hw/misc/edu.c): whatever precedes it in the trace happened
    within those 100 ms of the guest's clock."""
    armed = {(m.group("dev"), int(m.group("iova"), 16) & qtrace.PAGE)
             for _, line in lines for m in [BUF_RE.search(line)] if m}
    for e in qtrace.parse_dma(text, vendor):
        if e["t"] is not None and e["t"] >= t_armed and (e["dev"], e["page"]) in armed \
                and e["kind"] in ("xlate", "fault", "fill", "hit"):
            return e["t"]
    return None


def bracket(text, vendor):
    lines = qtrace.console_lines(text)
    t_armed = None
    for t, line in lines:
        if "edu_dma: dev=" in line and " role=" in line and " iova=" in line:
            t_armed = t
    res = {"found": False, "t_armed": t_armed, "start": None, "end": None,
           "span_us": None, "closed": False, "purgatory_us": None, "events": {},
           "waits": [], "early_found": False, "early_start": None, "early_end": None,
           "early_span_us": None, "early_waits": [], "early_events": {},
           "t_panic": None, "early_before_panic_line": None,
           "t_purgatory": None, "t_edu_dma": None}
    if t_armed is None:
        return res
    # The panic's own text, timed by its first character: a line the
    # shell left without its newline may start earlier.
    t_panic = qtrace.text_time(qtrace.serial_text(
        [(t, a) for t, _, a in qtrace.events(text, ("serial_write",)) if t is not None]),
        "Kernel panic - not syncing", after=t_armed)
    res["t_panic"] = t_panic
    evs = [e for e in qtrace.events(text, TRAFFIC[vendor]) if e[0] is not None and e[0] >= t_armed]
    # Table-pointer reads after the arming, up to purgatory's line.
    reads = [i for i, (t, ev, args) in enumerate(evs) if is_table_read(vendor, ev, args)]
    if not reads:
        return res
    limit, _ = qtrace.find_line(lines, "I'm in purgatory", after=evs[reads[0]][0])
    res["closed"] = limit is not None
    n = len(evs) if limit is None else next((i for i, e in enumerate(evs) if e[0] >= limit), len(evs))
    # Two passes when a table read follows a crash-path wait: the early
    # pass ends before that read, the pass after the stop starts there.
    first = reads[0]
    wait = next((i for i in range(first, n) if tagged(vendor, evs[i][1], evs[i][2])), None)
    second = next((i for i in reads if wait is not None and wait < i < n), None)
    if second is not None:
        # The early pass ends with its own wait: what follows until the
        # next table read may be the still running driver's traffic.
        res.update(early_found=True, early_start=evs[first][0], early_end=evs[wait][0])
        for t, ev, args in evs[first:wait + 1]:
            count(res, "early_", ev, args)
        res["early_span_us"] = round((res["early_end"] - res["early_start"]) * 1e6)
        if t_panic is not None:
            res["early_before_panic_line"] = res["early_end"] < t_panic
        first = second
    if first >= n:
        return res
    res["t_purgatory"] = limit
    res["t_edu_dma"] = first_edu_dma(text, vendor, lines, t_armed)
    res.update(found=True, start=evs[first][0], end=evs[n - 1][0])
    for t, ev, args in evs[first:n]:
        count(res, "", ev, args)
    res["span_us"] = round((res["end"] - res["start"]) * 1e6)
    if limit is not None:
        res["purgatory_us"] = round((limit - res["start"]) * 1e6)
    return res


if __name__ == "__main__":
    d, vendor = sys.argv[1:3]
    with open(os.path.join(d, "trace.log"), errors="replace") as f:
        print(json.dumps(bracket(f.read(), vendor)))
