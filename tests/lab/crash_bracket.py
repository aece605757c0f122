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
              "vtd_context_cache_reset", "vtd_iotlb_reset"),
}
WAITS = {"amdvi_completion_wait": re.compile(r"data 0x([0-9a-f]+)"),
         "vtd_inv_desc_wait_sw": re.compile(r"data 0x([0-9a-f]+)")}
VTD_RTADDR = re.compile(r"addr 0x2[04] ")


def is_table_read(vendor, ev, args):
    if vendor == "amd":
        return ev == "amdvi_mmio_read" and args.startswith("AMDVI_MMIO_DEVTAB_BASE read")
    return ev == "vtd_reg_read" and VTD_RTADDR.search(args + " ") is not None


def bracket(text, vendor):
    lines = qtrace.console_lines(text)
    t_armed = None
    for t, line in lines:
        if "edu_dma: dev=" in line and " role=" in line and " iova=" in line:
            t_armed = t
    res = {"found": False, "t_armed": t_armed, "start": None, "end": None,
           "span_us": None, "closed": False, "purgatory_us": None, "events": {},
           "waits": []}
    if t_armed is None:
        return res
    evs = [e for e in qtrace.events(text, TRAFFIC[vendor]) if e[0] is not None]
    start = limit = None
    for t, ev, args in evs:
        if t < t_armed:
            continue
        if start is None:
            if not is_table_read(vendor, ev, args):
                continue
            start = end = t
            res["found"] = True
            limit, _ = qtrace.find_line(lines, "I'm in purgatory", after=start)
            res["closed"] = limit is not None
            if limit is not None:
                res["purgatory_us"] = round((limit - start) * 1e6)
        elif limit is not None and t >= limit:
            break
        end = t
        res["events"][ev] = res["events"].get(ev, 0) + 1
        m = WAITS.get(ev)
        if m and m.search(args):
            res["waits"].append("0x" + m.search(args).group(1))
    if start is not None:
        res.update(start=start, end=end, span_us=round((end - start) * 1e6))
    return res


if __name__ == "__main__":
    d, vendor = sys.argv[1:3]
    with open(os.path.join(d, "trace.log"), errors="replace") as f:
        print(json.dumps(bracket(f.read(), vendor)))
