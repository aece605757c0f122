#!/usr/bin/env python3
"""Checks of userspace/compare/labtrace.py on hand-written QEMU traces.

Each case writes a small lab run directory (trace.log in QEMU 7.2's "log"
backend format with -msg timestamp=on, run.env, first.status, result.json)
and checks what labtrace.analyze() makes of it: console lines rebuilt from
serial_write bytes, e1000e frames after the panic judged landed / blocked /
untranslated and placed (crashed-kernel RAM, crashkernel region, no RAM),
AMD descriptor write-backs counted apart, the capture kernel's table-base
register window. Prints a row per check ("ok name", "not ok name: ...")
and one "PASS case" / "FAIL case: ..." line per test function.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "userspace", "compare"))
import labtrace  # noqa: E402

failed = 0
checks = 0
first = None


def check(name, got, want):
    global failed, checks, first
    checks += 1
    if got == want:
        print(f"ok labtrace/{name}")
    else:
        failed += 1
        first = first or f"{name}: got {got!r}, want {want!r}"
        print(f"not ok labtrace/{name}: got {got!r}, want {want!r}")


def run_case(fn):
    """Run one test function as a test case: PASS when it ran checks and
    none failed."""
    global first
    f0, c0, first = failed, checks, None
    fn()
    name = "labtrace/" + fn.__name__.removeprefix("test_")
    if checks == c0:
        print(f"FAIL {name}: no check ran")
    elif failed > f0:
        print(f"FAIL {name}: {failed - f0} of {checks - c0} checks failed; first: {first}")
    else:
        print(f"PASS {name} ({checks - c0} checks)")


class Trace:
    """Builds trace lines; the clock advances by 1 ms per event."""

    def __init__(self):
        self.t = 1000.0
        self.lines = []

    def ev(self, name, args):
        self.t += 0.001
        self.lines.append(f"4242@{self.t:.6f}:{name} {args}")

    def console(self, text):
        for ch in text + "\r\n":
            self.ev("serial_write", f"write addr 0x00 val 0x{ord(ch):02x}")

    def frame_amd(self, desc, buf, hpa, wb_hpa):
        self.ev("amdvi_translation_result", f"devid: 00:06.0 gpa {desc:#x} hpa {wb_hpa:#x}")
        self.ev("e1000e_rx_descr", f"Next RX descriptor: ring #0, PA: {desc:#x}, length: 16")
        self.ev("e1000e_rx_desc_buff_write",
                f"buffer #0, addr: {buf:#x}, offset: 0, from: 0x55, length: 1046")
        if hpa is not None:
            if not hpa:
                self.ev("amdvi_page_fault",
                        f"error: page fault accessing guest physical address {buf:#x}")
            self.ev("amdvi_translation_result", f"devid: 00:06.0 gpa {buf:#x} hpa {hpa:#x}")
        self.ev("amdvi_translation_result", f"devid: 00:06.0 gpa {desc:#x} hpa {wb_hpa:#x}")

    def frame_vtd(self, desc, buf, slpte):
        self.ev("e1000e_rx_descr", f"Next RX descriptor: ring #0, PA: {desc:#x}, length: 16")
        self.ev("e1000e_rx_desc_buff_write",
                f"buffer #0, addr: {buf:#x}, offset: 0, from: 0x55, length: 100")
        if slpte is None:
            self.ev("vtd_dmar_fault", f"sid 0x30 fault 5 addr {buf:#x} write 1")
        else:
            self.ev("vtd_iotlb_page_update",
                    f"IOTLB page update sid 0x30 iova {buf & ~0xfff:#x} slpte {slpte:#x} domain 0x3")


def rundir(vendor, trace, result=None, first="crashkernel=2f000000-3effffff\n"):
    d = tempfile.mkdtemp(prefix="labtrace-")
    with open(os.path.join(d, "trace.log"), "w") as f:
        f.write("\n".join(trace.lines) + "\n")
    with open(os.path.join(d, "run.env"), "w") as f:
        f.write(f"vendor={vendor}\nstrategy=write\n")
    with open(os.path.join(d, "first.status"), "w") as f:
        f.write(first)
    with open(os.path.join(d, "crashed-dmesg.txt"), "w") as f:
        f.write("[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable\n")
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(result or {}, f)
    return d


def test_amd():
    t = Trace()
    t.console("[    4.7] before")
    # A frame before the panic is not counted.
    t.frame_amd(0xffffc000, 0xffea0000, 0x123000, 0xaba000)
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 8 offset 0x0")
    t.console("[    4.8] Kernel panic - not syncing: edu_dma: 2 DMA transfer(s) armed")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 8 offset 0x0")
    t.console("[    4.8] crash_dma_quiesce: AMD-Vi at 0xfed80000: mode write: done")
    t.frame_amd(0xffffc010, 0xffea1000, 0x234000, 0xaba000)   # landed in RAM
    t.frame_amd(0xffffc020, 0xffea2000, 0, 0xaba000)          # blocked, wb passes
    t.frame_amd(0xffffc030, 0xffea3000, 0x30000000, 0)        # landed in crashkernel
    t.frame_amd(0xffffc040, 0xffea4000, None, 0)              # no IOMMU event: untranslated
    # A descriptor read that faults: no buffer write follows.
    t.ev("amdvi_page_fault", "error: page fault accessing guest physical address 0xffffc050")
    t.ev("amdvi_translation_result", "devid: 00:06.0 gpa 0xffffc050 hpa 0x0")
    t.ev("e1000e_rx_descr", "Next RX descriptor: ring #0, PA: 0xffffc050, length: 16")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 4 offset 0x0")
    t0 = t.t
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_CONTROL read addr 0x18, size 8 offset 0x18")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 4 offset 0x0")
    t1 = t.t
    t.console("LAB: capture kernel up at 1.0 s")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 4 offset 0x0")
    t.console("LAB: capture done: makedumpfile rc=0 in 0.25 s")
    t.frame_amd(0xffffc050, 0xffea5000, 0x345000, 0xaba000)   # after capture done
    r = labtrace.analyze(rundir("amd", t))
    e = r["e1000e"]
    check("amd/frames_after_panic", e["frames"], 4)
    check("amd/landed_ram", e["landed_ram"], 1)
    check("amd/landed_crashkernel", e["landed_crashkernel"], 1)
    check("amd/blocked", e["blocked"], 1)
    check("amd/untranslated", e["untranslated"], 1)
    check("amd/untranslated_to_no_ram", e["landed_nowhere"], 1)
    check("amd/writeback_artifact_counted_apart", (e["wb_landed"], e["wb_blocked"]), (2, 2))
    check("amd/faulted_incl_descriptor_read", e["faulted"], 4)
    check("amd/fetches", e["fetches"], 5)
    check("amd/panic_line_found", (r["panic_line"] or "").endswith("2 DMA transfer(s) armed"), True)
    check("amd/panic_to_done_positive", (r["panic_to_capture_done_s"] or 0) > 0, True)
    check("amd/takeover_window_ms", round(r["takeover_ms"], 3), round((t1 - t0) * 1000, 3))
    check("amd/crashkernel_range", r["crashkernel"], ["0x2f000000", "0x3effffff"])


def test_window():
    """The post-panic window: from the trigger's last line to the crash
    path's first completed invalidation (its tagged completion wait; the
    driver's own waits do not count), and the frames landed after each."""
    for vendor, ev, ours, drivers in (
            ("amd", "amdvi_completion_wait", "data 0x444d415100000001", "data 0x2a"),
            ("intel", "vtd_inv_desc_wait_sw", "data 0x51410001", "data 0x2")):
        frame = Trace.frame_amd if vendor == "amd" else Trace.frame_vtd
        t = Trace()
        # The shell's line loses its newline to the kernel's output (the
        # tty had not sent it yet): per-character times still place both.
        for ch in "LAB: trigger":
            t.ev("serial_write", f"write addr 0x00 val 0x{ord(ch):02x}")
        t.console("[    4.7] edu_dma: trigger: panic now")
        t_trig = t.t - 0.002      # its last character, before \r\n
        # landed inside the window (before the crash path's wait)
        if vendor == "amd":
            frame(t, 0xffffc000, 0xffea0000, 0x123000, 0xaba000)
        else:
            frame(t, 0xffffc000, 0xffea0000, 0x123003)
        t.ev(ev, f"store address 0x1000 {drivers}")     # the driver's: ignored
        t.ev(ev, f"store address 0x1000 {ours}")
        t_q = t.t
        t.console("[    4.8] Kernel panic - not syncing: edu_dma: no DMA armed (arm=0)")
        # landed after the panic line (a stale translation, say)
        if vendor == "amd":
            frame(t, 0xffffc010, 0xffea1000, 0x234000, 0xaba000)
        else:
            frame(t, 0xffffc010, 0xffea1000, 0x234003)
        t.console("LAB: capture done: makedumpfile rc=0 in 0.25 s")
        r = labtrace.analyze(rundir(vendor, t))
        e = r["e1000e"]
        check(f"window/{vendor}/ms", round(r["window_ms"], 3), round((t_q - t_trig) * 1000, 3))
        check(f"window/{vendor}/before_panic_line", r["quiesced_before_panic_line"], True)
        check(f"window/{vendor}/landed", e["landed_ram"], 2)
        check(f"window/{vendor}/after_quiesce", e["landed_after_quiesce"], 1)
        check(f"window/{vendor}/after_panic_line", e["landed_after_panic_line"], 1)
    # No tagged wait: no window, nothing counted as after the quiesce.
    t = Trace()
    t.console("LAB: trigger")
    t.ev("amdvi_completion_wait", "store address 0x1000 data 0x2a")
    t.console("[    4.8] Kernel panic - not syncing: x")
    r = labtrace.analyze(rundir("amd", t))
    check("window/untagged_only", (r["window_ms"], r["quiesced_before_panic_line"]), (None, None))


def test_amd_no_quiesce_line():
    """The crash path logs to the log buffer only (record version 3): the
    capture kernel's banner separates its register reads from the crash
    path's."""
    t = Trace()
    t.console("[    4.8] Kernel panic - not syncing: edu_dma: 2 DMA transfer(s) armed")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 8 offset 0x0")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_CONTROL read addr 0x18, size 8 offset 0x18")
    t.console("[    0.000000] Linux version 6.1.0 (lab@lab) #1 SMP")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 4 offset 0x0")
    t0 = t.t
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_CONTROL read addr 0x18, size 8 offset 0x18")
    t.ev("amdvi_mmio_read", "AMDVI_MMIO_DEVTAB_BASE read addr 0x0, size 4 offset 0x0")
    t1 = t.t
    t.console("LAB: capture kernel up at 1.0 s")
    r = labtrace.analyze(rundir("amd", t))
    check("amd_banner/no_quiesce_line", r["panic_to_quiesce_line_s"], None)
    check("amd_banner/takeover_window_ms", round(r["takeover_ms"], 3), round((t1 - t0) * 1000, 3))


def test_vtd():
    t = Trace()
    t.console("Kernel panic - not syncing: x")
    t.frame_vtd(0xffffc010, 0xffea1400, 0x234003)    # landed: slpte address + offset
    t.frame_vtd(0xffffc020, 0xffea2000, None)        # fault
    t.frame_vtd(0xffffc030, 0xffea3000, 0x3e000003)  # into the crashkernel region
    t.frame_vtd(0xffffc040, 0xffea4000, 0x00400001)  # read-only leaf: refused
    t.ev("vtd_reg_read", "addr 0x20 size 0x8")
    t.ev("vtd_reg_write", "addr 0x20 size 0x8 value 0x1000")
    r = labtrace.analyze(rundir("intel", t))
    e = r["e1000e"]
    check("vtd/frames", e["frames"], 4)
    check("vtd/landed_ram", e["landed_ram"], 1)
    check("vtd/blocked_incl_read_only_leaf", e["blocked"], 2)
    check("vtd/landed_crashkernel", e["landed_crashkernel"], 1)
    check("vtd/writebacks_not_judged", e["wb_landed"], None)
    check("vtd/takeover_window_ms", round(r["takeover_ms"], 3), 1.0)


def test_serial_and_fallbacks():
    t = Trace()
    t.ev("serial_write", "write addr 0x03 val 0x80")   # not the data register
    t.console("abc")
    lines = labtrace.serial_lines([(1.0, "write addr 0x00 val 0x41"),
                                   (1.5, "write addr 0x01 val 0x42"),
                                   (2.0, "write addr 0x00 val 0x0d"),
                                   (2.5, "write addr 0x00 val 0x0a"),
                                   (3.0, "write addr 0x00 val 0x43")])
    check("serial/lines", lines, [(1.0, "A"), (3.0, "C")])
    d = rundir("amd", t, first="error=kexec -p failed\n")
    with open(os.path.join(d, "serial.log"), "w") as f:
        f.write("[    0.0] Reserving 256MB of memory at 752MB for crashkernel (System RAM: 1023MB)\n")
    r = labtrace.analyze(d)
    check("fallback/crashkernel_from_boot_log", r["crashkernel"], ["0x2f000000", "0x3effffff"])
    check("fallback/no_panic_no_frames", (r["t_panic"], r["e1000e"]["frames"]), (None, 0))
    # Linux 6.12 words the reservation differently.
    with open(os.path.join(d, "serial.log"), "w") as f:
        f.write("[    0.026463] crashkernel reserved: 0x000000002f000000 - 0x000000003f000000 (256 MB)\n")
    r = labtrace.analyze(d)
    check("fallback/crashkernel_from_6.12_boot_log", r["crashkernel"], ["0x2f000000", "0x3effffff"])
    # The first kernel's line, not the capture kernel's later one.
    check("fallback/crashkernel_first_boot_log", labtrace.qtrace.crashkernel_range(
        "crashkernel reserved: 0x1000000 - 0x2000000 (16 MB)\n"
        "Reserving 256MB of memory at 752MB for crashkernel\n"), (0x1000000, 0x2000000))


def test_edu():
    res = {"buffers": [
        {"role": "write", "verdict": "landed", "iova": "0xffffd000", "phys": "0x100000",
         "trace_faults": 0},
        {"role": "write", "verdict": "blocked", "iova": "0xffffd000", "phys": "0x200000",
         "trace_faults": 5},
        {"role": "write", "verdict": "untranslated", "iova": "0x30000000", "phys": "0x300000",
         "trace_faults": 0},
        {"role": "write", "verdict": "untranslated", "iova": "0xffffd000", "phys": "0x300000",
         "trace_faults": 0},
        {"role": "read", "verdict": "allowed", "iova": "0x1000", "phys": "0x1000"}],
        "record": {"ran": 1, "total_cycles": 2700000, "tsc_khz": 2700000,
                   "shutdown_begin": 10_000_000, "quiesce_begin": 11_000_000,
                   "quiesce_end": 14_000_000, "shutdown_end": 37_000_000}}
    r = labtrace.analyze(rundir("amd", Trace(), res))
    u = r["edu"]
    check("edu/writes", u["writes"], 4)
    check("edu/landed_ram", u["landed_ram"], 1)
    check("edu/blocked_faulted", (u["blocked"], u["faulted"]), (1, 1))
    check("edu/untranslated_into_crashkernel", u["landed_crashkernel"], 1)
    check("edu/untranslated_to_no_ram", u["landed_nowhere"], 1)
    check("edu/crash_path_us_from_record", round(r["crash_path_us"]), 1000)
    check("edu/shutdown_us_from_stamps", round(r["shutdown_us"]), 10000)
    check("edu/crash_path_share", r["crash_path_share"], 0.1)
    check("edu/quiesce_with_log_share", round(r["quiesce_with_log_share"], 4), 0.1111)


def test_shutdown_cycles():
    s = labtrace.shutdown_cycles
    good = {"ran": 1, "total_cycles": 5, "shutdown_begin": 100, "quiesce_begin": 110,
            "quiesce_end": 120, "shutdown_end": 150}
    check("shutdown/good", s(good), 50)
    check("shutdown/unstamped", s(dict(good, shutdown_begin=0)), None)
    check("shutdown/version1_record", s({"ran": 1, "total_cycles": 5}), None)
    check("shutdown/end_before_quiesce", s(dict(good, shutdown_end=115)), None)
    check("shutdown/walk_longer_than_its_stamps", s(dict(good, total_cycles=11)), None)
    check("shutdown/off_mode_no_walk", s(dict(good, ran=0, total_cycles=0)), 50)


def test_takeover_window():
    w = labtrace.takeover_window
    check("takeover/amd_burst_then_late_read",
          round(w([(1.000, "access"), (1.001, "access"), (1.003, "access"), (1.600, "access")]), 3),
          3.0)
    check("takeover/vtd_ends_at_first_write",
          round(w([(2.0, "access"), (2.026, "write"), (2.030, "write"), (2.1, "access")]), 3), 26.0)
    check("takeover/single_access_none", w([(1.0, "access")]), None)


if __name__ == "__main__":
    for t in (test_amd, test_window, test_amd_no_quiesce_line, test_vtd, test_serial_and_fallbacks, test_edu,
              test_takeover_window, test_shutdown_cycles):
        run_case(t)
    sys.exit(1 if failed else 0)
