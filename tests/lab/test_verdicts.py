#!/usr/bin/env python3
"""Checks of the lab's verdicts (userspace/lab/analyze.py judge(), and the
trace readers in qtrace.py it uses) on hand-written QEMU traces, in the
"log" backend format of QEMU 7.2 and 10.0 with -msg timestamp=on.

Each test function builds a trace (console bytes as serial_write events,
IOMMU events), finds the crash window and the pre-read's cache state as
analyze.py does, and judges one edu transfer. What is checked is the rule
"blocked only on a refused translation of that device's IOVA inside the
window from the arming to the capture kernel's first IOMMU access after
purgatory's line", and "write-was-cached only when no IOTLB reset or
invalidation of the domain came between the pre-read and the crash path".
Prints a row per check and one PASS / FAIL line per test function.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "lab"))
import analyze  # noqa: E402
import qtrace  # noqa: E402

failed = checks = 0
first = None


def check(name, got, want):
    global failed, checks, first
    checks += 1
    if got == want:
        print(f"ok verdicts/{name}")
    else:
        failed += 1
        first = first or f"{name}: got {got!r}, want {want!r}"
        print(f"not ok verdicts/{name}: got {got!r}, want {want!r}")


def run_case(fn):
    global first
    f0, c0, first = failed, checks, None
    fn()
    name = "verdicts/" + fn.__name__.removeprefix("test_")
    if checks == c0:
        print(f"FAIL {name}: no check ran")
    elif failed > f0:
        print(f"FAIL {name}: {failed - f0} of {checks - c0} checks failed; first: {first}")
    else:
        print(f"PASS {name} ({checks - c0} checks)")


IOVA, PHYS, CANARY, PATTERN = 0xffffd000, 0x955000, 0xca0000000000, 0xed0000000000


class Trace:
    """Trace lines; the clock advances by 1 ms per event."""

    def __init__(self, vendor):
        self.vendor = vendor
        self.t = 1000.0
        self.lines = []

    def ev(self, name, args):
        self.t += 0.001
        self.lines.append(f"4242@{self.t:.6f}:{name} {args}")

    def console(self, text):
        for ch in text + "\r\n":
            self.ev("serial_write", f"write addr 0x00 val 0x{ord(ch):02x}")

    def text(self):
        return "\n".join(self.lines) + "\n"

    # -- the run's landmarks --
    def armed(self, dev="0000:00:04.0"):
        self.console(f"[    4.1] edu_dma: dev={dev} index=0 role=write iova={IOVA:#x} "
                     f"phys={PHYS:#x} len=4088 canary={CANARY:#x} pattern={PATTERN:#x}")

    def table_read(self):
        if self.vendor == "amd":
            self.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 8 offset 0x0")
        else:
            self.ev("vtd_reg_read", "addr 0x20 size 0x8")

    def purgatory(self):
        self.console("I'm in purgatory")

    def capture_iommu(self):
        if self.vendor == "amd":
            self.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 8 offset 0x0")
        else:
            self.ev("vtd_reg_read", "addr 0x20 size 0x8")

    # -- DMA events --
    def vtd_fault(self, sid=0x20, addr=IOVA, write=1):
        self.ev("vtd_dmar_fault", f"sid {sid:#x} fault 5 addr {addr:#x} write {write}")

    def vtd_fill(self, pte, sid=0x20, addr=IOVA, dom=3, hit=False):
        ev = "vtd_iotlb_page_hit" if hit else "vtd_iotlb_page_update"
        what = "hit" if hit else "update"
        self.ev(ev, f"IOTLB page {what} sid {sid:#x} iova {addr:#x} slpte {pte:#x} domain {dom:#x}")

    def amd_fault(self, dev="00:04.0", addr=IOVA):
        self.ev("amdvi_page_fault", f"error: page fault accessing guest physical address {addr:#x}")
        self.ev("amdvi_translation_result", f"devid: {dev} gpa {addr:#x} hpa 0x0")

    def amd_xlate(self, hpa, dev="00:04.0", addr=IOVA):
        self.ev("amdvi_translation_result", f"devid: {dev} gpa {addr:#x} hpa {hpa:#x}")

    def amd_fill(self, dom=2, dev="00:04.0", addr=IOVA, hpa=PHYS):
        self.ev("amdvi_cache_update",
                f" update iotlb domid {dom:#x} devid: {dev} gpa {addr:#x} hpa {hpa:#x}")


def verdict(tr, dump="canary", role="write", preread=True, strategy="write", readback=None):
    """Judge the edu write of 00:04.0 (or its read) as analyze.main() does."""
    text = tr.text()
    lines = qtrace.console_lines(text)
    t_armed = None
    for t, line in lines:
        if "edu_dma: dev=" in line and " role=" in line and " iova=" in line:
            t_armed = t
    win = dict(qtrace.crash_window(text, tr.vendor, t_armed), armed=t_armed)
    b = {"dev": "0000:00:04.0", "role": role, "iova": IOVA, "phys": PHYS, "len": 4088,
         "canary": CANARY, "pattern": PATTERN, "preread": preread, "dump": dump,
         "dump_at_iova": "unreadable"}
    cached = None
    if preread and role == "write":
        cached = (qtrace.cached_until(text, tr.vendor, "00:04.0", IOVA, t_armed, win["start"])
                  if t_armed is not None and win["start"] is not None else
                  (False, "no crash-path table read"))
    rb = {} if readback is None else {"0000:00:04.0": readback}
    analyze.judge({"vendor": tr.vendor, "strategy": strategy}, b,
                  qtrace.parse_dma(text, tr.vendor), win, [], rb, cached)
    return b


def crash(tr, *dma, late=()):
    """Arming, the crash path's table read, DMA events, purgatory, the
    capture kernel's first IOMMU access, then @late events."""
    tr.armed()
    tr.table_read()
    for f in dma:
        f()
    tr.purgatory()
    for f in late[:1]:
        f()
    tr.capture_iommu()
    for f in late[1:]:
        f()


W_LEAF = PHYS | 0x3       # R and W
RO_LEAF = PHYS | 0x1      # R only


def test_vtd_fault_blocks():
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fault())
    check("vtd-fault/verdict", verdict(tr)["verdict"], "blocked")
    check("vtd-fault-landed-wins", verdict(tr, dump="pattern")["verdict"], "landed")


def test_vtd_fill_is_not_blocked():
    # QEMU caches only what it permitted: a fill is a granted translation.
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fill(W_LEAF))
    check("fill-with-w", verdict(tr)["verdict"], "unproven")
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fill(W_LEAF, hit=True))
    check("hit-with-w", verdict(tr)["verdict"], "unproven")


def test_vtd_readonly_hit_blocks():
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fill(RO_LEAF, hit=True))
    check("ro-hit-on-target", verdict(tr)["verdict"], "blocked")
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fill(0x777000 | 0x1, hit=True))
    check("ro-hit-elsewhere", verdict(tr)["verdict"], "unproven")
    check("read-fault-is-not-a-write-refusal",
          (lambda t: (crash(t, lambda: t.vtd_fault(write=0)), verdict(t)["verdict"])[1])(
              Trace("intel")), "unproven")


def test_vtd_other_device_or_page():
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fault(sid=0x30))
    check("other-sid", verdict(tr)["verdict"], "not-fired")
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fault(addr=IOVA - 0x1000))
    check("other-page", verdict(tr)["verdict"], "not-fired")


def test_window_ends_at_capture_kernel():
    # Refusals after the capture kernel's first IOMMU access are its own.
    tr = Trace("intel")
    crash(tr, late=[lambda: None, lambda: tr.vtd_fault()])
    check("vtd-late-fault", verdict(tr)["verdict"], "not-fired")
    tr = Trace("amd")
    crash(tr, late=[lambda: None, lambda: tr.amd_fault()])
    check("amd-late-fault", verdict(tr)["verdict"], "not-fired")
    # Between purgatory and the capture kernel's first IOMMU access: in.
    tr = Trace("intel")
    crash(tr, late=[lambda: tr.vtd_fault()])
    check("after-purgatory-before-capture-iommu", verdict(tr)["verdict"], "blocked")


def test_window_open_judges_nothing():
    tr = Trace("intel")
    tr.armed()
    tr.table_read()
    tr.vtd_fault()
    check("no-purgatory", verdict(tr)["verdict"], "not-fired")
    tr = Trace("amd")
    tr.armed()
    tr.amd_fault()
    tr.purgatory()
    tr.capture_iommu()
    check("no-crash-path-table-read", verdict(tr)["verdict"], "not-fired")


def test_amd_fault_blocks_translation_does_not():
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_fault())
    check("amd-fault", verdict(tr)["verdict"], "blocked")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(PHYS))
    check("amd-translated", verdict(tr)["verdict"], "unproven")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(IOVA))
    check("amd-identity", verdict(tr)["verdict"], "unproven")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_fault(dev="00:06.0"))
    check("amd-other-device", verdict(tr)["verdict"], "not-fired")


def test_amd_rejected_after_identity():
    # A Mode-0 DTE without IW: QEMU returns the address, its memory core
    # refuses the write (-d guest_errors, the next line).
    def rej(t, d="write"):
        t.lines.append(f"Invalid {d} at addr 0x{IOVA:X}, size 8, region 'unassigned', "
                       "reason: rejected")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(IOVA), lambda: rej(tr), lambda: rej(tr))
    check("identity-then-rejected", verdict(tr)["verdict"], "blocked")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(IOVA), lambda: tr.ev("amdvi_mmio_read", "x"),
          lambda: rej(tr))
    check("rejected-not-adjacent", verdict(tr)["verdict"], "unproven")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(IOVA, dev="00:06.0"), lambda: rej(tr))
    check("rejected-other-device", verdict(tr)["verdict"], "not-fired")
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_xlate(IOVA), lambda: rej(tr, "read"))
    check("rejected-read-is-not-a-write-refusal", verdict(tr)["verdict"], "unproven")


def test_amd_cached_until_crash():
    def run(*between):
        tr = Trace("amd")
        tr.amd_fill(dom=2)
        tr.amd_xlate(PHYS)
        for f in between:
            f(tr)
        crash(tr, lambda: tr.amd_fault())
        return verdict(tr)
    check("cached", run()["preread_traced"], True)
    check("iotlb-reset", run(lambda t: t.ev("amdvi_iotlb_reset",
                                            "IOTLB exceed size limit - reset "))["preread_traced"],
          False)
    check("all-inval", run(lambda t: t.ev("amdvi_all_inval",
                                          "Invalidation of all AMD-Vi cache requested "))
          ["preread_traced"], False)
    check("own-domain", run(lambda t: t.ev("amdvi_pages_inval",
                                           "AMD-Vi pages for domain 0x2 invalidated"))
          ["preread_traced"], False)
    check("other-domain", run(lambda t: t.ev("amdvi_pages_inval",
                                             "AMD-Vi pages for domain 0x5 invalidated"))
          ["preread_traced"], True)
    # Cached again after the reset: a hit re-proves it.
    check("rehit", run(lambda t: t.ev("amdvi_iotlb_reset", "IOTLB exceed size limit - reset "),
                       lambda t: t.amd_fill(dom=2))["preread_traced"], True)
    tr = Trace("amd")
    crash(tr, lambda: tr.amd_fault())
    check("never-cached", verdict(tr)["preread_traced"], False)
    # An invalidation after the crash path's first table read is its own.
    tr = Trace("amd")
    tr.amd_fill(dom=2)
    tr.armed()
    tr.table_read()
    tr.ev("amdvi_all_inval", "Invalidation of all AMD-Vi cache requested ")
    tr.amd_fault()
    tr.purgatory()
    tr.capture_iommu()
    check("crash-path-inval", verdict(tr)["preread_traced"], True)


def test_vtd_cached_until_crash():
    def run(*between):
        tr = Trace("intel")
        tr.vtd_fill(W_LEAF, dom=3)
        for f in between:
            f(tr)
        crash(tr, lambda: tr.vtd_fault())
        return verdict(tr)["preread_traced"]
    check("cached", run(), True)
    check("global", run(lambda t: t.ev("vtd_inv_desc_iotlb_global", "iotlb invalidate global")),
          False)
    check("domain", run(lambda t: t.ev("vtd_inv_desc_iotlb_domain",
                                       "iotlb invalidate whole domain 0x3")), False)
    check("other-domain", run(lambda t: t.ev("vtd_inv_desc_iotlb_domain",
                                             "iotlb invalidate whole domain 0x4")), True)
    check("page", run(lambda t: t.ev("vtd_inv_desc_iotlb_pages",
                                     f"iotlb invalidate domain 0x3 addr {IOVA:#x} mask 0x0")),
          False)
    check("other-page", run(lambda t: t.ev("vtd_inv_desc_iotlb_pages",
                                           "iotlb invalidate domain 0x3 addr 0x1000 mask 0x0")),
          True)
    check("reset", run(lambda t: t.ev("vtd_iotlb_reset", "IOTLB reset (reason: exceeds size)")),
          False)


def test_read_verdicts():
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fill(W_LEAF))
    check("read-fill-allowed", verdict(tr, role="read")["verdict"], "allowed")
    tr = Trace("intel")
    crash(tr, lambda: tr.vtd_fault(write=0))
    check("read-fault-blocked", verdict(tr, role="read")["verdict"], "blocked")
    tr = Trace("intel")
    crash(tr, late=[lambda: None, lambda: tr.vtd_fill(W_LEAF)])
    check("read-late-fill-unobserved", verdict(tr, role="read")["verdict"], "unobserved")


def test_record_words_printed():
    """The changed bitmap's words as the one crash session prints them
    (analyze.record_word_prints()): through page_offset_base where the
    kernel has it, else the fixed direct map; only of records the kernel
    filled; a word not printed is missing (analyze.py then reads it with
    rd -p in a second session)."""
    rec = {"nr": 1, "phys": {0: 0x970000, 1: 0}}
    both = ("W P 0 0 5\nW L 0 0 7\nW P 1 0 9\n"
            "W L 1 0 gdb: seek error: kernel virtual address: ffff888000000000\n")
    check("words-page-offset-base", analyze.record_words_printed(both, rec), {0x970000: 5})
    fixed = ("W P 0 0 gdb: gdb request failed: ...\nW L 0 0 101000100000001\n"
             "W L 0 1 0\n")
    check("words-fixed-map", analyze.record_words_printed(fixed, rec),
          {0x970000: 0x101000100000001, 0x970008: 0})
    check("words-none", analyze.record_words_printed("gdb: gdb request failed\n", rec), {})
    cmds = analyze.record_word_prints({0x0020, 0x0108})
    check("word-prints-per-slot-word-and-base", len(cmds), analyze.RECORD_SLOTS * 2 * 2)


for f in (test_vtd_fault_blocks, test_vtd_fill_is_not_blocked, test_vtd_readonly_hit_blocks,
          test_vtd_other_device_or_page, test_window_ends_at_capture_kernel,
          test_window_open_judges_nothing, test_amd_fault_blocks_translation_does_not,
          test_amd_rejected_after_identity,
          test_amd_cached_until_crash, test_vtd_cached_until_crash, test_read_verdicts,
          test_record_words_printed):
    run_case(f)
sys.exit(1 if failed else 0)
